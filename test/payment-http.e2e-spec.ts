import { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { ProviderEndpoint, ProviderHttpError } from '@returns/contracts';
import { GatewayRefund, PaymentDeclinedError, PaymentHttpGateway, PaymentSimulator, RefundOrder } from '@returns/refund';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody, uniqueId } from './support/factories';
import { localServer, LocalServer } from './support/local-server';
import { TestService } from './support/service';

/** One request the fake provider received. */
interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: any;
}

/** A refund the fake provider paid: the order it was asked for and what it answered. */
interface Payment extends GatewayRefund {
  idempotencyKey: string;
  provider: string;
  transactionId: string | null;
  currency: string;
}

/**
 * How the fake answers one refund (POST) instead of paying as asked: 503, pay then 503 (the
 * answer lost after the money moved), 402 or 422 refused for good, an answer without a
 * providerRefundId, an answer for 1.00 less than asked, no answer at all, or a bare status.
 */
type RefundSwitch = 'unavailable' | 'paid-then-unavailable' | 'declined' | 'unprocessable' | 'malformed' | 'wrong-amount' | 'hang' | number;

/**
 * A local payment provider speaking the API `PaymentHttpGateway` speaks: it pays once per
 * Idempotency-Key (a repeat answers the first result), wants `Bearer <apiKey>`, records every
 * request, and misbehaves on demand.
 */
class FakePaymentProvider {
  readonly received: Received[] = [];
  /** every refund it paid, in order: what "paid once" is counted on */
  readonly payments: Payment[] = [];
  /** how the next refunds are answered, first first; with none left it pays as asked */
  readonly nextRefunds: RefundSwitch[] = [];
  /** statuses the next look-ups answer with instead of the truth */
  readonly nextLookups: number[] = [];
  private readonly byKey = new Map<string, GatewayRefund>();

  private constructor(
    private readonly server: LocalServer,
    private readonly apiKey: string,
  ) {}

