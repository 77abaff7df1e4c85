/**
 * Numbers and countries as people type them into the web client's forms: money with a dollar
 * sign or thousands commas, hours with a decimal comma, and every refusal in words that name the
 * field's bounds — never a validator's own wording ("expected number, received NaN").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { country, decimal, dollars, parseForm, whole } from '../../web/forms.js';
import { SearchQuery } from '../../web/pages/catalog/search-form.js';

const field = (schema: z.ZodType, typed: string) => {
  const parsed = parseForm(z.object({ v: schema }), { v: typed });
  return parsed.ok ? { value: (parsed.data as { v: unknown }).v } : { error: parsed.errors.v };
};

describe('numbers typed into forms', () => {
  it('takes dollars with a dollar sign, thousands commas or cents, and says bounds as the pages show money', () => {
    const money = dollars(1_000, 1_000_000);
    assert.deepEqual(field(money, '$50'), { value: 5_000 });
    assert.deepEqual(field(money, '1,000'), { value: 100_000 });
    assert.deepEqual(field(money, ' $1,234.50 '), { value: 123_450 });
    assert.deepEqual(field(money, '12.5'), { value: 1_250 });
    assert.deepEqual(field(money, '10000.01'), { error: 'at most $10,000.00' });
    assert.deepEqual(field(money, '-5'), { error: 'at least $10.00' });
    for (const typed of ['abc', '1e3', '12.345', '$', '1.000,50']) assert.deepEqual(field(money, typed), { error: 'enter an amount in dollars, such as 25 or 25.50' }, typed);
  });

  it('reads hours with a decimal point or comma, and names the range for anything else (W-04)', () => {
    const hours = decimal(0.25, 200, { size: 0.25, message: 'in quarter hours: .25, .5 or .75' }, 'hours');
    assert.deepEqual(field(hours, '2,5'), { value: 2.5 });
    assert.deepEqual(field(hours, '2.75'), { value: 2.75 });
    for (const typed of ['abc', '1e3', '', '0x10']) assert.deepEqual(field(hours, typed), { error: 'enter hours from 0.25 to 200' }, typed);
    for (const typed of ['-1', '0', '1000', '201']) assert.deepEqual(field(hours, typed), { error: 'from 0.25 to 200 hours' }, typed);
    assert.deepEqual(field(hours, '1.1'), { error: 'in quarter hours: .25, .5 or .75' });
  });

  it('tells a whole number past its field its bound, not that it is no number', () => {
    const units = whole(1, 100, 'a number of units');
    assert.deepEqual(field(units, '1,5'), { error: 'enter a number of units' });
    assert.deepEqual(field(units, '1,000'), { error: 'at most 100' });
    assert.deepEqual(field(units, '99999999999999'), { error: 'at most 100' });
    assert.deepEqual(field(units, '0'), { error: 'at least 1' });
    assert.deepEqual(field(units, '2.5'), { error: 'enter a number of units' });
    assert.deepEqual(field(units, '42'), { value: 42 });
  });

  it('reads a country as its two-letter code or its English name (W-18, W-22)', () => {
    assert.deepEqual(field(country, 'pl'), { value: 'PL' });
    assert.deepEqual(field(country, 'Poland'), { value: 'PL' });
    assert.deepEqual(field(country, ' united  kingdom '), { value: 'GB' });
    assert.deepEqual(field(country, 'Narnia'), { error: 'the two-letter country code, such as PL for Poland' });
  });

  it('tells a search filter its real bound: a whole percentage, at most so many feedbacks', () => {
    const parsed = parseForm(SearchQuery, { minSellerRating: '99.5', minFeedbacks: '99999999999999' });
    assert.equal(parsed.ok, false);
    assert.deepEqual(parsed.ok ? {} : { rating: parsed.errors.minSellerRating, feedbacks: parsed.errors.minFeedbacks }, {
      rating: 'enter a whole percentage from 0 to 100',
      feedbacks: 'at most 100000000',
    });
  });
});
