/**
 * Every length the API checks counts characters (code points) as its document does: JSON Schema's
 * `minLength` and `maxLength` (and Ajv, and jsonschema-rs, which outside tools read it with) count
 * them, and so does PostgreSQL's `char_length`. An emoji is one character and two UTF-16 units,
 * JavaScript's `length`. The routes' schemas are zod's, whose string bounds count characters; the
 * Update validators (`textRefusal`), the services' own rules and the web client's forms count with
 * `charCount`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import { z } from 'zod';
import { createApp } from '../../api/app.js';
import type { AppDeps } from '../../api/context.js';
import { Text } from '../../api/schemas.js';
import { openApiDocument } from '../../scripts/routes-table.js';
import { catalogRules } from '../../services/policy.js';
import { text as formText } from '../../web/forms.js';
import { charCount, textRefusal } from '../../workflows/lib/text.js';
import { Contract, type OpenApiDocument } from '../support/contract.js';
import { checkProperty } from '../support/seed.js';

const EMOJI = '😀'; // U+1F600: one character, two UTF-16 units

const isZod = (value: unknown): value is z.ZodType => typeof value === 'object' && value !== null && '_zod' in value;

/** Every route the API declares (only declared: no route runs, so the app needs no servers). */
const routes = createApp({ services: {} as AppDeps['services'], devRoutes: true, metrics: {}, logger: pino({ level: 'silent' }) })
  .openAPIRegistry.definitions.flatMap((d) => (d.type === 'route' ? [d] : []));

/** A route's JSON body schema, as the route declares it. */
function bodyOf(method: string, path: string): { safeParse(v: unknown): { success: boolean } } {
  const found = routes.find(({ route }) => route.method === method && route.path === path);
  const media = found?.route.request?.body?.content['application/json'];
  const schema = media && 'schema' in media ? media.schema : undefined;
  assert.ok(isZod(schema), `${method} ${path} takes a JSON body`);
  return schema as unknown as { safeParse(v: unknown): { success: boolean } };
}

describe('string lengths in characters', () => {
  it('counts code points: an emoji is one, a lone surrogate one, a combining mark one', () => {
    assert.equal(charCount(''), 0);
    assert.equal(charCount('abc'), 3);
    assert.equal(charCount(EMOJI), 1);
    assert.equal(charCount(`a${EMOJI}b${EMOJI}`), 4);
    assert.equal(charCount('\ud83d'), 1);
    assert.equal(charCount('\ude00\ud83d'), 2, 'a low surrogate before a high one is no pair');
    assert.equal(charCount('e\u0301'), 2);
  });

  it('agrees with JavaScript’s own code point iteration on any text (seeded)', async () => {
    await checkProperty(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => assert.equal(charCount(text), [...text].length)),
      { numRuns: 3_000, file: import.meta.filename },
    );
  });

  it('zod’s own string bounds count characters (every route’s `maxLength` and `minLength` rely on it)', () => {
    assert.equal(z.string().max(5).safeParse(EMOJI.repeat(5)).success, true, 'five emoji, ten units');
    assert.equal(z.string().max(5).safeParse(EMOJI.repeat(6)).success, false);
    assert.equal(z.string().min(3).safeParse(EMOJI.repeat(3)).success, true);
    assert.equal(z.string().min(3).safeParse(EMOJI.repeat(2)).success, false, 'two emoji, four units');
    assert.equal(z.string().length(2).safeParse(EMOJI.repeat(2)).success, true);
    assert.equal(z.url().max(30).safeParse(`https://example.com/${EMOJI.repeat(10)}`).success, true, 'a URL of 30 characters, 40 units');
  });

  it('free text, Update validators and the web client’s forms take max characters of emoji and refuse one more', () => {
    for (const [min, max] of [
      [1, 5],
      [3, 5],
    ] as const) {
      const takes = {
        'the API’s Text': (v: string) => Text(min, max).safeParse(v).success,
        'an Update validator': (v: string) => textRefusal(v, 'text', max, min) === null,
        'a web form': (v: string) => formText(max, min).safeParse(v).success,
      };
      for (const [who, take] of Object.entries(takes)) {
        assert.equal(take(EMOJI.repeat(max)), true, `${who}, ${min}…${max}: ${max} emoji`);
        assert.equal(take(EMOJI.repeat(max + 1)), false, `${who}, ${min}…${max}: ${max + 1} emoji`);
        assert.equal(take(EMOJI.repeat(min)), true, `${who}, ${min}…${max}: ${min} emoji`);
        assert.equal(take(` ${EMOJI.repeat(min - 1)} `), false, `${who}, ${min}…${max}: ${min - 1} emoji once trimmed`);
      }
    }
  });

  it('in the served document, titles and descriptions of emoji are valid exactly when the route takes them', async () => {
    const contract = new Contract((await openApiDocument()) as OpenApiDocument);
    const { titleMinLength: tMin, titleMaxLength: tMax, descriptionMinLength: dMin, descriptionMaxLength: dMax } = catalogRules;
    const offer = (title: string, description: string) => ({ categoryId: 11, title, description, priceCents: 1_000, leadTimeDays: 3 });
    const body = bodyOf('post', '/offers');
    const cases: [string, string, boolean][] = [
      [EMOJI.repeat(tMin), EMOJI.repeat(dMin), true],
      [EMOJI.repeat(tMax), EMOJI.repeat(dMax), true],
      [EMOJI.repeat(tMin - 1), EMOJI.repeat(dMin), false], // as many UTF-16 units as tMin allows twice over
      [EMOJI.repeat(tMax + 1), EMOJI.repeat(dMin), false],
      [EMOJI.repeat(tMin), EMOJI.repeat(dMin - 1), false],
      [EMOJI.repeat(tMin), EMOJI.repeat(dMax + 1), false],
    ];
    for (const [title, description, valid] of cases) {
      const sent = offer(title, description);
      const at = `title of ${charCount(title)}, description of ${charCount(description)} emoji`;
      assert.equal(contract.acceptsBody('post', '/offers', sent), valid, `the document: ${at}`);
      assert.equal(body.safeParse(sent).success, valid, `the route: ${at}`);
    }
  });
});
