import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OrderCustomer } from '@returns/case';
import { databaseUnavailable, GroupCommit, GroupCommitOptions, preparedQuery } from '@returns/database';
import { CustomerMessage, JobName, JobRequest, Jobs, momentKey, momentOf, NotificationChannelName } from '@returns/contracts';
import { NOTIFICATION_CHANNEL, NotificationChannel } from './notification-channel.interface';
import { renderMessage } from './templates';

/**
 * Where to tell a customer: their quickest instant channel (app push, else WeChat, else
 * SMS) and, when they gave one, email as the written record. Never more than one
 * instant message per moment.
 */
export function reachableChannels(customer: OrderCustomer): { channel: NotificationChannelName; recipient: string }[] {
  const found: { channel: NotificationChannelName; recipient: string }[] = [];
  if (customer.pushToken) found.push({ channel: 'PUSH', recipient: customer.pushToken });
  else if (customer.wechatOpenId) found.push({ channel: 'WECHAT', recipient: customer.wechatOpenId });
  else if (customer.phone) found.push({ channel: 'SMS', recipient: customer.phone });
  if (customer.email) found.push({ channel: 'EMAIL', recipient: customer.email });
  return found;
}

const isInstant = (channel: NotificationChannelName) => channel !== 'EMAIL';

/**
 * The channels a moment still goes out on besides those its earlier attempts tried
 * (`tried`): the customer's now, but never a second instant one. A customer who gained a
 * quicker channel (installed the app) between two attempts is not told the moment again
 * there, and one who lost the channel tried (a timeout: it may have been delivered) is not
 * told it on another as well.
 */
function untriedChannels(customer: OrderCustomer, tried: { channel: NotificationChannelName }[]): { channel: NotificationChannelName; recipient: string }[] {
  const instantTried = tried.some((m) => isInstant(m.channel));
  return reachableChannels(customer).filter((t) => !tried.some((m) => m.channel === t.channel) && !(instantTried && isInstant(t.channel)));
}

/** One moment of one case to tell its customer about: a `send-notification` job. */
export interface NotificationRequest {
  caseId: string;
  message: CustomerMessage;
  params: Record<string, string>;
  /** which time the moment is told (a refund failed again: `momentKey`); 1 when absent */
  round?: number;
  /** failures now are recorded as FAILED rather than retried */
  lastAttempt: boolean;
}

/** What became of a request: null when every channel took it, else why not. */
type SendOutcome = Error | null;

/** A message recorded by an earlier attempt, as `sendMany` reads it. */
interface RecordedMessage {
  event: string;
  channel: NotificationChannelName;
  id: string;
  status: 'PENDING' | 'SENT' | 'FAILED';
  recipient: string;
  locale: string;
  body: string;
}

/**
 * The id of a case's message about one moment (`event`: its `momentKey`) on one channel,
 * the same on every attempt and in every process (a name-based UUID, version 5 layout): the
 * provider's idempotency key, so a message sent by a process that died before recording it
 * is not sent twice.
 */
