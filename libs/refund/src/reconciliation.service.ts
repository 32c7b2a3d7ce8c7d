import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { ADVISORY_LOCK, withSessionLock } from '@returns/database';
import { RefundStatus } from '@returns/contracts';
import { PAYMENT_GATEWAY, PaymentGateway } from './payment-gateway.interface';
import { compareRefund, DISCREPANCIES, Finding, GatewayPayout, keysSoFar, payoutsUnder, RefundOnRecord } from './reconciliation';
import { RefundService } from './refund.service';

/** A refund the comparison did not find in order, for finance. */
export interface Discrepancy {
  refundId: string;
  caseId: string;
  finding: Finding;
  /** amounts in minor units of `currency` (CONTRACT.md: an ISO currency code beside every amount) */
  ours: { status: RefundStatus; amountMinor: number; currency: string; idempotencyKey: string };
  /** what the gateway paid under each key, in the currency the refund was sent in */
  gateway: (GatewayPayout & { currency: string })[];
}

/** A refund as the run compares it, with the currency its amounts are in. */
type RefundCompared = RefundOnRecord & { currency: string };

/** One run: what it compared, what it recorded, and what it left for finance. */
export interface ReconciliationReport {
  id: string;
  trigger: 'schedule' | 'manual';
  windowFrom: string;
  startedAt: string;
  finishedAt: string | null;
  /** refunds compared */
  checked: number;
  /** refunds the gateway had paid that we had not recorded as paid: recorded now */
  settled: number;
  /** refunds that could not be compared (the gateway or the database did not answer): the next run tries them again */
  unreached: number;
  discrepancies: Discrepancy[];
  /** why the run stopped before the end, or why some refunds were not reached; null when neither */
  error: string | null;
}

/** The error of a run found unfinished by a later one: its process died or lost the database first. */
export const ABANDONED = 'abandoned: the process running it stopped, or lost the database, before recording its end';

/** Refunds read per page, and gateway look-ups at once. */
const PAGE = 500;
const LOOKUPS_AT_ONCE = 8;

/**
 * The nightly comparison of our refunds with the payment gateway's (DESIGN.md: "a nightly
 * reconciliation compares our refunds with the gateway's"). Every refund changed within the
 * window, and every one still PENDING, is looked up under each key it was or could have been
 * paid under. What the gateway paid and we had not recorded (a worker that died, or the
 * database that went away, between the payment and its record on the job's last attempt) is
 * recorded now, exactly as the payment's own run would have. Anything else out of order is
 * left as it is and reported: nothing pays, or takes back, money on its own.
 */
@Injectable()
export class RefundReconciliation {
  private readonly logger = new Logger(RefundReconciliation.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly refunds: RefundService,
  ) {}

  /**
   * Runs one reconciliation now, unless another process is running one.
   * @returns its report, or null when another run holds the lock
   */
  async run(trigger: ReconciliationReport['trigger']): Promise<ReconciliationReport | null> {
    // Held for the whole run; a process that dies mid-run releases it with its connection.
    const ran = await withSessionLock(this.dataSource, ADVISORY_LOCK.refundReconciliation, () => this.reconcile(trigger));
    return ran ? ran.value : null;
  }

