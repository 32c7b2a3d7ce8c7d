import { setTimeout as wait } from 'node:timers/promises';
import type { Response } from 'supertest';
import { failedJobs, postEvent } from './support/api-helpers';
import { orderBody, returnBody, uniqueId } from './support/factories';
import { inLanes, shuffle, stormOf, timelineOf } from './support/storm';

/** One event as upstream sends it, and how many times it has been sent. */
type Action = { kind: 'order.delivered' | 'return.requested'; id: string; orderId: string; occurredAt: string; data: Record<string, unknown>; tries: number };

/** How often upstream tries a return whose order we do not know yet (404) before the storm gives up (~18 s of pauses in all). */
const MOST_TRIES = 60;

/**
 * An upstream order system on a bad day: for many orders at once, its `order.delivered` events
 * (one to three per order, each a newer snapshot) and its customers' `return.requested` events
 * come in any order, most of them more than once, from several connections at once; a return
 * may come before its order is known at all (404, which upstream tries again) or before its
 * delivery is (DELIVERY_GRACE holds it). Whatever the order: every event id is taken once and
 * answered `duplicate: true` after, each return opens one case, every one of them is judged
 * once its order's delivery is known (none rejected NOT_DELIVERED, none left waiting), each
 * order ends as its newest event said, and no job fails.
 */
