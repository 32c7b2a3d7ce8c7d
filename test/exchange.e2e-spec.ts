import { CaseService } from '@returns/case';
import { JobRequest, Jobs } from '@returns/contracts';
import { InspectionService } from '@returns/inspection';
import { IntakeService } from '@returns/intake';
import { CarrierSimulator, LogisticsService } from '@returns/logistics';
import { FeedbackService, RefundService } from '@returns/refund';
import { addedJob, deadlinePassed, inspectedAs, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

/**
 * An exchange whose returned units pass inspection gets its replacement: a courier booked
 * from the warehouse to the order's address for as many units as passed, once, the customer
 * told the tracking number and upstream the event. The stages are called as their workers would.
 */
describe('an exchange', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false, env: { OUTBOUND_WEBHOOK_URLS: 'http://127.0.0.1:9/returns-events' } });
  });

  afterAll(() => service?.close());

  const added = (request: JobRequest) => addedJob(service, request);
  const view = async (caseId: string) => (await service.as('agent').get(`/v1/returns/${caseId}`)).body;
  const bookings = () => service.get(CarrierSimulator).bookings();

  /** An exchange of `quantity` units received, reported as `conditions` and graded. */
  async function inspectedExchange(conditions: string[]): Promise<string> {
    const { orderId } = await putOrder(service, { items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: conditions.length, unitPrice: 9900 }] });
    const created = await postReturn(service, returnBody(orderId, { type: 'EXCHANGE', items: [{ sku: 'S1', quantity: conditions.length }] }));
    const caseId = created.body.id;
    await service.get(IntakeService).judge(caseId);
    const logistics = service.get(LogisticsService);
    await logistics.book(caseId);
    await logistics.receive(caseId, 'warehouse:w-01');
    const items = conditions.map((condition) => inspectedAs('S1', 1, condition));
    expect((await service.as('warehouse').post(`/v1/returns/${caseId}/inspection`, { inspector: 'w-07', items })).status).toBe(202);
    await service.get(InspectionService).grade(caseId);
    return caseId;
  }

  it('ships the replacement once when the returned item passes, and tells the customer and upstream', async () => {
    const caseId = await inspectedExchange(['NEW']);
    expect((await service.get(CaseService).find(caseId))!.status).toBe('EXCHANGE_SHIPPED');
    expect((await added(Jobs.shipReplacement(caseId))).data).toEqual({ caseId });

    const logistics = service.get(LogisticsService);
    await logistics.shipReplacement(caseId);
    await logistics.shipReplacement(caseId); // a replay books nothing new
    const after = await view(caseId);
    expect(after.status).toBe('EXCHANGE_SHIPPED');
    expect(after.replacement).toEqual({
      carrier: expect.any(String),
      trackingNumber: (await bookings()).get(`replacement:${caseId}`)!.trackingNumber,
      costMinor: expect.any(Number),
      costCurrency: 'CNY',
      units: 1,
      at: expect.any(String),
      status: 'BOOKED',
      statusAt: null,
      events: [],
    });
    expect(after.sentBack).toBeNull();
    const told = await added(Jobs.notify(caseId, 'exchange.shipped'));
    expect(told.data.params).toEqual({ carrier: after.replacement.carrier, trackingNumber: after.replacement.trackingNumber });
    expect(await added(Jobs.webhook(caseId, 'exchange.shipped'))).toBeDefined();
  });

  it('ships as many units as passed, and sends back the one that failed', async () => {
    const caseId = await inspectedExchange(['NEW', 'USED']);
    const logistics = service.get(LogisticsService);
    await logistics.shipReplacement(caseId);
    await logistics.sendBack(caseId);
    const after = await view(caseId);
    expect(after.status).toBe('EXCHANGE_SHIPPED');
    expect(after.replacement).toMatchObject({ units: 1, status: 'BOOKED' });
    expect(after.sentBack).toMatchObject({ units: 1, status: 'BOOKED' });
    expect(after.replacement.trackingNumber).not.toBe(after.sentBack.trackingNumber);
  });

  it('ships nothing for an exchange that failed inspection: the item goes back instead', async () => {
    const caseId = await inspectedExchange(['USED']);
    expect((await service.get(CaseService).find(caseId))!.status).toBe('INSPECTION_FAILED');
    await service.get(LogisticsService).shipReplacement(caseId);
    expect((await bookings()).has(`replacement:${caseId}`)).toBe(false);
    expect((await view(caseId)).replacement).toBeNull();
  });

  it("follows the carrier's scans of the replacement apart from the return's own, and tells the agents when it is lost", async () => {
    const caseId = await inspectedExchange(['NEW']);
    const logistics = service.get(LogisticsService);
    await logistics.shipReplacement(caseId);
    const { carrier, trackingNumber } = (await view(caseId)).replacement;
    const inbound = (await view(caseId)).shipment.events;
    const scan = async (status: string, minutesAgo: number) => {
      const response = await service
        .as('carrier')
        .post('/v1/logistics/tracking', { carrier, trackingNumber, status, occurredAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(), location: '杭州' });
      for (const { id } of await service.db.query('SELECT id FROM tracking_events WHERE case_id = $1 AND applied_at IS NULL', [caseId])) await logistics.applyTracking(id);
      return response;
    };
    expect((await scan('PICKED_UP', 30)).status).toBe(202);
    expect((await scan('IN_TRANSIT', 20)).status).toBe(202);
    expect((await view(caseId)).replacement).toMatchObject({ status: 'IN_TRANSIT', events: [{ status: 'PICKED_UP' }, { status: 'IN_TRANSIT' }] });
    await scan('LOST', 10);
    const after = await view(caseId);
    expect(after.replacement.status).toBe('LOST');
    expect(after.status).toBe('EXCHANGE_SHIPPED');
    expect(after.shipment.events).toEqual(inbound);
    const notices = (await service.as('agent').get('/v1/staff-notifications?limit=200')).body.items.filter((n: { caseId: string }) => n.caseId === caseId);
    expect(notices.map((n: { kind: string; message: string }) => [n.kind, n.message])).toEqual([
      ['replacement-lost', `the replacement sent to the customer (${carrier} ${trackingNumber}) was lost by the carrier: send another, or refund the customer`],
    ]);
  });

  it('ships nothing for an exchange the carrier lost on its way in, refunded in full and completed since', async () => {
    const { orderId } = await putOrder(service);
    const caseId = (await postReturn(service, returnBody(orderId, { type: 'EXCHANGE' }))).body.id;
    await service.get(IntakeService).judge(caseId);
    const logistics = service.get(LogisticsService);
    await logistics.book(caseId);
    const { carrier, trackingNumber } = (await view(caseId)).shipment;
    for (const [status, minutesAgo] of [['PICKED_UP', 30], ['LOST', 20]] as const) {
      await service.as('carrier').post('/v1/logistics/tracking', { carrier, trackingNumber, status, occurredAt: new Date(Date.now() - minutesAgo * 60_000).toISOString() });
    }
    for (const { id } of await service.db.query('SELECT id FROM tracking_events WHERE case_id = $1 AND applied_at IS NULL ORDER BY occurred_at', [caseId])) await logistics.applyTracking(id);
    await service.get(RefundService).issue(caseId, true);
    await deadlinePassed(service, caseId, 'completeBy');
    expect(await service.get(FeedbackService).onCompletionDeadline(caseId)).toBe(true);
    expect((await view(caseId)).status).toBe('COMPLETED');

    await logistics.shipReplacement(caseId);
    expect((await bookings()).has(`replacement:${caseId}`)).toBe(false);
    expect((await logistics.owedSince(new Date(Date.now() - 60_000))).map((j) => j.jobId)).not.toContain(Jobs.shipReplacement(caseId).jobId);
  });

  it('is owed by recovery while not shipped, and its message and webhook once shipped', async () => {
    const caseId = await inspectedExchange(['NEW']);
    await (await added(Jobs.shipReplacement(caseId))).remove();
    const since = new Date(Date.now() - 60_000);
    const logistics = service.get(LogisticsService);
    expect((await logistics.owedSince(since)).map((j) => j.jobId)).toContain(Jobs.shipReplacement(caseId).jobId);
    await logistics.shipReplacement(caseId);
    const owed = (await logistics.owedSince(since)).map((j) => j.jobId);
    expect(owed).not.toContain(Jobs.shipReplacement(caseId).jobId);
    expect(owed).toEqual(expect.arrayContaining([Jobs.notify(caseId, 'exchange.shipped').jobId, Jobs.webhook(caseId, 'exchange.shipped').jobId]));
  });
});
