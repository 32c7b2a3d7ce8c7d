import { Disposition, ItemCondition, ReasonCode } from '@returns/contracts';
import { GradedItem, GradeInspectionInput, gradeInspection, InspectedItem, uninspectedDisposition, unitsToSendBack, withinCase } from './grading';

function item(over: Partial<InspectedItem> = {}): InspectedItem {
  return {
    sku: 'S1',
    quantity: 1,
    condition: 'NEW',
    checks: { appearanceIntact: true, functionsNormally: true, accessoriesComplete: true, packagingIntact: true, signsOfWear: false, tagsAttached: true },
    ...over,
  };
}

/** One unit of a gadget returned for a customer reason, by default. */
function input(over: Partial<GradeInspectionInput> = {}): GradeInspectionInput {
  return {
    reasonCode: 'SIZE_FIT',
    caseLines: [{ sku: 'S1', quantity: 1, category: 'electronics' }],
    inspected: [item()],
    ...over,
  };
}

const CUSTOMER: ReasonCode[] = ['SIZE_FIT', 'COLOR_MISMATCH', 'CHANGED_MIND', 'OTHER'];
const MERCHANT: ReasonCode[] = ['QUALITY_DEFECT', 'NOT_AS_DESCRIBED', 'WRONG_ITEM', 'DAMAGED_IN_TRANSIT'];

