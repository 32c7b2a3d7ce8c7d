import { Inject, Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { RedisClient, SIMULATOR_REDIS } from '@returns/queue';
import { Booking, BookingRequest, CarrierGateway } from '../carrier-gateway.interface';

/**
 * One booking key's booking, made at most once, in one round trip. KEYS: the bookings' day
 * keys (today's first), then as many of the tracking numbers'. Answers the booking already
 * held under the key ARGV[1] on any day; else claims the tracking number ARGV[2] in today's
 * key and stores ARGV[3] under the booking key, both expiring at ARGV[4], and answers it;
 * nil when the number is another booking's. All keys share the prefix, and so a cluster slot.
 */
const BOOK_ONCE = `
local days = #KEYS / 2
for i = 1, days do
  local held = redis.call('HGET', KEYS[i], ARGV[1])
  if held then return held end
end
for i = days + 1, #KEYS do
  if redis.call('HEXISTS', KEYS[i], ARGV[2]) == 1 then return nil end
end
redis.call('HSET', KEYS[days + 1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIREAT', KEYS[1], ARGV[4])
redis.call('EXPIREAT', KEYS[days + 1], ARGV[4])
return ARGV[3]`;

/**
 * Simulated couriers (SF, JD, ZTO, YTO, EMS): latency, idempotent bookings kept in Redis so
 * every process sees the same ones, and injectable failures (SIMULATOR_FAILURE_RATE) that
 * look like a provider timeout.
 */
@Injectable()
export class CarrierSimulator implements CarrierGateway {
  constructor(
    @Inject(SIMULATOR_REDIS) private readonly client: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async book(request: BookingRequest, quotedCostMinor: number): Promise<Booking> {
    await this.behave('book');
    const now = this.now();
    const bookings = this.client.simulatorBuckets(now, 'carrier', 'bookings');
    const tracking = this.client.simulatorBuckets(now, 'carrier', 'tracking');
    const keys = [...bookings.keys, ...tracking.keys];
    const pickup = request.method === 'PICKUP';
    const tomorrow = new Date(Date.now() + 24 * 3_600_000);
    tomorrow.setUTCHours(1, 0, 0, 0); // 09:00 in China
    for (;;) {
      const trackingNumber = this.trackingCandidate(request.carrier);
      const booking: Booking = {
        trackingNumber,
        labelUrl: pickup ? null : `https://labels.${request.carrier.toLowerCase()}.example/${trackingNumber}.pdf`,
        pickupWindow: pickup ? { from: tomorrow.toISOString(), to: new Date(tomorrow.getTime() + 4 * 3_600_000).toISOString() } : null,
        costMinor: quotedCostMinor,
      };
      const json = JSON.stringify(booking);
      const held = (await this.client.redis.eval(BOOK_ONCE, keys.length, ...keys, request.bookingKey, trackingNumber, json, bookings.expireAt)) as string | null;
      if (held === null) continue; // the number is another booking's: draw again
      if (held !== json) return JSON.parse(held) as Booking; // booked before under this key
      // A parcel to us is followed to the warehouse; one back to a customer is not ours to track.
      if (this.config.carrierSimulatorAutopilot && !request.to) this.drive(request.carrier, trackingNumber);
      return booking;
    }
  }

  /**
   * Like a courier's waybill number: the carrier's code and 15 random digits. `BOOK_ONCE`
   * claims it, so it is never handed out twice: the service stores tracking numbers as
   * unique, and a repeated one would fail that booking on every retry.
   */
  protected trackingCandidate(carrier: string): string {
    return `${carrier}${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e6)).padStart(6, '0')}`;
  }

  async cancel(trackingNumber: string): Promise<void> {
    await this.behave('cancel');
    const { keys, expireAt } = this.client.simulatorBuckets(this.now(), 'carrier', 'cancelled');
    await this.client.redis.multi().sadd(keys[0], trackingNumber).expireat(keys[0], expireAt).exec();
  }

  /** The clock the day keys follow (tests move it). */
  protected now(): number {
    return Date.now();
  }

  /**
   * Autopilot (CARRIER_SIMULATOR_AUTOPILOT=true): like a real courier, posts the parcel's
   * scans to our tracking webhook (PUBLIC_BASE_URL) by itself, a few seconds apart. Demo
   * behaviour: scans not yet posted when this process stops are not posted later.
   */
  private drive(carrier: string, trackingNumber: string): void {
    const key = [...this.config.apiKeys].find(([, role]) => role === 'carrier')?.[0];
    if (!key) return;
    const steps = ['PICKED_UP', 'IN_TRANSIT', 'DELIVERED_TO_WAREHOUSE'] as const;
    steps.forEach((status, i) => {
      setTimeout(() => {
        void fetch(`${this.config.publicBaseUrl}/v1/logistics/tracking`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ carrier, trackingNumber, status, occurredAt: new Date().toISOString(), location: ['揽收网点', '转运中心', '退货仓'][i] }),
          signal: AbortSignal.timeout(5_000),
        }).catch(() => undefined);
      }, (i + 1) * this.config.carrierAutopilotStepMs).unref();
    });
  }

  /** The tracking numbers of every booking cancelled with the simulated carriers (tests check "released"). */
  async cancellations(): Promise<Set<string>> {
    const { keys } = this.client.simulatorBuckets(this.now(), 'carrier', 'cancelled');
    const out = new Set<string>();
    for (const key of keys) for (const trackingNumber of await this.client.redis.smembers(key)) out.add(trackingNumber);
    return out;
  }

  /** Every booking the simulated carriers still remember, by booking key (tests check "booked once"). */
  async bookings(): Promise<Map<string, Booking>> {
    const { keys } = this.client.simulatorBuckets(this.now(), 'carrier', 'bookings');
    const out = new Map<string, Booking>();
    for (const key of keys) for (const [bookingKey, json] of Object.entries(await this.client.redis.hgetall(key))) out.set(bookingKey, JSON.parse(json));
    return out;
  }

  private async behave(operation: string): Promise<void> {
    const { latencyMs, failureRate } = this.config.simulators;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, randomInt(Math.floor(latencyMs / 2), latencyMs + 1)));
    if (failureRate > 0 && Math.random() < failureRate) throw new Error(`carrier simulator: ${operation} timed out`);
  }
}
