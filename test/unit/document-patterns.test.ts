/**
 * A request the document allows is one the API takes (README, Errors: "The contract is exact").
 * The door refuses every C0 control character but tab and newline, and DEL, in any text of a
 * request (api/door.ts, `forbiddenCharacter`); a string whose schema has a pattern of its own (an
 * attribute condition, a web address) does not get the door's pattern beside it, so its own must
 * refuse them too. Each pattern of a request schema (path, query, JSON body, and the components
 * they use) draws texts it takes, seeded; no text with one of those characters put in or in place
 * of one of theirs may match. Schemathesis found the attribute condition's `.` taking U+0006.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { openApiDocument } from '../../scripts/routes-table.js';
import { forbiddenCharacter } from '../../workflows/lib/text.js';
import { checkProperty } from '../support/seed.js';

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every `pattern` under `node`, following `$ref`s into the components once each. */
function patternsIn(node: unknown, components: Record<string, unknown>, seen: Set<string>, into: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((item) => patternsIn(item, components, seen, into));
  if (!isNode(node)) return;
  if (typeof node.pattern === 'string') into.add(node.pattern);
  if (typeof node.$ref === 'string' && !seen.has(node.$ref)) {
    seen.add(node.$ref);
    patternsIn(components[node.$ref.split('/').pop()!], components, seen, into);
  }
  for (const [key, value] of Object.entries(node)) if (key !== '$ref' && key !== 'responses') patternsIn(value, components, seen, into);
}

/** The characters the door refuses that a pattern is likeliest to let through (`.`, `\S`, a negated class). */
const REFUSED = ['\u0000', '\u0006', '\u000b', '\u000d', '\u001f', '\u007f'];

it('no pattern of a request schema takes a character the door refuses', async () => {
  const doc = (await openApiDocument()) as { paths: Record<string, Record<string, Node>>; components: { schemas: Record<string, unknown> } };
  const patterns = new Set<string>();
  for (const item of Object.values(doc.paths)) {
    for (const operation of Object.values(item)) {
      const parameters = Array.isArray(operation.parameters) ? (operation.parameters as Node[]).filter((p) => p.in === 'path' || p.in === 'query') : [];
      patternsIn([parameters, operation.requestBody], doc.components.schemas, new Set(), patterns);
    }
  }
  assert.ok(patterns.size >= 10, `only ${patterns.size} patterns found`);
  for (const REFUSE of REFUSED) assert.notEqual(forbiddenCharacter(`a${REFUSE}`), null, `the door refuses U+${REFUSE.charCodeAt(0).toString(16)}`);
  for (const pattern of patterns) {
    const regex = new RegExp(pattern, 'u');
    await checkProperty(
      fc.property(fc.stringMatching(new RegExp(pattern)), fc.nat(), fc.constantFrom(...REFUSED), fc.boolean(), (taken, at, refused, replace) => {
        fc.pre(regex.test(taken));
        const i = at % (taken.length + 1);
        const changed = taken.slice(0, i) + refused + taken.slice(replace ? i + 1 : i);
        assert.equal(regex.test(changed), false, `${pattern} takes ${JSON.stringify(changed)}`);
      }),
      { numRuns: 300, file: import.meta.filename },
    );
  }
});
