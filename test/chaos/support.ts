/**
 * Helpers of the chaos tests: a surge of returns posted as a real client would (retrying
 * with the same Idempotency-Key until it gets its 202), a fleet of worker processes to
 * SIGKILL, private Redis and PostgreSQL servers to restart, and the check of the
 * promises afterwards ("every accepted return present, in a legal state, each stage
 * done once").
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { Jobs, QueueName } from '@returns/contracts';
import { runMigrations } from '@returns/database';
import { CarrierSimulator } from '@returns/logistics';
import { ChannelSimulator } from '@returns/notification';
import { PaymentSimulator } from '@returns/refund';
import { orderBody, returnBody, uniqueId } from '../support/factories';
import { TestService } from '../support/service';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves after `ms` without keeping the process alive: a bound on how long a shutdown may take. */
export const atMost = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export function randomBetween(min: number, max: number): number {
  return min + Math.random() * (max - min);
}

/** A TCP port on loopback that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}


// ---------------------------------------------------------------------------------------
// The surge
// ---------------------------------------------------------------------------------------

/** REFUND_ONLY: to REFUNDED with no warehouse step; DROP_OFF: a RETURN_REFUND that waits in AWAITING_SHIPMENT. */
export type Kind = 'REFUND_ONLY' | 'DROP_OFF';

/** The refund of a REFUND_ONLY case: the one MUG of the factory order. */
export const REFUND_ONLY_AMOUNT = 4500;

export interface Order {
  orderId: string;
  transactionId: string;
}

export interface Accepted {
  /** the id of the 202 */
  id: string;
  kind: Kind;
  orderId: string;
  transactionId: string;
  /** POSTs it took to get the 202 (the same Idempotency-Key each time) */
  tries: number;
  /** when the 202 came (ms since the epoch) */
  at: number;
}

/** PUTs `count` fresh orders (each of its own customer, so no risk signal sends a case to review). */
export async function putOrders(service: TestService, count: number, parallel = 16): Promise<Order[]> {
  const orders: Order[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        const orderId = uniqueId('o');
        const body = orderBody();
        const response = await service.as('upstream').put(`/v1/orders/${orderId}`, body);
        if (response.status !== 200) throw new Error(`PUT order answered ${response.status}: ${JSON.stringify(response.body)}`);
        orders.push({ orderId, transactionId: body.payment.transactionId });
      }
    }),
  );
  return orders;
}

