import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobName, JobPayload, QueueName } from '@returns/contracts';
import { LogisticsService } from '../logistics.service';

@Processor(QueueName.Logistics)
export class LogisticsProcessor extends WorkerHost {
  constructor(private readonly logistics: LogisticsService) {
    super();
  }

  async process(job: Job): Promise<void> {
    switch (job.name as JobName) {
      case JobName.BookShipment:
        // attemptsStarted counts the runs a dead worker never finished too.
        return this.logistics.book((job.data as JobPayload<JobName.BookShipment>).caseId, job.attemptsStarted > 1 || job.attemptsMade > 0);
      case JobName.CancelShipment:
        return this.logistics.cancelBooking((job.data as JobPayload<JobName.CancelShipment>).caseId);
      case JobName.SendBack:
        return this.logistics.sendBack((job.data as JobPayload<JobName.SendBack>).caseId);
      case JobName.ShipReplacement:
        return this.logistics.shipReplacement((job.data as JobPayload<JobName.ShipReplacement>).caseId);
      case JobName.ApplyTracking:
        return this.logistics.applyTracking((job.data as JobPayload<JobName.ApplyTracking>).trackingEventId);
      default:
        throw new Error(`logistics queue has no handler for job ${job.name}`);
    }
  }
}
