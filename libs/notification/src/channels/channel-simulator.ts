import { Inject, Injectable } from '@nestjs/common';
import { randomInt, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { RedisClient } from '@returns/queue';
import { NotificationChannel, OutgoingMessage } from '../notification-channel.interface';

/** A message a simulated provider delivered, as it keeps it: who got it on which channel, under which ids. */
export type DeliveredMessage = Omit<OutgoingMessage, 'body'> & { providerMessageId: string };

/**
 * Simulated SMS, email, WeChat and push providers: latency, injectable failures, and an
 * outbox in Redis that delivers one message per message id, as a real provider's
 * idempotency key would.
 */
@Injectable()
export class ChannelSimulator implements NotificationChannel {
  constructor(
    private readonly client: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async send(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    const { latencyMs, failureRate } = this.config.simulators;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, randomInt(Math.floor(latencyMs / 2), latencyMs + 1)));
    if (failureRate > 0 && Math.random() < failureRate) throw new Error(`${message.channel} simulator: provider timed out`);
    const key = this.client.key('sim', 'channel', 'delivered');
    const providerMessageId = `${message.channel.toLowerCase()}-${randomUUID().slice(0, 13)}`;
    // What was delivered, without the body: the service records that itself, and four bodies
    // per return would only fill Redis in a surge.
    const record: DeliveredMessage = { messageId: message.messageId, channel: message.channel, recipient: message.recipient, providerMessageId };
    if (await this.client.redis.hsetnx(key, message.messageId, JSON.stringify(record))) {
      return { providerMessageId };
    }
    return { providerMessageId: (JSON.parse((await this.client.redis.hget(key, message.messageId))!) as DeliveredMessage).providerMessageId };
  }

  /** Every message the simulated providers delivered (tests check "one per event and channel"). */
  async delivered(): Promise<DeliveredMessage[]> {
    const all = await this.client.redis.hvals(this.client.key('sim', 'channel', 'delivered'));
    return all.map((row) => JSON.parse(row));
  }
}
