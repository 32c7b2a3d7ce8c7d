import { randomBytes } from 'node:crypto';
import { signBody } from '@returns/contracts';
import { postEvent, postReturn, putOrder } from './support/api-helpers';
import { orderBody, returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';
import { IntakeService } from '@returns/intake';

const DAY = 24 * 3_600_000;
const DECIDED = ['AWAITING_SHIPMENT', 'PENDING_REVIEW', 'REJECTED', 'REFUND_PENDING', 'REFUNDED', 'REFUND_FAILED', 'COMPLETED'] as const;

/**
 * The edges of intake: a risk-flagged case decided by an agent, deliveries dated ahead,
 * timestamps without an offset, and `order.delivered` events against one another and against
 * a direct PUT. (A timestamp without an offset shows its worth only in a process whose zone
 * is not UTC: run this file with `TZ=Asia/Shanghai` to see it; `parseTimestamp`'s own spec
 * runs it in such a zone whatever the machine's.)
 */
describe('intake edges', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true });
  });

  afterAll(() => service.close());

  const orderRow = async (orderId: string) =>
    (await service.db.query('SELECT items, delivered_at, paid_at, last_event_at FROM orders WHERE id = $1', [orderId]))[0] as {
      items: { sku: string; quantity: number }[];
      delivered_at: Date | null;
      paid_at: Date | null;
      last_event_at: Date | null;
    };

  const deliveredEvent = (orderId: string, occurredAt: string, overrides: Record<string, unknown> = {}) => ({
    id: uniqueId('evt'),
    type: 'order.delivered',
    occurredAt,
    data: { orderId, ...orderBody(overrides) },
  });

  describe('a risk-flagged case decided by an agent', () => {
    /** A case in PENDING_REVIEW for a risk signal alone: its photo is in another customer's case. */
    async function riskFlagged() {
      const sha256 = randomBytes(32).toString('hex');
      const body = { reasonCode: 'QUALITY_DEFECT', reasonText: '质量太差，开线了', photos: [{ url: 'https://img.example.com/broken.jpg', sha256 }] };
      const first = await putOrder(service);
      await service.waitForStatus((await postReturn(service, returnBody(first.orderId, body))).body.id, [...DECIDED]);
      const second = await putOrder(service);
      const flagged = await service.waitForStatus((await postReturn(service, returnBody(second.orderId, body))).body.id, [...DECIDED]);
      expect({ status: flagged.status, codes: flagged.decision.codes }).toEqual({ status: 'PENDING_REVIEW', codes: ['RISK_SIGNAL'] });
      return flagged;
    }

    it('rejected without a note: the customer sees no RISK_SIGNAL, and the timeline notes nothing for the agent', async () => {
      const flagged = await riskFlagged();
      expect((await service.as('agent').post(`/v1/returns/${flagged.id}/review`, { decision: 'REJECT' })).status).toBe(200);

      const portal = (await service.as('portal').get(`/v1/returns/${flagged.id}`)).body;
      expect(portal.status).toBe('REJECTED');
      expect(JSON.stringify(portal)).not.toMatch(/RISK_SIGNAL/);
      const agent = (await service.as('agent').get(`/v1/returns/${flagged.id}`)).body;
      expect(agent.timeline.find((t: { to: string }) => t.to === 'REJECTED')).toMatchObject({ actor: expect.stringMatching(/^agent/), note: null });
      expect(agent.decision.codes).toEqual(['RISK_SIGNAL']);
    });

    it("approved with a note naming the flag: neither the case nor the cancellation's answer shows it to the customer", async () => {
      const flagged = await riskFlagged();
      const note = 'RISK_SIGNAL checked: the photo is the customer’s own';
      expect((await service.as('agent').post(`/v1/returns/${flagged.id}/review`, { decision: 'APPROVE', note })).status).toBe(200);
      await service.waitForStatus(flagged.id, 'AWAITING_SHIPMENT');

      const portal = (await service.as('portal').get(`/v1/returns/${flagged.id}`)).body;
      expect(JSON.stringify(portal)).not.toMatch(/RISK_SIGNAL/);
      expect(portal.timeline.find((t: { to: string }) => t.to === 'APPROVED').note).toBe('checked: the photo is the customer’s own');
      const cancelled = await service.as('portal').post(`/v1/returns/${flagged.id}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(JSON.stringify(cancelled.body)).not.toMatch(/RISK_SIGNAL/);
      // The agents see the note as written.
      const agent = (await service.as('agent').get(`/v1/returns/${flagged.id}`)).body;
      expect(agent.timeline.find((t: { to: string }) => t.to === 'APPROVED').note).toBe(note);
    });
  });

  describe('a delivery dated ahead', () => {
    it('is not a delivery yet: a return is rejected NOT_DELIVERED', async () => {
      const { orderId } = await putOrder(service, { deliveredAt: new Date(Date.now() + 3 * DAY).toISOString() });
      const view = await service.waitForStatus((await postReturn(service, returnBody(orderId))).body.id, [...DECIDED]);
      expect(view.status).toBe('REJECTED');
      expect(view.decision.codes).toEqual(['NOT_DELIVERED']);
    });

    it('still lets a refund-only request through', async () => {
      const { orderId } = await putOrder(service, { deliveredAt: new Date(Date.now() + 3 * DAY).toISOString() });
      const created = await postReturn(service, returnBody(orderId, { type: 'REFUND_ONLY', returnMethod: undefined }));
      const view = await service.waitForStatus(created.body.id, [...DECIDED]);
      expect(view.decision.codes).not.toContain('NOT_DELIVERED');
      expect(view.decision.rules.find((r: { id: string }) => r.id === 'delivery.required').message).toMatch(/not delivered yet/);
    });
  });

  describe('a timestamp without a UTC offset', () => {
    it('is read as UTC in a PUT /v1/orders (deliveredAt, paidAt): no 400', async () => {
      const orderId = uniqueId('o');
      const put = await service.as('upstream').put(`/v1/orders/${orderId}`, orderBody({ paidAt: '2026-11-11T02:00:00', deliveredAt: '2026-11-13T08:00:00' }));
      expect(put.status).toBe(200);
      expect({ paidAt: put.body.paidAt, deliveredAt: put.body.deliveredAt }).toEqual({ paidAt: '2026-11-11T02:00:00.000Z', deliveredAt: '2026-11-13T08:00:00.000Z' });
      const row = await orderRow(orderId);
      expect([row.paid_at?.toISOString(), row.delivered_at?.toISOString()]).toEqual(['2026-11-11T02:00:00.000Z', '2026-11-13T08:00:00.000Z']);
    });

    it("is read as UTC in an event's occurredAt and its snapshot: no 400", async () => {
      const orderId = uniqueId('o');
      const event = deliveredEvent(orderId, '2026-11-13T09:00:00', { deliveredAt: '2026-11-13 08:00:00' });
      expect((await postEvent(service, event)).status).toBe(202);
      const row = await orderRow(orderId);
      expect([row.delivered_at?.toISOString(), row.last_event_at?.toISOString()]).toEqual(['2026-11-13T08:00:00.000Z', '2026-11-13T09:00:00.000Z']);
      const [stored] = await service.db.query('SELECT occurred_at FROM upstream_events WHERE id = $1', [event.id]);
      expect(stored.occurred_at.toISOString()).toBe('2026-11-13T09:00:00.000Z');
    });
  });

  describe('order.delivered events', () => {
    it('one stamped in the future (a sender clock ahead) counts as now: later, correct events still apply', async () => {
      const orderId = uniqueId('o');
      const skewed = deliveredEvent(orderId, new Date(Date.now() + 365 * DAY).toISOString(), { deliveredAt: new Date(Date.now() - 20 * DAY).toISOString() });
      expect((await postEvent(service, skewed)).status).toBe(202);
      expect((await orderRow(orderId)).last_event_at!.getTime()).toBeLessThanOrEqual(Date.now());

      const correct = deliveredEvent(orderId, new Date().toISOString(), { deliveredAt: new Date(Date.now() - DAY).toISOString() });
      expect((await postEvent(service, correct)).status).toBe(202);
      const row = await orderRow(orderId);
      expect(Math.round((Date.now() - row.delivered_at!.getTime()) / DAY)).toBe(1);
      expect(row.last_event_at!.toISOString()).toBe(correct.occurredAt);
    });

    it('one that occurred before a direct PUT is late: it does not overwrite the snapshot the PUT stored', async () => {
      const orderId = uniqueId('o');
      const sentAt = Date.now() - 3_600_000; // upstream emitted the event an hour ago; it arrives late
      // Since then upstream corrected the order with a PUT: one unit of S1 was cancelled before shipping.
      const corrected = orderBody({ items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 1, unitPrice: 9900 }] });
      expect((await service.as('upstream').put(`/v1/orders/${orderId}`, corrected)).status).toBe(200);
      expect((await postEvent(service, deliveredEvent(orderId, new Date(sentAt).toISOString()))).status).toBe(202);
      expect((await orderRow(orderId)).items.find((i) => i.sku === 'S1')!.quantity).toBe(1);
    });

    it('one that occurred after a direct PUT applies', async () => {
      const orderId = uniqueId('o');
      expect((await service.as('upstream').put(`/v1/orders/${orderId}`, orderBody({ deliveredAt: undefined }))).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 5)); // the event happens after the PUT was stored
      const event = deliveredEvent(orderId, new Date().toISOString(), { items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 1, unitPrice: 9900 }] });
      expect((await postEvent(service, event)).status).toBe(202);
      const row = await orderRow(orderId);
      expect(row.items).toEqual([expect.objectContaining({ sku: 'S1', quantity: 1 })]);
      expect(row.last_event_at!.toISOString()).toBe(event.occurredAt);
    });

    it('one whose snapshot leaves out deliveredAt was delivered when it occurred: its return is judged as delivered', async () => {
      const orderId = uniqueId('o');
      const { deliveredAt: _none, ...snapshot } = orderBody();
      const occurredAt = new Date(Date.now() - DAY).toISOString();
      expect((await postEvent(service, { id: uniqueId('evt'), type: 'order.delivered', occurredAt, data: { orderId, ...snapshot } })).status).toBe(202);
      expect((await orderRow(orderId)).delivered_at?.toISOString()).toBe(occurredAt);
      const view = await service.waitForStatus((await postReturn(service, returnBody(orderId))).body.id, [...DECIDED]);
      expect(view.decision.codes).not.toContain('NOT_DELIVERED');
      expect(view.status).toBe('AWAITING_SHIPMENT');
    });

    it('one signed in upper-case hex is taken: 202', async () => {
      const text = JSON.stringify(deliveredEvent(uniqueId('o'), new Date().toISOString()));
      const hex = signBody(text, 'dev-webhook-secret').replace(/^sha256=/, '');
      const response = await service
        .http()
        .post('/v1/events')
        .set('Authorization', 'Bearer dev-upstream')
        .set('Content-Type', 'application/json')
        .set('X-Signature', `sha256=${hex.toUpperCase()}`)
        .send(text);
      expect(response.status).toBe(202);
    });
  });
});

describe('intake edges: a delivery dated ahead, with DELIVERY_GRACE', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true, env: { DELIVERY_GRACE: '3s' } });
  });

  afterAll(() => service.close());

  it('holds the request as for no delivery; a PUT still dated ahead does not wake it, one with the delivery made does', async () => {
    const { orderId, order } = await putOrder(service, { deliveredAt: new Date(Date.now() + DAY).toISOString() });
    const created = await postReturn(service, returnBody(orderId));
    expect(created.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await service.as('agent').get(`/v1/returns/${created.body.id}`)).body.status).toBe('REQUESTED');
    expect(await service.db.query('SELECT 1 FROM awaiting_delivery WHERE request_id = $1', [created.body.id])).toHaveLength(1);

    await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, deliveredAt: new Date(Date.now() + DAY).toISOString() }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await service.as('agent').get(`/v1/returns/${created.body.id}`)).body.status).toBe('REQUESTED');

    await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, deliveredAt: new Date().toISOString() }).expect(200);
    expect((await service.waitForStatus(created.body.id, [...DECIDED], 10_000)).status).toBe('AWAITING_SHIPMENT');
  });
});

describe('intake edges: two requests of one order for the same units, judged together', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  it('judges them in the order their judge job lists them: the first listed gets the units, the other QUANTITY_EXCEEDED', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      // One mug bought; two requests for it, stored one after the other.
      const { orderId } = await putOrder(service);
      const ask = () => postReturn(service, returnBody(orderId, { items: [{ sku: 'MUG', quantity: 1 }] }));
      const stored = (await ask()).body.id as string;
      const storedLater = (await ask()).body.id as string;
      // One batch, listing them one way or the other (as judge jobs and batches may).
      const listed = i % 2 ? [stored, storedLater] : [storedLater, stored];
      const intake = service.get(IntakeService);
      await Promise.all(listed.map((id) => intake.judge(id)));
      const viewOf = async (id: string) => (await service.as('admin').get(`/v1/returns/${id}`)).body;
      const [first, second] = [await viewOf(listed[0]), await viewOf(listed[1])];
      outcomes.push(`${first.status}/${second.status}:${second.decision?.codes?.join(',')}`);
    }
    // No worker books it: the first listed stays APPROVED.
    expect(outcomes).toEqual(Array(4).fill('APPROVED/REJECTED:QUANTITY_EXCEEDED'));
  });
});
