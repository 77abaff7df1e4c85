/**
 * Reputation as a consequence of finished orders (issue 16): seller level (K-32, D-01), stars
 * (K-30, D-02), the profile's two percentages (K-34), Top Rated per offer (K-29, D-02), sales
 * analytics (K-28) and buyer levels (K-35). Pure functions over a seller's finished orders (or a
 * buyer's purchases), recomputed from scratch: no stored counters that could drift.
 *
 * Every threshold is compared in integers by cross-multiplication ("under 10 %" ⇔
 * 100 × bad < 10 × total); every shown figure is rounded by one stated integer rule.
 */
import type { Cents } from './money.js';
import { msOf } from './time.js';

/** Who ended an order by cancelling it. */
export type CancelledBy = 'buyer' | 'seller' | 'system' | 'arbiter';

/** How a cancelled order was cancelled, as the order's closure records it. */
export interface FinishedCancellation {
  by: CancelledBy;
  /** The closure's reason: a cancellation reason, `seller_ignored`, `not_done_on_time`, `inactivity`, `admin`… */
  reason: string;
  /** K-19: a sufficient reason does not count against the seller. The order process decides it. */
  sufficient: boolean;
}

/** One of a seller's finished orders, as reputation reads it. */
export interface FinishedOrder {
  orderId: number;
  offerId: number;
  buyerId: number;
  /** When the order finished (ISO): orders are taken in this order, ties by `orderId`. */
  finishedAt: string;
  outcome: 'completed' | 'cancelled';
  /** Present exactly when `outcome` is `cancelled`. */
  cancellation?: FinishedCancellation;
  /** The deadline passed before delivery (the order went `late`). */
  late: boolean;
  /** The buyer's like/dislike, if any (K-24: after completion, or an insufficient or late cancellation). */
  feedback: 'positive' | 'negative' | null;
  /** From placement to the start of work (K-28 "response to order"); absent if work never started. */
  startedAfterMs?: number;
  /** From the start of work to completion (K-28 "operating speed"); absent unless completed. */
  completedAfterMs?: number;
  totalCents: Cents;
  /** What the seller is paid for the order once it completes. */
  sellerEarningsCents: Cents;
}

/** The closure reason of an order the seller did not start in time (K-64, `ignored_order`). */
export const AUTO_CANCEL_REASON = 'seller_ignored';

/**
 * Orders in the order they finished: `finishedAt`, then `orderId`. Each instant is parsed once,
 * not in every comparison: a seller's whole history is sorted on every recompute.
 */
export function chronological(orders: readonly FinishedOrder[]): FinishedOrder[] {
  const at = new Map(orders.map((o) => [o, msOf(o.finishedAt)]));
  return [...orders].sort((a, b) => at.get(a)! - at.get(b)! || a.orderId - b.orderId);
}

/**
 * A seller's finished orders sorted once (`inOrder`), for computing several figures that read
 * windows of the latest: each figure given the bare list sorts it again.
 */
export interface History {
  readonly ordered: readonly FinishedOrder[];
}

export const inOrder = (orders: readonly FinishedOrder[]): History => ({ ordered: chronological(orders) });

/** The orders as a `History`: as given if they already are one, else sorted. */
const historyOf = (orders: readonly FinishedOrder[] | History): History => ('ordered' in orders ? orders : inOrder(orders));
const lastN = (orders: readonly FinishedOrder[] | History, n: number): FinishedOrder[] => historyOf(orders).ordered.slice(-n);
const isCompleted = (o: FinishedOrder): boolean => o.outcome === 'completed';

/** An auto-cancellation: the system cancelled because the seller ignored the order (K-27 "auto-cancellation"). */
export function isAutoCancelled(o: FinishedOrder): boolean {
  return o.outcome === 'cancelled' && o.cancellation?.by === 'system' && o.cancellation.reason === AUTO_CANCEL_REASON;
}

