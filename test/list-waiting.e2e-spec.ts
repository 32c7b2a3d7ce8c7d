import { ChildProcess } from 'node:child_process';
import { DataSource } from 'typeorm';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ADVISORY_LOCK, dataSourceOptions } from '@returns/database';
import { WAITING_LIST_INTACT, WaitingListRepair } from '@returns/intake';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { undoMigrationsThrough } from './support/migrations';
import { ownDatabase } from './support/own-database';
import { TestService } from './support/service';

/**
 * `GET /v1/returns` lists a return from its 202: while its request waits in the intake queue
 * (a Double-11 backlog, or a worker fleet that is down) as REQUESTED, beside the cases,
 * newest first, filtered and paged like them; once judged, as its case, once.
 */
describe('GET /v1/returns with requests still waiting to be judged', () => {
  let service: TestService;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;
  let worker: ChildProcess | undefined;
  /** customer A's two orders and customer B's one, of two merchants */
  const orders: Record<'a1' | 'a2' | 'b1', { orderId: string; customerId: string }> = {} as never;
  /** judged before the worker stopped, then waiting, newest last */
  let judged: { a1: string; b1: string };
  let waiting: { a1: string; a2: string; b1: string };

  const accept = async (orderId: string) => {
    const response = await postReturn(service, returnBody(orderId));
    expect(response.status).toBe(202);
    return response.body.id as string;
  };
  const list = async (query: string) => {
    const response = await service.as('agent').get(`/v1/returns?${query}`);
    expect(response.status).toBe(200);
    return response.body as { items: { id: string; status: string; customerId: string | null; merchantId: string | null; rmaNumber: string; items: unknown[] }[]; nextCursor: string | null };
  };
  const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);

  beforeAll(async () => {
    // A database of its own: the unfiltered list holds this file's returns alone.
    database = await ownDatabase('list_waiting');
    service = await TestService.start({ withWorkers: false, env: { DATABASE_URL: database.url } });
    const a1 = await putOrder(service);
    const a2 = await putOrder(service, { customer: { ...a1.order.customer } });
    const b1 = await putOrder(service, { merchantId: 'm2' });
    Object.assign(orders, { a1, a2, b1 });

    worker = await service.spawnWorker({ WORKER_QUEUES: 'intake,logistics,notification,webhooks,timers' });
    const a1Judged = await accept(a1.orderId);
    await new Promise((r) => setTimeout(r, 5)); // a millisecond or more apart: the list's order is by time
    judged = { a1: a1Judged, b1: await accept(b1.orderId) };
    for (const id of Object.values(judged)) await service.waitForStatus(id, 'AWAITING_SHIPMENT');
    await new Promise<void>((resolve) => {
      worker!.once('exit', () => resolve());
      worker!.kill('SIGTERM');
    });

    // No worker now: these wait in the intake queue, a millisecond or more apart.
    waiting = { a1: '', a2: '', b1: '' };
    for (const key of ['a1', 'a2', 'b1'] as const) {
      waiting[key] = await accept(orders[key].orderId);
      await new Promise((r) => setTimeout(r, 5));
    }
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('lists waiting requests as REQUESTED among the cases, newest first, with their customer and merchant', async () => {
    const all = await list('limit=100');
    expect(ids(all)).toEqual([waiting.b1, waiting.a2, waiting.a1, judged.b1, judged.a1]);
    expect(all.items.map((i) => i.status)).toEqual(['REQUESTED', 'REQUESTED', 'REQUESTED', 'AWAITING_SHIPMENT', 'AWAITING_SHIPMENT']);
    const request = all.items[0];
    expect(request).toMatchObject({ customerId: orders.b1.customerId, merchantId: 'm2', items: [{ sku: 'S1', quantity: 1, unitPrice: null }] });
    expect(request.rmaNumber).toMatch(/^RMA-\d{8}-[0-9A-Z]{10}$/);
    expect(all.nextCursor).toBeNull();
    // Its own view says the same.
    const view = await service.as('agent').get(`/v1/returns/${waiting.b1}`);
    expect(view.body).toMatchObject({ ...request, timeline: [{ to: 'REQUESTED' }] });
  });

  it('filters them by order, customer, merchant and status like the cases', async () => {
    expect(ids(await list(`orderId=${orders.a1.orderId}`))).toEqual([waiting.a1, judged.a1]);
    expect(ids(await list(`customerId=${orders.a1.customerId}`))).toEqual([waiting.a2, waiting.a1, judged.a1]);
    expect(ids(await list('merchantId=m2'))).toEqual([waiting.b1, judged.b1]);
    expect(ids(await list('status=REQUESTED'))).toEqual([waiting.b1, waiting.a2, waiting.a1]);
    expect(ids(await list(`status=REQUESTED&customerId=${orders.a1.customerId}`))).toEqual([waiting.a2, waiting.a1]);
    expect(ids(await list('status=AWAITING_SHIPMENT'))).toEqual([judged.b1, judged.a1]);
  });

  it('pages across waiting requests and cases, each once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([waiting.b1, waiting.a2, waiting.a1, judged.b1, judged.a1]);
  });

  it('shows a request cancelled while waiting as its cancelled case, once', async () => {
    const cancelled = await service.as('portal').post(`/v1/returns/${waiting.a2}/cancel`, { note: 'changed my mind' });
    expect(cancelled.status).toBe(200);
    const mine = await list(`customerId=${orders.a1.customerId}`);
    expect(ids(mine)).toEqual([waiting.a2, waiting.a1, judged.a1]);
    expect(mine.items.map((i) => i.status)).toEqual(['CANCELLED', 'REQUESTED', 'AWAITING_SHIPMENT']);
    expect(ids(await list('status=REQUESTED'))).toEqual([waiting.b1, waiting.a1]);
  });

  it('puts the waiting requests back once PostgreSQL has lost the unlogged table (a crash, a failover)', async () => {
    // What crash recovery does to an unlogged table: it starts empty.
    await service.db.query('TRUNCATE waiting_requests');
    expect(ids(await list('status=REQUESTED'))).toEqual([]);
    const repair = new WaitingListRepair(service.db, new SchedulerRegistry());
    // Another process at it (holding the lock): this one leaves it alone.
    const other = service.db.createQueryRunner();
    await other.connect();
    try {
      await other.startTransaction();
      await other.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK.waitingListRepair]);
      expect(await repair.repair()).toBeNull();
      expect(ids(await list('status=REQUESTED'))).toEqual([]);
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }
    expect(await repair.repair()).toBe(2);
    expect(ids(await list('status=REQUESTED'))).toEqual([waiting.b1, waiting.a1]);
    expect(ids(await list(`customerId=${orders.a1.customerId}`))).toEqual([waiting.a2, waiting.a1, judged.a1]);
    // Whole again: the next look finds nothing to do.
    expect(await repair.repair()).toBeNull();
  });

  it('carries the waiting requests over in its migration, and none that has a case', async () => {
    const migrating = await new DataSource(dataSourceOptions(database!.url)).initialize();
    try {
      const rows = () => migrating.query(`SELECT id, order_id, customer_id, merchant_id FROM waiting_requests WHERE created_at > '-infinity' ORDER BY created_at`);
      const intact = async () => (await migrating.query('SELECT id FROM waiting_requests WHERE id = $1', [WAITING_LIST_INTACT])).length === 1;
      const before = await rows();
      expect(before.map((r: { id: string }) => r.id)).toEqual([waiting.a1, waiting.b1]);
      await undoMigrationsThrough(migrating, 'WaitingRequests1764240000000');
      expect(await migrating.query(`SELECT to_regclass('waiting_requests') AS t`)).toEqual([{ t: null }]);
      await migrating.runMigrations({ transaction: 'each' });
      expect(await rows()).toEqual(before);
      expect(await intact()).toBe(true);
      expect(before[1]).toEqual({ id: waiting.b1, order_id: orders.b1.orderId, customer_id: orders.b1.customerId, merchant_id: 'm2' });
    } finally {
      await migrating.runMigrations({ transaction: 'each' });
      await migrating.destroy();
    }
  });

  it('lists them as their cases once judged, and the wait is over', async () => {
    await service.spawnWorker({ WORKER_QUEUES: 'intake,logistics,notification,webhooks,timers' });
    for (const id of [waiting.a1, waiting.b1]) await service.waitForStatus(id, 'AWAITING_SHIPMENT');
    expect(ids(await list('status=REQUESTED'))).toEqual([]);
    const all = await list('limit=100');
    expect(ids(all)).toEqual([waiting.b1, waiting.a2, waiting.a1, judged.b1, judged.a1]);
    expect(all.items.every((i) => i.status !== 'REQUESTED')).toBe(true);
    expect(await service.db.query('SELECT id FROM waiting_requests')).toEqual([{ id: WAITING_LIST_INTACT }]);
  });
});
