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
 * the intake backlog of the 429s and of `/metrics` (KEDA scales the intake workers on it).
 * The row standing for the table is created at -infinity and is not one of them; nor is a
 * request held for its order's delivery (DELIVERY_GRACE, `awaiting_delivery`), which waits
 * for upstream, not for a worker: counted, it kept pods up for the whole grace and, past
 * INTAKE_HIGH_WATER, turned new returns away while no worker had anything to judge.
 */
export async function countWaiting(dataSource: DataSource, limit?: number): Promise<number> {
  const [{ n }]: { n: number }[] = await dataSource.query(
    `SELECT count(*)::int AS n FROM (
       SELECT FROM waiting_requests w
        WHERE w.created_at > '-infinity' AND NOT EXISTS (SELECT 1 FROM awaiting_delivery a WHERE a.order_id = w.order_id AND a.request_id = w.id)
        LIMIT $1) w`,
    [limit ?? null],
  );
  return n;
}

/** How often a worker process looks for it. */
const LOOK_EVERY_MS = 10_000;

/** Most a refill waits for the judging under way at its commit to end (`takeOutJudged`). */
const WAIT_FOR_JUDGING_MS = 60_000;

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
    const put = await this.dataSource.transaction(async (manager) => {
      const [{ mine }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS mine', [ADVISORY_LOCK.waitingListRepair]);
      if (!mine) return null;
      const [again] = await manager.query('SELECT 1 FROM waiting_requests WHERE id = $1', [WAITING_LIST_INTACT]);
      if (again) return null;
      const rows: { id: string }[] = await manager.query(
        `INSERT INTO waiting_requests (id, order_id, customer_id, merchant_id, created_at)
           SELECT r.id, r.order_id, o.customer_id, o.merchant_id, r.created_at
             FROM return_requests r JOIN orders o ON o.id = r.order_id
            WHERE NOT EXISTS (SELECT 1 FROM return_cases c WHERE c.id = r.id)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
      );
      await manager.query(`INSERT INTO waiting_requests (id, order_id, customer_id, merchant_id, created_at) VALUES ($1, '', '', '', '-infinity')`, [WAITING_LIST_INTACT]);
      return rows.map((row) => row.id);
    });
    if (put === null) return null;
    await this.takeOutJudged(put);
    return put.length;
  }

  /**
   * Takes out the rows the refill put back for requests whose case was opened meanwhile. Such
   * a case, not yet committed when the refill read the cases, was not seen; and its opening,
   * before the refill committed, found no row to take out. Left, the row stayed for good: a
   * backlog (`countWaiting`) that never went back to zero. Done once every transaction of
   * this database still running at the refill's commit has ended (or after WAIT_FOR_JUDGING_MS).
   */
  private async takeOutJudged(ids: string[]): Promise<void> {
    const [{ running }]: { running: string[] }[] = await this.dataSource.query(
      `SELECT COALESCE(array_agg(backend_xid::text), '{}') AS running FROM pg_stat_activity
        WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()`,
    );
    const until = Date.now() + WAIT_FOR_JUDGING_MS;
    while (running.length && Date.now() < until) {
      const [{ still }]: { still: boolean }[] = await this.dataSource.query(
        `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND backend_xid::text = ANY($1::text[])) AS still`,
        [running],
      );
      if (!still) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.dataSource.query('DELETE FROM waiting_requests w WHERE w.id = ANY($1::uuid[]) AND EXISTS (SELECT 1 FROM return_cases c WHERE c.id = w.id)', [ids]);
  }
}
