#!/usr/bin/env node
'use strict';
/**
 * `npm run surge`: replays a compressed Double-11 day of returns against a running service.
 *
 *   1. setup   PUT an order snapshot for every return (a realistic mix, see lib/mix.js)
 *   2. send    POST /v1/returns at the target rate (token bucket, bounded concurrency);
 *              a 429 INTAKE_BACKLOG is retried after its Retry-After with the SAME
 *              Idempotency-Key, as is a network error or 5xx, so no retry can double a return
 *   3. drain   sample every queue's backlog each second until intake, logistics, refund and
 *              notification are empty; drain time = last 202 to empty
 *   4. verify  every accepted return is a case (none lost), no key or order made two (none
 *              doubled), each case in the state its mix should reach
 *   5. report  summary on stdout, JSON time series and an SVG chart under results/, and a
 *              capacity plan from the per-worker-process rates measured
 *
 * Plain CommonJS on Node 20 built-ins, plus `ioredis` and `pg` from the service's own
 * dependencies. See README.md beside this file.
 */
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs, UsageError } = require('./lib/args');
const { Client, outcomeOf } = require('./lib/client');
const { Latencies } = require('./lib/latency');
const { buildPlan, orderBody, returnBody, describeMix, PolicyBook } = require('./lib/mix');
const { Progress } = require('./lib/progress');
const { RedisQueueReader, ApiQueueReader, backlogOf, redactUrl, STAGE_QUEUES } = require('./lib/queues');
const { verifyWithDatabase, verifyWithApi } = require('./lib/verify');
const { capacityPlan } = require('./lib/capacity');
const { summaryText, renderSvg, seconds, int, num, ms } = require('./lib/report');

/** Queues whose emptiness ends the drain: every stage a surge return passes through. */
const DRAIN_QUEUES = STAGE_QUEUES;
const SAMPLE_EVERY_MS = 1_000;
const MAX_ERROR_ATTEMPTS = 8;

/** Share of the day's peak rate per hour (0-23) of a returns day after Double-11: evenings peak. */
const DAY_SHAPE = [0.45, 0.3, 0.15, 0.08, 0.06, 0.07, 0.12, 0.25, 0.45, 0.65, 0.8, 0.8, 0.72, 0.75, 0.82, 0.85, 0.8, 0.75, 0.8, 0.9, 1.0, 1.0, 0.9, 0.65];
const DAY_MEAN = DAY_SHAPE.reduce((a, b) => a + b, 0) / DAY_SHAPE.length;

