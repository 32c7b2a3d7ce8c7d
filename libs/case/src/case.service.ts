import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CaseStatus } from '@returns/contracts';
import { ReturnCase } from './return-case.entity';
import { ReturnItem } from './return-item.entity';
import { TimelineEntry } from './timeline-entry.entity';
import { OrderSnapshot } from './order.entity';
import { assertTransition, IllegalTransitionError } from './state-machine';
import { notFound } from './api-errors';

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
    fields: Partial<Omit<ReturnCase, 'status' | 'id' | 'items'>> = {},
  ): Promise<void> {
    const from = subject.status;
    try {
      assertTransition(from, to, subject.type);
    } catch (error) {
      if (error instanceof IllegalTransitionError) {
        this.logger.warn(`refused ${from} -> ${to} for case ${subject.id} by ${actor}`);
      }
      throw error;
    }
    const now = new Date();
    await manager.update(ReturnCase, { id: subject.id }, { ...fields, status: to, updatedAt: now });
    await manager.insert(TimelineEntry, { caseId: subject.id, at: now, from, to, actor, note: note ?? null });
    subject.status = to;
    subject.updatedAt = now;
  }

  /**
   * Writes new cases already moved from REQUESTED to their first decision: the cases, their
   * items, and two timeline entries each, in three inserts however many there are. Each
   * move is checked by the state machine like any other.
   */
  async openDecided(
    manager: EntityManager,
    opened: { subject: ReturnCase; items: Omit<ReturnItem, 'caseId' | 'returnCase'>[]; to: CaseStatus; note?: string }[],
    actor: string,
  ): Promise<void> {
    for (const { subject, to } of opened) assertTransition('REQUESTED', to, subject.type);
    await manager.insert(
      ReturnCase,
      opened.map(({ subject, to }) => ({ ...subject, status: to })),
    );
    const items = opened.flatMap(({ subject, items }) => items.map((item) => ({ ...item, caseId: subject.id })));
    if (items.length) await manager.insert(ReturnItem, items);
    await manager.insert(
      TimelineEntry,
      opened.flatMap(({ subject, to, note }) => [
        { caseId: subject.id, at: subject.createdAt, from: null, to: 'REQUESTED' as CaseStatus, actor, note: null },
        { caseId: subject.id, at: subject.updatedAt, from: 'REQUESTED' as CaseStatus, to, actor, note: note ?? null },
      ]),
    );
    for (const { subject, to } of opened) subject.status = to;
  }

  /** Updates fields of a case other than its status. */
  async update(manager: EntityManager, caseId: string, fields: Partial<Omit<ReturnCase, 'status' | 'id' | 'items'>>): Promise<void> {
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

  order(orderId: string, manager: EntityManager = this.dataSource.manager): Promise<OrderSnapshot | null> {
    return manager.findOne(OrderSnapshot, { where: { id: orderId } });
  }
}
