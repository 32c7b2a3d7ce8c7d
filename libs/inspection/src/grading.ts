import { Disposition, ItemCondition, ReasonCode, reasonGroupOf } from '@returns/contracts';

export interface InspectionChecks {
  appearanceIntact?: boolean;
  functionsNormally?: boolean;
  accessoriesComplete?: boolean;
  packagingIntact?: boolean;
  signsOfWear?: boolean;
  tagsAttached?: boolean;
}

export interface InspectedItem {
  sku: string;
  quantity: number;
  condition: ItemCondition;
  checks?: InspectionChecks;
}

export interface GradedItem {
  sku: string;
  quantity: number;
  condition: ItemCondition;
  passed: boolean;
  /** units accepted for refund */
  acceptedQuantity: number;
  disposition: Disposition | null;
  reasons: string[];
  /**
   * Units the parcel held beyond the case's quantity of their sku: still the customer's, never
   * refunded (`acceptedQuantity` 0), sent back (RETURN_TO_CUSTOMER; none when reported MISSING).
   * Absent on case units, and on reports graded before extra units were split off.
   */
  beyondCase?: boolean;
}

export type GradingOutcome = 'PASSED' | 'PARTIAL' | 'FAILED';

/**
 * Units that go back to their customer: those graded RETURN_TO_CUSTOMER (failed, not part of
 * the return, or beyond the case's quantity of their sku). Units reported MISSING never came.
 */
export function unitsToSendBack(graded: GradedItem[]): number {
  return graded.reduce((n, item) => n + (item.disposition === 'RETURN_TO_CUSTOMER' ? item.quantity : 0), 0);
}

export interface Grading {
  outcome: GradingOutcome;
  items: GradedItem[];
}

/** What a category's policy asks of an item returned for a customer reason. */
export interface ConditionRules {
  /** conditions that pass, e.g. NEW and LIKE_NEW */
  customerReasonConditions: readonly ItemCondition[];
  /** clothes: tags attached and no signs of wear */
  requireTagsAndNoWear: boolean;
}

export interface GradeInspectionInput {
  reasonCode: ReasonCode;
  caseLines: { sku: string; quantity: number; category: string }[];
  inspected: InspectedItem[];
  /** the policy of each category; by default the contract's (new or like new, clothes with tags and unworn) */
  rulesFor?: (category: string) => ConditionRules;
}

/** Categories whose customer-reason returns also need tags on and no wear. */
export const CLOTHING_CATEGORIES: readonly string[] = ['apparel', 'clothing', 'shoes'];

const FAULTY_CONDITIONS: readonly ItemCondition[] = ['USED', 'DAMAGED'];

function units(n: number): string {
  return `${n} unit${n === 1 ? '' : 's'}`;
}

function assertCount(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
}

export function defaultConditionRules(category: string): ConditionRules {
  return { customerReasonConditions: ['NEW', 'LIKE_NEW'], requireTagsAndNoWear: CLOTHING_CATEGORIES.includes(category.trim().toLowerCase()) };
}

/** Why a unit of this inspected item cannot be refunded; empty when it can. */
function failures(item: InspectedItem, merchantFault: boolean, rules: ConditionRules): string[] {
  if (item.condition === 'MISSING') return [`${units(item.quantity)} of ${item.sku} were not in the parcel.`];
  if (item.condition === 'WRONG_ITEM_RETURNED') {
    return [`The item returned is not ${item.sku}: the customer sent back something else.`];
  }
  if (merchantFault) return [];

  const reasons: string[] = [];
  if (!rules.customerReasonConditions.includes(item.condition)) {
    const allowed = rules.customerReasonConditions.map((c) => c.toLowerCase().replace('_', ' ')).join(' or ');
    reasons.push(`For a customer reason the item must come back ${allowed}; it came back ${item.condition}.`);
  }
  if (rules.requireTagsAndNoWear) {
    if (item.checks?.tagsAttached === false) reasons.push('Clothing returned for a customer reason must keep its tags.');
    if (item.checks?.signsOfWear === true) reasons.push('Clothing returned for a customer reason must show no signs of wear.');
  }
  return reasons;
}

/** Where an accepted item goes next. */
function dispositionOf(item: InspectedItem, reasonCode: ReasonCode): Disposition {
  const checks = item.checks ?? {};
  // A unit the inspector found not working or marked is faulty whatever its label says: never restock it.
  const faulty = FAULTY_CONDITIONS.includes(item.condition) || checks.functionsNormally === false || checks.appearanceIntact === false;
  if (faulty && reasonGroupOf(reasonCode) === 'MERCHANT_FAULT') {
    if (reasonCode === 'QUALITY_DEFECT' || reasonCode === 'NOT_AS_DESCRIBED') return 'RETURN_TO_VENDOR';
    if (reasonCode === 'DAMAGED_IN_TRANSIT' && item.condition === 'DAMAGED') return 'SCRAP';
    return 'REFURBISH';
  }
  if (item.condition === 'NEW' && checks.packagingIntact !== false && !faulty) return 'RESTOCK';
  return 'REFURBISH';
}

/**
 * Where a unit nobody inspected goes (the inspection deadline accepted the return as it is).
 * For a customer reason it is taken as sent: back on sale. For a merchant fault it is taken on
 * the customer's word, as faulty, so never back on sale: to the vendor for a defect or a unit
 * not as described, else to refurbish (nobody saw it damaged, so nothing is scrapped).
 */
