import { canonicalJson } from '@returns/intake';
import { globalPipes } from '../configure-app';
import { certainReturnRequest, CreateReturnDto } from './create-return.dto';

/**
 * `certainReturnRequest` lets `POST /v1/returns` skip the global pipes (`BodyLimitsPipe`,
 * then the ValidationPipe), so it must never say yes where they say no, and what it passes
 * on must be what they would have.
 */
describe('certainReturnRequest against the global pipes', () => {
  const pipes = globalPipes();
  const metadata = { type: 'body', metatype: CreateReturnDto } as const;

  async function pipeVerdict(body: unknown): Promise<unknown | null> {
    try {
      let value = structuredClone(body);
      for (const pipe of pipes) value = await pipe.transform(value, metadata);
      return value;
    } catch {
      return null;
    }
  }

  const sha = 'ab'.repeat(32);
  const base = () => ({
    orderId: 'o-1',
    type: 'RETURN_REFUND',
    reasonCode: 'SIZE_FIT',
    reasonText: '尺碼偏小',
    returnMethod: 'PICKUP',
    items: [{ sku: 'S1', quantity: 2 }],
    photos: [{ url: 'https://img.example.com/1.jpg', sha256: sha }],
    channel: 'app',
  });

  // A deterministic stream of random numbers, so a failure can be replayed.
  let seed = 20261111;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];

  const oddValues = [undefined, null, '', ' ', 0, 1, 1.5, -1, true, [], {}, 'x'.repeat(33), 'x'.repeat(129), '😀'.repeat(64), '😀'.repeat(65), 'x'.repeat(2001), '😀'.repeat(1001), 'a\u0000', '尺码\ud83d', '\ude00尺码'];
  const fields = ['orderId', 'type', 'reasonCode', 'reasonText', 'returnMethod', 'items', 'photos', 'channel'];
  type Body = Record<string, any>;
  const mutations: ((b: Body) => void)[] = [
    (b) => (b[pick(fields)] = pick(oddValues)),
    (b) => delete b[pick(fields)],
    (b) => (b[pick(['extra', '__proto__', 'constructor', 'id'])] = 1),
    (b) => (b.type = pick(['REFUND_ONLY', 'EXCHANGE', 'RETURN_REFUND', 'refund_only'])),
    (b) => (b.returnMethod = pick(['DROP_OFF', 'PICKUP', 'pickup', undefined, null])),
    (b) => (b.reasonCode = pick(['OTHER', 'CHANGED_MIND', 'Other', 'NONE'])),
    (b) => (b.items = Array.from({ length: pick([0, 1, 2, 100, 101]) }, (_, i) => ({ sku: `S${i}`, quantity: 1 }))),
    (b) => Array.isArray(b.items) && b.items.length && (b.items[0].quantity = pick([0, 1, 100_000, 100_001, 2.5, '1', null, -3])),
    (b) => Array.isArray(b.items) && b.items.length && (b.items[0].sku = pick(oddValues)),
    (b) => Array.isArray(b.items) && b.items.length && (b.items[0][pick(['name', 'price'])] = 'x'),
    (b) => Array.isArray(b.items) && b.items.length && delete b.items[0][pick(['sku', 'quantity'])],
    (b) => Array.isArray(b.items) && (b.items[0] = pick(['S1', null, 3, [], [{ sku: 'S1', quantity: 1 }]])),
    (b) => (b.photos = Array.from({ length: pick([0, 1, 20, 21]) }, (_, i) => ({ url: `http://p/${i}`, sha256: sha }))),
    (b) => Array.isArray(b.photos) && b.photos.length && (b.photos[0].url = pick(['ftp://x', 'https://a b', 'https://' + 'a'.repeat(2040), 'https://' + 'a'.repeat(2041), 'http://ok', 7])),
    (b) => Array.isArray(b.photos) && b.photos.length && (b.photos[0].sha256 = pick(['AB'.repeat(32), 'ab'.repeat(31), 'zz'.repeat(32), 64])),
    (b) => Array.isArray(b.photos) && b.photos.length && (b.photos[0].caption = 'x'),
  ];

  it('never takes a body the pipe refuses, and passes on what the pipe would', async () => {
    let taken = 0;
    let pipePassed = 0;
    for (let n = 0; n < 4000; n++) {
      const body: Body = base();
      for (let m = Math.floor(random() * 4); m > 0; m--) {
        try {
          pick(mutations)(body);
        } catch {
          // a mutation that does not apply to this body (an item that is a number, say)
        }
      }
      const plain = JSON.parse(JSON.stringify(body)); // as body-parser would hand it over
      const certain = certainReturnRequest(plain);
      const verdict = await pipeVerdict(plain);
      if (verdict) pipePassed++;
      if (!certain) continue;
      taken++;
      if (!verdict) throw new Error(`taken but refused by the pipe: ${JSON.stringify(plain)}`);
      expect(canonicalJson({ ...(verdict as object) })).toBe(canonicalJson(certain));
    }
    // It must also be worth having: most bodies the pipe passes are taken.
    expect(taken).toBeGreaterThan(pipePassed * 0.8);
  });

  it('takes the usual requests of each type', () => {
    expect(certainReturnRequest(base())).not.toBeNull();
    expect(certainReturnRequest({ orderId: 'o', type: 'REFUND_ONLY', reasonCode: 'OTHER', items: [{ sku: 'S', quantity: 1 }] })).not.toBeNull();
    expect(certainReturnRequest({ orderId: 'o', type: 'EXCHANGE', reasonCode: 'SIZE_FIT', returnMethod: 'DROP_OFF', items: [{ sku: 'S', quantity: 1 }], photos: [] })).not.toBeNull();
  });

  it('leaves a doubtful body to the pipe', () => {
    expect(certainReturnRequest({ ...base(), reasonText: null })).toBeNull(); // the pipe allows null; the error shape is its business
    expect(certainReturnRequest({ ...base(), type: 'EXCHANGE', returnMethod: undefined })).toBeNull();
    expect(certainReturnRequest([base()])).toBeNull();
    expect(certainReturnRequest(JSON.parse(`{"__proto__": {"x": 1}, "orderId": "o"}`))).toBeNull();
  });

  it('leaves text PostgreSQL cannot store to the pipes, wherever it is', () => {
    for (const bad of ['尺码\ud83d', '\ude00', 'a\u0000b']) {
      expect(certainReturnRequest({ ...base(), reasonText: bad })).toBeNull();
      expect(certainReturnRequest({ ...base(), channel: bad })).toBeNull();
      expect(certainReturnRequest({ ...base(), orderId: `o-${bad}` })).toBeNull();
      expect(certainReturnRequest({ ...base(), items: [{ sku: `S${bad}`, quantity: 1 }] })).toBeNull();
      expect(certainReturnRequest({ ...base(), photos: [{ url: `https://img.example.com/${bad}.jpg`, sha256: sha }] })).toBeNull();
    }
    expect(certainReturnRequest({ ...base(), reasonText: '尺码太小了 😀' })).not.toBeNull(); // a whole pair is fine
  });
});
