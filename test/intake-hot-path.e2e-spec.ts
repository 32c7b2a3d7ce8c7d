import type { ExecutionContext } from '@nestjs/common';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { IntakeService } from '@returns/intake';
import { ApiKeyGuard } from '../apps/api/src/auth/api-key.guard';
import { countRows, expectError, expectFieldError, postReturn, putOrder } from './support/api-helpers';
import { returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';

/**
 * `POST /v1/returns` has two ways in: `IntakeHotPath` takes certainly valid requests in
 * front of Express, and hands everything else, body and all, to the controller. Both must
 * answer the same request the same way, and the hot one must really be taken.
 */
describe('the intake hot path', () => {
  let service: TestService;
  // Nest's route to the controller runs the guard first; the hot path does not.
  let guardCalls: jest.SpyInstance;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
    guardCalls = jest.spyOn(ApiKeyGuard.prototype, 'canActivate');
  });

  beforeEach(() => guardCalls.mockClear());

  /** How many `POST /v1/returns` reached Nest's router (and so the controller) since the test began. */
  const controllerCalls = {
    count: () =>
      guardCalls.mock.calls.filter(([context]: [ExecutionContext]) => {
        const request = context.switchToHttp().getRequest();
        return request.method === 'POST' && request.originalUrl === '/v1/returns';
      }).length,
  };

  afterAll(() => service.close());

  it('accepts a valid request without the controller, and answers as the controller does', async () => {
    const { orderId } = await putOrder(service);
    const response = await postReturn(service, returnBody(orderId));
    expect(response.status).toBe(202);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      rmaNumber: expect.stringMatching(/^RMA-\d{8}-[0-9A-Z]{10}$/),
      status: 'REQUESTED',
      statusUrl: expect.stringMatching(new RegExp(`/v1/returns/${response.body.id}$`)),
    });
    expect(controllerCalls.count()).toBe(0);
    expect(await countRows(service, 'return_requests WHERE id = $1', [response.body.id])).toBe(1);
  });

  it('leaves an invalid request to the controller, which writes the error', async () => {
    const { orderId } = await putOrder(service);
    const response = await postReturn(service, returnBody(orderId, { items: [] }));
    expectFieldError(response, /items/);
    expect(controllerCalls.count()).toBe(1);
  });

  it('answers a repeat the same whichever way each of the two came in', async () => {
    const { orderId } = await putOrder(service);
    // 1,001 emoji: valid (class-validator counts characters), but past what the hot path is sure of.
    const body = returnBody(orderId, { reasonText: '😀'.repeat(1001) });
    const key = uniqueId('key');
    const first = await postReturn(service, body, { key });
    expect(first.status).toBe(202);
    expect(controllerCalls.count()).toBe(1);

    const hot = returnBody(orderId);
    const hotKey = uniqueId('key');
    const viaHot = await postReturn(service, hot, { key: hotKey });
    // The same body with its keys in another order goes the hot way and is the same request.
    const reordered = Object.fromEntries(Object.entries(hot).reverse());
    const again = await postReturn(service, reordered, { key: hotKey });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(viaHot.body.id);
    expect(controllerCalls.count()).toBe(1);

    const changed = await postReturn(service, { ...hot, reasonText: 'another' }, { key: hotKey });
    expectError(changed, 409, 'IDEMPOTENCY_KEY_REUSED');
    expect(controllerCalls.count()).toBe(2); // an error of the acceptance is the controller's to answer
  });

  it('leaves a request it could not accept to the controller, which answers the error once', async () => {
    // One attempt per request, whichever way it came: the controller answers with the hot path's error.
    const attempts = jest.spyOn(IntakeService.prototype, 'accept');
    const unknown = await postReturn(service, returnBody(uniqueId('no-such-order')));
    expectError(unknown, 404, 'ORDER_NOT_FOUND');
    const { orderId } = await putOrder(service);
    const nul = await postReturn(service, returnBody(orderId, { reasonText: 'a\u0000b' }));
    expectError(nul, 400, 'UNSUPPORTED_TEXT');
    expect(controllerCalls.count()).toBe(2);
    // Text the database cannot store is not tried at all, either way: the hot path leaves it
    // to Express, where BodyLimitsPipe refuses it before the controller would.
    expect(attempts).toHaveBeenCalledTimes(1);
    attempts.mockRestore();
    expect(await countRows(service, 'return_requests WHERE order_id = $1', [orderId])).toBe(0);
  });

  it('hands malformed JSON and an unexpected content type to the body parser as they came', async () => {
    const broken = await service.as('portal').post('/v1/returns', undefined, { 'Idempotency-Key': uniqueId('k'), 'Content-Type': 'application/json' }).send('{"orderId": ');
    // The body parser's own words: it read the very bytes the hot path had read before it.
    expect({ status: broken.status, code: broken.body.code, message: broken.body.message }).toEqual({ status: 400, code: 'INVALID_JSON', message: 'Unexpected end of JSON input' });
    const { orderId } = await putOrder(service);
    const form = await service
      .as('portal')
      .post('/v1/returns', undefined, { 'Idempotency-Key': uniqueId('k'), 'Content-Type': 'application/x-www-form-urlencoded' })
      .send(`orderId=${orderId}&type=REFUND_ONLY&reasonCode=OTHER`);
    expect(form.status).toBe(400);
    // Both went through the guards (a body that is not JSON waits for them: body-parsers.ts).
    expect(controllerCalls.count()).toBe(2);
  });

  it('leaves callers it does not know, roles that may not ask, and bad keys to the guard and controller', async () => {
    const { orderId } = await putOrder(service);
    expectError(await postReturn(service, returnBody(orderId), { role: 'carrier' }), 403, 'FORBIDDEN_ROLE');
    expectError(await service.http().post('/v1/returns').set('Idempotency-Key', uniqueId('k')).send(returnBody(orderId)), 401, 'UNAUTHENTICATED');
    expectError(await postReturn(service, returnBody(orderId), { key: 'k'.repeat(256) }), 400, 'IDEMPOTENCY_KEY_TOO_LONG');
    expectError(await service.as('portal').post('/v1/returns', returnBody(orderId), { 'Idempotency-Key': ' ' }), 400, 'IDEMPOTENCY_KEY_REQUIRED');
    // A return body sent to another POST route of the same controller is not a return.
    const other = await service.as('portal').post('/v1/returns/00000000-0000-4000-8000-000000000000/cancel', returnBody(orderId), { 'Idempotency-Key': uniqueId('k') });
    expect(other.status).toBe(400);
    expect(await countRows(service, 'return_requests WHERE order_id = $1', [orderId])).toBe(0);
  });

  it('survives a client that hangs up halfway through its body, and stores nothing of it', async () => {
    const { orderId } = await putOrder(service);
    const server = service.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const body = JSON.stringify(returnBody(orderId));
    const key = uniqueId('k');
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /v1/returns HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-portal\r\nIdempotency-Key: ${key}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 20)}`,
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 100));
    // The process is still here, and the next request is answered.
    expect((await postReturn(service, returnBody(orderId))).status).toBe(202);
    expect(await countRows(service, 'return_requests WHERE idempotency_key = $1', [key])).toBe(0);
  });
});
