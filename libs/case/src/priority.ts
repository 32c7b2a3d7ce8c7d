import { ReasonCode, reasonGroupOf } from '@returns/contracts';

/** The customer tier (`customer.tier` of an order, in any case) whose jobs go first. */
export const VIP_TIER = 'VIP';

/**
 * BullMQ priority of a case's jobs (1 is served first): VIP customers and merchant-fault
 * returns go ahead of the rest in every queue, both together first of all. Every case job
 * carries one, since BullMQ serves jobs without a priority before all prioritized ones.
 */
export function casePriority(tier: string | null | undefined, reasonCode: ReasonCode): number {
  const vip = (tier ?? '').toUpperCase() === VIP_TIER;
  const merchantFault = reasonGroupOf(reasonCode) === 'MERCHANT_FAULT';
  return vip && merchantFault ? 1 : vip || merchantFault ? 2 : 5;
}
