import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobName, JobPayload, QueueName } from '@returns/contracts';
import { WebhookService } from '../webhook.service';

@Processor(QueueName.Webhooks)
export class WebhookProcessor extends WorkerHost {
  constructor(private readonly webhooks: WebhookService) {
    super();
  }

  async process(job: Job): Promise<void> {
    switch (job.name as JobName) {
      case JobName.DeliverWebhook: {
        const { caseId, type, round } = job.data as JobPayload<JobName.DeliverWebhook>;
        return this.webhooks.deliver(caseId, type, new Date(job.timestamp), round);
      }
      default:
        throw new Error(`webhooks queue has no handler for job ${job.name}`);
    }
  }
}
