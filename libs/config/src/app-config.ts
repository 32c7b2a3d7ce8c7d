import { ALL_QUEUES, ProviderEndpoint, QueueName, Role, ROLES } from '@returns/contracts';
import { parseDuration } from './duration';

/** Typed, validated environment of the service. Read once at start-up by `loadConfig`. */
export interface AppConfig {
  env: 'development' | 'test' | 'production';
  port: number;
  /**
   * Niceness a worker process gives itself (WORKER_NICE, 0 to 19, default 0): where API and
   * workers share cores, a higher value keeps intake answering quickly while a backlog drains.
   */
  workerNice: number;
  databaseUrl: string;
  /**
   * Connections each process's pool may hold at once (DATABASE_POOL_SIZE, default 20): room
   * for the API's requests, or for the queues' concurrency of a worker process and its outbox.
   */
  databasePoolSize: number;
  /**
   * How long a statement waits for a lock another session holds before it fails
   * (DATABASE_LOCK_TIMEOUT, PostgreSQL's lock_timeout; 0s: for ever): a request then
   * answers 503 DATABASE_BUSY and a job is retried, instead of hanging behind a session
   * that never lets go (an operator's open transaction, a hung client).
   */
  databaseLockTimeoutMs: number;
  /**
   * How long one of the service's sessions may sit in an open transaction doing nothing
   * before PostgreSQL ends it (DATABASE_IDLE_IN_TRANSACTION_TIMEOUT,
   * idle_in_transaction_session_timeout; 0s: never): a process frozen mid-transaction (a
   * SIGSTOP, a paused VM) lets go of its rows instead of holding them until it wakes.
   */
  databaseIdleInTransactionTimeoutMs: number;
  redisUrl: string;
  /** Redis Cluster seed nodes (REDIS_CLUSTER_NODES=host:port,...); empty for one Redis */
  redisClusterNodes: { host: string; port: number }[];
  queuePrefix: string;
  workerQueues: QueueName[];
  concurrency: Record<QueueName, number>;
  /** How workers notice a dead peer: a job whose lock is not renewed within lockMs is stalled and retried. */
  workerRecovery: {
    /** how long a worker's lock on an active job lasts without renewal */
    lockMs: number;
    /** how often each worker looks for stalled jobs */
    stalledIntervalMs: number;
    /** how often a job may stall (its worker killed) before it is failed for an admin to redrive */
    maxStalledCount: number;
  };
  /**
   * Provider rate limits, jobs per second across all workers (BullMQ's limiter lives in
   * Redis): carriers for logistics, the payment gateway for refunds, the SMS/WeChat/push
   * providers for notifications. 0: no limit.
   */
  rateLimits: Partial<Record<QueueName, number>>;
  /** How often each worker process records in Redis that it is alive (WORKER_HEARTBEAT_INTERVAL). */
  workerHeartbeatMs: number;
  /** How long SIGTERM waits for active jobs to finish before the process exits anyway. */
  shutdownGraceMs: number;
  /** The span `/metrics` reports the API's event-loop delay quantiles over (API_EVENT_LOOP_WINDOW), whole seconds, 1 s to 1 h. */
  eventLoopWindowMs: number;
  /** api key -> role */
  apiKeys: Map<string, Role>;
  webhookSecret: string;
  outboundWebhookUrls: string[];
  /** completionMs: after a refund or an exchange shipped, the case completes (sooner if the customer answers the survey) */
  deadlines: {
    reviewMs: number;
    shipBackMs: number;
    /** after the carrier reports a return parcel delivered to the warehouse, how long until the agents are told it was not scanned in (RECEIPT_DEADLINE) */
    receiptMs: number;
    inspectionMs: number;
    completionMs: number;
    /** how long a return asked for an order not yet delivered waits for the delivery before it is judged (DELIVERY_GRACE, 0: not at all) */
    deliveryGraceMs: number;
  };
  intakeHighWater: number;
  carrierSimulatorAutopilot: boolean;
  /** time between two scans the autopilot posts (CARRIER_AUTOPILOT_STEP, default 2s) */
  carrierAutopilotStepMs: number;
  /** Seed demo orders at start-up (not in production or test unless asked). */
  seedDemoData: boolean;
  /** Interval of the outbox sweep that re-enqueues jobs whose producer died before adding them. */
  outboxSweepMs: number;
  /** Public base URL used in statusUrl and survey links. */
  publicBaseUrl: string;
  /** The returns warehouse (WAREHOUSE_ADDRESS, JSON): where items failed at inspection are sent back to their customers from. */
  warehouseAddress: { name: string; phone: string; province: string; city: string; district?: string; line: string; postalCode?: string };
  /** The nightly comparison of our refunds with the payment gateway's (libs/refund, `RefundReconciliation`). */
  reconciliation: {
    /** when it runs, a cron expression (RECONCILIATION_CRON, default `0 3 * * *`), in `timeZone` (RECONCILIATION_TIMEZONE, default Asia/Shanghai) */
    cron: string;
    timeZone: string;
    /** refunds changed within this long before a run are compared, and every PENDING one (RECONCILIATION_WINDOW, default 3d) */
    windowMs: number;
    /** a PENDING refund untouched this long is no longer being paid by a worker (RECONCILIATION_GRACE, default 1h) */
    graceMs: number;
  };
  /**
   * The real providers, each used where its URL is set; where it is not, its simulator
   * (below) stands in, so the service runs whole on one laptop (DESIGN.md, "External
   * parties"). A production start warns of every provider left simulated.
   */
  providers: {
    /** a courier aggregator's booking API over HTTP (CARRIER_API_URL, CARRIER_API_KEY) */
    carrier: ProviderEndpoint | null;
    /** the payment provider's refund API over HTTP (PAYMENT_API_URL, PAYMENT_API_KEY) */
    payment: ProviderEndpoint | null;
    /**
     * email over SMTP (SMTP_URL, e.g. smtps://user:pass@smtp.example.com:465; SMTP_FROM);
     * `requireTls` in production: an smtp:// server must offer STARTTLS, or nothing is sent
     * (the URL's credentials would otherwise cross the network in the clear)
     */
    email: { url: string; from: string; timeoutMs: number; requireTls: boolean } | null;
    /** the SMS, WeChat and app-push providers' message APIs over HTTP (SMS_API_URL, WECHAT_API_URL, PUSH_API_URL, and each one's _API_KEY) */
    sms: ProviderEndpoint | null;
    wechat: ProviderEndpoint | null;
    push: ProviderEndpoint | null;
  };
  /** Behaviour of the simulated carriers, payment gateway and notification channels. */
  simulators: {
    /** each simulated call takes between half of this and all of it */
    latencyMs: number;
    /** share of calls, 0..1, that fail as a provider timeout would */
    failureRate: number;
    /**
     * how long the simulated couriers and channels remember a booking or a delivery, and so
     * answer a retry with it (SIMULATOR_RETENTION, default 2d): their records live in Redis,
     * and a surge replay would otherwise leave ~0.8 KB there per return for good (16 MB after 20,000)
     */
    retentionMs: number;
    /**
     * a Redis of their own for the simulators' records (SIMULATOR_REDIS_URL; default: the
     * service's), as a real provider keeps its records away from ours: a test that crashes
     * the service's Redis then still has a witness of what the providers were asked to do
     */
    redisUrl?: string;
  };
}

