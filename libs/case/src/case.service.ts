import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CaseStatus, DeadlineKind, JobName, JobRequest, Jobs } from '@returns/contracts';
import { arrayElement, arrayElementType, insertManyStatement, runTogether, Statement } from '@returns/database';
import { CaseDeadlines, ReturnCase } from './return-case.entity';
import { ReturnItem } from './return-item.entity';
import { TimelineEntry } from './timeline-entry.entity';
import { OrderSnapshot } from './order.entity';
import { assertTransition, IllegalTransitionError } from './state-machine';
import { notFound } from './api-errors';

/** Fields of a case other than its status and id, changed together with a move. */
export type CaseFields = Partial<Omit<ReturnCase, 'status' | 'id' | 'items'>>;

/** What moving a case needs of it: a whole ReturnCase, or only these columns read with the lock. */
export type CaseToMove = Pick<ReturnCase, 'id' | 'status' | 'type' | 'updatedAt'>;

/** One case to move, as `transitionMany` takes them. */
export interface CaseMove {
  subject: CaseToMove;
  to: CaseStatus;
  note?: string;
  fields?: CaseFields;
}

/** A new case, already decided, as `openDecided` writes it. */
export interface CaseOpening {
  subject: ReturnCase;
  items: Omit<ReturnItem, 'caseId' | 'returnCase'>[];
  /** its first decision */
  to: CaseStatus;
  note?: string;
  /** the move that follows the decision at once (a refund only's approval: on to the refund) */
  then?: { to: CaseStatus; note?: string };
}

/** The field of `deadlines` each deadline's timer acts on (the reminder has none of its own). */
const DEADLINE_FIELD = {
  review: 'reviewBy',
  'ship-back': 'shipBackBy',
  receipt: 'receiveBy',
  inspection: 'inspectBy',
  completion: 'completeBy',
} as const satisfies Record<Exclude<DeadlineKind, 'review-reminder'>, keyof CaseDeadlines>;

/**
 * A deadline's timer ran before the deadline: a replay of its job, a job promoted by hand, a
 * worker whose clock is ahead. Nothing was done; the timer waits until `dueAt`
 * (TimersProcessor) and acts then, if the case is still waiting.
 */
export class DeadlineNotDue extends Error {
  constructor(
    readonly kind: DeadlineKind,
    readonly dueAt: Date,
  ) {
    super(`the ${kind} deadline is not due until ${dueAt.toISOString()}`);
  }
}

/**
 * Throws DeadlineNotDue unless a case's `kind` deadline has passed: the reminder's, `leadMs`
 * before the review deadline. A case with no such deadline recorded is due (its timer is all
 * there is to go by).
 */
export function assertDeadlinePassed(subject: Pick<ReturnCase, 'deadlines'>, kind: DeadlineKind, leadMs = 0): void {
  const at = subject.deadlines?.[DEADLINE_FIELD[kind === 'review-reminder' ? 'review' : kind]];
  if (!at) return;
  const dueAt = new Date(Date.parse(at) - leadMs);
  if (dueAt.getTime() > Date.now()) throw new DeadlineNotDue(kind, dueAt);
}

/**
 * What a notice for staff is about: a review about to be approved by its deadline; an item
 * sent back to its customer and lost, brought back undelivered, or delivered after it was
 * reported lost; a parcel refunded as lost that reached the warehouse after all; a parcel
 * the carrier carries for a return cancelled or closed; a parcel that came without any of
 * the return's units; an approved return that cannot be booked, its order having no address;
 * an exchange's replacement lost, brought back undelivered, or delivered after it was reported lost.
 */
export type StaffNoticeKind = 'review-reminder' | 'sent-back-lost' | 'sent-back-undelivered' | 'sent-back-delivered' | 'lost-parcel-delivered' | 'parcel-after-close' | 'inspection-nothing-came' | 'no-address' | 'outbound-no-address' | 'replacement-lost' | 'replacement-undelivered' | 'replacement-delivered' | 'receipt-overdue';

/** A notice for staff, as `staffNotices` answers it. */
export interface StaffNotice {
  caseId: string;
  rmaNumber: string;
  kind: StaffNoticeKind;
  message: string;
  createdAt: Date;
}

