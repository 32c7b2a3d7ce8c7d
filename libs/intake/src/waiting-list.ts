import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ADVISORY_LOCK } from '@returns/database';

/**
 * The row of `waiting_requests` that stands for the table itself: it matches no request
 * (created at -infinity, no order), and a crash of PostgreSQL, which empties the unlogged
 * table, takes it with the rest.
 */
export const WAITING_LIST_INTACT = '00000000-0000-0000-0000-000000000000';

/**
 * Requests waiting to be judged (accepted, no case yet), counted up to `limit` when given:
 * the intake backlog of the 429s and of `/metrics`. The row standing for the table is
 * created at -infinity and is not one of them.
 */
export async function countWaiting(dataSource: DataSource, limit?: number): Promise<number> {
  const [{ n }]: { n: number }[] = await dataSource.query(
    `SELECT count(*)::int AS n FROM (SELECT FROM waiting_requests WHERE created_at > '-infinity' LIMIT $1) w`,
    [limit ?? null],
  );
  return n;
}

/** How often a worker process looks for it. */
const LOOK_EVERY_MS = 10_000;

/**
 * Fills `waiting_requests` again after PostgreSQL lost it (a crash, a failover: the table
 * is unlogged): every request without a case, and the row that says it is whole. One worker
 * at a time does it (an advisory lock); the others find the row back and do nothing. Until
 * then `GET /v1/returns` lists the waiting requests from their judging on.
 */
@Injectable()
export class WaitingListRepair implements OnApplicationBootstrap {
  private readonly logger = new Logger(WaitingListRepair.name);
  private running = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduler.addInterval('waiting-list-repair', setInterval(() => void this.tick(), LOOK_EVERY_MS));
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const refilled = await this.repair();
      if (refilled !== null) this.logger.warn(`waiting_requests was empty (PostgreSQL lost it): ${refilled} waiting request(s) put back`);
    } catch (error) {
      this.logger.warn(`could not look at waiting_requests: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  /**
   * Refills the table when its intact row is missing.
   * @returns how many requests it put back, or null when it was whole (or another process is at it)
   */
  async repair(): Promise<number | null> {
    const [intact] = await this.dataSource.query('SELECT 1 FROM waiting_requests WHERE id = $1', [WAITING_LIST_INTACT]);
    if (intact) return null;
    return this.dataSource.transaction(async (manager) => {
      const [{ mine }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS mine', [ADVISORY_LOCK.waitingListRepair]);
      if (!mine) return null;
      const [again] = await manager.query('SELECT 1 FROM waiting_requests WHERE id = $1', [WAITING_LIST_INTACT]);
      if (again) return null;
      const put: unknown[] = await manager.query(
        `INSERT INTO waiting_requests (id, order_id, customer_id, merchant_id, created_at)
           SELECT r.id, r.order_id, o.customer_id, o.merchant_id, r.created_at
             FROM return_requests r JOIN orders o ON o.id = r.order_id
            WHERE NOT EXISTS (SELECT 1 FROM return_cases c WHERE c.id = r.id)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
      );
      await manager.query(`INSERT INTO waiting_requests (id, order_id, customer_id, merchant_id, created_at) VALUES ($1, '', '', '', '-infinity')`, [WAITING_LIST_INTACT]);
      return put.length;
    });
  }
}
