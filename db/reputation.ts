/**
 * Reputation written to the database (issue 16): a seller's standing (`seller_stats`, the
 * offers' Top Rated flags) and a buyer's status (`buyer_stats`), recomputed from scratch from
 * the `orders` rows and the `feedback` table with the pure rules of `workflows/lib/reputation.ts`,
 * inside the caller's transaction — the one that closes an order (`activities/orders.ts`) or
 * writes or deletes feedback (`services/feedback.ts`) — so the figures never lag the write that
 * changed them. Used by activities/ and services/ alike, so it lives in db/.
 */
import type postgres from 'postgres';
import {
  buyerLevel,
  inOrder,

  levelFigures,
  monthsBefore,
  profilePercentages,
  salesAnalytics,
  sellerLevel,
  sellerRating,
  starFeedback,
  stars,
  SUPER_BUYER_MONTHS,
  topRatedOffers,
  type BuyerLevel,
  type CancelledBy,
  type FinishedOrder,
  type SellerLevel,
} from '../workflows/lib/reputation.js';
import type { Closure } from '../workflows/order/messages.js';

type Sql = postgres.Sql | postgres.TransactionSql;

/** What made a recompute happen: it names the level-change notice, so a retried write notifies once. */
export type ReputationCause =
  | { kind: 'order'; orderId: number; seq: number }
  | { kind: 'feedback'; orderId: number }
  | { kind: 'feedback_deleted'; orderId: number };

/** One closed order as the query below reads it. */
export interface ClosedOrderRow {
  id: string | number;
  offer_id: string | number;
  buyer_id: string | number;
  closure: Closure;
  total_cents: string | number;
  seller_earnings_cents: string | number;
  placed_at: string;
  work_started_at: string | null;
  /** The timeline has a `late` entry: the work deadline passed before a delivery. */
  late: boolean;
  /** Who made the closing transition: the last timeline entry's `by`. */
  closed_by: string | null;
  verdict: 'like' | 'dislike' | null;
}

const CANCELLED_BY: Record<string, CancelledBy> = { buyer: 'buyer', seller: 'seller', system: 'system', staff: 'arbiter' };

/**
 * A closed order's row as reputation reads it (issue 16's mapping):
 * - completed iff `closure.kind` is `completed`; a split (arbitration) is not completed;
 * - a cancelled or split order counts against the seller iff `closure.feedbackAllowed`: K-24 allows
 *   feedback exactly after an insufficient or late cancellation (seller_ignored, not_done_on_time,
 *   inactivity while late, arbitration refund/split are against; buyer_free_cancel, admin and
 *   sufficient reasons are not), so `sufficient = !feedbackAllowed`; the closing entry's author is
 *   `by` (staff → `arbiter`), so the system's `seller_ignored` is K-27's auto-cancellation;
 * - `late`: the timeline has a `late` entry;
 * - `startedAfterMs` = workStartedAt − placedAt; `completedAfterMs` = closure.at − workStartedAt
 *   for a completed order;
 * - feedback: like → positive, dislike → negative (deleted feedback is gone from `feedback`).
 */
export function finishedOrderOf(row: ClosedOrderRow): FinishedOrder {
  const { closure } = row;
  const completed = closure.kind === 'completed';
  const started = row.work_started_at === null ? undefined : Date.parse(row.work_started_at);
  const order: FinishedOrder = {
    orderId: Number(row.id),
    offerId: Number(row.offer_id),
    buyerId: Number(row.buyer_id),
    finishedAt: closure.at,
    outcome: completed ? 'completed' : 'cancelled',
    late: row.late,
    feedback: row.verdict === 'like' ? 'positive' : row.verdict === 'dislike' ? 'negative' : null,
    totalCents: Number(row.total_cents),
    sellerEarningsCents: Number(row.seller_earnings_cents),
  };
  if (!completed) {
    order.cancellation = { by: CANCELLED_BY[row.closed_by ?? ''] ?? 'system', reason: closure.reason, sufficient: !closure.feedbackAllowed };
  }
  if (started !== undefined) {
    order.startedAfterMs = started - Date.parse(row.placed_at);
    if (completed) order.completedAfterMs = Date.parse(closure.at) - started;
  }
  return order;
}

/**
 * A seller's closed orders with their feedback (map them with `finishedOrderOf`). The query
 * itself, not yet sent: a caller can pipeline it behind other statements (see
 * `recomputeSellerReputation`). Exported for bench/reputation.ts, whose baseline it is. It
 * reads the columns PostgreSQL keeps from each order's view (migration 0031), not the view:
 * unpacking every view of a long history was most of a recompute's time.
 */
