import {
  DecisionCode,
  DecisionOutcome,
  ReasonCode,
  reasonGroupOf,
  ReturnMethod,
  ReturnType,
  RuleResult,
  ShippingPayer,
} from '@returns/contracts';
import { casePolicy, PolicyBook, ReturnPolicy, shippingPayerOf } from '@returns/policy';
import { assessRisk, RiskAssessment, RiskFacts } from '../risk';
import { screenReasonText } from './reason-text';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface OrderLine {
  sku: string;
  name: string;
  category: string;
  quantity: number;
  /** minor units */
  unitPrice: number;
}

export interface JudgeInput {
  order: { deliveredAt: Date | null; items: OrderLine[] };
  request: {
    type: ReturnType;
    reasonCode: ReasonCode;
    reasonText?: string | null;
    returnMethod?: ReturnMethod | null;
    items: { sku: string; quantity: number }[];
    photos: { url: string; sha256: string }[];
  };
  /** units of each sku already in the customer's other open or finished cases of this order */
  alreadyClaimed: Record<string, number>;
  /**
   * When the customer asked (the request's 202): the window is measured to it, however long
   * the request then waited in the intake queue (a Double-11 backlog changes no outcome).
   */
  askedAt: Date;
  /**
   * When the request is judged (now, for the worker): a `deliveredAt` later than it is a
   * delivery that has not happened (a sender's clock ahead, a planned date), so the order
   * counts as not delivered yet.
   */
  judgedAt: Date;
  /** the current policy of every category; each line is judged by its category's */
  policies: PolicyBook;
  /** what the database knows of the customer's history; with it the request is scored for risk */
  history?: Pick<RiskFacts, 'returnsLast90Days' | 'ordersLast90Days' | 'photoSharedWithCustomers'>;
}

/** A line of the case: the order's name and category, the sku's price (`caseUnitPrice`), with the quantity asked for. */
export interface CaseLine extends OrderLine {
  /** units asked for */
  quantity: number;
}

export interface Judgement {
  outcome: DecisionOutcome;
  codes: DecisionCode[];
  rules: RuleResult[];
  policyVersion: string;
  shippingPaidBy: ShippingPayer;
  /** minor units: sum of unitPrice x requested units over the lines found in the order */
  valueMinor: number;
  /** present when `history` was given */
  risk?: RiskAssessment;
  lines: CaseLine[];
}

interface BoughtSku {
  /** first order line of the sku: its name and category are used */
  line: OrderLine;
  /** units bought over all the order's lines of the sku */
  bought: number;
  /** minor units paid for the sku over all its lines: sum of unitPrice x quantity */
  paidMinor: number;
}

function indexOrder(items: OrderLine[]): Map<string, BoughtSku> {
  const bySku = new Map<string, BoughtSku>();
  for (const line of items) {
    const seen = bySku.get(line.sku);
    if (seen) {
      seen.bought += line.quantity;
      seen.paidMinor += line.unitPrice * line.quantity;
    } else bySku.set(line.sku, { line, bought: line.quantity, paidMinor: line.unitPrice * line.quantity });
  }
  return bySku;
}

/**
 * The unit price, in minor units, a case gives an sku: what was paid for it over all the
 * order's lines of it divided by the units bought, rounded down. An sku on one line keeps
 * that line's price; one bought on several lines at different prices (a second unit at half
 * price) is priced alike whichever line comes first and however its units are split over
 * cases, and all its units returned refund at most what was paid for them (less by under
 * one minor unit per unit bought: at most `bought - 1` in all).
 */
export function caseUnitPrice(sku: { bought: number; paidMinor: number }): number {
  return sku.bought > 0 ? Math.floor(sku.paidMinor / sku.bought) : 0;
}

/** Requested units per sku, duplicates summed, in order of first appearance. */
function sumRequested(items: { sku: string; quantity: number }[]): Map<string, number> {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of items) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return bySku;
}

function pass(id: string, message: string): RuleResult {
  return { id, passed: true, message };
}

function fail(id: string, code: DecisionCode, message: string): RuleResult {
  return { id, passed: false, code, message };
}

function list(values: string[]): string {
  return values.join(', ');
}

