/**
 * Feedback on orders: the buyer's one like or dislike with a text once an order is over (if
 * its closure allows it), the seller's one answer, published only once a moderator approves
 * it, and what the public reads (the seller's profile, the offer page). The seller's rating
 * in `seller_stats` changes in the transaction that inserts the feedback.
 *
 * Eligibility is read from the `orders` row, never from Temporal: a closed workflow is kept
 * only for the namespace's retention (24 h on the dev server), and an order's closure is final
 * once written to its row.
 */
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { sellerStats } from '../db/schema/catalog.js';
import { feedback, notifications, orders } from '../db/schema/orders.js';
import { users } from '../db/schema/users.js';
import { AppError } from '../workflows/lib/errors.js';
import type { Closure } from '../workflows/order/messages.js';
import { publicSeller } from './sellers.js';
import type { Clock } from './clock.js';
import type { Tx } from '../db/tx.js';

export type Verdict = 'like' | 'dislike';
type AnswerStatus = 'pending' | 'published' | 'rejected';

/** One feedback as the public sees it: the answer only once a moderator published it. */
export interface FeedbackItem {
  orderId: number;
  /** The offer as it was ordered (the order's title). */
  offer: { id: number; title: string };
  buyer: { id: number; login: string };
  verdict: Verdict;
  text: string;
  createdAt: string;
  answer: { text: string; at: string } | null;
}

/** One feedback as the order's parties and staff see it: the answer in every moderation status. */
export interface PartyFeedbackItem extends Omit<FeedbackItem, 'answer'> {
  answer: { text: string; at: string; status: AnswerStatus; decidedAt: string | null } | null;
}

/** An answer awaiting a moderator, in the queue. */
export interface PendingAnswer {
  orderId: number;
  seller: { id: number; login: string };
  offer: { id: number; title: string };
  verdict: Verdict;
  feedback: string;
  answer: string;
  answeredAt: string;
}

/** How many feedbacks the offer page shows: the newest. */
export const OFFER_PAGE_FEEDBACK = 10;
/** The moderators' queue shows at most this many answers, oldest first. */
const QUEUE_LIMIT = 200;

/** Whether the buyer may leave feedback on the order now that it is over: its closure says so. */
export function feedbackAllowedFor(row: { status: string; closure: Closure | null }): boolean {
  return (row.status === 'completed' || row.status === 'cancelled' || row.status === 'split') && row.closure?.feedbackAllowed === true;
}

const itemColumns = {
  orderId: feedback.orderId,
  offerId: feedback.offerId,
  title: orders.title,
  buyerId: feedback.buyerId,
  buyerLogin: users.login,
  verdict: feedback.verdict,
  text: feedback.text,
  createdAt: feedback.createdAt,
  answer: feedback.answer,
  answerStatus: feedback.answerStatus,
  answeredAt: feedback.answeredAt,
  answerDecidedAt: feedback.answerDecidedAt,
};

function selectItems(db: Db['orm'] | Tx, where: SQL | undefined) {
  return db
    .select(itemColumns)
    .from(feedback)
    .innerJoin(orders, eq(orders.id, feedback.orderId))
    .innerJoin(users, eq(users.id, feedback.buyerId))
    .where(where);
}
type ItemRow = Awaited<ReturnType<typeof selectItems>>[number];

function baseItem(r: ItemRow): Omit<FeedbackItem, 'answer'> {
  return {
    orderId: r.orderId,
    offer: { id: r.offerId, title: r.title },
    buyer: { id: r.buyerId, login: r.buyerLogin },
    verdict: r.verdict,
    text: r.text,
    createdAt: r.createdAt.toISOString(),
  };
}

function publicItem(r: ItemRow): FeedbackItem {
  const { answer, answeredAt } = r;
  const published = r.answerStatus === 'published' && answer !== null && answeredAt !== null;
  return { ...baseItem(r), answer: published ? { text: answer, at: answeredAt.toISOString() } : null };
}

