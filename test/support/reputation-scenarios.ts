/**
 * Reputation through the real order workflow (issue 16): a seller's history made of orders
 * placed and driven through the API on the dev server with gigflow's worker, each to an end
 * the test chose (accepted on time or late, auto-accepted, ignored, cancelled by either party
 * for a sufficient or an insufficient reason, ended by inactivity, decided by an arbiter), with
 * the buyer's like or dislike left through the feedback API.
 *
 * The test knows what it did: each finished order becomes a `FinishedOrder` from the plan's
 * intent (the rules' reading of that ending, below), with only the instants — placed, started,
 * finished — taken from the order page the buyer sees. The product's own mapping of an order
 * row (db/reputation.ts) is never read. What a user sees of the seller is then held against
 * `referenceOf` (./reputation-reference.ts).
 *
 * Timers the test wants to see fire are shortened to a second or two in the order's policy,
 * which each order receives at placement: the other orders of a history keep the real rules.
 */
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client.js';
import { pollUntil } from '../../scripts/poll.js';
import type { FinishedCancellation, FinishedOrder } from '../../workflows/lib/reputation.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import type { OrderPolicy, OrderView } from '../../workflows/order/messages.js';
import { callerFor, type Caller, type TestUser } from './api.js';
import { insertOffer } from './catalog.js';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { buildApp, uniqueId } from './harness.js';
import { directAccount } from './order-scenarios.js';
import { actOk, fund, placeOrder, rowStatus } from './orders.js';
import { referenceBuyerLevel, referenceOf, type ReferenceReputation } from './reputation-reference.js';

/** How a planned order ends. `open` is placed and started but never finished: it counts for nothing. */
export type Ending =
  | 'accepted'
  | 'accepted_late'
  | 'auto_accepted'
  | 'arbiter_pays'
  | 'ignored'
  | 'free_cancel'
  | 'not_done_on_time'
  | 'cancel_sufficient'
  | 'cancel_insufficient'
  | 'cancel_unanswered'
  | 'inactivity'
  | 'inactivity_late'
  | 'arbiter_refunds'
  | 'arbiter_splits'
  | 'open';

/** One order of a history: how it ends, the buyer's verdict, and which of the world's offers and buyers. */
export interface Planned {
  ending: Ending;
  verdict?: 'like' | 'dislike';
  /** Index into the world's offers (default 0). */
  offer?: number;
  /** Index into the world's buyers (default 0). */
  buyer?: number;
}

/** Where the scenarios run: a database, the dev server, the task queue a worker polls, and an arbiter. */
export interface ReputationEnv {
  db: Db;
  temporal: Client;
  taskQueue: string;
  arbiter: TestUser;
}

/** The price of every offer, and what the seller earns of it at 20 % commission (K-01). */
const PRICE_CENTS = 1_000;
const EARNINGS_CENTS = 800;
/** Enough for the longest history's orders. */
const FUNDS_CENTS = 100_000;
/** A timer the test waits for: long enough for the actions before it, short enough for the run. */
const SHORT_MS = 1_500;
/**
 * K-11's 14 days, shortened: longer than the wait between two actions of one order while only
 * a few orders run (the test runs these before the crowd: with a hundred orders at once on 2
 * cores, one action can wait several seconds for the worker). 10 s, not 5: with the file beside
 * another on a loaded CI machine, a placement's first action was seen to arrive 5 s late, and
 * the order was (rightly) already over.
 */
const INACTIVITY_MS = 10_000;

/**
 * The rules each ending shortens (the rest keep `orderPolicy()`): the start window for an
 * ignored order (K-08), a revision's deadline to make an order late (K-12), the review period
 * for an automatic acceptance (K-14), the answer to a cancellation request (K-18), inactivity (K-11).
 */
const SHORTENED: Partial<Record<Ending, Partial<OrderPolicy>>> = {
  accepted_late: { revisionMs: SHORT_MS },
  auto_accepted: { reviewMs: SHORT_MS, reviewReminderBeforeMs: SHORT_MS / 2 },
  ignored: { startWithinMs: SHORT_MS },
  not_done_on_time: { revisionMs: SHORT_MS },
  cancel_unanswered: { cancellationAnswerMs: SHORT_MS },
  // Inactivity must outlast the gaps between the parties' own actions on a busy machine.
  inactivity: { inactivityMs: INACTIVITY_MS },
  // Late a second and a half after the revision, cancelled for inactivity some seconds later.
  inactivity_late: { revisionMs: SHORT_MS, inactivityMs: INACTIVITY_MS },
};

