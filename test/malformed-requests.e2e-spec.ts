import type { Response } from 'supertest';
import { QueueName } from '@returns/contracts';
import { expectBadRequest } from './support/api-helpers';
import { orderBody, returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';

/**
 * Malformed requests are refused before anything happens: each answers 400 in Nest's error
 * shape (`{statusCode: 400, error: 'Bad Request', message}`) naming the field at fault, and
 * leaves the database and the queues exactly as they were (contract, "Returns": "Shape
 * errors ...: 400 naming the field, nothing stored").
 */

type Send = (service: TestService) => Promise<Response>;

const PORTAL = { Authorization: 'Bearer dev-portal' };
const SHA = 'a'.repeat(64);

/** Idempotency keys are fresh and valid: a refusal must come from the body alone. */
const idem = () => ({ 'Idempotency-Key': uniqueId('key') });

/** A JSON body, as a portal would post it. */
const json = (body: (orderId: string) => unknown): ((orderId: string) => Send) => (orderId) => (service) =>
  service.http().post('/v1/returns').set(PORTAL).set(idem()).set('Content-Type', 'application/json').send(JSON.stringify(body(orderId)));

/** A raw body with its own content type (bad JSON, text, form). */
const raw = (contentType: string | null, body: (orderId: string) => string | undefined): ((orderId: string) => Send) => (orderId) => (service) => {
  const req = service.http().post('/v1/returns').set(PORTAL).set(idem());
  if (contentType) req.set('Content-Type', contentType);
  const payload = body(orderId);
  return payload === undefined ? req : req.send(payload);
};

/** A valid body but for `patch` (a key set to `undefined` is left out). */
const valid = (patch: Record<string, unknown> = {}) => (orderId: string) => returnBody(orderId, patch);
const without = (...keys: string[]) => (orderId: string) => {
  const body: Record<string, unknown> = returnBody(orderId);
  for (const key of keys) delete body[key];
  return body;
};
const withItem = (item: Record<string, unknown>) => valid({ items: [item] });
const withPhoto = (photo: unknown) => valid({ reasonCode: 'QUALITY_DEFECT', photos: [photo] });

const returnCases: [string, (orderId: string) => Send, RegExp | undefined, boolean?][] = [
  // wrong types
  ['orderId is a number', json(valid({ orderId: 12345 })), /orderId/],
  ['items is an object', json(valid({ items: { sku: 'S1', quantity: 1 } })), /items/],
  ['quantity is the string "1"', json(withItem({ sku: 'S1', quantity: '1' })), /items\.0\.quantity/],
  ['quantity is 1.5', json(withItem({ sku: 'S1', quantity: 1.5 })), /items\.0\.quantity/],
  ['quantity is a boolean', json(withItem({ sku: 'S1', quantity: true })), /items\.0\.quantity/],
  ['sku is a number', json(withItem({ sku: 1, quantity: 1 })), /items\.0\.sku/],
  ['reasonText is a number', json(valid({ reasonText: 42 })), /reasonText/],
  ['photos is not an array', json(valid({ photos: { url: 'https://img.example.com/1.jpg', sha256: SHA } })), /photos/],
  ['a photo url is not a URL', json(withPhoto({ url: 'not a url', sha256: SHA })), /url/],
  ['a photo url is a javascript: URL', json(withPhoto({ url: 'javascript:alert(1)', sha256: SHA })), /url/],
  ['an item is null', json(valid({ items: [null] })), /items/],
  ['an item is a string', json(valid({ items: ['S1'] })), /items/],
  // class-validator's nested validation looks inside an array where it expects an object
  ['an item is an empty array', json(valid({ items: [[]] })), /items must be an object/],
  ['an item is an array holding a valid line', json(valid({ items: [[{ sku: 'S1', quantity: 1 }]] })), /items must be an object/],
  ['a photo is null', json(valid({ photos: [null] })), /photos/],
  // unknown enum values
  ['type is unknown', json(valid({ type: 'STORE_CREDIT' })), /type/],
  ['reasonCode is unknown', json(valid({ reasonCode: 'TOO_EXPENSIVE' })), /reasonCode/],
  ['returnMethod is unknown', json(valid({ returnMethod: 'MAIL' })), /returnMethod/],
  ['type in lower case', json(valid({ type: 'return_refund' })), /type/],
  ['reasonCode in lower case', json(valid({ reasonCode: 'size_fit' })), /reasonCode/],
  ['REFUND_ONLY with returnMethod null', json(valid({ type: 'REFUND_ONLY', returnMethod: null })), /returnMethod/],
  // missing fields
  ['orderId is missing', json(without('orderId')), /orderId/],
  ['orderId is empty', json(valid({ orderId: '' })), /orderId/],
  ['type is missing', json(without('type')), /type/],
  ['reasonCode is missing', json(without('reasonCode')), /reasonCode/],
  ['items is missing', json(without('items')), /items/],
  ['returnMethod is missing for RETURN_REFUND', json(without('returnMethod')), /returnMethod/],
  ['returnMethod is missing for EXCHANGE', json((o) => ({ ...without('returnMethod')(o), type: 'EXCHANGE' })), /returnMethod/],
  ['sku is missing in an item', json(withItem({ quantity: 1 })), /items\.0\.sku/],
  ['quantity is missing in an item', json(withItem({ sku: 'S1' })), /items\.0\.quantity/],
  ['sha256 is missing in a photo', json(withPhoto({ url: 'https://img.example.com/1.jpg' })), /sha256/],
  // extra fields
  ['an extra top-level field', json(valid({ refundAmount: 999999 })), /refundAmount/],
  ['an extra field in an item', json(withItem({ sku: 'S1', quantity: 1, unitPrice: 1 })), /unitPrice/],
  ['an extra field in a photo', json(withPhoto({ url: 'https://img.example.com/1.jpg', sha256: SHA, exif: 'x' })), /exif/],
  ['an extra "status" field', json(valid({ status: 'APPROVED' })), /status/],
  // huge texts
  ['reasonText of 2001 chars', json(valid({ reasonText: 'x'.repeat(2001) })), /reasonText/],
  ['reasonText of 100 kB (under the parser limit)', json(valid({ reasonText: 'x'.repeat(100_000) })), /reasonText/],
  ['sku of 129 chars', json(withItem({ sku: 'S'.repeat(129), quantity: 1 })), /items\.0\.sku/],
  ['orderId of 129 chars', json(valid({ orderId: 'o'.repeat(129) })), /orderId/],
  ['channel of 33 chars', json(valid({ channel: 'c'.repeat(33) })), /channel/],
  ['a photo url of 2049 chars', json(withPhoto({ url: `https://img.example.com/${'p'.repeat(2025)}`, sha256: SHA })), /url/],
  // quantities and item counts
  ['quantity is negative', json(withItem({ sku: 'S1', quantity: -1 })), /items\.0\.quantity/],
  ['quantity is zero', json(withItem({ sku: 'S1', quantity: 0 })), /items\.0\.quantity/],
  ['quantity is over 100000', json(withItem({ sku: 'S1', quantity: 100_001 })), /items\.0\.quantity/],
  ['items is empty', json(valid({ items: [] })), /items/],
  ['101 items', json(valid({ items: Array.from({ length: 101 }, () => ({ sku: 'S1', quantity: 1 })) })), /items/],
  ['21 photos', json(valid({ photos: Array.from({ length: 21 }, (_, i) => ({ url: `https://img.example.com/${i}.jpg`, sha256: SHA })) })), /photos/],
  // null values
  ['items is null', json(valid({ items: null })), /items/],
  ['orderId is null', json(valid({ orderId: null })), /orderId/],
  ['type is null', json(valid({ type: null })), /type/],
  // bad sha256
  ['sha256 of 63 chars', json(withPhoto({ url: 'https://img.example.com/1.jpg', sha256: 'a'.repeat(63) })), /sha256/],
  ['sha256 of 65 chars', json(withPhoto({ url: 'https://img.example.com/1.jpg', sha256: 'a'.repeat(65) })), /sha256/],
  ['sha256 not hex', json(withPhoto({ url: 'https://img.example.com/1.jpg', sha256: 'g'.repeat(64) })), /sha256/],
  // bodies that are not a return request at all
  ['bad JSON (truncated)', raw('application/json', () => '{"orderId": '), undefined],
  ['bad JSON (trailing comma)', raw('application/json', (o) => `{"orderId": "${o}",}`), undefined],
  ['bad JSON (single quotes)', raw('application/json', (o) => `{'orderId': '${o}'}`), undefined],
  ['text/plain body', raw('text/plain', (o) => JSON.stringify(returnBody(o))), /orderId/],
  [
    'form-urlencoded body',
    raw('application/x-www-form-urlencoded', (o) =>
      `orderId=${o}&type=RETURN_REFUND&reasonCode=SIZE_FIT&returnMethod=DROP_OFF&items[0][sku]=S1&items[0][quantity]=1`),
    /quantity/,
  ],
  ['no body at all', raw(null, () => undefined), /orderId/],
  ['an empty JSON body', raw('application/json', () => ''), /orderId/],
  ['an empty JSON object', raw('application/json', () => '{}'), /orderId/],
  ['a JSON array body', raw('application/json', () => '[]'), undefined],
  ['a JSON array of a valid request', raw('application/json', (o) => JSON.stringify([returnBody(o)])), undefined],
  ['a JSON string body', raw('application/json', () => '"hello"'), undefined],
  // as deep as a body under the parser's 100 kB can nest: it ran the ValidationPipe out of stack (a 500)
  ['items nested 40,000 arrays deep', raw('application/json', (o) => `{"orderId": "${o}", "type": "REFUND_ONLY", "reasonCode": "OTHER", "items": ${'['.repeat(40_000)}${']'.repeat(40_000)}}`), /more than 32 deep/],
  ['an item nested 15,000 objects deep', raw('application/json', (o) => `{"orderId": "${o}", "type": "REFUND_ONLY", "reasonCode": "OTHER", "items": [${'{"a":'.repeat(15_000)}1${'}'.repeat(15_000)}]}`), /more than 32 deep/],
  ['a JSON number body', raw('application/json', () => '42'), undefined],
  ['a JSON null body', raw('application/json', () => 'null'), undefined],
  // refused by the body parser itself: 413 / 415 are allowed, a 4xx in the error shape is required
  ['reasonText of 200 KiB (over the JSON parser limit of 100 KiB)', json(valid({ reasonText: 'x'.repeat(200 * 1024) })), undefined, true],
  ['a JSON body in an unsupported charset', raw('application/json; charset=latin1', (o) => JSON.stringify(returnBody(o))), undefined, true],
  ['a JSON body claiming gzip that is not gzip', (o) => (s) =>
    s.http().post('/v1/returns').set(PORTAL).set(idem()).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(JSON.stringify(returnBody(o))), undefined, true],
];


const describeResponse = (response: Response) => `${response.status} ${JSON.stringify(response.body).slice(0, 600)}`;

describe('malformed requests are refused with 400 and change nothing', () => {
  let service: TestService;
  let orderId: string;
  let receivedCaseId: string;
  let baseline: State;

  interface State {
    requests: number;
    cases: number;
    outbox: number;
    inspections: number;
    orders: number;
    order: unknown;
    intake: Record<string, number>;
    inspectionQueue: Record<string, number>;
    receivedStatus: string;
  }

  const count = async (table: string): Promise<number> => {
    const [{ n }] = await service.db.query(`SELECT count(*)::int AS n FROM ${table}`);
    return n;
  };

  const state = async (): Promise<State> => {
    const [order] = await service.db.query('SELECT * FROM orders WHERE id = $1', [orderId]);
    const [received] = await service.db.query('SELECT status FROM return_cases WHERE id = $1', [receivedCaseId]);
    return {
      requests: await count('return_requests'),
      cases: await count('return_cases'),
      outbox: await count('outbox'),
      inspections: await count('inspections'),
      orders: await count('orders'),
      order,
      intake: await service.queue(QueueName.Intake).getJobCounts(),
      inspectionQueue: await service.queue(QueueName.Inspection).getJobCounts(),
      receivedStatus: received?.status,
    };
  };

  /**
   * Sends, checks the answer, and that nothing changed since just before. `anyClientError`:
   * refused by the body parser before validation (over its size limit, a charset or encoding
   * it cannot read): the contract requires a 4xx in the error shape there, not exactly 400.
   */
  const refused = async (send: Send, field: RegExp | undefined, anyClientError = false) => {
    const before = await state();
    const response = await send(service);
    try {
      if (anyClientError) {
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.body).toMatchObject({ statusCode: response.status, error: expect.any(String), message: expect.anything() });
      } else {
        expectBadRequest(response, field);
      }
    } catch (error) {
      (error as Error).message += `\n\nresponse: ${describeResponse(response)}`;
      throw error;
    }
    expect(await state()).toEqual(before);
  };

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true });

    // The real order every malformed return request names.
    orderId = uniqueId('o');
    await service.as('upstream').put(`/v1/orders/${orderId}`, orderBody()).expect(200);

    // A real case in RECEIVED (on its own order) for the inspection cases.
    const otherOrder = uniqueId('o');
    await service.as('upstream').put(`/v1/orders/${otherOrder}`, orderBody()).expect(200);
    const created = await service.as('portal').post('/v1/returns', returnBody(otherOrder), idem()).expect(202);
    receivedCaseId = created.body.id;
    const awaiting = await service.waitForStatus(receivedCaseId, 'AWAITING_SHIPMENT');
    const { carrier, trackingNumber } = awaiting.shipment;
    await service
      .as('carrier')
      .post('/v1/logistics/tracking', { carrier, trackingNumber, status: 'PICKED_UP', occurredAt: new Date().toISOString() })
      .expect(202);
    await service.waitForStatus(receivedCaseId, 'IN_TRANSIT');
    await service.as('warehouse').post(`/v1/returns/${receivedCaseId}/receive`).expect(200);
    await service.drain();

    baseline = await state();
    expect(baseline.receivedStatus).toBe('RECEIVED');
  });

  afterAll(() => service?.close());

  describe('POST /v1/returns', () => {
    it('control: the well-formed body these cases are made from passes validation', async () => {
      // The factory body itself passes validation: for an unknown order it gets past the
      // ValidationPipe to the handler's 404 (and stores nothing either).
      const response = await service.as('portal').post('/v1/returns', returnBody(uniqueId('unknown-order')), idem());
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 404, code: 'ORDER_NOT_FOUND' });
      expect(await state()).toEqual(baseline);
    });

    // One object per row: jest-each takes a callback with more parameters than a row has
    // cells for one waiting on `done()`.
    it.each(
      returnCases.map(([name, send, field, anyClientError]) => ({
        name,
        send,
        field,
        anyClientError: !!anyClientError,
        expected: anyClientError ? 'a 4xx in the error shape' : field ? '400 naming the field' : '400',
      })),
    )(
      '$name: $expected, nothing stored',
      async ({ send, field, anyClientError }) => {
        await refused(send(orderId), field, anyClientError);
      },
    );
  });

  describe('PUT /v1/orders/{orderId}', () => {
    const put = (body: unknown, id?: string): Send => (s) =>
      s.http().put(`/v1/orders/${encodeURIComponent(id ?? orderId)}`).set({ Authorization: 'Bearer dev-upstream' }).set('Content-Type', 'application/json').send(JSON.stringify(body));
    const order = (patch: Record<string, unknown>) => orderBody(patch);
    const orderCases: [string, () => Send, RegExp | undefined][] = [
      ['currency in lower case', () => put(order({ currency: 'cny' })), /currency/],
      ['items is empty', () => put(order({ items: [] })), /items/],
      ['an item with quantity 0', () => put(order({ items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 0, unitPrice: 9900 }] })), /items\.0\.quantity/],
      ['an item with a fractional unitPrice', () => put(order({ items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 1, unitPrice: 99.5 }] })), /items\.0\.unitPrice/],
      ['customer is missing', () => put(order({ customer: undefined })), /customer/],
      ['an item that is an empty array (its price would make the paid total NaN)', () => put(order({ items: [[]] })), /items must be an object/],
      ['the address is an array', () => put(order({ address: [] })), /address must be an object/],
      ['an extra field in customer', () => put(order({ customer: { id: 'c1', creditLimit: 5 } })), /creditLimit/],
      ['deliveredAt is not a timestamp', () => put(order({ deliveredAt: 'yesterday' })), /deliveredAt/],
      ['an extra top-level field', () => put(order({ refundedTotal: 0 })), /refundedTotal/],
      ['a path orderId of 129 chars (valid body)', () => put(order({}), 'o'.repeat(129)), /orderId/],
      [
        'customer nested 40,000 arrays deep',
        () => (s) =>
          s.http().put(`/v1/orders/${encodeURIComponent(orderId)}`).set({ Authorization: 'Bearer dev-upstream' }).set('Content-Type', 'application/json')
            .send(`{"customer": ${'['.repeat(40_000)}${']'.repeat(40_000)}}`),
        /more than 32 deep/,
      ],
    ];

    it.each(orderCases.map(([name, send, field]) => ({ name, send, field })))('$name: 400 naming the field, the order unchanged', async ({ send, field }) => {
      await refused(send(), field);
    });
  });

  describe('POST /v1/returns/{id}/inspection', () => {
    const inspect = (body: unknown, id?: string): Send => (s) =>
      s.http().post(`/v1/returns/${id ?? receivedCaseId}/inspection`).set({ Authorization: 'Bearer dev-warehouse' }).set('Content-Type', 'application/json').send(JSON.stringify(body));
    const line = (patch: Record<string, unknown> = {}) => ({ sku: 'S1', quantity: 1, condition: 'NEW', checks: { tagsAttached: true, signsOfWear: false }, ...patch });
    const inspectionCases: [string, () => Send, RegExp | undefined][] = [
      ['condition is unknown', () => inspect({ inspector: 'w-07', items: [line({ condition: 'BROKEN' })] }), /items\.0\.condition/],
      ['inspector is missing', () => inspect({ items: [line()] }), /inspector/],
      ['items is empty', () => inspect({ inspector: 'w-07', items: [] }), /items/],
      ['a check is the string "no"', () => inspect({ inspector: 'w-07', items: [line({ checks: { signsOfWear: 'no' } })] }), /signsOfWear/],
      ['an extra field in an item', () => inspect({ inspector: 'w-07', items: [line({ refundAmount: 1 })] }), /refundAmount/],
      ['a photo with a bad sha256', () => inspect({ inspector: 'w-07', items: [line({ photos: [{ url: 'https://img.example.com/qc.jpg', sha256: 'z'.repeat(64) }] })] }), /sha256/],
      ['quantity is 0', () => inspect({ inspector: 'w-07', items: [line({ quantity: 0 })] }), /items\.0\.quantity/],
      ['an unknown case id with a malformed body (validation runs first)', () => inspect({ inspector: 'w-07', items: [line({ condition: 'BROKEN' })] }, '00000000-0000-4000-8000-000000000000'), /condition/],
    ];

    it.each(inspectionCases.map(([name, send, field]) => ({ name, send, field })))('$name: 400 naming the field, the case still RECEIVED', async ({ send, field }) => {
      await refused(send(), field);
    });
  });

  it('left the database and the queues as they were after all of them', async () => {
    await new Promise((r) => setTimeout(r, 500)); // anything a worker might have picked up
    expect(await state()).toEqual(baseline);
  });
});
