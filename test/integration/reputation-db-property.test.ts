/**
 * Stored reputation against the reference (issue 16): seeded random histories — outcomes,
 * lateness, feedback, cancellations by reason, two offers, repeat buyers — written through the
 * real writes (`recordOrderEvent` closes each order, the feedback service takes each like or
 * dislike, both recompute in their transaction), and after EVERY order the stored level, stars,
 * percentages, rating, Top Rated and Sales analytics must equal `referenceOf` over the orders
 * as the test meant them. The test builds each `FinishedOrder` from its own intent (the rules'
 * reading of the ending it chose), with only the instants and amounts read from the order row;
 * the product's mapping (`db/reputation.ts`) is not used. `GIGFLOW_SEED=<n>` replays a run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FinishedCancellation, FinishedOrder } from '../../workflows/lib/reputation.js';
import { insertOffer } from '../support/catalog.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';
import { insertConfirmedUser } from '../support/ledger.js';
import { referenceOf } from '../support/reputation-reference.js';
import { finishOrder, historyFrom, storedStanding, type Outcome } from '../support/reputation.js';
import { checkProperty } from '../support/seed.js';

/** The DB path is slow: a few runs of histories long enough to cross the 10-order level and Top Rated's 20 likes. */
const RUNS = 8;
const MAX_ORDERS = 60;

/** What each outcome means to the rules, written out here (not read from the product). */
const MEANING: Record<Outcome, { completed: boolean; late: boolean; feedback: FinishedOrder['feedback']; cancellation?: FinishedCancellation }> = {
  liked: { completed: true, late: false, feedback: 'positive' },
  unrated: { completed: true, late: false, feedback: null },
  disliked: { completed: true, late: false, feedback: 'negative' },
  late_liked: { completed: true, late: true, feedback: 'positive' },
  late_unrated: { completed: true, late: true, feedback: null },
  ignored: { completed: false, late: false, feedback: null, cancellation: { by: 'system', reason: 'seller_ignored', sufficient: false } },
  too_busy_disliked: { completed: false, late: false, feedback: 'negative', cancellation: { by: 'buyer', reason: 'too_busy', sufficient: false } },
  no_longer_needed: { completed: false, late: false, feedback: null, cancellation: { by: 'seller', reason: 'no_longer_needed', sufficient: true } },
  free_cancel: { completed: false, late: false, feedback: null, cancellation: { by: 'buyer', reason: 'buyer_free_cancel', sufficient: true } },
  cancelled_late_disliked: { completed: false, late: true, feedback: 'negative', cancellation: { by: 'buyer', reason: 'not_done_on_time', sufficient: false } },
};

/** Mostly liked orders (so levels and Top Rated are reached), every other ending now and then. */
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  { arbitrary: fc.constant<Outcome>('liked'), weight: 12 },
  { arbitrary: fc.constant<Outcome>('unrated'), weight: 2 },
  ...(['disliked', 'late_liked', 'late_unrated', 'ignored', 'too_busy_disliked', 'no_longer_needed', 'free_cancel', 'cancelled_late_disliked'] as const).map((o) => ({
    arbitrary: fc.constant<Outcome>(o),
    weight: 1,
  })),
);
const step = fc.record({ outcome, offer: fc.nat(1), buyer: fc.nat(2) });

describe('stored reputation equals the reference after every finished order', () => {
  let database: TestDatabase;
  let users = 0;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
  });
  after(async () => {
    await database?.drop();
  });

  const user = (prefix: string) => insertConfirmedUser(database.db, `${prefix}_${++users}`);

  /** The order as the test meant it, with the instants and amounts its row holds. */
  async function meant(orderId: number, chosen: Outcome): Promise<FinishedOrder> {
    const [row] = await database.db.sql<{ offer_id: string; buyer_id: string; total_cents: string; seller_earnings_cents: string; placed: string; started: string | null; closed: string }[]>`
      select offer_id, buyer_id, total_cents, seller_earnings_cents, view->>'placedAt' as placed, view->>'workStartedAt' as started, closure->>'at' as closed
      from orders where id = ${orderId}`;
    const m = MEANING[chosen];
    const order: FinishedOrder = {
      orderId,
      offerId: Number(row!.offer_id),
      buyerId: Number(row!.buyer_id),
      finishedAt: row!.closed,
      outcome: m.completed ? 'completed' : 'cancelled',
      late: m.late,
      feedback: m.feedback,
      totalCents: Number(row!.total_cents),
      sellerEarningsCents: Number(row!.seller_earnings_cents),
    };
    if (m.cancellation) order.cancellation = m.cancellation;
    if (row!.started !== null) {
      order.startedAfterMs = Date.parse(row!.started) - Date.parse(row!.placed);
      if (m.completed) order.completedAfterMs = Date.parse(row!.closed) - Date.parse(row!.started);
    }
    return order;
  }

  it('holds for seeded histories of outcomes, lateness, feedback and cancellations', async () => {
    await checkProperty(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: MAX_ORDERS }), async (plan) => {
        const seller = await user('prop_seller');
        const offers = [await insertOffer(database.db, seller.id), await insertOffer(database.db, seller.id, { priceCents: 2_500 })];
        const buyers = [await user('prop_buyer'), await user('prop_buyer'), await user('prop_buyer')];
        const at = historyFrom();
        const history: FinishedOrder[] = [];
        for (const [i, s] of plan.entries()) {
          const orderId = await finishOrder(database.db, at, { buyer: buyers[s.buyer]!, offerId: offers[s.offer]!, outcome: s.outcome });
          history.push(await meant(orderId, s.outcome));
          const expected = referenceOf(history);
          const stored = await storedStanding(database.db, seller.id);
          const [row] = await database.db.sql<{ analytics: unknown }[]>`select analytics from seller_stats where user_id = ${seller.id}`;
          assert.deepEqual(
            {
              level: stored.level,
              stars: stored.stars,
              successfullyCompleted: stored.successfullyCompleted,
              submittedOnTime: stored.submittedOnTime,
              ratingPercent: stored.ratingPercent,
              topRatedOffers: stored.topRatedOffers,
              analytics: row?.analytics ?? null,
            },
            expected,
            `after order ${i + 1} of ${plan.length} (${s.outcome})`,
          );
        }
      }),
      { numRuns: RUNS, file: import.meta.filename },
    );
  });
});