describe(gradeInspection.name, () => {
  describe('customer reasons', () => {
    it.each<[ItemCondition, boolean]>([
      ['NEW', true],
      ['LIKE_NEW', true],
      ['USED', false],
      ['DAMAGED', false],
      ['WRONG_ITEM_RETURNED', false],
      ['MISSING', false],
    ])('grades a %s item passed=%s', (condition, passed) => {
      for (const reasonCode of CUSTOMER) {
        const g = gradeInspection(input({ reasonCode, inspected: [item({ condition })] }));
        expect(g.items[0].passed).toBe(passed);
        expect(g.outcome).toBe(passed ? 'PASSED' : 'FAILED');
      }
    });

    it.each([['apparel'], ['clothing'], ['shoes'], ['Apparel']])('refuses %s returned without tags', (category) => {
      const g = gradeInspection(
        input({ caseLines: [{ sku: 'S1', quantity: 1, category }], inspected: [item({ checks: { tagsAttached: false } })] }),
      );
      expect(g.items[0]).toMatchObject({ passed: false, acceptedQuantity: 0, disposition: 'RETURN_TO_CUSTOMER' });
      expect(g.items[0].reasons.join(' ')).toMatch(/tags/);
    });

    it('refuses worn clothing even when labelled LIKE_NEW', () => {
      const g = gradeInspection(
        input({
          caseLines: [{ sku: 'S1', quantity: 1, category: 'apparel' }],
          inspected: [item({ condition: 'LIKE_NEW', checks: { signsOfWear: true } })],
        }),
      );
      expect(g.items[0].passed).toBe(false);
      expect(g.items[0].reasons.join(' ')).toMatch(/wear/);
    });

    it('accepts clothing whose tag and wear checks were not filled in', () => {
      const g = gradeInspection(input({ caseLines: [{ sku: 'S1', quantity: 1, category: 'apparel' }], inspected: [item({ checks: undefined })] }));
      expect(g.outcome).toBe('PASSED');
    });

    it('does not ask tags of non-clothing items', () => {
      const g = gradeInspection(input({ inspected: [item({ checks: { tagsAttached: false, signsOfWear: true } })] }));
      expect(g.outcome).toBe('PASSED');
    });

    it('gives the item back to the customer and explains why when it fails', () => {
      const g = gradeInspection(input({ inspected: [item({ condition: 'USED' })] }));
      expect(g.items[0]).toMatchObject({ passed: false, acceptedQuantity: 0, disposition: 'RETURN_TO_CUSTOMER' });
      expect(g.items[0].reasons).toHaveLength(1);
      expect(g.items[0].reasons[0]).toMatch(/USED/);
    });
  });

  describe('merchant-fault reasons', () => {
    it.each<[ItemCondition, boolean]>([
      ['NEW', true],
      ['LIKE_NEW', true],
      ['USED', true],
      ['DAMAGED', true],
      ['WRONG_ITEM_RETURNED', false],
      ['MISSING', false],
    ])('grades a %s item passed=%s', (condition, passed) => {
      for (const reasonCode of MERCHANT) {
        const g = gradeInspection(input({ reasonCode, inspected: [item({ condition })] }));
        expect(g.items[0].passed).toBe(passed);
      }
    });

    it('accepts worn clothing without tags', () => {
      const g = gradeInspection(
        input({
          reasonCode: 'QUALITY_DEFECT',
          caseLines: [{ sku: 'S1', quantity: 1, category: 'apparel' }],
          inspected: [item({ condition: 'USED', checks: { tagsAttached: false, signsOfWear: true } })],
        }),
      );
      expect(g.outcome).toBe('PASSED');
    });

    it('sends back a wrong item to the customer', () => {
      const g = gradeInspection(input({ reasonCode: 'WRONG_ITEM', inspected: [item({ condition: 'WRONG_ITEM_RETURNED' })] }));
      expect(g.items[0]).toMatchObject({ passed: false, disposition: 'RETURN_TO_CUSTOMER' });
      expect(g.items[0].reasons[0]).toMatch(/not S1/);
    });
  });

  describe('dispositions', () => {
    it('restocks a NEW item in intact packaging', () => {
      expect(gradeInspection(input()).items[0].disposition).toBe('RESTOCK');
    });

    it('restocks a NEW item whose packaging was not checked', () => {
      expect(gradeInspection(input({ inspected: [item({ checks: {} })] })).items[0].disposition).toBe('RESTOCK');
    });

    it('refurbishes a NEW item with damaged packaging', () => {
      expect(gradeInspection(input({ inspected: [item({ checks: { packagingIntact: false } })] })).items[0].disposition).toBe(
        'REFURBISH',
      );
    });

    it('refurbishes a LIKE_NEW item', () => {
      expect(gradeInspection(input({ inspected: [item({ condition: 'LIKE_NEW' })] })).items[0].disposition).toBe('REFURBISH');
    });

    it.each<[ReasonCode, ItemCondition, string]>([
      ['QUALITY_DEFECT', 'USED', 'RETURN_TO_VENDOR'],
      ['QUALITY_DEFECT', 'DAMAGED', 'RETURN_TO_VENDOR'],
      ['NOT_AS_DESCRIBED', 'USED', 'RETURN_TO_VENDOR'],
      ['NOT_AS_DESCRIBED', 'DAMAGED', 'RETURN_TO_VENDOR'],
      ['DAMAGED_IN_TRANSIT', 'DAMAGED', 'SCRAP'],
      ['DAMAGED_IN_TRANSIT', 'USED', 'REFURBISH'],
      ['WRONG_ITEM', 'USED', 'REFURBISH'],
      ['WRONG_ITEM', 'DAMAGED', 'REFURBISH'],
    ])('under %s sends a %s item to %s', (reasonCode, condition, disposition) => {
      expect(gradeInspection(input({ reasonCode, inspected: [item({ condition })] })).items[0].disposition).toBe(disposition);
    });

    it('never restocks a NEW item the inspector found not working', () => {
      const g = gradeInspection(input({ reasonCode: 'QUALITY_DEFECT', inspected: [item({ checks: { functionsNormally: false } })] }));
      expect(g.items[0].disposition).toBe('RETURN_TO_VENDOR');
    });

    it('gives no disposition to a MISSING item', () => {
      expect(gradeInspection(input({ inspected: [item({ condition: 'MISSING' })] })).items[0].disposition).toBeNull();
    });
  });

  describe('quantities', () => {
    it('accepts no more units than the case asked for and sends the extra ones back to the customer', () => {
      const g = gradeInspection(input({ inspected: [item({ quantity: 3 })] }));
      expect(g.outcome).toBe('PASSED');
      expect(g.items.map(brief)).toEqual([
        ['S1', 'NEW', 1, 1, 'RESTOCK', false],
        ['S1', 'NEW', 2, 0, 'RETURN_TO_CUSTOMER', true],
      ]);
      expect(g.items[1].passed).toBe(false);
      expect(g.items[1].reasons).toEqual(['2 units of S1 beyond the 1 unit in this return: not part of the return, so not refunded and sent back to the customer.']);
    });

    it('grades case units the warehouse did not report as MISSING', () => {
      const g = gradeInspection(input({ caseLines: [{ sku: 'S1', quantity: 3, category: 'toys' }], inspected: [item({ quantity: 1 })] }));
      expect(g.outcome).toBe('PARTIAL');
      expect(g.items).toHaveLength(2);
      expect(g.items[1]).toEqual({
        sku: 'S1',
        quantity: 2,
        condition: 'MISSING',
        passed: false,
        acceptedQuantity: 0,
        disposition: null,
        reasons: [expect.stringMatching(/not reported/)],
      });
    });

    it('fails the whole inspection when nothing was reported', () => {
      const g = gradeInspection(input({ inspected: [] }));
      expect(g.outcome).toBe('FAILED');
      expect(g.items).toEqual([expect.objectContaining({ sku: 'S1', condition: 'MISSING', quantity: 1 })]);
    });

    it('does not count units reported MISSING twice', () => {
      const g = gradeInspection(input({ caseLines: [{ sku: 'S1', quantity: 2, category: 'toys' }], inspected: [item({ condition: 'MISSING', quantity: 2 })] }));
      expect(g.items).toHaveLength(1);
      expect(g.outcome).toBe('FAILED');
    });

    it('refuses an sku that is not in the case and returns it to the customer', () => {
      const g = gradeInspection(input({ inspected: [item(), item({ sku: 'ZZZ' })] }));
      expect(g.items[1]).toMatchObject({ sku: 'ZZZ', passed: false, acceptedQuantity: 0, disposition: 'RETURN_TO_CUSTOMER' });
      expect(g.items[1].reasons[0]).toMatch(/not part of this return/);
      expect(g.outcome).toBe('PASSED');
    });

    it('grades units of one sku separately by condition and reports PARTIAL', () => {
      const g = gradeInspection(
        input({
          caseLines: [{ sku: 'S1', quantity: 2, category: 'toys' }],
          inspected: [item({ condition: 'NEW' }), item({ condition: 'USED' })],
        }),
      );
      expect(g.items.map((i) => [i.condition, i.acceptedQuantity, i.disposition])).toEqual([
        ['NEW', 1, 'RESTOCK'],
        ['USED', 0, 'RETURN_TO_CUSTOMER'],
      ]);
      expect(g.outcome).toBe('PARTIAL');
    });

    it('grades several case lines and passes when every unit is accepted', () => {
      const g = gradeInspection(
        input({
          reasonCode: 'DAMAGED_IN_TRANSIT',
          caseLines: [
            { sku: 'A', quantity: 1, category: 'toys' },
            { sku: 'B', quantity: 2, category: 'toys' },
          ],
          inspected: [item({ sku: 'B', quantity: 2, condition: 'DAMAGED' }), item({ sku: 'A', condition: 'USED' })],
        }),
      );
      expect(g.outcome).toBe('PASSED');
      expect(g.items.reduce((s, i) => s + i.acceptedQuantity, 0)).toBe(3);
    });

    it('rejects a negative or fractional quantity', () => {
      expect(() => gradeInspection(input({ inspected: [item({ quantity: -1 })] }))).toThrow(RangeError);
      expect(() => gradeInspection(input({ inspected: [item({ quantity: 1.5 })] }))).toThrow(RangeError);
    });
  });
});

