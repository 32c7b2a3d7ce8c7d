import { DecisionCode, RuleResult } from '@returns/contracts';
import { judgeReturn, JudgeInput, OrderLine } from './judge-return';
import { PolicyBook } from '@returns/policy';

const SEEDED = PolicyBook.seeded();

const DAY = 24 * 60 * 60 * 1000;
const DELIVERED_AT = new Date('2025-03-01T08:00:00.000Z');
const PHOTO = { url: 'https://img.example.com/1.jpg', sha256: 'a'.repeat(64) };

function orderLine(over: Partial<OrderLine> = {}): OrderLine {
  return { sku: 'S1', name: 'T恤', category: 'apparel', quantity: 2, unitPrice: 9900, ...over };
}

type InputOverrides = Omit<Partial<JudgeInput>, 'request' | 'order'> & {
  order?: Partial<JudgeInput['order']>;
  request?: Partial<JudgeInput['request']>;
};

/** A request that the default policy approves, two days after delivery. */
function input(over: InputOverrides = {}): JudgeInput {
  const askedAt = over.askedAt ?? new Date(DELIVERED_AT.getTime() + 2 * DAY);
  return {
    alreadyClaimed: {},
    askedAt,
    // judged at once, unless a test says otherwise
    judgedAt: askedAt,
    policies: SEEDED,
    ...over,
    order: { deliveredAt: DELIVERED_AT, items: [orderLine()], ...over.order },
    request: {
      type: 'RETURN_REFUND',
      reasonCode: 'SIZE_FIT',
      reasonText: null,
      returnMethod: 'DROP_OFF',
      items: [{ sku: 'S1', quantity: 1 }],
      photos: [],
      ...over.request,
    },
  };
}

function after(ms: number): Date {
  return new Date(DELIVERED_AT.getTime() + ms);
}

function rule(rules: RuleResult[], id: string): RuleResult | undefined {
  return rules.find((r) => r.id === id);
}

function expectRejected(codes: DecisionCode[], j: ReturnType<typeof judgeReturn>): void {
  expect(j.outcome).toBe('REJECTED');
  expect(j.codes).toEqual(codes);
}