describe('a storm of upstream events, out of order and repeated', () => {
  const storm = stormOf({ DELIVERY_GRACE: '1h' });
  const { seed, random, pick } = storm;

  it(`takes each event once and judges every return once its order is delivered (seed ${seed})`, async () => {
    const { service } = storm;
    const ORDERS = Number(process.env.STORM_RETURNS ?? 30);
    const longAgo = Date.now() - 3 * 3_600_000;
    const drafts = Array.from({ length: ORDERS }, () => {
      const orderId = uniqueId('o');
      const snapshot = orderBody({ deliveredAt: undefined });
      const deliveryCount = 1 + Math.floor(random() * 3);
      const returns = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
        id: uniqueId('evt-r'),
        occurredAt: new Date().toISOString(),
        data: returnBody(orderId, { items: [{ sku: pick(['S1', 'MUG']), quantity: 1 }], returnMethod: pick(['DROP_OFF', 'PICKUP']) }),
      }));
      // Half the orders upstream PUT before (paid, not delivered); the others it tells of by their delivery only.
      return { orderId, snapshot, known: random() < 0.5, deliveryCount, returns };
    });
    const known = new Set(drafts.filter((o) => o.known).map((o) => o.orderId));
    for (const order of drafts.filter((o) => o.known)) await service.as('upstream').put(`/v1/orders/${order.orderId}`, order.snapshot).expect(200);
    // The deliveries happened after those PUTs (an event older than a PUT is late, and changes
    // nothing), each 20 ms newer than the one before and all before the first is sent; the
    // goods themselves reached the customers hours ago, a minute apart, each snapshot named for its event.
    const putsStored = Date.now();
    await wait(60);
    const orders = drafts.map(({ deliveryCount, ...order }) => ({
      ...order,
      deliveries: Array.from({ length: deliveryCount }, (_, k) => ({
        id: uniqueId('evt-d'),
        occurredAt: new Date(putsStored + 1 + k * 20).toISOString(),
        data: { orderId: order.orderId, ...order.snapshot, customer: { ...order.snapshot.customer, name: `delivery ${k}` }, deliveredAt: new Date(longAgo + k * 60_000).toISOString() },
      })),
    }));

    const actions: Action[] = [];
    for (const { orderId, deliveries, returns } of orders) {
      for (const d of deliveries) for (let n = 1 + Math.floor(random() * 2); n > 0; n--) actions.push({ kind: 'order.delivered', orderId, ...d, tries: 0 });
      for (const r of returns) for (let n = 1 + Math.floor(random() * 3); n > 0; n--) actions.push({ kind: 'return.requested', orderId, ...r, tries: 0 });
    }
    shuffle(actions, random);

    const send = async (action: Action): Promise<Response> => {
      action.tries++;
      const response = await postEvent(service, { id: action.id, type: action.kind, occurredAt: action.occurredAt, data: action.data });
      // Upstream tries a return again later when its order is not known yet: at the end of the
      // line, after a pause that grows (a busy machine may take a while to store the order).
      if (response.status === 404 && response.body.code === 'ORDER_NOT_FOUND' && action.tries < MOST_TRIES) {
        await wait(10 * action.tries);
        actions.push({ ...action });
      }
      return response;
    };
    const answers = (await inLanes(actions, 10, send)).map(({ item, answer }) => ({ action: item, status: answer.status, body: answer.body }));

    const problems: string[] = [];
    for (const { action, status, body } of answers) {
      const fine = status === 202 || (status === 404 && body.code === 'ORDER_NOT_FOUND' && action.kind === 'return.requested' && !known.has(action.orderId));
      if (!fine) problems.push(`${action.kind} ${action.id} (try ${action.tries}): ${status} ${JSON.stringify(body)}`);
    }
    // Each event taken once, answered as a duplicate after; a return's every answer names one case.
    const byEvent = new Map<string, typeof answers>();
    for (const answer of answers.filter((a) => a.status === 202)) {
      const taken = byEvent.get(answer.action.id) ?? [];
      taken.push(answer);
      byEvent.set(answer.action.id, taken);
    }
    const returnIds = new Map<string, string>();
    for (const action of new Map(actions.map((a) => [a.id, a])).values()) {
      const taken = byEvent.get(action.id) ?? [];
      const firsts = taken.filter((a) => a.body.duplicate === false).length;
      if (firsts !== 1) problems.push(`${action.kind} ${action.id}: ${taken.length} answers 202, ${firsts} of them not a duplicate`);
      if (action.kind !== 'return.requested') continue;
      const ids = new Set(taken.map((a) => a.body.returnId));
      if (ids.size !== 1) problems.push(`return.requested ${action.id}: answered with ${ids.size} return ids (${[...ids].join(', ')})`);
      returnIds.set(action.id, [...ids][0]);
    }
    const events: { id: string; n: number }[] = await service.db.query('SELECT id, count(*)::int AS n FROM upstream_events WHERE id = ANY($1) GROUP BY id', [[...byEvent.keys()]]);
    for (const { id, n } of events.filter((e) => e.n !== 1)) problems.push(`event ${id} stored ${n} times`);
    if (events.length !== byEvent.size) problems.push(`${byEvent.size} events taken, ${events.length} stored`);

    await service.drain(60_000);
    const orderIds = orders.map((o) => o.orderId);
    // With, for a request judged (a case opened), its decision's codes.
    const requests: { key: string; id: string; judged: boolean; codes: string[] }[] = await service.db.query(
      `SELECT r.idempotency_key AS key, r.id, c.id IS NOT NULL AS judged, COALESCE(c.decision->'codes', '[]'::jsonb) AS codes
         FROM return_requests r LEFT JOIN return_cases c ON c.id = r.id WHERE r.order_id = ANY($1)`,
      [orderIds],
    );
    for (const [eventId, returnId] of returnIds) {
      const opened = requests.filter((r) => r.key === eventId);
      if (opened.length !== 1 || opened[0].id !== returnId) problems.push(`return.requested ${eventId}: ${opened.length} requests (${opened.map((r) => r.id).join(', ')}), answered ${returnId}`);
    }
    if (requests.length !== returnIds.size) problems.push(`${returnIds.size} returns asked for, ${requests.length} requests stored`);
    for (const r of requests.filter((r) => !r.judged)) problems.push(`request ${r.id} (${r.key}) never judged`);
    const held: { request_id: string }[] = await service.db.query('SELECT request_id FROM awaiting_delivery WHERE order_id = ANY($1)', [orderIds]);
    for (const h of held) problems.push(`request ${h.request_id} still waits for a delivery that came`);

    for (const r of requests.filter((r) => r.judged)) {
      const { status, steps, legal } = await timelineOf(service, r.id);
      if (!legal) problems.push(`case ${r.id}: status ${status}, timeline ${steps.join(', ')}`);
      if (r.codes.includes('NOT_DELIVERED')) problems.push(`case ${r.id}: rejected NOT_DELIVERED though its delivery came (${steps.join(', ')})`);
    }
    // Each order as its newest delivery event said, whatever order they came in.
    for (const { orderId, deliveries } of orders) {
      const newest = deliveries[deliveries.length - 1];
      const [row]: { name: string; last_event_at: Date; delivered_at: Date | null }[] = await service.db.query(
        `SELECT customer->>'name' AS name, last_event_at, delivered_at FROM orders WHERE id = $1`,
        [orderId],
      );
      const got = row && { name: row.name, at: row.last_event_at?.toISOString(), deliveredAt: row.delivered_at?.toISOString() };
      const want = { name: newest.data.customer.name, at: newest.occurredAt, deliveredAt: newest.data.deliveredAt };
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`order ${orderId}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
    expect({ seed, problems, failed: await failedJobs(service) }).toEqual({ seed, problems: [], failed: [] });
  });
});
