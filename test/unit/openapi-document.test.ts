/**
 * The API's contract is its OpenAPI document, which outside tools read alone: it changes only
 * on purpose. The committed copy (`docs/openapi.json`, rewritten by `npm run docs:routes`)
 * must be exactly what the app serves, so a change of any schema, status or route shows in
 * review as a change of that file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { documentFile, documentText, openApiDocument } from '../../scripts/routes-table.js';

it('serves exactly the committed docs/openapi.json', async () => {
  assert.equal(documentText(await openApiDocument()), readFileSync(documentFile, 'utf8'), 'run `npm run docs:routes` and review the change of the contract');
});
