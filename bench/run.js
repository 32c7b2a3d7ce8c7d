#!/usr/bin/env node
'use strict';
/**
 * `npm run bench` (issue 4): in one run on this machine, the baselines (bare BullMQ) and
 * then the service itself, each figure printed as a ratio to its baseline and checked
 * against the targets. Plain CommonJS for Node 20: no TypeScript runtime needed.
 *
 * Never touches the shared `returns` database or key prefix: everything lives in the
 * database `returns_bench_<run>` and under the key prefix `bench-<run>`, both removed at
 * the end, on failure and on Ctrl-C too. Every loop is bounded in count and in time.
 *
 * What each figure means and how to read the ratios: bench/README.md.
 * Knobs (environment): see CONFIG below; BENCH_QUICK=1 runs a small smoke version.
 */
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { randomBytes, randomUUID } = require('node:crypto');

const ROOT = path.resolve(__dirname, '..');
const { Queue, Worker } = require('bullmq');
const IORedis = require('ioredis');
const { Client } = require('pg');
const autocannon = require('autocannon');
const { RawHttpPool, requestBytes } = require('./raw-http');

// ---------------------------------------------------------------------------- config

/** An on/off knob of the environment: 1, true or yes is on. */
const flag = (name) => /^(1|true|yes)$/i.test(process.env[name] || '');
const QUICK = flag('BENCH_QUICK');
const PROFILE = flag('BENCH_PROFILE');
// BENCH_PG_WAITS=1: what the service's PostgreSQL sessions wait on during intake and the steady
// load, sampled from pg_stat_activity (which costs PostgreSQL a little CPU: off by default).
const PG_WAITS = flag('BENCH_PG_WAITS');
function num(name, full, quick) {
  const raw = process.env[name];
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
    return n;
  }
  return QUICK ? quick : full;
}

const CONFIG = {
  quick: QUICK,
  // baselines
  addJobs: num('BENCH_ADD_JOBS', 20_000, 2_000),
  addInFlight: num('BENCH_ADD_IN_FLIGHT', 64, 64),
  bulkJobs: num('BENCH_BULK_JOBS', 20_000, 2_000),
  bulkChunk: 1_000,
  serialJobs: num('BENCH_SERIAL_JOBS', 5_000, 500),
  noopJobs: num('BENCH_NOOP_JOBS', 20_000, 2_000),
  noopConcurrency: 50,
  pipelineJobs: num('BENCH_PIPELINE_JOBS', 6_000, 1_000),
  pipelineConcurrency: 50,
  memoryJobs: num('BENCH_MEMORY_JOBS', 20_000, 2_000),
  // service
  // niceness of the worker draining during the steady load (WORKER_NICE): the API answers first
  steadyWorkerNice: Number(process.env.BENCH_STEADY_WORKER_NICE ?? 10),
  orderConnections: 32,
  ordersViaApi: QUICK ? 400 : 2_000,
  intakeConnections: num('BENCH_INTAKE_CONNECTIONS', 64, 64),
  intakeSeconds: num('BENCH_INTAKE_SECONDS', 15, 4),
  // the intake run's load generator: `raw` (closed loop on bench/raw-http.js) or `autocannon`
  intakeClient: process.env.BENCH_INTAKE_CLIENT || 'raw',
  steadyRate: num('BENCH_STEADY_RATE', 1_000, 500),
  steadySeconds: num('BENCH_STEADY_SECONDS', 15, 4),
  // the same load first, unmeasured, while connections open and the code warms up (reported apart)
  steadyWarmupSeconds: num('BENCH_STEADY_WARMUP_SECONDS', 3, 1),
  steadyMaxInFlight: 4_000,
  steadyOrders: 6_000,
  e2eReturns: num('BENCH_E2E_RETURNS', 3_000, 300),
  // returns carried through before each timed round, on the same worker processes (not in the figures)
  e2eWarmup: process.env.BENCH_E2E_WARMUP === '0' ? 0 : num('BENCH_E2E_WARMUP', 500, 100),
  e2eWorkers: (process.env.BENCH_E2E_WORKERS || (QUICK ? '1,2' : '1,2,4')).split(',').map(Number).filter((n) => n > 0),
  e2eConnections: 64,
  // which service phases run (the baselines always do): intake,steady,e2e
  phases: (process.env.BENCH_PHASES || 'intake,steady,e2e').split(',').map((p) => p.trim()),
  e2eTimeoutSeconds: num('BENCH_E2E_TIMEOUT', 100, 40),
  pollMs: 200,
  // DATABASE_POOL_SIZE of each worker process in the end-to-end rounds (default: see there)
  workerPoolSize: process.env.BENCH_WORKER_POOL_SIZE ? num('BENCH_WORKER_POOL_SIZE', 20, 20) : undefined,
  simulatorLatency: process.env.BENCH_SIMULATOR_LATENCY || '1ms',
  // the whole run is stopped (and cleaned up) past this
  deadlineSeconds: num('BENCH_DEADLINE', 600, 240),
};

const TARGETS = {
  intakeShareOfAdd: 0.25,
  steadyP99Ms: 50,
  e2eShareOfPipeline: 0.2,
  redisBytesPerReturn: 2048,
};

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const PG_BASE = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const QUEUES = ['intake', 'logistics', 'inspection', 'refund', 'notification', 'webhooks', 'timers'];

const RUN = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const DB_NAME = `returns_bench_${RUN}`;
const PREFIX = `bench-${RUN}`;
const BARE_PREFIX = `bench-${RUN}-bare`;
const DATABASE_URL = (() => {
  const url = new URL(PG_BASE);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
})();
const ADMIN_URL = (() => {
  const url = new URL(PG_BASE);
  url.pathname = '/postgres';
  return url.toString();
})();
const STAMP = new Date().toISOString().replace(/[:.]/g, '-');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const LOG_DIR = path.join(RESULTS_DIR, 'logs', RUN);
// The compiled service is copied here at the start, so a concurrent `npm run build`
// (which empties dist/) cannot pull it away from under the children.
const SNAPSHOT = path.join(RESULTS_DIR, `dist-${RUN}`);

// ---------------------------------------------------------------------------- small helpers

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();
const round = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? null : Number(n.toFixed(digits)));
function log(...args) {
  const t = ((Date.now() - STARTED) / 1000).toFixed(1).padStart(6);
  console.log(`[bench ${t}s]`, ...args);
}
const STARTED = Date.now();

/** Rejects after `ms` with a message naming what took too long. */
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Runs fn(i) for i in [0, total) with at most `inFlight` at once; bounded by `timeoutMs`. */
async function pool(total, inFlight, fn, timeoutMs = 120_000) {
  let next = 0;
  let errors = 0;
  let firstError = null;
  const deadline = Date.now() + timeoutMs;
  const lane = async () => {
    while (next < total && Date.now() < deadline) {
      const i = next++;
      try {
        await fn(i);
      } catch (error) {
        errors++;
        firstError ??= error;
      }
    }
  };
  const t0 = now();
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  const ms = now() - t0;
  return { done: next, ms, errors, firstError };
}

function percentile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------- cleanup

const children = new Set();
const closers = [];
let cleaned = false;
let cleaning = null;

function cleanup() {
  cleaning ??= (async () => {
    for (const close of closers.splice(0).reverse()) {
      await withTimeout(Promise.resolve().then(close), 5_000, 'closing a connection').catch(() => undefined);
    }
    await Promise.all([...children].map((child) => stopChild(child, 5_000).catch(() => undefined)));
    await deleteKeys(`*bench-${RUN}*`).catch((e) => console.error(`could not delete the bench keys: ${e.message}`));
    await dropDatabase().catch((e) => console.error(`could not drop ${DB_NAME}: ${e.message}`));
    fs.rmSync(SNAPSHOT, { recursive: true, force: true });
    cleaned = true;
  })();
  return cleaning;
}

/** Deletes every key matching `pattern` (SCAN + UNLINK, bounded). */
async function deleteKeys(pattern) {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    let deleted = 0;
    for (let i = 0; i < 100_000; i++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
      if (keys.length) deleted += await redis.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}

async function dropDatabase() {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

function killAllNow() {
  for (const child of children) {
    try {
      child.proc.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}
process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the children and removing ${DB_NAME} and ${PREFIX}*`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------- child processes

/**
 * The Node flags the service runs with, as `npm run start:api` gives them (the image's
 * NODE_OPTIONS says the same): the bench measures the service as it is deployed.
 */
const SERVICE_NODE_ARGS = (() => {
  const script = require('../package.json').scripts['start:api'];
  const flags = /\bnode((?: --\S+)*) dist\//.exec(script);
  if (!flags) throw new Error(`cannot read the service's node flags from package.json's start:api: ${script}`);
  return flags[1].split(' ').filter(Boolean);
})();

/**
 * Starts a compiled entry of the service; resolves once a line of its output matches `ready`.
 * Its output goes to bench/results/logs/<run>/<name>.log.
 */
function startChild(name, entry, env, ready, timeoutMs = 60_000) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const out = fs.createWriteStream(logFile);
  // BENCH_PROFILE=1: a V8 CPU profile of every child, written when it stops
  // (`<name>.cpuprofile`: open it in Chrome DevTools, or summarise it with bench/profile-summary.js).
  const profile = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${LOG_DIR}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  // BENCH_NODE_ARGS: more flags for every child, e.g. `--trace-gc` to see its collections in its log
  const extra = (process.env.BENCH_NODE_ARGS || '').split(/\s+/).filter(Boolean);
  const proc = spawn(process.execPath, [...SERVICE_NODE_ARGS, ...profile, ...extra, path.join(SNAPSHOT, entry)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const child = { name, proc, logFile, exited: null };
  children.add(child);
  child.exited = new Promise((resolve) => proc.once('exit', (code, signal) => { children.delete(child); out.end(); resolve({ code, signal }); }));
  let tail = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} was not ready in ${timeoutMs / 1000} s`)), timeoutMs);
    function fail(error) {
      clearTimeout(timer);
      reject(new Error(`${error.message}; last output (${logFile}):\n${tail.slice(-3000)}`));
    }
    const onData = (chunk) => {
      out.write(chunk);
      if (tail !== null) {
        tail = (tail + chunk.toString()).slice(-20_000);
        // eslint-disable-next-line no-control-regex
        if (ready.test(tail.replace(/\x1b\[[0-9;]*m/g, ''))) {
          clearTimeout(timer);
          tail = null;
          resolve(child);
        }
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (chunk) => { out.write(chunk); if (tail !== null) tail = (tail + chunk.toString()).slice(-20_000); });
    proc.once('exit', (code, signal) => { if (tail !== null) fail(new Error(`${name} exited (${code ?? signal}) before it was ready`)); });
    proc.once('error', (error) => fail(error));
  });
}

async function stopChild(child, graceMs = 8_000) {
  if (!children.has(child)) return;
  try {
    child.proc.kill('SIGTERM');
  } catch {
    /* gone */
  }
  const stopped = await Promise.race([child.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!stopped) {
    try {
      child.proc.kill('SIGKILL');
    } catch {
      /* gone */
    }
    await Promise.race([child.exited, sleep(3_000)]);
  }
}

// ---------------------------------------------------------------------------- CPU accounting

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Busy, stolen and total jiffies of the whole machine. Steal is the time a virtual CPU was
 * ready to run but the hypervisor ran another guest: on a shared VM it is the machine's
 * other tenants, neither this run's work nor idle, so it is not counted as busy.
 */
function machineTicks() {
  // user nice system idle iowait irq softirq steal guest guest_nice (guest is within user)
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq;
  return { busy, steal, total: busy + steal + idle + iowait };
}

/** CPU seconds and command name of every process on the machine: pid -> { comm, seconds }. */
function allProcesses() {
  const out = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), { comm, seconds: (Number(fields[11]) + Number(fields[12])) / CLK_TCK });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Time between two looks at pg_stat_activity (BENCH_PG_WAITS). */
const PG_WAIT_SAMPLE_MS = 5;

