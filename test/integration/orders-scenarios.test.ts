/**
 * Orders end to end on the run's dev server: the real API in-process, gigflow's own worker,
 * this file's database. Every path an order takes to its end — including those a timer ends,
 * with the timer shortened to seconds — and what a party sees on the way: lists,
 * notifications, a retried placement, a placement without the money.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { orderWorkflowId } from '../../workflows/order/messages.js';
import { callerFor, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { assertOutcome, contextFor, createArbiter, directMarket, orderScenarios, type ScenarioEnv } from '../support/order-scenarios.js';
import { actOk, moneyOf, placeOrder, type Market } from '../support/orders.js';

describe('orders through the API, on the dev server with a real worker', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  let env: ScenarioEnv;
  let arbiter: TestUser;
  let call: Caller;
  const taskQueue = uniqueId('orders');

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    env = { db: database.db, temporal, taskQueue };
    [worker, arbiter] = await Promise.all([startWorker(database.db, taskQueue), createArbiter(env)]);
    call = callerFor(buildApp({ db: database.db, temporal, taskQueue }));
  });
  after(async () => {
    await worker?.stop();
    await temporal?.connection.close();
    await database?.drop();
  });

  describe('every path to an order’s end', { concurrency: true }, () => {
    for (const scenario of orderScenarios) {
      it(scenario.title, async () => {
        const ctx = await contextFor(env, scenario, arbiter);
        const orderId = await scenario.begin(ctx);
        await scenario.finish(ctx, orderId);
        await assertOutcome(ctx, scenario, orderId);
      });
    }
  });

  it('lists a party’s orders by role and status, newest first', async () => {
    const m = await directMarket(database.db);
    const first = await placeOrder(call, m.buyer, { offerId: m.offerId });
    const second = await placeOrder(call, m.buyer, { offerId: m.offerId, units: 2 });
    await actOk(call, m.seller, second.orderId, { type: 'start_work' });

    const asBuyer = await call('GET', '/orders?role=buyer', { token: m.buyer.token });
    assert.equal(asBuyer.status, 200);
    assert.deepEqual(
      asBuyer.body.items.map((o: { id: number; status: string; role: string; counterpart: { login: string }; totalCents: number; sellerEarningsCents: number }) => [
        o.id, o.status, o.role, o.counterpart.login, o.totalCents, o.sellerEarningsCents,
      ]),
      [
        [second.orderId, 'in_progress', 'buyer', m.seller.login, 2_000, 1_600],
        [first.orderId, 'awaiting_start', 'buyer', m.seller.login, 1_000, 800],
      ],
    );
    assert.equal(asBuyer.body.nextCursor, null);
    const waiting = asBuyer.body.items[1].nextDeadline;
    assert.equal(waiting.waitingOn, 'seller');
    assert.match(waiting.outcome, /^cancel and refund the buyer at /);

    const asSeller = await call('GET', '/orders?role=seller', { token: m.seller.token });
    assert.deepEqual(asSeller.body.items.map((o: { id: number; counterpart: { login: string } }) => [o.id, o.counterpart.login]), [
      [second.orderId, m.buyer.login],
      [first.orderId, m.buyer.login],
    ]);
    const inProgress = await call('GET', '/orders?role=seller&status=in_progress', { token: m.seller.token });
    assert.deepEqual(inProgress.body.items.map((o: { id: number }) => o.id), [second.orderId]);
    const paged = await call('GET', '/orders?role=buyer&limit=1', { token: m.buyer.token });
    assert.deepEqual([paged.body.items.length, paged.body.nextCursor], [1, String(second.orderId)]);
    const rest = await call('GET', `/orders?role=buyer&limit=1&cursor=${paged.body.nextCursor}`, { token: m.buyer.token });
    assert.deepEqual(rest.body.items.map((o: { id: number }) => o.id), [first.orderId]);
    assert.deepEqual((await call('GET', '/orders?role=seller', { token: m.buyer.token })).body.items, [], 'the buyer sells nothing');
  });

  it('notifies the seller of a new order and the other party of each step, counts the unread and marks them read', async () => {
    const title = `Logo design ${uniqueId('notices')}`;
    const m = await directMarket(database.db, { title });
    const { orderId } = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await actOk(call, m.seller, orderId, { type: 'start_work' });
    await actOk(call, m.seller, orderId, { type: 'deliver', text: 'Done', links: [] });
    await actOk(call, m.buyer, orderId, { type: 'accept' });

    const kinds = (body: { items: { kind: string; orderId: number | null }[] }) => body.items.map((n) => [n.kind, n.orderId]);
    const buyers = await call('GET', '/notifications', { token: m.buyer.token });
    assert.equal(buyers.status, 200);
    // Nobody is told of what they did themselves: the buyer's acceptance goes to the seller only.
    assert.deepEqual(kinds(buyers.body), [['delivered', orderId], ['work_started', orderId]]);
    assert.equal(buyers.body.unreadCount, 2);
    // The seller hears of the new order as it is placed (K-70), in the centre as by email; the buyer, who placed it, does not.
    const sellers = await call('GET', '/notifications', { token: m.seller.token });
    assert.deepEqual(kinds(sellers.body), [['order_completed', orderId], ['order_placed', orderId]]);
    assert.equal(sellers.body.unreadCount, 2);
    assert.match(sellers.body.items[0].text, /\$8\.00 is on your balance/);
    const placed = sellers.body.items[1];
    assert.equal(placed.text, `${m.buyer.login} ordered “${title}” for $10.00 (you earn $8.00). Start work within 24 hours, or the order is cancelled.`);
    const [mail] = await database.db.sql<{ body: string }[]>`select body from outbox where kind = 'order_placed' and subject like ${`New order ${orderId}:%`}`;
    assert.equal(mail?.body, placed.text, 'the notification says what the email says');

    const [delivered] = buyers.body.items;
    const one = await call('POST', '/notifications/read', { token: m.buyer.token, body: { ids: [delivered.id] } });
    assert.deepEqual([one.status, one.body], [200, { unreadCount: 1 }]);
    const unread = await call('GET', '/notifications?unread=true', { token: m.buyer.token });
    assert.deepEqual([kinds(unread.body), unread.body.unreadCount], [[['work_started', orderId]], 1]);
    // Somebody else's ids mark nothing: the seller's answer counts the seller's own two, still unread.
    const foreign = await call('POST', '/notifications/read', { token: m.seller.token, body: { ids: [unread.body.items[0].id] } });
    assert.deepEqual(foreign.body, { unreadCount: 2 });
    assert.equal((await call('GET', '/notifications', { token: m.buyer.token })).body.unreadCount, 1);
    // Marking all read is a choice made explicitly: no body, or an empty one, is refused and marks nothing.
    for (const body of [undefined, {}, { ids: [] }, { ids: [delivered.id], all: true }, { all: false }]) {
      const refused = await call('POST', '/notifications/read', { token: m.buyer.token, body });
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.error.code, 'invalid_input');
    }
    assert.equal((await call('GET', '/notifications', { token: m.buyer.token })).body.unreadCount, 1);
    const all = await call('POST', '/notifications/read', { token: m.buyer.token, body: { all: true } });
    assert.deepEqual(all.body, { unreadCount: 0 });
    const read = await call('GET', '/notifications', { token: m.buyer.token });
    assert.deepEqual(read.body.items.map((n: { read: boolean }) => n.read), [true, true]);
  });

  it('returns the same order for a retried placement with the same Idempotency-Key, and holds the money and tells the seller once', async () => {
    const m = await directMarket(database.db);
    const place = (key: string) => call('POST', '/orders', { token: m.buyer.token, body: { offerId: m.offerId }, headers: { 'idempotency-key': key } });

    const key = randomUUID();
    const first = await place(key);
    const retry = await place(key);
    assert.deepEqual([first.status, retry.status], [201, 200]);
    assert.equal(retry.body.orderId, first.body.orderId);

    // Two requests with one key at the same moment: one places, the other waits for it and returns its order.
    const raced = await Promise.all([place('raced'), place('raced')]);
    assert.deepEqual(raced.map((r) => r.status).sort(), [200, 201]);
    assert.equal(raced[0].body.orderId, raced[1].body.orderId);

    const rows = await database.db.sql<{ id: string }[]>`select id from orders where buyer_id = ${m.buyer.id} order by id`;
    assert.deepEqual(rows.map((r) => Number(r.id)), [first.body.orderId, raced[0].body.orderId]);
    for (const orderId of [first.body.orderId, raced[0].body.orderId]) {
      assert.deepEqual((await moneyOf(database.db, orderId, m)).postings, ['hold']);
      assert.equal((await temporal.workflow.getHandle(orderWorkflowId(orderId)).describe()).status.name, 'RUNNING');
    }
    assert.equal((await moneyOf(database.db, first.body.orderId, m)).buyer, 10_000 - 2 * 1_000);
    const told = await call('GET', '/notifications', { token: m.seller.token });
    assert.deepEqual(
      told.body.items.map((n: { kind: string; orderId: number }) => [n.kind, n.orderId]),
      [['order_placed', raced[0].body.orderId], ['order_placed', first.body.orderId]],
      'one notification per order, however often it was asked for',
    );
    const [{ mails }] = (await database.db.sql`select count(*)::int as mails from outbox where kind = 'order_placed' and to_address = ${m.seller.email}`) as unknown as [{ mails: number }];
    assert.equal(mails, 2);
    await assertLedgerConsistent(database.db);
  });

  it('refuses an order the buyer cannot pay with 422 and the missing amount, and leaves no order, workflow or ledger trace', async () => {
    const m: Market = await directMarket(database.db, { fundsCents: 400 });
    const lastOrderId = async () => {
      const [row] = await database.db.sql<{ last: string }[]>`select last_value as last from orders_id_seq`;
      return Number(row!.last);
    };
    const idBefore = await lastOrderId();

    const res = await call('POST', '/orders', { token: m.buyer.token, body: { offerId: m.offerId }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'insufficient_funds');
    assert.equal(res.body.error.details.missingCents, 600);

    // The refused placement took the next id; nothing carries it.
    const orderId = await lastOrderId();
    assert.equal(orderId, idBefore + 1);
    assert.deepEqual([...(await database.db.sql`select id from orders where buyer_id = ${m.buyer.id} or id = ${orderId}`)], []);
    await assert.rejects(temporal.workflow.getHandle(orderWorkflowId(orderId)).describe(), WorkflowNotFoundError);
    const listed: string[] = [];
    for await (const w of temporal.workflow.list({ query: `GigflowBuyerId = "${m.buyer.id}"` })) listed.push(w.workflowId);
    assert.deepEqual(listed, []);
    const traces = await database.db.sql<{ key: string }[]>`
      select key from ledger_accounts where key like ${`order:${orderId}:%`}
      union all select idempotency_key from ledger_transactions where idempotency_key like ${`order:${orderId}:%`}`;
    assert.deepEqual(traces.map((t) => t.key), []);
    assert.equal((await moneyOf(database.db, orderId, m)).buyer, 400);
    assert.deepEqual((await call('GET', '/orders?role=buyer', { token: m.buyer.token })).body.items, []);
    const told = await call('GET', '/notifications', { token: m.seller.token });
    assert.deepEqual([told.body.items, told.body.unreadCount], [[], 0], 'the seller is told of no order');
    await assertLedgerConsistent(database.db);
  });
});
