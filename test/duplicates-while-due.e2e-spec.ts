import { CaseService } from '@returns/case';
import { JobRequest, Jobs } from '@returns/contracts';
import { InspectionService } from '@returns/inspection';
import { IntakeService } from '@returns/intake';
import { CarrierSimulator, LogisticsService } from '@returns/logistics';
import { ChannelSimulator, NotificationService } from '@returns/notification';
import { OutboxService, RedisClient, SIMULATOR_REDIS } from '@returns/queue';
import { PaymentSimulator, RefundService } from '@returns/refund';
import { addedJob, countRows, inspectedAs, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

/**
 * Duplicates that arrive while the work is still due: a job and its copy (a stalled job
 * picked up again, a redelivery, a recovery's requeue) run at the same moment, each
 * seeing the case still waiting, or one right after the other. Each stage must still do
 * the work once: one payout, one move, one booking, one message and webhook asked for.
 * (test/replay.e2e-spec.ts replays jobs after the case has moved on; this is the case
 * where neither copy has seen the other's work yet.) The stages are called as their
 * workers would call them, with no workers running, so nothing else races the copies.
 */
describe('duplicates that arrive while the work is still due', () => {
  let service: TestService;

  beforeAll(async () => {
    // Webhook jobs are made only where an endpoint is configured (no worker runs to call it).
    service = await TestService.start({ withWorkers: false, env: { OUTBOUND_WEBHOOK_URLS: 'http://127.0.0.1:9/returns-events' } });
  });

  afterAll(() => service?.close());

  afterEach(() => jest.restoreAllMocks());

  const COPIES = 3;
  const MODES = ['at once', 'one after another'] as const;
  type Mode = (typeof MODES)[number];

  /** Runs `copies` copies of one job's handler, all at once or one after another. */
  async function runCopies(mode: Mode, handler: () => Promise<void>, copies = COPIES): Promise<void> {
    if (mode === 'at once') {
      await Promise.all(Array.from({ length: copies }, () => handler()));
      return;
    }
    for (let i = 0; i < copies; i++) await handler();
  }

  /**
   * Watches `method` of a live provider. Copies run at once are also held at it until all
   * `COPIES` have arrived (or a second has passed, should the service make them wait on
   * each other before it), then let through together: each copy has passed its own check
   * that the work is still due before any of them does the work. That is the hard case,
   * made certain rather than left to timing.
   */
  function watch<T extends object, M extends keyof T & string>(target: T, method: M, mode: Mode): jest.SpyInstance {
    const original = (target[method] as (...args: unknown[]) => unknown).bind(target);
    let arrived = 0;
    let release!: () => void;
    const together = new Promise<void>((resolve) => (release = resolve));
    const timer = setTimeout(release, 1_000);
    const spy = jest.spyOn(target, method as never) as unknown as jest.SpyInstance;
    spy.mockImplementation(async (...args: unknown[]) => {
      arrived++;
      if (mode === 'at once') {
        if (arrived >= COPIES) {
          clearTimeout(timer);
          release();
        }
        await together;
      }
      return original(...args);
    });
    if (mode !== 'at once') clearTimeout(timer);
    return spy;
  }

  /**
   * Every job a committed transaction asked for, by job id, from now on. A job id is
   * deterministic, so Redis would keep one job whatever this shows: this counts how often
   * the handlers decided on it, which must be once.
   */
  function recordEnqueued(): (request: JobRequest) => number {
    const spy = jest.spyOn(service.get(OutboxService), 'afterCommitInBackground');
    return (request) => spy.mock.calls.flatMap(([jobs]) => jobs).filter((job) => job.jobId === request.jobId).length;
  }

  const statusOf = async (caseId: string) => (await service.get(CaseService).find(caseId))!.status;
  const moves = async (caseId: string, to: string) => (await service.get(CaseService).timeline(caseId)).filter((t) => t.to === to).length;
  const payoutsOf = async (caseId: string) => {
    const refund = await service.get(RefundService).findByCase(caseId);
    return refund ? (await service.get(PaymentSimulator).payouts()).filter((p) => p.idempotencyKey.includes(refund.id)) : [];
  };

  /** A new order and one return of it, judged (APPROVED, or REFUND_PENDING for a refund only). */
  async function judged(overrides: Record<string, unknown> = {}): Promise<string> {
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId, overrides));
    expect(created.status).toBe(202);
    await service.get(IntakeService).judge(created.body.id);
    return created.body.id;
  }

  /** A return booked and taken in at the warehouse, with its inspector's report submitted and not yet graded. */
  async function reported(condition: 'NEW' | 'USED'): Promise<string> {
    const caseId = await judged();
    const logistics = service.get(LogisticsService);
    await logistics.book(caseId);
    await logistics.receive(caseId, 'warehouse:w-01');
    const submitted = await service.as('warehouse').post(`/v1/returns/${caseId}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, condition)] });
    expect(submitted.status).toBe(202);
    expect(await statusOf(caseId)).toBe('RECEIVED');
    return caseId;
  }

  /** Posts a carrier scan of a case's shipment, as the carrier would; answers the stored event's id (not yet applied). */
  async function scanned(caseId: string, status: string, minutesAgo: number): Promise<string> {
    const shipment = (await service.get(LogisticsService).findByCase(caseId))!;
    const response = await service.as('carrier').post('/v1/logistics/tracking', {
      carrier: shipment.carrier,
      trackingNumber: shipment.trackingNumber,
      status,
      occurredAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      location: '杭州',
    });
    expect(response.status).toBe(202);
    const [event] = await service.db.query('SELECT id FROM tracking_events WHERE case_id = $1 AND status = $2 AND applied_at IS NULL', [caseId, status]);
    return event.id;
  }

  /** Pays the refund a stage queued, as its job would, and checks it was paid once. */
  async function paidOnce(caseId: string): Promise<void> {
    await addedJob(service, Jobs.issueRefund(caseId));
    await service.get(RefundService).issue(caseId, false);
    expect(await statusOf(caseId)).toBe('REFUNDED');
    expect(await countRows(service, 'refunds WHERE case_id = $1', [caseId])).toBe(1);
    expect(await payoutsOf(caseId)).toHaveLength(1);
  }

  describe(RefundService.name, () => {
    it.each(MODES)('pays one refund, moves once and asks for one message and one webhook when copies of the job run %s', async (mode) => {
      const caseId = await judged({ type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] });
      expect(await statusOf(caseId)).toBe('REFUND_PENDING');
      const enqueued = recordEnqueued();
      // Every copy at the gateway together, each holding the refund it found PENDING.
      watch(service.get(PaymentSimulator), 'refund', mode);

      await runCopies(mode, () => service.get(RefundService).issue(caseId, false));

      expect(await statusOf(caseId)).toBe('REFUNDED');
      expect(await countRows(service, 'refunds WHERE case_id = $1', [caseId])).toBe(1);
      const [refund] = await service.db.query('SELECT id, status, amount_minor::int AS amount FROM refunds WHERE case_id = $1', [caseId]);
      expect(refund).toMatchObject({ status: 'SUCCEEDED', amount: 4500 });
      // The gateway's own ledger: one payout under the refund's key, of the refund's amount.
      const payouts = await payoutsOf(caseId);
      expect(payouts).toHaveLength(1);
      expect(payouts[0].amountMinor).toBe(4500);
      expect(await moves(caseId, 'REFUNDED')).toBe(1);
      expect(await countRows(service, 'feedback WHERE case_id = $1', [caseId])).toBe(1);
      expect(enqueued(Jobs.notify(caseId, 'refund.succeeded'))).toBe(1);
      expect(enqueued(Jobs.webhook(caseId, 'refund.succeeded'))).toBe(1);
      expect((await addedJob(service, Jobs.webhook(caseId, 'refund.succeeded'))).data).toEqual({ caseId, type: 'refund.succeeded' });

      // The customer's message, sent as its job would: once on each channel.
      const message = await addedJob(service, Jobs.notify(caseId, 'refund.succeeded'));
      await service.get(NotificationService).send(caseId, 'refund.succeeded', message.data.params);
      const told: { id: string; channel: string; status: string }[] = await service.db.query(
        `SELECT id, channel, status FROM notifications WHERE case_id = $1 AND event = 'refund.succeeded' ORDER BY channel`,
        [caseId],
      );
      expect(told.length).toBeGreaterThan(0);
      expect(new Set(told.map((n) => n.channel)).size).toBe(told.length);
      expect(told.every((n) => n.status === 'SENT')).toBe(true);
      const delivered = (await service.get(ChannelSimulator).delivered()).filter((m) => told.some((n) => n.id === m.messageId));
      expect(delivered).toHaveLength(told.length);

      // A late copy finds it paid.
      await service.get(RefundService).issue(caseId, false);
      expect(await payoutsOf(caseId)).toHaveLength(1);
      expect(await moves(caseId, 'REFUNDED')).toBe(1);
    });
  });

  describe(InspectionService.name, () => {
    it.each(MODES)('grades a report once, moves the case out of RECEIVED once and asks for one refund when copies of the job run %s', async (mode) => {
      const caseId = await reported('NEW');
      const enqueued = recordEnqueued();
      // Every copy has read the case RECEIVED and opened its transaction before any locks it.
      const lock = watch(service.get(CaseService), 'lock', mode);

      await runCopies(mode, () => service.get(InspectionService).grade(caseId));
      lock.mockRestore();

      expect(await statusOf(caseId)).toBe('REFUND_PENDING');
      const timeline = await service.get(CaseService).timeline(caseId);
      expect(timeline.filter((t) => t.from === 'RECEIVED').map((t) => t.to)).toEqual(['REFUND_PENDING']);
      const [inspection] = await service.db.query('SELECT outcome, graded_at FROM inspections WHERE case_id = $1', [caseId]);
      expect(inspection).toMatchObject({ outcome: expect.any(String), graded_at: expect.any(Date) });
      expect(await countRows(service, 'inspections WHERE case_id = $1', [caseId])).toBe(1);
      expect(await service.db.query('SELECT sku, accepted_quantity FROM return_items WHERE case_id = $1', [caseId])).toEqual([{ sku: 'S1', accepted_quantity: 1 }]);
      expect(enqueued(Jobs.issueRefund(caseId))).toBe(1);
      expect(enqueued(Jobs.webhook(caseId, 'inventory.disposition'))).toBe(1);

      await paidOnce(caseId);
      // A late copy finds it graded.
      await service.get(InspectionService).grade(caseId);
      expect(timeline).toEqual((await service.get(CaseService).timeline(caseId)).slice(0, timeline.length));
      expect(await moves(caseId, 'REFUND_PENDING')).toBe(1);
    });
  });

  describe(`${LogisticsService.name}.applyTracking`, () => {
    it.each(MODES)('moves a case to LOST once and asks for one refund when copies of a LOST event are applied %s', async (mode) => {
      const caseId = await judged();
      const logistics = service.get(LogisticsService);
      await logistics.book(caseId);
      await logistics.applyTracking(await scanned(caseId, 'PICKED_UP', 30));
      expect(await statusOf(caseId)).toBe('IN_TRANSIT');
      const lost = await scanned(caseId, 'LOST', 5);
      const enqueued = recordEnqueued();
      // Every copy has read the event as not yet applied before any locks the case.
      const lock = watch(service.get(CaseService), 'lock', mode);

      await runCopies(mode, () => logistics.applyTracking(lost));
      lock.mockRestore();

      expect(await statusOf(caseId)).toBe('REFUND_PENDING');
      const timeline = (await service.get(CaseService).timeline(caseId)).map((t) => `${t.from ?? '-'}>${t.to}`);
      expect(timeline.slice(-3)).toEqual(['AWAITING_SHIPMENT>IN_TRANSIT', 'IN_TRANSIT>LOST', 'LOST>REFUND_PENDING']);
      expect(timeline.filter((step) => step.endsWith('>LOST'))).toHaveLength(1);
      expect((await logistics.findByCase(caseId))!.status).toBe('LOST');
      expect(await countRows(service, 'tracking_events WHERE id = $1 AND applied_at IS NOT NULL', [lost])).toBe(1);
      expect(enqueued(Jobs.issueRefund(caseId))).toBe(1);

      await paidOnce(caseId);
      // The merchant bears the loss: every unit, with no shipping deducted.
      expect((await service.get(RefundService).findByCase(caseId))!.amount).toBe(9900);
      // A late copy changes nothing.
      await logistics.applyTracking(lost);
      expect(await moves(caseId, 'LOST')).toBe(1);
      expect(await moves(caseId, 'REFUND_PENDING')).toBe(1);
    });
  });

  describe(`${LogisticsService.name}.sendBack`, () => {
    it.each(MODES)('books one courier, records one parcel, moves once and asks for one message when copies of the job run %s', async (mode) => {
      const caseId = await reported('USED');
      await service.get(InspectionService).grade(caseId);
      expect(await statusOf(caseId)).toBe('INSPECTION_FAILED');
      const carrier = service.get(CarrierSimulator);
      // Every copy at the carrier together, each having found the case INSPECTION_FAILED.
      const book = watch(carrier, 'book', mode);
      const enqueued = recordEnqueued();

      await runCopies(mode, () => service.get(LogisticsService).sendBack(caseId));

      expect(await statusOf(caseId)).toBe('RETURNED_TO_CUSTOMER');
      const parcels: { carrier: string; tracking_number: string }[] = await service.db.query('SELECT carrier, tracking_number FROM sent_back_parcels WHERE case_id = $1', [caseId]);
      expect(parcels).toHaveLength(1);
      const [parcel] = parcels;
      expect(await moves(caseId, 'RETURNED_TO_CUSTOMER')).toBe(1);
      // The carrier's own records: one booking under the send-back key, and every call that
      // was made answered with it, so no second waybill was drawn for this parcel.
      expect((await carrier.bookings()).get(`send-back:${caseId}`)?.trackingNumber).toBe(parcel.tracking_number);
      const answered = await Promise.all(book.mock.results.map((r) => r.value as ReturnType<CarrierSimulator['book']>));
      expect(answered.length).toBeGreaterThan(0);
      expect(new Set(answered.map((b) => b.trackingNumber))).toEqual(new Set([parcel.tracking_number]));
      expect(await claimedTrackingNumbers(`send-back:${caseId}`)).toEqual([parcel.tracking_number]);
      // The customer is told once, with that waybill.
      expect(enqueued(Jobs.notify(caseId, 'item.sent_back'))).toBe(1);
      expect((await addedJob(service, Jobs.notify(caseId, 'item.sent_back'))).data.params).toEqual({ carrier: parcel.carrier, trackingNumber: parcel.tracking_number });

      // A late copy books nothing.
      const calls = book.mock.calls.length;
      await service.get(LogisticsService).sendBack(caseId);
      expect(book.mock.calls.length).toBe(calls);
      expect(await countRows(service, 'sent_back_parcels WHERE case_id = $1', [caseId])).toBe(1);
    });

    /** The tracking numbers the simulated carriers claimed for `bookingKey` (its own record, kept in Redis). */
    async function claimedTrackingNumbers(bookingKey: string): Promise<string[]> {
      const client = service.get<RedisClient>(SIMULATOR_REDIS);
      const { keys } = client.simulatorBuckets(Date.now(), 'carrier', 'tracking');
      const claimed: string[] = [];
      for (const key of keys) for (const [number, key2] of Object.entries(await client.redis.hgetall(key))) if (key2 === bookingKey) claimed.push(number);
      return claimed;
    }
  });

  describe(`${LogisticsService.name}.cancelBooking`, () => {
    it.each(MODES)('releases the courier booking of a cancelled case once, with no error, when copies of the job run %s', async (mode) => {
      const caseId = await judged();
      const logistics = service.get(LogisticsService);
      await logistics.book(caseId);
      await service.get(IntakeService).cancel(caseId, 'portal');
      expect(await statusOf(caseId)).toBe('CANCELLED');
      const booked = (await logistics.findByCase(caseId))!;
      expect(booked.status).toBe('BOOKED');
      await addedJob(service, Jobs.cancelShipment(caseId));
      const carrier = service.get(CarrierSimulator);
      // Every copy at the carrier together, each having found the shipment BOOKED.
      const cancel = watch(carrier, 'cancel', mode);

      // No copy fails: a failed job would be retried and raise an alert for nothing.
      await expect(runCopies(mode, () => logistics.cancelBooking(caseId))).resolves.toBeUndefined();

      const shipment = (await logistics.findByCase(caseId))!;
      expect(shipment.status).toBe('CANCELLED');
      expect(await countRows(service, 'shipments WHERE case_id = $1', [caseId])).toBe(1);
      // Only this waybill was released; the carrier keeps one cancellation of it.
      expect(cancel.mock.calls.length).toBeGreaterThan(0);
      expect(cancel.mock.calls.every(([number]) => number === booked.trackingNumber)).toBe(true);
      if (mode === 'one after another') expect(cancel).toHaveBeenCalledTimes(1);
      expect(await cancellations(booked.trackingNumber)).toBe(1);
      // The case is left as it was.
      expect(await statusOf(caseId)).toBe('CANCELLED');
      expect(await moves(caseId, 'CANCELLED')).toBe(1);

      // A late copy asks the carrier for nothing.
      const calls = cancel.mock.calls.length;
      await logistics.cancelBooking(caseId);
      expect(cancel.mock.calls.length).toBe(calls);
    });

    /** How many times the simulated carriers' own record holds `trackingNumber` as cancelled. */
    async function cancellations(trackingNumber: string): Promise<number> {
      const client = service.get<RedisClient>(SIMULATOR_REDIS);
      const { keys } = client.simulatorBuckets(Date.now(), 'carrier', 'cancelled');
      let held = 0;
      for (const key of keys) held += (await client.redis.smembers(key)).filter((n) => n === trackingNumber).length;
      return held;
    }
  });
});