/**
 * Jobs each worker process holds at once, per queue. The intake, logistics and notification
 * workers handle the jobs they hold together (one transaction per batch), so holding more
 * makes the batches, not the round trips, grow. An intake job holds a whole intake batch
 * (up to 200 requests): 16 of them keep the judge batches full (same end-to-end rate as 128
 * in the bench) and are judged within a shutdown's grace, where 128 could hold 25,600.
 */
const DEFAULT_CONCURRENCY: Record<QueueName, number> = {
  [QueueName.Intake]: 16,
  [QueueName.Logistics]: 32,
  [QueueName.Inspection]: 8,
  [QueueName.Refund]: 4,
  [QueueName.Notification]: 128,
  [QueueName.Webhooks]: 8,
  [QueueName.Timers]: 4,
};

/** DATABASE_POOL_SIZE when unset (the same as dataSourceOptions' default, libs/database, the migration CLI's pool). */
export const DEFAULT_DATABASE_POOL_SIZE = 20;

export const DEV_API_KEYS: ReadonlyMap<string, Role> = new Map(ROLES.map((role) => [`dev-${role}`, role]));

export class ConfigError extends Error {}

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`expected a boolean, got "${value}"`);
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} must be a positive integer, got "${value}"`);
  return n;
}

const DEFAULT_WAREHOUSE = { name: '退货仓', phone: '+8657100000000', province: '浙江', city: '杭州', district: '余杭区', line: '仓前街道 退货仓 1 号库', postalCode: '311100' };

function warehouseAddress(value: string | undefined): AppConfig['warehouseAddress'] {
  if (!value) return DEFAULT_WAREHOUSE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError('WAREHOUSE_ADDRESS must be JSON: {"name", "phone", "province", "city", "line", ...}');
  }
  const address = parsed as Record<string, unknown>;
  for (const field of ['name', 'phone', 'province', 'city', 'line']) {
    if (typeof address?.[field] !== 'string' || !address[field]) throw new ConfigError(`WAREHOUSE_ADDRESS needs "${field}"`);
  }
  return address as AppConfig['warehouseAddress'];
}

function clusterNodes(value: string | undefined): { host: string; port: number }[] {
  return (value || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((node) => {
      const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(node);
      if (!match) throw new ConfigError(`REDIS_CLUSTER_NODES: "${node}" is not host:port`);
      return { host: match[1], port: Number(match[2]) };
    });
}

/** On a cluster every key of the service must hash to one slot: the prefix carries a hash tag. */
function clusterPrefix(prefix: string, nodes: string | undefined): string {
  if (nodes && !/\{[^}]+\}/.test(prefix)) {
    throw new ConfigError(`QUEUE_PREFIX must contain a hash tag such as {returns} on a Redis Cluster, got "${prefix}"`);
  }
  return prefix;
}

function nonNegativeInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a whole number of 0 or more, got "${value}"`);
  return n;
}

