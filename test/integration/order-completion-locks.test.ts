/**
 * A completion's transaction and the rows every completion shares. Each completion settles its
 * escrow (the platform's revenue account among the accounts it locks) and recomputes its
 * seller's reputation from every closed order of theirs (K-27…K-34), which takes longer the more
 * orders the seller has. The revenue account is locked last, so a seller whose completion is
 * slow — a long history, a recompute waiting for that seller's row — holds up no other seller's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrderActivities } from '../../activities/orders.js';
import { createLedger } from '../../db/ledger.js';
import { systemClock } from '../../services/clock.js';
import * as machine from '../../workflows/order/machine.js';
import type { OrderAction, OrderInput } from '../../workflows/order/messages.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import { pollUntil } from '../../scripts/poll.js';
import { createPlacement } from '../../services/placement.js';
import { insertOffer } from '../support/catalog.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';
import { recordTwice } from '../support/order-writes.js';

const PRICE = 1_000;

describe('completions of different sellers', () => {
  let database: TestDatabase;
  const noViolations = async () => {};

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
  });
  after(async () => {
    await database?.drop();
  });

  async function user(login: string): Promise<{ id: number; login: string }> {
    const [row] = await database.db.sql<{ id: string }[]>`
      insert into users (login, email, email_confirmed_at) values (${login}, ${`${login}@example.com`}, now()) returning id`;
    return { id: Number(row!.id), login };
  }

  /** A buyer's order of a new seller's offer, written up to its delivery: the buyer's accept closes it. */
  async function delivered(name: string): Promise<{ input: OrderInput; state: machine.OrderState }> {
    const [buyer, seller] = [await user(`${name}_buyer`), await user(`${name}_seller`)];
    const offerId = await insertOffer(database.db, seller.id, { priceCents: PRICE });
    await createLedger(database.db).topUp({ topUpId: `locks-${buyer.id}`, userId: buyer.id, amount: PRICE, method: 'card' });
    const started = new Map<number, OrderInput>();
    const catcher = { order: { start: async (input: OrderInput) => void started.set(input.orderId, input) } };
    const placement = createPlacement({ db: database.db, clock: systemClock, ledger: createLedger(database.db), workflows: catcher, rules: orderPolicy() });
    const { view } = await placement.place({ ...buyer, emailConfirmed: true }, { offerId, units: 1, optionIds: [], packageTier: null, requirements: null }, `locks-${name}`);
    const input = started.get(view.orderId)!;
    let state = machine.initialState(input);
    const actions: OrderAction[] = [{ type: 'start_work' }, { type: 'deliver', text: 'Done.', links: [] }];
    for (const action of actions) {
      const now = new Date().toISOString();
      state = await recordTwice(database.db, noViolations, input, machine.act(state, { actor: { role: 'seller', userId: seller.id }, action }, now), now);
    }
    return { input, state };
  }

  /** The buyer's accept of `order`, written once as the workflow's local activity writes it. */
  function accept({ input, state }: { input: OrderInput; state: machine.OrderState }): Promise<void> {
    const now = new Date().toISOString();
    const { state: after, effects } = machine.act(state, { actor: { role: 'buyer', userId: input.buyer.id }, action: { type: 'accept' } }, now);
    const view = { ...machine.viewOf(after, 'staff', now), allowedActions: [] };
    return createOrderActivities({ db: database.db, report: noViolations }).recordOrderEvent({
      orderId: input.orderId,
      buyerId: input.buyer.id,
      sellerId: input.seller.id,
      commissionBps: input.policy.commissionBps,
      effects,
      view,
    });
  }

  const balance = async (key: string) => Number((await database.db.sql<{ balance: string }[]>`select balance from ledger_accounts where key = ${key}`)[0]?.balance ?? 0);
  const status = async (orderId: number) => (await database.db.sql<{ status: string }[]>`select status from orders where id = ${orderId}`)[0]?.status;

  it('completes one seller’s order while another seller’s completion waits on that seller’s row', async () => {
    const [slow, other] = [await delivered('slow'), await delivered('other')];
    const revenueBefore = await balance('platform:revenue');
    // The slow seller's row is held, as a long recompute of their reputation would hold it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const holder = database.db.sql.begin(async (tx) => {
      await tx`insert into seller_stats (user_id) values (${slow.input.seller.id}) on conflict do nothing`;
      await tx`select 1 from seller_stats where user_id = ${slow.input.seller.id} for update`;
      holding();
      await released;
    });
    const pending: Promise<unknown>[] = [holder];
    try {
      await held;
      const slowAccept = accept(slow);
      pending.push(slowAccept);
      // Until the slow completion waits on that row (whatever it locked before).
      await pollUntil(
        async () => (await database.db.sql`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%seller_stats%'`).length > 0,
        { what: 'the slow seller’s completion to wait on their row' },
      );
      let otherDone = false;
      const otherAccept = accept(other).then(() => (otherDone = true));
      pending.push(otherAccept);
      await pollUntil(() => otherDone, { timeoutMs: 15_000, what: 'the other seller’s completion, while the slow one waits (is it waiting on a lock the slow one took first?)' });
      await otherAccept;
      assert.equal(await status(other.input.orderId), 'completed');
      assert.equal(await status(slow.input.orderId), 'in_review', 'the slow completion still waits');
      release();
      await slowAccept;
      await holder;
    } finally {
      // On a failure too: nothing is left waiting when the database is dropped.
      release();
      await Promise.allSettled(pending);
    }
    assert.equal(await status(slow.input.orderId), 'completed');
    // K-01: each $10 order pays its seller $8 and the platform $2.
    assert.equal(await balance(`user:${other.input.seller.id}:main`), 800);
    assert.equal(await balance(`user:${slow.input.seller.id}:main`), 800);
    assert.equal((await balance('platform:revenue')) - revenueBefore, 2 * 200);
  });
});
