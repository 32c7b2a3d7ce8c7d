import { Controller, Get, Inject } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { FORGET_AFTER_MS, presenceKey, RedisClient, staleAfterMs, WorkerBeat } from '@returns/queue';
import { LocalWorkers } from '../../../worker/src/workers.module';
import { Public } from '../auth/roles.decorator';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisClient,
    private readonly moduleRef: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The process is up (for a liveness probe: no dependency is checked). */
  @Get('live')
  @Public()
  live() {
    return { status: 'ok' };
  }

  /**
   * PostgreSQL and Redis answer, and so do this process's own workers (for a readiness
   * probe): 503 naming what is down otherwise. Worker processes elsewhere that stopped
   * reaching Redis are named under `workers.stale` without failing this API's readiness:
   * one broken worker must not take every API replica out of service.
   */
  @Get('ready')
  @Public()
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      async () => {
        const session = this.indicators.check('redis');
        try {
          await Promise.race([this.redis.redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 2000).unref())]);
          return session.up();
        } catch (error) {
          return session.down({ message: (error as Error).message });
        }
      },
      () => this.workers(),
    ]);
  }

  private async workers() {
    const session = this.indicators.check('workers');
    let local: LocalWorkers | undefined;
    try {
      local = this.moduleRef.get(LocalWorkers, { strict: false });
    } catch {
      local = undefined; // an API-only process has no workers of its own
    }
    const lost = local ? await local.disconnected() : [];
    const stale: { id: string; queues: string[]; silentForSeconds: number }[] = [];
    let unreadable: string | undefined;
    try {
      const key = presenceKey(this.config.queuePrefix);
      const now = Date.now();
      for (const [id, raw] of Object.entries(await this.redis.redis.hgetall(key))) {
        const beat = JSON.parse(raw) as WorkerBeat;
        if (now - beat.at > FORGET_AFTER_MS) await this.redis.redis.hdel(key, id);
        else if (now - beat.at > staleAfterMs(this.config.workerHeartbeatMs)) stale.push({ id, queues: beat.queues, silentForSeconds: Math.round((now - beat.at) / 1000) });
      }
    } catch (error) {
      // Redis itself is reported above; say why the list may be short.
      unreadable = (error as Error).message;
    }
    if (lost.length) {
      return session.down({ message: `this process's workers lost Redis: ${lost.map((l) => `${l.queue} (${l.state})`).join(', ')}`, lost, stale });
    }
    return session.up({ local: local ? 'connected' : 'none', stale, ...(unreadable ? { presenceUnreadable: unreadable } : {}) });
  }
}
