import { createHash } from 'node:crypto';
import { bodyIdentity, canonicalJson, newCaseId, rmaNumberFor } from './request-identity';

describe(rmaNumberFor.name, () => {
  const acceptedAt = new Date('2026-11-11T03:04:05Z');

  it.each([
    ['00000000-0000-4000-8000-000000000000', 'RMA-20261111-0000000000'],
    ['ffffffff-ffff-4fff-bfff-ffffffffffff', 'RMA-20261111-ZZZZZZZZZZ'],
    ['3f2a9c1e-7b4d-4e8a-9c3f-5d6e7f8a9b0c', 'RMA-20261111-TXDSZRN6RC'],
    ['a1b2c3d4-e5f6-4789-8abc-def012345678', 'RMA-20261111-6YY0938NKR'],
  ])('writes the low 50 bits of %s in Crockford base32 after the day: %s', (caseId, rma) => {
    expect(rmaNumberFor(caseId, acceptedAt)).toBe(rma);
  });

  it('takes the day in UTC', () => {
    expect(rmaNumberFor('00000000-0000-4000-8000-000000000000', new Date('2026-11-10T23:59:59Z'))).toBe('RMA-20261110-0000000000');
  });

  it("takes each request's own day, across midnight and back (clocks of other processes)", () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const days = ['2026-11-10T23:59:59.999Z', '2026-11-11T00:00:00.000Z', '2026-11-10T12:00:00Z', '2027-01-01T00:00:00Z', '1969-12-31T23:59:59Z'];
    expect(days.map((at) => rmaNumberFor(id, new Date(at)).slice(4, 12))).toEqual(['20261110', '20261111', '20261110', '20270101', '19691231']);
  });
});

describe(canonicalJson.name, () => {
  it('sorts keys at every depth, drops undefined values and keeps nulls and array order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: undefined, z: null }, 'q'], c: 's' })).toBe('{"a":[{"y":2,"z":null},"q"],"b":1,"c":"s"}');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson({ a: undefined })).toBe('{}');
  });

  it('hashes equal bodies equal whatever their key order, and different bodies differently', () => {
    const body = { orderId: 'o-1', items: [{ sku: 'S1', quantity: 1 }], reasonCode: 'SIZE_FIT' };
    const hashOf = (value: unknown) => bodyIdentity(value).hash;
    expect(hashOf({ reasonCode: 'SIZE_FIT', items: [{ quantity: 1, sku: 'S1' }], orderId: 'o-1' })).toBe(hashOf(body));
    expect(hashOf({ ...body, items: [{ sku: 'S1', quantity: 2 }] })).not.toBe(hashOf(body));
  });

  it('gives the canonical JSON it hashed with the hash, the same JSON that is stored as the body', () => {
    const body = { reasonCode: 'SIZE_FIT', items: [{ quantity: 1, sku: 'S1' }], orderId: 'o-1', reasonText: 'caf\u00e9 "big"' };
    const { json, hash } = bodyIdentity(body);
    expect(json).toBe(canonicalJson(body));
    expect(JSON.parse(json)).toEqual(body);
    expect(hash).toBe(createHash('sha256').update(json).digest('hex'));
  });
});

describe(newCaseId.name, () => {
  const at = Date.parse('2026-11-11T03:04:05.678Z');

  it('is a version 7 UUID whose first 48 bits are the milliseconds it was made at', () => {
    const id = newCaseId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts ids made later after earlier ones (as text, as PostgreSQL compares uuids)', () => {
    const ids = [0, 1, 2, 999, 86_400_000, 366 * 86_400_000].map((later) => newCaseId(at + later));
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps the rest random: ids of one millisecond differ, and so do their RMA numbers', () => {
    const ids = new Set(Array.from({ length: 2_000 }, () => newCaseId(at)));
    expect(ids.size).toBe(2_000);
    expect(new Set([...ids].map((id) => rmaNumberFor(id, new Date(at)))).size).toBe(2_000);
  });
});
