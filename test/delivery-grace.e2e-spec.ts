import { JobName, Jobs, QueueName } from '@returns/contracts';
import { IntakeService } from '@returns/intake';
import { postEvent, postReturn, putOrder } from './support/api-helpers';
import { orderBody, returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';
import { TcpProxy } from './support/tcp-proxy';
import { eventually } from './support/eventually';

/**
 * Upstream's events out of order: the customer's return comes before the order's delivery
 * does. With DELIVERY_GRACE the request waits that long for the delivery instead of being
 * rejected NOT_DELIVERED at once; the delivery, as an event or a PUT, has it judged at once.
 */
describe('DELIVERY_GRACE: a return asked before its order is known as delivered', () => {
  const GRACE_MS = 3_000;
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true, env: { DELIVERY_GRACE: `${GRACE_MS}ms` } });
  });

  afterAll(() => service.close());

  /** An order paid and shipped, its delivery not yet told; and a return of it asked for now. */
  const askedBeforeDelivery = async (returnOverrides: Record<string, unknown> = {}, orderOverrides: Record<string, unknown> = {}) => {
    const { orderId, order } = await putOrder(service, { deliveredAt: undefined, ...orderOverrides });
    const created = await postReturn(service, returnBody(orderId, returnOverrides));
    expect(created.status).toBe(202);
    return { orderId, order, id: created.body.id as string, askedAt: Date.now() };
  };
  const statusOf = async (id: string) => (await service.as('agent').get(`/v1/returns/${id}`)).body.status;

  it('waits for an order.delivered event that comes after the request, then judges it at once', async () => {
    const { orderId, order, id, askedAt } = await askedBeforeDelivery();
    await new Promise((r) => setTimeout(r, 700));
    expect(await statusOf(id)).toBe('REQUESTED');

    const event = { id: uniqueId('evt'), type: 'order.delivered', occurredAt: new Date().toISOString(), data: { orderId, ...order, deliveredAt: new Date().toISOString() } };
    expect((await postEvent(service, event)).status).toBe(202);
    const judged = await service.waitForStatus(id, ['AWAITING_SHIPMENT', 'REJECTED'], 10_000);
    expect(judged.status).toBe('AWAITING_SHIPMENT');
    // Woken by the delivery, not by the end of its grace.
    expect(Date.now() - askedAt).toBeLessThan(GRACE_MS);
    expect(await service.db.query('SELECT * FROM awaiting_delivery WHERE request_id = $1', [id])).toEqual([]);
  });

  it('is woken by a PUT of the order with its delivery too', async () => {
    const { orderId, order, id, askedAt } = await askedBeforeDelivery();
    await new Promise((r) => setTimeout(r, 500));
    expect(await statusOf(id)).toBe('REQUESTED');
    await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, deliveredAt: new Date().toISOString() }).expect(200);
    expect((await service.waitForStatus(id, ['AWAITING_SHIPMENT', 'REJECTED'], 10_000)).status).toBe('AWAITING_SHIPMENT');
    expect(Date.now() - askedAt).toBeLessThan(GRACE_MS);
  });

  it("shows a held request as waiting for its order's delivery, with the grace's end, to staff and customer alike", async () => {
    const { orderId, id } = await askedBeforeDelivery();
    await new Promise((r) => setTimeout(r, 500));
    const [{ held_until: heldUntil }] = await service.db.query('SELECT held_until FROM awaiting_delivery WHERE request_id = $1', [id]);
    for (const role of ['agent', 'portal'] as const) {
      const view = (await service.as(role).get(`/v1/returns/${id}`).expect(200)).body;
      expect(view.status).toBe('REQUESTED');
      expect(view.deadlines).toEqual({ deliveryGraceUntil: heldUntil.toISOString() });
      expect(view.timeline).toEqual([
        expect.objectContaining({ to: 'REQUESTED', actor: 'intake', note: `waiting for order ${orderId} to be delivered, judged by ${heldUntil.toISOString()} at the latest` }),
      ]);
    }
    // A request not held (a refund only needs no delivery) says it waits in the intake queue.
    const { orderId: other } = await putOrder(service);
    const intake = service.queue(QueueName.Intake);
    await intake.pause();
    try {
      const waiting = (await postReturn(service, returnBody(other))).body.id as string;
      const view = (await service.as('portal').get(`/v1/returns/${waiting}`).expect(200)).body;
      expect(view).toMatchObject({ status: 'REQUESTED', deadlines: {}, timeline: [expect.objectContaining({ note: 'waiting in the intake queue' })] });
      expect(view).not.toHaveProperty('risk');
    } finally {
      await intake.resume();
    }
  });

  it("wakes a held request whose grace's job Redis lost with a job at the request's own priority", async () => {
    // A VIP's return for damage in transit: its jobs go first of all (priority 1).
    const { orderId, order, id, askedAt } = await askedBeforeDelivery({ reasonCode: 'DAMAGED_IN_TRANSIT' }, { customer: { ...orderBody().customer, tier: 'vip' } });
    await new Promise((r) => setTimeout(r, 500));
    expect(await statusOf(id)).toBe('REQUESTED');
    const intake = service.queue(QueueName.Intake);
    const due = Jobs.judgeAfterDeliveryGrace(id, 0);
    await intake.pause();
    try {
      await (await intake.getJob(due.jobId!))!.remove();
      await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, deliveredAt: new Date().toISOString() }).expect(200);
      const woken = (await intake.getJob(due.jobId!))!;
      expect(woken.opts.priority).toBe(1);
      expect(woken.opts.delay ?? 0).toBe(0);
      expect(woken.data).toEqual({ caseId: id, graceOver: true });
    } finally {
      await intake.resume();
    }
    // Judged as delivered (a damage claim without a photo goes to an agent), before the grace's end.
    const judged = await service.waitForStatus(id, ['AWAITING_SHIPMENT', 'PENDING_REVIEW', 'REJECTED'], 10_000);
    expect(judged.decision.rules).toContainEqual(expect.objectContaining({ id: 'delivery.required', passed: true }));
    expect(Date.now() - askedAt).toBeLessThan(GRACE_MS);
  });

  it('rejects it NOT_DELIVERED once the grace is over with no delivery', async () => {
    const { id, askedAt } = await askedBeforeDelivery();
    const judged = await service.waitForStatus(id, ['AWAITING_SHIPMENT', 'REJECTED'], GRACE_MS + 10_000);
    expect(judged.status).toBe('REJECTED');
    expect(judged.decision.codes).toEqual(['NOT_DELIVERED']);
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(await service.db.query('SELECT * FROM awaiting_delivery WHERE request_id = $1', [id])).toEqual([]);
  });

  it("judges it when its grace's job runs, even early (another process's clock), rather than hold it again", async () => {
    const { id, askedAt } = await askedBeforeDelivery();
    await new Promise((r) => setTimeout(r, 500));
    expect(await statusOf(id)).toBe('REQUESTED');
    // The grace's job as it would run a moment early: the same id and data, due now.
    const intake = service.queue(QueueName.Intake);
    const due = Jobs.judgeAfterDeliveryGrace(id, 0);
    await (await intake.getJob(due.jobId!))!.remove();
    await intake.add(JobName.JudgeReturn, due.data, { jobId: due.jobId });
    const judged = await service.waitForStatus(id, ['AWAITING_SHIPMENT', 'REJECTED'], 5_000);
    expect(judged.decision.codes).toEqual(['NOT_DELIVERED']);
    expect(Date.now() - askedAt).toBeLessThan(GRACE_MS);
  });

  it("is owed its grace's job by recovery when Redis lost it", async () => {
    const { id } = await askedBeforeDelivery();
    await new Promise((r) => setTimeout(r, 500));
    const intake = service.queue(QueueName.Intake);
    const due = Jobs.judgeAfterDeliveryGrace(id, 0);
    await (await intake.getJob(due.jobId!))!.remove();
    const owed = (await service.get(IntakeService).owedSince(new Date(Date.now() - 60_000))).find((job) => job.jobId === due.jobId);
    expect(owed?.data).toEqual({ caseId: id, graceOver: true });
    expect(owed?.delayMs).toBeGreaterThan(0);
    expect(owed?.delayMs).toBeLessThanOrEqual(GRACE_MS);
    // Put back, it judges the request at the end of the grace.
    const recovered = await service.as('admin').post('/v1/admin/recovery', { since: new Date(Date.now() - 60_000).toISOString() });
    expect(recovered.status).toBeLessThan(300);
    expect((await service.waitForStatus(id, ['AWAITING_SHIPMENT', 'REJECTED'], GRACE_MS + 10_000)).decision.codes).toEqual(['NOT_DELIVERED']);
  });

  it('lets the customer cancel a held request, and forgets it: a later delivery wakes nothing', async () => {
    const { orderId, order, id } = await askedBeforeDelivery();
    await new Promise((r) => setTimeout(r, 500));
    expect((await service.as('portal').post(`/v1/returns/${id}/cancel`, {})).body.status).toBe('CANCELLED');
    expect(await service.db.query('SELECT * FROM awaiting_delivery WHERE request_id = $1', [id])).toEqual([]);
    await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, deliveredAt: new Date().toISOString() }).expect(200);
    expect(await service.get(IntakeService).judgeDelivered({ id: orderId, deliveredAt: new Date(), customer: order.customer })).toBe(0);
    expect(await statusOf(id)).toBe('CANCELLED');
  });

  it('does not hold a refund-only request, which needs no delivery', async () => {
    const { id, askedAt } = await askedBeforeDelivery({ type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] });
    const judged = await service.waitForStatus(id, ['REFUNDED', 'REFUND_PENDING', 'REJECTED'], 10_000);
    expect(judged.status).not.toBe('REJECTED');
    expect(Date.now() - askedAt).toBeLessThan(GRACE_MS);
  });
});

