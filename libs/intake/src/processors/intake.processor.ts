import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobName, JobPayload, QueueName } from '@returns/contracts';
import { IntakeService } from '../intake.service';

@Processor(QueueName.Intake)
export class IntakeProcessor extends WorkerHost {
  constructor(private readonly intake: IntakeService) {
    super();
  }

  async process(job: Job): Promise<void> {
    switch (job.name as JobName) {
      case JobName.JudgeReturn: {
        const { caseId, graceOver } = job.data as JobPayload<JobName.JudgeReturn>;
        return this.intake.judge(caseId, graceOver === true);
      }
      case JobName.JudgeReturns:
        await this.intake.judgeAll((job.data as JobPayload<JobName.JudgeReturns>).caseIds, job.opts.priority);
        return;
      default:
        throw new Error(`intake queue has no handler for job ${job.name}`);
    }
  }
}