/**
 * Samples what the bench database's active sessions are doing, every PG_WAIT_SAMPLE_MS until
 * stopped (from a session on the `postgres` database, so its own CPU shows as another
 * database's, not the service's), by the `application_name` each service process gives its sessions (returns-api,
 * returns-worker): running, or the wait event it waits on (`IO:WALSync`: the flush of the
 * write-ahead log at commit; `LWLock:WALWrite`: waiting for another session's flush).
 * @returns stop(), which answers per process role the share of each state among its active
 *   samples and the mean number of its sessions active at a look
 */
function pgWaitSampler() {
  const client = new Client({ connectionString: ADMIN_URL });
  const counts = {};
  let looks = 0;
  let stopped = false;
  let failure = null;
  const running = (async () => {
    await client.connect();
    while (!stopped) {
      const { rows } = await client.query(
        `SELECT application_name AS role, coalesce(wait_event_type || ':' || wait_event, 'running') AS state
           FROM pg_stat_activity WHERE datname = $1 AND state = 'active'`,
        [DB_NAME],
      );
      looks++;
      for (const { role, state } of rows) {
        const byState = (counts[role || '(unnamed)'] ??= {});
        byState[state] = (byState[state] ?? 0) + 1;
      }
      await sleep(PG_WAIT_SAMPLE_MS);
    }
  })().catch((error) => {
    // A sampler that fails says so in the report; the phase's figures stand.
    failure = error;
  });
  return async () => {
    stopped = true;
    await running;
    await client.end().catch(() => undefined);
    if (failure) return { '(not sampled)': { looks, meanActive: 0, percentOfActive: { [failure.message]: 100 } } };
    return Object.fromEntries(
      Object.entries(counts).map(([role, byState]) => {
        const active = Object.values(byState).reduce((a, b) => a + b, 0);
        const shares = Object.entries(byState)
          .sort((a, b) => b[1] - a[1])
          .map(([state, n]) => [state, round((100 * n) / active, 1)]);
        return [role, { looks, meanActive: round(active / Math.max(1, looks), 2), percentOfActive: Object.fromEntries(shares) }];
      }),
    );
  };
}

function pgWaitsLine(waits) {
  return Object.entries(waits)
    .map(([role, w]) => `${role} (${w.meanActive} active at a look): ${Object.entries(w.percentOfActive).slice(0, 5).map(([state, p]) => `${state} ${p}%`).join(', ')}`)
    .join('; ');
}

/**
 * Watches one thread (a process's main thread: its PID) over a phase through the kernel's
 * scheduler statistics: how much of the phase it ran, how much it was runnable but waited for
 * a core (`/proc/<pid>/schedstat`), and how often it gave up its core by itself (to wait for
 * I/O) or was made to (preempted: often by a process its own write had just woken).
 * For the API's event loop, the wait is time every request in it waits too.
 * @returns stop(), which answers those as shares of the phase and switches a second; null
 *   where the kernel does not keep them
 */
function schedProbe(pid) {
  const read = () => {
    try {
      const [runNs, waitNs] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const switches = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
      return { at: now(), runNs, waitNs, voluntary: switches('voluntary_ctxt_switches'), involuntary: switches('nonvoluntary_ctxt_switches') };
    } catch {
      return null;
    }
  };
  const start = read();
  return () => {
    const end = read();
    if (!start || !end || !(end.runNs >= 0)) return null;
    const ms = end.at - start.at;
    return {
      ranPercent: round((100 * (end.runNs - start.runNs)) / 1e6 / ms, 1),
      waitedForCorePercent: round((100 * (end.waitNs - start.waitNs)) / 1e6 / ms, 1),
      involuntaryPerSecond: round(((end.involuntary - start.involuntary) * 1000) / ms),
      voluntaryPerSecond: round(((end.voluntary - start.voluntary) * 1000) / ms),
    };
  };
}

function schedLine(sched) {
  if (!sched) return 'not known (no /proc/<pid>/schedstat)';
  return `ran ${sched.ranPercent}% of the phase and waited for a core ${sched.waitedForCorePercent}% (runnable, not running); switched out ${sched.involuntaryPerSecond}/s preempted, ${sched.voluntaryPerSecond}/s to wait for I/O`;
}

/**
 * Samples CPU over a phase. `groups` returns { name: [pids] } for our own processes (called
 * at start and at end). The result gives each group's share of one core (100 = one core
 * busy the whole phase), the other PostgreSQL processes (background writers and other
 * databases' backends), the biggest other consumers by command name, the kernel's share
 * not charged to any process, and the machine's busy share of all its cores.
 */
async function cpuProbe(groups) {
  const start = { at: now(), machine: machineTicks(), procs: allProcesses() };
  // Sampled every second, so that processes which end during the phase (a connection
  // pool closing idle PostgreSQL connections, say) still count up to their last sample.
  const seen = new Map(start.procs);
  const groupOf = new Map();
  const sample = async () => {
    for (const [pid, p] of allProcesses()) {
      const before = seen.get(pid);
      if (!before || before.comm === p.comm) seen.set(pid, p);
    }
    for (const [name, pids] of Object.entries(await groups())) for (const pid of pids) if (!groupOf.has(pid)) groupOf.set(pid, name);
  };
  await sample();
  let sampling = false;
  const timer = setInterval(() => {
    if (sampling) return;
    sampling = true;
    sample()
      .catch(() => undefined)
      .finally(() => (sampling = false));
  }, 1_000);
  return async () => {
    clearInterval(timer);
    await sample();
    const seconds = (now() - start.at) / 1000;
    const m = machineTicks();
    const delta = new Map();
    for (const [pid, p] of seen) delta.set(pid, { comm: p.comm, seconds: Math.max(0, p.seconds - (start.procs.get(pid)?.seconds ?? 0)) });
    const used = {};
    const claimed = new Set();
    for (const name of new Set([...groupOf.values()])) used[name] = 0;
    for (const [pid, name] of groupOf) {
      if (claimed.has(pid) || !delta.has(pid)) continue;
      claimed.add(pid);
      used[name] += delta.get(pid).seconds;
    }
    used['bench (load generator)'] = delta.get(process.pid)?.seconds ?? 0;
    claimed.add(process.pid);
    used['postgres (other databases)'] = 0;
    const others = {};
    for (const [pid, d] of delta) {
      if (claimed.has(pid)) continue;
      if (d.comm === 'postgres') used['postgres (other databases)'] += d.seconds;
      else others[d.comm] = (others[d.comm] || 0) + d.seconds;
    }
    const share = {};
    for (const [name, s] of Object.entries(used)) share[name] = round((100 * s) / seconds);
    const otherTop = Object.entries(others)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .filter(([, s]) => (100 * s) / seconds >= 1)
      .map(([comm, s]) => `${comm} ${round((100 * s) / seconds)}`);
    const processTotal = [...delta.values()].reduce((a, d) => a + d.seconds, 0);
    const machineSeconds = ((m.busy - start.machine.busy) / Math.max(1, m.total - start.machine.total)) * seconds * os.cpus().length;
    share['other processes'] = round((100 * Object.values(others).reduce((a, b) => a + b, 0)) / seconds);
    share['unattributed (kernel, short-lived processes)'] = Math.max(0, round((100 * (machineSeconds - processTotal)) / seconds));
    const ticks = Math.max(1, m.total - start.machine.total);
    const machineBusy = round((100 * (m.busy - start.machine.busy)) / ticks);
    const machineSteal = round((100 * (m.steal - start.machine.steal)) / ticks);
    const cpuSecondsOf = Object.fromEntries(Object.entries(used).map(([k, v]) => [k, round(v, 2)]));
    return {
      seconds: round(seconds, 1),
      percentOfOneCore: share,
      cpuSeconds: cpuSecondsOf,
      otherProcesses: otherTop,
      machineBusyPercentOfAllCores: machineBusy,
      stolenPercentOfAllCores: machineSteal,
    };
  };
}

/**
 * CPU milliseconds per unit of work of each of our processes, and the rate the machine's
 * cores would sustain if nothing else ran (cores x 1000 ms / the service's ms per unit):
 * a figure that other work on a shared machine does not skew the way throughput is skewed.
 */
function cpuCost(cpu, units) {
  if (!units) return null;
  const ours = ['api', 'workers', 'redis', 'postgres (bench db backends)', 'postgres (background)'];
  const msPerUnit = {};
  for (const name of ours) if (cpu.cpuSeconds[name] !== undefined) msPerUnit[name] = round((1000 * cpu.cpuSeconds[name]) / units, 2);
  const total = Object.values(msPerUnit).reduce((a, b) => a + b, 0);
  return { msPerUnit, totalMs: round(total, 2), ceilingPerSecond: total ? round((os.cpus().length * 1000) / total) : null };
}

/** CPU ms per job of a bare baseline: this process (the producer and workers) and Redis. */
function bareCost(cpu, units) {
  if (!units) return null;
  const msPerUnit = { 'node (producer/workers)': round((1000 * cpu.cpuSeconds['bench (load generator)']) / units, 3), redis: round((1000 * cpu.cpuSeconds.redis) / units, 3) };
  const total = msPerUnit['node (producer/workers)'] + msPerUnit.redis;
  return { msPerUnit, totalMs: round(total, 3), ceilingPerSecond: total ? round((os.cpus().length * 1000) / total) : null };
}

function cpuLine(cpu) {
  const parts = Object.entries(cpu.percentOfOneCore).map(([k, v]) => `${k} ${v}%`);
  const others = cpu.otherProcesses.length ? ` [others: ${cpu.otherProcesses.join('%, ')}%]` : '';
  const stolen = cpu.stolenPercentOfAllCores ? `, ${cpu.stolenPercentOfAllCores}% stolen by the hypervisor` : '';
  return `${parts.join(', ')}${others}; machine ${cpu.machineBusyPercentOfAllCores}% busy${stolen} (of ${os.cpus().length} cores)`;
}

// ---------------------------------------------------------------------------- Redis helpers

const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 3 });
closers.push(() => redis.quit());

async function usedMemory() {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)[1]);
}

/** used_memory after Redis has settled a moment (lazy frees, client buffers). */
async function settledMemory() {
  await sleep(300);
  return usedMemory();
}

/**
 * Bytes Redis reports for the keys matching `pattern` (SCAN + MEMORY USAGE, bounded):
 * a cross-check of the used_memory delta that other clients of a shared Redis cannot skew.
 */
async function keyBytes(pattern, maxKeys = 500_000) {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  for (let i = 0; i < 100_000 && keys < maxKeys; i++) {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    if (batch.length) {
      const pipe = redis.pipeline();
      for (const key of batch) pipe.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      for (const [error, size] of await pipe.exec()) if (!error && size) bytes += Number(size);
      keys += batch.length;
    }
    cursor = next;
    if (cursor === '0') break;
  }
  return { bytes, keys };
}

/**
 * Adds before a bare sample is taken. After 500 (until session 19) the first bare add
 * sample was still partly cold: in three alternating pairs it measured 36.7k / 36.2k /
 * 33.5k jobs/s after 500 and 37.3k / 40.4k / 44.9k after 10,000, a yardstick up to a
 * quarter short that flattered every ratio to it.
 */
const WARM_ADDS = 10_000;

function newConnection() {
  return new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
}

// ---------------------------------------------------------------------------- 1. baselines

