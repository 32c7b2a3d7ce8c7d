import { CUSTOMER_MESSAGES, JobName, Jobs, QueueName, signBody } from '@returns/contracts';
import { ChannelSimulator, NotificationService, WebhookService } from '@returns/notification';
import { PaymentSimulator, RefundService } from '@returns/refund';
import { notifiedEvents, putOrder, returnFor } from './support/api-helpers';
import { uniqueId } from './support/factories';
import { driveToRefunded, replay } from './support/flows';
import { localServer, LocalServer } from './support/local-server';
import { TestService } from './support/service';

/** Every row a case owns, in a stable order: what a replay must leave exactly as it was. */
async function snapshot(service: TestService, caseId: string): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    return_requests: 'SELECT * FROM return_requests WHERE id = $1',
    return_cases: 'SELECT * FROM return_cases WHERE id = $1',
    return_items: 'SELECT * FROM return_items WHERE case_id = $1 ORDER BY sku',
    case_timeline: 'SELECT * FROM case_timeline WHERE case_id = $1 ORDER BY id',
    shipments: 'SELECT * FROM shipments WHERE case_id = $1',
    tracking_events: 'SELECT * FROM tracking_events WHERE case_id = $1 ORDER BY id',
    inspections: 'SELECT * FROM inspections WHERE case_id = $1',
    refunds: 'SELECT * FROM refunds WHERE case_id = $1',
    notifications: 'SELECT * FROM notifications WHERE case_id = $1 ORDER BY id',
    webhook_deliveries: 'SELECT * FROM webhook_deliveries WHERE case_id = $1 ORDER BY id',
  };
  const out: Record<string, unknown[]> = {};
  for (const [table, sql] of Object.entries(tables)) out[table] = await service.db.query(sql, [caseId]);
  return out;
}

