import { Job, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { CaseService } from '@returns/case';
import { CaseStatus, JobName, JobRequest, Jobs, QUEUE_OF, QueueName } from '@returns/contracts';
import { InspectionService } from '@returns/inspection';
import { IntakeService } from '@returns/intake';
import { LogisticsService } from '@returns/logistics';
import { NotificationService, WebhookService } from '@returns/notification';
import { RefundService } from '@returns/refund';
import { addedJob, deadlinePassed, expectError, inspectedAs, postReturn, putOrder, scan } from './support/api-helpers';
import { daysAgo, returnBody } from './support/factories';
import { TestService } from './support/service';
import { ownDatabase } from './support/own-database';

/**
 * Recovery after Redis lost writes. Each case is brought into its waiting state by the
 * stages themselves (no workers run: the test calls the stage that would), its job is then
 * taken out of Redis as a crash under `appendfsync everysec` would leave it, and
 * `POST /v1/admin/recovery` must put back exactly what is missing, as it was first added.
 */
describe('recovering jobs Redis lost', () => {
  let service: TestService;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;

  beforeAll(async () => {
    // A database of its own: what recovery owes is counted over every case changed lately,
    // and the suite before this one may have changed some a moment ago.
    database = await ownDatabase('job_recovery');
    // Webhooks go to an endpoint that refuses every connection.
    service = await TestService.start({ withWorkers: false, env: { DATABASE_URL: database.url, OUTBOUND_WEBHOOK_URLS: 'http://127.0.0.1:9/returns-events' } });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  const jobOf = (request: JobRequest) => service.queue(QUEUE_OF[request.name]).getJob(request.jobId);
  const statusOf = async (caseId: string) => (await service.get(CaseService).find(caseId))?.status;

  /** Waits for the job its stage adds after commit (in the background), then answers it. */
  const added = (request: JobRequest): Promise<Job> => addedJob(service, request);

  /** What Redis losing its last writes leaves: the job gone, its outbox row long deleted. */
  async function lose(request: JobRequest): Promise<void> {
    await (await added(request)).remove();
    expect(await jobOf(request)).toBeUndefined();
  }

  /** A return accepted for `overrides`, judged by the intake stage (unless `judged` is false). */
  async function accepted(overrides: Record<string, unknown> = {}, orderOverrides: Record<string, unknown> = {}, judged = true): Promise<string> {
    const { orderId } = await putOrder(service, orderOverrides);
    const created = await postReturn(service, returnBody(orderId, overrides));
    expect(created.status).toBe(202);
    if (judged) await service.get(IntakeService).judge(created.body.id);
    return created.body.id;
  }

  async function expectIn(caseId: string, status: CaseStatus): Promise<void> {
    expect(await statusOf(caseId)).toBe(status);
  }

  const recover = (since?: string) => service.as('admin').post('/v1/admin/recovery', since ? { since } : {});

  it('adds again each job Redis lost, as it was first added, and leaves the rest', async () => {
    const startedAt = new Date(Date.now() - 1_000).toISOString();

    // A booking that failed for good: in the failed set, the admin's to redrive.
    const failedBooking = await accepted();
    await expectIn(failedBooking, 'APPROVED');
    await added(Jobs.bookShipment(failedBooking));
    const connection = new IORedis(service.config.redisUrl, { maxRetriesPerRequest: null });
    const failing = new Worker(
      QueueName.Logistics,
      async (job) => {
        await job.discard();
        throw new Error('carrier account suspended');
      },
      { connection, prefix: service.config.queuePrefix, autorun: false },
    );
    const failedOnce = new Promise((resolve) => failing.on('failed', resolve));
    void failing.run();
    await failedOnce;
    await failing.close();
    connection.disconnect();
    expect(await (await jobOf(Jobs.bookShipment(failedBooking)))!.getState()).toBe('failed');

    // A request buffered and never judged, from a VIP customer with a merchant fault: priority 1.
    const unjudged = await accepted({ reasonCode: 'QUALITY_DEFECT', reasonText: '用了一天就坏了' }, { customer: { id: 'c-vip', name: '王芳', phone: '+8613900000000', locale: 'zh-CN', tier: 'VIP' } }, false);
    await lose(Jobs.judgeReturns([unjudged], 1));
    // An approved return never booked.
    const unbooked = await accepted();
    await expectIn(unbooked, 'APPROVED');
    await lose(Jobs.bookShipment(unbooked));
    // A refund-only case due its refund, never paid.
    const unpaid = await accepted({ type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] });
    await expectIn(unpaid, 'REFUND_PENDING');
    await lose(Jobs.issueRefund(unpaid, 1));
    // A case waiting for an agent whose review deadline timer is gone (its reminder is not).
    const inReview = await accepted({ reasonCode: 'OTHER', reasonText: '不喜欢了' });
    await expectIn(inReview, 'PENDING_REVIEW');
    await lose(Jobs.deadline(inReview, 'review', 0));
    // A booked return whose ship-back deadline timer is gone.
    const booked = await accepted();
    await service.get(LogisticsService).book(booked);
    await expectIn(booked, 'AWAITING_SHIPMENT');
    await lose(Jobs.deadline(booked, 'ship-back', 0));
    // ...and whose label message is gone too, before it was ever tried.
    const labelJob = Jobs.notify(booked, 'label.ready');
    const sentWith = (await added(labelJob)).data.params;
    await lose(labelJob);

    // As if each had waited a while already: their timers are due sooner than a full deadline from now.
    const dueAt = async (caseId: string, field: string, at: Date) =>
      service.db.query(`UPDATE return_cases SET deadlines = jsonb_set(deadlines, $2, to_jsonb($3::text)) WHERE id = $1`, [caseId, `{${field}}`, at.toISOString()]);
    const reviewBy = new Date(Date.now() + 30 * 60_000);
    const shipBackBy = new Date(Date.now() + 3_600_000);
    await dueAt(inReview, 'reviewBy', reviewBy);
    await dueAt(booked, 'shipBackBy', shipBackBy);

    const response = await recover(startedAt);
    expect(response.status).toBe(200);
    // Thirteen jobs owed to the six: six lost, one failed; the review reminder, the review
    // message and the four approvals' webhooks (never run: no worker) still there.
    expect(response.body).toMatchObject({ since: startedAt, owed: 13, requeued: 6, failed: 1, present: 6 });
    expect(response.body.byJob).toMatchObject({
      [JobName.DeliverWebhook]: { owed: 4, requeued: 0 },
      [JobName.JudgeReturns]: { requeued: 1 },
      [JobName.BookShipment]: { requeued: 1 },
      [JobName.IssueRefund]: { requeued: 1 },
      [JobName.CaseDeadline]: { requeued: 2 },
      [JobName.SendNotification]: { owed: 2, requeued: 1 },
    });

    // Each is back as its stage first added it: same id, priority, due time.
    expect((await jobOf(Jobs.judgeReturns([unjudged], 1)))!.opts.priority).toBe(1);
    expect(await (await jobOf(Jobs.bookShipment(unbooked)))!.getState()).toMatch(/waiting|prioritized/);
    expect(await jobOf(Jobs.issueRefund(unpaid, 1))).toBeDefined();
    const dueOf = async (request: JobRequest) => {
      const job = (await jobOf(request))!;
      expect(await job.getState()).toBe('delayed');
      return job.timestamp + job.opts.delay!;
    };
    expect(Math.abs((await dueOf(Jobs.deadline(booked, 'ship-back', 0))) - shipBackBy.getTime())).toBeLessThan(2_000);
    expect(Math.abs((await dueOf(Jobs.deadline(inReview, 'review', 0))) - reviewBy.getTime())).toBeLessThan(2_000);
    // The label message with the carrier and tracking number it was first sent with.
    expect((await jobOf(labelJob))!.data.params).toEqual(sentWith);
    expect(sentWith).toMatchObject({ carrier: expect.any(String), trackingNumber: expect.any(String) });
    // The failed booking stays failed, for retry-failed.
    expect(await (await jobOf(Jobs.bookShipment(failedBooking)))!.getState()).toBe('failed');

    // Nothing is missing any more: a second recovery adds nothing.
    const again = await recover(startedAt);
    expect(again.body).toMatchObject({ owed: response.body.owed, requeued: 0, failed: 1 });
  });

  it('judges a request whose job it put back, once a worker runs it', async () => {
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    const unjudged = await accepted({}, {}, false);
    await lose(Jobs.judgeReturns([unjudged]));
    // (The request of the test before, its job put back and not yet run, is owed too, and present.)
    expect((await recover(startedAt)).body.byJob[JobName.JudgeReturns]).toMatchObject({ requeued: 1 });
    const job = (await jobOf(Jobs.judgeReturns([unjudged])))!;
    expect(job.data.caseIds).toEqual([unjudged]);
    // What the intake worker does with it.
    await service.get(IntakeService).judgeAll(job.data.caseIds);
    expect(await statusOf(unjudged)).toBe('APPROVED');
  });

  it("puts back the customer's message of a rejection or a payment whose job was lost, saying what it first said", async () => {
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    const rejected = await accepted({}, { deliveredAt: daysAgo(120) });
    await expectIn(rejected, 'REJECTED');
    const rejection = Jobs.notify(rejected, 'return.rejected');
    await lose(rejection);
    // Its webhook was tried once (the endpoint refused), then its job was lost.
    await expect(service.get(WebhookService).deliver(rejected, 'return.rejected', new Date())).rejects.toThrow();
    const event = Jobs.webhook(rejected, 'return.rejected');
    await lose(event);
    const refunded = await accepted({ type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] });
    await service.get(RefundService).issue(refunded, false);
    await expectIn(refunded, 'REFUNDED');
    const payment = Jobs.notify(refunded, 'refund.succeeded');
    const said = (await added(payment)).data.params;
    await lose(payment);

    const response = await recover(startedAt);
    expect(response.body.byJob[JobName.SendNotification]).toMatchObject({ requeued: 2 });
    // (The refund-only case's approval and payment webhooks are owed too, and present.)
    expect(response.body.byJob[JobName.DeliverWebhook]).toMatchObject({ requeued: 1 });
    expect(await jobOf(event)).toBeDefined();
    expect(await jobOf(rejection)).toBeDefined();
    expect((await jobOf(payment))!.data.params).toEqual(said);
    expect(said).toMatchObject({ amount: expect.any(String), refundOnly: 'yes' });

    // Once told (what the notification worker does with the job), the job's loss owes nothing.
    await service.get(NotificationService).send(rejected, 'return.rejected');
    await lose(rejection);
    const again = await recover(startedAt);
    expect(again.body.byJob[JobName.SendNotification]).toMatchObject({ requeued: 0 });
    expect(await jobOf(rejection)).toBeUndefined();
  });

  it("puts back a carrier's event never applied and a warehouse report never graded", async () => {
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    const logistics = service.get(LogisticsService);
    const caseId = await accepted();
    await logistics.book(caseId);
    const view = (await service.as('admin').get(`/v1/returns/${caseId}`)).body;
    // The courier reports the pickup; its job is lost: left so, the ship-back deadline would close a parcel on its way.
    const picked = await scan(service, view, 'PICKED_UP');
    expect(picked.status).toBe(202);
    const [{ id: eventId }] = await service.db.query('SELECT id FROM tracking_events WHERE case_id = $1', [caseId]);
    await lose(Jobs.applyTracking(eventId));
    expect((await recover(startedAt)).body.byJob[JobName.ApplyTracking]).toEqual({ owed: 1, requeued: 1 });
    await logistics.applyTracking((await jobOf(Jobs.applyTracking(eventId)))!.data.trackingEventId);
    await expectIn(caseId, 'IN_TRANSIT');

    // The warehouse receives it and reports; the grading job is lost.
    expect((await service.as('warehouse').post(`/v1/returns/${caseId}/receive`)).status).toBe(200);
    const report = { inspector: 'w-01', items: [{ sku: 'S1', quantity: 1, condition: 'NEW', checks: { tagsAttached: true } }] };
    expect((await service.as('warehouse').post(`/v1/returns/${caseId}/inspection`, report)).status).toBe(202);
    await lose(Jobs.gradeInspection(caseId));
    const recovered = await recover(startedAt);
    expect(recovered.body.byJob[JobName.GradeInspection]).toEqual({ owed: 1, requeued: 1 });
    expect(recovered.body.byJob[JobName.ApplyTracking]).toBeUndefined(); // applied now: owed no more
    await service.get(InspectionService).grade(caseId);
    await expectIn(caseId, 'REFUND_PENDING');

    // A return failed at inspection (worn), whose message to the customer was lost.
    const worn = await accepted();
    await logistics.book(worn);
    await logistics.receive(worn, 'warehouse:w-01');
    expect((await service.as('warehouse').post(`/v1/returns/${worn}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'USED')] })).status).toBe(202);
    await service.get(InspectionService).grade(worn);
    await expectIn(worn, 'INSPECTION_FAILED');
    await lose(Jobs.notify(worn, 'inspection.failed'));
    await recover(startedAt);
    expect(await jobOf(Jobs.notify(worn, 'inspection.failed'))).toBeDefined();
  });

  it('puts back what the end of a wait owes: the received message and inspection deadline, the closing and the courier release, the cancellation', async () => {
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    const logistics = service.get(LogisticsService);
    const received = await accepted();
    await logistics.book(received);
    await logistics.receive(received, 'warehouse:w-01');
    await expectIn(received, 'RECEIVED');
    await lose(Jobs.notify(received, 'return.received'));
    await lose(Jobs.deadline(received, 'inspection', 0));
    // Closed at its ship-back deadline with the courier still booked.
    const closed = await accepted();
    await logistics.book(closed);
    await deadlinePassed(service, closed, 'shipBackBy');
    expect(await logistics.onShipBackDeadline(closed)).toBe(true);
    await lose(Jobs.notify(closed, 'return.closed'));
    await lose(Jobs.cancelShipment(closed));
    const cancelled = await accepted();
    await service.get(IntakeService).cancel(cancelled, 'portal');
    await expectIn(cancelled, 'CANCELLED');
    await lose(Jobs.notify(cancelled, 'return.cancelled'));

    const response = await recover(startedAt);
    expect(response.body.byJob).toMatchObject({ [JobName.SendNotification]: { requeued: 3 }, [JobName.CancelShipment]: { owed: 1, requeued: 1 } });
    const inspection = (await jobOf(Jobs.deadline(received, 'inspection', 0)))!;
    expect(await inspection.getState()).toBe('delayed');
    const inspectBy = Date.parse((await service.get(CaseService).find(received))!.deadlines.inspectBy!);
    expect(Math.abs(inspection.timestamp + inspection.opts.delay! - inspectBy)).toBeLessThan(2_000);

    // Once the booking is released, nothing is owed for it.
    await logistics.cancelBooking(closed);
    expect((await recover(startedAt)).body.byJob[JobName.CancelShipment]).toBeUndefined();
  });

  it('puts back a webhook whose job was lost before its first try, though the case moved on, and not one every endpoint has taken', async () => {
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    const logistics = service.get(LogisticsService);
    // Approved, then booked at once: the approval is long past when Redis loses its webhook.
    const approved = await accepted();
    await logistics.book(approved);
    await expectIn(approved, 'AWAITING_SHIPMENT');
    await lose(Jobs.webhook(approved, 'return.approved'));
    // Received, then inspected and graded: its receipt's message and webhook were lost before either ran.
    const received = await accepted();
    await logistics.book(received);
    await logistics.receive(received, 'warehouse:w-01');
    await lose(Jobs.webhook(received, 'return.received'));
    await lose(Jobs.notify(received, 'return.received'));
    expect((await service.as('warehouse').post(`/v1/returns/${received}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'NEW')] })).status).toBe(202);
    await service.get(InspectionService).grade(received);
    await expectIn(received, 'REFUND_PENDING');
    // ... and inventory's webhook of what becomes of the item, lost too.
    await lose(Jobs.webhook(received, 'inventory.disposition'));
    // Closed at its ship-back deadline; paid (refund only).
    const closed = await accepted();
    await logistics.book(closed);
    await deadlinePassed(service, closed, 'shipBackBy');
    expect(await logistics.onShipBackDeadline(closed)).toBe(true);
    await lose(Jobs.webhook(closed, 'return.closed'));
    const paid = await accepted({ type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] });
    await service.get(RefundService).issue(paid, false);
    await expectIn(paid, 'REFUNDED');
    await lose(Jobs.webhook(paid, 'refund.succeeded'));

    const response = await recover(startedAt);
    expect(response.status).toBe(200);
    for (const lost of [
      Jobs.webhook(approved, 'return.approved'),
      Jobs.webhook(received, 'return.received'),
      Jobs.notify(received, 'return.received', {}),
      Jobs.webhook(received, 'inventory.disposition'),
      Jobs.webhook(closed, 'return.closed'),
      Jobs.webhook(paid, 'refund.succeeded'),
    ]) {
      expect([lost.jobId, (await jobOf(lost))?.data]).toEqual([lost.jobId, lost.data]);
    }
    expect(response.body.byJob[JobName.DeliverWebhook].requeued).toBeGreaterThanOrEqual(5);

    // Once every endpoint has taken it (here: a retry got through), its loss owes nothing.
    await expect(service.get(WebhookService).deliver(approved, 'return.approved', new Date())).rejects.toThrow();
    await service.db.query(`UPDATE webhook_deliveries SET status = 'DELIVERED', delivered_at = now() WHERE event_id = $1`, [`evt_${approved}_return.approved`]);
    await lose(Jobs.webhook(approved, 'return.approved'));
    await lose(Jobs.webhook(closed, 'return.closed'));
    const again = await recover(startedAt);
    expect(again.body.byJob[JobName.DeliverWebhook]).toMatchObject({ requeued: 1 });
    expect(await jobOf(Jobs.webhook(approved, 'return.approved'))).toBeUndefined();
    expect(await jobOf(Jobs.webhook(closed, 'return.closed'))).toBeDefined();
  });

  it("puts back the approval a refund-only customer was told alone when the first payment failed", async () => {
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    const refundOnly = { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] };
    // The gateway times out on its first two calls for this payment.
    const flaky = await accepted(refundOnly, { payment: { provider: 'alipay', transactionId: `T-FLAKY-${Date.now()}` } });
    await expect(service.get(RefundService).issue(flaky, false)).rejects.toThrow(/timed out/);
    await expectIn(flaky, 'REFUND_PENDING');
    const approval = Jobs.notify(flaky, 'return.approved', { refundOnly: 'yes' });
    expect((await added(approval)).data).toEqual(approval.data);
    await lose(approval);
    // One whose payment has not failed was not told alone, and is owed no such message.
    const waiting = await accepted(refundOnly);
    await expectIn(waiting, 'REFUND_PENDING');

    const response = await recover(startedAt);
    expect(response.status).toBe(200);
    expect((await jobOf(approval))?.data).toEqual(approval.data);
    expect(await jobOf(Jobs.notify(waiting, 'return.approved'))).toBeUndefined();
  });

  it('is for admins, and refuses a since that is not a time or is in the future', async () => {
    expectError(await service.as('agent').post('/v1/admin/recovery', {}), 403, 'FORBIDDEN_ROLE');
    expect((await service.as('admin').post('/v1/admin/recovery', { since: 'yesterday' })).status).toBe(400);
    expectError(await service.as('admin').post('/v1/admin/recovery', { since: new Date(Date.now() + 60_000).toISOString() }), 400, 'SINCE_IN_FUTURE');
    // Without one: the last 24 hours.
    const defaulted = await service.as('admin').post('/v1/admin/recovery', {});
    expect(defaulted.status).toBe(200);
    expect(Date.now() - Date.parse(defaulted.body.since)).toBeGreaterThanOrEqual(24 * 3_600_000 - 60_000);
  });
});
