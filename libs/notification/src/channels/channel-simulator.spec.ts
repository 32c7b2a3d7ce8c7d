import { randomUUID } from 'node:crypto';
import { loadConfig } from '@returns/config';
import { RedisClient } from '@returns/queue';
import { OutgoingMessage } from '../notification-channel.interface';
import { ChannelSimulator } from './channel-simulator';

/** The simulated providers against the real Redis, as two worker processes would share them. */
describe('ChannelSimulator', () => {
  const config = loadConfig({ ...process.env, QUEUE_PREFIX: `test-channel-${randomUUID()}`, SIMULATOR_LATENCY: '0ms', SIMULATOR_FAILURE_RATE: '0' });
  const clients = [new RedisClient(config), new RedisClient(config)];
  const channels = clients.map((client) => new ChannelSimulator(client, config));

  afterAll(async () => {
    const keys = await clients[0].redis.keys(`${config.queuePrefix}:*`);
    if (keys.length) await clients[0].redis.del(...keys);
    await Promise.all(clients.map((c) => c.onApplicationShutdown()));
  });

  const message = (): OutgoingMessage => ({
    messageId: randomUUID(),
    channel: 'SMS',
    recipient: '+8613800000000',
    body: '【示例商城】您的退货申请 RMA-20261126-0000000001 已通过审核。'.repeat(8),
  });

  it('delivers one message per message id, however often and from whichever process it is sent', async () => {
    const sms = message();
    const answers = await Promise.all([channels[0].send(sms), channels[1].send(sms), channels[0].send(sms)]);
    expect(new Set(answers.map((a) => a.providerMessageId)).size).toBe(1);
    expect((await channels[1].delivered()).filter((m) => m.messageId === sms.messageId)).toEqual([
      { messageId: sms.messageId, channel: 'SMS', recipient: sms.recipient, providerMessageId: answers[0].providerMessageId },
    ]);
  });

  it('keeps who got which message under which ids, not its body: a surge would fill Redis with text the service records itself', async () => {
    const [key] = clients[0].simulatorBuckets(Date.now(), 'channel', 'delivered').keys;
    const sms = message();
    await channels[0].send(sms);
    const kept = (await clients[0].redis.hget(key, sms.messageId))!;
    expect(kept).not.toContain('RMA-20261126');
    expect(Buffer.byteLength(kept)).toBeLessThan(200);
  });

  it('remembers a delivery for SIMULATOR_RETENTION, across days: a retry the next day is the same delivery', async () => {
    const yesterday = Date.now() - 86_400_000;
    const earlier = new (class extends ChannelSimulator {
      protected now(): number {
        return yesterday;
      }
    })(clients[1], config);
    const sms = message();
    const first = await earlier.send(sms);
    expect(await channels[0].send(sms)).toEqual(first);
    expect((await channels[0].delivered()).filter((m) => m.messageId === sms.messageId)).toHaveLength(1);
    // Yesterday's key expires the retention after yesterday ended, not later.
    const [, yesterdaysKey] = clients[0].simulatorBuckets(Date.now(), 'channel', 'delivered').keys;
    const ttl = await clients[0].redis.ttl(yesterdaysKey);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl * 1000).toBeLessThanOrEqual(config.simulators.retentionMs);
  });
});
