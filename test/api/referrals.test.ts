/**
 * The referral programme (issue 16; K-54, K-55, D-08) over the real API and database: a user
 * registers through another's link and becomes their referral; the referral's first order
 * within 180 days makes them active; each completed order of an attached referral pays the
 * referrer 3.5 % (the referral bought) or 2.5 % (sold) of the part paid from the main balance,
 * once, however often the closing write runs. Time moves by the services' clock (registration,
 * placement) and by the orders' own event times (completion), to the minute either side of
 * 180 days and 3 years. Orders are placed by the placement service and moved on by the order
 * machine, their writes made by the workflow's own activity run twice (as `order-writes.test.ts`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createModerationActivities } from '../../activities/moderation.js';
import { createLedger, type Ledger } from '../../db/ledger.js';
import { createPlacement } from '../../services/placement.js';
import * as machine from '../../workflows/order/machine.js';
import type { ActArgs, OrderInput } from '../../workflows/order/messages.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import { DAY, HOUR, MINUTE, iso } from '../../workflows/lib/time.js';
import { manualClock, signUp, signIn, type TestUser } from '../support/api.js';
import { insertOffer } from '../support/catalog.js';
import { startPayingApi, uniqueId, type PayingApi } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { recordTwice as recordTransitionTwice } from '../support/order-writes.js';
import type { QueuedStart } from '../../db/workflow-starts.js';

const WEB = 'http://web.test';
const PRICE = 1_000;
/** Registration of every referral here: Saturday 10 January 2026, 12:00 UTC. */
const T0 = Date.parse('2026-01-10T12:00:00.000Z');
const DAY_180 = T0 + 180 * DAY;
const YEARS_3 = Date.parse('2029-01-10T12:00:00.000Z');

