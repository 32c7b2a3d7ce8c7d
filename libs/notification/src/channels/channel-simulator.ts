import { Inject, Injectable } from '@nestjs/common';
import { randomInt, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { RedisClient } from '@returns/queue';
import { NotificationChannel, OutgoingMessage } from '../notification-channel.interface';

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
    if (await this.client.redis.hsetnx(key, message.messageId, JSON.stringify({ ...message, providerMessageId }))) {
      return { providerMessageId };
    }
    return { providerMessageId: (JSON.parse((await this.client.redis.hget(key, message.messageId))!) as { providerMessageId: string }).providerMessageId };
  }

  /** Every message the simulated providers delivered (tests check "one per event and channel"). */
  async delivered(): Promise<(OutgoingMessage & { providerMessageId: string })[]> {
    const all = await this.client.redis.hvals(this.client.key('sim', 'channel', 'delivered'));
    return all.map((row) => JSON.parse(row));
  }
}
