const MINOR_DIGITS = new Map<string, number>();

/** Digits after the decimal point in `currency` (ISO 4217: CNY 2, JPY 0, KWD 3); 2 for a code Intl does not know. */
export function minorDigits(currency: string): number {
  let digits = MINOR_DIGITS.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    MINOR_DIGITS.set(currency, digits);
  }
  return digits;
}

/** An amount in minor units, written in the currency's major unit: "99.00 CNY", "1000 JPY", "1.500 KWD". */
export function majorAmount(amountMinor: number, currency: string): string {
  const digits = minorDigits(currency);
  return `${(amountMinor / 10 ** digits).toFixed(digits)} ${currency}`;
}

/**
 * An amount in minor units as a shopper of `locale` reads it: "¥2,000" (zh-CN, CNY),
 * "CN¥2,000" (en, CNY), "$19.90", "¥200,000" (en, JPY). Decimals only when there are some.
 */
export function shownAmount(amountMinor: number, currency: string, locale: string): string {
  const digits = minorDigits(currency);
  const major = amountMinor / 10 ** digits;
  const whole = amountMinor % 10 ** digits === 0;
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: whole ? 0 : digits, maximumFractionDigits: digits }).format(major);
}
