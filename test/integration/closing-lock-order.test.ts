/**
 * Two orders' closing writes at once (`recordOrderEvent`, against a real PostgreSQL), where one
 * pays a referral commission to the buyer of the other: the commission's referrer's main account
 * must be locked with the rest of the closing's accounts, in the ledger's one order (ascending
 * id), never after `platform:revenue`. Locked late, it deadlocks with the other closing, which
 * locks that same main account before revenue (here: an account older than revenue, as any
 * user who had money before the platform's first commission has).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OrderEventRecord } from '../../activities/orders.js';
import { createOrderActivities } from '../../activities/orders.js';
import { createLedger, type Ledger } from '../../db/ledger.js';
import { pollUntil } from '../../scripts/poll.js';
import { systemClock } from '../../services/clock.js';
import { createPlacement } from '../../services/placement.js';
import * as machine from '../../workflows/order/machine.js';
import type { ActArgs, OrderInput } from '../../workflows/order/messages.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import { insertOffer } from '../support/catalog.js';
import { createTestDatabase, uniqueId, type TestDatabase } from '../support/harness.js';

const PRICE = 1_000;

describe('two closing writes at once, one paying the other’s buyer a referral commission', () => {
  let database: TestDatabase;
  let ledger: Ledger;
  const started = new Map<number, OrderInput>();

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    ledger = createLedger(database.db);
  });
  after(async () => {
    await database?.drop();
  });

  async function user(prefix: string): Promise<{ id: number; login: string }> {
    const login = uniqueId(prefix).replace(/-/g, '_');
    const [row] = await database.db.sql<{ id: string }[]>`insert into users (login, email, email_confirmed_at) values (${login}, ${`${login}@example.com`}, now()) returning id`;
    return { id: Number(row!.id), login };
  }

  async function place(buyer: { id: number; login: string }, offerId: number): Promise<OrderInput> {
    const catcher = { order: { start: async (input: OrderInput) => void started.set(input.orderId, input) } };
    const placement = createPlacement({ db: database.db, clock: systemClock, ledger, workflows: catcher, rules: orderPolicy() });
    const { view } = await placement.place({ ...buyer, emailConfirmed: true }, { offerId, units: 1, optionIds: [], packageTier: null, requirements: null }, uniqueId('closing'));
    return started.get(view.orderId)!;
  }

  /** Started and delivered, written as the workflow would; answers the buyer's acceptance, not yet written. */
  async function deliveredThenAccepted(input: OrderInput): Promise<OrderEventRecord> {
    const writes = createOrderActivities({ db: database.db, report: async () => {} });
    const step = async (state: machine.OrderState, by: 'buyer' | 'seller', action: ActArgs['action']) => {
      const now = new Date().toISOString();
      const args: ActArgs = { actor: { role: by, userId: by === 'buyer' ? input.buyer.id : input.seller.id }, action };
      machine.assertCanAct(state, args, now);
      const transition = machine.act(state, args, now);
      return { transition, record: { orderId: input.orderId, buyerId: input.buyer.id, sellerId: input.seller.id, commissionBps: input.policy.commissionBps, effects: transition.effects, view: { ...machine.viewOf(transition.state, 'staff', now), allowedActions: [] } } };
    };
    let state = machine.initialState(input);
    for (const [by, action] of [['seller', { type: 'start_work' }], ['seller', { type: 'deliver', text: 'Done, as asked.', links: [] }]] as const) {
      const { transition, record } = await step(state, by, action as ActArgs['action']);
      await writes.recordOrderEvent(record);
      state = transition.state;
    }
    return (await step(state, 'buyer', { type: 'accept' })).record;
  }

  /** Sessions of this database waiting on a lock. */
  async function waitingOnLocks(): Promise<number> {
    const [row] = await database.db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
    return row!.n;
  }

  it('both commit: the referrer, who also buys, is paid once and their own order settles', async () => {
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
    const [accepted, paying] = [await deliveredThenAccepted(referrersOrder), await deliveredThenAccepted(referralsSale)];

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
});
