import { DataSource, QueryRunner } from 'typeorm';

/**
 * The keys of the service's PostgreSQL advisory locks, in one place so that no two kinds of
 * work share one by accident (the refund reconciliation was first given the table upkeep's,
 * and would have been skipped whenever an upkeep round was running).
 */
export const ADVISORY_LOCK = {
  /** migration runs, one process at a time (waited for) */
  migrations: 4_711_042,
  /** the outbox sweep, one process at a time (per transaction) */
  outboxSweep: 4_711_043,
  /** the tables' upkeep where autovacuum is off */
  tableUpkeep: 4_711_044,
  /** the nightly refund reconciliation */
  refundReconciliation: 4_711_045,
  /** putting back the jobs a restarted Redis lost (RedisRestartWatch) */
  jobRecovery: 4_711_046,
  /** filling waiting_requests again after PostgreSQL lost it (WaitingListRepair) */
  waitingListRepair: 4_711_047,
} as const;

/**
 * Runs `work` holding a session advisory lock on a connection of its own (`runner`), unless
 * another session holds it. A process that dies meanwhile releases the lock with its
 * connection; an unlock on a connection lost meanwhile is not an error.
 * @returns `{ value }` of what `work` returned, or undefined when the lock was taken (nothing ran)
 */
export async function withSessionLock<T>(dataSource: DataSource, key: number, work: (runner: QueryRunner) => Promise<T>): Promise<{ value: T } | undefined> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [{ mine }] = await runner.query('SELECT pg_try_advisory_lock($1) AS mine', [key]);
    if (!mine) return undefined;
    try {
      return { value: await work(runner) };
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}