const sleep = (msecs) => new Promise((resolve) => setTimeout(resolve, msecs));

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`surge: ${error.message}\n`);
      return 64;
    }
    throw error;
  }
  if (opts.help) {
    process.stdout.write(`${opts.help}\n`);
    return 0;
  }

  const progress = new Progress();
  const log = (text) => progress.log(text);
  const client = new Client(opts.url, { concurrency: opts.concurrency, timeoutMs: opts.requestTimeoutMs });
  const interrupt = { requested: false };
  process.on('SIGINT', () => {
    if (interrupt.requested) process.exit(130);
    interrupt.requested = true;
    log('surge: interrupted: no new requests; checking what was accepted (Ctrl-C again to quit at once)');
  });

  try {
    const live = await client.request('GET', 'health/live');
    if (live.status !== 200) {
      process.stderr.write(`surge: ${opts.url} does not answer GET /health/live (${outcomeOf(live)}): is the service running?\n`);
      return 2;
    }

    // ---- plan ------------------------------------------------------------------------
    const book = await loadPolicies(client, opts.keys.admin, log);
    const averageRate = opts.profile === 'day' ? opts.rate * DAY_MEAN : opts.rate;
    const count = opts.returns ?? Math.max(1, Math.ceil((averageRate * opts.durationMs) / 1000));
    const plannedSendMs = opts.durationMs ?? (count / averageRate) * 1000;
    const timeLimitMs = opts.timeLimitMs ?? Math.max(4 * plannedSendMs, plannedSendMs + 600_000);
    const dayMs = opts.durationMs ?? plannedSendMs;
    const now = Date.now();
    const plan = buildPlan({ count, seed: opts.seed, runId: opts.runId, now, book });
    const mix = describeMix(plan.returns);
    log(`surge: run ${opts.runId}: ${int(count)} returns on ${int(plan.orders.length)} orders against ${opts.url}, ${int(opts.rate)} req/s ${opts.profile === 'day' ? 'at the evening peak of a compressed day' : 'flat'}, concurrency ${opts.concurrency}`);

    // ---- queues and database, for sampling --------------------------------------------
    const reader = await openQueueReader(opts, client, log);
    const db = opts.verify === 'api' || opts.verify === 'none' ? null : await openDatabase(opts.databaseUrl, log);

    // ---- 1. setup --------------------------------------------------------------------
    const setup = opts.orders === 'db' ? await writeOrders({ opts, plan, progress }) : await putOrders({ client, opts, plan, progress });
    if (setup.failed) {
      progress.done();
      process.stderr.write(`surge: setting up the orders failed: ${setup.failed}\n`);
      await closeAll(client, reader, db);
      return 2;
    }

    // ---- 2. send, while sampling -----------------------------------------------------
    const state = newSendState(plan, opts.concurrency);
    const sampler = startSampler({ reader, db, state });
    const workersSeen = {};
    const noteWorkers = async () => {
      if (!reader) return;
      try {
        const w = await reader.workers();
        for (const [q, n] of Object.entries(w)) workersSeen[q] = Math.max(workersSeen[q] ?? 0, n);
      } catch {
        /* CLIENT LIST may be refused (managed Redis): --workers then */
      }
    };
    await noteWorkers();
    await sendReturns({ client, opts, plan, state, progress, timeLimitMs, dayMs, interrupt, sampler });
    await noteWorkers();

    // ---- 3. drain --------------------------------------------------------------------
    sampler.phase = 'drain';
    const drain = await waitForDrain({ sampler, state, opts, progress, interrupt, reader });
    await noteWorkers();
    sampler.phase = 'settle';

    // ---- 4. verify -------------------------------------------------------------------
    const verify = await runVerification({ opts, client, plan, state, progress, db, interrupt });
    await sampler.stop();

    // ---- 5. report -------------------------------------------------------------------
    const workers = {};
    let workersSource;
    if (opts.workers) {
      for (const q of DRAIN_QUEUES) workers[q] = opts.workers;
      workersSource = `${opts.workers} worker process${opts.workers === 1 ? '' : 'es'} per stage (--workers)`;
    } else if (DRAIN_QUEUES.some((q) => workersSeen[q] > 0)) {
      for (const q of DRAIN_QUEUES) workers[q] = workersSeen[q] || 1;
      workersSource = `worker processes seen ${reader instanceof ApiQueueReader ? 'by the service' : 'in Redis'} per stage: ${DRAIN_QUEUES.map((q) => `${q} ${workers[q]}`).join(', ')} (override with --workers)`;
    } else {
      for (const q of DRAIN_QUEUES) workers[q] = 1;
      workersSource = '1 worker process per stage (default; set --workers)';
    }
    const series = sampler.series;
    const result = {
      runId: opts.runId,
      startedAt: new Date(now).toISOString(),
      finishedAt: new Date().toISOString(),
      config: {
        url: opts.url,
        returns: count,
        durationMs: opts.durationMs,
        rate: opts.rate,
        profile: opts.profile,
        concurrency: opts.concurrency,
        seed: opts.seed,
        timeLimitMs,
        prefix: opts.prefix,
        redisUrl: redactUrl(opts.redisUrl),
        databaseUrl: redactUrl(opts.databaseUrl),
        verify: opts.verify,
      },
      policy: { source: book.source, versions: book.versions() },
      plan: { returns: plan.returns.length, orders: plan.orders.length, ordersWithTwoReturns: plan.orders.filter((o) => o.returns.length > 1).length },
      mix,
      setup: { orders: plan.orders.length, seconds: setup.seconds, errors: setup.errors, errorKinds: setup.errorKinds, retries: setup.retries },
      send: sendSummary(state, series),
      queues: queueSummary(series, reader, state),
      drain,
      verify,
      capacity: {
        planReturns: opts.planReturns,
        targetSeconds: opts.targetDrainMs / 1000,
        workersSource,
        workers,
        stages: reader ? capacityPlan({ series, stages: DRAIN_QUEUES, workers, accepted: state.accepted, planReturns: opts.planReturns, targetSeconds: opts.targetDrainMs / 1000 }) : [],
      },
      series,
    };
    result.verdict = verdictOf(result);

    const outDir = opts.out ? path.resolve(opts.out) : path.join(__dirname, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    const jsonPath = path.join(outDir, `surge-${opts.runId}.json`);
    const svgPath = path.join(outDir, `surge-${opts.runId}.svg`);
    // Readable at the top, one line per sample below.
    const head = JSON.stringify({ ...result, series: '@@series@@' }, null, 1);
    fs.writeFileSync(jsonPath, `${head.replace('"@@series@@"', `[\n${series.map((x) => `  ${JSON.stringify(x)}`).join(',\n')}\n ]`)}\n`);
    fs.writeFileSync(svgPath, renderSvg(result));
    await closeAll(client, reader, db);

    process.stdout.write(`\n${summaryText(result)}\n`);
    const shown = (p) => (path.relative(process.cwd(), p).startsWith('..') ? p : path.relative(process.cwd(), p));
    process.stdout.write(`\nWrote ${shown(jsonPath)} and ${shown(svgPath)}\n`);
    return result.verdict.exitCode;
  } catch (error) {
    progress.done();
    process.stderr.write(`surge: ${error.stack || error.message}\n`);
    client.close();
    return 2;
  }
}

