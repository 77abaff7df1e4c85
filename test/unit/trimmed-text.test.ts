/**
 * Free text (`Text` in api/schemas.ts) is counted trimmed: at least `min` characters once its
 * leading and trailing whitespace is gone, at most `max` as sent. The document says the lower
 * bound with `trimmedTextPattern(min)`, so that an outside tool reading only `/openapi.json` sends
 * no blank title the API refuses. The pattern, `minLength` and `maxLength` together must take
 * exactly what the door (storable text) and the schema take, in both ways ECMA-262 reads a
 * pattern (Ajv uses the `u` flag), and in linear time (Ajv's reader backtracks).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Text } from '../../api/schemas.js';
import { openApiDocument } from '../../scripts/routes-table.js';
import { forbiddenCharacter, STORABLE_TEXT_PATTERN, textRefusal, trimmedTextPattern } from '../../workflows/lib/text.js';
import { Contract, type OpenApiDocument } from '../support/contract.js';
import { checkProperty } from '../support/seed.js';

/** Characters `String.prototype.trim` removes, of every kind and storable or not, and some it keeps (the first test checks every one). */
const TRIMMED = ['\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
const KEPT = ['a', 'Z', '7', '.', '\u200b', '\u0085', 'é', '😀', '\u0000', '\u0001', '\u007f', '\u180e'];

// Characters outside the basic plane (an emoji, a rare ideograph) count once, as JSON Schema and
// the API (zod's string bounds) count them; read without the `u` flag, a pattern sees their two UTF-16
// units, so only texts of the basic plane are compared that way.
const CHARACTERS = [...TRIMMED, ...KEPT, '\u{20000}', '\u{1F3FD}'];
const textOf = fc.array(fc.constantFrom(...CHARACTERS), { maxLength: 14 }).map((chars) => chars.join(''));
const basicPlane = (text: string) => text.length === [...text].length;
const bounds = [
  [0, 5],
  [1, 5],
  [2, 6],
  [3, 8],
  [10, 12],
] as const;

/** What the API takes: the door's storable rule, then the route's schema. */
const apiTakes = (min: number, max: number, text: string) => forbiddenCharacter(text) === null && Text(min, max).safeParse(text).success;
/** What the document says it takes. */
const documentTakes = (min: number, max: number, text: string, flags: string) =>
  [...text].length >= min && [...text].length <= max && new RegExp(trimmedTextPattern(min), flags).test(text);

describe('the trimmed-text pattern', () => {
  it('names exactly what JavaScript trims: every code unit of the basic plane, alone, between letters and around one', () => {
    for (const unit of TRIMMED) assert.equal(unit.trim(), '', `U+${unit.charCodeAt(0).toString(16)} is trimmed`);
    for (const unit of KEPT) assert.equal(unit.trim(), unit, `U+${unit.codePointAt(0)!.toString(16)} is kept`);
    const [one, three] = [new RegExp(trimmedTextPattern(1), 'u'), new RegExp(trimmedTextPattern(3), 'u')];
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue; // lone surrogates: the door's words, not the pattern (storable-text.test.ts)
      const unit = String.fromCharCode(code);
      const storable = forbiddenCharacter(unit) === null;
      const at = `U+${code.toString(16).padStart(4, '0')}`;
      assert.equal(one.test(unit), storable && unit.trim() !== '', `${at} alone`);
      assert.equal(one.test(`${unit}a${unit}`), storable, `${at} around a letter`);
      assert.equal(three.test(`a${unit}b`), storable, `${at} between letters`);
      assert.equal(three.test(`${unit}ab`), storable && unit.trim() !== '', `${at} first of three`);
    }
  });

  it('takes exactly what the door and the schema take, at every bound, with the u flag and (in the basic plane) without', async () => {
    await checkProperty(
      fc.property(textOf, fc.constantFrom(...bounds), (text, [min, max]) => {
        const api = apiTakes(min, max, text);
        for (const flags of basicPlane(text) ? ['', 'u'] : ['u'])
          assert.equal(documentTakes(min, max, text, flags), api, `${JSON.stringify(text)} in ${min}…${max}, flags "${flags}"`);
      }),
      { numRuns: 5_000, file: import.meta.filename },
    );
  });

  it('has a boundary case on each side at each bound', () => {
    const cases: [number, number, string, boolean][] = [
      [1, 5, 'a', true],
      [1, 5, ' ', false],
      [1, 5, ' \u3000\n', false],
      [1, 5, ' a ', true],
      [1, 5, '\u00a0a\u00a0\u00a0\u00a0', true],
      [1, 5, ' a    ', false], // six as sent: over `max`, though one once trimmed
      [3, 8, 'abc', true],
      [3, 8, ' ab ', false],
      [3, 8, 'a b', true],
      [3, 8, '\ta b\n', true],
      [3, 8, 'a\u200bb', true], // a zero-width space is not whitespace to trim
      [3, 8, '\u2028ab\u2029', false],
      [0, 5, '   ', true],
      [0, 5, '', true],
      [3, 5, '😀😀😀😀😀', true], // five characters, ten UTF-16 units
      [3, 5, '😀😀😀😀😀😀', false],
      [3, 5, ' 😀😀 ', false], // two once trimmed, four UTF-16 units
      [3, 5, '😀 😀', true],
    ];
    for (const [min, max, text, takes] of cases) {
      assert.equal(apiTakes(min, max, text), takes, `the API: ${JSON.stringify(text)} in ${min}…${max}`);
      assert.equal(documentTakes(min, max, text, 'u'), takes, `the document: ${JSON.stringify(text)} in ${min}…${max}`);
    }
    assert.equal(trimmedTextPattern(0), STORABLE_TEXT_PATTERN);
    assert.throws(() => trimmedTextPattern(-1), RangeError);
  });

  it('agrees with the Update validators’ textRefusal, which count the same way', async () => {
    await checkProperty(
      fc.property(textOf, fc.constantFrom(...bounds.filter(([min]) => min > 0)), (text, [min, max]) => {
        assert.equal(textRefusal(text, 'text', max, min) === null, documentTakes(min, max, text, 'u'), `${JSON.stringify(text)} in ${min}…${max}`);
      }),
      { numRuns: 2_000, file: import.meta.filename },
    );
  });

  it('refuses a 64 KB text that fails at its very end without backtracking for long (a backtracking reader, both ways)', () => {
    const spaces = ' '.repeat(65_000);
    for (const min of [1, 10]) {
      const pattern = new RegExp(trimmedTextPattern(min), 'u');
      assert.equal(pattern.test(`a${spaces}\u0001`), false);
      assert.equal(pattern.test(`${spaces}\u0001`), false);
      assert.equal(pattern.test(`${'ab '.repeat(20_000)}\u0001`), false);
      assert.equal(pattern.test(`${spaces}abcdefghij${spaces}`), true);
    }
  });

  it('is in the served document: a blank or short-once-trimmed title is not a valid request there', async () => {
    const contract = new Contract((await openApiDocument()) as OpenApiDocument);
    const offer = (title: string) => ({ categoryId: 11, title, description: 'd'.repeat(60), priceCents: 1_000, leadTimeDays: 3 });
    assert.equal(contract.acceptsBody('post', '/offers', offer('A logo for you')), true);
    assert.equal(contract.acceptsBody('post', '/offers', offer(`${' '.repeat(9)}x`)), false, 'ten as sent, one once trimmed');
    assert.equal(contract.acceptsBody('post', '/offers', offer('          ')), false);
    const comment = (text: string) => ({ type: 'report_progress', percent: 80, comment: text });
    assert.equal(contract.acceptsBody('post', '/orders/{id}/actions', comment('half way')), true);
    assert.equal(contract.acceptsBody('post', '/orders/{id}/actions', comment(' ')), false, 'the case Schemathesis found');
  });
});
