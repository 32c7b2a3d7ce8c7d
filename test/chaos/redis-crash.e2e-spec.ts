import { Accepted, brokenPromises, inFlight, PrivateStack, putOrders, settle, startSurge, summarize, Surge, unfinished } from './support';

/**
 * The production Redis (`appendfsync everysec`) crashing with SIGKILL mid-surge: up to its last
 * second of writes is gone (jobs added, jobs moved on), while PostgreSQL holds every request and
 * case. The worker processes notice the restart and put back the jobs Redis lost
 * (`RedisRestartWatch`): every accepted return must still end where it should, each stage done once.
 */
const RETURNS = 150;

describe('chaos: Redis crashes under appendfsync everysec', () => {
  let stack: PrivateStack | undefined;

  beforeAll(async () => {
    const env = {
      // The simulated providers keep their records in the machine's Redis, as real ones keep theirs
      // away from ours: the witness of what they were asked to do survives the crashes.
      SIMULATOR_REDIS_URL: process.env.REDIS_URL!,
      WORKER_LOCK_DURATION: '5s',
      WORKER_STALLED_INTERVAL: '2s',
      SIMULATOR_LATENCY: '100ms',
      INTAKE_CONCURRENCY: '2',
      LOGISTICS_CONCURRENCY: '2',
      REFUND_CONCURRENCY: '1',
      NOTIFICATION_CONCURRENCY: '4',
      DATABASE_POOL_SIZE: '10',
    };
    stack = await PrivateStack.start('returns_crash', env, async (redis) => {
      redis.fsync = 'everysec';
      await redis.restart();
    });
  }, 120_000);

  afterAll(() => stack?.close(), 60_000);

  it('loses nothing and does nothing twice', async () => {
    const { service: app, redis, fleet } = stack!;
    const orders = await putOrders(app, RETURNS);
    const surge: Surge = startSurge(app, orders, { ratePerSecond: 20, refundOnlyShare: 0.4 });
    const finished = async () => surge.accepted.length - (await unfinished(app, surge.accepted));

    // Two crashes while returns arrive and jobs move, each losing the last second of writes.
    let lostBytes = 0;
    for (const after of [40, 100]) {
      while (surge.accepted.length < after) await new Promise((r) => setTimeout(r, 50));
      expect(await inFlight(app)).toBeGreaterThan(0);
      const onDisk = redis.aofTail();
      await new Promise((r) => setTimeout(r, 1_000));
      lostBytes += redis.aofTail().bytes - onDisk.bytes;
      await redis.crash(500, onDisk);
    }
    expect(lostBytes).toBeGreaterThan(0);
    const accepted: Accepted[] = await surge.done;
    const { ms: drainMs, settled } = await settle(app, accepted, 90_000);
    const broken = await brokenPromises(app, accepted, { redisLostWrites: true });
    console.log(`crashes: 2, ${lostBytes} bytes of AOF lost; accepted ${accepted.length}; finished ${await finished()}; drain ${drainMs} ms (${settled ? 'settled' : 'NOT settled'}); broken promises: ${summarize(broken)}`);
    expect(fleet.crashes).toEqual([]);
    expect(accepted).toHaveLength(RETURNS);
    expect(summarize(broken)).toBe('none');
  }, 240_000);
});