describe('DELIVERY_GRACE while Redis is away', () => {
  const GRACE_MS = 3_000;
  let service: TestService;
  let relay: TcpProxy;

  beforeAll(async () => {
    const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    relay = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    service = await TestService.start({ withWorkers: true, env: { DELIVERY_GRACE: `${GRACE_MS}ms`, REDIS_URL: relay.relayed(redis.toString()) } });
  });

  afterAll(async () => {
    await relay?.restore();
    await service?.close();
    await relay?.cut();
  });

  it("stores a delivery that cannot wake its held request, which its grace's end then judges as delivered", async () => {
    const { orderId, order } = await putOrder(service, { deliveredAt: undefined });
    const id = (await postReturn(service, returnBody(orderId))).body.id as string;
    const [{ held_until: heldUntil }] = await eventually(
      `request ${id} held`,
      async () => {
        const rows: { held_until: Date }[] = await service.db.query('SELECT held_until FROM awaiting_delivery WHERE request_id = $1', [id]);
        return rows.length > 0 && rows;
      },
      { timeoutMs: 5_000 },
    );

    await relay.cut();
    try {
      // The order is stored (200, not a 500 for a wake that could not reach Redis) ...
      const deliveredAt = new Date().toISOString();
      const stored = await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, deliveredAt });
      expect(stored.status).toBe(200);
      expect(stored.body.deliveredAt).toBe(deliveredAt);
      expect((await service.as('agent').get(`/v1/returns/${id}`)).body.status).toBe('REQUESTED');
    } finally {
      await relay.restore();
    }
    // ... and the request, not woken, is judged at its grace's end, against the delivered order.
    const judged = await service.waitForStatus(id, ['AWAITING_SHIPMENT', 'REJECTED'], GRACE_MS + 15_000);
    expect(judged.status).toBe('AWAITING_SHIPMENT');
    expect(Date.parse(judged.decision.decidedAt)).toBeGreaterThanOrEqual(heldUntil.getTime() - 100);
  });
});
