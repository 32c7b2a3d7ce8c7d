import { CustomerMessage } from './domain';

/**
 * Queue and job names, and the payload each job carries.
 *
 * NEVER rename a value here once shipped: jobs waiting in Redis under the old
 * name would be stranded. Payloads carry ids only; handlers reload the truth
 * from PostgreSQL.
 */

export enum QueueName {
  Intake = 'intake',
  Logistics = 'logistics',
  Inspection = 'inspection',
  Refund = 'refund',
  Notification = 'notification',
  Webhooks = 'webhooks',
  Timers = 'timers',
}

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);

export enum JobName {
  /** Judge a buffered return request against the policy and open the case. */
  JudgeReturn = 'judge-return',
  /**
   * Judge the buffered requests that arrived together (one intake batch, one priority):
   * what `POST /v1/returns` enqueues. A request of it that cannot be judged gets a
   * `judge-return` job of its own, with its own attempts and place in the failed set.
   */
  JudgeReturns = 'judge-returns',
  /** Book a carrier label or door pickup for an approved case. */
  BookShipment = 'book-shipment',
  /** Cancel the carrier booking of a case that was cancelled or closed before shipping. */
  CancelShipment = 'cancel-shipment',
  /** Send an item that failed inspection back to its customer. */
  SendBack = 'send-back',
  /** Ship the replacement of an exchange whose returned units passed inspection. */
  ShipReplacement = 'ship-replacement',
  /** Apply one stored carrier tracking event to its case. */
  ApplyTracking = 'apply-tracking',
  /** Grade a submitted warehouse inspection and decide dispositions. */
  GradeInspection = 'grade-inspection',
  /** Work out a case's refund and pay it through the payment gateway. */
  IssueRefund = 'issue-refund',
  /** Tell the customer about one moment of their case, on each channel they have. */
  SendNotification = 'send-notification',
  /** Deliver one outbound webhook event to every configured endpoint. */
  DeliverWebhook = 'deliver-webhook',
  /** A per-case deadline fired; acts only if the case is still waiting. */
  CaseDeadline = 'case-deadline',
}

/** `review-reminder` fires before `review` to remind the agents. */
export type DeadlineKind = 'review' | 'review-reminder' | 'ship-back' | 'receipt' | 'inspection' | 'completion';

/** Payload of each job, by job name. */
export interface JobPayloads {
  [JobName.JudgeReturn]: {
    caseId: string;
    /** the end of a request's DELIVERY_GRACE: it is judged now, delivered or not */
    graceOver?: boolean;
  };
  [JobName.JudgeReturns]: { caseIds: string[] };
  [JobName.BookShipment]: { caseId: string };
  [JobName.CancelShipment]: { caseId: string };
  [JobName.ApplyTracking]: { trackingEventId: string };
  [JobName.SendBack]: { caseId: string };
  [JobName.ShipReplacement]: { caseId: string };
  [JobName.GradeInspection]: { caseId: string };
  [JobName.IssueRefund]: { caseId: string };
  [JobName.SendNotification]: {
    caseId: string;
    message: CustomerMessage;
    /** Facts of the moment for the message text (carrier, tracking number, amount in major units), owned by the stage that told it. */
    params?: Record<string, string>;
    /** Which time a moment that can come again is told: the refund round that failed (`momentKey`); 1 when absent. */
    round?: number;
  };
  [JobName.DeliverWebhook]: {
    caseId: string;
    type: WebhookEventType;
    /** as for a customer message: the refund round of a `refund.failed`; 1 when absent */
    round?: number;
  };
  [JobName.CaseDeadline]: { caseId: string; kind: DeadlineKind };
}

/** Which queue each job runs on. */
export const QUEUE_OF: { [J in JobName]: QueueName } = {
  [JobName.JudgeReturn]: QueueName.Intake,
  [JobName.JudgeReturns]: QueueName.Intake,
  [JobName.BookShipment]: QueueName.Logistics,
  [JobName.CancelShipment]: QueueName.Logistics,
  [JobName.ApplyTracking]: QueueName.Logistics,
  [JobName.SendBack]: QueueName.Logistics,
  [JobName.ShipReplacement]: QueueName.Logistics,
  [JobName.GradeInspection]: QueueName.Inspection,
  [JobName.IssueRefund]: QueueName.Refund,
  [JobName.SendNotification]: QueueName.Notification,
  [JobName.DeliverWebhook]: QueueName.Webhooks,
  [JobName.CaseDeadline]: QueueName.Timers,
};

export type JobPayload<J extends JobName> = JobPayloads[J];

/** A job to enqueue, as recorded in the outbox inside a stage's transaction. */
export interface JobRequest<J extends JobName = JobName> {
  name: J;
  data: JobPayloads[J];
  /**
   * Deterministic job id `<stage>:<caseId>:<step>` (exactly two colons: BullMQ 5
   * accepts `:` in a custom id only in that three-part form), so a replay adds nothing twice.
   */
  jobId: string;
  /** Milliseconds to wait before the job runs (timers). */
  delayMs?: number;
  /** BullMQ priority: 1 is highest. */
  priority?: number;
}

/** Outbound webhook event types (CONTRACT.md, "Outbound webhooks"). */
export type WebhookEventType =
  | 'return.approved'
  | 'return.rejected'
  | 'return.received'
  | 'inventory.disposition'
  | 'refund.succeeded'
  | 'refund.failed'
  | 'return.closed'
  | 'return.completed'
  /** an exchange's replacement booked from the warehouse to the customer (the case's shipment carries on with it) */
  | 'exchange.shipped';
