export interface RefundLineInput {
  sku: string;
  /** minor units */
  unitPrice: number;
  acceptedQuantity: number;
}

export type BreakdownCode = 'ITEM' | 'RETURN_SHIPPING' | 'RESTOCKING_FEE' | 'CAP';

export interface BreakdownLine {
  code: BreakdownCode;
  sku?: string;
  quantity?: number;
  /** minor units, negative for deductions */
  amount: number;
  description: string;
}

export interface RefundInput {
  lines: RefundLineInput[];
  /** minor units to deduct for a customer-paid pickup */
  returnShippingChargeMinor: number;
  /** whole percent (0–100) of the accepted items' value */
  restockingFeePercent: number;
  /** minor units paid for the order */
  paidMinor: number;
  /** minor units already refunded on this order */
  alreadyRefundedMinor: number;
}

export interface RefundCalculation {
  /** minor units; always the sum of the breakdown amounts */
  amount: number;
  breakdown: BreakdownLine[];
}

function assertMinor(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer (minor units), got ${value}`);
  }
}

/** Round half up of `numerator / denominator` for non-negative integers, without floats. */
function divideRoundHalfUp(numerator: number, denominator: number): number {
  const quotient = Math.floor(numerator / denominator);
  const remainder = numerator - quotient * denominator;
  return remainder * 2 >= denominator ? quotient + 1 : quotient;
}

/**
 * Computes a refund in integer minor units (CONTRACT.md, "Default policy"):
 * unitPrice x accepted units, minus a restocking fee (on the items' total, rounded
 * half up), minus the customer-paid pickup, never below zero and never more than
 * paid minus already refunded. Deductions are limited to what is left, so every
 * cut is visible in the breakdown and the breakdown always sums to `amount`.
 */
export function computeRefund(input: RefundInput): RefundCalculation {
  for (const line of input.lines) {
    assertMinor(line.unitPrice, `unitPrice of ${line.sku}`);
    assertMinor(line.acceptedQuantity, `acceptedQuantity of ${line.sku}`);
  }
  assertMinor(input.returnShippingChargeMinor, 'returnShippingChargeMinor');
  assertMinor(input.restockingFeePercent, 'restockingFeePercent');
  if (input.restockingFeePercent > 100) throw new RangeError(`restockingFeePercent must be at most 100, got ${input.restockingFeePercent}`);
  assertMinor(input.paidMinor, 'paidMinor');
  assertMinor(input.alreadyRefundedMinor, 'alreadyRefundedMinor');

  const breakdown: BreakdownLine[] = [];
  let running = 0;

  for (const line of input.lines) {
    if (line.acceptedQuantity === 0) continue;
    const amount = line.unitPrice * line.acceptedQuantity;
    if (!Number.isSafeInteger(amount)) throw new RangeError(`value of ${line.sku} is too large`);
    breakdown.push({
      code: 'ITEM',
      sku: line.sku,
      quantity: line.acceptedQuantity,
      amount,
      description: `${line.acceptedQuantity} x ${line.sku} at ${line.unitPrice}`,
    });
    running += amount;
  }
  if (!Number.isSafeInteger(running)) throw new RangeError('items total is too large');

  const itemsTotal = running;
  if (input.restockingFeePercent > 0 && itemsTotal > 0) {
    const fee = divideRoundHalfUp(itemsTotal * input.restockingFeePercent, 100);
    breakdown.push({
      code: 'RESTOCKING_FEE',
      amount: 0 - fee,
      description: `Restocking fee: ${input.restockingFeePercent}% of ${itemsTotal}, rounded half up`,
    });
    running -= fee;
  }

  if (input.returnShippingChargeMinor > 0) {
    const charge = Math.min(input.returnShippingChargeMinor, running);
    breakdown.push({
      code: 'RETURN_SHIPPING',
      amount: 0 - charge,
      description:
        charge === input.returnShippingChargeMinor
          ? `Return pickup paid by the customer: ${charge}`
          : `Return pickup paid by the customer: ${input.returnShippingChargeMinor}, limited to the ${charge} left to refund`,
    });
    running -= charge;
  }

  const refundable = Math.max(0, input.paidMinor - input.alreadyRefundedMinor);
  if (running > refundable) {
    breakdown.push({
      code: 'CAP',
      amount: refundable - running,
      description: `Capped at ${refundable}: paid ${input.paidMinor} minus ${input.alreadyRefundedMinor} already refunded`,
    });
    running = refundable;
  }

  return { amount: running, breakdown };
}
