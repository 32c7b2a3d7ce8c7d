import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { JobName, JobRequest, Jobs, QUEUE_OF } from '@returns/contracts';
import { dataSourceOptions } from '@returns/database';
import { JobProducer, OUTBOX_SWEEP_ROWS, OutboxService } from '@returns/queue';
import { addedJob, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { undoMigrationsThrough } from './support/migrations';
import { ownDatabase } from './support/own-database';
import { TestService } from './support/service';

/**
 * The transactional outbox: one row per transaction, holding every job it decided on; the
 * row cleared once its jobs are in Redis; and, when the producer could not add them (Redis
 * away, or the process gone before it tried), the sweep adding every job of the row, a
 * timer at its first due time, and clearing it.
 */
describe('the outbox', () => {
  let service: TestService;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;
  let dataSource: DataSource;
  /** The service's outbox, its producer adding to the run's Redis. */
  let outbox: OutboxService;
  /** An outbox on the same database whose producer finds Redis away. */
  let stranded: OutboxService;

  beforeAll(async () => {
    // A database of its own: the sweep claims every old row, and the rows are counted.
    database = await ownDatabase('outbox');
    service = await TestService.start({ withWorkers: false, env: { DATABASE_URL: database.url } });
    dataSource = service.get(DataSource);
    outbox = service.get(OutboxService);
    const away = { addMany: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) } as unknown as JobProducer;
    stranded = new OutboxService(dataSource, away, service.get<AppConfig>(APP_CONFIG));
  });

  afterAll(async () => {
    await stranded?.beforeApplicationShutdown();
    await service?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    await dataSource.query('DELETE FROM outbox');
  });

  const rows = (): Promise<{ id: string; jobs: { jobId: string; name: string; data: unknown; delayMs: number | null; priority: number | null }[] }[]> =>
    dataSource.query('SELECT id, jobs FROM outbox ORDER BY id');
  const jobOf = (request: JobRequest) => service.queue(QUEUE_OF[request.name]).getJob(request.jobId);
  const caseIds = () => Array.from({ length: 3 }, () => crypto.randomUUID());

  it('records a transaction\'s jobs in one row, and clears it once they are in Redis', async () => {
    const [a, b] = caseIds();
    const jobs = [Jobs.notify(a, 'return.approved', {}, 2), Jobs.bookShipment(a, 2), Jobs.notify(b, 'return.rejected', {})];
    await stranded.transaction(async (tx) => tx.enqueue(...jobs));
    await stranded.flush();
    const [row, ...more] = await rows();
    expect(more).toEqual([]);
    expect(row.jobs).toEqual(jobs.map((j) => ({ jobId: j.jobId, name: j.name, data: j.data, delayMs: null, priority: j.priority ?? null })));

    const [c] = caseIds();
    const added = Jobs.bookShipment(c);
    await outbox.transaction(async (tx) => tx.enqueue(added));
    expect((await addedJob(service, added)).data).toEqual(added.data);
    // Cleared by the next flush after the add has answered: only the stranded transaction's row is left.
    let left = await rows();
    for (const until = Date.now() + 5_000; left.length > 1 && Date.now() < until; left = await rows()) await outbox.flush();
    expect(left.map((r) => r.id)).toEqual([row.id]);
  });

  it('writes no row for a transaction that decided on no job, nor for one rolled back', async () => {
    await outbox.transaction(async () => undefined);
    const [a] = caseIds();
    await expect(
      stranded.transaction(async (tx) => {
        tx.enqueue(Jobs.bookShipment(a));
        throw new Error('the stage changed its mind');
      }),
    ).rejects.toThrow('changed its mind');
    expect(await rows()).toEqual([]);
    expect(await jobOf(Jobs.bookShipment(a))).toBeUndefined();
  });

  it('sweeps every job of a row left behind into Redis, a timer at its first due time, and clears the row', async () => {
    const [a, b] = caseIds();
    const timer = Jobs.deadline(a, 'ship-back', 60_000);
    const jobs = [Jobs.bookShipment(a, 3), timer, Jobs.notify(b, 'return.rejected', {})];
    await stranded.transaction(async (tx) => tx.enqueue(...jobs));
    // Recorded 20 s ago: the timer has 40 s left.
    await dataSource.query(`UPDATE outbox SET created_at = now() - interval '20 seconds'`);

    // Not yet old enough for a sweep that leaves the last 30 s to their producers.
    expect(await outbox.sweep(30_000)).toEqual({ rows: 0, jobs: 0 });
    expect(await outbox.sweep(5_000)).toEqual({ rows: 1, jobs: 3 });
    expect(await rows()).toEqual([]);
    const booking = await jobOf(jobs[0]);
    expect(booking?.data).toEqual(jobs[0].data);
    expect(booking?.opts.priority).toBe(3);
    expect((await jobOf(jobs[2]))?.data).toEqual(jobs[2].data);
    const due = await jobOf(timer);
    expect(due!.opts.delay).toBeGreaterThan(35_000);
    expect(due!.opts.delay).toBeLessThanOrEqual(40_000);
  });

  it('keeps a row whose jobs the sweep could not add (Redis still away), for the next sweep', async () => {
    const [a] = caseIds();
    const left = Jobs.bookShipment(a);
    await stranded.transaction(async (tx) => tx.enqueue(left));
    await dataSource.query(`UPDATE outbox SET created_at = now() - interval '1 minute'`);
    await expect(stranded.sweep(5_000)).rejects.toThrow('ECONNREFUSED');
    expect((await rows()).map((r) => r.jobs.map((j) => j.jobId))).toEqual([[left.jobId]]);
    expect(await jobOf(left)).toBeUndefined();
    expect(await outbox.sweep(5_000)).toEqual({ rows: 1, jobs: 1 });
    expect((await jobOf(left))?.data).toEqual(left.data);
  });

  it(`claims at most ${OUTBOX_SWEEP_ROWS} rows a round, oldest first`, async () => {
    const stuck = Array.from({ length: OUTBOX_SWEEP_ROWS + 1 }, () => Jobs.bookShipment(crypto.randomUUID()));
    await dataSource.query(
      `INSERT INTO outbox (jobs, created_at) SELECT json_build_array(json_build_object('jobId', j, 'name', 'book-shipment', 'data', json_build_object('caseId', split_part(j, ':', 2)))), now() - interval '1 minute' + n * interval '1 ms'
         FROM unnest($1::text[]) WITH ORDINALITY AS s(j, n)`,
      [stuck.map((j) => j.jobId)],
    );
    expect(await outbox.sweep(5_000)).toEqual({ rows: OUTBOX_SWEEP_ROWS, jobs: OUTBOX_SWEEP_ROWS });
    expect((await rows()).map((r) => r.jobs[0].jobId)).toEqual([stuck[OUTBOX_SWEEP_ROWS].jobId]);
    expect(await outbox.sweep(5_000)).toEqual({ rows: 1, jobs: 1 });
    expect((await jobOf(stuck[OUTBOX_SWEEP_ROWS]))?.data).toEqual(stuck[OUTBOX_SWEEP_ROWS].data);
  });

  it('stores a batch of requests with one outbox row holding one judge job for all of them', async () => {
    const orders = await Promise.all(Array.from({ length: 8 }, () => putOrder(service)));
    // The intake batch commits, then its adds find Redis away: the row stays for the sweep.
    const producer = service.get(JobProducer);
    const addMany = jest.spyOn(producer, 'addMany').mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    try {
      const answers = await Promise.all(orders.map(({ orderId }) => postReturn(service, returnBody(orderId))));
      expect(answers.map((a) => a.status)).toEqual(orders.map(() => 202));
      // Requests that arrive together are stored together: fewer rows than requests, and in
      // each row one judge-returns job (of one priority: these customers have no tier),
      // named for its first request and holding every request of the batch.
      const stored = await rows();
      expect(stored.length).toBeLessThan(answers.length);
      const caseIdsOf = (job: { data: unknown }) => (job.data as { caseIds: string[] }).caseIds;
      for (const { jobs } of stored) {
        expect(jobs).toHaveLength(1);
        expect(jobs[0]).toMatchObject({ name: JobName.JudgeReturns, jobId: Jobs.judgeReturns(caseIdsOf(jobs[0])).jobId, priority: 5 });
      }
      expect(stored.flatMap((r) => caseIdsOf(r.jobs[0])).sort()).toEqual(answers.map((a) => a.body.id).sort());
    } finally {
      addMany.mockRestore();
    }
  });

  describe('its migration', () => {
    it('carries waiting jobs from the row-per-job table over and back', async () => {
      const migrating = await new DataSource(dataSourceOptions(database!.url)).initialize();
      try {
        await undoMigrationsThrough(migrating, 'OutboxRowPerTransaction1764230000000');
        await migrating.query(
          `INSERT INTO outbox (job_id, queue, name, data, delay_ms, priority, created_at) VALUES
             ('logistics:c1:book', 'logistics', 'book-shipment', '{"caseId":"c1"}', NULL, 2, now() - interval '1 minute'),
             ('timers:c1:ship-back', 'timers', 'case-deadline', '{"caseId":"c1","kind":"ship-back"}', 60000, NULL, now())`,
        );
        await migrating.runMigrations({ transaction: 'each' });
        expect((await rows()).map((r) => r.jobs)).toEqual([
          [{ jobId: 'logistics:c1:book', name: 'book-shipment', data: { caseId: 'c1' }, delayMs: null, priority: 2 }],
          [{ jobId: 'timers:c1:ship-back', name: 'case-deadline', data: { caseId: 'c1', kind: 'ship-back' }, delayMs: 60000, priority: null }],
        ]);

        // The table's key and sequence keep their plain names both ways.
        const names = () => migrating.query(`SELECT relname FROM pg_class WHERE relname LIKE 'outbox%' ORDER BY relname`);
        expect((await names()).map((r: { relname: string }) => r.relname)).toEqual(['outbox', 'outbox_id_seq', 'outbox_pkey']);

        await undoMigrationsThrough(migrating, 'OutboxRowPerTransaction1764230000000');
        expect((await names()).map((r: { relname: string }) => r.relname)).toEqual(['outbox', 'outbox_id_seq', 'outbox_job_id_key', 'outbox_pkey']);
        expect(await migrating.query('SELECT job_id, queue, name, data, delay_ms, priority FROM outbox ORDER BY job_id')).toEqual([
          { job_id: 'logistics:c1:book', queue: 'logistics', name: 'book-shipment', data: { caseId: 'c1' }, delay_ms: null, priority: 2 },
          { job_id: 'timers:c1:ship-back', queue: 'timers', name: 'case-deadline', data: { caseId: 'c1', kind: 'ship-back' }, delay_ms: 60000, priority: null },
        ]);
      } finally {
        await migrating.runMigrations({ transaction: 'each' });
        await migrating.destroy();
      }
    });
  });
});
