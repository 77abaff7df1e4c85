/**
 * The storable-text rule has two spellings: `forbiddenCharacter`, which the door and every Update
 * validator run, and `STORABLE_TEXT_PATTERN`, which the OpenAPI document gives every free-text
 * request string for outside tools to read. They must agree on every character but the lone
 * surrogates, which the pattern leaves to the document's words (a pattern naming them does not
 * compile in Rust's regex engine), as ECMA-262 reads a pattern with the `u` flag (Ajv, JSON
 * Schema 2020-12) and without it. And `clip`, which shortens text for excerpts without making a
 * lone surrogate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clip, forbiddenCharacter, STORABLE_TEXT_PATTERN } from '../../workflows/lib/text.js';
import { openApiDocument } from '../../scripts/routes-table.js';
import { Contract, type OpenApiDocument } from '../support/contract.js';

const readings = [new RegExp(STORABLE_TEXT_PATTERN), new RegExp(STORABLE_TEXT_PATTERN, 'u')];
const isSurrogate = (code: number) => code >= 0xd800 && code <= 0xdfff;

describe('the storable-text pattern', () => {
  it('takes exactly the UTF-16 code units forbiddenCharacter takes, alone and beside a letter, but the surrogates', () => {
    for (let code = 0; code <= 0xffff; code++) {
      if (isSurrogate(code)) continue;
      const unit = String.fromCharCode(code);
      for (const text of [unit, `a${unit}`, `${unit}a`]) {
        const storable = forbiddenCharacter(text) === null;
        for (const pattern of readings) assert.equal(pattern.test(text), storable, `${pattern.flags || 'no flag'}: U+${code.toString(16).padStart(4, '0')} in ${JSON.stringify(text)}`);
      }
    }
  });

  it('takes a character outside the basic plane; a lone surrogate, which it does not speak of, the rule refuses', () => {
    for (const text of ['😀', 'a😀b\tc\nd']) {
      assert.equal(forbiddenCharacter(text), null, JSON.stringify(text));
      for (const pattern of readings) assert.equal(pattern.test(text), true, `${pattern.flags || 'no flag'}: ${JSON.stringify(text)}`);
    }
    for (const text of ['\ud83d', '\ude00', '\ude00\ud83d', '\ud83d\ud83d\ude00']) assert.match(forbiddenCharacter(text) ?? '', /lone UTF-16 surrogate/, JSON.stringify(text));
    assert.equal(readings[0]!.test('😀\r\n'), false, 'a carriage return');
  });

  it('is in the served document: a profile with a control character is not a valid request there', async () => {
    const contract = new Contract((await openApiDocument()) as OpenApiDocument);
    const valid = (body: unknown) => contract.acceptsBody('patch', '/me/profile', body);
    assert.equal(valid({ about: 'I draw logos 😀\nand banners' }), true);
    assert.equal(valid({ about: 'I draw logos\u0001' }), false);
    assert.equal(valid({ skills: ['logos', 'ban\u001cners'] }), false);
  });
});

describe('clip', () => {
  it('cuts at most `max` UTF-16 units between characters, never halving one outside the basic plane', () => {
    const cases: [string, number, string][] = [
      ['abc', 5, 'abc'],
      ['abcdef', 3, 'abc'],
      ['ab😀c', 3, 'ab'], // the cut would keep the emoji's first half: the emoji goes whole
      ['ab😀c', 4, 'ab😀'],
      ['😀😀', 3, '😀'],
      ['😀', 1, ''],
      ['abc', 0, ''],
    ];
    for (const [text, max, clipped] of cases) {
      assert.equal(clip(text, max), clipped, `${JSON.stringify(text)} at ${max}`);
      assert.equal(forbiddenCharacter(clip(text, max)), null, 'no lone surrogate');
    }
    assert.notEqual(forbiddenCharacter('ab😀c'.slice(0, 3)), null, 'where slice leaves half of it');
  });
});
