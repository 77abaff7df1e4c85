/**
 * Checking out the cart through the real API on the run's dev server: one order per line at the
 * prices the server computes, all or nothing. No worker runs: placing an order only starts its
 * workflow, and everything asserted here is what the placement's transaction wrote (or did not).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../../db/client.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { catalogRules } from '../../services/policy.js';
import { orderWorkflowId } from '../../workflows/order/messages.js';
import { callerFor, manualClock, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';
import { fund, moneyOf } from '../support/orders.js';

const LOGOS = 11; // fixed $10 basic price; packages fixed at $10 / $25 / $50
const TURNKEY_SITE = 21; // free price

let serial = 0;
/** An active offer with two options and three packages, written straight to the database. */
async function insertOffer(db: Db, sellerId: number, opts: { categoryId?: number; priceCents?: number } = {}): Promise<number> {
  const n = ++serial;
  const options = [
    { id: 1, title: 'Express delivery', priceCents: 500, extraDays: 0 },
    { id: 2, title: 'Source files', priceCents: 1_500, extraDays: 1 },
  ];
  const packages = {
    economy: { priceCents: 1_000, leadTimeDays: 2, includes: ['1 concept'] },
    standard: { priceCents: 2_500, leadTimeDays: 3, includes: ['3 concepts'] },
    business: { priceCents: 5_000, leadTimeDays: 4, includes: ['5 concepts', 'source files'] },
  };
  const [row] = await db.sql<{ id: string }[]>`
    insert into offers (seller_id, category_id, title, description, price_cents, lead_time_days, attributes, options, packages, status, published_at)
    values (${sellerId}, ${opts.categoryId ?? LOGOS}, ${`Logo design for checkout ${process.pid}-${n}`},
      ${`A logo for your brand, offer ${process.pid}-${n}: concepts, revisions and the files you need.`},
      ${opts.priceCents ?? 1_000}, 3, ${JSON.stringify({ style: ['minimalist'] })}::jsonb,
      ${JSON.stringify(options)}::jsonb, ${JSON.stringify(packages)}::jsonb, 'active', now())
    returning id`;
  return Number(row!.id);
}

