/**
 * Closing writes at once (`recordOrderEvent`, against a real PostgreSQL), and the rows every
 * closing shares.
 *
 * - One pays a referral commission to the buyer of the other: the commission's referrer's main
 *   account must be locked with the rest of the closing's accounts, in the ledger's one order
 *   (ascending id), never after `platform:revenue`. Locked late, it deadlocks with the other
 *   closing, which locks that same main account before revenue (here: an account older than
 *   revenue, as any user who had money before the platform's first commission has).
 * - Each closing also recomputes its seller's reputation from every closed order of theirs
 *   (K-27…K-34), which takes longer the more orders the seller has. The ledger's accounts,
 *   `platform:revenue` among them, are locked after it, so a seller whose closing is slow — a
 *   long history, a recompute waiting for that seller's row — holds up no other seller's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrderActivities } from '../../activities/orders.js';
import { createLedger, type Ledger } from '../../db/ledger.js';
import { pollUntil } from '../../scripts/poll.js';
import type { OrderInput } from '../../workflows/order/messages.js';
import { insertOffer } from '../support/catalog.js';
import { createTestDatabase, uniqueId, type TestDatabase } from '../support/harness.js';
import { insertConfirmedUser } from '../support/ledger.js';
import { deliveredThenAccepted, placeWithoutWorkflow } from '../support/order-writes.js';

const PRICE = 1_000;

describe('two closing writes at once', () => {
  let database: TestDatabase;
  let ledger: Ledger;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    ledger = createLedger(database.db);
  });
  after(async () => {
    await database?.drop();
  });

  const user = (prefix: string) => insertConfirmedUser(database.db, uniqueId(prefix).replace(/-/g, '_'));
  const place = (buyer: { id: number; login: string }, offerId: number): Promise<OrderInput> => placeWithoutWorkflow(database.db, buyer, offerId, uniqueId('closing'));

  /** Sessions of this database waiting on a lock. */
  async function waitingOnLocks(): Promise<number> {
    const [row] = await database.db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
    return row!.n;
  }

  it('one paying the other’s buyer a referral commission: both commit, the referrer, who also buys, is paid once and their own order settles', async () => {
    // The referrer's money predates revenue: their main account (and bonus) is older than it.
    const referrer = await user('referrer');
    await ledger.topUp({ topUpId: uniqueId('topup'), userId: referrer.id, amount: 10 * PRICE, method: 'card' });
    const otherSeller = await user('other_seller');
    const referrersOrder = await place(referrer, await insertOffer(database.db, otherSeller.id, { priceCents: PRICE }));
    // The platform's first commission: revenue's account is created now, after the referrer's.
    const early = await user('early_buyer');
    await ledger.topUp({ topUpId: uniqueId('topup'), userId: early.id, amount: PRICE, method: 'card' });
    const earlyOrder = await place(early, await insertOffer(database.db, otherSeller.id, { priceCents: PRICE }));
    await ledger.release({ orderId: earlyOrder.orderId, sellerId: otherSeller.id, commissionBps: 2_000 });
    // The referrer's referral sells to a buyer of their own: its completion pays the referrer 2.5 %.
    const referral = await user('referral_seller');
    await database.db.sql`insert into referrals (referral_id, referrer_id, registered_at, activated_at) values (${referral.id}, ${referrer.id}, now(), now())`;
    const buyer = await user('buyer');
    await ledger.topUp({ topUpId: uniqueId('topup'), userId: buyer.id, amount: PRICE, method: 'card' });
    const referralsSale = await place(buyer, await insertOffer(database.db, referral.id, { priceCents: PRICE }));
    const [accepted, paying] = [await deliveredThenAccepted(database.db, referrersOrder), await deliveredThenAccepted(database.db, referralsSale)];

    // Between the referrer's main and revenue (ascending id) lies the referrer's bonus: held by
    // another transaction, it stops the referrer's closing with their main locked and revenue not.
    const [ids] = await database.db.sql<{ main: string; bonus: string; revenue: string }[]>`
      select (select id from ledger_accounts where key = ${`user:${referrer.id}:main`}) as main,
        (select id from ledger_accounts where key = ${`user:${referrer.id}:bonus`}) as bonus,
        (select id from ledger_accounts where key = 'platform:revenue') as revenue`;
    assert.ok(Number(ids!.main) < Number(ids!.bonus) && Number(ids!.bonus) < Number(ids!.revenue), JSON.stringify(ids));
    const blocker = await database.db.sql.reserve();
    const writes = createOrderActivities({ db: database.db, report: async () => {} });
    try {
      await blocker`begin`;
      await blocker`select 1 from ledger_accounts where key = ${`user:${referrer.id}:bonus`} for update`;
      const first = writes.recordOrderEvent(accepted);
      await pollUntil(async () => (await waitingOnLocks()) === 1, { what: 'the referrer’s closing to wait on their bonus account' });
      const second = writes.recordOrderEvent(paying);
      // The commission's closing either waits for the referrer's main before revenue (in order),
      // or takes revenue and then waits for the main: either way it waits, now.
      await pollUntil(async () => (await waitingOnLocks()) === 2, { what: 'the referral’s closing to wait too' });
      await blocker`commit`;
      const outcomes = await Promise.allSettled([first, second]);
      assert.deepEqual(
        outcomes.map((o) => (o.status === 'fulfilled' ? 'committed' : `${(o.reason as { code?: string }).code}: ${(o.reason as Error).message}`)),
        ['committed', 'committed'],
      );
    } finally {
      blocker.release();
    }
    const commission = await ledger.transactionByKey(`referral:${referralsSale.orderId}:seller`);
    assert.deepEqual(Object.fromEntries(commission!.postings.map((p) => [p.accountKey, p.amount])), { 'platform:revenue': -25, [`user:${referrer.id}:main`]: 25 });
    assert.deepEqual(await ledger.balances(referrer.id), { main: 9 * PRICE + 25, bonus: 0, escrow: 0 });
  });
  it('of two sellers: one completes while the other’s waits on that seller’s row', async () => {
    const delivered = async (name: string) => {
      const [buyer, seller] = [await user(`${name}_buyer`), await user(`${name}_seller`)];
      await ledger.topUp({ topUpId: uniqueId('topup'), userId: buyer.id, amount: PRICE, method: 'card' });
      return deliveredThenAccepted(database.db, await place(buyer, await insertOffer(database.db, seller.id, { priceCents: PRICE })));
    };
    const [slow, other] = [await delivered('slow'), await delivered('other')];
    const status = async (orderId: number) => (await database.db.sql<{ status: string }[]>`select status from orders where id = ${orderId}`)[0]?.status;
    const revenueBefore = await ledger.accountBalance('platform:revenue');
    const writes = createOrderActivities({ db: database.db, report: async () => {} });
    // The slow seller's row is held, as a long recompute of their reputation would hold it.
    const blocker = await database.db.sql.reserve();
    const pending: Promise<unknown>[] = [];
    let held = false;
    try {
      await blocker`begin`;
      held = true;
      await blocker`insert into seller_stats (user_id) values (${slow.sellerId}) on conflict do nothing`;
      await blocker`select 1 from seller_stats where user_id = ${slow.sellerId} for update`;
      const slowAccept = writes.recordOrderEvent(slow);
      pending.push(slowAccept);
      await pollUntil(async () => (await waitingOnLocks()) === 1, { what: 'the slow seller’s completion to wait on their row' });
      let otherDone = false;
      const otherAccept = writes.recordOrderEvent(other).then(() => (otherDone = true));
      pending.push(otherAccept);
      await pollUntil(() => otherDone, { timeoutMs: 15_000, what: 'the other seller’s completion, while the slow one waits (is it waiting on a lock the slow one took first?)' });
      await otherAccept;
      assert.equal(await status(other.orderId), 'completed');
      assert.equal(await status(slow.orderId), 'in_review', 'the slow completion still waits');
      await blocker`commit`;
      held = false;
      await slowAccept;
    } finally {
      // On a failure too: nothing is left waiting when the database is dropped.
      if (held) await blocker`rollback`;
      blocker.release();
      await Promise.allSettled(pending);
    }
    assert.equal(await status(slow.orderId), 'completed');
    // K-01: each $10 order pays its seller $8 and the platform $2.
    assert.equal(await ledger.accountBalance(`user:${other.sellerId}:main`), 800);
    assert.equal(await ledger.accountBalance(`user:${slow.sellerId}:main`), 800);
    assert.equal((await ledger.accountBalance('platform:revenue')) - revenueBefore, 2 * 200);
  });
});
