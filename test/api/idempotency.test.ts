/**
 * Idempotency keys (issue 13, part 3), on every route that takes one: the same key and request
 * answer what the first request did, once; the same key with a different request is 422
 * `idempotency_key_reused` and changes nothing; keys are each user's own, one key names one
 * request across the three routes, and they do not lapse after a day.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { manualClock, signUp, type Caller, type TestUser } from '../support/api.js';
import { insertOffer } from '../support/catalog.js';
import { startPayingApi, type PayingApi, type TestDatabase } from '../support/harness.js';
import { market } from '../support/orders.js';
import { TEST_CARDS, type PaymentStandIns } from '../support/payments.js';
import { cardApi, payByCard, returnedTo, topUpWhen } from '../support/pay.js';

const HOUR = 3_600_000;

describe('idempotency keys', () => {
  let api: PayingApi;
  let database: TestDatabase;
  let stand: PaymentStandIns;
  let call: Caller;
  // A Monday: nothing is hidden for the weekend.
  const clock = manualClock(new Date('2026-11-02T10:00:00Z'));

  before(async () => {
    api = await startPayingApi(import.meta.filename, { clock });
    ({ database, stand, call } = api);
  });
  after(() => api?.stop());

  const place = (buyer: TestUser, key: string, body: Record<string, unknown>) => call('POST', '/orders', { token: buyer.token, body, headers: { 'idempotency-key': key } });
  const topUp = (user: TestUser, key: string | null, body: Record<string, unknown>) =>
    call('POST', '/top-ups', { token: user.token, body, headers: key === null ? {} : { 'idempotency-key': key } });
  const checkout = (buyer: TestUser, key: string) => call('POST', '/me/cart/checkout', { token: buyer.token, headers: { 'idempotency-key': key } });
  const card = (amountCents: number) => ({ amountCents, method: 'card' });
  /** The payments the card processor was asked to create for a top-up (its checkouts). */
  const checkoutsOf = async (topUpId: number) =>
    (await cardApi(stand, '/v1/payment_intents?limit=100')).data.filter((pi: { metadata: { top_up_id?: string } }) => pi.metadata.top_up_id === String(topUpId)).length;

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

  it('answers a retried top-up with the first top-up and its page, one checkout at the provider, and refuses the key for another amount or method', async () => {
    const user = await signUp(call, 'idem_topup');
    const key = randomUUID();
    const first = await topUp(user, key, card(1_000));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const retried = await topUp(user, key, card(1_000));
    assert.deepEqual([retried.status, retried.body.id, retried.body.checkoutUrl], [200, first.body.id, first.body.checkoutUrl]);
    const before = await footprint(user);
    assertReused(await topUp(user, key, card(2_000)));
    assertReused(await topUp(user, key, { amountCents: 1_000, method: 'paypal' }));
    assert.deepEqual(await footprint(user), before);
    assert.equal(await checkoutsOf(first.body.id), 1);
    // The key is required: without one nothing starts.
    const keyless = await topUp(user, null, card(1_000));
    assert.equal(keyless.status, 400, JSON.stringify(keyless.body));
    assert.deepEqual(await footprint(user), before);
  });

  it('answers top-ups sent at once with one key as one top-up with one checkout, the same page in every answer, credited once', async () => {
    const user = await signUp(call, 'idem_race');
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 4 }, () => topUp(user, key, card(1_500))));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 201], JSON.stringify(answers.map((a) => a.body)));
    assert.equal(new Set(answers.map((a) => a.body.id)).size, 1, 'one top-up');
    assert.equal(new Set(answers.map((a) => a.body.checkoutUrl)).size, 1, 'one page');
    assert.equal((await footprint(user))!.top_ups, 1);
    assert.equal(await checkoutsOf(answers[0]!.body.id), 1, 'one payment at the provider');
    returnedTo(await payByCard(answers[0]!.body.checkoutUrl, TEST_CARDS.success));
    await topUpWhen(call, user, answers[0]!.body.id, 'approved');
    const balance = await call('GET', '/me/balance', { token: user.token });
    assert.equal(balance.body.mainCents, 1_500, 'credited once');
    // And the same key sent at once for an order and a top-up: one is refused as a reused key, never a 500.
    const m = await market(call, database.db);
    const shared = randomUUID();
    const [order, top] = await Promise.all([place(m.buyer, shared, { offerId: m.offerId }), topUp(m.buyer, shared, card(1_000))]);
    assert.deepEqual([order.status, top.status].sort(), [201, 422].sort(), JSON.stringify([order.body, top.body]));
    assert.equal((order.status === 422 ? order : top).body.error.code, 'idempotency_key_reused');
  });

  it('answers a retry after the payer’s card was declined with the same top-up and page, for another try, and no second checkout', async () => {
    const user = await signUp(call, 'idem_declined');
    const key = randomUUID();
    const first = await topUp(user, key, card(1_000));
    returnedTo(await payByCard(first.body.checkoutUrl, TEST_CARDS.decline));
    await topUpWhen(call, user, first.body.id, 'declined');
    const retried = await topUp(user, key, card(1_000));
    assert.deepEqual([retried.status, retried.body.id, retried.body.status, retried.body.checkoutUrl], [200, first.body.id, 'declined', first.body.checkoutUrl]);
    assert.equal((await footprint(user))!.top_ups, 1);
    assert.equal(await checkoutsOf(first.body.id), 1);
    // Another amount under the key is another request: a new key is needed.
    assertReused(await topUp(user, key, card(2_000)));
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