// ---------------------------------------------------------------------------------------

async function loadPolicies(client, token, log) {
  const res = await client.request('GET', 'v1/policies', { token });
  const items = res.status === 200 ? (Array.isArray(res.json) ? res.json : res.json?.items) : null;
  if (Array.isArray(items) && items.length) return new PolicyBook(items);
  log(`surge: GET /v1/policies answered ${outcomeOf(res)}: expecting the contract's default policy`);
  return new PolicyBook(null);
}

async function openQueueReader(opts, client, log) {
  const redisReader = new RedisQueueReader({ redisUrl: opts.redisUrl, prefix: opts.prefix });
  try {
    const { queuesFound } = await redisReader.connect();
    if (!queuesFound) log(`surge: no BullMQ queue keys under "${opts.prefix}:" in ${redactUrl(opts.redisUrl)} yet: is --prefix the service's QUEUE_PREFIX?`);
    return redisReader;
  } catch (error) {
    await redisReader.close();
    const apiReader = new ApiQueueReader({ client, token: opts.keys.admin });
    try {
      await apiReader.connect();
      log(`surge: Redis ${redactUrl(opts.redisUrl)} not reachable (${error.message}); reading queues from GET /v1/admin/queues`);
      return apiReader;
    } catch (apiError) {
      log(`surge: cannot read the queues (Redis: ${error.message}; API: ${apiError.message}): no backlog, drain time or capacity plan`);
      return null;
    }
  }
}

async function openDatabase(url, log) {
  const { Client: PgClient } = require('pg');
  const db = new PgClient({ connectionString: url, connectionTimeoutMillis: 5_000 });
  db.on('error', () => {});
  try {
    await db.connect();
    await db.query('SELECT 1 FROM return_cases LIMIT 1');
    return db;
  } catch (error) {
    log(`surge: database ${redactUrl(url)} not usable (${error.message}): verifying through the API instead`);
    await db.end().catch(() => {});
    return null;
  }
}

async function closeAll(client, reader, db) {
  client.close();
  await reader?.close();
  await db?.end().catch(() => {});
}

// ---- 1. setup ---------------------------------------------------------------------------

/** Orders written per statement by `--orders db`. */
const ORDERS_PER_INSERT = 5_000;

/**
 * `--orders db`: the same snapshots as `putOrders`, written straight into the service's
 * `orders` table, as `OrderService.upsert` stores a PUT (a million PUTs would take half an
 * hour before the first return). The replay is of returns; the orders are its fixture.
 */
async function writeOrders({ opts, plan, progress }) {
  const { Client: PgClient } = require('pg');
  const started = Date.now();
  const total = plan.orders.length;
  const db = new PgClient({ connectionString: opts.databaseUrl });
  let done = 0;
  try {
    await db.connect();
    for (let at = 0; at < total; at += ORDERS_PER_INSERT) {
      const bodies = plan.orders.slice(at, at + ORDERS_PER_INSERT).map((order) => ({ id: order.orderId, ...orderBody(order) }));
      await db.query(
        `INSERT INTO orders (id, merchant_id, customer_id, customer, address, currency, paid_at, delivered_at, payment, items, paid_total_minor, created_at, updated_at)
         SELECT o.*, now(), now() FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::text[], $7::timestamptz[], $8::timestamptz[],
                                             $9::jsonb[], $10::jsonb[], $11::bigint[]) AS o
         ON CONFLICT (id) DO NOTHING`,
        [
          bodies.map((b) => b.id),
          bodies.map((b) => b.merchantId),
          bodies.map((b) => b.customer.id),
          bodies.map((b) => JSON.stringify(b.customer)),
          bodies.map((b) => JSON.stringify(b.address)),
          bodies.map((b) => b.currency),
          bodies.map((b) => b.paidAt),
          bodies.map((b) => b.deliveredAt),
          bodies.map((b) => JSON.stringify(b.payment)),
          bodies.map((b) => JSON.stringify(b.items)),
          bodies.map((b) => b.items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0)),
        ],
      );
      done += bodies.length;
      const elapsed = (Date.now() - started) / 1000;
      progress.update('setup', done / total, `${int(done)}/${int(total)} orders written | ${int(done / Math.max(elapsed, 1e-3))}/s`);
    }
    // As a bulk load should: the planner's figures for the table, before the first return.
    await db.query('ANALYZE orders');
  } catch (error) {
    return { seconds: (Date.now() - started) / 1000, errors: 1, errorKinds: { database: 1 }, retries: 0, failed: `writing orders into ${redactUrl(opts.databaseUrl)}: ${error.message}` };
  } finally {
    await db.end().catch(() => {});
  }
  const secs = (Date.now() - started) / 1000;
  progress.update('setup', 1, `${int(total)} orders written into the database in ${seconds(secs)}`, { force: true });
  progress.done();
  return { seconds: secs, errors: 0, errorKinds: {}, retries: 0, failed: null };
}

