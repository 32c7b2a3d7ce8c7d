import { DataSource } from 'typeorm';
import { dataSourceOptions, nameDatabaseSessions } from './data-source';
import { lockTimedOut } from './errors';

describe(dataSourceOptions.name, () => {
  it('opens sessions with JIT compilation off, whatever the server default', async () => {
    const dataSource = new DataSource(dataSourceOptions(process.env.DATABASE_URL!));
    await dataSource.initialize();
    try {
      const [{ jit }] = await dataSource.query('SHOW jit');
      expect(jit).toBe('off');
      // No lock timeout unless asked for: migrations wait for one another's advisory lock.
      const [{ lock_timeout }] = await dataSource.query('SHOW lock_timeout');
      expect(lock_timeout).toBe('0');
      const [{ idle_in_transaction_session_timeout: idle }] = await dataSource.query('SHOW idle_in_transaction_session_timeout');
      expect(idle).toBe('0');
    } finally {
      await dataSource.destroy();
    }
  });

  it('ends a session left idle in an open transaction after idleInTransactionMs, letting go of what it held', async () => {
    const frozen = await new DataSource(dataSourceOptions(process.env.DATABASE_URL!, { idleInTransactionMs: 300 })).initialize();
    const other = await new DataSource(dataSourceOptions(process.env.DATABASE_URL!)).initialize();
    const runner = frozen.createQueryRunner();
    try {
      await runner.startTransaction();
      await runner.query('SELECT pg_advisory_xact_lock(4711998)');
      // As a process stopped mid-transaction (SIGSTOP, a paused VM) would: it holds the lock, doing nothing.
      const [{ taken }] = await other.query('SELECT pg_try_advisory_lock(4711998) AS taken');
      expect(taken).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const [{ free }] = await other.query('SELECT pg_try_advisory_lock(4711998) AS free');
      expect(free).toBe(true);
      await other.query('SELECT pg_advisory_unlock(4711998)');
      // Woken, the process finds its session gone: its transaction never commits.
      await expect(runner.query('SELECT 1')).rejects.toThrow();
    } finally {
      await runner.release().catch(() => undefined);
      await Promise.all([frozen.destroy(), other.destroy()]);
    }
  });

  it("bounds a statement's wait for a lock by lockTimeoutMs: 55P03, lockTimedOut", async () => {
    const dataSource = await new DataSource(dataSourceOptions(process.env.DATABASE_URL!, { lockTimeoutMs: 200 })).initialize();
    const holder = await new DataSource(dataSourceOptions(process.env.DATABASE_URL!)).initialize();
    const runner = holder.createQueryRunner();
    try {
      const [{ lock_timeout }] = await dataSource.query('SHOW lock_timeout');
      expect(lock_timeout).toBe('200ms');
      await runner.startTransaction();
      await runner.query('SELECT pg_advisory_xact_lock(4711999)');
      const started = Date.now();
      const waited = await dataSource.query('SELECT pg_advisory_xact_lock(4711999)').catch((error: unknown) => error);
      expect(lockTimedOut(waited)).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
      await Promise.all([dataSource.destroy(), holder.destroy()]);
    }
  });
});

describe(nameDatabaseSessions.name, () => {
  const given = process.env.PGAPPNAME;
  afterEach(() => {
    if (given === undefined) delete process.env.PGAPPNAME;
    else process.env.PGAPPNAME = given;
  });

  it("names the process's sessions for its role when nothing names them", () => {
    delete process.env.PGAPPNAME;
    nameDatabaseSessions('returns-worker');
    expect(process.env.PGAPPNAME).toBe('returns-worker');
  });

  it('keeps the name the environment gives, e.g. one per deployment', () => {
    process.env.PGAPPNAME = 'returns-worker-eu';
    nameDatabaseSessions('returns-worker');
    expect(process.env.PGAPPNAME).toBe('returns-worker-eu');
  });
});
