import { Injectable, Logger } from '@nestjs/common';
import { JobName, JobRequest, QUEUE_OF } from '@returns/contracts';
import { JobProducer } from './job-producer.service';

/**
 * The jobs a stage owes the cases waiting on it, for `JobRecovery`: each stage answers for
 * its own statuses (a buffered request is owed its judging, an approved return its booking,
 * a pending refund its payment, a waiting case its deadline timer, a decided one the
 * customer's message of it), built with the same builders, so with the same deterministic
 * ids and payloads, as when the work was first handed on. Each reads its own tables, by
 * status and last change: on a table of millions that takes seconds, and it runs only after
 * an incident.
 */
export interface OwedWork {
  /** the jobs owed to cases and requests last changed at or after `since` */
  owedSince(since: Date): Promise<JobRequest[]>;
}

/** What a recovery found, by job name and in all. */
export interface RecoveryReport {
  since: string;
  /** jobs owed to the cases looked at */
  owed: number;
  /** owed jobs Redis still had, waiting, delayed, active or done: left as they are */
  present: number;
  /** owed jobs in a failed set: left for `retry-failed`, whose decision it is */
  failed: number;
  /** owed jobs Redis no longer had, added again */
  requeued: number;
  byJob: Partial<Record<JobName, { owed: number; requeued: number }>>;
}

/** Job states looked up at once. */
const CHUNK = 500;

/**
 * Puts back the jobs Redis lost. The outbox covers a producer that dies before its add
 * reaches Redis; once the add has, its row is gone, and Redis is the only record of the job.
 * A Redis that loses its last writes (a crash under `appendfsync everysec`, a failover to a
 * replica that lagged, a flush by mistake) or a failed job aged out of retention leaves a
 * case waiting for work no worker will do. Recovery asks every stage what it owes the cases
 * it is waiting on, looks each job up, and adds those Redis does not have. The ids are the
 * deterministic ones, so a job added meanwhile by its stage is not added twice, and the
 * handlers are idempotent anyway.
 */
@Injectable()
export class JobRecovery {
  private readonly logger = new Logger(JobRecovery.name);

  constructor(private readonly producer: JobProducer) {}

  async recover(since: Date, stages: OwedWork): Promise<RecoveryReport> {
    // One of each id: two stages, or two rows of one, may owe the same job; the first says it fullest.
    const byId = new Map<string, JobRequest>();
    for (const job of await stages.owedSince(since)) if (!byId.has(job.jobId)) byId.set(job.jobId, job);
    const owed = [...byId.values()];
    const report: RecoveryReport = { since: since.toISOString(), owed: owed.length, present: 0, failed: 0, requeued: 0, byJob: {} };
    for (const job of owed) (report.byJob[job.name] ??= { owed: 0, requeued: 0 }).owed++;
    for (let i = 0; i < owed.length; i += CHUNK) {
      const chunk = owed.slice(i, i + CHUNK);
      const states = await Promise.all(chunk.map((job) => this.producer.queue(QUEUE_OF[job.name]).getJobState(job.jobId)));
      const missing = chunk.filter((_, n) => states[n] === 'unknown');
      const failed = states.filter((state) => state === 'failed').length;
      report.failed += failed;
      report.present += chunk.length - missing.length - failed;
      if (!missing.length) continue;
      await this.producer.addMany(missing);
      report.requeued += missing.length;
      for (const job of missing) report.byJob[job.name]!.requeued++;
    }
    const line = `recovery since ${report.since}: ${report.owed} job(s) owed, ${report.requeued} requeued, ${report.failed} in a failed set`;
    if (report.requeued) this.logger.warn(line);
    else this.logger.log(line);
    return report;
  }
}
