import { ConfigError, DURATION_FLOORS, loadConfig } from './app-config';
import { parseDuration } from './duration';
import { dataSourceOptions } from '../../database/src/data-source';

/**
 * Environment values the service cannot work with are refused at start-up, with a
 * ConfigError naming the variable, rather than accepted and found out in production.
 */
describe('environment an operator can get wrong', () => {
  // Zero, or next to it, for these:
  // - WORKER_LOCK_DURATION 0s: every moveToActive runs `SET <lock> PX 0`, which Redis refuses
  //   ("invalid expire time"): no worker ever takes a job again.
  // - WORKER_STALLED_INTERVAL 0s: the stalled checker loops on setTimeout(0), a Lua script
  //   against Redis back to back.
  // - WORKER_HEARTBEAT_INTERVAL 0s: the heartbeat and the batch totals written about every
  //   millisecond, and every live worker "stale" in /health/ready (3 heartbeats = 0 ms).
  // - OUTBOX_SWEEP_INTERVAL 0s: a PostgreSQL transaction + advisory lock per millisecond per worker.
  // - SHUTDOWN_GRACE 0s: SIGTERM exits at once with code 1, nothing is finished gracefully.
  // - PROVIDER_TIMEOUT 0s: every call to a real provider aborted before it is sent.
  const durations = Object.keys(DURATION_FLOORS) as (keyof typeof DURATION_FLOORS)[];

  it.each(durations)('refuses %s=0s, naming it', (name) => {
    expect(() => loadConfig({ [name]: '0s' })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: '0s' })).toThrow(new RegExp(`^${name} must be at least ${DURATION_FLOORS[name]}`));
  });

  it.each(durations)('refuses %s below its floor and takes the floor itself', (name) => {
    const floorMs = parseDuration(DURATION_FLOORS[name]);
    expect(() => loadConfig({ [name]: `${floorMs - 1}ms` })).toThrow(new RegExp(`^${name} `));
    expect(() => loadConfig({ [name]: DURATION_FLOORS[name] })).not.toThrow();
  });

  it('keeps the floors below the defaults and the values the tests and manifests use', () => {
    const config = loadConfig({});
    expect(config.workerRecovery).toMatchObject({ lockMs: 30_000, stalledIntervalMs: 30_000 });
    expect([config.workerHeartbeatMs, config.outboxSweepMs, config.shutdownGraceMs]).toEqual([5_000, 5_000, 25_000]);
    expect(() => loadConfig({ WORKER_LOCK_DURATION: '1s', WORKER_STALLED_INTERVAL: '500ms', WORKER_HEARTBEAT_INTERVAL: '500ms', SHUTDOWN_GRACE: '3s' })).not.toThrow();
  });

  it('still takes 0s where it means "off"', () => {
    const config = loadConfig({ DELIVERY_GRACE: '0s', DATABASE_LOCK_TIMEOUT: '0s', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT: '0s', SIMULATOR_LATENCY: '0ms' });
    expect([config.deadlines.deliveryGraceMs, config.databaseLockTimeoutMs, config.databaseIdleInTransactionTimeoutMs, config.simulators.latencyMs]).toEqual([0, 0, 0, 0]);
  });

  it.each([',', ' , ', ',,'])('refuses WORKER_QUEUES="%s" (an empty list, e.g. a templated value): a worker serving no queue', (value) => {
    // It used to start, log "serving queues: " and do nothing.
    expect(() => loadConfig({ WORKER_QUEUES: value })).toThrow(/^WORKER_QUEUES names no queue/);
  });

  it.each(['twenty', '0', '-5', '2.5'])('refuses DATABASE_POOL_SIZE=%s, naming it', (value) => {
    // Read raw by dataSourceOptions, it became NaN or 0, which pg-pool silently turns into its own
    // default of 10 (`max || poolSize || 10`), or a negative max with which every query waits 10 s and fails.
    expect(() => loadConfig({ DATABASE_POOL_SIZE: value })).toThrow(/^DATABASE_POOL_SIZE must be a positive integer/);
  });

  it('sizes the pool from the validated DATABASE_POOL_SIZE, not from the raw environment', () => {
    expect(loadConfig({}).databasePoolSize).toBe(20);
    const config = loadConfig({ DATABASE_POOL_SIZE: '18' });
    expect(config.databasePoolSize).toBe(18);
    const saved = process.env.DATABASE_POOL_SIZE;
    process.env.DATABASE_POOL_SIZE = 'twenty';
    try {
      const max = (options: ReturnType<typeof dataSourceOptions>) => (options.extra as { max: number }).max;
      expect(max(dataSourceOptions('postgres://x@127.0.0.1/x', { poolSize: config.databasePoolSize }))).toBe(18);
      // The migration CLI's pool: the default, whatever the environment says.
      expect(max(dataSourceOptions('postgres://x@127.0.0.1/x'))).toBe(20);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_POOL_SIZE;
      else process.env.DATABASE_POOL_SIZE = saved;
    }
  });
});
