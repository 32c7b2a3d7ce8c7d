import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { JobName, JobRequest, QUEUE_OF, QueueName } from '@returns/contracts';
import { jobOptions } from './job-options';

/** The only way code adds jobs: typed by job name, options from `jobOptions`. */
@Injectable()
export class JobProducer {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.Intake) intake: Queue,
    @InjectQueue(QueueName.Logistics) logistics: Queue,
    @InjectQueue(QueueName.Inspection) inspection: Queue,
    @InjectQueue(QueueName.Refund) refund: Queue,
    @InjectQueue(QueueName.Notification) notification: Queue,
    @InjectQueue(QueueName.Webhooks) webhooks: Queue,
    @InjectQueue(QueueName.Timers) timers: Queue,
  ) {
    this.queues = { intake, logistics, inspection, refund, notification, webhooks, timers };
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  allQueues(): Queue[] {
    return Object.values(this.queues);
  }

  async add<J extends JobName>(request: JobRequest<J>): Promise<void> {
    await this.queues[QUEUE_OF[request.name]].add(request.name, request.data, jobOptions(request));
  }

  /** Adds many jobs, one round trip per queue. */
  async addMany(requests: JobRequest[]): Promise<void> {
    const byQueue = new Map<QueueName, JobRequest[]>();
    for (const request of requests) {
      const queue = QUEUE_OF[request.name];
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), request]);
    }
    await Promise.all(
      [...byQueue].map(([queue, list]) =>
        this.queues[queue].addBulk(list.map((r) => ({ name: r.name, data: r.data, opts: jobOptions(r) }))),
      ),
    );
  }
}