async function baselines() {
  const out = {};
  const connections = [];
  const conn = () => {
    const c = newConnection();
    connections.push(c);
    return c;
  };
  const queue = (name) => new Queue(name, { connection: conn(), prefix: BARE_PREFIX });
  const data = () => ({ caseId: randomUUID() });
  const opened = [];
  const open = (q) => (opened.push(q), q);
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))[1]);
  const probe = await cpuProbe(async () => ({ redis: [redisPid] }));
  try {
    // warm the connection, the Lua script cache and the JIT
    const warm = open(queue('warm'));
    await pool(WARM_ADDS, 32, () => warm.add('judge', data()));

    const kit = { queue: (name) => open(queue(name)), conn, redisPid };
    out.concurrentAdd = await measureConcurrentAdd(kit);
    // addBulk
    {
      const q = open(queue('bulk'));
      const t0 = now();
      let n = 0;
      for (let i = 0; i < CONFIG.bulkJobs; i += CONFIG.bulkChunk) {
        const size = Math.min(CONFIG.bulkChunk, CONFIG.bulkJobs - i);
        await q.addBulk(Array.from({ length: size }, () => ({ name: 'judge', data: data() })));
        n += size;
      }
      const ms = now() - t0;
      out.addBulk = { jobs: n, chunk: CONFIG.bulkChunk, seconds: round(ms / 1000, 2), jobsPerSecond: round((n * 1000) / ms) };
      log(`bare addBulk: ${out.addBulk.jobsPerSecond} jobs/s (chunks of ${CONFIG.bulkChunk})`);
    }
    // one awaited add at a time
    {
      const q = open(queue('serial'));
      const r = await pool(CONFIG.serialJobs, 1, () => q.add('judge', data()), 15_000);
      out.serialAdd = { jobs: r.done, seconds: round(r.ms / 1000, 2), jobsPerSecond: round((r.done * 1000) / r.ms) };
      log(`bare serial add: ${out.serialAdd.jobsPerSecond} jobs/s`);
    }
    // no-op processing
    {
      const q = open(queue('noop'));
      for (let i = 0; i < CONFIG.noopJobs; i += CONFIG.bulkChunk) {
        await q.addBulk(Array.from({ length: Math.min(CONFIG.bulkChunk, CONFIG.noopJobs - i) }, () => ({ name: 'judge', data: data() })));
      }
      let completed = 0;
      let finished;
      const allDone = new Promise((resolve) => (finished = resolve));
      const worker = new Worker('noop', async () => undefined, { connection: conn(), prefix: BARE_PREFIX, concurrency: CONFIG.noopConcurrency, autorun: false });
      worker.on('completed', () => {
        if (++completed === CONFIG.noopJobs) finished();
      });
      worker.on('error', () => undefined);
      await worker.waitUntilReady();
      const t0 = now();
      void worker.run();
      await Promise.race([allDone, sleep(60_000)]);
      const ms = now() - t0;
      await worker.close();
      out.noopProcessing = { jobs: completed, concurrency: CONFIG.noopConcurrency, seconds: round(ms / 1000, 2), jobsPerSecond: round((completed * 1000) / ms) };
      log(`bare no-op processing: ${out.noopProcessing.jobsPerSecond} jobs/s (concurrency ${CONFIG.noopConcurrency})`);
    }
    out.pipeline = await measurePipeline(kit);
    // Redis bytes per waiting job
    {
      const q = open(queue('mem'));
      await q.add('judge', data()); // the queue's own keys (meta, id, events) exist before we measure
      const k0 = await keyBytes(`${BARE_PREFIX}:mem:*`);
      const m0 = await settledMemory();
      for (let i = 0; i < CONFIG.memoryJobs; i += CONFIG.bulkChunk) {
        await q.addBulk(Array.from({ length: Math.min(CONFIG.bulkChunk, CONFIG.memoryJobs - i) }, () => ({ name: 'judge', data: data() })));
      }
      const m1 = await settledMemory();
      const k1 = await keyBytes(`${BARE_PREFIX}:mem:*`);
      const waiting = await q.getWaitingCount();
      out.redisBytesPerJob = {
        jobs: CONFIG.memoryJobs,
        waitingAfter: waiting,
        usedMemoryDelta: m1 - m0,
        bytesPerJob: round((m1 - m0) / CONFIG.memoryJobs),
        keyBytesPerJob: round((k1.bytes - k0.bytes) / CONFIG.memoryJobs),
      };
      log(`bare Redis bytes per waiting job: ${out.redisBytesPerJob.bytesPerJob} (used_memory delta; MEMORY USAGE of its keys: ${out.redisBytesPerJob.keyBytesPerJob})`);
    }
    out.cpu = await probe();
    log(`cpu during the baselines: ${cpuLine(out.cpu)}`);
  } finally {
    for (const q of opened) await q.close().catch(() => undefined);
    for (const c of connections) c.disconnect();
    await deleteKeys(`${BARE_PREFIX}:*`);
  }
  return out;
}

/** Bare concurrent add: `CONFIG.addJobs` adds, `CONFIG.addInFlight` at a time. */
async function measureConcurrentAdd({ queue, redisPid, when = '' }) {
  const q = queue('add');
  const data = () => ({ caseId: randomUUID() });
  const p = await cpuProbe(async () => ({ redis: [redisPid] }));
  const r = await pool(CONFIG.addJobs, CONFIG.addInFlight, () => q.add('judge', data()));
  const cpu = await p();
  if (r.errors) throw new Error(`bare add failed ${r.errors} times: ${r.firstError.message}`);
  const out = { jobs: r.done, inFlight: CONFIG.addInFlight, seconds: round(r.ms / 1000, 2), jobsPerSecond: round((r.done * 1000) / r.ms), cpuCost: bareCost(cpu, r.done) };
  log(`bare concurrent add${when}: ${out.jobsPerSecond} jobs/s (${r.done} jobs, ${CONFIG.addInFlight} in flight)`);
  return out;
}

/** Commands the Redis server has run since it started (those a Lua script runs included). */
async function redisCommandsProcessed() {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))[1]);
}

/** Bare three-queue pipeline: q1 -> a worker adds to q2 -> a worker adds to q3 -> a no-op worker. */
async function measurePipeline({ queue, conn, redisPid, when = '' }) {
  const [q1, q2, q3] = ['p1', 'p2', 'p3'].map((n) => queue(n));
  const data = () => ({ caseId: randomUUID() });
  const total = CONFIG.pipelineJobs;
  let completed = 0;
  let finished;
  const allDone = new Promise((resolve) => (finished = resolve));
  const opts = { connection: conn(), prefix: BARE_PREFIX, concurrency: CONFIG.pipelineConcurrency };
  const workers = [
    new Worker('p1', (job) => q2.add('book', job.data), { ...opts, connection: conn() }),
    new Worker('p2', (job) => q3.add('notify', job.data), { ...opts, connection: conn() }),
    new Worker('p3', async () => undefined, { ...opts, connection: conn() }),
  ];
  workers[2].on('completed', () => {
    if (++completed === total) finished();
  });
  for (const w of workers) w.on('error', () => undefined);
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const p = await cpuProbe(async () => ({ redis: [redisPid] }));
  const commands0 = await redisCommandsProcessed();
  const t0 = now();
  await pool(total, CONFIG.addInFlight, () => q1.add('judge', data()));
  await Promise.race([allDone, sleep(60_000)]);
  const ms = now() - t0;
  const cpu = await p();
  const commands = (await redisCommandsProcessed()) - commands0;
  await Promise.all(workers.map((w) => w.close()));
  const out = {
    jobs: completed,
    stages: 3,
    concurrency: CONFIG.pipelineConcurrency,
    seconds: round(ms / 1000, 2),
    jobsPerSecond: round((completed * 1000) / ms),
    cpuCost: bareCost(cpu, completed),
    // Redis counts the commands a Lua script runs too: what one item costs Redis, to set beside a return's.
    redisCommandsPerJob: completed ? round(commands / completed, 1) : null,
  };
  log(`bare three-queue pipeline${when}: ${out.jobsPerSecond} jobs/s end to end`);
  return out;
}

/**
 * Measures a baseline again (`measureConcurrentAdd` or `measurePipeline`), right after the
 * service phase it is the yardstick of: the machine's speed moves between minutes, so a
 * ratio is taken against the mean of the samples before and after (see `bracket`).
 */
async function baselineAgain(measure) {
  const connections = [];
  const queues = [];
  const conn = () => {
    const c = newConnection();
    connections.push(c);
    return c;
  };
  const queue = (name) => {
    const q = new Queue(name, { connection: conn(), prefix: BARE_PREFIX });
    queues.push(q);
    return q;
  };
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))[1]);
  try {
    const warm = queue('warm');
    await pool(WARM_ADDS, 32, () => warm.add('judge', { caseId: randomUUID() }));
    return await measure({ queue, conn, redisPid, when: ' (again, after the service phase)' });
  } finally {
    for (const q of queues) await q.close().catch(() => undefined);
    for (const c of connections) c.disconnect();
    await deleteKeys(`${BARE_PREFIX}:*`);
  }
}

// ---------------------------------------------------------------------------- 2. the service

const ADDRESSES = [
  { province: '浙江', city: '杭州', district: '西湖区', line: '文三路 1 号', postalCode: '310000' },
  { province: '广东', city: '深圳', district: '南山区', line: '科技园 8 号', postalCode: '518000' },
  { province: '北京', city: '北京', district: '海淀区', line: '中关村大街 27 号', postalCode: '100080' },
  { province: '四川', city: '成都', district: '武侯区', line: '人民南路 4 段 9 号', postalCode: '610041' },
];
const DAY = 24 * 3_600_000;

const orderId = (i) => `o-${RUN}-${i}`;

function orderBody(i) {
  return JSON.stringify({
    merchantId: 'm-bench',
    customer: { id: `c-${RUN}-${i}`, name: '李雷', phone: '+8613800000000', email: `c${i}@example.com`, wechatOpenId: `o-${i}`, pushToken: `t-${i}`, locale: i % 5 === 0 ? 'en-US' : 'zh-CN' },
    address: ADDRESSES[i % ADDRESSES.length],
    currency: 'CNY',
    paidAt: new Date(Date.now() - 5 * DAY).toISOString(),
    deliveredAt: new Date(Date.now() - 2 * DAY).toISOString(),
    payment: { provider: 'alipay', transactionId: `T-${RUN}-${i}` },
    items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 1, unitPrice: 9900 }],
  });
}

/** Every fourth return asks for a door pickup (pickup.booked), the others drop off (label.ready). */
function returnBody(i) {
  return JSON.stringify({
    orderId: orderId(i),
    type: 'RETURN_REFUND',
    reasonCode: 'SIZE_FIT',
    reasonText: '尺码太小了',
    returnMethod: i % 4 === 3 ? 'PICKUP' : 'DROP_OFF',
    items: [{ sku: 'S1', quantity: 1 }],
    channel: 'app',
  });
}

function serviceEnv(extra = {}) {
  const env = { ...process.env };
  for (const name of ['API_KEYS', 'WEBHOOK_SECRET', 'OUTBOUND_WEBHOOK_URLS', 'WORKER_QUEUES', 'PORT']) delete env[name];
  // BENCH_<QUEUE>_CONCURRENCY (e.g. BENCH_INTAKE_CONCURRENCY=64) sets a queue's concurrency in the service; else its default.
  for (const q of QUEUES) {
    const name = `${q.toUpperCase()}_CONCURRENCY`;
    delete env[name];
    if (process.env[`BENCH_${name}`]) env[name] = process.env[`BENCH_${name}`];
  }
  return {
    ...env,
    NODE_ENV: 'development',
    DATABASE_URL,
    REDIS_URL,
    QUEUE_PREFIX: PREFIX,
    SEED_DEMO_DATA: 'false',
    SIMULATOR_LATENCY: CONFIG.simulatorLatency,
    SIMULATOR_FAILURE_RATE: '0',
    INTAKE_HIGH_WATER: '10000000',
    CARRIER_RATE_LIMIT: '0',
    PAYMENT_RATE_LIMIT: '0',
    NOTIFICATION_RATE_LIMIT: '0',
    SHUTDOWN_GRACE: '3s',
    // workers publish their batch statistics every heartbeat: a round reads them before stopping them
    WORKER_HEARTBEAT_INTERVAL: '1s',
    ...extra,
  };
}

/** autocannon as a promise, with the first non-2xx answer kept for the report. */
async function cannon(opts, makeRequest) {
  let sample = null;
  const result = await autocannon({
    ...opts,
    requests: [
      {
        setupRequest: (req) => makeRequest(req),
        onResponse: (status, body) => {
          if ((status < 200 || status >= 300) && !sample) sample = `${status} ${String(body).slice(0, 300)}`;
        },
      },
    ],
  });
  return { result, sample };
}

/**
 * The intake run's closed loop on raw keep-alive sockets (bench/raw-http.js): `connections`
 * requests in flight for `seconds`, each connection sending its next request as soon as the
 * answer to the last is read, as autocannon does, for less of the machine's CPU. Answers in
 * autocannon's result shape, so both generators are reported alike.
 */