/**
 * A cancellation that counts against the seller: for an insufficient reason (K-27 "unreasonable
 * refusal"), or an auto-cancellation, whatever `sufficient` says. A cancelled order without a
 * recorded cancellation is taken as insufficient: reputation does not assume in the seller's favour.
 */
export function isCancelledAgainstSeller(o: FinishedOrder): boolean {
  return o.outcome === 'cancelled' && (o.cancellation?.sufficient !== true || isAutoCancelled(o));
}

/**
 * D-01 "failed": cancelled for an insufficient reason, auto-cancelled (ignored), or delivered
 * late. "Delivered late" is a completed order with `late`; a cancelled late order is judged by
 * its cancellation (the buyer's `not_done_on_time` is insufficient), so it is failed at most once.
 */
export function isFailed(o: FinishedOrder): boolean {
  return isCancelledAgainstSeller(o) || (isCompleted(o) && o.late);
}

/**
 * K-32/D-01 "negative feedback and failed orders": an order is *bad* if it has negative feedback
 * or failed. An order counts once: a late completed order with negative feedback is one bad
 * order of the window, not two (the share is of orders, and two reasons do not make two orders).
 */
export function isBad(o: FinishedOrder): boolean {
  return o.feedback === 'negative' || isFailed(o);
}

export type SellerLevel = 'newbie' | 'advanced' | 'professional';

/** K-32, D-01: the share of bad orders is over the last 100 finished orders (completed + cancelled). */
export const LEVEL_WINDOW = 100;

/** K-32, D-01: "more than" the count, "under" the share; Professional first. */
const LEVELS: readonly { level: SellerLevel; moreThanCompleted: number; underPercent: number }[] = [
  { level: 'professional', moreThanCompleted: 50, underPercent: 8 },
  { level: 'advanced', moreThanCompleted: 10, underPercent: 10 },
];

/** The figures a level is decided on: lifetime completed orders, and bad orders of the window. */
export interface LevelFigures {
  completed: number;
  windowSize: number;
  windowBad: number;
}

export function levelFigures(orders: readonly FinishedOrder[] | History): LevelFigures {
  const window = lastN(orders, LEVEL_WINDOW);
  return { completed: historyOf(orders).ordered.filter(isCompleted).length, windowSize: window.length, windowBad: window.filter(isBad).length };
}

/**
 * K-32, D-01: Newbie; Advanced with more than 10 completed orders (lifetime: "from the 11th")
 * and under 10 % bad over the last 100 finished orders; Professional with more than 50 and
 * under 8 %. Recomputed from the figures every time, so it falls when they fall (K-32 demotion).
 */
export function sellerLevel(orders: readonly FinishedOrder[] | History): SellerLevel {
  const { completed, windowSize, windowBad } = levelFigures(orders);
  const met = LEVELS.find((l) => completed > l.moreThanCompleted && 100 * windowBad < l.underPercent * windowSize);
  return met?.level ?? 'newbie';
}

/** What a seller still needs for the next level (K-32, D-01), as their dashboard says it; null at the top. */
export interface NextLevel {
  level: SellerLevel;
  /** Completed orders the level asks for (more than its count), and how many more that is (0: enough). */
  completedNeeded: number;
  moreCompleted: number;
  /** Bad orders among the last finished ones must stay under this share, in per cent. */
  underPercent: number;
  /** Whether the share of bad orders is under it now (with no finished order, it is). */
  shareOk: boolean;
}

/** The share of bad orders a level must stay under to be kept, in per cent (null: Newbie, which has none). */
export const levelShareLimit = (level: SellerLevel): number | null => LEVELS.find((l) => l.level === level)?.underPercent ?? null;

export function nextLevel(current: SellerLevel, figures: LevelFigures): NextLevel | null {
  // LEVELS lists Professional first and leaves Newbie out: the next one up is the last of those above the current.
  const at = LEVELS.findIndex((l) => l.level === current);
  const next = (at === -1 ? LEVELS : LEVELS.slice(0, at)).at(-1);
  if (!next) return null;
  const completedNeeded = next.moreThanCompleted + 1;
  return {
    level: next.level,
    completedNeeded,
    moreCompleted: Math.max(0, completedNeeded - figures.completed),
    underPercent: next.underPercent,
    shareOk: 100 * figures.windowBad < next.underPercent * figures.windowSize || figures.windowSize === 0,
  };
}

