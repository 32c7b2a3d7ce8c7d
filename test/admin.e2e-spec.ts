import { randomUUID } from 'node:crypto';
import { Job } from 'bullmq';
import type { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { JobName, Jobs, QueueName } from '@returns/contracts';
import { WorkerHost } from '@nestjs/bullmq';
import { IntakeProcessor } from '@returns/intake';
import { LogisticsProcessor } from '@returns/logistics';
import { NotificationProcessor } from '@returns/notification';
import { JOB_RETENTION, presenceKey, RedisClient } from '@returns/queue';
import { TimersProcessor } from '../apps/worker/src/timers.processor';
import { expectError, expectFieldError, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';
import { eventually } from './support/eventually';

/**
 * A job once failed for good, its last failure at or after `since` (its state first, then its
 * data: read the other way round, an attempt could end between).
 */
async function failedJob(queue: Queue, id: string, since = 0): Promise<Job> {
  return eventually(`${id} failed`, async () => {
    if ((await queue.getJobState(id)) !== 'failed') return undefined;
    const job = (await queue.getJob(id))!;
    return (job.finishedOn ?? 0) >= since && job;
  });
}

describe('admin: queues and metrics', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true, env: { API_EVENT_LOOP_WINDOW: '2s' } });
  });

  afterAll(() => service.close());

  it('shows every queue with its counts, workers and throughput, to admins only', async () => {
    const response = await service.as('admin').get('/v1/admin/queues');
    expect(response.status).toBe(200);
    expect(response.body.items.map((q: any) => q.name).sort()).toEqual(Object.values(QueueName).sort());
    for (const q of response.body.items) {
      expect(q).toMatchObject({ waiting: expect.any(Number), active: expect.any(Number), delayed: expect.any(Number), failed: expect.any(Number), completed: expect.any(Number), paused: false, throughputPerMin: expect.any(Number) });
      expect(q.workers).toBeGreaterThanOrEqual(1);
    }
    expect((await service.as('agent').get('/v1/admin/queues')).status).toBe(403);
  });

  it('pauses a queue (returns wait, REQUESTED) and resumes it (they flow again)', async () => {
    const paused = await service.as('admin').post('/v1/admin/queues/intake/pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ name: 'intake', paused: true });
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId));
    await new Promise((r) => setTimeout(r, 300));
    expect((await service.as('admin').get(`/v1/returns/${created.body.id}`)).body.status).toBe('REQUESTED');
    const stats = (await service.as('admin').get('/v1/admin/queues')).body.items.find((q: any) => q.name === 'intake');
    expect(stats.waiting).toBeGreaterThanOrEqual(1);

    expect((await service.as('admin').post('/v1/admin/queues/intake/resume')).body.paused).toBe(false);
    await service.waitForStatus(created.body.id, 'AWAITING_SHIPMENT');
  });

  it('redrives the failed set, each job with its attempts anew', async () => {
    // A job that fails for good after its 3 attempts, as after a long provider outage.
    await service.queue(QueueName.Inspection).add(JobName.GradeInspection, { caseId: randomUUID() }, { jobId: `broken-${randomUUID()}`, attempts: 1 });
    const broken = await service.queue(QueueName.Intake).add(JobName.JudgeReturn, { caseId: randomUUID() }, { jobId: `broken-${randomUUID()}`, attempts: 3 });
    const intake = service.queue(QueueName.Intake);
    const failedFor = (since = 0) => failedJob(intake, broken.id!, since);
    expect((await failedFor()).attemptsMade).toBe(3);
    const before = (await service.as('admin').get('/v1/admin/queues')).body.items.find((q: any) => q.name === 'intake');
    expect(before.failed).toBeGreaterThanOrEqual(1);

    const redrivenAt = Date.now();
    const redriven = await service.as('admin').post('/v1/admin/queues/intake/retry-failed');
    expect(redriven.status).toBe(202);
    expect(redriven.body.retried).toBe(before.failed);
    // It ran its 3 attempts again (and, its request being unknown, failed again), not one.
    expect((await failedFor(redrivenAt)).attemptsMade).toBe(3);
    expectError(await service.as('admin').post('/v1/admin/queues/billing/retry-failed'), 404, 'QUEUE_NOT_FOUND');
  });

  it('shows the newest failed jobs of a queue with why each failed, to admins only', async () => {
    const intake = service.queue(QueueName.Intake);
    const caseIds = [randomUUID(), randomUUID()];
    const broken = [];
    for (const caseId of caseIds) {
      // Judging a request that does not exist fails for good at its one attempt.
      broken.push(await intake.add(JobName.JudgeReturn, { caseId }, { jobId: `broken-${randomUUID()}`, attempts: 1, priority: 3 }));
      await failedJob(intake, broken.at(-1)!.id!);
    }
    const total = await intake.getFailedCount();
    const response = await service.as('admin').get('/v1/admin/queues/intake/failed?limit=2');
    expect(response.status).toBe(200);
    expect(response.body.queue).toBe('intake');
    expect(response.body.total).toBe(total);
    // The one that failed last first.
    expect(response.body.items.map((j: { id: string }) => j.id)).toEqual([broken[1].id, broken[0].id]);
    const [last] = response.body.items;
    expect(last).toEqual({
      id: broken[1].id,
      name: JobName.JudgeReturn,
      data: { caseId: caseIds[1] },
      failedReason: `no buffered request ${caseIds[1]}`,
      attemptsMade: 1,
      failedAt: expect.any(String),
      priority: 3,
    });
    expect(Date.parse(last.failedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect((await service.as('admin').get('/v1/admin/queues/intake/failed?limit=1')).body.items).toHaveLength(1);

    for (const limit of ['0', '101', 'ten']) expectFieldError(await service.as('admin').get(`/v1/admin/queues/intake/failed?limit=${limit}`), /^limit /);
    expect((await service.as('admin').get('/v1/admin/queues/intake/failed?limit=')).body.items.length).toBeGreaterThanOrEqual(2);
    expectError(await service.as('admin').get('/v1/admin/queues/billing/failed'), 404, 'QUEUE_NOT_FOUND');
    expect((await service.as('agent').get('/v1/admin/queues/intake/failed')).status).toBe(403);
  });

  it('leaves out of the failed jobs one whose hash is gone, as when it is removed while the list is read', async () => {
    const intake = service.queue(QueueName.Intake);
    const older = await intake.add(JobName.JudgeReturn, { caseId: randomUUID() }, { jobId: `broken-${randomUUID()}`, attempts: 1 });
    await failedJob(intake, older.id!);
    const gone = await intake.add(JobName.JudgeReturn, { caseId: randomUUID() }, { jobId: `broken-${randomUUID()}`, attempts: 1 });
    await failedJob(intake, gone.id!);
    const redis = (await intake.client) as unknown as IORedis;
    // Its id still in the failed set, its hash removed: what a listing that read the set and
    // then the jobs would meet if the job went meanwhile (retention, a redrive).
    await redis.del(intake.toKey(gone.id!));
    try {
      const response = await service.as('admin').get('/v1/admin/queues/intake/failed?limit=100');
      expect(response.status).toBe(200);
      const ids = response.body.items.map((j: { id?: string }) => j.id);
      expect(ids).toContain(older.id);
      expect(ids).not.toContain(gone.id);
      expect(ids.every((id: unknown) => typeof id === 'string')).toBe(true);
    } finally {
      await redis.zrem(intake.toKey('failed'), gone.id!);
    }
  });

  it('redrives a job with its priority, among the prioritized jobs and not ahead of them', async () => {
    const intake = service.queue(QueueName.Intake);
    const broken = await intake.add(JobName.JudgeReturn, { caseId: randomUUID() }, { jobId: `broken-${randomUUID()}`, attempts: 1, priority: 7 });
    await failedJob(intake, broken.id!);
    // Paused, so that no worker takes it before it is looked at.
    await service.as('admin').post('/v1/admin/queues/intake/pause');
    try {
      expect((await service.as('admin').post('/v1/admin/queues/intake/retry-failed')).status).toBe(202);
      // BullMQ's retry alone leaves it in the plain wait list, which workers serve first.
      expect(await intake.getJobState(broken.id!)).toBe('prioritized');
      expect((await intake.getJob(broken.id!))!.priority).toBe(7);
    } finally {
      await service.as('admin').post('/v1/admin/queues/intake/resume');
    }
  });

  it('counts a redriven job whose priority could not be put back: it waits in the plain list, the rest go on', async () => {
    const intake = service.queue(QueueName.Intake);
    const broken = await intake.add(JobName.JudgeReturn, { caseId: randomUUID() }, { jobId: `broken-${randomUUID()}`, attempts: 1, priority: 5 });
    await failedJob(intake, broken.id!);
    await service.as('admin').post('/v1/admin/queues/intake/pause');
    // As when a worker takes the job between BullMQ's retry and the priority put back.
    const putBack = Job.prototype.changePriority;
    const changePriority = jest.spyOn(Job.prototype, 'changePriority').mockImplementation(function (this: Job, options) {
      return this.id === broken.id ? Promise.reject(new Error('Job is not in the wait or prioritized state')) : putBack.call(this, options);
    });
    try {
      const failed = await intake.getFailedCount();
      const redriven = await service.as('admin').post('/v1/admin/queues/intake/retry-failed');
      expect(redriven.status).toBe(202);
      expect(redriven.body.retried).toBe(failed);
      expect(changePriority).toHaveBeenCalled();
      expect(await intake.getFailedCount()).toBe(0);
      // Out of the failed set all the same, in the plain wait list.
      expect(await intake.getJobState(broken.id!)).toMatch(/^(waiting|paused)$/);
    } finally {
      changePriority.mockRestore();
      await service.as('admin').post('/v1/admin/queues/intake/resume');
    }
  });

  it('serves Prometheus text without a key: queue depths by state and cases by status', async () => {
    const response = await service.http().get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    expect(response.text).toMatch(/^returns_queue_jobs\{queue="intake",state="prioritized"\} \d+$/m);
    expect(response.text).toMatch(/^returns_queue_workers\{queue="refund"\} [1-9]\d*$/m);
    expect(response.text).toMatch(/^returns_cases\{status="AWAITING_SHIPMENT"\} [1-9]\d*$/m);
  });

  it("counts this process's answers to POST /v1/returns by status, and how long they took", async () => {
    const read = async () => {
      const text = (await service.http().get('/metrics')).text;
      const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}+.]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
      const buckets = [...text.matchAll(/^returns_intake_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((m) => Number(m[2]));
      return { accepted: value('returns_intake_responses_total{code="202"}'), refused: value('returns_intake_responses_total{code="400"}'), count: value('returns_intake_duration_seconds_count'), buckets };
    };
    const before = await read();
    const { orderId } = await putOrder(service);
    expect((await postReturn(service, returnBody(orderId))).status).toBe(202);
    // Without an Idempotency-Key: Express and the controller answer it, not the hot path.
    expectError(await service.as('portal').post('/v1/returns', returnBody(orderId)), 400, 'IDEMPOTENCY_KEY_REQUIRED');
    const after = await read();
    expect([after.accepted - before.accepted, after.refused - before.refused, after.count - before.count]).toEqual([1, 1, 2]);
    // Cumulative buckets, the last (+Inf) holding every answer.
    expect(after.buckets).toEqual([...after.buckets].sort((a, b) => a - b));
    expect(after.buckets[after.buckets.length - 1]).toBe(after.count);
  });

  it("tells how late this API process's event loop ran, the same to every scraper, until the stall leaves the window", async () => {
    const scrape = async () => {
      const text = (await service.http().get('/metrics')).text;
      const at = (q: string) => Number(new RegExp(`^returns_api_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
      const lateness = (suffix: string) => Number(new RegExp(`^returns_api_event_loop_lateness_seconds${suffix} (\\S+)$`, 'm').exec(text)?.[1]);
      return { p50: at('0.5'), p99: at('0.99'), max: at('1'), within100ms: lateness('_bucket\\{le="0.1"\\}'), all: lateness('_count') };
    };
    const before = await scrape();
    // The API's process held up for 150 ms by synchronous work (in these tests the API runs in the test's process).
    const until = performance.now() + 150;
    while (performance.now() < until);
    await new Promise((r) => setTimeout(r, 30));
    const held = await scrape();
    expect(held.max).toBeGreaterThanOrEqual(0.1);
    expect(held.p50).toBeLessThanOrEqual(held.p99);
    expect(held.p99).toBeLessThanOrEqual(held.max);
    // The histogram counts the stall past its 100 ms bucket, once and for good.
    expect(held.all - before.all - (held.within100ms - before.within100ms)).toBeGreaterThanOrEqual(1);
    // A second scraper (a Prometheus HA pair) sees the stall too: reading does not start the window again.
    expect((await scrape()).max).toBeGreaterThanOrEqual(0.1);
    // It leaves the quantiles with its second, API_EVENT_LOOP_WINDOW (2 s here) later; the histogram keeps it.
    const later = await eventually('the stall to leave the window', async () => {
      const now = await scrape();
      return now.max < 0.1 && now;
    }, { timeoutMs: 5_000, everyMs: 250 });
    expect(later.all - later.within100ms).toBe(held.all - held.within100ms);
  });

  it('counts what was written in batches, per stage, so the mean batch size can be watched', async () => {
    const text = (await service.http().get('/metrics')).text;
    const value = (metric: string, stage: string) => Number(new RegExp(`^${metric}\\{stage="${stage}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    // The earlier tests of this file posted returns and the in-process workers judged, booked and told them.
    for (const stage of ['intake', 'judge', 'booking', 'notification']) {
      expect(value('returns_batches_total', stage)).toBeGreaterThanOrEqual(1);
      expect(value('returns_batch_items_total', stage)).toBeGreaterThanOrEqual(value('returns_batches_total', stage));
      expect(value('returns_batch_retried_items_total', stage)).toBe(0);
    }
  });

  it('keeps finished jobs as the workers\' retention says: the jobs themselves carry none', async () => {
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId));
    await service.drain();
    // Its batch's judge job: a batch of one, named for its first request.
    const judge = (await service.queue(QueueName.Intake).getJob(Jobs.judgeReturns([created.body.id]).jobId))!;
    // Kept after completing (a replayed add with its id stays a no-op), by the worker's rule, not its own.
    expect(await judge.isCompleted()).toBe(true);
    expect(judge.opts.removeOnComplete).toBeUndefined();
    expect(judge.opts.removeOnFail).toBeUndefined();
    for (const processor of [IntakeProcessor, LogisticsProcessor, NotificationProcessor, TimersProcessor]) {
      expect(service.get(processor as never as new () => WorkerHost).worker.opts).toMatchObject(JOB_RETENTION);
    }
  });
});

describe('readiness names workers that lost Redis', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false, env: { WORKER_HEARTBEAT_INTERVAL: '500ms' } });
  });

  afterAll(() => service.close());

  it('lists a worker process that stopped reaching Redis, without failing the API', async () => {
    const worker = await service.spawnWorker({ WORKER_QUEUES: 'notification' });
    const key = presenceKey(service.config.queuePrefix);
    for (const deadline = Date.now() + 5_000; !Object.keys(await service.get(RedisClient).redis.hgetall(key)).length && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    expect(Object.values(await service.get(RedisClient).redis.hgetall(key)).map((b) => JSON.parse(b).queues)).toEqual([['notification']]);
    const healthy = await service.http().get('/health/ready');
    expect(healthy.status).toBe(200);
    expect(healthy.body.details.workers).toMatchObject({ status: 'up', local: 'none', stale: [] });

    // Frozen (as if cut off from Redis): its heartbeat stops.
    worker.kill('SIGSTOP');
    try {
      let workers: any = {};
      for (const deadline = Date.now() + 25_000; !workers.stale?.length && Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
        workers = (await service.http().get('/health/ready')).body.details.workers;
      }
      const presence = await service.get(RedisClient).redis.hgetall(presenceKey(service.config.queuePrefix));
      if (!workers.stale?.length) throw new Error(`no stale worker reported: ${JSON.stringify({ workers, presence, now: Date.now(), pid: worker.pid })}`);
      expect(workers).toMatchObject({ status: 'up', stale: [expect.objectContaining({ queues: ['notification'], silentForSeconds: expect.any(Number) })] });
    } finally {
      worker.kill('SIGCONT');
    }
  }, 40_000);
});
