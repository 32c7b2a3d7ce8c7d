import { createHmac, timingSafeEqual } from 'node:crypto';

const SCHEME = 'sha256=';

/**
 * `sha256=<hex HMAC-SHA256 of the raw body>`: how upstream signs its event posts and how
 * we sign our outbound webhooks (CONTRACT.md, "Auth" and "Outbound webhooks").
 */
export function signBody(body: string | Buffer, secret: string): string {
  return `${SCHEME}${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Constant-time check of an `X-Signature` header against the raw body. The hex is compared
 * whatever its case (`ABC1` is the same digest as `abc1`: some senders' libraries write upper
 * case); lower-casing what was sent tells nothing of the expected digest.
 */
export function verifySignature(body: Buffer | string | undefined, header: string | undefined, secret: string): boolean {
  if (!body || !header) return false;
  const expected = Buffer.from(signBody(body, secret));
  const sent = header.trim();
  const given = Buffer.from(sent.startsWith(SCHEME) ? SCHEME + sent.slice(SCHEME.length).toLowerCase() : sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
