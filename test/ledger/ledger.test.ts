import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createLedgerActivities } from '../../activities/ledger.js';
import { createLedger, InsufficientFundsError, type Ledger } from '../../db/ledger.js';
import { createTestDatabase, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent, createUsers } from '../support/ledger.js';

describe('the money ledger', () => {
  let database: TestDatabase;
  let ledger: Ledger;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    ledger = createLedger(database.db);
  });
  after(async () => {
    await database?.drop();
  });
  afterEach(async () => {
    await assertLedgerConsistent(database.db);
  });

  /** Rows in the three ledger tables: to show that a refused operation wrote nothing. */
  async function ledgerRowCounts() {
    const [row] = await database.db.sql`
      select (select count(*) from ledger_accounts)::int as accounts,
             (select count(*) from ledger_transactions)::int as transactions,
             (select count(*) from ledger_postings)::int as postings`;
    return row;
  }

  /** A user with `main` topped up and `bonus` from a promo code. */
  async function userWith(main: number, bonus = 0): Promise<number> {
    const [userId] = await createUsers(database.db, 1);
    if (main > 0) await ledger.topUp({ topUpId: uniqueId('t'), userId: userId!, amount: main, method: 'card' });
    if (bonus > 0) await ledger.redeemPromo({ promoCodeId: uniqueId('p'), userId: userId!, amount: bonus });
    return userId!;
  }

  it('tops up main from the gateway, once per top-up', async () => {
    const [userId] = await createUsers(database.db, 1);
    const gatewayBefore = await ledger.accountBalance('platform:gateway');
    const first = await ledger.topUp({ topUpId: 'tu-1', userId: userId!, amount: 5_000, method: 'card' });
    assert.equal(first.replayed, false);
    assert.equal(first.idempotencyKey, 'topup:tu-1');
    assert.deepEqual(first.postings, [
      { accountKey: 'platform:gateway', amount: -5_000 },
      { accountKey: `user:${userId}:main`, amount: 5_000 },
    ]);
    assert.deepEqual(await ledger.balances(userId!), { main: 5_000, bonus: 0, escrow: 0 });

    // A retry, even one that (wrongly) names another amount, returns the first result.
    const again = await ledger.topUp({ topUpId: 'tu-1', userId: userId!, amount: 9_999, method: 'paypal' });
    assert.deepEqual(again, { ...first, replayed: true });
    assert.deepEqual(await ledger.balances(userId!), { main: 5_000, bonus: 0, escrow: 0 });
    assert.equal(await ledger.accountBalance('platform:gateway'), gatewayBefore - 5_000);
    const stored = await ledger.transactionByKey('topup:tu-1');
    assert.equal(stored?.kind, 'top_up');
    assert.deepEqual(stored?.metadata, { topUpId: 'tu-1', userId, amount: 5_000, method: 'card' });
  });

  it('redeems a promo code into bonus, once per user and code', async () => {
    const [alice, bob] = await createUsers(database.db, 2);
    const expenseBefore = await ledger.accountBalance('platform:promo_expense');
    const first = await ledger.redeemPromo({ promoCodeId: 41, userId: alice!, amount: 700 });
    assert.equal(first.idempotencyKey, `promo:41:user:${alice}`);
    assert.equal((await ledger.redeemPromo({ promoCodeId: 41, userId: alice!, amount: 700 })).replayed, true);
    assert.equal((await ledger.redeemPromo({ promoCodeId: 41, userId: bob!, amount: 700 })).replayed, false);
    assert.deepEqual(await ledger.balances(alice!), { main: 0, bonus: 700, escrow: 0 });
    assert.deepEqual(await ledger.balances(bob!), { main: 0, bonus: 700, escrow: 0 });
    assert.equal(await ledger.accountBalance('platform:promo_expense'), expenseBefore - 1_400);
  });

  it('holds bonus first, then main, in an escrow account of the order owned by the buyer', async () => {
    const buyer = await userWith(1_000, 300);
    const orderId = uniqueId('order');
    const held = await ledger.hold({ orderId, buyerId: buyer, amount: 500, description: 'Logo design' });
    assert.deepEqual(held.postings, [
      { accountKey: `user:${buyer}:bonus`, amount: -300 },
      { accountKey: `user:${buyer}:main`, amount: -200 },
      { accountKey: `order:${orderId}:escrow`, amount: 500 },
    ]);
    assert.deepEqual(await ledger.balances(buyer), { main: 800, bonus: 0, escrow: 500 });
    const stored = await ledger.transactionByKey(`order:${orderId}:hold`);
    assert.equal(stored?.description, 'Logo design');
    assert.equal(stored?.metadata.fromBonus, 300);
    assert.equal(stored?.metadata.fromMain, 200);
    const [escrow] = await database.db.sql`select kind, user_id, order_id from ledger_accounts where key = ${`order:${orderId}:escrow`}`;
    assert.deepEqual({ ...escrow }, { kind: 'escrow', user_id: String(buyer), order_id: orderId });

    const again = await ledger.hold({ orderId, buyerId: buyer, amount: 500 });
    assert.deepEqual(again, { ...held, replayed: true });
    assert.deepEqual(await ledger.balances(buyer), { main: 800, bonus: 0, escrow: 500 });
  });

  it('refuses a hold beyond bonus plus main with the exact shortfall, writing nothing', async () => {
    const buyer = await userWith(1_000, 250);
    const orderId = uniqueId('order');
    const before = await ledgerRowCounts();
    await assert.rejects(ledger.hold({ orderId, buyerId: buyer, amount: 1_300 }), (err: unknown) => {
      assert.ok(err instanceof InsufficientFundsError);
      assert.equal(err.missing, 50);
      assert.equal(err.available, 1_250);
      assert.equal(err.required, 1_300);
      // An AppError of the shared catalogue: the API answers it as insufficient_funds.
      assert.equal(err.code, 'insufficient_funds');
      assert.deepEqual(err.details, { requiredCents: 1_300, availableCents: 1_250, missingCents: 50 });
      return true;
    });
    assert.deepEqual(await ledgerRowCounts(), before);
    assert.equal(await ledger.transactionByKey(`order:${orderId}:hold`), null);

    // The refusal did not consume the key: once the buyer tops up, the same hold goes through.
    await ledger.topUp({ topUpId: uniqueId('t'), userId: buyer, amount: 50, method: 'paypal' });
    assert.equal((await ledger.hold({ orderId, buyerId: buyer, amount: 1_300 })).replayed, false);
    assert.deepEqual(await ledger.balances(buyer), { main: 0, bonus: 0, escrow: 1_300 });
  });

  it('refunds an escrow to bonus up to what the hold took from bonus, the rest to main', async () => {
    const buyer = await userWith(1_000, 300);
    const orderId = uniqueId('order');
    await ledger.hold({ orderId, buyerId: buyer, amount: 500 });
    const refunded = await ledger.refund({ orderId });
    assert.deepEqual(refunded.postings, [
      { accountKey: `order:${orderId}:escrow`, amount: -500 },
      { accountKey: `user:${buyer}:bonus`, amount: 300 },
      { accountKey: `user:${buyer}:main`, amount: 200 },
    ]);
    assert.deepEqual(await ledger.balances(buyer), { main: 1_000, bonus: 300, escrow: 0 });
    assert.deepEqual(await ledger.refund({ orderId }), { ...refunded, replayed: true });
    assert.deepEqual(await ledger.balances(buyer), { main: 1_000, bonus: 300, escrow: 0 });
  });

  it('releases the escrow to the seller less commission: a $10 order at 2000 bps pays $8 and earns $2', async () => {
    const buyer = await userWith(1_000);
    const [seller] = await createUsers(database.db, 1);
    const revenueBefore = await ledger.accountBalance('platform:revenue');
    const orderId = uniqueId('order');
    await ledger.hold({ orderId, buyerId: buyer, amount: 1_000 });
    const released = await ledger.release({ orderId, sellerId: seller!, commissionBps: 2_000 });
    assert.deepEqual(released.postings, [
      { accountKey: `order:${orderId}:escrow`, amount: -1_000 },
      { accountKey: `user:${seller}:main`, amount: 800 },
      { accountKey: 'platform:revenue', amount: 200 },
    ]);
    assert.deepEqual(await ledger.balances(seller!), { main: 800, bonus: 0, escrow: 0 });
    assert.deepEqual(await ledger.balances(buyer), { main: 0, bonus: 0, escrow: 0 });
    assert.equal(await ledger.accountBalance('platform:revenue'), revenueBefore + 200);
    assert.equal((await ledger.release({ orderId, sellerId: seller!, commissionBps: 0 })).replayed, true);
    assert.deepEqual(await ledger.balances(seller!), { main: 800, bonus: 0, escrow: 0 });
  });

  it('splits an escrow: the seller share less commission, the rest back to the buyer bonus first', async () => {
    const buyer = await userWith(900, 300);
    const [seller] = await createUsers(database.db, 1);
    const revenueBefore = await ledger.accountBalance('platform:revenue');
    const orderId = uniqueId('order');
    await ledger.hold({ orderId, buyerId: buyer, amount: 1_000 }); // 300 from bonus, 700 from main
    const split = await ledger.split({ orderId, sellerId: seller!, sellerAmount: 600, commissionBps: 2_000 });
    assert.deepEqual(split.postings, [
      { accountKey: `order:${orderId}:escrow`, amount: -1_000 },
      { accountKey: `user:${buyer}:bonus`, amount: 300 },
      { accountKey: `user:${buyer}:main`, amount: 100 },
      { accountKey: `user:${seller}:main`, amount: 480 },
      { accountKey: 'platform:revenue', amount: 120 },
    ]);
    assert.deepEqual(await ledger.balances(buyer), { main: 300, bonus: 300, escrow: 0 });
    assert.deepEqual(await ledger.balances(seller!), { main: 480, bonus: 0, escrow: 0 });
    assert.equal(await ledger.accountBalance('platform:revenue'), revenueBefore + 120);
  });

  it('splits a bonus-funded escrow whose seller share exceeds the main part: bonus gets back only the buyer share', async () => {
    const buyer = await userWith(200, 800);
    const [seller] = await createUsers(database.db, 1);
    const orderId = uniqueId('order');
    await ledger.hold({ orderId, buyerId: buyer, amount: 1_000 }); // 800 from bonus, 200 from main
    await ledger.split({ orderId, sellerId: seller!, sellerAmount: 750, commissionBps: 1_000 });
    assert.deepEqual(await ledger.balances(buyer), { main: 0, bonus: 250, escrow: 0 });
    assert.deepEqual(await ledger.balances(seller!), { main: 675, bonus: 0, escrow: 0 });
  });

  it('splits nothing to the seller like a refund, and everything like a release', async () => {
    const buyer = await userWith(2_000, 100);
    const [seller] = await createUsers(database.db, 1);
    const [none, all] = [uniqueId('order'), uniqueId('order')];
    await ledger.hold({ orderId: none, buyerId: buyer, amount: 1_000 });
    await ledger.split({ orderId: none, sellerId: seller!, sellerAmount: 0, commissionBps: 2_000 });
    assert.deepEqual(await ledger.balances(buyer), { main: 2_000, bonus: 100, escrow: 0 });
    await ledger.hold({ orderId: all, buyerId: buyer, amount: 1_000 });
    await ledger.split({ orderId: all, sellerId: seller!, sellerAmount: 1_000, commissionBps: 2_000 });
    assert.deepEqual(await ledger.balances(buyer), { main: 1_100, bonus: 0, escrow: 0 });
    assert.deepEqual(await ledger.balances(seller!), { main: 800, bonus: 0, escrow: 0 });
  });

  it('refuses a split outside 0…escrow with a RangeError, writing nothing', async () => {
    const buyer = await userWith(1_000);
    const [seller] = await createUsers(database.db, 1);
    const orderId = uniqueId('order');
    await ledger.hold({ orderId, buyerId: buyer, amount: 1_000 });
    const before = await ledgerRowCounts();
    for (const sellerAmount of [1_001, -1, 10.5]) {
      await assert.rejects(ledger.split({ orderId, sellerId: seller!, sellerAmount, commissionBps: 2_000 }), RangeError);
    }
    await assert.rejects(ledger.split({ orderId, sellerId: seller!, sellerAmount: 10, commissionBps: 10_001 }), RangeError);
    assert.deepEqual(await ledgerRowCounts(), before);
    assert.equal((await ledger.split({ orderId, sellerId: seller!, sellerAmount: 1_000, commissionBps: 2_000 })).replayed, false);
  });

  it('moves nothing for an empty escrow but records the event, so a retry replays it', async () => {
    const buyer = await userWith(1_000);
    const [seller] = await createUsers(database.db, 1);
    const orderId = uniqueId('order');
    await ledger.hold({ orderId, buyerId: buyer, amount: 1_000 });
    await ledger.release({ orderId, sellerId: seller!, commissionBps: 2_000 });
    const refund = await ledger.refund({ orderId });
    assert.equal(refund.replayed, false);
    assert.deepEqual(refund.postings, []);
    assert.equal(typeof refund.transactionId, 'number');
    assert.deepEqual(await ledger.refund({ orderId }), { ...refund, replayed: true });

    const neverHeld = uniqueId('order');
    const release = await ledger.release({ orderId: neverHeld, sellerId: seller!, commissionBps: 2_000 });
    assert.deepEqual(release.postings, []);
    assert.deepEqual((await ledger.transactionByKey(`order:${neverHeld}:release`))?.postings, []);
    assert.deepEqual(await ledger.balances(seller!), { main: 800, bonus: 0, escrow: 0 });
    assert.deepEqual(await ledger.balances(buyer), { main: 0, bonus: 0, escrow: 0 });
  });

  it('holds a payout from main only, then settles it to the gateway once', async () => {
    const user = await userWith(1_000, 500);
    const pendingBefore = await ledger.accountBalance('platform:payouts_pending');
    const gatewayBefore = await ledger.accountBalance('platform:gateway');
    const payoutId = uniqueId('payout');
    // Bonus is not withdrawable: 1,000 of main is all a payout can take.
    await assert.rejects(ledger.payoutHold({ payoutId, userId: user, amount: 1_200 }), (err: unknown) => {
      assert.ok(err instanceof InsufficientFundsError);
      assert.equal(err.missing, 200);
      assert.equal(err.available, 1_000);
      return true;
    });
    await ledger.payoutHold({ payoutId, userId: user, amount: 600 });
    assert.deepEqual(await ledger.balances(user), { main: 400, bonus: 500, escrow: 0 });
    assert.equal(await ledger.accountBalance('platform:payouts_pending'), pendingBefore + 600);

    const settled = await ledger.payoutSettle({ payoutId });
    assert.deepEqual(settled.postings, [
      { accountKey: 'platform:payouts_pending', amount: -600 },
      { accountKey: 'platform:gateway', amount: 600 },
    ]);
    assert.equal(await ledger.accountBalance('platform:payouts_pending'), pendingBefore);
    assert.equal(await ledger.accountBalance('platform:gateway'), gatewayBefore + 600);
    assert.equal((await ledger.payoutSettle({ payoutId })).replayed, true);
    // A revert after the settle finds nothing pending for this payout.
    assert.deepEqual((await ledger.payoutRevert({ payoutId })).postings, []);
    assert.deepEqual(await ledger.balances(user), { main: 400, bonus: 500, escrow: 0 });
    assert.equal(await ledger.accountBalance('platform:payouts_pending'), pendingBefore);
  });

  it('reverts a payout to main once; a settle after it moves nothing', async () => {
    const user = await userWith(1_000);
    const pendingBefore = await ledger.accountBalance('platform:payouts_pending');
    const payoutId = uniqueId('payout');
    await ledger.payoutHold({ payoutId, userId: user, amount: 1_000 });
    assert.deepEqual(await ledger.balances(user), { main: 0, bonus: 0, escrow: 0 });
    const reverted = await ledger.payoutRevert({ payoutId });
    assert.deepEqual(reverted.postings, [
      { accountKey: 'platform:payouts_pending', amount: -1_000 },
      { accountKey: `user:${user}:main`, amount: 1_000 },
    ]);
    assert.equal((await ledger.payoutRevert({ payoutId })).replayed, true);
    assert.deepEqual((await ledger.payoutSettle({ payoutId })).postings, []);
    assert.deepEqual(await ledger.balances(user), { main: 1_000, bonus: 0, escrow: 0 });
    assert.equal(await ledger.accountBalance('platform:payouts_pending'), pendingBefore);
  });

  it("lists a user's postings newest first, page by page, with the balance after each", async () => {
    const buyer = await userWith(3_000, 400);
    const [seller] = await createUsers(database.db, 1);
    const orderId = uniqueId('order');
    await ledger.hold({ orderId, buyerId: buyer, amount: 1_000 });
    await ledger.refund({ orderId });
    await ledger.payoutHold({ payoutId: uniqueId('payout'), userId: buyer, amount: 500 });
    await ledger.release({ orderId: uniqueId('order'), sellerId: seller!, commissionBps: 2_000 });

    const all = await ledger.statement(buyer, { limit: 100 });
    assert.equal(all.nextCursor, undefined);
    assert.deepEqual(
      all.items.map((i) => [i.kind, i.account, i.amount, i.balanceAfter]),
      [
        ['payout_hold', 'main', -500, 2_500],
        ['refund', 'main', 600, 3_000],
        ['refund', 'bonus', 400, 400],
        ['refund', 'escrow', -1_000, 0],
        ['hold', 'escrow', 1_000, 1_000],
        ['hold', 'main', -600, 2_400],
        ['hold', 'bonus', -400, 0],
        ['promo', 'bonus', 400, 400],
        ['top_up', 'main', 3_000, 3_000],
      ],
    );
    const ids = all.items.map((i) => i.postingId);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    const first = all.items[0]!;
    assert.equal(first.idempotencyKey.startsWith('payout:'), true);
    assert.equal(first.description.startsWith('Withdrawal'), true);
    assert.ok(!Number.isNaN(Date.parse(first.createdAt)));

    const paged = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ledger.statement(buyer, cursor === undefined ? { limit: 4 } : { cursor, limit: 4 });
      paged.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(paged, all.items);

    assert.deepEqual(await ledger.statement(seller!, { limit: 10 }), { items: [] });
    await assert.rejects(ledger.statement(buyer, { cursor: 'not-a-cursor', limit: 4 }), RangeError);
    await assert.rejects(ledger.statement(buyer, { limit: 0 }), RangeError);
  });

  it('refuses ids that would let two events share an idempotency key', async () => {
    const buyer = await userWith(1_000);
    await assert.rejects(ledger.hold({ orderId: 'a:refund', buyerId: buyer, amount: 10 }), RangeError);
    await assert.rejects(ledger.topUp({ topUpId: '', userId: buyer, amount: 10, method: 'card' }), RangeError);
    await assert.rejects(ledger.topUp({ topUpId: 't', userId: buyer, amount: 0, method: 'card' }), RangeError);
  });

  it('as activities, fails a shortfall or bad input without retries and carries the shortfall', async () => {
    const activities = createLedgerActivities({ db: database.db });
    const buyer = await userWith(100);
    await assert.rejects(activities.hold({ orderId: uniqueId('order'), buyerId: buyer, amount: 250 }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'insufficient_funds');
      assert.equal(err.nonRetryable, true);
      assert.deepEqual(err.details, [{ requiredCents: 250, availableCents: 100, missingCents: 150 }]);
      return true;
    });
    await assert.rejects(activities.payoutHold({ payoutId: uniqueId('payout'), userId: buyer, amount: -5 }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'invalid_input');
      assert.equal(err.nonRetryable, true);
      return true;
    });
    const held = await activities.hold({ orderId: uniqueId('order'), buyerId: buyer, amount: 100 });
    assert.equal(held.replayed, false);
  });

  it('the database refuses a transaction whose postings do not balance, even around the module', async () => {
    const user = await userWith(1_000);
    await assert.rejects(
      database.db.sql.begin(async (tx) => {
        const [t] = await tx`insert into ledger_transactions (idempotency_key, kind, description) values (${uniqueId('raw')}, 'raw', 'unbalanced') returning id`;
        await tx`insert into ledger_postings (transaction_id, account_id, amount)
                 select ${t!.id}, id, 100 from ledger_accounts where key = ${`user:${user}:main`}`;
        await tx`update ledger_accounts set balance = balance + 100 where key = ${`user:${user}:main`}`;
      }),
      (err: { code?: string; message: string }) => {
        assert.equal(err.code, '23514');
        assert.match(err.message, /does not balance/);
        return true;
      },
    );
    assert.deepEqual(await ledger.balances(user), { main: 1_000, bonus: 0, escrow: 0 });
  });

  it('the database refuses a negative user balance, even around the module', async () => {
    const user = await userWith(1_000);
    await assert.rejects(
      database.db.sql.begin(async (tx) => {
        const [t] = await tx`insert into ledger_transactions (idempotency_key, kind, description) values (${uniqueId('raw')}, 'raw', 'overdraft') returning id`;
        await tx`insert into ledger_postings (transaction_id, account_id, amount)
                 select ${t!.id}, id, case when key = 'platform:gateway' then 1500 else -1500 end
                 from ledger_accounts where key in ('platform:gateway', ${`user:${user}:main`})`;
        await tx`update ledger_accounts set balance = balance - 1500 where key = ${`user:${user}:main`}`;
      }),
      (err: { code?: string; constraint_name?: string }) => {
        assert.equal(err.code, '23514');
        assert.equal(err.constraint_name, 'ledger_accounts_no_negative_user_money');
        return true;
      },
    );
    assert.deepEqual(await ledger.balances(user), { main: 1_000, bonus: 0, escrow: 0 });
  });
});