async function closedLoop({ host, port, connections, seconds }, nextRequest) {
  const client = new RawHttpPool(host, port, { timeoutMs: 30_000 });
  const latencies = [];
  const statusCodeStats = {};
  let errors = 0;
  let timeouts = 0;
  let sample = null;
  const t0 = now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (now() < until) {
        const bytes = requestBytes({ method: 'POST', host: `${host}:${port}`, path: '/v1/returns', ...nextRequest() });
        const start = now();
        try {
          const { status, body } = await client.request(bytes);
          latencies.push(now() - start);
          (statusCodeStats[status] ??= { count: 0 }).count++;
          if ((status < 200 || status >= 300) && !sample) sample = `${status} ${body.toString('utf8', 0, 300)}`;
        } catch (error) {
          if (error.message === 'timeout') timeouts++;
          else errors++;
        }
      }
    }),
  );
  const duration = (now() - t0) / 1000;
  client.destroy();
  latencies.sort((a, b) => a - b);
  const ms = (q) => round(percentile(latencies, q), 1);
  return {
    result: {
      duration,
      latency: { p50: ms(0.5), p99: ms(0.99), max: round(latencies[latencies.length - 1] ?? 0, 1) },
      requests: { total: latencies.length + errors + timeouts },
      statusCodeStats,
      errors,
      timeouts,
    },
    sample,
  };
}

function statusCount(result, code) {
  return result.statusCodeStats?.[String(code)]?.count ?? 0;
}

/**
 * Fixed-rate (open-loop) POSTs: request i is due at t0 + i/rate; its latency counts from when
 * it was due. The requests are built before the clock starts and sent on `client`'s raw
 * keep-alive connections (bench/raw-http.js), so the generator takes as little of the
 * machine as it can.
 */
async function steadyLoad(client, rate, seconds, orderIndexOf, maxInFlight, { keyPrefix = 's' } = {}) {
  const total = Math.round(rate * seconds);
  const requests = Array.from({ length: total }, (_, i) =>
    requestBytes({
      method: 'POST',
      host: `${client.host}:${client.port}`,
      path: '/v1/returns',
      headers: { 'content-type': 'application/json', authorization: 'Bearer dev-portal', 'idempotency-key': `${keyPrefix}-${RUN}-${i}` },
      body: returnBody(orderIndexOf(i)),
    }),
  );
  const latencies = [];
  const serviceLatencies = [];
  // the worst latency of the requests due in each second of the run: where a stall was
  const worstBySecond = new Array(Math.ceil(seconds)).fill(0);
  const statuses = {};
  let errors = 0;
  let skipped = 0;
  let inFlight = 0;
  let sent = 0;
  let lastAnswer = 0;
  let firstError = null;
  const t0 = now();
  const send = (i) => {
    const due = t0 + (i * 1000) / rate;
    inFlight++;
    const start = now();
    client.request(requests[i]).then(
      ({ status }) => {
        const end = now();
        inFlight--;
        lastAnswer = end;
        statuses[status] = (statuses[status] || 0) + 1;
        latencies.push(end - due);
        serviceLatencies.push(end - start);
        const second = Math.min(worstBySecond.length - 1, Math.floor((due - t0) / 1000));
        worstBySecond[second] = Math.max(worstBySecond[second], end - due);
      },
      (error) => {
        inFlight--;
        errors++;
        firstError ??= error.message;
        lastAnswer = now();
      },
    );
    requests[i] = null;
  };
  // Dispatch loop: every millisecond, send whatever has fallen due.
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((now() - t0) * rate) / 1000) + 1);
      while (sent < due) {
        if (inFlight >= maxInFlight) {
          skipped++;
          sent++;
          continue;
        }
        send(sent++);
      }
      if (sent >= total) return resolve();
      setTimeout(tick, 1);
    };
    tick();
  });
  const sendSpan = now() - t0;
  const waitUntil = Date.now() + 15_000;
  while (inFlight > 0 && Date.now() < waitUntil) await sleep(20);
  const unanswered = inFlight;
  latencies.sort((a, b) => a - b);
  serviceLatencies.sort((a, b) => a - b);
  const accepted = statuses[202] || 0;
  const span = Math.max(sendSpan, lastAnswer - t0);
  return {
    offeredPerSecond: rate,
    seconds,
    requests: total,
    accepted,
    achievedPerSecond: round((accepted * 1000) / span),
    sendSpanSeconds: round(sendSpan / 1000, 2),
    p50Ms: round(percentile(latencies, 0.5), 1),
    p90Ms: round(percentile(latencies, 0.9), 1),
    p99Ms: round(percentile(latencies, 0.99), 1),
    maxMs: round(latencies[latencies.length - 1], 1),
    p99FromSendMs: round(percentile(serviceLatencies, 0.99), 1),
    worstMsBySecond: worstBySecond.map((ms) => Math.round(ms)),
    statuses,
    non202: total - accepted,
    errors,
    skipped,
    unanswered,
    firstError,
  };
}

