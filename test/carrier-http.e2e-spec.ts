import { IncomingMessage } from 'node:http';
import { ProviderHttpError } from '@returns/contracts';
import { Booking, BookingRequest, CARRIER_GATEWAY, CarrierHttpGateway, CarrierSimulator } from '@returns/logistics';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody, uniqueId } from './support/factories';
import { FakeProvider, Send } from './support/fake-provider';
import { TestService } from './support/service';

/**
 * A courier aggregator speaking the API CarrierHttpGateway documents: it books once per
 * Idempotency-Key (a retry answers the same booking) and forgets a booking once cancelled.
 */
class FakeCarrier extends FakeProvider {
  /** by Idempotency-Key */
  readonly bookings = new Map<string, Booking>();
  private issued = 0;

  protected answer(req: IncomingMessage, body: any, send: Send): void {
    if (req.method === 'POST' && req.url === '/bookings') {
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || !key) return send(400, { error: 'Idempotency-Key required' });
      const held = this.bookings.get(key);
      if (held) return send(200, held);
      const trackingNumber = `${body.carrier}${String(++this.issued).padStart(12, '0')}`;
      const pickup = body.method === 'PICKUP';
      const booking: Booking = {
        trackingNumber,
        labelUrl: pickup ? null : `https://labels.aggregator.example/${trackingNumber}.pdf`,
        pickupWindow: pickup ? { from: '2030-01-02T01:00:00.000Z', to: '2030-01-02T05:00:00.000Z' } : null,
        costMinor: body.quotedCostMinor,
      };
      this.bookings.set(key, booking);
      return send(201, booking);
    }
    const cancel = /^\/bookings\/([^/]+)$/.exec(req.url!);
    if (req.method === 'DELETE' && cancel) {
      const trackingNumber = decodeURIComponent(cancel[1]);
      const key = [...this.bookings].find(([, b]) => b.trackingNumber === trackingNumber)?.[0];
      if (!key) return send(404, { error: 'no such booking' });
      this.bookings.delete(key);
      return send(204);
    }
    send(404, { error: 'no such route' });
  }
}

const FROM = { name: '李雷', phone: '+8613800000000', province: '浙江', city: '杭州', district: '西湖区', line: '文三路 1 号', postalCode: '310000' };
const TO = { name: '韩梅梅', phone: '+8613900000000', province: '广东', city: '深圳', line: '深南大道 2 号' };

function request(overrides: Partial<BookingRequest> = {}): BookingRequest {
  return { bookingKey: uniqueId('case'), carrier: 'SF', method: 'DROP_OFF', from: FROM, units: 2, ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<ProviderHttpError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderHttpError);
  return error as ProviderHttpError;
}

