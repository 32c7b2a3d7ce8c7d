import { TrackingStatus } from '@returns/contracts';
import { deadlineComes, failedJobs, putOrder, returnFor } from './support/api-helpers';
import { inLanes, scansKept, shuffle, stormOf, timelineOf } from './support/storm';

const SCANS: TrackingStatus[] = ['PICKED_UP', 'IN_TRANSIT', 'EXCEPTION', 'LOST', 'DELIVERED_TO_WAREHOUSE'];

/** What a storm sends about one return: carrier scans (each maybe twice), a warehouse scan, a cancellation, its ship-back deadline come. */
type Action =
  | { caseId: string; kind: 'scan'; status: TrackingStatus; occurredAt: string; carrier: string; trackingNumber: string }
  | { caseId: string; kind: 'receive' }
  | { caseId: string; kind: 'cancel' }
  | { caseId: string; kind: 'ship-back-deadline' };

/**
 * Carriers and warehouses on a busy day: every return's carrier scans arrive in any order,
 * some twice, with the warehouse's own scan, the customer's cancellation and the ship-back
 * deadline's timer racing them, for many returns at once, and two worker processes applying
 * them. Whatever the order: every answer is 2xx or a 409, every case's timeline is a chain of
 * moves the state machine allows, each scan is stored and applied once, no case stays behind a
 * scan that should have moved it, a parcel reported lost is refunded once, and no job fails.
 */
describe('a storm of parcel scans, in any order', () => {
  const storm = stormOf();
  const { seed, random, pick } = storm;

  it(`leaves every case where the state machine and the scans say (seed ${seed})`, async () => {
    const { service } = storm;
    const RETURNS = Number(process.env.STORM_RETURNS ?? 24);
    const views = await Promise.all(
      Array.from({ length: RETURNS }, async () => {
        const { orderId } = await putOrder(service);
        return returnFor(service, orderId, 'AWAITING_SHIPMENT', { returnMethod: 'PICKUP' });
      }),
    );

    const actions: Action[] = [];
    const bookedAt = Date.now();
    for (const view of views) {
      const { carrier, trackingNumber } = view.shipment;
      for (let n = 1 + Math.floor(random() * 5); n > 0; n--) {
        const scan: Action = { caseId: view.id, kind: 'scan', status: pick(SCANS), occurredAt: new Date(bookedAt + Math.floor(random() * 600) * 60_000).toISOString(), carrier, trackingNumber };
        actions.push(scan);
        if (random() < 0.3) actions.push({ ...scan }); // the carrier sends it again
      }
      if (random() < 0.4) actions.push({ caseId: view.id, kind: 'receive' });
      if (random() < 0.3) actions.push({ caseId: view.id, kind: 'cancel' });
      if (random() < 0.2) actions.push({ caseId: view.id, kind: 'ship-back-deadline' });
    }
    shuffle(actions, random);

    const send = async (a: Action): Promise<{ status: number; body?: { code?: string } }> => {
      if (a.kind === 'ship-back-deadline') {
        await deadlineComes(service, a.caseId, 'ship-back');
        return { status: 200 };
      }
      if (a.kind === 'scan') {
        const { carrier, trackingNumber, status, occurredAt } = a;
        return service.as('carrier').post('/v1/logistics/tracking', { carrier, trackingNumber, status, occurredAt, location: '杭州' });
      }
      return a.kind === 'receive' ? service.as('warehouse').post(`/v1/returns/${a.caseId}/receive`) : service.as('portal').post(`/v1/returns/${a.caseId}/cancel`);
    };
    const answers = (await inLanes(actions, 12, send)).map(({ item, answer }) => ({ action: item, status: answer.status, code: answer.body?.code }));
    const unexpected = answers.filter(({ action, status, code }) =>
      action.kind === 'scan' ? status !== 202 : !(status === 200 || (status === 409 && code === 'INVALID_TRANSITION')),
    );
    expect(unexpected).toEqual([]);

    await service.drain(60_000);
    for (const view of views.filter((v) => answers.some((a) => a.action.caseId === v.id && a.action.kind === 'scan' && a.action.status === 'LOST'))) {
      // A lost parcel's refund is paid by the simulator; wait for it where one was started.
      const [{ refunding }] = await service.db.query(`SELECT count(*)::int AS refunding FROM return_cases WHERE id = $1 AND status = 'REFUND_PENDING'`, [view.id]);
      if (refunding) await service.waitForStatus(view.id, 'REFUNDED', 30_000);
    }
    await service.drain(60_000);

    const problems: string[] = [];
    for (const view of views) {
      const sent = answers.filter((a) => a.action.caseId === view.id);
      const tag = `case ${view.id} (${sent.map((a) => (a.action.kind === 'scan' ? `${a.action.status}@${a.action.occurredAt.slice(11, 16)}` : `${a.action.kind}:${a.status}`)).join(', ')})`;
      const due = sent.some((a) => a.action.kind === 'ship-back-deadline');
      const { status, steps, reached, legal } = await timelineOf(service, view.id);
      if (!legal) problems.push(`${tag}: status ${status}, timeline ${steps.join(', ')}`);
      // No scan left behind: a carried or lost scan, or the warehouse's, takes a shipped return off AWAITING_SHIPMENT.
      const cancelled = sent.some((a) => a.action.kind === 'cancel' && a.status === 200);
      const moved = sent.some((a) => (a.action.kind === 'scan' && a.action.status !== 'EXCEPTION') || (a.action.kind === 'receive' && a.status === 200));
      if (cancelled !== (status === 'CANCELLED')) problems.push(`${tag}: a cancellation answered ${cancelled ? 200 : 'not 200'}, the case is ${status}`);
      if (moved && !cancelled && status === 'AWAITING_SHIPMENT') problems.push(`${tag}: still AWAITING_SHIPMENT after a scan that moves it`);
      if (!moved && !cancelled && status !== (due ? 'CLOSED' : 'AWAITING_SHIPMENT')) problems.push(`${tag}: ${status} with no scan that moves it`);
      if (status === 'CLOSED' && (!due || cancelled)) problems.push(`${tag}: CLOSED with no deadline come`);
      if (sent.some((a) => a.action.kind === 'receive' && a.status === 200) && !reached.has('RECEIVED')) problems.push(`${tag}: received (200) but never RECEIVED`);
      // A lost parcel is refunded once, and only a lost one is refunded here.
      const [{ refunds }] = await service.db.query('SELECT count(*)::int AS refunds FROM refunds WHERE case_id = $1', [view.id]);
      if (refunds !== (reached.has('LOST') ? 1 : 0)) problems.push(`${tag}: ${refunds} refunds, ${reached.has('LOST') ? 'lost' : 'never lost'}`);
      if (reached.has('LOST') && status !== 'REFUNDED') problems.push(`${tag}: lost, yet ${status}`);
    }
    // Each scan stored once, however often it was sent, and applied.
    const sentScans = answers.flatMap(({ action: a }) => (a.kind === 'scan' ? [a] : []));
    const kept = await scansKept(service, views.map((v) => v.id), sentScans);
    expect(kept).toEqual({ sent: kept.sent, stored: kept.sent, unapplied: 0 });
    // And no job failed, for good or waiting to be retried.
    expect({ seed, problems, failed: await failedJobs(service) }).toEqual({ seed, problems: [], failed: [] });
  });
});