async function service() {
  const out = { e2e: [] };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const e2eTotal = (CONFIG.e2eWarmup + CONFIG.e2eReturns) * CONFIG.e2eWorkers.length;
  // The steady phase cycles over its own orders: one worker judges far fewer returns in it
  // than it receives (the rest stay buffered and are dropped after), so these suffice.
  const steadyOrders = Math.min(Math.round(CONFIG.steadyRate * CONFIG.steadySeconds), CONFIG.steadyOrders);
  const orderCount = steadyOrders + e2eTotal;
  // Index ranges: steady [0, steadyOrders), e2e rounds after it. Intake (no workers) cycles over all.
  // Each round's warm-up takes the first CONFIG.e2eWarmup of its orders.
  const e2eFirst = (round) => steadyOrders + round * (CONFIG.e2eWarmup + CONFIG.e2eReturns);

  log(`starting the API on :${port} (database ${DB_NAME}, prefix ${PREFIX})`);
  // The API's event-loop quantiles cover the steady phase's seconds (and at most one before), read as it ends.
  const api = await startChild('api', 'apps/api/src/main.js', serviceEnv({ PORT: String(port), API_EVENT_LOOP_WINDOW: `${CONFIG.steadySeconds}s` }), /listening on/, 90_000);
  out.apiPid = api.proc.pid;

  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  closers.push(() => pg.end());
  const [{ version: pgVersion }] = (await pg.query('SHOW server_version')).rows.map((r) => ({ version: r.server_version }));
  out.postgresVersion = pgVersion;
  out.postgresSettings = Object.fromEntries(
    (await pg.query(`SELECT name, setting FROM pg_settings WHERE name IN ('max_connections','shared_buffers','synchronous_commit','fsync')`)).rows.map((r) => [r.name, r.setting]),
  );

  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))[1]);
  const benchBackend = (await pg.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const pgBackends = async () =>
    (await pg.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()`, [DB_NAME])).rows.map((r) => r.pid);
  // WAL writer, checkpointer, background writer, autovacuum of this database: work our writes cause.
  const pgBackground = async () =>
    (await pg.query(`SELECT pid FROM pg_stat_activity WHERE backend_type <> 'client backend' AND (datname IS NULL OR datname = $1)`, [DB_NAME])).rows.map((r) => r.pid);
  const workers = [];
  const groups = async () => ({
    api: [api.proc.pid],
    workers: workers.map((w) => w.proc.pid),
    redis: [redisPid],
    'postgres (bench db backends)': await pgBackends(),
    'postgres (background)': await pgBackground(),
    'postgres (bench polling)': [benchBackend],
  });

  // The orders every return is judged against: one item each, so no quantity is ever exceeded.
  // The orders every return is judged against: one item each, so no quantity is ever
  // exceeded. The first ones go through PUT /v1/orders/{id} like upstream's; the rest are
  // copies of those made in SQL (new order and customer ids), which saves minutes of setup.
  const putCount = Math.min(orderCount, CONFIG.ordersViaApi);
  log(`PUT ${putCount} orders, then ${orderCount - putCount} copies of them in SQL`);
  {
    let i = 0;
    const t0 = now();
    const { result, sample } = await cannon(
      { url: base, connections: CONFIG.orderConnections, amount: putCount, method: 'PUT', headers: { authorization: 'Bearer dev-upstream', 'content-type': 'application/json' }, timeout: 30 },
      (req) => {
        const n = i++;
        return { ...req, method: 'PUT', path: `/v1/orders/${orderId(n)}`, body: orderBody(n) };
      },
    );
    const ok = statusCount(result, 200);
    const putSeconds = (now() - t0) / 1000;
    if (ok < putCount) throw new Error(`only ${ok} of ${putCount} orders were stored (${result.errors} errors); first bad answer: ${sample}`);
    if (orderCount > putCount) {
      // Copy n takes order n % putCount (putCount is a multiple of 4: the same region).
      await pg.query(
        `INSERT INTO orders
         SELECT (jsonb_populate_record(o, jsonb_build_object(
                  'id', $1 || n, 'customer_id', $2 || n,
                  'customer', o.customer || jsonb_build_object('id', $2 || n),
                  'payment', o.payment || jsonb_build_object('transactionId', $3 || n)))).*
           FROM generate_series($4::int, $5::int) AS n JOIN orders o ON o.id = $1 || (n % $6::int)`,
        [`o-${RUN}-`, `c-${RUN}-`, `T-${RUN}-`, putCount, orderCount - 1, putCount],
      );
    }
    const [{ count }] = (await pg.query('SELECT count(*)::int AS count FROM orders WHERE id LIKE $1', [`o-${RUN}-%`])).rows;
    out.orders = { viaApi: putCount, putPerSecond: round(ok / putSeconds), copiedInSql: orderCount - putCount, stored: count };
    log(`orders stored: ${count} (PUT at ${out.orders.putPerSecond}/s)`);
    if (count < orderCount) throw new Error(`only ${count} of ${orderCount} orders are there`);
  }

  const bull = { connection: newConnection(), opened: [] };
  closers.push(() => bull.connection.disconnect());
  // The service's effective key prefix (a cluster-ready service may wrap it in a hash tag).
  let keyPrefix = PREFIX;
  const queue = (name) => {
    const q = new Queue(name, { connection: bull.connection, prefix: keyPrefix });
    bull.opened.push(q);
    return q;
  };
  closers.push(async () => {
    for (const q of bull.opened) await q.close().catch(() => undefined);
  });
  const discoverPrefix = async () => {
    const [, keys] = await redis.scan('0', 'MATCH', `*${PREFIX}*:intake:*`, 'COUNT', 100_000);
    const key = keys.find((k) => k.includes(':intake:'));
    if (key) keyPrefix = key.slice(0, key.indexOf(':intake:'));
  };
  /** Returns whose judge job waits in `q`: a judge-returns job holds a whole intake batch (`caseIds`), a judge-return job one. */
  const buffered = async (q) => {
    let returns = 0;
    for (const state of ['waiting', 'prioritized', 'paused']) {
      for (let start = 0; ; start += 1000) {
        const jobs = await q.getJobs([state], start, start + 999, true);
        for (const job of jobs) returns += job?.data?.caseIds?.length ?? 1;
        if (jobs.length < 1000) break;
      }
    }
    return returns;
  };
  /**
   * Empties every queue of the service and its outbox (workers stopped, API idle): each
   * phase starts from nothing buffered, and no job of a dropped phase comes back through
   * the outbox sweep.
   */
  const resetQueues = async () => {
    for (const name of QUEUES) {
      const q = queue(name);
      await withTimeout(q.obliterate({ force: true }), 60_000, `emptying queue ${name}`);
      await q.resume();
    }
    await pg.query('DELETE FROM outbox');
  };
  /**
   * Waits (at most 60 s) until the API has answered every request it took: after an
   * overload it still works through requests whose clients gave up.
   */
  const apiDrained = async () => {
    let previous = -1;
    let stable = 0;
    const until = Date.now() + 60_000;
    while (Date.now() < until && stable < 2) {
      const [{ n }] = (await pg.query('SELECT count(*)::int AS n FROM return_requests')).rows;
      stable = n === previous ? stable + 1 : 0;
      previous = n;
      await sleep(1_000);
    }
  };

  // What PostgreSQL (this database; the WAL of the whole server) and Redis (the whole server) did, to divide by returns.
  const dbWork = async () => {
    const [row] = (
      await pg.query(
        `SELECT xact_commit::bigint AS commits, xact_rollback::bigint AS rollbacks, tup_inserted::bigint AS inserted, tup_updated::bigint AS updated,
                tup_deleted::bigint AS deleted, deadlocks::bigint AS deadlocks,
                pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS "walBytes" FROM pg_stat_database WHERE datname = $1`,
        [DB_NAME],
      )
    ).rows;
    return { ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])), redisCommands: await redisCommandsProcessed() };
  };
  // The server's WAL flushes so far (pg_stat_wal, PostgreSQL 14 on; null where it is missing).
  const walSyncs = () =>
    pg.query('SELECT wal_sync::bigint AS n FROM pg_stat_wal').then(
      ({ rows }) => Number(rows[0].n),
      () => null,
    );
  // Batches written per stage, from the API's /metrics (which counts the workers' too): the
  // mean batch size of a phase says how much group commit shared its round trips.
  const batchTotals = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const totals = {};
    for (const [, metric, stage, n] of text.matchAll(/^returns_batch(es|_items)_total\{stage="([^"]+)"\} (\d+)$/gm)) {
      totals[stage] ??= { batches: 0, items: 0 };
      totals[stage][metric === 'es' ? 'batches' : 'items'] = Number(n);
    }
    return totals;
  };
  // How late the API's event loop ran over its last API_EVENT_LOOP_WINDOW (returns_api_event_loop_delay_seconds), in ms.
  const apiEventLoopDelay = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const at = (q) => round(1000 * Number(new RegExp(`^returns_api_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN), 1);
    return { p50Ms: at('0.5'), p99Ms: at('0.99'), maxMs: at('1') };
  };
  const meanBatches = (before, after) =>
    Object.fromEntries(
      Object.entries(after)
        .map(([stage, t]) => [stage, t.batches - (before[stage]?.batches ?? 0), t.items - (before[stage]?.items ?? 0)])
        .filter(([, batches]) => batches > 0)
        .map(([stage, batches, items]) => [stage, { batches, meanSize: round(items / batches, 1) }]),
    );
  /** Per table of this database: index and sequential scans, rows inserted, updated (hot: of them, heap-only updates that touched no index), deleted. */
  const tableWork = async () =>
    Object.fromEntries(
      (await pg.query(`SELECT relname, (coalesce(idx_scan, 0) + seq_scan)::bigint AS scans, n_tup_ins::bigint AS ins, n_tup_upd::bigint AS upd, n_tup_hot_upd::bigint AS hot, n_tup_del::bigint AS del FROM pg_stat_user_tables`)).rows.map(
        (r) => [r.relname, { scans: Number(r.scans), ins: Number(r.ins), upd: Number(r.upd), hot: Number(r.hot), del: Number(r.del) }],
      ),
    );
  const tablesPerUnit = (a, b, units) => {
    const out = {};
    for (const [name, end] of Object.entries(b)) {
      const d = Object.fromEntries(Object.entries(end).map(([k, v]) => [k, v - (a[name]?.[k] ?? 0)]));
      if (d.scans + d.ins + d.upd + d.del > 0 && units) out[name] = Object.fromEntries(Object.entries(d).filter(([, v]) => v).map(([k, v]) => [k, round(v / units, 2)]));
    }
    return out;
  };
  /**
   * PostgreSQL backends publish their statistics at most once a second while busy and 10 s
   * after their last statement when idle (or when they exit): wait for that before reading.
   */
  let lastApiActivity = Date.now();
  const statsSettled = async () => {
    const wait = lastApiActivity + 10_500 - Date.now();
    if (wait > 0) await sleep(wait);
  };
  const perUnit = (a, b, units) => Object.fromEntries(Object.keys(a).map((k) => [k, units ? round((b[k] - a[k]) / units, 1) : null]));
  /** Job counts of every queue and a few failure reasons: where a round's work stands. */
  const queueState = async () => {
    const state = {};
    for (const name of QUEUES) {
      const q = queue(name);
      const counts = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
      const reasons = new Set();
      for (const job of [...(await q.getFailed(0, 2)), ...(await q.getDelayed(0, 20))]) if (job?.failedReason) reasons.add(job.failedReason.slice(0, 200));
      state[name] = { ...counts, ...(reasons.size ? { failureSamples: [...reasons].slice(0, 3) } : {}) };
    }
    return state;
  };

  // a. intake throughput, no workers
  if (CONFIG.phases.includes('intake')) {
    log(`a. intake throughput: ${CONFIG.intakeConnections} connections for ${CONFIG.intakeSeconds} s, no workers (generator: ${CONFIG.intakeClient})`);
    let i = 0;
    const make = (req) => {
      const n = i++;
      return { ...req, headers: { ...req.headers, 'idempotency-key': `a-${RUN}-${n}` }, body: returnBody(n % orderCount) };
    };
    const headers = { authorization: 'Bearer dev-portal', 'content-type': 'application/json' };
    const cannonBase = { url: `${base}/v1/returns`, method: 'POST', headers, timeout: 30 };
    const load = (connections, seconds) =>
      CONFIG.intakeClient === 'autocannon'
        ? cannon({ ...cannonBase, connections, duration: seconds }, make)
        : closedLoop({ host: '127.0.0.1', port, connections, seconds }, () => make({ headers }));
    // warm-up (JIT, pools, Lua scripts), then the measured run
    await load(16, QUICK ? 2 : 3);
    await discoverPrefix();
    const intake = queue('intake');
    lastApiActivity = Date.now();
    await statsSettled();
    const work0 = await dbWork();
    const tables0 = await tableWork();
    const k0 = await keyBytes(`${keyPrefix}:intake:*`);
    const m0 = await settledMemory();
    const b0 = await buffered(intake);
    const batches0 = await batchTotals();
    const probe = await cpuProbe(groups);
    const waits = PG_WAITS ? pgWaitSampler() : null;
    const apiThread = schedProbe(api.proc.pid);
    const { result, sample } = await load(CONFIG.intakeConnections, CONFIG.intakeSeconds);
    const apiSched = apiThread();
    const cpu = await probe();
    const pgWaits = waits && (await waits());
    const batches = meanBatches(batches0, await batchTotals());
    const m1 = await settledMemory();
    const b1 = await buffered(intake);
    const k1 = await keyBytes(`${keyPrefix}:intake:*`);
    lastApiActivity = Date.now();
    await statsSettled();
    const work1 = await dbWork();
    const tables1 = await tableWork();
    const accepted = statusCount(result, 202);
    const seconds = result.duration || CONFIG.intakeSeconds;
    out.intake = {
      generator: CONFIG.intakeClient,
      connections: CONFIG.intakeConnections,
      seconds: round(seconds, 2),
      accepted,
      acceptedPerSecond: round(accepted / seconds),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      maxMs: result.latency.max,
      non202: result.requests.total - accepted,
      errors: result.errors,
      timeouts: result.timeouts,
      firstBadAnswer: sample,
      perRequest: perUnit(work0, work1, result.requests.total),
      tablesPerRequest: tablesPerUnit(tables0, tables1, result.requests.total),
      cpuCost: cpuCost(cpu, accepted),
      batches,
      cpu,
      apiMainThread: apiSched,
      ...(pgWaits && { pgWaits }),
    };
    out.redisPerReturn = {
      buffered: b1 - b0,
      usedMemoryDelta: m1 - m0,
      bytesPerReturn: b1 > b0 ? round((m1 - m0) / (b1 - b0)) : null,
      keyBytesPerReturn: b1 > b0 ? round((k1.bytes - k0.bytes) / (b1 - b0)) : null,
      bufferedTotal: b1,
    };
    log(`intake: ${out.intake.acceptedPerSecond} 202/s, p50 ${out.intake.p50Ms} ms, p99 ${out.intake.p99Ms} ms, ${out.intake.non202} non-202, ${out.intake.errors} errors`);
    log(`Redis bytes per buffered return: ${out.redisPerReturn.bytesPerReturn} (used_memory delta over ${out.redisPerReturn.buffered} returns waiting; MEMORY USAGE of the intake keys: ${out.redisPerReturn.keyBytesPerReturn})`);
    log(`cpu during intake: ${cpuLine(cpu)}`);
    log(`intake: the API's main thread ${schedLine(apiSched)}`);
    if (pgWaits) log(`postgres sessions during intake (BENCH_PG_WAITS, share of their active samples): ${pgWaitsLine(pgWaits)}`);
    log(`per request: ${JSON.stringify(out.intake.perRequest)} (PostgreSQL of this database; Redis commands of the whole server)`);
    log(`batches: ${JSON.stringify(batches)}`);
    log(`cpu ms per 202: ${JSON.stringify(out.intake.cpuCost?.msPerUnit)} = ${out.intake.cpuCost?.totalMs} ms: at most ~${out.intake.cpuCost?.ceilingPerSecond}/s on ${os.cpus().length} otherwise idle cores`);
    await resetQueues();
  }

  // `round` names the log files, so each phase keeps its own (steady-worker-1.log, e2e2-worker-2.log).
  const startWorkers = async (round, n, poolSize, extraEnv = {}) => {
    const started = await Promise.all(
      Array.from({ length: n }, (_, k) =>
        startChild(`${round}-worker-${workers.length + k + 1}`, 'apps/worker/src/main.js', serviceEnv({ DATABASE_POOL_SIZE: String(poolSize), ...extraEnv }), /serving queues/, 90_000),
      ),
    );
    workers.push(...started);
    return started;
  };
  const stopWorkers = async () => {
    await Promise.all(workers.map((w) => stopChild(w)));
    workers.length = 0;
  };

  // the intake's yardstick, measured again now that the phase is over (see `bracket`)
  if (CONFIG.phases.includes('intake')) out.concurrentAddAfter = await baselineAgain(measureConcurrentAdd);

  // b. steady offered load while one worker process drains
  if (CONFIG.phases.includes('steady')) {
    log(`b. steady load: ${CONFIG.steadyRate} requests/s for ${CONFIG.steadySeconds} s while 1 worker process (nice ${CONFIG.steadyWorkerNice}) drains`);
    await startWorkers('steady', 1, 20, { WORKER_NICE: String(CONFIG.steadyWorkerNice) });
    // One keep-alive pool for the warm-up and the measured run: the measured run finds its connections open.
    const client = new RawHttpPool(new URL(base).hostname, Number(new URL(base).port));
    const warmup = await steadyLoad(client, CONFIG.steadyRate, CONFIG.steadyWarmupSeconds, (i) => i % steadyOrders, CONFIG.steadyMaxInFlight, { keyPrefix: 'w' });
    log(`steady warm-up (${CONFIG.steadyWarmupSeconds} s, not in the figures): p50 ${warmup.p50Ms} ms, p99 ${warmup.p99Ms} ms, max ${warmup.maxMs} ms, ${warmup.non202} non-202`);
    const [{ judged: judged0 }] = (await pg.query('SELECT count(*)::int AS judged FROM return_cases')).rows;
    const probe = await cpuProbe(groups);
    const waits = PG_WAITS ? pgWaitSampler() : null;
    const [batches0, syncs0, t0] = [await batchTotals(), await walSyncs(), now()];
    const apiThread = schedProbe(api.proc.pid);
    const r = await steadyLoad(client, CONFIG.steadyRate, CONFIG.steadySeconds, (i) => i % steadyOrders, CONFIG.steadyMaxInFlight);
    r.apiMainThread = apiThread();
    const syncs1 = await walSyncs();
    r.walSyncsPerSecond = syncs0 === null || syncs1 === null ? null : round((syncs1 - syncs0) / ((now() - t0) / 1000));
    r.batches = meanBatches(batches0, await batchTotals());
    r.apiEventLoopDelay = await apiEventLoopDelay();
    if (waits) r.pgWaits = await waits();
    r.connections = client.open;
    client.destroy();
    r.warmup = warmup;
    lastApiActivity = Date.now();
    const cpu = await probe();
    const [{ judged }] = (await pg.query('SELECT count(*)::int AS judged FROM return_cases')).rows;
    r.judgedMeanwhile = judged - judged0;
    r.intakeBacklogAfter = await buffered(queue('intake'));
    r.cpu = cpu;
    out.steady = r;
    log(`steady: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, achieved ${r.achievedPerSecond}/s, ${r.non202} non-202; worker judged ${r.judgedMeanwhile}, backlog ${r.intakeBacklogAfter}`);
    log(`steady: worst latency of the requests due in each second (ms): ${r.worstMsBySecond.join(" ")}`);
    const loop = r.apiEventLoopDelay;
    log(`steady: the API's event loop ran late by p50 ${loop.p50Ms} ms, p99 ${loop.p99Ms} ms, at most ${loop.maxMs} ms (time a request waits for the API process's turn on a CPU, or behind another's work)`);
    log(`steady: the API's main thread ${schedLine(r.apiMainThread)}`);
    log(`cpu during steady load: ${cpuLine(cpu)}`);
    // Each commit waits for a WAL flush: how many the server made, and how many requests an intake batch (one commit) held.
    log(`steady: batches ${JSON.stringify(r.batches)}; the server's WAL syncs ${r.walSyncsPerSecond ?? 'unknown'}/s (pg_stat_wal)`);
    if (r.pgWaits) log(`postgres sessions during the steady load (BENCH_PG_WAITS, share of their active samples): ${pgWaitsLine(r.pgWaits)}`);
    await apiDrained();
    lastApiActivity = Date.now();
    await stopWorkers();
    await resetQueues();
  }

  /**
   * Posts `count` returns (orders from `first`) and waits until every one is booked and its
   * label or pickup message sent, at most `limitMs`: the warm-up before each timed round.
   */
  const e2eRound = async (first, count, keyPrefix, limitMs) => {
    const since = (await pg.query('SELECT now() AS t')).rows[0].t;
    const t0 = now();
    let i = 0;
    const posting = cannon(
      { url: `${base}/v1/returns`, method: 'POST', connections: CONFIG.e2eConnections, amount: count, timeout: 30, headers: { authorization: 'Bearer dev-portal', 'content-type': 'application/json' } },
      (req) => {
        const k = first + i++;
        return { ...req, headers: { ...req.headers, 'idempotency-key': `${keyPrefix}-${RUN}-${k}` }, body: returnBody(k) };
      },
    );
    let finished = false;
    while (!finished && now() - t0 < limitMs) {
      await sleep(CONFIG.pollMs);
      const [{ told }] = (
        await pg.query(
          `SELECT count(DISTINCT n.case_id)::int AS told FROM notifications n JOIN return_cases c ON c.id = n.case_id
            WHERE c.created_at >= $1 AND c.status = 'AWAITING_SHIPMENT' AND n.status = 'SENT' AND n.event IN ('label.ready', 'pickup.booked')`,
          [since],
        )
      ).rows;
      finished = told >= count;
    }
    await withTimeout(posting, 60_000, 'posting the warm-up returns');
    const seconds = (now() - t0) / 1000;
    return { returns: count, finished, seconds: round(seconds, 2), returnsPerSecond: round(count / seconds, 1) };
  };

  // c. end to end with 1, 2, 4 worker processes
  for (const [roundNo, n] of CONFIG.phases.includes('e2e') ? CONFIG.e2eWorkers.entries() : []) {
    // Keep a minute for the report and the clean-up within BENCH_DEADLINE.
    const budgetMs = CONFIG.deadlineSeconds * 1000 - 60_000 - (Date.now() - STARTED) - 25_000;
    if (budgetMs < 20_000) {
      log(`c. end to end with ${n} worker process(es): skipped, the run's time budget (BENCH_DEADLINE ${CONFIG.deadlineSeconds} s) is spent`);
      out.e2eSkipped = [...(out.e2eSkipped ?? []), n];
      continue;
    }
    const count = CONFIG.e2eReturns;
    // 20 connections each (the service's default), fewer with many processes so that all of
    // them and the API stay under max_connections (100) - but never fewer than 17: a worker
    // whose pool is not larger than INTAKE_CONCURRENCY (16) can hang for good (see README).
    const poolSize = CONFIG.workerPoolSize ?? Math.max(17, Math.min(20, Math.floor(72 / n)));
    log(`c. end to end: ${count} returns with ${n} worker process(es) (pool ${poolSize} each)`);
    await startWorkers(`e2e${n}`, n, poolSize);
    await sleep(500);
    // Warm-up: the worker processes are new, and their first returns pay for compiling the
    // code, opening the pool's connections and preparing statements; the bare pipeline the
    // round is compared with runs in the bench's own process, warm from the baselines.
    const warmup = CONFIG.e2eWarmup ? await e2eRound(e2eFirst(roundNo), CONFIG.e2eWarmup, 'ew', 60_000) : null;
    if (warmup) log(`e2e ${n} worker(s) warm-up (not in the figures): ${CONFIG.e2eWarmup} returns booked and told in ${warmup.seconds} s (${warmup.returnsPerSecond}/s)${warmup.finished ? '' : ', NOT FINISHED'}`);
    const first = e2eFirst(roundNo) + CONFIG.e2eWarmup;
    // Every case of this round is created after `since` (earlier phases are over and their
    // queues emptied), so one range scan of the newest-first index counts them. The
    // notifications are counted only once every case awaits shipment: the poll stays cheap
    // and leaves the per-table figures to the service.
    const since = (await pg.query('SELECT now() AS t')).rows[0].t;
    const casesQuery = `SELECT count(*)::int AS cases, count(*) FILTER (WHERE status = 'AWAITING_SHIPMENT')::int AS awaiting
      FROM return_cases WHERE created_at >= $1`;
    const toldQuery = `SELECT count(DISTINCT case_id) FILTER (WHERE status = 'SENT')::int AS told, count(*) FILTER (WHERE status <> 'SENT')::int AS untold
      FROM notifications WHERE created_at >= $1 AND event IN ('label.ready', 'pickup.booked')`;
    const probe = await cpuProbe(groups);
    await statsSettled();
    const work0 = await dbWork();
    const tables0 = await tableWork();
    const batches0 = await batchTotals();
    let i = 0;
    const t0 = now();
    // The wall clock of the first POST, for the stage-done times below (PostgreSQL runs on
    // this machine, so its clock is this one).
    const postsFrom = new Date();
    const progress = [];
    let nextMark = 0;
    const posting = cannon(
      { url: `${base}/v1/returns`, method: 'POST', connections: CONFIG.e2eConnections, amount: count, timeout: 30, headers: { authorization: 'Bearer dev-portal', 'content-type': 'application/json' } },
      (req) => {
        const k = first + i++;
        return { ...req, headers: { ...req.headers, 'idempotency-key': `e-${RUN}-${k}` }, body: returnBody(k) };
      },
    ).then((r) => ({ ...r, at: now() }));
    let last = { cases: 0, awaiting: 0, told: 0, untold: 0 };
    const poll = async (withTold) => {
      const c = (await pg.query(casesQuery, [since])).rows[0];
      const t = withTold || c.awaiting >= count ? (await pg.query(toldQuery, [since])).rows[0] : { told: last.told, untold: last.untold };
      last = { ...c, ...t };
    };
    let doneAt = null;
    let stalled = false;
    let lastChange = now();
    let lastKey = '';
    const deadline = t0 + Math.min(CONFIG.e2eTimeoutSeconds * 1000, budgetMs);
    while (now() < deadline) {
      await sleep(CONFIG.pollMs);
      const t = (now() - t0) / 1000;
      await poll(t >= nextMark && nextMark % 10 === 0);
      if (t >= nextMark) {
        progress.push({ t: round(t, 1), cases: last.cases, awaiting: last.awaiting, told: last.told });
        if (nextMark > 0 && nextMark % 10 === 0) log(`  ${nextMark} s: ${last.cases} judged, ${last.awaiting} awaiting shipment, ${last.told} told`);
        nextMark += 1;
      }
      if (last.awaiting >= count && last.told >= count && last.untold === 0) {
        doneAt = now();
        break;
      }
      const key = `${last.cases}/${last.awaiting}/${last.told}`;
      if (key !== lastKey) {
        lastKey = key;
        lastChange = now();
      } else if (now() - lastChange > 30_000 && now() - t0 > 40_000) {
        stalled = true;
        log(`  no progress for 30 s (${last.cases} judged, ${last.awaiting} awaiting shipment): ending the round`);
        break;
      }
    }
    const endedAt = doneAt ?? now();
    if (doneAt === null) await poll(true);
    const post = await withTimeout(posting, 60_000, 'posting the returns');
    lastApiActivity = Date.now(); // roughly: the API's last statements were the last POSTs
    const cpu = await probe();
    const queues = await queueState();
    // A stopped worker's batch statistics leave /metrics with it: read them once more published, first.
    await sleep(1_500);
    const batches = meanBatches(batches0, await batchTotals());
    // Workers that exit flush their statistics; the API's idle connections flush 10 s after their last statement.
    await stopWorkers();
    await statsSettled();
    const work = perUnit(work0, await dbWork(), Math.min(last.awaiting, last.told) || last.cases);
    const tables = tablesPerUnit(tables0, await tableWork(), Math.min(last.awaiting, last.told) || last.cases);
    const byStatus = Object.fromEntries(
      (await pg.query('SELECT status, count(*)::int AS n FROM return_cases WHERE created_at >= $1 GROUP BY status', [since])).rows.map((r) => [r.status, r.n]),
    );
    // When each stage finished its last return of the round, in seconds after the first POST:
    // the stage whose line ends long after the one before it is where the returns waited.
    const [stages] = (
      await pg.query(
        `SELECT extract(epoch FROM (SELECT max(created_at) FROM return_requests WHERE created_at >= $1) - $2::timestamptz) AS accepted,
                extract(epoch FROM (SELECT max(t.at) FROM case_timeline t JOIN return_cases c ON c.id = t.case_id
                                     WHERE c.created_at >= $1 AND t.from_status = 'REQUESTED') - $2::timestamptz) AS judged,
                extract(epoch FROM (SELECT max(created_at) FROM shipments WHERE created_at >= $1) - $2::timestamptz) AS booked,
                extract(epoch FROM (SELECT max(sent_at) FROM notifications WHERE created_at >= $1 AND event IN ('label.ready', 'pickup.booked')) - $2::timestamptz) AS told`,
        [since, postsFrom],
      )
    ).rows;
    const stageDoneSeconds = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v === null ? null : round(Number(v), 2)]));
    // A finished round ends when its last return was told (the message's sent_at, on this
    // machine's clock), not at the poll that saw it, up to `pollMs` later: 6% of a 3 s round.
    const elapsed =
      doneAt !== null && stages.told !== null ? Math.max(Number(stages.told), Number(stages.booked ?? 0)) : (endedAt - t0) / 1000;
    const accepted = statusCount(post.result, 202);
    const r = {
      workers: n,
      poolSizeEach: poolSize,
      returns: count,
      accepted,
      postSeconds: round((post.at - t0) / 1000, 2),
      postPerSecond: round((accepted * 1000) / (post.at - t0)),
      completed: Math.min(last.awaiting, last.told),
      finished: doneAt !== null,
      stalled,
      seconds: round(elapsed, 2),
      returnsPerSecond: round((doneAt !== null ? count : Math.min(last.awaiting, last.told)) / elapsed, 1),
      byStatus,
      stageDoneSeconds,
      warmup,
      firstBadAnswer: post.sample,
      perReturn: work,
      tablesPerReturn: tables,
      batches,
      cpuCost: cpuCost(cpu, Math.min(last.awaiting, last.told)),
      queuesAtEnd: queues,
      progress,
      cpu,
    };
    out.e2e.push(r);
    log(
      `e2e ${n} worker(s): ${r.returnsPerSecond} returns/s (${r.completed}/${count} booked and told in ${r.seconds} s${r.finished ? '' : r.stalled ? ', STALLED: no progress for 30 s' : ', TIMED OUT'}); statuses ${JSON.stringify(byStatus)}`,
    );
    log(`last return of each stage done at (s after the first POST): ${JSON.stringify(stageDoneSeconds)}; POSTs ${r.postPerSecond}/s, p50 ${post.result.latency.p50} ms, p99 ${post.result.latency.p99} ms`);
    log(`cpu during e2e: ${cpuLine(cpu)}`);
    log(`per return: ${JSON.stringify(work)} (PostgreSQL of this database; Redis commands of the whole server)`);
    log(`batches: ${JSON.stringify(batches)}`);
    log(`per return, by table: ${Object.entries(tables).map(([t, d]) => `${t} ${Object.entries(d).map(([k, v]) => `${k} ${v}`).join(' ')}`).join('; ')}`);
    log(`cpu ms per return: ${JSON.stringify(r.cpuCost?.msPerUnit)} = ${r.cpuCost?.totalMs} ms: at most ~${r.cpuCost?.ceilingPerSecond}/s on ${os.cpus().length} otherwise idle cores`);
    // timers hold the ship-back deadlines (delayed by days): not work left.
    const stuck = Object.entries(queues).filter(([name, c]) => c.waiting + c.prioritized + c.active + c.failed > 0 || (name !== 'timers' && c.delayed > 0));
    if (!r.finished) log(`queues at the end: ${JSON.stringify(Object.fromEntries(stuck))}`);
    await resetQueues();
  }
  if (out.e2e.length) out.pipelineAfter = await baselineAgain(measurePipeline);

  await stopChild(api);
  return out;
}

