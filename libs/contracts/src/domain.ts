/**
 * Domain vocabulary shared by every stage and by the HTTP contract.
 * Values are part of the public contract (CONTRACT.md): never rename one.
 */

export const RETURN_TYPES = ['RETURN_REFUND', 'REFUND_ONLY', 'EXCHANGE'] as const;
export type ReturnType = (typeof RETURN_TYPES)[number];

export const CUSTOMER_REASONS = ['SIZE_FIT', 'COLOR_MISMATCH', 'CHANGED_MIND', 'OTHER'] as const;
export const MERCHANT_FAULT_REASONS = [
  'QUALITY_DEFECT',
  'NOT_AS_DESCRIBED',
  'WRONG_ITEM',
  'DAMAGED_IN_TRANSIT',
] as const;
export const REASON_CODES = [
  'SIZE_FIT',
  'COLOR_MISMATCH',
  'NOT_AS_DESCRIBED',
  'QUALITY_DEFECT',
  'DAMAGED_IN_TRANSIT',
  'WRONG_ITEM',
  'CHANGED_MIND',
  'OTHER',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
export type ReasonGroup = 'CUSTOMER' | 'MERCHANT_FAULT';

export function reasonGroupOf(reason: ReasonCode): ReasonGroup {
  return (MERCHANT_FAULT_REASONS as readonly string[]).includes(reason) ? 'MERCHANT_FAULT' : 'CUSTOMER';
}

export const RETURN_METHODS = ['DROP_OFF', 'PICKUP'] as const;
export type ReturnMethod = (typeof RETURN_METHODS)[number];

export const CASE_STATUSES = [
  'REQUESTED',
  'PENDING_REVIEW',
  'APPROVED',
  'REJECTED',
  'AWAITING_SHIPMENT',
  'IN_TRANSIT',
  'LOST',
  'RECEIVED',
  'INSPECTION_FAILED',
  'RETURNED_TO_CUSTOMER',
  'REFUND_PENDING',
  'REFUNDED',
  'REFUND_FAILED',
  'EXCHANGE_SHIPPED',
  'CANCELLED',
  'CLOSED',
  'COMPLETED',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export type ShippingPayer = 'CUSTOMER' | 'MERCHANT';

export const DECISION_OUTCOMES = ['APPROVED', 'REJECTED', 'PENDING_REVIEW'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/** Stable machine codes of policy decisions (CONTRACT.md, "Default policy"). */
export type DecisionCode =
  | 'OUT_OF_WINDOW'
  | 'NOT_DELIVERED'
  | 'NON_RETURNABLE'
  | 'QUANTITY_EXCEEDED'
  | 'ITEM_NOT_IN_ORDER'
  | 'HIGH_VALUE'
  | 'VAGUE_REASON'
  | 'MISSING_EVIDENCE'
  | 'RISK_SIGNAL';

export interface RuleResult {
  /** Stable rule id, e.g. `window.customer`. */
  id: string;
  passed: boolean;
  /** Code attached when the rule fails or flags for review. */
  code?: DecisionCode;
  /** One sentence a customer-service agent can read. */
  message: string;
}

export interface Decision {
  outcome: DecisionOutcome;
  codes: DecisionCode[];
  rules: RuleResult[];
  policyVersion: string;
  /** `system:policy`, `agent:<key>` or `system:review-deadline`. */
  decidedBy: string;
  decidedAt: string;
  note?: string;
}

export const ITEM_CONDITIONS = ['NEW', 'LIKE_NEW', 'USED', 'DAMAGED', 'WRONG_ITEM_RETURNED', 'MISSING'] as const;
export type ItemCondition = (typeof ITEM_CONDITIONS)[number];

export const DISPOSITIONS = ['RESTOCK', 'REFURBISH', 'SCRAP', 'RETURN_TO_CUSTOMER', 'RETURN_TO_VENDOR'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/**
 * A carrier's scan statuses: the contract's five, and DELIVERED, the parcel handed to its
 * addressee, for the parcel an item that failed inspection goes back to its customer in
 * (for a parcel coming in it means what DELIVERED_TO_WAREHOUSE does).
 */
export const TRACKING_STATUSES = ['PICKED_UP', 'IN_TRANSIT', 'DELIVERED_TO_WAREHOUSE', 'DELIVERED', 'EXCEPTION', 'LOST'] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

export const REFUND_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const NOTIFICATION_CHANNELS = ['SMS', 'EMAIL', 'WECHAT', 'PUSH'] as const;
export type NotificationChannelName = (typeof NOTIFICATION_CHANNELS)[number];

/** Moments the customer is told about. */
export const CUSTOMER_MESSAGES = [
  'return.approved',
  'return.rejected',
  'return.pending_review',
  /** the reason text was vague or contradicted the reason chosen: please tell us more */
  'return.clarification_needed',
  'label.ready',
  'pickup.booked',
  'return.received',
  'inspection.failed',
  /** the item that failed inspection is on its way back: carrier and tracking number */
  'item.sent_back',
  /** an exchange passed inspection and its replacement is on its way: carrier and tracking number */
  'exchange.shipped',
  'refund.succeeded',
  'refund.failed',
  'return.closed',
  'return.cancelled',
] as const;
export type CustomerMessage = (typeof CUSTOMER_MESSAGES)[number];

export const ROLES = ['upstream', 'portal', 'carrier', 'warehouse', 'agent', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];
