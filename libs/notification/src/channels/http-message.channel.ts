import { callProvider, ProviderEndpoint, unusableAnswer } from '@returns/contracts';
import { NotificationChannel, OutgoingMessage } from '../notification-channel.interface';

/**
 * An SMS, WeChat or app-push provider's message API over HTTP (SMS_API_URL, WECHAT_API_URL,
 * PUSH_API_URL, each one's _API_KEY sent as `Authorization: Bearer`, PROVIDER_TIMEOUT per call):
 *
 * `POST {url}/messages`, header `Idempotency-Key: <messageId>`, JSON `{ channel, recipient, body }`
 * → 200 or 201 `{ providerMessageId }`. The provider delivers once per key: a retry with the
 * same key answers the same message.
 *
 * Every failure throws (ProviderHttpError): no answer in time, a non-2xx answer, or an answer
 * without a message id, which would otherwise be recorded as sent with none.
 */
export class HttpMessageChannel implements NotificationChannel {
  /** @param name how the provider is named in errors and logs: `sms`, `wechat`, `push` */
  constructor(
    private readonly name: string,
    private readonly provider: ProviderEndpoint,
  ) {}

  async send(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    const { status, body } = await callProvider<{ providerMessageId?: unknown }>(this.name, this.provider, {
      method: 'POST',
      path: '/messages',
      idempotencyKey: message.messageId,
      body: { channel: message.channel, recipient: message.recipient, body: message.body },
    });
    const id = typeof body === 'object' && body !== null ? body.providerMessageId : undefined;
    if (typeof id !== 'string' || !id.trim()) throw unusableAnswer(this.name, `POST ${this.provider.url}/messages`, status, body, 'no providerMessageId');
    return { providerMessageId: id };
  }
}