// ---------------------------------------------------------------------------- report

function machineInfo(redisInfo, pgVersion) {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    serviceNodeArgs: SERVICE_NODE_ARGS,
    bullmq: require('bullmq/package.json').version,
    redis: /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? 'unknown',
    redisAppendonly: null,
    postgres: pgVersion,
  };
}

/**
 * The yardstick a ratio is taken against: the mean of a baseline's sample before the service
 * phases and its sample right after the phase it is compared with, when there is one. This
 * VM's speed moved 30-40% between minutes; one sample measured the moment as much as the
 * service. The mean is of rates and of CPU ms per job alike.
 */
function bracket(before, after) {
  const mean = (a, c) => (a === null || a === undefined ? c : c === null || c === undefined ? a : (a + c) / 2);
  const cpuMs = mean(before.cpuCost?.totalMs ?? null, after?.cpuCost?.totalMs ?? null);
  return {
    jobsPerSecond: round(mean(before.jobsPerSecond, after?.jobsPerSecond)),
    samples: after ? [before.jobsPerSecond, after.jobsPerSecond] : [before.jobsPerSecond],
    cpuMs: cpuMs === null ? null : round(cpuMs, 3),
    ceilingPerSecond: cpuMs ? round((os.cpus().length * 1000) / cpuMs) : null,
    redisCommandsPerJob: before.redisCommandsPerJob === undefined ? null : round(mean(before.redisCommandsPerJob, after?.redisCommandsPerJob), 1),
  };
}