/** K-27: the seller rating is read over the same window as the level (D-01): the last 100 finished orders. */
export const RATING_WINDOW = LEVEL_WINDOW;

/**
 * K-27 seller rating, what `seller_stats.rating_percent` holds and catalog search ranks by
 * (K-31): over the last 100 finished orders, the whole percent (rounded down) of orders that
 * are not bad (no negative feedback, not failed: K-27's "positive effect" is positive feedback
 * and no delay, its "negative effect" unreasonable refusal, auto-cancellation, delay). Null with
 * no finished order. Rounded down, so 100 means no bad order in the window.
 */
export function sellerRating(orders: readonly FinishedOrder[] | History): number | null {
  const window = lastN(orders, RATING_WINDOW);
  return percentDown(window.filter((o) => !isBad(o)).length, window.length);
}

/** Half up of `numerator / denominator` (both non-negative integers, denominator > 0). */
function roundHalfUp(numerator: number, denominator: number): number {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

/** Whole percent of `part / whole` rounded down: 100 % only when nothing counted against it. */
function percentDown(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.floor((100 * part) / whole);
}

/**
 * Feedback that counts for stars. D-02: 5 × positive ÷ (positive + negative) over the seller's
 * lifetime. K-30: "uncompleted orders … earn no stars", so a like counts on completed orders
 * only; a dislike counts wherever K-24 lets the buyer leave one (after an insufficient or late
 * cancellation), since that is why K-24 allows it.
 */
export function starFeedback(orders: readonly FinishedOrder[]): { positive: number; negative: number } {
  const positive = orders.filter((o) => isCompleted(o) && o.feedback === 'positive').length;
  const negative = orders.filter((o) => o.feedback === 'negative').length;
  return { positive, negative };
}

/**
 * D-02 stars with one decimal, null without feedback (K-30). Computed in tenths as
 * 50 × positive ÷ (positive + negative) rounded half up in integers, then divided by ten
 * once: 4.45 stars show as 4.5, 4.44 as 4.4.
 */
export function stars(orders: readonly FinishedOrder[]): number | null {
  const { positive, negative } = starFeedback(orders);
  const rated = positive + negative;
  return rated === 0 ? null : roundHalfUp(50 * positive, rated) / 10;
}

/** K-34's two profile percentages, whole percents rounded down; null when there is nothing to count. */
export interface ProfilePercentages {
  /** Completed ÷ (completed + cancellations against the seller), over the lifetime. */
  successfullyCompleted: number | null;
  /** Completed on time ÷ completed, over the lifetime. */
  submittedOnTime: number | null;
}

/**
 * K-34: "successfully completed %, lowered by auto-cancellations and unreasonable refusals":
 * only cancellations against the seller lower it; a buyer's sufficient cancellation neither
 * helps nor hurts. "Submitted on time %, computed over all completed tasks". Rounded down, so
 * 199 of 200 shows 99 %, never 100 %.
 */
export function profilePercentages(orders: readonly FinishedOrder[]): ProfilePercentages {
  const completed = orders.filter(isCompleted);
  const against = orders.filter(isCancelledAgainstSeller).length;
  const onTime = completed.filter((o) => !o.late).length;
  return {
    successfullyCompleted: percentDown(completed.length, completed.length + against),
    submittedOnTime: percentDown(onTime, completed.length),
  };
}

/** K-29: at least this many fulfilled (completed) orders with positive feedback. */
export const TOP_RATED_MIN_POSITIVE = 20;
/** D-02: "very few orders without feedback" = at most 10 % of the offer's completed orders. */
export const TOP_RATED_MAX_UNRATED_PERCENT = 10;

/**
 * K-29, D-02: whether one offer is Top Rated, from that offer's finished orders (all of one
 * `offerId`). At least 20 completed orders with positive feedback; no negative feedback; at
 * most 10 % of its completed orders without feedback; no delayed order (`late`, whatever the
 * outcome) and no expired one (auto-cancelled); no cancellation without sufficient reason.
 */
export function topRated(offerOrders: readonly FinishedOrder[]): boolean {
  const completed = offerOrders.filter(isCompleted);
  const positive = completed.filter((o) => o.feedback === 'positive').length;
  const unrated = completed.filter((o) => o.feedback === null).length;
  if (positive < TOP_RATED_MIN_POSITIVE) return false;
  if (100 * unrated > TOP_RATED_MAX_UNRATED_PERCENT * completed.length) return false;
  return !offerOrders.some((o) => o.feedback === 'negative' || o.late || isCancelledAgainstSeller(o));
}

/** The Top Rated offers among a seller's finished orders, ascending by id. */
export function topRatedOffers(orders: readonly FinishedOrder[]): number[] {
  // Appended in place: copying an offer's list for each of its orders took time quadratic in
  // the offer's orders — seconds of a completion's transaction for a seller with 20,000 closed
  // orders (bench/reputation.ts).
  const byOffer = new Map<number, FinishedOrder[]>();
  for (const o of orders) {
    const list = byOffer.get(o.offerId);
    if (list) list.push(o);
    else byOffer.set(o.offerId, [o]);
  }
  return [...byOffer].filter(([, list]) => topRated(list)).map(([offerId]) => offerId).sort((a, b) => a - b);
}

/** K-28: analytics unlock after more than 3 completed orders. */
export const ANALYTICS_MIN_COMPLETED_EXCLUSIVE = 3;
/** K-28: responsibility over the last 30 finished orders, feedback over the last 80. */
export const RESPONSIBILITY_WINDOW = 30;
export const FEEDBACK_WINDOW = 80;

/** A share shown with what it is made of. */
export interface Share {
  for: number;
  of: number;
  /** `for ÷ of` as a whole percent rounded down; null when `of` is 0. */
  percent: number | null;
}

/** K-28's section of the seller's profile. */
export interface SalesAnalytics {
  /** Finished orders of the last 30 that did not fail (D-01's failed: unreasonable cancellation, delay, auto-cancel). */
  responsibility: Share;
  /** Over the last 80 finished orders: (likes + repeat orders) ÷ (likes + repeat orders + dislikes). */
  feedback: Share;
  /** Mean `startedAfterMs` over every finished order that started, ms rounded half up; null if none. */
  averageStartMs: number | null;
  /** Mean `completedAfterMs` over completed orders, ms rounded half up; null if none. */
  averageCompletionMs: number | null;
  /** Lifetime, completed orders only (a cancelled order earns nothing). */
  earnedCents: Cents;
  /** Mean `totalCents` of completed orders, rounded half up to the cent. */
  averageOrderCents: Cents;
  sales: number;
}

const share = (part: number, whole: number): Share => ({ for: part, of: whole, percent: percentDown(part, whole) });

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : roundHalfUp(values.reduce((s, v) => s + v, 0), values.length);
}

