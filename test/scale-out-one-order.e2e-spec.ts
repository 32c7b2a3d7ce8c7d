import type { Job } from 'bullmq';
import { connect } from 'node:net';
import { Jobs, QueueName } from '@returns/contracts';
import { CaseView, countRows, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';
import { eventually } from './support/eventually';

const WORKERS = 2;
const ROUNDS = 3;
/** Units of S1 each order bought, and one-unit requests for it: five too many. */
const BOUGHT = 3;
const REQUESTS = 8;

/** When one judge job was active, and in which worker. */
interface Taken {
  jobId: string;
  worker: string;
  processedOn: number;
  finishedOn: number;
}

/**
 * Every command Redis runs, from a MONITOR connection of our own, as argument lists.
 * A plain socket, not ioredis's `monitor()`: that one can take the first line of output for
 * the reply to MONITOR itself when Redis is busy ("Command queue state error").
 */
async function monitorRedis(url: string, onCommand: (args: string[]) => void): Promise<{ close(): void }> {
  const { hostname, port, username, password } = new URL(url);
  const socket = connect(Number(port || 6379), hostname || '127.0.0.1');
  const commands = password ? [['AUTH', ...(username ? [decodeURIComponent(username)] : []), decodeURIComponent(password)], ['MONITOR']] : [['MONITOR']];
  socket.write(commands.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join(''));
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    let replies = 0;
    // Before MONITOR answers, an error fails the watch; after, the locks it misses do.
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const lines = buffered.split('\r\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('-')) reject(new Error(`MONITOR refused: ${line}`));
        else if (replies < commands.length) {
          if (++replies === commands.length) resolve();
        } else {
          // +<time> [<db> <client or lua>] "arg" "arg" ...
          onCommand([...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]));
        }
      }
    });
  });
  return { close: () => socket.destroy() };
}

/**
 * Which worker took each judge job, as Redis itself saw it. BullMQ records `processedBy` only
 * for a worker given a `name`, and ours have none; but moving a job to active sets its lock to
 * the worker's token, `<worker id>:<n>`, by a SET inside the script, which MONITOR shows.
 * The lock is gone once the job is done, so it is watched while the jobs run.
 */
async function watchLocks(service: TestService) {
  const lockOf = `${service.config.queuePrefix}:${QueueName.Intake}:`;
  const takenBy = new Map<string, string[]>();
  const monitor = await monitorRedis(service.config.redisUrl, ([command, key, token]) => {
    if (command?.toUpperCase() !== 'SET' || !key?.startsWith(lockOf) || !key.endsWith(':lock')) return;
    const jobId = key.slice(lockOf.length, -':lock'.length);
    takenBy.set(jobId, [...(takenBy.get(jobId) ?? []), token.slice(0, token.lastIndexOf(':'))]);
  });
  return {
    /** Waits until the lock of each of `jobIds` was seen (MONITOR's stream may lag the jobs a little). */
    async seen(jobIds: string[], timeoutMs = 5_000): Promise<Map<string, string[]>> {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && !jobIds.every((id) => takenBy.has(id)); ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return new Map(jobIds.map((id) => [id, takenBy.get(id) ?? []]));
    },
    stop: () => monitor.close(),
  };
}

/**
 * Waits until every one of `jobIds` is done, and fails if one failed for good. A failed
 * attempt that is tried again (a connection refused, say) is not a failure of the rule.
 */
async function completed(service: TestService, jobIds: string[], timeoutMs = 20_000): Promise<Job[]> {
  const queue = service.queue(QueueName.Intake);
  return eventually(
    'the judge jobs done',
    async () => {
      const jobs = await Promise.all(jobIds.map((id) => queue.getJob(id)));
      if (!jobs.every((job) => job?.finishedOn)) return undefined;
      for (const job of jobs) if ((await job!.getState()) !== 'completed') throw new Error(`${job!.id} failed: ${job!.failedReason}`);
      return jobs as Job[];
    },
    { timeoutMs },
  );
}

/**
 * DESIGN: "Workers scale out: N worker processes on N machines share the queues with no
 * coordination but Redis". CONTRACT: a return may not claim more units than bought minus
 * those in other open cases (QUANTITY_EXCEEDED). Together: two worker processes judging
 * requests of one order at the same moment must still hand each unit out once. Only the
 * database stands between them: judging locks the order row (FOR UPDATE), so a batch waits
 * for the other process's batch and then counts its cases. Without that lock both would
 * count the units held before either committed, and more than three cases would hold units.
 */
