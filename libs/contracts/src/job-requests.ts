import { CustomerMessage } from './domain';
import { DeadlineKind, JobName, JobRequest, WebhookEventType } from './queues';

/**
 * Builders of every job request, with their deterministic ids `<queue>:<subject>:<step>`.
 * Adding the same request twice adds one job.
 */
/**
 * The id of the `judge-returns` job whose first request is the one in place of `%s` (for
 * PostgreSQL's `format()` too: intake records these jobs in SQL). Each request is in one
 * batch only, so the first request names its batch.
 */
export const JUDGE_RETURNS_JOB_ID = 'intake:%s:judge-batch';

/**
 * The key a case's customer message or webhook event is kept under, once per case: its name,
 * and for a moment that comes again (a refund that fails again after finance retried it) the
 * round, `refund.failed#2`. The first round's key is the name alone, as before rounds were told.
 */
export function momentKey(name: string, round = 1): string {
  return round > 1 ? `${name}#${round}` : name;
}

/** The name and round a `momentKey` was made of. */
export function momentOf<N extends string>(key: string): { name: N; round: number } {
  const at = key.lastIndexOf('#');
  return at < 0 ? { name: key as N, round: 1 } : { name: key.slice(0, at) as N, round: Number(key.slice(at + 1)) };
}

export const Jobs = {
  /**
   * Judges the requests of one intake batch of one priority, in the order they came; the
   * batch is named for its first request (`batch`: that id, when it is not the first of
   * `caseIds`, e.g. when recovery adds the job again for the requests still unjudged).
   */
  judgeReturns: (caseIds: string[], priority?: number, batch = caseIds[0]): JobRequest<JobName.JudgeReturns> => ({
    name: JobName.JudgeReturns,
    data: { caseIds },
    jobId: JUDGE_RETURNS_JOB_ID.replace('%s', batch),
    priority,
  }),
  judgeReturn: (caseId: string, priority?: number): JobRequest<JobName.JudgeReturn> => ({
    name: JobName.JudgeReturn,
    data: { caseId },
    jobId: `intake:${caseId}:judge`,
    priority,
  }),
  /**
   * Judges a request held for its order's delivery (DELIVERY_GRACE) once the grace is over,
   * or sooner, promoted, when the delivery comes.
   */
  judgeAfterDeliveryGrace: (caseId: string, delayMs: number, priority?: number): JobRequest<JobName.JudgeReturn> => ({
    name: JobName.JudgeReturn,
    data: { caseId, graceOver: true },
    jobId: `intake:${caseId}:judge-after-delivery-grace`,
    delayMs,
    priority,
  }),
  bookShipment: (caseId: string, priority?: number): JobRequest<JobName.BookShipment> => ({
    name: JobName.BookShipment,
    data: { caseId },
    jobId: `logistics:${caseId}:book`,
    priority,
  }),
  cancelShipment: (caseId: string): JobRequest<JobName.CancelShipment> => ({
    name: JobName.CancelShipment,
    data: { caseId },
    jobId: `logistics:${caseId}:cancel`,
  }),
  shipReplacement: (caseId: string, priority?: number): JobRequest<JobName.ShipReplacement> => ({
    name: JobName.ShipReplacement,
    data: { caseId },
    jobId: `logistics:${caseId}:replacement`,
    priority,
  }),
  applyTracking: (trackingEventId: string): JobRequest<JobName.ApplyTracking> => ({
    name: JobName.ApplyTracking,
    data: { trackingEventId },
    jobId: `logistics:${trackingEventId}:track`,
  }),
  sendBack: (caseId: string, priority?: number): JobRequest<JobName.SendBack> => ({
    name: JobName.SendBack,
    data: { caseId },
    jobId: `logistics:${caseId}:send-back`,
    priority,
  }),
  gradeInspection: (caseId: string, priority?: number): JobRequest<JobName.GradeInspection> => ({
    name: JobName.GradeInspection,
    data: { caseId },
    jobId: `inspection:${caseId}:grade`,
    priority,
  }),
  /** `round` grows with each finance-ordered retry of a failed refund. */
  issueRefund: (caseId: string, round = 1, priority?: number): JobRequest<JobName.IssueRefund> => ({
    name: JobName.IssueRefund,
    data: { caseId },
    jobId: `refund:${caseId}:issue-${round}`,
    priority,
  }),
  /** `round`: for a moment told again in a later round (`momentKey`), which one. */
  notify: (caseId: string, message: CustomerMessage, params?: Record<string, string>, priority?: number, round = 1): JobRequest<JobName.SendNotification> => ({
    name: JobName.SendNotification,
    data: round > 1 ? { caseId, message, params, round } : { caseId, message, params },
    jobId: `notification:${caseId}:${momentKey(message, round)}`,
    priority,
  }),
  webhook: (caseId: string, type: WebhookEventType, round = 1): JobRequest<JobName.DeliverWebhook> => ({
    name: JobName.DeliverWebhook,
    data: round > 1 ? { caseId, type, round } : { caseId, type },
    jobId: `webhooks:${caseId}:${momentKey(type, round)}`,
  }),
  deadline: (caseId: string, kind: DeadlineKind, delayMs: number): JobRequest<JobName.CaseDeadline> => ({
    name: JobName.CaseDeadline,
    data: { caseId, kind },
    jobId: `timers:${caseId}:${kind}`,
    delayMs,
  }),
};
