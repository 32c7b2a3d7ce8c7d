import { parseDuration } from './duration';
import { loadConfig, parseApiKeys, parseWorkerQueues } from './app-config';

describe(parseDuration.name, () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['48h', 172_800_000],
    ['7d', 604_800_000],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '48', 'h', '3 weeks', '-1s'])('refuses "%s"', (text) => expect(() => parseDuration(text)).toThrow(/invalid duration/));
});

describe(loadConfig.name, () => {
  it('gives development keys when API_KEYS is unset outside production', () => {
    const config = loadConfig({});
    expect(config.apiKeys.get('dev-finance')).toBe('finance');
    expect(config.deadlines.reviewMs).toBe(48 * 3_600_000);
  });

  it('refuses to start in production without API_KEYS', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', WEBHOOK_SECRET: 'x' })).toThrow(/API_KEYS/);
  });

  it('reads the real providers from their URLs, leaving the rest to the simulators', () => {
    expect(loadConfig({}).providers).toEqual({ carrier: null, payment: null, email: null, sms: null, wechat: null, push: null });
    const config = loadConfig({
      CARRIER_API_URL: 'https://carrier.example.com/v2/',
      CARRIER_API_KEY: 'ck',
      PAYMENT_API_URL: 'http://127.0.0.1:9001',
      SMTP_URL: 'smtps://user:pass@smtp.example.com:465',
      SMTP_FROM: 'returns@shop.example.com',
      PROVIDER_TIMEOUT: '3s',
    }).providers;
    expect(config.carrier).toEqual({ url: 'https://carrier.example.com/v2', apiKey: 'ck', timeoutMs: 3_000 });
    expect(config.payment).toEqual({ url: 'http://127.0.0.1:9001', apiKey: null, timeoutMs: 3_000 });
    expect(config.email).toEqual({ url: 'smtps://user:pass@smtp.example.com:465', from: 'returns@shop.example.com', timeoutMs: 3_000, requireTls: false });
    const production = { NODE_ENV: 'production', API_KEYS: 'k:admin', WEBHOOK_SECRET: 'x', WAREHOUSE_ADDRESS: JSON.stringify({ name: 'w', phone: '1', province: 'p', city: 'c', line: 'l' }) };
    expect(loadConfig({ ...production, SMTP_URL: 'smtp://mail.internal:25', SMTP_FROM: 'r@shop.example.com' }).providers.email?.requireTls).toBe(true);
    expect(config.sms).toBeNull();
    expect(() => loadConfig({ PAYMENT_API_URL: 'payments.example.com' })).toThrow(/PAYMENT_API_URL must be an absolute URL/);
    expect(() => loadConfig({ SMS_API_URL: 'ftp://sms.example.com' })).toThrow(/SMS_API_URL must be a http or https URL/);
    expect(() => loadConfig({ SMTP_URL: 'smtp://smtp.example.com' })).toThrow(/SMTP_FROM is required/);
  });

  it('names the variable when a duration is malformed', () => {
    expect(() => loadConfig({ REVIEW_DEADLINE: 'soon' })).toThrow(/REVIEW_DEADLINE/);
  });

  it('waits 10 s for a lock another session holds unless told otherwise (0s: for ever)', () => {
    expect(loadConfig({}).databaseLockTimeoutMs).toBe(10_000);
    expect(loadConfig({ DATABASE_LOCK_TIMEOUT: '2s' }).databaseLockTimeoutMs).toBe(2_000);
    expect(loadConfig({ DATABASE_LOCK_TIMEOUT: '0s' }).databaseLockTimeoutMs).toBe(0);
    expect(() => loadConfig({ DATABASE_LOCK_TIMEOUT: 'never' })).toThrow(/DATABASE_LOCK_TIMEOUT/);
  });

  it('ends a session idle in a transaction after 60 s unless told otherwise (0s: never)', () => {
    expect(loadConfig({}).databaseIdleInTransactionTimeoutMs).toBe(60_000);
    expect(loadConfig({ DATABASE_IDLE_IN_TRANSACTION_TIMEOUT: '5s' }).databaseIdleInTransactionTimeoutMs).toBe(5_000);
    expect(loadConfig({ DATABASE_IDLE_IN_TRANSACTION_TIMEOUT: '0s' }).databaseIdleInTransactionTimeoutMs).toBe(0);
  });

  it("reports the API's event-loop delay over the last minute unless told otherwise, in whole seconds from 1 s to 1 h", () => {
    expect(loadConfig({}).eventLoopWindowMs).toBe(60_000);
    expect(loadConfig({ API_EVENT_LOOP_WINDOW: '15s' }).eventLoopWindowMs).toBe(15_000);
    expect(loadConfig({ API_EVENT_LOOP_WINDOW: '2500ms' }).eventLoopWindowMs).toBe(3_000);
    expect(() => loadConfig({ API_EVENT_LOOP_WINDOW: '500ms' })).toThrow(/API_EVENT_LOOP_WINDOW must be from 1s to 1h/);
    expect(() => loadConfig({ API_EVENT_LOOP_WINDOW: '2h' })).toThrow(/API_EVENT_LOOP_WINDOW must be from 1s to 1h/);
  });

  it('reads the warehouse items are sent back from, and names what it lacks', () => {
    expect(loadConfig({}).warehouseAddress).toMatchObject({ province: '浙江', city: '杭州' });
    const shenzhen = { name: '南山仓', phone: '+8675500000000', province: '广东', city: '深圳', line: '科技园 8 号' };
    expect(loadConfig({ WAREHOUSE_ADDRESS: JSON.stringify(shenzhen) }).warehouseAddress).toEqual(shenzhen);
    expect(() => loadConfig({ WAREHOUSE_ADDRESS: 'Shenzhen' })).toThrow(/WAREHOUSE_ADDRESS must be JSON/);
    expect(() => loadConfig({ WAREHOUSE_ADDRESS: JSON.stringify({ ...shenzhen, city: '' }) })).toThrow(/WAREHOUSE_ADDRESS needs "city"/);
    // Production sends couriers to it: no demo address there.
    expect(() => loadConfig({ NODE_ENV: 'production', API_KEYS: 'k:admin', WEBHOOK_SECRET: 'x' })).toThrow(/WAREHOUSE_ADDRESS must be set in production/);
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS: 'k:admin', WEBHOOK_SECRET: 'x', WAREHOUSE_ADDRESS: JSON.stringify(shenzhen) }).warehouseAddress.city).toBe('深圳');
  });

  it('reads per-queue concurrency', () => {
    expect(loadConfig({ REFUND_CONCURRENCY: '2' }).concurrency.refund).toBe(2);
    expect(() => loadConfig({ REFUND_CONCURRENCY: '0' })).toThrow(/REFUND_CONCURRENCY/);
  });

  it('reads the niceness a worker gives itself, 0 to 19', () => {
    expect(loadConfig({}).workerNice).toBe(0);
    expect(loadConfig({ WORKER_NICE: '10' }).workerNice).toBe(10);
    expect(() => loadConfig({ WORKER_NICE: '20' })).toThrow(/WORKER_NICE/);
    expect(() => loadConfig({ WORKER_NICE: '-5' })).toThrow(/WORKER_NICE/);
  });
});

describe(parseApiKeys.name, () => {
  it('maps keys to roles', () => expect(parseApiKeys('k1:admin, k2:agent').get('k2')).toBe('agent'));
  it('refuses an unknown role', () => expect(() => parseApiKeys('k1:boss')).toThrow(/role/));
});

describe(parseWorkerQueues.name, () => {
  it('defaults to every queue', () => expect(parseWorkerQueues(undefined)).toHaveLength(7));
  it('refuses an unknown queue', () => expect(() => parseWorkerQueues('intake,billing')).toThrow(/billing/));
});
