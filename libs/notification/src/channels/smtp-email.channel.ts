import { connect } from 'node:net';
import { createTransport, Transporter } from 'nodemailer';
import SMTPPool from 'nodemailer/lib/smtp-pool';
import { AppConfig } from '@returns/config';
import { NotificationChannel, OutgoingMessage } from '../notification-channel.interface';

/** Where and as whom we send email (`AppConfig.providers.email`). */
export type SmtpEndpoint = NonNullable<AppConfig['providers']['email']>;

/**
 * Connections one process keeps to the mail server at most. A notification worker holds up
 * to 128 messages at once (NOTIFICATION_CONCURRENCY); a connection each would be refused by a
 * relay ("421 too many connections"), seen only as retries. The rest wait for a free one,
 * and a reused connection costs a message its few round trips, no connection or TLS set-up.
 */
const MAX_CONNECTIONS = 5;

/** Messages over one connection before it is replaced: no session lives for good, whatever a relay allows per session. */
const MAX_MESSAGES = 100;

/**
 * Email over SMTP (SMTP_URL, `smtp://` or `smtps://`, credentials in the URL; SMTP_FROM;
 * PROVIDER_TIMEOUT for connecting with the greeting (smtps://: connecting with the TLS
 * handshake, then the greeting), and for each silence of the socket).
 *
 * Messages share a pool of at most MAX_CONNECTIONS connections, each reused for up to
 * MAX_MESSAGES messages; the others wait their turn for a free one. A connection idle for
 * PROVIDER_TIMEOUT is dropped (the socket timeout), so nothing stays open between bursts.
 *
 * One plain-text email per message, from SMTP_FROM to the recipient. Its `Message-ID` is
 * made from the message id, so a resend after an ambiguous failure (the server took the
 * mail but the connection died before it said so) carries the same id as the first, and
 * mail systems can drop the duplicate. The subject is the body's first line: the templates
 * are one sentence each with no subject of their own, and a message carries neither its
 * event nor its locale, which a fixed subject in the customer's language would need; the
 * sentence itself is the news the customer should see in their inbox.
 *
 * Every failure throws (a refused connection, a timeout, a refused sender or recipient):
 * the notification job retries under the same message id. A failed message costs its
 * connection (nodemailer closes it), never the messages after it.
 */
export class SmtpEmailChannel implements NotificationChannel {
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;
  /** Sends not yet answered, which close() lets finish. */
  private readonly underWay = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly endpoint: SmtpEndpoint) {
    // `maxRequeues` is not in @types/nodemailer 6.4; nodemailer 6.10's pool reads it.
    const options: SMTPPool.Options & { maxRequeues: number } = {
      // SMTPPool merges `url` with the options below; `createTransport({ url, ... })` would keep the URL's options only.
      url: endpoint.url,
      pool: true,
      maxConnections: MAX_CONNECTIONS,
      maxMessages: MAX_MESSAGES,
      // A connection lost mid-message without an error (a server hanging up before its greeting)
      // fails that message, for its job to retry; by default the pool would requeue it without end.
      maxRequeues: 0,
      connectionTimeout: endpoint.timeoutMs,
      greetingTimeout: endpoint.timeoutMs,
      socketTimeout: endpoint.timeoutMs,
      // smtps:// is TLS from the start; smtp:// upgrades only when the server offers it, unless required.
      requireTLS: endpoint.requireTls,
      // Nagle's algorithm holds each message's closing "." until the server acknowledges the
      // body, which it delays by up to 40 ms: one message per 40 ms on a reused connection
      // (44 ms measured, 0.7 ms without). nodemailer opens its sockets without noDelay, so the
      // pool gets ours, handed over still connecting: nodemailer starts TLS on it for smtps://
      // and times the connecting as above.
      getSocket: (socketOptions, callback) => {
        const host = socketOptions.host || 'localhost';
        const port = Number(socketOptions.port) || (socketOptions.secure ? 465 : 587); // nodemailer's defaults
        callback(null, { connection: connect({ host, port, noDelay: true, keepAlive: true }) });
      },
    };
    this.transport = createTransport(new SMTPPool(options));
  }

  async send(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    // A closed pool drops a message without ever answering: the send would wait for good.
    if (this.closed) throw new Error('SMTP connection pool closed: the process is shutting down');
    const sending = this.transport.sendMail({
      from: this.endpoint.from,
      to: message.recipient,
      subject: message.body.split('\n', 1)[0].trim(),
      text: message.body,
      messageId: mailMessageId(message.messageId, this.endpoint.from),
    });
    this.underWay.add(sending);
    const info = await sending.finally(() => this.underWay.delete(sending));
    // The id the server queued it under ("250 2.0.0 Ok: queued as 4XyZ"), which its logs
    // know it by; a server that names none took it under its Message-ID.
    const queued = /queued as ([^\s;,]+)/i.exec(info.response ?? '');
    return { providerMessageId: queued?.[1] ?? info.messageId };
  }

  /**
   * Takes no more messages, lets those under way finish (each bounded by the timeouts),
   * then closes the pool's connections, which would otherwise keep the process up.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.underWay]);
    // A connection still finishing its last reply is closed by the pool as soon as it is free.
    this.transport.close();
  }
}

/** `<messageId@domain of SMTP_FROM>`: the same on every attempt (RFC 5322 wants a domain on the right). */
function mailMessageId(messageId: string, from: string): string {
  const domain = /@([^\s<>@]+)>?\s*$/.exec(from)?.[1] ?? 'returns';
  return `<${messageId}@${domain}>`;
}
