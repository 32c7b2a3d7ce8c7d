import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { badRequest, CaseService, ReturnCase, ReturnItem } from '@returns/case';
import { ListReturnsQuery } from './list-returns.query';
import { InspectionService } from '@returns/inspection';
import { IntakeService, ReturnRequest } from '@returns/intake';
import { LogisticsService } from '@returns/logistics';
import { FeedbackService, RefundService } from '@returns/refund';

function itemView(item: ReturnItem) {
  return {
    sku: item.sku,
    name: item.name,
    category: item.category,
    quantity: item.quantity,
    unitPrice: item.unitPrice,
    acceptedQuantity: item.acceptedQuantity,
    disposition: item.disposition,
  };
}

function summary(subject: ReturnCase, items: ReturnItem[]) {
  return {
    id: subject.id,
    rmaNumber: subject.rmaNumber,
    orderId: subject.orderId,
    merchantId: subject.merchantId,
    customerId: subject.customerId,
    type: subject.type,
    reasonCode: subject.reasonCode,
    reasonText: subject.reasonText,
    returnMethod: subject.returnMethod,
    channel: subject.channel,
    status: subject.status,
    currency: subject.currency,
    valueMinor: subject.valueMinor,
    items: items.map(itemView),
    photos: subject.photos,
    decision: subject.decision,
    risk: subject.risk,
    shippingPaidBy: subject.shippingPaidBy,
    createdAt: subject.createdAt.toISOString(),
    updatedAt: subject.updatedAt.toISOString(),
  };
}

/** The whole case as `GET /v1/returns/{id}` shows it, gathered from each stage's records. */
@Injectable()
export class CaseViewService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cases: CaseService,
    private readonly intake: IntakeService,
    private readonly logistics: LogisticsService,
    private readonly inspection: InspectionService,
    private readonly refunds: RefundService,
    private readonly feedback: FeedbackService,
  ) {}

  /** null when no such return was ever accepted. */
  async find(id: string) {
    const subject = await this.cases.find(id);
    if (!subject) {
      const request = await this.intake.findRequest(id);
      return request ? this.buffered(request) : null;
    }
    const [items, timeline, shipment, events, inspection, refund, sentBack, feedback] = await Promise.all([
      this.cases.items(id),
      this.cases.timeline(id),
      this.logistics.findByCase(id),
      this.logistics.eventsOf(id),
      this.inspection.findByCase(id),
      this.refunds.findByCase(id),
      this.logistics.sentBackOf(id),
      this.feedback.ofCase(id),
    ]);
    return {
      ...summary(subject, items),
      returnShippingChargeMinor: subject.returnShippingChargeMinor,
      shipment: shipment && {
        carrier: shipment.carrier,
        trackingNumber: shipment.trackingNumber,
        method: shipment.method,
        labelUrl: shipment.labelUrl,
        pickupWindow: shipment.pickupWindow,
        costMinor: shipment.costMinor,
        paidBy: shipment.paidBy,
        status: shipment.status,
        events: events.map((e) => ({ status: e.status, occurredAt: e.occurredAt.toISOString(), location: e.location })),
      },
      inspection: inspection && {
        outcome: inspection.outcome,
        items: inspection.items ?? inspection.submitted,
        inspector: inspection.inspector,
        at: (inspection.gradedAt ?? inspection.submittedAt).toISOString(),
      },
      refund: refund && {
        id: refund.id,
        amount: refund.amount,
        currency: refund.currency,
        breakdown: refund.breakdown,
        method: refund.method,
        status: refund.status,
        providerRefundId: refund.providerRefundId,
        attempts: refund.attempts,
        lastError: refund.lastError,
      },
      sentBack,
      feedback,
      deadlines: subject.deadlines,
      timeline: timeline.map((t) => ({ at: t.at.toISOString(), from: t.from, to: t.to, actor: t.actor, note: t.note })),
    };
  }

  /** A request still waiting in the intake queue: REQUESTED, with what was asked. */
  private buffered(request: ReturnRequest) {
    const body = request.body;
    return {
      id: request.id,
      rmaNumber: request.rmaNumber,
      orderId: request.orderId,
      merchantId: null,
      customerId: null,
      type: body.type,
      reasonCode: body.reasonCode,
      reasonText: body.reasonText ?? null,
      returnMethod: body.returnMethod ?? null,
      channel: body.channel ?? null,
      status: 'REQUESTED' as const,
      items: body.items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitPrice: null })),
      photos: body.photos ?? [],
      decision: null,
      shippingPaidBy: null,
      shipment: null,
      inspection: null,
      refund: null,
      sentBack: null,
      feedback: null,
      deadlines: {},
      timeline: [{ at: request.createdAt.toISOString(), from: null, to: 'REQUESTED', actor: 'intake', note: 'waiting in the intake queue' }],
      createdAt: request.createdAt.toISOString(),
      updatedAt: request.createdAt.toISOString(),
    };
  }

  /** Newest first, keyset-paginated on (createdAt, id). */
  async list(query: ListReturnsQuery) {
    const limit = query.limit ?? 20;
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.status) add('status = ?', query.status);
    if (query.orderId) add('order_id = ?', query.orderId);
    if (query.customerId) add('customer_id = ?', query.customerId);
    if (query.merchantId) add('merchant_id = ?', query.merchantId);
    if (query.cursor) {
      const [at, id] = decodeCursor(query.cursor);
      params.push(at, id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const ids: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM return_cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = ids.slice(0, limit).map((r) => r.id);
    const cases = page.length ? await this.dataSource.manager.find(ReturnCase, { where: { id: In(page) } }) : [];
    const items = page.length ? await this.dataSource.manager.find(ReturnItem, { where: { caseId: In(page) }, order: { sku: 'ASC' } }) : [];
    const byId = new Map(cases.map((c) => [c.id, c]));
    const out = page.map((id) => summary(byId.get(id)!, items.filter((i) => i.caseId === id)));
    const last = page.length === limit && ids.length > limit ? byId.get(page[page.length - 1])! : null;
    return { items: out, nextCursor: last ? encodeCursor(last.createdAt, last.id) : null };
  }
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw badRequest(['cursor is not one this API gave out'], 'INVALID_CURSOR');
  }
  return [at, id];
}
