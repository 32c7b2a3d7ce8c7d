import { CaseService } from '@returns/case';
import { Jobs, QueueName } from '@returns/contracts';
import { ADVISORY_LOCK } from '@returns/database';
import { IntakeService } from '@returns/intake';
import { LogisticsService } from '@returns/logistics';
import { JobRecovery, RecoveryReport, RedisClient } from '@returns/queue';
import { AllStagesOwedWork } from '@returns/recovery';
import { RedisRestartWatch } from '../apps/worker/src/redis-restart-watch';
import { addedJob, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';
import { PrivateRedis } from './chaos/support';
import { ownDatabase } from './support/own-database';
import { eventually } from './support/eventually';

/**
 * The restart watch with more than one worker process: each looks at Redis on its own clock,
 * so the process that first finds Redis empty is rarely the one that gets to recover. Every
 * process must then see the same loss, however late it looks, and recover all of it. And
 * deadlines configured long (45 days to send a return back, here): their timers are recorded
 * in the outbox, and put back after an empty Redis, like the default ones.
 */
describe('the watch on Redis in two worker processes', () => {
  let redis: PrivateRedis | undefined;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;
  let service: TestService | undefined;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    redis.persistent = false;
    database = await ownDatabase('recovery_review_watch');
    // A merchant who gives customers 45 days to send a return back.
    service = await TestService.start({ withWorkers: false, env: { REDIS_URL: redis.url, DATABASE_URL: database.url, SHIP_BACK_DEADLINE: '45d' } });
  });

  afterAll(async () => {
    await service?.close();
    await redis?.destroy();
    await database?.drop();
  });

  const watchOf = () => new RedisRestartWatch(service!.get(RedisClient), service!.db, service!.get(JobRecovery), service!.get(AllStagesOwedWork));
  const jobOf = (jobId: string) => service!.queue(QueueName.Intake).getJob(jobId);

  /** A request buffered `ageMs` ago, its judging job in Redis. */
  async function buffered(ageMs: number): Promise<string> {
    const { orderId } = await putOrder(service!);
    const created = await postReturn(service!, returnBody(orderId));
    expect(created.status).toBe(202);
    const judging = Jobs.judgeReturns([created.body.id]);
    await addedJob(service!, judging);
    await service!.db.query(`UPDATE return_requests SET created_at = created_at - $2 * interval '1 millisecond' WHERE id = $1`, [created.body.id, ageMs]);
    return judging.jobId;
  }

  /** Runs `whileHeld` with the recovery's advisory lock held elsewhere, as by a process that then dies before recovering. */
  async function withRecoveryLockHeld(whileHeld: () => Promise<void>): Promise<void> {
    const holder = service!.db.createQueryRunner();
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK.jobRecovery]);
      await whileHeld();
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
      await holder.release();
    }
  }

  it.each([
    ['restarts with nothing kept', () => redis!.restart()],
    ['is flushed by mistake', async () => void (await service!.get(RedisClient).redis.flushdb())],
  ])('recovers as far back as an empty Redis calls for in the process that looks second when Redis %s', async (_, empty) => {
    const first = watchOf();
    const second = watchOf();
    expect(await first.check()).toBeNull();
    expect(await second.check()).toBeNull();
    // Buffered an hour ago: more than a restart that kept its data looks back.
    const judging = await buffered(3_600_000);

    await empty();
    await withRecoveryLockHeld(async () => {
      // The first process to look finds Redis empty, and cannot recover yet; then it dies.
      await eventually('the first process looked at the emptied Redis', async () => (await first.check(), (await service!.get(RedisClient).redis.exists(service!.get(RedisClient).key('recovery-marker'))) === 1));
      expect(await first.check()).toBeNull();
      // The second looks after it.
      expect(await second.check()).toBeNull();
    });
    const report: RecoveryReport = await eventually('the second process recovered', () => second.check(), { timeoutMs: 20_000, everyMs: 100 });
    expect(Date.now() - Date.parse(report.since)).toBeGreaterThan(29 * 24 * 3_600_000);
    expect(report.requeued).toBeGreaterThanOrEqual(1);
    expect(await jobOf(judging)).toBeDefined();
  });

  /** A return approved and booked, its ship-back timer in Redis. */
  async function booked(): Promise<string> {
    const { orderId } = await putOrder(service!);
    const created = await postReturn(service!, returnBody(orderId));
    const caseId: string = created.body.id;
    await service!.get(IntakeService).judge(caseId);
    await service!.get(LogisticsService).book(caseId);
    expect((await service!.get(CaseService).find(caseId))!.status).toBe('AWAITING_SHIPMENT');
    await addedJob(service!, Jobs.deadline(caseId, 'ship-back', 0));
    return caseId;
  }

  it('books a return whose ship-back deadline is more than 24.8 days (2^31 ms) away, its timer due then', async () => {
    const caseId = await booked();
    const shipBackBy = Date.parse((await service!.get(CaseService).find(caseId))!.deadlines.shipBackBy!);
    expect(shipBackBy - Date.now()).toBeGreaterThan(44 * 24 * 3_600_000);
    const job = (await service!.queue(QueueName.Timers).getJob(Jobs.deadline(caseId, 'ship-back', 0).jobId))!;
    expect(await job.getState()).toBe('delayed');
    expect(Math.abs(job.timestamp + job.opts.delay! - shipBackBy)).toBeLessThan(5_000);
  });

  it('puts back the timer of a case waiting on a deadline configured longer than 30 days', async () => {
    const watch = watchOf();
    expect(await watch.check()).toBeNull();
    const caseId = await booked();
    const timer = Jobs.deadline(caseId, 'ship-back', 0);
    // Booked 35 days ago: 10 days left to send it.
    const shipBackBy = new Date(Date.now() + 10 * 24 * 3_600_000);
    await service!.db.query(
      `UPDATE return_cases SET updated_at = now() - interval '35 days', deadlines = jsonb_set(deadlines, '{shipBackBy}', to_jsonb($2::text)) WHERE id = $1`,
      [caseId, shipBackBy.toISOString()],
    );

    await service!.get(RedisClient).redis.flushdb();
    await eventually('a recovery ran after the flush', () => watch.check(), { timeoutMs: 20_000, everyMs: 100 });
    const job = await service!.queue(QueueName.Timers).getJob(timer.jobId);
    expect(job).toBeDefined();
    expect(Math.abs(job!.timestamp + job!.opts.delay! - shipBackBy.getTime())).toBeLessThan(60_000);
  });
});
