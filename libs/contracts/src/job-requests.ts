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
  notify: (caseId: string, message: CustomerMessage, params?: Record<string, string>, priority?: number): JobRequest<JobName.SendNotification> => ({
    name: JobName.SendNotification,
    data: { caseId, message, params },
    jobId: `notification:${caseId}:${message}`,
    priority,
  }),
  webhook: (caseId: string, type: WebhookEventType): JobRequest<JobName.DeliverWebhook> => ({
    name: JobName.DeliverWebhook,
    data: { caseId, type },
    jobId: `webhooks:${caseId}:${type}`,
  }),
  deadline: (caseId: string, kind: DeadlineKind, delayMs: number): JobRequest<JobName.CaseDeadline> => ({
    name: JobName.CaseDeadline,
    data: { caseId, kind },
    jobId: `timers:${caseId}:${kind}`,
    delayMs,
  }),
};