/**
 * K-28 repeat orders: the ids of finished orders whose buyer had an earlier finished order
 * with this seller (over the whole history, not only the window).
 */
export function repeatOrderIds(orders: readonly FinishedOrder[] | History): Set<number> {
  const seen = new Set<number>();
  const repeats = new Set<number>();
  for (const o of historyOf(orders).ordered) {
    if (seen.has(o.buyerId)) repeats.add(o.orderId);
    seen.add(o.buyerId);
  }
  return repeats;
}

/**
 * K-28 feedback over the last 80 finished orders: each like and each repeat order counts for,
 * each dislike against. A repeat order with a like counts twice for (two separate signals);
 * a repeat order with a dislike counts once for and once against.
 */
function feedbackShare(orders: History): Share {
  const repeats = repeatOrderIds(orders);
  const window = lastN(orders, FEEDBACK_WINDOW);
  const likes = window.filter((o) => o.feedback === 'positive').length;
  const dislikes = window.filter((o) => o.feedback === 'negative').length;
  const repeated = window.filter((o) => repeats.has(o.orderId)).length;
  return share(likes + repeated, likes + repeated + dislikes);
}

/** K-28: the Sales analytics section, or null until more than 3 orders are completed. */
export function salesAnalytics(orders: readonly FinishedOrder[] | History): SalesAnalytics | null {
  const history = historyOf(orders);
  const completed = history.ordered.filter(isCompleted);
  if (completed.length <= ANALYTICS_MIN_COMPLETED_EXCLUSIVE) return null;
  const recent = lastN(history, RESPONSIBILITY_WINDOW);
  const totals = completed.reduce((s, o) => s + o.totalCents, 0);
  return {
    responsibility: share(recent.filter((o) => !isFailed(o)).length, recent.length),
    feedback: feedbackShare(history),
    averageStartMs: mean(history.ordered.flatMap((o) => (o.startedAfterMs === undefined ? [] : [o.startedAfterMs]))),
    averageCompletionMs: mean(completed.flatMap((o) => (o.completedAfterMs === undefined ? [] : [o.completedAfterMs]))),
    earnedCents: completed.reduce((s, o) => s + o.sellerEarningsCents, 0),
    averageOrderCents: roundHalfUp(totals, completed.length),
    sales: completed.length,
  };
}