/** A graded item as [sku, condition, quantity, acceptedQuantity, disposition, beyond the case]. */
function brief(i: GradedItem): [string, string, number, number, string | null, boolean] {
  return [i.sku, i.condition, i.quantity, i.acceptedQuantity, i.disposition, i.beyondCase === true];
}

/** Units of each sku that inventory is told to stock, refurbish, scrap or send to the vendor. */
function keptBySku(items: GradedItem[]): Record<string, number> {
  const kept: Record<string, number> = {};
  for (const i of items) if (i.disposition && i.disposition !== 'RETURN_TO_CUSTOMER') kept[i.sku] = (kept[i.sku] ?? 0) + i.quantity;
  return kept;
}

describe('units beyond the case', () => {
  // The customer asked to return 1 of 2 bought but put both in the box: one worn, one new.
  const wornAndNew = [item({ condition: 'USED', checks: { ...item().checks, signsOfWear: true } }), item({ condition: 'NEW' })];
  const apparel = { caseLines: [{ sku: 'S1', quantity: 1, category: 'apparel' }] };

  it("gives the case's units to the units that pass, whatever order the lines are listed in", () => {
    for (const inspected of [wornAndNew, [...wornAndNew].reverse()]) {
      const g = gradeInspection(input({ ...apparel, inspected }));
      expect(g.outcome).toBe('PASSED');
      const byCondition = Object.fromEntries(g.items.map((i) => [i.condition, brief(i)]));
      expect(byCondition).toEqual({
        NEW: ['S1', 'NEW', 1, 1, 'RESTOCK', false],
        USED: ['S1', 'USED', 1, 0, 'RETURN_TO_CUSTOMER', true],
      });
      // The items keep the report's order.
      expect(g.items.map((i) => i.condition)).toEqual(inspected.map((i) => i.condition));
    }
  });

  it("gives the case's units to failing units that came before units reported missing", () => {
    const g = gradeInspection(input({ inspected: [item({ condition: 'MISSING' }), item({ condition: 'USED' })] }));
    expect(g.outcome).toBe('FAILED');
    expect(g.items.map(brief)).toEqual([
      ['S1', 'MISSING', 1, 0, null, true],
      ['S1', 'USED', 1, 0, 'RETURN_TO_CUSTOMER', false],
    ]);
    expect(g.items[1].reasons[0]).toMatch(/USED/);
    expect(g.items[0].reasons[0]).toMatch(/beyond the 1 unit in this return reported missing/);
    expect(unitsToSendBack(g.items)).toBe(1);
  });

  it("splits a failing line partly beyond the case: its case units fail, the rest are the customer's", () => {
    const g = gradeInspection(input({ caseLines: [{ sku: 'S1', quantity: 2, category: 'toys' }], inspected: [item({ condition: 'DAMAGED', quantity: 3 })] }));
    expect(g.outcome).toBe('FAILED');
    expect(g.items.map(brief)).toEqual([
      ['S1', 'DAMAGED', 2, 0, 'RETURN_TO_CUSTOMER', false],
      ['S1', 'DAMAGED', 1, 0, 'RETURN_TO_CUSTOMER', true],
    ]);
    expect(g.items[0].reasons[0]).toMatch(/DAMAGED/);
    expect(unitsToSendBack(g.items)).toBe(3);
  });

  it('fills a case of several units from passing lines first and splits the line that overflows', () => {
    const g = gradeInspection(
      input({ caseLines: [{ sku: 'S1', quantity: 3, category: 'toys' }], inspected: [item({ condition: 'USED', quantity: 2 }), item({ quantity: 2 }), item({ condition: 'LIKE_NEW', quantity: 2 })] }),
    );
    expect(g.outcome).toBe('PASSED');
    expect(g.items.map(brief)).toEqual([
      ['S1', 'USED', 2, 0, 'RETURN_TO_CUSTOMER', true],
      ['S1', 'NEW', 2, 2, 'RESTOCK', false],
      ['S1', 'LIKE_NEW', 1, 1, 'REFURBISH', false],
      ['S1', 'LIKE_NEW', 1, 0, 'RETURN_TO_CUSTOMER', true],
    ]);
    expect(unitsToSendBack(g.items)).toBe(3);
  });

  it("assigns each sku's units on their own across several skus", () => {
    const g = gradeInspection(
      input({
        caseLines: [
          { sku: 'A', quantity: 1, category: 'toys' },
          { sku: 'B', quantity: 2, category: 'toys' },
        ],
        inspected: [item({ sku: 'B', condition: 'USED' }), item({ sku: 'A', condition: 'DAMAGED' }), item({ sku: 'A', quantity: 2 }), item({ sku: 'B' })],
      }),
    );
    expect(g.outcome).toBe('PARTIAL');
    expect(g.items.map(brief)).toEqual([
      ['B', 'USED', 1, 0, 'RETURN_TO_CUSTOMER', false],
      ['A', 'DAMAGED', 1, 0, 'RETURN_TO_CUSTOMER', true],
      ['A', 'NEW', 1, 1, 'RESTOCK', false],
      ['A', 'NEW', 1, 0, 'RETURN_TO_CUSTOMER', true],
      ['B', 'NEW', 1, 1, 'RESTOCK', false],
    ]);
    expect(g.items.reduce((n, i) => n + i.acceptedQuantity, 0)).toBe(2);
    expect(unitsToSendBack(g.items)).toBe(3);
  });

  it('never stocks, refurbishes, scraps or sends to the vendor more units of an sku than the case has', () => {
    const cases: [ReasonCode, ItemCondition][] = [
      ['SIZE_FIT', 'NEW'],
      ['SIZE_FIT', 'LIKE_NEW'],
      ['DAMAGED_IN_TRANSIT', 'DAMAGED'],
      ['QUALITY_DEFECT', 'USED'],
      ['WRONG_ITEM', 'USED'],
    ];
    for (const [reasonCode, condition] of cases) {
      const g = gradeInspection(input({ reasonCode, caseLines: [{ sku: 'S1', quantity: 2, category: 'toys' }], inspected: [item({ condition, quantity: 5 })] }));
      expect({ reasonCode, condition, kept: keptBySku(g.items) }).toEqual({ reasonCode, condition, kept: { S1: 2 } });
      expect(g.items.filter((i) => i.beyondCase).map(brief)).toEqual([['S1', condition, 3, 0, 'RETURN_TO_CUSTOMER', true]]);
    }
  });

  it('sends nothing back for units reported missing beyond the case', () => {
    const g = gradeInspection(input({ inspected: [item(), item({ condition: 'MISSING', quantity: 2 })] }));
    expect(g.outcome).toBe('PASSED');
    expect(g.items.map(brief)).toEqual([
      ['S1', 'NEW', 1, 1, 'RESTOCK', false],
      ['S1', 'MISSING', 2, 0, null, true],
    ]);
    expect(unitsToSendBack(g.items)).toBe(0);
  });
});

