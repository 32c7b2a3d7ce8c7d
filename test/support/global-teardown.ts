import { Client } from 'pg';
import IORedis from 'ioredis';
import { nameWhatLingers } from './lingering';

/** Drops the run's database and deletes its Redis keys; then watches that nothing keeps the process alive. */
export default async function globalTeardown(): Promise<void> {
  nameWhatLingers();
  const url = new URL(process.env.DATABASE_URL!);
  const name = url.pathname.slice(1);
  if (!name.startsWith('returns_test_')) return;
  if (process.env.KEEP_TEST_DATA) {
    console.log(`kept test database ${name} and Redis prefix ${process.env.QUEUE_PREFIX}`);
    return;
  }
  url.pathname = '/postgres';
  const pg = new Client({ connectionString: url.toString() });
  await pg.connect();
  await pg.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await pg.end();

  const redis = new IORedis(process.env.REDIS_URL!);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${process.env.QUEUE_PREFIX}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}