describe(CarrierHttpGateway.name, () => {
  let fake: FakeCarrier;
  let gateway: CarrierHttpGateway;

  beforeAll(async () => {
    fake = await new FakeCarrier('ck-unit').start();
    gateway = new CarrierHttpGateway({ url: fake.url, apiKey: 'ck-unit', timeoutMs: 2_000 });
  });

  afterAll(() => fake?.stop());

  beforeEach(() => {
    fake.seen.length = 0;
  });

  it('books with POST /bookings: Bearer key, the booking key as Idempotency-Key, JSON body with the quote', async () => {
    const sent = request({ method: 'PICKUP', to: TO });
    const booking = await gateway.book(sent, 1_350);

    expect(fake.seen).toHaveLength(1);
    const [seen] = fake.seen;
    expect(seen).toMatchObject({ method: 'POST', path: '/bookings' });
    expect(seen.headers).toMatchObject({ authorization: 'Bearer ck-unit', 'idempotency-key': sent.bookingKey, 'content-type': 'application/json' });
    expect(seen.body).toEqual({ carrier: 'SF', method: 'PICKUP', from: FROM, to: TO, units: 2, quotedCostMinor: 1_350 });
    expect(booking).toEqual({
      trackingNumber: fake.bookings.get(sent.bookingKey)!.trackingNumber,
      labelUrl: null,
      pickupWindow: { from: '2030-01-02T01:00:00.000Z', to: '2030-01-02T05:00:00.000Z' },
      costMinor: 1_350,
    });
  });

  it('leaves `to` out of the body for a parcel to the warehouse, and maps a label booking', async () => {
    const sent = request();
    const booking = await gateway.book(sent, 800);

    expect(fake.seen[0].body).toEqual({ carrier: 'SF', method: 'DROP_OFF', from: FROM, units: 2, quotedCostMinor: 800 });
    expect('to' in fake.seen[0].body).toBe(false);
    const held = fake.bookings.get(sent.bookingKey)!;
    expect(booking).toEqual({ trackingNumber: held.trackingNumber, labelUrl: `https://labels.aggregator.example/${held.trackingNumber}.pdf`, pickupWindow: null, costMinor: 800 });
  });

  it('answers the same booking when the same key is sent twice, and the carrier books it once', async () => {
    const sent = request();
    const first = await gateway.book(sent, 800);
    const again = await gateway.book({ ...sent }, 800);
    const other = await gateway.book(request(), 800);

    expect(again).toEqual(first);
    expect(other.trackingNumber).not.toBe(first.trackingNumber);
    expect(fake.seen.map((s) => s.headers['idempotency-key'])).toEqual([sent.bookingKey, sent.bookingKey, expect.not.stringMatching(sent.bookingKey)]);
    expect([...fake.bookings.values()].filter((b) => b.trackingNumber === first.trackingNumber)).toHaveLength(1);
  });

  it('fails a booking the carrier answers 503 with a ProviderHttpError carrying the status', async () => {
    fake.answerNextWith((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'overloaded' })));
    const error = await failure(gateway.book(request(), 800));
    expect(error).toMatchObject({ provider: 'carrier', status: 503, answer: { error: 'overloaded' } });
  });

  const garbage: [string, string, RegExp][] = [
    ['no trackingNumber', JSON.stringify({ labelUrl: null, pickupWindow: null, costMinor: 800 }), /trackingNumber/],
    ['an empty trackingNumber', JSON.stringify({ trackingNumber: '', labelUrl: null, pickupWindow: null, costMinor: 800 }), /trackingNumber/],
    ['costMinor as text', JSON.stringify({ trackingNumber: 'SF1', labelUrl: null, pickupWindow: null, costMinor: '800' }), /costMinor/],
    ['no costMinor', JSON.stringify({ trackingNumber: 'SF1', labelUrl: null, pickupWindow: null }), /costMinor/],
    ['a pickupWindow without its end', JSON.stringify({ trackingNumber: 'SF1', labelUrl: null, pickupWindow: { from: '2030-01-02T01:00:00Z' }, costMinor: 800 }), /pickupWindow/],
    ['no labelUrl', JSON.stringify({ trackingNumber: 'SF1', pickupWindow: null, costMinor: 800 }), /labelUrl/],
    ['an HTML page', '<html>maintenance</html>', /not a JSON object/],
    ['nothing', '', /not a JSON object/],
  ];
  it.each(garbage)('fails a booking answered 200 with %s instead of storing it', async (_what, answer, problem) => {
    fake.answerNextWith((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
    const error = await failure(gateway.book(request(), 800));
    expect(error.status).toBe(200);
    expect(error.message).toMatch(problem);
  });

  it('fails a booking the carrier never answers within timeoutMs', async () => {
    const impatient = new CarrierHttpGateway({ url: fake.url, apiKey: 'ck-unit', timeoutMs: 300 });
    fake.answerNextWith(() => undefined); // holds the request open until the server stops
    const started = Date.now();
    const error = await failure(impatient.book(request(), 800));
    const took = Date.now() - started;
    expect(error.status).toBeNull();
    expect(error.message).toMatch(/timed out after 300 ms/);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2_000);
  });

  it('fails a booking whose answer stops after its headers, within timeoutMs and as a provider error', async () => {
    const impatient = new CarrierHttpGateway({ url: fake.url, apiKey: 'ck-unit', timeoutMs: 300 });
    // The status and the first bytes of the body, then nothing until the server stops.
    fake.answerNextWith((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"trackingNumber":');
    });
    const started = Date.now();
    const error = await failure(impatient.book(request(), 800));
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error.status).toBeNull();
    expect(error.message).toMatch(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('cancels with DELETE /bookings/{trackingNumber}, and the carrier forgets the booking (204)', async () => {
    const sent = request();
    const { trackingNumber } = await gateway.book(sent, 800);
    await expect(gateway.cancel(trackingNumber)).resolves.toBeUndefined();

    expect(fake.seen[1]).toMatchObject({ method: 'DELETE', path: `/bookings/${trackingNumber}`, headers: { authorization: 'Bearer ck-unit' } });
    expect(fake.bookings.has(sent.bookingKey)).toBe(false);
  });

  it('takes a 404 to a cancel as already gone, and encodes the tracking number into the path', async () => {
    await expect(gateway.cancel('SF 1/2?x')).resolves.toBeUndefined();
    expect(fake.seen).toEqual([expect.objectContaining({ method: 'DELETE', path: '/bookings/SF%201%2F2%3Fx' })]);
  });

  it('fails a cancel the carrier answers 500', async () => {
    fake.answerNextWith((_req, res) => res.writeHead(500).end('boom'));
    const error = await failure(gateway.cancel('SF000000000001'));
    expect(error).toMatchObject({ provider: 'carrier', status: 500 });
  });
});

describe('the service with CARRIER_API_URL set', () => {
  let fake: FakeCarrier;
  let service: TestService;

  beforeAll(async () => {
    fake = await new FakeCarrier('ck-test').start();
    service = await TestService.start({ withWorkers: true, env: { CARRIER_API_URL: fake.url, CARRIER_API_KEY: 'ck-test' } });
  });

  afterAll(async () => {
    await service?.close();
    await fake?.stop();
  });

  it('books through the carrier API, once per case, and releases the booking when the case is cancelled', async () => {
    expect(service.get(CARRIER_GATEWAY)).toBeInstanceOf(CarrierHttpGateway);
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId));
    expect(created.status).toBe(202);
    const caseId: string = created.body.id;

    const view = await service.waitForStatus(caseId, 'AWAITING_SHIPMENT');
    const booked = fake.bookings.get(caseId);
    expect(booked).toBeDefined();
    expect(view.shipment).toMatchObject({ carrier: expect.any(String), trackingNumber: booked!.trackingNumber });
    // This case's bookings: the workers' recovery at start-up (a new Redis prefix looks like a
    // Redis that came back empty) may book other specs' approved cases of the run's database too.
    const postsOfCase = () => fake.requests('POST').filter((r) => r.headers['idempotency-key'] === caseId);
    const posts = postsOfCase();
    expect(posts).toHaveLength(1);
    expect(posts[0].headers).toMatchObject({ 'idempotency-key': caseId, authorization: 'Bearer ck-test' });
    expect(posts[0].body).toEqual({ carrier: view.shipment.carrier, method: 'DROP_OFF', from: expect.objectContaining({ province: '浙江', name: '李雷' }), units: 1, quotedCostMinor: expect.any(Number) });
    // Nothing went to the simulator.
    expect((await service.get(CarrierSimulator).bookings()).has(caseId)).toBe(false);

    const cancelled = await service.as('portal').post(`/v1/returns/${caseId}/cancel`, {});
    expect(cancelled.status).toBe(200);
    const path = `/bookings/${encodeURIComponent(booked!.trackingNumber)}`;
    const deletes = () => fake.requests('DELETE').filter((r) => r.path === path);
    for (const until = Date.now() + 10_000; Date.now() < until && !deletes().length; ) await new Promise((r) => setTimeout(r, 50));
    expect(deletes()).toHaveLength(1);
    expect(fake.bookings.has(caseId)).toBe(false);
    await service.drain();
    expect((await service.as('admin').get(`/v1/returns/${caseId}`)).body.shipment.status).toBe('CANCELLED');
    expect(postsOfCase()).toHaveLength(1);
  });
});