describe(withinCase.name, () => {
  const caseOf = (entries: [string, number][]) => new Map(entries);

  it('splits the units over the case off a report graded before extra units were (passed, to RESTOCK)', () => {
    const legacy: GradedItem[] = [
      { sku: 'S1', quantity: 1, condition: 'USED', passed: false, acceptedQuantity: 0, disposition: 'RETURN_TO_CUSTOMER', reasons: ['worn'] },
      { sku: 'S1', quantity: 3, condition: 'NEW', passed: true, acceptedQuantity: 0, disposition: 'RESTOCK', reasons: [] },
      { sku: 'ZZZ', quantity: 1, condition: 'NEW', passed: false, acceptedQuantity: 0, disposition: 'RETURN_TO_CUSTOMER', reasons: ['ZZZ is not part of this return.'] },
    ];
    expect(withinCase(legacy, caseOf([['S1', 2]])).map(brief)).toEqual([
      ['S1', 'USED', 1, 0, 'RETURN_TO_CUSTOMER', false],
      ['S1', 'NEW', 1, 0, 'RESTOCK', false],
      ['S1', 'NEW', 2, 0, 'RETURN_TO_CUSTOMER', true],
      ['ZZZ', 'NEW', 1, 0, 'RETURN_TO_CUSTOMER', false],
    ]);
    const whole: GradedItem = { sku: 'S1', quantity: 3, condition: 'NEW', passed: true, acceptedQuantity: 1, disposition: 'RESTOCK', reasons: [] };
    expect(withinCase([whole], caseOf([['S1', 1]])).map(brief)).toEqual([
      ['S1', 'NEW', 1, 1, 'RESTOCK', false],
      ['S1', 'NEW', 2, 0, 'RETURN_TO_CUSTOMER', true],
    ]);
  });

  it('leaves a grading that already splits off extra units as it is', () => {
    const graded = gradeInspection(
      input({ caseLines: [{ sku: 'S1', quantity: 2, category: 'toys' }], inspected: [item({ condition: 'USED', quantity: 2 }), item({ quantity: 3 }), item({ condition: 'MISSING' })] }),
    ).items;
    expect(graded.filter((i) => i.beyondCase).map((i) => i.quantity)).toEqual([2, 1, 1]);
    expect(withinCase(graded, caseOf([['S1', 2]]))).toEqual(graded);
  });
});

