/**
 * Finished orders and their feedback written through the product's own code, for tests that
 * read a seller's standing (issue 16): each order is played by the real order machine and its
 * closing transition written by the real `recordOrderEvent` (`closed-orders.ts`), which
 * recomputes the seller's reputation in its transaction; feedback goes through the real
 * `createFeedback(…).leave`, which recomputes it again. For tests that need many sellers with
 * a given standing quickly (search), `earnStanding` writes closed `orders` rows and their
 * `feedback` in one statement and then runs the real recompute. No test sets a level, a rating,
 * stars or Top Rated by hand: they are what the product computed from these orders.
 */
import type { Db } from '../../db/client.js';
import { recomputeSellerReputation } from '../../db/reputation.js';
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

/** A standing a test wants a seller to have earned: what search filters and sorts by. */
export interface StandingSpec {
  /** Any level when left out. */
  level?: 'newbie' | 'advanced' | 'professional';
  /** K-27 rating; null: no finished order at all. */
  ratingPercent: number | null;
  feedbackCount: number;
}

/** A history that earns a standing: how many orders of each kind, oldest first as listed. */
interface Plan {
  /** Liked orders older than the last 100 (lifetime feedback beyond the rating's window). */
  oldLiked: number;
  liked: number;
  unrated: number;
  disliked: number;
  ignored: number;
}

/**
 * The smallest history (found by search over the window size, its bad orders and its
 * dislikes) whose K-27 rating, feedback count and K-32 level are `spec` — or an error naming
 * the spec when no history can have them (e.g. Advanced with a rating under 90).
 */
export function planFor(spec: StandingSpec): Plan {
  const empty = { oldLiked: 0, liked: 0, unrated: 0, disliked: 0, ignored: 0 };
  if (spec.ratingPercent === null) {
    if (spec.feedbackCount === 0 && (spec.level ?? 'newbie') === 'newbie') return empty;
  } else {
    for (let n = 1; n <= 100; n++) {
      for (let bad = 0; bad <= n; bad++) {
        if (Math.floor((100 * (n - bad)) / n) !== spec.ratingPercent) continue;
        for (let disliked = 0; disliked <= Math.min(bad, spec.feedbackCount); disliked++) {
          const liked = Math.min(n - bad, spec.feedbackCount - disliked);
          const oldLiked = spec.feedbackCount - disliked - liked;
          if (oldLiked > 0 && n < 100) continue; // orders outside the window need a full window
          const ignored = bad - disliked;
          const completed = oldLiked + (n - bad) + disliked;
          const level = completed > 50 && 100 * bad < 8 * n ? 'professional' : completed > 10 && 100 * bad < 10 * n ? 'advanced' : 'newbie';
          if (spec.level !== undefined && spec.level !== level) continue;
          return { oldLiked, liked, unrated: n - bad - liked, disliked, ignored };
        }
      }
    }
  }
  throw new Error(`no history earns ${JSON.stringify(spec)}`);
}

let earned = 0;

type Kind = 'liked' | 'unrated' | 'disliked' | 'ignored';

/**
 * Writes, for each seller, closed orders of `kinds` (one a day from `startIso`, oldest first)
 * with their feedback, in one statement — on `offerId`, or on a new archived offer of each
 * seller — then runs the real `recomputeSellerReputation` for each seller. Answers what it computed.
 */
