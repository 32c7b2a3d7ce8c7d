import { majorAmount, shownAmount } from './money';

describe(majorAmount.name, () => {
  it('writes minor units in the major unit, with as many decimals as the currency has', () => {
    expect(majorAmount(9900, 'CNY')).toBe('99.00 CNY');
    expect(majorAmount(5, 'USD')).toBe('0.05 USD');
    expect(majorAmount(1000, 'JPY')).toBe('1000 JPY');
    expect(majorAmount(1500, 'KWD')).toBe('1.500 KWD');
    expect(majorAmount(0, 'CNY')).toBe('0.00 CNY');
  });

  it('takes two decimals for a code it does not know', () => {
    expect(majorAmount(1234, 'XYZ')).toBe('12.34 XYZ');
  });
});

describe(shownAmount.name, () => {
  it("writes an amount as the locale's shoppers read it, in the currency's own minor unit", () => {
    expect(shownAmount(200000, 'CNY', 'zh-CN')).toBe('¥2,000');
    expect(shownAmount(200000, 'CNY', 'en-US')).toBe('CN¥2,000');
    expect(shownAmount(200000, 'JPY', 'en-US')).toBe('¥200,000');
    expect(shownAmount(1990, 'USD', 'en-US')).toBe('$19.90');
    expect(shownAmount(1500, 'KWD', 'en')).toBe('KWD\u00a01.500'); // a no-break space, as Intl writes it
  });
});