export function closedOrderRows(sql: Sql, sellerId: number): postgres.PendingQuery<ClosedOrderRow[]> {
  return sql<ClosedOrderRow[]>`
    select o.id, o.offer_id, o.buyer_id, o.closure, o.total_cents, o.seller_earnings_cents,
      o.placed_at, o.work_started_at, o.late, o.last_by as closed_by, f.verdict
    from orders o left join feedback f on f.order_id = o.id
    where o.seller_id = ${sellerId} and o.closure is not null`;
}

/** Everything `seller_stats` stores for a seller, as computed from their finished orders. */
export interface SellerFigures {
  level: SellerLevel;
  ratingPercent: number | null;
  feedbackCount: number;
  completedOrders: number;
  starsTenths: number | null;
  positiveFeedback: number;
  negativeFeedback: number;
  finishedOrders: number;
  successfullyCompletedPercent: number | null;
  onTimePercent: number | null;
  analytics: ReturnType<typeof salesAnalytics>;
  topRatedOffers: number[];
  /** K-32, D-01: the level's window and its bad orders (the dashboard's next-level line). */
  levelWindowSize: number;
  levelWindowBad: number;
}

/** The pure rules over a seller's finished orders (K-27…K-34, D-01, D-02). */
export function sellerFigures(orders: readonly FinishedOrder[]): SellerFigures {
  // Sorted once for every figure that reads the latest orders: a seller's whole history is read
  // on each of their completions.
  const history = inOrder(orders);
  const { positive, negative } = starFeedback(orders);
  const shown = stars(orders);
  const percentages = profilePercentages(orders);
  const window = levelFigures(history);
  return {
    level: sellerLevel(history),
    ratingPercent: sellerRating(history),
    feedbackCount: positive + negative,
    completedOrders: window.completed,
    starsTenths: shown === null ? null : Math.round(shown * 10),
    positiveFeedback: positive,
    negativeFeedback: negative,
    finishedOrders: orders.length,
    successfullyCompletedPercent: percentages.successfullyCompleted,
    onTimePercent: percentages.submittedOnTime,
    analytics: salesAnalytics(history),
    topRatedOffers: topRatedOffers(orders),
    levelWindowSize: window.windowSize,
    levelWindowBad: window.windowBad,
  };
}

const LEVEL_NAMES: Record<SellerLevel, string> = { newbie: 'Newbie', advanced: 'Advanced', professional: 'Professional' };
/** Lowest first: a change to a later one is a promotion. */
const LEVEL_ORDER: readonly SellerLevel[] = ['newbie', 'advanced', 'professional'];

/** The level-change notice's dedupe key: one per cause, so a retried write notifies once. */
export function levelNoticeKey(sellerId: number, cause: ReputationCause): string {
  return cause.kind === 'order' ? `level:${sellerId}:order:${cause.orderId}:${cause.seq}` : `level:${sellerId}:${cause.kind}:${cause.orderId}`;
}

/**
 * Recomputes a seller's standing in the caller's transaction: locks their `seller_stats` row
 * (creating it), so recomputes for one seller run in turn and each sees what the others
 * committed; reads every closed order with its feedback; writes the figures (the 0008 triggers
 * copy level, rating and feedback count onto the offers for search), sets `offers.top_rated`
 * on the rows whose flag changes (K-29), and on a level change (K-32, D-01: up or down) notifies
 * the seller. Answers the figures.
 *
 * Two round trips, each a pipeline (postgres.js sends the statements awaited together in one
 * write; the server runs them in the order given, each after the one before ends): the row's
 * creation, its lock and the read of the orders, since the client needs nothing from the first
 * two before the read — which, a statement of its own after the lock, still sees every recompute
 * that committed before it got the lock; then the writes, which need only the computed figures.
 * Every query in a pipeline is created unsent, so that `Promise.all` sends them in its order
 * (an async function in the array would send its query first).
 */
export async function recomputeSellerReputation(tx: postgres.TransactionSql, sellerId: number, atIso: string, cause: ReputationCause): Promise<SellerFigures> {
  const [, [current], rows] = await Promise.all([
    tx`insert into seller_stats (user_id) values (${sellerId}) on conflict do nothing`,
    tx<{ level: SellerLevel }[]>`select level from seller_stats where user_id = ${sellerId} for update`,
    closedOrderRows(tx, sellerId),
  ]);
  const figures = sellerFigures(rows.map(finishedOrderOf));
  const changed = current!.level !== figures.level;
  await Promise.all([
    tx`
      update seller_stats set
        level = ${figures.level},
        rating_percent = ${figures.ratingPercent},
        feedback_count = ${figures.feedbackCount},
        completed_orders = ${figures.completedOrders},
        stars_tenths = ${figures.starsTenths},
        positive_feedback = ${figures.positiveFeedback},
        negative_feedback = ${figures.negativeFeedback},
        finished_orders = ${figures.finishedOrders},
        successfully_completed_percent = ${figures.successfullyCompletedPercent},
        on_time_percent = ${figures.onTimePercent},
        level_window_size = ${figures.levelWindowSize},
        level_window_bad = ${figures.levelWindowBad},
        analytics = ${figures.analytics === null ? null : JSON.stringify(figures.analytics)}::jsonb,
        level_changed_at = case when ${changed}::boolean then ${atIso}::timestamptz else level_changed_at end,
        computed_at = ${atIso}::timestamptz
      where user_id = ${sellerId}`,
    tx`
      update offers set top_rated = (id = any(${figures.topRatedOffers}::int8[]))
      where seller_id = ${sellerId} and top_rated <> (id = any(${figures.topRatedOffers}::int8[]))`,
    ...(changed ? [levelNotice(tx, sellerId, current!.level, figures.level, atIso, cause)] : []),
  ]);
  return figures;
}

