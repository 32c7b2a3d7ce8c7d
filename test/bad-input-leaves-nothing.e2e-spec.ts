import type { Response } from 'supertest';
import { JobType } from 'bullmq';
import { JobName, QueueName, Role, signBody } from '@returns/contracts';
import { CarrierSimulator } from '@returns/logistics';
import { ChannelSimulator } from '@returns/notification';
import { PaymentSimulator } from '@returns/refund';
import { CaseView, caseIn, expectBadRequest, expectError, scan } from './support/api-helpers';
import { daysAgo, orderBody, returnBody, uniqueId } from './support/factories';
import { localServer, LocalServer } from './support/local-server';
import { ownDatabase } from './support/own-database';
import { TestService } from './support/service';
import { eventually } from './support/eventually';

/**
 * "Bad input gets a clear 4xx naming the problem and changes nothing"; "illegal moves are
 * refused with 409 and leave no trace but a log line" (DESIGN.md), for the write endpoints
 * malformed-requests.e2e-spec.ts does not cover: carrier scans, cancel, review, receive,
 * signed upstream events and the admin's queue controls.
 *
 * "Nothing" is checked broadly, by one snapshot taken before and after each refused request
 * (with the queues drained both times): every row of the service's tables (a count and a
 * digest of their text, so an UPDATE shows as well as an INSERT), the full rows of the case
 * or order the request named, every queue's job counts, paused flag and unfinished jobs, and
 * what reached the outside world (messages, payouts, carrier bookings, webhooks). Each group
 * ends with a control: the same request made valid does change the snapshot, so a refusal
 * that let the request through could not pass unseen.
 */

type Send = () => Promise<Response>;

const NO_SUCH_UUID = '00000000-0000-4000-8000-000000000000';

/** Every table a request could leave a trace in. */
const TABLES = [
  'return_requests',
  'waiting_requests',
  'return_cases',
  'return_items',
  'case_timeline',
  'shipments',
  'tracking_events',
  'inspections',
  'refunds',
  'notifications',
  'webhook_deliveries',
  'outbox',
  'staff_notifications',
  'feedback',
  'upstream_events',
  'orders',
  'sent_back_parcels',
] as const;

/** Every state a BullMQ job can be in. */
const JOB_STATES: JobType[] = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'completed', 'failed', 'waiting-children'];
/** The states whose jobs are listed one by one (with their attempts): a redriven or replaced job shows even when the counts do not move. */
const UNFINISHED: JobType[] = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed', 'waiting-children'];

/** What the request names: its rows are compared in full, for a readable diff. */
interface Focus {
  caseId?: string;
  orderId?: string;
}

interface Snapshot {
  tables: Record<string, { rows: number; digest: string }>;
  focus: Record<string, unknown[]>;
  queues: Record<string, { paused: boolean; counts: Record<string, number>; jobs: string[] }>;
  outside: { messages: number; payouts: number; bookings: number; webhooks: number };
}

const describeResponse = (response: Response) => `${response.status} ${JSON.stringify(response.body).slice(0, 600)}`;