function bodyFor(kind: Kind, orderId: string) {
  return kind === 'REFUND_ONLY'
    ? { orderId, type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', items: [{ sku: 'MUG', quantity: 1 }], channel: 'app' }
    : returnBody(orderId, { returnMethod: 'DROP_OFF' });
}

/**
 * POSTs one return like a well-behaved client: a 5xx, a 429 or a broken connection is
 * retried with the same Idempotency-Key until a 202 comes; anything else is a failure.
 */
export async function postUntilAccepted(service: TestService, kind: Kind, order: Order, giveUpMs = 60_000): Promise<Accepted> {
  const key = uniqueId('chaos');
  const body = bodyFor(kind, order.orderId);
  const deadline = Date.now() + giveUpMs;
  let tries = 0;
  let last = '';
  while (Date.now() < deadline) {
    tries++;
    try {
      const response = await service.as('portal').post('/v1/returns', body, { 'Idempotency-Key': key });
      if (response.status === 202) return { id: response.body.id, kind, orderId: order.orderId, transactionId: order.transactionId, tries, at: Date.now() };
      last = `${response.status} ${JSON.stringify(response.body).slice(0, 300)}`;
      if (response.status < 500 && response.status !== 429) throw new Error(`POST /v1/returns refused: ${last}`);
    } catch (error) {
      if ((error as Error).message.startsWith('POST /v1/returns refused')) throw error;
      last = (error as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`POST /v1/returns got no 202 in ${giveUpMs} ms after ${tries} tries; last: ${last}`);
}

export interface SurgeOptions {
  /** returns per second offered */
  ratePerSecond: number;
  /** share of REFUND_ONLY requests (the rest are DROP_OFF returns) */
  refundOnlyShare: number;
}

/** A surge in progress: `accepted` fills as 202s come in; `done` resolves with all of them. */
export interface Surge {
  accepted: Accepted[];
  posted: () => number;
  done: Promise<Accepted[]>;
}

/** Posts one return per order at a steady rate, without waiting for earlier answers. */
export function startSurge(service: TestService, orders: Order[], options: SurgeOptions): Surge {
  const accepted: Accepted[] = [];
  let posted = 0;
  const done = (async () => {
    const start = Date.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < orders.length; i++) {
      const due = start + (i * 1000) / options.ratePerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      const kind: Kind = Math.random() < options.refundOnlyShare ? 'REFUND_ONLY' : 'DROP_OFF';
      posted++;
      pending.push(postUntilAccepted(service, kind, orders[i]).then((a) => void accepted.push(a)));
    }
    await Promise.all(pending);
    return accepted;
  })();
  return { accepted, posted: () => posted, done };
}

// ---------------------------------------------------------------------------------------
// Waiting for the work to settle, and the promises
// ---------------------------------------------------------------------------------------

const FINAL: Record<Kind, string> = { REFUND_ONLY: 'REFUNDED', DROP_OFF: 'AWAITING_SHIPMENT' };
const TIMELINE: Record<Kind, string[]> = {
  REFUND_ONLY: ['-', 'REQUESTED', 'APPROVED', 'REFUND_PENDING', 'REFUNDED'],
  DROP_OFF: ['-', 'REQUESTED', 'APPROVED', 'AWAITING_SHIPMENT'],
};
const EVENTS: Record<Kind, string[]> = {
  REFUND_ONLY: ['refund.succeeded'],
  DROP_OFF: ['label.ready'],
};
/**
 * Told only sometimes: a case hears of its approval on its own when its booking (sent back)
 * or its payment (refund-only) failed once (the simulators keep their state in the Redis
 * being restarted), so only where that job ran more than once.
 */
const EVENTS_IF_RETRIED: Record<Kind, { events: string[]; job: (caseId: string) => [QueueName, string] }> = {
  REFUND_ONLY: { events: ['return.approved'], job: (caseId) => [QueueName.Refund, Jobs.issueRefund(caseId, 1).jobId] },
  DROP_OFF: { events: ['return.approved'], job: (caseId) => [QueueName.Logistics, Jobs.bookShipment(caseId).jobId] },
};
/** The factory customer has a push token and an email address. */
const CHANNELS = ['EMAIL', 'PUSH'];

/** Jobs of every queue by state (delayed timers included). */
export async function jobCounts(service: TestService): Promise<Record<QueueName, Record<string, number>>> {
  const out = {} as Record<QueueName, Record<string, number>>;
  for (const name of Object.values(QueueName)) {
    out[name] = await service.queue(name).getJobCounts('waiting', 'active', 'prioritized', 'paused', 'delayed', 'failed', 'completed');
  }
  return out;
}

/**
 * Where a chaos run stands, for the message of a check that timed out: the accepted cases by
 * status, the outbox, each queue's jobs, PostgreSQL's log and what each worker process printed
 * last. Each part says why it is missing when its server does not answer.
 */
export async function stateOf(stack: PrivateStack, accepted: Accepted[]): Promise<string> {
  const { service, fleet } = stack;
  const lines: string[] = [];
  try {
    const rows: { status: string; n: number }[] = await service.db.query(
      'SELECT status, count(*)::int AS n FROM return_cases WHERE id = ANY($1) GROUP BY status ORDER BY status',
      [accepted.map((a) => a.id)],
    );
    const [{ outbox }] = await service.db.query('SELECT count(*)::int AS outbox FROM outbox');
    lines.push(`cases of the ${accepted.length} accepted: ${rows.map((r) => `${r.status} ${r.n}`).join(', ')}; outbox rows: ${outbox}`);
  } catch (error) {
    lines.push(`PostgreSQL did not answer: ${(error as Error).message}`);
  }
  try {
    const counts = await jobCounts(service);
    for (const [queue, byState] of Object.entries(counts)) {
      const busy = Object.entries(byState).filter(([state, n]) => n > 0 && state !== 'completed');
      lines.push(`queue ${queue}: ${busy.map(([state, n]) => `${n} ${state}`).join(', ') || 'nothing but completed jobs'}`);
    }
  } catch (error) {
    lines.push(`Redis did not answer: ${(error as Error).message}`);
  }
  lines.push(`PostgreSQL's log, last lines:\n${stack.pg.serverLog().slice(-2_000)}`);
  if (fleet.crashes.length) lines.push(`worker crashes: ${fleet.crashes.join('; ')}`);
  for (const child of fleet.spawned.slice(-3)) {
    const state = child.exitCode !== null || child.signalCode !== null ? `gone (${child.exitCode ?? child.signalCode})` : 'alive';
    lines.push(`worker ${child.pid}, ${state}, printed last:\n${service.outputOf(child).replace(/\x1b\[[0-9;]*m/g, '').slice(-6_000)}`);
  }
  return lines.join('\n');
}

/** Jobs waiting for or in the hands of a worker, over every queue. */
export async function inFlight(service: TestService): Promise<number> {
  let busy = 0;
  for (const name of Object.values(QueueName)) {
    const c = await service.queue(name).getJobCounts('waiting', 'active', 'prioritized');
    busy += c.waiting + c.active + c.prioritized;
  }
  return busy;
}

/**
 * What the chaos did to the jobs: how many completed jobs were started more than once (a
 * kill or an error in between), were taken from a dead worker by the stalled-job check,
 * or failed at least once before they succeeded.
 */
export async function rerunStats(service: TestService): Promise<{ completed: number; startedAgain: number; stalled: number; retried: number }> {
  const stats = { completed: 0, startedAgain: 0, stalled: 0, retried: 0 };
  for (const name of Object.values(QueueName)) {
    for (const job of await service.queue(name).getCompleted(0, -1)) {
      stats.completed++;
      if (job.attemptsStarted > 1) stats.startedAgain++;
      if (job.stalledCounter > 0) stats.stalled++;
      if (job.attemptsMade > 1) stats.retried++;
    }
  }
  return stats;
}

/** Accepted returns whose case is not yet in its final state. */
export async function unfinished(service: TestService, accepted: Accepted[]): Promise<number> {
  let open = 0;
  for (const kind of ['REFUND_ONLY', 'DROP_OFF'] as Kind[]) {
    const ids = accepted.filter((a) => a.kind === kind).map((a) => a.id);
    const [{ n }] = await service.db.query('SELECT count(*)::int AS n FROM return_cases WHERE id = ANY($1) AND status = $2', [ids, FINAL[kind]]);
    open += ids.length - n;
  }
  return open;
}

/**
 * Waits until every accepted case is final, every message sent, the outbox empty and no
 * queue holds work but the far-off timers; or until `timeoutMs`, after which the check
 * tells what is missing.
 */
export async function settle(service: TestService, accepted: Accepted[], timeoutMs: number): Promise<{ ms: number; settled: boolean }> {
  const start = Date.now();
  const ids = accepted.map((a) => a.id);
  while (Date.now() - start < timeoutMs) {
    try {
      const open = await unfinished(service, accepted);
      let owed = 0;
      for (const kind of ['REFUND_ONLY', 'DROP_OFF'] as Kind[]) {
        const ofKind = accepted.filter((a) => a.kind === kind).map((a) => a.id);
        const [{ sent }] = await service.db.query(
          `SELECT count(*)::int AS sent FROM notifications WHERE case_id = ANY($1) AND event = ANY($2) AND status = 'SENT'`,
          [ofKind, EVENTS[kind]],
        );
        owed += ofKind.length * EVENTS[kind].length * CHANNELS.length - sent;
      }
      const [{ unsent }] = await service.db.query(`SELECT count(*)::int AS unsent FROM notifications WHERE case_id = ANY($1) AND status <> 'SENT'`, [ids]);
      const [{ outbox }] = await service.db.query('SELECT count(*)::int AS outbox FROM outbox');
      const counts = await jobCounts(service);
      const busy = Object.entries(counts).reduce(
        (n, [queue, c]) => n + c.waiting + c.active + c.prioritized + c.paused + (queue === QueueName.Timers ? 0 : c.delayed),
        0,
      );
      if (open === 0 && owed === 0 && unsent === 0 && outbox === 0 && busy === 0) {
        return { ms: Date.now() - start, settled: true };
      }
    } catch {
      // a server coming back: ask again
    }
    await sleep(500);
  }
  return { ms: Date.now() - start, settled: false };
}

function group<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) out.set(key(row), [...(out.get(key(row)) ?? []), row]);
  return out;
}

