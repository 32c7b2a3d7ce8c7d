import { createHash, randomUUID } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** JSON with object keys sorted, so equal bodies hash equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/**
 * `RMA-YYYYMMDD-XXXXXXXXXX`: the day it was accepted and 50 random bits of the case id in
 * Crockford base32, short enough to read out on the phone.
 */
export function rmaNumberFor(caseId: string, acceptedAt: Date): string {
  const bits = BigInt(`0x${caseId.replace(/-/g, '').slice(-13)}`) & ((1n << 50n) - 1n);
  let code = '';
  for (let i = 0n; i < 10n; i++) code = CROCKFORD[Number((bits >> (i * 5n)) & 31n)] + code;
  const day = acceptedAt.toISOString().slice(0, 10).replace(/-/g, '');
  return `RMA-${day}-${code}`;
}

export function newCaseId(): string {
  return randomUUID();
}
