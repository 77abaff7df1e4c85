import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Closure, OrderStatus, OrderView } from '../../workflows/order/messages.js';
import { offers } from './catalog.js';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const cents = (name: string) => bigint(name, { mode: 'number' });

/**
 * One row per order: written by the placement's transaction (with the escrow hold), then kept
 * current by the order's workflow (`recordOrderEvent`) for lists, and for reading an order
 * after the Temporal server has forgotten its closed workflow. The live view of an open order
 * comes from the workflow's query.
 */
export const orders = pgTable(
  'orders',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    buyerId: bigint('buyer_id', { mode: 'number' }).notNull().references(() => users.id),
    sellerId: bigint('seller_id', { mode: 'number' }).notNull().references(() => users.id),
    offerId: bigint('offer_id', { mode: 'number' }).notNull().references(() => offers.id),
    /** The client's Idempotency-Key: a retry returns the same order. */
    requestKey: text('request_key').notNull(),
    title: text('title').notNull(),
    totalCents: cents('total_cents').notNull(),
    sellerEarningsCents: cents('seller_earnings_cents').notNull(),
    commissionCents: cents('commission_cents').notNull(),
    /** The view's status, kept with it. */
    status: text('status').$type<OrderStatus>().notNull(),
    nextDeadlineAt: ts('next_deadline_at'),
    /** "auto-accept at …": what happens at the next deadline unless somebody acts. */
    nextDeadlineOutcome: text('next_deadline_outcome'),
    /** Who must act before the next deadline: buyer, seller, arbiter. */
    waitingOn: text('waiting_on'),
    closure: jsonb('closure').$type<Closure | null>(),
    /** The order's view as of its last event (without a viewer's allowed actions). */
    view: jsonb('view').$type<OrderView>().notNull(),
    /** The workflow's event number last written: an older (retried) write never overwrites a newer one. */
    seq: integer('seq').notNull().default(0),
    policyVersion: integer('policy_version').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    closedAt: ts('closed_at'),
    /**
     * What a reputation recompute reads of each closed order besides the closure
     * (`db/reputation.ts`), kept by PostgreSQL from the view on every write: a recompute reads
     * the seller's whole history on each of their completions, and unpacking every order's view
     * for these four was most of its time.
     */
    placedAt: text('placed_at').generatedAlwaysAs(sql`view->>'placedAt'`),
    workStartedAt: text('work_started_at').generatedAlwaysAs(sql`view->>'workStartedAt'`),
    /** The timeline has a `late` entry: the work deadline passed before a delivery. */
    late: boolean('late').notNull().generatedAlwaysAs(sql`jsonb_path_exists(view, '$.timeline[*] ? (@.event == "late")')`),
    /** Who made the last transition (for a closed order, the closing one): the last timeline entry's `by`. */
    lastBy: text('last_by').generatedAlwaysAs(sql`view->'timeline'->-1->>'by'`),
  },
  (t) => [
    uniqueIndex('orders_request_key').on(t.buyerId, t.requestKey),
    index('orders_buyer_idx').on(t.buyerId, t.id),
    index('orders_seller_idx').on(t.sellerId, t.id),
    index('orders_status_idx').on(t.status, t.nextDeadlineAt),
    check('orders_total_positive', sql`${t.totalCents} > 0`),
  ],
);

/** What happened on an order, for the party who did not do it (and staff alerts). */
export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    orderId: bigint('order_id', { mode: 'number' }).references(() => orders.id),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    /** `order:<id>:<seq>:<userId>` (the workflow's writes), `order:<id>:placed:<sellerId>` (the placement): a retried write notifies nobody twice. */
    dedupeKey: text('dedupe_key').notNull().unique(),
    createdAt: ts('created_at').notNull(),
    readAt: ts('read_at'),
    /**
     * Whether the notification centre shows it: false when the user chose email only for its
     * kind (set by the `notifications_route` trigger of migration 0017, db/schema/mail.ts).
     */
    inApp: boolean('in_app').notNull().default(true),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.id), index('notifications_unread_idx').on(t.userId).where(sql`${t.readAt} is null`)],
);

/** A seller's breach of the rules, for the penalties of a later issue: `ignored_order`. */
export const sellerViolations = pgTable(
  'seller_violations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sellerId: bigint('seller_id', { mode: 'number' }).notNull().references(() => users.id),
    orderId: bigint('order_id', { mode: 'number' }).notNull().references(() => orders.id),
    kind: text('kind').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [uniqueIndex('seller_violations_once').on(t.orderId, t.kind), index('seller_violations_seller_idx').on(t.sellerId)],
);

/** What a buyer's feedback is, in `feedback` and as `deleted_feedback` keeps it (fresh column builders for each table). */
const feedbackColumns = () => ({
  orderId: bigint('order_id', { mode: 'number' }).primaryKey().references(() => orders.id),
  buyerId: bigint('buyer_id', { mode: 'number' }).notNull().references(() => users.id),
  sellerId: bigint('seller_id', { mode: 'number' }).notNull().references(() => users.id),
  offerId: bigint('offer_id', { mode: 'number' }).notNull().references(() => offers.id),
  verdict: text('verdict', { enum: ['like', 'dislike'] }).notNull(),
  text: text('text').notNull(),
  createdAt: ts('created_at').notNull(),
});

/**
 * The buyer's one like/dislike on an order, and the seller's one answer, which shows only
 * once a moderator approves it.
 */
export const feedback = pgTable(
  'feedback',
  {
    ...feedbackColumns(),
    answer: text('answer'),
    answerStatus: text('answer_status', { enum: ['pending', 'published', 'rejected'] }),
    answeredAt: ts('answered_at'),
    answerDecidedAt: ts('answer_decided_at'),
    answerDecidedBy: bigint('answer_decided_by', { mode: 'number' }).references(() => users.id),
  },
  (t) => [
    index('feedback_seller_idx').on(t.sellerId, t.createdAt),
    index('feedback_offer_idx').on(t.offerId, t.createdAt),
    index('feedback_pending_answer_idx').on(t.answeredAt).where(sql`${t.answerStatus} = 'pending'`),
  ],
);

/**
 * K-25/K-59: feedback staff deleted (boosting, or a breach of the rules), kept as it was with
 * who deleted it, when and why. The `feedback` row itself is gone, so reputation no longer
 * counts it.
 */
export const deletedFeedback = pgTable(
  'deleted_feedback',
  {
    ...feedbackColumns(),
    deletedBy: bigint('deleted_by', { mode: 'number' }).notNull().references(() => users.id),
    deletedAt: ts('deleted_at').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [index('deleted_feedback_seller_idx').on(t.sellerId)],
);
