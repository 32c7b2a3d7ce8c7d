import { QueueName } from '@returns/contracts';
import { PaymentSimulator } from '@returns/refund';
import { orderBody, returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';

/**
 * A return from the order snapshot to the refund, over HTTP, through the real queues and
 * workers: once with everything in one process (`npm start`) and once with the API apart
 * from a worker process (`npm run start:api` + `npm run start:worker`).
 */
describe.each([
  ['API and workers in one process', true],
  ['API plus a separate worker process', false],
])('a return travels end to end (%s)', (_mode, inProcess) => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: inProcess });
    if (!inProcess) await service.spawnWorker();
  });

  afterAll(() => service.close());

  it('goes from PUT /v1/orders to REFUNDED with the customer told at each step', async () => {
    const orderId = uniqueId('o');
    const order = orderBody();
    const put = await service.as('upstream').put(`/v1/orders/${orderId}`, order);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ orderId, merchantId: 'm1', currency: 'CNY', paidTotalMinor: 2 * 9900 + 4500 });

    // While the request waits in the intake queue, the case already answers REQUESTED.
    await service.queue(QueueName.Intake).pause();
    const created = await service.as('portal').post('/v1/returns', returnBody(orderId, { returnMethod: 'PICKUP' }), { 'Idempotency-Key': uniqueId('key') });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'REQUESTED', rmaNumber: expect.stringMatching(/^RMA-\d{8}-[0-9A-Z]{10}$/) });
    expect(created.body.statusUrl).toMatch(new RegExp(`/v1/returns/${created.body.id}$`));
    const caseId: string = created.body.id;
    const buffered = await service.as('portal').get(`/v1/returns/${caseId}`);
    expect(buffered.status).toBe(200);
    expect(buffered.body).toMatchObject({ id: caseId, status: 'REQUESTED', orderId });
    await service.queue(QueueName.Intake).resume();

    // Auto-approved, and a door pickup booked with a simulated carrier.
    const awaiting = await service.waitForStatus(caseId, 'AWAITING_SHIPMENT');
    expect(awaiting.decision).toMatchObject({ outcome: 'APPROVED', codes: [], decidedBy: 'system:policy', policyVersion: 'apparel@1' });
    expect(awaiting.shippingPaidBy).toBe('CUSTOMER');
    expect(awaiting.shipment).toMatchObject({ method: 'PICKUP', status: 'BOOKED', trackingNumber: expect.any(String), pickupWindow: expect.any(Object) });
    const { carrier, trackingNumber, costMinor } = awaiting.shipment;

    // Tracking: a duplicate and a late, out-of-order scan change nothing.
    const bookedAt = Date.now();
    const scan = (status: string, minutes: number) =>
      service.as('carrier').post('/v1/logistics/tracking', { carrier, trackingNumber, status, occurredAt: new Date(bookedAt + minutes * 60_000).toISOString(), location: '杭州' });
    const picked = await scan('IN_TRANSIT', 30);
    expect(picked.status).toBe(202);
    expect(picked.body).toEqual({ accepted: true, duplicate: false });
    await service.waitForStatus(caseId, 'IN_TRANSIT');
    const late = await scan('PICKED_UP', 10);
    expect(late.body.duplicate).toBe(false);
    expect((await scan('IN_TRANSIT', 30)).body.duplicate).toBe(true);
    await service.drain();
    const inTransit = await service.as('agent').get(`/v1/returns/${caseId}`);
    expect(inTransit.body.status).toBe('IN_TRANSIT');
    expect(inTransit.body.shipment.status).toBe('IN_TRANSIT');
    expect(inTransit.body.shipment.events.map((e: { status: string }) => e.status)).toEqual(['PICKED_UP', 'IN_TRANSIT']);

    const received = await service.as('warehouse').post(`/v1/returns/${caseId}/receive`);
    expect(received.status).toBe(200);
    expect(received.body.status).toBe('RECEIVED');
    expect(received.body.deadlines.inspectBy).toEqual(expect.any(String));

    const inspected = await service.as('warehouse').post(`/v1/returns/${caseId}/inspection`, {
      inspector: 'w-07',
      items: [{ sku: 'S1', quantity: 1, condition: 'NEW', checks: { tagsAttached: true, signsOfWear: false, packagingIntact: true }, photos: [{ url: 'https://img.example.com/qc/1.jpg', sha256: 'b'.repeat(64) }] }],
    });
    expect(inspected.status).toBe(202);

    const refunded = await service.waitForStatus(caseId, 'REFUNDED');
    expect(refunded.inspection).toMatchObject({ outcome: 'PASSED', inspector: 'w-07' });
    // Graded, the case still shows what the inspector reported: the photo is the evidence.
    expect(refunded.inspection.report).toEqual([expect.objectContaining({ sku: 'S1', checks: expect.objectContaining({ tagsAttached: true }), photos: [{ url: 'https://img.example.com/qc/1.jpg', sha256: 'b'.repeat(64) }] })]);
    expect(refunded.items).toEqual([expect.objectContaining({ sku: 'S1', quantity: 1, unitPrice: 9900, acceptedQuantity: 1, disposition: 'RESTOCK' })]);
    // The customer pays for the pickup they chose: it comes off the refund.
    expect(refunded.refund).toMatchObject({ status: 'SUCCEEDED', amount: 9900 - costMinor, currency: 'CNY', method: 'alipay', attempts: 1 });
    expect(refunded.refund.breakdown).toEqual([
      expect.objectContaining({ code: 'ITEM', sku: 'S1', amount: 9900 }),
      expect.objectContaining({ code: 'RETURN_SHIPPING', amount: -costMinor }),
    ]);

    expect(refunded.timeline.map((t: { from: string | null; to: string }) => `${t.from ?? '-'}>${t.to}`)).toEqual([
      '->REQUESTED',
      'REQUESTED>APPROVED',
      'APPROVED>AWAITING_SHIPMENT',
      'AWAITING_SHIPMENT>IN_TRANSIT',
      'IN_TRANSIT>RECEIVED',
      'RECEIVED>REFUND_PENDING',
      'REFUND_PENDING>REFUNDED',
    ]);
    const times = refunded.timeline.map((t: { at: string }) => Date.parse(t.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    // One payout at the gateway, for the refund's amount and key.
    const payouts = (await service.get(PaymentSimulator).payouts()).filter((p) => p.idempotencyKey.includes(refunded.refund.id));
    expect(payouts).toHaveLength(1);
    expect(payouts[0].amountMinor).toBe(refunded.refund.amount);

    // Told at each step they care about, on their instant channel and by email.
    await service.drain();
    const messages: { event: string; channel: string; status: string }[] = await service.db.query(
      'SELECT event, channel, status FROM notifications WHERE case_id = $1 ORDER BY created_at, channel',
      [caseId],
    );
    expect(messages.every((m) => m.status === 'SENT')).toBe(true);
    // The approval is told with the pickup booked seconds after it: one message, not two.
    expect([...new Set(messages.map((m) => m.event))]).toEqual(['pickup.booked', 'return.received', 'refund.succeeded']);
    for (const event of ['pickup.booked', 'return.received', 'refund.succeeded']) {
      expect(messages.filter((m) => m.event === event).map((m) => m.channel).sort()).toEqual(['EMAIL', 'PUSH']);
    }
  });

  it('books a door pickup under the policy the case was decided by, though the category policy changed since', async () => {
    const category = uniqueId('coats');
    const policyCacheMs = 2_100; // a process trusts its copy of the current policies for 2 s
    const pickupFor = async () => {
      const orderId = uniqueId('o');
      await service.as('upstream').put(`/v1/orders/${orderId}`, orderBody({ items: [{ sku: 'C1', name: '大衣', category, quantity: 1, unitPrice: 59900 }] })).expect(200);
      const created = await service.as('portal').post('/v1/returns', returnBody(orderId, { returnMethod: 'PICKUP', items: [{ sku: 'C1', quantity: 1 }] }), { 'Idempotency-Key': uniqueId('key') });
      expect(created.status).toBe(202);
      return created.body.id as string;
    };

    await service.as('admin').put(`/v1/policies/${category}`, { freePickup: true }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, policyCacheMs));
    // Approved under the free-pickup version; booked only after the merchant withdrew it.
    await service.queue(QueueName.Logistics).pause();
    const decidedFree = await pickupFor();
    expect((await service.waitForStatus(decidedFree, 'APPROVED')).decision.policyVersion).toBe(`${category}@1`);
    await service.as('admin').put(`/v1/policies/${category}`, { freePickup: false }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, policyCacheMs)); // every process now knows only the new version as current
    await service.queue(QueueName.Logistics).resume();
    const free = await service.waitForStatus(decidedFree, 'AWAITING_SHIPMENT');
    expect(free.shippingPaidBy).toBe('CUSTOMER');
    expect(free.shipment).toMatchObject({ method: 'PICKUP', status: 'BOOKED', costMinor: expect.any(Number) });
    expect(free.returnShippingChargeMinor).toBe(0);

    // Decided under the new version, the customer pays for the pickup.
    const paid = await service.waitForStatus(await pickupFor(), 'AWAITING_SHIPMENT');
    expect(paid.decision.policyVersion).toBe(`${category}@2`);
    expect(paid.shipment.costMinor).toBeGreaterThan(0);
    expect(paid.returnShippingChargeMinor).toBe(paid.shipment.costMinor);
  });

  if (!inProcess) {
    it("names the worker process's database sessions, so pg_stat_activity tells them from the API's", async () => {
      const [{ n }] = await service.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'returns-worker'`);
      expect(n).toBeGreaterThanOrEqual(1);
    });
  }

  it('refunds a REFUND_ONLY request without anything coming back', async () => {
    const orderId = uniqueId('o');
    await service.as('upstream').put(`/v1/orders/${orderId}`, orderBody({ deliveredAt: undefined }));
    const created = await service.as('upstream').post(
      '/v1/returns',
      { orderId, type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', items: [{ sku: 'MUG', quantity: 1 }] },
      { 'Idempotency-Key': uniqueId('key') },
    );
    expect(created.status).toBe(202);
    const refunded = await service.waitForStatus(created.body.id, 'REFUNDED');
    expect(refunded.shipment).toBeNull();
    expect(refunded.refund).toMatchObject({ amount: 4500, status: 'SUCCEEDED' });
    expect(refunded.timeline.map((t: { to: string }) => t.to)).toEqual(['REQUESTED', 'APPROVED', 'REFUND_PENDING', 'REFUNDED']);
    // Judging moved it on from its approval itself, every unit accepted: nothing comes back.
    expect(refunded.timeline[2]).toMatchObject({ from: 'APPROVED', to: 'REFUND_PENDING', actor: 'system:policy', note: 'refund only: nothing to send back' });
    expect(refunded.items).toEqual([expect.objectContaining({ sku: 'MUG', quantity: 1, acceptedQuantity: 1 })]);
    // One message on each channel, saying both: approved, and refunded.
    await service.drain();
    const told: { event: string; body: string }[] = await service.db.query('SELECT event, body FROM notifications WHERE case_id = $1', [created.body.id]);
    expect(told.length).toBeGreaterThan(0);
    for (const { event, body } of told) {
      expect(event).toBe('refund.succeeded');
      expect(body).toMatch(/已通过审核|is approved/);
    }
  });
});