function partyItem(r: ItemRow): PartyFeedbackItem {
  return {
    ...baseItem(r),
    answer:
      r.answer !== null && r.answeredAt !== null
        ? { text: r.answer, at: r.answeredAt.toISOString(), status: r.answerStatus as AnswerStatus, decidedAt: r.answerDecidedAt?.toISOString() ?? null }
        : null,
  };
}

/**
 * The offer page's feedback: its counts and the newest few, published answers only. A plain
 * function over the database, so the catalog's offer page can call it.
 */
export async function offerFeedback(db: Db, offerId: number): Promise<{ likes: number; dislikes: number; recent: FeedbackItem[] }> {
  const [counts] = await db.orm
    .select({
      likes: sql<number>`count(*) filter (where ${feedback.verdict} = 'like')::int`,
      dislikes: sql<number>`count(*) filter (where ${feedback.verdict} = 'dislike')::int`,
    })
    .from(feedback)
    .where(eq(feedback.offerId, offerId));
  const rows = await selectItems(db.orm, eq(feedback.offerId, offerId)).orderBy(desc(feedback.createdAt), desc(feedback.orderId)).limit(OFFER_PAGE_FEEDBACK);
  return { likes: counts?.likes ?? 0, dislikes: counts?.dislikes ?? 0, recent: rows.map(publicItem) };
}

/** A keyset cursor over (created_at, order_id), newest first: `<epoch ms>-<order id>`. */
const cursorOf = (item: FeedbackItem) => `${Date.parse(item.createdAt)}-${item.orderId}`;
export const FEEDBACK_CURSOR = /^\d{1,15}-\d{1,15}$/;

export interface FeedbackDeps {
  db: Db;
  clock: Clock;
}

async function orderRow(tx: Db['orm'] | Tx, orderId: number) {
  const [row] = await tx
    .select({ id: orders.id, buyerId: orders.buyerId, sellerId: orders.sellerId, offerId: orders.offerId, title: orders.title, status: orders.status, closure: orders.closure })
    .from(orders)
    .where(eq(orders.id, orderId));
  return row;
}

async function partyView(tx: Db['orm'] | Tx, orderId: number): Promise<PartyFeedbackItem | null> {
  const [row] = await selectItems(tx, eq(feedback.orderId, orderId));
  return row ? partyItem(row) : null;
}

/**
 * Recomputes the seller's rating from their feedback. The caller holds the seller's
 * `seller_stats` row locked, so concurrent feedback for one seller is counted in turn.
 * The share is rounded down: 100 % means no dislike at all.
 */
async function refreshRating(tx: Tx, sellerId: number): Promise<void> {
  await tx.execute(sql`
      update seller_stats s
      set feedback_count = f.total, rating_percent = case when f.total = 0 then null else (100 * f.likes) / f.total end
      from (select count(*)::int as total, (count(*) filter (where verdict = 'like'))::int as likes from feedback where seller_id = ${sellerId}) f
      where s.user_id = ${sellerId}`);
}

async function notify(clock: Clock, tx: Tx, userId: number, orderId: number, kind: string, text: string, dedupeKey: string) {
  await tx.insert(notifications).values({ userId, orderId, kind, text, dedupeKey, createdAt: clock.now() }).onConflictDoNothing();
}

/** The order's feedback as its party or staff sees it, and what the caller may do about it now. */
async function forOrder({ db }: FeedbackDeps, user: { id: number; roles: readonly string[] }, orderId: number, staffRoles: readonly string[]) {
  const row = await orderRow(db.orm, orderId);
  const isParty = row && (row.buyerId === user.id || row.sellerId === user.id);
  if (!row || !(isParty || user.roles.some((r) => staffRoles.includes(r)))) throw new AppError('not_found', 'no such order');
  const item = await partyView(db.orm, orderId);
  return {
    feedback: item,
    canLeaveFeedback: row.buyerId === user.id && item === null && feedbackAllowedFor(row),
    canAnswer: row.sellerId === user.id && item !== null && item.answer === null,
  };
}

/**
 * The buyer's one feedback on a finished order: 404 unless the order is the caller's as its
 * buyer; 409 unless its closure allows feedback, or when it is already given. The seller's
 * rating and feedback count change in the same transaction.
 */
