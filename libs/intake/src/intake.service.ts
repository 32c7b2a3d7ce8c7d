import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { Conditions, databaseUnavailable, GroupCommit, GroupCommitOptions, PreparedStatement, preparedQuery } from '@returns/database';
import { assertDeadlinePassed, CaseOpening, casePriority, CaseService, VIP_TIER, conflict, IllegalTransitionError, notFound, OrderCustomer, OrderItem, OrderSnapshot, RELEASING_STATUSES, ReturnCase } from '@returns/case';
import { CaseStatus, Decision, JobName, JobRequest, Jobs, JUDGE_RETURNS_JOB_ID, QueueName, ReasonCode } from '@returns/contracts';
import { JobProducer, jobsOfRow, OutboxService, StoredJob, Tx } from '@returns/queue';
import { PolicyService } from '@returns/policy';
import { caseFacts, isDelivered, judgeReturn, Judgement } from './policy';
import { ReturnRequest, ReturnRequestBody } from './return-request.entity';
import { bodyIdentity, newCaseId, rmaNumberFor } from './request-identity';

export interface AcceptedReturn {
  id: string;
  rmaNumber: string;
  status: 'REQUESTED';
}

/** A request as `accept` hands it to a batch. */
interface IncomingRequest {
  clientId: string;
  idempotencyKey: string;
  body: ReturnRequestBody;
  /** the body's canonical JSON, as stored (`bodyIdentity`) */
  json: string;
  hash: string;
}

type IntakeOutcome =
  | { kind: 'stored' | 'repeated'; id: string; rmaNumber: string }
  | { kind: 'unknown-order' }
  | { kind: 'key-reused' };

/** A buffered request with its order, as `judge` reads them. */
interface JudgedRequestRow {
  id: string;
  rma_number: string;
  body: ReturnRequestBody;
  created_at: Date;
  order_id: string;
  merchant_id: string;
  customer_id: string;
  customer: OrderCustomer;
  currency: string;
  delivered_at: Date | null;
  items: OrderItem[];
}

/**
 * Buffered requests (`$1`, ids) with their orders, the orders locked in id order: so two
 * batches never wait on each other in a cycle, and two cases cannot both claim the same units.
 * An order's requests come in the order of `$1` (a judge job's requests as they came): the
 * one asked first is judged first, and gets the units when two ask for the same.
 */
const LOCKED_REQUESTS_SQL = `SELECT r.id, r.rma_number, r.body, r.created_at, o.id AS order_id, o.merchant_id, o.customer_id, o.customer, o.currency, o.delivered_at, o.items
   FROM return_requests r JOIN orders o ON o.id = r.order_id WHERE r.id = ANY($1::uuid[]) ORDER BY o.id, array_position($1::uuid[], r.id) FOR UPDATE OF o`;

/** A request to judge: at its DELIVERY_GRACE's end (`graceOver`) it is judged, delivered or not. */
interface Judging {
  caseId: string;
  graceOver: boolean;
}

/** Most requests stored in one transaction, and most such transactions at once per process. */
const INTAKE_BATCH: GroupCommitOptions = { name: 'intake', maxBatch: 200, inFlight: 4 };

/** Most requests judged in one transaction, and most such transactions at once per worker process. */
const JUDGE_BATCH: GroupCommitOptions = { name: 'judge', maxBatch: 50, inFlight: 2 };

/** Which waiting requests `IntakeService.waiting` answers. */
export interface WaitingFilter {
  orderId?: string;
  customerId?: string;
  merchantId?: string;
  /** `[createdAt, id]` of the last entry of the page before (ISO time, uuid) */
  before?: [string, string];
  limit: number;
}

/** A request still waiting to be judged, with the customer and merchant of its order. */
export interface WaitingRequest {
  request: Pick<ReturnRequest, 'id' | 'rmaNumber' | 'orderId' | 'body' | 'createdAt'>;
  customerId: string;
  merchantId: string;
}

/** A waiting request as `GET /v1/returns/{id}` shows it: and whether it is held for its order's delivery. */
export interface FoundWaitingRequest extends WaitingRequest {
  /** Held for the delivery (DELIVERY_GRACE): the grace's end, when it is judged at the latest; else null */
  heldUntil: Date | null;
}

interface WaitingRow {
  customer_id: string;
  merchant_id: string;
  created_at: Date;
  id: string;
  rma_number: string;
  order_id: string;
  body: ReturnRequestBody;
}

function waitingOf(row: WaitingRow): WaitingRequest {
  return {
    request: { id: row.id, rmaNumber: row.rma_number, orderId: row.order_id, body: row.body, createdAt: row.created_at },
    customerId: row.customer_id,
    merchantId: row.merchant_id,
  };
}

export type ReviewDecision = 'APPROVE' | 'REJECT';

export interface ReviewQueueEntry {
  id: string;
  rmaNumber: string;
  orderId: string;
  customerId: string;
  type: string;
  reasonCode: string;
  reasonText: string | null;
  /** minor units */
  valueMinor: number;
  currency: string;
  codes: string[];
  risk: ReturnCase['risk'];
  reviewBy: string | null;
  claimedBy: string | null;
  claimedAt: string | null;
  remindedAt: string | null;
  createdAt: string;
}

/** Who decides a case judged on its own; its timeline note is the decision's codes. */
export const SYSTEM_POLICY = 'system:policy';

/** The timeline's note on a refund only's move from its approval to its refund. */
const REFUND_ONLY_NOTE = 'refund only: nothing to send back';

/** How long an agent's claim on a review keeps other agents off it. */
export const CLAIM_TTL_MS = 30 * 60_000;

/** How long before the review deadline the agents are reminded: a quarter of it, at most 4 h. */
export function reminderLeadMs(reviewMs: number): number {
  return Math.min(Math.floor(reviewMs / 4), 4 * 3_600_000);
}

/**
 * The customer's message of a decision judging left open or closed: the rejection, or (in
 * review) a request for a clearer reason when the reason text was vague or contradicted
 * itself, else word that an agent will look. Approvals are told by the stage after (the
 * label, the pickup, the refund): null.
 */
