import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { RefundReconciliation } from './reconciliation.service';

/**
 * Runs the refund reconciliation on its schedule (RECONCILIATION_CRON) in every worker
 * process, whatever queues it serves (a deployment may scale its refund workers to zero at
 * night); the run's advisory lock lets one of them do it.
 */
@Injectable()
export class RefundReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger(RefundReconciler.name);

  constructor(
    private readonly reconciliation: RefundReconciliation,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { cron, timeZone } = this.config.reconciliation;
    let job: CronJob;
    try {
      job = CronJob.from({ cronTime: cron, timeZone, onTick: () => this.tick(), waitForCompletion: true });
    } catch (error) {
      throw new Error(`RECONCILIATION_CRON "${cron}" in ${timeZone} is not a schedule: ${(error as Error).message}`);
    }
    this.scheduler.addCronJob('refund-reconciliation', job);
    job.start();
  }

  private async tick(): Promise<void> {
    try {
      if (!(await this.reconciliation.run('schedule'))) this.logger.log('refund reconciliation skipped: another process is running it');
    } catch (error) {
      this.logger.warn(`refund reconciliation failed: ${(error as Error).message}`);
    }
  }
}
