import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { addBatchTotals, BatchTotals, groupCommitTotals } from '@returns/database';
import { RedisClient } from './redis.provider';
import { FORGET_AFTER_MS, staleAfterMs, workerId } from './worker-presence';

/** The hash every process writes its group-commit totals to, one field per process. */
export function batchStatsKey(prefix: string): string {
  return `${prefix}:batches:stats`;
}

interface PublishedTotals {
  at: number;
  totals: Record<string, BatchTotals>;
}

/**
 * Publishes this process's group-commit totals (how many batches, how many jobs or
 * requests in them, how many retried alone) in Redis every heartbeat, so `/metrics` can
 * add up what every API and worker process batched.
 */
@Injectable()
export class BatchStatsPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BatchStatsPublisher.name);
  private readonly id = workerId();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.publish(), this.config.workerHeartbeatMs);
    this.timer.unref();
  }

  /** Before the Redis client closes (onApplicationShutdown): a command sent to it after it closed while Redis was away would wait for good. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.client.redis.hdel(batchStatsKey(this.config.queuePrefix), this.id).catch(() => undefined);
  }

  async publish(): Promise<void> {
    const totals = groupCommitTotals();
    if (!Object.values(totals).some((t) => t.batches > 0)) return;
    const value: PublishedTotals = { at: Date.now(), totals };
    await this.client.redis
      .hset(batchStatsKey(this.config.queuePrefix), this.id, JSON.stringify(value))
      .catch((error: Error) => this.logger.warn(`batch statistics not written: ${error.message}`));
  }

  /**
   * The totals of every process that published lately, added up by name; a process that
   * stopped publishing (it died, or stopped) drops out, as its counters would on restart.
   */
  async cluster(): Promise<Record<string, BatchTotals>> {
    const published = await this.client.redis.hgetall(batchStatsKey(this.config.queuePrefix));
    const now = Date.now();
    const fresh = now - staleAfterMs(this.config.workerHeartbeatMs);
    const sum: Record<string, BatchTotals> = {};
    const gone: string[] = [];
    for (const [id, raw] of Object.entries(published)) {
      const { at, totals } = JSON.parse(raw) as PublishedTotals;
      if (at < now - FORGET_AFTER_MS) gone.push(id);
      if (at < fresh) continue;
      for (const [name, t] of Object.entries(totals)) addBatchTotals(sum, name, t);
    }
    if (gone.length) await this.client.redis.hdel(batchStatsKey(this.config.queuePrefix), ...gone).catch(() => undefined);
    return sum;
  }
}
