import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { badRequest, CaseService, ReturnCase, ReturnItem } from '@returns/case';
import { Decision, DecisionCode } from '@returns/contracts';
import { Conditions } from '@returns/database';
import { ListReturnsQuery } from './list-returns.query';
import { InspectionService } from '@returns/inspection';
import { FoundWaitingRequest, IntakeService, WaitingRequest } from '@returns/intake';
import { LogisticsService } from '@returns/logistics';
import { FeedbackService, RefundService, refundView } from '@returns/refund';

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

const RISK_CODE: DecisionCode = 'RISK_SIGNAL';

/**
 * A case as the customer's side (the portal) sees it: without its risk assessment in any
 * form. A customer told which of their habits or photos raised a flag learns how to get
 * past it next time, so the portal gets no `risk`, no `risk.score` rule, no `RISK_SIGNAL`
 * code in the decision (its codes, its note) or in any timeline note, whoever wrote it
 * (judging's codes, or an agent's words that name it): a case in review says that an
 * agent will look, and why only when the reason is the customer's to mend (a vague reason,
 * a missing photo). Nor a refund's `lastError`: the payment provider's own words (an
 * address, a merchant account's state), for finance, nor the same words as the note of the
 * case's move to REFUND_FAILED; the customer sees the refund's status and attempts. Agents,
 * finance, the warehouse and upstream see the case whole.
 */
export function customerView<V extends { decision: Decision | null; timeline: { to: string; actor: string; note: string | null }[]; refund?: object | null }>(
  view: V & { risk?: unknown },
): V {
  const { risk: _risk, ...rest } = view;
  const { decision, refund } = view;
  const { lastError: _lastError, ...refundShown } = (refund ?? {}) as { lastError?: unknown };
  return {
    ...(rest as unknown as V),
    ...(refund && { refund: refundShown }),
    decision: decision && {
      ...decision,
      codes: decision.codes.filter((c) => c !== RISK_CODE),
      rules: decision.rules.filter((r) => r.id !== 'risk.score'),
      ...(decision.note && { note: withoutRiskCode(decision.note) ?? undefined }),
    },
    timeline: view.timeline.map((t) => (t.note ? { ...t, note: t.to === 'REFUND_FAILED' ? null : withoutRiskCode(t.note) } : t)),
  };
}

/**
 * A note without the risk code, wherever it stands in it and whoever wrote it: judging's list
 * of codes (`VAGUE_REASON, RISK_SIGNAL`) or an agent's words; null when nothing else is left.
 */
