import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { CaseService } from '@returns/case';
import { databaseUnavailable } from '@returns/database';
import { IntakeService } from '@returns/intake';
import { Booking, BookingRequest, CarrierGateway, LogisticsProcessor, LogisticsService } from '@returns/logistics';
import { NotificationChannel, NotificationService, OutgoingMessage } from '@returns/notification';
import { PolicyService } from '@returns/policy';
import { OutboxService } from '@returns/queue';
import { Job } from 'bullmq';
import { CUSTOMER_MESSAGES, JobName, Jobs, ProviderHttpError, QueueName } from '@returns/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { countRows, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';
import { stageDatabase } from './support/stage-database';

/**
 * Providers failing inside a batch: judge, booking and notification jobs are handled
 * together, but a provider that fails for one of them must fail that job alone, leave
 * what it owes for the retry, and not send or book anything twice. The services run on
 * the real database and queues; only the external provider is a stand-in that fails on cue.
 */
describe('a provider failing, or a job replayed, inside a batch', () => {
  let service: TestService;

  beforeAll(async () => {
    // No workers: the test calls the stage services itself, with its own providers.
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  /** New orders, each with one return judged (APPROVED, its booking job left waiting). */
  async function approvedCases(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { orderId } = await putOrder(service);
      const created = await postReturn(service, returnBody(orderId));
      expect(created.status).toBe(202);
      ids.push(created.body.id);
    }
    await Promise.all(ids.map((id) => service.get(IntakeService).judge(id)));
    for (const id of ids) expect((await service.get(CaseService).find(id))!.status).toBe('APPROVED');
    return ids;
  }

  it('judges a request and its replay that land in the same batch once', async () => {
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId));
    const intake = service.get(IntakeService);
    // Same turn of the event loop: one batch holding the same case twice, then a late replay.
    await Promise.all([intake.judge(created.body.id), intake.judge(created.body.id)]);
    await intake.judge(created.body.id);
    expect(await countRows(service, 'return_cases WHERE id = $1', [created.body.id])).toBe(1);
    expect(await countRows(service, 'case_timeline WHERE case_id = $1', [created.body.id])).toBe(2);
    expect(await countRows(service, 'return_items WHERE case_id = $1', [created.body.id])).toBe(1);
  });

  describe('notifications', () => {
    /** Delivers every message but the emails about the RMA numbers in `failingEmailsAbout`, which time out. */
    class FlakyChannel implements NotificationChannel {
      readonly sent: OutgoingMessage[] = [];
      failingEmailsAbout = new Set<string>();
      async send(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
        this.sent.push(message);
        if (message.channel === 'EMAIL' && [...this.failingEmailsAbout].some((rma) => message.body.includes(rma))) {
          throw new Error(`${message.channel} provider timed out`);
        }
        return { providerMessageId: `pm-${message.messageId}` };
      }
    }

    it('fails only the moment a channel refused, resends only the message still owed, and records a last failure', async () => {
      const [ok, flaky] = await approvedCases(2);
      const channel = new FlakyChannel();
      const notifications = new NotificationService(service.get(DataSource), channel);
      channel.failingEmailsAbout.add((await service.get(CaseService).find(flaky))!.rmaNumber);

      // One batch: both cases, and the flaky one twice (a job and its replay).
      const first = await notifications.sendMany([
        { caseId: ok, message: 'return.approved', params: {}, lastAttempt: false },
        { caseId: flaky, message: 'return.approved', params: {}, lastAttempt: false },
        { caseId: flaky, message: 'return.approved', params: {}, lastAttempt: false },
      ]);
      expect(first[0]).toBeNull();
      expect(first[1]?.message).toMatch(/EMAIL: EMAIL provider timed out/);
      expect(first[2]).toBe(first[1]);
      // Push and email each, once per case: the replay in the batch sent nothing more.
      expect(channel.sent).toHaveLength(4);
      const rows = async (caseId: string) =>
        service.db.query(`SELECT channel, status, attempts, last_error FROM notifications WHERE case_id = $1 ORDER BY channel`, [caseId]);
      expect(await rows(ok)).toEqual([
        { channel: 'EMAIL', status: 'SENT', attempts: 1, last_error: null },
        { channel: 'PUSH', status: 'SENT', attempts: 1, last_error: null },
      ]);
      expect(await rows(flaky)).toEqual([
        { channel: 'EMAIL', status: 'PENDING', attempts: 1, last_error: 'EMAIL provider timed out' },
        { channel: 'PUSH', status: 'SENT', attempts: 1, last_error: null },
      ]);

      // The job's last attempt: only the email is tried again, and its failure is recorded, not thrown.
      channel.sent.length = 0;
      const last = await notifications.sendMany([{ caseId: flaky, message: 'return.approved', params: {}, lastAttempt: true }]);
      expect(last).toEqual([null]);
      expect(channel.sent.map((m) => m.channel)).toEqual(['EMAIL']);
      expect((await rows(flaky))[0]).toMatchObject({ channel: 'EMAIL', status: 'FAILED', attempts: 2 });

      // A moment whose case does not exist fails its job and sends nothing.
      channel.sent.length = 0;
      const [missing] = await notifications.sendMany([{ caseId: '00000000-0000-4000-8000-000000000000', message: 'return.approved', params: {}, lastAttempt: false }]);
      expect(missing?.message).toMatch(/not found/);
      expect(channel.sent).toHaveLength(0);
    });
  });

  describe('notifications whose sending was not recorded', () => {
    it('are sent again under the same message ids, so the provider delivers each once', async () => {
      const [caseId] = await approvedCases(1);
      const sent: string[] = [];
      const delivered = new Set<string>();
      // A provider that, like a real one, delivers one message per idempotency key.
      const channel: NotificationChannel = {
        async send(message: OutgoingMessage) {
          sent.push(message.messageId);
          delivered.add(message.messageId);
          return { providerMessageId: `pm-${message.messageId}` };
        },
      };
      const notifications = new NotificationService(service.get(DataSource), channel);
      expect(await notifications.sendMany([{ caseId, message: 'return.approved', params: {}, lastAttempt: false }])).toEqual([null]);
      const first = [...sent];
      expect(first).toHaveLength(2);

      // The process died after the providers answered, before its statement recorded them.
      await service.db.query('DELETE FROM notifications WHERE case_id = $1', [caseId]);
      const again = new NotificationService(service.get(DataSource), channel);
      expect(await again.sendMany([{ caseId, message: 'return.approved', params: {}, lastAttempt: false }])).toEqual([null]);
      expect(sent.slice(2).sort()).toEqual([...first].sort());
      expect(delivered.size).toBe(2);
      const rows: { id: string; status: string }[] = await service.db.query('SELECT id, status FROM notifications WHERE case_id = $1', [caseId]);
      expect(rows.map((r) => r.id).sort()).toEqual([...first].sort());
      expect(rows.every((r) => r.status === 'SENT')).toBe(true);

      // Recorded this time: a replay sends nothing.
      sent.length = 0;
      expect(await again.sendMany([{ caseId, message: 'return.approved', params: {}, lastAttempt: false }])).toEqual([null]);
      expect(sent).toEqual([]);
    });

    it('leave a message another process recorded as sent meanwhile SENT, whatever this attempt got', async () => {
      const [caseId] = await approvedCases(1);
      // While this attempt waits on the provider, a stalled copy of the job in another process
      // sends the email and records it; this attempt's provider then times out.
      const channel: NotificationChannel = {
        async send(message: OutgoingMessage) {
          if (message.channel !== 'EMAIL') return { providerMessageId: `pm-${message.messageId}` };
          await service.db.query(
            `INSERT INTO notifications (id, case_id, event, channel, recipient, locale, body, status, provider_message_id, attempts, sent_at)
             VALUES ($1, $2, 'return.approved', 'EMAIL', $3, 'zh-CN', $4, 'SENT', 'pm-other', 1, now())`,
            [message.messageId, caseId, message.recipient, message.body],
          );
          throw new Error('EMAIL provider timed out');
        },
      };
      const [outcome] = await new NotificationService(service.get(DataSource), channel).sendMany([{ caseId, message: 'return.approved', params: {}, lastAttempt: true }]);
      expect(outcome).toBeNull(); // a last attempt records its failure instead of throwing it
      const rows = await service.db.query(`SELECT channel, status, provider_message_id, attempts, last_error FROM notifications WHERE case_id = $1 ORDER BY channel`, [caseId]);
      expect(rows).toEqual([
        { channel: 'EMAIL', status: 'SENT', provider_message_id: 'pm-other', attempts: 2, last_error: null },
        { channel: 'PUSH', status: 'SENT', provider_message_id: expect.stringMatching(/^pm-/), attempts: 1, last_error: null },
      ]);
    });
  });

  describe('bookings', () => {
    /** Books like a carrier would (one booking per key); fails for `failing` keys; runs `during` mid-call. */
    class FlakyCarrier implements CarrierGateway {
      readonly booked = new Map<string, Booking>();
      readonly cancelled: string[] = [];
      failing = new Set<string>();
      during = new Map<string, () => Promise<void>>();
      readonly calls: string[] = [];
      async book(request: BookingRequest, quotedCostMinor: number): Promise<Booking> {
        this.calls.push(request.bookingKey);
        await this.during.get(request.bookingKey)?.();
        if (this.failing.has(request.bookingKey)) throw new Error('carrier timed out');
        const booking = this.booked.get(request.bookingKey) ?? {
          trackingNumber: `T-${request.bookingKey.slice(-12)}`,
          labelUrl: `https://carrier.example/label/${request.bookingKey}`,
          pickupWindow: null,
          costMinor: quotedCostMinor,
        };
        this.booked.set(request.bookingKey, booking);
        return booking;
      }
      async cancel(trackingNumber: string): Promise<void> {
        this.cancelled.push(trackingNumber);
      }
    }

    const logisticsWith = (carrier: CarrierGateway, { dataSource, outbox } = { dataSource: service.get(DataSource), outbox: service.get(OutboxService) }) =>
      new LogisticsService(dataSource, service.get<AppConfig>(APP_CONFIG), carrier, outbox, service.get(CaseService), service.get(PolicyService));

    /** Jobs of the customer messages queued for a case, by message (the adds follow each commit in the background). */
    const queuedMessages = async (caseId: string) => {
      const messages = service.queue(QueueName.Notification);
      const jobs = await Promise.all(CUSTOMER_MESSAGES.map((m) => messages.getJob(Jobs.notify(caseId, m).jobId)));
      return jobs.filter((job) => job).map((job) => job!.data.message);
    };

    it('books a case once when its job and a replay of it land in the same batch', async () => {
      const [a, b] = await approvedCases(2);
      const carrier = new FlakyCarrier();
      const logistics = logisticsWith(carrier);
      await Promise.all([logistics.book(a), logistics.book(a), logistics.book(b)]);
      expect(carrier.calls.sort()).toEqual([a, b].sort());
      expect(await countRows(service, 'shipments WHERE case_id = ANY($1)', [[a, b]])).toBe(2);
      expect(await countRows(service, `case_timeline WHERE case_id = ANY($1) AND to_status = 'AWAITING_SHIPMENT'`, [[a, b]])).toBe(2);
    });

    it('tells the approval alone when the carrier fails, once however often, and with the label when a retry books', async () => {
      const [bookedAtOnce, failing, cancelledMeanwhile] = await approvedCases(3);
      const carrier = new FlakyCarrier();
      carrier.failing.add(failing).add(cancelledMeanwhile);
      carrier.during.set(cancelledMeanwhile, async () => {
        expect((await service.as('portal').post(`/v1/returns/${cancelledMeanwhile}/cancel`, {})).status).toBe(200);
      });
      const logistics = logisticsWith(carrier);
      const settled = await Promise.allSettled([bookedAtOnce, failing, cancelledMeanwhile].map((id) => logistics.book(id)));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
      await expect(logistics.book(failing)).rejects.toThrow('carrier timed out');
      carrier.failing.clear();
      await logistics.book(failing);

      // The jobs are added after each commit, in the background: wait for the last one.
      for (let waited = 0; !(await queuedMessages(failing)).includes('label.ready') && waited < 5_000; waited += 50) await sleep(50);
      expect(await queuedMessages(bookedAtOnce)).toEqual(['label.ready']);
      expect(await queuedMessages(failing)).toEqual(['return.approved', 'label.ready']);
      // Cancelled while the carrier failed: told of the cancellation, not of an approval.
      expect(await queuedMessages(cancelledMeanwhile)).toEqual(['return.cancelled']);
    });

    it('loses and doubles nothing when PostgreSQL goes away while the carrier is booking a batch and failing one case', async () => {
      const [bookable, failing] = await approvedCases(2);
      // This stage's own pool reaches PostgreSQL through a relay the test cuts, as if the server went away.
      const stage = await stageDatabase(service, { throughRelay: true });
      const proxy = stage.relay!;
      try {
        const carrier = new FlakyCarrier();
        carrier.failing.add(failing);
        // Both carrier calls are under way (the batch's cases were read) when the database goes.
        carrier.during.set(failing, () => proxy.cut());
        const logistics = logisticsWith(carrier, stage);
        const settled = await Promise.allSettled([bookable, failing].map((id) => logistics.book(id)));
        // Neither job succeeds: the booking the carrier made could not be recorded, and the batch's jobs fail together.
        expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
        for (const s of settled) expect(databaseUnavailable((s as PromiseRejectedResult).reason)).toBe(true);
        const statusOf = async (id: string) => (await service.get(CaseService).find(id))!.status;
        expect([await statusOf(bookable), await statusOf(failing)]).toEqual(['APPROVED', 'APPROVED']);
        expect(await countRows(service, 'shipments WHERE case_id = ANY($1)', [[bookable, failing]])).toBe(0);

        // Back, and the carrier too: the retries record the booking the carrier already made
        // (asked again under the same key, it answers the same booking), and book the other.
        await proxy.restore();
        carrier.failing.clear();
        carrier.during.clear();
        await Promise.all([bookable, failing].map((id) => logistics.book(id)));
        expect(carrier.calls.sort()).toEqual([bookable, bookable, failing, failing].sort());
        expect(carrier.booked.size).toBe(2);
        expect([await statusOf(bookable), await statusOf(failing)]).toEqual(['AWAITING_SHIPMENT', 'AWAITING_SHIPMENT']);
        expect(await countRows(service, 'shipments WHERE case_id = ANY($1)', [[bookable, failing]])).toBe(2);
        const shipment = await service.get(DataSource).query('SELECT tracking_number FROM shipments WHERE case_id = $1', [bookable]);
        expect(shipment[0].tracking_number).toBe(carrier.booked.get(bookable)!.trackingNumber);
        // Told once each, with the label; the approval alone could not be recorded while the database was away.
        for (let waited = 0; (await queuedMessages(failing)).length === 0 && waited < 5_000; waited += 50) await sleep(50);
        expect(await queuedMessages(bookable)).toEqual(['label.ready']);
        expect(await queuedMessages(failing)).toEqual(['label.ready']);
      } finally {
        await stage.close();
      }
    });

    it('records the bookings of a batch even when telling a failed case of its approval fails', async () => {
      const [bookable, failing] = await approvedCases(2);
      // This stage's pool gives up waiting for a row lock after 300 ms; another transaction
      // holds the failing case's row, so the lone approval's transaction fails.
      const stage = await stageDatabase(service, { settings: { options: '-c lock_timeout=300' } });
      const holder = service.get(DataSource).createQueryRunner();
      await holder.connect();
      try {
        await holder.startTransaction();
        await holder.query('SELECT 1 FROM return_cases WHERE id = $1 FOR UPDATE', [failing]);
        const carrier = new FlakyCarrier();
        carrier.failing.add(failing);
        const logistics = logisticsWith(carrier, stage);
        const settled = await Promise.allSettled([bookable, failing].map((id) => logistics.book(id)));
        expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected']);
        // The failing case's job fails for the carrier's reason, and the other was booked at the first call.
        expect((settled[1] as PromiseRejectedResult).reason.message).toBe('carrier timed out');
        expect(carrier.calls.sort()).toEqual([bookable, failing].sort());
        expect((await service.get(CaseService).find(bookable))!.status).toBe('AWAITING_SHIPMENT');
      } finally {
        await holder.rollbackTransaction().catch(() => undefined);
        await holder.release();
        await stage.close();
      }
    });

    it('books the rest of a batch when the carrier fails for one case, and releases the booking of a case cancelled meanwhile', async () => {
      const [a, failing, cancelledMeanwhile, d] = await approvedCases(4);
      const carrier = new FlakyCarrier();
      carrier.failing.add(failing);
      carrier.during.set(cancelledMeanwhile, async () => {
        const cancel = await service.as('portal').post(`/v1/returns/${cancelledMeanwhile}/cancel`, {});
        expect(cancel.status).toBe(200);
      });
      const logistics = logisticsWith(carrier);

      const settled = await Promise.allSettled([a, failing, cancelledMeanwhile, d].map((id) => logistics.book(id)));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason.message).toBe('carrier timed out');

      const statusOf = async (id: string) => (await service.get(CaseService).find(id))!.status;
      expect(await statusOf(a)).toBe('AWAITING_SHIPMENT');
      expect(await statusOf(d)).toBe('AWAITING_SHIPMENT');
      expect(await statusOf(failing)).toBe('APPROVED');
      expect(await statusOf(cancelledMeanwhile)).toBe('CANCELLED');
      expect(await countRows(service, 'shipments WHERE case_id = ANY($1)', [[a, failing, cancelledMeanwhile, d]])).toBe(2);
      expect(carrier.cancelled).toEqual([carrier.booked.get(cancelledMeanwhile)!.trackingNumber]);

      // The retry books it, once; booking a booked case again changes nothing.
      carrier.failing.clear();
      await logistics.book(failing);
      await logistics.book(a);
      expect(await statusOf(failing)).toBe('AWAITING_SHIPMENT');
      expect(await countRows(service, 'shipments WHERE case_id = ANY($1)', [[a, failing]])).toBe(2);
      expect(await countRows(service, `case_timeline WHERE case_id = $1 AND to_status = 'AWAITING_SHIPMENT'`, [a])).toBe(1);
    });

    it('releases a booking the carrier made while our call timed out, once the case is cancelled before the retry', async () => {
      const [timedOut, cancelledFirst] = await approvedCases(2);
      const carrier = new FlakyCarrier();
      // The carrier books, and our call times out all the same.
      carrier.during.set(timedOut, async () => {
        carrier.booked.set(timedOut, { trackingNumber: 'T-BOOKED-UNSEEN', labelUrl: null, pickupWindow: null, costMinor: 1200 });
      });
      carrier.failing.add(timedOut);
      const logistics = logisticsWith(carrier);
      await expect(logistics.book(timedOut)).rejects.toThrow('carrier timed out');
      for (const id of [timedOut, cancelledFirst]) expect((await service.as('portal').post(`/v1/returns/${id}/cancel`, {})).status).toBe(200);

      // The retry (its job tried before): the booking is found under the same key and cancelled, nothing recorded.
      carrier.failing.clear();
      carrier.during.clear();
      await logistics.book(timedOut, true);
      expect(carrier.cancelled).toEqual(['T-BOOKED-UNSEEN']);
      expect(await countRows(service, 'shipments WHERE case_id = $1', [timedOut])).toBe(0);
      expect((await service.get(CaseService).find(timedOut))!.status).toBe('CANCELLED');
      // A first attempt for a case cancelled before it ran calls the carrier for nothing.
      await logistics.book(cancelledFirst, false);
      expect(carrier.calls).toEqual([timedOut, timedOut]);
      // A retry the carrier refuses (4xx: nothing booked under the key): nothing to release, the job is done.
      const refusing: CarrierGateway = {
        book: async () => {
          throw new ProviderHttpError('carrier', 422, { error: 'no service to this address' }, 'carrier answered 422');
        },
        cancel: async () => {
          throw new Error('nothing to cancel');
        },
      };
      await logisticsWith(refusing).book(cancelledFirst, true);
    });

    it('takes a booking job whose worker died mid-call for one tried before, and one run afresh for not', async () => {
      const [diedMidCall, firstRun] = await approvedCases(2);
      const carrier = new FlakyCarrier();
      // The carrier books; the worker is killed before the answer is recorded.
      carrier.booked.set(diedMidCall, { trackingNumber: 'T-WORKER-DIED', labelUrl: null, pickupWindow: null, costMinor: 1200 });
      for (const id of [diedMidCall, firstRun]) expect((await service.as('portal').post(`/v1/returns/${id}/cancel`, {})).status).toBe(200);
      const processor = new LogisticsProcessor(logisticsWith(carrier));
      const job = (caseId: string, attemptsStarted: number) => ({ name: JobName.BookShipment, data: { caseId }, attemptsStarted, attemptsMade: 0 }) as unknown as Job;
      // Taken over after the stall: started twice, no attempt counted as failed.
      await processor.process(job(diedMidCall, 2));
      expect(carrier.cancelled).toEqual(['T-WORKER-DIED']);
      await processor.process(job(firstRun, 1));
      expect(carrier.calls).toEqual([diedMidCall]);
    });
  });
});
