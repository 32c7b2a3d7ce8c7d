import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import IORedis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { redisOptionsFromUrl } from './redis-connection';

/**
 * A plain Redis client for what is not a queue: health checks and the simulators'
 * shared state. Keys should start with `key(...)`, under the queue prefix.
 */
@Injectable()
export class RedisClient implements OnModuleDestroy {
  readonly redis: IORedis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.redis = new IORedis({ ...redisOptionsFromUrl(config.redisUrl), maxRetriesPerRequest: 2, lazyConnect: false });
    // Errors surface on each command; the connection itself keeps retrying quietly.
    this.redis.on('error', () => undefined);
  }

  key(...parts: string[]): string {
    return [this.config.queuePrefix, ...parts].join(':');
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