describe('referrals: a link, activation, and commissions on completed orders', () => {
  let api: PayingApi;
  let ledger: Ledger;
  const clock = manualClock(new Date(T0 - DAY));
  const setClock = (ms: number) => clock.advance(ms - clock.now().getTime());
  let referrer: TestUser;
  let otherReferrer: TestUser;
  /** A seller and a buyer who are nobody's referrals. */
  let plainSeller: { id: number; offerId: number };
  let plainBuyer: { id: number };
  const started = new Map<number, OrderInput>();
  let counter = 0;

  before(async () => {
    api = await startPayingApi(import.meta.filename, { clock, webUrl: WEB });
    ledger = createLedger(api.database.db);
    referrer = await signUp(api.call, 'referrer');
    otherReferrer = await signUp(api.call, 'referrer2');
    const seller = await signUp(api.call, 'plain_seller');
    plainSeller = { id: seller.id, offerId: await insertOffer(api.database.db, seller.id, { priceCents: PRICE }) };
    plainBuyer = { id: (await signUp(api.call, 'plain_buyer')).id };
    await fund(plainBuyer.id, { main: 10 * PRICE });
  });
  after(() => api?.stop());

  async function codeOf(user: TestUser): Promise<string> {
    const res = await api.call('GET', '/me/referrals', { token: (await signIn(api.call, user)).token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.code;
  }

  /** Registers through `of`'s link at `at` (the services' clock); answers the new user. */
  async function referralOf(of: TestUser, prefix: string, at = T0): Promise<{ id: number; login: string }> {
    setClock(at);
    const login = `${prefix}_${process.pid}_${++counter}`.slice(0, 32);
    const res = await api.call('POST', '/auth/register', { body: { login, email: `${login}@example.com`, password: 'correct horse battery', referralCode: await codeOf(of) } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { id: res.body.id, login };
  }

  async function fund(userId: number, money: { main?: number; bonus?: number }) {
    if (money.main) await ledger.topUp({ topUpId: uniqueId('ref-topup'), userId, amount: money.main, method: 'card' });
    if (money.bonus) await ledger.redeemPromo({ promoCodeId: uniqueId('ref-promo'), userId, amount: money.bonus });
  }

  /** Places an order at `at` by the services' clock; the workflow's start is caught, as the tests play its part. */
  async function place(buyerId: number, offerId: number, at: number): Promise<{ state: machine.OrderState; input: OrderInput }> {
    setClock(at);
    const catcher = { startQueued: async (q: QueuedStart) => void (q.process === 'order' && started.set(q.input.orderId, q.input)) };
    const placement = createPlacement({ db: api.database.db, clock, ledger, workflows: catcher, rules: orderPolicy() });
    const { view } = await placement.place(
      { id: buyerId, login: `buyer_${buyerId}`, emailConfirmed: true },
      { offerId, units: 1, optionIds: [], packageTier: null, requirements: null },
      uniqueId('ref-order'),
    );
    const input = started.get(view.orderId)!;
    return { state: machine.initialState(input), input };
  }

  /**
   * Writes a transition as the workflow does, twice (a retried local activity). The standing an
   * ignored order tells is not what these tests are about (test/integration/sanctions.test.ts is).
   */
  const recordTwice = (input: OrderInput, transition: machine.Transition, now: string) => recordTransitionTwice(api.database.db, async () => {}, input, transition, now);

  async function act(input: OrderInput, state: machine.OrderState, by: 'buyer' | 'seller', action: ActArgs['action'], atMs: number) {
    const now = iso(atMs);
    const args: ActArgs = { actor: { role: by, userId: by === 'buyer' ? input.buyer.id : input.seller.id }, action };
    machine.assertCanAct(state, args, now);
    return recordTwice(input, machine.act(state, args, now), now);
  }

  /** An order placed an hour before `completedAt` and accepted by the buyer at `completedAt`. */
  async function completeOrder(buyerId: number, offerId: number, completedAt: number, placedAt = completedAt - HOUR): Promise<number> {
    const { state, input } = await place(buyerId, offerId, placedAt);
    let s = await act(input, state, 'seller', { type: 'start_work' }, placedAt + MINUTE);
    s = await act(input, s, 'seller', { type: 'deliver', text: 'Done, as asked.', links: [] }, placedAt + 2 * MINUTE);
    s = await act(input, s, 'buyer', { type: 'accept' }, completedAt);
    assert.equal(s.status, 'completed');
    return input.orderId;
  }

  /** The commission posted for the order and role: its postings by account key, or null. */
  async function commission(orderId: number, role: 'buyer' | 'seller'): Promise<Record<string, number> | null> {
    const posted = await ledger.transactionByKey(`referral:${orderId}:${role}`);
    return posted && Object.fromEntries(posted.postings.map((p) => [p.accountKey, p.amount]));
  }
  const paid = (to: TestUser, cents: number) => ({ 'platform:revenue': -cents, [`user:${to.id}:main`]: cents });

  describe('K-55: registering through a link', () => {
    it('makes the new user the link owner’s referral, shown with a partial login', async () => {
      const joined = await referralOf(otherReferrer, 'joined_by_link');
      const res = await api.call('GET', '/me/referrals', { token: (await signIn(api.call, otherReferrer)).token });
      assert.equal(res.status, 200);
      assert.equal(res.body.link, `${WEB}/r/${res.body.code}`);
      assert.match(res.body.code, /^[A-Za-z0-9_-]{22}$/);
      const mine = res.body.referrals.find((r: { login: string }) => r.login === `${joined.login.slice(0, 2)}***${joined.login.slice(-2)}`);
      assert.deepEqual(mine, { login: mine.login, registeredAt: iso(T0), state: 'inactive', attachedUntil: iso(DAY_180) });
      assert.ok(!JSON.stringify(res.body).includes(joined.login), 'the full login shows nowhere');
    });

    it('refuses an unknown or malformed code with 422 and creates nothing', async () => {
      for (const referralCode of ['AAAAAAAAAAAAAAAAAAAAAA', 'not a code']) {
        const login = `nobody_${process.pid}_${++counter}`;
        const body = { login, email: `${login}@example.com`, password: 'correct horse battery' };
        const refused = await api.call('POST', '/auth/register', { body: { ...body, referralCode } });
        assert.equal(refused.status, 422);
        assert.equal(refused.body.error.code, 'unknown_referral_code');
        assert.equal((await api.call('POST', '/auth/register', { body })).status, 201, 'the login and email are still free');
      }
    });

    it('gives every user a code of their own', async () => {
      const codes = await api.database.db.sql<{ n: number; distinct: number }[]>`
        select count(*)::int as n, count(distinct referral_code)::int as distinct from users where referral_code ~ '^[A-Za-z0-9_-]{22}$'`;
      const [all] = await api.database.db.sql<{ n: number }[]>`select count(*)::int as n from users`;
      assert.deepEqual([codes[0]!.n, codes[0]!.distinct], [all!.n, all!.n]);
    });
  });

  describe('K-55: active by an order within 180 days; attached 3 years when active, 180 days when not', () => {
    let ordersAt180: Record<'before' | 'exactly' | 'after', { id: number; login: string }>;

    it('an active buyer earns the referrer 3.5 % until a minute before 3 years, and nothing from 3 years on', async () => {
      const buyer = await referralOf(referrer, 'three_years');
      await fund(buyer.id, { main: 5 * PRICE });
      const first = await completeOrder(buyer.id, plainSeller.offerId, T0 + DAY + HOUR);
      assert.deepEqual(await commission(first, 'buyer'), paid(referrer, 35));
      const lastMinute = await completeOrder(buyer.id, plainSeller.offerId, YEARS_3 - MINUTE);
      assert.deepEqual(await commission(lastMinute, 'buyer'), paid(referrer, 35));
      const atThreeYears = await completeOrder(buyer.id, plainSeller.offerId, YEARS_3);
      const minuteLater = await completeOrder(buyer.id, plainSeller.offerId, YEARS_3 + MINUTE);
      assert.equal(await commission(atThreeYears, 'buyer'), null);
      assert.equal(await commission(minuteLater, 'buyer'), null);
      assert.equal(await commission(first, 'seller'), null, 'the seller is nobody’s referral');
    });

    it('an order a minute before 180 days (or at exactly 180 days) activates; a minute after does not', async () => {
      ordersAt180 = {
        before: await referralOf(referrer, 'first_order_before'),
        exactly: await referralOf(referrer, 'first_order_exactly'),
        after: await referralOf(referrer, 'first_order_after'),
      };
      for (const r of Object.values(ordersAt180)) await fund(r.id, { main: 2 * PRICE });
      const placedAt = { before: DAY_180 - MINUTE, exactly: DAY_180, after: DAY_180 + MINUTE };
      for (const [when, r] of Object.entries(ordersAt180)) {
        const orderId = await completeOrder(r.id, plainSeller.offerId, placedAt[when as keyof typeof placedAt] + HOUR, placedAt[when as keyof typeof placedAt]);
        // Completed after 180 days: only an active referral is still attached.
        assert.deepEqual(await commission(orderId, 'buyer'), when === 'after' ? null : paid(referrer, 35), when);
      }
      // Two years on, the active ones still earn.
      const later = await completeOrder(ordersAt180.before.id, plainSeller.offerId, T0 + 730 * DAY);
      assert.deepEqual(await commission(later, 'buyer'), paid(referrer, 35));
    });

    it('an inactive referral who sells earns the referrer 2.5 % until a minute before 180 days, then nothing', async () => {
      const seller = await referralOf(referrer, 'inactive_seller');
      const offerId = await insertOffer(api.database.db, seller.id, { priceCents: PRICE });
      const lastMinute = await completeOrder(plainBuyer.id, offerId, DAY_180 - MINUTE);
      assert.deepEqual(await commission(lastMinute, 'seller'), paid(referrer, 25));
      const atDay180 = await completeOrder(plainBuyer.id, offerId, DAY_180);
      const minuteLater = await completeOrder(plainBuyer.id, offerId, DAY_180 + MINUTE);
      assert.equal(await commission(atDay180, 'seller'), null);
      assert.equal(await commission(minuteLater, 'seller'), null);
    });

    it('a kwork moderation approves within 180 days activates; one approved later does not', async () => {
      // The decision's write dates it by the database's clock, so the referrals register by real time.
      const approve = async (sellerId: number) => {
        const offerId = await insertOffer(api.database.db, sellerId, { status: 'in_moderation' });
        await api.database.db.sql`update offers set revision = 1 where id = ${offerId}`;
        await api.database.db.sql`
          insert into moderation_submissions (offer_id, revision, seller_id, content, submitted_at)
          select id, 1, seller_id, jsonb_build_object('categoryId', category_id, 'title', title, 'description', description, 'priceCents', price_cents,
            'leadTimeDays', lead_time_days, 'instructions', 'Your brand name.', 'unitVolume', 'one logo', 'media', '[]'::jsonb, 'attributes', '{}'::jsonb,
            'options', '[]'::jsonb, 'packages', null), now()
          from offers where id = ${offerId}`;
        const { applied } = await createModerationActivities({ db: api.database.db }).recordModerationEvent({
          offerId, revision: 1, title: 'A kwork', effect: { kind: 'decision', moderatorId: referrer.id, decision: 'approved' },
        });
        assert.equal(applied, true);
      };
      const within = await referralOf(referrer, 'approved_within', Date.now() - 180 * DAY + HOUR);
      const past = await referralOf(referrer, 'approved_past', Date.now() - 180 * DAY - HOUR);
      await approve(within.id);
      await approve(past.id);
      const activated = await api.database.db.sql<{ referral_id: string }[]>`
        select referral_id from referrals where referral_id in (${within.id}, ${past.id}) and activated_at is not null`;
      assert.deepEqual(activated.map((r) => Number(r.referral_id)), [within.id]);
    });

    it('the referral page lists each referral’s state and when their attachment ends', async () => {
      setClock(DAY_180 + 20 * DAY);
      const res = await api.call('GET', '/me/referrals', { token: (await signIn(api.call, referrer)).token });
      assert.equal(res.status, 200);
      const stateOf = (login: string) => res.body.referrals.find((r: { login: string }) => r.login === `${login.slice(0, 2)}***${login.slice(-2)}`);
      assert.deepEqual(stateOf(ordersAt180.before.login), { login: stateOf(ordersAt180.before.login).login, registeredAt: iso(T0), state: 'active', attachedUntil: iso(YEARS_3) });
      assert.equal(stateOf(ordersAt180.exactly.login).state, 'active');
      assert.deepEqual([stateOf(ordersAt180.after.login).state, stateOf(ordersAt180.after.login).attachedUntil], ['expired', iso(DAY_180)]);
    });
  });

  describe('K-54, D-08: only what the main balance paid earns', () => {
    it('a bonus-funded order earns nothing', async () => {
      const buyer = await referralOf(referrer, 'bonus_buyer');
      await fund(buyer.id, { bonus: PRICE });
      const orderId = await completeOrder(buyer.id, plainSeller.offerId, T0 + 2 * DAY);
      assert.equal(await commission(orderId, 'buyer'), null);
      const [rows] = await api.database.db.sql<{ n: number }[]>`select count(*)::int as n from referral_commissions where order_id = ${orderId}`;
      assert.equal(rows!.n, 0);
    });

    it('a mixed-funded order earns on its main part only, for the buyer’s referrer and the seller’s', async () => {
      const buyer = await referralOf(referrer, 'mixed_buyer');
      const seller = await referralOf(otherReferrer, 'mixed_seller');
      const offerId = await insertOffer(api.database.db, seller.id, { priceCents: PRICE });
      await fund(buyer.id, { bonus: 300, main: PRICE });
      const before = { referrer: await ledger.accountBalance(`user:${referrer.id}:main`), other: await ledger.accountBalance(`user:${otherReferrer.id}:main`) };
      const orderId = await completeOrder(buyer.id, offerId, T0 + 3 * DAY);
      // The hold took the 300 of bonus first, then 700 of main: 3.5 % of 700 is 24.5 → 25; 2.5 %, 17.5 → 18.
      assert.deepEqual(await commission(orderId, 'buyer'), paid(referrer, 25));
      assert.deepEqual(await commission(orderId, 'seller'), paid(otherReferrer, 18));
      assert.equal(await ledger.accountBalance(`user:${referrer.id}:main`), before.referrer + 25, 'paid once though every write ran twice');
      assert.equal(await ledger.accountBalance(`user:${otherReferrer.id}:main`), before.other + 18);
      const rows = await api.database.db.sql<{ role: string; base_cents: string; commission_cents: string }[]>`
        select role, base_cents, commission_cents from referral_commissions where order_id = ${orderId} order by role`;
      assert.deepEqual(rows.map((r) => [r.role, Number(r.base_cents), Number(r.commission_cents)]), [['buyer', 700, 25], ['seller', 700, 18]]);
    });

    it('a cancelled order earns nothing', async () => {
      const buyer = await referralOf(referrer, 'cancelled_buyer');
      await fund(buyer.id, { main: PRICE });
      const { state, input } = await place(buyer.id, plainSeller.offerId, T0 + 4 * DAY);
      const deadline = machine.nextDeadline(state)!;
      const cancelled = await recordTwice(input, machine.onDeadline(state, deadline, deadline.at), deadline.at);
      assert.equal(cancelled.status, 'cancelled');
      assert.equal(await commission(input.orderId, 'buyer'), null);
    });

    it('a blocked referrer still earns, and is told', async () => {
      const blocked = await signUp(api.call, 'blocked_referrer');
      const buyer = await referralOf(blocked, 'of_blocked');
      await api.database.db.sql`update users set blocked_at = now(), blocked_reason = 'test' where id = ${blocked.id}`;
      await fund(buyer.id, { main: PRICE });
      const orderId = await completeOrder(buyer.id, plainSeller.offerId, T0 + 5 * DAY);
      assert.deepEqual(await commission(orderId, 'buyer'), paid(blocked, 35));
      const notes = await api.database.db.sql<{ text: string }[]>`select text from notifications where user_id = ${blocked.id} and kind = 'referral_commission'`;
      assert.equal(notes.length, 1);
      assert.match(notes[0]!.text, /you earned \$0\.35 \(3\.5 % of \$10\.00 paid from the main balance\)/);
      assert.ok(!notes[0]!.text.includes(buyer.login), 'the referral’s login shows in part only');
    });
  });

  describe('the referral page’s earnings', () => {
    it('sums the commissions per calendar month of completion, newest first', async () => {
      const res = await api.call('GET', '/me/referrals', { token: (await signIn(api.call, referrer)).token });
      assert.equal(res.status, 200);
      // January 2026: 35 (first order) + 25 (mixed); July 2026: 25 (inactive seller's last minute) + 35 × 2
      // (the orders placed a minute before and at 180 days, completed an hour later); January 2028: 35
      // (two years on); January 2029: 35 (a minute before 3 years).
      assert.deepEqual(res.body.earningsByMonth, [
        { month: '2029-01', cents: 35 },
        { month: '2028-01', cents: 35 },
        { month: '2026-07', cents: 95 },
        { month: '2026-01', cents: 60 },
      ]);
      assert.equal(res.body.totalCents, 225);
      assert.equal(await ledger.accountBalance(`user:${referrer.id}:main`), 225);
      await assertLedgerConsistent(api.database.db);
    });
  });
});
