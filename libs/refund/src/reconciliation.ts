import { createHash } from 'node:crypto';
import type { RefundStatus } from '@returns/contracts';
import type { GatewayRefund, PaymentGateway } from './payment-gateway.interface';

/** The name space of `refundIdOf`'s ids (RFC 9562 version 5): fixed for good, as the keys made from them are. */
const REFUND_IDS = Buffer.from('5f0c8a2e9d3b4c7a8e1f6b2d4a9c0e37', 'hex');

/**
 * A case's refund id: a version 5 UUID of the case id, the same every time. One refund per
 * case, so its gateway keys (`refundKey`) follow from the case: a refund row lost after its
 * payment went out (a database restored from backup, a failover that lost the last commits)
 * is made again with the same id, and its first round's key is answered by the gateway with
 * that payment instead of paying again.
 */
export function refundIdOf(caseId: string): string {
  const bytes = createHash('sha1').update(REFUND_IDS).update(Buffer.from(caseId.replace(/-/g, ''), 'hex')).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The gateway's idempotency key of a refund's `round`: one round per try finance starts. */
export function refundKey(refundId: string, round: number): string {
  return `rf-${refundId}-${round}`;
}

export function roundOf(key: string): number {
  return Number(key.slice(key.lastIndexOf('-') + 1));
}

/** Every key a refund has been paid under or could have been: its rounds so far, first to current. */
export function keysSoFar(refundId: string, currentKey: string): string[] {
  return Array.from({ length: roundOf(currentKey) }, (_, i) => refundKey(refundId, i + 1));
}

/** A refund as we recorded it. */
export interface RefundOnRecord {
  id: string;
  caseId: string;
  status: RefundStatus;
  /** minor units */
  amount: number;
  idempotencyKey: string;
  updatedAt: Date;
}

/** A payout the gateway holds for one of a refund's keys. */
export interface GatewayPayout extends GatewayRefund {
  key: string;
}

/** What the gateway paid under each of `keys` (a refund's `keysSoFar`), first round first. */
export async function payoutsUnder(gateway: Pick<PaymentGateway, 'findRefund'>, keys: string[]): Promise<GatewayPayout[]> {
  const found = await Promise.all(keys.map((key) => gateway.findRefund(key)));
  return found.flatMap((payout, i) => (payout ? [{ key: keys[i], ...payout }] : []));
}

/**
 * What comparing one refund with the gateway found:
 * - `MATCHED`: both agree (paid once, the amount we recorded; or not paid, as recorded);
 * - `SETTLE`: we recorded it PENDING or FAILED, but the gateway paid it: record the success;
 * - `IN_FLIGHT`: PENDING and touched within the grace period: a worker may be paying it now;
 * - the rest are discrepancies for finance, changed by nobody automatically:
 *   `MISSING_AT_GATEWAY` (we recorded a payment the gateway has no trace of),
 *   `AMOUNT_MISMATCH` (it paid another amount), `PAID_TWICE` (under two keys),
 *   `STUCK_PENDING` (PENDING past the grace period and never paid: its job gave up or was lost).
 */
export type Finding = 'MATCHED' | 'SETTLE' | 'IN_FLIGHT' | 'MISSING_AT_GATEWAY' | 'AMOUNT_MISMATCH' | 'PAID_TWICE' | 'STUCK_PENDING';

export const DISCREPANCIES: readonly Finding[] = ['MISSING_AT_GATEWAY', 'AMOUNT_MISMATCH', 'PAID_TWICE', 'STUCK_PENDING'];

/**
 * Compares one refund with what the gateway holds under its keys (`paid`: one entry per key
 * the gateway paid). Pure: the caller looks the keys up and acts on the finding.
 */
export function compareRefund(refund: RefundOnRecord, paid: GatewayPayout[], now: Date, graceMs: number): Finding {
  if (paid.length > 1) return 'PAID_TWICE';
  const [payout] = paid;
  switch (refund.status) {
    case 'SUCCEEDED':
      // A refund of nothing never reaches the gateway.
      if (!payout) return refund.amount === 0 ? 'MATCHED' : 'MISSING_AT_GATEWAY';
      return payout.amountMinor === refund.amount ? 'MATCHED' : 'AMOUNT_MISMATCH';
    case 'FAILED':
      if (!payout) return 'MATCHED';
      return payout.amountMinor === refund.amount ? 'SETTLE' : 'AMOUNT_MISMATCH';
    case 'PENDING':
      if (now.getTime() - refund.updatedAt.getTime() < graceMs) return 'IN_FLIGHT';
      if (!payout) return 'STUCK_PENDING';
      return payout.amountMinor === refund.amount ? 'SETTLE' : 'AMOUNT_MISMATCH';
  }
}
