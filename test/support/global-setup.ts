import { randomBytes } from 'node:crypto';
import { runMigrations } from '../../libs/database/src/data-source';
import { trackTimers } from './lingering';

/**
 * One PostgreSQL database and one Redis key prefix per test run, so runs never see each
 * other's data. Relative imports: Jest does not map path aliases for this file.
 */
export default async function globalSetup(): Promise<void> {
  trackTimers();
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const base = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = new URL(base);
  url.pathname = `/returns_test_${run}`;
  process.env.DATABASE_URL = url.toString();
  process.env.REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  process.env.QUEUE_PREFIX = `returns-test-${run}`;
  process.env.NODE_ENV = 'test';
  await runMigrations(process.env.DATABASE_URL);
}