/** A move into a status, as `movedSince` answers it. */
export interface CaseMoved {
  caseId: string;
  to: CaseStatus;
  priority: number;
}

/**
 * The case record: the only code that changes a case's status. Every move is checked by
 * the state machine and written to the timeline in the caller's transaction.
 */
@Injectable()
export class CaseService {
  private readonly logger = new Logger(CaseService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Loads a case and locks it until the transaction ends; null when it does not exist. */
  lock(manager: EntityManager, caseId: string): Promise<ReturnCase | null> {
    return manager.getRepository(ReturnCase).findOne({ where: { id: caseId }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * Locks a case an actor wants to move to `to`. A return still waiting in the intake
   * queue is REQUESTED (as GET shows it), so moving it is refused as a transition, not as
   * an unknown id.
   */
  async lockForMove(manager: EntityManager, caseId: string, to: CaseStatus): Promise<ReturnCase> {
    const subject = await this.lock(manager, caseId);
    if (subject) return subject;
    const [buffered] = await manager.query('SELECT 1 FROM return_requests WHERE id = $1', [caseId]);
    if (buffered) throw new IllegalTransitionError('REQUESTED', to);
    throw notFound('RETURN_NOT_FOUND', `return ${caseId} not found`);
  }

  /** Whether the case was ever in `status`, by its timeline. */
  async wasEver(manager: EntityManager, caseId: string, status: CaseStatus): Promise<boolean> {
    const moves: unknown[] = await manager.query('SELECT 1 FROM case_timeline WHERE case_id = $1 AND to_status = $2 LIMIT 1', [caseId, status]);
    return moves.length > 0;
  }

  /**
   * Whether the carrier has scanned the case's parcel on its way to the warehouse: a scan
   * other than an exception, stored whether or not the logistics worker has applied it. A
   * case AWAITING_SHIPMENT with one is picked up, though its move to IN_TRANSIT may still
   * wait in a backed-up queue: it can no longer be cancelled or closed at its ship-back deadline.
   */
  async pickedUp(manager: EntityManager, caseId: string): Promise<boolean> {
    const scans: unknown[] = await manager.query(
      `SELECT 1 FROM tracking_events WHERE case_id = $1 AND shipment_id IS NOT NULL AND status <> 'EXCEPTION' LIMIT 1`,
      [caseId],
    );
    return scans.length > 0;
  }

  /**
   * Moves a locked case to `to`, with other `fields` changed in the same statement. Refused
   * moves throw IllegalTransitionError and leave nothing but a log line.
   */
  async transition(
    manager: EntityManager,
    subject: ReturnCase,
    to: CaseStatus,
    actor: string,
    note?: string,
    fields: CaseFields = {},
  ): Promise<void> {
    await this.transitionMany(manager, [{ subject, to, note, fields }], actor);
  }

  /**
   * Moves locked cases, each to its `to` with its other `fields`, in one round trip
   * (`transitionStatements`). Every move is checked before anything is written; one refused
   * move refuses them all.
   */
  async transitionMany(manager: EntityManager, moves: CaseMove[], actor: string): Promise<void> {
    await runTogether(manager, this.transitionStatements(manager, moves, actor));
  }

  /**
   * The statements that move locked cases, for the caller to run in its transaction (on
   * their own, or with its other writes: `Tx.atCommit`): one UPDATE for each set of fields
   * changed and one timeline insert, however many cases. Every move is checked first; one
   * refused move refuses them all (IllegalTransitionError) and nothing is returned. The
   * subjects show their moves at once: the transaction that runs the statements commits
   * them, or fails as a whole.
   */
  transitionStatements(manager: EntityManager, moves: CaseMove[], actor: string): Statement[] {
    for (const { subject, to } of moves) this.checkMove(subject, subject.status, to, actor);
    if (!moves.length) return [];
    const now = new Date();
    const byFields = new Map<string, CaseMove[]>();
    for (const move of moves) {
      const key = Object.keys(move.fields ?? {}).sort().join(',');
      const group = byFields.get(key);
      if (group) group.push(move);
      else byFields.set(key, [move]);
    }
    const metadata = manager.connection.getMetadata(ReturnCase);
    const statements: Statement[] = [];
    for (const [key, group] of byFields) {
      const columns = key ? key.split(',').map((property) => metadata.findColumnWithPropertyName(property)!) : [];
      const values: unknown[][] = [group.map((m) => m.subject.id), group.map((m) => m.to)];
      for (const column of columns) {
        values.push(group.map((m) => arrayElement(column.type, (m.fields as Record<string, unknown>)[column.propertyName])));
      }
      const names = ['id', 'status', ...columns.map((c) => c.databaseName)];
      const types = ['uuid', 'text', ...columns.map((c) => arrayElementType(c.type))];
      statements.push({
        text: `UPDATE return_cases c SET status = v.status, updated_at = $${names.length + 1}${columns.map((col) => `, "${col.databaseName}" = v."${col.databaseName}"`).join('')}
           FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) AS v(${names.map((n) => `"${n}"`).join(', ')})
          WHERE c.id = v.id`,
        params: [...values, now],
      });
    }
    statements.push(
      insertManyStatement(
        manager,
        TimelineEntry,
        moves.map(({ subject, to, note }) => ({ caseId: subject.id, at: now, from: subject.status, to, actor, note: note ?? null })),
      )!,
    );
    for (const { subject, to } of moves) {
      subject.status = to;
      subject.updatedAt = now;
    }
    return statements;
  }

  /** The state machine's word on one move; a refused one leaves a log line and throws IllegalTransitionError. */
  private checkMove(subject: Pick<ReturnCase, 'id' | 'type'>, from: CaseStatus, to: CaseStatus, actor: string): void {
    try {
      assertTransition(from, to, subject.type);
    } catch (error) {
      if (error instanceof IllegalTransitionError) this.logger.warn(`refused ${from} -> ${to} for case ${subject.id} by ${actor}`);
      throw error;
    }
  }

  /**
   * Writes new cases already moved from REQUESTED to their first decision, in one round trip
   * (`openDecidedStatements`).
   */
  async openDecided(manager: EntityManager, opened: CaseOpening[], actor: string): Promise<void> {
    await runTogether(manager, this.openDecidedStatements(manager, opened, actor));
  }

  /**
   * The statements that write new cases already moved from REQUESTED to their first decision
   * (and, with `then`, on to the move that follows it at once): the cases, their items, and
   * a timeline entry per move, in three inserts however many there are, and the end of their
   * requests' wait (`waiting_requests`), for the caller to run in its transaction (on their
   * own, or with its other writes: `Tx.atCommit`). Each move is checked by the state machine
   * like any other; the subjects show them at once.
   */
  openDecidedStatements(manager: EntityManager, opened: CaseOpening[], actor: string): Statement[] {
    for (const { subject, to, then } of opened) {
      this.checkMove(subject, 'REQUESTED', to, actor);
      if (then) this.checkMove(subject, to, then.to, actor);
    }
    const statements = [
      insertManyStatement(
        manager,
        ReturnCase,
        opened.map(({ subject, to, then }) => ({ ...subject, status: then?.to ?? to })),
      ),
      insertManyStatement(
        manager,
        ReturnItem,
        opened.flatMap(({ subject, items }) => items.map((item) => ({ ...item, caseId: subject.id }))),
      ),
      insertManyStatement(
        manager,
        TimelineEntry,
        opened.flatMap(({ subject, to, note, then }) => [
          { caseId: subject.id, at: subject.createdAt, from: null, to: 'REQUESTED' as CaseStatus, actor, note: null },
          { caseId: subject.id, at: subject.updatedAt, from: 'REQUESTED' as CaseStatus, to, actor, note: note ?? null },
          ...(then ? [{ caseId: subject.id, at: subject.updatedAt, from: to, to: then.to, actor, note: then.note ?? null }] : []),
        ]),
      ),
      opened.length ? { text: 'DELETE FROM waiting_requests WHERE id = ANY($1::uuid[])', params: [opened.map(({ subject }) => subject.id)] } : null,
      // Nor held for its order's delivery (DELIVERY_GRACE), however it was decided.
      opened.length
        ? {
            text: 'DELETE FROM awaiting_delivery WHERE (order_id, request_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))',
            params: [opened.map(({ subject }) => subject.orderId), opened.map(({ subject }) => subject.id)],
          }
        : null,
    ];
    for (const { subject, to, then } of opened) subject.status = then?.to ?? to;
    return statements.filter((statement): statement is Statement => statement !== null);
  }

  /**
   * Sets a case's `kind` deadline `ms` from now, in the caller's transaction, and answers the
   * timer job that acts on it, for the caller to enqueue with the rest of what follows.
   */
  async setDeadline(
    manager: EntityManager,
    subject: Pick<ReturnCase, 'id' | 'deadlines'>,
    kind: keyof typeof DEADLINE_FIELD,
    ms: number,
  ): Promise<JobRequest<JobName.CaseDeadline>> {
    const at = new Date(Date.now() + ms).toISOString();
    await this.update(manager, subject.id, { deadlines: { ...subject.deadlines, [DEADLINE_FIELD[kind]]: at } });
    return Jobs.deadline(subject.id, kind, ms);
  }

  /** Updates fields of a case other than its status. */
  async update(manager: EntityManager, caseId: string, fields: CaseFields): Promise<void> {
    await manager.update(ReturnCase, { id: caseId }, { ...fields, updatedAt: new Date() });
  }

  find(caseId: string, manager: EntityManager = this.dataSource.manager): Promise<ReturnCase | null> {
    return manager.findOne(ReturnCase, { where: { id: caseId } });
  }

  items(caseId: string, manager: EntityManager = this.dataSource.manager): Promise<ReturnItem[]> {
    return manager.find(ReturnItem, { where: { caseId }, order: { sku: 'ASC' } });
  }

  timeline(caseId: string): Promise<TimelineEntry[]> {
    return this.dataSource.manager.find(TimelineEntry, { where: { caseId }, order: { id: 'ASC' } });
  }

  /**
   * The moves into one of `to` (from one of `from`, when given) made since `since`, with each
   * case's priority (`JobRecovery`): what an event that has passed still owes, though its case
   * has moved on since.
   */
  movedSince(since: Date, to: CaseStatus[], from?: CaseStatus[]): Promise<CaseMoved[]> {
    return this.dataSource.query(
      `SELECT DISTINCT t.case_id AS "caseId", t.to_status AS "to", c.priority
         FROM return_cases c JOIN case_timeline t ON t.case_id = c.id
        WHERE c.updated_at >= $1 AND t.at >= $1 AND t.to_status = ANY($2::text[]) AND ($3::text[] IS NULL OR t.from_status = ANY($3::text[]))`,
      [since, to, from ?? null],
    );
  }

  /**
   * Leaves the agents a notice of `kind` about a case, once: a second of the same kind for
   * the same case is not recorded (a replayed timer, a repeated scan).
   * @returns whether this call recorded it
   */
  async notifyAgents(manager: EntityManager, caseId: string, kind: StaffNoticeKind, message: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO staff_notifications (case_id, kind, audience, message) VALUES ($1, $2, 'agents', $3)
       ON CONFLICT (case_id, kind) DO NOTHING RETURNING id`,
      [caseId, kind, message],
    );
    return rows.length > 0;
  }

  /**
   * Notices recorded for one audience of staff (`staff_notifications`, `StaffNoticeKind`),
   * newest first; a review reminder only while its case still waits for review, a receipt
   * overdue only while its parcel is still not scanned in.
   */
  staffNotices(audience: 'agents', limit: number): Promise<StaffNotice[]> {
    return this.dataSource.query(
      `SELECT n.case_id AS "caseId", c.rma_number AS "rmaNumber", n.kind, n.message, n.created_at AS "createdAt"
         FROM staff_notifications n JOIN return_cases c ON c.id = n.case_id
        WHERE n.audience = $1
          -- A reminder is of a case still waiting for review; once decided, it is no news. So is
          -- a parcel delivered and not scanned in, once the warehouse has.
          AND (n.kind <> 'review-reminder' OR c.status = 'PENDING_REVIEW')
          AND (n.kind <> 'receipt-overdue' OR c.status = 'IN_TRANSIT')
        ORDER BY n.id DESC LIMIT $2`,
      [audience, limit],
    );
  }

  order(orderId: string, manager: EntityManager = this.dataSource.manager): Promise<OrderSnapshot | null> {
    return manager.findOne(OrderSnapshot, { where: { id: orderId } });
  }
}