/**
 * What each ending means for reputation, read from the rules — not from the product's mapping.
 * K-16: a free cancellation is the buyer's own. K-19: the buyer's `no_longer_needed` is
 * sufficient, the seller's `too_busy` after starting is not, and stays not when the request
 * goes through unanswered (K-18). K-27/D-01: an ignored order is an auto-cancellation, against
 * the seller. K-12/K-17: `not_done_on_time` follows lateness and is the seller's failure. K-11:
 * inactivity is nobody's failure while the order is on time, the seller's once it is late.
 * K-22/D-05: an arbiter who refunds the buyer in full or in part found the work not done in full:
 * against the seller, and a split is not a completed order; one who pays the seller completes it.
 */
const MEANING: Record<Exclude<Ending, 'open'>, { completed: boolean; late: boolean; cancellation?: FinishedCancellation }> = {
  accepted: { completed: true, late: false },
  accepted_late: { completed: true, late: true },
  auto_accepted: { completed: true, late: false },
  arbiter_pays: { completed: true, late: false },
  ignored: { completed: false, late: false, cancellation: { by: 'system', reason: 'seller_ignored', sufficient: false } },
  free_cancel: { completed: false, late: false, cancellation: { by: 'buyer', reason: 'buyer_free_cancel', sufficient: true } },
  not_done_on_time: { completed: false, late: true, cancellation: { by: 'buyer', reason: 'not_done_on_time', sufficient: false } },
  cancel_sufficient: { completed: false, late: false, cancellation: { by: 'buyer', reason: 'no_longer_needed', sufficient: true } },
  cancel_insufficient: { completed: false, late: false, cancellation: { by: 'seller', reason: 'too_busy', sufficient: false } },
  cancel_unanswered: { completed: false, late: false, cancellation: { by: 'seller', reason: 'too_busy', sufficient: false } },
  inactivity: { completed: false, late: false, cancellation: { by: 'system', reason: 'inactivity', sufficient: true } },
  inactivity_late: { completed: false, late: true, cancellation: { by: 'system', reason: 'inactivity', sufficient: false } },
  arbiter_refunds: { completed: false, late: false, cancellation: { by: 'arbiter', reason: 'arbitration', sufficient: false } },
  arbiter_splits: { completed: false, late: false, cancellation: { by: 'arbiter', reason: 'arbitration', sufficient: false } },
};

/** What the buyer's order page says when the order has ended (`open`: once work started). */
const END_STATUS: Record<Ending, string> = {
  accepted: 'completed',
  accepted_late: 'completed',
  auto_accepted: 'completed',
  arbiter_pays: 'completed',
  ignored: 'cancelled',
  free_cancel: 'cancelled',
  not_done_on_time: 'cancelled',
  cancel_sufficient: 'cancelled',
  cancel_insufficient: 'cancelled',
  cancel_unanswered: 'cancelled',
  inactivity: 'cancelled',
  inactivity_late: 'cancelled',
  arbiter_refunds: 'cancelled',
  arbiter_splits: 'split',
  open: 'in_progress',
};

/** The reputation a user sees: the seller's card and the Top Rated flags of their offers. */
export interface Shown extends ReferenceReputation {
  completedOrders: number;
}

/**
 * One seller's world: their offers, their buyers, the API under each policy an ending needs,
 * and every order the test finished, as it means them.
 */
export class SellerWorld {
  readonly finished: FinishedOrder[] = [];
  private readonly callers = new Map<string, Caller>();
  /** How many ignored orders' blocks staff lifted (`liftBlocks`): the offers are blocked while more were ignored. */
  private ignoredLifted = 0;

  private constructor(
    readonly env: ReputationEnv,
    readonly seller: TestUser,
    readonly offers: number[],
    readonly buyers: TestUser[],
  ) {}

  /** A seller with `offers` active $10 offers and `buyers` buyers with $1,000 each, written straight to the database. */
  static async create(env: ReputationEnv, opts: { offers?: number; buyers?: number } = {}): Promise<SellerWorld> {
    const seller = await directAccount(env.db, 'rep_seller');
    const offers: number[] = [];
    for (let i = 0; i < (opts.offers ?? 1); i++) {
      offers.push(await insertOffer(env.db, seller.id, { priceCents: PRICE_CENTS, title: `Logo design ${uniqueId('rep')}` }));
    }
    const buyers = await Promise.all(Array.from({ length: opts.buyers ?? 1 }, () => directAccount(env.db, 'rep_buyer')));
    await Promise.all(buyers.map((b) => fund(env.db, b.id, FUNDS_CENTS)));
    return new SellerWorld(env, seller, offers, buyers);
  }

