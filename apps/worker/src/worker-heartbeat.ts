import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { presenceKey, RedisClient, WorkerBeat, workerId } from '@returns/queue';
import { SERVED_QUEUES } from './served-queues';
import { QueueName } from '@returns/contracts';

/**
 * Says in Redis, every few seconds, that this worker process is alive and which queues it
 * serves, so `/health/ready` can name a worker that lost Redis and has not come back.
 */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private timer?: NodeJS.Timeout;
  private readonly id = workerId();

  constructor(
    private readonly client: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SERVED_QUEUES) private readonly queues: QueueName[],
  ) {}

  onApplicationBootstrap(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.config.workerHeartbeatMs);
  }

  /** Before the Redis client closes (onApplicationShutdown): a command sent to it after it closed while Redis was away would wait for good. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.client.redis.hdel(presenceKey(this.config.queuePrefix), this.id).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    const beat: WorkerBeat = { id: this.id, queues: this.queues, at: Date.now() };
    try {
      await this.client.redis.hset(presenceKey(this.config.queuePrefix), this.id, JSON.stringify(beat));
    } catch (error) {
      this.logger.warn(`heartbeat not written: ${(error as Error).message}`);
    }
  }
}
