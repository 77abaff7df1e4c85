/**
 * Feedback on orders: the buyer's one like or dislike with a text once an order is over (if
 * its closure allows it), the seller's one answer, published only once a moderator approves
 * it, and what the public reads (the seller's profile, the offer page). The seller's reputation
 * in `seller_stats` is recomputed in the transaction that inserts or deletes the feedback.
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
import type postgres from 'postgres';
import { recomputeSellerReputation } from '../db/reputation.js';

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
/**
 * Every cursor this shape admits is one PostgreSQL reads: at most 14 digits of milliseconds is
 * before the year 5138, which an ISO string writes with four digits of year. With 15, a forged
 * `612087619181332-1` made `+021366-04-14T…`, which PostgreSQL refuses (a 500, found by an
 * outside fuzzer reading /openapi.json).
 */
export const FEEDBACK_CURSOR = /^\d{1,14}-\d{1,15}$/;

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
 * reputation (level, rating, stars…) is recomputed in the same transaction (issue 16).
 */
async function leave(
  { db, clock }: FeedbackDeps,
  buyer: { id: number; login: string },
  orderId: number,
  input: { verdict: Verdict; text: string },
): Promise<PartyFeedbackItem> {
  const now = clock.now().toISOString();
  await db.sql.begin(async (tx) => {
    const [row] = await tx<{ buyer_id: string; seller_id: string; offer_id: string; title: string; status: string; closure: Closure | null }[]>`
      select buyer_id, seller_id, offer_id, title, status, closure from orders where id = ${orderId}`;
    if (!row || Number(row.buyer_id) !== buyer.id) throw new AppError('not_found', 'no such order');
    if (!feedbackAllowedFor(row)) {
      const why = row.closure ? `it was ${row.status} (${row.closure.reason}), which leaves no feedback` : `it is ${row.status.replaceAll('_', ' ')}`;
      throw new AppError('conflict', `this order takes no feedback: ${why}`, { status: row.status });
    }
    const [deleted] = await tx`select 1 from deleted_feedback where order_id = ${orderId}`;
    if (deleted) throw new AppError('conflict', 'staff deleted the feedback on this order: it takes no other', { status: 'feedback_deleted' });
    const sellerId = Number(row.seller_id);
    const inserted = await tx`
      insert into feedback (order_id, buyer_id, seller_id, offer_id, verdict, text, created_at)
      values (${orderId}, ${buyer.id}, ${sellerId}, ${row.offer_id}, ${input.verdict}, ${input.text}, ${now}::timestamptz)
      on conflict do nothing returning order_id`;
    if (inserted.length === 0) throw new AppError('conflict', 'you have already left feedback on this order', { status: 'feedback_given' });
    // The recompute locks the seller's stats row first: feedback on one seller is counted in turn.
    await recomputeSellerReputation(tx, sellerId, now, { kind: 'feedback', orderId });
    const liked = input.verdict === 'like' ? 'positive' : 'negative';
    await notifyIn(tx, sellerId, orderId, 'feedback', `${buyer.login} left ${liked} feedback on “${row.title}”: ${input.text}`, `feedback:${orderId}`, now);
  });
  return (await partyView(db.orm, orderId))!;
}

async function notifyIn(tx: postgres.TransactionSql, userId: number, orderId: number, kind: string, text: string, dedupeKey: string, at: string) {
  await tx`
    insert into notifications (user_id, order_id, kind, text, dedupe_key, created_at)
    values (${userId}, ${orderId}, ${kind}, ${text}, ${dedupeKey}, ${at}::timestamptz) on conflict do nothing`;
}

/** What staff's deletion of a feedback answers: the record kept of it. */
export interface DeletedFeedback {
  orderId: number;
  sellerId: number;
  buyerId: number;
  verdict: Verdict;
  text: string;
  reason: string;
  deletedBy: number;
  deletedAt: string;
}

/**
 * K-59 (and K-25): an admin deletes a feedback obtained by boosting (or breaking the rules),
 * with a reason. The feedback moves to `deleted_feedback` (who, why, when), the seller's
 * reputation is recomputed without it, and both parties are told — all in one transaction.
 * 404 when the order has no feedback (already deleted, or never left).
 */
async function remove({ db, clock }: FeedbackDeps, staffId: number, orderId: number, reason: string): Promise<DeletedFeedback> {
  const now = clock.now().toISOString();
  return db.sql.begin(async (tx) => {
    const [gone] = await tx<{ buyer_id: string; seller_id: string; offer_id: string; verdict: Verdict; text: string; created_at: string }[]>`
      delete from feedback where order_id = ${orderId}
      returning buyer_id, seller_id, offer_id, verdict, text, to_json(created_at)#>>'{}' as created_at`;
    if (!gone) throw new AppError('not_found', 'this order has no feedback');
    const sellerId = Number(gone.seller_id);
    const buyerId = Number(gone.buyer_id);
    // Nobody judges their own case: a party's own feedback goes to other staff (the delete is rolled back).
    if (staffId === sellerId || staffId === buyerId) throw new AppError('forbidden', 'staff do not delete feedback on their own order: another admin does');
    await tx`
      insert into deleted_feedback (order_id, buyer_id, seller_id, offer_id, verdict, text, created_at, deleted_by, deleted_at, reason)
      values (${orderId}, ${buyerId}, ${sellerId}, ${gone.offer_id}, ${gone.verdict}, ${gone.text}, ${gone.created_at}::timestamptz, ${staffId}, ${now}::timestamptz, ${reason})`;
    await recomputeSellerReputation(tx, sellerId, now, { kind: 'feedback_deleted', orderId });
    const why = `Staff deleted the feedback on order ${orderId}: ${reason}`;
    await notifyIn(tx, sellerId, orderId, 'feedback_deleted', why, `feedback:${orderId}:deleted:seller`, now);
    await notifyIn(tx, buyerId, orderId, 'feedback_deleted', why, `feedback:${orderId}:deleted:buyer`, now);
    return { orderId, sellerId, buyerId, verdict: gone.verdict, text: gone.text, reason, deletedBy: staffId, deletedAt: now };
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
    // Nobody judges their own case: the answer's seller, a moderator too, leaves it to another (the update is rolled back).
    if (d.sellerId === moderatorId) throw new AppError('forbidden', 'a moderator does not decide their own answer: another moderator does');
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
    remove: (staffId: number, orderId: number, reason: string) => remove(deps, staffId, orderId, reason),
    leave: (buyer: { id: number; login: string }, orderId: number, input: { verdict: Verdict; text: string }) => leave(deps, buyer, orderId, input),
    answer: (seller: { id: number }, orderId: number, text: string) => answer(deps, seller, orderId, text),
    pendingAnswers: () => pendingAnswers(deps),
    decide: (moderatorId: number, orderId: number, decision: 'approve' | 'reject') => decide(deps, moderatorId, orderId, decision),
    forSeller: (login: string, q: { verdict?: Verdict; cursor?: string; limit: number }) => forSeller(deps, login, q),
  };
}

export type Feedback = ReturnType<typeof createFeedback>;
