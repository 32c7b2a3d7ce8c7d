import { assessRisk, RiskFacts } from './risk';

const facts = (overrides: Partial<RiskFacts> = {}): RiskFacts => ({
  returnsLast90Days: 0,
  ordersLast90Days: 5,
  valueMinor: 9_900,
  merchantFault: false,
  photoCount: 0,
  photoSharedWithCustomers: 0,
  ...overrides,
});

describe(assessRisk.name, () => {
  it('scores an ordinary request at zero', () => {
    expect(assessRisk(facts())).toEqual({ score: 0, signals: [] });
  });

  it('flags a photo another customer already used, enough for review on its own', () => {
    const risk = assessRisk(facts({ photoCount: 1, photoSharedWithCustomers: 1 }));
    expect(risk.score).toBeGreaterThanOrEqual(60);
    expect(risk.signals.map((s) => s.signal)).toEqual(['PHOTO_REUSED']);
  });

  it('weighs a customer who returns most of what they buy', () => {
    expect(assessRisk(facts({ returnsLast90Days: 4, ordersLast90Days: 5 })).score).toBe(35);
    expect(assessRisk(facts({ returnsLast90Days: 2, ordersLast90Days: 5 })).score).toBe(15);
    expect(assessRisk(facts({ returnsLast90Days: 2, ordersLast90Days: 20 })).score).toBe(0);
  });

  it('adds value and a merchant-fault claim without evidence', () => {
    const risk = assessRisk(facts({ valueMinor: 600_000, merchantFault: true }));
    expect(risk.signals.map((s) => s.signal)).toEqual(['HIGH_VALUE', 'NO_EVIDENCE']);
    expect(risk.score).toBe(40);
  });

  it('reaches review when several signals add up, and never passes 100', () => {
    expect(assessRisk(facts({ returnsLast90Days: 5, ordersLast90Days: 5, valueMinor: 600_000, merchantFault: true })).score).toBe(75);
    expect(assessRisk(facts({ returnsLast90Days: 5, ordersLast90Days: 5, valueMinor: 600_000, merchantFault: true, photoSharedWithCustomers: 2 })).score).toBe(100);
  });
});
