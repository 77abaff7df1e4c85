/**
 * Integer parameters read as the document's readers read an integer (api/whole-number.ts): any
 * JSON number with no fraction, exactly, and nothing that is not a JSON number. Schemathesis
 * found `PUT /me/favorites/1.0` refused (400 "digits only") though `1.0` is an integer by JSON
 * Schema, which the document's `type: integer` means.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from '@hono/zod-openapi';
import { wholeNumberParam } from '../../api/schemas.js';
import { wholeNumber } from '../../api/whole-number.js';

const read = (text: string) => {
  const r = wholeNumber(text);
  return 'value' in r ? r.value : r.refused;
};

describe('an integer parameter', () => {
  it('is any JSON number with no fraction, exactly', () => {
    const cases: [string, bigint][] = [
      ['7', 7n],
      ['7.0', 7n],
      ['7.000', 7n],
      ['7e0', 7n],
      ['7E+0', 7n],
      ['0.7e1', 7n],
      ['700e-2', 7n],
      ['1e3', 1000n],
      ['007', 7n],
      ['0', 0n],
      ['-0', 0n],
      ['0.0e-5', 0n],
      ['-12', -12n],
      ['9007199254740993', 9_007_199_254_740_993n],
      ['9007199254740991.0', 9_007_199_254_740_991n],
    ];
    for (const [text, value] of cases) assert.equal(read(text), value, text);
  });

  it('refuses what is no JSON number, and a number with a fraction, however close to a whole one', () => {
    for (const text of ['', '+7', ' 7', '7 ', '0x10', '7.', '.7', '1_000', 'Infinity', 'NaN', '7e', '7e+', '--7', '٣', '7'.repeat(65)]) {
      assert.equal(read(text), 'not a number', JSON.stringify(text));
    }
    for (const text of ['7.5', '0.5', '5e-1', '75e-1', '9007199254740991.5', '1e-999', '1.00000000000000000000001']) {
      assert.equal(read(text), 'not a whole number', text);
    }
  });

  it('keeps an enormous exponent finite and out of range', () => {
    assert.ok((read('1e999999999') as bigint) > BigInt(Number.MAX_SAFE_INTEGER));
    assert.equal(read('0e999999999'), 0n);
  });

  it('as a route reads it: the value in range, or a refusal naming why', () => {
    const schema = z.object({ id: wholeNumberParam(1, Number.MAX_SAFE_INTEGER) });
    assert.deepEqual(schema.parse({ id: '42.0' }), { id: 42 });
    assert.deepEqual(schema.parse({ id: '4.2e1' }), { id: 42 });
    for (const [id, message] of [
      ['0', /Too small/],
      ['9007199254740992', /Too big/],
      ['1e999', /Too big/],
      ['42.5', /not a whole number/],
      ['0x2a', /not a number/],
    ] as const) {
      const result = schema.safeParse({ id });
      assert.equal(result.success, false, id);
      assert.match(result.error!.issues[0]!.message, message, id);
    }
    const limit = z.object({ limit: wholeNumberParam(1, 100, { default: 20 }) });
    assert.deepEqual(limit.parse({}), { limit: 20 });
    assert.deepEqual(limit.parse({ limit: '1e2' }), { limit: 100 });
  });
});
