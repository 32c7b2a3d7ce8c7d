import { ItemCondition, ReasonCode } from '@returns/contracts';
import { GradeInspectionInput, gradeInspection, InspectedItem, unitsToSendBack } from './grading';

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
    it('accepts no more units than the case asked for and ignores the extra ones', () => {
      const g = gradeInspection(input({ inspected: [item({ quantity: 3 })] }));
      expect(g.items[0]).toMatchObject({ quantity: 3, passed: true, acceptedQuantity: 1 });
      expect(g.outcome).toBe('PASSED');
      expect(g.items[0].reasons.join(' ')).toMatch(/ignored/);
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

describe(unitsToSendBack.name, () => {
  const graded = (over: Partial<GradeInspectionInput>) => gradeInspection(input(over)).items;

  it('counts the units that failed, whether the rest passed or not, and none that passed', () => {
    expect(unitsToSendBack(graded({ inspected: [item({ condition: 'USED', checks: { ...item().checks, signsOfWear: true } })] }))).toBe(1);
    const twoLines = { caseLines: [{ sku: 'S1', quantity: 3, category: 'electronics' }] };
    expect(unitsToSendBack(graded({ ...twoLines, inspected: [item({ quantity: 2 }), item({ condition: 'DAMAGED', checks: { ...item().checks, appearanceIntact: false } })] }))).toBe(1);
    expect(unitsToSendBack(graded({}))).toBe(0);
  });

  it('sends back an item that is not part of the return, and nothing reported MISSING or never reported', () => {
    expect(unitsToSendBack(graded({ inspected: [item({ sku: 'NOT-OURS', quantity: 2 })] }))).toBe(2);
    expect(unitsToSendBack(graded({ inspected: [item({ condition: 'MISSING' })] }))).toBe(0);
    expect(unitsToSendBack(graded({ caseLines: [{ sku: 'S1', quantity: 2, category: 'electronics' }], inspected: [item({ condition: 'USED', checks: { ...item().checks, signsOfWear: true } })] }))).toBe(1);
  });
});
