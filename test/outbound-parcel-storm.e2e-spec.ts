import { TrackingStatus } from '@returns/contracts';
import { failedJobs, inspectedAs, putOrder, returnFor } from './support/api-helpers';
import { inLanes, scansKept, shuffle, stormOf, timelineOf } from './support/storm';

const SCANS: TrackingStatus[] = ['PICKED_UP', 'IN_TRANSIT', 'EXCEPTION', 'LOST', 'DELIVERED', 'DELIVERED_TO_WAREHOUSE'];
/** How far along a parcel each scan says it is (LogisticsService's PARCEL_RANK): a parcel never moves back. */
const RANK: Record<string, number> = { BOOKED: 0, EXCEPTION: 1, PICKED_UP: 2, IN_TRANSIT: 3, LOST: 4, DELIVERED: 5, DELIVERED_TO_WAREHOUSE: 5 };

/**
 * The carrier's scans of items sent back to their customers (failed at inspection), in any
 * order and some twice, for many parcels at once over two worker processes. Whatever the order:
 * the parcel only moves forwards (a delivery outranks a loss), its case stays where it is,
 * the agents hear once of a loss, of a parcel brought back undelivered, and of a lost one
 * delivered after all, and of nothing the scans did not say; each scan is applied once and no
 * job fails.
 */
describe('a storm of scans of parcels going back to customers, in any order', () => {
  const storm = stormOf();
  const { seed, random, pick } = storm;

  it(`moves each parcel forwards only and tells the agents once of what the scans said (seed ${seed})`, async () => {
    const { service } = storm;
    const CASES = Number(process.env.STORM_RETURNS ?? 16);
    const views = await Promise.all(
      Array.from({ length: CASES }, async () => {
        const { orderId } = await putOrder(service);
        const booked = await returnFor(service, orderId, 'AWAITING_SHIPMENT');
        expect((await service.as('warehouse').post(`/v1/returns/${booked.id}/receive`)).status).toBe(200);
        // Worn: it fails inspection and goes back to its customer.
        expect((await service.as('warehouse').post(`/v1/returns/${booked.id}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'USED')] })).status).toBe(202);
        const view = await service.waitForStatus(booked.id, 'RETURNED_TO_CUSTOMER');
        return { view, before: (await timelineOf(service, booked.id)).steps };
      }),
    );

    const scans: { caseId: string; carrier: string; trackingNumber: string; status: TrackingStatus; occurredAt: string }[] = [];
    const sentAt = Date.now();
    for (const { view } of views) {
      const { carrier, trackingNumber } = view.sentBack;
      for (let n = 1 + Math.floor(random() * 5); n > 0; n--) {
        const scan = { caseId: view.id, carrier, trackingNumber, status: pick(SCANS), occurredAt: new Date(sentAt + Math.floor(random() * 600) * 60_000).toISOString() };
        scans.push(scan);
        if (random() < 0.3) scans.push({ ...scan }); // the carrier sends it again
      }
    }
    shuffle(scans, random);
    const answers = await inLanes(scans, 12, async ({ carrier, trackingNumber, status, occurredAt }) => {
      const response = await service.as('carrier').post('/v1/logistics/tracking', { carrier, trackingNumber, status, occurredAt, location: '杭州' });
      return response.status;
    });
    expect(answers.filter((a) => a.answer !== 202)).toEqual([]);
    await service.drain(60_000);

    const problems: string[] = [];
    for (const { view, before } of views) {
      const sent = scans.filter((s) => s.caseId === view.id).map((s) => s.status);
      const tag = `case ${view.id} (${scans.filter((s) => s.caseId === view.id).map((s) => `${s.status}@${s.occurredAt.slice(11, 16)}`).join(', ')})`;
      // The case stays where it was.
      const { status, steps } = await timelineOf(service, view.id);
      if (status !== 'RETURNED_TO_CUSTOMER' || steps.join() !== before.join()) problems.push(`${tag}: ${status}, timeline ${steps.join(', ')}`);
      // The parcel went as far as the scans said: a delivery wins; a loss, unless a later scan was in hand when it came.
      const [{ parcel }] = await service.db.query('SELECT status AS parcel FROM sent_back_parcels WHERE case_id = $1', [view.id]);
      const top = Math.max(...sent.map((s) => RANK[s]));
      const belowLost = Math.max(RANK.BOOKED, ...sent.filter((s) => s !== 'LOST').map((s) => RANK[s]));
      if (!(RANK[parcel] === top || (top === RANK.LOST && RANK[parcel] === belowLost)) || (RANK[parcel] > 0 && !sent.includes(parcel))) problems.push(`${tag}: the parcel is ${parcel}`);
      // The agents heard of what the scans said, once (UNIQUE (case_id, kind) keeps it once).
      const notices: { kind: string }[] = await service.db.query('SELECT kind FROM staff_notifications WHERE case_id = $1', [view.id]);
      const kinds = new Set(notices.map((n) => n.kind));
      const may = new Set([...(sent.includes('LOST') ? ['sent-back-lost'] : []), ...(sent.includes('DELIVERED_TO_WAREHOUSE') ? ['sent-back-undelivered'] : []), ...(sent.includes('LOST') && sent.includes('DELIVERED') ? ['sent-back-delivered'] : [])]);
      for (const kind of kinds) if (!may.has(kind)) problems.push(`${tag}: the agents were told ${kind}`);
      if (kinds.has('sent-back-delivered') && !kinds.has('sent-back-lost')) problems.push(`${tag}: told found, never told lost`);
      if (parcel === 'LOST' && !kinds.has('sent-back-lost')) problems.push(`${tag}: lost, the agents not told`);
      if (parcel === 'DELIVERED_TO_WAREHOUSE' && !kinds.has('sent-back-undelivered')) problems.push(`${tag}: back at the warehouse, the agents not told`);
    }
    // Each scan stored once, however often it was sent, and applied.
    const kept = await scansKept(service, views.map((v) => v.view.id), scans);
    expect(kept).toEqual({ sent: kept.sent, stored: kept.sent, unapplied: 0 });
    expect({ seed, problems, failed: await failedJobs(service) }).toEqual({ seed, problems: [], failed: [] });
  });
});