describe('two worker processes judging returns of one order at once', () => {
  let service: TestService;
  let spawned = false;
  /** worker id -> judge jobs it took, over all rounds */
  const judgedBy = new Map<string, number>();

  beforeAll(async () => {
    // No workers in this process: the only workers are the two processes spawned below.
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    'hands each of three units to one case only, though two processes judge the eight requests (round %i)',
    async () => {
      const intake = service.queue(QueueName.Intake);
      // Buffered: no worker runs yet (round 1), or the queue is paused (later rounds).
      await intake.pause();
      const { orderId } = await putOrder(service, { items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: BOUGHT, unitPrice: 9900 }] });
      // One after another, so each is its own intake batch and its own judge job, for the two
      // processes to share (requests that arrive together share one job: one process's).
      const answers = [];
      for (let i = 0; i < REQUESTS; i++) answers.push(await postReturn(service, returnBody(orderId, { items: [{ sku: 'S1', quantity: 1 }] })));
      expect(answers.map((a) => a.status)).toEqual(Array(REQUESTS).fill(202));
      const caseIds: string[] = answers.map((a) => a.body.id);
      const jobIds = caseIds.map((id) => Jobs.judgeReturns([id]).jobId);

      // Both processes up before either may take a job, so neither judges the whole backlog
      // alone; two jobs each at a time, so each takes a share and they run side by side.
      if (!spawned) {
        for (let i = 0; i < WORKERS; i++) await service.spawnWorker({ WORKER_QUEUES: QueueName.Intake, INTAKE_CONCURRENCY: '2' });
        spawned = true;
      }
      const locks = await watchLocks(service);
      let jobs: Job[];
      let takenBy: Map<string, string[]>;
      try {
        await intake.resume();
        jobs = await completed(service, jobIds);
        takenBy = await locks.seen(jobIds);
      } finally {
        locks.stop();
      }

      // The rule held: three cases hold one unit each, the other five were refused for quantity.
      const views: CaseView[] = await Promise.all(caseIds.map((id) => service.waitForStatus(id, ['APPROVED', 'PENDING_REVIEW', 'REJECTED'])));
      const holding = views.filter((v) => v.status !== 'REJECTED');
      const rejected = views.filter((v) => v.status === 'REJECTED');
      const units = holding.flatMap((v) => v.items).reduce((sum: number, item: { sku: string; quantity: number }) => sum + item.quantity, 0);
      expect({
        holding: holding.length,
        unitsHeld: units,
        rejected: rejected.length,
        rejectedForQuantity: rejected.filter((v) => v.decision.codes.includes('QUANTITY_EXCEEDED')).length,
      }).toEqual({ holding: BOUGHT, unitsHeld: BOUGHT, rejected: REQUESTS - BOUGHT, rejectedForQuantity: REQUESTS - BOUGHT });
      // And the database agrees: one case per request, and no more units held than bought.
      expect(await countRows(service, 'return_cases WHERE order_id = $1', [orderId])).toBe(REQUESTS);
      const [{ held }] = await service.db.query(
        `SELECT COALESCE(SUM(i.quantity), 0)::int AS held FROM return_items i JOIN return_cases c ON c.id = i.case_id
          WHERE c.order_id = $1 AND i.sku = 'S1' AND c.status <> ALL($2)`,
        [orderId, ['REJECTED', 'CANCELLED', 'CLOSED']],
      );
      expect(held).toBe(BOUGHT);

      // Both workers judged some. A job tried again may have been taken twice: the last one to take it judged it.
      const taken: Taken[] = jobs.map((job) => ({ jobId: job.id!, worker: takenBy.get(job.id!)!.at(-1)!, processedOn: job.processedOn!, finishedOn: job.finishedOn! }));
      expect(taken.filter((t) => !t.worker).map((t) => t.jobId)).toEqual([]);
      const perWorker = new Map<string, number>();
      for (const t of taken) perWorker.set(t.worker, (perWorker.get(t.worker) ?? 0) + 1);
      expect(perWorker.size).toBe(WORKERS);
      for (const [worker, n] of perWorker) judgedBy.set(worker, (judgedBy.get(worker) ?? 0) + n);
      // At the same moment: some job of one was active while some job of the other was, or the race was never run.
      const overlapping = taken.some((a) => taken.some((b) => a.worker !== b.worker && a.processedOn < b.finishedOn && b.processedOn < a.finishedOn));
      expect(overlapping).toBe(true);
    },
  );

  it('was the same two processes in every round', () => {
    // One intake worker per process and none in this one: two worker ids are the two processes.
    expect(judgedBy.size).toBe(WORKERS);
    expect([...judgedBy.values()].reduce((a, b) => a + b, 0)).toBe(ROUNDS * REQUESTS);
  });
});
