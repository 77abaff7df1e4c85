/**
 * The served document's links lead where they say (`api/document-links.ts`): a value of a real
 * answer, put where its link puts it (a path parameter, a body field), reaches the thing the
 * answer named, as a stateful test generator following them would. The links' shapes are
 * test/unit/openapi-document.test.ts's; here, that they hold with real ids: a category from the
 * tree that offers may go in, an offer from a list, a cart line from the cart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { callerFor, signUp, type Caller, type TestUser } from '../support/api.js';
import { insertOffer } from '../support/catalog.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';

type Link = { operationId: string; parameters?: Record<string, string>; requestBody?: Record<string, string> };
type Operation = { operationId: string; responses: Record<string, { links?: Record<string, Link> }> };
type Document = { paths: Record<string, Record<string, Operation>> };

/** The value a runtime expression (`$response.body#/items/0/id`) picks from an answer. */
function valueAt(answer: unknown, expression: string): unknown {
  const pointer = expression.replace('$response.body#', '');
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], answer);
}

describe('the document’s links, followed with real answers', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let document: Document;
  let seller: TestUser;
  let buyer: TestUser;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal }));
    document = (await call('GET', '/openapi.json')).body;
    [seller, buyer] = [await signUp(call, 'links_seller'), await signUp(call, 'links_buyer')];
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  /** The request `method path`'s answer (`status`, `answer`) links to as `operationId`, filled from it. */
  function follow(method: string, path: string, status: number, answer: unknown, operationId: string): { method: string; path: string; body?: Record<string, unknown> } {
    const link = document.paths[path]?.[method.toLowerCase()]?.responses[String(status)]?.links?.[operationId];
    assert.ok(link, `${method} ${path} ${status} has no link to ${operationId}`);
    const [targetPath, targetMethod] = Object.entries(document.paths)
      .flatMap(([p, item]) => Object.entries(item).map(([m, operation]) => [p, m, operation.operationId] as const))
      .find(([, , id]) => id === link.operationId)!;
    let filled = targetPath;
    for (const [parameter, expression] of Object.entries(link.parameters ?? {})) {
      const value = valueAt(answer, expression);
      assert.ok(value !== undefined && value !== null, `${expression} is in the answer`);
      filled = filled.replace(`{${parameter.replace(/^path\./, '')}}`, encodeURIComponent(String(value)));
    }
    const body = link.requestBody && Object.fromEntries(Object.entries(link.requestBody).map(([field, expression]) => [field, valueAt(answer, expression)]));
    return { method: targetMethod.toUpperCase(), path: filled, ...(body ? { body } : {}) };
  }

  it('takes a subcategory from the categories to a new offer, and the offer made to its page', async () => {
    const categories = await call('GET', '/categories');
    assert.equal(categories.status, 200);
    const create = follow('GET', '/categories', 200, categories.body, 'postOffers');
    const created = await call(create.method, create.path, {
      token: seller.token,
      body: {
        title: 'I will design a calm geometric logo',
        description: 'Three concepts for your brand, with revisions until it is right.',
        priceCents: 1_000,
        leadTimeDays: 3,
        ...create.body,
      },
    });
    // The categories' first item is a top category, where no offer may go (422): the link names its first subcategory.
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.categoryId, categories.body.items[0].children[0].id);
    const page = follow('POST', '/offers', 201, created.body, 'getOffersById');
    const read = await call(page.method, page.path, { token: seller.token });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.id, created.body.id);
  });

  it('takes an offer from the catalog to its page, the favourites and the cart, and a cart line out of the cart', async () => {
    const offerId = await insertOffer(database.db, seller.id);
    const catalog = await call('GET', '/offers', { token: buyer.token });
    assert.equal(catalog.status, 200);
    assert.equal(catalog.body.items[0]?.id, offerId, 'the only active offer');

    const page = follow('GET', '/offers', 200, catalog.body, 'getOffersById');
    assert.equal((await call(page.method, page.path)).body.id, offerId);
    const favourite = follow('GET', '/offers', 200, catalog.body, 'putMeFavoritesByOfferId');
    assert.equal((await call(favourite.method, favourite.path, { token: buyer.token })).status, 204);
    assert.deepEqual((await call('GET', '/me/favorites', { token: buyer.token })).body.items.map((o: { id: number }) => o.id), [offerId]);

    const add = follow('GET', '/offers', 200, catalog.body, 'postMeCart');
    assert.deepEqual(add.body, { offerId });
    const cart = await call(add.method, add.path, { token: buyer.token, body: add.body });
    assert.equal(cart.status, 200, JSON.stringify(cart.body));
    assert.deepEqual(cart.body.items.map((line: { offerId: number }) => line.offerId), [offerId]);
    const remove = follow('POST', '/me/cart', 200, cart.body, 'deleteMeCartById');
    assert.equal((await call(remove.method, remove.path, { token: buyer.token })).status, 204);
    assert.deepEqual((await call('GET', '/me/cart', { token: buyer.token })).body.items, []);
  });
});