function fraction(name: string, value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new ConfigError(`${name} must be a number from 0 to 1, got "${value}"`);
  return n;
}

function duration(name: string, value: string | undefined, fallback: string): number {
  try {
    return parseDuration(value || fallback);
  } catch (e) {
    throw new ConfigError(`${name}: ${(e as Error).message}`);
  }
}

/**
 * Floors of the durations the service cannot work with at 0 or near it (`loadConfig` refuses
 * less, naming the variable): a worker's lock is renewed every half of it by a timer, which a
 * batch's work on the event loop can hold up for a good part of a second, so under a second
 * live jobs would be declared stalled; the intervals run a Redis script or a PostgreSQL
 * transaction each time (0 runs them back to back, and a heartbeat of 0 makes every live
 * worker stale at once); a grace of 0 exits on SIGTERM before any job finishes; a provider
 * timeout of 0 aborts every call before it is sent.
 */
export const DURATION_FLOORS = {
  WORKER_LOCK_DURATION: '1s',
  WORKER_STALLED_INTERVAL: '100ms',
  WORKER_HEARTBEAT_INTERVAL: '100ms',
  OUTBOX_SWEEP_INTERVAL: '100ms',
  SHUTDOWN_GRACE: '1s',
  PROVIDER_TIMEOUT: '100ms',
} as const;

/** A duration of at least its floor (`DURATION_FLOORS`). */
function durationAtLeast(name: keyof typeof DURATION_FLOORS, value: string | undefined, fallback: string): number {
  const ms = duration(name, value, fallback);
  if (ms < parseDuration(DURATION_FLOORS[name])) throw new ConfigError(`${name} must be at least ${DURATION_FLOORS[name]}, got "${value}"`);
  return ms;
}

function eventLoopWindow(value: string | undefined): number {
  const ms = duration('API_EVENT_LOOP_WINDOW', value, '60s');
  if (ms < 1000 || ms > 3_600_000) throw new ConfigError(`API_EVENT_LOOP_WINDOW must be from 1s to 1h, got "${value}"`);
  return Math.round(ms / 1000) * 1000;
}

export function parseApiKeys(text: string): Map<string, Role> {
  const keys = new Map<string, Role>();
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf(':');
    const key = entry.slice(0, at);
    const role = entry.slice(at + 1) as Role;
    if (at <= 0 || !ROLES.includes(role)) {
      throw new ConfigError(`API_KEYS entry "${entry.replace(/^(.{3}).*:/, '$1…:')}" must be key:role with role one of ${ROLES.join(', ')}`);
    }
    keys.set(key, role);
  }
  return keys;
}

