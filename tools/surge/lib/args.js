'use strict';
/** Command-line options of `npm run surge`, with their defaults from the environment. */

const HELP = `Double-11 surge replay against a running returns service.

Usage: npm run surge -- [options]        (or: node tools/surge/surge.js [options])

Load
  --url URL              service base URL (env SURGE_URL; default http://localhost:3000)
  --returns N            returns to send in all (default 20000; with --duration: no limit)
  --duration D           send for this long instead (e.g. 90s, 10m); orders for rate x D are set up
  --rate R               target requests per second (default 500); retries count against it
  --profile flat|day     flat: R all along; day: a compressed day, evening peak at R (default flat)
  --concurrency C        requests in flight at most (default 64)
  --seed S               seed of the mix: the same seed, the same returns (default double11)
  --time-limit D         hard limit on sending (default 4 x the planned time, at least planned + 10m)
  --request-timeout D    per request (default 30s)
  --orders api|db        how the orders are set up: PUT /v1/orders/{id} each (default), or
                         written straight into the service's database (--database-url) in
                         batches of 5,000, for a replay of a million returns

Queues and database
  --redis-url URL        Redis of the service's queues (env REDIS_URL; default redis://127.0.0.1:6379)
  --prefix P             BullMQ key prefix (env QUEUE_PREFIX; default returns)
  --database-url URL     PostgreSQL of the service (env DATABASE_URL;
                         default postgres://postgres@127.0.0.1:5432/returns)
  --verify MODE          auto (database, else the admin API) | db | api | none (default auto)
  --drain-timeout D      give up waiting for the queues to empty after this (default 30m)
  --settle-timeout D     wait at most this for cases still moving before the check (default 60s)

Capacity plan
  --workers N            worker processes that served the queues (default: as seen in Redis, else 1)
  --target-drain D       drain the planned day within this (default 30m)
  --plan-returns N       returns of the planned day (default 1000000)

Output
  --out DIR              results directory (default tools/surge/results)
  --run-id ID            ids of this run's orders and keys (default: time and random)
  --upstream-key K, --portal-key K, --admin-key K
                         API keys (env SURGE_UPSTREAM_KEY, ...; default dev-upstream, dev-portal, dev-admin)
  -h, --help

Durations: 500ms, 30s, 15m, 2h, or plain seconds.
Exit code: 0 PASS; 1 FAIL (a return lost or doubled); 2 WARN (not every case in its expected
state, the queues did not drain, or nothing could be verified); 64 bad options.`;

function parseDuration(text, name) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!m) throw new UsageError(`${name}: "${text}" is not a duration like 500ms, 30s, 15m, 2h`);
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'];
  const value = Number(m[1]) * factor;
  if (!(value > 0)) throw new UsageError(`${name} must be more than zero`);
  return value;
}

function parsePositive(text, name, { integer = true } = {}) {
  const value = Number(String(text).replace(/_/g, ''));
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) throw new UsageError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  return value;
}

class UsageError extends Error {}

const FLAGS = {
  url: 'string',
  returns: 'int',
  duration: 'duration',
  rate: 'number',
  profile: 'string',
  concurrency: 'int',
  seed: 'string',
  'time-limit': 'duration',
  'request-timeout': 'duration',
  orders: 'string',
  'redis-url': 'string',
  prefix: 'string',
  'database-url': 'string',
  verify: 'string',
  'drain-timeout': 'duration',
  'settle-timeout': 'duration',
  workers: 'int',
  'target-drain': 'duration',
  'plan-returns': 'int',
  out: 'string',
  'run-id': 'string',
  'upstream-key': 'string',
  'portal-key': 'string',
  'admin-key': 'string',
};

function parseArgs(argv, env = process.env) {
  const given = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { help: HELP };
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !FLAGS[m[1]]) throw new UsageError(`unknown option ${arg} (see --help)`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`${arg} needs a value`);
    const kind = FLAGS[m[1]];
    given[m[1]] =
      kind === 'int' ? parsePositive(value, `--${m[1]}`) : kind === 'number' ? parsePositive(value, `--${m[1]}`, { integer: false }) : kind === 'duration' ? parseDuration(value, `--${m[1]}`) : value;
  }
  const profile = given.profile ?? 'flat';
  if (!['flat', 'day'].includes(profile)) throw new UsageError('--profile is flat or day');
  const verify = given.verify ?? 'auto';
  if (!['auto', 'db', 'api', 'none'].includes(verify)) throw new UsageError('--verify is auto, db, api or none');
  const orders = given.orders ?? 'api';
  if (!['api', 'db'].includes(orders)) throw new UsageError('--orders is api or db');
  const runId = given['run-id'] ?? defaultRunId();
  if (!/^[A-Za-z0-9-]{1,40}$/.test(runId)) throw new UsageError('--run-id: letters, digits and dashes, at most 40');
  return {
    url: given.url ?? env.SURGE_URL ?? 'http://localhost:3000',
    returns: given.returns ?? (given.duration ? null : 20_000),
    durationMs: given.duration ?? null,
    rate: given.rate ?? 500,
    profile,
    concurrency: given.concurrency ?? 64,
    seed: given.seed ?? 'double11',
    timeLimitMs: given['time-limit'] ?? null,
    requestTimeoutMs: given['request-timeout'] ?? 30_000,
    orders,
    redisUrl: given['redis-url'] ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: given.prefix ?? env.QUEUE_PREFIX ?? 'returns',
    databaseUrl: given['database-url'] ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/returns',
    verify,
    drainTimeoutMs: given['drain-timeout'] ?? 30 * 60_000,
    settleTimeoutMs: given['settle-timeout'] ?? 60_000,
    workers: given.workers ?? null,
    targetDrainMs: given['target-drain'] ?? 30 * 60_000,
    planReturns: given['plan-returns'] ?? 1_000_000,
    out: given.out ?? null,
    runId,
    keys: {
      upstream: given['upstream-key'] ?? env.SURGE_UPSTREAM_KEY ?? 'dev-upstream',
      portal: given['portal-key'] ?? env.SURGE_PORTAL_KEY ?? 'dev-portal',
      admin: given['admin-key'] ?? env.SURGE_ADMIN_KEY ?? 'dev-admin',
    },
  };
}

/** e.g. 20251111-000512-k3f9: sortable, and unique enough for one database. */
function defaultRunId(now = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

module.exports = { parseArgs, parseDuration, UsageError, HELP };