  /** The API whose new orders get `ending`'s shortened rules. */
  callFor(ending: Ending): Caller {
    const policy = { ...orderPolicy(), ...SHORTENED[ending] };
    const key = JSON.stringify(policy);
    let call = this.callers.get(key);
    if (!call) {
      call = callerFor(buildApp({ db: this.env.db, temporal: this.env.temporal, taskQueue: this.env.taskQueue, orderPolicy: policy }));
      this.callers.set(key, call);
    }
    return call;
  }

  /** The API with the real rules, for reading. */
  get call(): Caller {
    return this.callFor('accepted');
  }

  /** Runs the planned orders at once (the order they finish in changes no figure of a history under 30 orders). */
  async run(plans: readonly Planned[]): Promise<number[]> {
    return Promise.all(plans.map((p) => this.order(p)));
  }

  /** Places one order, drives it to its planned end, leaves the planned verdict, and records what it means. */
  async order(plan: Planned): Promise<number> {
    const buyer = this.buyers[plan.buyer ?? 0]!;
    const offerId = this.offers[plan.offer ?? 0]!;
    const call = this.callFor(plan.ending);
    const { orderId } = await placeOrder(call, buyer, { offerId });
    const view = await drive(this, call, buyer, orderId, plan.ending);
    if (plan.verdict) await this.leave(buyer, orderId, plan.verdict);
    if (plan.ending !== 'open') this.finished.push(finishedOrder(plan, view, offerId, buyer.id));
    return orderId;
  }

  /** The buyer's like or dislike through the feedback API, recorded on the finished order. */
  async leave(buyer: TestUser, orderId: number, verdict: 'like' | 'dislike'): Promise<void> {
    const res = await this.call('POST', `/orders/${orderId}/feedback`, { token: buyer.token, body: { verdict, text: `${verdict}d it` } });
    assert.equal(res.status, 201, `feedback on order ${orderId}: ${JSON.stringify(res.body)}`);
    const done = this.finished.find((o) => o.orderId === orderId);
    if (done) done.feedback = verdict === 'like' ? 'positive' : 'negative';
  }

  /** What the reference says the test's finished orders make of the seller. */
  expected(): Shown {
    return { ...referenceOf(this.finished), completedOrders: this.finished.filter((o) => o.outcome === 'completed').length };
  }

  /**
   * Reads what a user sees and holds it against the reference. After an ignored order the
   * seller's offers are blocked (K-64, by their standing, just after the order's own write): it
   * waits for that, and the profile then lists none of them.
   */
  async assertShown(what: string): Promise<Shown> {
    const blocked = this.ignoredCount() > this.ignoredLifted;
    if (blocked) {
      const suspended = async () => (await Promise.all(this.offers.map((id) => this.call('GET', `/offers/${id}`)))).every((page) => page.body.status === 'suspended');
      await pollUntil(suspended, { timeoutMs: 20_000, what: `${this.seller.login}'s offers blocked after an ignored order (K-64)` });
    }
    const shown = await shownReputation(this.call, this.seller, this.offers, blocked);
    assert.deepEqual(shown, this.expected(), `${what}: the seller ${this.seller.login} as a user sees them`);
    return shown;
  }

  private ignoredCount(): number {
    return this.finished.filter((o) => o.cancellation?.reason === 'seller_ignored').length;
  }

  /**
   * Staff lift the K-64 block of the ignored orders so far (K-65), once the standing has
   * counted every one of them: the seller may sell again at once, whenever the block landed.
   */
  async liftBlocks(): Promise<void> {
    const ignored = this.ignoredCount();
    const counted = async () => {
      const standing = await this.call('GET', '/me/standing', { token: this.seller.token });
      return standing.body.history?.filter((h: { kind: string | null }) => h.kind === 'ignored_order').length === ignored;
    };
    await pollUntil(counted, { timeoutMs: 20_000, what: `${this.seller.login}'s standing to count ${ignored} ignored orders (K-64)` });
    const staff = await directAccount(this.env.db, 'rep_support');
    await createAccounts({ db: this.env.db, clock: systemClock }).grantRole(staff.id, 'support');
    const lifted = await this.call('POST', `/staff/users/${this.seller.id}/sanctions/lift`, { token: staff.token, body: { block: 'offers', reason: 'The scenario sells on.' } });
    assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
    const active = async () => (await Promise.all(this.offers.map((id) => this.call('GET', `/offers/${id}`)))).every((page) => page.body.status === 'active');
    await pollUntil(active, { timeoutMs: 20_000, what: `${this.seller.login}'s offers back after the lift` });
    this.ignoredLifted = ignored;
  }