describe('replaying jobs', () => {
  let service: TestService;
  let hooks: LocalServer;
  const received: { id: string; type: string; signed: boolean }[] = [];

  beforeAll(async () => {
    // A merchant endpoint that records every webhook it is sent.
    hooks = await localServer((req, text, res) => {
      const event = JSON.parse(text);
      received.push({ id: event.id, type: event.type, signed: req.headers['x-signature'] === signBody(text, 'dev-webhook-secret') });
      res.writeHead(204).end();
    });
    service = await TestService.start({ withWorkers: true, env: { OUTBOUND_WEBHOOK_URLS: `${hooks.url}/hooks` } });
  });

  afterAll(async () => {
    await service.close();
    await hooks.close();
  });

  it("leaves the same rows and sends no second refund, message or webhook when each stage's job runs again", async () => {
    const done = await driveToRefunded(service, { returnMethod: 'PICKUP' });
    const caseId: string = done.id;
    const before = await snapshot(service, caseId);
    const payments = service.get(PaymentSimulator);
    const channels = service.get(ChannelSimulator);
    const payoutsOf = async () => (await payments.payouts()).filter((p) => p.idempotencyKey.includes(done.refund.id));
    const messagesOf = async () => (await channels.delivered()).filter((m) => before.notifications.some((n: any) => n.id === m.messageId));
    const messagesBefore = await messagesOf();
    const hooksBefore = received.filter((r) => r.id.includes(caseId)).length;
    expect(await payoutsOf()).toHaveLength(1);
    expect(messagesBefore).toHaveLength(before.notifications.length);
    // approved, received, inventory.disposition and refund.succeeded, each once and signed.
    expect(received.filter((r) => r.id.includes(caseId)).map((r) => r.type).sort()).toEqual(
      ['inventory.disposition', 'refund.succeeded', 'return.approved', 'return.received'],
    );
    expect(received.every((r) => r.signed)).toBe(true);

    await replay(service.queue(QueueName.Intake), JobName.JudgeReturn, { caseId });
    // The intake batch's job too, as the API enqueues it.
    await replay(service.queue(QueueName.Intake), JobName.JudgeReturns, { caseIds: [caseId] });
    await replay(service.queue(QueueName.Logistics), JobName.BookShipment, { caseId });
    for (const event of before.tracking_events as { id: string }[]) {
      await replay(service.queue(QueueName.Logistics), JobName.ApplyTracking, { trackingEventId: event.id });
    }
    await replay(service.queue(QueueName.Inspection), JobName.GradeInspection, { caseId });
    // Twice at once, too: the refund is still paid once.
    await Promise.all([
      replay(service.queue(QueueName.Refund), JobName.IssueRefund, { caseId }),
      replay(service.queue(QueueName.Refund), JobName.IssueRefund, { caseId }),
    ]);
    for (const message of new Set((before.notifications as { event: string }[]).map((n) => n.event))) {
      await replay(service.queue(QueueName.Notification), JobName.SendNotification, { caseId, message });
    }
    for (const type of ['return.approved', 'return.received', 'inventory.disposition', 'refund.succeeded']) {
      await replay(service.queue(QueueName.Webhooks), JobName.DeliverWebhook, { caseId, type });
    }
    for (const kind of ['review', 'ship-back', 'inspection']) {
      await replay(service.queue(QueueName.Timers), JobName.CaseDeadline, { caseId, kind });
    }
    await service.drain();

    expect(await snapshot(service, caseId)).toEqual(before);
    expect(await payoutsOf()).toHaveLength(1);
    expect(await messagesOf()).toEqual(expect.arrayContaining(messagesBefore));
    expect((await messagesOf()).length).toBe(messagesBefore.length);
    expect(received.filter((r) => r.id.includes(caseId)).length).toBe(hooksBefore);
    expect(CUSTOMER_MESSAGES).toEqual(expect.arrayContaining((before.notifications as { event: string }[]).map((n) => n.event)));
  });

  it('tells a refund that fails again after finance retried it, once per round, and each round once however often its jobs run', async () => {
    // The simulated gateway declines every refund of a T-DECLINE payment.
    const { orderId } = await putOrder(service, { payment: { provider: 'alipay', transactionId: uniqueId('T-DECLINE') } });
    const failed = await returnFor(service, orderId, 'REFUND_FAILED', { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] });
    const caseId: string = failed.id;
    const failures = () => received.filter((r) => r.id.includes(caseId) && r.type === 'refund.failed').map((r) => r.id);
    await service.drain();
    expect(await notifiedEvents(service, caseId)).toEqual(['refund.failed']);
    expect(failures()).toHaveLength(1);

    expect((await service.as('finance').post(`/v1/refunds/${failed.refund.id}/retry`)).status).toBe(202);
    await service.waitForStatus(caseId, 'REFUND_FAILED');
    await service.drain();
    // The second round is a moment of its own: the customer is told again, upstream gets a
    // refund.failed under a new event id.
    expect(await notifiedEvents(service, caseId)).toEqual(['refund.failed', 'refund.failed#2']);
    expect(failures()).toHaveLength(2);
    expect(new Set(failures()).size).toBe(2);

    // Either round's jobs again, as a replay or recovery would add them: nothing more is sent.
    const told = await service.db.query('SELECT id, status, attempts FROM notifications WHERE case_id = $1 ORDER BY id', [caseId]);
    for (const round of [undefined, 2]) {
      await replay(service.queue(QueueName.Notification), JobName.SendNotification, { caseId, message: 'refund.failed', round });
      await replay(service.queue(QueueName.Webhooks), JobName.DeliverWebhook, { caseId, type: 'refund.failed', round });
    }
    await service.drain();
    expect(await service.db.query('SELECT id, status, attempts FROM notifications WHERE case_id = $1 ORDER BY id', [caseId])).toEqual(told);
    expect(failures()).toHaveLength(2);
    // Recovery owes both rounds' moments, each by its own job ids, and finds them told and delivered.
    const owed = (await service.get(RefundService).owedSince(new Date(Date.now() - 60_000))).filter((job) => job.jobId?.includes(caseId));
    const [round1, round2] = [1, 2].map((round) => Jobs.notify(caseId, 'refund.failed', {}, 0, round).jobId);
    expect(owed.map((job) => job.jobId)).toEqual([round1, Jobs.webhook(caseId, 'refund.failed').jobId, round2, Jobs.webhook(caseId, 'refund.failed', 2).jobId]);
    const stillOwed = async () => (await service.get(WebhookService).notYetDelivered(await service.get(NotificationService).notYetTold(owed))).map((job) => job.jobId);
    expect(await stillOwed()).toEqual([]);
    // Had the first round's message been lost before it was told (no record of it), it would still be owed.
    await service.db.query(`DELETE FROM notifications WHERE case_id = $1 AND event = 'refund.failed'`, [caseId]);
    expect(await stillOwed()).toEqual([round1]);
    // The second round's records still PENDING (a provider that did not answer): the message and
    // webhook stages owe its jobs by their own ids, the round read back from what they stored.
    await service.db.query(`UPDATE notifications SET status = 'PENDING' WHERE case_id = $1 AND event = 'refund.failed#2'`, [caseId]);
    await service.db.query(`UPDATE webhook_deliveries SET status = 'PENDING' WHERE case_id = $1 AND event_id LIKE '%#2'`, [caseId]);
    const since = new Date(Date.now() - 60_000);
    expect((await service.get(NotificationService).owedSince(since)).filter((job) => job.jobId?.includes(caseId)).map((job) => job.jobId)).toEqual([round2]);
    expect((await service.get(WebhookService).owedSince(since)).filter((job) => job.jobId?.includes(caseId)).map((job) => job.jobId)).toEqual([Jobs.webhook(caseId, 'refund.failed', 2).jobId]);
  });

  it('adds a job that a transaction recorded but no one added (the producer died after commit)', async () => {
    const done = await driveToRefunded(service);
    // As if the process had died between commit and adding the job to Redis.
    await service.db.query(`INSERT INTO outbox (jobs, created_at) VALUES ($1, now() - interval '10 seconds')`, [
      JSON.stringify([{ jobId: `notification:${done.id}:return.closed`, name: 'send-notification', data: { caseId: done.id, message: 'return.closed' }, delayMs: null, priority: null }]),
    ]);
    const deadline = Date.now() + 15_000;
    let rows: { channel: string }[] = [];
    while (Date.now() < deadline && rows.length < 2) {
      rows = await service.db.query(`SELECT channel FROM notifications WHERE case_id = $1 AND event = 'return.closed' AND status = 'SENT'`, [done.id]);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows.map((r) => r.channel).sort()).toEqual(['EMAIL', 'PUSH']);
    await service.drain();
    expect(await service.db.query('SELECT * FROM outbox WHERE jobs::text LIKE $1', [`%${done.id}%`])).toEqual([]);
  });
});
