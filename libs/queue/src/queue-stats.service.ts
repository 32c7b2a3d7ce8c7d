import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { ALL_QUEUES, QueueName } from '@returns/contracts';
import { JobProducer } from './job-producer.service';

/** Failed jobs moved back per round trip of a redrive. */
const REDRIVE_PAGE = 500;

export interface QueueStats {
  name: QueueName;
  /** jobs ready to run: BullMQ's wait list plus its prioritized set (every case job has a priority) */
  waiting: number;
  prioritized: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  paused: boolean;
  /** worker connections serving the queue, across every process */
  workers: number;
  /** jobs completed in the last full minute */
  throughputPerMin: number;
}

/** A job in a queue's failed set, as an operator reads it before a redrive. */
export interface FailedJob {
  id: string;
  name: string;
  /** what it was to work on (a case id, an intake batch's case ids, a message's event) */
  data: unknown;
  /** the error of its last attempt */
  failedReason: string;
  attemptsMade: number;
  /** when its last attempt failed (ISO) */
  failedAt: string | null;
  priority: number;
}

/** What an operator needs to see of the queues, and the few things they may do to them. */
@Injectable()
export class QueueStatsService {
  private readonly logger = new Logger(QueueStatsService.name);

  constructor(private readonly producer: JobProducer) {}

  isQueue(name: string): name is QueueName {
    return (ALL_QUEUES as readonly string[]).includes(name);
  }

  async stats(name: QueueName): Promise<QueueStats> {
    const queue = this.producer.queue(name);
    const [counts, paused, workers, metrics] = await Promise.all([
      queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed', 'completed', 'paused'),
      queue.isPaused(),
      queue.getWorkersCount(),
      // Per-minute counts kept by the workers (metrics option): [0] is the minute under way.
      queue.getMetrics('completed', 0, 1).catch(() => ({ data: [] as number[] })),
    ]);
    return {
      name,
      waiting: counts.wait + counts.paused + counts.prioritized,
      prioritized: counts.prioritized,
      active: counts.active,
      delayed: counts.delayed,
      failed: counts.failed,
      completed: counts.completed,
      paused,
      workers,
      throughputPerMin: Number(metrics.data[1] ?? metrics.data[0] ?? 0),
    };
  }

  all(): Promise<QueueStats[]> {
    return Promise.all(ALL_QUEUES.map((name) => this.stats(name)));
  }

  pause(name: QueueName): Promise<void> {
    return this.producer.queue(name).pause();
  }

  resume(name: QueueName): Promise<void> {
    return this.producer.queue(name).resume();
  }

  /**
   * The newest `limit` jobs of a queue's failed set (those that failed last first) and how
   * many it holds: why they failed, before they are redriven (a provider down, a bug).
   */
  async failed(name: QueueName, limit: number): Promise<{ total: number; items: FailedJob[] }> {
    const queue = this.producer.queue(name);
    const [total, jobs] = await Promise.all([queue.getFailedCount(), queue.getFailed(0, limit - 1)]);
    return {
      total,
      // BullMQ reads the ids and their hashes in one script: a job removed meanwhile is left
      // out, and the page filled from the next ones.
      items: jobs.map((job) => ({
        id: job.id!,
        name: job.name,
        data: job.data,
        failedReason: job.failedReason,
        attemptsMade: job.attemptsMade,
        failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
        priority: job.priority,
      })),
    };
  }

  /**
   * Moves every failed job back to waiting, its attempts counted anew: the redrive after a
   * provider outage. (BullMQ's `retryJobs` keeps the count, so a redriven job had one try
   * left, and a stage that treats its last attempt as final gave up at its first error.)
   * The jobs there when it starts, 500 at a time; one that fails again meanwhile stays.
   * A job keeps its priority (`redrive`).
   * @returns how many were moved
   */
  async retryFailed(name: QueueName): Promise<number> {
    const queue = this.producer.queue(name);
    const total = await queue.getFailedCount();
    let retried = 0;
    for (let seen = 0; seen < total; ) {
      const jobs = await queue.getFailed(0, Math.min(REDRIVE_PAGE, total - seen) - 1);
      if (!jobs.length) break;
      seen += jobs.length;
      const moved = await Promise.all(
        jobs.map((job) =>
          this.redrive(job).then(
            () => 1,
            () => 0, // taken meanwhile (another redrive), or no longer failed
          ),
        ),
      );
      retried += moved.reduce<number>((n, m) => n + m, 0);
    }
    return retried;
  }

  /**
   * Moves one failed job back to waiting with its priority. BullMQ's `retry` puts it in the
   * plain wait list, which workers serve before every prioritized job: a redriven case
   * would go ahead of the VIP and merchant-fault cases waiting, so it is put back among
   * them. A worker may take it in between; then it has run a little early, no more.
   */
  private async redrive(job: Job): Promise<void> {
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    if (!job.priority) return;
    await job.changePriority({ priority: job.priority }).catch((error: Error) =>
      this.logger.warn(`redriven job ${job.id} waits without its priority ${job.priority}: ${error.message}`),
    );
  }
}
