import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createLedger, InsufficientFundsError, type Ledger, type LedgerResult } from '../../db/ledger.js';
import { createDb, type Db } from '../../db/client.js';
import { statusOf } from '../../api/errors.js';
import { createTestDatabase, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent, createUsers } from '../support/ledger.js';

const CONNECTIONS = 25;

describe('the money ledger under concurrent calls', () => {
  let database: TestDatabase;
  /** A pool of its own, large enough that every racing call has a connection at once. */
  let racing: Db;
  let ledger: Ledger;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    racing = createDb(database.url, { max: CONNECTIONS });
    ledger = createLedger(racing);
  });
  after(async () => {
    await racing?.close();
    await database?.drop();
  });
  afterEach(async () => {
    await assertLedgerConsistent(database.db);
  });

  /** Opens every connection of the pool first, so the calls that follow start together. */
  async function openAllConnections(): Promise<void> {
    const reserved = await Promise.all(Array.from({ length: CONNECTIONS }, () => racing.sql.reserve()));
    for (const connection of reserved) connection.release();
  }

  async function buyerWith(main: number): Promise<number> {
    const [buyer] = await createUsers(database.db, 1);
    await ledger.topUp({ topUpId: uniqueId('t'), userId: buyer!, amount: main, method: 'card' });
    return buyer!;
  }

  it('lets exactly 7 of 20 concurrent holds through when the balance covers 7', async () => {
    const price = 1_000;
    const buyer = await buyerWith(7 * price + 500);
    const orders = Array.from({ length: 20 }, () => uniqueId('order'));
    await openAllConnections();

    const results = await Promise.allSettled(orders.map((orderId) => ledger.hold({ orderId, buyerId: buyer, amount: price })));

    const held = orders.filter((_, i) => results[i]!.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    assert.equal(held.length, 7);
    assert.equal(refused.length, 13);
    for (const err of refused) {
      assert.ok(err instanceof InsufficientFundsError, String(err));
      assert.equal(statusOf[err.code], 422, 'the API answers it with 422');
      // The balance only ever steps down by whole prices: every refusal saw the last 500.
      assert.equal(err.available, 500);
      assert.equal(err.missing, 500);
    }
    assert.deepEqual(await ledger.balances(buyer), { main: 500, bonus: 0, escrow: 7 * price });
    const escrows = await database.db.sql<{ order_id: string; balance: string }[]>`
      select order_id, balance from ledger_accounts where kind = 'escrow' and user_id = ${buyer} order by order_id`;
    assert.deepEqual(
      escrows.map((e) => [e.order_id, Number(e.balance)]),
      [...held].sort().map((orderId) => [orderId, price]),
    );
    const [row] = await database.db.sql<{ holds: number }[]>`
      select count(*)::int as holds from ledger_transactions where idempotency_key = any(${orders.map((o) => `order:${o}:hold`)}::text[])`;
    assert.equal(row?.holds, 7);
  });

  it('posts one hold sent 10 times at once and replays it to the other 9, though the money covers only one', async () => {
    const buyer = await buyerWith(1_000);
    const orderId = uniqueId('order');
    await openAllConnections();

    const results = await Promise.all(Array.from({ length: 10 }, () => ledger.hold({ orderId, buyerId: buyer, amount: 1_000 })));

    const first = results.filter((r) => !r.replayed);
    assert.equal(first.length, 1);
    for (const result of results) assert.deepEqual(result, { ...first[0]!, replayed: result.replayed });
    assert.deepEqual(await ledger.balances(buyer), { main: 0, bonus: 0, escrow: 1_000 });
  });

  it('lets only one of a settle and a revert racing for each payout move its money', async () => {
    const [user] = await createUsers(database.db, 1);
    await ledger.topUp({ topUpId: uniqueId('t'), userId: user!, amount: 10 * 300, method: 'paypal' });
    const payouts = Array.from({ length: 10 }, () => uniqueId('payout'));
    for (const payoutId of payouts) await ledger.payoutHold({ payoutId, userId: user!, amount: 300 });
    const pendingBefore = await ledger.accountBalance('platform:payouts_pending');
    await openAllConnections();

    const results = await Promise.all(
      payouts.flatMap((payoutId) => [ledger.payoutSettle({ payoutId }), ledger.payoutRevert({ payoutId })]),
    );

    const moved = (r: LedgerResult) => r.postings.length > 0;
    let settled = 0;
    for (let i = 0; i < payouts.length; i++) {
      const [settle, revert] = [results[2 * i]!, results[2 * i + 1]!];
      assert.equal(Number(moved(settle)) + Number(moved(revert)), 1, `payout ${payouts[i]}: exactly one of settle and revert moves money`);
      if (moved(settle)) settled += 1;
    }
    assert.deepEqual(await ledger.balances(user!), { main: (payouts.length - settled) * 300, bonus: 0, escrow: 0 });
    assert.equal(await ledger.accountBalance('platform:payouts_pending'), pendingBefore - payouts.length * 300);
  });

  it('finishes concurrent releases that lock the same accounts from opposite sides without a deadlock', async () => {
    const [alice, bob] = await createUsers(database.db, 2);
    for (const user of [alice!, bob!]) await ledger.topUp({ topUpId: uniqueId('t'), userId: user, amount: 10_000, method: 'card' });
    // Ten orders each way: releasing Alice's orders locks Alice's and Bob's accounts, and so
    // does releasing Bob's, with the two users in the opposite roles.
    const orders = Array.from({ length: 20 }, (_, i) => ({ orderId: uniqueId('order'), buyer: i % 2 ? alice! : bob!, seller: i % 2 ? bob! : alice! }));
    for (const { orderId, buyer } of orders) await ledger.hold({ orderId, buyerId: buyer, amount: 500 });
    await openAllConnections();

    const results = await Promise.allSettled([
      ...orders.map(({ orderId, seller }) => ledger.release({ orderId, sellerId: seller, commissionBps: 2_000 })),
      ...[alice!, bob!].map((user) => ledger.topUp({ topUpId: uniqueId('t'), userId: user, amount: 100, method: 'card' })),
      ...[alice!, bob!].map((user) => ledger.payoutHold({ payoutId: uniqueId('payout'), userId: user, amount: 100 })),
    ]);

    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
    // Each paid 10 × 500 and earned 10 × 400, topped up 100 and withdrew 100.
    for (const user of [alice!, bob!]) assert.deepEqual(await ledger.balances(user), { main: 9_000, bonus: 0, escrow: 0 });
  });
});
