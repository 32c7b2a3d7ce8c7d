import { TestService } from '../support/service';
import { atMost, brokenPromises, rerunStats, inFlight, putOrders, randomBetween, settle, sleep, startSurge, summarize, unfinished, WorkerFleet } from './support';
import { ownDatabase } from '../support/own-database';

/**
 * DESIGN.md, "Promises": killing any worker with SIGKILL at any moment loses nothing, and
 * every handler is idempotent. A surge of returns flows through two worker processes while
 * the test SIGKILLs one at random moments (and starts another), at least MIN_KILLS times;
 * a last healthy worker drains what is left. Afterwards every accepted return must be a
 * case in its legal final state, with each stage done exactly once.
 */
const RETURNS = 400;
const MIN_KILLS = 24;

describe('chaos: workers SIGKILLed during a surge', () => {
  let service: TestService | undefined;
  let fleet: WorkerFleet;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;

  beforeAll(async () => {
    // A database of its own: the check counts every case, refund and message in it.
    database = await ownDatabase('worker_kills');
    const env = {
      DATABASE_URL: database.url,
      // A dead worker's jobs are stalled after 2 s and taken up by the next stalled-job check.
      WORKER_LOCK_DURATION: '2s',
      WORKER_STALLED_INTERVAL: '1s',
      // Slow providers and modest concurrency keep jobs in flight when the kills land.
      SIMULATOR_LATENCY: '40ms',
      INTAKE_CONCURRENCY: '4',
      LOGISTICS_CONCURRENCY: '4',
      REFUND_CONCURRENCY: '2',
      NOTIFICATION_CONCURRENCY: '8',
      DATABASE_POOL_SIZE: '10',
    };
    service = await TestService.start({ withWorkers: false, env });
    fleet = new WorkerFleet(service);
  }, 60_000);

  afterAll(async () => {
    try {
      await Promise.race([service?.close(), atMost(30_000)]);
    } finally {
      await database?.drop();
    }
  }, 60_000);

  it('loses nothing and does nothing twice', async () => {
    if (!service) throw new Error('the service did not start');
    const app = service;
    const started = Date.now();
    await Promise.all([fleet.spawn(), fleet.spawn()]);
    const orders = await putOrders(app, RETURNS);

    // ~16 returns a second for ~25 s, a third of them refund-only.
    const surge = startSurge(app, orders, { ratePerSecond: 16, refundOnlyShare: 0.35 });
    let surgeDone = false;
    void surge.done.then(() => (surgeDone = true), () => (surgeDone = true));

    const respawns: Promise<unknown>[] = [];
    const killUntil = Date.now() + 100_000;
    while ((fleet.kills < MIN_KILLS || !surgeDone) && Date.now() < killUntil) {
      // Keep one or two worker processes alive: replace the dead one at once.
      while (fleet.alive < 2) respawns.push(fleet.spawn().catch((e: Error) => fleet.crashes.push(`a worker did not start: ${e.message.slice(0, 500)}`)));
      await sleep(randomBetween(250, 1_400));
      if (!fleet.ready.size) continue; // the replacements are still starting
      const busy = (await inFlight(app)) > 0 || (await unfinished(app, surge.accepted)) > 0;
      await fleet.killOne(busy);
    }
    const accepted = await surge.done;
    await Promise.all(respawns);

    // The survivors die too; one fresh worker drains what is left, stalled jobs included.
    const lastKills = await fleet.killAll();
    await fleet.spawn();
    const { ms: drainMs, settled } = await settle(app, accepted, 60_000);
    const broken = await brokenPromises(app, accepted);
    const jobs = await rerunStats(app);

    console.log(
      [
        `worker kills: ${fleet.kills} at random moments (${fleet.killsUnderLoad} with work in flight) + ${lastKills} before the final drain`,
        `returns accepted: ${accepted.length} (${accepted.filter((a) => a.kind === 'REFUND_ONLY').length} refund-only), retried POSTs: ${accepted.filter((a) => a.tries > 1).length}`,
        `worker start-up: median ${fleet.startupMs.sort((a, b) => a - b)[Math.floor(fleet.startupMs.length / 2)]} ms over ${fleet.startupMs.length} starts`,
        `jobs completed: ${jobs.completed}, started more than once: ${jobs.startedAgain}, taken over after a stall: ${jobs.stalled}, failed before succeeding: ${jobs.retried}`,
        `drain after the last kill: ${drainMs} ms (${settled ? 'settled' : 'NOT settled'}); total ${Date.now() - started} ms`,
        `broken promises: ${summarize(broken)}`,
      ].join('\n'),
    );
    expect(fleet.crashes).toEqual([]);
    expect(accepted).toHaveLength(RETURNS);
    expect(fleet.kills).toBeGreaterThanOrEqual(MIN_KILLS);
    // Most kills must land while there is work, or they prove little.
    expect(fleet.killsUnderLoad).toBeGreaterThanOrEqual(Math.floor(MIN_KILLS * 0.75));
    expect(summarize(broken)).toBe('none');
  }, 240_000);
});