describe(unitsToSendBack.name, () => {
  const graded = (over: Partial<GradeInspectionInput>) => gradeInspection(input(over)).items;

  it('counts the units that failed, whether the rest passed or not, and none that passed', () => {
    expect(unitsToSendBack(graded({ inspected: [item({ condition: 'USED', checks: { ...item().checks, signsOfWear: true } })] }))).toBe(1);
    const twoLines = { caseLines: [{ sku: 'S1', quantity: 3, category: 'electronics' }] };
    expect(unitsToSendBack(graded({ ...twoLines, inspected: [item({ quantity: 2 }), item({ condition: 'DAMAGED', checks: { ...item().checks, appearanceIntact: false } })] }))).toBe(1);
    expect(unitsToSendBack(graded({}))).toBe(0);
  });

  it("counts the units beyond the case, which are the customer's, but not the case's units that passed", () => {
    expect(unitsToSendBack(graded({ inspected: [item({ quantity: 3 })] }))).toBe(2);
  });

  it('sends back an item that is not part of the return, and nothing reported MISSING or never reported', () => {
    expect(unitsToSendBack(graded({ inspected: [item({ sku: 'NOT-OURS', quantity: 2 })] }))).toBe(2);
    expect(unitsToSendBack(graded({ inspected: [item({ condition: 'MISSING' })] }))).toBe(0);
    expect(unitsToSendBack(graded({ caseLines: [{ sku: 'S1', quantity: 2, category: 'electronics' }], inspected: [item({ condition: 'USED', checks: { ...item().checks, signsOfWear: true } })] }))).toBe(1);
  });
});

describe(uninspectedDisposition.name, () => {
  it.each(CUSTOMER)('puts a unit returned for %s back on sale', (reason) => {
    expect(uninspectedDisposition(reason)).toBe('RESTOCK');
  });

  it.each<[ReasonCode, Disposition]>([
    ['QUALITY_DEFECT', 'RETURN_TO_VENDOR'],
    ['NOT_AS_DESCRIBED', 'RETURN_TO_VENDOR'],
    ['DAMAGED_IN_TRANSIT', 'REFURBISH'],
    ['WRONG_ITEM', 'REFURBISH'],
  ])('never restocks a unit returned for %s, which the customer said was faulty', (reason, disposition) => {
    expect(uninspectedDisposition(reason)).toBe(disposition);
  });
});