describe('cart checkout', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  // A Monday: nothing is hidden for the weekend, and two more weeks end on a Monday too.
  const clock = manualClock(new Date('2026-11-02T10:00:00Z'));

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock }));
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  const checkout = (buyer: TestUser, key = randomUUID()) => call('POST', '/me/cart/checkout', { token: buyer.token, headers: { 'idempotency-key': key } });
  async function addToCart(buyer: TestUser, line: Record<string, unknown>) {
    const res = await call('POST', '/me/cart', { token: buyer.token, body: line });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.find((i: { offerId: number }) => i.offerId === line.offerId);
  }
  const cartOf = async (buyer: TestUser) => (await call('GET', '/me/cart', { token: buyer.token })).body;
  const balanceOf = async (buyer: TestUser) => (await call('GET', '/me/balance', { token: buyer.token })).body;
  /** The user's notifications as `GET /notifications` lists them (newest first): kind and order. */
  const noticesOf = async (user: TestUser) =>
    (await call('GET', '/notifications?limit=100', { token: user.token })).body.items.map((n: { kind: string; orderId: number }) => [n.kind, n.orderId]);

  /** Everything a checkout could write for `buyer`, to compare before and after a refusal. */
  async function footprint(buyer: TestUser) {
    const [row] = await database.db.sql<{ orders: number; transactions: number; outbox: number; notifications: number; lastOrderId: string }[]>`
      select (select count(*)::int from orders where buyer_id = ${buyer.id}) as orders,
             (select count(*)::int from ledger_transactions) as transactions,
             (select count(*)::int from outbox where kind = 'order_placed') as outbox,
             (select count(*)::int from notifications where kind = 'order_placed') as notifications,
             (select last_value from orders_id_seq)::text as "lastOrderId"`;
    return { ...row!, cart: await cartOf(buyer), balance: await balanceOf(buyer) };
  }

  /** Asserts that no workflow exists for any order id drawn from the sequence in (from, to]. */
  async function assertNoWorkflows(from: number, to: number) {
    for (let id = from + 1; id <= to; id++) {
      await assert.rejects(temporal.workflow.getHandle(orderWorkflowId(id)).describe(), WorkflowNotFoundError, `a workflow for order ${id}`);
    }
  }

  it('places one order per line at the server’s prices (units and options, a package), empties the cart and holds the total', async () => {
    const seller = await signUp(call, 'co_seller');
    const other = await signUp(call, 'co_seller2');
    const buyer = await signUp(call, 'co_buyer');
    await fund(database.db, buyer.id, 20_000);
    const logo = await insertOffer(database.db, seller.id);
    const pkg = await insertOffer(database.db, seller.id);
    const site = await insertOffer(database.db, other.id, { categoryId: TURNKEY_SITE, priceCents: 2_000 });
    await addToCart(buyer, { offerId: logo, units: 3, optionIds: [1] });
    await addToCart(buyer, { offerId: pkg, packageTier: 'business' });
    await addToCart(buyer, { offerId: site });
    // The price is the offer's at checkout, not at the time the line went into the cart.
    await database.db.sql`update offers set price_cents = 2400 where id = ${site}`;

    const res = await checkout(buyer);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const orders = res.body.orders;
    assert.deepEqual(
      orders.map((o: any) => ({ offerId: o.offer.offerId, seller: o.seller.id, total: o.amounts.totalCents, status: o.status })),
      [
        { offerId: logo, seller: seller.id, total: 3 * 1_000 + 500, status: 'awaiting_start' },
        { offerId: pkg, seller: seller.id, total: 5_000, status: 'awaiting_start' },
        { offerId: site, seller: other.id, total: 2_400, status: 'awaiting_start' },
      ],
    );
    assert.deepEqual(orders[0].line, { kind: 'basic', units: 3, options: [{ id: 1, title: 'Express delivery', priceCents: 500, extraDays: 0 }] });
    assert.deepEqual(orders[1].line, { kind: 'package', tier: 'business', includes: ['5 concepts', 'source files'] });
    assert.deepEqual(orders[2].line, { kind: 'basic', units: 1, options: [] });
    assert.equal(res.body.totalCents, 3_500 + 5_000 + 2_400);

    assert.deepEqual((await cartOf(buyer)).items, [], 'the cart is empty');
    const balance = await balanceOf(buyer);
    assert.equal(balance.mainCents + balance.bonusCents, 20_000 - 10_900);
    assert.equal(balance.escrowCents, 10_900);
    for (const order of orders) {
      const money = await moneyOf(database.db, order.orderId, { buyer, seller: order.seller });
      assert.equal(money.escrow, order.amounts.totalCents, `order ${order.orderId} holds its total`);
      assert.deepEqual(money.postings, ['hold']);
      const description = await temporal.workflow.getHandle(orderWorkflowId(order.orderId)).describe();
      assert.equal(description.status.name, 'RUNNING', `order ${order.orderId}’s workflow`);
    }
    const rows = await database.db.sql`select id, status, total_cents from orders where buyer_id = ${buyer.id} order by id`;
    assert.deepEqual(
      rows.map((r) => [Number(r.id), r.status, Number(r.total_cents)]),
      orders.map((o: any) => [o.orderId, 'awaiting_start', o.amounts.totalCents]),
    );
    // Each seller hears of each of their new orders (K-70), in the centre and by email; the buyer of none.
    assert.deepEqual(await noticesOf(seller), [['order_placed', orders[1].orderId], ['order_placed', orders[0].orderId]]);
    assert.deepEqual(await noticesOf(other), [['order_placed', orders[2].orderId]]);
    assert.deepEqual(await noticesOf(buyer), []);
    const mails = await database.db.sql<{ to_address: string; subject: string }[]>`
      select to_address, subject from outbox where kind = 'order_placed' and to_address in (${seller.email}, ${other.email}) order by id`;
    assert.deepEqual(
      mails.map((m) => [m.to_address, m.subject.split(':')[0]]),
      [[seller.email, `New order ${orders[0].orderId}`], [seller.email, `New order ${orders[1].orderId}`], [other.email, `New order ${orders[2].orderId}`]],
    );
  });

  it('answers a retry with the same Idempotency-Key with the same orders, charging once', async () => {
    const seller = await signUp(call, 'co_seller');
    const buyer = await signUp(call, 'co_buyer');
    await fund(database.db, buyer.id, 10_000);
    const first = await insertOffer(database.db, seller.id);
    const second = await insertOffer(database.db, seller.id);
    await addToCart(buyer, { offerId: first, units: 2 });
    await addToCart(buyer, { offerId: second, packageTier: 'standard' });
    const key = randomUUID();

    const placed = await checkout(buyer, key);
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    // The cart is empty now and then gets a new line: the retry still answers what the key placed.
    const later = await insertOffer(database.db, seller.id);
    await addToCart(buyer, { offerId: later });
    const retried = await checkout(buyer, key);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.deepEqual(
      retried.body.orders.map((o: any) => o.orderId),
      placed.body.orders.map((o: any) => o.orderId),
    );
    assert.equal(retried.body.totalCents, 2_000 + 2_500);

    const balance = await balanceOf(buyer);
    assert.equal(balance.mainCents + balance.bonusCents, 10_000 - 4_500, 'charged once');
    const [{ n }] = (await database.db.sql`select count(*)::int as n from orders where buyer_id = ${buyer.id}`) as unknown as [{ n: number }];
    assert.equal(n, 2);
    assert.deepEqual((await cartOf(buyer)).items.map((i: any) => i.offerId), [later], 'the new line stays in the cart');
    assert.deepEqual(
      await noticesOf(seller),
      placed.body.orders.map((o: any) => ['order_placed', o.orderId]).reverse(),
      'the seller is told of each order once',
    );
  });

  it('refuses with 422 and the missing amount when the money does not cover every line, writing and starting nothing', async () => {
    const seller = await signUp(call, 'co_seller');
    const buyer = await signUp(call, 'co_buyer');
    await fund(database.db, buyer.id, 4_000);
    const first = await insertOffer(database.db, seller.id);
    const second = await insertOffer(database.db, seller.id);
    // The first line fits the balance alone: its hold is written, then rolled back with the rest.
    await addToCart(buyer, { offerId: first, units: 3, optionIds: [1] }); // 3,500
    await addToCart(buyer, { offerId: second }); // 1,000
    const key = randomUUID();
    const before = await footprint(buyer);

    const res = await checkout(buyer, key);
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'insufficient_funds');
    assert.equal(res.body.error.details.missingCents, 4_500 - 4_000);

    const afterRefusal = await footprint(buyer);
    assert.deepEqual({ ...afterRefusal, lastOrderId: before.lastOrderId }, before, 'no order, ledger transaction, mail, notification or cart change');
    assert.ok(Number(afterRefusal.lastOrderId) > Number(before.lastOrderId), 'the refused placement drew order ids');
    await assertNoWorkflows(Number(before.lastOrderId), Number(afterRefusal.lastOrderId));

    // With the missing amount added, the same key places both.
    await fund(database.db, buyer.id, 500);
    const retried = await checkout(buyer, key);
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    assert.equal(retried.body.orders.length, 2);
    assert.equal((await balanceOf(buyer)).mainCents, 0);
  });

  it(`does not order a line that lapsed after ${catalogRules.cartItemTtlMs / DAY} days`, async () => {
    const seller = await signUp(call, 'co_seller');
    const buyer = await signUp(call, 'co_buyer');
    await fund(database.db, buyer.id, 10_000);
    const old = await insertOffer(database.db, seller.id);
    const recent = await insertOffer(database.db, seller.id);
    await addToCart(buyer, { offerId: old });
    clock.advance(7 * DAY);
    await addToCart(buyer, { offerId: recent, units: 2 });
    clock.advance(catalogRules.cartItemTtlMs - 7 * DAY + MINUTE); // the first line lapsed a minute ago

    const res = await checkout(buyer);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.orders.map((o: any) => [o.offer.offerId, o.amounts.totalCents]),
      [[recent, 2_000]],
    );
    assert.equal(res.body.totalCents, 2_000);
    assert.equal((await balanceOf(buyer)).mainCents, 8_000);
    const [{ n }] = (await database.db.sql`select count(*)::int as n from orders where buyer_id = ${buyer.id} and offer_id = ${old}`) as unknown as [{ n: number }];
    assert.equal(n, 0);
  });

  it('refuses a line whose offer is paused with 409 naming the line, writing nothing', async () => {
    const seller = await signUp(call, 'co_seller');
    const buyer = await signUp(call, 'co_buyer');
    await fund(database.db, buyer.id, 10_000);
    const open = await insertOffer(database.db, seller.id);
    const paused = await insertOffer(database.db, seller.id);
    await addToCart(buyer, { offerId: open });
    const line = await addToCart(buyer, { offerId: paused });
    assert.equal((await call('POST', `/offers/${paused}/pause`, { token: seller.token })).status, 200);
    const before = await footprint(buyer);
    assert.deepEqual(before.cart.items.map((i: any) => [i.offerId, i.available]), [[open, true], [paused, false]]);

    const res = await checkout(buyer);
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'conflict');
    assert.equal(res.body.error.details.cartItemId, line.id);
    assert.equal(res.body.error.details.status, 'paused');
    assert.match(res.body.error.message, new RegExp(`cart line ${line.id} \\(offer ${paused}\\)`));
    assert.deepEqual(await footprint(buyer), before, 'nothing written, no order id drawn, the cart unchanged');
  });

  it('refuses an empty cart with 422', async () => {
    const buyer = await signUp(call, 'co_buyer');
    await fund(database.db, buyer.id, 1_000);
    const res = await checkout(buyer);
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'rule_violation');
    assert.match(res.body.error.message, /cart is empty/);
  });
});