/**
 * Every promise the chaos must not break, as a list of violations (empty when all hold):
 * every 202 is a case in the legal final state of its type, reached by the expected moves
 * each made once; one shipment and one carrier booking per DROP_OFF case; one refund and
 * one gateway payout of the right amount per REFUND_ONLY case; one notification per
 * case, event and channel, each delivered once; no failed job, nothing left over.
 */
export async function brokenPromises(service: TestService, accepted: Accepted[], options: { redisLostWrites?: boolean } = {}): Promise<string[]> {
  const broken: string[] = [];
  const ids = accepted.map((a) => a.id);
  const byId = new Map(accepted.map((a) => [a.id, a]));
  if (byId.size !== accepted.length) broken.push(`${accepted.length - byId.size} 202s answered an id already given to another request`);
  const db = service.db;

  const requests: { id: string }[] = await db.query('SELECT id FROM return_requests');
  const requestIds = new Set(requests.map((r) => r.id));
  const cases: { id: string; type: string; status: string; order_id: string }[] = await db.query('SELECT id, type, status, order_id FROM return_cases');
  const caseById = new Map(cases.map((c) => [c.id, c]));
  const timeline: { case_id: string; from_status: string | null; to_status: string }[] = await db.query(
    'SELECT case_id, from_status, to_status FROM case_timeline ORDER BY case_id, id',
  );
  const timelines = group(timeline, (t) => t.case_id);
  const shipments: { case_id: string; tracking_number: string; method: string }[] = await db.query('SELECT case_id, tracking_number, method FROM shipments');
  const shipmentsOf = group(shipments, (s) => s.case_id);
  const refunds: { id: string; case_id: string; amount_minor: string; status: string; idempotency_key: string; payment_transaction_id: string }[] =
    await db.query('SELECT id, case_id, amount_minor, status, idempotency_key, payment_transaction_id FROM refunds');
  const refundsOf = group(refunds, (r) => r.case_id);
  const notifications: { id: string; case_id: string; event: string; channel: string; status: string; provider_message_id: string | null }[] =
    await db.query('SELECT id, case_id, event, channel, status, provider_message_id FROM notifications');
  const notificationsOf = group(notifications, (n) => n.case_id);
  const [{ outbox }] = await db.query('SELECT count(*)::int AS outbox FROM outbox');

  const bookings = await service.get(CarrierSimulator).bookings();
  const payouts = await service.get(PaymentSimulator).payouts();
  const payoutsByKey = group(payouts, (p) => p.idempotencyKey);
  const payoutsByTransaction = group(payouts, (p) => p.transactionId ?? '');
  const delivered = await service.get(ChannelSimulator).delivered();
  const deliveredById = group(delivered, (m) => m.messageId);

  // Nothing but what was accepted, and all of it.
  if (requestIds.size !== ids.length) broken.push(`${requestIds.size} buffered requests for ${ids.length} accepted returns`);
  if (cases.length !== ids.length) broken.push(`${cases.length} cases for ${ids.length} accepted returns`);

  for (const a of accepted) {
    const tag = `${a.kind} ${a.id}`;
    const subject = caseById.get(a.id);
    if (!requestIds.has(a.id)) broken.push(`${tag}: accepted (202) but no buffered request`);
    if (!subject) {
      broken.push(`${tag}: accepted (202) but no case`);
      continue;
    }
    if (subject.status !== FINAL[a.kind]) broken.push(`${tag}: ${subject.status}, expected ${FINAL[a.kind]}`);
    const moves = (timelines.get(a.id) ?? []).map((t) => t.to_status);
    const froms = (timelines.get(a.id) ?? []).map((t) => t.from_status ?? '-');
    if (JSON.stringify(['-', ...moves]) !== JSON.stringify(TIMELINE[a.kind]) || JSON.stringify(froms) !== JSON.stringify(TIMELINE[a.kind].slice(0, -1))) {
      broken.push(`${tag}: timeline ${froms.map((f, i) => `${f}>${moves[i]}`).join(', ')}, expected ${TIMELINE[a.kind].join(' > ')}`);
    }

    const ship = shipmentsOf.get(a.id) ?? [];
    const booking = bookings.get(a.id);
    const refund = refundsOf.get(a.id) ?? [];
    const paid = payoutsByTransaction.get(a.transactionId) ?? [];
    if (a.kind === 'DROP_OFF') {
      if (ship.length !== 1) broken.push(`${tag}: ${ship.length} shipments`);
      if (!booking) broken.push(`${tag}: no carrier booking`);
      else if (ship.length === 1 && ship[0].tracking_number !== booking.trackingNumber) {
        broken.push(`${tag}: shipment ${ship[0].tracking_number} is not the booked ${booking.trackingNumber}`);
      }
      if (refund.length || paid.length) broken.push(`${tag}: ${refund.length} refunds and ${paid.length} payouts for a return still to be shipped`);
    } else {
      if (ship.length || booking) broken.push(`${tag}: ${ship.length} shipments and ${booking ? 1 : 0} bookings for a refund-only case`);
      if (refund.length !== 1) broken.push(`${tag}: ${refund.length} refund rows`);
      for (const r of refund) {
        if (r.status !== 'SUCCEEDED' || Number(r.amount_minor) !== REFUND_ONLY_AMOUNT) {
          broken.push(`${tag}: refund ${r.status} of ${r.amount_minor}, expected SUCCEEDED of ${REFUND_ONLY_AMOUNT}`);
        }
        const under = (payoutsByKey.get(r.idempotency_key) ?? []).length;
        if (under !== 1) {
          // Tell "never paid" from "paid, but the gateway's payout record is missing".
          const ledger = await service.get(PaymentSimulator).findRefund(r.idempotency_key);
          broken.push(
            `${tag}: ${under} payouts under ${r.idempotency_key}` +
              (ledger && !under ? ` (the simulated gateway's ledger does hold ${JSON.stringify(ledger)}: its payout record was never written)` : ''),
          );
        }
      }
      if (paid.length !== 1) broken.push(`${tag}: the gateway paid ${paid.length} times on ${a.transactionId}`);
      for (const p of paid) if (p.amountMinor !== REFUND_ONLY_AMOUNT) broken.push(`${tag}: paid ${p.amountMinor}, expected ${REFUND_ONLY_AMOUNT}`);
    }

    const notes = notificationsOf.get(a.id) ?? [];
    const got = notes.map((n) => `${n.event}/${n.channel}`).sort();
    const told = [...EVENTS[a.kind]];
    const ifRetried = EVENTS_IF_RETRIED[a.kind];
    if (ifRetried.events.some((e) => notes.some((n) => n.event === e))) {
      const [queue, jobId] = ifRetried.job(a.id);
      const job = await service.queue(queue).getJob(jobId);
      // A Redis that lost its last writes may have forgotten the failed attempt (or the whole job, put back since).
      if ((job?.attemptsStarted ?? 0) > 1 || options.redisLostWrites) told.push(...ifRetried.events);
    }
    const want = told.flatMap((e) => CHANNELS.map((c) => `${e}/${c}`)).sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) broken.push(`${tag}: notifications ${got.join(', ')}, expected ${want.join(', ')}`);
    for (const n of notes) {
      const messages = deliveredById.get(n.id) ?? [];
      if (n.status !== 'SENT') broken.push(`${tag}: ${n.event}/${n.channel} is ${n.status}`);
      if (messages.length !== 1) broken.push(`${tag}: ${n.event}/${n.channel} delivered ${messages.length} times`);
      else if (messages[0].providerMessageId !== n.provider_message_id) broken.push(`${tag}: ${n.event}/${n.channel} recorded another provider message than the one delivered`);
    }
  }

  const refundOnly = accepted.filter((a) => a.kind === 'REFUND_ONLY').length;
  if (payouts.length !== refundOnly) broken.push(`the gateway made ${payouts.length} payouts for ${refundOnly} refund-only returns`);
  if (bookings.size !== accepted.length - refundOnly) broken.push(`the carriers hold ${bookings.size} bookings for ${accepted.length - refundOnly} returns to ship`);
  if (delivered.length !== notifications.length) broken.push(`the channels delivered ${delivered.length} messages for ${notifications.length} notifications`);
  if (outbox !== 0) broken.push(`${outbox} jobs left in the outbox`);

  const counts = await jobCounts(service);
  for (const [queue, c] of Object.entries(counts)) {
    if (c.failed) {
      const failed = await service.queue(queue as QueueName).getFailed(0, 4);
      broken.push(`${c.failed} failed jobs in ${queue}: ${failed.map((j) => `${j.id}: ${j.failedReason}`).join(' | ')}`);
    }
    const left = c.waiting + c.active + c.prioritized + c.paused + (queue === QueueName.Timers ? 0 : c.delayed);
    if (left) broken.push(`${left} jobs still queued in ${queue}: ${JSON.stringify(c)}`);
  }
  return broken;
}

