import { Jobs, QueueName } from '@returns/contracts';
import { ADVISORY_LOCK } from '@returns/database';
import { JobRecovery, RecoveryReport, RedisClient } from '@returns/queue';
import { AllStagesOwedWork } from '@returns/recovery';
import { RedisRestartWatch } from '../apps/worker/src/redis-restart-watch';
import { addedJob, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';
import { stageDatabase } from './support/stage-database';
import { PrivateRedis } from './chaos/support';
import { ownDatabase } from './support/own-database';
import { eventually } from './support/eventually';

/**
 * The workers' watch on Redis: a Redis of the test's own, restarted once keeping everything
 * (AOF, `appendfsync always`) and once keeping nothing (as a crash loses what was not yet on
 * disk, all of it here), and a database of its own, so the recovery sees only this test's cases.
 */
describe('the watch on Redis restarts', () => {
  let redis: PrivateRedis | undefined;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;
  let service: TestService | undefined;
  let watch: RedisRestartWatch;
  /** the same watch in another worker process */
  let other: RedisRestartWatch;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    database = await ownDatabase('redis_restarts');
    service = await TestService.start({ withWorkers: false, env: { REDIS_URL: redis.url, DATABASE_URL: database.url } });
    const watchOf = () => new RedisRestartWatch(service!.get(RedisClient), service!.db, service!.get(JobRecovery), service!.get(AllStagesOwedWork));
    watch = watchOf();
    other = watchOf();
  });

  afterAll(async () => {
    await service?.close();
    await redis?.destroy();
    await database?.drop();
  });

  /** Looks until a look runs a recovery: right after a restart the clients are still reconnecting. */
  async function recoveryAfterRestart(looking = watch): Promise<RecoveryReport> {
    return eventually('a recovery ran after the restart', () => looking.check(), { timeoutMs: 20_000, everyMs: 100 });
  }

  it('puts back by itself what a restart lost, and nothing when nothing was lost', async () => {
    const judging = async () => {
      const { orderId } = await putOrder(service!);
      const created = await postReturn(service!, returnBody(orderId));
      expect(created.status).toBe(202);
      return Jobs.judgeReturns([created.body.id]);
    };
    const jobOf = (jobId: string) => service!.queue(QueueName.Intake).getJob(jobId);

    // The first look only notes the server; nothing has happened yet.
    expect(await watch.check()).toBeNull();
    expect(await other.check()).toBeNull();
    const first = await judging();
    await addedJob(service!, first);
    expect(await watch.check()).toBeNull();

    // A restart that kept everything: looked at (a few minutes back), nothing to put back.
    await redis!.restart();
    const kept = await recoveryAfterRestart();
    expect(kept).toMatchObject({ owed: 1, present: 1, requeued: 0 });
    expect(Date.now() - Date.parse(kept.since)).toBeLessThan(6 * 60_000);

    expect(await other.check()).toBeNull(); // the first recovered from that restart, and said so

    // A restart that kept nothing, while another process holds the recovery and dies before
    // it is done (its lock goes with its connection): this one waits, then takes over.
    const second = await judging();
    await addedJob(service!, second);
    const holder = service!.db.createQueryRunner();
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK.jobRecovery]);
    redis!.persistent = false;
    await redis!.restart();
    for (let i = 0; i < 20; i++) expect(await watch.check()).toBeNull();
    expect(await jobOf(first.jobId)).toBeUndefined();
    await holder.query('SELECT pg_advisory_unlock_all()');
    await holder.release();
    const emptied = await recoveryAfterRestart();
    expect(emptied).toMatchObject({ owed: 2, requeued: 2 });
    expect(Date.now() - Date.parse(emptied.since)).toBeGreaterThan(29 * 24 * 3_600_000);
    expect(await jobOf(first.jobId)).toBeDefined();
    expect(await jobOf(second.jobId)).toBeDefined();
    // The other process saw the same restart and finds it recovered: it does not run it again.
    expect(await other.check()).toBeNull();

    expect(await watch.check()).toBeNull();

    // No restart, but a flush by mistake: the marker is gone with the rest, and everything is put back.
    await service!.get(RedisClient).redis.flushdb();
    expect(await jobOf(first.jobId)).toBeUndefined();
    expect(await watch.check()).toMatchObject({ owed: 2, requeued: 2 });

    // And then nothing more to do.
    expect(await watch.check()).toBeNull();
  });

  it('keeps a recovery the database refused owed, and runs it once PostgreSQL answers again', async () => {
    // A worker process whose pool reaches PostgreSQL through a relay the test cuts.
    const stage = await stageDatabase(service!, { throughRelay: true });
    try {
      const cutOff = new RedisRestartWatch(service!.get(RedisClient), stage.dataSource, service!.get(JobRecovery), service!.get(AllStagesOwedWork));
      expect(await cutOff.check()).toBeNull();
      const { orderId } = await putOrder(service!);
      const created = await postReturn(service!, returnBody(orderId));
      const judging = Jobs.judgeReturns([created.body.id]);
      // In Redis before the restart (added after the commit, in the background): else it could land after it.
      await addedJob(service!, judging);
      stage.relay!.cut();
      await redis!.restart(); // keeps nothing (persistent is off since the test before)
      for (let i = 0; i < 10; i++) expect(await cutOff.check()).toBeNull();
      expect(await service!.queue(QueueName.Intake).getJob(judging.jobId)).toBeUndefined();
      await stage.relay!.restore();
      expect((await recoveryAfterRestart(cutOff)).requeued).toBeGreaterThanOrEqual(1);
      expect(await service!.queue(QueueName.Intake).getJob(judging.jobId)).toBeDefined();
    } finally {
      await stage.close();
    }
  });
});
