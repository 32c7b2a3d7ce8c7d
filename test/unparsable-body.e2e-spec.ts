import type { Response } from 'supertest';
import { QueueName, Role, signBody } from '@returns/contracts';
import { expectError, putOrder } from './support/api-helpers';
import { uniqueId } from './support/factories';
import { TestService } from './support/service';

/**
 * A body that is not JSON waits for the guards (apps/api/src/http/body-parsers.ts): Express
 * parses bodies before any guard runs, and its parser used to answer 400 at once, so a caller
 * with no key, the wrong role or no signature heard about the JSON before it heard the
 * contract's 401 or 403. Now each of those comes first, and only a caller let through hears
 * 400 INVALID_JSON, in the error shape with the parser's words.
 */
describe('a body that is not JSON waits for the guards', () => {
  let service: TestService;
  let orderId: string;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
    ({ orderId } = await putOrder(service));
  });

  afterAll(() => service.close());

  const BROKEN = '{"orderId": ';
  const SOME_CASE = '00000000-0000-4000-8000-000000000000';

  /** Sends `body` as JSON to `method url`, as `role` (or with no key at all). */
  const send = (method: 'post' | 'put', url: string, role: Role | null, body = BROKEN, headers: Record<string, string> = {}): Promise<Response> => {
    const request = service.http()[method](url).set('Content-Type', 'application/json').set('Idempotency-Key', uniqueId('k')).set(headers);
    if (role) request.set('Authorization', `Bearer dev-${role}`);
    return request.send(body);
  };

  // [route, a role that may use it, a role that may not]
  const routes: [method: 'post' | 'put', url: string, allowed: Role, forbidden: Role][] = [
    ['post', '/v1/returns', 'portal', 'carrier'],
    ['put', '/v1/orders/o-unparsable', 'upstream', 'portal'],
    ['post', `/v1/returns/${SOME_CASE}/review`, 'agent', 'portal'],
    ['post', `/v1/returns/${SOME_CASE}/cancel`, 'portal', 'warehouse'],
    ['post', '/v1/logistics/tracking', 'carrier', 'portal'],
    ['post', `/v1/returns/${SOME_CASE}/inspection`, 'warehouse', 'carrier'],
  ];

  it.each(routes)('%s %s: no key 401, the wrong role 403, then 400 INVALID_JSON', async (method, url, allowed, forbidden) => {
    expectError(await send(method, url, null), 401, 'UNAUTHENTICATED');
    expectError(await send(method, url, forbidden), 403, 'FORBIDDEN_ROLE');
    const response = await send(method, url, allowed);
    expectError(response, 400, 'INVALID_JSON');
    expect(response.body.message).toBe('Unexpected end of JSON input');
  });

  it('POST /v1/events: no key 401, no signature 401 BAD_SIGNATURE, signed 400 INVALID_JSON', async () => {
    expectError(await send('post', '/v1/events', null), 401, 'UNAUTHENTICATED');
    expectError(await send('post', '/v1/events', 'upstream'), 401, 'BAD_SIGNATURE');
    expectError(await send('post', '/v1/events', 'upstream', BROKEN, { 'X-Signature': signBody(BROKEN, 'another-secret') }), 401, 'BAD_SIGNATURE');
    // The signature is checked against the bytes as sent, JSON or not.
    expectError(await send('post', '/v1/events', 'upstream', BROKEN, { 'X-Signature': signBody(BROKEN, 'dev-webhook-secret') }), 400, 'INVALID_JSON');
  });

  it("Bull Board (outside Nest): no key 401, another role 403, an admin's body that is not JSON 400, and the queue left as it was", async () => {
    const pause = '/admin/queues/api/queues/intake/pause';
    expectError(await send('put', pause, null), 401, 'UNAUTHENTICATED');
    expectError(await send('put', pause, 'agent'), 403, 'FORBIDDEN_ROLE');
    expectError(await send('put', pause, 'admin'), 400, 'INVALID_JSON');
    expect(await service.queue(QueueName.Intake).isPaused()).toBe(false);
  });

  it('stores nothing for a return request that is not JSON, and the next well-formed one is taken', async () => {
    const before = await service.db.query('SELECT count(*)::int AS n FROM return_requests');
    const broken = JSON.stringify({ orderId, type: 'REFUND_ONLY', reasonCode: 'OTHER', items: [{ sku: 'S1', quantity: 1 }] }).slice(0, -1);
    expectError(await send('post', '/v1/returns', 'portal', broken), 400, 'INVALID_JSON');
    expect(await service.db.query('SELECT count(*)::int AS n FROM return_requests')).toEqual(before);
    // The error is held on its own request only: the same body made whole is taken.
    const whole = await send('post', '/v1/returns', 'portal', `${broken}}`);
    expect(whole.status).toBe(202);
  });

  it('still refuses a body over the parser limit at once, whoever sends it', async () => {
    const huge = JSON.stringify({ reasonText: 'x'.repeat(200 * 1024) });
    for (const role of [null, 'portal'] as const) expectError(await send('post', '/v1/returns', role, huge), 413, 'ENTITY_TOO_LARGE');
  });
});
