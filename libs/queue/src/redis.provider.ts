import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import IORedis, { Cluster } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { closeClusterConnections, redisClient } from './redis-connection';

/**
 * A plain Redis client for what is not a queue: health checks and the simulators'
 * shared state. Keys should start with `key(...)`, under the queue prefix.
 */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  readonly redis: IORedis | Cluster;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.redis = redisClient(config, { maxRetriesPerRequest: 2 });
    // Errors surface on each command; the connection itself keeps retrying quietly.
    this.redis.on('error', () => undefined);
  }

  key(...parts: string[]): string {
    return [this.config.queuePrefix, ...parts].join(':');
  }

  /** Where a simulator keeps a kind of record (`<prefix>:sim:<parts>`) for SIMULATOR_RETENTION, by day (`dayBuckets`). */
  simulatorBuckets(now: number, ...parts: string[]): DayBuckets {
    return dayBuckets(this.key('sim', ...parts), this.config.simulators.retentionMs, now);
  }

  /**
   * Sets `hash[field] = value` only if unset and, in the same atomic step, appends `item`
   * to the list `list`: a process killed in between can never leave one without the other.
   * Both keys must share the prefix (and so a cluster slot). Resolves true when this call
   * was the first writer.
   */
  async setOnceWith(hash: string, field: string, value: string, list: string, item: string): Promise<boolean> {
    const first = await this.redis.eval(
      `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then redis.call('RPUSH', KEYS[2], ARGV[3]) return 1 end return 0`,
      2,
      hash,
      list,
      field,
      value,
      item,
    );
    return first === 1;
  }

  private closed?: Promise<void>;

  /**
   * Last phase of shutdown: workers finishing their jobs may still need it before. Once,
   * however often Nest asks: the same instance is also SIMULATOR_REDIS where the simulators
   * have no Redis of their own, and each provider gets the hook.
   */
  onApplicationShutdown(): Promise<void> {
    this.closed ??= (async () => {
      await this.redis.quit().catch(() => this.redis.disconnect());
      await closeClusterConnections();
    })();
    return this.closed;
  }
}

/** The `RedisClient` the simulated providers keep their records in: the service's own, or SIMULATOR_REDIS_URL's. */
export const SIMULATOR_REDIS = Symbol('SIMULATOR_REDIS');

/** Its provider: a client of its own only where SIMULATOR_REDIS_URL names another Redis. */
export const simulatorRedisProvider = {
  provide: SIMULATOR_REDIS,
  inject: [APP_CONFIG, RedisClient],
  useFactory: (config: AppConfig, shared: RedisClient): RedisClient =>
    config.simulators.redisUrl ? new RedisClient({ ...config, redisUrl: config.simulators.redisUrl, redisClusterNodes: [] }) : shared,
};

const DAY_MS = 86_400_000;

/** The keys of records kept by day, and when the newest of them expires. */
export interface DayBuckets {
  /** today's key (`<base>:<YYYY-MM-DD>`, UTC) first, then every earlier day's that may still hold records */
  keys: string[];
  /** when today's key is to expire (Unix seconds): `retentionMs` after today ends */
  expireAt: number;
}

/**
 * Records kept for at least `retentionMs` without a timestamp each: written to the key of
 * the day they are written on, which expires `retentionMs` after that day ends, and looked
 * up in every day's key that may still exist. Redis 7.0 cannot expire one field of a hash.
 */
export function dayBuckets(base: string, retentionMs: number, now: number): DayBuckets {
  const today = Math.floor(now / DAY_MS);
  const days = Math.ceil(retentionMs / DAY_MS) + 1;
  const keys = Array.from({ length: days }, (_, k) => `${base}:${new Date((today - k) * DAY_MS).toISOString().slice(0, 10)}`);
  return { keys, expireAt: Math.ceil(((today + 1) * DAY_MS + retentionMs) / 1000) };
}

/**
 * BullMQ needs Redis never to evict keys: an evicted job is a lost return. Production
 * refuses to start on any other `maxmemory-policy`; development and tests warn.
 */
@Injectable()
export class RedisPolicyCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Redis');

  constructor(
    private readonly client: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const info = await this.client.redis.info('memory');
    const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1] ?? 'unknown';
    if (policy === 'noeviction') return;
    const message = `Redis maxmemory-policy is ${policy}; it must be noeviction or queued returns can be evicted`;
    if (this.config.env === 'production') throw new Error(message);
    this.logger.warn(message);
  }
}
