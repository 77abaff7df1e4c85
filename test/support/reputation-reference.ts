/**
 * The reference of reputation (issue 16): the rules of RULES.md read plainly, written without
 * `workflows/lib/reputation.ts`'s code, so that a test can hold the product's figures against
 * them — the seeded property test (test/unit/reputation-property.test.ts) and the scenarios
 * driven through the real order workflow (test/integration/reputation-scenarios.test.ts).
 * Floating point is used only where it is exact.
 */
import type { BuyerLevel, FinishedOrder, Purchase, SalesAnalytics, SellerLevel } from '../../workflows/lib/reputation.js';

/** Everything a seller's finished orders decide, as the reference reads the rules. */
export interface ReferenceReputation {
  level: SellerLevel;
  stars: number | null;
  successfullyCompleted: number | null;
  submittedOnTime: number | null;
  ratingPercent: number | null;
  /** Ids of the offers that are Top Rated, ascending. */
  topRatedOffers: number[];
  analytics: SalesAnalytics | null;
}

/** K-27/K-34: an auto-cancellation or a cancellation for a reason that is not sufficient (none recorded: not sufficient). */
function againstSeller(o: FinishedOrder): boolean {
  if (o.outcome !== 'cancelled') return false;
  if (o.cancellation === undefined) return true;
  if (o.cancellation.by === 'system' && o.cancellation.reason === 'seller_ignored') return true;
  return !o.cancellation.sufficient;
}

/** D-01 failed: against the seller, or completed late. */
const failed = (o: FinishedOrder): boolean => (o.outcome === 'completed' ? o.late : againstSeller(o));
/** K-27/K-32 bad: negative feedback or failed (an order counts once). */
const bad = (o: FinishedOrder): boolean => o.feedback === 'negative' || failed(o);

const count = (list: readonly FinishedOrder[], test: (o: FinishedOrder) => boolean): number => list.filter(test).length;
const floorPercent = (a: number, b: number): number | null => (b === 0 ? null : Math.floor((100 * a) / b));
const average = (values: number[]): number | null => (values.length === 0 ? null : Math.round(values.reduce((s, v) => s + v, 0) / values.length));

/** The orders in the order they finished: `finishedAt`, then `orderId` (ISO texts of one format sort as text). */
function inFinishingOrder(orders: readonly FinishedOrder[]): FinishedOrder[] {
  return [...orders].sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : a.orderId - b.orderId));
}

/** K-32, D-01: more than 50 completed and under 8 % bad of the last 100 → Professional; more than 10 and under 10 % → Advanced. */
function level(orders: readonly FinishedOrder[]): SellerLevel {
  const completed = count(orders, (o) => o.outcome === 'completed');
  const window = orders.slice(-100);
  const badPercent = window.length === 0 ? 0 : (100 * count(window, bad)) / window.length;
  if (completed > 50 && badPercent < 8) return 'professional';
  if (completed > 10 && badPercent < 10) return 'advanced';
  return 'newbie';
}

/** D-02/K-30: 5 × likes ÷ (likes + dislikes), one decimal; a like counts on a completed order only. */
function stars(orders: readonly FinishedOrder[]): number | null {
  const likes = count(orders, (o) => o.outcome === 'completed' && o.feedback === 'positive');
  const dislikes = count(orders, (o) => o.feedback === 'negative');
  return likes + dislikes === 0 ? null : Math.round((50 * likes) / (likes + dislikes)) / 10;
}

/** K-27 seller rating: the share of the last 100 finished orders that are not bad, rounded down. */
function ratingPercent(orders: readonly FinishedOrder[]): number | null {
  const window = orders.slice(-100);
  return floorPercent(count(window, (o) => !bad(o)), window.length);
}