function decisionMessage(caseId: string, decision: Decision, priority: number, reviewMs: number): JobRequest | null {
  if (decision.outcome === 'REJECTED') return Jobs.notify(caseId, 'return.rejected', {}, priority);
  if (decision.outcome !== 'PENDING_REVIEW') return null;
  const unclear = decision.rules.some((r) => r.id === 'reason.text' && !r.passed);
  if (unclear) return Jobs.notify(caseId, 'return.clarification_needed', {}, priority);
  // The customer is told when an agent will have decided: REVIEW_DEADLINE, in whole hours.
  return Jobs.notify(caseId, 'return.pending_review', { reviewHours: String(Math.max(1, Math.ceil(reviewMs / 3_600_000))) }, priority);
}

/** The answer to a request, from what storing it found: 404 for an unknown order, 409 for a key used with another body. */
function answerOf(outcome: IntakeOutcome, body: ReturnRequestBody): AcceptedReturn {
  switch (outcome.kind) {
    case 'stored':
    case 'repeated':
      return { id: outcome.id, rmaNumber: outcome.rmaNumber, status: 'REQUESTED' };
    case 'unknown-order':
      throw notFound('ORDER_NOT_FOUND', `order ${body.orderId} is not known`);
    case 'key-reused':
      throw conflict('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request body');
  }
}

/** A request's photos as a case keeps them: hashes compare as lower-case hex, however the client wrote them. */
function photosOf(request: JudgedRequestRow): { url: string; sha256: string }[] {
  return (request.body.photos ?? []).map((p) => ({ url: p.url, sha256: p.sha256.toLowerCase() }));
}

/**
 * The case a buffered request opens, and its items: the request's and its order's facts,
 * the lines found in the order (lines not in it are not stored: judging rejects the case
 * for them anyway), and the decision, null for a request cancelled before it was judged.
 */
function caseOf(
  request: JudgedRequestRow,
  facts: Pick<Judgement, 'lines' | 'valueMinor' | 'shippingPaidBy'>,
  decision: Decision | null,
  judged: Pick<ReturnCase, 'deadlines' | 'risk'>,
): { subject: ReturnCase; items: CaseOpening['items'] } {
  const { body } = request;
  const subject = Object.assign(new ReturnCase(), {
    id: request.id,
    rmaNumber: request.rma_number,
    orderId: request.order_id,
    merchantId: request.merchant_id,
    customerId: request.customer_id,
    type: body.type,
    reasonCode: body.reasonCode,
    reasonText: body.reasonText ?? null,
    returnMethod: body.returnMethod ?? null,
    channel: body.channel ?? null,
    photos: photosOf(request),
    decision,
    shippingPaidBy: facts.shippingPaidBy,
    currency: request.currency,
    valueMinor: facts.valueMinor,
    returnShippingChargeMinor: 0,
    ...judged,
    claimedBy: null,
    claimedAt: null,
    priority: casePriority(request.customer.tier, body.reasonCode),
    createdAt: request.created_at,
    updatedAt: new Date(),
  });
  const items = facts.lines.map((l) => ({ sku: l.sku, name: l.name, category: l.category, quantity: l.quantity, unitPrice: l.unitPrice, acceptedQuantity: null, disposition: null }));
  return { subject, items };
}

/**
 * Intake and review: buffers requests, judges them against the policy, opens the case,
 * and takes agents' review decisions and cancellations.
 */