async function leave(
  { db, clock }: FeedbackDeps,
  buyer: { id: number; login: string },
  orderId: number,
  input: { verdict: Verdict; text: string },
): Promise<PartyFeedbackItem> {
  return db.orm.transaction(async (tx) => {
    const row = await orderRow(tx, orderId);
    if (!row || row.buyerId !== buyer.id) throw new AppError('not_found', 'no such order');
    if (!feedbackAllowedFor(row)) {
      const why = row.closure ? `it was ${row.status} (${row.closure.reason}), which leaves no feedback` : `it is ${row.status.replaceAll('_', ' ')}`;
      throw new AppError('conflict', `this order takes no feedback: ${why}`, { status: row.status });
    }
    // Every feedback on one seller queues on their stats row: the recount below sees all that committed.
    await tx.insert(sellerStats).values({ userId: row.sellerId }).onConflictDoNothing();
    await tx.select({ id: sellerStats.userId }).from(sellerStats).where(eq(sellerStats.userId, row.sellerId)).for('update');
    const inserted = await tx
      .insert(feedback)
      .values({ orderId, buyerId: buyer.id, sellerId: row.sellerId, offerId: row.offerId, verdict: input.verdict, text: input.text, createdAt: clock.now() })
      .onConflictDoNothing()
      .returning({ orderId: feedback.orderId });
    if (inserted.length === 0) throw new AppError('conflict', 'you have already left feedback on this order', { status: 'feedback_given' });
    await refreshRating(tx, row.sellerId);
    const liked = input.verdict === 'like' ? 'positive' : 'negative';
    await notify(clock, tx, row.sellerId, orderId, 'feedback', `${buyer.login} left ${liked} feedback on “${row.title}”: ${input.text}`, `feedback:${orderId}`);
    return (await partyView(tx, orderId))!;
  });
}

/**
 * The seller's one answer to the buyer's feedback; it shows once a moderator approves it.
 * 404 unless the order is the caller's as its seller; 409 without feedback, or once answered.
 */
async function answer({ db, clock }: FeedbackDeps, seller: { id: number }, orderId: number, text: string): Promise<PartyFeedbackItem> {
  return db.orm.transaction(async (tx) => {
    const row = await orderRow(tx, orderId);
    if (!row || row.sellerId !== seller.id) throw new AppError('not_found', 'no such order');
    const [current] = await tx.select({ answerStatus: feedback.answerStatus }).from(feedback).where(eq(feedback.orderId, orderId)).for('update');
    if (!current) throw new AppError('conflict', 'the buyer has left no feedback to answer', { status: 'no_feedback' });
    if (current.answerStatus !== null) throw new AppError('conflict', 'you have already answered this feedback', { status: `answer_${current.answerStatus}` });
    await tx.update(feedback).set({ answer: text, answerStatus: 'pending', answeredAt: clock.now() }).where(eq(feedback.orderId, orderId));
    return (await partyView(tx, orderId))!;
  });
}

/** Answers awaiting a moderator, oldest first. */
async function pendingAnswers({ db }: FeedbackDeps): Promise<PendingAnswer[]> {
  const rows = await db.orm
    .select({ f: feedback, sellerLogin: users.login, title: orders.title })
    .from(feedback)
    .innerJoin(users, eq(users.id, feedback.sellerId))
    .innerJoin(orders, eq(orders.id, feedback.orderId))
    .where(eq(feedback.answerStatus, 'pending'))
    .orderBy(asc(feedback.answeredAt), asc(feedback.orderId))
    .limit(QUEUE_LIMIT);
  return rows.map(({ f, sellerLogin, title }) => ({
    orderId: f.orderId,
    seller: { id: f.sellerId, login: sellerLogin },
    offer: { id: f.offerId, title },
    verdict: f.verdict,
    feedback: f.text,
    answer: f.answer!,
    answeredAt: f.answeredAt!.toISOString(),
  }));
}