  static async start(apiKey: string): Promise<FakePaymentProvider> {
    let fake!: FakePaymentProvider;
    const server = await localServer((req, text, res) => fake.handle(req.method!, req.url!, req.headers, text, res));
    fake = new FakePaymentProvider(server, apiKey);
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  paymentsUnder(idempotencyKey: string): Payment[] {
    return this.payments.filter((p) => p.idempotencyKey === idempotencyKey);
  }

  refundRequestsOf(transactionId: string): Received[] {
    return this.received.filter((r) => r.method === 'POST' && r.path === '/refunds' && r.body?.transactionId === transactionId);
  }

  /** Forgets the requests and the switches; keeps what it paid, as a provider does. */
  reset(): void {
    this.received.length = 0;
    this.nextRefunds.length = 0;
    this.nextLookups.length = 0;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(method: string, url: string, headers: IncomingHttpHeaders, text: string, res: ServerResponse): void {
    const parsed = new URL(url, 'http://fake');
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    this.received.push({ method, path: parsed.pathname, query: Object.fromEntries(parsed.searchParams), headers, body });
    const answer = (status: number, json: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };

    if (headers.authorization !== `Bearer ${this.apiKey}`) return answer(401, { code: 'UNAUTHORIZED', message: 'bad api key' });
    if (method === 'GET' && parsed.pathname === '/refunds') {
      const status = this.nextLookups.shift();
      if (status !== undefined) return answer(status, { code: 'BROKEN', message: `answered ${status} on purpose` });
      const found = this.byKey.get(parsed.searchParams.get('idempotencyKey') ?? '');
      return found ? answer(200, found) : answer(404, { code: 'NOT_FOUND', message: 'no refund under this key' });
    }
    if (method !== 'POST' || parsed.pathname !== '/refunds') return answer(404, { code: 'NO_ROUTE' });

    const key = headers['idempotency-key'];
    if (typeof key !== 'string' || !key) return answer(400, { code: 'NO_IDEMPOTENCY_KEY' });
    const switched = this.nextRefunds.shift();
    switch (switched) {
      case 'hang':
        return; // never answers; close() ends the connection
      case 'unavailable':
        return answer(503, { code: 'UNAVAILABLE', message: 'try again later' });
      case 'declined':
        return answer(402, { code: 'REFUND_WINDOW_CLOSED', message: 'the refund window of this payment is over' });
      case 'unprocessable':
        return answer(422, { code: 'ACCOUNT_CLOSED', message: 'the paying account is closed' });
      case 'malformed':
        return answer(200, { status: 'accepted' });
      case 'wrong-amount':
        return answer(200, { providerRefundId: `fake-rf-wrong-${key}`, amountMinor: body.amountMinor - 100 });
      case undefined:
      case 'paid-then-unavailable':
        break;
      default:
        return answer(switched, { code: 'SCRIPTED', message: `answered ${switched} on purpose` });
    }
    let paid = this.byKey.get(key);
    if (!paid) {
      paid = { providerRefundId: `fake-rf-${this.payments.length + 1}-${key.slice(-6)}`, amountMinor: body.amountMinor };
      this.byKey.set(key, paid);
      this.payments.push({ ...paid, idempotencyKey: key, provider: body.provider, transactionId: body.transactionId, currency: body.currency });
    }
    if (switched === 'paid-then-unavailable') return answer(503, { code: 'UNAVAILABLE', message: 'try again later' });
    return answer(201, paid);
  }
}

/** Whether the refund service would retry on this error rather than fail the refund. */
const retryable = (error: unknown) => (error as { permanent?: boolean }).permanent !== true;

async function failureOf(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw, it answered');
}

describe(PaymentHttpGateway.name, () => {
  let fake: FakePaymentProvider;
  let endpoint: ProviderEndpoint;
  let gateway: PaymentHttpGateway;

  beforeAll(async () => {
    fake = await FakePaymentProvider.start('pk-unit');
    endpoint = { url: fake.url, apiKey: 'pk-unit', timeoutMs: 2_000 };
    gateway = new PaymentHttpGateway(endpoint);
  });

  beforeEach(() => fake.reset());

  afterAll(() => fake.close());

  const order = (overrides: Partial<RefundOrder> = {}): RefundOrder => ({
    idempotencyKey: `rf-${uniqueId('r')}-1`,
    provider: 'alipay',
    transactionId: uniqueId('T'),
    amountMinor: 4500,
    currency: 'CNY',
    ...overrides,
  });

  describe('refund', () => {
    it('posts the order to /refunds with the Bearer key and the Idempotency-Key, and answers what the provider paid', async () => {
      const asked = order();
      const paid = await gateway.refund(asked);
      expect(fake.received).toHaveLength(1);
      const [request] = fake.received;
      expect(request).toMatchObject({ method: 'POST', path: '/refunds', query: {} });
      expect(request.headers).toMatchObject({
        authorization: 'Bearer pk-unit',
        'idempotency-key': asked.idempotencyKey,
        'content-type': expect.stringMatching(/^application\/json/),
      });
      expect(request.body).toEqual({ provider: 'alipay', transactionId: asked.transactionId, amountMinor: 4500, currency: 'CNY' });
      expect(fake.paymentsUnder(asked.idempotencyKey)).toHaveLength(1);
      expect(paid).toEqual({ providerRefundId: fake.paymentsUnder(asked.idempotencyKey)[0].providerRefundId, amountMinor: 4500 });
    });

    it('pays once when the same key is sent twice, answering the first result again', async () => {
      const asked = order();
      const first = await gateway.refund(asked);
      const again = await gateway.refund(asked);
      expect(again).toEqual(first);
      expect(fake.received.map((r) => r.headers['idempotency-key'])).toEqual([asked.idempotencyKey, asked.idempotencyKey]);
      expect(fake.paymentsUnder(asked.idempotencyKey)).toHaveLength(1);
    });

    it.each([
      [402, 'declined', 'REFUND_WINDOW_CLOSED: the refund window of this payment is over'],
      [422, 'unprocessable', 'ACCOUNT_CLOSED: the paying account is closed'],
    ] as const)('throws a permanent PaymentDeclinedError with the provider’s reason on %i', async (status, switched, reason) => {
      fake.nextRefunds.push(switched);
      const asked = order();
      const error = await failureOf(gateway.refund(asked));
      expect(error).toBeInstanceOf(PaymentDeclinedError);
      expect((error as PaymentDeclinedError).permanent).toBe(true);
      expect(error.message).toContain(reason);
      expect(error.message).toContain(String(status));
      expect(fake.paymentsUnder(asked.idempotencyKey)).toHaveLength(0);
    });

    it.each([503, 500, 429, 403, 409])('throws a retryable ProviderHttpError on %i', async (status) => {
      fake.nextRefunds.push(status === 503 ? 'unavailable' : status);
      const error = await failureOf(gateway.refund(order()));
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect(error).not.toBeInstanceOf(PaymentDeclinedError);
      expect((error as ProviderHttpError).status).toBe(status);
      expect(retryable(error)).toBe(true);
    });

    it('throws a retryable error when the provider refuses our key (401)', async () => {
      const error = await failureOf(new PaymentHttpGateway({ ...endpoint, apiKey: 'pk-wrong' }).refund(order()));
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect((error as ProviderHttpError).status).toBe(401);
      expect(retryable(error)).toBe(true);
      expect(fake.payments.filter((p) => p.transactionId === fake.received[0].body.transactionId)).toHaveLength(0);
    });

    it('throws a retryable error when nothing listens at the URL', async () => {
      const closed = await localServer(() => undefined);
      await closed.close();
      const error = await failureOf(new PaymentHttpGateway({ ...endpoint, url: closed.url }).refund(order()));
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect((error as ProviderHttpError).status).toBeNull();
      expect(retryable(error)).toBe(true);
    });

    it('refuses an answer without a providerRefundId with a retryable error that says so', async () => {
      fake.nextRefunds.push('malformed');
      const error = await failureOf(gateway.refund(order()));
      expect(error.message).toMatch(/answered 200 with no providerRefundId/);
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect(retryable(error)).toBe(true);
    });

    it('refuses an answer for another amount than asked with a retryable error that says so', async () => {
      fake.nextRefunds.push('wrong-amount');
      const error = await failureOf(gateway.refund(order({ amountMinor: 4500 })));
      expect(error.message).toMatch(/amount of 4400 .*refund of 4500/);
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect(retryable(error)).toBe(true);
    });

    it('gives up within timeoutMs on a provider that never answers', async () => {
      fake.nextRefunds.push('hang');
      const impatient = new PaymentHttpGateway({ ...endpoint, timeoutMs: 300 });
      const started = Date.now();
      const error = await failureOf(impatient.refund(order()));
      const took = Date.now() - started;
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect(error.message).toMatch(/timed out after 300 ms/);
      expect(retryable(error)).toBe(true);
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(1_500);
    });
  });

  describe('findRefund', () => {
    it('finds what the provider paid under a key, the key sent encoded in the query', async () => {
      // `&`, `=`, `?`, `#`, `+` and a space: sent raw, any of them would cut or change the key.
      const asked = order({ idempotencyKey: `rf-${uniqueId('r')}-1 a&b=c?d#e+f` });
      const paid = await gateway.refund(asked);
      fake.reset();
      expect(await gateway.findRefund(asked.idempotencyKey)).toEqual(paid);
      expect(fake.received).toHaveLength(1);
      expect(fake.received[0]).toMatchObject({ method: 'GET', path: '/refunds', query: { idempotencyKey: asked.idempotencyKey } });
      expect(fake.received[0].headers.authorization).toBe('Bearer pk-unit');
    });

    it('answers null when the provider holds nothing under the key (404)', async () => {
      expect(await gateway.findRefund(`rf-${uniqueId('r')}-1`)).toBeNull();
      expect(fake.received).toHaveLength(1);
      expect(fake.received[0]).toMatchObject({ method: 'GET', path: '/refunds' });
    });

    it('throws when the look-up fails (500) rather than answering "not paid"', async () => {
      const asked = order();
      await gateway.refund(asked);
      fake.nextLookups.push(500);
      const error = await failureOf(gateway.findRefund(asked.idempotencyKey));
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect((error as ProviderHttpError).status).toBe(500);
    });
  });
});

/**
 * The service configured with PAYMENT_API_URL pays through the provider's HTTP API: the real
 * API and workers on PostgreSQL and Redis, the provider a local fake.
 */
describe('refunds through the payment provider over HTTP', () => {
  let fake: FakePaymentProvider;
  let service: TestService;

  beforeAll(async () => {
    fake = await FakePaymentProvider.start('pk-test');
    service = await TestService.start({ withWorkers: true, env: { PAYMENT_API_URL: fake.url, PAYMENT_API_KEY: 'pk-test', PROVIDER_TIMEOUT: '2s' } });
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await service?.close();
    await fake?.close();
  });

  /** A refund-only return of the mug (45.00) of a new order; answers its case id and the order's transaction. */
  async function refundOnlyReturn(): Promise<{ caseId: string; transactionId: string }> {
    const { orderId, order } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId, { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] }));
    expect(created.status).toBe(202);
    return { caseId: created.body.id, transactionId: (order.payment as { transactionId: string }).transactionId };
  }

