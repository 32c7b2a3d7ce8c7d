import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CASE_STATUSES, CaseStatus } from '@returns/contracts';
import { isTerminal } from './state-machine';

/** Cases asked for one reason, and what became of them. */
export interface ReasonFigures {
  reasonCode: string;
  cases: number;
  /** of every case in the range, 0..1 */
  share: number;
  approved: number;
  rejected: number;
  /** waiting for an agent now */
  inReview: number;
  cancelled: number;
}

/** Hours the cases spent in one status before they left it (or so far, for those still in it). */
export interface StageFigures {
  status: CaseStatus;
  /** stays in this status: one per case that entered it */
  cases: number;
  /** of them, cases still in it: their time so far is counted */
  stillIn: number;
  p50Hours: number;
  p95Hours: number;
  maxHours: number;
}

/** The deadlines of a case: who was late for what. */
export type Sla = 'review' | 'ship-back' | 'receipt' | 'inspection';

export interface SlaBreach {
  caseId: string;
  rmaNumber: string;
  /** the case's status now */
  status: CaseStatus;
  sla: Sla;
  dueAt: string;
  /** still waiting past the deadline (the deadline's timer has not acted yet, or, for the receipt, the parcel is still not scanned in) */
  open: boolean;
  /**
   * who moved the case on once it was past the deadline, and when: the deadline's timer (approved
   * the review, closed the unshipped return, accepted the uninspected one) or, for the receipt,
   * the warehouse's late scan
   */
  resolvedBy: string | null;
  resolvedAt: string | null;
}

/** Each deadline: the field of `deadlines` it is kept in, the status it waits on, the actor of its timer's move (none: it moves nothing). */
const SLAS: { sla: Sla; field: string; status: CaseStatus; actor: string | null }[] = [
  { sla: 'review', field: 'reviewBy', status: 'PENDING_REVIEW', actor: 'system:review-deadline' },
  { sla: 'ship-back', field: 'shipBackBy', status: 'AWAITING_SHIPMENT', actor: 'system:ship-back-deadline' },
  // Delivered to the warehouse's door, not yet scanned in: the timer only tells the agents.
  { sla: 'receipt', field: 'receiveBy', status: 'IN_TRANSIT', actor: null },
  { sla: 'inspection', field: 'inspectBy', status: 'RECEIVED', actor: 'system:inspection-deadline' },
];

const hours = (value: number | string | null) => Math.round(Number(value ?? 0) * 10_000) / 10_000;

/**
 * What admins read to find bottlenecks: reasons asked for, hours spent in each status, and
 * deadlines missed. Read-only queries over the cases and their timeline; they scan the cases
 * of the range asked for, so they are for dashboards, not for the hot path.
 */
@Injectable()
export class CaseAnalytics {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Cases created in [from, to), by reason, most asked first. */
  async reasons(from: Date, to: Date): Promise<{ total: number; items: ReasonFigures[] }> {
    const rows: Omit<ReasonFigures, 'share'>[] = await this.dataSource.query(
      `SELECT reason_code AS "reasonCode", count(*)::int AS cases,
              count(*) FILTER (WHERE decision->>'outcome' = 'APPROVED')::int AS approved,
              count(*) FILTER (WHERE decision->>'outcome' = 'REJECTED')::int AS rejected,
              count(*) FILTER (WHERE status = 'PENDING_REVIEW')::int AS "inReview",
              count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled
         FROM return_cases WHERE created_at >= $1 AND created_at < $2
        GROUP BY reason_code ORDER BY cases DESC, reason_code`,
      [from, to],
    );
    const total = rows.reduce((sum, r) => sum + r.cases, 0);
    return { total, items: rows.map((r) => ({ ...r, share: Math.round((r.cases / total) * 10_000) / 10_000 })) };
  }

