import { DeadlineNotDue } from '@returns/case';
import { Jobs, QueueName } from '@returns/contracts';
import { LogisticsService } from '@returns/logistics';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';
import { eventually } from './support/eventually';

/** How long the warehouse has, here, to scan in a parcel the carrier delivered. */
const RECEIPT_DEADLINE_MS = 2_000;

/**
 * A parcel the carrier delivered to the warehouse that nobody scans in leaves its case in
 * IN_TRANSIT, where no other deadline watches it: on Double-11, a parcel lost on the dock.
 * RECEIPT_DEADLINE after the delivery scan, the agents are told to find it, and the deadline
 * counts as missed in the SLA breaches until the scan.
 */
describe('the receipt deadline', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true, env: { RECEIPT_DEADLINE: `${RECEIPT_DEADLINE_MS}ms` } });
  });

  afterAll(() => service.close());

  /** A return the carrier picked up, carried to IN_TRANSIT; `scan` posts its next carrier scans. */
  async function inTransit(): Promise<{ id: string; rmaNumber: string; scan: (status: string) => Promise<void> }> {
    const { orderId } = await putOrder(service);
    const id = (await postReturn(service, returnBody(orderId))).body.id;
    const { shipment, rmaNumber } = await service.waitForStatus(id, 'AWAITING_SHIPMENT');
    const scan = async (status: string) => {
      await service.as('carrier').post('/v1/logistics/tracking', { carrier: shipment.carrier, trackingNumber: shipment.trackingNumber, status, occurredAt: new Date().toISOString() }).expect(202);
    };
    await scan('PICKED_UP');
    await service.waitForStatus(id, 'IN_TRANSIT');
    return { id, rmaNumber, scan };
  }

  const noticesOf = async (caseId: string) =>
    (await service.as('agent').get('/v1/staff-notifications?limit=200')).body.items.filter((n: { caseId: string }) => n.caseId === caseId);
  const breachesOf = async (caseId: string) =>
    (await service.as('admin').get(`/v1/admin/sla/breaches?from=${new Date(Date.now() - 3_600_000).toISOString()}&limit=1000`)).body.items.filter(
      (b: { caseId: string }) => b.caseId === caseId,
    );
  const deliveredSet = async (caseId: string) => {
    let receiveBy: string | undefined;
    await eventually('the delivery scan to set the receipt deadline', async () => {
      receiveBy = (await service.as('admin').get(`/v1/returns/${caseId}`)).body.deadlines?.receiveBy;
      return receiveBy !== undefined;
    });
    return receiveBy!;
  };

  it('tells the agents once when a delivered parcel is not scanned in by its deadline, and counts it missed until the scan', async () => {
    const { id, rmaNumber, scan } = await inTransit();
    const before = Date.now();
    await scan('DELIVERED_TO_WAREHOUSE');
    const receiveBy = await deliveredSet(id);
    expect(Date.parse(receiveBy) - before).toBeGreaterThanOrEqual(RECEIPT_DEADLINE_MS - 50);
    expect(Date.parse(receiveBy) - before).toBeLessThan(RECEIPT_DEADLINE_MS + 10_000);

    await eventually('the agents to be told', async () => (await noticesOf(id)).length > 0, { timeoutMs: 20_000 });
    const [notice] = await noticesOf(id);
    expect(notice).toMatchObject({ kind: 'receipt-overdue', rmaNumber });
    expect(notice.message).toContain('find the parcel and receive it');
    // The case has not moved: only the warehouse's scan moves it on.
    expect((await service.as('admin').get(`/v1/returns/${id}`)).body.status).toBe('IN_TRANSIT');
    expect(await breachesOf(id)).toEqual([
      { caseId: id, rmaNumber, status: 'IN_TRANSIT', sla: 'receipt', dueAt: new Date(receiveBy).toISOString(), open: true, resolvedBy: null, resolvedAt: null },
    ]);
    // A second delivery scan (a duplicate, a DELIVERED after it) sets no new deadline.
    await scan('DELIVERED');
    await service.drain(10_000);
    expect((await service.as('admin').get(`/v1/returns/${id}`)).body.deadlines.receiveBy).toBe(receiveBy);

    // Found and scanned in, late: the notice is done with, the breach resolved by the warehouse.
    await service.as('warehouse').post(`/v1/returns/${id}/receive`).expect(200);
    expect(await noticesOf(id)).toEqual([]);
    expect(await breachesOf(id)).toEqual([
      { caseId: id, rmaNumber, status: 'RECEIVED', sla: 'receipt', dueAt: new Date(receiveBy).toISOString(), open: false, resolvedBy: expect.stringMatching(/^warehouse/), resolvedAt: expect.any(String) },
    ]);
    // Its timer, run again (a replay), does nothing now.
    expect(await service.get(LogisticsService).onReceiptDeadline(id)).toBe(false);
  });

  it('tells nobody, and counts nothing missed, when the parcel is scanned in before its deadline', async () => {
    const { id, scan } = await inTransit();
    await scan('DELIVERED_TO_WAREHOUSE');
    await deliveredSet(id);
    await service.as('warehouse').post(`/v1/returns/${id}/receive`).expect(200);
    // Past the deadline, its timer has run and found the case received.
    const timer = await service.queue(QueueName.Timers).getJob(Jobs.deadline(id, 'receipt', 0).jobId);
    expect(timer).toBeTruthy();
    await eventually('the receipt timer to have run', async () => (await timer!.getState()) === 'completed', { timeoutMs: 20_000 });
    expect(await noticesOf(id)).toEqual([]);
    expect(await breachesOf(id)).toEqual([]);
  });

  it('sets no receipt deadline for a parcel scanned in before the carrier reported it delivered', async () => {
    const { id, scan } = await inTransit();
    await service.as('warehouse').post(`/v1/returns/${id}/receive`).expect(200);
    await scan('DELIVERED_TO_WAREHOUSE');
    await service.drain(10_000);
    expect((await service.as('admin').get(`/v1/returns/${id}`)).body.deadlines.receiveBy).toBeUndefined();
  });

  it('waits for its deadline when run early, and is owed again by recovery while the parcel waits to be scanned in, due when it was', async () => {
    const { id, scan } = await inTransit();
    const since = new Date();
    await scan('DELIVERED_TO_WAREHOUSE');
    const receiveBy = await deliveredSet(id);
    // Its timer run early (a replay, a job promoted by hand) does nothing and waits for the deadline.
    await expect(service.get(LogisticsService).onReceiptDeadline(id)).rejects.toBeInstanceOf(DeadlineNotDue);
    expect(await noticesOf(id)).toEqual([]);
    const owed = (await service.get(LogisticsService).owedSince(since)).filter((j) => j.jobId === Jobs.deadline(id, 'receipt', 0).jobId);
    expect(owed).toHaveLength(1);
    expect(Math.abs(Date.now() + owed[0].delayMs! - Date.parse(receiveBy))).toBeLessThan(1_000);
  });
});