async function putOrders({ client, opts, plan, progress }) {
  const started = Date.now();
  let done = 0;
  let errors = 0;
  let retries = 0;
  let failed = null;
  let next = 0;
  const errorKinds = {};
  const total = plan.orders.length;
  const putOne = async (order) => {
    const body = JSON.stringify(orderBody(order));
    for (let attempt = 1; ; attempt++) {
      const res = await client.request('PUT', `v1/orders/${encodeURIComponent(order.orderId)}`, { token: opts.keys.upstream, body });
      if (res.status === 200 || res.status === 201) return;
      errors++;
      errorKinds[outcomeOf(res)] = (errorKinds[outcomeOf(res)] ?? 0) + 1;
      const retriable = res.status === 0 || res.status >= 500 || res.status === 429;
      if (!retriable || attempt >= 6) throw new Error(`PUT /v1/orders/${order.orderId}: ${outcomeOf(res)} ${res.body ? res.body.slice(0, 300) : ''}`);
      retries++;
      await sleep(Math.min(5_000, 200 * 2 ** attempt));
    }
  };
  const runners = Array.from({ length: Math.min(opts.concurrency, total) }, async () => {
    while (next < total && !failed) {
      const order = plan.orders[next++];
      try {
        await putOne(order);
        done++;
      } catch (error) {
        failed ??= error.message;
      }
      if (done % 50 === 0 || done === total) {
        const elapsed = (Date.now() - started) / 1000;
        progress.update('setup', done / total, `${int(done)}/${int(total)} orders PUT | ${int(done / Math.max(elapsed, 1e-3))}/s | errors ${errors}`);
      }
    }
  });
  await Promise.all(runners);
  const secs = (Date.now() - started) / 1000;
  progress.update('setup', done / total, `${int(done)}/${int(total)} orders PUT in ${seconds(secs)} | errors ${errors}`, { force: true });
  progress.done();
  return { seconds: secs, errors, errorKinds, retries, failed };
}

// ---- 2. send ----------------------------------------------------------------------------

function newSendState(plan, concurrency) {
  return {
    concurrency,
    planned: plan.returns.length,
    perReturn: new Array(plan.returns.length),
    started: null,
    stoppedAt: null,
    lastAcceptedAt: null,
    launched: 0,
    inFlight: 0,
    requests: 0,
    accepted: 0,
    tooMany: 0,
    errors: 0,
    retries: 0,
    abandoned: 0,
    abandonReasons: {},
    errorKinds: {},
    responses: {},
    latAll: new Latencies(),
    latAccepted: new Latencies(),
    latEndToEnd: new Latencies(),
    recent: [],
    firstErrorBodies: [],
  };
}

/** A binary min-heap of retries by due time. */
class RetryHeap {
  constructor() {
    this.items = [];
  }
  get size() {
    return this.items.length;
  }
  peek() {
    return this.items[0];
  }
  push(item) {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (a[p].due <= a[i].due) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].due < a[m].due) m = l;
        if (r < a.length && a[r].due < a[m].due) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Seconds to wait from a Retry-After header (seconds or an HTTP date), else the body's hint, else 1. */
function retryAfterSeconds(res) {
  const header = res.headers?.['retry-after'];
  if (header !== undefined) {
    const n = Number(header);
    if (Number.isFinite(n) && n >= 0) return n;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, (at - Date.now()) / 1000);
  }
  const hint = Number(res.json?.retryAfterSeconds);
  return Number.isFinite(hint) && hint >= 0 ? hint : 1;
}

function rateAt(opts, elapsedMs, dayMs) {
  if (opts.profile !== 'day') return opts.rate;
  const hour = ((elapsedMs / dayMs) * 24) % 24;
  const h = Math.floor(hour);
  const f = hour - h;
  return opts.rate * (DAY_SHAPE[h] * (1 - f) + DAY_SHAPE[(h + 1) % 24] * f);
}