  /**
   * For the cases created in [from, to): per status a case can leave, the hours its stays
   * lasted (p50, p95, max), from the timeline; a stay not over yet counts until now. A request
   * of the range still waiting in the intake queue (no case yet) is a stay in REQUESTED not
   * over: in a backlog that is where the time goes. In the statuses' order.
   */
  async stages(from: Date, to: Date): Promise<StageFigures[]> {
    const rows: { status: CaseStatus; cases: number; stillIn: number; p50: number; p95: number; max: number }[] = await this.dataSource.query(
      `WITH stays AS (
         SELECT t.to_status AS status,
                extract(epoch FROM coalesce(lead(t.at) OVER stay, now()) - t.at) / 3600 AS hours,
                lead(t.at) OVER stay IS NULL AS still_in
           FROM return_cases c JOIN case_timeline t ON t.case_id = c.id
          WHERE c.created_at >= $1 AND c.created_at < $2
         WINDOW stay AS (PARTITION BY t.case_id ORDER BY t.id)
         UNION ALL
         SELECT 'REQUESTED', extract(epoch FROM now() - w.created_at) / 3600, true
           FROM waiting_requests w
          WHERE w.created_at >= $1 AND w.created_at < $2 AND NOT EXISTS (SELECT 1 FROM return_cases c WHERE c.id = w.id)
       )
       SELECT status, count(*)::int AS cases, count(*) FILTER (WHERE still_in)::int AS "stillIn",
              percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY hours) AS p95, max(hours) AS max
         FROM stays WHERE status <> ALL($3::text[]) GROUP BY status`,
      [from, to, CASE_STATUSES.filter(isTerminal)],
    );
    return rows
      .map((r) => ({ status: r.status, cases: r.cases, stillIn: r.stillIn, p50Hours: hours(r.p50), p95Hours: hours(r.p95), maxHours: hours(r.max) }))
      .sort((a, b) => CASE_STATUSES.indexOf(a.status) - CASE_STATUSES.indexOf(b.status));
  }

  /**
   * Deadlines due in [from, to) that a party missed: those still waiting past them (open),
   * and those that left the status they waited in only once due, by the deadline's timer
   * (the agent, the customer or the warehouse was late) or, for the receipt, by a late scan.
   * Latest due first, at most `limit`.
   */
  async slaBreaches(from: Date, to: Date, limit: number): Promise<{ total: number; items: SlaBreach[] }> {
    const rows: (Omit<SlaBreach, 'dueAt' | 'resolvedAt'> & { dueAt: Date; resolvedAt: Date | null; total: number })[] = await this.dataSource.query(
      `WITH slas(sla, field, status, actor) AS (SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])),
       due AS (
         SELECT c.id, c.rma_number, c.status, s.sla, s.status AS waits_in, s.actor, (c.deadlines->>s.field)::timestamptz AS due_at
           FROM return_cases c JOIN slas s ON c.deadlines->>s.field IS NOT NULL
       ),
       breaches AS (
         SELECT d.id, d.rma_number, d.status, d.sla, d.due_at, d.status = d.waits_in AS open, r.actor AS resolved_by, r.at AS resolved_at
           FROM due d
           -- The move out of the status it waited in by the deadline's timer, or by anyone once it was due.
           LEFT JOIN LATERAL (
             SELECT t.actor, t.at FROM case_timeline t
              WHERE t.case_id = d.id AND t.from_status = d.waits_in AND (t.actor = d.actor OR t.at >= d.due_at) ORDER BY t.id LIMIT 1
           ) r ON true
          WHERE d.due_at >= $1 AND d.due_at < $2 AND d.due_at < now() AND (d.status = d.waits_in OR r.actor IS NOT NULL)
       )
       SELECT id AS "caseId", rma_number AS "rmaNumber", status, sla, due_at AS "dueAt", open, resolved_by AS "resolvedBy", resolved_at AS "resolvedAt",
              count(*) OVER ()::int AS total
         FROM breaches ORDER BY due_at DESC, id LIMIT $7`,
      [from, to, SLAS.map((s) => s.sla), SLAS.map((s) => s.field), SLAS.map((s) => s.status), SLAS.map((s) => s.actor), limit],
    );
    return {
      total: rows[0]?.total ?? 0,
      items: rows.map(({ total: _total, dueAt, resolvedAt, ...r }) => ({ ...r, dueAt: new Date(dueAt).toISOString(), resolvedAt: resolvedAt ? new Date(resolvedAt).toISOString() : null })),
    };
  }
}
