/**
 * Bad input is refused at the door, with the right status and the field it concerns, and
 * changes nothing (issue 13, part 1): text PostgreSQL cannot store (NUL, a lone surrogate,
 * other control characters) anywhere in a body, query or path; numbers beyond their column;
 * ids that are not digits; crafted cursors; an order Update carrying such text even when it
 * comes straight from a Temporal client — and the HTTP statuses of a body too large (413), not
 * JSON (415), or a method a path does not take (405).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { orderWorkflowId } from '../../workflows/order/messages.js';
import { callerFor, type Caller } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { act, actOk, market, moneyOf, placeOrder, viewAs, type Market } from '../support/orders.js';

const NUL = 'before\u0000after';
const LONE_HIGH = 'before\uD800after';
const LONE_LOW = 'before\uDC00after';
const BELL = 'ring\u0007ring';
const unstorable = [NUL, LONE_HIGH, LONE_LOW, BELL];

describe('bad input at the door', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let app: ReturnType<typeof buildApp>;
  let worker: { stop(): Promise<void> };
  let taskQueue: string;
  let m: Market;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    taskQueue = uniqueId('bad-input');
    app = buildApp({ db: database.db, temporal, taskQueue });
    call = callerFor(app);
    worker = await startWorker(database.db, taskQueue);
    m = await market(call, database.db, { fundsCents: 5_000 });
  });
  after(async () => {
    await worker?.stop();
    await database?.drop();
    await temporal?.connection.close();
  });

  /** A 400 `invalid_input` naming `path` in `details.fields`. */
  function assertRefused(res: { status: number; body: { error: { code: string; details?: { fields?: { path: string }[] } } } }, path: string) {
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'invalid_input');
    assert.equal(res.body.error.details?.fields?.[0]?.path, path, JSON.stringify(res.body));
  }

  it('refuses an order action whose text cannot be stored, leaving the order and its money as they were', async () => {
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await actOk(call, m.seller, order.orderId, { type: 'start_work' });
    const before = [await viewAs(call, m.buyer, order.orderId), await moneyOf(database.db, order.orderId, m)];
    for (const text of unstorable) {
      assertRefused(await act(call, m.seller, order.orderId, { type: 'deliver', text, links: [] }), 'body.text');
      assertRefused(await act(call, m.seller, order.orderId, { type: 'deliver', text: 'The logo', links: [`https://example.com/${text}`] }), 'body.links.0');
      assertRefused(await act(call, m.buyer, order.orderId, { type: 'request_cancellation', reason: 'no_longer_needed', comment: text }), 'body.comment');
    }
    const after = [await viewAs(call, m.buyer, order.orderId), await moneyOf(database.db, order.orderId, m)];
    assert.deepEqual(after, before);
    // The order still works: a proper delivery goes through at once.
    const delivered = await actOk(call, m.seller, order.orderId, { type: 'deliver', text: 'The logo, tab\tand\nnewline kept', links: [] });
    assert.equal(delivered.status, 'in_review');
    assert.equal(delivered.deliveries[0]?.text, 'The logo, tab\tand\nnewline kept');
  });

  it('refuses such text from any client: the order Update’s own validator, not only the API', async () => {
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    const gateway = createWorkflowGateway({ temporal, taskQueue });
    for (const text of unstorable) {
      await assert.rejects(
        temporal.workflow.getHandle(orderWorkflowId(order.orderId)).executeUpdate('act', { args: [{ actor: { role: 'buyer', userId: m.buyer.id }, action: { type: 'submit_requirements', text } }] }),
        (err: unknown) => err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'invalid_input',
      );
      await assert.rejects(gateway.order.act(order.orderId, { actor: { role: 'buyer', userId: m.buyer.id }, action: { type: 'submit_requirements', text } }), /text: contains/);
    }
    assert.equal((await viewAs(call, m.buyer, order.orderId)).requirements, null);
  });

  it('refuses unstorable text in a body, a query and a path on routes across the API', async () => {
    assertRefused(await call('PATCH', '/me/profile', { token: m.buyer.token, body: { displayName: LONE_HIGH } }), 'body.displayName');
    assertRefused(await call('PATCH', '/me/profile', { token: m.buyer.token, body: { skills: ['ok', NUL] } }), 'body.skills.1');
    assertRefused(await call('POST', '/orders', { token: m.buyer.token, headers: { 'idempotency-key': uniqueId('k') }, body: { offerId: m.offerId, requirements: NUL } }), 'body.requirements');
    assertRefused(await call('POST', '/me/promo-redemptions', { token: m.buyer.token, body: { code: NUL } }), 'body.code');
    assertRefused(await call('POST', '/me/profile'.replace('profile', 'email-change'), { token: m.buyer.token, body: { email: 'a@example.com', password: BELL } }), 'body.password');
    assertRefused(await call('GET', `/offers?q=${encodeURIComponent(NUL)}`), 'query.q');
    assertRefused(await call('GET', `/users?login=${encodeURIComponent(BELL)}`), 'query.login');
    // A lone surrogate cannot be percent-encoded as UTF-8; its WTF-8 bytes, or a malformed
    // escape, decode to no surrogate at all: answered, never a 5xx.
    for (const query of ['/users?login=ab%ED%B0%80', '/offers?q=%ED%A0%80', '/offers?q=%E0%A4%A']) {
      assert.ok((await call('GET', query)).status < 500, query);
    }
    assertRefused(await call('GET', `/users/${encodeURIComponent(NUL)}/feedback`), 'param.login');
    assertRefused(await call('POST', '/orders', { token: m.buyer.token, headers: { 'idempotency-key': uniqueId('k') }, body: { offerId: m.offerId, [NUL]: 1 } }), `body.${NUL}`);
    const profile = await call('GET', '/me', { token: m.buyer.token });
    assert.equal(profile.body.displayName, null, 'nothing was changed');
  });

  /** A raw request: `body` sent as these bytes, JSON unless `type` says otherwise. */
  async function raw(method: string, path: string, body: string | Uint8Array, type = 'application/json') {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${m.buyer.token}`, 'content-type': type }, body });
    return { status: res.status, body: JSON.parse(await res.text()) as { error: { code: string; message: string; details: { fields?: { path: string }[] } } } };
  }

  it('refuses a body nested past 32 levels with 400, not a stack overflow, however deep', async () => {
    for (const depth of [33, 10_000]) {
      const arrays = `{"displayName":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      assertRefused(await raw('PATCH', '/me/profile', arrays), `body.displayName${'.0'.repeat(31)}`);
      assertRefused(await raw('PATCH', '/me/profile', objects), `body${'.a'.repeat(32)}`);
    }
    // Within the limit, the schema answers as for any other shape it does not take.
    assertRefused(await raw('PATCH', '/me/profile', `{"displayName":${'['.repeat(31)}${']'.repeat(31)}}`), 'body.displayName');
  });

  it('refuses bytes that are not UTF-8 (400) and JSON in another charset (415), storing nothing', async () => {
    for (const bytes of [[0xff, 0xfe], [0xed, 0xa0, 0x80], [0xc3]]) {
      const body = new Uint8Array([...Buffer.from('{"city":"a'), ...bytes, ...Buffer.from('b"}')]);
      assertRefused(await raw('PATCH', '/me/profile', body), 'body');
    }
    const latin1 = await raw('PATCH', '/me/profile', '{"city":"Kraków"}', 'application/json; charset=iso-8859-1');
    assert.equal(latin1.status, 415);
    assert.equal(latin1.body.error.code, 'unsupported_media_type');
    assert.equal((await raw('PATCH', '/me/profile', '{"city":"Kraków"}', 'application/json; charset="UTF-8"')).status, 200);
    const me = await call('GET', '/me', { token: m.buyer.token });
    assert.equal(me.body.city, 'Kraków', 'only the UTF-8 body was stored');
  });

  it('refuses a query or a body an operation does not take, but an empty body or {}', async () => {
    const me = await call('GET', '/me?x=1', { token: m.buyer.token });
    assertRefused(me, 'query.x');
    assertRefused(await call('GET', `/orders/1?view=full`, { token: m.buyer.token }), 'query.view');
    const pause = (body?: unknown) => call('POST', `/offers/${m.offerId}/pause`, { token: m.seller.token, body });
    assertRefused(await pause({ zzz: 1 }), 'body.zzz');
    assertRefused(await pause([]), 'body');
    assertRefused(await pause('{not json'), 'body');
    assert.equal((await call('GET', `/offers/${m.offerId}`, { token: m.seller.token })).body.status, 'active', 'nothing was paused');
    assert.equal((await pause({})).status, 200);
    assert.equal((await call('POST', `/offers/${m.offerId}/resume`, { token: m.seller.token })).status, 200);
  });

  it('answers every refusal with details, and quotes what was sent as well-formed text', async () => {
    const unknown = await call('GET', '/orders/99999999', { token: m.buyer.token });
    assert.equal(unknown.status, 404);
    assert.deepEqual(Object.keys(unknown.body.error).sort(), ['code', 'details', 'message']);
    const anonymous = await call('GET', '/me');
    assert.equal(anonymous.status, 401);
    assert.ok(anonymous.body.error.details && typeof anonymous.body.error.details === 'object');
    // A field named with a lone surrogate: the answer names it with U+FFFD in its place.
    const res = await app.request('/me/cart', { method: 'POST', headers: { authorization: `Bearer ${m.buyer.token}`, 'content-type': 'application/json' }, body: '{"offerId":1,"\\ud800":1}' });
    const text = await res.text();
    assert.equal(res.status, 400);
    // JSON.stringify escapes a lone surrogate as \\udXXX and writes pairs as they are: no such escape, no lone one.
    assert.ok(!/\\u[dD][89a-fA-F][0-9a-fA-F]{2}/.test(text), text);
    assert.equal((JSON.parse(text) as { error: { details: { fields: { path: string }[] } } }).error.details.fields[0]!.path, 'body.\uFFFD');
  });

  it('requires the body of a route that takes one: none is a 400 naming the body, never a no-op', async () => {
    const before = await call('GET', '/me', { token: m.buyer.token });
    for (const [method, path] of [['PATCH', '/me/profile'], ['POST', '/notifications/read'], ['POST', '/me/promo-redemptions']] as const) {
      assertRefused(await call(method, path, { token: m.buyer.token }), 'body');
    }
    // An explicit empty change of the profile is a change of nothing: it answers the account as it is.
    const empty = await call('PATCH', '/me/profile', { token: m.buyer.token, body: {} });
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, before.body);
  });

  it('reads an id as the document’s integer: 7, 7.0 and 7e0 are one id; 0x10, +7, 7.5 and out-of-range ids are none', async () => {
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    // JSON Schema's integer, which `type: integer` means: any number with no fraction (Schemathesis sent `1.0`).
    for (const id of [`${order.orderId}`, `${order.orderId}.0`, `${order.orderId}e0`, `${order.orderId}0e-1`]) {
      const res = await call('GET', `/orders/${id}`, { token: m.buyer.token });
      assert.equal(res.status, 200, id);
      assert.equal((res.body as { orderId: number }).orderId, order.orderId, id);
    }
    for (const id of ['0x10', '+7', `${order.orderId}.5`, ' 7', '7.', '-1', '0', '99999999999999999999', '1e20']) {
      assertRefused(await call('GET', `/orders/${encodeURIComponent(id)}`, { token: m.buyer.token }), 'param.id');
    }
    assertRefused(await call('GET', '/orders?limit=1e3', { token: m.buyer.token }), 'query.limit');
    assert.equal((await call('GET', '/orders?limit=1e1', { token: m.buyer.token })).status, 200);
    assertRefused(await call('GET', '/offers?minPriceCents=0x10'), 'query.minPriceCents');
  });

  it('refuses numbers beyond their column before they reach the database', async () => {
    const offer = { title: 'A title long enough', description: 'A description that is long enough for an offer to be accepted.', priceCents: 1_000, leadTimeDays: 3 };
    assertRefused(await call('POST', '/offers', { token: m.seller.token, body: { ...offer, categoryId: 2_147_483_648 } }), 'body.categoryId');
    assertRefused(await call('GET', '/offers?categoryId=2147483648'), 'query.categoryId');
    assertRefused(await call('POST', '/orders', { token: m.buyer.token, headers: { 'idempotency-key': uniqueId('k') }, body: { offerId: 2 ** 53 } }), 'body.offerId');
  });

  it('refuses crafted cursors with 400, never 500', async () => {
    const crafted = ['%%%', 'eyJ0IjoxfQ', Buffer.from('{"s":"newest","t":false,"k":[1e300,"x"]}').toString('base64url'), 'p99999999999999999', Buffer.from('p-1').toString('base64url')];
    for (const cursor of crafted) {
      const q = `cursor=${encodeURIComponent(cursor)}`;
      for (const path of [`/offers?${q}`, `/me/favorites?${q}`, `/me/statement?${q}`, `/orders?${q}`, `/notifications?${q}`, `/users/${m.seller.login}/feedback?${q}`]) {
        const res = await call('GET', path, { token: m.buyer.token });
        assert.equal(res.status, 400, `${path}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'invalid_input');
      }
    }
  });

  it('answers a body over 64 KB with 413, a body not in JSON with 415, and a method a path does not take with 405 and Allow', async () => {
    const big = await call('PATCH', '/me/profile', { token: m.buyer.token, body: { about: 'x'.repeat(70_000) } });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, 'payload_too_large');
    const form = await app.request('/me/profile', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${m.buyer.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'about=hi',
    });
    assert.equal(form.status, 415);
    assert.equal(((await form.json()) as { error: { code: string } }).error.code, 'unsupported_media_type');
    const wrong = await call('PUT', '/orders', { token: m.buyer.token, body: {} });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.body.error.code, 'method_not_allowed');
    assert.equal(wrong.headers.get('allow'), 'GET, HEAD, POST');
    // A concrete path before the template that also matches it, as OpenAPI reads the document:
    // `/me/cart/checkout` takes POST only; it is not `DELETE /me/cart/{id}` with the id "checkout".
    for (const method of ['DELETE', 'GET']) {
      const shadowed = await call(method, '/me/cart/checkout', { token: m.buyer.token });
      assert.equal(shadowed.status, 405, `${method} /me/cart/checkout`);
      assert.equal(shadowed.headers.get('allow'), 'POST');
    }
    assert.equal((await call('DELETE', '/me/cart/12345', { token: m.buyer.token })).status, 404);
    assert.equal((await call('GET', '/no/such/path')).status, 404);
  });
});