export function parseWorkerQueues(text: string | undefined): QueueName[] {
  if (!text || text.trim() === 'all') return [...ALL_QUEUES];
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!ALL_QUEUES.includes(name as QueueName)) {
      throw new ConfigError(`WORKER_QUEUES: unknown queue "${name}" (known: ${ALL_QUEUES.join(', ')}, or all)`);
    }
  }
  // A templated value left empty (",", " , "): a worker serving nothing would start, look healthy and do nothing.
  if (!names.length) throw new ConfigError(`WORKER_QUEUES names no queue, got "${text}": list some of ${ALL_QUEUES.join(', ')}, or all (the default)`);
  return names as QueueName[];
}

function niceness(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 19) throw new ConfigError(`WORKER_NICE must be an integer from 0 to 19, got "${value}"`);
  return n;
}

/** Reads and validates the environment. Throws ConfigError naming the variable at fault. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = (env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development') as AppConfig['env'];
  const production = nodeEnv === 'production';

  let apiKeys: Map<string, Role>;
  if (env.API_KEYS) apiKeys = parseApiKeys(env.API_KEYS);
  else if (production) throw new ConfigError('API_KEYS must be set in production');
  else apiKeys = new Map(DEV_API_KEYS);

  const webhookSecret = env.WEBHOOK_SECRET || (production ? '' : 'dev-webhook-secret');
  if (!webhookSecret) throw new ConfigError('WEBHOOK_SECRET must be set in production');
  // Couriers are sent to it: production names its own warehouse.
  if (production && !env.WAREHOUSE_ADDRESS) throw new ConfigError('WAREHOUSE_ADDRESS must be set in production');

  const concurrency = { ...DEFAULT_CONCURRENCY };
  for (const queue of ALL_QUEUES) {
    const name = `${queue.toUpperCase()}_CONCURRENCY`;
    concurrency[queue] = positiveInt(name, env[name], DEFAULT_CONCURRENCY[queue]);
  }

  const port = positiveInt('PORT', env.PORT, 3000);
  return {
    env: nodeEnv,
    port,
    workerNice: niceness(env.WORKER_NICE),
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/returns',
    databasePoolSize: positiveInt('DATABASE_POOL_SIZE', env.DATABASE_POOL_SIZE, DEFAULT_DATABASE_POOL_SIZE),
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    redisClusterNodes: clusterNodes(env.REDIS_CLUSTER_NODES),
    queuePrefix: clusterPrefix(env.QUEUE_PREFIX || (env.REDIS_CLUSTER_NODES ? '{returns}' : 'returns'), env.REDIS_CLUSTER_NODES),
    workerQueues: parseWorkerQueues(env.WORKER_QUEUES),
    concurrency,
    workerRecovery: {
      lockMs: durationAtLeast('WORKER_LOCK_DURATION', env.WORKER_LOCK_DURATION, '30s'),
      stalledIntervalMs: durationAtLeast('WORKER_STALLED_INTERVAL', env.WORKER_STALLED_INTERVAL, '30s'),
      maxStalledCount: positiveInt('WORKER_MAX_STALLED', env.WORKER_MAX_STALLED, 10),
    },
    workerHeartbeatMs: durationAtLeast('WORKER_HEARTBEAT_INTERVAL', env.WORKER_HEARTBEAT_INTERVAL, '5s'),
    shutdownGraceMs: durationAtLeast('SHUTDOWN_GRACE', env.SHUTDOWN_GRACE, '25s'),
    eventLoopWindowMs: eventLoopWindow(env.API_EVENT_LOOP_WINDOW),
    databaseLockTimeoutMs: duration('DATABASE_LOCK_TIMEOUT', env.DATABASE_LOCK_TIMEOUT, '10s'),
    databaseIdleInTransactionTimeoutMs: duration('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT', env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT, '60s'),
    rateLimits: {
      [QueueName.Logistics]: nonNegativeInt('CARRIER_RATE_LIMIT', env.CARRIER_RATE_LIMIT, 0),
      [QueueName.Refund]: nonNegativeInt('PAYMENT_RATE_LIMIT', env.PAYMENT_RATE_LIMIT, 0),
      [QueueName.Notification]: nonNegativeInt('NOTIFICATION_RATE_LIMIT', env.NOTIFICATION_RATE_LIMIT, 0),
    },
    apiKeys,
    webhookSecret,
    outboundWebhookUrls: (env.OUTBOUND_WEBHOOK_URLS || '').split(',').map((s) => s.trim()).filter(Boolean),
    deadlines: {
      reviewMs: duration('REVIEW_DEADLINE', env.REVIEW_DEADLINE, '48h'),
      shipBackMs: duration('SHIP_BACK_DEADLINE', env.SHIP_BACK_DEADLINE, '7d'),
      receiptMs: duration('RECEIPT_DEADLINE', env.RECEIPT_DEADLINE, '2d'),
      inspectionMs: duration('INSPECTION_DEADLINE', env.INSPECTION_DEADLINE, '3d'),
      completionMs: duration('COMPLETION_AFTER', env.COMPLETION_AFTER, '7d'),
      deliveryGraceMs: duration('DELIVERY_GRACE', env.DELIVERY_GRACE, '0s'),
    },
    intakeHighWater: positiveInt('INTAKE_HIGH_WATER', env.INTAKE_HIGH_WATER, 200_000),
    carrierSimulatorAutopilot: bool(env.CARRIER_SIMULATOR_AUTOPILOT, false),
    carrierAutopilotStepMs: duration('CARRIER_AUTOPILOT_STEP', env.CARRIER_AUTOPILOT_STEP, '2s'),
    seedDemoData: bool(env.SEED_DEMO_DATA, nodeEnv === 'development'),
    outboxSweepMs: durationAtLeast('OUTBOX_SWEEP_INTERVAL', env.OUTBOX_SWEEP_INTERVAL, '5s'),
    publicBaseUrl: (env.PUBLIC_BASE_URL || `http://localhost:${port}`).replace(/\/$/, ''),
    warehouseAddress: warehouseAddress(env.WAREHOUSE_ADDRESS),
    reconciliation: {
      cron: env.RECONCILIATION_CRON || '0 3 * * *',
      timeZone: env.RECONCILIATION_TIMEZONE || 'Asia/Shanghai',
      windowMs: duration('RECONCILIATION_WINDOW', env.RECONCILIATION_WINDOW, '3d'),
      graceMs: duration('RECONCILIATION_GRACE', env.RECONCILIATION_GRACE, '1h'),
    },
    providers: providers(env, production),
    simulators: {
      latencyMs: duration('SIMULATOR_LATENCY', env.SIMULATOR_LATENCY, '20ms'),
      failureRate: fraction('SIMULATOR_FAILURE_RATE', env.SIMULATOR_FAILURE_RATE),
      retentionMs: duration('SIMULATOR_RETENTION', env.SIMULATOR_RETENTION, '2d'),
      redisUrl: env.SIMULATOR_REDIS_URL || undefined,
    },
  };
}

/** The real providers configured (`AppConfig.providers`): each URL must be absolute http(s), or smtp(s) for email. */
function providers(env: NodeJS.ProcessEnv, production: boolean): AppConfig['providers'] {
  const timeoutMs = durationAtLeast('PROVIDER_TIMEOUT', env.PROVIDER_TIMEOUT, '10s');
  const url = (name: string, schemes: string[]): string | null => {
    const raw = env[name]?.trim();
    if (!raw) return null;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(`${name} must be an absolute URL, got "${raw}"`);
    }
    if (!schemes.includes(parsed.protocol.replace(/:$/, ''))) throw new ConfigError(`${name} must be a ${schemes.join(' or ')} URL, got "${raw}"`);
    return raw.replace(/\/$/, '');
  };
  const http = (prefix: string): ProviderEndpoint | null => {
    const base = url(`${prefix}_API_URL`, ['http', 'https']);
    return base ? { url: base, apiKey: env[`${prefix}_API_KEY`]?.trim() || null, timeoutMs } : null;
  };
  const smtp = url('SMTP_URL', ['smtp', 'smtps']);
  if (smtp && !env.SMTP_FROM?.trim()) throw new ConfigError('SMTP_FROM is required with SMTP_URL: the address customers get our email from');
  return {
    carrier: http('CARRIER'),
    payment: http('PAYMENT'),
    email: smtp ? { url: smtp, from: env.SMTP_FROM!.trim(), timeoutMs, requireTls: production } : null,
    sms: http('SMS'),
    wechat: http('WECHAT'),
    push: http('PUSH'),
  };
}
