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

type Link = { operationId: string; parameters?: Record<string, string>; requestBody?: Record<string, string> };
type Doc = { paths: Record<string, Record<string, Operation & { requestBody?: { content: Record<string, { schema: unknown }> } }>>; components: { schemas: Record<string, Record<string, unknown>> } };

/** The schema a JSON pointer into an answer reaches: `/items/0/id` → the items' `id`. */
function schemaAt(doc: Doc, schema: unknown, pointer: string): Record<string, unknown> | undefined {
  const resolve = (s: unknown) => {
    const object = s as Record<string, unknown> | undefined;
    return typeof object?.$ref === 'string' ? doc.components.schemas[object.$ref.split('/').pop()!] : object;
  };
  let at = resolve(schema);
  const field = (s: Record<string, unknown> | undefined, name: string): unknown => {
    const shapes = (s?.anyOf ?? s?.oneOf) as unknown[] | undefined;
    return shapes ? resolve(shapes.map((shape) => field(resolve(shape), name)).find((f) => f !== undefined)) : (s?.properties as Record<string, unknown> | undefined)?.[name];
  };
  for (const segment of pointer.split('/').slice(1)) at = resolve(/^\d+$/.test(segment) ? at?.items : field(at, segment));
  return at;
}

it('links every answer that names a thing to the operations that take it, by a field the answer has', async () => {
  const doc = (await openApiDocument()) as unknown as Doc;
  const byId = new Map(Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => [operation.operationId!, { path, method, operation }] as const)));
  const linked = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [name, link] of Object.entries((response.links ?? {}) as Record<string, Link>)) {
          const source = `${method.toUpperCase()} ${path} ${status}`;
          const target = byId.get(link.operationId);
          assert.ok(target, `${source} links to ${name}, which no operation is`);
          const parameters = (target.path.match(/\{[^}]+\}/g) ?? []).map((p) => `path.${p.slice(1, -1)}`);
          // Every path parameter of the target filled, or (a target without any) a field of its body.
          if (link.parameters) assert.deepEqual(Object.keys(link.parameters), parameters, `${source} → ${target.path}`);
          else {
            assert.deepEqual(parameters, [], `${source} → ${target.path}: a body link to a path with parameters`);
            const body = target.operation.requestBody?.content['application/json']?.schema;
            for (const field of Object.keys(link.requestBody ?? {})) assert.ok(schemaAt(doc, body, `/${field}`), `${target.path} takes no ${field}`);
          }
          for (const expression of Object.values(link.parameters ?? link.requestBody ?? {})) {
            const pointer = expression.replace('$response.body#', '');
            const field = schemaAt(doc, response.content!['application/json']!.schema, pointer);
            assert.ok(field && ['integer', 'string'].includes(field.type as string), `${source} has no id (never null) at ${pointer}`);
            const filled = link.parameters ? target.path : `${target.method.toUpperCase()} ${target.path} body.${Object.keys(link.requestBody!)[0]}`;
            linked.set(source, [...(linked.get(source) ?? []), `${filled}:${pointer.slice(1)}`]);
          }
        }
      }
    }
  }
  const links = (source: string) => linked.get(source) ?? [];
  // The creations a client follows: an order (from `orderId`), a job (`jobId`), a request, a withdrawal, and staff's side of them.
  assert.ok(links('POST /orders 201').includes('/orders/{id}:orderId'));
  assert.ok(links('POST /orders 201').includes('/admin/orders/{id}/cancel:orderId'));
  assert.ok(links('POST /jobs 201').includes('/jobs/{id}/pay:jobId'));
  assert.ok(links('POST /requests 201').includes('/staff/requests/{id}/approve:id'));
  assert.ok(links('POST /withdrawals 201').includes('/withdrawals/{id}/cancel:id'));
  assert.ok(links('POST /attachments 201').includes('/attachments/{id}:id'));
  // A thing taken by its name elsewhere, or in a body.
  assert.ok(links('POST /offers 201').includes('/me/favorites/{offerId}:id'));
  assert.ok(links('POST /offers 201').includes('POST /me/cart body.offerId:id'));
  assert.ok(links('POST /orders 201').includes('/moderation/feedback-answers/{orderId}/decision:orderId'));
  // Lists, by their first item: the caller's and staff's views of a collection too.
  assert.ok(links('GET /me/invoices 200').includes('/invoices/{id}/pdf:0/id'));
  assert.ok(links('POST /me/cart 200').includes('/me/cart/{id}:items/0/id'));
  assert.ok(links('GET /me/cart 200').includes('/offers/{id}:items/0/offerId'));
  assert.ok(links('GET /moderation/queue 200').includes('/moderation/offers/{id}/decision:items/0/offerId'));
  assert.ok(links('GET /staff/standings 200').includes('/staff/users/{id}/sanctions:items/0/userId'));
  assert.ok(links('GET /categories 200').includes('POST /offers body.categoryId:items/0/children/0/id'), 'a subcategory: offers go in one');
  assert.equal(linked.get('POST /me/cart/checkout 201'), undefined, 'several orders: no single id to follow');
  // An action's answer names the thing it acted on, not what it made: `POST /requests/{id}/answers` answers the request.
  assert.equal(linked.get('POST /requests/{id}/answers 200'), undefined);
});
