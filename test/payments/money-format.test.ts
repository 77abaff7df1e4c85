/**
 * Cents ↔ PayPal's decimal strings: exact both ways, never through floating point.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkProperty } from '../support/seed.js';
import { centsToDecimal, decimalToCents } from '../../payments/money-format.js';

describe('cents as a decimal string', () => {
  it('writes two decimals always', () => {
    assert.equal(centsToDecimal(1234), '12.34');
    assert.equal(centsToDecimal(5), '0.05');
    assert.equal(centsToDecimal(0), '0.00');
    assert.equal(centsToDecimal(100), '1.00');
    assert.equal(centsToDecimal(-100), '-1.00');
  });

  it('is exact where floating point is not (0.29 × 100 = 28.999…)', () => {
    assert.equal(centsToDecimal(29), '0.29');
    assert.equal(decimalToCents('0.29'), 29);
    assert.equal(decimalToCents('1.15'), 115);
    assert.equal(centsToDecimal(Number.MAX_SAFE_INTEGER), '90071992547409.91');
  });

  it('refuses a fraction of a cent', () => {
    assert.throws(() => centsToDecimal(12.5), RangeError);
  });
});

describe('a decimal string as cents', () => {
  it('reads zero, one or two decimals', () => {
    assert.equal(decimalToCents('12.34'), 1234);
    assert.equal(decimalToCents('12.3'), 1230);
    assert.equal(decimalToCents('12'), 1200);
    assert.equal(decimalToCents('-0.50'), -50);
    assert.ok(Object.is(decimalToCents('-0.00'), 0));
  });

  it('refuses what is not a USD amount rather than rounding it', () => {
    for (const value of ['12.345', '1e3', '', '.5', '12.', ' 12.00', '12,00', 'NaN', '+1.00', '99999999999999999.00']) {
      assert.throws(() => decimalToCents(value), RangeError, value);
    }
  });

  it('round-trips every amount (seeded: GIGFLOW_SEED replays it)', async () => {
    await checkProperty(fc.property(fc.maxSafeInteger(), (cents) => decimalToCents(centsToDecimal(cents)) === cents), { numRuns: 200, file: import.meta.filename });
  });
});