function yardsticks(b, s) {
  return { add: bracket(b.concurrentAdd, s?.concurrentAddAfter), pipeline: bracket(b.pipeline, s?.pipelineAfter) };
}

function evaluate(b, s) {
  const rows = [];
  const y = yardsticks(b, s);
  const named = (what, stick) => (stick.samples.length > 1 ? `${what}, mean` : what);
  const ratio = (a, c) => (a === null || a === undefined || !c ? null : a / c);
  const pct = (r) => (r === null ? '-' : `${(100 * r).toFixed(1)}%`);
  const verdict = (pass, prefix = '') => (pass === null ? '' : `${prefix}${pass ? 'PASS' : 'MISS'}`);
  const add = (figure, value, unit, baselineName, baselineValue, r, target, result = '') =>
    rows.push({ figure, value, unit, baseline: baselineName, baselineValue, ratio: r, ratioText: pct(r), target, result });
  const section = (title) => rows.push({ section: title });

  section('baselines: bare BullMQ');
  add('bare concurrent add', b.concurrentAdd.jobsPerSecond, 'jobs/s', '', null, null, '');
  add('bare addBulk', b.addBulk.jobsPerSecond, 'jobs/s', '', null, null, '');
  add('bare awaited add, one at a time', b.serialAdd.jobsPerSecond, 'jobs/s', '', null, null, '');
  add(`bare no-op processing (concurrency ${b.noopProcessing.concurrency})`, b.noopProcessing.jobsPerSecond, 'jobs/s', '', null, null, '');
  add('bare three-queue pipeline, end to end', b.pipeline.jobsPerSecond, 'jobs/s', '', null, null, '');
  if (s?.concurrentAddAfter) add('bare concurrent add, again after intake', s.concurrentAddAfter.jobsPerSecond, 'jobs/s', '', null, null, '');
  if (s?.pipelineAfter) add('bare pipeline, again after end to end', s.pipelineAfter.jobsPerSecond, 'jobs/s', '', null, null, '');
  add('bare Redis bytes per waiting job', b.redisBytesPerJob.bytesPerJob, 'B', '', null, null, '');
  if (!s) return rows;

  section('the service, measured');
  if (s.intake) {
    const r = ratio(s.intake.acceptedPerSecond, y.add.jobsPerSecond);
    add(`intake 202/s (${s.intake.connections} conns, no workers)`, s.intake.acceptedPerSecond, '202/s', named('bare concurrent add', y.add), y.add.jobsPerSecond, r, `>= ${TARGETS.intakeShareOfAdd * 100}% of add`, verdict(r !== null && r >= TARGETS.intakeShareOfAdd));
    add('intake latency p50 / p99 (saturated)', `${s.intake.p50Ms} / ${s.intake.p99Ms}`, 'ms', '', null, null, '');
    add('intake non-202 + errors (saturated)', s.intake.non202 + s.intake.errors, '', '', null, null, '');
    const rp = s.redisPerReturn.bytesPerReturn;
    add('Redis bytes per buffered return', rp, 'B', 'bare bytes per job', b.redisBytesPerJob.bytesPerJob, ratio(rp, b.redisBytesPerJob.bytesPerJob), `<= ${TARGETS.redisBytesPerReturn} B`, verdict(rp !== null && rp <= TARGETS.redisBytesPerReturn));
    const kp = s.redisPerReturn.keyBytesPerReturn;
    add('  cross-check: MEMORY USAGE of its keys', kp, 'B', 'bare, same way', b.redisBytesPerJob.keyBytesPerJob, ratio(kp, b.redisBytesPerJob.keyBytesPerJob), '', '');
  }
  if (s.steady) {
    const st = s.steady;
    add(`steady ${st.offeredPerSecond} rps, 1 worker: p50`, st.p50Ms, 'ms', '', null, null, '');
    add(`steady ${st.offeredPerSecond} rps, 1 worker: p99`, st.p99Ms, 'ms', '', null, null, `< ${TARGETS.steadyP99Ms} ms, all 202`, verdict(st.p99Ms !== null && st.p99Ms < TARGETS.steadyP99Ms && st.non202 === 0));
    add(`steady ${st.offeredPerSecond} rps: achieved`, st.achievedPerSecond, '202/s', 'offered', st.offeredPerSecond, ratio(st.achievedPerSecond, st.offeredPerSecond), '');
    add(`steady ${st.offeredPerSecond} rps: non-202 / errors`, `${st.non202} / ${st.errors}`, '', '', null, null, '');
    // The p99 target has no baseline: how heavy the fixed rate is for this machine, to compare runs on machines of other speeds.
    add(`steady ${st.offeredPerSecond} rps: the load, for this machine`, st.offeredPerSecond, 'req/s', named('bare concurrent add', y.add), y.add.jobsPerSecond, ratio(st.offeredPerSecond, y.add.jobsPerSecond), '');
  }
  const one = s.e2e.find((r) => r.workers === 1);
  for (const r of s.e2e) {
    const e2eRatio = ratio(r.returnsPerSecond, y.pipeline.jobsPerSecond);
    const scale = one && r.workers !== 1 ? ` (x${(r.returnsPerSecond / one.returnsPerSecond).toFixed(2)} of 1)` : '';
    add(
      `end to end, ${r.workers} worker process${r.workers > 1 ? 'es' : ''}${r.finished ? '' : r.stalled ? ' (STALLED)' : ' (timed out)'}${scale}`,
      r.returnsPerSecond,
      'returns/s',
      named('bare pipeline', y.pipeline),
      y.pipeline.jobsPerSecond,
      e2eRatio,
      r.workers === 1 ? `>= ${TARGETS.e2eShareOfPipeline * 100}% of pipeline` : '',
      r.workers === 1 ? verdict(r.finished && e2eRatio >= TARGETS.e2eShareOfPipeline) : '',
    );
  }

  // What Redis runs for a return against a bare item: BullMQ's share of the budget (bench/README, "The budget").
  const commands = one?.perReturn?.redisCommands;
  if (commands && y.pipeline.redisCommandsPerJob) {
    add('Redis commands per return, 1 worker', round(commands, 1), 'commands', named('bare pipeline item', y.pipeline), y.pipeline.redisCommandsPerJob, ratio(commands, y.pipeline.redisCommandsPerJob), '');
  }

  // CPU spent per unit of work: what the machine could do were it ours alone.
  section('CPU cost per unit (contention-independent estimate: cores x 1000 ms / ms per unit)');
  const addCost = y.add.cpuMs ? { totalMs: y.add.cpuMs, ceilingPerSecond: y.add.ceilingPerSecond } : null;
  const pipeCost = y.pipeline.cpuMs ? { totalMs: y.pipeline.cpuMs, ceilingPerSecond: y.pipeline.ceilingPerSecond } : null;
  if (addCost) add(named('bare concurrent add: CPU ms per job', y.add), addCost.totalMs, 'ms', '', null, null, `ceiling ${addCost.ceilingPerSecond}/s`);
  if (pipeCost) add(named('bare pipeline: CPU ms per job', y.pipeline), pipeCost.totalMs, 'ms', '', null, null, `ceiling ${pipeCost.ceilingPerSecond}/s`);
  if (s.intake?.cpuCost && addCost) {
    const c = s.intake.cpuCost;
    const r = ratio(addCost.totalMs, c.totalMs);
    add('intake: CPU ms per 202 (api+redis+postgres)', c.totalMs, 'ms', 'bare add ms', addCost.totalMs, r, `ceiling ${c.ceilingPerSecond}/s`, verdict(r >= TARGETS.intakeShareOfAdd, 'est. '));
  }
  if (one?.cpuCost && pipeCost) {
    const c = one.cpuCost;
    const r = ratio(pipeCost.totalMs, c.totalMs);
    add('end to end, 1 worker: CPU ms per return', c.totalMs, 'ms', 'bare pipeline ms', pipeCost.totalMs, r, `ceiling ${c.ceilingPerSecond}/s`, verdict(r >= TARGETS.e2eShareOfPipeline, 'est. '));
  }
  return rows;
}