@Injectable()
export class IntakeService implements OnApplicationShutdown {
  private readonly logger = new Logger(IntakeService.name);
  private readonly judgements = new GroupCommit<Judging, Error | null>((batch) => this.judgeMany(batch), JUDGE_BATCH, databaseUnavailable);
  private readonly intakeWrites = new GroupCommit<IncomingRequest, IntakeOutcome>((batch) => this.storeBatch(batch), INTAKE_BATCH, databaseUnavailable);
  /** `storeBatch`'s statement, prepared once per connection (`preparedQuery`). */
  private readonly storeStatement: PreparedStatement;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly producer: JobProducer,
    private readonly cases: CaseService,
    private readonly policies: PolicyService,
  ) {
    this.storeStatement = {
      name: 'intake-store-batch',
      text: `WITH ordered AS (
         SELECT r.*, o.customer_id, o.merchant_id, CASE WHEN upper(o.customer->>'tier') = $11 THEN r.vip_priority ELSE r.job_priority END AS priority
           FROM ROWS FROM (unnest($1::uuid[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[]), unnest($6::text[]),
                           jsonb_array_elements($7::jsonb), unnest($8::int[]), unnest($9::int[]))
             WITH ORDINALITY AS r(id, client_id, idempotency_key, request_hash, rma_number, order_id, body, job_priority, vip_priority, n)
           JOIN orders o ON o.id = r.order_id
       ), incoming AS (
         -- Each priority's requests are one batch, named for the first of them.
         SELECT *, first_value(id) OVER (PARTITION BY priority ORDER BY n) AS batch FROM ordered
       ), stored AS (
         INSERT INTO return_requests (id, client_id, idempotency_key, request_hash, rma_number, order_id, body, created_at, judge_batch)
         SELECT id, client_id, idempotency_key, request_hash, rma_number, order_id, body, $10::timestamptz, batch FROM incoming
         ON CONFLICT (client_id, idempotency_key) DO NOTHING
         RETURNING id
       ), waiting AS (
         INSERT INTO waiting_requests (id, order_id, customer_id, merchant_id, created_at)
         SELECT id, order_id, customer_id, merchant_id, $10::timestamptz FROM incoming WHERE id IN (SELECT id FROM stored)
       ), recorded AS (
         ${this.outbox.recordRowsSql(
           // One judge-returns job per batch (Jobs.judgeReturns), its requests in the order they came.
           `SELECT format($13, batch), $12, json_build_object('caseIds', json_agg(id ORDER BY n)), NULL::int, priority
              FROM incoming WHERE id IN (SELECT id FROM stored) GROUP BY batch, priority ORDER BY priority`,
           { withJobs: true },
         )}
       )
       SELECT n::int, id IN (SELECT id FROM stored) AS stored, (SELECT id FROM recorded) AS outbox_id,
              CASE WHEN row_number() OVER () = 1 THEN (SELECT jobs FROM recorded) END AS jobs
         FROM incoming`,
    };
  }

  /** After the outbox drained every group commit (beforeApplicationShutdown). */
  onApplicationShutdown(): void {
    this.judgements.close();
    this.intakeWrites.close();
  }

  /**
   * Accepts a request for judging: stores the idempotency record and the job, nothing else.
   * The same key with the same body answers the same; with another body, 409. Requests
   * that arrive together are stored together (see `storeBatch`).
   */
  async accept(clientId: string, idempotencyKey: string, body: ReturnRequestBody): Promise<AcceptedReturn> {
    return answerOf(await this.intakeWrites.submit({ clientId, idempotencyKey, body, ...bodyIdentity(body) }), body);
  }

  /**
   * The answer a request accepted before gets again (the same; 409 when its key came with
   * another body), without storing anything: for intake past its high-water mark, which
   * turns new requests away but still owes a retried one the answer it was given.
   * @returns undefined when the key was not used before
   */
  async answerAgain(clientId: string, idempotencyKey: string, body: ReturnRequestBody): Promise<AcceptedReturn | undefined> {
    const [outcome] = await this.repeatOutcomes([{ clientId, idempotencyKey, hash: bodyIdentity(body).hash }]);
    return outcome && answerOf(outcome, body);
  }

  /**
   * Stores a batch of requests in one statement and no explicit transaction: it reads their
   * orders (an unknown order stores nothing; the priority of a judge job depends on the
   * customer's tier), inserts the new requests (a key seen before inserts nothing) and, for
   * exactly those, one outbox row holding a `judge-returns` job per priority (most batches
   * have one or two), atomically; after it, one `addBulk`, which the answers do not wait
   * for. A job per batch, not per request, is a fifth of intake's cost and a tenth of a
   * buffered return's Redis memory. A second read, only when some keys were seen before, finds
   * what they were first used for.
   */
  private async storeBatch(requests: IncomingRequest[]): Promise<IntakeOutcome[]> {
    const createdAt = new Date();
    const ids = requests.map(() => newCaseId(createdAt.getTime()));
    const rmaNumbers = ids.map((id) => rmaNumberFor(id, createdAt));
    const rows = await preparedQuery<{ n: number; stored: boolean; outbox_id: string | null; jobs: StoredJob[] | null }>(
      this.dataSource,
      this.storeStatement,
      [
        ids,
        requests.map((r) => r.clientId),
        requests.map((r) => r.idempotencyKey),
        requests.map((r) => r.hash),
        rmaNumbers,
        requests.map((r) => r.body.orderId),
        // The bodies as one JSON array (the canonical JSON the hash was taken of): no array
        // literal for node-postgres to escape quote by quote (3% of the API at intake).
        `[${requests.map((r) => r.json).join(',')}]`,
        // Each request's priority as for a customer with no tier, and as for a VIP: the
        // statement, which reads the order, takes the one its customer's tier calls for.
        requests.map((r) => casePriority(null, r.body.reasonCode)),
        requests.map((r) => casePriority(VIP_TIER, r.body.reasonCode)),
        createdAt,
        VIP_TIER,
        JobName.JudgeReturns,
        JUDGE_RETURNS_JOB_ID,
      ],
    );

    const outcomes: IntakeOutcome[] = requests.map(() => ({ kind: 'unknown-order' }));
    const repeats: number[] = [];
    for (const { n: ordinal, stored } of rows) {
      const n = ordinal - 1;
      if (!stored) repeats.push(n);
      else outcomes[n] = { kind: 'stored', id: ids[n], rmaNumber: rmaNumbers[n] };
    }
    // The answer waits for the commit, not for Redis: a 202 costs one round trip less.
    const recorded = rows.find((row) => row.jobs)?.jobs;
    if (recorded) this.outbox.afterCommitInBackground(jobsOfRow(recorded, createdAt.getTime()), rows[0].outbox_id);
    if (repeats.length) {
      const earlier = await this.repeatOutcomes(repeats.map((n) => requests[n]));
      repeats.forEach((n, i) => {
        if (!earlier[i]) throw new Error(`request ${requests[n].idempotencyKey} was neither stored nor found`);
        outcomes[n] = earlier[i]!;
      });
    }
    return outcomes;
  }

  /**
   * Per request, what its key was first used for: the same answer again when the body is
   * the same, `key-reused` when it is not; undefined for a key not used before.
   */
  private async repeatOutcomes(requests: Pick<IncomingRequest, 'clientId' | 'idempotencyKey' | 'hash'>[]): Promise<(IntakeOutcome | undefined)[]> {
    const earlier: { client_id: string; idempotency_key: string; id: string; rma_number: string; request_hash: string }[] = await this.dataSource.query(
      `SELECT r.client_id, r.idempotency_key, r.id, r.rma_number, r.request_hash
         FROM return_requests r JOIN unnest($1::text[], $2::text[]) AS k(client_id, idempotency_key) USING (client_id, idempotency_key)`,
      [requests.map((r) => r.clientId), requests.map((r) => r.idempotencyKey)],
    );
    const byKey = new Map(earlier.map((e) => [`${e.client_id}\n${e.idempotency_key}`, e]));
    return requests.map((request) => {
      const first = byKey.get(`${request.clientId}\n${request.idempotencyKey}`);
      if (!first) return undefined;
      return first.request_hash === request.hash ? { kind: 'repeated', id: first.id, rmaNumber: first.rma_number } : { kind: 'key-reused' };
    });
  }

  /**
   * What intake owes (`JobRecovery`): the judging of each request buffered since `since` that
   * has no case yet (its batch's job, for the requests of it still unjudged), and of each held
   * for its order's delivery (its grace's job, due when it was); for each case
   * rejected or sent to review since then, the customer's message of it, and for the latter
   * the review deadline and its reminder, due when they were first due; for each case
   * cancelled, the message of that; for each approval and rejection since then, its webhook
   * (though the case has moved on: an approved one at once).
   */
  async owedSince(since: Date): Promise<JobRequest[]> {
    // With, for a request held for its order's delivery (DELIVERY_GRACE), when its grace ends.
    const unjudged: { id: string; reason_code: ReturnRequestBody['reasonCode']; tier: string | null; judge_batch: string | null; held_until: Date | null }[] =
      await this.dataSource.query(
        `SELECT r.id, r.body->>'reasonCode' AS reason_code, o.customer->>'tier' AS tier, r.judge_batch, a.held_until
           FROM return_requests r JOIN orders o ON o.id = r.order_id
           LEFT JOIN awaiting_delivery a ON a.order_id = r.order_id AND a.request_id = r.id
          WHERE r.created_at >= $1 AND NOT EXISTS (SELECT 1 FROM return_cases c WHERE c.id = r.id)
          ORDER BY r.id`,
        [since],
      );
    const now = Date.now();
    // A held request is owed its grace's job, due when it was; the others their batch's job,
    // for those of its requests still unjudged (present in Redis: left as it is).
    const held = unjudged.filter((r) => r.held_until);
    const batches = new Map<string, { caseIds: string[]; priority: number }>();
    for (const r of unjudged) {
      if (!r.judge_batch || r.held_until) continue;
      let batch = batches.get(r.judge_batch);
      if (!batch) batches.set(r.judge_batch, (batch = { caseIds: [], priority: casePriority(r.tier, r.reason_code) }));
      batch.caseIds.push(r.id);
    }
    const decided: { id: string; status: CaseStatus; priority: number; decision: Decision | null; review_by: string | null }[] = await this.dataSource.query(
      `SELECT id, status, priority, decision, deadlines->>'reviewBy' AS review_by FROM return_cases
        WHERE status IN ('PENDING_REVIEW', 'REJECTED', 'CANCELLED') AND updated_at >= $1`,
      [since],
    );
    const decisions = await this.cases.movedSince(since, ['APPROVED', 'REJECTED']);
    const leadMs = reminderLeadMs(this.config.deadlines.reviewMs);
    return [
      ...decisions.map(({ caseId, to }) => Jobs.webhook(caseId, to === 'APPROVED' ? 'return.approved' : 'return.rejected')),
      ...[...batches].map(([batch, { caseIds, priority }]) => Jobs.judgeReturns(caseIds, priority, batch)),
      // Requests from before batches: a job of their own.
      ...unjudged.filter((r) => !r.judge_batch && !r.held_until).map((r) => Jobs.judgeReturn(r.id, casePriority(r.tier, r.reason_code))),
      ...held.map((h) => Jobs.judgeAfterDeliveryGrace(h.id, Math.max(0, new Date(h.held_until!).getTime() - now), casePriority(h.tier, h.reason_code))),
      ...decided.flatMap(({ id, status, priority, decision, review_by }): JobRequest[] => {
        if (status === 'CANCELLED') return [Jobs.notify(id, 'return.cancelled', {}, priority)];
        // The customer's message of the decision (a job that finds it sent sends nothing).
        const told = decision ? decisionMessage(id, decision, priority, this.config.deadlines.reviewMs) : null;
        const timers =
          status === 'PENDING_REVIEW' && review_by
            ? [Jobs.deadline(id, 'review', Date.parse(review_by) - now), Jobs.deadline(id, 'review-reminder', Date.parse(review_by) - leadMs - now)]
            : [];
        return [...(told ? [told] : []), ...timers];
      }),
    ];
  }

  /**
   * Requests still waiting to be judged (no case yet), newest first by acceptance time and
   * id, at most `limit`, those of an order, customer or merchant when named, and only those
   * before `before` (a page's last `[createdAt, id]`): for `GET /v1/returns`, which lists them
   * as REQUESTED beside the cases. Reads `waiting_requests`, which holds no more than the
   * backlog.
   */
  async waiting(filter: WaitingFilter): Promise<WaitingRequest[]> {
    // Past -infinity: not the row that stands for the table (`WAITING_LIST_INTACT`).
    const conditions = new Conditions().add(`w.created_at > '-infinity'`).add('NOT EXISTS (SELECT 1 FROM return_cases c WHERE c.id = w.id)');
    if (filter.orderId) conditions.add('w.order_id = ?', filter.orderId);
    if (filter.customerId) conditions.add('w.customer_id = ?', filter.customerId);
    if (filter.merchantId) conditions.add('w.merchant_id = ?', filter.merchantId);
    if (filter.before) conditions.add('(w.created_at, w.id) < (?::timestamptz, ?::uuid)', ...filter.before);
    const limit = conditions.param(filter.limit);
    const rows: WaitingRow[] =
      await this.dataSource.query(
        `SELECT w.customer_id, w.merchant_id, w.created_at, r.id, r.rma_number, r.order_id, r.body
           FROM (SELECT * FROM waiting_requests w ${conditions.where} ORDER BY w.created_at DESC, w.id DESC LIMIT ${limit}) w
           JOIN return_requests r ON r.id = w.id
          ORDER BY w.created_at DESC, w.id DESC`,
        conditions.params,
      );
    return rows.map(waitingOf);
  }

  /**
   * A request not yet judged, with its order's customer and merchant, and whether it is held
   * for the order's delivery: for `GET /v1/returns/{id}` before its case is opened.
   */
  async findWaiting(id: string): Promise<FoundWaitingRequest | null> {
    const [row]: (WaitingRow & { held_until: Date | null })[] = await this.dataSource.query(
      `SELECT o.customer_id, o.merchant_id, r.created_at, r.id, r.rma_number, r.order_id, r.body, a.held_until
         FROM return_requests r JOIN orders o ON o.id = r.order_id
         LEFT JOIN awaiting_delivery a ON a.order_id = r.order_id AND a.request_id = r.id
        WHERE r.id = $1`,
      [id],
    );
    return row ? { ...waitingOf(row), heldUntil: row.held_until } : null;
  }

  /** The buffered request behind a case id, for answering before the case is opened (inside a transaction, on its `manager`). */
  findRequest(id: string, manager: EntityManager = this.dataSource.manager): Promise<ReturnRequest | null> {
    return manager.findOne(ReturnRequest, { where: { id } });
  }

  /**
   * Opens the case of a buffered request and decides it. Replays find the case open and
   * do nothing. Requests for one order are judged one at a time (the order row is locked)
   * so two cases cannot both claim the same units. The jobs a worker runs at the same
   * time are judged together (see `judgeMany`).
   */
  async judge(caseId: string, graceOver = false): Promise<void> {
    const failure = await this.judgements.submit({ caseId, graceOver });
    if (failure) throw failure;
  }

  /**
   * Judges the requests of one `judge-returns` job as `judge` does each. One that cannot be
   * judged, whatever the reason but the database going away, is not retried with the rest:
   * it leaves its batch (`judge_batch` cleared, so recovery owes it a job of its own) and
   * gets a `judge-return` job, which retries it and fails it alone, while the others' cases
   * go on. With the database away, or when those jobs cannot be added, this throws and the
   * whole batch is tried again (the requests judged already are found judged).
   * @returns the requests handed on to jobs of their own
   */
  async judgeAll(caseIds: string[], priority?: number): Promise<string[]> {
    const settled = await Promise.allSettled(caseIds.map((caseId) => this.judgements.submit({ caseId, graceOver: false })));
    const why = settled.map((s) => (s.status === 'rejected' ? (s.reason as Error) : s.value));
    const away = why.find((error) => error && databaseUnavailable(error));
    if (away) throw away;
    const failed = caseIds.flatMap((id, i) => (why[i] ? [{ id, error: why[i]! }] : []));
    if (!failed.length) return [];
    const ids = failed.map((f) => f.id);
    await this.dataSource.query('UPDATE return_requests SET judge_batch = NULL WHERE id = ANY($1::uuid[])', [ids]);
    await this.producer.addMany(ids.map((id) => Jobs.judgeReturn(id, priority)));
    for (const { id, error } of failed) this.logger.warn(`request ${id} could not be judged with its batch, judged on its own next: ${error.message}`);
    return ids;
  }

  /**
   * Judges a batch of buffered requests in one transaction: one statement locks their
   * orders (in order id order, so two batches never wait on each other in a cycle), one
   * reads what the database knows about each, three inserts open the cases already
   * decided, one records the next jobs. Requests of the same order or customer in the
   * batch see each other, as they would one after another.
   * @returns per request, null or why it could not be judged (the job fails and is retried)
   */
  private async judgeMany(batch: Judging[]): Promise<(Error | null)[]> {
    const caseIds = batch.map((j) => j.caseId);
    // At its grace's end a request is judged, delivered or not, however the clocks differ.
    const graceOver = new Set(batch.filter((j) => j.graceOver).map((j) => j.caseId));
    // Read before the transaction: a transaction must never wait for a second pool
    // connection, or a busy worker's transactions can hold every connection waiting for one.
    const policies = await this.policies.currentBook();
    const failures = new Map<string, Error>();
    await this.outbox.transaction(async (tx) => {
      const found: JudgedRequestRow[] = await preparedQuery(tx.manager, LOCKED_REQUESTS_SQL, [[...new Set(caseIds)]]);
      const requests = new Map(found.map((r) => [r.id, r]));
      for (const id of caseIds) if (!requests.has(id)) failures.set(id, await this.whyNotFound(tx.manager, id));
      if (!requests.size) return;

      // Asked after the locks, so a concurrent replay that judged one first is seen.
      const known = await this.whatIsKnown(tx.manager, [...requests.values()]);
      const sharers = await this.photoSharers(
        tx.manager,
        [...requests.values()].filter((r) => !known.get(r.id)!.judged).map((r) => ({ id: r.id, customerId: r.customer_id, photos: photosOf(r) })),
      );
      const opened: CaseOpening[] = [];
      // One moment the batch is judged at: a delivery dated after it has not happened yet.
      const judgedAt = new Date();
      // Requests held for their order's delivery (DELIVERY_GRACE), and until when.
      const held: { request: JudgedRequestRow; until: Date }[] = [];
      const graceMs = this.config.deadlines.deliveryGraceMs;
      // What the cases opened earlier in this batch add to what the database knew.
      const claimedInBatch = new Map<string, Record<string, number>>();
      const returnsInBatch = new Map<string, number>();
      const photosInBatch: { customerId: string; sha256: string }[] = [];
      for (const request of requests.values()) {
        const facts = known.get(request.id)!;
        if (facts.judged) continue; // judged before
        const body = request.body;
        if (graceMs > 0 && !isDelivered(request.delivered_at, judgedAt) && body.type !== 'REFUND_ONLY' && !graceOver.has(request.id)) {
          // The delivery may yet come (upstream's events out of order, or dated ahead): wait for it, up to the grace.
          const until = new Date(request.created_at.getTime() + graceMs);
          if (until.getTime() > Date.now()) {
            held.push({ request, until });
            continue;
          }
        }
        const photos = photosOf(request);
        const alreadyClaimed = { ...facts.claimed };
        for (const [sku, units] of Object.entries(claimedInBatch.get(request.order_id) ?? {})) alreadyClaimed[sku] = (alreadyClaimed[sku] ?? 0) + units;
        const sharedInBatch = new Set(photosInBatch.filter((p) => p.customerId !== request.customer_id && photos.some((q) => q.sha256 === p.sha256)).map((p) => p.customerId));
        const judgement = judgeReturn({
          order: { deliveredAt: request.delivered_at, items: request.items },
          request: { ...body, photos },
          alreadyClaimed,
          askedAt: request.created_at,
          judgedAt,
          policies,
          history: {
            returnsLast90Days: facts.returns + (returnsInBatch.get(request.customer_id) ?? 0),
            ordersLast90Days: facts.orders,
            photoSharedWithCustomers: (sharers.get(request.id) ?? 0) + sharedInBatch.size,
          },
        });
        const decision: Decision = {
          outcome: judgement.outcome,
          codes: judgement.codes,
          rules: judgement.rules,
          policyVersion: judgement.policyVersion,
          decidedBy: SYSTEM_POLICY,
          decidedAt: judgedAt.toISOString(),
        };
        const reviewMs = this.config.deadlines.reviewMs;
        const { subject, items: lines } = caseOf(request, judgement, decision, {
          deadlines: decision.outcome === 'PENDING_REVIEW' ? { reviewBy: new Date(judgedAt.getTime() + reviewMs).toISOString() } : {},
          risk: judgement.risk ?? null,
        });
        const note = decision.codes.join(', ') || undefined;
        if (decision.outcome === 'APPROVED' && subject.type === 'REFUND_ONLY') {
          // Nothing comes back: every unit asked for is accepted, and the case goes on to its refund.
          for (const line of lines) line.acceptedQuantity = line.quantity;
          opened.push({ subject, items: lines, to: decision.outcome, note, then: { to: 'REFUND_PENDING', note: REFUND_ONLY_NOTE } });
        } else opened.push({ subject, items: lines, to: decision.outcome, note });

        returnsInBatch.set(request.customer_id, (returnsInBatch.get(request.customer_id) ?? 0) + 1);
        photosInBatch.push(...photos.map((p) => ({ customerId: request.customer_id, sha256: p.sha256 })));
        if (!RELEASING_STATUSES.includes(decision.outcome)) {
          const claimed = claimedInBatch.get(request.order_id) ?? {};
          for (const line of lines) claimed[line.sku] = (claimed[line.sku] ?? 0) + line.quantity;
          claimedInBatch.set(request.order_id, claimed);
        }
      }
      if (held.length) await this.holdForDelivery(tx, held);
      if (!opened.length) return;
      // Opened and moved to their outcomes (cases, items, timeline) with the outbox row, in one round trip at commit.
      tx.atCommit(...this.cases.openDecidedStatements(tx.manager, opened, SYSTEM_POLICY));
      for (const { subject } of opened) await this.followOutcome(tx, subject, subject.decision!, SYSTEM_POLICY);
    });
    return caseIds.map((id) => failures.get(id) ?? null);
  }

  /**
   * Holds requests for their orders' delivery: each is judged when its grace is over (a
   * delayed job), or as soon as the delivery comes (`judgeDelivered`), whichever is first.
   */
  private async holdForDelivery(tx: Tx, held: { request: JudgedRequestRow; until: Date }[]): Promise<void> {
    await tx.manager.query(
      `INSERT INTO awaiting_delivery (order_id, request_id, held_until)
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[]) ON CONFLICT DO NOTHING`,
      [held.map((h) => h.request.order_id), held.map((h) => h.request.id), held.map((h) => h.until)],
    );
    const now = Date.now();
    tx.enqueue(...held.map(({ request, until }) => Jobs.judgeAfterDeliveryGrace(request.id, until.getTime() - now, casePriority(request.customer.tier, request.body.reasonCode))));
    for (const { request, until } of held) this.logger.log(`request ${request.id} waits until ${until.toISOString()} for order ${request.order_id} to be delivered (DELIVERY_GRACE)`);
  }

  /**
   * An order was stored (PUT /v1/orders, `order.delivered`): if it is delivered, the requests
   * held for it (DELIVERY_GRACE) are judged now rather than when their grace is over, their
   * grace's job promoted, or added due now (at the request's priority) should Redis not have
   * it, and promoted after all should the outbox have added the delayed one meanwhile. Their
   * rows go when they are judged. When Redis does not answer, the order is stored all the
   * same and the grace's end judges them.
   * @returns how many were waiting
   */
  async judgeDelivered(order: Pick<OrderSnapshot, 'id' | 'deliveredAt' | 'customer'>): Promise<number> {
    // A delivery dated ahead has not happened: its requests wait on, judged at their grace's end.
    if (!isDelivered(order.deliveredAt, new Date()) || this.config.deadlines.deliveryGraceMs <= 0) return 0;
    const held = await preparedQuery<{ request_id: string; reason_code: ReasonCode }>(
      this.dataSource,
      `SELECT a.request_id, r.body->>'reasonCode' AS reason_code FROM awaiting_delivery a JOIN return_requests r ON r.id = a.request_id WHERE a.order_id = $1`,
      [order.id],
    );
    const intake = this.producer.queue(QueueName.Intake);
    await Promise.all(
      held.map(async ({ request_id: id, reason_code: reasonCode }) => {
        const due = Jobs.judgeAfterDeliveryGrace(id, 0, casePriority(order.customer.tier, reasonCode));
        try {
          let job = await intake.getJob(due.jobId!);
          if (!job) {
            await this.producer.addMany([due]);
            // The same id added meanwhile by the outbox, delayed, is the job that stays.
            job = await intake.getJob(due.jobId!);
          }
          if (job && (await job.isDelayed())) await job.promote();
        } catch (error) {
          this.logger.warn(`request ${id} is judged at the end of its delivery grace, not now: ${(error as Error).message}`);
        }
      }),
    );
    return held.length;
  }

  private async whyNotFound(manager: EntityManager, caseId: string): Promise<Error> {
    const [request] = await manager.query('SELECT order_id FROM return_requests WHERE id = $1', [caseId]);
    return new Error(request ? `order ${request.order_id} of request ${caseId} vanished` : `no buffered request ${caseId}`);
  }

  /**
   * What the database knows that bears on each request, in one round trip: whether its
   * case exists already, the units of its order other cases hold, and the customer's
   * recent returns and orders.
   */
  private async whatIsKnown(manager: EntityManager, requests: JudgedRequestRow[]) {
    const rows: { id: string; judged: boolean; claimed: Record<string, string> | null; returns: number; orders: number }[] = await preparedQuery(
      manager,
      `SELECT k.id,
              EXISTS (SELECT 1 FROM return_cases WHERE id = k.id) AS judged,
              (SELECT json_object_agg(sku, units) FROM (
                 SELECT i.sku, SUM(i.quantity) AS units FROM return_items i JOIN return_cases c ON c.id = i.case_id
                  WHERE c.order_id = k.order_id AND c.id <> k.id AND NOT (c.status = ANY($4)) GROUP BY i.sku) held) AS claimed,
              (SELECT count(*)::int FROM return_cases WHERE customer_id = k.customer_id AND id <> k.id AND created_at > now() - interval '90 days') AS returns,
              (SELECT count(*)::int FROM orders WHERE customer_id = k.customer_id AND COALESCE(paid_at, created_at) > now() - interval '90 days') AS orders
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(id, order_id, customer_id)`,
      [requests.map((r) => r.id), requests.map((r) => r.order_id), requests.map((r) => r.customer_id), RELEASING_STATUSES],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        {
          judged: row.judged,
          claimed: Object.fromEntries(Object.entries(row.claimed ?? {}).map(([sku, units]) => [sku, Number(units)])),
          returns: row.returns,
          orders: row.orders,
        },
      ]),
    );
  }

  /**
   * For each request with photos, how many other customers' cases hold one of them: one
   * statement for the batch, a containment probe on the GIN index per photo. The probes run
   * one by one (LATERAL, fenced by OFFSET 0): as one join, the planner judged a batch of
   * ~60 probes cheaper as a scan of every case, 0.8 s at 25,000 cases and growing with the
   * table, against 0.6 ms this way.
   */
  private async photoSharers(manager: EntityManager, requests: { id: string; customerId: string; photos: { sha256: string }[] }[]): Promise<Map<string, number>> {
    const probes = requests.flatMap((r) => r.photos.map((p) => ({ id: r.id, customerId: r.customerId, probe: JSON.stringify([{ sha256: p.sha256 }]) })));
    if (!probes.length) return new Map();
    const rows: { id: string; shared: number }[] = await preparedQuery(
      manager,
      `SELECT k.id, count(DISTINCT s.customer_id)::int AS shared
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS k(id, customer_id, probe)
         CROSS JOIN LATERAL (SELECT c.customer_id FROM return_cases c WHERE c.photos @> k.probe AND c.photos <> '[]'::jsonb AND c.customer_id <> k.customer_id OFFSET 0) s
        GROUP BY k.id`,
      [probes.map((p) => p.id), probes.map((p) => p.customerId), probes.map((p) => p.probe)],
    );
    return new Map(rows.map((r) => [r.id, r.shared]));
  }

  /** An agent's decision on a case in PENDING_REVIEW. */
  async review(caseId: string, choice: ReviewDecision, decidedBy: string, note?: string): Promise<void> {
    await this.outbox.transaction(async (tx) => {
      const outcome = choice === 'APPROVE' ? 'APPROVED' : 'REJECTED';
      const subject = await this.cases.lockForMove(tx.manager, caseId, outcome);
      // Only a case waiting for an agent is reviewed, though the state machine would let REQUESTED move too.
      if (subject.status !== 'PENDING_REVIEW') throw new IllegalTransitionError(subject.status, outcome);
      if (this.heldByOther(subject, decidedBy)) {
        throw conflict('ALREADY_CLAIMED', `return ${caseId} is being reviewed by ${subject.claimedBy}`);
      }
      const decision: Decision = {
        ...(subject.decision as Decision),
        outcome,
        decidedBy,
        decidedAt: new Date().toISOString(),
        note,
      };
      await this.applyOutcome(tx, subject, decision, decidedBy, note);
      await this.cases.update(tx.manager, caseId, { decision });
    });
  }

  /**
   * Moves a case to its decided outcome and records what follows. The timeline note is the
   * decider's own (an agent's, the deadline's), never the decision's codes: judging already
   * noted those, and a reviewer's move writing them again (`RISK_SIGNAL`) would tell the
   * customer which flag was raised.
   */
  private async applyOutcome(tx: Tx, subject: ReturnCase, decision: Decision, actor: string, note?: string): Promise<void> {
    await this.cases.transition(tx.manager, subject, decision.outcome, actor, note || undefined);
    await this.followOutcome(tx, subject, decision, actor);
  }

  /** What follows a case's move to its decided outcome: the next jobs, and for some outcomes a further move. */
  private async followOutcome(tx: Tx, subject: ReturnCase, decision: Decision, actor: string): Promise<void> {
    switch (decision.outcome) {
      case 'APPROVED':
        tx.enqueue(Jobs.webhook(subject.id, 'return.approved'));
        if (subject.type === 'REFUND_ONLY') {
          // The customer hears of the approval with the refund, seconds later (or alone, if the
          // first payment fails; see RefundService): one message, not two.
          // Nothing comes back: every unit asked for is accepted and refunded now (judging
          // opens such a case so, already REFUND_PENDING; an agent's approval moves it here).
          if (subject.status !== 'REFUND_PENDING') {
            await tx.manager.query('UPDATE return_items SET accepted_quantity = quantity WHERE case_id = $1', [subject.id]);
            await this.cases.transition(tx.manager, subject, 'REFUND_PENDING', actor, REFUND_ONLY_NOTE);
          }
          tx.enqueue(Jobs.issueRefund(subject.id, 1, subject.priority));
        } else {
          // The customer hears of the approval with how to send the item back (`label.ready`,
          // `pickup.booked`): one message, not two seconds apart. Booking tells it alone if
          // the carrier fails a first time.
          tx.enqueue(Jobs.bookShipment(subject.id, subject.priority));
        }
        break;
      case 'REJECTED':
        tx.enqueue(decisionMessage(subject.id, decision, subject.priority, this.config.deadlines.reviewMs)!, Jobs.webhook(subject.id, 'return.rejected'));
        break;
      case 'PENDING_REVIEW': {
        // Only judging leads here, and it opened the case with its review deadline.
        const { reviewMs } = this.config.deadlines;
        tx.enqueue(
          decisionMessage(subject.id, decision, subject.priority, this.config.deadlines.reviewMs)!,
          Jobs.deadline(subject.id, 'review', reviewMs),
          Jobs.deadline(subject.id, 'review-reminder', reviewMs - reminderLeadMs(reviewMs)),
        );
        break;
      }
    }
  }

  /**
   * The review deadline fired: approve the case if no one has decided.
   * @returns whether it acted
   */
  async onReviewDeadline(caseId: string): Promise<boolean> {
    return this.outbox.transaction(async (tx) => {
      const subject = await this.cases.lock(tx.manager, caseId);
      if (!subject || subject.status !== 'PENDING_REVIEW') return false;
      assertDeadlinePassed(subject, 'review');
      const decision: Decision = {
        ...(subject.decision as Decision),
        outcome: 'APPROVED',
        decidedBy: 'system:review-deadline',
        decidedAt: new Date().toISOString(),
        note: 'no agent decided within the review deadline',
      };
      await this.applyOutcome(tx, subject, decision, decision.decidedBy, decision.note);
      await this.cases.update(tx.manager, caseId, { decision });
      return true;
    });
  }

  /**
   * The review deadline is near and no one has decided: remind the agents, once.
   * @returns whether it acted
   */
  async onReviewReminder(caseId: string): Promise<boolean> {
    const subject = await this.cases.find(caseId);
    if (!subject || subject.status !== 'PENDING_REVIEW') return false;
    assertDeadlinePassed(subject, 'review-reminder', reminderLeadMs(this.config.deadlines.reviewMs));
    const reminded = await this.cases.notifyAgents(
      this.dataSource.manager,
      caseId,
      'review-reminder',
      `${subject.rmaNumber} is still waiting for review; it will be approved automatically at ${subject.deadlines.reviewBy}`,
    );
    if (reminded) this.logger.warn(`review reminder: ${subject.rmaNumber} undecided, auto-approval at ${subject.deadlines.reviewBy}`);
    return reminded;
  }

  /** Cases waiting for an agent, the nearest deadline first. */
  async reviewQueue(limit = 50): Promise<ReviewQueueEntry[]> {
    const rows: (ReturnCase & { reminded_at: Date | null })[] = await this.dataSource.query(
      `SELECT c.id, c.rma_number, c.order_id, c.customer_id, c.type, c.reason_code, c.reason_text, c.value_minor, c.currency,
              c.decision, c.risk, c.deadlines, c.claimed_by, c.claimed_at, c.created_at, s.created_at AS reminded_at
         FROM return_cases c LEFT JOIN staff_notifications s ON s.case_id = c.id AND s.kind = 'review-reminder'
        WHERE c.status = 'PENDING_REVIEW'
        ORDER BY c.deadlines->>'reviewBy' ASC NULLS LAST, c.created_at ASC
        LIMIT $1`,
      [limit],
    );
    const now = Date.now();
    return rows.map((r: any) => ({
      id: r.id,
      rmaNumber: r.rma_number,
      orderId: r.order_id,
      customerId: r.customer_id,
      type: r.type,
      reasonCode: r.reason_code,
      reasonText: r.reason_text,
      valueMinor: Number(r.value_minor),
      currency: r.currency,
      codes: r.decision?.codes ?? [],
      risk: r.risk,
      reviewBy: r.deadlines?.reviewBy ?? null,
      claimedBy: r.claimed_by && now - new Date(r.claimed_at).getTime() < CLAIM_TTL_MS ? r.claimed_by : null,
      claimedAt: r.claimed_by && now - new Date(r.claimed_at).getTime() < CLAIM_TTL_MS ? new Date(r.claimed_at).toISOString() : null,
      remindedAt: r.reminded_at ? new Date(r.reminded_at).toISOString() : null,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  /** An agent takes a review; others are kept off it for CLAIM_TTL_MS. Claiming again renews it. */
  async claim(caseId: string, agent: string): Promise<{ claimedBy: string; claimedAt: string; claimedUntil: string }> {
    return this.outbox.transaction(async (tx) => {
      const subject = await this.cases.lock(tx.manager, caseId);
      if (!subject) {
        // A claim is not a move: a request still waiting to be judged is not in review either.
        if (!(await this.findRequest(caseId, tx.manager))) throw notFound('RETURN_NOT_FOUND', `return ${caseId} not found`);
        throw conflict('NOT_IN_REVIEW', `return ${caseId} is REQUESTED (waiting to be judged), not waiting for review`);
      }
      if (subject.status !== 'PENDING_REVIEW') throw conflict('NOT_IN_REVIEW', `return ${caseId} is ${subject.status}, not waiting for review`);
      if (this.heldByOther(subject, agent)) throw conflict('ALREADY_CLAIMED', `return ${caseId} is being reviewed by ${subject.claimedBy}`);
      const claimedAt = new Date();
      await tx.manager.update(ReturnCase, { id: caseId }, { claimedBy: agent, claimedAt });
      return { claimedBy: agent, claimedAt: claimedAt.toISOString(), claimedUntil: new Date(claimedAt.getTime() + CLAIM_TTL_MS).toISOString() };
    });
  }

  private heldByOther(subject: ReturnCase, agent: string): boolean {
    return !!subject.claimedBy && subject.claimedBy !== agent && !!subject.claimedAt && Date.now() - subject.claimedAt.getTime() < CLAIM_TTL_MS;
  }

  /**
   * Cancels a return on the customer's or upstream's word, until the parcel is picked up
   * (by the carrier's first scan, even one still queued to be applied: `CaseService.pickedUp`).
   * A request still waiting in the intake queue is cancelled as it is, REQUESTED →
   * CANCELLED, never judged (`cancelBuffered`).
   */
  async cancel(caseId: string, actor: string, note?: string): Promise<void> {
    if (!(await this.cases.find(caseId))) {
      if (!(await this.findRequest(caseId))) {
        throw notFound('RETURN_NOT_FOUND', `return ${caseId} not found`);
      }
      if (await this.cancelBuffered(caseId, actor, note)) return;
    }
    await this.outbox.transaction(async (tx) => {
      const subject = (await this.cases.lock(tx.manager, caseId))!;
      const booked = subject.status === 'AWAITING_SHIPMENT';
      if (booked && (await this.cases.pickedUp(tx.manager, caseId))) {
        this.logger.log(`case ${caseId}: not cancelled, the carrier has picked the parcel up (its scan is still to be applied)`);
        throw new IllegalTransitionError('IN_TRANSIT', 'CANCELLED');
      }
      await this.cases.transition(tx.manager, subject, 'CANCELLED', actor, note ?? 'cancelled by the customer');
      tx.enqueue(Jobs.notify(caseId, 'return.cancelled', {}, subject.priority));
      if (booked) tx.enqueue(Jobs.cancelShipment(caseId));
    });
  }

  /**
   * Cancels a request still waiting in the intake queue: its case opens CANCELLED, with no
   * decision, so the customer hears of the cancellation only, and no approval or rejection
   * is sent for a request the customer withdrew. Its order is locked as judging locks it,
   * so the two never both open the case; when its judge job opens it later, it finds it open
   * and does nothing.
   * @returns false when judging opened the case first: the caller cancels that case
   */
  private async cancelBuffered(caseId: string, actor: string, note?: string): Promise<boolean> {
    const policies = await this.policies.currentBook();
    return this.outbox.transaction(async (tx) => {
      const [request]: JudgedRequestRow[] = await tx.manager.query(LOCKED_REQUESTS_SQL, [[caseId]]);
      if (!request) throw await this.whyNotFound(tx.manager, caseId);
      if (await this.cases.find(caseId, tx.manager)) return false;
      const { subject, items } = caseOf(request, caseFacts(policies, request.items, request.body), null, { deadlines: {}, risk: null });
      await this.cases.openDecided(tx.manager, [{ subject, items, to: 'CANCELLED', note: note ?? 'cancelled by the customer' }], actor);
      tx.enqueue(Jobs.notify(caseId, 'return.cancelled', {}, subject.priority));
      return true;
    });
  }
}
