/**
 * The order's paths from placement to its end, each driven through the real API on a real
 * worker: one definition used by the scenario tests, the crash test (the worker killed between
 * `begin` and the end of `finish`) and the history capture (`npm run histories:capture`, whose fixtures the replay test replays).
 *
 * Each scenario names the rules it shortens: a test cannot wait 24 hours, so the timer it
 * wants to see fire is given seconds, the rest keep their real lengths. The rules are part of
 * the workflow's input, so this changes nothing in the workflow's code.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import type { Db } from '../../db/client.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import type { OrderPolicy, OrderView } from '../../workflows/order/messages.js';
import { callerFor, type Caller, type TestUser } from './api.js';
import { insertOffer } from './catalog.js';
import { buildApp, uniqueId } from './harness.js';
import { assertLedgerConsistent } from './ledger.js';
import { actOk, fund, moneyOf, placeOrder, rowStatus, type Market } from './orders.js';

/** Where the scenarios run: a database, the dev server, and the task queue a worker polls. */
export interface ScenarioEnv {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/** One scenario's world: its own seller, buyer and offer, and the API with its rules. */
export interface ScenarioContext extends ScenarioEnv {
  call: Caller;
  market: Market;
  /** An arbiter shared by every scenario of the environment. */
  arbiter: TestUser;
}

export interface Expected {
  status: 'completed' | 'cancelled' | 'split';
  /** `closure.reason`. */
  reason: string;
  /** The ledger transaction that ended the escrow (after the one `hold`). */
  settlement: 'release' | 'refund' | 'split';
  /** Balances after the order, in cents: the buyer's (main + bonus; $100 before), the seller's, and the platform's revenue it earned. */
  buyerCents: number;
  sellerCents: number;
  revenueCents: number;
  violations: readonly string[];
}

export interface OrderScenario {
  /** Also the fixture's name: `test/replay/histories/order-<name>.json`. */
  name: string;
  /** What the test is called. */
  title: string;
  /** The rules shortened for this scenario (the others keep `orderPolicy()`'s values). */
  policy: Partial<OrderPolicy>;
  /** Places the order and takes it as far as it goes before waiting on a timer or the other party. */
  begin(ctx: ScenarioContext): Promise<number>;
  /** Takes the order to its end; resolves once the read model shows it. */
  finish(ctx: ScenarioContext, orderId: number): Promise<OrderView>;
  expected: Expected;
}

/** Where `npm run histories:capture` writes each scenario's workflow history, which the replay test replays. */
export const historiesDir = fileURLToPath(new URL('../replay/histories/', import.meta.url));
export const historyFile = (scenario: Pick<OrderScenario, 'name'>) => `order-${scenario.name}.json`;

/** The buyer's balance before ordering, and the offer's price. */
export const FUNDS_CENTS = 10_000;
export const PRICE_CENTS = 1_000;

// Balances after an order of $10 at 20 % commission.
const released = { settlement: 'release', buyerCents: 9_000, sellerCents: 800, revenueCents: 200, violations: [] } as const;
const refunded = { settlement: 'refund', buyerCents: 10_000, sellerCents: 0, revenueCents: 0, violations: [] } as const;
// $5.55 of $10 to the seller: 20 % commission on it is 111, the seller gets 444, the buyer 445 back.
const SPLIT_SELLER_GROSS = 555;

const place = (ctx: ScenarioContext, body: Record<string, unknown> = {}) =>
  placeOrder(ctx.call, ctx.market.buyer, { offerId: ctx.market.offerId, ...body }).then((v) => v.orderId);
const buyer = (ctx: ScenarioContext, id: number, action: Record<string, unknown>) => actOk(ctx.call, ctx.market.buyer, id, action);
const seller = (ctx: ScenarioContext, id: number, action: Record<string, unknown>) => actOk(ctx.call, ctx.market.seller, id, action);
const deliver = (ctx: ScenarioContext, id: number, round: number) =>
  seller(ctx, id, { type: 'deliver', text: `The logo, round ${round}`, links: [`https://example.com/logo-${round}.png`] });
/** Timers are seconds here; the bound leaves room for a worker that restarts meanwhile. */
const ended = (ctx: ScenarioContext, id: number, status: Expected['status']) => rowStatus(ctx.db, id, status, 45_000);

export const orderScenarios: OrderScenario[] = [
  {
    name: 'happy-path',
    title: 'place, start, deliver, accept: the seller is paid less commission',
    policy: {},
    async begin(ctx) {
      const id = await place(ctx);
      await seller(ctx, id, { type: 'start_work' });
      await deliver(ctx, id, 1);
      return id;
    },
    async finish(ctx, id) {
      await buyer(ctx, id, { type: 'accept' });
      return ended(ctx, id, 'completed');
    },
    expected: { status: 'completed', reason: 'accepted', ...released },
  },
  {
    name: 'revision-loop',
    title: 'two rounds of revision, then acceptance',
    policy: {},
    async begin(ctx) {
      const id = await place(ctx, { requirements: 'A fox, in orange and black.' });
      await seller(ctx, id, { type: 'start_work' });
      await deliver(ctx, id, 1);
      await buyer(ctx, id, { type: 'request_revision', reason: 'The fox looks like a dog.' });
      return id;
    },
    async finish(ctx, id) {
      await deliver(ctx, id, 2);
      await buyer(ctx, id, { type: 'request_revision', reason: 'Less orange, please.' });
      await deliver(ctx, id, 3);
      await buyer(ctx, id, { type: 'accept' });
      const view = await ended(ctx, id, 'completed');
      assert.equal(view.revisionCount, 2);
      assert.equal(view.deliveries.length, 3);
      return view;
    },
    expected: { status: 'completed', reason: 'accepted', ...released },
  },
  {
    name: 'cancel-by-agreement',
    title: 'the seller asks to cancel, the buyer agrees: a full refund',
    policy: {},
    async begin(ctx) {
      const id = await place(ctx);
      await seller(ctx, id, { type: 'start_work' });
      await seller(ctx, id, { type: 'request_cancellation', reason: 'too_busy', comment: 'Too many orders this week.' });
      return id;
    },
    async finish(ctx, id) {
      await buyer(ctx, id, { type: 'accept_cancellation' });
      return ended(ctx, id, 'cancelled');
    },
    expected: { status: 'cancelled', reason: 'too_busy', ...refunded },
  },
  {
    name: 'cancel-auto-confirmed',
    title: 'a cancellation request nobody answers goes through when its 2 days (here 2 s) are up',
    policy: { cancellationAnswerMs: 2_000 },
    async begin(ctx) {
      const id = await place(ctx);
      await seller(ctx, id, { type: 'start_work' });
      await buyer(ctx, id, { type: 'request_cancellation', reason: 'no_longer_needed' });
      return id;
    },
    finish: (ctx, id) => ended(ctx, id, 'cancelled'),
    expected: { status: 'cancelled', reason: 'no_longer_needed', ...refunded },
  },
  {
    name: 'free-cancel',
    title: 'the buyer cancels alone within 20 minutes of placing the order',
    policy: {},
    begin: (ctx) => place(ctx),
    async finish(ctx, id) {
      await buyer(ctx, id, { type: 'cancel' });
      return ended(ctx, id, 'cancelled');
    },
    expected: { status: 'cancelled', reason: 'buyer_free_cancel', ...refunded },
  },
  {
    name: 'late-cancel',
    title: 'a revision’s deadline (here 2 s) passes: the order is late and the buyer cancels it, not done on time',
    policy: { revisionMs: 2_000 },
    async begin(ctx) {
      const id = await place(ctx);
      await seller(ctx, id, { type: 'start_work' });
      await deliver(ctx, id, 1);
      await buyer(ctx, id, { type: 'request_revision', reason: 'Wrong colours.' });
      return id;
    },
    async finish(ctx, id) {
      await rowStatus(ctx.db, id, 'late', 45_000);
      await buyer(ctx, id, { type: 'cancel' });
      return ended(ctx, id, 'cancelled');
    },
    expected: { status: 'cancelled', reason: 'not_done_on_time', ...refunded },
  },
  {
    name: 'auto-accept',
    title: 'a delivery the buyer does not review in 3 days (here 3 s) is accepted automatically',
    policy: { reviewMs: 3_000, reviewReminderBeforeMs: 1_500 },
    async begin(ctx) {
      const id = await place(ctx);
      await seller(ctx, id, { type: 'start_work' });
      await deliver(ctx, id, 1);
      return id;
    },
    finish: (ctx, id) => ended(ctx, id, 'completed'),
    expected: { status: 'completed', reason: 'auto_accepted', ...released },
  },
  {
    name: 'seller-ignored',
    title: 'a seller who does not start within 24 hours (here 2 s): refund and a violation',
    policy: { startWithinMs: 2_000 },
    begin: (ctx) => place(ctx),
    finish: (ctx, id) => ended(ctx, id, 'cancelled'),
    expected: { status: 'cancelled', reason: 'seller_ignored', ...refunded, violations: ['ignored_order'] },
  },
  {
    name: 'arbitration-split',
    title: 'a declined cancellation, a dispute answered, an arbiter splits the money',
    policy: {},
    async begin(ctx) {
      const id = await place(ctx);
      await seller(ctx, id, { type: 'start_work' });
      await buyer(ctx, id, { type: 'request_cancellation', reason: 'seller_unresponsive', comment: 'No news for days.' });
      await seller(ctx, id, { type: 'decline_cancellation' });
      await buyer(ctx, id, { type: 'open_dispute', statement: 'Half of the work is missing.' });
      return id;
    },
    async finish(ctx, id) {
      await seller(ctx, id, { type: 'answer_dispute', statement: 'Half of it is done and sent.' });
      // The case is ready: arbiters are told, and find it in their list.
      const told = await ctx.call('GET', '/notifications?limit=100', { token: ctx.arbiter.token });
      assert.ok(told.body.items.some((n: { orderId: number; kind: string }) => n.orderId === id && n.kind === 'case_ready'), JSON.stringify(told.body));
      const cases = await ctx.call('GET', '/arbitration/cases?limit=100', { token: ctx.arbiter.token });
      assert.ok(cases.body.items.some((c: { id: number }) => c.id === id), JSON.stringify(cases.body));
      const take = await ctx.call('POST', `/arbitration/orders/${id}/take`, { token: ctx.arbiter.token });
      assert.equal(take.status, 200, JSON.stringify(take.body));
      const decision = await ctx.call('POST', `/arbitration/orders/${id}/decision`, {
        token: ctx.arbiter.token,
        body: { decision: { kind: 'split', sellerAmountCents: SPLIT_SELLER_GROSS }, comment: 'About half of the work was delivered.' },
      });
      assert.equal(decision.status, 200, JSON.stringify(decision.body));
      return ended(ctx, id, 'split');
    },
    expected: { status: 'split', reason: 'arbitration', settlement: 'split', buyerCents: 9_445, sellerCents: 444, revenueCents: 111, violations: [] },
  },
];

/** The arbiter every scenario of an environment shares: an account granted the role, as an admin grants it. */
export async function createArbiter(env: ScenarioEnv): Promise<TestUser> {
  const arbiter = await directAccount(env.db, 'arbiter');
  await createAccounts({ db: env.db, clock: systemClock }).grantRole(arbiter.id, 'arbiter');
  return arbiter;
}

/**
 * A confirmed, signed-in account written straight to the database, as a party to orders.
 * Registering through the API costs two argon2id hashes, which hash-wasm runs on the test's one
 * thread — about half a second each on a busy 2-core machine, so twenty parties would eat the
 * crash test's budget. Registration itself is tested in test/api/accounts.test.ts.
 */
export async function directAccount(db: Db, prefix: string): Promise<TestUser> {
  const login = uniqueId(prefix).replace(/-/g, '_');
  const email = `${login}@example.com`;
  const token = `gfs_${randomBytes(32).toString('base64url')}`;
  const [user] = await db.sql<{ id: string }[]>`insert into users (login, email, email_confirmed_at) values (${login}, ${email}, now()) returning id`;
  // Sessions are stored as the SHA-256 of their token (activities/accounts.ts).
  const tokenHash = createHash('sha256').update(token).digest('hex');
  await db.sql`insert into sessions (token_hash, user_id, expires_at) values (${tokenHash}, ${user!.id}, now() + interval '1 day')`;
  return { id: Number(user!.id), login, email, token };
}

/** A seller with an active offer at `priceCents` and a buyer with `fundsCents` on their balance, as direct accounts. */
export async function directMarket(db: Db, opts: { fundsCents?: number; priceCents?: number; title?: string } = {}): Promise<Market> {
  const [seller, buyer] = await Promise.all([directAccount(db, 'seller'), directAccount(db, 'buyer')]);
  const offerId = await insertOffer(db, seller.id, { priceCents: opts.priceCents ?? PRICE_CENTS, title: opts.title ?? `Logo design ${uniqueId('offer')}` });
  if (opts.fundsCents !== 0) await fund(db, buyer.id, opts.fundsCents ?? FUNDS_CENTS);
  return { seller, buyer, offerId };
}

/** A scenario's world: the API with its rules (on the environment's task queue), a seller with a $10 offer, a buyer with $100. */
export async function contextFor(env: ScenarioEnv, scenario: OrderScenario, arbiter: TestUser): Promise<ScenarioContext> {
  const call = callerFor(buildApp({ db: env.db, temporal: env.temporal, taskQueue: env.taskQueue, orderPolicy: { ...orderPolicy(), ...scenario.policy } }));
  const market = await directMarket(env.db, { title: `Logo design ${uniqueId(scenario.name)}` });
  return { ...env, call, arbiter, market };
}

/** What the order's own ledger transactions paid into the platform's revenue, in cents: exact even while other orders run. */
export async function revenueFrom(db: Db, orderId: number): Promise<number> {
  const [row] = await db.sql<{ sum: string | null }[]>`
    select sum(p.amount) as sum from ledger_postings p
    join ledger_transactions t on t.id = p.transaction_id
    join ledger_accounts a on a.id = p.account_id
    where a.key = 'platform:revenue' and t.idempotency_key like ${`order:${orderId}:%`}`;
  return Number(row?.sum ?? 0);
}

/**
 * What an ended order must show: its status and reason (to the buyer, through the API), an
 * empty escrow, exact balances and revenue, one hold and one settlement, the seller's
 * violations, and a consistent ledger.
 */
export async function assertOutcome(ctx: ScenarioContext, scenario: OrderScenario, orderId: number): Promise<void> {
  const { expected } = scenario;
  const what = `${scenario.name} (order ${orderId})`;
  const view = (await ctx.call('GET', `/orders/${orderId}`, { token: ctx.market.buyer.token })).body as OrderView;
  assert.equal(view.status, expected.status, what);
  assert.equal(view.closure?.reason, expected.reason, what);
  const money = await moneyOf(ctx.db, orderId, ctx.market);
  assert.deepEqual(
    { escrow: money.escrow, buyer: money.buyer, seller: money.seller, revenue: await revenueFrom(ctx.db, orderId), postings: money.postings },
    { escrow: 0, buyer: expected.buyerCents, seller: expected.sellerCents, revenue: expected.revenueCents, postings: ['hold', expected.settlement] },
    what,
  );
  assert.deepEqual(
    { toSeller: view.closure!.toSellerCents, commission: view.closure!.commissionCents, refunded: view.closure!.refundedCents },
    { toSeller: expected.sellerCents, commission: expected.revenueCents, refunded: expected.buyerCents - (FUNDS_CENTS - PRICE_CENTS) },
    `${what}: closure`,
  );
  const violations = await ctx.db.sql<{ kind: string }[]>`select kind from seller_violations where order_id = ${orderId} order by id`;
  assert.deepEqual(violations.map((v) => v.kind), expected.violations, `${what}: violations`);
  await assertLedgerConsistent(ctx.db);
}
