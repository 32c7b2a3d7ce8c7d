import { callProvider, parseTimestamp, ProviderEndpoint, unusableAnswer } from '@returns/contracts';
import { Booking, BookingRequest, CarrierGateway } from '../carrier-gateway.interface';

/** How the carrier is named in errors and logs. */
const PROVIDER = 'carrier';

/**
 * The real couriers, through a courier aggregator's booking API over HTTP (CARRIER_API_URL,
 * CARRIER_API_KEY sent as `Authorization: Bearer`, PROVIDER_TIMEOUT per call):
 *
 * - `POST {url}/bookings`, header `Idempotency-Key: <bookingKey>`, JSON body
 *   `{ carrier, method, from, to?, units, quotedCostMinor }` (`to` omitted for a parcel to
 *   our warehouse) → 200 or 201 `{ trackingNumber, labelUrl, pickupWindow: { from, to } | null,
 *   costMinor }` (the window's timestamps in any offset: kept in UTC). The aggregator books
 *   once per key: a retry with the same key answers the same booking.
 * - `DELETE {url}/bookings/{trackingNumber}` → 200 or 204; 404 when the booking is already
 *   gone, which is what a cancel wants too.
 *
 * Every failure throws (ProviderHttpError): no answer in time, a non-2xx answer, or an
 * answer that is not a booking, which would otherwise be stored as one. The booking job
 * retries with the same key.
 */
export class CarrierHttpGateway implements CarrierGateway {
  constructor(private readonly provider: ProviderEndpoint) {}

  async book(request: BookingRequest, quotedCostMinor: number): Promise<Booking> {
    const { bookingKey, carrier, method, from, to, units } = request;
    const { status, body } = await callProvider<unknown>(PROVIDER, this.provider, {
      method: 'POST',
      path: '/bookings',
      idempotencyKey: bookingKey,
      body: { carrier, method, from, ...(to ? { to } : {}), units, quotedCostMinor },
    });
    const problem = bookingProblem(body);
    if (problem) throw unusableAnswer(PROVIDER, `POST ${this.provider.url}/bookings`, status, body, `no booking (${problem})`);
    const booking = body as Booking;
    return {
      trackingNumber: booking.trackingNumber,
      labelUrl: booking.labelUrl,
      // In UTC, as every timestamp of ours: the carrier may write its own offset (`+08:00`).
      pickupWindow: booking.pickupWindow && { from: utc(booking.pickupWindow.from), to: utc(booking.pickupWindow.to) },
      costMinor: booking.costMinor,
    };
  }

  async cancel(trackingNumber: string): Promise<void> {
    await callProvider(PROVIDER, this.provider, { method: 'DELETE', path: `/bookings/${encodeURIComponent(trackingNumber)}`, accept: [404] });
  }
}

/** What is wrong with an answer to a booking, or null when it is one. */
function bookingProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'not a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.trackingNumber !== 'string' || !b.trackingNumber.trim()) return 'trackingNumber must be a non-empty string';
  if (b.labelUrl !== null && typeof b.labelUrl !== 'string') return 'labelUrl must be a string or null';
  if (b.pickupWindow !== null) {
    const pickup = b.pickupWindow as Record<string, unknown> | undefined;
    const instant = (v: unknown) => typeof v === 'string' && !Number.isNaN(parseTimestamp(v).getTime());
    if (typeof pickup !== 'object' || !instant(pickup.from) || !instant(pickup.to)) return 'pickupWindow must be { from, to } (timestamps) or null';
  }
  if (!Number.isSafeInteger(b.costMinor) || (b.costMinor as number) < 0) return 'costMinor must be a whole number of minor units, 0 or more';
  return null;
}

/** A carrier's timestamp as ISO-8601 UTC; one written without an offset is read as UTC (`parseTimestamp`). */
function utc(timestamp: string): string {
  return parseTimestamp(timestamp).toISOString();
}
