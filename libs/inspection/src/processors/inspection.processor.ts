import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobName, JobPayload, QueueName } from '@returns/contracts';
import { InspectionService } from '../inspection.service';

@Processor(QueueName.Inspection)
export class InspectionProcessor extends WorkerHost {
  constructor(private readonly inspection: InspectionService) {
    super();
  }

  async process(job: Job): Promise<void> {
    switch (job.name as JobName) {
      case JobName.GradeInspection:
        return this.inspection.grade((job.data as JobPayload<JobName.GradeInspection>).caseId);
      default:
        throw new Error(`inspection queue has no handler for job ${job.name}`);
    }
  }
}
