/** What the intake worker knows about a request's risk, gathered from the database. */
export interface RiskFacts {
  /** the customer's other return cases opened in the last 90 days */
  returnsLast90Days: number;
  /** the customer's orders paid in the last 90 days (this one included) */
  ordersLast90Days: number;
  /** minor units */
  valueMinor: number;
  merchantFault: boolean;
  photoCount: number;
  /** other customers whose cases carry a photo with the same sha256 */
  photoSharedWithCustomers: number;
}

export interface RiskSignal {
  signal: 'RETURN_RATE' | 'HIGH_VALUE' | 'NO_EVIDENCE' | 'PHOTO_REUSED';
  points: number;
  detail: string;
}

export interface RiskAssessment {
  /** 0..100; from the policy's riskReviewThreshold the case goes to an agent */
  score: number;
  signals: RiskSignal[];
}

/**
 * Scores a request's risk of abuse from plain facts. Each signal adds points; a photo
 * already used by another customer is alone enough for review at the default threshold (60).
 */
export function assessRisk(facts: RiskFacts): RiskAssessment {
  const signals: RiskSignal[] = [];
  const orders = Math.max(1, facts.ordersLast90Days);
  const rate = facts.returnsLast90Days / orders;
  if (facts.returnsLast90Days >= 3 && rate >= 0.5) {
    signals.push({ signal: 'RETURN_RATE', points: 35, detail: `${facts.returnsLast90Days} returns against ${orders} orders in 90 days` });
  } else if (facts.returnsLast90Days >= 2 && rate >= 0.3) {
    signals.push({ signal: 'RETURN_RATE', points: 15, detail: `${facts.returnsLast90Days} returns against ${orders} orders in 90 days` });
  }
  if (facts.valueMinor > 500_000) signals.push({ signal: 'HIGH_VALUE', points: 20, detail: `worth ${facts.valueMinor} minor units` });
  else if (facts.valueMinor > 200_000) signals.push({ signal: 'HIGH_VALUE', points: 10, detail: `worth ${facts.valueMinor} minor units` });
  if (facts.merchantFault && facts.photoCount === 0) signals.push({ signal: 'NO_EVIDENCE', points: 20, detail: 'merchant-fault claim without a photo' });
  if (facts.photoSharedWithCustomers > 0) {
    signals.push({ signal: 'PHOTO_REUSED', points: 60, detail: `a photo also appears in returns of ${facts.photoSharedWithCustomers} other customer(s)` });
  }
  return { score: Math.min(100, signals.reduce((sum, s) => sum + s.points, 0)), signals };
}
