import { Injectable } from '@nestjs/common';
import { ALL_QUEUES, QueueName } from '@returns/contracts';
import { JobProducer } from './job-producer.service';

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

/** What an operator needs to see of the queues, and the few things they may do to them. */
@Injectable()
export class QueueStatsService {
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

  /** Moves every failed job back to waiting: the redrive after a provider outage. */
  async retryFailed(name: QueueName): Promise<number> {
    const queue = this.producer.queue(name);
    const failed = await queue.getFailedCount();
    await queue.retryJobs({ state: 'failed', count: 1000 });
    return failed;
  }
}
