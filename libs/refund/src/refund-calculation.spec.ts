import { randomFrom } from '../../../test/support/seeded-random';
import { computeRefund, RefundInput } from './refund-calculation';

function input(over: Partial<RefundInput> = {}): RefundInput {
  return {
    lines: [{ sku: 'S1', unitPrice: 9900, acceptedQuantity: 2 }],
    returnShippingChargeMinor: 0,
    restockingFeePercent: 0,
    paidMinor: 100000,
    alreadyRefundedMinor: 0,
    ...over,
  };
}

function sum(r: { breakdown: { amount: number }[] }): number {
  return r.breakdown.reduce((s, l) => s + l.amount, 0);
}

describe(computeRefund.name, () => {
  it('refunds unitPrice x accepted units per line', () => {
    const r = computeRefund(
      input({
        lines: [
          { sku: 'S1', unitPrice: 9900, acceptedQuantity: 2 },
          { sku: 'S2', unitPrice: 1550, acceptedQuantity: 1 },
        ],
      }),
    );
    expect(r.amount).toBe(21350);
    expect(r.breakdown).toEqual([
      expect.objectContaining({ code: 'ITEM', sku: 'S1', quantity: 2, amount: 19800 }),
      expect.objectContaining({ code: 'ITEM', sku: 'S2', quantity: 1, amount: 1550 }),
    ]);
  });

  it('leaves lines with no accepted unit out of the breakdown', () => {
    const r = computeRefund(input({ lines: [{ sku: 'S1', unitPrice: 9900, acceptedQuantity: 0 }] }));
    expect(r).toEqual({ amount: 0, breakdown: [] });
  });

  it('deducts a customer-paid pickup as RETURN_SHIPPING', () => {
    const r = computeRefund(input({ returnShippingChargeMinor: 1200 }));
    expect(r.amount).toBe(19800 - 1200);
    expect(r.breakdown[1]).toMatchObject({ code: 'RETURN_SHIPPING', amount: -1200 });
  });

  it('rounds the restocking fee half up to whole minor units', () => {
    // 15% of 9990 = 1498.5 -> 1499
    const up = computeRefund(input({ lines: [{ sku: 'S1', unitPrice: 9990, acceptedQuantity: 1 }], restockingFeePercent: 15 }));
    expect(up.breakdown[1]).toMatchObject({ code: 'RESTOCKING_FEE', amount: -1499 });
    expect(up.amount).toBe(8491);
    // 15% of 9989 = 1498.35 -> 1498
    const down = computeRefund(input({ lines: [{ sku: 'S1', unitPrice: 9989, acceptedQuantity: 1 }], restockingFeePercent: 15 }));
    expect(down.breakdown[1].amount).toBe(-1498);
  });

  it('never goes below zero: the pickup deduction is limited to what is left', () => {
    const r = computeRefund(input({ lines: [{ sku: 'S1', unitPrice: 500, acceptedQuantity: 1 }], returnShippingChargeMinor: 1200 }));
    expect(r.amount).toBe(0);
    expect(r.breakdown[1]).toMatchObject({ code: 'RETURN_SHIPPING', amount: -500 });
    expect(sum(r)).toBe(0);
  });

  it('refunds nothing and deducts nothing when no unit was accepted', () => {
    const r = computeRefund(input({ lines: [], returnShippingChargeMinor: 1200, restockingFeePercent: 10 }));
    expect(r.amount).toBe(0);
    expect(Object.is(r.amount, 0)).toBe(true);
    expect(sum(r)).toBe(0);
  });

  it('caps the refund at paid minus already refunded and records the cut', () => {
    const r = computeRefund(input({ paidMinor: 19800, alreadyRefundedMinor: 5000 }));
    expect(r.amount).toBe(14800);
    expect(r.breakdown.at(-1)).toMatchObject({ code: 'CAP', amount: -5000 });
  });

  it('refunds nothing once the order is fully refunded', () => {
    const r = computeRefund(input({ paidMinor: 19800, alreadyRefundedMinor: 19800 }));
    expect(r.amount).toBe(0);
    expect(sum(r)).toBe(0);
  });

  it('adds no CAP line when the refund fits', () => {
    expect(computeRefund(input({ paidMinor: 19800 })).breakdown.map((l) => l.code)).toEqual(['ITEM']);
  });

  it.each([
    ['a negative unit price', { lines: [{ sku: 'S1', unitPrice: -1, acceptedQuantity: 1 }] }],
    ['a fractional unit price', { lines: [{ sku: 'S1', unitPrice: 99.5, acceptedQuantity: 1 }] }],
    ['a fractional quantity', { lines: [{ sku: 'S1', unitPrice: 100, acceptedQuantity: 0.5 }] }],
    ['a negative shipping charge', { returnShippingChargeMinor: -1 }],
    ['a fractional restocking percent', { restockingFeePercent: 2.5 }],
    ['a restocking percent over 100', { restockingFeePercent: 101 }],
    ['a negative paid amount', { paidMinor: -100 }],
    ['a NaN already refunded', { alreadyRefundedMinor: Number.NaN }],
  ] as [string, Partial<RefundInput>][])('throws RangeError on %s', (_, over) => {
    expect(() => computeRefund(input(over))).toThrow(RangeError);
  });

  it('always returns a non-negative integer within the refundable amount that equals the sum of its breakdown', () => {
    const random = randomFrom(20250301);
    const int = (max: number) => Math.floor(random() * (max + 1));
    for (let run = 0; run < 2000; run++) {
      const lines = Array.from({ length: int(4) }, (_, i) => ({
        sku: `S${i}`,
        unitPrice: int(500000),
        acceptedQuantity: int(5),
      }));
      const paidMinor = int(2000000);
      const r = computeRefund({
        lines,
        returnShippingChargeMinor: random() < 0.5 ? 0 : int(5000),
        restockingFeePercent: random() < 0.5 ? 0 : int(100),
        paidMinor,
        alreadyRefundedMinor: int(paidMinor + 1000),
      });
      const context = JSON.stringify({ run, lines, r });
      expect([context, sum(r)]).toEqual([context, r.amount]);
      expect(Number.isInteger(r.amount)).toBe(true);
      expect(r.amount).toBeGreaterThanOrEqual(0);
      expect(r.breakdown.every((l) => Number.isInteger(l.amount))).toBe(true);
      const items = lines.reduce((s, l) => s + l.unitPrice * l.acceptedQuantity, 0);
      expect(r.amount).toBeLessThanOrEqual(items);
    }
  });

  it('never refunds more than paid minus already refunded, over many random inputs', () => {
    const random = randomFrom(7);
    const int = (max: number) => Math.floor(random() * (max + 1));
    for (let run = 0; run < 2000; run++) {
      const paidMinor = int(300000);
      const alreadyRefundedMinor = int(300000);
      const r = computeRefund({
        lines: [{ sku: 'S', unitPrice: int(200000), acceptedQuantity: int(3) }],
        returnShippingChargeMinor: int(3000),
        restockingFeePercent: int(30),
        paidMinor,
        alreadyRefundedMinor,
      });
      expect(r.amount).toBeLessThanOrEqual(Math.max(0, paidMinor - alreadyRefundedMinor));
      expect(sum(r)).toBe(r.amount);
    }
  });
});