/** K-29, D-02: per offer, at least 20 likes, at most 10 % of its completed orders unrated, nothing bad ever. */
function topRatedOffers(orders: readonly FinishedOrder[]): number[] {
  const offers = new Map<number, FinishedOrder[]>();
  for (const o of orders) offers.set(o.offerId, [...(offers.get(o.offerId) ?? []), o]);
  const top: number[] = [];
  for (const [offerId, list] of offers) {
    const completed = list.filter((o) => o.outcome === 'completed');
    const liked = count(completed, (o) => o.feedback === 'positive');
    const unrated = count(completed, (o) => o.feedback === null);
    const spotless = list.every((o) => o.feedback !== 'negative' && !o.late && !againstSeller(o));
    if (liked >= 20 && unrated / completed.length <= 0.1 && spotless) top.push(offerId);
  }
  return top.sort((a, b) => a - b);
}

/** The orders placed by a buyer who had already ordered from this seller (in finishing order). */
function repeatOrders(orders: readonly FinishedOrder[]): Set<number> {
  const buyersSeen = new Set<number>();
  const repeats = new Set<number>();
  for (const o of orders) {
    if (buyersSeen.has(o.buyerId)) repeats.add(o.orderId);
    buyersSeen.add(o.buyerId);
  }
  return repeats;
}

/** K-28: shown once the seller has more than 3 completed orders. */
function analytics(orders: readonly FinishedOrder[]): SalesAnalytics | null {
  const completed = orders.filter((o) => o.outcome === 'completed');
  if (completed.length < 4) return null;
  const repeats = repeatOrders(orders);
  const last30 = orders.slice(-30);
  const last80 = orders.slice(-80);
  const forFeedback = count(last80, (o) => o.feedback === 'positive') + count(last80, (o) => repeats.has(o.orderId));
  const against = count(last80, (o) => o.feedback === 'negative');
  const responsible = count(last30, (o) => !failed(o));
  const totals = completed.reduce((s, o) => s + o.totalCents, 0);
  return {
    responsibility: { for: responsible, of: last30.length, percent: floorPercent(responsible, last30.length) },
    feedback: { for: forFeedback, of: forFeedback + against, percent: floorPercent(forFeedback, forFeedback + against) },
    averageStartMs: average(orders.filter((o) => o.startedAfterMs !== undefined).map((o) => o.startedAfterMs!)),
    averageCompletionMs: average(completed.filter((o) => o.completedAfterMs !== undefined).map((o) => o.completedAfterMs!)),
    earnedCents: completed.reduce((s, o) => s + o.sellerEarningsCents, 0),
    averageOrderCents: Math.round(totals / completed.length),
    sales: completed.length,
  };
}

/** What a seller's finished orders (any order: the reference puts them in finishing order) decide. */
export function referenceOf(orders: readonly FinishedOrder[]): ReferenceReputation {
  const sorted = inFinishingOrder(orders);
  const completed = sorted.filter((o) => o.outcome === 'completed');
  return {
    level: level(sorted),
    stars: stars(sorted),
    successfullyCompleted: floorPercent(completed.length, completed.length + count(sorted, againstSeller)),
    submittedOnTime: floorPercent(count(completed, (o) => !o.late), completed.length),
    ratingPercent: ratingPercent(sorted),
    topRatedOffers: topRatedOffers(sorted),
    analytics: analytics(sorted),
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

/** K-35 for one buyer: rank by purchases up to `nowIso`; Super buyer with 12 of them in the 3 months before. */
export function referenceBuyerLevel(purchases: readonly Purchase[], nowIso: string): BuyerLevel {
  const bought = purchases.filter((p) => p.at <= nowIso);
  const since = threeMonthsBefore(nowIso);
  const n = bought.length;
  const rank = n >= 90 ? 'mega_giant' : n >= 50 ? 'giant' : n >= 20 ? 'experienced' : n >= 7 ? 'accustomed' : n >= 1 ? 'newbie' : null;
  return { rank, superBuyer: bought.filter((p) => p.at >= since).length >= 12 };
}
