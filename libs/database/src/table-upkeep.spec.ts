import { DataSource, QueryRunner } from 'typeorm';
import { dataSourceOptions } from './data-source';
import { ADVISORY_LOCK } from './advisory-locks';
import { TableUpkeep, upkeepOf } from './table-upkeep';

describe(upkeepOf.name, () => {
  it("asks for autovacuum's work past autovacuum's thresholds, with a floor for small tables", () => {
    expect(upkeepOf({ table: 'outbox', live: 200, dead: 244_000, modifiedSinceAnalyze: 4_900_000 })).toBe('vacuum');
    expect(upkeepOf({ table: 'return_cases', live: 500_000, dead: 50_000, modifiedSinceAnalyze: 900_000 })).toBe('analyze');
    expect(upkeepOf({ table: 'return_cases', live: 500_000, dead: 50_000, modifiedSinceAnalyze: 40_000 })).toBeNull();
    expect(upkeepOf({ table: 'orders', live: 20, dead: 900, modifiedSinceAnalyze: 900 })).toBeNull();
  });
});

describe(TableUpkeep.name, () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions(process.env.DATABASE_URL!)).initialize();
  });

  afterAll(async () => {
    await dataSource.query('DROP TABLE IF EXISTS upkeep_probe');
    await dataSource.destroy();
  });

  /** Dead and modified rows of a table as the statistics tell them. */
  async function churnOf(table: string): Promise<{ dead: number; modified: number }> {
    const [row] = await dataSource.query(
      `SELECT n_dead_tup::int AS dead, n_mod_since_analyze::int AS modified FROM pg_stat_user_tables WHERE relname = $1`,
      [table],
    );
    return row;
  }

  /**
   * A new `upkeep_probe` that had `rows` inserted and all but `kept` deleted, with the
   * statistics published; on `runner` (its own session) when given, else on one of its own.
   */
  async function churnedProbe(rows: number, kept: number, runner?: QueryRunner): Promise<void> {
    await dataSource.query('DROP TABLE IF EXISTS upkeep_probe');
    await dataSource.query('CREATE TABLE upkeep_probe (id int PRIMARY KEY)');
    const session = runner ?? dataSource.createQueryRunner();
    if (!runner) await session.connect();
    try {
      await session.query('INSERT INTO upkeep_probe SELECT g FROM generate_series(1, $1::int) g', [rows]);
      await session.query('DELETE FROM upkeep_probe WHERE id > $1', [kept]);
      // Statistics reach shared memory at most once a second; this session's, now.
      await session.query('SELECT pg_stat_force_next_flush()');
      await session.query('SELECT 1');
    } finally {
      if (!runner) await session.release();
    }
  }

  it('vacuums a table full of dead rows, and analyzes it, once; the next round finds nothing to do there', async () => {
    await churnedProbe(5000, 100);
    expect((await churnOf('upkeep_probe')).dead).toBe(4900);

    const upkeep = new TableUpkeep(dataSource);
    expect((await upkeep.keep()).upkeep_probe).toBe('vacuum');
    expect(await churnOf('upkeep_probe')).toEqual({ dead: 0, modified: 0 });
    expect((await upkeep.keep()).upkeep_probe).toBeUndefined();
  });

  it('skips a table another session holds, without waiting for it, and keeps it in a later round', async () => {
    const holder = dataSource.createQueryRunner();
    await holder.connect();
    try {
      await churnedProbe(3000, 0, holder);
      // A migration, say: the lock VACUUM and ANALYZE need, held.
      await holder.startTransaction();
      await holder.query('LOCK TABLE upkeep_probe IN SHARE UPDATE EXCLUSIVE MODE');
      const started = Date.now();
      await new TableUpkeep(dataSource).keep();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await churnOf('upkeep_probe')).dead).toBe(3000);
      await holder.commitTransaction();
    } finally {
      await holder.release();
    }
    expect((await new TableUpkeep(dataSource).keep()).upkeep_probe).toBe('vacuum');
    expect((await churnOf('upkeep_probe')).dead).toBe(0);
  });

  it('leaves the round to another process that holds the upkeep lock', async () => {
    const other = dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK.tableUpkeep]);
      expect(await new TableUpkeep(dataSource).keep()).toEqual({});
      await other.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK.tableUpkeep]);
    } finally {
      await other.release();
    }
  });
});
