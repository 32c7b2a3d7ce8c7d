import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { JobRequest } from '@returns/contracts';
import { InspectionService } from '@returns/inspection';
import { IntakeService } from '@returns/intake';
import { LogisticsService } from '@returns/logistics';
import { NotificationService, WebhookService } from '@returns/notification';
import { OwedWork } from '@returns/queue';
import { FeedbackService, RefundService } from '@returns/refund';

/**
 * What every stage owes the requests and cases waiting on it (`JobRecovery`): the one place
 * that knows all of them, for the admin's recovery and the workers' watch on Redis restarts.
 */
@Injectable()
export class AllStagesOwedWork implements OwedWork {
  private readonly stages: OwedWork[];

  constructor(
    intake: IntakeService,
    logistics: LogisticsService,
    inspection: InspectionService,
    refunds: RefundService,
    feedback: FeedbackService,
    private readonly notifications: NotificationService,
    private readonly webhooks: WebhookService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.stages = [intake, logistics, inspection, refunds, feedback, notifications, webhooks];
  }

  /**
   * The longest a request or case can wait on one of its timers without changing: the longest
   * deadline (or delivery grace) configured. A Redis that lost every timer lost those of cases
   * changed that long ago.
   */
  longestWaitMs(): number {
    const { reviewMs, shipBackMs, receiptMs, inspectionMs, completionMs, deliveryGraceMs } = this.config.deadlines;
    return Math.max(reviewMs, shipBackMs, receiptMs, inspectionMs, completionMs, deliveryGraceMs);
  }

  /**
   * Each stage's, less the messages the notification stage has already told and the webhooks
   * every endpoint has taken (their own records).
   */
  async owedSince(since: Date): Promise<JobRequest[]> {
    const owed = (await Promise.all(this.stages.map((stage) => stage.owedSince(since)))).flat();
    return this.webhooks.notYetDelivered(await this.notifications.notYetTold(owed));
  }
}
