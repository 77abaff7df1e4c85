/**
 * Reputation against a reference (issue 16): random order histories from the run's seed
 * (outcomes, lateness, feedback, cancellations by reason and party, several offers, repeat
 * buyers), and after every finished order the module's level, stars, rating, percentages, Top Rated,
 * analytics and buyer level must equal the plain reference of test/support/reputation-reference.ts,
 * written without the module's code.
 * `GIGFLOW_SEED=<n> npm test -- <this file>` runs it from another seed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sellerFigures } from '../../db/reputation.js';
import * as reputation from '../../workflows/lib/reputation.js';
import type { FinishedOrder } from '../../workflows/lib/reputation.js';
import { referenceBuyerLevel, referenceOf } from '../support/reputation-reference.js';
import { checkProperty } from '../support/seed.js';

const RUNS = 60;
const MAX_ORDERS = 140;
const START = Date.parse('2026-01-01T00:00:00.000Z');
const MINUTE = 60_000;

// ---------------------------------------------------------------------------------------------
// Histories.
// ---------------------------------------------------------------------------------------------

/** How an order can go wrong, each with the cancellation (party, reason, sufficiency) the order process records. */
const TROUBLES = [
  'late',
  'late_disliked',
  'disliked',
  'seller_insufficient',
  'buyer_sufficient',
  'ignored',
  'ignored_marked_sufficient',
  'not_done_on_time',
  'arbiter',
  'inactivity',
  'no_record',
] as const;

const drawn = fc.record({
  troubled: fc.integer({ min: 0, max: 99 }),
  trouble: fc.constantFrom(...TROUBLES),
  unratedRoll: fc.integer({ min: 0, max: 99 }),
  feedbackOnCancel: fc.constantFrom('positive', 'negative', null),
  sufficient: fc.boolean(),
  /** Whether an arbiter's cancellation came after the deadline (either sufficiency). */
  lateArbitration: fc.boolean(),
  offerId: fc.integer({ min: 1, max: 3 }),
  buyerId: fc.integer({ min: 1, max: 6 }),
  gapMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 * 24 * 60 })),
  startedAfterMs: fc.option(fc.integer({ min: 0, max: 86_400_000 }), { nil: undefined }),
  completedAfterMs: fc.option(fc.integer({ min: 1, max: 10 * 86_400_000 }), { nil: undefined }),
  totalCents: fc.integer({ min: 500, max: 100_000 }),
  commissionPerMille: fc.integer({ min: 0, max: 300 }),
});
type Drawn = typeof drawn extends fc.Arbitrary<infer T> ? T : never;

/** Per history: how often an order goes wrong, and how often a completed one stays unrated (percent). */
const mood = fc.record({
  troublePercent: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 30 })),
  unratedPercent: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15 })),
});

const histories = fc.tuple(mood, fc.integer({ min: 0, max: MAX_ORDERS })).chain(([m, n]) =>
  fc.tuple(fc.constant(m), fc.array(drawn, { minLength: n, maxLength: n })),
);

function cancellationOf(d: Drawn): FinishedOrder['cancellation'] {
  switch (d.trouble) {
    case 'seller_insufficient':
      return { by: 'seller', reason: 'too_busy', sufficient: false };
    case 'buyer_sufficient':
      return { by: 'buyer', reason: 'no_longer_needed', sufficient: true };
    case 'ignored':
      return { by: 'system', reason: 'seller_ignored', sufficient: false };
    case 'ignored_marked_sufficient':
      return { by: 'system', reason: 'seller_ignored', sufficient: true };
    case 'not_done_on_time':
      return { by: 'buyer', reason: 'not_done_on_time', sufficient: false };
    case 'arbiter':
      return { by: 'arbiter', reason: 'arbitration', sufficient: d.sufficient };
    case 'inactivity':
      return { by: 'system', reason: 'inactivity', sufficient: d.sufficient };
    default:
      return undefined;
  }
}