/** For the failure message: the first violations and how many there were. */
export function summarize(broken: string[]): string {
  return broken.length ? `${broken.length} broken promise(s):\n${broken.slice(0, 40).join('\n')}` : 'none';
}

// ---------------------------------------------------------------------------------------
// Worker processes to kill
// ---------------------------------------------------------------------------------------

/** `npm run start:worker` processes of one service that the test kills and replaces. */
export class WorkerFleet {
  readonly ready = new Set<ChildProcess>();
  /** every process started, alive or not */
  readonly spawned: ChildProcess[] = [];
  starting = 0;
  kills = 0;
  /** kills that hit while jobs were waiting or active */
  killsUnderLoad = 0;
  readonly startupMs: number[] = [];
  readonly crashes: string[] = [];

  constructor(
    private readonly service: TestService,
    private readonly env: Record<string, string> = {},
  ) {}

  /** Processes alive: ready ones and those still starting. */
  get alive(): number {
    return this.ready.size + this.starting;
  }

  /** Starts one more worker; resolves with it once it serves its queues. */
  async spawn(): Promise<ChildProcess> {
    this.starting++;
    const start = Date.now();
    try {
      const child = await this.service.spawnWorker(this.env);
      this.spawned.push(child);
      this.startupMs.push(Date.now() - start);
      this.ready.add(child);
      child.once('exit', (code, signal) => {
        this.ready.delete(child);
        if (signal !== 'SIGKILL' && signal !== 'SIGTERM') this.crashes.push(`worker ${child.pid} exited by itself (code ${code}, signal ${signal})`);
      });
      return child;
    } finally {
      this.starting--;
    }
  }