  /** The latest runs, newest first. */
  async recent(limit: number): Promise<ReconciliationReport[]> {
    const rows = await this.dataSource.query(
      `SELECT id, trigger, window_from, started_at, finished_at, checked, settled, unreached, discrepancies, error
         FROM refund_reconciliations ORDER BY started_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r: Record<string, any>) => ({
      id: r.id,
      trigger: r.trigger,
      windowFrom: new Date(r.window_from).toISOString(),
      startedAt: new Date(r.started_at).toISOString(),
      finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
      checked: r.checked,
      settled: r.settled,
      unreached: r.unreached,
      discrepancies: r.discrepancies,
      error: r.error,
    }));
  }

  private async reconcile(trigger: ReconciliationReport['trigger']): Promise<ReconciliationReport> {
    const { windowMs, graceMs } = this.config.reconciliation;
    const startedAt = new Date();
    const report: ReconciliationReport = {
      id: randomUUID(),
      trigger,
      windowFrom: new Date(startedAt.getTime() - windowMs).toISOString(),
      startedAt: startedAt.toISOString(),
      finishedAt: null,
      checked: 0,
      settled: 0,
      unreached: 0,
      discrepancies: [],
      error: null,
    };
    // This run holds the lock, so a run still unfinished is one whose process died or lost
    // the database before it could record its end: it is over, and says so.
    const abandoned: unknown[] = await this.dataSource.query(
      // In a WITH: TypeORM answers a bare UPDATE with [rows, count], not the rows.
      `WITH ended AS (UPDATE refund_reconciliations SET finished_at = $1, error = $2 WHERE finished_at IS NULL RETURNING id) SELECT id FROM ended`,
      [report.startedAt, ABANDONED],
    );
    if (abandoned.length) this.logger.warn(`${abandoned.length} earlier reconciliation run(s) never finished: recorded as abandoned`);
    await this.dataSource.query(
      `INSERT INTO refund_reconciliations (id, trigger, window_from, started_at) VALUES ($1, $2, $3, $4)`,
      [report.id, trigger, report.windowFrom, report.startedAt],
    );
    try {
      for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
        const page = await this.page(report.windowFrom, after);
        if (!page.length) break;
        await this.comparePage(page, startedAt, graceMs, report);
        after = page[page.length - 1].id;
      }
    } catch (error) {
      report.error = (error as Error).message;
      this.logger.warn(`reconciliation ${report.id} stopped after ${report.checked} refund(s): ${report.error}`);
    }
    report.finishedAt = new Date().toISOString();
    await this.dataSource.query(
      `UPDATE refund_reconciliations SET finished_at = $2, checked = $3, settled = $4, unreached = $5, discrepancies = $6, error = $7 WHERE id = $1`,
      [report.id, report.finishedAt, report.checked, report.settled, report.unreached, JSON.stringify(report.discrepancies), report.error],
    );
    const found = report.discrepancies.length;
    const line =
      `reconciliation ${report.id}: ${report.checked} refund(s) compared, ${report.settled} settled, ` +
      `${found} discrepanc${found === 1 ? 'y' : 'ies'}${report.unreached ? `, ${report.unreached} not reached (${report.error})` : ''}`;
    if (found) this.logger.warn(`${line}: ${report.discrepancies.map((d) => `${d.finding} ${d.refundId}`).join(', ')}`);
    else this.logger.log(line);
    return report;
  }

  /**
   * Refunds changed since `windowFrom`, and every PENDING one, after `after` in id order: a
   * walk along the primary key, once over the table in a run.
   */
  private async page(windowFrom: string, after: string): Promise<RefundCompared[]> {
    const rows: { id: string; case_id: string; status: RefundStatus; amount_minor: string; currency: string; idempotency_key: string; updated_at: Date }[] =
      await this.dataSource.query(
        `SELECT id, case_id, status, amount_minor, currency, idempotency_key, updated_at FROM refunds
          WHERE id > $2 AND (updated_at >= $1 OR status = 'PENDING') ORDER BY id LIMIT $3`,
        [windowFrom, after, PAGE],
      );
    return rows.map((r) => ({
      id: r.id,
      caseId: r.case_id,
      status: r.status,
      amount: Number(r.amount_minor),
      currency: r.currency,
      idempotencyKey: r.idempotency_key,
      updatedAt: new Date(r.updated_at),
    }));
  }

  private async comparePage(page: RefundCompared[], now: Date, graceMs: number, report: ReconciliationReport): Promise<void> {
    let next = 0;
    const lookUp = async () => {
      for (let i = next++; i < page.length; i = next++) {
        await this.compareOne(page[i], now, graceMs, report).catch((error: Error) => {
          // The gateway or the database did not answer for this one: the next run compares it again.
          report.unreached++;
          report.error ??= `not compared: ${error.message}`;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOOKUPS_AT_ONCE, page.length) }, lookUp));
  }

  private async compareOne(refund: RefundCompared, now: Date, graceMs: number, report: ReconciliationReport): Promise<void> {
    const paid = await this.payoutsOf(refund);
    const finding = compareRefund(refund, paid, now, graceMs);
    if (finding === 'SETTLE' && (await this.refunds.settlePaid(refund, paid[0].providerRefundId, 'system:reconciliation'))) {
      report.settled++;
      this.logger.warn(`refund ${refund.id} was paid by the gateway (${paid[0].providerRefundId}) but recorded ${refund.status}: recorded as paid now`);
    }
    if (DISCREPANCIES.includes(finding)) {
      report.discrepancies.push({
        refundId: refund.id,
        caseId: refund.caseId,
        finding,
        ours: { status: refund.status, amountMinor: refund.amount, currency: refund.currency, idempotencyKey: refund.idempotencyKey },
        gateway: paid.map((payout) => ({ ...payout, currency: refund.currency })),
      });
    }
    report.checked++;
  }

  /** What the gateway paid under each key the refund has had. */
  private payoutsOf(refund: RefundOnRecord): Promise<GatewayPayout[]> {
    return payoutsUnder(this.gateway, keysSoFar(refund.id, refund.idempotencyKey));
  }
}
