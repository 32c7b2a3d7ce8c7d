import { IntakeService } from '@returns/intake';
import { RedisClient, reportBatchTotals } from '@returns/queue';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';
import { serviceBehindDatabaseRelay, TcpProxy } from './support/tcp-proxy';
import { eventually } from './support/eventually';

/**
 * `/metrics` through what goes away in production: PostgreSQL (a restart, a failover) and
 * worker processes (a scale-in). What KEDA scales on and what Prometheus counts must stay.
 * The service reaches PostgreSQL through a relay the test cuts.
 */
describe('/metrics while things go away', () => {
  let service: TestService;
  let relay: TcpProxy;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ service, relay, close } = await serviceBehindDatabaseRelay());
  });

  afterAll(() => close?.());

  function series(text: string, name: string): number {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.slice(name.length + 1)) : NaN;
  }

  /** What a worker process reports every heartbeat, and once more as it stops (BatchStatsPublisher). */
  const report = (pod: string, batches: number, stopping = false) =>
    reportBatchTotals(service.get(RedisClient).redis, service.config.queuePrefix, pod, { judge: { batches, items: batches * 80, retried: 0 } }, { stopping });

  it('never lowers returns_batches_total when one of the worker processes stops', async () => {
    // Two live intake worker pods, each reporting its totals since it started.
    await report('pod-a', 500);
    await report('pod-b', 300);
    const before = (await service.http().get('/metrics')).text;
    // Pod a is scaled in (KEDA) and shuts down cleanly, 20 batches after its last heartbeat.
    await report('pod-a', 520, true);
    await report('pod-b', 310); // pod b judged 10 more batches meanwhile
    const after = (await service.http().get('/metrics')).text;

    const name = 'returns_batches_total{stage="judge"}';
    expect(series(before, name)).toBe(800);
    // Had it gone 800 -> 310, Prometheus would read a counter reset: increase() over the window
    // would report 310 batches (pod b's whole life) where 30 happened; every scale-in a spike.
    expect(series(after, name)).toBe(830);
    expect(series(after, 'returns_batch_items_total{stage="judge"}')).toBe(830 * 80);
  });

  it('keeps answering while PostgreSQL is away, with the queue depths and Redis, and returns_database_up 0', async () => {
    const judged = await postReturn(service, returnBody((await putOrder(service)).orderId));
    await service.get(IntakeService).judge(judged.body.id);
    const up = (await service.http().get('/metrics')).text;
    expect(series(up, 'returns_database_up')).toBe(1);
    expect(up).toMatch(/^returns_cases\{status="APPROVED"\} [1-9]\d*$/m);
    await relay.cut({ reset: true });
    try {
      const scrape = await service.http().get('/metrics');
      expect(scrape.status).toBe(200);
      const text = scrape.text;
      // Redis is up: the queue series KEDA scales on, and the batching, are known without PostgreSQL.
      expect({ redis: series(text, 'returns_redis_up'), database: series(text, 'returns_database_up') }).toEqual({ redis: 1, database: 0 });
      expect(text).toMatch(/^returns_queue_jobs\{queue="intake",state="waiting"\} \d+$/m);
      expect(series(text, 'returns_batches_total{stage="judge"}')).toBeGreaterThanOrEqual(800);
      expect(text).toMatch(/^returns_intake_responses_total\{code="202"\} [1-9]\d*$/m);
      // What only PostgreSQL knows is left out, not reported as 0.
      expect(text).not.toMatch(/^returns_cases\{/m);
      expect(text).not.toMatch(/^returns_intake_waiting_requests /m);
    } finally {
      await relay.restore();
      await eventually('PostgreSQL answers again', async () => (await service.http().get('/health/ready')).status === 200, { timeoutMs: 20_000, everyMs: 200 });
    }
    const back = (await service.http().get('/metrics')).text;
    expect(series(back, 'returns_database_up')).toBe(1);
    expect(back).toMatch(/^returns_intake_waiting_requests \d+$/m);
  });
});