describe(judgeReturn.name, () => {
  it('approves a plain in-window customer return and records the policy version', () => {
    const j = judgeReturn(input());
    expect(j.outcome).toBe('APPROVED');
    expect(j.codes).toEqual([]);
    expect(j.policyVersion).toBe('apparel@1');
    expect(j.rules.every((r) => r.passed && r.message.length > 0)).toBe(true);
    expect(j.rules.map((r) => r.id)).toEqual([
      'items.in-order',
      'items.quantity',
      'delivery.required',
      'window',
      'category.returnable',
      'value.ceiling',
      'reason.text',
      'evidence.photos',
    ]);
  });

  it('copies the order line into the case line with the requested quantity', () => {
    const j = judgeReturn(input());
    expect(j.lines).toEqual([{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 1, unitPrice: 9900 }]);
    expect(j.valueMinor).toBe(9900);
  });

  describe('window', () => {
    it('accepts a customer reason exactly 7 days after delivery', () => {
      expect(judgeReturn(input({ askedAt: after(7 * DAY) })).outcome).toBe('APPROVED');
    });

    it('rejects a customer reason 7 days and 1 ms after delivery as OUT_OF_WINDOW', () => {
      const j = judgeReturn(input({ askedAt: after(7 * DAY + 1) }));
      expectRejected(['OUT_OF_WINDOW'], j);
      expect(rule(j.rules, 'window')).toMatchObject({ passed: false, code: 'OUT_OF_WINDOW' });
    });

    it('accepts a merchant-fault reason exactly 15 days after delivery', () => {
      const j = judgeReturn(input({ askedAt: after(15 * DAY), request: { reasonCode: 'QUALITY_DEFECT', photos: [PHOTO] } }));
      expect(j.outcome).toBe('APPROVED');
    });

    it('rejects a merchant-fault reason 15 days and 1 ms after delivery as OUT_OF_WINDOW', () => {
      const j = judgeReturn(input({ askedAt: after(15 * DAY + 1), request: { reasonCode: 'QUALITY_DEFECT', photos: [PHOTO] } }));
      expectRejected(['OUT_OF_WINDOW'], j);
    });

    it('gives a merchant-fault reason the longer window a customer reason lacks', () => {
      const askedAt = after(10 * DAY);
      expect(judgeReturn(input({ askedAt, request: { reasonCode: 'CHANGED_MIND' } })).codes).toEqual(['OUT_OF_WINDOW']);
      expect(judgeReturn(input({ askedAt, request: { reasonCode: 'WRONG_ITEM', photos: [PHOTO] } })).outcome).toBe('APPROVED');
    });

    it('uses the window of each line\'s category policy and records the versions it used', () => {
      const policies = new PolicyBook([...SEEDED.all().filter((p) => p.category !== 'apparel'), { ...SEEDED.for('apparel'), version: 'apparel@3', customerReasonWindowDays: 30 }]);
      const j = judgeReturn(input({ policies, askedAt: after(20 * DAY) }));
      expect(j.outcome).toBe('APPROVED');
      expect(j.policyVersion).toBe('apparel@3');
      const mixed = judgeReturn(
        input({
          policies,
          askedAt: after(20 * DAY),
          order: { items: [orderLine(), orderLine({ sku: 'MUG', category: 'home', unitPrice: 4500 })] },
          request: { items: [{ sku: 'S1', quantity: 1 }, { sku: 'MUG', quantity: 1 }] },
        }),
      );
      expect(mixed.codes).toEqual(['OUT_OF_WINDOW']);
      expect(rule(mixed.rules, 'window')?.message).toMatch(/MUG/);
      expect(mixed.policyVersion).toBe('apparel@3,default@1');
    });
  });

  describe('category.returnable', () => {
    it.each([['custom'], ['fresh'], ['digital'], ['periodical']])(
      'rejects a customer-reason return of a %s item as NON_RETURNABLE',
      (category) => {
        const j = judgeReturn(input({ order: { items: [orderLine({ category })] }, request: { reasonCode: 'CHANGED_MIND' } }));
        expectRejected(['NON_RETURNABLE'], j);
      },
    );

    it.each([['custom'], ['fresh'], ['digital'], ['periodical']])(
      'accepts a merchant-fault return of a %s item',
      (category) => {
        const j = judgeReturn(
          input({ order: { items: [orderLine({ category })] }, request: { reasonCode: 'QUALITY_DEFECT', photos: [PHOTO] } }),
        );
        expect(j.outcome).toBe('APPROVED');
        expect(rule(j.rules, 'category.returnable')?.passed).toBe(true);
      },
    );

    it('rejects the whole request when any one line is non-returnable', () => {
      const j = judgeReturn(
        input({
          order: { items: [orderLine(), orderLine({ sku: 'F1', category: 'fresh', quantity: 1 })] },
          request: { items: [{ sku: 'S1', quantity: 1 }, { sku: 'F1', quantity: 1 }] },
        }),
      );
      expectRejected(['NON_RETURNABLE'], j);
      expect(rule(j.rules, 'category.returnable')?.message).toContain('F1');
    });
  });

  describe('items.quantity', () => {
    it('accepts every unit bought', () => {
      expect(judgeReturn(input({ request: { items: [{ sku: 'S1', quantity: 2 }] } })).outcome).toBe('APPROVED');
    });

    it('rejects more units than bought as QUANTITY_EXCEEDED', () => {
      expectRejected(['QUANTITY_EXCEEDED'], judgeReturn(input({ request: { items: [{ sku: 'S1', quantity: 3 }] } })));
    });

    it('counts units already in the customer’s other cases', () => {
      expect(judgeReturn(input({ alreadyClaimed: { S1: 1 }, request: { items: [{ sku: 'S1', quantity: 1 }] } })).outcome).toBe(
        'APPROVED',
      );
      expectRejected(
        ['QUANTITY_EXCEEDED'],
        judgeReturn(input({ alreadyClaimed: { S1: 1 }, request: { items: [{ sku: 'S1', quantity: 2 }] } })),
      );
    });

    it('sums an sku listed twice in the request into one line', () => {
      const twice = [{ sku: 'S1', quantity: 1 }, { sku: 'S1', quantity: 2 }];
      const j = judgeReturn(input({ request: { items: twice } }));
      expectRejected(['QUANTITY_EXCEEDED'], j);
      expect(j.lines).toHaveLength(1);
      expect(j.lines[0].quantity).toBe(3);
    });

    it('sums an sku bought on two order lines and prices it by what was paid over both, rounded down', () => {
      const j = judgeReturn(
        input({
          order: { items: [orderLine({ quantity: 1, unitPrice: 9900 }), orderLine({ quantity: 2, unitPrice: 5000 })] },
          request: { items: [{ sku: 'S1', quantity: 3 }] },
        }),
      );
      expect(j.outcome).toBe('APPROVED');
      // Paid 19900 for three units: 6633.33 each, rounded down; the customer loses 1 fen in all.
      expect(j.lines).toEqual([{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 3, unitPrice: 6633 }]);
      expect(j.valueMinor).toBe(19899);
    });
  });

  describe('an sku bought on several order lines at different prices', () => {
    const fullAndHalf = [orderLine({ quantity: 1, unitPrice: 9900 }), orderLine({ name: 'T恤 (第二件半价)', quantity: 1, unitPrice: 4900 })];
    const mug = orderLine({ sku: 'MUG', name: '马克杯', category: 'home', quantity: 1, unitPrice: 4500 });

    it('values all its units at what was paid for them, not at the first line\'s price', () => {
      const j = judgeReturn(input({ order: { items: [...fullAndHalf, mug] }, request: { items: [{ sku: 'S1', quantity: 2 }] } }));
      expect(j.lines).toEqual([{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 2, unitPrice: 7400 }]);
      expect(j.valueMinor).toBe(9900 + 4900);
    });

    it('prices it the same whichever line comes first', () => {
      const ask = { items: [{ sku: 'S1', quantity: 1 }] };
      const fullFirst = judgeReturn(input({ order: { items: [...fullAndHalf, mug] }, request: ask }));
      const halfFirst = judgeReturn(input({ order: { items: [mug, fullAndHalf[1], fullAndHalf[0]] }, request: ask }));
      expect(fullFirst.lines[0].unitPrice).toBe(7400);
      expect(halfFirst.lines[0].unitPrice).toBe(7400);
      // The name and category stay the first line's.
      expect(halfFirst.lines[0].name).toBe('T恤 (第二件半价)');
    });

    it('never values its units above what was paid for them, however they are split over cases', () => {
      let seed = 7;
      const int = (n: number) => ((seed = (seed * 48271) % 2147483647) % n) + 1;
      for (let run = 0; run < 500; run++) {
        const lines = Array.from({ length: int(4) }, () => orderLine({ quantity: int(5), unitPrice: int(100_000) - 1 }));
        const bought = lines.reduce((n, l) => n + l.quantity, 0);
        const paid = lines.reduce((n, l) => n + l.unitPrice * l.quantity, 0);
        let claimed = 0;
        let valued = 0;
        while (claimed < bought) {
          const asked = Math.min(int(3), bought - claimed);
          const j = judgeReturn(input({ order: { items: lines }, alreadyClaimed: { S1: claimed }, request: { items: [{ sku: 'S1', quantity: asked }] } }));
          expect(j.codes).not.toContain('QUANTITY_EXCEEDED');
          valued += j.valueMinor;
          claimed += asked;
        }
        expect(valued).toBeLessThanOrEqual(paid);
        expect(paid - valued).toBeLessThan(bought);
      }
    });

    it('keeps the price of an sku bought on one line', () => {
      const j = judgeReturn(input({ order: { items: [orderLine({ quantity: 3, unitPrice: 3333 }), mug] }, request: { items: [{ sku: 'S1', quantity: 2 }, { sku: 'MUG', quantity: 1 }] } }));
      expect(j.lines.map((l) => [l.sku, l.unitPrice])).toEqual([['S1', 3333], ['MUG', 4500]]);
      expect(j.valueMinor).toBe(2 * 3333 + 4500);
    });
  });

  describe('items.in-order', () => {
    it('rejects an sku that is not in the order as ITEM_NOT_IN_ORDER', () => {
      const j = judgeReturn(input({ request: { items: [{ sku: 'S1', quantity: 1 }, { sku: 'NOPE', quantity: 1 }] } }));
      expectRejected(['ITEM_NOT_IN_ORDER'], j);
      expect(rule(j.rules, 'items.in-order')?.message).toContain('NOPE');
      expect(j.lines.map((l) => l.sku)).toEqual(['S1']);
      expect(j.valueMinor).toBe(9900);
    });
  });

  describe('delivery.required', () => {
    it('rejects a return before delivery as NOT_DELIVERED', () => {
      expectRejected(['NOT_DELIVERED'], judgeReturn(input({ order: { deliveredAt: null } })));
    });

    it('rejects an exchange before delivery as NOT_DELIVERED', () => {
      expectRejected(['NOT_DELIVERED'], judgeReturn(input({ order: { deliveredAt: null }, request: { type: 'EXCHANGE' } })));
    });

    it('rejects a return as NOT_DELIVERED when deliveredAt lies after the moment it is judged', () => {
      const j = judgeReturn(input({ order: { deliveredAt: after(3 * DAY) }, askedAt: DELIVERED_AT, judgedAt: DELIVERED_AT }));
      expectRejected(['NOT_DELIVERED'], j);
      expect(rule(j.rules, 'window')).toMatchObject({ passed: true, message: expect.stringMatching(/not delivered yet/) });
    });

    it('allows a refund-only request when deliveredAt lies after the moment it is judged', () => {
      const j = judgeReturn(input({ order: { deliveredAt: after(3 * DAY) }, askedAt: DELIVERED_AT, judgedAt: DELIVERED_AT, request: { type: 'REFUND_ONLY', returnMethod: null } }));
      expect(j.outcome).toBe('APPROVED');
      expect(rule(j.rules, 'delivery.required')?.message).toMatch(/not delivered yet/);
    });

    it('counts a delivery made at the very moment of judging as made', () => {
      expect(judgeReturn(input({ askedAt: DELIVERED_AT, judgedAt: DELIVERED_AT })).outcome).toBe('APPROVED');
    });

    it('judges a delivery after the customer asked but before judging as made, within the window (a request held for its delivery)', () => {
      const j = judgeReturn(input({ askedAt: after(-DAY), judgedAt: after(DAY) }));
      expect(j.outcome).toBe('APPROVED');
      expect(rule(j.rules, 'delivery.required')?.message).toBe('The order has been delivered.');
    });

    it('allows a refund-only request before delivery, with no window to miss', () => {
      const j = judgeReturn(
        input({ order: { deliveredAt: null }, askedAt: after(90 * DAY), request: { type: 'REFUND_ONLY', returnMethod: null } }),
      );
      expect(j.outcome).toBe('APPROVED');
    });
  });

  it('lists every failed rejection code, in rule order, and skips the review rules', () => {
    const j = judgeReturn(
      input({
        order: { deliveredAt: null, items: [orderLine({ category: 'digital', unitPrice: 999999 })] },
        request: { items: [{ sku: 'S1', quantity: 5 }, { sku: 'X', quantity: 1 }], reasonText: '不要了' },
      }),
    );
    expectRejected(['ITEM_NOT_IN_ORDER', 'QUANTITY_EXCEEDED', 'NOT_DELIVERED', 'NON_RETURNABLE'], j);
    expect(rule(j.rules, 'value.ceiling')).toBeUndefined();
    expect(rule(j.rules, 'reason.text')).toBeUndefined();
  });

  describe('value.ceiling', () => {
    it('auto-approves a case worth exactly 200000', () => {
      const j = judgeReturn(input({ order: { items: [orderLine({ unitPrice: 100000 })] }, request: { items: [{ sku: 'S1', quantity: 2 }] } }));
      expect(j.valueMinor).toBe(200000);
      expect(j.outcome).toBe('APPROVED');
    });

    it('sends a case worth 200001 to review as HIGH_VALUE', () => {
      const j = judgeReturn(input({ order: { items: [orderLine({ quantity: 1, unitPrice: 200001 })] } }));
      expect(j.outcome).toBe('PENDING_REVIEW');
      expect(j.codes).toEqual(['HIGH_VALUE']);
    });
  });

  describe('reason.text', () => {
    it('sends a vague text to review as VAGUE_REASON', () => {
      const j = judgeReturn(input({ request: { reasonCode: 'OTHER', reasonText: '不想要了' } }));
      expect(j.outcome).toBe('PENDING_REVIEW');
      expect(j.codes).toEqual(['VAGUE_REASON']);
    });

    it('sends a text contradicting the chosen reason to review as VAGUE_REASON', () => {
      const j = judgeReturn(input({ request: { reasonCode: 'QUALITY_DEFECT', reasonText: '尺码太小了', photos: [PHOTO] } }));
      expect(j.outcome).toBe('PENDING_REVIEW');
      expect(j.codes).toEqual(['VAGUE_REASON']);
      expect(rule(j.rules, 'reason.text')?.message).toContain('SIZE_FIT');
    });

    it('approves a text that supports the chosen reason', () => {
      const j = judgeReturn(input({ request: { reasonCode: 'COLOR_MISMATCH', reasonText: '收到的顏色和圖片差很多' } }));
      expect(j.outcome).toBe('APPROVED');
    });
  });

  describe('evidence.photos', () => {
    it('sends a merchant-fault reason without a photo to review as MISSING_EVIDENCE', () => {
      const j = judgeReturn(input({ request: { reasonCode: 'DAMAGED_IN_TRANSIT', photos: [] } }));
      expect(j.outcome).toBe('PENDING_REVIEW');
      expect(j.codes).toEqual(['MISSING_EVIDENCE']);
    });

    it('needs no photo for a customer reason', () => {
      expect(judgeReturn(input({ request: { reasonCode: 'COLOR_MISMATCH', photos: [] } })).outcome).toBe('APPROVED');
    });
  });

  it('lists every review code that flagged', () => {
    const j = judgeReturn(
      input({
        order: { items: [orderLine({ unitPrice: 300000 })] },
        request: { reasonCode: 'NOT_AS_DESCRIBED', reasonText: 'no reason', photos: [] },
      }),
    );
    expect(j.outcome).toBe('PENDING_REVIEW');
    expect(j.codes).toEqual(['HIGH_VALUE', 'VAGUE_REASON', 'MISSING_EVIDENCE']);
  });

  describe('shippingPaidBy', () => {
    it.each([['SIZE_FIT'], ['COLOR_MISMATCH'], ['CHANGED_MIND'], ['OTHER']] as const)(
      'is CUSTOMER for the customer reason %s',
      (reasonCode) => {
        expect(judgeReturn(input({ request: { reasonCode } })).shippingPaidBy).toBe('CUSTOMER');
      },
    );

    it.each([['QUALITY_DEFECT'], ['NOT_AS_DESCRIBED'], ['WRONG_ITEM'], ['DAMAGED_IN_TRANSIT']] as const)(
      'is MERCHANT for the merchant-fault reason %s',
      (reasonCode) => {
        expect(judgeReturn(input({ request: { reasonCode, photos: [PHOTO] } })).shippingPaidBy).toBe('MERCHANT');
      },
    );

    it('is set on rejected judgements too', () => {
      const j = judgeReturn(input({ askedAt: after(30 * DAY), request: { reasonCode: 'WRONG_ITEM' } }));
      expect(j.outcome).toBe('REJECTED');
      expect(j.shippingPaidBy).toBe('MERCHANT');
    });
  });

  it('does not read the clock: the same input gives the same judgement', () => {
    const i = input({ askedAt: after(7 * DAY) });
    expect(judgeReturn(i)).toEqual(judgeReturn(i));
  });
});

