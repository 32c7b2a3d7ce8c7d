import type { Response } from 'supertest';
import { signBody } from '@returns/contracts';
import { expectError } from './support/api-helpers';
import { orderBody, uniqueId } from './support/factories';
import { TestService } from './support/service';

/**
 * `POST /v1/events` checks the signature before it looks at the body (contract, "Auth": "Bad or
 * missing signature: 401, nothing stored"): an unsigned sender learns nothing about the envelope.
 */
describe('POST /v1/events: the signature before the body', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  /** Posts `body` as upstream, signed with `secret` (or not at all when null). */
  const post = (body: unknown, secret: string | null = 'dev-webhook-secret'): Promise<Response> => {
    const text = JSON.stringify(body);
    const request = service.http().post('/v1/events').set('Authorization', 'Bearer dev-upstream').set('Content-Type', 'application/json');
    if (secret !== null) request.set('X-Signature', signBody(text, secret));
    return request.send(text);
  };

  const delivered = () => ({ id: uniqueId('evt'), type: 'order.delivered', occurredAt: new Date().toISOString(), data: { orderId: uniqueId('o'), ...orderBody() } });

  const malformed: [string, unknown][] = [
    ['an unknown type', { ...delivered(), type: 'order.shipped' }],
    ['a date that is not ISO 8601', { ...delivered(), occurredAt: 'yesterday' }],
    ['a field the envelope does not have', { ...delivered(), extra: true }],
    ['no data', { ...delivered(), data: undefined }],
    ['an empty object', {}],
    ['an array', [delivered()]],
  ];

  it.each(malformed)('answers 401 BAD_SIGNATURE, not 400, to an unsigned envelope with %s', async (_, body) => {
    const response = await post(body, null);
    expectError(response, 401, 'BAD_SIGNATURE');
    // Nothing of the validation reaches a sender that has not proved who it is.
    expect(response.body.message).not.toMatch(/type|occurredAt|data|extra|should not exist/);
  });

  it.each(malformed)('answers 401 BAD_SIGNATURE to an envelope with %s signed with another secret', async (_, body) => {
    expectError(await post(body, 'not-the-secret'), 401, 'BAD_SIGNATURE');
  });

  it('answers 401 BAD_SIGNATURE to a body that is not JSON and carries no signature', async () => {
    const response = await service.http().post('/v1/events').set('Authorization', 'Bearer dev-upstream').set('Content-Type', 'text/plain').send('order.delivered o1');
    expectError(response, 401, 'BAD_SIGNATURE');
  });

  it('stores nothing for an unsigned event however well it is formed', async () => {
    const event = delivered();
    expectError(await post(event, null), 401, 'BAD_SIGNATURE');
    expect(await service.db.query('SELECT 1 FROM upstream_events WHERE id = $1', [event.id])).toEqual([]);
    expect(await service.db.query('SELECT 1 FROM orders WHERE id = $1', [event.data.orderId])).toEqual([]);
  });

  it('still answers a signed but malformed envelope with 400 naming each problem, as the validation pipe words it', async () => {
    const expectMessages = (response: Response, message: string[]) =>
      expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message } });
    expectMessages(await post({ ...delivered(), type: 'order.shipped' }), ['type must be one of the following values: order.delivered, return.requested']);
    expectMessages(await post({ ...delivered(), extra: true }), ['property extra should not exist']);
    expectMessages(await post({ ...delivered(), occurredAt: 'yesterday', data: {} }), ['occurredAt must be a valid ISO 8601 date string', 'data must be a non-empty object']);
    expectMessages(await post({}), [
      'id must be shorter than or equal to 200 characters',
      'id should not be empty',
      'id must be a string',
      'type must be one of the following values: order.delivered, return.requested',
      'occurredAt must be a valid ISO 8601 date string',
      'data must be a non-empty object',
      'data must be an object',
    ]);
  });

  it('answers 401 to an unsigned body every pipe would refuse, and only a signed one hears why', async () => {
    const deep: unknown = Array.from({ length: 40 }).reduce<unknown>((inner) => [inner], 'x');
    const refused: [unknown, string][] = [
      [{ ...delivered(), id: 'evt-\u0000' }, 'UNSUPPORTED_TEXT'],
      [{ ...delivered(), id: 'evt-\ud83d' }, 'UNSUPPORTED_TEXT'],
      [{ ...delivered(), data: { orderId: 'o', nested: deep } }, 'BODY_TOO_DEEP'],
    ];
    for (const [body, code] of refused) {
      expectError(await post(body, null), 401, 'BAD_SIGNATURE');
      expectError(await post(body), 400, code);
    }
    // The API key is checked before the signature.
    const keyless = await service.http().post('/v1/events').set('Content-Type', 'application/json').send(JSON.stringify(delivered()));
    expect(keyless.status).toBe(401);
    expect(keyless.body.code).not.toBe('BAD_SIGNATURE');
  });

  it('takes a signed, well-formed event', async () => {
    const response = await post(delivered());
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ accepted: true, duplicate: false });
  });
});
