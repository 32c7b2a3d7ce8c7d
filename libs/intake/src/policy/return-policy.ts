/**
 * The return policy as data (CONTRACT.md, "Default policy"). A decision records the
 * `version` it was judged under; every change to a policy makes a new version.
 */
export interface ReturnPolicy {
  /** e.g. `default@1` */
  version: string;
  /** Days after delivery for customer reasons (SIZE_FIT, COLOR_MISMATCH, CHANGED_MIND, OTHER). */
  customerReasonWindowDays: number;
  /** Days after delivery for merchant-fault reasons (QUALITY_DEFECT, NOT_AS_DESCRIBED, WRONG_ITEM, DAMAGED_IN_TRANSIT). */
  merchantFaultWindowDays: number;
  /** Categories that take no customer-reason returns; merchant-fault returns of them are allowed. */
  nonReturnableCategories: string[];
  /** Minor units: a case worth more than this goes to review. */
  autoApproveCeilingMinor: number;
  /** False: a PICKUP booked for a customer who pays is deducted from the refund. */
  freePickup: boolean;
  /** Whole percent of the accepted items' value withheld from the refund. */
  restockingFeePercent: number;
}

export const DEFAULT_POLICY: ReturnPolicy = Object.freeze({
  version: 'default@1',
  customerReasonWindowDays: 7,
  merchantFaultWindowDays: 15,
  nonReturnableCategories: Object.freeze(['custom', 'fresh', 'digital', 'periodical']) as string[],
  autoApproveCeilingMinor: 200000,
  freePickup: false,
  restockingFeePercent: 0,
});
