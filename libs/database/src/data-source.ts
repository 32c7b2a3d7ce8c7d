import { DataSource, DataSourceOptions } from 'typeorm';
import { Client } from 'pg';
import { MIGRATIONS } from './migrations';
import { ADVISORY_LOCK } from './advisory-locks';
import { backendNiceness } from './backend-niceness';

/**
 * Names this process's PostgreSQL sessions (`application_name`, which node-postgres takes from
 * `PGAPPNAME`) for what the process is, unless the environment named them already: in
 * `pg_stat_activity` and the server's logs a DBA then tells the API's statements from the
 * workers', e.g. which of them wait for the write-ahead log during a surge.
 */
export function nameDatabaseSessions(role: 'returns-api' | 'returns-api+workers' | 'returns-worker'): void {
  process.env.PGAPPNAME ||= role;
}

/** The pool's size unless told (the same as DEFAULT_DATABASE_POOL_SIZE, libs/config). */
const DEFAULT_POOL_SIZE = 20;

/**
 * Options shared by the app and the migration CLI: schema only ever changes by migration.
 * `lockTimeoutMs` (the app's DATABASE_LOCK_TIMEOUT) bounds each statement's wait for a
 * lock; 0, the default, waits for ever, as migrations must for one another's advisory lock.
 * `idleInTransactionMs` (DATABASE_IDLE_IN_TRANSACTION_TIMEOUT) ends a session left idle in
 * an open transaction; 0, the default, never does. `poolSize` (the app's DATABASE_POOL_SIZE,
 * validated by `loadConfig`) caps the pool's connections; the migration CLI keeps the
 * default, one connection of it in use at a time. (This file imports nothing but its own
 * library: the test's global setup and the TypeORM CLI load it without the path aliases.)
 */
export function dataSourceOptions(url: string, { lockTimeoutMs = 0, idleInTransactionMs = 0, poolSize = DEFAULT_POOL_SIZE } = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // Room for the API's request handlers and every worker's concurrency at once.
    // A job waiting this long for a connection fails and is retried, rather than hanging.
    // A niced worker's statements run niced too when the server is on this machine.
    // No JIT: its compile time dwarfs the statements of a returns service. In a replay the
    // planner's cost of a batch's checks passed jit_above_cost: statements of 5 ms took
    // 200-550 ms, and judging went from 266 to 354 returns/s once those sessions were gone.
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 10_000,
      onConnect: backendNiceness(url),
      options: `-c jit=off -c lock_timeout=${Math.round(lockTimeoutMs)} -c idle_in_transaction_session_timeout=${Math.round(idleInTransactionMs)}`,
    },
  };
}


/**
 * Creates the database named in the URL when it does not exist, so a fresh machine with
 * only a PostgreSQL server can start the service.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

/** Applies pending migrations once, whichever of several starting processes gets there first. */
export async function runMigrations(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const dataSource = new DataSource(dataSourceOptions(url));
  await dataSource.initialize();
  try {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK.migrations]);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK.migrations]).catch(() => undefined);
      await runner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}

/** The DataSource for the TypeORM CLI (`typeorm migration:show -d dist/libs/database/src/data-source.js`). */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/returns'));
