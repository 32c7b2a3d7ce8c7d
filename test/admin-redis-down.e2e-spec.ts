import { ALL_QUEUES, JobName } from '@returns/contracts';
import { JobProducer } from '@returns/queue';
import { IntakeService } from '@returns/intake';
import { expectError, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';
import { TcpProxy } from './support/tcp-proxy';
import { leftOpen, RedisClientState } from './support/redis-client-state';
import { eventually } from './support/eventually';

/**
 * What the admin sees while Redis is down: the requests that need Redis answer 503 with
 * Retry-After and a code (not a 500 that looks like a bug), the Prometheus scrape still
 * answers with what PostgreSQL knows, and all of it works again once Redis is back.
 * The service reaches Redis through a relay the test cuts. And it stops without Redis.
 */
describe('admin while Redis is down', () => {
  let service: TestService;
  let relay: TcpProxy;

  beforeAll(async () => {
    const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    relay = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    service = await TestService.start({ withWorkers: false, env: { REDIS_URL: relay.relayed(redis.toString()) } });
  });

  let closed = false;

  afterAll(async () => {
    if (!closed) {
      await relay?.restore();
      await redisAnswers();
      await service?.close();
    }
    await relay?.cut();
  });

  /** Until the service's own Redis client has reconnected (closing before then waits for it). */
  async function redisAnswers(): Promise<void> {
    await eventually('the service reached Redis again', async () => (await service.http().get('/health/ready')).status === 200, { timeoutMs: 20_000, everyMs: 100 });
  }

  it('answers 503 REDIS_UNAVAILABLE where Redis is needed, keeps /metrics, and recovers when Redis is back', async () => {
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    const { orderId } = await putOrder(service);
    const judged = await postReturn(service, returnBody((await putOrder(service)).orderId));
    await service.get(IntakeService).judge(judged.body.id);
    await relay.cut();
    const cutAt = Date.now();

    // Intake does without Redis: the request is kept in PostgreSQL, its judging owed.
    const accepted = await postReturn(service, returnBody(orderId));
    expect(accepted.status).toBe(202);

    for (const response of [
      await service.as('admin').get('/v1/admin/queues'),
      await service.as('admin').get('/v1/admin/queues/intake/failed'),
      await service.as('admin').post('/v1/admin/queues/intake/pause'),
      await service.as('admin').post('/v1/admin/queues/intake/retry-failed'),
      await service.as('admin').post('/v1/admin/recovery', { since: startedAt }),
    ]) {
      expectError(response, 503, 'REDIS_UNAVAILABLE');
      expect(response.headers['retry-after']).toBe('5');
    }

    const scrape = await service.http().get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.text).toContain('returns_redis_up 0');
    expect(scrape.text).toMatch(/^returns_cases\{status="APPROVED"\} [1-9]\d*$/m);
    expect(scrape.text).not.toContain('returns_queue_jobs{');

    // Down for 12 s in all: BullMQ's own reconnection (1 s apart, then e^n ms) would make its
    // next attempt at 18 s, 6 s after Redis is back.
    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 12_000 - Date.now())));
    await relay.restore();
    const restoredAt = Date.now();
    let queues = await service.as('admin').get('/v1/admin/queues');
    while (queues.status === 503 && Date.now() < restoredAt + 30_000) {
      await new Promise((r) => setTimeout(r, 100));
      queues = await service.as('admin').get('/v1/admin/queues');
    }
    expect(queues.status).toBe(200);
    // The producer's connection tries again every 2 s at most.
    expect(Date.now() - restoredAt).toBeLessThan(4_000);
    expect(queues.body.items.find((q: { name: string }) => q.name === 'intake')).toMatchObject({ paused: false });
    expect((await service.http().get('/metrics')).text).toContain('returns_redis_up 1');
    const recovered = await service.as('admin').post('/v1/admin/recovery', { since: startedAt });
    expect(recovered.status).toBe(200);
    expect(recovered.body.byJob[JobName.JudgeReturns].owed).toBeGreaterThanOrEqual(1);
  });

  it('takes returns at once while Redis is away: no request waits on reading the backlog', async () => {
    const orders = await Promise.all([1, 2, 3, 4, 5].map(() => putOrder(service)));
    await relay.cut();
    try {
      await new Promise((r) => setTimeout(r, 3_000)); // the producer's connection is reconnecting
      const took: number[] = [];
      for (const { orderId } of orders) {
        const startedAt = Date.now();
        expect((await postReturn(service, returnBody(orderId))).status).toBe(202);
        took.push(Date.now() - startedAt);
      }
      expect(Math.max(...took)).toBeLessThan(400);
    } finally {
      await relay.restore();
      await redisAnswers();
    }
  });

  it('shuts down while Redis is away without waiting for it', async () => {
    await relay.cut();
    // Long enough for every client to be between two attempts to reconnect: a command sent to
    // one closed in that state would wait for good (an ioredis quirk), and so would shutdown.
    await new Promise((r) => setTimeout(r, 3_000));
    const startedAt = Date.now();
    const producer = service.get(JobProducer);
    await Promise.race([service.close(), new Promise((_, reject) => setTimeout(() => reject(new Error('shutdown hung')), 15_000))]);
    closed = true;
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    // Every producer connection is closed, none left reconnecting for good (its timer would
    // keep the process alive past shutdown, to the grace's exit 1).
    const clients = ALL_QUEUES.map((name) => (producer.queue(name) as unknown as { connection: { _client: RedisClientState } }).connection._client);
    expect(clients.filter(leftOpen).map((c) => c.status)).toEqual([]);
  });
});