/** What a case is made of, whatever its decision: its lines, their value, and who pays the way back. */
export interface CaseFacts {
  /**
   * each sku asked for that the order has: its first order line's name and category, its
   * price over all its lines (`caseUnitPrice`), the units asked for (duplicates summed)
   */
  lines: CaseLine[];
  /** the skus asked for that the order does not have */
  missing: string[];
  /** minor units: sum of unitPrice x requested units over `lines` */
  valueMinor: number;
  /** the one policy that speaks for the case where one value is needed: that of its most valuable line */
  policy: ReturnPolicy;
  shippingPaidBy: ShippingPayer;
}

/**
 * The facts of a request against its order, before any rule is judged: judging builds on
 * them, and a request cancelled before judging opens its case with them all the same.
 */
export function caseFacts(policies: PolicyBook, orderItems: OrderLine[], request: { items: { sku: string; quantity: number }[]; reasonCode: ReasonCode }): CaseFacts {
  const ordered = indexOrder(orderItems);
  const lines: CaseLine[] = [];
  const missing: string[] = [];
  for (const [sku, quantity] of sumRequested(request.items)) {
    const found = ordered.get(sku);
    if (found) lines.push({ ...found.line, unitPrice: caseUnitPrice(found), quantity });
    else missing.push(sku);
  }
  const policy = casePolicy(policies, lines);
  return {
    lines,
    missing,
    valueMinor: lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0),
    policy,
    shippingPaidBy: shippingPayerOf(policy, reasonGroupOf(request.reasonCode)),
  };
}

/** Whether an order's `deliveredAt` is a delivery that has happened by `at`: set, and not later than it. */
export function isDelivered(deliveredAt: Date | null, at: Date): deliveredAt is Date {
  return deliveredAt !== null && deliveredAt.getTime() <= at.getTime();
}

/**
 * Judges a return request against the policy (CONTRACT.md, "Default policy").
 * Rejection rules are always all evaluated and listed; review rules only when
 * nothing rejects. Pure: the times it is judged by, `askedAt` (the window) and `judgedAt`
 * (whether the delivery has happened), are parameters.
 */
