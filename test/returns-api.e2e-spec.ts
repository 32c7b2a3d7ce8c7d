import { Jobs, QueueName } from '@returns/contracts';
import { InspectionService } from '@returns/inspection';
import { CarrierSimulator, LogisticsService } from '@returns/logistics';
import { PaymentSimulator } from '@returns/refund';
import {
  CaseView,
  caseIn,
  countRows,
  deadlinePassed,
  expectError,
  expectFieldError,
  inspectedAs,
  jobTotal,
  notifiedEvents,
  postReturn,
  putOrder,
  returnFor,
  scan,
  steps,
} from './support/api-helpers';
import { daysAgo, orderBody, REFUND_ONLY_MUG, returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';

/**
 * The public HTTP contract (CONTRACT.md), end to end: the real API and workers on
 * PostgreSQL and Redis, one order per test.
 */
describe('returns service HTTP contract', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true });
  });

  afterAll(() => service.close());

  const PHOTO = { url: 'https://img.example.com/p/1.jpg', sha256: 'a'.repeat(64) };
  const NO_SUCH_UUID = '00000000-0000-4000-8000-000000000000';

  describe('auth', () => {
    it('answers 401 UNAUTHENTICATED without a key', async () => {
      const response = await service.http().get('/v1/returns');
      expectError(response, 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for a key it does not know', async () => {
      const response = await service.http().put(`/v1/orders/${uniqueId('o')}`).set('Authorization', 'Bearer not-a-key').send(orderBody());
      expectError(response, 401, 'UNAUTHENTICATED');
    });

    it('answers 403 FORBIDDEN_ROLE when the role may not call the route', async () => {
      const { orderId } = await putOrder(service);
      const asCarrier = await service.as('carrier').post('/v1/returns', returnBody(orderId), { 'Idempotency-Key': uniqueId('key') });
      expectError(asCarrier, 403, 'FORBIDDEN_ROLE');
      expectError(await service.as('portal').get('/v1/returns'), 403, 'FORBIDDEN_ROLE');
      expectError(await service.as('warehouse').post(`/v1/returns/${NO_SUCH_UUID}/review`, { decision: 'APPROVE' }), 403, 'FORBIDDEN_ROLE');
      expectError(await service.as('carrier').get(`/v1/returns/${NO_SUCH_UUID}`), 403, 'FORBIDDEN_ROLE');
      expectError(await service.as('portal').put(`/v1/orders/${uniqueId('o')}`, orderBody()), 403, 'FORBIDDEN_ROLE');
      // A refused caller stores nothing.
      expect(await countRows(service, 'return_requests WHERE order_id = $1', [orderId])).toBe(0);
    });

    it('lets admin do what any role may', async () => {
      const orderId = uniqueId('o');
      const put = await service.as('admin').put(`/v1/orders/${orderId}`, orderBody());
      expect(put.status).toBe(200);
      expect(put.body.orderId).toBe(orderId);
      const created = await service.as('admin').post('/v1/returns', returnBody(orderId), { 'Idempotency-Key': uniqueId('key') });
      expect(created.status).toBe(202);
      expect((await service.as('admin').get('/v1/returns?limit=1')).status).toBe(200);
      expect((await service.as('admin').get(`/v1/returns/${created.body.id}`)).status).toBe(200);
    });

    it('serves /health/live and /health/ready without a key, with database and redis up', async () => {
      const live = await service.http().get('/health/live');
      expect(live.status).toBe(200);
      const ready = await service.http().get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } } });
    });
  });

  describe('PUT /v1/orders/{id}', () => {
    it('answers 200 with the stored order', async () => {
      const orderId = uniqueId('o');
      const order = orderBody();
      const response = await service.as('upstream').put(`/v1/orders/${orderId}`, order);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        orderId,
        merchantId: 'm1',
        customer: order.customer,
        address: order.address,
        currency: 'CNY',
        paidAt: order.paidAt,
        deliveredAt: order.deliveredAt,
        payment: order.payment,
        items: order.items,
        paidTotalMinor: 2 * 9900 + 4500,
      });
      const [row] = await service.db.query('SELECT customer_id, paid_total_minor::int AS paid FROM orders WHERE id = $1', [orderId]);
      expect(row).toEqual({ customer_id: order.customer.id, paid: 2 * 9900 + 4500 });
    });

    it('replaces the whole snapshot on a second PUT', async () => {
      const { orderId } = await putOrder(service);
      const replacement = orderBody({
        merchantId: 'm2',
        currency: 'USD',
        deliveredAt: undefined,
        items: [{ sku: 'BOOK', name: 'Book', category: 'media', quantity: 3, unitPrice: 1500 }],
      });
      const response = await service.as('upstream').put(`/v1/orders/${orderId}`, replacement);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ orderId, merchantId: 'm2', currency: 'USD', deliveredAt: null, items: replacement.items, paidTotalMinor: 4500 });
      const rows = await service.db.query('SELECT merchant_id, currency, items, delivered_at FROM orders WHERE id = $1', [orderId]);
      expect(rows).toEqual([{ merchant_id: 'm2', currency: 'USD', items: replacement.items, delivered_at: null }]);
    });

    it.each([
      ['a currency that is no ISO code', { currency: 'yuan' }, /^currency /],
      ['a negative unitPrice', { items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 1, unitPrice: -1 }] }, /^items\.0\.unitPrice /],
      ['a customer without id', { customer: { name: '李雷', email: 'c1@example.com' } }, /^customer\.id /],
      ['no customer at all', { customer: undefined }, /^customer /],
      ['an unknown field', { coupon: 'X1' }, /property coupon should not exist/],
    ])('answers 400 naming the field for %s, storing nothing', async (_case, overrides, field) => {
      const orderId = uniqueId('o');
      const response = await service.as('upstream').put(`/v1/orders/${orderId}`, orderBody(overrides));
      expectFieldError(response, field);
      expect(await countRows(service, 'orders WHERE id = $1', [orderId])).toBe(0);
    });
  });

  describe('POST /v1/returns', () => {
    it('answers 202 REQUESTED with id, rmaNumber and statusUrl', async () => {
      const { orderId } = await putOrder(service);
      const created = await postReturn(service, returnBody(orderId));
      expect(created.status).toBe(202);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        rmaNumber: expect.stringMatching(/^RMA-\d{8}-[0-9A-Z]{10}$/),
        status: 'REQUESTED',
        statusUrl: expect.stringMatching(new RegExp(`/v1/returns/${created.body.id}$`)),
      });
    });

    it('answers 400 IDEMPOTENCY_KEY_REQUIRED without the header and stores nothing', async () => {
      const { orderId } = await putOrder(service);
      await service.drain();
      const before = await countRows(service, 'return_requests');
      const intakeBefore = await jobTotal(service, QueueName.Intake);
      const response = await service.as('portal').post('/v1/returns', returnBody(orderId));
      expectError(response, 400, 'IDEMPOTENCY_KEY_REQUIRED');
      expect(await countRows(service, 'return_requests')).toBe(before);
      expect(await jobTotal(service, QueueName.Intake)).toEqual(intakeBefore);
    });

    it('answers the same for the same key and body, even with keys in another order, and opens one case', async () => {
      const { orderId } = await putOrder(service);
      const key = uniqueId('key');
      const body = returnBody(orderId, { photos: [PHOTO] });
      const first = await postReturn(service, body, { key });
      expect(first.status).toBe(202);
      const reordered = Object.fromEntries(
        Object.entries(body)
          .reverse()
          .map(([k, v]) => [k, Array.isArray(v) ? v.map((o) => Object.fromEntries(Object.entries(o as object).reverse())) : v]),
      );
      expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(body));
      const again = await postReturn(service, reordered, { key });
      expect(again.status).toBe(202);
      expect(again.body).toEqual(first.body);
      const third = await postReturn(service, body, { key });
      expect(third.body).toEqual(first.body);

      await service.waitForStatus(first.body.id, 'AWAITING_SHIPMENT');
      await service.drain();
      expect(await countRows(service, 'return_requests WHERE order_id = $1', [orderId])).toBe(1);
      expect(await countRows(service, 'return_cases WHERE order_id = $1', [orderId])).toBe(1);
    });

    it('answers 409 IDEMPOTENCY_KEY_REUSED for the same key with another body, and opens no second case', async () => {
      const { orderId } = await putOrder(service);
      const key = uniqueId('key');
      const first = await postReturn(service, returnBody(orderId), { key });
      expect(first.status).toBe(202);
      const other = await postReturn(service, returnBody(orderId, { items: [{ sku: 'MUG', quantity: 1 }] }), { key });
      expectError(other, 409, 'IDEMPOTENCY_KEY_REUSED');
      await service.waitForStatus(first.body.id, 'AWAITING_SHIPMENT');
      await service.drain();
      expect(await countRows(service, 'return_requests WHERE order_id = $1', [orderId])).toBe(1);
      expect(await countRows(service, 'return_cases WHERE order_id = $1', [orderId])).toBe(1);
    });

    it('answers 404 ORDER_NOT_FOUND for an unknown order and stores nothing', async () => {
      await service.drain();
      const before = await countRows(service, 'return_requests');
      const intakeBefore = await jobTotal(service, QueueName.Intake);
      const response = await postReturn(service, returnBody(uniqueId('no-such-order')));
      expectError(response, 404, 'ORDER_NOT_FOUND');
      expect(await countRows(service, 'return_requests')).toBe(before);
      expect(await jobTotal(service, QueueName.Intake)).toEqual(intakeBefore);
    });

    describe('shape errors', () => {
      let orderId: string;

      beforeAll(async () => {
        ({ orderId } = await putOrder(service));
      });

      const without = (field: string) => (body: Record<string, unknown>) => {
        const copy = { ...body };
        delete copy[field];
        return copy;
      };

      it.each<[string, (body: Record<string, unknown>) => Record<string, unknown>, RegExp]>([
        ['an unknown type', (b) => ({ ...b, type: 'SWAP' }), /^type /],
        ['an unknown reasonCode', (b) => ({ ...b, reasonCode: 'BORED' }), /^reasonCode /],
        ['an unknown returnMethod', (b) => ({ ...b, returnMethod: 'MAIL' }), /^returnMethod /],
        ['quantity 0', (b) => ({ ...b, items: [{ sku: 'S1', quantity: 0 }] }), /^items\.0\.quantity /],
        ['missing items', without('items'), /^items /],
        ['empty items', (b) => ({ ...b, items: [] }), /^items /],
        ['missing orderId', without('orderId'), /^orderId /],
        ['an extra field', (b) => ({ ...b, coupon: 'X1' }), /property coupon should not exist/],
        ['an extra field in an item', (b) => ({ ...b, items: [{ sku: 'S1', quantity: 1, colour: 'red' }] }), /^items\.0\.property colour should not exist/],
        ['a reasonText of 2001 characters', (b) => ({ ...b, reasonText: 'x'.repeat(2001) }), /^reasonText /],
        ['no returnMethod for RETURN_REFUND', without('returnMethod'), /^returnMethod /],
        ['a photo sha256 that is not 64 hex digits', (b) => ({ ...b, photos: [{ url: PHOTO.url, sha256: 'z'.repeat(64) }] }), /^photos\.0\.sha256 /],
      ])('answers 400 naming the field for %s, storing and queueing nothing', async (_case, change, field) => {
        await service.drain();
        const before = await countRows(service, 'return_requests');
        const intakeBefore = await jobTotal(service, QueueName.Intake);
        const response = await postReturn(service, change(returnBody(orderId)));
        expectFieldError(response, field);
        expect(await countRows(service, 'return_requests')).toBe(before);
        expect(await jobTotal(service, QueueName.Intake)).toEqual(intakeBefore);
      });

      it('accepts a reasonText of exactly 2000 characters', async () => {
        const response = await postReturn(service, returnBody(orderId, { reasonText: 'x'.repeat(2000), items: [{ sku: 'MUG', quantity: 1 }] }));
        expect(response.status).toBe(202);
      });

      it('lets REFUND_ONLY leave returnMethod out', async () => {
        const { orderId: refundOnlyOrder } = await putOrder(service);
        const body = without('returnMethod')(returnBody(refundOnlyOrder, { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, items: [{ sku: 'MUG', quantity: 1 }] }));
        const response = await postReturn(service, body);
        expect(response.status).toBe(202);
        const refunded = await service.waitForStatus(response.body.id, 'REFUNDED');
        expect(refunded.returnMethod).toBeNull();
      });
    });
  });

  describe('GET /v1/returns/{id}', () => {
    it('shows the whole case with the contract fields', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      expect(view).toMatchObject({
        id: expect.any(String),
        rmaNumber: expect.any(String),
        orderId: expect.any(String),
        merchantId: 'm1',
        customerId: expect.any(String),
        type: 'RETURN_REFUND',
        reasonCode: 'SIZE_FIT',
        reasonText: '尺码太小了',
        status: 'AWAITING_SHIPMENT',
        items: [expect.objectContaining({ sku: 'S1', quantity: 1, unitPrice: 9900 })],
        decision: { outcome: 'APPROVED', codes: [], rules: expect.any(Array), policyVersion: expect.any(String), decidedBy: 'system:policy', decidedAt: expect.any(String) },
        shippingPaidBy: 'CUSTOMER',
        shipment: { carrier: expect.any(String), trackingNumber: expect.any(String), method: 'DROP_OFF', labelUrl: expect.any(String), status: 'BOOKED', events: [] },
        inspection: null,
        refund: null,
        deadlines: { shipBackBy: expect.any(String) },
        timeline: expect.any(Array),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(view.shipment).toHaveProperty('pickupWindow');
      expect(view.shipment).toHaveProperty('costMinor');
    });

    it('answers 404 RETURN_NOT_FOUND for an unknown id and for a non-UUID', async () => {
      expectError(await service.as('agent').get(`/v1/returns/${NO_SUCH_UUID}`), 404, 'RETURN_NOT_FOUND');
      expectError(await service.as('agent').get('/v1/returns/not-a-uuid'), 404, 'RETURN_NOT_FOUND');
    });
  });

  describe('policy outcomes', () => {
    it('rejects a customer reason 8 days after delivery as OUT_OF_WINDOW and tells the customer', async () => {
      const view = await caseIn(service, ['REJECTED', 'AWAITING_SHIPMENT', 'PENDING_REVIEW'], {}, { deliveredAt: daysAgo(8) });
      expect(view.status).toBe('REJECTED');
      expect(view.decision.codes).toContain('OUT_OF_WINDOW');
      expect(view.decision).toMatchObject({ outcome: 'REJECTED', decidedBy: 'system:policy' });
      expect(view.shipment).toBeNull();
      await service.drain();
      expect(await notifiedEvents(service, view.id)).toEqual(['return.rejected']);
    });

    it('measures the window to the moment the customer asked, not to when a backed-up intake queue reached the request', async () => {
      const { orderId } = await putOrder(service, { deliveredAt: new Date(Date.now() - 7 * 24 * 3_600_000 + 2_000).toISOString() });
      await service.queue(QueueName.Intake).pause();
      let caseId: string;
      try {
        caseId = (await postReturn(service, returnBody(orderId, { reasonCode: 'SIZE_FIT' }))).body.id;
        await new Promise((r) => setTimeout(r, 3_000)); // the 7-day window closes while it waits
      } finally {
        await service.queue(QueueName.Intake).resume();
      }
      const view = await service.waitForStatus(caseId, ['REJECTED', 'AWAITING_SHIPMENT', 'PENDING_REVIEW']);
      expect(view.decision.codes).not.toContain('OUT_OF_WINDOW');
      expect(view.status).toBe('AWAITING_SHIPMENT');
    });

    it('rejects a return of an order not delivered yet as NOT_DELIVERED, a merchant-fault one after 16 days as OUT_OF_WINDOW', async () => {
      const undelivered = await caseIn(service, ['REJECTED', 'AWAITING_SHIPMENT'], {}, { deliveredAt: undefined });
      expect(undelivered.decision.codes).toEqual(['NOT_DELIVERED']);
      const photos = [{ url: 'https://img.example.com/defect.jpg', sha256: 'e'.repeat(64) }];
      const late = await caseIn(service, ['REJECTED', 'AWAITING_SHIPMENT', 'PENDING_REVIEW'], { reasonCode: 'QUALITY_DEFECT', reasonText: '开线了', photos }, { deliveredAt: daysAgo(16) });
      expect(late.decision.codes).toEqual(['OUT_OF_WINDOW']);
    });

    it('approves an in-window return and tells the customer', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      expect(view.decision).toMatchObject({ outcome: 'APPROVED', codes: [] });
      await service.drain();
      // Told with how to send it back: the label message says it is approved.
      expect(await notifiedEvents(service, view.id)).toEqual(['label.ready']);
    });

    it('rejects a customer-reason return of a fresh item as NON_RETURNABLE', async () => {
      const view = await caseIn(
        service,
        ['REJECTED', 'AWAITING_SHIPMENT', 'PENDING_REVIEW'],
        { reasonCode: 'CHANGED_MIND', reasonText: undefined, items: [{ sku: 'FISH', quantity: 1 }] },
        { items: [{ sku: 'FISH', name: '鲈鱼', category: 'fresh', quantity: 1, unitPrice: 5900 }] },
      );
      expect(view.status).toBe('REJECTED');
      expect(view.decision.codes).toContain('NON_RETURNABLE');
    });

    it('rejects an sku that is not in the order as ITEM_NOT_IN_ORDER', async () => {
      const view = await caseIn(service, ['REJECTED', 'AWAITING_SHIPMENT', 'PENDING_REVIEW'], { items: [{ sku: 'NOT-BOUGHT', quantity: 1 }] });
      expect(view.status).toBe('REJECTED');
      expect(view.decision.codes).toContain('ITEM_NOT_IN_ORDER');
    });

    it('rejects a second return of the same units while the first is open as QUANTITY_EXCEEDED', async () => {
      const { orderId } = await putOrder(service);
      const first = await returnFor(service, orderId, 'AWAITING_SHIPMENT', { items: [{ sku: 'S1', quantity: 2 }] });
      const second = await returnFor(service, orderId, ['REJECTED', 'AWAITING_SHIPMENT', 'PENDING_REVIEW'], { items: [{ sku: 'S1', quantity: 1 }] });
      expect(second.status).toBe('REJECTED');
      expect(second.decision.codes).toContain('QUANTITY_EXCEEDED');
      expect((await service.as('agent').get(`/v1/returns/${first.id}`)).body.status).toBe('AWAITING_SHIPMENT');
    });

    it('sends a merchant-fault reason without photos to review as MISSING_EVIDENCE', async () => {
      const view = await caseIn(service, ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'REJECTED'], { reasonCode: 'QUALITY_DEFECT', reasonText: '质量有问题，开线了' });
      expect(view.status).toBe('PENDING_REVIEW');
      expect(view.decision.codes).toContain('MISSING_EVIDENCE');
      expect(view.deadlines.reviewBy).toEqual(expect.any(String));
    });

    it('sends a case worth more than 200000 to review as HIGH_VALUE', async () => {
      const view = await caseIn(
        service,
        ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'REJECTED'],
        { reasonText: undefined, items: [{ sku: 'TV', quantity: 1 }] },
        { items: [{ sku: 'TV', name: '电视', category: 'electronics', quantity: 1, unitPrice: 200001 }] },
      );
      expect(view.status).toBe('PENDING_REVIEW');
      expect(view.decision.codes).toEqual(['HIGH_VALUE']);
    });
  });

  describe('POST /v1/returns/{id}/review', () => {
    const pendingReview = () =>
      caseIn(service, ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'REJECTED'], { reasonCode: 'QUALITY_DEFECT', reasonText: '质量有问题，开线了' });

    it('moves a PENDING_REVIEW case an agent approves on to AWAITING_SHIPMENT, decided by the agent', async () => {
      const pending = await pendingReview();
      expect(pending.status).toBe('PENDING_REVIEW');
      const response = await service.as('agent').post(`/v1/returns/${pending.id}/review`, { decision: 'APPROVE', note: 'photo sent by chat' });
      expect(response.status).toBe(200);
      const view = await service.waitForStatus(pending.id, 'AWAITING_SHIPMENT');
      expect(view.decision).toMatchObject({ outcome: 'APPROVED', decidedBy: expect.stringMatching(/^agent:/) });
      expect(steps(view)).toEqual(['->REQUESTED', 'REQUESTED>PENDING_REVIEW', 'PENDING_REVIEW>APPROVED', 'APPROVED>AWAITING_SHIPMENT']);
    });

    it('moves a refund only an agent approves on to its refund, every unit accepted', async () => {
      const pending = await caseIn(
        service,
        ['PENDING_REVIEW', 'REFUND_PENDING', 'REFUNDED', 'REJECTED'],
        { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'TV', quantity: 1 }] },
        { items: [{ sku: 'TV', name: '电视', category: 'electronics', quantity: 1, unitPrice: 200001 }] },
      );
      expect(pending.status).toBe('PENDING_REVIEW');
      expect((await service.as('agent').post(`/v1/returns/${pending.id}/review`, { decision: 'APPROVE' })).status).toBe(200);
      const view = await service.waitForStatus(pending.id, 'REFUNDED');
      expect(steps(view)).toEqual(['->REQUESTED', 'REQUESTED>PENDING_REVIEW', 'PENDING_REVIEW>APPROVED', 'APPROVED>REFUND_PENDING', 'REFUND_PENDING>REFUNDED']);
      expect(view.timeline[3]).toMatchObject({ actor: expect.stringMatching(/^agent:/), note: 'refund only: nothing to send back' });
      expect(view.items).toEqual([expect.objectContaining({ sku: 'TV', quantity: 1, acceptedQuantity: 1 })]);
      expect(view.refund).toMatchObject({ amount: 200001, status: 'SUCCEEDED' });
    });

    it('rejects a PENDING_REVIEW case an agent rejects', async () => {
      const pending = await pendingReview();
      const response = await service.as('agent').post(`/v1/returns/${pending.id}/review`, { decision: 'REJECT', note: 'no defect visible' });
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('REJECTED');
      const view = await service.waitForStatus(pending.id, 'REJECTED');
      expect(view.decision).toMatchObject({ outcome: 'REJECTED', decidedBy: expect.stringMatching(/^agent:/) });
      await service.drain();
      expect(await notifiedEvents(service, view.id)).toContain('return.rejected');
    });

    it('answers 409 INVALID_TRANSITION for a case not in PENDING_REVIEW and leaves its timeline alone', async () => {
      const approved = await caseIn(service, 'AWAITING_SHIPMENT');
      for (const decision of ['APPROVE', 'REJECT']) {
        const response = await service.as('agent').post(`/v1/returns/${approved.id}/review`, { decision });
        expectError(response, 409, 'INVALID_TRANSITION');
      }
      const after = (await service.as('agent').get(`/v1/returns/${approved.id}`)).body;
      expect(after.status).toBe('AWAITING_SHIPMENT');
      expect(after.timeline).toEqual(approved.timeline);
      expect(after.decision).toEqual(approved.decision);
    });

    it('answers 409 INVALID_TRANSITION to a review of a request still waiting in the intake queue', async () => {
      const { orderId } = await putOrder(service);
      await service.queue(QueueName.Intake).pause();
      let caseId: string;
      try {
        const created = await postReturn(service, returnBody(orderId));
        caseId = created.body.id;
        expect((await service.as('agent').get(`/v1/returns/${caseId}`)).body.status).toBe('REQUESTED');
        const response = await service.as('agent').post(`/v1/returns/${caseId}/review`, { decision: 'REJECT' });
        expectError(response, 409, 'INVALID_TRANSITION');
      } finally {
        await service.queue(QueueName.Intake).resume();
      }
      const view = await service.waitForStatus(caseId, 'AWAITING_SHIPMENT');
      expect(view.decision.decidedBy).toBe('system:policy');
    });

    it('answers 404 for an unknown case and 400 for an unknown decision', async () => {
      expectError(await service.as('agent').post(`/v1/returns/${NO_SUCH_UUID}/review`, { decision: 'APPROVE' }), 404, 'RETURN_NOT_FOUND');
      const pending = await pendingReview();
      expectFieldError(await service.as('agent').post(`/v1/returns/${pending.id}/review`, { decision: 'MAYBE' }), /^decision /);
      expect((await service.as('agent').get(`/v1/returns/${pending.id}`)).body.status).toBe('PENDING_REVIEW');
    });
  });

  describe('POST /v1/returns/{id}/cancel', () => {
    it('cancels a case awaiting shipment', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      const response = await service.as('portal').post(`/v1/returns/${view.id}/cancel`, { note: 'changed my mind' });
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('CANCELLED');
      expect(steps(response.body).at(-1)).toBe('AWAITING_SHIPMENT>CANCELLED');
    });

    it('answers 409 INVALID_TRANSITION once the parcel is picked up', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      expect((await scan(service, view, 'PICKED_UP')).status).toBe(202);
      await service.waitForStatus(view.id, 'IN_TRANSIT');
      const response = await service.as('upstream').post(`/v1/returns/${view.id}/cancel`);
      expectError(response, 409, 'INVALID_TRANSITION');
      expect((await service.as('agent').get(`/v1/returns/${view.id}`)).body.status).toBe('IN_TRANSIT');
    });

    it('counts a pickup scan still queued behind a backlog: 409 to cancelling, and its ship-back deadline closes nothing', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      await service.queue(QueueName.Logistics).pause();
      try {
        expect((await scan(service, view, 'PICKED_UP', -1)).status).toBe(202);
        expectError(await service.as('portal').post(`/v1/returns/${view.id}/cancel`), 409, 'INVALID_TRANSITION');
        await deadlinePassed(service, view.id, 'shipBackBy');
        expect(await service.get(LogisticsService).onShipBackDeadline(view.id)).toBe(false);
        expect((await service.as('agent').get(`/v1/returns/${view.id}`)).body.status).toBe('AWAITING_SHIPMENT');
      } finally {
        await service.queue(QueueName.Logistics).resume();
      }
      await service.waitForStatus(view.id, 'IN_TRANSIT');
      await service.drain();
      expect(await notifiedEvents(service, view.id)).not.toContain('return.closed');
      expect(await notifiedEvents(service, view.id)).not.toContain('return.cancelled');
    });

    it('tells the agents, once, when the carrier carries the parcel of a return cancelled before its pickup', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      expect((await service.as('portal').post(`/v1/returns/${view.id}/cancel`)).status).toBe(200);
      await service.drain(); // the waybill is cancelled
      await scan(service, view, 'EXCEPTION', -3);
      await service.drain();
      const forCase = async () => (await service.as('agent').get('/v1/staff-notifications?limit=200')).body.items.filter((n: { caseId: string }) => n.caseId === view.id);
      expect(await forCase()).toEqual([]);
      await scan(service, view, 'PICKED_UP', -2);
      await scan(service, view, 'IN_TRANSIT', -1);
      await service.drain();
      const notices = await forCase();
      expect(notices.map((n: { kind: string }) => n.kind)).toEqual(['parcel-after-close']);
      expect(notices[0].message).toContain('of a return cancelled');
      expect((await service.as('agent').get(`/v1/returns/${view.id}`)).body.status).toBe('CANCELLED');
    });

    it('answers 404 for an unknown case', async () => {
      expectError(await service.as('portal').post(`/v1/returns/${NO_SUCH_UUID}/cancel`), 404, 'RETURN_NOT_FOUND');
    });
  });

  describe('logistics', () => {
    it('answers 404 for a tracking number it does not know', async () => {
      const response = await service.as('carrier').post('/v1/logistics/tracking', {
        carrier: 'SF',
        trackingNumber: uniqueId('SF-NOPE'),
        status: 'PICKED_UP',
        occurredAt: new Date().toISOString(),
      });
      expect(response.status).toBe(404);
      expect(response.body.statusCode).toBe(404);
    });

    it('refunds the full value of a parcel lost in transit, with no shipping deducted', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT', { returnMethod: 'PICKUP' });
      expect(view.shipment).toMatchObject({ method: 'PICKUP', costMinor: expect.any(Number) });
      expect(view.shipment.costMinor).toBeGreaterThan(0);
      await scan(service, view, 'PICKED_UP', 1);
      await service.waitForStatus(view.id, 'IN_TRANSIT');
      expect((await scan(service, view, 'LOST', 2)).status).toBe(202);
      const refunded = await service.waitForStatus(view.id, 'REFUNDED');
      expect(steps(refunded).slice(-4)).toEqual(['AWAITING_SHIPMENT>IN_TRANSIT', 'IN_TRANSIT>LOST', 'LOST>REFUND_PENDING', 'REFUND_PENDING>REFUNDED']);
      expect(refunded.refund).toMatchObject({ status: 'SUCCEEDED', amount: 9900, currency: 'CNY' });
      expect(refunded.refund.breakdown.map((l: { code: string }) => l.code)).toEqual(['ITEM']);
    });

    it('tells the agents, once, of an approved return whose order has no address to collect it from, and books it once the order has one', async () => {
      const { orderId, order } = await putOrder(service, { address: undefined });
      const caseId = (await postReturn(service, returnBody(orderId))).body.id;
      await service.waitForStatus(caseId, 'APPROVED');
      const forCase = async () => (await service.as('agent').get('/v1/staff-notifications?limit=200')).body.items.filter((n: { caseId: string }) => n.caseId === caseId);
      for (const until = Date.now() + 10_000; !(await forCase()).length && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
      await expect(service.get(LogisticsService).book(caseId)).rejects.toThrow(/no address/); // a retry: no second notice
      expect((await forCase()).map((n: { kind: string; message: string }) => [n.kind, n.message.includes(`PUT /v1/orders/${orderId}`)])).toEqual([['no-address', true]]);
      expect((await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, address: orderBody().address })).status).toBe(200);
      await service.get(LogisticsService).book(caseId); // the next retry
      expect((await service.as('agent').get(`/v1/returns/${caseId}`)).body.status).toBe('AWAITING_SHIPMENT');
    });

    it('takes no restocking fee from the refund of a parcel the carrier lost', async () => {
      const category = uniqueId('coats');
      expect((await service.as('admin').put(`/v1/policies/${category}`, { restockingFeePercent: 10 })).status).toBe(200);
      const view = await caseIn(service, 'AWAITING_SHIPMENT', { reasonCode: 'SIZE_FIT' }, { items: [{ sku: 'S1', name: '大衣', category, quantity: 1, unitPrice: 9900 }] });
      await scan(service, view, 'PICKED_UP', -30);
      await scan(service, view, 'LOST', -20);
      const refunded = await service.waitForStatus(view.id, 'REFUNDED');
      expect(refunded.refund).toMatchObject({ status: 'SUCCEEDED', amount: 9900 });
      expect(refunded.refund.breakdown.map((l: { code: string }) => l.code)).toEqual(['ITEM']);
    });

    it('refunds nothing for a LOST scan that comes after the carrier delivered the parcel to the warehouse', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      await scan(service, view, 'PICKED_UP', -30);
      await scan(service, view, 'DELIVERED_TO_WAREHOUSE', -1);
      await service.drain();
      expect((await scan(service, view, 'LOST', 0)).status).toBe(202); // after the delivery: the carrier's mistake
      await service.drain();
      const after = (await service.as('agent').get(`/v1/returns/${view.id}`)).body;
      expect(after.status).toBe('IN_TRANSIT');
      expect(after.shipment.status).toBe('DELIVERED_TO_WAREHOUSE');
      expect(after.refund ?? null).toBeNull();
      expect((await service.as('warehouse').post(`/v1/returns/${view.id}/receive`)).body.status).toBe('RECEIVED');
    });

    it('refunds nothing for a LOST scan older than a scan of the parcel on its way (a late report, or the parcel found again)', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      await scan(service, view, 'PICKED_UP', -30);
      await scan(service, view, 'IN_TRANSIT', -5);
      await service.drain();
      await scan(service, view, 'LOST', -20);
      await service.drain();
      const after = (await service.as('agent').get(`/v1/returns/${view.id}`)).body;
      expect(after.status).toBe('IN_TRANSIT');
      expect(after.shipment.status).toBe('IN_TRANSIT');
      expect(after.refund ?? null).toBeNull();
    });

    it('tells the agents, once, when a parcel refunded as lost is delivered to the warehouse after all', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      await scan(service, view, 'PICKED_UP', -30);
      await scan(service, view, 'LOST', -20);
      await service.waitForStatus(view.id, 'REFUNDED');
      await scan(service, view, 'DELIVERED_TO_WAREHOUSE', -2);
      await scan(service, view, 'DELIVERED_TO_WAREHOUSE', -1); // said again
      await service.drain();
      const after = (await service.as('agent').get(`/v1/returns/${view.id}`)).body;
      expect(after.status).toBe('REFUNDED');
      expect(after.shipment.status).toBe('DELIVERED_TO_WAREHOUSE');
      const notices = (await service.as('agent').get('/v1/staff-notifications?limit=200')).body.items.filter((n: { caseId: string }) => n.caseId === view.id);
      expect(notices).toEqual([
        { caseId: view.id, rmaNumber: view.rmaNumber, kind: 'lost-parcel-delivered', message: expect.stringContaining('was delivered after all'), createdAt: expect.any(String) },
      ]);
    });

    it('answers 409 to the warehouse scanning a parcel refunded as lost, and tells the agents', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      await scan(service, view, 'PICKED_UP', -30);
      await scan(service, view, 'LOST', -20);
      await service.waitForStatus(view.id, 'REFUNDED');
      expectError(await service.as('warehouse').post(`/v1/returns/${view.id}/receive`), 409, 'INVALID_TRANSITION');
      const after = (await service.as('agent').get(`/v1/returns/${view.id}`)).body;
      expect(after).toMatchObject({ status: 'REFUNDED', shipment: { status: 'DELIVERED_TO_WAREHOUSE' } });
      const notices = (await service.as('agent').get('/v1/staff-notifications?limit=200')).body.items.filter((n: { caseId: string }) => n.caseId === view.id);
      expect(notices.map((n: { kind: string; message: string }) => [n.kind, n.message])).toEqual([
        ['lost-parcel-delivered', expect.stringContaining(`(${view.shipment.carrier} ${view.shipment.trackingNumber}) the carrier reported lost, and the customer was refunded for, was scanned at the warehouse`)],
      ]);
      // Its case is untouched by anything but the notice: a second scan is refused alike, with no second notice.
      expectError(await service.as('warehouse').post(`/v1/returns/${view.id}/receive`), 409, 'INVALID_TRANSITION');
      expect((await service.as('agent').get('/v1/staff-notifications?limit=200')).body.items.filter((n: { caseId: string }) => n.caseId === view.id)).toHaveLength(1);
    });

    it('takes in a parcel scanned before any carrier event, through IN_TRANSIT', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      const response = await service.as('warehouse').post(`/v1/returns/${view.id}/receive`);
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('RECEIVED');
      expect(steps(response.body).slice(-2)).toEqual(['AWAITING_SHIPMENT>IN_TRANSIT', 'IN_TRANSIT>RECEIVED']);
    });

    it('answers 409 INVALID_TRANSITION to receiving a request still waiting in the intake queue', async () => {
      const { orderId } = await putOrder(service);
      await service.queue(QueueName.Intake).pause();
      let caseId: string;
      try {
        caseId = (await postReturn(service, returnBody(orderId))).body.id;
        expectError(await service.as('warehouse').post(`/v1/returns/${caseId}/receive`), 409, 'INVALID_TRANSITION');
      } finally {
        await service.queue(QueueName.Intake).resume();
      }
      const view = await service.waitForStatus(caseId, 'AWAITING_SHIPMENT');
      expect(steps(view)).toEqual(['->REQUESTED', 'REQUESTED>APPROVED', 'APPROVED>AWAITING_SHIPMENT']);
    });

    it('answers 409 INVALID_TRANSITION to receiving a rejected case', async () => {
      const rejected = await caseIn(service, ['REJECTED', 'AWAITING_SHIPMENT'], {}, { deliveredAt: daysAgo(8) });
      expect(rejected.status).toBe('REJECTED');
      expectError(await service.as('warehouse').post(`/v1/returns/${rejected.id}/receive`), 409, 'INVALID_TRANSITION');
      const after = (await service.as('agent').get(`/v1/returns/${rejected.id}`)).body;
      expect(after.status).toBe('REJECTED');
      expect(after.timeline).toEqual(rejected.timeline);
    });
  });

  describe('POST /v1/returns/{id}/inspection', () => {
    async function received(returnOverrides: Record<string, unknown> = {}): Promise<CaseView> {
      const view = await caseIn(service, 'AWAITING_SHIPMENT', returnOverrides);
      const response = await service.as('warehouse').post(`/v1/returns/${view.id}/receive`);
      expect(response.body.status).toBe('RECEIVED');
      return response.body;
    }

    it('answers 409 INVALID_TRANSITION for a case not RECEIVED and stores no report', async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      const response = await service.as('warehouse').post(`/v1/returns/${view.id}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'NEW')] });
      expectError(response, 409, 'INVALID_TRANSITION');
      expect(await countRows(service, 'inspections WHERE case_id = $1', [view.id])).toBe(0);
      expect((await service.as('agent').get(`/v1/returns/${view.id}`)).body.status).toBe('AWAITING_SHIPMENT');
    });

    it('answers 409 INVALID_TRANSITION to a report on a request still waiting in the intake queue', async () => {
      const { orderId } = await putOrder(service);
      await service.queue(QueueName.Intake).pause();
      let caseId: string;
      try {
        caseId = (await postReturn(service, returnBody(orderId))).body.id;
        const response = await service.as('warehouse').post(`/v1/returns/${caseId}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'NEW')] });
        expectError(response, 409, 'INVALID_TRANSITION');
      } finally {
        await service.queue(QueueName.Intake).resume();
      }
      await service.waitForStatus(caseId, 'AWAITING_SHIPMENT');
      expect(await countRows(service, 'inspections WHERE case_id = $1', [caseId])).toBe(0);
    });

    it('fails worn clothes returned for a customer reason, with no refund, and sends them back', async () => {
      const view = await received();
      const response = await service.as('warehouse').post(`/v1/returns/${view.id}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'USED')] });
      expect(response.status).toBe(202);
      const failed = await service.waitForStatus(view.id, 'RETURNED_TO_CUSTOMER');
      expect(failed.inspection).toMatchObject({ outcome: 'FAILED', inspector: 'w-07' });
      expect(failed.refund).toBeNull();
      expect(failed.timeline.map((t: { to: string }) => t.to).slice(-2)).toEqual(['INSPECTION_FAILED', 'RETURNED_TO_CUSTOMER']);
      await service.drain();
      expect(await countRows(service, 'refunds WHERE case_id = $1', [view.id])).toBe(0);
    });

    it('refunds only the unit that passed when one of two comes back damaged', async () => {
      const view = await received({ items: [{ sku: 'S1', quantity: 2 }] });
      const response = await service.as('warehouse').post(`/v1/returns/${view.id}/inspection`, {
        inspector: 'w-07',
        items: [inspectedAs('S1', 1, 'NEW'), inspectedAs('S1', 1, 'DAMAGED')],
      });
      expect(response.status).toBe(202);
      const refunded = await service.waitForStatus(view.id, ['REFUNDED', 'INSPECTION_FAILED', 'REFUND_FAILED']);
      expect(refunded.inspection.outcome).toBe('PARTIAL');
      expect(refunded.status).toBe('REFUNDED');
      expect(refunded.refund).toMatchObject({ status: 'SUCCEEDED', amount: 9900 });
      expect(refunded.refund.breakdown).toEqual([expect.objectContaining({ code: 'ITEM', sku: 'S1', quantity: 1, amount: 9900 })]);
      expect(refunded.items).toEqual([expect.objectContaining({ sku: 'S1', quantity: 2, acceptedQuantity: 1 })]);
      // The damaged unit goes back to its customer; the case stays with its refund.
      await service.drain();
      const after = (await service.as('agent').get(`/v1/returns/${view.id}`)).body;
      expect(after.status).toBe('REFUNDED');
      expect(after.sentBack).toMatchObject({ carrier: expect.any(String), trackingNumber: expect.any(String) });
      expect(steps(after)).not.toContain('INSPECTION_FAILED>RETURNED_TO_CUSTOMER');
      expect(await notifiedEvents(service, view.id)).toContain('item.sent_back');
      expect((await service.get(CarrierSimulator).bookings()).has(`send-back:${view.id}`)).toBe(true);
    });

    it('answers 400 INSPECTION_ITEM_NOT_IN_RETURN to a report naming an sku the return does not have, and stores nothing', async () => {
      const view = await received();
      const response = await service.as('warehouse').post(`/v1/returns/${view.id}/inspection`, { inspector: 'w-07', items: [inspectedAs('s1', 1, 'NEW')] });
      expectError(response, 400, 'INSPECTION_ITEM_NOT_IN_RETURN');
      expect(response.body.message.join(' ')).toContain('s1 is not in return');
      expect(await countRows(service, 'inspections WHERE case_id = $1', [view.id])).toBe(0);
      // The inspector corrects it: the return is graded as usual.
      expect((await service.as('warehouse').post(`/v1/returns/${view.id}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'NEW')] })).status).toBe(202);
      expect((await service.waitForStatus(view.id, 'REFUNDED')).inspection.outcome).toBe('PASSED');
    });

    it('sends nothing back when no unit came (all MISSING): the customer and the agents are told', async () => {
      const view = await received({ items: [{ sku: 'S1', quantity: 2 }] });
      const response = await service.as('warehouse').post(`/v1/returns/${view.id}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 2, 'MISSING')] });
      expect(response.status).toBe(202);
      await service.waitForStatus(view.id, 'INSPECTION_FAILED');
      await service.drain();
      const after = (await service.as('agent').get(`/v1/returns/${view.id}`)).body;
      expect(after.status).toBe('INSPECTION_FAILED');
      expect(after.sentBack).toBeNull();
      await service.get(LogisticsService).sendBack(view.id); // as recovery would, for a case INSPECTION_FAILED
      expect((await service.get(CarrierSimulator).bookings()).has(`send-back:${view.id}`)).toBe(false);
      const [told] = await service.db.query(`SELECT body FROM notifications WHERE case_id = $1 AND event = 'inspection.failed'`, [view.id]);
      expect(told.body).toMatch(/没有您申请退回的商品|沒有您申請退回的商品|did not hold the items/);
      const notices = (await service.as('agent').get('/v1/staff-notifications?limit=200')).body.items.filter((n: { caseId: string }) => n.caseId === view.id);
      expect(notices.map((n: { kind: string }) => n.kind)).toEqual(['inspection-nothing-came']);
      // Recovery says it again as it first said it.
      const owed = await service.get(InspectionService).owedSince(new Date(Date.now() - 60_000));
      expect(owed.find((j) => j.jobId === Jobs.notify(view.id, 'inspection.failed').jobId)?.data).toMatchObject({ params: { nothingCame: 'yes' } });
    });
  });

  describe('POST /v1/refunds/{id}/retry', () => {
    const declinedRefundOnly = async () => {
      const { orderId } = await putOrder(service, { payment: { provider: 'alipay', transactionId: uniqueId('T-DECLINE') } });
      return returnFor(service, orderId, ['REFUND_FAILED', 'REFUNDED'], {
        type: 'REFUND_ONLY',
        reasonCode: 'CHANGED_MIND',
        reasonText: undefined,
        returnMethod: undefined,
        items: [{ sku: 'MUG', quantity: 1 }],
      });
    };

    const payoutsOf = async (refundId: string) => (await service.get(PaymentSimulator).payouts()).filter((p) => p.idempotencyKey.includes(refundId));

    it('pays once, under one idempotency key, when the gateway times out twice before answering', async () => {
      const { orderId } = await putOrder(service, { payment: { provider: 'alipay', transactionId: uniqueId('T-FLAKY') } });
      const created = await postReturn(service, returnBody(orderId, { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] }));
      // Two timeouts, then BullMQ's exponential backoff (5 s, 10 s, with jitter) brings the third attempt.
      const refunded = await service.waitForStatus(created.body.id, 'REFUNDED', 40_000);
      expect(refunded.refund).toMatchObject({ status: 'SUCCEEDED', amount: 4500, attempts: 3, lastError: null });
      const payouts = await payoutsOf(refunded.refund.id);
      expect(payouts).toHaveLength(1);
      expect(payouts[0].amountMinor).toBe(4500);
      // Told of the approval alone at the first timeout, not after the retries; then of the refund.
      await service.drain();
      expect(await notifiedEvents(service, created.body.id)).toEqual(['refund.succeeded', 'return.approved']);
    }, 60_000);

    it('ends a refund the gateway declines as REFUND_FAILED with no payout', async () => {
      const failed = await declinedRefundOnly();
      expect(failed.status).toBe('REFUND_FAILED');
      expect(failed.refund).toMatchObject({ status: 'FAILED', amount: 4500, attempts: 1, providerRefundId: null });
      expect(await payoutsOf(failed.refund.id)).toHaveLength(0);
      // One message: approved, but the refund did not go through.
      await service.drain();
      expect(await notifiedEvents(service, failed.id)).toEqual(['refund.failed']);
      const [{ body }] = await service.db.query(`SELECT body FROM notifications WHERE case_id = $1 AND channel = 'EMAIL'`, [failed.id]);
      expect(body).toContain('已通过审核');
    });

    it('tries a FAILED refund again: 202, back to REFUND_PENDING, then REFUND_FAILED with one more attempt', async () => {
      const failed = await declinedRefundOnly();
      expect(failed.status).toBe('REFUND_FAILED');
      const response = await service.as('finance').post(`/v1/refunds/${failed.refund.id}/retry`);
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({ id: failed.refund.id, caseId: failed.id });
      const again = await service.waitForStatus(failed.id, 'REFUND_FAILED');
      expect(steps(again).slice(-3)).toEqual(['REFUND_PENDING>REFUND_FAILED', 'REFUND_FAILED>REFUND_PENDING', 'REFUND_PENDING>REFUND_FAILED']);
      expect(again.refund).toMatchObject({ id: failed.refund.id, status: 'FAILED' });
      expect(again.refund.attempts).toBeGreaterThan(failed.refund.attempts);
      expect(await payoutsOf(failed.refund.id)).toHaveLength(0);
    });

    it("refunds to the order's corrected payment when finance retries after upstream corrected it", async () => {
      const { orderId, order } = await putOrder(service, { payment: { provider: 'alipay', transactionId: uniqueId('T-DECLINE') } });
      const failed = await returnFor(service, orderId, 'REFUND_FAILED', REFUND_ONLY_MUG);
      // The payment upstream had recorded was the wrong one (the gateway declined it); it sends the right one.
      const corrected = uniqueId('T');
      await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, payment: { provider: 'wechat', transactionId: corrected } }).expect(200);
      expect((await service.as('finance').post(`/v1/refunds/${failed.refund.id}/retry`)).status).toBe(202);
      const refunded = await service.waitForStatus(failed.id, 'REFUNDED');
      // Declined, declined again when the retry sent that round again, then paid to the corrected payment.
      expect(refunded.refund).toMatchObject({ status: 'SUCCEEDED', method: 'wechat', attempts: 3 });
      expect(refunded.timeline.find((t: { to: string; note: string }) => t.to === 'REFUND_PENDING' && t.note.includes('retried'))?.note).toBe(
        "refund retried by finance, to the order's corrected payment (wechat)",
      );
      const payouts = await payoutsOf(failed.refund.id);
      expect(payouts.map((p) => [p.provider, p.transactionId, p.amountMinor])).toEqual([['wechat', corrected, 4500]]);
    });

    it('keeps the payment the refund recorded when upstream sends the order again without one', async () => {
      const failed = await declinedRefundOnly();
      const { payment: _payment, ...withoutPayment } = orderBody();
      await service.as('upstream').put(`/v1/orders/${failed.orderId}`, withoutPayment).expect(200);
      expect((await service.as('finance').post(`/v1/refunds/${failed.refund.id}/retry`)).status).toBe(202);
      const again = await service.waitForStatus(failed.id, 'REFUND_FAILED');
      // Declined, declined again when the retry sent that round again, and the new round declined too.
      expect(again.refund).toMatchObject({ method: 'alipay', attempts: 3 });
      expect(again.timeline.filter((t: { note: string }) => t.note === 'refund retried by finance')).toHaveLength(1);
      const [{ transaction }] = await service.db.query('SELECT payment_transaction_id AS transaction FROM refunds WHERE id = $1', [failed.refund.id]);
      expect(transaction).toMatch(/^T-DECLINE/);
    });

    const refundOnly = (items: { sku: string; quantity: number }[]) => ({ type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items });

    it("keeps a FAILED refund's amount from what the order's other cases can be refunded", async () => {
      // The mug's refund is declined: it stays owed (finance retries it; the gateway may have paid after all).
      const { orderId, order } = await putOrder(service, { payment: { provider: 'alipay', transactionId: uniqueId('T-DECLINE') } });
      const mug = await returnFor(service, orderId, 'REFUND_FAILED', refundOnly([{ sku: 'MUG', quantity: 1 }]));
      expect(mug.refund).toMatchObject({ status: 'FAILED', amount: 4500 });
      // Upstream then corrects the order (the mug was 1.00) and its payment: 199.00 paid in all.
      await service
        .as('upstream')
        .put(`/v1/orders/${orderId}`, {
          ...order,
          payment: { provider: 'alipay', transactionId: uniqueId('T') },
          items: [
            { sku: 'S1', name: 'T恤', category: 'apparel', quantity: 2, unitPrice: 9900 },
            { sku: 'MUG', name: '马克杯', category: 'home', quantity: 1, unitPrice: 100 },
          ],
        })
        .expect(200);
      // The shirts are worth 198.00, but 45.00 of the 199.00 paid is the mug's refund's.
      const shirts = await returnFor(service, orderId, 'REFUNDED', refundOnly([{ sku: 'S1', quantity: 2 }]));
      expect(shirts.refund.amount).toBe(19900 - 4500);
      expect(shirts.refund.breakdown).toContainEqual(expect.objectContaining({ code: 'CAP' }));
    });

    it("refuses to try a FAILED refund again once the order's payment no longer covers it: 409 REFUND_EXCEEDS_PAID, nothing changed", async () => {
      const failed = await declinedRefundOnly();
      // Upstream lowers the order's total below the refund (a price corrected, an item taken off).
      const [order] = await service.db.query('SELECT customer, payment FROM orders WHERE id = $1', [failed.orderId]);
      await service
        .as('upstream')
        .put(`/v1/orders/${failed.orderId}`, { ...orderBody({ customer: order.customer, payment: order.payment }), items: [{ sku: 'MUG', name: '马克杯', category: 'home', quantity: 1, unitPrice: 1000 }] })
        .expect(200);
      const refused = await service.as('finance').post(`/v1/refunds/${failed.refund.id}/retry`);
      expectError(refused, 409, 'REFUND_EXCEEDS_PAID');
      expect(refused.body.message).toContain('45.00');
      const after = (await service.as('finance').get(`/v1/returns/${failed.id}`)).body;
      expect(after.status).toBe('REFUND_FAILED');
      expect(after.refund).toEqual(failed.refund);
      expect(steps(after)).toEqual(steps(failed));
    });

    it('answers 409 REFUND_NOT_FAILED for a refund that succeeded', async () => {
      const refunded = await caseIn(service, 'REFUNDED', { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] });
      expect(refunded.refund.status).toBe('SUCCEEDED');
      expectError(await service.as('finance').post(`/v1/refunds/${refunded.refund.id}/retry`), 409, 'REFUND_NOT_FAILED');
      const after = (await service.as('finance').get(`/v1/returns/${refunded.id}`)).body;
      expect(after.status).toBe('REFUNDED');
      expect(after.refund.attempts).toBe(refunded.refund.attempts);
    });

    it('answers 404 for an unknown refund', async () => {
      expectError(await service.as('finance').post(`/v1/refunds/${NO_SUCH_UUID}/retry`), 404, 'REFUND_NOT_FOUND');
      expectError(await service.as('finance').post('/v1/refunds/not-a-uuid/retry'), 404, 'REFUND_NOT_FOUND');
    });
  });

  describe('GET /v1/returns', () => {
    /** One customer with three cases on two orders (the oldest first), and one case of another customer. */
    let customer: { id: string };
    let orderA: string;
    let caseIds: string[];
    let rejectedId: string;
    let strangerOrder: string;

    beforeAll(async () => {
      customer = { ...orderBody().customer };
      ({ orderId: orderA } = await putOrder(service, { customer }));
      const { orderId: orderB } = await putOrder(service, { customer, deliveredAt: daysAgo(8) });
      ({ orderId: strangerOrder } = await putOrder(service));
      const first = await returnFor(service, orderA, 'AWAITING_SHIPMENT', { items: [{ sku: 'S1', quantity: 1 }] });
      const second = await returnFor(service, orderB, 'REJECTED');
      const third = await returnFor(service, orderA, 'AWAITING_SHIPMENT', { items: [{ sku: 'MUG', quantity: 1 }] });
      await returnFor(service, strangerOrder, 'AWAITING_SHIPMENT');
      caseIds = [third.id, second.id, first.id];
      rejectedId = second.id;
    });

    const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);

    it('filters by customerId, newest first', async () => {
      const response = await service.as('agent').get(`/v1/returns?customerId=${encodeURIComponent(customer.id)}`);
      expect(response.status).toBe(200);
      expect(ids(response.body)).toEqual(caseIds);
      expect(response.body.nextCursor).toBeNull();
      expect(response.body.items.every((i: { customerId: string }) => i.customerId === customer.id)).toBe(true);
    });

    it('filters by orderId', async () => {
      const response = await service.as('agent').get(`/v1/returns?orderId=${encodeURIComponent(orderA)}`);
      expect(ids(response.body)).toEqual([caseIds[0], caseIds[2]]);
    });

    it('filters by status', async () => {
      const mine = await service.as('agent').get(`/v1/returns?status=REJECTED&customerId=${encodeURIComponent(customer.id)}`);
      expect(ids(mine.body)).toEqual([rejectedId]);
      const all = await service.as('finance').get('/v1/returns?status=AWAITING_SHIPMENT&limit=100');
      expect(all.status).toBe(200);
      expect(all.body.items.length).toBeGreaterThan(0);
      expect(all.body.items.every((i: { status: string }) => i.status === 'AWAITING_SHIPMENT')).toBe(true);
      expect(ids(all.body)).not.toContain(rejectedId);
    });

    it('lists every case newest first', async () => {
      const response = await service.as('agent').get('/v1/returns?limit=100');
      const created = response.body.items.map((i: { createdAt: string }) => Date.parse(i.createdAt));
      expect(created.length).toBeGreaterThan(3);
      expect([...created].sort((a, b) => b - a)).toEqual(created);
    });

    it('pages with limit=1 and nextCursor through every case of a customer exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const query = `customerId=${encodeURIComponent(customer.id)}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const response = await service.as('agent').get(`/v1/returns?${query}`);
        expect(response.status).toBe(200);
        expect(response.body.items.length).toBeLessThanOrEqual(1);
        seen.push(...ids(response.body));
        cursor = response.body.nextCursor;
        if (!cursor) break;
      }
      expect(cursor).toBeNull();
      expect(seen).toEqual(caseIds);
    });

    it('answers 400 for a cursor it did not give out', async () => {
      const response = await service.as('agent').get('/v1/returns?cursor=not-a-cursor');
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const forged = Buffer.from('yesterday|nope').toString('base64url');
      expect((await service.as('agent').get(`/v1/returns?cursor=${forged}`)).status).toBe(400);
    });

    it('answers 400 for a limit out of range', async () => {
      expectFieldError(await service.as('agent').get('/v1/returns?limit=0'), /^limit /);
      expectFieldError(await service.as('agent').get('/v1/returns?limit=101'), /^limit /);
    });
  });

  describe('with a review deadline of 1 s', () => {
    let fast: TestService;

    beforeAll(async () => {
      fast = await TestService.start({ withWorkers: true, env: { REVIEW_DEADLINE: '1s' } });
    });

    afterAll(() => fast.close());

    it('approves a PENDING_REVIEW case no agent decided, as system:review-deadline', async () => {
      const pending = await caseIn(fast, ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'REJECTED'], { reasonCode: 'QUALITY_DEFECT', reasonText: '质量有问题，开线了' });
      expect(pending.status).toBe('PENDING_REVIEW');
      const view = await fast.waitForStatus(pending.id, 'AWAITING_SHIPMENT', 15_000);
      expect(view.decision).toMatchObject({ outcome: 'APPROVED', decidedBy: 'system:review-deadline' });
      expect(steps(view)).toEqual(['->REQUESTED', 'REQUESTED>PENDING_REVIEW', 'PENDING_REVIEW>APPROVED', 'APPROVED>AWAITING_SHIPMENT']);
      expect(view.timeline.find((t: { to: string }) => t.to === 'APPROVED').actor).toBe('system:review-deadline');
      // The customer was told the deadline this service has, not the contract's default 48 h.
      const [told] = await fast.db.query(`SELECT body FROM notifications WHERE case_id = $1 AND event = 'return.pending_review'`, [pending.id]);
      expect(told.body).toMatch(/在 1 小[时時][内內]|within 1 hour\./);
    });
  });
});
