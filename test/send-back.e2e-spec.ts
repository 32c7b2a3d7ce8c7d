import { CaseService } from '@returns/case';
import { JobRequest, Jobs } from '@returns/contracts';
import { InspectionService } from '@returns/inspection';
import { IntakeService } from '@returns/intake';
import { CarrierGateway, CarrierSimulator, LogisticsService } from '@returns/logistics';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { PolicyService } from '@returns/policy';
import { OutboxService } from '@returns/queue';
import { addedJob, inspectedAs, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

/**
 * An item that fails inspection goes back to its customer (INSPECTION_FAILED →
 * RETURNED_TO_CUSTOMER): a courier booked from the warehouse to the order's address, once,
 * and the customer told the tracking number. The stages are called as their workers would.
 */
describe('sending a failed item back', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service?.close());

  const added = (request: JobRequest) => addedJob(service, request);

  /** A return received and failed at inspection (worn). */
  async function failedAtInspection(): Promise<string> {
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId));
    const caseId = created.body.id;
    await service.get(IntakeService).judge(caseId);
    const logistics = service.get(LogisticsService);
    await logistics.book(caseId);
    await logistics.receive(caseId, 'warehouse:w-01');
    expect((await service.as('warehouse').post(`/v1/returns/${caseId}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'USED')] })).status).toBe(202);
    await service.get(InspectionService).grade(caseId);
    return caseId;
  }

  it('books a courier from the warehouse to the customer once, moves the case and tells the customer', async () => {
    const caseId = await failedAtInspection();
    expect((await service.get(CaseService).find(caseId))!.status).toBe('INSPECTION_FAILED');
    expect((await added(Jobs.sendBack(caseId))).data).toEqual({ caseId });

    const logistics = service.get(LogisticsService);
    await logistics.sendBack(caseId);
    const view = (await service.as('agent').get(`/v1/returns/${caseId}`)).body;
    expect(view.status).toBe('RETURNED_TO_CUSTOMER');
    const [parcel] = await service.db.query('SELECT carrier, tracking_number FROM sent_back_parcels WHERE case_id = $1', [caseId]);
    expect(view.sentBack).toEqual({
      carrier: parcel.carrier,
      trackingNumber: parcel.tracking_number,
      costMinor: expect.any(Number),
      costCurrency: 'CNY',
      units: 1,
      at: expect.any(String),
      status: 'BOOKED',
      statusAt: null,
      events: [],
    });
    expect(view.timeline.at(-1)).toMatchObject({ from: 'INSPECTION_FAILED', to: 'RETURNED_TO_CUSTOMER', actor: 'system:logistics', note: `sent back: ${parcel.carrier} ${parcel.tracking_number}` });
    // The carrier holds one booking under the send-back key, besides the return's own.
    const bookings = await service.get(CarrierSimulator).bookings();
    expect(bookings.get(`send-back:${caseId}`)?.trackingNumber).toBe(parcel.tracking_number);
    expect(bookings.get(caseId)?.trackingNumber).toBe(view.shipment.trackingNumber);
    // The customer hears of it with the carrier and the tracking number.
    const told = await added(Jobs.notify(caseId, 'item.sent_back'));
    expect(told.data.params).toEqual({ carrier: parcel.carrier, trackingNumber: parcel.tracking_number });

    // A replay books nothing more and changes nothing.
    await logistics.sendBack(caseId);
    expect((await service.db.query('SELECT count(*)::int AS n FROM sent_back_parcels WHERE case_id = $1', [caseId]))[0].n).toBe(1);
    expect((await service.get(CaseService).timeline(caseId)).filter((t) => t.to === 'RETURNED_TO_CUSTOMER')).toHaveLength(1);
  });

  it('leaves the case waiting when the carrier fails, and sends it back on the retry', async () => {
    const caseId = await failedAtInspection();
    // The courier times out once; then the simulated one answers.
    const simulator = service.get(CarrierSimulator);
    let timeouts = 1;
    const flaky: CarrierGateway = {
      book: async (request, quoted) => {
        if (timeouts-- > 0) throw new Error('carrier timed out');
        return simulator.book(request, quoted);
      },
      cancel: (trackingNumber) => simulator.cancel(trackingNumber),
    };
    const logistics = new LogisticsService(service.db, service.get<AppConfig>(APP_CONFIG), flaky, service.get(OutboxService), service.get(CaseService), service.get(PolicyService));
    await expect(logistics.sendBack(caseId)).rejects.toThrow('carrier timed out');
    expect((await service.get(CaseService).find(caseId))!.status).toBe('INSPECTION_FAILED');
    expect((await service.db.query('SELECT count(*)::int AS n FROM sent_back_parcels WHERE case_id = $1', [caseId]))[0].n).toBe(0);

    await logistics.sendBack(caseId); // what the job's retry does
    expect((await service.get(CaseService).find(caseId))!.status).toBe('RETURNED_TO_CUSTOMER');
    expect((await added(Jobs.notify(caseId, 'item.sent_back'))).data.params).toMatchObject({ trackingNumber: expect.any(String) });
  });

  it('sends back a unit beyond the return\'s that failed, though the return passed, and recovery owes it', async () => {
    const { orderId } = await putOrder(service);
    const caseId = (await postReturn(service, returnBody(orderId))).body.id;
    await service.get(IntakeService).judge(caseId);
    const logistics = service.get(LogisticsService);
    await logistics.book(caseId);
    await logistics.receive(caseId, 'warehouse:w-01');
    // One unit asked for; two came, the second worn.
    const items = [inspectedAs('S1', 1, 'NEW'), inspectedAs('S1', 1, 'USED')];
    expect((await service.as('warehouse').post(`/v1/returns/${caseId}/inspection`, { inspector: 'w-07', items })).status).toBe(202);
    await service.get(InspectionService).grade(caseId);
    expect((await service.get(InspectionService).findByCase(caseId))!.outcome).toBe('PASSED');
    await (await added(Jobs.sendBack(caseId))).remove();
    const since = new Date(Date.now() - 60_000);
    expect((await logistics.owedSince(since)).map((j) => j.jobId)).toContain(Jobs.sendBack(caseId).jobId);
    await logistics.sendBack(caseId);
    expect((await service.as('agent').get(`/v1/returns/${caseId}`)).body.sentBack).toMatchObject({ units: 1 });
    expect((await logistics.owedSince(since)).map((j) => j.jobId)).not.toContain(Jobs.sendBack(caseId).jobId);
  });

  it('is owed by recovery while not sent, and its message once sent', async () => {
    const caseId = await failedAtInspection();
    await (await added(Jobs.sendBack(caseId))).remove();
    const since = new Date(Date.now() - 60_000);
    expect((await service.get(LogisticsService).owedSince(since)).map((j) => j.jobId)).toContain(Jobs.sendBack(caseId).jobId);
    await service.get(LogisticsService).sendBack(caseId);
    const owed = await service.get(LogisticsService).owedSince(since);
    expect(owed.map((j) => j.jobId)).not.toContain(Jobs.sendBack(caseId).jobId);
    const message = owed.find((j) => j.jobId === Jobs.notify(caseId, 'item.sent_back').jobId);
    expect(message?.data).toMatchObject({ params: { carrier: expect.any(String), trackingNumber: expect.any(String) } });
  });

  describe("the carrier's scans of the parcel sent back", () => {
    /** A case whose item went back, and a poster of the carrier's scans of that parcel, applied as the worker would. */
    async function sentBack() {
      const caseId = await failedAtInspection();
      const logistics = service.get(LogisticsService);
      await logistics.sendBack(caseId);
      const [parcel] = await service.db.query('SELECT carrier, tracking_number FROM sent_back_parcels WHERE case_id = $1', [caseId]);
      const now = Date.now();
      const scan = async (status: string, minutesAgo: number, carrier = parcel.carrier) => {
        const response = await service
          .as('carrier')
          .post('/v1/logistics/tracking', { carrier, trackingNumber: parcel.tracking_number, status, occurredAt: new Date(now - minutesAgo * 60_000).toISOString(), location: '杭州' });
        // What the worker's ApplyTracking jobs do.
        for (const { id } of await service.db.query('SELECT id FROM tracking_events WHERE case_id = $1 AND applied_at IS NULL', [caseId])) await logistics.applyTracking(id);
        return response;
      };
      return { caseId, scan };
    }
    const view = async (caseId: string) => (await service.as('agent').get(`/v1/returns/${caseId}`)).body;

    it('takes them (202, not 404 for a number we booked), moves the parcel only forwards, and leaves the case and its shipment alone', async () => {
      const { caseId, scan } = await sentBack();
      const inbound = (await view(caseId)).shipment.events;
      expect((await scan('PICKED_UP', 30)).status).toBe(202);
      expect((await scan('PICKED_UP', 30)).body.duplicate).toBe(true);
      expect((await scan('IN_TRANSIT', 20)).status).toBe(202);
      expect((await scan('PICKED_UP', 25)).status).toBe(202); // late: stored, moves nothing back
      expect((await view(caseId)).sentBack.status).toBe('IN_TRANSIT');
      expect((await scan('DELIVERED', 5)).status).toBe(202);
      expect((await scan('IN_TRANSIT', 1, 'NOT-THE-CARRIER')).status).toBe(404);

      const after = await view(caseId);
      expect(after.status).toBe('RETURNED_TO_CUSTOMER');
      expect(after.sentBack).toMatchObject({ status: 'DELIVERED', statusAt: expect.any(String) });
      expect(after.sentBack.events.map((e: { status: string }) => e.status)).toEqual(['PICKED_UP', 'PICKED_UP', 'IN_TRANSIT', 'DELIVERED']);
      expect(after.shipment.events).toEqual(inbound);
      expect(after.timeline.at(-1).to).toBe('RETURNED_TO_CUSTOMER');
      expect((await service.as('agent').get('/v1/staff-notifications')).body.items.filter((n: { caseId: string }) => n.caseId === caseId)).toEqual([]);
    });

    it('tells the agents once when the carrier loses it', async () => {
      const { caseId, scan } = await sentBack();
      await scan('PICKED_UP', 30);
      await scan('LOST', 10);
      await scan('LOST', 5); // the carrier says it again: one notice
      expect((await view(caseId)).sentBack.status).toBe('LOST');
      const notices = (await service.as('agent').get('/v1/staff-notifications?limit=')).body.items.filter((n: { caseId: string }) => n.caseId === caseId);
      expect(notices).toEqual([
        { caseId, rmaNumber: expect.any(String), kind: 'sent-back-lost', message: expect.stringContaining('was lost by the carrier'), createdAt: expect.any(String) },
      ]);
      expect((await service.as('portal').get('/v1/staff-notifications')).status).toBe(403);
    });

    it('keeps a delivered parcel delivered when a LOST scan comes after, and tells no one', async () => {
      const { caseId, scan } = await sentBack();
      await scan('PICKED_UP', 30);
      await scan('DELIVERED', 5);
      await scan('LOST', 1); // after the delivery: the carrier's mistake
      expect((await view(caseId)).sentBack.status).toBe('DELIVERED');
      expect((await service.as('agent').get('/v1/staff-notifications')).body.items.filter((n: { caseId: string }) => n.caseId === caseId)).toEqual([]);
    });

    it('takes no LOST scan older than a scan of the parcel on its way, and tells no one', async () => {
      const { caseId, scan } = await sentBack();
      await scan('PICKED_UP', 30);
      await scan('IN_TRANSIT', 5);
      await scan('LOST', 20); // late
      expect((await view(caseId)).sentBack.status).toBe('IN_TRANSIT');
      expect((await service.as('agent').get('/v1/staff-notifications')).body.items.filter((n: { caseId: string }) => n.caseId === caseId)).toEqual([]);
    });

    it('tells the agents, once, when a parcel they were told was lost is delivered after all', async () => {
      const { caseId, scan } = await sentBack();
      await scan('PICKED_UP', 30);
      await scan('LOST', 10);
      await scan('DELIVERED', 5);
      await scan('DELIVERED', 4); // said again
      expect((await view(caseId)).sentBack.status).toBe('DELIVERED');
      const notices = (await service.as('agent').get('/v1/staff-notifications')).body.items.filter((n: { caseId: string }) => n.caseId === caseId);
      expect(notices.map((n: { kind: string }) => n.kind)).toEqual(['sent-back-delivered', 'sent-back-lost']);
      expect(notices[0].message).toContain('was delivered to the customer after all');
    });

    it('tells the agents when it comes back to the warehouse undelivered', async () => {
      const { caseId, scan } = await sentBack();
      await scan('IN_TRANSIT', 30);
      await scan('DELIVERED_TO_WAREHOUSE', 10);
      expect((await view(caseId)).sentBack.status).toBe('DELIVERED_TO_WAREHOUSE');
      const kinds = (await service.as('agent').get('/v1/staff-notifications')).body.items.filter((n: { caseId: string }) => n.caseId === caseId).map((n: { kind: string }) => n.kind);
      expect(kinds).toEqual(['sent-back-undelivered']);
    });
  });
});
