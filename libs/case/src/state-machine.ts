import { CASE_STATUSES, CaseStatus, ReturnType } from '@returns/contracts';

/**
 * Every move a return case may make (CONTRACT.md, "Statuses"). Anything not listed
 * is refused. Type-specific restrictions on top of this table live in `canTransition`.
 */
export const TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = Object.freeze({
  REQUESTED: ['APPROVED', 'PENDING_REVIEW', 'REJECTED', 'CANCELLED'],
  PENDING_REVIEW: ['APPROVED', 'REJECTED', 'CANCELLED'],
  APPROVED: ['AWAITING_SHIPMENT', 'REFUND_PENDING', 'CANCELLED'],
  REJECTED: [],
  AWAITING_SHIPMENT: ['IN_TRANSIT', 'CANCELLED', 'CLOSED'],
  IN_TRANSIT: ['RECEIVED', 'LOST'],
  LOST: ['REFUND_PENDING'],
  RECEIVED: ['REFUND_PENDING', 'INSPECTION_FAILED', 'EXCHANGE_SHIPPED'],
  INSPECTION_FAILED: ['RETURNED_TO_CUSTOMER'],
  RETURNED_TO_CUSTOMER: [],
  REFUND_PENDING: ['REFUNDED', 'REFUND_FAILED'],
  REFUNDED: ['COMPLETED'],
  REFUND_FAILED: ['REFUND_PENDING'],
  EXCHANGE_SHIPPED: ['COMPLETED'],
  CANCELLED: [],
  CLOSED: [],
  COMPLETED: [],
} satisfies Record<CaseStatus, readonly CaseStatus[]>);

/**
 * Whether a case may move from `from` to `to`. When `type` is given, a refund-only
 * case skips shipping (APPROVED → REFUND_PENDING) and every other type must ship
 * (APPROVED → AWAITING_SHIPMENT); without `type` only the table is consulted.
 */
export function canTransition(from: CaseStatus, to: CaseStatus, type?: ReturnType): boolean {
  if (!TRANSITIONS[from]?.includes(to)) return false;
  if (type !== undefined && from === 'APPROVED') {
    if (to === 'REFUND_PENDING') return type === 'REFUND_ONLY';
    if (to === 'AWAITING_SHIPMENT') return type !== 'REFUND_ONLY';
  }
  return true;
}

export class IllegalTransitionError extends Error {
  /** Stable machine code of the HTTP error (409). */
  readonly code = 'INVALID_TRANSITION' as const;

  constructor(
    readonly from: CaseStatus,
    readonly to: CaseStatus,
  ) {
    super(`A return case cannot move from ${from} to ${to}.`);
    this.name = 'IllegalTransitionError';
  }
}

/** Throws `IllegalTransitionError` unless `canTransition(from, to, type)`. */
export function assertTransition(from: CaseStatus, to: CaseStatus, type?: ReturnType): void {
  if (!canTransition(from, to, type)) throw new IllegalTransitionError(from, to);
}

/** A status with no outgoing move: the case is over. */
export function isTerminal(status: CaseStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/** Statuses after which the case's units are given back to the customer's allowance. */
export const RELEASING_STATUSES: readonly CaseStatus[] = Object.freeze(['REJECTED', 'CANCELLED', 'CLOSED']);

/**
 * Whether a case still holds its units against the order's quantities (the
 * "open or finished cases" of the quantity rule): every status but REJECTED,
 * CANCELLED and CLOSED. A completed return keeps its units: they were returned.
 */
export function isOpen(status: CaseStatus): boolean {
  return !RELEASING_STATUSES.includes(status);
}

/** Statuses counted by the quantity rule (see `isOpen`). */
export const OPEN_STATUSES: readonly CaseStatus[] = Object.freeze(CASE_STATUSES.filter(isOpen));
