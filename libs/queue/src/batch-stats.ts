import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import IORedis, { Cluster } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { BatchTotals, groupCommitTotals } from '@returns/database';
import { RedisClient } from './redis.provider';
import { FORGET_AFTER_MS, workerId } from './worker-presence';

/** The hash every process writes its own group-commit totals to, one field per process: what it has already added to `batchTotalsKey`. */
export function batchStatsKey(prefix: string): string {
  return `${prefix}:batches:stats`;
}

/**
 * The hash of the running totals `/metrics` serves (`<stage>:batches`, `<stage>:items`,
 * `<stage>:retried`): every process adds what it batched since its last report, so a total
 * never goes down when a process stops (Prometheus would read that as a counter reset).
 */
export function batchTotalsKey(prefix: string): string {
  return `${prefix}:batches:totals`;
}

interface PublishedTotals {
  at: number;
  totals: Record<string, BatchTotals>;
}

/**
 * Adds to the running totals (KEYS[2]) what the process (ARGV[1]) batched since it last
 * reported (its field of KEYS[1]; once that is forgotten, ARGV[4], the totals it knows it
 * reported), then records ARGV[2] as its last report, or, with ARGV[3] set (it stops),
 * forgets it. One atomic step: a report sent twice (a reply lost) adds nothing the second
 * time. A process's own totals only grow; should one read lower, it counts from zero again.
 */
const ADD_TOTALS = `
local before
local last = redis.call('HGET', KEYS[1], ARGV[1])
if last then before = cjson.decode(last).totals else before = cjson.decode(ARGV[4]) end
for stage, now in pairs(cjson.decode(ARGV[2]).totals) do
  local was = before[stage] or {}
  for _, field in ipairs({'batches', 'items', 'retried'}) do
    local n = tonumber(now[field]) or 0
    local added = n - (tonumber(was[field]) or 0)
    if added < 0 then added = n end
    if added > 0 then redis.call('HINCRBY', KEYS[2], stage .. ':' .. field, added) end
  end
end
if ARGV[3] == '1' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1`;

/**
 * Reports a process's group-commit totals since it started (`process`: its id) and adds
 * what is new in them to the running totals. `reported`: the totals of its last report
 * that Redis acknowledged, the baseline should its last report have been forgotten (it was
 * silent for FORGET_AFTER_MS, e.g. through a long Redis outage); `stopping`: its last
 * report. Both keys share the prefix, and so a cluster slot.
 */
export async function reportBatchTotals(
  redis: IORedis | Cluster,
  prefix: string,
  process: string,
  totals: Record<string, BatchTotals>,
  { reported = {}, stopping = false }: { reported?: Record<string, BatchTotals>; stopping?: boolean } = {},
): Promise<void> {
  const report: PublishedTotals = { at: Date.now(), totals };
  // cjson reads `{}` as an empty table, as a stage map with no stage.
  await redis.eval(ADD_TOTALS, 2, batchStatsKey(prefix), batchTotalsKey(prefix), process, JSON.stringify(report), stopping ? '1' : '0', JSON.stringify(reported));
}

/**
 * Publishes this process's group-commit totals (how many batches, how many jobs or
 * requests in them, how many retried alone) to Redis every heartbeat and once more as it
 * stops, where they are added up with every API and worker process's for `/metrics`.
 */
@Injectable()
export class BatchStatsPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BatchStatsPublisher.name);
  /** host:pid and a token of this start: a process started anew under the same host and pid (a container's pid 1) is another reporter. */
  private readonly id = `${workerId()}:${randomBytes(4).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** the totals of this process's last report Redis acknowledged */
  private reported: Record<string, BatchTotals> = {};

  constructor(
    private readonly client: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.publish(), this.config.workerHeartbeatMs);
    this.timer.unref();
  }

  /**
   * The last report, with what was batched since the last heartbeat (the workers have
   * finished their jobs by now), before the Redis client closes (onApplicationShutdown): a
   * command sent to it after it closed while Redis was away would wait for good.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopped = true;
    await this.report(true);
  }

  async publish(): Promise<void> {
    // Once stopped, a report would bring back the field the last one removed.
    if (!this.stopped) await this.report(false);
  }

  private async report(stopping: boolean): Promise<void> {
    const totals = groupCommitTotals();
    if (!Object.values(totals).some((t) => t.batches > 0)) return;
    await reportBatchTotals(this.client.redis, this.config.queuePrefix, this.id, totals, { reported: this.reported, stopping }).then(
      () => {
        this.reported = totals;
      },
      (error: Error) => this.logger.warn(`batch statistics not written: ${error.message}`),
    );
  }

  /**
   * The running totals of every process, by stage: they only grow. The last reports of
   * processes gone without a word (killed) for FORGET_AFTER_MS are dropped; what they had
   * reported stays counted.
   */
  async cluster(): Promise<Record<string, BatchTotals>> {
    const { redis } = this.client;
    const prefix = this.config.queuePrefix;
    const [running, reports] = await Promise.all([redis.hgetall(batchTotalsKey(prefix)), redis.hgetall(batchStatsKey(prefix))]);
    const sum: Record<string, BatchTotals> = {};
    for (const [field, n] of Object.entries(running)) {
      const at = field.lastIndexOf(':');
      const [stage, measure] = [field.slice(0, at), field.slice(at + 1)];
      if (measure !== 'batches' && measure !== 'items' && measure !== 'retried') continue;
      (sum[stage] ??= { batches: 0, items: 0, retried: 0 })[measure] = Number(n);
    }
    const gone = Object.entries(reports)
      .filter(([, raw]) => !((JSON.parse(raw) as PublishedTotals).at >= Date.now() - FORGET_AFTER_MS))
      .map(([id]) => id);
    if (gone.length) await redis.hdel(batchStatsKey(prefix), ...gone).catch(() => undefined);
    return sum;
  }
}
