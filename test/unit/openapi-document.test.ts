/**
 * The API's contract is its OpenAPI document, which outside tools read alone: it changes only
 * on purpose. The committed copy (`docs/openapi.json`, rewritten by `npm run docs:routes`)
 * must be exactly what the app serves, so a change of any schema, status or route shows in
 * review as a change of that file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { operationIdOf } from '../../api/document.js';
import { documentFile, documentText, openApiDocument } from '../../scripts/routes-table.js';

it('serves exactly the committed docs/openapi.json', async () => {
  assert.equal(documentText(await openApiDocument()), readFileSync(documentFile, 'utf8'), 'run `npm run docs:routes` and review the change of the contract');
});

type Operation = { operationId?: string; parameters?: { in: string; name: string }[]; responses: Record<string, { links?: Record<string, { operationId: string; parameters: Record<string, string> }>; content?: Record<string, { schema: { $ref?: string; properties?: Record<string, unknown> } }> }> };

it('names every operation by its method and path, once (operationId)', async () => {
  const doc = (await openApiDocument()) as { paths: Record<string, Record<string, Operation>> };
  const ids = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => {
      assert.equal(operation.operationId, operationIdOf(method, path), `${method} ${path}`);
      return operation.operationId;
    }),
  );
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(operationIdOf('post', '/staff/attention/{workflowId}/resolve'), 'postStaffAttentionByWorkflowIdResolve');
  assert.equal(operationIdOf('get', '/me/payout-details'), 'getMePayoutDetails');
});

it('links what a creation answers to the operations on the thing it made, by a field the answer has', async () => {
  const doc = (await openApiDocument()) as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
  const byId = new Map(Object.entries(doc.paths).flatMap(([path, item]) => Object.values(item).map((operation) => [operation.operationId!, { path, operation }] as const)));
  const linked = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [name, link] of Object.entries(response.links ?? {})) {
          const target = byId.get(link.operationId);
          assert.ok(target, `${method} ${path} ${status} links to ${name}, which no operation is`);
          assert.deepEqual(Object.keys(link.parameters), ['path.id']);
          assert.deepEqual(target.path.match(/\{[^}]+\}/g), ['{id}'], `${target.path} takes only the id the link fills`);
          const field = link.parameters['path.id']!.replace('$response.body#/', '');
          const schema = response.content!['application/json']!.schema;
          const properties = schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!]!.properties : schema.properties;
          assert.ok(properties && field in properties, `${method} ${path} ${status} has no ${field}`);
          linked.set(`${method.toUpperCase()} ${path} ${status}`, [...(linked.get(`${method.toUpperCase()} ${path} ${status}`) ?? []), `${target.path}:${field}`]);
        }
      }
    }
  }
  // The creations a client follows: an order (from `orderId`), a job (`jobId`), a request, a withdrawal, and staff's side of them.
  assert.ok(linked.get('POST /orders 201')?.includes('/orders/{id}:orderId'));
  assert.ok(linked.get('POST /orders 201')?.includes('/admin/orders/{id}/cancel:orderId'));
  assert.ok(linked.get('POST /jobs 201')?.includes('/jobs/{id}/pay:jobId'));
  assert.ok(linked.get('POST /requests 201')?.includes('/staff/requests/{id}/approve:id'));
  assert.ok(linked.get('POST /withdrawals 201')?.includes('/withdrawals/{id}/cancel:id'));
  assert.ok(linked.get('POST /attachments 201')?.includes('/attachments/{id}:id'));
  assert.equal(linked.get('POST /me/cart/checkout 201'), undefined, 'several orders: no single id to follow');
});
