import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobName, JobPayload, QueueName } from '@returns/contracts';
import { RefundService } from '../refund.service';

@Processor(QueueName.Refund)
export class RefundProcessor extends WorkerHost {
  constructor(private readonly refunds: RefundService) {
    super();
  }

  async process(job: Job): Promise<void> {
    switch (job.name as JobName) {
      case JobName.IssueRefund: {
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        return this.refunds.issue((job.data as JobPayload<JobName.IssueRefund>).caseId, lastAttempt);
      }
      default:
        throw new Error(`refund queue has no handler for job ${job.name}`);
    }
  }
}
