import { expectError, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';
import { serviceBehindDatabaseRelay, TcpProxy } from './support/tcp-proxy';

/**
 * PostgreSQL away (restarting, failing over): the API answers 503 DATABASE_UNAVAILABLE with
 * Retry-After, not a 500, and a client that retries with the same Idempotency-Key once it is
 * back gets its return accepted once. The service reaches PostgreSQL through a relay the test cuts.
 */
describe('the API while PostgreSQL is away', () => {
  let service: TestService;
  let relay: TcpProxy;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ service, relay, close } = await serviceBehindDatabaseRelay());
  });

  afterAll(() => close?.());

  it('answers 503 with Retry-After, and takes the same request once when it is back', async () => {
    const { orderId } = await putOrder(service);
    const accepted = await postReturn(service, returnBody(orderId));
    expect(accepted.status).toBe(202);
    const { orderId: laterOrder } = await putOrder(service);
    await relay.cut();

    const body = returnBody(laterOrder);
    const key = `away-${Date.now()}`;
    for (const response of [
      await postReturn(service, body, { key }),
      await service.as('agent').get(`/v1/returns/${accepted.body.id}`),
      await service.as('admin').post('/v1/admin/recovery', {}),
    ]) {
      expectError(response, 503, 'DATABASE_UNAVAILABLE');
      expect(response.headers['retry-after']).toBe('2');
    }

    await relay.restore();
    let retried = await postReturn(service, body, { key });
    for (const until = Date.now() + 10_000; retried.status === 503 && Date.now() < until; retried = await postReturn(service, body, { key })) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(retried.status).toBe(202);
    const again = await postReturn(service, body, { key });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(retried.body.id);
    expect((await service.db.query('SELECT count(*)::int AS n FROM return_requests WHERE order_id = $1', [laterOrder]))[0].n).toBe(1);
  });

  it('answers 503, not 500, when the connection is reset under a statement', async () => {
    const { orderId } = await putOrder(service);
    relay.stall();
    // The request's statement goes out and hangs; then the server "dies" with it unread.
    const pending = Promise.resolve(postReturn(service, returnBody(orderId), { key: `reset-${Date.now()}` }));
    await new Promise((r) => setTimeout(r, 300));
    await relay.cut({ reset: true });
    const response = await pending;
    expectError(response, 503, 'DATABASE_UNAVAILABLE');
    expect(response.headers['retry-after']).toBe('2');
    await relay.restore();
  });
});
