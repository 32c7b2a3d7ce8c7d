import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `sha256=<hex HMAC-SHA256 of the raw body>`: how upstream signs its event posts and how
 * we sign our outbound webhooks (CONTRACT.md, "Auth" and "Outbound webhooks").
 */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of an `X-Signature` header against the raw body. */
export function verifySignature(body: Buffer | string | undefined, header: string | undefined, secret: string): boolean {
  if (!body || !header) return false;
  const expected = Buffer.from(signBody(body, secret));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
