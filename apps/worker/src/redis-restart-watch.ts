import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import IORedis, { Cluster } from 'ioredis';
import { DataSource } from 'typeorm';
import { ADVISORY_LOCK, withSessionLock } from '@returns/database';
import { JobRecovery, RecoveryReport, RedisClient } from '@returns/queue';
import { AllStagesOwedWork } from '@returns/recovery';

/** How often each worker process looks at Redis. */
const CHECK_EVERY_MS = 5_000;
/** A Redis that restarted may have lost the writes of its last second or so: cases changed this long before it was last seen are looked at. */
const RESTART_MARGIN_MS = 5 * 60_000;
/**
 * A Redis that came back empty (no persistence, a flush) lost every timer too: cases changed
 * this far back are looked at (more than the default deadlines), or a day more than the
 * longest deadline configured, if that is longer.
 */
const EMPTY_LOOKBACK_MS = 30 * 24 * 3_600_000;
const BEYOND_LONGEST_WAIT_MS = 24 * 3_600_000;

/** How long a recovery's record of itself stays in Redis, for the processes that saw the same restart. */
const DONE_KEPT_S = 7 * 24 * 3_600;

/** The run ids of the Redis servers (a cluster's masters): a restart changes one. */
async function serverIdentity(redis: IORedis | Cluster): Promise<string> {
  const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
  // A cluster client that has not yet found its nodes: no look this time (not a restart).
  if (!servers.length) throw new Error('no Redis node known yet');
  const ids = await Promise.all(servers.map(async (server) => /run_id:(\w+)/.exec(await server.info('server'))?.[1] ?? '?'));
  return ids.sort().join(',');
}

/**
 * Runs `JobRecovery` by itself when Redis restarts, so a crash under `appendfsync everysec`
 * (or a Redis with no persistence at all) does not leave cases waiting for jobs that are
 * gone. Every worker process looks every few seconds: a new run id means a restart, which may
 * have lost its last writes (cases changed since a few minutes before Redis was last seen are
 * looked at); a marker key of ours gone, or made anew since the last look (by another process
 * that looked first), means Redis came back empty (30 days are looked at, or more than the
 * longest deadline configured). One process recovers (an advisory lock) and records in Redis that it did;
 * the others keep their own recovery owed until they see that record, so one that dies
 * midway is taken over. A recovery the database refused is tried again at the next look.
 * A restart while no worker process was running is not seen: `POST /v1/admin/recovery` is
 * for that.
 */
@Injectable()
export class RedisRestartWatch implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RedisRestartWatch.name);
  private timer?: NodeJS.Timeout;
  /** what the last look saw (the server, and which marker it held), and when */
  private seen?: { server: string; marker: string; at: number };
  /** a recovery still owed, from this time */
  private pendingSince?: Date;
  private looking?: Promise<RecoveryReport | null>;

  constructor(
    private readonly client: RedisClient,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly recovery: JobRecovery,
    private readonly owed: AllStagesOwedWork,
  ) {}

  onApplicationBootstrap(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** Before the Redis clients and the pool close (onApplicationShutdown), which the look under way uses. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.looking;
  }

  /**
   * One look at Redis, and the recovery a restart calls for.
   * @returns the report of the recovery this look ran, or null
   */
  check(): Promise<RecoveryReport | null> {
    this.looking ??= this.look().finally(() => (this.looking = undefined));
    return this.looking;
  }

  private async look(): Promise<RecoveryReport | null> {
    const redis = this.client.redis;
    const marker = this.client.key('recovery-marker');
    let server: string;
    try {
      server = await serverIdentity(redis);
      // Each marker is a new one: whoever finds it gone makes it, and every process that saw
      // the one before sees that Redis came back empty, though it was not the first to look.
      await redis.set(marker, randomUUID(), 'NX');
      const current = await redis.get(marker);
      if (current === null) throw new Error('the recovery marker went as it was made');
      const now = Date.now();
      const emptied = this.seen !== undefined && current !== this.seen.marker;
      if (this.seen && (server !== this.seen.server || emptied)) {
        const lookback = Math.max(EMPTY_LOOKBACK_MS, this.owed.longestWaitMs() + BEYOND_LONGEST_WAIT_MS);
        const since = new Date(emptied ? now - lookback : this.seen.at - RESTART_MARGIN_MS);
        this.logger.warn(`Redis ${emptied ? 'came back empty' : 'restarted'}: the jobs it lost are put back (cases changed since ${since.toISOString()})`);
        if (!this.pendingSince || since < this.pendingSince) this.pendingSince = since;
      }
      this.seen = { server, marker: current, at: now };
    } catch (error) {
      this.logger.debug(`Redis not looked at: ${(error as Error).message}`);
      return null;
    }
    if (!this.pendingSince) return null;
    const since = this.pendingSince;
    // Whoever recovers from this server's restart says so in it: the others then stand down.
    // Until then each keeps its own, so a recovering process that dies is not the end of it.
    const done = this.client.key('recovered', server);
    try {
      if ((await redis.exists(done)) === 1) {
        this.pendingSince = undefined;
        return null;
      }
      const ran = await withSessionLock(this.dataSource, ADVISORY_LOCK.jobRecovery, async () => {
        const report = await this.recovery.recover(since, this.owed);
        await redis.set(done, report.since, 'EX', DONE_KEPT_S);
        return report;
      });
      if (!ran) return null; // another process is at it: look again next time
      this.pendingSince = undefined;
      return ran.value;
    } catch (error) {
      this.logger.warn(`recovery after the Redis restart failed, tried again in ${CHECK_EVERY_MS / 1000} s: ${(error as Error).message}`);
      return null;
    }
  }
}
