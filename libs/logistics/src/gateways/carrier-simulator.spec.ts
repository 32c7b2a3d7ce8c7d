import { randomUUID } from 'node:crypto';
import { loadConfig } from '@returns/config';
import { RedisClient } from '@returns/queue';
import { BookingRequest } from '../carrier-gateway.interface';
import { CarrierSimulator } from './carrier-simulator';

/**
 * The simulated courier against the real Redis, as two worker processes would share it.
 * The service stores tracking numbers as unique: a number handed out twice failed that
 * booking on every retry (the simulator answers a retried key with the same booking), and
 * left the return APPROVED for good. It was seen once in an end-to-end bench round.
 */
describe('CarrierSimulator tracking numbers', () => {
  const config = loadConfig({ ...process.env, QUEUE_PREFIX: `test-carrier-${randomUUID()}`, SIMULATOR_LATENCY: '0ms', SIMULATOR_FAILURE_RATE: '0' });
  const clients = [new RedisClient(config), new RedisClient(config)];
  const carriers = clients.map((client) => new CarrierSimulator(client, { ...config, carrierSimulatorAutopilot: false }));

  afterAll(async () => {
    const keys = await clients[0].redis.keys(`${config.queuePrefix}:*`);
    if (keys.length) await clients[0].redis.del(...keys);
    await Promise.all(clients.map((c) => c.onApplicationShutdown()));
  });

  const request = (n: number): BookingRequest => ({
    bookingKey: `case-${n}`,
    carrier: 'SF',
    method: 'DROP_OFF',
    from: { province: '浙江', city: '杭州', line: '文三路 1 号' },
    units: 1,
  });

  it('are never handed out twice, however many bookings race from two processes', async () => {
    const bookings = await Promise.all(Array.from({ length: 4000 }, (_, n) => carriers[n % 2].book(request(n), 1200)));
    const numbers = bookings.map((b) => b.trackingNumber);
    expect(new Set(numbers).size).toBe(4000);
    for (const number of numbers) expect(number).toMatch(/^SF\d{15}$/);
  });

  it('are the same for a retried booking key, from either process', async () => {
    const first = await carriers[0].book(request(9000), 1200);
    expect(await carriers[1].book(request(9000), 1200)).toEqual(first);
  });

  it('make one booking of a key that two processes book at the same moment', async () => {
    const before = (await carriers[0].bookings()).size;
    const racing = await Promise.all(Array.from({ length: 20 }, (_, n) => carriers[n % 2].book(request(9100), 1200)));
    expect(new Set(racing.map((b) => JSON.stringify(b))).size).toBe(1);
    expect((await carriers[0].bookings()).size).toBe(before + 1);
  });

  it('draw another number when the one drawn is already held', async () => {
    // A courier whose first two draws are a number an earlier booking holds.
    const taken = (await carriers[0].book(request(9200), 1200)).trackingNumber;
    let draws = 0;
    const unlucky = new (class extends CarrierSimulator {
      protected trackingCandidate(carrier: string): string {
        return ++draws <= 2 ? taken : super.trackingCandidate(carrier);
      }
    })(clients[1], { ...config, carrierSimulatorAutopilot: false });
    const booking = await unlucky.book(request(9201), 1200);
    expect(draws).toBe(3);
    expect(booking.trackingNumber).not.toBe(taken);
    expect(await carriers[0].book(request(9200), 1200)).toMatchObject({ trackingNumber: taken });
  });

  it('remember a booking for SIMULATOR_RETENTION, across days, and then forget it', async () => {
    const at = (ms: number) =>
      new (class extends CarrierSimulator {
        protected now(): number {
          return ms;
        }
      })(clients[1], { ...config, carrierSimulatorAutopilot: false });
    const day = 86_400_000;
    const first = await at(Date.now() - day).book(request(9300), 1200);
    // Retried the next day: the same booking, held under yesterday's key.
    expect(await carriers[0].book(request(9300), 1200)).toEqual(first);
    expect((await carriers[0].bookings()).get('case-9300')).toEqual(first);
    const [today, yesterday] = clients[0].simulatorBuckets(Date.now(), 'carrier', 'bookings').keys;
    expect(await clients[0].redis.hexists(today, 'case-9300')).toBe(0);
    const ttl = await clients[0].redis.ttl(yesterday);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl * 1000).toBeLessThanOrEqual(config.simulators.retentionMs);
    // Past the retention the key is gone, and a booking under it would be a new one.
    const later = at(Date.now() + config.simulators.retentionMs + 2 * day);
    expect((await later.bookings()).has('case-9300')).toBe(false);
  });
});
