/**
 * Idempotency keys (issue 13, part 3), on every route that takes one: the same key and request
 * answer what the first request did, once; the same key with a different request is 422
 * `idempotency_key_reused` and changes nothing; keys are each user's own, one key names one
 * request across the three routes, and they do not lapse after a day.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { sandboxCards, sandboxGateway } from '../../services/payments.js';
import { callerFor, manualClock, signUp, type Caller, type TestUser } from '../support/api.js';
import { insertOffer } from '../support/catalog.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';
import { market } from '../support/orders.js';

const HOUR = 3_600_000;

describe('idempotency keys', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  // A Monday: nothing is hidden for the weekend.
  const clock = manualClock(new Date('2026-11-02T10:00:00Z'));

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock }));
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  const place = (buyer: TestUser, key: string, body: Record<string, unknown>) => call('POST', '/orders', { token: buyer.token, body, headers: { 'idempotency-key': key } });
  const topUp = (user: TestUser, key: string | undefined, body: Record<string, unknown>) =>
    call('POST', '/me/top-ups', { token: user.token, body, headers: key === undefined ? {} : { 'idempotency-key': key } });
  const checkout = (buyer: TestUser, key: string) => call('POST', '/me/cart/checkout', { token: buyer.token, headers: { 'idempotency-key': key } });
  const card = (amountCents: number, cardNumber: string = sandboxCards.approve) => ({ amountCents, method: 'card', cardNumber });

  /** What a request could have changed for `user`: orders, ledger postings, top-ups, cart lines, keys. */
  async function footprint(user: TestUser) {
    const [row] = await database.db.sql`
      select (select count(*) from orders where buyer_id = ${user.id})::int as orders,
        (select count(*) from ledger_postings p join ledger_accounts a on a.id = p.account_id where a.key like ${`user:${user.id}:%`})::int as postings,
        (select count(*) from top_ups where user_id = ${user.id})::int as top_ups,
        (select count(*) from cart_items where user_id = ${user.id})::int as cart_items,
        (select count(*) from idempotency_keys where user_id = ${user.id})::int as keys`;
    return row;
  }

  function assertReused(res: { status: number; body: { error: { code: string } } }) {
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'idempotency_key_reused');
  }

  it('answers a retried order with the first order, the body read as parsed (defaults filled in), and refuses the key for another order', async () => {
    const m = await market(call, database.db);
    const key = randomUUID();
    const first = await place(m.buyer, key, { offerId: m.offerId });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const retried = await place(m.buyer, key, { offerId: m.offerId, units: 1, optionIds: [], packageTier: null });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal(retried.body.orderId, first.body.orderId);

    const before = await footprint(m.buyer);
    assertReused(await place(m.buyer, key, { offerId: m.offerId, units: 2 }));
    assertReused(await place(m.buyer, key, { offerId: m.offerId, requirements: 'A blue logo' }));
    assert.deepEqual(await footprint(m.buyer), before, 'nothing placed, held or recorded');
  });

  it('keeps keys each user’s own: another buyer’s same key places their own order', async () => {
    const m = await market(call, database.db);
    const other = await market(call, database.db);
    const key = randomUUID();
    const mine = await place(m.buyer, key, { offerId: m.offerId });
    const theirs = await place(other.buyer, key, { offerId: m.offerId, units: 2 });
    assert.deepEqual([mine.status, theirs.status], [201, 201]);
    assert.notEqual(mine.body.orderId, theirs.body.orderId);
  });

  it('answers a retried top-up with the first top-up, charging once, and refuses the key for another amount or card', async () => {
    const user = await signUp(call, 'idem_topup');
    const key = randomUUID();
    const first = await topUp(user, key, card(1_000));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const retried = await topUp(user, key, card(1_000));
    assert.deepEqual([retried.status, retried.body.id], [201, first.body.id]);
    const before = await footprint(user);
    assertReused(await topUp(user, key, card(2_000)));
    assertReused(await topUp(user, key, { amountCents: 1_000, method: 'paypal', paypalAccount: 'payer@example.com' }));
    assert.deepEqual(await footprint(user), before);
    // Without a key every request is a new one.
    assert.equal((await topUp(user, undefined, card(1_000))).status, 201);
    assert.equal((await topUp(user, undefined, card(1_000))).status, 201);
    assert.equal((await footprint(user))!.top_ups, 3);
  });

  it('answers top-ups sent at once with one key as one top-up: charged and credited once, each answer the same', async () => {
    // The sandbox gateway, counting the charges it is asked for.
    const gateway = sandboxGateway(clock);
    let charges = 0;
    const counted = callerFor(buildApp({ db: database.db, temporal, clock, payments: { ...gateway, charge: (input) => (charges++, gateway.charge(input)) } }));
    const user = await signUp(call, 'idem_race');
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => counted('POST', '/me/top-ups', { token: user.token, body: card(1_500), headers: { 'idempotency-key': key } })),
    );
    assert.deepEqual(answers.map((a) => a.status), [201, 201, 201, 201], JSON.stringify(answers.map((a) => a.body)));
    assert.equal(new Set(answers.map((a) => a.body.id)).size, 1, 'one top-up');
    assert.equal((await footprint(user))!.top_ups, 1);
    assert.equal(charges, 1, 'the payer is charged once');
    const balance = await call('GET', '/me/balance', { token: user.token });
    assert.equal(balance.body.mainCents, 1_500, 'credited once');
    // And the same key sent at once for an order and a top-up: one is refused as a reused key, never a 500.
    const m = await market(call, database.db);
    const shared = randomUUID();
    const [order, top] = await Promise.all([place(m.buyer, shared, { offerId: m.offerId }), topUp(m.buyer, shared, card(1_000))]);
    assert.deepEqual([order.status, top.status].sort(), [201, 422].sort(), JSON.stringify([order.body, top.body]));
    assert.equal((order.status === 422 ? order : top).body.error.code, 'idempotency_key_reused');
  });

  it('answers a retried declined top-up as the first time: 422 declined, one attempt at the gateway', async () => {
    const user = await signUp(call, 'idem_declined');
    const key = randomUUID();
    for (let i = 0; i < 2; i++) {
      const res = await topUp(user, key, card(1_000, sandboxCards.decline));
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'payment_declined');
    }
    assert.equal((await footprint(user))!.top_ups, 1);
    // Another card under the key is another request: a new key is needed.
    assertReused(await topUp(user, key, card(1_000)));
  });

  it('answers a retried checkout with its orders whatever the cart holds now, and never a key another route used', async () => {
    const m = await market(call, database.db);
    const line = async (offerId: number) => assert.equal((await call('POST', '/me/cart', { token: m.buyer.token, body: { offerId } })).status, 200);
    await line(m.offerId);
    const key = randomUUID();
    const placed = await checkout(m.buyer, key);
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    await line(await insertOffer(database.db, m.seller.id));
    const retried = await checkout(m.buyer, key);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.deepEqual(retried.body.orders.map((o: { orderId: number }) => o.orderId), placed.body.orders.map((o: { orderId: number }) => o.orderId));

    const before = await footprint(m.buyer);
    assertReused(await place(m.buyer, key, { offerId: m.offerId }));
    assertReused(await topUp(m.buyer, key, card(1_000)));
    const ordered = randomUUID();
    assert.equal((await place(m.buyer, ordered, { offerId: m.offerId })).status, 201);
    const afterOrder = await footprint(m.buyer);
    assertReused(await checkout(m.buyer, ordered));
    assert.deepEqual(await footprint(m.buyer), afterOrder, 'the cart line is still there, nothing placed');
    assert.equal(afterOrder!.orders, before!.orders + 1);
  });

  it('keeps a key longer than a day: a retry 25 hours later still answers the first order', async () => {
    const m = await market(call, database.db);
    const key = randomUUID();
    const first = await place(m.buyer, key, { offerId: m.offerId });
    assert.equal(first.status, 201);
    clock.advance(25 * HOUR);
    const later = await place(m.buyer, key, { offerId: m.offerId });
    assert.deepEqual([later.status, later.body.orderId], [200, first.body.orderId]);
    assertReused(await place(m.buyer, key, { offerId: m.offerId, units: 3 }));
  });
});
