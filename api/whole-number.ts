/**
 * A path or query parameter the document types `integer`, read as its readers read it: the
 * value of a JSON number. JSON Schema calls any number with no fraction an integer, so `7`,
 * `7.0`, `7e0` and `0.7e1` are all 7, and a client or a test tool that writes its integers so
 * (Python writes a float 7.0 as `7.0`) gets what the document promises. What is not a JSON
 * number is refused, never guessed at: `+7`, ` 7`, `0x10`, `7.`, `.7`, `1_000`, `Infinity`;
 * so is a number with a fraction (`7.5`). Leading zeros (`007`), which JSON's grammar leaves
 * out, are read as the digits they are (as before: an id was digits only).
 *
 * Exact, in integers: `9007199254740991.5` is no integer, though JavaScript's `Number` rounds
 * it to one.
 */

/** What a parameter's text holds: an integer (exact), or why it is none. */
export type WholeNumber = { value: bigint } | { refused: 'not a number' | 'not a whole number' };

/** A JSON number, with leading zeros allowed: sign, digits, fraction, exponent. */
const NUMBER = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;
/** Longer text is refused unread (a parameter is no place for a thousand digits). */
const MAX_TEXT = 64;

export function wholeNumber(text: string): WholeNumber {
  const match = text.length <= MAX_TEXT ? NUMBER.exec(text) : null;
  if (!match) return { refused: 'not a number' };
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  // The value is `digits` × 10^shift; at most MAX_TEXT digits, so a shift past that is all zeros or out of any range.
  const digits = (whole! + fraction).replace(/^0+(?=.)/, '');
  const shift = Number(exponent) - fraction.length;
  if (/^0+$/.test(digits)) return { value: 0n };
  let magnitude: bigint;
  if (shift >= 0) {
    // Past 10^(MAX_TEXT * 2) the number is beyond every bound a parameter has: keep it finite, still too large.
    magnitude = BigInt(digits) * 10n ** BigInt(Math.min(shift, MAX_TEXT * 2));
  } else {
    const dropped = digits.slice(Math.max(digits.length + shift, 0));
    if (-shift > digits.length || /[^0]/.test(dropped)) return { refused: 'not a whole number' };
    magnitude = BigInt(digits.slice(0, digits.length + shift));
  }
  return { value: sign === '-' ? -magnitude : magnitude };
}