  /** Holds a buyer's K-35 status on their profile against the reference over their purchases: their completed orders here. */
  async assertBuyerShown(index: number): Promise<{ rank: string; superBuyer: boolean; purchases: number } | null> {
    const buyer = this.buyers[index]!;
    const purchases = this.finished.filter((o) => o.buyerId === buyer.id && o.outcome === 'completed').map((o) => ({ orderId: o.orderId, at: o.finishedAt }));
    const { rank, superBuyer } = referenceBuyerLevel(purchases, new Date().toISOString());
    const expected = rank === null ? null : { rank, superBuyer, purchases: purchases.length };
    const shown = await shownBuyerStatus(this.call, buyer);
    assert.deepEqual(shown, expected, `buyer ${buyer.login}`);
    return shown;
  }

  /** The texts of the seller's level-change notifications, oldest first. */
  async levelNotices(): Promise<string[]> {
    const res = await this.call('GET', '/notifications?limit=100', { token: this.seller.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.items as { kind: string; text: string }[])
      .filter((n) => n.kind === 'seller_level')
      .map((n) => n.text)
      .reverse();
  }
}

/** The finished order the test made, from the plan's intent and the instants on the buyer's order page. */
function finishedOrder(plan: Planned, view: OrderView, offerId: number, buyerId: number): FinishedOrder {
  const meaning = MEANING[plan.ending as Exclude<Ending, 'open'>];
  const finishedAt = view.closure!.at;
  const order: FinishedOrder = {
    orderId: view.orderId,
    offerId,
    buyerId,
    finishedAt,
    outcome: meaning.completed ? 'completed' : 'cancelled',
    late: meaning.late,
    feedback: plan.verdict === undefined ? null : plan.verdict === 'like' ? 'positive' : 'negative',
    totalCents: PRICE_CENTS,
    sellerEarningsCents: EARNINGS_CENTS,
  };
  if (meaning.cancellation) order.cancellation = meaning.cancellation;
  // K-28: "response to order" is placement to the start of work; "operating speed", the start of work to completion.
  if (view.workStartedAt !== null) {
    order.startedAfterMs = Date.parse(view.workStartedAt) - Date.parse(view.placedAt);
    if (meaning.completed) order.completedAfterMs = Date.parse(finishedAt) - Date.parse(view.workStartedAt);
  }
  return order;
}

const DELIVERY = { type: 'deliver', text: 'The logo, as ordered.', links: ['https://example.com/logo.png'] };
/** Timers are a second or two here; the bound leaves room for a busy machine. */
const ended = (world: SellerWorld, orderId: number, status: string) => rowStatus(world.env.db, orderId, status, 45_000);

/** Takes an order from placement to `ending`; answers the buyer's view of it at its end. */
async function drive(world: SellerWorld, call: Caller, buyer: TestUser, id: number, ending: Ending): Promise<OrderView> {
  const seller = world.seller;
  const as = (user: TestUser, action: Record<string, unknown>) => actOk(call, user, id, action);
  const lateAfterRevision = async () => {
    await as(seller, { type: 'start_work' });
    await as(seller, DELIVERY);
    await as(buyer, { type: 'request_revision', reason: 'Wrong colours.' });
    await ended(world, id, 'late');
  };
  switch (ending) {
    case 'ignored':
      break;
    case 'free_cancel':
      await as(buyer, { type: 'cancel' });
      break;
    case 'accepted_late':
      await lateAfterRevision();
      await as(seller, DELIVERY);
      await as(buyer, { type: 'accept' });
      break;
    case 'not_done_on_time':
      await lateAfterRevision();
      await as(buyer, { type: 'cancel' });
      break;
    case 'inactivity_late':
      await lateAfterRevision();
      break;
    default:
      await as(seller, { type: 'start_work' });
      await afterStart(world, call, buyer, id, ending);
  }
  return ended(world, id, END_STATUS[ending]);
}

/** The endings that go on from an order in progress. */
async function afterStart(world: SellerWorld, call: Caller, buyer: TestUser, id: number, ending: Ending): Promise<void> {
  const seller = world.seller;
  const as = (user: TestUser, action: Record<string, unknown>) => actOk(call, user, id, action);
  switch (ending) {
    case 'accepted':
      await as(seller, DELIVERY);
      await as(buyer, { type: 'accept' });
      return;
    case 'auto_accepted':
      await as(seller, DELIVERY);
      return;
    case 'cancel_sufficient':
      await as(buyer, { type: 'request_cancellation', reason: 'no_longer_needed' });
      await as(seller, { type: 'accept_cancellation' });
      return;
    case 'cancel_insufficient':
      await as(seller, { type: 'request_cancellation', reason: 'too_busy', comment: 'Too many orders this week.' });
      await as(buyer, { type: 'accept_cancellation' });
      return;
    case 'cancel_unanswered':
      await as(seller, { type: 'request_cancellation', reason: 'too_busy', comment: 'Too many orders this week.' });
      return;
    case 'arbiter_pays':
      return arbitrate(world, call, buyer, id, { kind: 'pay_seller' });
    case 'arbiter_refunds':
      return arbitrate(world, call, buyer, id, { kind: 'refund_buyer' });
    case 'arbiter_splits':
      return arbitrate(world, call, buyer, id, { kind: 'split', sellerAmountCents: 555 });
    case 'inactivity':
    case 'open':
      return;
    default:
      throw new Error(`no way to ${ending} from an order in progress`);
  }
}

/** A declined cancellation, a dispute answered, and the arbiter's decision (K-15, D-05). */
async function arbitrate(world: SellerWorld, call: Caller, buyer: TestUser, id: number, decision: Record<string, unknown>): Promise<void> {
  const { seller } = world;
  const { arbiter } = world.env;
  await actOk(call, buyer, id, { type: 'request_cancellation', reason: 'seller_unresponsive', comment: 'No news for days.' });
  await actOk(call, seller, id, { type: 'decline_cancellation' });
  await actOk(call, buyer, id, { type: 'open_dispute', statement: 'The work is not what was ordered.' });
  await actOk(call, seller, id, { type: 'answer_dispute', statement: 'It is exactly what was ordered.' });
  const take = await call('POST', `/arbitration/orders/${id}/take`, { token: arbiter.token });
  assert.equal(take.status, 200, JSON.stringify(take.body));
  const decided = await call('POST', `/arbitration/orders/${id}/decision`, { token: arbiter.token, body: { decision, comment: 'Decided on the statements.' } });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));
}

