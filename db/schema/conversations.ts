/**
 * Conversations (issue 17): every order's buyer and seller talk in the order's conversation,
 * any two users in a direct one. Messages are numbered by one sequence (`messages.id`): that
 * number is the delivery order, the keyset cursor and what read receipts point at.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { jobs } from './jobs.js';
import { orders } from './orders.js';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The longest message, in characters (UTF-16 code units, as the API's schema counts them). */
export const MESSAGE_MAX_CHARS = 4000;

/**
 * `order`: the order's one conversation (`order_id` unique), created on a party's first look;
 * `direct`: two users, stored as the ordered pair `user_low < user_high`, so each pair has one;
 * `job`: an estimated job's conversation (W-09, `job_id` unique): the client, the job's experts
 * (each one added when they take the job, W-10) and staff.
 */
export const conversations = pgTable(
  'conversations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind', { enum: ['order', 'direct', 'job'] }).notNull(),
    orderId: bigint('order_id', { mode: 'number' }).references(() => orders.id),
    jobId: bigint('job_id', { mode: 'number' }).references(() => jobs.id),
    userLow: bigint('user_low', { mode: 'number' }).references(() => users.id),
    userHigh: bigint('user_high', { mode: 'number' }).references(() => users.id),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('conversations_order_once').on(t.orderId).where(sql`${t.orderId} is not null`),
    uniqueIndex('conversations_direct_once').on(t.userLow, t.userHigh).where(sql`${t.kind} = 'direct'`),
    uniqueIndex('conversations_job_once').on(t.jobId).where(sql`${t.jobId} is not null`),
    check(
      'conversations_kind_shape',
      sql`(${t.kind} = 'order' and ${t.orderId} is not null and ${t.jobId} is null and ${t.userLow} is null and ${t.userHigh} is null)
        or (${t.kind} = 'direct' and ${t.orderId} is null and ${t.jobId} is null and ${t.userLow} < ${t.userHigh})
        or (${t.kind} = 'job' and ${t.jobId} is not null and ${t.orderId} is null and ${t.userLow} is null and ${t.userHigh} is null)`,
    ),
  ],
);

/** Who takes part, and how far each has read (a read receipt; only ever moves forward). */
export const conversationParticipants = pgTable(
  'conversation_participants',
  {
    conversationId: bigint('conversation_id', { mode: 'number' })
      .notNull()
      .references(() => conversations.id),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    /** The newest message this participant has read; 0 before any. */
    lastReadMessageId: bigint('last_read_message_id', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] }), index('conversation_participants_user_idx').on(t.userId)],
);

/** One message: its id is its place in the delivery order. */
export const messages = pgTable(
  'messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    conversationId: bigint('conversation_id', { mode: 'number' })
      .notNull()
      .references(() => conversations.id),
    authorId: bigint('author_id', { mode: 'number' }).notNull().references(() => users.id),
    text: text('text').notNull(),
    /** K-61, K-62: the scan found contact details or payment handles; staff were told, the text is as written. */
    flaggedOffPlatform: boolean('flagged_off_platform').notNull().default(false),
    /** `info_request` (K-20): the seller's information request in an order's conversation, the order's question to the buyer. */
    kind: text('kind', { enum: ['text', 'info_request'] }).notNull().default('text'),
    createdAt: ts('created_at').notNull(),
    /** K-60: staff removed it as spam: hidden from both parties ("removed by moderation"), kept for staff. */
    removedAt: ts('removed_at'),
    removedBy: bigint('removed_by', { mode: 'number' }).references(() => users.id),
  },
  (t) => [
    index('messages_conversation_idx').on(t.conversationId, t.id),
    // Empty only with an attachment (K-69): `services/conversations.ts` holds that part, the attachments being another table's.
    check('messages_text_length', sql`char_length(${t.text}) <= ${sql.raw(String(MESSAGE_MAX_CHARS))}`),
    check('messages_kind', sql`${t.kind} in ('text', 'info_request')`),
    check('messages_removed_by', sql`(${t.removedAt} is null) = (${t.removedBy} is null)`),
  ],
);
