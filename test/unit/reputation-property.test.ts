/**
 * Reputation against a reference (issue 16): random order histories from the run's seed
 * (outcomes, lateness, feedback, cancellations by reason and party, several offers, repeat
 * buyers), and after every finished order the module's level, stars, percentages, Top Rated,
 * analytics and buyer level must equal a plain fold written here without the module's code.
 * `GIGFLOW_SEED=<n> npm test -- <this file>` runs it from another seed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as reputation from '../../workflows/lib/reputation.js';
import type { FinishedOrder } from '../../workflows/lib/reputation.js';
import { checkProperty } from '../support/seed.js';

const RUNS = 60;
const MAX_ORDERS = 140;
const START = Date.parse('2026-01-01T00:00:00.000Z');
const MINUTE = 60_000;

// ---------------------------------------------------------------------------------------------
// The reference: the rules read plainly, one order at a time, floating point where it is exact.
// ---------------------------------------------------------------------------------------------

/** What the fold keeps: the orders in the order they finished, and the figures it reads off them. */
interface Reference {
  orders: FinishedOrder[];
  offers: Map<number, FinishedOrder[]>;
  buyersSeen: Set<number>;
  repeatOrders: Set<number>;
}

const emptyReference = (): Reference => ({ orders: [], offers: new Map(), buyersSeen: new Set(), repeatOrders: new Set() });

function fold(ref: Reference, o: FinishedOrder): void {
  ref.orders.push(o);
  ref.offers.set(o.offerId, [...(ref.offers.get(o.offerId) ?? []), o]);
  if (ref.buyersSeen.has(o.buyerId)) ref.repeatOrders.add(o.orderId);
  ref.buyersSeen.add(o.buyerId);
}

/** K-27/K-34: an auto-cancellation or a cancellation for a reason that is not sufficient. */
function againstSeller(o: FinishedOrder): boolean {
  if (o.outcome !== 'cancelled') return false;
  if (o.cancellation === undefined) return true;
  if (o.cancellation.by === 'system' && o.cancellation.reason === 'seller_ignored') return true;
  return !o.cancellation.sufficient;
}

/** D-01 failed: against the seller, or completed late. */
const failed = (o: FinishedOrder): boolean => (o.outcome === 'completed' ? o.late : againstSeller(o));
const count = (list: readonly FinishedOrder[], test: (o: FinishedOrder) => boolean): number => list.filter(test).length;
const floorPercent = (a: number, b: number): number | null => (b === 0 ? null : Math.floor((100 * a) / b));
const average = (values: number[]): number | null => (values.length === 0 ? null : Math.round(values.reduce((s, v) => s + v, 0) / values.length));

function referenceLevel(ref: Reference): reputation.SellerLevel {
  const completed = count(ref.orders, (o) => o.outcome === 'completed');
  const window = ref.orders.slice(-100);
  const badPercent = window.length === 0 ? 0 : (100 * count(window, (o) => o.feedback === 'negative' || failed(o))) / window.length;
  if (completed > 50 && badPercent < 8) return 'professional';
  if (completed > 10 && badPercent < 10) return 'advanced';
  return 'newbie';
}

function referenceStars(ref: Reference): number | null {
  const likes = count(ref.orders, (o) => o.outcome === 'completed' && o.feedback === 'positive');
  const dislikes = count(ref.orders, (o) => o.feedback === 'negative');
  return likes + dislikes === 0 ? null : Math.round((50 * likes) / (likes + dislikes)) / 10;
}

function referencePercentages(ref: Reference): reputation.ProfilePercentages {
  const completed = ref.orders.filter((o) => o.outcome === 'completed');
  return {
    successfullyCompleted: floorPercent(completed.length, completed.length + count(ref.orders, againstSeller)),
    submittedOnTime: floorPercent(count(completed, (o) => !o.late), completed.length),
  };
}

function referenceTopRated(ref: Reference): number[] {
  const top: number[] = [];
  for (const [offerId, list] of ref.offers) {
    const completed = list.filter((o) => o.outcome === 'completed');
    const liked = count(completed, (o) => o.feedback === 'positive');
    const unrated = count(completed, (o) => o.feedback === null);
    const spotless = list.every((o) => o.feedback !== 'negative' && !o.late && !againstSeller(o));
    if (liked >= 20 && unrated / completed.length <= 0.1 && spotless) top.push(offerId);
  }
  return top.sort((a, b) => a - b);
}

