import { HttpException } from '@nestjs/common';
import { QueueName, signBody } from '@returns/contracts';
import { IntakeService } from '@returns/intake';
import { caseIn, expectError, expectFieldError, postReturn, putOrder, returnFor } from './support/api-helpers';
import { daysAgo, orderBody, returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';

const KEYS = ['dev-upstream:upstream', 'upstream-b:upstream', 'dev-portal:portal', 'dev-carrier:carrier', 'dev-warehouse:warehouse', 'dev-agent:agent', 'dev-finance:finance', 'dev-admin:admin', 'agent-lin:agent', 'agent-wu:agent'];

describe('intake: policies, pre-screening, risk, review desk and upstream events', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true, env: { API_KEYS: KEYS.join(',') } });
  });

  afterAll(() => service.close());

  const asAgent = (key: string) => ({
    get: (url: string) => service.http().get(url).set('Authorization', `Bearer ${key}`),
    post: (url: string, body: object = {}) => service.http().post(url).set('Authorization', `Bearer ${key}`).send(body),
  });

  describe('policies', () => {
    it('lists the seeded policies of the contract, each with its version', async () => {
      const response = await service.as('agent').get('/v1/policies');
      expect(response.status).toBe(200);
      const byCategory = Object.fromEntries(response.body.items.map((p: any) => [p.category, p]));
      expect(byCategory.default).toMatchObject({ version: 'default@1', customerReasonWindowDays: 7, merchantFaultWindowDays: 15, autoApproveCeilingMinor: 200000, acceptsCustomerReasons: true });
      for (const category of ['custom', 'fresh', 'digital', 'periodical']) expect(byCategory[category].acceptsCustomerReasons).toBe(false);
      expect(byCategory.apparel.requireTagsAndNoWear).toBe(true);
    });

    it('makes a new version on every change, and only admins may change one', async () => {
      const category = uniqueId('tees');
      const first = await service.as('admin').put(`/v1/policies/${category}`, { customerReasonWindowDays: 30 });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ category, version: `${category}@1`, customerReasonWindowDays: 30, merchantFaultWindowDays: 15 });
      const second = await service.as('admin').put(`/v1/policies/${category}`, { restockingFeePercent: 10, shippingPaidBy: { customer: 'MERCHANT' } });
      expect(second.body).toMatchObject({ version: `${category}@2`, customerReasonWindowDays: 30, restockingFeePercent: 10, shippingPaidBy: { customer: 'MERCHANT', merchantFault: 'MERCHANT' } });
      expect((await service.as('agent').put(`/v1/policies/${category}`, { freePickup: true })).status).toBe(403);
      expectFieldError(await service.as('admin').put(`/v1/policies/${category}`, { restockingFeePercent: 101 }), /restockingFeePercent/);
      expectFieldError(await service.as('admin').put(`/v1/policies/${category}`, { customerReasonConditions: ['SHINY'] }), /customerReasonConditions/);
      expectFieldError(await service.as('admin').put(`/v1/policies/${category}`, { windowDays: 3 }), /windowDays/);
      const [{ versions }] = await service.db.query('SELECT count(*)::int AS versions FROM return_policies WHERE category = $1', [category]);
      expect(versions).toBe(2);
    });

    it('judges by the category policy and records the version it used', async () => {
      const category = uniqueId('tees');
      await service.as('admin').put(`/v1/policies/${category}`, { customerReasonWindowDays: 30 }).expect(200);
      const items = [{ sku: 'S1', name: 'T恤', category, quantity: 1, unitPrice: 9900 }];
      const view = await caseIn(service, ['AWAITING_SHIPMENT', 'REJECTED'], {}, { items, deliveredAt: daysAgo(10) });
      expect(view.status).toBe('AWAITING_SHIPMENT');
      expect(view.decision.policyVersion).toBe(`${category}@1`);
      // The default would have refused it: 10 days is past 7.
      const other = await caseIn(service, ['AWAITING_SHIPMENT', 'REJECTED'], {}, { deliveredAt: daysAgo(10) });
      expect(other.decision).toMatchObject({ outcome: 'REJECTED', codes: ['OUT_OF_WINDOW'] });
    });

    it('refuses customer-reason returns of a category the merchant made non-returnable, not merchant-fault ones', async () => {
      const category = uniqueId('giftcard');
      await service.as('admin').put(`/v1/policies/${category}`, { acceptsCustomerReasons: false }).expect(200);
      const items = [{ sku: 'S1', name: '礼品卡', category, quantity: 1, unitPrice: 10000 }];
      const changedMind = await caseIn(service, ['REJECTED', 'AWAITING_SHIPMENT'], { reasonCode: 'CHANGED_MIND', reasonText: undefined }, { items });
      expect(changedMind.decision.codes).toEqual(['NON_RETURNABLE']);
      const photos = [{ url: 'https://img.example.com/x.jpg', sha256: uniqueId('').replace(/\W/g, '').padEnd(64, 'a').slice(0, 64) }];
      const defect = await caseIn(service, ['AWAITING_SHIPMENT', 'PENDING_REVIEW', 'REJECTED'], { reasonCode: 'QUALITY_DEFECT', reasonText: '用了一天就坏了', photos }, { items });
      expect(defect.status).toBe('AWAITING_SHIPMENT');
    });

    it('previews the rules in Chinese and English without a key, the default for a category without its own', async () => {
      const zh = await service.http().get('/v1/policies/fresh/preview?locale=zh-CN');
      expect(zh.status).toBe(200);
      expect(zh.body).toMatchObject({ category: 'fresh', policyVersion: 'fresh@1', locale: 'zh-CN' });
      expect(zh.body.rules.join('')).toMatch(/不支持因个人原因/);
      const en = await service.http().get('/v1/policies/apparel/preview?locale=en-US');
      expect(en.body.rules.join(' ')).toMatch(/within 7 days of delivery/);
      expect(en.body.rules.join(' ')).toMatch(/tags attached/);
      const unknown = await service.http().get('/v1/policies/garden-gnomes/preview?locale=en');
      expect(unknown.body).toMatchObject({ category: 'garden-gnomes', appliesPolicyOf: 'default', policyVersion: 'default@1' });
      expect((await service.http().get('/v1/policies/fresh/preview?locale=../../etc')).status).toBe(400);
    });

    it("writes the review ceiling in the storefront's currency, CNY unless it names another", async () => {
      const ceiling = (body: { rules: string[] }) => body.rules[body.rules.length - 1];
      const zh = await service.http().get('/v1/policies/apparel/preview?locale=zh-CN');
      expect(zh.body.currency).toBe('CNY');
      expect(ceiling(zh.body)).toContain('超过 ¥2,000 由客服人工审核');
      const en = await service.http().get('/v1/policies/apparel/preview?locale=en-US&currency=');
      expect(ceiling(en.body)).toContain('worth more than CN¥2,000 are');
      // The policy's 200000 minor units are yen in a yen shop: no cents to divide by.
      const yen = await service.http().get('/v1/policies/apparel/preview?locale=en-US&currency=JPY');
      expect(yen.body).toMatchObject({ currency: 'JPY' });
      expect(ceiling(yen.body)).toContain('worth more than ¥200,000 are');
      const refused = await service.http().get('/v1/policies/apparel/preview?currency=yuan');
      expect(refused.status).toBe(400);
      expect(refused.body.message).toEqual(['currency must be an ISO 4217 code like CNY']);
    });
  });

  describe('reason pre-screening and risk', () => {
    it('sends a vague reason to review and asks the customer to say more', async () => {
      const view = await caseIn(service, ['PENDING_REVIEW', 'AWAITING_SHIPMENT'], { reasonCode: 'OTHER', reasonText: '不喜欢了' });
      expect(view.status).toBe('PENDING_REVIEW');
      expect(view.decision.codes).toContain('VAGUE_REASON');
      expect(view.decision.rules.find((r: any) => r.id === 'reason.text')).toMatchObject({ passed: false });
      await service.drain();
      const events = await service.db.query('SELECT DISTINCT event FROM notifications WHERE case_id = $1', [view.id]);
      expect(events.map((e: any) => e.event)).toEqual(['return.clarification_needed']);
    });

    it('sends a reason text that contradicts the reason code to review', async () => {
      const view = await caseIn(service, ['PENDING_REVIEW', 'AWAITING_SHIPMENT'], { reasonCode: 'SIZE_FIT', reasonText: '收到就是坏的，屏幕碎了' });
      expect(view.status).toBe('PENDING_REVIEW');
      expect(view.decision.codes).toContain('VAGUE_REASON');
    });

    it("sends a claim whose photo is already in another customer's return to review, with the score and its reasons", async () => {
      const sha256 = 'c'.repeat(48) + Date.now().toString(16).padStart(16, '0');
      const photos = [{ url: 'https://img.example.com/broken.jpg', sha256 }];
      const first = await caseIn(service, ['AWAITING_SHIPMENT', 'PENDING_REVIEW'], { reasonCode: 'QUALITY_DEFECT', reasonText: '质量太差，开线了', photos });
      expect(first.status).toBe('AWAITING_SHIPMENT');
      const second = await caseIn(service, ['AWAITING_SHIPMENT', 'PENDING_REVIEW'], { reasonCode: 'QUALITY_DEFECT', reasonText: '质量太差，开线了', photos });
      expect(second.status).toBe('PENDING_REVIEW');
      expect(second.decision.codes).toEqual(['RISK_SIGNAL']);
      expect(second.risk.score).toBeGreaterThanOrEqual(60);
      expect(second.risk.signals.map((s: any) => s.signal)).toContain('PHOTO_REUSED');
      expect(first.risk).toEqual({ score: 0, signals: [] });

      // The customer's side sees that an agent will look, not that a flag was raised or why.
      const portal = (await service.as('portal').get(`/v1/returns/${second.id}`)).body;
      expect(portal.status).toBe('PENDING_REVIEW');
      expect(portal).not.toHaveProperty('risk');
      expect(portal.decision.codes).toEqual([]);
      expect(portal.decision.rules.map((r: { id: string }) => r.id)).toEqual(second.decision.rules.map((r: { id: string }) => r.id).filter((id: string) => id !== 'risk.score'));
      expect(JSON.stringify(portal)).not.toMatch(/RISK_SIGNAL|PHOTO_REUSED|[Rr]isk score/);
      expect(portal.timeline.map((t: { to: string }) => t.to)).toEqual(second.timeline.map((t: { to: string }) => t.to));
      // Its cancellation answers the same way; agents still see it whole.
      const cancelled = (await service.as('portal').post(`/v1/returns/${second.id}/cancel`, {})).body;
      expect(cancelled.status).toBe('CANCELLED');
      expect(JSON.stringify(cancelled)).not.toMatch(/RISK_SIGNAL|PHOTO_REUSED|[Rr]isk score/);
      expect((await service.as('agent').get(`/v1/returns/${second.id}`)).body.risk.score).toBe(second.risk.score);
    });

    it('shows the customer the codes that are theirs to mend and drops only the risk flag, from the decision and its note', async () => {
      const sha256 = 'd'.repeat(48) + Date.now().toString(16).padStart(16, '0');
      const photos = [{ url: 'https://img.example.com/torn.jpg', sha256 }];
      await caseIn(service, ['AWAITING_SHIPMENT', 'PENDING_REVIEW'], { reasonCode: 'QUALITY_DEFECT', reasonText: '质量太差，开线了', photos });
      // Another customer's claim with the same photo, and a reason text that says the size was wrong.
      const flagged = await caseIn(service, 'PENDING_REVIEW', { reasonCode: 'QUALITY_DEFECT', reasonText: '尺码太小了', photos });
      expect(flagged.decision.codes).toEqual(expect.arrayContaining(['VAGUE_REASON', 'RISK_SIGNAL']));
      // The policy's note on its decision: the move out of REQUESTED.
      const note = (view: any): string | null => view.timeline.find((t: { from: string | null }) => t.from === 'REQUESTED').note;
      expect(note(flagged)!.split(', ').sort()).toEqual([...flagged.decision.codes].sort());

      const portal = (await service.as('portal').get(`/v1/returns/${flagged.id}`)).body;
      expect(portal.decision.codes).toEqual(flagged.decision.codes.filter((c: string) => c !== 'RISK_SIGNAL'));
      expect(portal.decision.codes).toContain('VAGUE_REASON');
      expect(note(portal)).toBe(portal.decision.codes.join(', '));
      expect(JSON.stringify(portal)).not.toMatch(/RISK_SIGNAL|PHOTO_REUSED|[Rr]isk score/);
    });
  });

  describe('review desk', () => {
    it('lists cases waiting for review, the nearest deadline first', async () => {
      const a = await caseIn(service, 'PENDING_REVIEW', { reasonCode: 'OTHER', reasonText: '不想要了' });
      const b = await caseIn(service, 'PENDING_REVIEW', { reasonCode: 'OTHER', reasonText: '不想要了' });
      const response = await service.as('agent').get('/v1/review-queue?limit=200');
      expect(response.status).toBe(200);
      const ids = response.body.items.map((i: any) => i.id);
      expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
      const deadlines = response.body.items.map((i: any) => i.reviewBy);
      expect([...deadlines].sort()).toEqual(deadlines);
      expect(response.body.items.find((i: any) => i.id === a.id)).toMatchObject({ codes: ['VAGUE_REASON'], claimedBy: null, reviewBy: expect.any(String) });
      expect((await service.as('portal').get('/v1/review-queue')).status).toBe(403);
    });

    it('lets one agent at a time hold a review', async () => {
      const view = await caseIn(service, 'PENDING_REVIEW', { reasonCode: 'OTHER', reasonText: 'meh' });
      const lin = asAgent('agent-lin');
      const wu = asAgent('agent-wu');
      const claimed = await lin.post(`/v1/returns/${view.id}/claim`);
      expect(claimed.status).toBe(200);
      expect(claimed.body).toMatchObject({ claimedBy: expect.stringMatching(/^agent:/), claimedUntil: expect.any(String) });
      expect((await lin.post(`/v1/returns/${view.id}/claim`)).status).toBe(200); // renewing is fine
      expectError(await wu.post(`/v1/returns/${view.id}/claim`), 409, 'ALREADY_CLAIMED');
      expectError(await wu.post(`/v1/returns/${view.id}/review`, { decision: 'REJECT' }), 409, 'ALREADY_CLAIMED');
      const queue = await lin.get('/v1/review-queue?limit=200');
      expect(queue.body.items.find((i: any) => i.id === view.id).claimedBy).toBe(claimed.body.claimedBy);

      const decided = await lin.post(`/v1/returns/${view.id}/review`, { decision: 'APPROVE', note: '已与顾客确认' });
      expect(decided.status).toBe(200);
      expect(decided.body.decision).toMatchObject({ outcome: 'APPROVED', decidedBy: claimed.body.claimedBy, note: '已与顾客确认' });
      const after = await lin.get('/v1/review-queue?limit=200');
      expect(after.body.items.map((i: any) => i.id)).not.toContain(view.id);
      expectError(await lin.post(`/v1/returns/${view.id}/claim`), 409, 'NOT_IN_REVIEW');
    });

    it('answers 409 NOT_IN_REVIEW to a claim on a request still waiting to be judged', async () => {
      const { orderId } = await putOrder(service);
      await service.queue(QueueName.Intake).pause();
      try {
        const created = await postReturn(service, returnBody(orderId));
        expectError(await service.as('agent').post(`/v1/returns/${created.body.id}/claim`), 409, 'NOT_IN_REVIEW');
      } finally {
        await service.queue(QueueName.Intake).resume();
      }
    });

    it('answers 404 to a claim on an unknown case', async () => {
      expectError(await service.as('agent').post(`/v1/returns/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/claim`), 404, 'RETURN_NOT_FOUND');
    });

    it('answers more claims at once than the pool has connections, on requests still waiting and unknown cases, without one waiting for a connection', async () => {
      // Each claim's transaction once looked for the waiting request on a second connection:
      // twenty at once held the whole pool waiting for a twenty-first, and every request of
      // the API answered 503 after the pool's 10 s timeout.
      const { orderId } = await putOrder(service);
      await service.queue(QueueName.Intake).pause();
      try {
        const created = await postReturn(service, returnBody(orderId));
        const unknown = `${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`;
        // All in one turn of the event loop (over HTTP they would trickle in one by one).
        const started = Date.now();
        const intake = service.get(IntakeService);
        const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => intake.claim(i % 2 ? unknown : created.body.id, 'agent:spec')));
        expect(Date.now() - started).toBeLessThan(5_000);
        outcomes.forEach((outcome, i) => {
          expect(outcome.status).toBe('rejected');
          const error = (outcome as PromiseRejectedResult).reason;
          expect(error).toBeInstanceOf(HttpException);
          expect((error as HttpException).getResponse()).toMatchObject({ code: i % 2 ? 'RETURN_NOT_FOUND' : 'NOT_IN_REVIEW' });
        });
        // And over HTTP, as agents send them.
        const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => service.as('agent').post(`/v1/returns/${i % 2 ? unknown : created.body.id}/claim`)));
        answers.forEach((answer, i) => expectError(answer, i % 2 ? 404 : 409, i % 2 ? 'RETURN_NOT_FOUND' : 'NOT_IN_REVIEW'));
      } finally {
        await service.queue(QueueName.Intake).resume();
      }
    });
  });

  describe('upstream events', () => {
    const post = (event: object, signature?: string, key = 'dev-upstream') => {
      const body = JSON.stringify(event);
      const request = service.http().post('/v1/events').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json');
      if (signature !== null) request.set('X-Signature', signature ?? signBody(body, 'dev-webhook-secret'));
      return request.send(body);
    };

    it('takes a signed order.delivered once; a repeat is a duplicate that changes nothing', async () => {
      const orderId = uniqueId('o');
      const event = { id: uniqueId('evt'), type: 'order.delivered', occurredAt: new Date().toISOString(), data: { orderId, ...orderBody() } };
      const first = await post(event);
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ accepted: true, duplicate: false });
      const again = await post({ ...event, data: { ...event.data, currency: 'USD' } });
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ accepted: true, duplicate: true });
      const [order] = await service.db.query('SELECT currency FROM orders WHERE id = $1', [orderId]);
      expect(order.currency).toBe('CNY');
    });

    it('refuses a bad or missing signature with 401 and stores nothing', async () => {
      const orderId = uniqueId('o');
      const event = { id: uniqueId('evt'), type: 'order.delivered', occurredAt: new Date().toISOString(), data: { orderId, ...orderBody() } };
      expectError(await post(event, signBody(JSON.stringify(event), 'not-the-secret')), 401, 'BAD_SIGNATURE');
      expectError(await post(event, null as unknown as string), 401, 'BAD_SIGNATURE');
      expectError(await post(event, 'sha256=' + '0'.repeat(64)), 401, 'BAD_SIGNATURE');
      expect(await service.db.query('SELECT 1 FROM upstream_events WHERE id = $1', [event.id])).toEqual([]);
      expect(await service.db.query('SELECT 1 FROM orders WHERE id = $1', [orderId])).toEqual([]);
    });

    it('does not let a late order.delivered overwrite a newer snapshot', async () => {
      const orderId = uniqueId('o');
      const now = Date.now();
      await post({ id: uniqueId('evt'), type: 'order.delivered', occurredAt: new Date(now).toISOString(), data: { orderId, ...orderBody({ deliveredAt: daysAgo(1) }) } }).expect(202);
      await post({ id: uniqueId('evt'), type: 'order.delivered', occurredAt: new Date(now - 3_600_000).toISOString(), data: { orderId, ...orderBody({ deliveredAt: daysAgo(5) }) } }).expect(202);
      const [order] = await service.db.query('SELECT delivered_at FROM orders WHERE id = $1', [orderId]);
      expect(Math.round((Date.now() - new Date(order.delivered_at).getTime()) / 86_400_000)).toBe(1);
    });

    it('keeps what it knew of the events through a direct PUT: a late order.delivered still does not overwrite', async () => {
      const orderId = uniqueId('o');
      const now = Date.now();
      await post({ id: uniqueId('evt'), type: 'order.delivered', occurredAt: new Date(now).toISOString(), data: { orderId, ...orderBody({ deliveredAt: daysAgo(2) }) } }).expect(202);
      expect((await service.as('upstream').put(`/v1/orders/${orderId}`, orderBody({ deliveredAt: daysAgo(1) }))).status).toBe(200);
      await post({ id: uniqueId('evt'), type: 'order.delivered', occurredAt: new Date(now - 3_600_000).toISOString(), data: { orderId, ...orderBody({ deliveredAt: daysAgo(5) }) } }).expect(202);
      const [order] = await service.db.query('SELECT delivered_at FROM orders WHERE id = $1', [orderId]);
      expect(Math.round((Date.now() - new Date(order.delivered_at).getTime()) / 86_400_000)).toBe(1);
    });

    it("keeps each upstream system's event ids apart: the same id from another system is its own event", async () => {
      const [a, b] = [await putOrder(service), await putOrder(service)];
      const id = uniqueId('evt');
      const fromA = await post({ id, type: 'return.requested', occurredAt: new Date().toISOString(), data: returnBody(a.orderId) });
      const fromB = await post({ id, type: 'return.requested', occurredAt: new Date().toISOString(), data: returnBody(b.orderId) }, undefined, 'upstream-b');
      expect(fromA.body).toMatchObject({ accepted: true, duplicate: false });
      expect(fromB.body).toMatchObject({ accepted: true, duplicate: false, returnId: expect.any(String) });
      expect(fromB.body.returnId).not.toBe(fromA.body.returnId);
      expect((await service.as('agent').get(`/v1/returns/${fromB.body.returnId}`)).body.orderId).toBe(b.orderId);
      // Each system's repeat is still a duplicate of its own.
      const again = await post({ id, type: 'return.requested', occurredAt: new Date().toISOString(), data: returnBody(b.orderId) }, undefined, 'upstream-b');
      expect(again.body).toMatchObject({ duplicate: true, returnId: fromB.body.returnId });
    });

    it('opens one case for a return.requested event, however often it is sent', async () => {
      const { orderId } = await putOrder(service);
      const event = { id: uniqueId('evt'), type: 'return.requested', occurredAt: new Date().toISOString(), data: returnBody(orderId) };
      const first = await post(event);
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ accepted: true, duplicate: false, returnId: expect.any(String) });
      const again = await post(event);
      expect(again.body).toMatchObject({ duplicate: true, returnId: first.body.returnId });
      const view = await service.waitForStatus(first.body.returnId, 'AWAITING_SHIPMENT');
      expect(view.orderId).toBe(orderId);
      const [{ cases }] = await service.db.query('SELECT count(*)::int AS cases FROM return_cases WHERE order_id = $1', [orderId]);
      expect(cases).toBe(1);
    });

    it('answers 400 naming the field inside data, 404 for an unknown order, and stores nothing', async () => {
      const { orderId } = await putOrder(service);
      const bad = { id: uniqueId('evt'), type: 'return.requested', occurredAt: new Date().toISOString(), data: returnBody(orderId, { items: [{ sku: 'S1', quantity: 0 }] }) };
      expectFieldError(await post(bad), /data\.items\.0\.quantity/);
      expectFieldError(await post({ ...bad, type: 'order.shipped' }), /type/);
      expectFieldError(await post({ ...bad, occurredAt: 'yesterday' }), /occurredAt/);
      const unknown = { ...bad, id: uniqueId('evt'), data: returnBody(uniqueId('o')) };
      expectError(await post(unknown), 404, 'ORDER_NOT_FOUND');
      expect(await service.db.query('SELECT 1 FROM upstream_events WHERE id = ANY($1)', [[bad.id, unknown.id]])).toEqual([]);
    });

    it('needs the upstream role', async () => {
      const event = { id: uniqueId('evt'), type: 'order.delivered', occurredAt: new Date().toISOString(), data: { orderId: uniqueId('o'), ...orderBody() } };
      const body = JSON.stringify(event);
      const response = await service.http().post('/v1/events').set('Authorization', 'Bearer dev-portal').set('Content-Type', 'application/json').set('X-Signature', signBody(body, 'dev-webhook-secret')).send(body);
      expect(response.status).toBe(403);
    });
  });
});

