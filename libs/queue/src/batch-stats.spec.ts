import IORedis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@returns/config';
import type { BatchTotals } from '@returns/database';
import { BatchStatsPublisher, batchStatsKey, reportBatchTotals } from './batch-stats';
import type { RedisClient } from './redis.provider';
import { FORGET_AFTER_MS } from './worker-presence';

describe(BatchStatsPublisher.name, () => {
  let redis: IORedis;
  let prefix: string;
  let stats: BatchStatsPublisher;

  const judged = (batches: number, retried = 0): Record<string, BatchTotals> => ({ judge: { batches, items: batches * 80, retried } });
  const judge = async () => (await stats.cluster()).judge;

  beforeAll(() => {
    redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });

  afterAll(() => redis.quit());

  beforeEach(() => {
    prefix = `${process.env.QUEUE_PREFIX ?? 'returns-test'}-batch-stats-${randomBytes(3).toString('hex')}`;
    stats = new BatchStatsPublisher({ redis } as unknown as RedisClient, { queuePrefix: prefix, workerHeartbeatMs: 5_000 } as AppConfig);
  });

  it('adds up every process, and never goes down when one of them stops (a scale-in)', async () => {
    await reportBatchTotals(redis, prefix, 'pod-a', judged(500));
    await reportBatchTotals(redis, prefix, 'pod-b', judged(300));
    expect(await judge()).toEqual({ batches: 800, items: 64_000, retried: 0 });
    // Pod a stops: its last report, with what it did since its last heartbeat.
    await reportBatchTotals(redis, prefix, 'pod-a', judged(520, 1), { stopping: true });
    expect(await redis.hexists(batchStatsKey(prefix), 'pod-a')).toBe(0);
    await reportBatchTotals(redis, prefix, 'pod-b', judged(310));
    expect(await judge()).toEqual({ batches: 830, items: 66_400, retried: 1 });
  });

  it('keeps what a killed process last reported, after its report is forgotten', async () => {
    await reportBatchTotals(redis, prefix, 'pod-a', judged(500));
    await reportBatchTotals(redis, prefix, 'pod-b', judged(300));
    // Pod a is killed (no last report) and not heard of for longer than FORGET_AFTER_MS.
    const report = JSON.parse((await redis.hget(batchStatsKey(prefix), 'pod-a'))!);
    await redis.hset(batchStatsKey(prefix), 'pod-a', JSON.stringify({ ...report, at: Date.now() - FORGET_AFTER_MS - 1_000 }));
    expect((await judge()).batches).toBe(800);
    expect(await redis.hexists(batchStatsKey(prefix), 'pod-a')).toBe(0);
    expect((await judge()).batches).toBe(800);
  });

  it('adds a report sent twice (its reply lost) once', async () => {
    await reportBatchTotals(redis, prefix, 'pod-a', judged(500));
    await reportBatchTotals(redis, prefix, 'pod-a', judged(500));
    await reportBatchTotals(redis, prefix, 'pod-a', judged(501), { reported: judged(400) });
    expect((await judge()).batches).toBe(501);
  });

  it('adds only what is new from a process silent long enough to be forgotten (a long Redis outage), from what it knows it reported', async () => {
    await reportBatchTotals(redis, prefix, 'pod-a', judged(500));
    await redis.hdel(batchStatsKey(prefix), 'pod-a');
    await reportBatchTotals(redis, prefix, 'pod-a', judged(650), { reported: judged(500) });
    expect((await judge()).batches).toBe(650);
  });

  it('counts a process started anew under the same id from zero', async () => {
    await reportBatchTotals(redis, prefix, 'pod-a', judged(500));
    await reportBatchTotals(redis, prefix, 'pod-a', judged(7));
    expect((await judge()).batches).toBe(507);
  });
});
