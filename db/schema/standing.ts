/**
 * Sanctions (K-58…K-65): each user's standing as their `standing-<userId>` workflow last wrote
 * it, the history of every sanction and lift, the open orders an account block handed to
 * support, and users' reports for staff. Kept apart from `seller_stats` (reputation's).
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { orders } from './orders.js';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * One row per user the standing workflow ever wrote: the running blocks (null: none) and why.
 * A block holds while its column is set — the workflow's timer clears it — so the database
 * never compares with its own clock what the workflow's time decides. `seq` is the number of
 * the workflow's last write: an older write landing later changes nothing.
 */
export const standings = pgTable(
  'standings',
  {
    userId: bigint('user_id', { mode: 'number' }).primaryKey().references(() => users.id),
    offersBlockedUntil: ts('offers_blocked_until'),
    offersBlockReason: text('offers_block_reason'),
    accountBlockedUntil: ts('account_blocked_until'),
    accountBlockReason: text('account_block_reason'),
    /** The violation kind of the latest sanction. */
    kind: text('kind'),
    /** `account_blocked`, `offers_blocked`, `warned`, `clear`. */
    level: text('level').notNull(),
    seq: integer('seq').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('standings_offers_blocked_idx').on(t.offersBlockedUntil).where(sql`${t.offersBlockedUntil} is not null`),
    index('standings_account_blocked_idx').on(t.accountBlockedUntil).where(sql`${t.accountBlockedUntil} is not null`),
  ],
);

/** Every sanction and lift, numbered per user (`seq`): a retried write inserts nothing twice. */
export const sanctions = pgTable(
  'sanctions',
  {
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    seq: integer('seq').notNull(),
    /** `warning`, `offers_block`, `account_block`, `offers_lifted`, `account_lifted`. */
    action: text('action').notNull(),
    kind: text('kind'),
    reason: text('reason').notNull(),
    until: ts('until'),
    /** Staff who acted; null for the rules and the timers. */
    staffId: bigint('staff_id', { mode: 'number' }).references(() => users.id),
    at: ts('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.seq] })],
);

/** An open order of a user whose account was blocked: support takes it over (K-65). */
export const supportHandovers = pgTable(
  'support_handovers',
  {
    orderId: bigint('order_id', { mode: 'number' })
      .notNull()
      .references(() => orders.id),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    reason: text('reason').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.userId] })],
);

/** A user's report of a user, an offer, a feedback or a message, queued for staff; or the message scan's (K-61, K-62: no reporter). */
export const reports = pgTable(
  'reports',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Null: the off-platform scan of messages queued it (K-61, K-62), no user did. */
    reporterId: bigint('reporter_id', { mode: 'number' }).references(() => users.id),
    subject: text('subject', { enum: ['user', 'offer', 'feedback', 'message'] }).notNull(),
    subjectId: bigint('subject_id', { mode: 'number' }).notNull(),
    /** Whom it is about (the offer's seller, the feedback's buyer): the user a sanction would reach. */
    accusedId: bigint('accused_id', { mode: 'number' }).notNull().references(() => users.id),
    reason: text('reason').notNull(),
    createdAt: ts('created_at').notNull(),
    resolvedAt: ts('resolved_at'),
    resolvedBy: bigint('resolved_by', { mode: 'number' }).references(() => users.id),
    resolution: text('resolution'),
  },
  (t) => [
    // One open report per reporter and subject: a second one is refused (409) until staff resolve the first.
    uniqueIndex('reports_open_once').on(t.reporterId, t.subject, t.subjectId).where(sql`${t.resolvedAt} is null`),
    index('reports_queue_idx').on(t.createdAt).where(sql`${t.resolvedAt} is null`),
  ],
);