describe('bad input and illegal moves are refused and leave nothing behind', () => {
  let service: TestService;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;
  let hooks: LocalServer | undefined;
  let webhooksReceived = 0;

  /** The cases the requests name, each in the status its tests need. */
  const cases: Record<
    | 'awaiting'
    | 'pending'
    | 'inTransit'
    | 'received'
    | 'rejected'
    | 'cancelled'
    | 'refunded'
    | 'scanControl'
    | 'cancelControl'
    | 'reviewControl'
    | 'receiveControl',
    CaseView
  > = {} as never;

  const count = (table: string) => `SELECT count(*)::int AS rows, coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') AS digest FROM ${table} t`;

  async function snapshot(focus: Focus = {}): Promise<Snapshot> {
    const tables: Snapshot['tables'] = {};
    for (const table of TABLES) {
      const [row] = await service.db.query(count(table));
      tables[table] = row;
    }
    const focused: Snapshot['focus'] = {};
    if (focus.caseId) {
      const id = [focus.caseId];
      focused.return_cases = await service.db.query('SELECT * FROM return_cases WHERE id = $1', id);
      focused.return_items = await service.db.query('SELECT * FROM return_items WHERE case_id = $1 ORDER BY sku', id);
      focused.case_timeline = await service.db.query('SELECT * FROM case_timeline WHERE case_id = $1 ORDER BY at, id', id);
      focused.shipments = await service.db.query('SELECT * FROM shipments WHERE case_id = $1', id);
      focused.tracking_events = await service.db.query('SELECT * FROM tracking_events WHERE case_id = $1 ORDER BY id', id);
      focused.notifications = await service.db.query('SELECT * FROM notifications WHERE case_id = $1 ORDER BY id', id);
    }
    if (focus.orderId) focused.orders = await service.db.query('SELECT * FROM orders WHERE id = $1', [focus.orderId]);
    const queues: Snapshot['queues'] = {};
    for (const name of Object.values(QueueName)) {
      const queue = service.queue(name);
      const jobs = await queue.getJobs(UNFINISHED);
      queues[name] = {
        paused: await queue.isPaused(),
        counts: await queue.getJobCounts(...JOB_STATES),
        // When it last finished: a redrive resets a job's attempts, and shows here.
        jobs: jobs.map((j) => `${j.id} attempts=${j.attemptsMade} delay=${j.delay} at=${j.timestamp} finished=${j.finishedOn ?? '-'}`).sort(),
      };
    }
    return {
      tables,
      focus: focused,
      queues,
      outside: {
        messages: (await service.get(ChannelSimulator).delivered()).length,
        payouts: (await service.get(PaymentSimulator).payouts()).length,
        bookings: (await service.get(CarrierSimulator).bookings()).size,
        webhooks: webhooksReceived,
      },
    };
  }

  /** Waits until the workers are done, and a little more for anything a request left to do in the background. */
  async function settle(): Promise<void> {
    await service.drain();
    await new Promise((r) => setTimeout(r, 200));
    await service.drain();
  }

  /** Sends after the queues drained; checks the answer with `check`; then that the snapshot is as it was. */
  async function leavesNothing(send: Send, check: (response: Response) => void, focus: Focus = {}): Promise<Response> {
    await settle();
    const before = await snapshot(focus);
    const response = await send();
    try {
      check(response);
    } catch (error) {
      (error as Error).message += `\n\nresponse: ${describeResponse(response)}`;
      throw error;
    }
    await settle();
    expect(await snapshot(focus)).toEqual(before);
    return response;
  }

  /** The control: the request made valid changes the snapshot (so the refusals above are what kept it still). */
  async function changes(send: Send, status: number, focus: Focus = {}): Promise<Response> {
    await settle();
    const before = await snapshot(focus);
    const response = await send();
    expect({ status: response.status, body: response.body }).toMatchObject({ status });
    await settle();
    expect(await snapshot(focus)).not.toEqual(before);
    return response;
  }

  const json = (role: Role, url: string, body: unknown): Send => () =>
    service.http().post(url).set('Authorization', `Bearer dev-${role}`).set('Content-Type', 'application/json').send(JSON.stringify(body));

  beforeAll(async () => {
    // A merchant endpoint counting the webhooks it is sent: a refused request must send none.
    hooks = await localServer((_req, _text, res) => {
      webhooksReceived += 1;
      res.writeHead(204).end();
    });
    const url = `${hooks.url}/hooks`;
    // A database of its own: the table-wide counts must see no other file's cases.
    database = await ownDatabase('bad_input');
    service = await TestService.start({ withWorkers: true, env: { DATABASE_URL: database.url, OUTBOUND_WEBHOOK_URLS: url } });

    const inReview = { reasonCode: 'QUALITY_DEFECT', reasonText: '质量有问题，开线了' };
    const inTransit = async () => {
      const view = await caseIn(service, 'AWAITING_SHIPMENT');
      expect((await scan(service, view, 'PICKED_UP')).status).toBe(202);
      return service.waitForStatus(view.id, 'IN_TRANSIT');
    };
    const [awaiting, pending, transit, received, rejected, cancelled, refunded, scanControl, cancelControl, reviewControl, receiveControl] = await Promise.all([
      caseIn(service, 'AWAITING_SHIPMENT'),
      caseIn(service, ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'REJECTED'], inReview),
      inTransit(),
      inTransit().then(async (view) => {
        expect((await service.as('warehouse').post(`/v1/returns/${view.id}/receive`)).status).toBe(200);
        return service.waitForStatus(view.id, 'RECEIVED');
      }),
      caseIn(service, ['REJECTED', 'AWAITING_SHIPMENT'], {}, { deliveredAt: daysAgo(8) }),
      caseIn(service, 'AWAITING_SHIPMENT').then(async (view) => {
        expect((await service.as('portal').post(`/v1/returns/${view.id}/cancel`, { note: 'changed my mind' })).status).toBe(200);
        return service.waitForStatus(view.id, 'CANCELLED');
      }),
      caseIn(service, ['REFUNDED', 'PENDING_REVIEW', 'REJECTED', 'REFUND_FAILED'], { type: 'REFUND_ONLY', returnMethod: undefined }),
      caseIn(service, 'AWAITING_SHIPMENT'),
      caseIn(service, 'AWAITING_SHIPMENT'),
      caseIn(service, ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'REJECTED'], inReview),
      inTransit(),
    ]);
    Object.assign(cases, { awaiting, pending, inTransit: transit, received, rejected, cancelled, refunded, scanControl, cancelControl, reviewControl, receiveControl });
    expect(Object.fromEntries(Object.entries(cases).map(([name, view]) => [name, view.status]))).toEqual({
      awaiting: 'AWAITING_SHIPMENT',
      pending: 'PENDING_REVIEW',
      inTransit: 'IN_TRANSIT',
      received: 'RECEIVED',
      rejected: 'REJECTED',
      cancelled: 'CANCELLED',
      refunded: 'REFUNDED',
      scanControl: 'AWAITING_SHIPMENT',
      cancelControl: 'AWAITING_SHIPMENT',
      reviewControl: 'PENDING_REVIEW',
      receiveControl: 'IN_TRANSIT',
    });

    // One job failed for good, so that a redrive the admin did not ask for would show.
    const broken = await service.queue(QueueName.Intake).add(JobName.JudgeReturn, { caseId: NO_SUCH_UUID }, { jobId: uniqueId('broken'), attempts: 1 });
    await eventually('the broken job failed', async () => (await broken.getState()) === 'failed');
    await settle();
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await hooks?.close();
    await database?.drop();
  });

  it('control: the snapshot is stable while nothing is asked', async () => {
    await settle();
    const first = await snapshot({ caseId: cases.awaiting.id });
    await settle();
    expect(await snapshot({ caseId: cases.awaiting.id })).toEqual(first);
  });

  describe('POST /v1/logistics/tracking', () => {
    /** A scan of the AWAITING_SHIPMENT case that would be taken (and move it to IN_TRANSIT) but for `patch`; a key set to `undefined` is left out. */
    const scanOf = (view: () => CaseView, patch: Record<string, unknown> = {}) => () => ({
      carrier: view().shipment.carrier,
      trackingNumber: view().shipment.trackingNumber,
      status: 'PICKED_UP',
      occurredAt: new Date().toISOString(),
      location: '杭州',
      ...patch,
    });
    const bad = (patch: Record<string, unknown>) => scanOf(() => cases.awaiting, patch);

    const badScans: [string, () => unknown, RegExp | undefined][] = [
      ['status is missing', bad({ status: undefined }), /status/],
      ['status is unknown', bad({ status: 'ARRIVED' }), /status/],
      ['status in lower case', bad({ status: 'picked_up' }), /status/],
      ['status is null', bad({ status: null }), /status/],
      ['status is a number', bad({ status: 1 }), /status/],
      ['occurredAt is missing', bad({ occurredAt: undefined }), /occurredAt/],
      ['occurredAt is not a timestamp', bad({ occurredAt: 'yesterday' }), /occurredAt/],
      ['occurredAt is epoch milliseconds', bad({ occurredAt: Date.now() }), /occurredAt/],
      ['occurredAt is a day that does not exist', bad({ occurredAt: '2026-02-30T08:00:00Z' }), /occurredAt/],
      ['occurredAt is empty', bad({ occurredAt: '' }), /occurredAt/],
      ['trackingNumber is empty', bad({ trackingNumber: '' }), /trackingNumber/],
      ['trackingNumber is missing', bad({ trackingNumber: undefined }), /trackingNumber/],
      ['trackingNumber is a number', bad({ trackingNumber: 1234567890 }), /trackingNumber/],
      ['trackingNumber of 65 chars', bad({ trackingNumber: 'S'.repeat(65) }), /trackingNumber/],
      ['carrier is empty', bad({ carrier: '' }), /carrier/],
      ['carrier is missing', bad({ carrier: undefined }), /carrier/],
      ['carrier of 33 chars', bad({ carrier: 'C'.repeat(33) }), /carrier/],
      ['an extra field', bad({ caseId: NO_SUCH_UUID }), /caseId/],
      ['an extra "caseStatus" field', bad({ caseStatus: 'RECEIVED' }), /caseStatus/],
      ['location of 201 chars', bad({ location: 'x'.repeat(201) }), /location/],
      ['location of 10 kB', bad({ location: '杭'.repeat(10_000) }), /location/],
      ['location is a number', bad({ location: 310000 }), /location/],
      ['location is an object', bad({ location: { city: '杭州' } }), /location/],
      ['location with a NUL character', bad({ location: '杭州\u0000' }), /NUL/],
      ['trackingNumber with a NUL character', () => bad({ trackingNumber: `${cases.awaiting.shipment.trackingNumber}\u0000` })(), /NUL/],
      // a text column would store half a surrogate pair as U+FFFD: refused at the door instead
      ['location with half a surrogate pair', bad({ location: '杭州\ud83d' }), /surrogate/],
      ['the body is an array of a valid scan', () => [scanOf(() => cases.awaiting)()], undefined],
      ['the body is an empty object', () => ({}), /status/],
    ];

    it.each(badScans.map(([name, body, field]) => ({ name, body, field })))('$name: 400 naming the problem, nothing stored', async ({ body, field }) => {
      await leavesNothing(json('carrier', '/v1/logistics/tracking', body()), (r) => expectBadRequest(r, field), { caseId: cases.awaiting.id });
    });

    it.each([
      { name: 'an unknown tracking number', body: bad({ trackingNumber: uniqueId('SF-NOPE') }) },
      { name: "the case's tracking number under another carrier", body: () => bad({ carrier: cases.awaiting.shipment.carrier === 'SF' ? 'JD' : 'SF' })() },
      { name: 'a tracking number with a trailing space', body: () => bad({ trackingNumber: `${cases.awaiting.shipment.trackingNumber} ` })() },
    ])('$name: 404 TRACKING_NUMBER_NOT_FOUND, nothing stored', async ({ body }) => {
      await leavesNothing(json('carrier', '/v1/logistics/tracking', body()), (r) => expectError(r, 404, 'TRACKING_NUMBER_NOT_FOUND'), { caseId: cases.awaiting.id });
    });

    it('control: the same scan made valid is stored and moves the case', async () => {
      await changes(json('carrier', '/v1/logistics/tracking', scanOf(() => cases.scanControl)()), 202, { caseId: cases.scanControl.id });
      await service.waitForStatus(cases.scanControl.id, 'IN_TRANSIT');
    });
  });

  describe('POST /v1/returns/{id}/cancel', () => {
    const cancel = (view: () => CaseView, body: unknown, role: Role = 'portal'): Send => () => json(role, `/v1/returns/${view().id}/cancel`, body)();

    // Each would cancel the AWAITING_SHIPMENT case if it got past validation.
    const badCancels: [string, unknown, RegExp | undefined, Role?][] = [
      ['note of 2001 chars', { note: 'x'.repeat(2001) }, /note/],
      ['note of 100 kB (under the parser limit)', { note: 'x'.repeat(100_000) }, /note/],
      ['note is a number', { note: 42 }, /note/],
      ['note is an object', { note: { text: '不要了' } }, /note/],
      ['note is an array', { note: ['不要了'] }, /note/],
      ['an extra field', { note: '不要了', reason: 'CHANGED_MIND' }, /reason/],
      ['an extra "status" field', { status: 'CANCELLED' }, /status/],
      ['an extra field, as upstream', { note: 'x', refund: true }, /refund/, 'upstream'],
      ['note with a NUL character', { note: '不要了\u0000' }, /NUL/],
      ['note with half a surrogate pair', { note: '不要了\ude00' }, /surrogate/],
      ['the body is a JSON array', [{ note: '不要了' }], undefined],
    ];

    it.each(badCancels.map(([name, body, field, role]) => ({ name, body, field, role: role ?? 'portal' })))(
      '$name: 400 naming the problem, the case still AWAITING_SHIPMENT',
      async ({ body, field, role }) => {
        await leavesNothing(cancel(() => cases.awaiting, body, role), (r) => expectBadRequest(r, field), { caseId: cases.awaiting.id });
      },
    );

    it.each<{ name: string; view: () => CaseView; role: Role; body?: object }>([
      { name: 'IN_TRANSIT (picked up)', view: () => cases.inTransit, role: 'portal', body: { note: 'too late?' } },
      { name: 'IN_TRANSIT, as upstream without a body', view: () => cases.inTransit, role: 'upstream' },
      { name: 'RECEIVED', view: () => cases.received, role: 'portal', body: {} },
      { name: 'REJECTED', view: () => cases.rejected, role: 'portal', body: {} },
      { name: 'REFUNDED (refund only)', view: () => cases.refunded, role: 'upstream', body: {} },
      { name: 'CANCELLED already', view: () => cases.cancelled, role: 'portal', body: { note: 'again' } },
    ])('a case $name: 409 INVALID_TRANSITION, no job, outbox row, message, webhook or timeline entry', async ({ view, role, body }) => {
      const send: Send = body === undefined ? () => service.as(role).post(`/v1/returns/${view().id}/cancel`) : cancel(view, body, role);
      await leavesNothing(send, (r) => expectError(r, 409, 'INVALID_TRANSITION'), { caseId: view().id });
    });

    it.each([
      { name: 'an unknown id', id: NO_SUCH_UUID },
      { name: 'an id that is not a UUID', id: 'not-a-uuid' },
    ])('$name: 404 RETURN_NOT_FOUND, nothing changed', async ({ id }) => {
      await leavesNothing(json('portal', `/v1/returns/${id}/cancel`, { note: '不要了' }), (r) => expectError(r, 404, 'RETURN_NOT_FOUND'));
    });

    it('control: the same cancel made valid cancels the case', async () => {
      const response = await changes(cancel(() => cases.cancelControl, { note: '不要了' }), 200, { caseId: cases.cancelControl.id });
      expect(response.body.status).toBe('CANCELLED');
    });
  });

  describe('POST /v1/returns/{id}/review', () => {
    const review = (view: () => CaseView, body: unknown): Send => () => json('agent', `/v1/returns/${view().id}/review`, body)();

    // Each would decide the PENDING_REVIEW case if it got past validation.
    const badReviews: [string, unknown, RegExp | undefined][] = [
      ['decision is missing', { note: '看过照片了' }, /decision/],
      ['an empty body', {}, /decision/],
      ['decision is unknown', { decision: 'MAYBE' }, /decision/],
      ['decision in lower case', { decision: 'approve' }, /decision/],
      ['decision is the outcome, not the command', { decision: 'APPROVED' }, /decision/],
      ['decision is null', { decision: null }, /decision/],
      ['decision is a boolean', { decision: true }, /decision/],
      ['decision is a number', { decision: 1 }, /decision/],
      ['decision is an array', { decision: ['APPROVE'] }, /decision/],
      ['note of 2001 chars', { decision: 'APPROVE', note: 'x'.repeat(2001) }, /note/],
      ['note is a number', { decision: 'REJECT', note: 42 }, /note/],
      ['note is an object', { decision: 'APPROVE', note: { text: 'ok' } }, /note/],
      ['an extra "decidedBy" field', { decision: 'APPROVE', decidedBy: 'system:policy' }, /decidedBy/],
      ['an extra "refundAmount" field', { decision: 'APPROVE', refundAmount: 999999 }, /refundAmount/],
      ['an extra "codes" field', { decision: 'REJECT', codes: ['OUT_OF_WINDOW'] }, /codes/],
      ['note with a NUL character', { decision: 'APPROVE', note: '看过了\u0000' }, /NUL/],
      ['note with half a surrogate pair', { decision: 'APPROVE', note: '看过了\ud83d' }, /surrogate/],
      ['the body is a JSON array', [{ decision: 'APPROVE' }], undefined],
    ];

    it.each(badReviews.map(([name, body, field]) => ({ name, body, field })))('$name: 400 naming the problem, the case still PENDING_REVIEW', async ({ body, field }) => {
      await leavesNothing(review(() => cases.pending, body), (r) => expectBadRequest(r, field), { caseId: cases.pending.id });
    });

    it.each([
      { name: 'AWAITING_SHIPMENT (approved)', view: () => cases.awaiting, decision: 'APPROVE' },
      { name: 'AWAITING_SHIPMENT (approved)', view: () => cases.awaiting, decision: 'REJECT' },
      { name: 'IN_TRANSIT', view: () => cases.inTransit, decision: 'REJECT' },
      { name: 'RECEIVED', view: () => cases.received, decision: 'APPROVE' },
      { name: 'REJECTED', view: () => cases.rejected, decision: 'APPROVE' },
      { name: 'CANCELLED', view: () => cases.cancelled, decision: 'APPROVE' },
      { name: 'REFUNDED (refund only)', view: () => cases.refunded, decision: 'REJECT' },
    ])('$decision of a case $name: 409 INVALID_TRANSITION, no job, outbox row, message, webhook or timeline entry', async ({ view, decision }) => {
      await leavesNothing(review(view, { decision, note: '复核' }), (r) => expectError(r, 409, 'INVALID_TRANSITION'), { caseId: view().id });
    });

    it('an unknown id: 404 RETURN_NOT_FOUND, nothing changed', async () => {
      await leavesNothing(json('agent', `/v1/returns/${NO_SUCH_UUID}/review`, { decision: 'REJECT' }), (r) => expectError(r, 404, 'RETURN_NOT_FOUND'));
    });

    it('control: the same review made valid decides the case', async () => {
      const response = await changes(review(() => cases.reviewControl, { decision: 'REJECT', note: '看过照片了' }), 200, { caseId: cases.reviewControl.id });
      expect(response.body.status).toBe('REJECTED');
    });
  });

  // A parcel scanned while AWAITING_SHIPMENT is taken (through IN_TRANSIT, two legal moves):
  // returns-api.e2e-spec.ts holds that, so "not yet shipped" here means no parcel was ever booked.
  describe('POST /v1/returns/{id}/receive', () => {
    const receive = (id: string): Send => () => service.as('warehouse').post(`/v1/returns/${id}/receive`);

    it.each([
      { name: 'an unknown id', id: NO_SUCH_UUID },
      { name: 'an id that is not a UUID', id: 'not-a-uuid' },
      { name: 'an id in upper case that names no case', id: NO_SUCH_UUID.toUpperCase() },
    ])('$name: 404 RETURN_NOT_FOUND, nothing changed', async ({ id }) => {
      await leavesNothing(receive(id), (r) => expectError(r, 404, 'RETURN_NOT_FOUND'));
    });

    it.each([
      { name: 'PENDING_REVIEW (no parcel booked yet)', view: () => cases.pending },
      { name: 'REFUNDED without a parcel (refund only)', view: () => cases.refunded },
      { name: 'REJECTED', view: () => cases.rejected },
      { name: 'CANCELLED', view: () => cases.cancelled },
      { name: 'RECEIVED already (a second scan)', view: () => cases.received },
    ])('a case $name: 409 INVALID_TRANSITION, no job, outbox row, message, webhook or timeline entry', async ({ view }) => {
      await leavesNothing(receive(view().id), (r) => expectError(r, 409, 'INVALID_TRANSITION'), { caseId: view().id });
    });

    it('control: receiving a case in transit changes it', async () => {
      const response = await changes(receive(cases.receiveControl.id), 200, { caseId: cases.receiveControl.id });
      expect(response.body.status).toBe('RECEIVED');
    });
  });

  describe('POST /v1/events (validly signed)', () => {
    let orderId: string;
    /** The ids the refused events carried: the control sends valid events under them, which must still be new. */
    const ORDER_EVENT = uniqueId('evt-order');
    const RETURN_EVENT = uniqueId('evt-return');

    beforeAll(async () => {
      orderId = uniqueId('o');
      await service.as('upstream').put(`/v1/orders/${orderId}`, orderBody()).expect(200);
    });

    const post = (event: unknown): Send => () => {
      const text = JSON.stringify(event);
      return service
        .http()
        .post('/v1/events')
        .set('Authorization', 'Bearer dev-upstream')
        .set('Content-Type', 'application/json')
        .set('X-Signature', signBody(text, 'dev-webhook-secret'))
        .send(text);
    };
    /** An order.delivered of the stored order that would overwrite it but for `patch` (to the envelope) or `data` (to the snapshot). */
    const delivered = (patch: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => () => ({
      id: ORDER_EVENT,
      type: 'order.delivered',
      occurredAt: new Date().toISOString(),
      data: { orderId, ...orderBody({ currency: 'USD', deliveredAt: daysAgo(1) }), ...data },
      ...patch,
    });
    /** A return.requested of the stored order that would open a case but for `data`. */
    const requested = (data: Record<string, unknown> = {}) => () => ({
      id: RETURN_EVENT,
      type: 'return.requested',
      occurredAt: new Date().toISOString(),
      data: { ...returnBody(orderId), ...data },
    });

    const badEvents: [string, () => unknown, RegExp | undefined][] = [
      // the envelope
      ['id is missing', delivered({ id: undefined }), /id/],
      ['id is empty', delivered({ id: '' }), /id/],
      ['id is a number', delivered({ id: 42 }), /id/],
      ['id of 201 chars', delivered({ id: 'e'.repeat(201) }), /id/],
      ['type is missing', delivered({ type: undefined }), /type/],
      ['type is unknown', delivered({ type: 'return.cancelled' }), /type/],
      ['occurredAt is missing', delivered({ occurredAt: undefined }), /occurredAt/],
      ['occurredAt is a month that does not exist', delivered({ occurredAt: '2026-13-01T00:00:00Z' }), /occurredAt/],
      ['data is missing', delivered({ data: undefined }), /data/],
      ['data is an empty object', delivered({ data: {} }), /data/],
      ['data is an array', delivered({ data: [{ orderId: 'o1' }] }), /data/],
      ['data is a string', delivered({ data: 'order' }), /data/],
      ['an extra envelope field', delivered({ signature: 'sha256=0' }), /signature/],
      ['id with a NUL character', delivered({ id: `${ORDER_EVENT}\u0000` }), /NUL/],
      ['the body is an array of a valid event', () => [delivered()()], undefined],
      // order.delivered: the order snapshot
      ['order.delivered without data.orderId', delivered({}, { orderId: undefined }), /data\.orderId/],
      ['order.delivered with currency in lower case', delivered({}, { currency: 'usd' }), /data\.currency/],
      ['order.delivered with no items', delivered({}, { items: [] }), /data\.items/],
      [
        'order.delivered with a fractional unitPrice',
        delivered({}, { items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 2, unitPrice: 99.5 }] }),
        /data\.items\.0\.unitPrice/,
      ],
      ['order.delivered without customer', delivered({}, { customer: undefined }), /data\.customer/],
      ['order.delivered with deliveredAt not a timestamp', delivered({}, { deliveredAt: 'yesterday' }), /data\.deliveredAt/],
      ['order.delivered with an extra field', delivered({}, { refundedTotal: 0 }), /data\.refundedTotal/],
      ['order.delivered with an extra field in customer', delivered({}, { customer: { id: 'c1', creditLimit: 5 } }), /creditLimit/],
      ['order.delivered carrying a return request', () => ({ ...requested()(), id: ORDER_EVENT, type: 'order.delivered' }), /data\./],
      // return.requested: the return request body
      ['return.requested with an unknown reasonCode', requested({ reasonCode: 'TOO_EXPENSIVE' }), /data\.reasonCode/],
      ['return.requested without returnMethod', requested({ returnMethod: undefined }), /data\.returnMethod/],
      ['return.requested with an extra "status" field', requested({ status: 'APPROVED' }), /data\.status/],
      ['return.requested with quantity "1"', requested({ items: [{ sku: 'S1', quantity: '1' }] }), /data\.items\.0\.quantity/],
      ['return.requested with a bad photo sha256', requested({ reasonCode: 'QUALITY_DEFECT', photos: [{ url: 'https://img.example.com/1.jpg', sha256: 'z'.repeat(64) }] }), /sha256/],
      ['return.requested with reasonText of 2001 chars', requested({ reasonText: 'x'.repeat(2001) }), /data\.reasonText/],
      ['return.requested with a NUL character in reasonText', requested({ reasonText: '尺码太小了\u0000' }), /NUL/],
      ['order.delivered with a NUL character in a name', delivered({}, { items: [{ sku: 'S1', name: 'T恤\u0000', category: 'apparel', quantity: 2, unitPrice: 9900 }] }), /NUL/],
      ['return.requested with half a surrogate pair in reasonText', requested({ reasonText: '尺码太小了\ud83d' }), /surrogate/],
      ['order.delivered with half a surrogate pair in a name', delivered({}, { items: [{ sku: 'S1', name: 'T恤\ude00', category: 'apparel', quantity: 2, unitPrice: 9900 }] }), /surrogate/],
      ['return.requested carrying an order snapshot', () => ({ ...delivered()(), id: RETURN_EVENT, type: 'return.requested' }), /data\./],
    ];

    it.each(badEvents.map(([name, event, field]) => ({ name, event, field })))('$name: 400 naming the problem, nothing stored', async ({ event, field }) => {
      await leavesNothing(post(event()), (r) => expectBadRequest(r, field), { orderId });
    });

    it('return.requested of an unknown order: 404 ORDER_NOT_FOUND, nothing stored', async () => {
      const event = { ...requested({ orderId: uniqueId('unknown-order') })(), id: uniqueId('evt') };
      await leavesNothing(post(event), (r) => expectError(r, 404, 'ORDER_NOT_FOUND'), { orderId });
    });

    it('control: the same events made valid are taken as new, their ids unused by the refused ones', async () => {
      const order = await changes(post(delivered()()), 202, { orderId });
      expect(order.body).toMatchObject({ accepted: true, duplicate: false });
      const [stored] = await service.db.query('SELECT currency FROM orders WHERE id = $1', [orderId]);
      expect(stored.currency).toBe('USD');
      const opened = await changes(post(requested()()), 202, { orderId });
      expect(opened.body).toMatchObject({ accepted: true, duplicate: false, returnId: expect.any(String) });
    });
  });

  describe('POST /v1/admin/queues/{name}/pause|resume|retry-failed', () => {
    // One queue paused (again before each test), so that resuming the wrong one, or all, would show.
    beforeEach(async () => {
      await service.queue(QueueName.Webhooks).pause();
    });

    afterAll(async () => {
      await service.queue(QueueName.Webhooks).resume();
    });

    const names = ['billing', 'Intake', 'INTAKE', 'intake%20', 'intake,logistics', '%2A', 'constructor', '__proto__', 'hasOwnProperty', 'returns', '%00'];
    const rows = (['pause', 'resume', 'retry-failed'] as const).flatMap((action) => names.map((name) => ({ action, name })));

    it.each(rows)('$action of "$name": 404 QUEUE_NOT_FOUND, no queue paused, resumed or redriven', async ({ action, name }) => {
      await leavesNothing(() => service.as('admin').post(`/v1/admin/queues/${name}/${action}`), (r) => expectError(r, 404, 'QUEUE_NOT_FOUND'));
    });

    it('control: the same actions on real queues change them', async () => {
      expect((await service.queue(QueueName.Intake).getJobCounts('failed')).failed).toBeGreaterThanOrEqual(1);
      await changes(() => service.as('admin').post('/v1/admin/queues/webhooks/resume'), 200);
      await changes(() => service.as('admin').post('/v1/admin/queues/webhooks/pause'), 200);
      // The broken job runs again (and fails again): when it last finished shows the redrive.
      await changes(() => service.as('admin').post('/v1/admin/queues/intake/retry-failed'), 202);
    });
  });
});