function sendReturns({ client, opts, plan, state, progress, timeLimitMs, dayMs, interrupt, sampler }) {
  const retries = new RetryHeap();
  let next = 0;
  let tokens = 1;
  let stopNew = false;
  let limitHit = false;
  let lastTick = Date.now();
  let lastDraw = 0;
  state.started = Date.now();
  sampler.begin(state.started);

  const abandon = (reason) => {
    state.abandoned++;
    state.abandonReasons[reason] = (state.abandonReasons[reason] ?? 0) + 1;
  };

  const launch = (job) => {
    const { ret } = job;
    const s = state.perReturn[ret.n];
    s.attempted = true;
    job.attempt++;
    state.inFlight++;
    state.requests++;
    client
      .request('POST', 'v1/returns', { token: opts.keys.portal, body: job.body, headers: { 'idempotency-key': ret.key } })
      .then((res) => {
        state.inFlight--;
        const now = Date.now();
        state.latAll.add(res.ms);
        state.recent.push(res.ms);
        state.responses[res.status || 'network'] = (state.responses[res.status || 'network'] ?? 0) + 1;
        if (res.status === 202 || res.status === 200 || res.status === 201) {
          const id = res.json?.id;
          if (!id) {
            state.errors++;
            state.errorKinds['2xx without an id'] = (state.errorKinds['2xx without an id'] ?? 0) + 1;
            // Not retried (the service would answer the same): never accepted, and the verdict says so.
            abandon('2xx without an id');
            return;
          }
          if (!s.acceptedId) {
            s.acceptedId = id;
            state.accepted++;
            state.lastAcceptedAt = now;
            state.latAccepted.add(res.ms);
            state.latEndToEnd.add(now - job.firstAt);
          } else if (id !== s.acceptedId && !s.conflictingIds.includes(id)) {
            s.conflictingIds.push(id);
          }
          return;
        }
        if (res.status === 429) {
          state.tooMany++;
          state.retries++;
          const wait = retryAfterSeconds(res) * 1000;
          // At least what the service asked; a little spread so retries do not return as one wave.
          retries.push({ ...job, due: now + wait + Math.random() * Math.min(1_000, wait * 0.2) });
          return;
        }
        state.errors++;
        const kind = outcomeOf(res);
        state.errorKinds[kind] = (state.errorKinds[kind] ?? 0) + 1;
        if (res.status && res.status < 500 && res.status !== 408) {
          // The service refused the request itself: a retry would be refused the same way.
          if (state.firstErrorBodies.length < 3) {
            state.firstErrorBodies.push(`${kind}: ${res.body?.slice(0, 300)}`);
            progress.log(`surge: ${ret.key} refused: ${kind}: ${res.body?.slice(0, 300)}`);
          }
          abandon(kind);
          return;
        }
        if (job.attempt >= MAX_ERROR_ATTEMPTS) {
          abandon(`${kind} ${MAX_ERROR_ATTEMPTS} times`);
          return;
        }
        state.retries++;
        const backoff = Math.min(10_000, 250 * 2 ** (job.attempt - 1));
        retries.push({ ...job, due: now + backoff * (0.75 + Math.random() * 0.5) });
      });
  };

  return new Promise((resolve) => {
    const tick = () => {
      const now = Date.now();
      const elapsed = now - state.started;
      limitHit = elapsed >= timeLimitMs || interrupt.requested;
      if (limitHit || (opts.durationMs && elapsed >= opts.durationMs)) stopNew = true;
      const rate = rateAt(opts, elapsed, dayMs);
      tokens = Math.min(Math.max(1, rate * 0.05), tokens + ((now - lastTick) / 1000) * rate);
      lastTick = now;
      while (tokens >= 1 && state.inFlight < opts.concurrency) {
        let job = null;
        if (retries.size && retries.peek().due <= now && !limitHit) job = retries.pop();
        else if (!stopNew && next < plan.returns.length) {
          const ret = plan.returns[next++];
          state.perReturn[ret.n] = { acceptedId: null, attempted: false, conflictingIds: [] };
          job = { ret, body: JSON.stringify(returnBody(ret)), attempt: 0, firstAt: now };
          state.launched++;
        } else break;
        tokens -= 1;
        launch(job);
      }
      if (limitHit && retries.size) {
        while (retries.size) {
          retries.pop();
          abandon(interrupt.requested ? 'interrupted' : 'time limit reached while waiting to retry');
        }
      }
      if (now - lastDraw >= 200) {
        lastDraw = now;
        const elapsedS = elapsed / 1000;
        const waiting = retries.size ? ` | retry queue ${int(retries.size)}` : '';
        progress.update(
          'send',
          state.accepted / state.planned,
          `${int(state.accepted)}/${int(state.planned)} accepted | ${int(sampler.lastAcceptedRate ?? state.accepted / Math.max(elapsedS, 1e-3))}/s | 429 ${int(state.tooMany)} | err ${int(state.errors)}${waiting} | p99 ${ms(sampler.lastP99)} | ${sampler.backlogText()} | ${seconds(elapsedS)}`,
        );
      }
      const nothingLeft = (stopNew || next >= plan.returns.length) && retries.size === 0 && state.inFlight === 0;
      if (nothingLeft) {
        state.stoppedAt = Date.now();
        if (next < plan.returns.length) {
          for (let i = next; i < plan.returns.length; i++) state.perReturn[i] ??= { acceptedId: null, attempted: false, conflictingIds: [] };
        }
        state.notSent = plan.returns.length - next;
        progress.update('send', state.accepted / state.planned, `${int(state.accepted)}/${int(state.planned)} accepted in ${seconds((state.stoppedAt - state.started) / 1000)} | 429 ${int(state.tooMany)} | err ${int(state.errors)}`, { force: true });
        progress.done();
        resolve();
        return;
      }
      setTimeout(tick, 1);
    };
    tick();
  });
}