describe('judgeReturn with category policies and risk', () => {
  it('takes the postage payer and the review ceiling from the most valuable line\'s policy', () => {
    const policies = new PolicyBook([
      ...SEEDED.all(),
      { ...SEEDED.for('default'), category: 'luxury', version: 'luxury@2', autoApproveCeilingMinor: 1_000_000, shippingPaidBy: { customer: 'MERCHANT', merchantFault: 'MERCHANT' } },
    ]);
    const j = judgeReturn(
      input({ policies, order: { items: [orderLine({ sku: 'BAG', category: 'luxury', unitPrice: 500_000, quantity: 1 })] }, request: { items: [{ sku: 'BAG', quantity: 1 }] } }),
    );
    expect(j.outcome).toBe('APPROVED');
    expect(j.shippingPaidBy).toBe('MERCHANT');
    expect(j.policyVersion).toBe('luxury@2');
  });

  it('sends a request to review when its risk reaches the threshold, and says why', () => {
    const history = { returnsLast90Days: 0, ordersLast90Days: 3, photoSharedWithCustomers: 1 };
    const j = judgeReturn(input({ history }));
    expect(j.outcome).toBe('PENDING_REVIEW');
    expect(j.codes).toEqual(['RISK_SIGNAL']);
    expect(j.risk?.score).toBe(60);
    expect(rule(j.rules, 'risk.score')?.message).toMatch(/other customer/);
    const clean = judgeReturn(input({ history: { ...history, photoSharedWithCustomers: 0 } }));
    expect(clean.outcome).toBe('APPROVED');
    expect(clean.risk).toEqual({ score: 0, signals: [] });
  });
});
