import { Injectable } from '@nestjs/common';
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
  ) {
    this.stages = [intake, logistics, inspection, refunds, feedback, notifications, webhooks];
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