function sendSummary(state, series) {
  const acceptedSpan = state.lastAcceptedAt ? (state.lastAcceptedAt - state.started) / 1000 : null;
  return {
    planned: state.planned,
    notSent: state.notSent ?? 0,
    requests: state.requests,
    accepted: state.accepted,
    tooMany: state.tooMany,
    errors: state.errors,
    retries: state.retries,
    abandoned: state.abandoned,
    abandonReason: Object.entries(state.abandonReasons)
      .map(([k, v]) => `${k} × ${v}`)
      .join(', '),
    errorKinds: state.errorKinds,
    responses: state.responses,
    seconds: (state.stoppedAt - state.started) / 1000,
    acceptedPerSecond: acceptedSpan ? state.accepted / acceptedSpan : 0,
    peakAcceptedPerSecond: Math.max(0, ...series.map((s) => s.acceptedRate ?? 0)),
    // Share of the sending seconds with every allowed request in flight: the service's latency, not
    // the target rate, then set the pace (a closed loop of --concurrency clients).
    atConcurrencyLimit: (() => {
      const sending = series.filter((s) => s.phase === 'send' && s.dt > 0);
      return sending.length ? sending.filter((s) => s.inFlight >= state.concurrency).length / sending.length : 0;
    })(),
    latency: { accepted: state.latAccepted.summary(), all: state.latAll.summary(), endToEnd: state.latEndToEnd.summary() },
    firstErrorBodies: state.firstErrorBodies,
  };
}

// ---- sampling ---------------------------------------------------------------------------

