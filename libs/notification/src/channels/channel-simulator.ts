import { Inject, Injectable } from '@nestjs/common';
import { randomInt, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { RedisClient, SIMULATOR_REDIS } from '@returns/queue';
import { NotificationChannel, OutgoingMessage } from '../notification-channel.interface';

/** A message a simulated provider delivered, as it keeps it: who got it on which channel, under which ids. */
export type DeliveredMessage = Omit<OutgoingMessage, 'body'> & { providerMessageId: string };

/**
 * One message id's delivery, made at most once, in one round trip. KEYS: the deliveries' day
 * keys, today's first. Answers the delivery recorded under ARGV[1] on any day; else records
 * ARGV[2] in today's key, expiring at ARGV[3], and answers it.
 */
const DELIVER_ONCE = `
for i = 1, #KEYS do
  local held = redis.call('HGET', KEYS[i], ARGV[1])
  if held then return held end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return ARGV[2]`;

/**
 * Simulated SMS, email, WeChat and push providers: latency, injectable failures, and an
 * outbox in Redis that delivers one message per message id, as a real provider's
 * idempotency key would, remembered for SIMULATOR_RETENTION.
 */
@Injectable()
export class ChannelSimulator implements NotificationChannel {
  constructor(
    @Inject(SIMULATOR_REDIS) private readonly client: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async send(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    const { latencyMs, failureRate } = this.config.simulators;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, randomInt(Math.floor(latencyMs / 2), latencyMs + 1)));
    if (failureRate > 0 && Math.random() < failureRate) throw new Error(`${message.channel} simulator: provider timed out`);
    const { keys, expireAt } = this.client.simulatorBuckets(this.now(), 'channel', 'delivered');
    const providerMessageId = `${message.channel.toLowerCase()}-${randomUUID().slice(0, 13)}`;
    // What was delivered, without the body: the service records that itself, and four bodies
    // per return would only fill Redis in a surge.
    const record: DeliveredMessage = { messageId: message.messageId, channel: message.channel, recipient: message.recipient, providerMessageId };
    const kept = (await this.client.redis.eval(DELIVER_ONCE, keys.length, ...keys, message.messageId, JSON.stringify(record), expireAt)) as string;
    return { providerMessageId: (JSON.parse(kept) as DeliveredMessage).providerMessageId };
  }

  /** Every message the simulated providers still remember delivering (tests check "one per event and channel"). */
  async delivered(): Promise<DeliveredMessage[]> {
    const { keys } = this.client.simulatorBuckets(this.now(), 'channel', 'delivered');
    const all = (await Promise.all(keys.map((key) => this.client.redis.hvals(key)))).flat();
    return all.map((row) => JSON.parse(row));
  }

  /** The clock the day keys follow (tests move it). */
  protected now(): number {
    return Date.now();
  }
}