  async function keyOf(refundId: string): Promise<string> {
    const [{ key }] = await service.db.query('SELECT idempotency_key AS key FROM refunds WHERE id = $1', [refundId]);
    return key;
  }

  it('pays a refund-only return through the provider, once, and records its refund id', async () => {
    const { caseId, transactionId } = await refundOnlyReturn();
    const refunded = await service.waitForStatus(caseId, ['REFUNDED', 'REFUND_FAILED']);
    expect(refunded.status).toBe('REFUNDED');
    const key = await keyOf(refunded.refund.id);
    const payments = fake.paymentsUnder(key);
    expect(payments).toEqual([{ providerRefundId: expect.any(String), amountMinor: 4500, idempotencyKey: key, provider: 'alipay', transactionId, currency: 'CNY' }]);
    expect(refunded.refund).toMatchObject({ status: 'SUCCEEDED', amount: 4500, providerRefundId: payments[0].providerRefundId, attempts: 1 });
    expect(fake.refundRequestsOf(transactionId)[0].headers.authorization).toBe('Bearer pk-test');
    // Nothing went to the simulator.
    expect((await service.get(PaymentSimulator).payouts()).filter((p) => p.idempotencyKey === key)).toHaveLength(0);
  });

  it('pays once when the provider paid but answered 503: the retry asks again under the same key', async () => {
    fake.nextRefunds.push('paid-then-unavailable');
    const { caseId, transactionId } = await refundOnlyReturn();
    // BullMQ's backoff (5 s, with jitter) brings the second attempt.
    const refunded = await service.waitForStatus(caseId, ['REFUNDED', 'REFUND_FAILED'], 30_000);
    expect(refunded.status).toBe('REFUNDED');
    const key = await keyOf(refunded.refund.id);
    expect(fake.refundRequestsOf(transactionId).map((r) => r.headers['idempotency-key'])).toEqual([key, key]);
    const payments = fake.paymentsUnder(key);
    expect(payments).toHaveLength(1);
    expect(refunded.refund).toMatchObject({ status: 'SUCCEEDED', amount: 4500, providerRefundId: payments[0].providerRefundId, attempts: 2, lastError: null });
  }, 45_000);

  it('ends a refund the provider declines (402) as REFUND_FAILED, without a retry and with nothing paid', async () => {
    fake.nextRefunds.push('declined');
    const { caseId, transactionId } = await refundOnlyReturn();
    const failed = await service.waitForStatus(caseId, ['REFUNDED', 'REFUND_FAILED']);
    expect(failed.status).toBe('REFUND_FAILED');
    expect(failed.refund).toMatchObject({ status: 'FAILED', amount: 4500, attempts: 1, providerRefundId: null });
    expect(failed.refund.lastError).toContain('the refund window of this payment is over');
    // The customer sees the refund failed, not the provider's words (for finance).
    const portal = (await service.as('portal').get(`/v1/returns/${caseId}`).expect(200)).body;
    expect(portal.refund).toEqual({ ...failed.refund, lastError: undefined });
    expect(portal.refund).not.toHaveProperty('lastError');
    expect(fake.refundRequestsOf(transactionId)).toHaveLength(1);
    expect(fake.paymentsUnder(await keyOf(failed.refund.id))).toHaveLength(0);
  });
});
