/**
 * Cents ↔ the decimal strings PayPal puts on the wire (`'12.34'`). Done on digits and
 * integers only: `0.1 + 0.2` style float error must never reach an amount someone is paid.
 */

const DECIMAL = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/** `'12.34'` for 1234, `'0.05'` for 5, `'-1.00'` for -100. Throws on a non-integer. */
export function centsToDecimal(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not an integer amount of cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * 1234 for `'12.34'`, 1230 for `'12.3'`, 1200 for `'12'`. A third decimal is refused rather
 * than rounded: USD has none, so one means the value is not what we think it is.
 */
export function decimalToCents(value: string): number {
  const match = DECIMAL.exec(value);
  if (!match) throw new RangeError(`not a USD amount: ${JSON.stringify(value)}`);
  const [, minus, whole = '', fraction = ''] = match;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) throw new RangeError(`USD amount out of range: ${value}`);
  // `-0.00` is zero, not negative zero: amounts are compared with ===.
  return minus && cents !== 0 ? -cents : cents;
}