function referenceAnalytics(ref: Reference): reputation.SalesAnalytics | null {
  const completed = ref.orders.filter((o) => o.outcome === 'completed');
  if (completed.length < 4) return null;
  const last30 = ref.orders.slice(-30);
  const last80 = ref.orders.slice(-80);
  const forFeedback = count(last80, (o) => o.feedback === 'positive') + count(last80, (o) => ref.repeatOrders.has(o.orderId));
  const against = count(last80, (o) => o.feedback === 'negative');
  const responsible = count(last30, (o) => !failed(o));
  const totals = completed.reduce((s, o) => s + o.totalCents, 0);
  return {
    responsibility: { for: responsible, of: last30.length, percent: floorPercent(responsible, last30.length) },
    feedback: { for: forFeedback, of: forFeedback + against, percent: floorPercent(forFeedback, forFeedback + against) },
    averageStartMs: average(ref.orders.filter((o) => o.startedAfterMs !== undefined).map((o) => o.startedAfterMs!)),
    averageCompletionMs: average(completed.filter((o) => o.completedAfterMs !== undefined).map((o) => o.completedAfterMs!)),
    earnedCents: completed.reduce((s, o) => s + o.sellerEarningsCents, 0),
    averageOrderCents: Math.round(totals / completed.length),
    sales: completed.length,
  };
}

/** "3 months before", by taking the ISO text apart: month − 3, the day cut to that month's length. */
function threeMonthsBefore(isoNow: string): string {
  const [, y, m, d, rest] = /^(\d{4})-(\d{2})-(\d{2})(T.*)$/.exec(isoNow)!;
  let year = Number(y);
  let month = Number(m) - 3;
  if (month < 1) [year, month] = [year - 1, month + 12];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const length = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  const day = Math.min(Number(d), length);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}${rest}`;
}

/** K-35 for one buyer: their completed orders in this history are their purchases. */
function referenceBuyer(ref: Reference, buyerId: number, isoNow: string): reputation.BuyerLevel {
  const bought = ref.orders.filter((o) => o.buyerId === buyerId && o.outcome === 'completed' && o.finishedAt <= isoNow);
  const since = threeMonthsBefore(isoNow);
  const n = bought.length;
  const rank = n >= 90 ? 'mega_giant' : n >= 50 ? 'giant' : n >= 20 ? 'experienced' : n >= 7 ? 'accustomed' : n >= 1 ? 'newbie' : null;
  return { rank, superBuyer: count(bought, (o) => o.finishedAt >= since) >= 12 };
}

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

function checkStep(ref: Reference, prefix: FinishedOrder[], step: number): void {
  // Every other step the module gets the orders newest first: it must order them itself.
  const given = step % 2 === 0 ? prefix : [...prefix].reverse();
  const now = prefix[prefix.length - 1]!.finishedAt;
  const expected = {
    level: referenceLevel(ref),
    stars: referenceStars(ref),
    percentages: referencePercentages(ref),
    topRated: referenceTopRated(ref),
    analytics: referenceAnalytics(ref),
    buyer: referenceBuyer(ref, 1, now),
  };
  const purchases = prefix.filter((o) => o.buyerId === 1 && o.outcome === 'completed').map((o) => ({ orderId: o.orderId, at: o.finishedAt }));
  const actual = {
    level: reputation.sellerLevel(given),
    stars: reputation.stars(given),
    percentages: reputation.profilePercentages(given),
    topRated: reputation.topRatedOffers(given),
    analytics: reputation.salesAnalytics(given),
    buyer: reputation.buyerLevel(purchases, now),
  };
  assert.deepEqual(actual, expected, `after finished order ${step + 1}`);
  seen.levels.add(actual.level);
  seen.topRated += actual.topRated.length > 0 ? 1 : 0;
  seen.analytics += actual.analytics ? 1 : 0;
  seen.stars += actual.stars === null ? 0 : 1;
  seen.superBuyer += actual.buyer.superBuyer ? 1 : 0;
  if (actual.buyer.rank) seen.ranks.add(actual.buyer.rank);
}

describe('reputation against the reference fold', () => {
  it('agrees on level, stars, percentages, Top Rated, analytics and buyer level after every finished order', async () => {
    const property = fc.property(histories, ([m, draws]) => {
      const ref = emptyReference();
      const prefix: FinishedOrder[] = [];
      let at = START;
      draws.forEach((d, i) => {
        at += d.gapMinutes * MINUTE;
        const o = toOrder(d, i, at, m);
        fold(ref, o);
        prefix.push(o);
        checkStep(ref, prefix, i);
      });
    });
    await checkProperty(property, { numRuns: RUNS, file: import.meta.filename });
    assert.deepEqual([...seen.levels].sort(), ['advanced', 'newbie', 'professional'], 'every seller level occurs');
    assert.ok(seen.topRated > 0 && seen.analytics > 0 && seen.stars > 0, 'Top Rated, analytics and stars occur');
    assert.ok(seen.superBuyer > 0 && seen.ranks.has('accustomed'), 'Super buyer and a rank above Newbie occur');
  });
});
