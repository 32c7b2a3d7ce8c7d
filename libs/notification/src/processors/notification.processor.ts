import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobName, JobPayload, QueueName } from '@returns/contracts';
import { NotificationService } from '../notification.service';

@Processor(QueueName.Notification)
export class NotificationProcessor extends WorkerHost {
  constructor(private readonly notifications: NotificationService) {
    super();
  }

  async process(job: Job): Promise<void> {
    switch (job.name as JobName) {
      case JobName.SendNotification: {
        const { caseId, message, params, round } = job.data as JobPayload<JobName.SendNotification>;
        return this.notifications.send(caseId, message, params, job.attemptsMade + 1 >= (job.opts.attempts ?? 1), round);
      }
      default:
        throw new Error(`notification queue has no handler for job ${job.name}`);
    }
  }
}
