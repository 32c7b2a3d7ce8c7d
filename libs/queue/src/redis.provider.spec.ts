import IORedis from 'ioredis';
import { loadConfig } from '@returns/config';
import { dayBuckets, RedisClient, simulatorRedisProvider } from './redis.provider';

describe(dayBuckets.name, () => {
  const DAY = 86_400_000;
  const at = Date.parse('2026-11-27T00:45:00Z');

  it("names today's key first, then every earlier day's that may still hold a record", () => {
    expect(dayBuckets('p:sim:x', 2 * DAY, at).keys).toEqual(['p:sim:x:2026-11-27', 'p:sim:x:2026-11-26', 'p:sim:x:2026-11-25']);
    expect(dayBuckets('p:sim:x', 36 * 3_600_000, at).keys).toHaveLength(3);
    expect(dayBuckets('p:sim:x', 1, at).keys).toEqual(['p:sim:x:2026-11-27', 'p:sim:x:2026-11-26']);
  });

  it('expires a day the retention after it ends: a record written at any moment of it lives at least that long', () => {
    const expiry = (now: number) => new Date(dayBuckets('k', 2 * DAY, now).expireAt * 1000).toISOString();
    expect(expiry(at)).toBe('2026-11-30T00:00:00.000Z');
    // The oldest key read, 2026-11-25's, expires at 2026-11-28: still there. 2026-11-24's
    // expired at 2026-11-27 00:00, before `at`: not read.
    expect(expiry(Date.parse('2026-11-25T12:00:00Z'))).toBe('2026-11-28T00:00:00.000Z');
    expect(Date.parse(expiry(Date.parse('2026-11-24T12:00:00Z')))).toBeLessThan(at);
  });
});

describe('simulatorRedisProvider', () => {
  const config = (env: Record<string, string> = {}) => loadConfig({ ...process.env, NODE_ENV: 'test', ...env });

  it("hands the simulators the service's own client unless SIMULATOR_REDIS_URL names another Redis", async () => {
    const shared = new RedisClient(config());
    const own = simulatorRedisProvider.useFactory(config({ SIMULATOR_REDIS_URL: 'redis://127.0.0.1:6379/1' }), shared);
    try {
      expect(simulatorRedisProvider.useFactory(config(), shared)).toBe(shared);
      expect(own).not.toBe(shared);
      expect((own.redis as IORedis).options.db).toBe(1);
    } finally {
      await own.onApplicationShutdown();
      await shared.onApplicationShutdown();
    }
  });

  it('closes a client once, however many providers it stands for', async () => {
    const client = new RedisClient(config());
    await client.redis.ping();
    const quit = jest.spyOn(client.redis, 'quit');
    await Promise.all([client.onApplicationShutdown(), client.onApplicationShutdown()]);
    await client.onApplicationShutdown();
    expect(quit).toHaveBeenCalledTimes(1);
  });
});
