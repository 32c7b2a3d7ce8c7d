import { JobsOptions } from 'bullmq';
import { JobName, JobRequest } from '@returns/contracts';

/**
 * The one place that decides attempts, backoff and retention of every job.
 * Completed jobs are kept long enough that a replayed add with the same
 * deterministic id is a no-op, and bounded so Redis does not grow with history.
 *
 * Retention is a worker option (every worker applies it when a job finishes), not a
 * job option: stored with each of a surge's buffered jobs it cost ~100 bytes of Redis
 * apiece. A job added with its own retention (by an earlier version) keeps it.
 */
export const JOB_RETENTION: Required<Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>> = {
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 100_000 },
};

const ATTEMPTS: Record<JobName, { attempts: number; backoffMs: number }> = {
  [JobName.JudgeReturn]: { attempts: 8, backoffMs: 1_000 },
  [JobName.JudgeReturns]: { attempts: 8, backoffMs: 1_000 },
  [JobName.BookShipment]: { attempts: 10, backoffMs: 2_000 },
  [JobName.CancelShipment]: { attempts: 10, backoffMs: 2_000 },
  [JobName.SendBack]: { attempts: 10, backoffMs: 2_000 },
  [JobName.ShipReplacement]: { attempts: 10, backoffMs: 2_000 },
  [JobName.ApplyTracking]: { attempts: 8, backoffMs: 1_000 },
  [JobName.GradeInspection]: { attempts: 8, backoffMs: 1_000 },
  // The gateway is called with the same idempotency key on every attempt.
  [JobName.IssueRefund]: { attempts: 8, backoffMs: 5_000 },
  [JobName.SendNotification]: { attempts: 10, backoffMs: 2_000 },
  [JobName.DeliverWebhook]: { attempts: 12, backoffMs: 5_000 },
  [JobName.CaseDeadline]: { attempts: 8, backoffMs: 5_000 },
};

export function jobOptions(request: JobRequest): JobsOptions {
  const { attempts, backoffMs } = ATTEMPTS[request.name];
  return {
    jobId: request.jobId,
    attempts,
    // Jitter spreads retries of a provider outage so they do not return as one wave.
    backoff: { type: 'exponential', delay: backoffMs, jitter: 0.5 },
    delay: request.delayMs && request.delayMs > 0 ? request.delayMs : undefined,
    priority: request.priority,
  };
}
