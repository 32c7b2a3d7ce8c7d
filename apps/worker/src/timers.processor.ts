import { Logger } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { DeadlineNotDue } from '@returns/case';
import { DeadlineKind, JobName, JobPayload, QueueName } from '@returns/contracts';
import { IntakeService } from '@returns/intake';
import { InspectionService } from '@returns/inspection';
import { LogisticsService } from '@returns/logistics';
import { FeedbackService } from '@returns/refund';

/**
 * Per-case deadlines, as delayed jobs. Each hands the case to the stage that owns the
 * deadline, which acts only if the case is still waiting and its deadline has passed. A
 * timer that runs early (a replay, a job promoted by hand) goes back to waiting, as the same
 * job, until the deadline the case records.
 */
@Processor(QueueName.Timers)
export class TimersProcessor extends WorkerHost {
  private readonly logger = new Logger(TimersProcessor.name);

  constructor(
    private readonly intake: IntakeService,
    private readonly logistics: LogisticsService,
    private readonly inspection: InspectionService,
    private readonly feedback: FeedbackService,
  ) {
    super();
  }

  async process(job: Job, token?: string): Promise<void> {
    if ((job.name as JobName) !== JobName.CaseDeadline) throw new Error(`timers queue has no handler for job ${job.name}`);
    const { caseId, kind } = job.data as JobPayload<JobName.CaseDeadline>;
    const handlers: Record<DeadlineKind, (id: string) => Promise<boolean>> = {
      review: (id) => this.intake.onReviewDeadline(id),
      'review-reminder': (id) => this.intake.onReviewReminder(id),
      'ship-back': (id) => this.logistics.onShipBackDeadline(id),
      receipt: (id) => this.logistics.onReceiptDeadline(id),
      inspection: (id) => this.inspection.onInspectionDeadline(id),
      completion: (id) => this.feedback.onCompletionDeadline(id),
    };
    try {
      const acted = await handlers[kind](caseId);
      if (acted) this.logger.log(`${kind} deadline acted on case ${caseId}`);
    } catch (error) {
      if (!(error instanceof DeadlineNotDue)) throw error;
      this.logger.warn(`${kind} timer of case ${caseId} ran early: it waits until ${error.dueAt.toISOString()}`);
      await job.moveToDelayed(error.dueAt.getTime(), token);
      throw new DelayedError();
    }
  }
}
