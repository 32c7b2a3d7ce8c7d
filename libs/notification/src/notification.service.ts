import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OrderCustomer } from '@returns/case';
import { databaseUnavailable, GroupCommit, GroupCommitOptions } from '@returns/database';
import { CustomerMessage, NotificationChannelName } from '@returns/contracts';
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

/** One moment of one case to tell its customer about: a `send-notification` job. */
export interface NotificationRequest {
  caseId: string;
  message: CustomerMessage;
  params: Record<string, string>;
  /** failures now are recorded as FAILED rather than retried */
  lastAttempt: boolean;
}

/** What became of a request: null when every channel took it, else why not. */
type SendOutcome = Error | null;

/** Most requests sent together, and most such batches at once per process. */
const NOTIFICATION_BATCH: GroupCommitOptions = { name: 'notification', maxBatch: 100, inFlight: 2 };

/**
 * Tells the customer about a moment of their case on each channel they have: one message
 * per case, moment and channel, however often the job runs.
 *
 * The jobs a worker runs at the same time are sent together: one query reads their
 * cases and customers, one records their messages (a message recorded before is not
 * recorded again), the providers are called concurrently, and one statement records
 * what each answered. Three round trips to PostgreSQL per batch, not eight per job.
 */
@Injectable()
export class NotificationService {
  private readonly logger = new Logger(NotificationService.name);
  private readonly batches = new GroupCommit<NotificationRequest, SendOutcome>((requests) => this.sendMany(requests), NOTIFICATION_BATCH, databaseUnavailable);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(NOTIFICATION_CHANNEL) private readonly channel: NotificationChannel,
  ) {}

  /** Sends one moment of a case; throws (for the job to be retried) when a channel failed. */
  async send(caseId: string, message: CustomerMessage, params: Record<string, string> = {}, lastAttempt = false): Promise<void> {
    const failure = await this.batches.submit({ caseId, message, params, lastAttempt });
    if (failure) throw failure;
  }

  /** Sends a batch; answers, per request, null or what went wrong. Throws only when PostgreSQL does. */
  async sendMany(requests: NotificationRequest[]): Promise<SendOutcome[]> {
    const caseIds = [...new Set(requests.map((r) => r.caseId))];
    const found: { id: string; rma_number: string; customer_id: string; customer: OrderCustomer }[] = await this.dataSource.query(
      `SELECT c.id, c.rma_number, o.customer_id, o.customer FROM return_cases c JOIN orders o ON o.id = c.order_id WHERE c.id = ANY($1::uuid[])`,
      [caseIds],
    );
    const cases = new Map(found.map((c) => [c.id, c]));
    const outcomes: SendOutcome[] = requests.map(() => null);

    // Every message of the batch, recorded once: (request, channel, recipient, locale, body).
    const wanted: { n: number; channel: NotificationChannelName; recipient: string; locale: string; body: string }[] = [];
    // The same moment twice in a batch (a job and its replay) is sent once; both get its outcome.
    const firstOf = new Map<string, number>();
    const sameAs = requests.map((r, n) => {
      const key = `${r.caseId} ${r.message}`;
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
      const locale = subject.customer.locale ?? 'zh-CN';
      const body = renderMessage(request.message, locale, { rma: subject.rma_number, ...request.params });
      const targets = reachableChannels(subject.customer);
      if (!targets.length) this.logger.warn(`customer ${subject.customer_id} has no channel to tell about ${request.message} of ${subject.rma_number}`);
      for (const t of targets) wanted.push({ n, channel: t.channel, recipient: t.recipient, locale, body });
    });
    const answer = () => outcomes.map((_, n) => outcomes[sameAs[n]]);
    if (!wanted.length) return answer();

    // New rows and the PENDING ones a failed attempt left: the statement does not see its own inserts, so the two parts never overlap.
    const due: { id: string; n: number; channel: NotificationChannelName; recipient: string; body: string }[] = await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           AS t(n, case_id, event, channel, recipient, locale, body)
       ), recorded AS (
         INSERT INTO notifications (id, case_id, event, channel, recipient, locale, body, status)
         SELECT gen_random_uuid(), case_id, event, channel, recipient, locale, body, 'PENDING' FROM input
         ON CONFLICT (case_id, event, channel) DO NOTHING
         RETURNING id, case_id, event, channel, recipient, body
       )
       SELECT r.id, input.n, r.channel, r.recipient, r.body FROM recorded r JOIN input USING (case_id, event, channel)
       UNION ALL
       SELECT x.id, input.n, x.channel, x.recipient, x.body FROM notifications x JOIN input USING (case_id, event, channel) WHERE x.status = 'PENDING'`,
      [
        wanted.map((w) => w.n),
        wanted.map((w) => requests[w.n].caseId),
        wanted.map((w) => requests[w.n].message),
        wanted.map((w) => w.channel),
        wanted.map((w) => w.recipient),
        wanted.map((w) => w.locale),
        wanted.map((w) => w.body),
      ],
    );

    const answers = await Promise.all(
      due.map((note) =>
        this.channel.send({ messageId: note.id, channel: note.channel, recipient: note.recipient, body: note.body }).then(
          ({ providerMessageId }) => ({ note, providerMessageId, error: null as string | null }),
          (error: Error) => ({ note, providerMessageId: null, error: error.message }),
        ),
      ),
    );
    if (!answers.length) return answer();
    await this.dataSource.query(
      `UPDATE notifications n
          SET status = CASE WHEN a.error IS NULL THEN 'SENT' WHEN a.final THEN 'FAILED' ELSE 'PENDING' END,
              provider_message_id = COALESCE(a.provider_message_id, n.provider_message_id),
              sent_at = CASE WHEN a.error IS NULL THEN now() ELSE n.sent_at END,
              attempts = n.attempts + 1,
              last_error = a.error
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[]) AS a(id, provider_message_id, error, final)
        WHERE n.id = a.id`,
      [
        answers.map((a) => a.note.id),
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