/** A moderator publishes or rejects an answer: 404 without one awaiting, 409 once decided. */
async function decide({ db, clock }: FeedbackDeps, moderatorId: number, orderId: number, decision: 'approve' | 'reject'): Promise<PartyFeedbackItem> {
  return db.orm.transaction(async (tx) => {
    const status = decision === 'approve' ? 'published' : 'rejected';
    const decided = await tx
      .update(feedback)
      .set({ answerStatus: status, answerDecidedAt: clock.now(), answerDecidedBy: moderatorId })
      .where(and(eq(feedback.orderId, orderId), eq(feedback.answerStatus, 'pending')))
      .returning({ sellerId: feedback.sellerId, buyerId: feedback.buyerId });
    const d = decided[0];
    if (!d) {
      const [current] = await tx.select({ answerStatus: feedback.answerStatus }).from(feedback).where(eq(feedback.orderId, orderId));
      if (!current?.answerStatus) throw new AppError('not_found', 'this order has no answer awaiting moderation');
      throw new AppError('conflict', `the answer is already ${current.answerStatus}`, { status: current.answerStatus });
    }
    if (status === 'published') {
      await notify(clock, tx, d.sellerId, orderId, 'feedback_answer_published', 'Your answer to the buyer’s feedback is published.', `feedback:${orderId}:answer:seller`);
      await notify(clock, tx, d.buyerId, orderId, 'feedback_answered', 'The seller answered your feedback.', `feedback:${orderId}:answer:buyer`);
    } else {
      await notify(clock, tx, d.sellerId, orderId, 'feedback_answer_rejected', 'A moderator rejected your answer to the buyer’s feedback: it stays hidden.', `feedback:${orderId}:answer:seller`);
    }
    return (await partyView(tx, orderId))!;
  });
}

/**
 * A seller's public feedback, newest first, with their rating: 404 for an unknown login
 * and for accounts search leaves out (blocked, unconfirmed).
 */
async function forSeller({ db }: FeedbackDeps, login: string, q: { verdict?: Verdict; cursor?: string; limit: number }) {
  const [seller] = await db.orm
    .select({ user: users, stats: sellerStats })
    .from(users)
    .leftJoin(sellerStats, eq(sellerStats.userId, users.id))
    .where(sql`lower(${users.login}) = ${login.toLowerCase()} and ${users.blockedAt} is null and ${users.emailConfirmedAt} is not null`);
  if (!seller) throw new AppError('not_found', 'no such seller');
  const conditions: SQL[] = [eq(feedback.sellerId, seller.user.id)];
  if (q.verdict) conditions.push(eq(feedback.verdict, q.verdict));
  if (q.cursor) {
    const [ms, id] = q.cursor.split('-').map(Number) as [number, number];
    conditions.push(sql`(${feedback.createdAt}, ${feedback.orderId}) < (${new Date(ms).toISOString()}::timestamptz, ${id})`);
  }
  const rows = await selectItems(db.orm, and(...conditions)).orderBy(desc(feedback.createdAt), desc(feedback.orderId)).limit(q.limit + 1);
  const items = rows.slice(0, q.limit).map(publicItem);
  const { user, stats } = seller;
  return {
    seller: publicSeller(user, stats),
    items,
    nextCursor: rows.length > q.limit ? cursorOf(items[items.length - 1]!) : null,
  };
}

export function createFeedback(deps: FeedbackDeps) {
  return {
    forOrder: (user: { id: number; roles: readonly string[] }, orderId: number, staffRoles: readonly string[]) => forOrder(deps, user, orderId, staffRoles),
    leave: (buyer: { id: number; login: string }, orderId: number, input: { verdict: Verdict; text: string }) => leave(deps, buyer, orderId, input),
    answer: (seller: { id: number }, orderId: number, text: string) => answer(deps, seller, orderId, text),
    pendingAnswers: () => pendingAnswers(deps),
    decide: (moderatorId: number, orderId: number, decision: 'approve' | 'reject') => decide(deps, moderatorId, orderId, decision),
    forSeller: (login: string, q: { verdict?: Verdict; cursor?: string; limit: number }) => forSeller(deps, login, q),
  };
}

export type Feedback = ReturnType<typeof createFeedback>;