export function uninspectedDisposition(reasonCode: ReasonCode): Disposition {
  if (reasonGroupOf(reasonCode) !== 'MERCHANT_FAULT') return 'RESTOCK';
  return reasonCode === 'QUALITY_DEFECT' || reasonCode === 'NOT_AS_DESCRIBED' ? 'RETURN_TO_VENDOR' : 'REFURBISH';
}

/** The units of a reported line beyond the case's `caseQuantity` of its sku: the customer's own, to go back to them. */
function beyondCase(item: InspectedItem, extra: number, caseQuantity: number): GradedItem {
  const missing = item.condition === 'MISSING';
  const beyond = `${units(extra)} of ${item.sku} beyond the ${units(caseQuantity)} in this return`;
  return {
    sku: item.sku,
    quantity: extra,
    condition: item.condition,
    passed: false,
    acceptedQuantity: 0,
    disposition: missing ? null : 'RETURN_TO_CUSTOMER',
    reasons: [
      missing
        ? `${beyond} reported missing: nothing to send back.`
        : `${beyond}: not part of the return, so not refunded and sent back to the customer.`,
    ],
    beyondCase: true,
  };
}

/**
 * Grades what the warehouse found against the case (CONTRACT.md, "Default policy",
 * inspection). Per sku, the case's units go to the best units reported, whatever the order of
 * the lines: first those that pass, then those that fail, then those reported MISSING (they
 * never came), each group in report order. Units reported beyond the case's quantity are the
 * customer's: split off their line (`beyondCase`) and sent back, never refunded or stocked.
 * Case units nobody reported are graded MISSING. Items come out in report order.
 */
export function gradeInspection(input: GradeInspectionInput): Grading {
  const merchantFault = reasonGroupOf(input.reasonCode) === 'MERCHANT_FAULT';
  const rulesFor = input.rulesFor ?? defaultConditionRules;

  const caseSkus = new Map<string, { quantity: number; category: string }>();
  for (const line of input.caseLines) {
    assertCount(line.quantity, `case quantity of ${line.sku}`);
    const seen = caseSkus.get(line.sku);
    if (seen) seen.quantity += line.quantity;
    else caseSkus.set(line.sku, { quantity: line.quantity, category: line.category });
  }
  const unaccounted = new Map([...caseSkus].map(([sku, l]) => [sku, l.quantity]));

  const reported = input.inspected.map((item, at) => {
    assertCount(item.quantity, `inspected quantity of ${item.sku}`);
    const line = caseSkus.get(item.sku);
    const passes = line !== undefined && failures(item, merchantFault, rulesFor(line.category)).length === 0;
    return { item, at, line, rank: passes ? 0 : item.condition === 'MISSING' ? 2 : 1, counted: 0 };
  });
  for (const r of [...reported].sort((a, b) => a.rank - b.rank || a.at - b.at)) {
    const open = unaccounted.get(r.item.sku);
    if (open === undefined) continue;
    r.counted = Math.min(r.item.quantity, open);
    unaccounted.set(r.item.sku, open - r.counted);
  }

  const items: GradedItem[] = [];
  for (const { item, line, counted } of reported) {
    if (!line) {
      items.push({
        sku: item.sku,
        quantity: item.quantity,
        condition: item.condition,
        passed: false,
        acceptedQuantity: 0,
        disposition: 'RETURN_TO_CUSTOMER',
        reasons: [`${item.sku} is not part of this return.`],
      });
      continue;
    }
    if (counted > 0 || item.quantity === 0) {
      const why = failures({ ...item, quantity: counted }, merchantFault, rulesFor(line.category));
      const passed = why.length === 0;
      items.push({
        sku: item.sku,
        quantity: counted,
        condition: item.condition,
        passed,
        acceptedQuantity: passed ? counted : 0,
        disposition: passed ? dispositionOf(item, input.reasonCode) : item.condition === 'MISSING' ? null : 'RETURN_TO_CUSTOMER',
        reasons: why,
      });
    }
    if (item.quantity > counted) items.push(beyondCase(item, item.quantity - counted, line.quantity));
  }

  for (const [sku, open] of unaccounted) {
    if (open === 0) continue;
    items.push({
      sku,
      quantity: open,
      condition: 'MISSING',
      passed: false,
      acceptedQuantity: 0,
      disposition: null,
      reasons: [`${units(open)} of ${sku} in the case were not reported by the inspection.`],
    });
  }

  const caseUnits = [...caseSkus.values()].reduce((sum, l) => sum + l.quantity, 0);
  const accepted = items.reduce((sum, i) => sum + i.acceptedQuantity, 0);
  const outcome: GradingOutcome = accepted === caseUnits ? 'PASSED' : accepted === 0 ? 'FAILED' : 'PARTIAL';
  return { outcome, items };
}

/**
 * `graded` with no more units of an sku inside the case than `caseQuantity` holds of it, in
 * their order: the units over it split off as beyond the case (the customer's, sent back).
 * `gradeInspection` already grades so; this keeps a report graded before it did (its extra
 * units passed and stocked) from telling inventory to stock units the return never had.
 */
export function withinCase(graded: GradedItem[], caseQuantity: ReadonlyMap<string, number>): GradedItem[] {
  const open = new Map(caseQuantity);
  return graded.flatMap((item) => {
    const left = open.get(item.sku);
    if (item.beyondCase || left === undefined || item.quantity <= left) {
      if (!item.beyondCase && left !== undefined) open.set(item.sku, left - item.quantity);
      return [item];
    }
    open.set(item.sku, 0);
    const extra = beyondCase(item, item.quantity - left, caseQuantity.get(item.sku)!);
    return left > 0 ? [{ ...item, quantity: left, acceptedQuantity: Math.min(item.acceptedQuantity, left) }, extra] : [extra];
  });
}