async function writeHistories(db: Db, sellerIds: readonly number[], buyerId: number, kinds: readonly Kind[], startIso: string, offerId?: number) {
  const start = Date.parse(startIso);
  const rows = sellerIds.flatMap((sellerId) =>
    kinds.map((kind, i) => {
      const placedAt = new Date(start + i * DAY).toISOString();
      const startedAt = new Date(start + i * DAY + 60 * MINUTE).toISOString();
      const closedAt = new Date(start + i * DAY + 20 * 60 * MINUTE).toISOString();
      const completed = kind !== 'ignored';
      const closure = completed
        ? { kind: 'completed', reason: 'accepted', at: closedAt, feedbackAllowed: true, toSellerCents: 800, commissionCents: 200, refundedCents: 0 }
        : { kind: 'cancelled', reason: 'seller_ignored', at: closedAt, feedbackAllowed: true, toSellerCents: 0, commissionCents: 0, refundedCents: 1_000 };
      const timeline = completed
        ? [
            { at: placedAt, by: 'buyer', event: 'placed', text: 'Placed.' },
            { at: startedAt, by: 'seller', event: 'work_started', text: 'Work started.' },
            { at: closedAt, by: 'buyer', event: 'accepted', text: 'The buyer accepted the work.' },
          ]
        : [
            { at: placedAt, by: 'buyer', event: 'placed', text: 'Placed.' },
            { at: closedAt, by: 'system', event: 'cancelled', text: 'Cancelled: the seller did not start work within 24 hours.' },
          ];
      return {
        seller_id: sellerId,
        key: `earned:${process.pid}:${++earned}`,
        status: completed ? 'completed' : 'cancelled',
        closure,
        view: { placedAt, workStartedAt: completed ? startedAt : null, timeline },
        verdict: kind === 'liked' ? 'like' : kind === 'disliked' ? 'dislike' : null,
        placed_at: placedAt,
        closed_at: closedAt,
      };
    }),
  );
  await db.sql`
    with history as (
      insert into offers (seller_id, category_id, title, description, price_cents, lead_time_days, status)
      select s, 11, 'Earned standing history', 'The offer a test history of finished orders was bought from, archived.', 1000, 3, 'archived'
      from unnest(${sellerIds as number[]}::int8[]) s
      where ${offerId ?? null}::int8 is null
      returning id, seller_id
    ), target as (
      select id, seller_id from history
      union all select id, seller_id from offers where id = ${offerId ?? null}::int8
    ), r as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(seller_id int8, key text, status text, closure jsonb, view jsonb, verdict text, placed_at timestamptz, closed_at timestamptz)
    ), placed as (
      insert into orders (buyer_id, seller_id, offer_id, request_key, title, total_cents, seller_earnings_cents, commission_cents,
        status, closure, view, seq, policy_version, created_at, updated_at, closed_at)
      select ${buyerId}, r.seller_id, t.id, r.key, 'Earned standing', 1000, 800, 200, r.status, r.closure, r.view, 3, 1, r.placed_at, r.closed_at, r.closed_at
      from r join target t on t.seller_id = r.seller_id
      returning id, seller_id, offer_id, request_key
    )
    insert into feedback (order_id, buyer_id, seller_id, offer_id, verdict, text, created_at)
    select p.id, ${buyerId}, p.seller_id, p.offer_id, r.verdict, 'Earned', r.closed_at
    from placed p join r on r.key = p.request_key where r.verdict is not null`;
  const at = new Date(start + kinds.length * DAY).toISOString();
  const computed = [];
  for (const sellerId of sellerIds) {
    const [last] = await db.sql<{ id: string }[]>`select max(id) as id from orders where seller_id = ${sellerId}`;
    const cause = { kind: 'feedback' as const, orderId: Number(last!.id) };
    computed.push(await db.sql.begin((tx) => recomputeSellerReputation(tx, sellerId, at, cause)));
  }
  return computed;
}

/**
 * Gives each of `sellerIds` a history that earns `spec` — closed orders (on an archived offer
 * of theirs, bought by `buyerId`) with their feedback, written in one statement — then runs
 * the real `recomputeSellerReputation` for each, and checks it computed `spec`.
 */
export async function earnStanding(db: Db, sellerIds: readonly number[], buyerId: number, spec: StandingSpec): Promise<void> {
  const plan = planFor(spec);
  const kinds: Kind[] = [
    ...Array<Kind>(plan.oldLiked + plan.liked).fill('liked'),
    ...Array<Kind>(plan.unrated).fill('unrated'),
    ...Array<Kind>(plan.disliked).fill('disliked'),
    ...Array<Kind>(plan.ignored).fill('ignored'),
  ];
  if (kinds.length === 0) return;
  const computed = await writeHistories(db, sellerIds, buyerId, kinds, '2023-01-02T09:00:00Z');
  for (const [i, figures] of computed.entries()) {
    const got = { level: figures.level, ratingPercent: figures.ratingPercent, feedbackCount: figures.feedbackCount };
    const want = { level: spec.level ?? got.level, ratingPercent: spec.ratingPercent, feedbackCount: spec.feedbackCount };
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`seller ${sellerIds[i]} earned ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
  }
}

/**
 * Makes `offerId` Top Rated the way K-29 says: 20 orders on it completed on time, each with a
 * like, by `buyerId`, written at once and recomputed by the real recompute. Its seller's
 * standing moves with them.
 */
export async function earnTopRated(db: Db, offerId: number, buyerId: number): Promise<void> {
  const [offer] = await db.sql<{ seller_id: string }[]>`select seller_id from offers where id = ${offerId}`;
  const [figures] = await writeHistories(db, [Number(offer!.seller_id)], buyerId, Array<Kind>(20).fill('liked'), '2025-01-06T09:00:00Z', offerId);
  if (!figures!.topRatedOffers.includes(offerId)) throw new Error(`offer ${offerId} did not become Top Rated`);
}
