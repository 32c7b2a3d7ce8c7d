import { SchedulerRegistry } from '@nestjs/schedule';
import { countWaiting, IntakeService, WAITING_LIST_INTACT, WaitingListRepair } from '@returns/intake';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { eventually } from './support/eventually';
import { ownDatabase } from './support/own-database';
import { TestService } from './support/service';

/** `returns_intake_waiting_requests` as `GET /metrics` reports it. */
async function waitingGauge(service: TestService): Promise<number> {
  const text = (await service.http().get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith('returns_intake_waiting_requests '));
  return Number(line?.split(' ')[1]);
}

/** Resolves once `n` sessions of the service's database wait for a lock. */
async function waitingForLocks(service: TestService, n: number): Promise<void> {
  await eventually(
    `${n} session(s) waiting for a lock`,
    async () => {
      const [{ waiting }] = await service.db.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      return waiting >= n;
    },
    { timeoutMs: 5_000 },
  );
}

/**
 * A request held for its order's delivery (DELIVERY_GRACE) waits for upstream, not for a
 * worker: it is no intake backlog. Counted as one, it kept KEDA's intake pods up for the
 * whole grace and, past INTAKE_HIGH_WATER, turned new returns away with 429 while no worker
 * had anything to judge.
 */
describe('the intake backlog while requests are held for their delivery', () => {
  let service: TestService;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;

  beforeAll(async () => {
    // A database of its own: the gauge counts this file's requests alone.
    database = await ownDatabase('waiting_review_held');
    service = await TestService.start({ withWorkers: true, env: { DATABASE_URL: database.url, DELIVERY_GRACE: '60s', INTAKE_HIGH_WATER: '1' } });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('leaves a held request out of returns_intake_waiting_requests and of the 429s, and still lists it', async () => {
    const { orderId } = await putOrder(service, { deliveredAt: undefined });
    const held = (await postReturn(service, returnBody(orderId))).body.id as string;
    await eventually(`request ${held} held`, async () => (await service.db.query('SELECT 1 FROM awaiting_delivery WHERE request_id = $1', [held])).length > 0, { timeoutMs: 10_000 });

    expect(await waitingGauge(service)).toBe(0);
    // Past the gate's one-second reading: a new return is taken, not refused for the held one.
    await new Promise((r) => setTimeout(r, 1_100));
    const { orderId: other } = await putOrder(service);
    expect((await postReturn(service, returnBody(other))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1_100));
    const { orderId: third } = await putOrder(service);
    expect((await postReturn(service, returnBody(third))).status).toBe(202);

    // It still waits, and agents still see it among the returns.
    const listed = (await service.as('agent').get(`/v1/returns?orderId=${orderId}`).expect(200)).body.items;
    expect(listed).toEqual([expect.objectContaining({ id: held, status: 'REQUESTED' })]);
  });
});

/**
 * PostgreSQL lost the unlogged `waiting_requests` (a crash) and a worker refills it while
 * judging goes on: a request whose case was being opened, uncommitted, as the refill read
 * the cases, got its row back after its judging had already taken it out. The row stayed for
 * good: the backlog gauge (and the 429s) counted a request long judged, and never went back
 * to zero.
 */
describe('refilling the waiting list while a request is being judged', () => {
  let service: TestService;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;

  beforeAll(async () => {
    database = await ownDatabase('waiting_review_repair');
    service = await TestService.start({ withWorkers: false, env: { DATABASE_URL: database.url } });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('leaves no row for a request whose case was opened while the list was refilled', async () => {
    const { orderId } = await putOrder(service);
    const id = (await postReturn(service, returnBody(orderId))).body.id as string;
    // What crash recovery does to an unlogged table: it starts empty.
    await service.db.query('TRUNCATE waiting_requests');

    // The refill has read the requests without a case and put them back, and is held up
    // before its commit (its last insert waits for this one's row) ...
    const holder = service.db.createQueryRunner();
    await holder.connect();
    let refilled: Promise<number | null> | undefined;
    try {
      await holder.startTransaction();
      await holder.query(`INSERT INTO waiting_requests (id, order_id, customer_id, merchant_id, created_at) VALUES ($1, '', '', '', '-infinity')`, [WAITING_LIST_INTACT]);
      refilled = new WaitingListRepair(service.db, new SchedulerRegistry()).repair();
      await waitingForLocks(service, 1);
      // ... while judging opens the request's case and ends its wait (no row to take out yet).
      await service.get(IntakeService).judge(id);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    expect(await refilled).toBe(1);

    expect((await service.as('agent').get(`/v1/returns/${id}`).expect(200)).body.status).toBe('APPROVED');
    expect(await countWaiting(service.db)).toBe(0);
    expect(await waitingGauge(service)).toBe(0);
  });
});
