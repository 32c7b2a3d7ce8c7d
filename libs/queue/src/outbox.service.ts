import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { JobName, JobRequest, QUEUE_OF } from '@returns/contracts';
import { ADVISORY_LOCK, drainGroupCommits, preparedQuery } from '@returns/database';
import { JobProducer } from './job-producer.service';

/** How often the rows of dispatched jobs are deleted. */
const DELETE_EVERY_MS = 200;

/** Rows one sweep round claims. */
export const OUTBOX_SWEEP_BATCH = 500;

/** A unit of work: its entity manager, and the jobs to add once it has committed. */
export interface Tx {
  manager: EntityManager;
  enqueue(...jobs: JobRequest[]): void;
}

/**
 * Transactional outbox. A stage's transaction records the jobs it decided on in the
 * `outbox` table; after commit they are added to BullMQ with their deterministic ids and
 * the rows removed. If the process dies in between, `sweep` adds them later; if a job is
 * added twice, BullMQ keeps one (same job id) and the handler is idempotent anyway.
 */
@Injectable()
export class OutboxService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxService.name);
  /** Rows whose jobs are in Redis, removed together: one DELETE per batch, not per transaction. */
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
    const result = await this.dataSource.transaction(async (manager) => {
      const value = await work({ manager, enqueue: (...more) => jobs.push(...more.filter((job) => this.hasWork(job))) });
      await this.record(manager, jobs);
      return value;
    });
    // Committed with their outbox rows, the jobs are safe: the caller (a worker's batch of
    // jobs, an API answer) need not wait for Redis, and the next batch starts sooner.
    this.afterCommitInBackground(jobs);
    return result;
  }

  /**
   * The statement that records the jobs `rows` selects, in the columns (and the order) of
   * `jobParams`: job_id, queue, name, data, delay_ms, priority. A caller may make it part of
   * its own statement (a data-modifying CTE) and compute some of them there; once that
   * statement has committed, hand the jobs it recorded to `afterCommitInBackground`.
   */
  recordRowsSql(rows: string): string {
    return `INSERT INTO outbox (job_id, queue, name, data, delay_ms, priority) ${rows} ON CONFLICT (job_id) DO NOTHING`;
  }

  /** The outbox rows of `jobs` as six array parameters, one per column of `recordRowsSql`. */
  jobParams(jobs: JobRequest[]): unknown[][] {
    return [
      jobs.map((j) => j.jobId),
      jobs.map((j) => QUEUE_OF[j.name]),
      jobs.map((j) => j.name),
      jobs.map((j) => JSON.stringify(j.data)),
      jobs.map((j) => j.delayMs ?? null),
      jobs.map((j) => j.priority ?? null),
    ];
  }

  /** Adds jobs whose outbox rows have committed; if Redis is away, the sweep adds them later. */
  private async afterCommit(jobs: JobRequest[]): Promise<void> {
    if (!jobs.length) return;
    await this.dispatch(jobs).catch((error: Error) =>
      // Committed and recorded: the sweep adds them once Redis answers again.
      this.logger.warn(`could not add ${jobs.length} job(s) after commit, the outbox sweep will: ${error.message}`),
    );
  }

  /**
   * Adds jobs whose outbox rows have committed, without holding the caller, who needs only
   * the rows committed (should this process die first, the sweep adds them). Shutdown
   * waits for the adds under way.
   */
  afterCommitInBackground(jobs: JobRequest[]): void {
    if (!jobs.length) return;
    const done: Promise<void> = this.afterCommit(jobs).finally(() => this.inBackground.delete(done));
    this.inBackground.add(done);
  }

  /** A webhook event with no endpoint configured would be a job that does nothing: it is not added. */
  private hasWork(job: JobRequest): boolean {
    return job.name !== JobName.DeliverWebhook || this.config.outboundWebhookUrls.length > 0;
  }

  private async record(manager: EntityManager, jobs: JobRequest[]): Promise<void> {
    if (!jobs.length) return;
    const rows = `SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::int[], $6::int[])`;
    await preparedQuery(manager, this.recordRowsSql(rows), this.jobParams(jobs));
  }


  private async dispatch(jobs: JobRequest[]): Promise<void> {
    await this.producer.addMany(jobs);
    // A row left behind by a crash before the flush is only re-added by the sweep: a no-op
    // for BullMQ while the job (same id) is still there, a harmless replay after.
    this.dispatched.push(...jobs.map((j) => j.jobId));
    if (this.dispatched.length >= OUTBOX_SWEEP_BATCH) void this.flush();
  }

  /** Deletes the rows of dispatched jobs, in one statement. */
  async flush(): Promise<void> {
    if (this.flushing || !this.dispatched.length) return this.flushing ?? undefined;
    const ids = this.dispatched;
    this.dispatched = [];
    this.flushing = preparedQuery(this.dataSource, `DELETE FROM outbox WHERE job_id = ANY($1)`, [ids])
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
   * Adds jobs recorded more than `olderThanMs` ago and not yet dispatched. Every worker
   * process runs it; an advisory lock lets one of them sweep at a time.
   * @returns how many jobs were added
   */
  async sweep(olderThanMs = 5_000, batch = OUTBOX_SWEEP_BATCH): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      // One sweeper at a time across every process; the others skip this round.
      const [{ mine }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS mine', [ADVISORY_LOCK.outboxSweep]);
      if (!mine) return 0;
      const rows: { job_id: string; name: string; data: unknown; delay_ms: number | null; priority: number | null; created_at: Date }[] =
        await manager.query(
          `SELECT job_id, name, data, delay_ms, priority, created_at FROM outbox
           WHERE created_at < now() - ($1::integer * interval '1 millisecond')
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [olderThanMs, batch],
        );
      if (!rows.length) return 0;
      const now = Date.now();
      await this.producer.addMany(
        rows.map((row) => ({
          name: row.name,
          data: row.data,
          jobId: row.job_id,
          priority: row.priority ?? undefined,
          // A timer keeps its original due time.
          delayMs: row.delay_ms ? Math.max(0, new Date(row.created_at).getTime() + row.delay_ms - now) : undefined,
        })) as JobRequest[],
      );
      await manager.query(`DELETE FROM outbox WHERE job_id = ANY($1)`, [rows.map((r) => r.job_id)]);
      return rows.length;
    });
  }
}
