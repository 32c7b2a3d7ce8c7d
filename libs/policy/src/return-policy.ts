import type { ItemCondition, ReasonGroup, ShippingPayer } from '@returns/contracts';

/**
 * The return policy of one product category, as data. Every change makes a new version;
 * a decision records the versions it was judged under (CONTRACT.md, "Policies").
 */
export interface ReturnPolicy {
  /** lower-case category, or `default` for any category without its own */
  category: string;
  /** `<category>@<n>`, e.g. `default@1` */
  version: string;
  /** days after delivery for customer reasons (SIZE_FIT, COLOR_MISMATCH, CHANGED_MIND, OTHER) */
  customerReasonWindowDays: number;
  /** days after delivery for merchant-fault reasons (QUALITY_DEFECT, NOT_AS_DESCRIBED, WRONG_ITEM, DAMAGED_IN_TRANSIT) */
  merchantFaultWindowDays: number;
  /** false: no customer-reason returns (custom-made, fresh, digital, periodicals); merchant-fault returns still allowed */
  acceptsCustomerReasons: boolean;
  /** conditions an item must come back in to be refunded for a customer reason */
  customerReasonConditions: ItemCondition[];
  /** clothes: for a customer reason, tags still attached and no signs of wear */
  requireTagsAndNoWear: boolean;
  /** whole percent of the accepted items' value withheld from the refund */
  restockingFeePercent: number;
  /** who pays the return postage, by reason group */
  shippingPaidBy: { customer: ShippingPayer; merchantFault: ShippingPayer };
  /** minor units: a case worth more than this goes to an agent */
  autoApproveCeilingMinor: number;
  /** true: a door pickup costs the customer nothing even when they pay the postage */
  freePickup: boolean;
  /** risk score (0-100) from which a case goes to an agent */
  riskReviewThreshold: number;
}

/** The editable part of a policy: everything but its identity. */
export type PolicyRules = Omit<ReturnPolicy, 'category' | 'version'>;

export const DEFAULT_RULES: Readonly<PolicyRules> = Object.freeze({
  customerReasonWindowDays: 7,
  merchantFaultWindowDays: 15,
  acceptsCustomerReasons: true,
  customerReasonConditions: ['NEW', 'LIKE_NEW'] as ItemCondition[],
  requireTagsAndNoWear: false,
  restockingFeePercent: 0,
  shippingPaidBy: { customer: 'CUSTOMER', merchantFault: 'MERCHANT' } as ReturnPolicy['shippingPaidBy'],
  autoApproveCeilingMinor: 200_000,
  freePickup: false,
  riskReviewThreshold: 60,
});

/** The policies seeded by the first policy migration: the contract's default policy. */
export const SEEDED_RULES: Readonly<Record<string, PolicyRules>> = Object.freeze({
  default: { ...DEFAULT_RULES },
  apparel: { ...DEFAULT_RULES, requireTagsAndNoWear: true },
  clothing: { ...DEFAULT_RULES, requireTagsAndNoWear: true },
  shoes: { ...DEFAULT_RULES, requireTagsAndNoWear: true },
  custom: { ...DEFAULT_RULES, acceptsCustomerReasons: false },
  fresh: { ...DEFAULT_RULES, acceptsCustomerReasons: false },
  digital: { ...DEFAULT_RULES, acceptsCustomerReasons: false },
  periodical: { ...DEFAULT_RULES, acceptsCustomerReasons: false },
});

export function normalizeCategory(category: string): string {
  return category.trim().toLowerCase();
}

export function shippingPayerOf(policy: ReturnPolicy, group: ReasonGroup): ShippingPayer {
  return group === 'MERCHANT_FAULT' ? policy.shippingPaidBy.merchantFault : policy.shippingPaidBy.customer;
}

/**
 * A set of policies by category: a category without its own policy gets `default`.
 * Pure and synchronous, so judging and grading stay plain functions.
 */
export class PolicyBook {
  private readonly byCategory: Map<string, ReturnPolicy>;

  constructor(policies: ReturnPolicy[]) {
    this.byCategory = new Map(policies.map((p) => [normalizeCategory(p.category), p]));
    if (!this.byCategory.has('default')) throw new Error('a policy book needs a default policy');
  }

  for(category: string): ReturnPolicy {
    return this.byCategory.get(normalizeCategory(category)) ?? this.byCategory.get('default')!;
  }

  all(): ReturnPolicy[] {
    return [...this.byCategory.values()].sort((a, b) => a.category.localeCompare(b.category));
  }

  /** A book of the contract's defaults at version 1, for tests and for a database not yet seeded. */
  static seeded(): PolicyBook {
    return new PolicyBook(Object.entries(SEEDED_RULES).map(([category, rules]) => ({ ...rules, category, version: `${category}@1` })));
  }
}

/** `apparel@3,default@1` -> [['apparel', 3], ['default', 1]] */
export function parseVersions(recorded: string): [string, number][] {
  return recorded
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)
    .map((v) => {
      const at = v.lastIndexOf('@');
      return [v.slice(0, at), Number(v.slice(at + 1))] as [string, number];
    })
    .filter(([category, n]) => category && Number.isInteger(n) && n > 0);
}

/**
 * The policy that speaks for a whole case where one value is needed (postage, restocking
 * fee, review ceiling): that of its most valuable line; ties go to the first line.
 */
export function casePolicy(book: PolicyBook, lines: readonly { category: string; unitPrice: number; quantity: number }[]): ReturnPolicy {
  let best: { category: string; value: number } | null = null;
  for (const line of lines) {
    const value = line.unitPrice * line.quantity;
    if (!best || value > best.value) best = { category: line.category, value };
  }
  return book.for(best?.category ?? 'default');
}
