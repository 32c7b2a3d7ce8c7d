import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ADVISORY_LOCK, withSessionLock } from './advisory-locks';

/** How often a worker process looks at the tables' statistics. */
export const UPKEEP_EVERY_MS = 30_000;

/** A table's churn since it was last vacuumed and analyzed, from `pg_stat_user_tables`. */
export interface TableChurn {
  table: string;
  live: number;
  dead: number;
  modifiedSinceAnalyze: number;
}

/**
 * What a table needs, by autovacuum's own default thresholds (50 rows plus 20% of the table
 * for a vacuum, 50 plus 10% for an analyze), with a floor of 1,000 rows so a small table is
 * not vacuumed every round.
 */
export function upkeepOf(t: TableChurn): 'vacuum' | 'analyze' | null {
  if (t.dead > Math.max(1_000, 50 + 0.2 * t.live)) return 'vacuum';
  if (t.modifiedSinceAnalyze > Math.max(1_000, 50 + 0.1 * t.live)) return 'analyze';
  return null;
}

/**
 * Autovacuum's work, for a server that has it switched off. The outbox is a queue in a
 * table: every job is a row inserted and deleted within a second, and without vacuum its
 * dead rows pile up (528 MB holding 200 live rows after 20 minutes of a replay, every sweep
 * and delete reading through them); the planner's statistics of every table stay those of
 * an empty one. With autovacuum on (PostgreSQL's default) this does nothing but say so at
 * debug level. With it off it warns once, then every 30 s one worker process (an advisory
 * lock) vacuums or analyzes the tables that passed autovacuum's thresholds.
 */
@Injectable()
export class TableUpkeep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TableUpkeep.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    const autovacuum = await this.dataSource
      .query(`SELECT current_setting('autovacuum') AS autovacuum`)
      .then((rows: { autovacuum: string }[]) => rows[0].autovacuum)
      .catch(() => 'unknown');
    if (autovacuum !== 'off') {
      this.logger.debug(`autovacuum is ${autovacuum}: the server keeps the tables`);
      return;
    }
    this.logger.warn(`autovacuum is off on this PostgreSQL server: worker processes vacuum and analyze the service's tables themselves every ${UPKEEP_EVERY_MS / 1000} s`);
    this.timer = setInterval(() => void this.tick(), UPKEEP_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    this.running ??= this.keep()
      .then(() => undefined, (error: Error) => this.logger.warn(`table upkeep failed: ${error.message}`))
      .finally(() => (this.running = null));
  }

  /**
   * One round: vacuums or analyzes what needs it, if no other process is doing so.
   * @returns what it asked for, table by table (a table it found locked was skipped)
   */
  async keep(): Promise<Record<string, 'vacuum' | 'analyze'>> {
    const done: Record<string, 'vacuum' | 'analyze'> = {};
    // VACUUM cannot run in a transaction: a session lock on a connection of its own.
    await withSessionLock(this.dataSource, ADVISORY_LOCK.tableUpkeep, async (runner) => {
      const tables: TableChurn[] = await runner.query(
        `SELECT relname AS "table", n_live_tup::float8 AS live, n_dead_tup::float8 AS dead, n_mod_since_analyze::float8 AS "modifiedSinceAnalyze"
           FROM pg_stat_user_tables WHERE schemaname = current_schema()`,
      );
      for (const table of tables) {
        const need = upkeepOf(table);
        if (!need) continue;
        const name = `"${table.table.replace(/"/g, '""')}"`;
        // SKIP_LOCKED, as autovacuum does: a table a migration or another session holds is
        // left for the next round instead of holding this one (and shutdown) behind it.
        await runner.query(need === 'vacuum' ? `VACUUM (ANALYZE, SKIP_LOCKED) ${name}` : `ANALYZE (SKIP_LOCKED) ${name}`);
        done[table.table] = need;
      }
      if (Object.keys(done).length) this.logger.log(`table upkeep: ${Object.entries(done).map(([t, what]) => `${what} ${t}`).join(', ')}`);
    });
    return done;
  }
}