function startSampler({ reader, db, state }) {
  const sampler = {
    series: [],
    phase: 'send',
    lastAcceptedRate: null,
    lastP99: null,
    last: null,
    errors: 0,
    lastError: null,
    t0: null,
    timer: null,
    running: null,
    prev: { at: null, accepted: 0, tooMany: 0, errors: 0, requests: 0 },
    backlogText() {
      const b = this.last?.backlog;
      if (!b) return reader ? 'backlog …' : 'backlog n/a';
      return DRAIN_QUEUES.map((q) => `${q} ${int(b[q] ?? 0)}`).join(' ');
    },
    begin(t0) {
      this.t0 = t0;
      this.prev.at = t0;
      this.sampleNow();
      this.timer = setInterval(() => this.sampleNow(), SAMPLE_EVERY_MS);
    },
    sampleNow() {
      if (this.running) return this.running;
      this.running = this.takeSample().finally(() => (this.running = null));
      return this.running;
    },
    async takeSample() {
      const at = Date.now();
      let queues = null;
      let outbox = null;
      if (reader) {
        try {
          queues = await reader.sample();
        } catch (error) {
          this.errors++;
          this.lastError = error.message;
        }
      }
      if (db) {
        try {
          outbox = (await db.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n;
        } catch {
          outbox = null;
        }
      }
      const dt = Math.max(1e-3, (at - this.prev.at) / 1000);
      const recent = state.recent.splice(0);
      recent.sort((a, b) => a - b);
      const p99 = recent.length ? recent[Math.min(recent.length - 1, Math.ceil(recent.length * 0.99) - 1)] : null;
      const sample = {
        t: (at - this.t0) / 1000,
        dt,
        at,
        phase: this.phase,
        accepted: state.accepted,
        acceptedRate: (state.accepted - this.prev.accepted) / dt,
        requestRate: (state.requests - this.prev.requests) / dt,
        tooManyRate: (state.tooMany - this.prev.tooMany) / dt,
        errorRate: (state.errors - this.prev.errors) / dt,
        inFlight: state.inFlight,
        p99,
        queues,
        backlog: queues ? Object.fromEntries(Object.entries(queues).map(([q, c]) => [q, backlogOf(c, q)])) : null,
        outbox,
      };
      if (this.series.length === 0) {
        sample.dt = 0;
        sample.acceptedRate = 0;
        sample.requestRate = 0;
        sample.tooManyRate = 0;
        sample.errorRate = 0;
        // Completions before the first sample belong to earlier work.
        if (sample.queues) for (const c of Object.values(sample.queues)) c.completed = 0;
      }
      this.prev = { at, accepted: state.accepted, tooMany: state.tooMany, errors: state.errors, requests: state.requests };
      this.lastAcceptedRate = sample.acceptedRate;
      if (p99 !== null) this.lastP99 = p99;
      this.last = sample;
      this.series.push(sample);
      return sample;
    },
    async stop() {
      clearInterval(this.timer);
      await this.running;
    },
  };
  return sampler;
}

// ---- 3. drain ---------------------------------------------------------------------------

async function waitForDrain({ sampler, state, opts, progress, interrupt, reader }) {
  const lastAcceptedT = state.lastAcceptedAt ? (state.lastAcceptedAt - sampler.t0) / 1000 : null;
  const base = { queues: DRAIN_QUEUES, lastAcceptedT, emptyT: null, seconds: null, timedOut: false };
  if (!reader) return { ...base, note: 'no queue readings: drain time unknown (verification waits for the cases instead)' };
  if (!state.accepted) return { ...base, note: 'nothing was accepted: nothing to drain' };
  const started = Date.now();
  let peak = 1;
  let emptySince = null;
  for (;;) {
    // A fresh reading after the last 202 (the sampler runs each second on its own).
    const sample = await waitForNextSample(sampler);
    const b = sample?.backlog;
    if (b) {
      const total = DRAIN_QUEUES.reduce((sum, q) => sum + (b[q] ?? 0), 0) + (sample.outbox ?? 0);
      peak = Math.max(peak, total);
      const empty = total === 0 && sample.at >= state.lastAcceptedAt;
      if (empty) emptySince ??= sample;
      else emptySince = null;
      const sinceLast = (sample.at - state.lastAcceptedAt) / 1000;
      progress.update(
        'drain',
        1 - total / peak,
        `${DRAIN_QUEUES.map((q) => `${q} ${int(b[q] ?? 0)}`).join(' · ')}${sample.outbox ? ` · outbox ${int(sample.outbox)}` : ''} | ${seconds(sinceLast)} since the last 202`,
      );
      // Empty twice in a row: a job between two stages is never in neither queue, but be sure.
      if (emptySince && sample !== emptySince) {
        progress.done();
        return { ...base, emptyT: emptySince.t, seconds: Math.max(0, (emptySince.at - state.lastAcceptedAt) / 1000) };
      }
    }
    if (Date.now() - started > opts.drainTimeoutMs || interrupt.requested) {
      progress.done();
      const why = interrupt.requested ? 'interrupted' : `not empty after ${seconds(opts.drainTimeoutMs / 1000)} (--drain-timeout)`;
      return { ...base, timedOut: true, note: `queues ${why}: ${sampler.backlogText()}` };
    }
  }
}

async function waitForNextSample(sampler) {
  const count = sampler.series.length;
  for (let i = 0; i < 50 && sampler.series.length === count; i++) await sleep(50);
  if (sampler.series.length === count) await sampler.sampleNow();
  return sampler.series[sampler.series.length - 1];
}

// ---- 4. verify --------------------------------------------------------------------------

async function runVerification({ opts, client, plan, state, progress, db, interrupt }) {
  const sent = state.perReturn;
  const settleTimeoutMs = interrupt.requested ? 0 : opts.settleTimeoutMs;
  const onWait = (now, waitedMs) => progress.update('verify', null, `${int(now.moving)} cases still moving (judging, booking, refunding) | waited ${seconds(waitedMs / 1000)}`);
  const mode = opts.verify === 'auto' ? (db ? 'db' : 'api') : opts.verify;
  try {
    if (mode === 'none') return { mode: 'none', error: 'skipped (--verify none)' };
    if (mode === 'db') {
      if (!db) throw new Error(`database ${redactUrl(opts.databaseUrl)} not usable`);
      const r = await verifyWithDatabase({ databaseUrl: opts.databaseUrl, runId: opts.runId, plan, sent, settleTimeoutMs, onWait });
      progress.done();
      return r;
    }
    const r = await verifyWithApi({ client, token: opts.keys.admin, plan, sent, settleTimeoutMs, concurrency: opts.concurrency, onWait });
    progress.done();
    return r;
  } catch (error) {
    progress.done();
    return { mode, error: error.message };
  }
}

// ---- 5. report --------------------------------------------------------------------------

function queueSummary(series, reader, state) {
  if (!reader) return { available: false, source: 'nothing', error: 'neither Redis nor GET /v1/admin/queues answered', shown: [], peaks: {} };
  const names = [...new Set(series.flatMap((s) => Object.keys(s.queues ?? {})))];
  const lastAcceptedAt = state.lastAcceptedAt;
  const peaks = {};
  for (const q of names) {
    let peak = { backlog: 0, t: 0 };
    let completed = 0;
    let atLast = null;
    let failedEnd = 0;
    for (const s of series) {
      const b = s.backlog?.[q] ?? 0;
      if (b > peak.backlog) peak = { backlog: b, t: s.t };
      completed += s.queues?.[q]?.completed ?? 0;
      if (lastAcceptedAt && s.at <= lastAcceptedAt + 1_000 && s.queues) atLast = b;
      if (s.queues?.[q]) failedEnd = s.queues[q].failed;
    }
    peaks[q] = { ...peak, completed, atLastAccepted: atLast, failedEnd };
  }
  // The stage queues always; others when anything happened on them (timers: not its delayed deadlines).
  const shown = [...DRAIN_QUEUES, ...names.filter((q) => !DRAIN_QUEUES.includes(q) && (peaks[q].backlog > 0 || (q !== 'timers' && peaks[q].completed > 0)))];
  return { available: series.some((s) => s.queues), source: reader.source, shown, peaks };
}

function verdictOf(r) {
  const v = r.verify;
  const drained = r.drain.seconds !== null;
  const problems = [];
  if (!v.error) {
    if (v.mismatched) problems.push(`${int(v.mismatched)} not in the expected state`);
    if (!v.settled) problems.push(`${int(v.stillMoving)} still moving`);
    // A state that says its stage ran, without the stage's record: not the state it claims.
    const st = v.stageRecords;
    if (st?.awaitingShipmentWithoutShipment) problems.push(`${int(st.awaitingShipmentWithoutShipment)} AWAITING_SHIPMENT without a shipment`);
    if (st?.refundedWithoutSucceededRefund) problems.push(`${int(st.refundedWithoutSucceededRefund)} REFUNDED without a succeeded refund`);
  } else problems.push(`not verified: ${v.error}`);
  if (r.drain.timedOut) problems.push('queues did not drain');
  if (r.send.abandoned) problems.push(`${int(r.send.abandoned)} requests never accepted`);
  // --returns N asks for N: those left unsent (time limit, Ctrl-C) were never accepted either.
  // With --duration the count is only rate x duration, and what the time did not allow was never a request.
  if (r.send.notSent && !r.config?.durationMs) problems.push(`${int(r.send.notSent)} returns never sent`);
  const drainText = drained ? `drained in ${seconds(r.drain.seconds)}` : 'drain time unknown';
  if (!v.error && (v.lost || v.doubled)) {
    const short = `FAIL: ${int(v.lost)} lost, ${int(v.doubled)} doubled`;
    return { status: 'FAIL', exitCode: 1, short, line: `RESULT: ${short} of ${int(v.accepted)} accepted returns${problems.length ? `; also ${problems.join(', ')}` : ''}` };
  }
  const head = v.error ? `${int(r.send.accepted)} accepted` : `${int(v.accepted)} accepted, 0 lost, 0 doubled, ${int(v.matching)} of ${int(v.found)} in the expected state`;
  if (problems.length) {
    const short = `WARN: ${problems.join(', ')}`;
    return { status: 'WARN', exitCode: 2, short, line: `RESULT: WARN: ${head}; ${drainText}; ${problems.join(', ')}` };
  }
  return { status: 'PASS', exitCode: 0, short: `PASS: 0 lost, 0 doubled, ${drainText}`, line: `RESULT: PASS: ${head}; ${drainText}` };
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`surge: ${error.stack || error}\n`);
      process.exitCode = 2;
    },
  );
}

module.exports = { retryAfterSeconds, rateAt, RetryHeap, verdictOf, sendReturns, newSendState };