/** The `i`-th finished order of a history, finishing at `finishedMs`. */
function toOrder(d: Drawn, i: number, finishedMs: number, m: { troublePercent: number; unratedPercent: number }): FinishedOrder {
  const troubled = d.troubled < m.troublePercent;
  const cancelled = troubled && !['late', 'late_disliked', 'disliked'].includes(d.trouble);
  const o: FinishedOrder = {
    orderId: i + 1,
    offerId: d.offerId,
    buyerId: d.buyerId,
    finishedAt: new Date(finishedMs).toISOString(),
    outcome: cancelled ? 'cancelled' : 'completed',
    late: troubled && (d.trouble === 'late' || d.trouble === 'late_disliked' || d.trouble === 'not_done_on_time' || (d.trouble === 'inactivity' && !d.sufficient) || (d.trouble === 'arbiter' && d.lateArbitration)),
    feedback: cancelled ? d.feedbackOnCancel : troubled && d.trouble.endsWith('disliked') ? 'negative' : d.unratedRoll < m.unratedPercent ? null : 'positive',
    totalCents: d.totalCents,
    sellerEarningsCents: d.totalCents - Math.floor((d.totalCents * d.commissionPerMille) / 1000),
  };
  const cancellation = cancelled ? cancellationOf(d) : undefined;
  if (cancellation) o.cancellation = cancellation;
  if (d.startedAfterMs !== undefined && !(cancelled && d.trouble.startsWith('ignored'))) o.startedAfterMs = d.startedAfterMs;
  if (!cancelled && d.completedAfterMs !== undefined) o.completedAfterMs = d.completedAfterMs;
  return o;
}

/** What the property saw over all runs: each outcome must occur, or the property proves little. */
const seen = { levels: new Set<string>(), topRated: 0, analytics: 0, stars: 0, superBuyer: 0, ranks: new Set<string>() };

function checkStep(prefix: FinishedOrder[], step: number): void {
  // Every other step the module gets the orders newest first: it must order them itself.
  const given = step % 2 === 0 ? prefix : [...prefix].reverse();
  const now = prefix[prefix.length - 1]!.finishedAt;
  const purchases = prefix.filter((o) => o.buyerId === 1 && o.outcome === 'completed').map((o) => ({ orderId: o.orderId, at: o.finishedAt }));
  const ref = referenceOf(prefix);
  const expected = {
    level: ref.level,
    stars: ref.stars,
    ratingPercent: ref.ratingPercent,
    percentages: { successfullyCompleted: ref.successfullyCompleted, submittedOnTime: ref.submittedOnTime },
    topRated: ref.topRatedOffers,
    analytics: ref.analytics,
    buyer: referenceBuyerLevel(purchases, now),
  };
  const actual = {
    level: reputation.sellerLevel(given),
    stars: reputation.stars(given),
    ratingPercent: reputation.sellerRating(given),
    percentages: reputation.profilePercentages(given),
    topRated: reputation.topRatedOffers(given),
    analytics: reputation.salesAnalytics(given),
    buyer: reputation.buyerLevel(purchases, now),
  };
  assert.deepEqual(actual, expected, `after finished order ${step + 1}`);
  // A recompute sorts the history once for every figure (`sellerFigures`, via `inOrder`): the same figures.
  const stored = sellerFigures(given);
  assert.deepEqual(
    {
      level: stored.level,
      ratingPercent: stored.ratingPercent,
      percentages: { successfullyCompleted: stored.successfullyCompletedPercent, submittedOnTime: stored.onTimePercent },
      topRated: stored.topRatedOffers,
      analytics: stored.analytics,
    },
    { level: expected.level, ratingPercent: expected.ratingPercent, percentages: expected.percentages, topRated: expected.topRated, analytics: expected.analytics },
    `the stored figures after finished order ${step + 1}`,
  );
  seen.levels.add(actual.level);
  seen.topRated += actual.topRated.length > 0 ? 1 : 0;
  seen.analytics += actual.analytics ? 1 : 0;
  seen.stars += actual.stars === null ? 0 : 1;
  seen.superBuyer += actual.buyer.superBuyer ? 1 : 0;
  if (actual.buyer.rank) seen.ranks.add(actual.buyer.rank);
}

describe('reputation against the reference', () => {
  it('agrees on level, stars, seller rating, percentages, Top Rated, analytics and buyer level after every finished order', async () => {
    const property = fc.property(histories, ([m, draws]) => {
      const prefix: FinishedOrder[] = [];
      let at = START;
      draws.forEach((d, i) => {
        at += d.gapMinutes * MINUTE;
        const o = toOrder(d, i, at, m);
        prefix.push(o);
        checkStep(prefix, i);
      });
    });
    await checkProperty(property, { numRuns: RUNS, file: import.meta.filename });
    assert.deepEqual([...seen.levels].sort(), ['advanced', 'newbie', 'professional'], 'every seller level occurs');
    assert.ok(seen.topRated > 0 && seen.analytics > 0 && seen.stars > 0, 'Top Rated, analytics and stars occur');
    assert.ok(seen.superBuyer > 0 && seen.ranks.has('accustomed'), 'Super buyer and a rank above Newbie occur');
  });
});
