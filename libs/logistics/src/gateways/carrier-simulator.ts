import { Inject, Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { RedisClient } from '@returns/queue';
import { Booking, BookingRequest, CarrierGateway } from '../carrier-gateway.interface';

/**
 * Simulated couriers (SF, JD, ZTO, YTO, EMS): latency, idempotent bookings kept in Redis so
 * every process sees the same ones, and injectable failures (SIMULATOR_FAILURE_RATE) that
 * look like a provider timeout.
 */
@Injectable()
export class CarrierSimulator implements CarrierGateway {
  constructor(
    private readonly client: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async book(request: BookingRequest, quotedCostMinor: number): Promise<Booking> {
    await this.behave('book');
    const key = this.client.key('sim', 'carrier', 'bookings');
    const existing = await this.client.redis.hget(key, request.bookingKey);
    if (existing) return JSON.parse(existing) as Booking;
    const tracking = this.client.key('sim', 'carrier', 'tracking');
    const trackingNumber = await this.newTrackingNumber(request, tracking);
    const pickup = request.method === 'PICKUP';
    const tomorrow = new Date(Date.now() + 24 * 3_600_000);
    tomorrow.setUTCHours(1, 0, 0, 0); // 09:00 in China
    const booking: Booking = {
      trackingNumber,
      labelUrl: pickup ? null : `https://labels.${request.carrier.toLowerCase()}.example/${trackingNumber}.pdf`,
      pickupWindow: pickup ? { from: tomorrow.toISOString(), to: new Date(tomorrow.getTime() + 4 * 3_600_000).toISOString() } : null,
      costMinor: quotedCostMinor,
    };
    // First writer wins, so two racing bookings with one key agree.
    if (!(await this.client.setOnceWith(key, request.bookingKey, JSON.stringify(booking), ['HSET', tracking, trackingNumber, request.bookingKey]))) {
      return JSON.parse((await this.client.redis.hget(key, request.bookingKey))!) as Booking;
    }
    if (this.config.carrierSimulatorAutopilot) this.drive(request.carrier, trackingNumber);
    return booking;
  }

  /**
   * Like a courier's waybill number: the carrier's code and 15 digits, never handed out
   * twice (claimed in Redis, which every process shares). The service stores tracking
   * numbers as unique, so a repeated one would fail that booking on every retry.
   */
  private async newTrackingNumber(request: BookingRequest, tracking: string): Promise<string> {
    for (;;) {
      const candidate = `${request.carrier}${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e6)).padStart(6, '0')}`;
      if (await this.client.redis.hsetnx(tracking, candidate, request.bookingKey)) return candidate;
    }
  }

  async cancel(trackingNumber: string): Promise<void> {
    await this.behave('cancel');
    await this.client.redis.sadd(this.client.key('sim', 'carrier', 'cancelled'), trackingNumber);
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

  /** How many distinct bookings the simulated carriers hold (tests check "booked once"). */
  async bookingCount(): Promise<number> {
    return this.client.redis.hlen(this.client.key('sim', 'carrier', 'bookings'));
  }

  private async behave(operation: string): Promise<void> {
    const { latencyMs, failureRate } = this.config.simulators;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, randomInt(Math.floor(latencyMs / 2), latencyMs + 1)));
    if (failureRate > 0 && Math.random() < failureRate) throw new Error(`carrier simulator: ${operation} timed out`);
  }
}
