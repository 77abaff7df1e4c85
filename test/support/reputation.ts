/**
 * Finished orders and their feedback written through the product's own code, for tests that
 * read a seller's standing (issue 16): each order is played by the real order machine and its
 * closing transition written by the real `recordOrderEvent` (`closed-orders.ts`), which
 * recomputes the seller's reputation in its transaction; feedback goes through the real
 * `createFeedback(…).leave`, which recomputes it again. No test sets a level, a rating, stars
 * or Top Rated by hand: they are what the product computed from these orders.
 */
import type { Db } from '../../db/client.js';
import { createFeedback } from '../../services/feedback.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { insertOrder, type Ending } from './closed-orders.js';

/** How one finished order went, and the buyer's feedback on it (in the words of the rules). */
export type Outcome =
  /** Completed on time, with a like / no feedback / a dislike. */
  | 'liked'
  | 'unrated'
  | 'disliked'
  /** Completed after the work deadline passed (D-01 failed), with a like / no feedback. */
  | 'late_liked'
  | 'late_unrated'
  /** The seller never started: auto-cancelled (K-27, D-01 failed). */
  | 'ignored'
  /** Cancelled at the seller's request for an insufficient reason (too busy, K-57), with a dislike. */
  | 'too_busy_disliked'
  /** Cancelled at the buyer's request for a sufficient reason: not against the seller. */
  | 'no_longer_needed'
  /** The buyer cancelled in the free window: not against the seller. */
  | 'free_cancel'
  /** The buyer cancelled a late order, with a dislike (failed and disliked: one bad order). */
  | 'cancelled_late_disliked';

const ENDINGS: Record<Outcome, { ending: Ending; verdict: 'like' | 'dislike' | null }> = {
  liked: { ending: 'accepted', verdict: 'like' },
  unrated: { ending: 'accepted', verdict: null },
  disliked: { ending: 'accepted', verdict: 'dislike' },
  late_liked: { ending: 'late_accepted', verdict: 'like' },
  late_unrated: { ending: 'late_accepted', verdict: null },
  ignored: { ending: 'seller_ignored', verdict: null },
  too_busy_disliked: { ending: 'seller_too_busy', verdict: 'dislike' },
  no_longer_needed: { ending: 'buyer_no_longer_needed', verdict: null },
  free_cancel: { ending: 'buyer_free_cancel', verdict: null },
  cancelled_late_disliked: { ending: 'cancelled_late', verdict: 'dislike' },
};

/** Orders are placed this far apart, more than any order here lasts, so they finish in the order given. */
export const ORDER_SPACING_MS = 7 * DAY;

/** Where a seller's history is written from: the next order's placement time moves on with each. */
export interface HistoryCursor {
  placedAt: number;
}

export const historyFrom = (iso = '2024-01-01T09:00:00Z'): HistoryCursor => ({ placedAt: Date.parse(iso) });

/**
 * Writes one finished order of `buyer` for `offerId` that went as `outcome`, then its feedback
 * (given a minute after the order closed, through the feedback service). Returns the order id.
 */
export async function finishOrder(
  db: Db,
  at: HistoryCursor,
  opts: { buyer: { id: number; login: string }; offerId: number; outcome: Outcome },
): Promise<number> {
  const { ending, verdict } = ENDINGS[opts.outcome];
  const placedAt = new Date(at.placedAt);
  at.placedAt += ORDER_SPACING_MS;
  const orderId = await insertOrder(db, { buyer: opts.buyer, offerId: opts.offerId, ending, placedAt });
  if (verdict !== null) {
    const [row] = await db.sql<{ at: string }[]>`select closure->>'at' as at from orders where id = ${orderId}`;
    const clock = { now: () => new Date(Date.parse(row!.at) + MINUTE) };
    await createFeedback({ db, clock }).leave(opts.buyer, orderId, { verdict, text: verdict === 'like' ? 'Good work' : 'Not good' });
  }
  return orderId;
}

/** Writes `outcomes` in order, each a finished order of `buyer` for `offerId`. */
export async function finishOrders(
  db: Db,
  at: HistoryCursor,
  opts: { buyer: { id: number; login: string }; offerId: number; outcomes: readonly Outcome[] },
): Promise<number[]> {
  const ids: number[] = [];
  for (const outcome of opts.outcomes) ids.push(await finishOrder(db, at, { buyer: opts.buyer, offerId: opts.offerId, outcome }));
  return ids;
}

/** `n` times `outcome`. */
export const times = (outcome: Outcome, n: number): Outcome[] => Array.from({ length: n }, () => outcome);

/** A seller's stored standing, as reputation wrote it. */
export interface StoredStanding {
  level: 'newbie' | 'advanced' | 'professional';
  ratingPercent: number | null;
  feedbackCount: number;
  completedOrders: number;
  stars: number | null;
  successfullyCompleted: number | null;
  submittedOnTime: number | null;
  topRatedOffers: number[];
}

/** Reads what `seller_stats` and `offers.top_rated` hold for a seller (a seller without a row: Newbie, nothing counted). */
export async function storedStanding(db: Db, sellerId: number): Promise<StoredStanding> {
  const [row] = await db.sql<
    { level: StoredStanding['level']; rating_percent: number | null; feedback_count: number; completed_orders: number; stars_tenths: number | null; successfully_completed_percent: number | null; on_time_percent: number | null }[]
  >`select level, rating_percent, feedback_count, completed_orders, stars_tenths, successfully_completed_percent, on_time_percent from seller_stats where user_id = ${sellerId}`;
  const top = await db.sql<{ id: string }[]>`select id from offers where seller_id = ${sellerId} and top_rated order by id`;
  return {
    level: row?.level ?? 'newbie',
    ratingPercent: row?.rating_percent ?? null,
    feedbackCount: row?.feedback_count ?? 0,
    completedOrders: row?.completed_orders ?? 0,
    stars: row?.stars_tenths == null ? null : row.stars_tenths / 10,
    successfullyCompleted: row?.successfully_completed_percent ?? null,
    submittedOnTime: row?.on_time_percent ?? null,
    topRatedOffers: top.map((r) => Number(r.id)),
  };
}

/** The seller's level-change notices, oldest first: their texts. */
export async function levelNotices(db: Db, sellerId: number): Promise<string[]> {
  const rows = await db.sql<{ text: string }[]>`select text from notifications where user_id = ${sellerId} and kind = 'seller_level' order by id`;
  return rows.map((r) => r.text);
}
