import { createTransport, Transporter } from 'nodemailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport';
import { AppConfig } from '@returns/config';
import { NotificationChannel, OutgoingMessage } from '../notification-channel.interface';

/** Where and as whom we send email (`AppConfig.providers.email`). */
export type SmtpEndpoint = NonNullable<AppConfig['providers']['email']>;

/**
 * Email over SMTP (SMTP_URL, `smtp://` or `smtps://`, credentials in the URL; SMTP_FROM;
 * PROVIDER_TIMEOUT for connecting, the greeting and each silence of the socket).
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
 * the notification job retries under the same message id.
 */
export class SmtpEmailChannel implements NotificationChannel {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly endpoint: SmtpEndpoint) {
    // SMTPTransport merges `url` with the timeouts; `createTransport({ url, ... })` would keep the URL's options only.
    this.transport = createTransport(
      new SMTPTransport({
        url: endpoint.url,
        connectionTimeout: endpoint.timeoutMs,
        greetingTimeout: endpoint.timeoutMs,
        socketTimeout: endpoint.timeoutMs,
        // smtps:// is TLS from the start; smtp:// upgrades only when the server offers it, unless required.
        requireTLS: endpoint.requireTls,
      }),
    );
  }

  async send(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    const info = await this.transport.sendMail({
      from: this.endpoint.from,
      to: message.recipient,
      subject: message.body.split('\n', 1)[0].trim(),
      text: message.body,
      messageId: mailMessageId(message.messageId, this.endpoint.from),
    });
    // The id the server queued it under ("250 2.0.0 Ok: queued as 4XyZ"), which its logs
    // know it by; a server that names none took it under its Message-ID.
    const queued = /queued as ([^\s;,]+)/i.exec(info.response ?? '');
    return { providerMessageId: queued?.[1] ?? info.messageId };
  }
}

/** `<messageId@domain of SMTP_FROM>`: the same on every attempt (RFC 5322 wants a domain on the right). */
export function mailMessageId(messageId: string, from: string): string {
  const domain = /@([^\s<>@]+)>?\s*$/.exec(from)?.[1] ?? 'returns';
  return `<${messageId}@${domain}>`;
}
