import { IncomingMessage } from 'node:http';
import { CaseService } from '@returns/case';
import { IntakeService } from '@returns/intake';
import { Booking, CARRIER_GATEWAY, CarrierGateway, CarrierHttpGateway, CarrierSimulator, LogisticsService } from '@returns/logistics';
import { postReturn, putOrder, scan } from './support/api-helpers';
import { returnBody, uniqueId } from './support/factories';
import { FakeProvider, Send } from './support/fake-provider';
import { TestService } from './support/service';

/**
 * Edges of the parcel coming back, found in a review: a tracking number the carrier reused for
 * a parcel we send out, a cancel that beats the booking and a carrier that fails to release it,
 * and a pickup window the carrier answers in its own time zone. The stages are called as their
 * workers would (no worker runs), so each step is deterministic.
 */
describe('the parcel coming back: review edges', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service?.close());

  const view = async (caseId: string) => (await service.as('agent').get(`/v1/returns/${caseId}`)).body;

  /** A return of 1 x S1 (SIZE_FIT), judged: APPROVED. */
  async function approved(returnOverrides: Record<string, unknown> = {}): Promise<string> {
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId, returnOverrides));
    expect(created.status).toBe(202);
    const caseId: string = created.body.id;
    await service.get(IntakeService).judge(caseId);
    expect((await service.get(CaseService).find(caseId))!.status).toBe('APPROVED');
    return caseId;
  }

  /** As `approved`, then booked: AWAITING_SHIPMENT. */
  async function booked(returnOverrides: Record<string, unknown> = {}): Promise<string> {
    const caseId = await approved(returnOverrides);
    await service.get(LogisticsService).book(caseId);
    expect((await service.get(CaseService).find(caseId))!.status).toBe('AWAITING_SHIPMENT');
    return caseId;
  }

  describe('a tracking number the carrier used before', () => {
    // Carriers recycle waybill numbers. Our return of case A came in under SF…X long ago; the
    // carrier now hands out the same number for an item we send back to another customer (case B).
    // Its scans are of B's parcel: B's agents must hear it was lost, and A's record stay as it was.
    it("applies a scan to the newest parcel with the number, not to an older return's shipment", async () => {
      const older = await booked();
      const before = await view(older);
      expect((await scan(service, before, 'DELIVERED_TO_WAREHOUSE', -60)).status).toBe(202);
      expect((await service.as('warehouse').post(`/v1/returns/${older}/receive`)).status).toBe(200);
      const [applied] = await service.db.query('SELECT id FROM tracking_events WHERE case_id = $1', [older]);
      await service.get(LogisticsService).applyTracking(applied.id);
      const olderEvents = (await view(older)).shipment.events;

      const newer = await booked();
      const { carrier, trackingNumber } = before.shipment;
      await service.db.query(
        `INSERT INTO sent_back_parcels (case_id, carrier, tracking_number, cost_minor, cost_currency, units, created_at) VALUES ($1, $2, $3, 1800, 'CNY', 1, now())`,
        [newer, carrier, trackingNumber],
      );
      await service.db.query(`UPDATE shipments SET created_at = now() - interval '30 days' WHERE case_id = $1`, [older]);

      const lost = await service.as('carrier').post('/v1/logistics/tracking', { carrier, trackingNumber, status: 'LOST', occurredAt: new Date().toISOString() });
      expect(lost.status).toBe(202);
      const [event] = await service.db.query('SELECT id, case_id FROM tracking_events WHERE tracking_number = $1 AND status = $2', [trackingNumber, 'LOST']);
      expect(event.case_id).toBe(newer);
      await service.get(LogisticsService).applyTracking(event.id);

      expect((await view(older)).shipment.events).toEqual(olderEvents);
      expect((await view(newer)).sentBack).toMatchObject({ trackingNumber, status: 'LOST' });
      const notices = await service.db.query('SELECT kind FROM staff_notifications WHERE case_id = $1', [newer]);
      expect(notices).toEqual([{ kind: 'sent-back-lost' }]);
    });
  });

  describe('a scan dated far in the future', () => {
    // A carrier's clock a year off (or a day and month swapped) says nothing true of the parcel,
    // and stored, it outranks every real scan by its date: a LOST reported after it would count
    // as "scanned since", and the customer whose parcel was lost would never be refunded.
    it('refuses a scan dated more than a day ahead with 400 OCCURRED_AT_IN_FUTURE, stores nothing, and a real LOST still refunds', async () => {
      const caseId = await booked();
      const before = await view(caseId);
      const ahead = await scan(service, before, 'IN_TRANSIT', 365 * 24 * 60);
      expect({ status: ahead.status, body: ahead.body }).toMatchObject({
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', code: 'OCCURRED_AT_IN_FUTURE', message: [expect.stringMatching(/occurredAt/)] },
      });
      expect(await service.db.query('SELECT 1 FROM tracking_events WHERE case_id = $1', [caseId])).toEqual([]);

      expect((await scan(service, before, 'LOST')).status).toBe(202);
      const [lost] = await service.db.query('SELECT id FROM tracking_events WHERE case_id = $1', [caseId]);
      await service.get(LogisticsService).applyTracking(lost.id);
      expect((await view(caseId)).status).toBe('REFUND_PENDING');
    });

    it('takes a scan a few hours ahead of our clock (a carrier clock off, scans of a busy day)', async () => {
      const before = await view(await booked());
      expect((await scan(service, before, 'PICKED_UP', 10 * 60)).status).toBe(202);
    });
  });

  describe('a case cancelled while its courier is being booked', () => {
    // The customer cancels a door pickup while the carrier is booking it; the booking comes back
    // and must be released, or a courier knocks on the door for a return that is over. When the
    // carrier fails that release, the booking job must fail, so its retry releases it.
    it('fails the booking job when the carrier does not release the booking, and its retry releases it', async () => {
      const caseId = await approved({ returnMethod: 'PICKUP' });
      const gateway = service.get<CarrierGateway>(CARRIER_GATEWAY);
      const original = gateway.book.bind(gateway);
      const book = jest.spyOn(gateway, 'book').mockImplementationOnce(async (...args) => {
        const cancelled = await service.as('portal').post(`/v1/returns/${caseId}/cancel`, {});
        expect(cancelled.status).toBe(200);
        return original(...args);
      });
      const cancel = jest.spyOn(gateway, 'cancel').mockRejectedValueOnce(new Error('carrier: cancel timed out'));
      try {
        await expect(service.get(LogisticsService).book(caseId)).rejects.toThrow(/cancel timed out/);
        const held = (await service.get(CarrierSimulator).bookings()).get(caseId);
        expect(held).toBeDefined();
        expect((await service.get(CarrierSimulator).cancellations()).has(held!.trackingNumber)).toBe(false);

        // The job's retry (an earlier attempt started) releases it.
        await service.get(LogisticsService).book(caseId, true);
        expect((await service.get(CarrierSimulator).cancellations()).has(held!.trackingNumber)).toBe(true);
        expect((await service.get(CaseService).find(caseId))!.status).toBe('CANCELLED');
        expect(await service.get(LogisticsService).findByCase(caseId)).toBeNull();
      } finally {
        book.mockRestore();
        cancel.mockRestore();
      }
    });
  });
});

