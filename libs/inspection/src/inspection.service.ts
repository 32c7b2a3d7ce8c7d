import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { assertDeadlinePassed, badRequest, CaseService, conflict, IllegalTransitionError, ReturnCase, ReturnItem } from '@returns/case';
import { Disposition, ItemCondition, JobRequest, Jobs } from '@returns/contracts';
import { PolicyService } from '@returns/policy';
import { OutboxService, Tx } from '@returns/queue';
import { gradeInspection, GradedItem, uninspectedDisposition, unitsToSendBack, withinCase } from './grading';
import { Inspection, SubmittedInspectionItem } from './inspection.entity';

/** The customer's message of a failed inspection: the item comes back to them, or (nothing to send back) none of it came. */
function failedMessage(caseId: string, goingBack: boolean, priority: number): JobRequest {
  return Jobs.notify(caseId, 'inspection.failed', goingBack ? {} : { nothingCame: 'yes' }, priority);
}

/** Warehouse QC: takes the inspector's report, grades it, decides what becomes of each item. */
@Injectable()
export class InspectionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly cases: CaseService,
    private readonly policies: PolicyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Stores a report for a RECEIVED case and queues its grading. One report per case, and it
   * names only the case's skus (400 otherwise: a mistyped sku would fail the return for good,
   * with no second report; an item the customer sent instead is reported under the case's
   * sku as WRONG_ITEM_RETURNED). More units of an sku than the case has are taken: the parcel
   * holds what it holds, and grading sends the units beyond the case back to the customer.
   */
  async submit(caseId: string, inspector: string, items: SubmittedInspectionItem[]): Promise<void> {
    await this.outbox.transaction(async (tx) => {
      const subject = await this.cases.lockForMove(tx.manager, caseId, 'REFUND_PENDING');
      if (subject.status !== 'RECEIVED') throw new IllegalTransitionError(subject.status, 'REFUND_PENDING');
      const skus = new Set((await this.cases.items(caseId, tx.manager)).map((line) => line.sku));
      const strangers = [...new Set(items.map((item) => item.sku).filter((sku) => !skus.has(sku)))];
      if (strangers.length) {
        throw badRequest(
          strangers.map((sku) => `items: ${sku} is not in return ${caseId} (its skus: ${[...skus].join(', ')}); report an item sent instead under the case's sku as WRONG_ITEM_RETURNED`),
          'INSPECTION_ITEM_NOT_IN_RETURN',
        );
      }
      const rows = await tx.manager.query(
        `INSERT INTO inspections (case_id, inspector, submitted) VALUES ($1, $2, $3) ON CONFLICT (case_id) DO NOTHING RETURNING case_id`,
        [caseId, inspector, JSON.stringify(items)],
      );
      if (!rows.length) {
        throw conflict('INSPECTION_ALREADY_SUBMITTED', `return ${caseId} has an inspection being graded`);
      }
      tx.enqueue(Jobs.gradeInspection(caseId, subject.priority));
    });
  }

  /**
   * What inspection owes (`JobRecovery`): the grading of each report submitted since `since`
   * and not yet graded, the customer's message of each return failed since then, and the
   * disposition webhook (inventory) of each return settled since then, though it moved on.
   */
  async owedSince(since: Date): Promise<JobRequest[]> {
    const ungraded: { case_id: string; priority: number }[] = await this.dataSource.query(
      `SELECT i.case_id, c.priority FROM inspections i JOIN return_cases c ON c.id = i.case_id WHERE i.graded_at IS NULL AND i.submitted_at >= $1`,
      [since],
    );
    const failed: { id: string; priority: number; going_back: boolean }[] = await this.dataSource.query(
      `SELECT c.id, c.priority,
              EXISTS (SELECT 1 FROM inspections i CROSS JOIN LATERAL jsonb_array_elements(COALESCE(i.items, '[]'::jsonb)) e
                       WHERE i.case_id = c.id AND e->>'disposition' = 'RETURN_TO_CUSTOMER') AS going_back
         FROM return_cases c WHERE c.status IN ('INSPECTION_FAILED', 'RETURNED_TO_CUSTOMER') AND c.updated_at >= $1`,
      [since],
    );
    const settled = await this.cases.movedSince(since, ['INSPECTION_FAILED', 'EXCHANGE_SHIPPED', 'REFUND_PENDING'], ['RECEIVED']);
    return [
      ...ungraded.map((i) => Jobs.gradeInspection(i.case_id, i.priority)),
      ...failed.map((c) => failedMessage(c.id, c.going_back, c.priority)),
      ...settled.map((m) => Jobs.webhook(m.caseId, 'inventory.disposition')),
    ];
  }

  /** Grades the stored report and moves the case on. A replay finds the case moved and stops. */
  async grade(caseId: string): Promise<void> {
    // Outside the transaction (see IntakeService.judge): the versions the case was decided under.
    const book = await this.policies.recordedBook((await this.cases.find(caseId))?.decision?.policyVersion);
    await this.outbox.transaction(async (tx) => {
      const subject = await this.cases.lock(tx.manager, caseId);
      if (!subject || subject.status !== 'RECEIVED') return;
      const inspection = await tx.manager.findOne(Inspection, { where: { caseId } });
      if (!inspection) return;
      const lines = await this.cases.items(caseId, tx.manager);
      // Graded under the policy versions the case was decided with, not whatever holds today.
      const grading = gradeInspection({
        reasonCode: subject.reasonCode,
        caseLines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, category: l.category })),
        inspected: inspection.submitted,
        rulesFor: (category) => book.for(category),
      });
      await tx.manager.update(Inspection, { caseId }, { outcome: grading.outcome, items: grading.items, gradedAt: new Date() });
      await this.settle(tx, subject, grading.items, `inspector:${inspection.inspector}`, `inspection ${grading.outcome.toLowerCase()}${beyondCaseNote(grading.items)}`);
    });
  }

  /**
   * The inspection deadline fired with no report: the return is accepted as it is, and its
   * units go where `uninspectedDisposition` says (a merchant-fault unit is not restocked).
   * @returns whether it acted
   */
  async onInspectionDeadline(caseId: string): Promise<boolean> {
    return this.outbox.transaction(async (tx) => {
      const subject = await this.cases.lock(tx.manager, caseId);
      if (!subject || subject.status !== 'RECEIVED') return false;
      if (await tx.manager.findOne(Inspection, { where: { caseId } })) return false; // a report is being graded
      assertDeadlinePassed(subject, 'inspection');
      const lines = await this.cases.items(caseId, tx.manager);
      const accepted: GradedItem[] = lines.map((l) => ({
        sku: l.sku,
        quantity: l.quantity,
        condition: 'NEW',
        passed: true,
        acceptedQuantity: l.quantity,
        // Refunded as it is; inventory is not told to sell a unit the customer said was faulty.
        disposition: uninspectedDisposition(subject.reasonCode),
        reasons: ['not inspected within the deadline: accepted as it is'],
      }));
      await this.settle(tx, subject, accepted, 'system:inspection-deadline', 'not inspected in time: accepted as it is');
      return true;
    });
  }

  /** Records what was accepted and its disposition, tells inventory, and routes the case. */
  private async settle(tx: Tx, subject: ReturnCase, graded: GradedItem[], actor: string, note: string): Promise<void> {
    // One sku may be reported in several lines (1 NEW, 1 DAMAGED): add them up per sku. Units
    // beyond the case are not the case line's: they say nothing of where its units go.
    const caseUnits = graded.filter((item) => !item.beyondCase);
    const bySku = new Map<string, { accepted: number; disposition: GradedItem['disposition'] }>();
    for (const item of caseUnits) {
      const seen = bySku.get(item.sku);
      // The disposition of the accepted units wins; otherwise the first reported.
      if (!seen) bySku.set(item.sku, { accepted: item.acceptedQuantity, disposition: item.disposition });
      else {
        if (item.acceptedQuantity > 0 && seen.accepted === 0) seen.disposition = item.disposition;
        seen.accepted += item.acceptedQuantity;
      }
    }
    for (const [sku, { accepted, disposition }] of bySku) {
      await tx.manager.query(
        `UPDATE return_items SET accepted_quantity = LEAST($3::integer, quantity), disposition = $4 WHERE case_id = $1 AND sku = $2`,
        [subject.id, sku, accepted, disposition],
      );
    }
    tx.enqueue(Jobs.webhook(subject.id, 'inventory.disposition'));
    const accepted = graded.reduce((n, item) => n + item.acceptedQuantity, 0);
    // What failed goes back to its customer, whether the rest passed or not.
    const goingBack = unitsToSendBack(graded);
    if (goingBack > 0) tx.enqueue(Jobs.sendBack(subject.id, subject.priority));
    if (accepted === 0) {
      await this.cases.transition(tx.manager, subject, 'INSPECTION_FAILED', actor, note);
      tx.enqueue(failedMessage(subject.id, goingBack > 0, subject.priority));
      if (goingBack === 0) {
        // Every unit reported missing: an empty or wrong parcel, nothing to send back. The agents take it up.
        const message = `none of the ${caseUnits.reduce((n, i) => n + i.quantity, 0)} unit(s) of this return came in the parcel (all reported MISSING): nothing to send back; contact the customer`;
        await this.cases.notifyAgents(tx.manager, subject.id, 'inspection-nothing-came', message);
      }
    } else if (subject.type === 'EXCHANGE') {
      await this.cases.transition(tx.manager, subject, 'EXCHANGE_SHIPPED', actor, note);
      // Nothing is refunded: the replacement goes out (as many units as passed), and the case
      // completes when the customer has had the time to get it.
      tx.enqueue(Jobs.shipReplacement(subject.id, subject.priority), await this.cases.setDeadline(tx.manager, subject, 'completion', this.config.deadlines.completionMs));
    } else {
      await this.cases.transition(tx.manager, subject, 'REFUND_PENDING', actor, note);
      tx.enqueue(Jobs.issueRefund(subject.id, 1, subject.priority));
    }
  }

  findByCase(caseId: string): Promise<Inspection | null> {
    return this.dataSource.manager.findOne(Inspection, { where: { caseId } });
  }

  /**
   * What inventory is told of a settled case (`inventory.disposition`): where its units go,
   * per line of the graded report, for one sku may be graded in several lines (1 NEW to
   * RESTOCK, 1 DAMAGED to RETURN_TO_VENDOR); per case line when no report was graded (the
   * deadline accepted the return as it is: `uninspectedDisposition`). Units beyond the case's
   * quantity of an sku are their own line, RETURN_TO_CUSTOMER: inventory is never told to
   * stock, refurbish or scrap more units than the case has.
   */
  async dispositions(caseId: string): Promise<DispositionLine[]> {
    const [items, inspection] = await Promise.all([this.cases.items(caseId), this.findByCase(caseId)]);
    const line = (item: ReturnItem | undefined, sku: string) => ({ sku, name: item?.name ?? null, category: item?.category ?? null, unitPrice: item?.unitPrice ?? null });
    if (!inspection?.items) {
      return items.map((item) => ({ ...line(item, item.sku), quantity: item.quantity, acceptedQuantity: item.acceptedQuantity ?? 0, condition: null, disposition: item.disposition }));
    }
    const bySku = new Map(items.map((item) => [item.sku, item]));
    const caseQuantity = new Map<string, number>();
    for (const item of items) caseQuantity.set(item.sku, (caseQuantity.get(item.sku) ?? 0) + item.quantity);
    return withinCase(inspection.items, caseQuantity).map((graded) => ({
      ...line(bySku.get(graded.sku), graded.sku),
      quantity: graded.quantity,
      acceptedQuantity: graded.acceptedQuantity,
      condition: graded.condition,
      disposition: graded.disposition,
    }));
  }
}

/**
 * The timeline's word on units the parcel held beyond the return (empty when none), e.g.
 * "; 2 units of S1 beyond the return: the customer's, sent back to them, not refunded".
 */
function beyondCaseNote(graded: GradedItem[]): string {
  const extra = new Map<string, number>();
  for (const item of graded) if (item.beyondCase && item.disposition === 'RETURN_TO_CUSTOMER') extra.set(item.sku, (extra.get(item.sku) ?? 0) + item.quantity);
  if (!extra.size) return '';
  const what = [...extra].map(([sku, n]) => `${n} unit${n === 1 ? '' : 's'} of ${sku}`).join(', ');
  return `; ${what} beyond the return: the customer's, sent back to them, not refunded`;
}

/** Units of one sku and where they go, as `inventory.disposition` tells them. */
export interface DispositionLine {
  sku: string;
  name: string | null;
  category: string | null;
  /** minor units */
  unitPrice: number | null;
  quantity: number;
  /** of `quantity`, the units accepted for refund */
  acceptedQuantity: number;
  /** as graded; null when no report was graded */
  condition: ItemCondition | null;
  disposition: Disposition | null;
}