export function withoutRiskCode(note: string): string | null {
  const cleaned = note
    .replace(/(,\s*)?\bRISK_SIGNAL\b(\s*,\s*)?/gi, (_m, before?: string, after?: string) => (before && after ? ', ' : ''))
    .replace(/\s{2,}/g, ' ')
    .trim();
  return cleaned || null;
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
      const waiting = await this.intake.findWaiting(id);
      return waiting ? this.buffered(waiting) : null;
    }
    const [items, timeline, shipment, events, inspection, refund, sentBack, replacement, feedback] = await Promise.all([
      this.cases.items(id),
      this.cases.timeline(id),
      this.logistics.findByCase(id),
      this.logistics.eventsOf(id),
      this.inspection.findByCase(id),
      this.refunds.findByCase(id),
      this.logistics.outboundOf(id, 'sent-back'),
      this.logistics.outboundOf(id, 'replacement'),
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
        /** ISO currency of costMinor: the carrier's quote (CNY), not always the order's */
        costCurrency: shipment.costCurrency,
        paidBy: shipment.paidBy,
        status: shipment.status,
        events: events.map((e) => ({ status: e.status, occurredAt: e.occurredAt.toISOString(), location: e.location })),
      },
      inspection: inspection && {
        outcome: inspection.outcome,
        items: inspection.items ?? inspection.submitted,
        // The inspector's report as submitted (checks, photos, notes): grading's items keep none of them.
        report: inspection.submitted,
        inspector: inspection.inspector,
        at: (inspection.gradedAt ?? inspection.submittedAt).toISOString(),
      },
      refund: refund && refundView(refund),
      sentBack,
      replacement,
      feedback,
      deadlines: subject.deadlines,
      timeline: timeline.map((t) => ({ at: t.at.toISOString(), from: t.from, to: t.to, actor: t.actor, note: t.note })),
    };
  }

  /**
   * A request not yet judged: REQUESTED, with what was asked; waiting in the intake queue, or
   * held for its order's delivery (DELIVERY_GRACE), then with the grace's end, when it is
   * judged at the latest (`deadlines.deliveryGraceUntil`).
   */
  private buffered(waiting: FoundWaitingRequest) {
    const { request, heldUntil } = waiting;
    const note = heldUntil
      ? `waiting for order ${request.orderId} to be delivered, judged by ${heldUntil.toISOString()} at the latest`
      : 'waiting in the intake queue';
    return {
      ...bufferedSummary(waiting),
      shipment: null,
      inspection: null,
      refund: null,
      sentBack: null,
      replacement: null,
      feedback: null,
      deadlines: heldUntil ? { deliveryGraceUntil: heldUntil.toISOString() } : {},
      timeline: [{ at: request.createdAt.toISOString(), from: null, to: 'REQUESTED', actor: 'intake', note }],
    };
  }

  /**
   * Newest first, keyset-paginated on (createdAt, id): the cases, and the requests still
   * waiting to be judged (REQUESTED) where the status asked for allows them.
   */
  async list(query: ListReturnsQuery) {
    const limit = query.limit ?? 20;
    const before = query.cursor ? decodeCursor(query.cursor) : undefined;
    // The waiting first, the cases after: a request judged in between is then in both reads
    // (and shows once, as its case), never in neither.
    const waiting =
      query.status && query.status !== 'REQUESTED'
        ? []
        : await this.intake.waiting({ orderId: query.orderId, customerId: query.customerId, merchantId: query.merchantId, before, limit: limit + 1 });
    const cases = query.status === 'REQUESTED' ? [] : await this.caseKeys(query, before, limit + 1);
    const opened = new Set(cases.map((c) => c.id));
    const entries = [
      ...cases.map((c) => ({ id: c.id, at: c.created_at.getTime(), waiting: null })),
      ...waiting.filter((w) => !opened.has(w.request.id)).map((w) => ({ id: w.request.id, at: w.request.createdAt.getTime(), waiting: w })),
    ]
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, limit + 1);
    const page = entries.slice(0, limit);
    const caseIds = page.filter((e) => !e.waiting).map((e) => e.id);
    const [found, items] = caseIds.length
      ? await Promise.all([
          this.dataSource.manager.find(ReturnCase, { where: { id: In(caseIds) } }),
          this.dataSource.manager.find(ReturnItem, { where: { caseId: In(caseIds) }, order: { sku: 'ASC' } }),
        ])
      : [[], []];
    const byId = new Map(found.map((c) => [c.id, c]));
    const out = page.map((e) => (e.waiting ? bufferedSummary(e.waiting) : summary(byId.get(e.id)!, items.filter((i) => i.caseId === e.id))));
    const last = entries.length > limit ? page[page.length - 1] : null;
    return { items: out, nextCursor: last ? encodeCursor(new Date(last.at), last.id) : null };
  }

  /** The (id, createdAt) of the cases the query selects, newest first, at most `limit`. */
  private caseKeys(query: ListReturnsQuery, before: [string, string] | undefined, limit: number): Promise<{ id: string; created_at: Date }[]> {
    const conditions = new Conditions();
    if (query.status) conditions.add('status = ?', query.status);
    if (query.orderId) conditions.add('order_id = ?', query.orderId);
    if (query.customerId) conditions.add('customer_id = ?', query.customerId);
    if (query.merchantId) conditions.add('merchant_id = ?', query.merchantId);
    if (before) conditions.add('(created_at, id) < (?::timestamptz, ?::uuid)', ...before);
    const limitParam = conditions.param(limit);
    return this.dataSource.query(`SELECT id, created_at FROM return_cases ${conditions.where} ORDER BY created_at DESC, id DESC LIMIT ${limitParam}`, conditions.params);
  }
}

/** A waiting request as the list shows a case: REQUESTED, with what was asked and nothing decided. */
function bufferedSummary({ request, customerId, merchantId }: WaitingRequest) {
  const body = request.body;
  return {
    id: request.id,
    rmaNumber: request.rmaNumber,
    orderId: request.orderId,
    merchantId,
    customerId,
    type: body.type,
    reasonCode: body.reasonCode,
    reasonText: body.reasonText ?? null,
    returnMethod: body.returnMethod ?? null,
    channel: body.channel ?? null,
    status: 'REQUESTED' as const,
    currency: null,
    valueMinor: null,
    items: body.items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitPrice: null })),
    photos: body.photos ?? [],
    decision: null,
    risk: null,
    shippingPaidBy: null,
    createdAt: request.createdAt.toISOString(),
    updatedAt: request.createdAt.toISOString(),
  };
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

/** What `encodeCursor` writes: a UTC time to the millisecond (in a year PostgreSQL has: not 0000), and a UUID. */
const CURSOR_TIME = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CURSOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The `[createdAt, id]` of a cursor `encodeCursor` wrote; anything else is a 400, never a
 * query PostgreSQL refuses (a time JavaScript takes but it does not: `1`, February 30th).
 */
function decodeCursor(cursor: string): [string, string] {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const time = CURSOR_TIME.test(at ?? '') ? Date.parse(at) : NaN;
  if (rest.length || Number.isNaN(time) || new Date(time).toISOString() !== at || !CURSOR_ID.test(id ?? '')) {
    throw badRequest(['cursor is not one this API gave out'], 'INVALID_CURSOR');
  }
  return [at, id];
}