/** An aggregator that answers pickup windows in China time (`+08:00`), as its own API documents them. */
class ChinaTimeCarrier extends FakeProvider {
  protected answer(req: IncomingMessage, body: any, send: Send): void {
    if (req.method === 'POST' && req.url === '/bookings') {
      const booking: Booking = {
        trackingNumber: `SF${Date.now()}`,
        labelUrl: null,
        pickupWindow: { from: '2030-01-02T09:00:00+08:00', to: '2030-01-02T13:00:00+08:00' },
        costMinor: body.quotedCostMinor,
      };
      return send(201, booking);
    }
    send(404, { error: 'no such route' });
  }
}

describe(`${CarrierHttpGateway.name}: pickup windows`, () => {
  let fake: ChinaTimeCarrier;

  beforeAll(async () => {
    fake = await new ChinaTimeCarrier('ck-tz').start();
  });

  afterAll(() => fake?.stop());

  // The contract's timestamps are UTC: the case view and the customer's message must not carry
  // the carrier's offset, which a client reading `Z` timestamps would take 8 hours wrong.
  it('answers the pickup window in UTC whatever offset the carrier wrote it with', async () => {
    const gateway = new CarrierHttpGateway({ url: fake.url, apiKey: 'ck-tz', timeoutMs: 2_000 });
    const from = { province: '浙江', city: '杭州', line: '文三路 1 号' };
    const booking = await gateway.book({ bookingKey: uniqueId('case'), carrier: 'SF', method: 'PICKUP', from, units: 1 }, 1_700);
    expect(booking.pickupWindow).toEqual({ from: '2030-01-02T01:00:00.000Z', to: '2030-01-02T05:00:00.000Z' });
  });
});
