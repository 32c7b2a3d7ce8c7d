import {
  Accepted,
  brokenPromises,
  inFlight,
  PrivateStack,
  putOrders,
  rerunStats,
  settle,
  sleep,
  startSurge,
  stateOf,
  summarize,
  Surge,
  unfinished,
} from './support';

/**
 * DESIGN.md, "Promises": a 202 means the request is in Redis (AOF) or in PostgreSQL, so a
 * restart of either loses nothing and repeats nothing. The test starts its own Redis (AOF,
 * fsync always) and PostgreSQL on spare loopback ports, never the shared ones, runs the API
 * and one worker process on them, and restarts Redis, then PostgreSQL, while a surge of
 * returns is being processed.
 */
const RETURNS = 200;

/** Waits for `condition`; when it does not come, fails with `explain()`'s account of the stack. */
async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs: number, explain: () => Promise<string>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    try {
      if (await condition()) return Date.now() - start;
    } catch {
      // a server on its way back
    }
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms\n${await explain()}`);
}

describe('chaos: Redis and PostgreSQL restart during processing', () => {
  let stack: PrivateStack | undefined;

  beforeAll(async () => {
    stack = await PrivateStack.start('returns_chaos', {
      WORKER_LOCK_DURATION: '5s',
      WORKER_STALLED_INTERVAL: '2s',
      // Slow providers and little concurrency: a backlog builds up, so each restart hits work in progress.
      SIMULATOR_LATENCY: '150ms',
      INTAKE_CONCURRENCY: '2',
      LOGISTICS_CONCURRENCY: '2',
      REFUND_CONCURRENCY: '1',
      NOTIFICATION_CONCURRENCY: '4',
      DATABASE_POOL_SIZE: '10',
    });
  }, 120_000);

  afterAll(() => stack?.close(), 60_000);

  it('loses nothing and does nothing twice', async () => {
    const { service: app, redis, pg, fleet } = stack!;
    const started = Date.now();
    const orders = await putOrders(app, RETURNS);
    // ~15 returns a second for ~13 s, 40% refund-only.
    const surge: Surge = startSurge(app, orders, { ratePerSecond: 15, refundOnlyShare: 0.4 });
    const finished = async () => surge.accepted.length - (await unfinished(app, surge.accepted));
    const explain = () => stateOf(stack!, surge.accepted);

    // Redis goes away while returns arrive and jobs are active.
    await waitFor('50 returns accepted', () => surge.accepted.length >= 50, 30_000, explain);
    const atRedis = { accepted: surge.accepted.length, finished: await finished(), queued: await inFlight(app) };
    const redisDown = Date.now();
    await redis.restart(2_000);
    const redisUp = Date.now();
    const redisOutageMs = redisUp - redisDown;
    // The worker takes up the work again: more cases finish.
    const redisRecoveryMs = await waitFor('progress after the Redis restart', async () => (await finished()) >= atRedis.finished + 20, 60_000, explain);

    // PostgreSQL goes away (pg_ctl restart -m fast cuts every connection) while the surge goes on.
    await waitFor('130 returns accepted', () => surge.accepted.length >= 130, 60_000, explain);
    const atPostgres = { accepted: surge.accepted.length, finished: await finished(), queued: await inFlight(app) };
    const pgDown = Date.now();
    await pg.restart();
    const pgUp = Date.now();
    const pgOutageMs = pgUp - pgDown;
    const pgRecoveryMs = await waitFor('progress after the PostgreSQL restart', async () => (await finished()) >= atPostgres.finished + 20, 60_000, explain);

    const accepted: Accepted[] = await surge.done;
    const { ms: drainMs, settled } = await settle(app, accepted, 90_000);
    const broken = await brokenPromises(app, accepted);
    const jobs = await rerunStats(app);

    console.log(
      [
        `Redis restart (down ${redisOutageMs} ms) with ${atRedis.accepted} accepted, ${atRedis.finished} finished, ${atRedis.queued} jobs queued or active; ` +
          `20 more finished ${redisRecoveryMs} ms later`,
        `PostgreSQL restart (down ${pgOutageMs} ms) with ${atPostgres.accepted} accepted, ${atPostgres.finished} finished, ${atPostgres.queued} jobs queued or active; ` +
          `20 more finished ${pgRecoveryMs} ms later`,
        `202s given while Redis was down: ${accepted.filter((a) => a.at >= redisDown && a.at < redisUp).length}, while PostgreSQL was down: ${accepted.filter((a) => a.at >= pgDown && a.at < pgUp).length}`,
        `returns accepted: ${accepted.length} (${accepted.filter((a) => a.kind === 'REFUND_ONLY').length} refund-only), POSTs retried after a 5xx: ${accepted.filter((a) => a.tries > 1).length}`,
        `jobs completed: ${jobs.completed}, started more than once: ${jobs.startedAgain}, taken over after a stall: ${jobs.stalled}, failed before succeeding: ${jobs.retried}`,
        `drain: ${drainMs} ms (${settled ? 'settled' : 'NOT settled'}); total ${Date.now() - started} ms`,
        `worker crashes: ${fleet.crashes.length ? fleet.crashes.join('; ') : 'none'}`,
        `broken promises: ${summarize(broken)}`,
      ].join('\n'),
    );
    // Each restart hit work in progress, or it proved nothing.
    expect(atRedis.queued).toBeGreaterThan(0);
    expect(atPostgres.queued).toBeGreaterThan(0);
    expect(fleet.crashes).toEqual([]);
    expect(accepted).toHaveLength(RETURNS);
    expect(summarize(broken)).toBe('none');
  }, 240_000);
});
