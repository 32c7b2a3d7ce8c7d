import { Body, Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { QueueName } from '@returns/contracts';
import { BatchStatsPublisher, JobRecovery, QueueStatsService, RecoveryReport, redisUnavailable } from '@returns/queue';
import { Public, Roles } from '../auth/roles.decorator';
import { badRequest, notFound } from '@returns/case';
import { IntakeMetrics } from '../returns/intake-metrics';
import { EventLoopMetrics } from './event-loop-metrics';
import { AllStagesOwedWork } from '@returns/recovery';
import { countWaiting } from '@returns/intake';
import { databaseUnavailable } from '@returns/database';
import { instantOf } from '../http/instant';
import { FailedJobsQuery } from './failed-jobs.query';
import { RecoveryRequestDto } from './recovery.dto';

/** How far back recovery looks when not told. */
const RECOVERY_DEFAULT_MS = 24 * 3_600_000;

@ApiTags('admin')
@Controller()
export class AdminController {
  constructor(
    private readonly queues: QueueStatsService,
    private readonly batchStats: BatchStatsPublisher,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly intake: IntakeMetrics,
    private readonly eventLoop: EventLoopMetrics,
    private readonly recovery: JobRecovery,
    private readonly owed: AllStagesOwedWork,
  ) {}

  private queue(name: string): QueueName {
    if (!this.queues.isQueue(name)) throw notFound('QUEUE_NOT_FOUND', `no queue named ${name}`);
    return name;
  }

  @Get('v1/admin/queues')
  @ApiBearerAuth()
  @Roles('admin')
  @ApiOperation({ summary: 'Per queue: waiting (incl. prioritized), active, delayed, failed, completed, paused, workers, throughputPerMin.' })
  async list() {
    return { items: await this.queues.all() };
  }

  @Get('v1/admin/queues/:name/failed')
  @ApiBearerAuth()
  @Roles('admin')
  @ApiOperation({ summary: "The newest jobs of a queue's failed set (limit, default 20, at most 100) with why each failed, and how many there are: read before a redrive." })
  async failed(@Param('name') name: string, @Query() query: FailedJobsQuery) {
    const queue = this.queue(name);
    return { queue, ...(await this.queues.failed(queue, query.limit ?? 20)) };
  }

  @Post('v1/admin/queues/:name/pause')
  @HttpCode(200)
  @ApiBearerAuth()
  @Roles('admin')
  async pause(@Param('name') name: string) {
    await this.queues.pause(this.queue(name));
    return this.queues.stats(this.queue(name));
  }

  @Post('v1/admin/queues/:name/resume')
  @HttpCode(200)
  @ApiBearerAuth()
  @Roles('admin')
  async resume(@Param('name') name: string) {
    await this.queues.resume(this.queue(name));
    return this.queues.stats(this.queue(name));
  }

  @Post('v1/admin/queues/:name/retry-failed')
  @HttpCode(202)
  @ApiBearerAuth()
  @Roles('admin')
  @ApiOperation({ summary: 'Redrive: every failed job of the queue back to waiting.' })
  async retryFailed(@Param('name') name: string) {
    const retried = await this.queues.retryFailed(this.queue(name));
    return { retried, queue: await this.queues.stats(this.queue(name)) };
  }

  @Post('v1/admin/recovery')
  @HttpCode(200)
  @ApiBearerAuth()
  @Roles('admin')
  @ApiOperation({
    summary:
      'After Redis lost writes (a crash under appendfsync everysec, a failover, a flush): adds again the jobs Redis no longer has ' +
      'that requests and cases changed since `since` are waiting on (judging, booking, grading, refund payment, sending back, an exchange\'s replacement, ' +
      "every deadline timer, the customer's messages not yet told, the webhooks not yet taken). " +
      'Jobs still in Redis, and failed ones (retry-failed), are left as they are.',
  })
  async recover(@Body() body: RecoveryRequestDto): Promise<RecoveryReport> {
    const since = body.since ? instantOf(body.since, 'since') : new Date(Date.now() - RECOVERY_DEFAULT_MS);
    if (since.getTime() > Date.now()) throw badRequest(['since must not be in the future'], 'SINCE_IN_FUTURE');
    return this.recovery.recover(since, this.owed);
  }

  /**
   * Prometheus text: queue depths by state (what KEDA scales workers on), cases by status, batching, the last refund reconciliation, and this process's intake answers and event-loop delay.
   * While Redis is down it still answers, without the queues and batches and with `returns_redis_up 0`; while PostgreSQL is away,
   * without the cases, the waiting requests and the reconciliation and with `returns_database_up 0`: an outage is when the rest is watched most.
   */
  @Get('metrics')
  @Public()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    // This process's own figures first, so a scrape always counts them.
    await this.batchStats.publish();
    let redisUp = true;
    const unlessRedisDown = (error: unknown): undefined => {
      if (!redisUnavailable(error)) throw error;
      redisUp = false;
      return undefined;
    };
    let databaseUp = true;
    const unlessDatabaseDown = (error: unknown): undefined => {
      if (!databaseUnavailable(error)) throw error;
      databaseUp = false;
      return undefined;
    };
    const [queues = [], cases = [], waiting, batches = {}, [reconciled] = []] = await Promise.all([
      this.queues.all().catch(unlessRedisDown),
      (this.dataSource.query(`SELECT status, count(*)::int AS n FROM return_cases GROUP BY status`) as Promise<{ status: string; n: number }[]>).catch(unlessDatabaseDown),
      countWaiting(this.dataSource).catch(unlessDatabaseDown),
      this.batchStats.cluster().catch(unlessRedisDown),
      (
        this.dataSource.query(
          `SELECT floor(extract(epoch FROM finished_at))::bigint AS at, settled, jsonb_array_length(discrepancies) AS discrepancies, unreached
             FROM refund_reconciliations WHERE finished_at IS NOT NULL ORDER BY started_at DESC LIMIT 1`,
        ) as Promise<{ at: string; settled: number; discrepancies: number; unreached: number }[]>
      ).catch(unlessDatabaseDown),
    ]);
    const stages = Object.entries(batches).sort(([a], [b]) => a.localeCompare(b));
    const lines = [
      '# HELP returns_redis_up 1 when Redis answered this scrape; 0 when it did not, and the queue and batch figures are missing.',
      '# TYPE returns_redis_up gauge',
      `returns_redis_up ${redisUp ? 1 : 0}`,
      '# HELP returns_database_up 1 when PostgreSQL answered this scrape; 0 when it did not, and the cases, waiting requests and reconciliation figures are missing.',
      '# TYPE returns_database_up gauge',
      `returns_database_up ${databaseUp ? 1 : 0}`,
      '# HELP returns_queue_jobs Jobs in each BullMQ queue by state.',
      '# TYPE returns_queue_jobs gauge',
      ...queues.flatMap((q) =>
        (['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const).map((state) => {
          // `waiting` here is the wait list alone, so waiting + prioritized is the backlog.
          const value = state === 'waiting' ? q.waiting - q.prioritized : q[state];
          return `returns_queue_jobs{queue="${q.name}",state="${state}"} ${value}`;
        }),
      ),
      ...(waiting === undefined
        ? []
        : [
            "# HELP returns_intake_waiting_requests Returns accepted (202) and not yet judged, but those held for their order's delivery (DELIVERY_GRACE): the backlog INTAKE_HIGH_WATER is measured against. A job of the intake queue holds a whole intake batch of them.",
            '# TYPE returns_intake_waiting_requests gauge',
            `returns_intake_waiting_requests ${waiting}`,
          ]),
      '# HELP returns_queue_workers Worker connections serving each queue.',
      '# TYPE returns_queue_workers gauge',
      ...queues.map((q) => `returns_queue_workers{queue="${q.name}"} ${q.workers}`),
      '# HELP returns_queue_paused 1 when the queue is paused.',
      '# TYPE returns_queue_paused gauge',
      ...queues.map((q) => `returns_queue_paused{queue="${q.name}"} ${q.paused ? 1 : 0}`),
      '# HELP returns_cases Return cases by status.',
      '# TYPE returns_cases gauge',
      ...cases.map((c) => `returns_cases{status="${c.status}"} ${c.n}`),
      '# HELP returns_batches_total Batches written together (intake requests; judge, booking, notification jobs) by every process, kept in Redis: it never goes down when a process stops.',
      '# TYPE returns_batches_total counter',
      ...stages.map(([stage, t]) => `returns_batches_total{stage="${stage}"} ${t.batches}`),
      '# HELP returns_batch_items_total Requests or jobs in those batches: divided by returns_batches_total, the mean batch size.',
      '# TYPE returns_batch_items_total counter',
      ...stages.map(([stage, t]) => `returns_batch_items_total{stage="${stage}"} ${t.items}`),
      '# HELP returns_batch_retried_items_total Items tried again alone because their batch failed.',
      '# TYPE returns_batch_retried_items_total counter',
      ...stages.map(([stage, t]) => `returns_batch_retried_items_total{stage="${stage}"} ${t.retried}`),
      ...(reconciled
        ? [
            '# HELP returns_refund_reconciliation_finished_seconds When the last refund reconciliation finished (Unix time): alert when it is over a day old.',
            '# TYPE returns_refund_reconciliation_finished_seconds gauge',
            `returns_refund_reconciliation_finished_seconds ${reconciled.at}`,
            '# HELP returns_refund_reconciliation_refunds What the last reconciliation found: discrepancies for finance, refunds it settled, refunds it could not compare.',
            '# TYPE returns_refund_reconciliation_refunds gauge',
            `returns_refund_reconciliation_refunds{outcome="discrepancy"} ${reconciled.discrepancies}`,
            `returns_refund_reconciliation_refunds{outcome="settled"} ${reconciled.settled}`,
            `returns_refund_reconciliation_refunds{outcome="unreached"} ${reconciled.unreached}`,
          ]
        : []),
      ...this.intake.lines(),
      ...this.eventLoop.lines(),
    ];
    return `${lines.join('\n')}\n`;
  }
}