/** The seller's level-change notice (K-32, D-01), unsent (see `recomputeSellerReputation`). */
function levelNotice(tx: postgres.TransactionSql, sellerId: number, from: SellerLevel, to: SellerLevel, atIso: string, cause: ReputationCause) {
  const up = LEVEL_ORDER.indexOf(to) > LEVEL_ORDER.indexOf(from);
  const text = up
    ? `Congratulations: your seller level is now ${LEVEL_NAMES[to]}.`
    : `Your seller level fell to ${LEVEL_NAMES[to]}: negative feedback and failed orders over your last 100 orders are above the level's share.`;
  return tx`
    insert into notifications (user_id, order_id, kind, text, dedupe_key, created_at)
    values (${sellerId}, ${cause.orderId}, 'seller_level', ${text}, ${levelNoticeKey(sellerId, cause)}, ${atIso}::timestamptz)
    on conflict do nothing`;
}

/** A buyer's K-35 status at `atIso`, as `buyer_stats` stores it. */
export interface BuyerFigures extends BuyerLevel {
  purchases: number;
  recentPurchases: number;
}

/**
 * Recomputes a buyer's K-35 status at `atIso` (or at their latest purchase, if later) from their purchases (their completed orders, at
 * the instant each completed) and stores it. Called in the transaction that completes one of
 * their orders, and by the daily schedule for Super buyers whose 3-month window may have lapsed.
 */
export async function recomputeBuyerStatus(tx: postgres.TransactionSql, buyerId: number, atIso: string): Promise<BuyerFigures> {
  // Recomputes for one buyer run in turn on their row, each reading what the others committed:
  // two of their orders completing at once cannot each store a count without the other. The
  // row's creation, its lock and the read go in one round trip (the client needs nothing from
  // the first two): the server runs them in this order, so the read, a statement of its own
  // after the lock, still sees every recompute that committed before it got the lock.
  const [, , rows] = await Promise.all([
    tx`insert into buyer_stats (user_id, evaluated_at) values (${buyerId}, ${atIso}::timestamptz) on conflict do nothing`,
    tx`select 1 from buyer_stats where user_id = ${buyerId} for update`,
    tx<{ id: string; at: string }[]>`
      select id, closure->>'at' as at from orders where buyer_id = ${buyerId} and closure->>'kind' = 'completed'`,
  ]);
  const purchases = rows.map((r) => ({ orderId: Number(r.id), at: r.at }));
  // A purchase stored after `atIso` (a write that landed late, a catch-up run) is still a purchase:
  // the status is taken at the later of the two, never without one the buyer already made.
  const at = new Date(purchases.reduce((latest, p) => Math.max(latest, Date.parse(p.at)), Date.parse(atIso))).toISOString();
  const level = buyerLevel(purchases, at);
  const since = Date.parse(monthsBefore(at, SUPER_BUYER_MONTHS));
  const figures: BuyerFigures = { ...level, purchases: purchases.length, recentPurchases: purchases.filter((p) => Date.parse(p.at) >= since).length };
  await tx`
    update buyer_stats set purchases = ${figures.purchases}, rank = ${figures.rank}, super_buyer = ${figures.superBuyer},
      recent_purchases = ${figures.recentPurchases}, evaluated_at = ${at}::timestamptz
    where user_id = ${buyerId}`;
  return figures;
}

/**
 * The Super buyers last evaluated at or before `atIso`, for the daily re-evaluation (K-35: the
 * status is lost when activity drops). One evaluated later (a purchase since) is already current.
 */
export async function superBuyerIds(sql: Sql, atIso: string): Promise<number[]> {
  const rows = await sql<{ user_id: string }[]>`select user_id from buyer_stats where super_buyer and evaluated_at <= ${atIso}::timestamptz order by user_id`;
  return rows.map((r) => Number(r.user_id));
}