function printTable(rows, machine) {
  const header = ['figure', 'value', 'unit', 'baseline', 'ratio', 'target', 'result'];
  const data = rows.filter((r) => !r.section);
  const cellsOf = (r) => [
    r.figure,
    String(r.value ?? '-'),
    r.unit,
    r.baselineValue === null || r.baselineValue === undefined ? '' : `${r.baseline} ${r.baselineValue}`,
    r.ratio === null ? '' : r.ratioText,
    r.target,
    r.result,
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...data.map((r) => cellsOf(r)[i].length)));
  const line = (c) => c.map((v, i) => (i === 1 || i === 4 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join(' | ').trimEnd();
  console.log('');
  console.log(`machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}; node ${machine.node} (service: ${machine.serviceNodeArgs.join(' ') || 'no flags'}), BullMQ ${machine.bullmq}, Redis ${machine.redis} (appendonly ${machine.redisAppendonly ? 'yes' : 'no'}, ${machine.redisMaxmemoryPolicy}), PostgreSQL ${machine.postgres}`);
  console.log(line(header));
  for (const r of rows) {
    if (r.section) console.log(`${widths.map((w) => '-'.repeat(w)).join('-+-')}\n${r.section}`);
    else console.log(line(cellsOf(r)));
  }
  console.log('');
}

/** Steal past this share of all cores marks a phase's figures as taken on a contended VM. */
const STEAL_WARNING_PERCENT = 10;

/**
 * Phases during which processes not of this run took more than a quarter of a core, or the
 * hypervisor kept more than STEAL_WARNING_PERCENT of the VM's CPU time for other guests.
 */
function contention(report) {
  const phases = [];
  const s = report.service;
  if (report.baselines?.cpu) phases.push(['the baselines', report.baselines.cpu]);
  if (s?.intake) phases.push(['intake', s.intake.cpu]);
  if (s?.steady) phases.push(['the steady load', s.steady.cpu]);
  for (const r of s?.e2e ?? []) phases.push([`end to end with ${r.workers} worker(s)`, r.cpu]);
  return phases
    .map(([phase, cpu]) => ({
      phase,
      otherPercentOfOneCore: round((cpu?.percentOfOneCore['other processes'] ?? 0) + (cpu?.percentOfOneCore['postgres (other databases)'] ?? 0)),
      top: cpu?.otherProcesses ?? [],
      stolenPercentOfAllCores: cpu?.stolenPercentOfAllCores ?? 0,
    }))
    .filter((c) => c.otherPercentOfOneCore > 25 || c.stolenPercentOfAllCores > STEAL_WARNING_PERCENT);
}

// ---------------------------------------------------------------------------- SVG chart

function escapeXml(s) {
  return String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
}

/**
 * A hand-written SVG, three panels on log scales: measured throughput (baselines grey,
 * service orange), each ratio against its target, and the CPU-cost ceilings.
 */
function chart(report) {
  const b = report.baselines;
  const s = report.service;
  const stick = yardsticks(b, s);
  const W = 900;
  const x0 = 270;
  const plotW = W - x0 - 100;
  const parts = [];
  let y = 24;
  const text = (x, yy, t, attrs = '') => parts.push(`<text x="${x}" y="${yy}" ${attrs}>${escapeXml(t)}</text>`);
  const m = report.machine;
  text(20, y, `npm run bench ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${m.cpus} x ${m.cpuModel}, node ${m.node}, Redis ${m.redis}, PostgreSQL ${String(m.postgres).split(' ')[0]}`, 'font-size="13" font-weight="bold"');
  y += 22;

  /** One panel of horizontal bars on a log scale from 10^lo to 10^hi. */
  function panel(title, bars, lo, hi, format) {
    text(20, y, title, 'font-size="12" font-weight="bold"');
    y += 10;
    const xOf = (v) => x0 + ((Math.log10(Math.min(Math.max(v, 10 ** lo), 10 ** hi)) - lo) / (hi - lo)) * plotW;
    const top = y;
    const height = bars.length * 22;
    for (let p = lo; p <= hi; p++) {
      const x = xOf(10 ** p);
      parts.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + height}" stroke="#ddd"/>`);
      text(x - 12, top + height + 12, format(10 ** p), 'font-size="10" fill="#666"');
    }
    for (const bar of bars) {
      text(20, y + 15, bar.label, 'font-size="11"');
      const w = Math.max(1, xOf(bar.value || 10 ** lo) - x0);
      parts.push(`<rect x="${x0}" y="${y + 4}" width="${w.toFixed(1)}" height="15" fill="${bar.color}"/>`);
      if (bar.target !== undefined) parts.push(`<line x1="${xOf(bar.target).toFixed(1)}" y1="${y + 1}" x2="${xOf(bar.target).toFixed(1)}" y2="${y + 22}" stroke="#000" stroke-width="2"/>`);
      text(x0 + w + 5, y + 15, bar.text ?? String(bar.value ?? '-'), 'font-size="11"');
      y += 22;
    }
    y += 34;
  }
  const grey = '#9aa5b1';
  const orange = '#f08c00';
  const count = (v) => (v >= 1 ? v.toLocaleString('en-US') : String(v));

  const measured = [
    { label: 'bare concurrent add', value: b.concurrentAdd.jobsPerSecond, color: grey },
    { label: 'bare addBulk', value: b.addBulk.jobsPerSecond, color: grey },
    { label: 'bare awaited add', value: b.serialAdd.jobsPerSecond, color: grey },
    { label: 'bare no-op processing', value: b.noopProcessing.jobsPerSecond, color: grey },
    { label: 'bare 3-queue pipeline', value: b.pipeline.jobsPerSecond, color: grey },
  ];
  if (s?.intake) measured.push({ label: 'intake 202/s', value: s.intake.acceptedPerSecond, color: orange });
  if (s?.steady) measured.push({ label: `steady ${s.steady.offeredPerSecond} rps: achieved`, value: s.steady.achievedPerSecond, color: orange });
  for (const r of s?.e2e ?? []) measured.push({ label: `end to end, ${r.workers} worker${r.workers > 1 ? 's' : ''}${r.finished ? '' : ' (timed out)'}`, value: r.returnsPerSecond, color: orange });
  panel('Measured, per second (grey: bare BullMQ; orange: the service)', measured, 0, 5, count);

  if (s) {
    const one = s.e2e.find((r) => r.workers === 1);
    const ratios = [];
    const ratioBar = (label, value, target, higherIsBetter) => {
      const met = target === undefined ? null : higherIsBetter ? value >= target : value <= target;
      ratios.push({ label, value, target, color: met === null ? orange : met ? '#2f9e44' : '#e03131', text: `${(100 * value).toFixed(1)}%` });
    };
    if (s.intake) ratioBar('intake 202/s / bare concurrent add', s.intake.acceptedPerSecond / stick.add.jobsPerSecond, TARGETS.intakeShareOfAdd, true);
    for (const r of s.e2e) ratioBar(`end to end ${r.workers} worker${r.workers > 1 ? 's' : ''} / bare pipeline`, r.returnsPerSecond / stick.pipeline.jobsPerSecond, r === one ? TARGETS.e2eShareOfPipeline : undefined, true);
    if (s.redisPerReturn?.bytesPerReturn) ratioBar('Redis bytes per return / 2 KB target', s.redisPerReturn.bytesPerReturn / TARGETS.redisBytesPerReturn, 1, false);
    if (s.steady?.p99Ms) ratioBar(`steady p99 / ${TARGETS.steadyP99Ms} ms target`, s.steady.p99Ms / TARGETS.steadyP99Ms, 1, false);
    panel('Ratios (black mark: target; green: met, red: missed)', ratios, -3, 3, (v) => `${+(100 * v).toPrecision(2)}%`);

    const ceilings = [];
    if (stick.add.ceilingPerSecond) ceilings.push({ label: 'bare concurrent add', value: stick.add.ceilingPerSecond, color: grey });
    if (s.intake?.cpuCost) ceilings.push({ label: 'intake 202/s', value: s.intake.cpuCost.ceilingPerSecond, color: orange, text: `${s.intake.cpuCost.ceilingPerSecond} (${s.intake.cpuCost.totalMs} ms each)` });
    if (stick.pipeline.ceilingPerSecond) ceilings.push({ label: 'bare 3-queue pipeline', value: stick.pipeline.ceilingPerSecond, color: grey });
    if (one?.cpuCost) ceilings.push({ label: 'end to end (1 worker)', value: one.cpuCost.ceilingPerSecond, color: orange, text: `${one.cpuCost.ceilingPerSecond} (${one.cpuCost.totalMs} ms each)` });
    if (ceilings.length) panel(`Ceilings from CPU cost: ${m.cpus} cores x 1000 ms / CPU ms per unit (what an otherwise idle machine allows)`, ceilings, 0, 5, count);
  }
  const H = y;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${parts.join('\n')}
</svg>
`;
}

// ---------------------------------------------------------------------------- main

/** Copies dist/ (just built by `npm run bench`) to SNAPSHOT; waits a little if a concurrent build is writing it. */
async function snapshotDist() {
  const entries = ['apps/api/src/main.js', 'apps/worker/src/main.js'];
  const present = () => entries.every((e) => fs.existsSync(path.join(ROOT, 'dist', e)));
  for (let i = 0; i < 60 && !present(); i++) await sleep(1_000);
  if (!present()) throw new Error('dist/ is missing the API or worker entry: run `npm run build` first (npm run bench does)');
  await sleep(200);
  fs.cpSync(path.join(ROOT, 'dist'), SNAPSHOT, { recursive: true });
  if (!entries.every((e) => fs.existsSync(path.join(SNAPSHOT, e)))) throw new Error('dist/ changed while it was copied (a concurrent build?): run again');
}

async function main() {
  // `node bench/run.js --chart results.json [out.svg]`: redraws the chart of an earlier run.
  if (process.argv[2] === '--chart') {
    redis.disconnect();
    const report = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
    const out = process.argv[4] || process.argv[3].replace(/\.json$/, '') + '.svg';
    fs.writeFileSync(out, chart(report));
    console.log(`wrote ${out}`);
    return;
  }
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  await snapshotDist();
  const hardStop = setTimeout(() => {
    console.error(`bench: over the ${CONFIG.deadlineSeconds} s deadline, stopping`);
    void cleanup().finally(() => process.exit(2));
  }, CONFIG.deadlineSeconds * 1000);
  hardStop.unref();

  log(`run ${RUN}: database ${DB_NAME}, key prefix ${PREFIX}${QUICK ? ' (QUICK)' : ''}`);
  const redisInfo = await redis.info('server');
  const persistence = await redis.info('persistence');
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const pgVersion = (await admin.query('SHOW server_version')).rows[0].server_version;
  await admin.end();
  const machine = machineInfo(redisInfo, pgVersion);
  machine.redisAppendonly = /aof_enabled:(\d)/.exec(persistence)?.[1] === '1';
  machine.redisMaxmemoryPolicy = (await redis.config('GET', 'maxmemory-policy').catch(() => []))[1] ?? 'unknown';

  const report = { run: RUN, startedAt: new Date(STARTED).toISOString(), machine, config: CONFIG, targets: TARGETS, baselines: null, service: null, error: null };
  let failure = null;
  try {
    log('1. baselines: bare BullMQ');
    report.baselines = await baselines();
    log('2. the service');
    report.service = await service();
  } catch (error) {
    failure = error;
    report.error = String(error && error.stack ? error.stack : error);
    console.error(`bench failed: ${error && error.message}`);
  } finally {
    await cleanup();
    clearTimeout(hardStop);
  }
  report.finishedAt = new Date().toISOString();
  report.seconds = round((Date.now() - STARTED) / 1000, 1);
  report.yardsticks = report.baselines ? yardsticks(report.baselines, report.service) : null;
  report.rows = report.baselines ? evaluate(report.baselines, report.service) : [];
  report.misses = report.rows.filter((r) => r.result === 'MISS').map((r) => r.figure);

  if (report.baselines) printTable(report.rows, machine);
  report.contention = contention(report);
  for (const c of report.contention) {
    if (c.otherPercentOfOneCore > 25) log(`WARNING: other work on the machine took ${c.otherPercentOfOneCore}% of a core during ${c.phase} (${c.top.join(', ')}): those figures are pessimistic`);
    if (c.stolenPercentOfAllCores > STEAL_WARNING_PERCENT) log(`WARNING: the hypervisor gave ${c.stolenPercentOfAllCores}% of this VM's CPU time to other guests during ${c.phase} (steal): those figures are pessimistic`);
  }
  const mem = report.service?.redisPerReturn;
  if (mem?.bytesPerReturn && mem.keyBytesPerReturn && Math.abs(mem.bytesPerReturn - mem.keyBytesPerReturn) > 0.25 * mem.keyBytesPerReturn) {
    log(`WARNING: used_memory moved by ${mem.bytesPerReturn} B per return but the intake keys hold ${mem.keyBytesPerReturn} B: other clients of this Redis changed its memory meanwhile`);
  }
  const json = JSON.stringify(report, null, 2);
  const file = path.join(RESULTS_DIR, `bench-${STAMP}.json`);
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), json);
  if (report.baselines) fs.writeFileSync(path.join(RESULTS_DIR, 'latest.svg'), chart(report));
  log(`wrote ${path.relative(ROOT, file)}, bench/results/latest.json and bench/results/latest.svg; child logs in ${path.relative(ROOT, LOG_DIR)}`);
  log(`cleaned up: ${cleaned ? `database ${DB_NAME} dropped, keys ${PREFIX}* deleted, children stopped` : 'INCOMPLETE'}`);
  if (report.misses.length) log(`targets missed: ${report.misses.join('; ')}`);
  if (failure) process.exitCode = 1;
}

main().catch(async (error) => {
  console.error(error);
  await cleanup();
  process.exit(1);
});