describe('review deadline reminder', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true, env: { REVIEW_DEADLINE: '2s' } });
  });

  afterAll(() => service.close());

  it('reminds the agents once before the deadline approves an undecided case', async () => {
    const { orderId } = await putOrder(service);
    const view = await returnFor(service, orderId, 'PENDING_REVIEW', { reasonCode: 'OTHER', reasonText: '不想要了' });
    const approved = await service.waitForStatus(view.id, 'AWAITING_SHIPMENT', 15_000);
    expect(approved.decision.decidedBy).toBe('system:review-deadline');
    const reminders = await service.db.query(`SELECT audience, created_at FROM staff_notifications WHERE case_id = $1 AND kind = 'review-reminder'`, [view.id]);
    expect(reminders).toHaveLength(1);
    expect(reminders[0].audience).toBe('agents');
    const approvedAt = approved.timeline.find((t: any) => t.to === 'APPROVED').at;
    expect(new Date(reminders[0].created_at).getTime()).toBeLessThan(Date.parse(approvedAt));
    // Decided, the case is no longer waiting: its reminder leaves the agents' notices.
    const notices = (await service.as('agent').get('/v1/staff-notifications?limit=200')).body.items;
    expect(notices.filter((n: { caseId: string }) => n.caseId === view.id)).toEqual([]);
  });
});
