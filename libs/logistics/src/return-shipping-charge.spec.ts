import { returnShippingCharge, ReturnShippingChargeInput } from './return-shipping-charge';

function input(over: Partial<ReturnShippingChargeInput> = {}): ReturnShippingChargeInput {
  return { method: 'PICKUP', paidBy: 'CUSTOMER', freePickup: false, costMinor: 1500, costCurrency: 'CNY', orderCurrency: 'CNY', ...over };
}

describe(returnShippingCharge.name, () => {
  it('deducts a customer-paid pickup quoted in the order\'s currency in full', () => {
    expect(returnShippingCharge(input())).toEqual({ chargeMinor: 1500, notDeducted: null });
  });

  it.each([
    ['a drop-off', { method: 'DROP_OFF' as const }],
    ['a pickup the merchant pays for', { paidBy: 'MERCHANT' as const }],
    ['a pickup the policy makes free', { freePickup: true }],
  ])('deducts nothing for %s', (_name, over) => {
    expect(returnShippingCharge(input(over))).toEqual({ chargeMinor: 0, notDeducted: null });
    expect(returnShippingCharge(input({ ...over, orderCurrency: 'JPY' }))).toEqual({ chargeMinor: 0, notDeducted: null });
  });

  it.each(['JPY', 'USD', 'KRW'])('does not deduct a pickup quoted in CNY fen from a %s order, and says the merchant bears it', (orderCurrency) => {
    const charge = returnShippingCharge(input({ orderCurrency }));
    expect(charge.chargeMinor).toBe(0);
    expect(charge.notDeducted).toContain('15.00 CNY');
    expect(charge.notDeducted).toContain(orderCurrency);
    expect(charge.notDeducted).toMatch(/not deducted from the refund/);
    expect(charge.notDeducted).toMatch(/merchant bears it/);
  });

  it('compares currencies as ISO codes, whatever their case or padding', () => {
    expect(returnShippingCharge(input({ orderCurrency: 'cny ' })).chargeMinor).toBe(1500);
  });
});
