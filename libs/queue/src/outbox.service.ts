import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { JobName, JobRequest } from '@returns/contracts';
import { ADVISORY_LOCK, drainGroupCommits, preparedQuery, runTogether, Statement } from '@returns/database';
import { JobProducer } from './job-producer.service';

/** How often the rows of dispatched jobs are deleted. */
const DELETE_EVERY_MS = 200;

/** Outbox rows one sweep round claims (each holds the jobs of one transaction). */
export const OUTBOX_SWEEP_ROWS = 100;

/**
 * `jobParams`'s five arrays as rows, for `recordRowsSql`. A delay is a bigint: an int's 2^31 ms
 * is 24.8 days, less than a deadline may be configured to (a 30-day completion, a 45-day ship-back).
 */
const JOB_COLUMNS = 'SELECT * FROM unnest($1::text[], $2::text[], $3::json[], $4::bigint[], $5::int[])';

/** An outbox row's jobs as stored: what `JobRequest` is, in JSON. */
export type StoredJob = Pick<JobRequest, 'jobId' | 'name' | 'data'> & { delayMs: number | null; priority: number | null };

/** The jobs of an outbox row recorded at `recordedAt` (ms), to add at `now`: a timer keeps its original due time. */
export function jobsOfRow(jobs: StoredJob[], recordedAt: number, now = Date.now()): JobRequest[] {
  return jobs.map((job) => ({
    name: job.name,
    data: job.data,
    jobId: job.jobId,
    priority: job.priority ?? undefined,
    delayMs: job.delayMs ? Math.max(0, recordedAt + job.delayMs - now) : undefined,
  })) as JobRequest[];
}

/** A unit of work: its entity manager, and the jobs to add once it has committed. */
export interface Tx {
  manager: EntityManager;
  enqueue(...jobs: JobRequest[]): void;
  /**
   * Writes to run last, together with the outbox row, in one round trip before the commit
   * (`runTogether`: they must not write the same rows, and nothing in the transaction
   * sees them before they run).
   */
  atCommit(...writes: Statement[]): void;
}

/**
 * Transactional outbox. A stage's transaction records the jobs it decided on in one row of
 * the `outbox` table; after commit they are added to BullMQ with their deterministic ids and
 * the row removed. If the process dies in between, `sweep` adds them later; if a job is
 * added twice, BullMQ keeps one (same job id) and the handler is idempotent anyway.
 */
