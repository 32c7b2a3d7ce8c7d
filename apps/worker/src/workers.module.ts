import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import type { RedisClient, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { QueueName } from '@returns/contracts';
import { InspectionModule, InspectionProcessor } from '@returns/inspection';
import { IntakeModule, IntakeProcessor, WaitingListRepair } from '@returns/intake';
import { LogisticsModule, LogisticsProcessor } from '@returns/logistics';
import { NotificationModule, NotificationProcessor, WebhookProcessor } from '@returns/notification';
import { TableUpkeep } from '@returns/database';
import { JOB_RETENTION, OutboxSweeper } from '@returns/queue';
import { RefundModule, RefundProcessor, RefundReconciler } from '@returns/refund';
import { AllStagesOwedWork } from '@returns/recovery';
import { RedisRestartWatch } from './redis-restart-watch';
import { SERVED_QUEUES } from './served-queues';
import { TimersProcessor } from './timers.processor';
import { WorkerHeartbeat } from './worker-heartbeat';

/** The processor serving each queue: exactly one per queue, checked at compile time. */
export const PROCESSORS: Record<QueueName, Type<WorkerHost>> = {
  [QueueName.Intake]: IntakeProcessor,
  [QueueName.Logistics]: LogisticsProcessor,
  [QueueName.Inspection]: InspectionProcessor,
  [QueueName.Refund]: RefundProcessor,
  [QueueName.Notification]: NotificationProcessor,
  [QueueName.Webhooks]: WebhookProcessor,
  [QueueName.Timers]: TimersProcessor,
};


/**
 * Applies `<QUEUE>_CONCURRENCY` and the stalled-job settings to each worker: @nestjs/bullmq
 * takes worker options only from decorators, and these come from the environment.
 */
@Injectable()
class WorkerTuning implements OnApplicationBootstrap {
  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SERVED_QUEUES) private readonly queues: QueueName[],
  ) {}

  onApplicationBootstrap(): void {
    const { lockMs, stalledIntervalMs, maxStalledCount } = this.config.workerRecovery;
    for (const queue of this.queues) {
      const { worker } = this.moduleRef.get(PROCESSORS[queue], { strict: false });
      worker.concurrency = this.config.concurrency[queue];
      // Read per job and per stalled-check round, so setting them now takes effect.
      const lock = { lockDuration: lockMs, lockRenewTime: Math.floor(lockMs / 2) };
      Object.assign(worker.opts, lock, { stalledInterval: stalledIntervalMs, maxStalledCount });
      renewLocksAs(worker, lock);
      Object.assign(worker.opts, JOB_RETENTION);
      // Per-minute completion counts for the admin API's throughputPerMin (a day of them).
      worker.opts.metrics = { maxDataPoints: 24 * 60 };
      const perSecond = this.config.rateLimits[queue];
      if (perSecond) worker.opts.limiter = { max: perSecond, duration: 1000 };
    }
  }
}

/**
 * Makes `worker` renew its jobs' locks for `lock.lockDuration`, every half `lockRenewTime`.
 * BullMQ's lock manager copies both from the worker's options when the worker is built, and
 * @nestjs/bullmq builds it before the environment's values can be given: set on `worker.opts`
 * alone, a job's lock was taken for WORKER_LOCK_DURATION but renewed on the defaults (for 30 s,
 * first after 7.5 s), so below 30 s a job still running lost its lock, was declared stalled
 * and run a second time beside the first. Its renewal timer, already running, is restarted.
 */
function renewLocksAs(worker: Worker, lock: { lockDuration: number; lockRenewTime: number }): void {
  const manager = (worker as unknown as { lockManager?: { opts: typeof lock; closed?: boolean; lockRenewalTimer?: unknown; startLockExtenderTimer?: () => void } }).lockManager;
  if (!manager) throw new Error(`BullMQ's worker has no lockManager: WORKER_LOCK_DURATION cannot be applied (was bullmq upgraded?)`);
  Object.assign(manager.opts, lock);
  if (manager.lockRenewalTimer !== undefined && !manager.closed) manager.startLockExtenderTimer?.();
}

/**
 * Resolves once each of `worker`'s Redis connections that is on its way back is ready.
 * BullMQ cannot close a worker whose blocking connection is reconnecting: it asks ioredis to
 * disconnect and waits for an 'end' event that a client with no socket never emits
 * (taskforcesh/bullmq#4656), so a SIGTERM during a Redis outage left shutdown hanging for
 * good, even once Redis was back. Closed after this, the worker waits for Redis instead, and
 * the grace period (SHUTDOWN_GRACE) still ends a process whose Redis never comes back.
 */
async function untilConnected(worker: Worker): Promise<void> {
  const blocking = (worker as unknown as { blockingConnection?: { client: Promise<RedisClient> } }).blockingConnection;
  const clients = await Promise.all([worker.client, ...(blocking ? [blocking.client] : [])]);
  await Promise.all(
    clients.map((client) =>
      ['connecting', 'connect', 'reconnecting'].includes(client.status) ? new Promise<void>((resolve) => client.once('ready', () => resolve())) : undefined,
    ),
  );
}

/**
 * The workers running in this process: their health, and their orderly stop. On shutdown
 * they are closed first (onModuleDestroy, the first phase), which waits for the jobs under
 * way; only then do the database pool and Redis clients close (onApplicationShutdown), so
 * a job finishing its work still has both.
 */
@Injectable()
export class LocalWorkers implements OnModuleDestroy {
  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(SERVED_QUEUES) private readonly queues: QueueName[],
  ) {}

  async onModuleDestroy(): Promise<void> {
    await Promise.all(
      this.queues.map(async (queue) => {
        const { worker } = this.moduleRef.get(PROCESSORS[queue], { strict: false });
        await untilConnected(worker);
        await worker.close();
      }),
    );
  }

  /** Queues whose worker in this process has no working Redis connection, and its state. */
  async disconnected(): Promise<{ queue: QueueName; state: string }[]> {
    const out: { queue: QueueName; state: string }[] = [];
    for (const queue of this.queues) {
      const { worker } = this.moduleRef.get(PROCESSORS[queue], { strict: false });
      const state = await Promise.race([worker.client.then((c) => c.status), new Promise<string>((r) => setTimeout(() => r('connecting'), 500).unref())]);
      if (state !== 'ready') out.push({ queue, state });
    }
    return out;
  }
}

/**
 * The BullMQ workers of one process: only the processors of the queues it serves
 * (WORKER_QUEUES), plus the outbox sweep, the nightly refund reconciliation, the watch that
 * puts back the jobs a restarted Redis lost and, where the
 * server has no autovacuum, the tables' upkeep (each run by one process at a time). Expects the config, database and queue modules
 * from its importer.
 */
@Module({})
export class WorkersModule {
  static register(queues: readonly QueueName[]): DynamicModule {
    return {
      module: WorkersModule,
      imports: [IntakeModule, LogisticsModule, InspectionModule, RefundModule, NotificationModule],
      providers: [
        ...queues.map((queue) => PROCESSORS[queue]),
        { provide: SERVED_QUEUES, useValue: [...queues] },
        WorkerTuning,
        WorkerHeartbeat,
        OutboxSweeper,
        TableUpkeep,
        WaitingListRepair,
        RefundReconciler,
        AllStagesOwedWork,
        RedisRestartWatch,
        LocalWorkers,
      ],
      exports: [LocalWorkers],
    };
  }
}
