import { majorAmount, ReturnMethod, ShippingPayer } from '@returns/contracts';

export interface ReturnShippingChargeInput {
  method: ReturnMethod;
  /** who pays the way back (the case's `shippingPaidBy`) */
  paidBy: ShippingPayer;
  /** the case's policy gives customers a free pickup */
  freePickup: boolean;
  /** what the carrier charges, minor units of `costCurrency` */
  costMinor: number;
  /** ISO currency of `costMinor` (the carriers quote in CNY) */
  costCurrency: string;
  /** ISO currency of the order, which the refund is paid in */
  orderCurrency: string;
}

export interface ReturnShippingCharge {
  /** minor units of the order's currency deducted from the refund (breakdown line RETURN_SHIPPING) */
  chargeMinor: number;
  /**
   * Plain words when a pickup the customer would pay for is not deducted because its cost is
   * in another currency than the order's; null otherwise.
   */
  notDeducted: string | null;
}

/**
 * What a booked return costs the customer, deducted from their refund (CONTRACT.md, "Default
 * policy"): a PICKUP they pay for, unless their policy makes it free; a DROP_OFF they pay at
 * the counter. The cost is deducted only when it is in the order's currency: we keep no
 * exchange rates, and copying 1500 fen as 1500 yen (or cents) would take the wrong amount.
 * A pickup quoted in another currency is borne by the merchant, and `notDeducted` says so.
 */
export function returnShippingCharge(input: ReturnShippingChargeInput): ReturnShippingCharge {
  if (input.method !== 'PICKUP' || input.paidBy !== 'CUSTOMER' || input.freePickup || input.costMinor === 0) return { chargeMinor: 0, notDeducted: null };
  const costCurrency = input.costCurrency.trim().toUpperCase();
  const orderCurrency = input.orderCurrency.trim().toUpperCase();
  if (costCurrency === orderCurrency) return { chargeMinor: input.costMinor, notDeducted: null };
  return {
    chargeMinor: 0,
    notDeducted:
      `the pickup the customer pays for costs ${majorAmount(input.costMinor, costCurrency)} and is not deducted from the refund: ` +
      `the order is paid in ${orderCurrency} and no exchange rate is kept to convert it, so the merchant bears it`,
  };
}

