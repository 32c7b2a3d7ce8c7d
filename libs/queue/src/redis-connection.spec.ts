import IORedis from 'ioredis';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { CoalescingConnector, redisOptionsFromUrl } from './redis-connection';

/** The connector every BullMQ and service client uses, against the real Redis. */
describe('CoalescingConnector', () => {
  let client: IORedis;
  const key = `test:coalesce:${randomUUID()}`;

  beforeAll(async () => {
    client = new IORedis({ ...redisOptionsFromUrl(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), Connector: CoalescingConnector });
    await client.ping();
  });

  afterAll(async () => {
    await client.del(key);
    await client.quit();
  });

  function countWrites(): { calls: () => number; restore: () => void } {
    const socket = client.stream as Socket & { _write: Function; _writev: Function };
    const [write, writev] = [socket._write, socket._writev];
    let calls = 0;
    socket._write = function (...args: unknown[]) {
      calls++;
      return write.apply(this, args);
    };
    socket._writev = function (...args: unknown[]) {
      calls++;
      return writev.apply(this, args);
    };
    return { calls: () => calls, restore: () => Object.assign(socket, { _write: write, _writev: writev }) };
  }

  it('sends the commands of one tick in one write, in order', async () => {
    const writes = countWrites();
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => client.incr(key)));
      expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(writes.calls()).toBe(1);
    } finally {
      writes.restore();
    }
  });

  it('does not hold a command past its tick', async () => {
    const writes = countWrites();
    try {
      for (let i = 0; i < 5; i++) await client.incr(key); // each waits for the answer of the one before
      expect(await client.get(key)).toBe('55');
      expect(writes.calls()).toBe(6);
    } finally {
      writes.restore();
    }
  });
});