export function messageIdOf(caseId: string, event: string, channel: string): string {
  const hash = createHash('sha1').update(`${caseId}\n${event}\n${channel}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Most requests sent together, and most such batches at once per process. */
const NOTIFICATION_BATCH: GroupCommitOptions = { name: 'notification', maxBatch: 100, inFlight: 2 };

/**
 * Tells the customer about a moment of their case on each channel they have: one message
 * per case, moment and channel, however often the job runs.
 *
 * The jobs a worker runs at the same time are sent together: one query reads their
 * cases, customers and the messages earlier attempts recorded, the providers are called
 * concurrently with the messages still owed (each under an id that is the same on every
 * attempt, the provider's idempotency key), and one statement records what each answered.
 * Two round trips to PostgreSQL and one commit per batch.
 */
function isMessage(job: JobRequest): job is JobRequest<JobName.SendNotification> {
  return job.name === JobName.SendNotification;
}

@Injectable()
export class NotificationService implements OnApplicationShutdown {
  private readonly logger = new Logger(NotificationService.name);
  private readonly batches = new GroupCommit<NotificationRequest, SendOutcome>((requests) => this.sendMany(requests), NOTIFICATION_BATCH, databaseUnavailable);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(NOTIFICATION_CHANNEL) private readonly channel: NotificationChannel,
  ) {}

  /** After the outbox drained every group commit (beforeApplicationShutdown). */
  onApplicationShutdown(): void {
    this.batches.close();
  }

  /** Sends one moment of a case; throws (for the job to be retried) when a channel failed. */
  async send(caseId: string, message: CustomerMessage, params: Record<string, string> = {}, lastAttempt = false, round = 1): Promise<void> {
    const failure = await this.batches.submit({ caseId, message, params, round, lastAttempt });
    if (failure) throw failure;
  }

  /**
   * What notification owes (`JobRecovery`): each message first tried since `since` that a
   * channel has not yet taken (PENDING): its job retries it under the same message id, with
   * the body recorded at the first try. (A message whose job was lost before its first try
   * left no record, and is not found here.)
   */
  async owedSince(since: Date): Promise<JobRequest[]> {
    const pending: { case_id: string; event: string; priority: number }[] = await this.dataSource.query(
      `SELECT DISTINCT n.case_id, n.event, c.priority FROM notifications n JOIN return_cases c ON c.id = n.case_id
        WHERE n.status = 'PENDING' AND n.created_at >= $1`,
      [since],
    );
    return pending.map((n) => {
      const { name, round } = momentOf<CustomerMessage>(n.event);
      return Jobs.notify(n.case_id, name, {}, n.priority, round);
    });
  }

  /**
   * Of `jobs`, all but the customer messages already told (`JobRecovery`): a message every
   * channel of which has taken it, or given up on it, is not owed again, whatever a stage
   * says; one still PENDING on a channel is.
   */
  async notYetTold(jobs: JobRequest[]): Promise<JobRequest[]> {
    const messages = jobs.filter(isMessage);
    if (!messages.length) return jobs;
    const rows: { case_id: string; event: string }[] = await this.dataSource.query(
      `SELECT n.case_id, n.event FROM notifications n JOIN unnest($1::uuid[], $2::text[]) AS m(case_id, event) USING (case_id, event)
        GROUP BY n.case_id, n.event HAVING bool_and(n.status <> 'PENDING')`,
      [messages.map((m) => m.data.caseId), messages.map((m) => momentKey(m.data.message, m.data.round))],
    );
    const told = new Set(rows.map((r) => `${r.case_id} ${r.event}`));
    return jobs.filter((job) => !(isMessage(job) && told.has(`${job.data.caseId} ${momentKey(job.data.message, job.data.round)}`)));
  }

  /** Sends a batch; answers, per request, null or what went wrong. Throws only when PostgreSQL does. */
  async sendMany(requests: NotificationRequest[]): Promise<SendOutcome[]> {
    const caseIds = [...new Set(requests.map((r) => r.caseId))];
    // What each request is recorded under: its message, and its round when a later one.
    const events = requests.map((r) => momentKey(r.message, r.round));
    const found: { id: string; rma_number: string; customer_id: string; customer: OrderCustomer; told: RecordedMessage[] | null }[] = await preparedQuery(
      this.dataSource,
      `SELECT c.id, c.rma_number, o.customer_id, o.customer,
              (SELECT json_agg(json_build_object('event', n.event, 'channel', n.channel, 'id', n.id, 'status', n.status, 'recipient', n.recipient, 'locale', n.locale, 'body', n.body))
                 FROM notifications n WHERE n.case_id = c.id AND n.event = ANY($2::text[])) AS told
         FROM return_cases c JOIN orders o ON o.id = c.order_id WHERE c.id = ANY($1::uuid[])`,
      [caseIds, [...new Set(events)]],
    );
    const cases = new Map(found.map((c) => [c.id, c]));
    const outcomes: SendOutcome[] = requests.map(() => null);

    // Every message of the batch still owed: (request, message id, channel, recipient, locale, body).
    const due: { n: number; id: string; channel: NotificationChannelName; recipient: string; locale: string; body: string }[] = [];
    // The same moment twice in a batch (a job and its replay) is sent once; both get its outcome.
    const firstOf = new Map<string, number>();
    const sameAs = requests.map((r, n) => {
      const key = `${r.caseId} ${events[n]}`;
      if (!firstOf.has(key)) firstOf.set(key, n);
      return firstOf.get(key)!;
    });
    requests.forEach((request, n) => {
      if (sameAs[n] !== n) return;
      const subject = cases.get(request.caseId);
      if (!subject) {
        outcomes[n] = new Error(`case ${request.caseId} not found`);
        return;
      }
      // What earlier attempts tried is tried again as it was: on its channel, to its recipient,
      // with its body, under its id (the provider's idempotency key), though the customer's
      // record has changed since; the customer's other channels now are added.
      const tried = subject.told?.filter((m) => m.event === events[n]) ?? [];
      const added = untriedChannels(subject.customer, tried);
      if (!tried.length && !added.length) this.logger.warn(`customer ${subject.customer_id} has no channel to tell about ${request.message} of ${subject.rma_number}`);
      for (const told of tried) {
        if (told.status !== 'PENDING') continue; // sent, or given up on, before
        due.push({ n, id: told.id, channel: told.channel, recipient: told.recipient, locale: told.locale, body: told.body });
      }
      if (!added.length) return;
      // A channel added says what the moment first said: a job recovery put back from a
      // record carries no parameters to say it again with.
      const locale = tried[0]?.locale ?? subject.customer.locale ?? 'zh-CN';
      const body = tried[0]?.body ?? renderMessage(request.message, locale, { rma: subject.rma_number, ...request.params });
      for (const t of added) due.push({ n, id: messageIdOf(request.caseId, events[n], t.channel), channel: t.channel, recipient: t.recipient, locale, body });
    });
    const answer = () => outcomes.map((_, n) => outcomes[sameAs[n]]);
    if (!due.length) return answer();

    const answers = await Promise.all(
      due.map((note) =>
        this.channel.send({ messageId: note.id, channel: note.channel, recipient: note.recipient, body: note.body }).then(
          ({ providerMessageId }) => ({ note, providerMessageId, error: null as string | null }),
          (error: Error) => ({ note, providerMessageId: null, error: error.message }),
        ),
      ),
    );
    // What each provider answered, in one statement: a message tried for the first time is
    // recorded now; one tried before counts one more attempt. One that another process sent
    // meanwhile stays SENT.
    await preparedQuery(
      this.dataSource,
      `INSERT INTO notifications AS n (id, case_id, event, channel, recipient, locale, body, status, provider_message_id, attempts, last_error, sent_at)
       SELECT a.id, a.case_id, a.event, a.channel, a.recipient, a.locale, a.body,
              CASE WHEN a.error IS NULL THEN 'SENT' WHEN a.final THEN 'FAILED' ELSE 'PENDING' END,
              a.provider_message_id, 1, a.error, CASE WHEN a.error IS NULL THEN now() END
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::boolean[])
           AS a(id, case_id, event, channel, recipient, locale, body, provider_message_id, error, final)
       ON CONFLICT (case_id, event, channel) DO UPDATE
          SET status = CASE WHEN n.status = 'SENT' THEN 'SENT' ELSE EXCLUDED.status END,
              provider_message_id = COALESCE(EXCLUDED.provider_message_id, n.provider_message_id),
              sent_at = COALESCE(n.sent_at, EXCLUDED.sent_at),
              attempts = n.attempts + 1,
              last_error = CASE WHEN n.status = 'SENT' THEN n.last_error ELSE EXCLUDED.last_error END`,
      [
        answers.map((a) => a.note.id),
        answers.map((a) => requests[a.note.n].caseId),
        answers.map((a) => events[a.note.n]),
        answers.map((a) => a.note.channel),
        answers.map((a) => a.note.recipient),
        answers.map((a) => a.note.locale),
        answers.map((a) => a.note.body),
        answers.map((a) => a.providerMessageId),
        answers.map((a) => a.error),
        answers.map((a) => requests[a.note.n].lastAttempt),
      ],
    );

    const failures = new Map<number, string[]>();
    for (const a of answers.filter((a) => a.error)) {
      const reasons = failures.get(a.note.n) ?? [];
      reasons.push(`${a.note.channel}: ${a.error}`);
      failures.set(a.note.n, reasons);
    }
    for (const [n, reasons] of failures) {
      if (requests[n].lastAttempt) continue; // recorded as FAILED: nothing left to retry
      const subject = cases.get(requests[n].caseId)!;
      outcomes[n] = new Error(`could not send ${requests[n].message} for ${subject.rma_number}: ${reasons.join('; ')}`);
    }
    return answer();
  }
}
