import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis, { Cluster } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { ALL_QUEUES, JobRequest, QUEUE_OF, QueueName } from '@returns/contracts';
import { jobOptions } from './job-options';
import { redisClient } from './redis-connection';

/**
 * The only way code adds jobs: typed by job name, options from `jobOptions`.
 *
 * Its queues have their own connection that fails fast when Redis is away (one
 * reconnection attempt per command, a command timeout) instead of hanging the request: every job was first written to the
 * outbox in PostgreSQL, and the sweep adds it once Redis is back. (The workers keep
 * @nestjs/bullmq's patient connection: they should wait for Redis, not give up.)
 */
@Injectable()
export class JobProducer implements OnApplicationShutdown {
  private readonly queues: Record<QueueName, Queue>;
  /**
   * Each queue's client, ours to close: a client BullMQ made itself is left reconnecting for
   * good when its quit fails (Redis away at shutdown), and its timer keeps the process alive.
   */
  private readonly clients: (IORedis | Cluster)[] = [];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // Not enableOfflineQueue: false, which BullMQ's own start-up commands trip over: a command
    // made while Redis is away fails after one reconnection attempt instead.
    const clientOf = () => {
      const client = redisClient(config, { maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 5_000 });
      client.on('error', () => undefined); // each failed add is reported to its caller
      this.clients.push(client);
      return client;
    };
    this.queues = Object.fromEntries(ALL_QUEUES.map((name) => [name, new Queue(name, { connection: clientOf(), prefix: config.queuePrefix })])) as Record<QueueName, Queue>;
    for (const queue of Object.values(this.queues)) queue.on('error', () => undefined);
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  /**
   * Adds many jobs, one round trip per queue. A queue's only job goes in with `add`, one
   * script call: `addBulk` wraps even one job in MULTI/EXEC, and builds an ioredis pipeline,
   * which copies every one of BullMQ's ~40 scripts onto it (3% of the API's time at intake,
   * where most batches record one job).
   */
  async addMany(requests: JobRequest[]): Promise<void> {
    const byQueue = new Map<QueueName, JobRequest[]>();
    for (const request of requests) {
      const queue = QUEUE_OF[request.name];
      const list = byQueue.get(queue);
      if (list) list.push(request);
      else byQueue.set(queue, [request]);
    }
    await Promise.all(
      [...byQueue].map(([queue, list]) =>
        list.length === 1
          ? this.queues[queue].add(list[0].name, list[0].data, jobOptions(list[0]))
          : this.queues[queue].addBulk(list.map((r) => ({ name: r.name, data: r.data, opts: jobOptions(r) }))),
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close().catch(() => undefined)));
    // Quit once the adds under way are written; with Redis away, drop the connection at once.
    await Promise.all(this.clients.map((client) => (client.status === 'ready' ? client.quit().catch(() => client.disconnect()) : client.disconnect())));
  }
}