/** One purchase of a buyer: an order the buyer completed, at the instant it completed. */
export interface Purchase {
  orderId: number;
  at: string;
}

export type BuyerRank = 'newbie' | 'accustomed' | 'experienced' | 'giant' | 'mega_giant';

/** K-35: the least lifetime purchases for each rank, highest first. */
const BUYER_RANKS: readonly { rank: BuyerRank; from: number }[] = [
  { rank: 'mega_giant', from: 90 },
  { rank: 'giant', from: 50 },
  { rank: 'experienced', from: 20 },
  { rank: 'accustomed', from: 7 },
  { rank: 'newbie', from: 1 },
];

/** K-35: Super buyer with at least 12 purchases in the last 3 months. */
export const SUPER_BUYER_MIN_PURCHASES = 12;
export const SUPER_BUYER_MONTHS = 3;

export interface BuyerLevel {
  /** Null before the first purchase: K-35 levels "appear after the first purchase". */
  rank: BuyerRank | null;
  superBuyer: boolean;
}

/**
 * `months` calendar months before `nowIso`, in UTC, at the same time of day, with the day
 * clamped to the target month's last day as PostgreSQL's `timestamptz - interval 'n months'`
 * does: 3 months before 2026-05-31 is 2026-02-28.
 */
export function monthsBefore(nowIso: string, months: number): string {
  const now = new Date(msOf(nowIso));
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1);
  const target = new Date(first);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  const day = Math.min(now.getUTCDate(), lastDay);
  const timeOfDay = msOf(nowIso) - Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(first + (day - 1) * 86_400_000 + timeOfDay).toISOString();
}

/**
 * K-35 at `nowIso`: the rank from lifetime purchases up to now; Super buyer with at least 12
 * purchases in [now − 3 calendar months, now] (both ends included), lost when that falls.
 * Purchases after `nowIso` are not yet counted.
 */
export function buyerLevel(purchases: readonly Purchase[], nowIso: string): BuyerLevel {
  const now = msOf(nowIso);
  const since = msOf(monthsBefore(nowIso, SUPER_BUYER_MONTHS));
  const past = purchases.filter((p) => msOf(p.at) <= now);
  const recent = past.filter((p) => msOf(p.at) >= since).length;
  return {
    rank: BUYER_RANKS.find((r) => past.length >= r.from)?.rank ?? null,
    superBuyer: recent >= SUPER_BUYER_MIN_PURCHASES,
  };
}