@Injectable()
export class OutboxService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxService.name);
  /** Ids of the rows whose jobs are in Redis, removed together: one DELETE per interval, not per transaction. */
  private dispatched: string[] = [];
  private flushing: Promise<void> | null = null;
  private readonly flusher: NodeJS.Timeout;
  /** `afterCommitInBackground` calls not yet done: awaited at shutdown, before Redis closes. */
  private readonly inBackground = new Set<Promise<void>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly producer: JobProducer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.flusher = setInterval(() => void this.flush(), DELETE_EVERY_MS);
    this.flusher.unref();
  }

  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const jobs: JobRequest[] = [];
    const writes: Statement[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      const value = await work({ manager, enqueue: (...more) => jobs.push(...more.filter((job) => this.hasWork(job))), atCommit: (...more) => writes.push(...more) });
      return { value, outboxId: await this.record(manager, jobs, writes) };
    });
    // Committed with their outbox row, the jobs are safe: the caller (a worker's batch of
    // jobs, an API answer) need not wait for Redis, and the next batch starts sooner.
    this.afterCommitInBackground(jobs, result.outboxId);
    return result.value;
  }

  /**
   * The statement that records the jobs `rows` selects, in the columns (and the order) of
   * `jobParams`: job_id, name, data, delay_ms, priority, as one outbox row (none when `rows`
   * selects nothing), returning its `id`. A caller may make it part of its own statement (a
   * data-modifying CTE) and compute some of the columns there, even the jobs themselves
   * (`withJobs`: it returns the row's `jobs` too, for `jobsOfRow`); once that statement has
   * committed, hand the jobs it recorded and the row's id to `afterCommitInBackground`.
   */
  recordRowsSql(rows: string, { withJobs = false } = {}): string {
    return `INSERT INTO outbox (jobs)
      SELECT json_agg(json_build_object('jobId', job_id, 'name', name, 'data', data, 'delayMs', delay_ms, 'priority', priority))
        FROM (${rows}) AS job (job_id, name, data, delay_ms, priority) HAVING count(*) > 0
      RETURNING id${withJobs ? ', jobs' : ''}`;
  }

  /** The jobs' columns of `recordRowsSql` as five array parameters: job_id, name, data (json), delay_ms, priority. */
  jobParams(jobs: JobRequest[]): unknown[][] {
    return [
      jobs.map((j) => j.jobId),
      jobs.map((j) => j.name),
      jobs.map((j) => JSON.stringify(j.data)),
      jobs.map((j) => j.delayMs ?? null),
      jobs.map((j) => j.priority ?? null),
    ];
  }

  /** Adds jobs whose outbox row has committed; if Redis is away, the sweep adds them later. */
  private async afterCommit(jobs: JobRequest[], outboxId: string): Promise<void> {
    await this.dispatch(jobs, outboxId).catch((error: Error) =>
      // Committed and recorded: the sweep adds them once Redis answers again.
      this.logger.warn(`could not add ${jobs.length} job(s) after commit, the outbox sweep will: ${error.message}`),
    );
  }

  /**
   * Adds jobs whose outbox row (`outboxId`, null for no jobs) has committed, without holding
   * the caller, who needs only the row committed (should this process die first, the sweep
   * adds them). Shutdown waits for the adds under way.
   */
  afterCommitInBackground(jobs: JobRequest[], outboxId: string | null): void {
    if (!jobs.length || outboxId === null) return;
    const done: Promise<void> = this.afterCommit(jobs, outboxId).finally(() => this.inBackground.delete(done));
    this.inBackground.add(done);
  }

  /** A webhook event with no endpoint configured would be a job that does nothing: it is not added. */
  private hasWork(job: JobRequest): boolean {
    return job.name !== JobName.DeliverWebhook || this.config.outboundWebhookUrls.length > 0;
  }

  /**
   * Records a transaction's jobs as one outbox row, in one round trip with its `writes`.
   * @returns the row's id, null for no jobs
   */
  private async record(manager: EntityManager, jobs: JobRequest[], writes: Statement[]): Promise<string | null> {
    if (!jobs.length) {
      await runTogether(manager, writes);
      return null;
    }
    const row: Statement = { text: this.recordRowsSql(JOB_COLUMNS), params: this.jobParams(jobs) };
    const [{ id }] = await runTogether<{ id: string }>(manager, [...writes, row]);
    return id;
  }

  private async dispatch(jobs: JobRequest[], outboxId: string): Promise<void> {
    await this.producer.addMany(jobs);
    // A row left behind by a crash before the flush is only re-added by the sweep: a no-op
    // for BullMQ while the job (same id) is still there, a harmless replay after.
    this.dispatched.push(outboxId);
    if (this.dispatched.length >= OUTBOX_SWEEP_ROWS) void this.flush();
  }

  /** Deletes the rows of dispatched jobs, in one statement. */
  async flush(): Promise<void> {
    if (this.flushing || !this.dispatched.length) return this.flushing ?? undefined;
    const ids = this.dispatched;
    this.dispatched = [];
    this.flushing = preparedQuery(this.dataSource, `DELETE FROM outbox WHERE id = ANY($1::bigint[])`, [ids])
      .then(() => undefined)
      .catch((error: Error) => {
        this.dispatched.push(...ids); // the database is away: try again next round
        this.logger.warn(`could not clear ${ids.length} dispatched outbox row(s): ${error.message}`);
      })
      .finally(() => (this.flushing = null));
    return this.flushing;
  }

  /**
   * After the workers stopped (onModuleDestroy), before the pool closes (onApplicationShutdown):
   * the batches still being written first (they record jobs and start their adds), then
   * those adds, then the deletes of what was added. In this order, in this one hook.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.flusher);
    await drainGroupCommits();
    await Promise.all(this.inBackground);
    await this.flushing;
    await this.flush();
  }

  /**
   * Adds the jobs of outbox rows recorded more than `olderThanMs` ago and not yet cleared,
   * at most `rows` rows. Every worker process runs it; an advisory lock lets one of them
   * sweep at a time.
   * @returns how many rows were claimed, and how many jobs they held
   */
  async sweep(olderThanMs = 5_000, rows = OUTBOX_SWEEP_ROWS): Promise<{ rows: number; jobs: number }> {
    return this.dataSource.transaction(async (manager) => {
      // One sweeper at a time across every process; the others skip this round.
      const [{ mine }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS mine', [ADVISORY_LOCK.outboxSweep]);
      if (!mine) return { rows: 0, jobs: 0 };
      const claimed: { id: string; jobs: StoredJob[]; created_at: Date }[] = await manager.query(
        `SELECT id, jobs, created_at FROM outbox
          WHERE created_at < now() - ($1::integer * interval '1 millisecond')
          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [olderThanMs, rows],
      );
      if (!claimed.length) return { rows: 0, jobs: 0 };
      const now = Date.now();
      const jobs = claimed.flatMap((row) => jobsOfRow(row.jobs, new Date(row.created_at).getTime(), now));
      await this.producer.addMany(jobs);
      await manager.query(`DELETE FROM outbox WHERE id = ANY($1::bigint[])`, [claimed.map((r) => r.id)]);
      return { rows: claimed.length, jobs: jobs.length };
    });
  }
}
