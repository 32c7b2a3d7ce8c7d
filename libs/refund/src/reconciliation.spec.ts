import { compareRefund, GatewayPayout, keysSoFar, RefundOnRecord, refundIdOf, refundKey, roundOf } from './reconciliation';

const NOW = new Date('2026-11-27T03:00:00Z');
const HOUR = 3_600_000;

function refund(over: Partial<RefundOnRecord> = {}): RefundOnRecord {
  return { id: 'r1', caseId: 'c1', status: 'SUCCEEDED', amount: 9900, idempotencyKey: refundKey('r1', 1), updatedAt: new Date(NOW.getTime() - 5 * HOUR), ...over };
}

function payout(amountMinor = 9900, round = 1): GatewayPayout {
  return { key: refundKey('r1', round), providerRefundId: `alipay-rf-${round}`, amountMinor };
}

describe(compareRefund.name, () => {
  it('matches a refund paid once, for the amount recorded', () => {
    expect(compareRefund(refund(), [payout()], NOW, HOUR)).toBe('MATCHED');
  });

  it('reports a recorded payment the gateway has no trace of, or of another amount', () => {
    expect(compareRefund(refund(), [], NOW, HOUR)).toBe('MISSING_AT_GATEWAY');
    expect(compareRefund(refund(), [payout(9000)], NOW, HOUR)).toBe('AMOUNT_MISMATCH');
  });

  it('matches a refund of nothing, which never reaches the gateway', () => {
    expect(compareRefund(refund({ amount: 0 }), [], NOW, HOUR)).toBe('MATCHED');
  });

  it('reports money paid under two keys, whatever we recorded', () => {
    for (const status of ['SUCCEEDED', 'PENDING', 'FAILED'] as const) {
      expect(compareRefund(refund({ status, idempotencyKey: refundKey('r1', 2) }), [payout(9900, 1), payout(9900, 2)], NOW, HOUR)).toBe('PAID_TWICE');
    }
  });

  it('settles a PENDING or FAILED refund the gateway paid, and reports one paid another amount', () => {
    expect(compareRefund(refund({ status: 'PENDING' }), [payout()], NOW, HOUR)).toBe('SETTLE');
    expect(compareRefund(refund({ status: 'FAILED' }), [payout()], NOW, HOUR)).toBe('SETTLE');
    expect(compareRefund(refund({ status: 'PENDING' }), [payout(1)], NOW, HOUR)).toBe('AMOUNT_MISMATCH');
  });

  it('leaves a PENDING refund touched within the grace period to the worker paying it', () => {
    const recent = refund({ status: 'PENDING', updatedAt: new Date(NOW.getTime() - HOUR + 1) });
    expect(compareRefund(recent, [], NOW, HOUR)).toBe('IN_FLIGHT');
    expect(compareRefund(recent, [payout()], NOW, HOUR)).toBe('IN_FLIGHT');
  });

  it('reports a PENDING refund past the grace period that was never paid; a FAILED one unpaid is in order', () => {
    expect(compareRefund(refund({ status: 'PENDING', updatedAt: new Date(NOW.getTime() - HOUR) }), [], NOW, HOUR)).toBe('STUCK_PENDING');
    expect(compareRefund(refund({ status: 'FAILED' }), [], NOW, HOUR)).toBe('MATCHED');
  });
});

describe(keysSoFar.name, () => {
  it('lists every round of a refund up to its current key', () => {
    expect(keysSoFar('r1', refundKey('r1', 3))).toEqual(['rf-r1-1', 'rf-r1-2', 'rf-r1-3']);
    expect(roundOf(refundKey('ab-cd', 12))).toBe(12);
  });
});

describe(refundIdOf.name, () => {
  const caseId = '01a22263-8436-76e8-87c9-3ea9a93df268';

  it('is the same version 5 UUID for a case every time, and another for another case', () => {
    expect(refundIdOf(caseId)).toBe(refundIdOf(caseId));
    expect(refundIdOf(caseId)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(refundIdOf('01a22263-8436-76e8-87c9-3ea9a93df269')).not.toBe(refundIdOf(caseId));
    expect(refundIdOf(caseId.toUpperCase())).toBe(refundIdOf(caseId));
  });

  it('never changes for a case: the keys of refunds already paid are made from it', () => {
    expect(refundIdOf(caseId)).toBe('2e4e91a6-2609-5894-b131-93f82a72cc28');
  });
});