  /** SIGKILLs a random ready worker; resolves once it is gone. */
  async killOne(busy: boolean): Promise<boolean> {
    const victims = [...this.ready];
    if (!victims.length) return false;
    const victim = victims[Math.floor(Math.random() * victims.length)];
    await this.kill(victim);
    this.kills++;
    if (busy) this.killsUnderLoad++;
    return true;
  }

  async kill(child: ChildProcess): Promise<void> {
    this.ready.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }

  async killAll(): Promise<number> {
    const all = [...this.ready];
    await Promise.all(all.map((child) => this.kill(child)));
    return all.length;
  }
}

// ---------------------------------------------------------------------------------------
// Private servers
// ---------------------------------------------------------------------------------------

/** A Redis of the test's own, on a spare loopback port, persisting every write to its AOF. */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private log = '';
  /** AOF (the default); false: nothing kept, a restart comes back empty */
  persistent = true;
  /** when the AOF reaches the disk: `always` (the default: nothing is lost), or `everysec` as in production (a crash loses up to its last second) */
  fsync: 'always' | 'everysec' = 'always';

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), mkdtempSync(join(tmpdir(), 'chaos-redis-')));
    await redis.launch();
    return redis;
  }

  private async launch(): Promise<void> {
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--appendonly', this.persistent ? 'yes' : 'no', '--appendfsync', this.fsync,
      '--dir', this.dir, '--save', '', '--daemonize', 'no', '--maxmemory-policy', 'noeviction',
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-20_000)));
    child.stderr!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-20_000)));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${this.log}`);
      const probe = new IORedis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        // loading the AOF, or not listening yet
      } finally {
        probe.disconnect();
      }
      await sleep(50);
    }
    throw new Error(`redis-server did not answer on ${this.port} in 15 s:\n${this.log}`);
  }

  /** SIGTERM (Redis flushes its AOF and exits), then the same port and dir again. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs) await sleep(downMs);
    await this.launch();
  }

  /** The AOF file commands are appended to now, and its size. */
  aofTail(): { file: string; bytes: number } {
    const dir = join(this.dir, 'appendonlydir');
    const incr = readdirSync(dir).filter((f) => f.endsWith('.incr.aof')).sort((a, b) => Number(/\.(\d+)\.incr/.exec(b)![1]) - Number(/\.(\d+)\.incr/.exec(a)![1]));
    const file = join(dir, incr[0]);
    return { file, bytes: statSync(file).size };
  }

  /**
   * SIGKILL, then the same port and dir again. With `keep` (an `aofTail()` from before), the AOF
   * is cut back to it first: what a host that crashed loses under `appendfsync everysec`, the
   * writes that had not reached the disk (Redis loads a cut-off last command as absent).
   */
  async crash(downMs = 0, keep?: { file: string; bytes: number }): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await gone;
    }
    if (keep) truncateSync(keep.file, keep.bytes);
    if (downMs) await sleep(downMs);
    await this.launch();
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (set PG_BIN)');
  return join(root, versions[0], 'bin');
}

/** A PostgreSQL cluster of the test's own (initdb + pg_ctl), on a spare loopback port. */
export class PrivatePostgres {
  private readonly data: string;
  private readonly bin = postgresBin();
  /** initdb and the server refuse to run as root: then they run as the `postgres` user. */
  private readonly asUser = process.getuid?.() === 0 ? 'postgres' : null;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {
    this.data = join(dir, 'data');
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async start(): Promise<PrivatePostgres> {
    const pg = new PrivatePostgres(await freePort(), mkdtempSync(join(tmpdir(), 'chaos-pg-')));
    if (pg.asUser) {
      const uid = Number(execFileSync('id', ['-u', pg.asUser]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', pg.asUser]).toString().trim());
      chownSync(pg.dir, uid, gid);
    }
    await pg.run('initdb', ['-D', pg.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    await pg.ctl('start');
    return pg;
  }

  private options(): string {
    return `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`;
  }

  private run(tool: string, args: string[]): Promise<string> {
    const [file, argv] = this.asUser ? ['runuser', ['-u', this.asUser, '--', join(this.bin, tool), ...args]] : [join(this.bin, tool), args];
    return new Promise((resolve, reject) => {
      // pg_ctl leaves the server running with the log file as its output, so wait for exit, not for closed pipes.
      const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir });
      let output = '';
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${tool} ${args.join(' ')} exited with ${code}:\n${output}\n${this.serverLog()}`))));
    });
  }

  private ctl(action: 'start' | 'restart', extra: string[] = []): Promise<string> {
    return this.run('pg_ctl', [action, '-D', this.data, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', '-o', this.options(), ...extra]);
  }

  /** `pg_ctl restart -m fast`: every connection is cut, the server is back in a moment. */
  async restart(): Promise<void> {
    await this.ctl('restart', ['-m', 'fast']);
  }

  /**
   * `pg_ctl stop -m immediate`, then start: the server dies without a shutdown checkpoint and
   * recovers from its WAL, as after a crash (and, as after a crash, its unlogged tables come
   * back empty).
   */
  async crash(): Promise<void> {
    await this.run('pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w', '-t', '20']);
    await this.ctl('start');
  }

  serverLog(): string {
    const file = join(this.dir, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8').slice(-4000) : '';
  }

  /** Connects once to prove the server answers. */
  async ping(): Promise<void> {
    const client = new Client({ connectionString: this.url('postgres') });
    await client.connect();
    await client.query('SELECT 1');
    await client.end();
  }

  async destroy(): Promise<void> {
    try {
      await this.run('pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w', '-t', '20']);
    } catch {
      // not running, or did not stop: kill the postmaster by its pid file
      const pidFile = join(this.data, 'postmaster.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        try {
          if (pid > 0) process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The service on servers of the test's own: a Redis (`prepare` may set it up, e.g. its fsync
 * policy) and a PostgreSQL on spare loopback ports, the API in the test process and one worker
 * process, with `env` for both.
 */
export class PrivateStack {
  private constructor(
    readonly redis: PrivateRedis,
    readonly pg: PrivatePostgres,
    readonly service: TestService,
    readonly fleet: WorkerFleet,
  ) {}

  static async start(database: string, env: Record<string, string>, prepare?: (redis: PrivateRedis) => Promise<void>): Promise<PrivateStack> {
    const redis = await PrivateRedis.start();
    let pg: PrivatePostgres | undefined;
    let service: TestService | undefined;
    try {
      await prepare?.(redis);
      pg = await PrivatePostgres.start();
      const databaseUrl = pg.url(database);
      await runMigrations(databaseUrl);
      service = await TestService.start({ withWorkers: false, env: { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, ...env } });
      const fleet = new WorkerFleet(service);
      await fleet.spawn();
      return new PrivateStack(redis, pg, service, fleet);
    } catch (error) {
      await Promise.race([service?.close(), atMost(30_000)]).catch(() => undefined);
      await redis.destroy();
      await pg?.destroy();
      throw error;
    }
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.service.close(), atMost(30_000)]);
    } finally {
      await this.redis.destroy();
      await this.pg.destroy();
    }
  }
}