export function judgeReturn(input: JudgeInput): Judgement {
  const { order, request, alreadyClaimed, askedAt, judgedAt, policies } = input;
  const group = reasonGroupOf(request.reasonCode);
  const merchantFault = group === 'MERCHANT_FAULT';
  const ordered = indexOrder(order.items);
  const { lines, missing, valueMinor, policy, shippingPaidBy } = caseFacts(policies, order.items, request);

  const rejections: RuleResult[] = [];

  rejections.push(
    missing.length > 0
      ? fail('items.in-order', 'ITEM_NOT_IN_ORDER', `These items are not part of the order: ${list(missing)}.`)
      : pass('items.in-order', 'Every requested item is part of the order.'),
  );

  const exceeded = lines
    .map((l) => ({ sku: l.sku, asked: l.quantity, claimed: alreadyClaimed[l.sku] ?? 0, bought: ordered.get(l.sku)!.bought }))
    .filter((q) => q.asked + q.claimed > q.bought);
  rejections.push(
    exceeded.length > 0
      ? fail(
          'items.quantity',
          'QUANTITY_EXCEEDED',
          `More units are asked for than remain returnable: ${list(
            exceeded.map((q) => `${q.sku} asks ${q.asked}, ${q.claimed} already in other cases, ${q.bought} bought`),
          )}.`,
        )
      : pass('items.quantity', 'The requested units do not exceed the units bought minus those in other cases.'),
  );

  // A delivery dated after the judging has not happened: judged as none (only REFUND_ONLY may
  // be asked), not as one whose window has not even begun.
  const deliveredAt = isDelivered(order.deliveredAt, judgedAt) ? order.deliveredAt : null;
  const delivered = deliveredAt !== null;
  rejections.push(
    !delivered && request.type !== 'REFUND_ONLY'
      ? fail('delivery.required', 'NOT_DELIVERED', 'The order is not delivered yet: only a refund-only request may be made.')
      : pass(
          'delivery.required',
          delivered ? 'The order has been delivered.' : 'The order is not delivered yet, which a refund-only request allows.',
        ),
  );

  const groupLabel = merchantFault ? 'merchant-fault' : 'customer';
  const windowOf = (p: ReturnPolicy) => (merchantFault ? p.merchantFaultWindowDays : p.customerReasonWindowDays);
  if (deliveredAt === null) {
    rejections.push(pass('window', 'The return window has not started: the order is not delivered yet.'));
  } else {
    const elapsedMs = askedAt.getTime() - deliveredAt.getTime();
    // Each line by its category's window. Inclusive: exactly N x 24 h after delivery is still inside.
    const late = lines.filter((l) => elapsedMs > windowOf(policies.for(l.category)) * DAY_MS);
    const windows = [...new Set((lines.length ? lines : [{ category: 'default' }]).map((l) => windowOf(policies.for(l.category))))];
    const days = windows.join('/');
    rejections.push(
      late.length > 0
        ? fail('window', 'OUT_OF_WINDOW', `The ${days}-day window for ${groupLabel} reasons has passed since delivery${windows.length > 1 ? ` for ${list(late.map((l) => l.sku))}` : ''}.`)
        : pass('window', `The request is within the ${days}-day window for ${groupLabel} reasons.`),
    );
  }

  const nonReturnable = lines.filter((l) => !policies.for(l.category).acceptsCustomerReasons);
  rejections.push(
    nonReturnable.length > 0 && !merchantFault
      ? fail(
          'category.returnable',
          'NON_RETURNABLE',
          `These items cannot be returned for a customer reason: ${list(nonReturnable.map((l) => `${l.sku} (${l.category})`))}.`,
        )
      : pass(
          'category.returnable',
          nonReturnable.length > 0
            ? 'Non-returnable categories are accepted because the reason is the merchant’s fault.'
            : 'Every item belongs to a returnable category.',
        ),
  );

  const used = [policy.version, ...lines.map((l) => policies.for(l.category).version)];
  const base = { policyVersion: [...new Set(used)].join(','), shippingPaidBy, valueMinor, lines };
  const scored = input.history ? { risk: assessRisk({ ...input.history, valueMinor, merchantFault, photoCount: request.photos.length }) } : {};

  const rejectionCodes = codesOf(rejections);
  if (rejectionCodes.length > 0) {
    return { outcome: 'REJECTED', codes: rejectionCodes, rules: rejections, ...base, ...scored };
  }

  const reviews: RuleResult[] = [];
  reviews.push(
    valueMinor > policy.autoApproveCeilingMinor
      ? fail('value.ceiling', 'HIGH_VALUE', `The case is worth ${valueMinor} minor units, above the auto-approval ceiling of ${policy.autoApproveCeilingMinor}.`)
      : pass('value.ceiling', `The case is worth ${valueMinor} minor units, within the auto-approval ceiling of ${policy.autoApproveCeilingMinor}.`),
  );

  const screening = screenReasonText(request.reasonText, request.reasonCode);
  reviews.push(
    screening.verdict === 'VAGUE'
      ? fail('reason.text', 'VAGUE_REASON', `The reason text gives no concrete reason ("${screening.matched}").`)
      : screening.verdict === 'CONTRADICTS'
        ? fail(
            'reason.text',
            'VAGUE_REASON',
            `The reason text ("${screening.matched}") points to ${screening.suggested}, not to the chosen ${request.reasonCode}.`,
          )
        : pass('reason.text', 'The reason text is consistent with the chosen reason.'),
  );

  reviews.push(
    merchantFault && request.photos.length === 0
      ? fail('evidence.photos', 'MISSING_EVIDENCE', 'A merchant-fault reason was given without any photo.')
      : pass('evidence.photos', merchantFault ? 'Photos support the merchant-fault reason.' : 'No photo is needed for a customer reason.'),
  );

  if (scored.risk) {
    const { score, signals } = scored.risk;
    reviews.push(
      score >= policy.riskReviewThreshold
        ? fail('risk.score', 'RISK_SIGNAL', `Risk score ${score} reaches the review threshold of ${policy.riskReviewThreshold}: ${signals.map((s) => s.detail).join('; ')}.`)
        : pass('risk.score', `Risk score ${score} is below the review threshold of ${policy.riskReviewThreshold}.`),
    );
  }

  const rules = [...rejections, ...reviews];
  const reviewCodes = codesOf(reviews);
  return reviewCodes.length > 0
    ? { outcome: 'PENDING_REVIEW', codes: reviewCodes, rules, ...base, ...scored }
    : { outcome: 'APPROVED', codes: [], rules, ...base, ...scored };
}

function codesOf(rules: RuleResult[]): DecisionCode[] {
  const codes: DecisionCode[] = [];
  for (const r of rules) if (!r.passed && r.code && !codes.includes(r.code)) codes.push(r.code);
  return codes;
}