/**
 * What a user sees of a seller, through the API: the seller's profile (`GET /users/{login}`:
 * their card with the figures, Sales analytics, and their offers with the Top Rated flag — none
 * while `blocked`), each offer page (`GET /offers/{id}`) showing the flag, and agreeing with the
 * profile where it lists the offer.
 */
export async function shownReputation(call: Caller, seller: TestUser, offerIds: readonly number[], blocked = false): Promise<Shown> {
  const profile = await call('GET', `/users/${seller.login}`);
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  const card = profile.body.seller;
  const listed = profile.body.offers as { id: number; topRated: boolean }[];
  const expectedListed = blocked ? [] : [...offerIds].sort((a, b) => a - b);
  assert.deepEqual(listed.map((o) => o.id).sort((a, b) => a - b), expectedListed, blocked ? 'the profile lists no blocked offer' : 'the profile lists every offer');
  const topRated: number[] = [];
  for (const id of offerIds) {
    const page = await call('GET', `/offers/${id}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    if (page.body.topRated) topRated.push(id);
    const onProfile = listed.find((o) => o.id === id);
    if (onProfile) assert.equal(page.body.topRated, onProfile.topRated, `offer ${id}: the offer page and the profile agree on Top Rated`);
  }
  return {
    level: card.level,
    stars: card.stars,
    successfullyCompleted: card.successfullyCompletedPercent,
    submittedOnTime: card.onTimePercent,
    ratingPercent: card.ratingPercent,
    topRatedOffers: topRated.sort((a, b) => a - b),
    analytics: card.analytics,
    completedOrders: card.completedOrders,
  };
}

/** A buyer's K-35 status on their own profile page, as anybody sees it (they sell nothing). */
export async function shownBuyerStatus(call: Caller, buyer: TestUser): Promise<{ rank: string; superBuyer: boolean; purchases: number } | null> {
  const profile = await call('GET', `/users/${buyer.login}`);
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  return profile.body.seller.buyerStatus;
}
