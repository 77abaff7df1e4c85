/**
 * Service requests (K-44): the read model of each `request-<id>` workflow, which writes every
 * change (the lists, and closed requests, are read from here; a running one's live state from
 * its query). The buyer's posting writes the first row; `seq` orders the workflow's writes.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { requestStatuses } from '../../workflows/request/messages.js';
import { attachments } from './attachments.js';
import { categories, offers } from './catalog.js';
import { individualOffers } from './individual-offers.js';
import { orders } from './orders.js';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const serviceRequests = pgTable(
  'service_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    buyerId: bigint('buyer_id', { mode: 'number' }).notNull().references(() => users.id),
    /** A leaf category of the catalog. */
    categoryId: integer('category_id').notNull().references(() => categories.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    /** Integer cents, or null: no budget named. */
    budgetCents: bigint('budget_cents', { mode: 'number' }),
    status: text('status', { enum: requestStatuses }).notNull(),
    /** Why staff rejected it: the buyer reads it. */
    statusReason: text('status_reason'),
    postedAt: ts('posted_at').notNull(),
    approvedAt: ts('approved_at'),
    /** K-44: active until 24 h after the approval. */
    activeUntil: ts('active_until'),
    closedAt: ts('closed_at'),
    answersCount: integer('answers_count').notNull().default(0),
    /** The number of the workflow's last write: an older or repeated one changes nothing. */
    seq: integer('seq').notNull().default(0),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('service_requests_buyer_idx').on(t.buyerId, t.id),
    index('service_requests_status_idx').on(t.status, t.categoryId),
    check('service_requests_budget', sql`${t.budgetCents} is null or ${t.budgetCents} > 0`),
  ],
);

/** One seller's answer to a request; `answer_id` is its number within the request, given by the workflow. */
export const requestAnswers = pgTable(
  'request_answers',
  {
    requestId: bigint('request_id', { mode: 'number' })
      .notNull()
      .references(() => serviceRequests.id),
    answerId: integer('answer_id').notNull(),
    /** `offer` (one of the seller's kworks) or `individual_offer` (K-46: `individual_offer_id` names it). */
    kind: text('kind').notNull(),
    sellerId: bigint('seller_id', { mode: 'number' }).notNull().references(() => users.id),
    offerId: bigint('offer_id', { mode: 'number' }).references(() => offers.id),
    /** The individual offer answered with (K-46): its description and lead time show on the request page. */
    individualOfferId: bigint('individual_offer_id', { mode: 'number' }).references(() => individualOffers.id),
    offerTitle: text('offer_title').notNull(),
    priceCents: bigint('price_cents', { mode: 'number' }).notNull(),
    comment: text('comment'),
    status: text('status', { enum: ['active', 'withdrawn', 'picked'] }).notNull(),
    /** The order a pick placed for it. */
    orderId: bigint('order_id', { mode: 'number' }).references(() => orders.id),
    answeredAt: ts('answered_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.answerId] }),
    index('request_answers_seller_idx').on(t.sellerId),
    check('request_answers_individual_offer', sql`(${t.kind} = 'individual_offer') = (${t.individualOfferId} is not null)`),
  ],
);

/**
 * K-69: the buyer's files attached to a request when posting it (their own uploads), in the
 * order given. Whoever may see the request may download them (`services/attachments.ts`).
 */
export const requestAttachments = pgTable(
  'request_attachments',
  {
    requestId: bigint('request_id', { mode: 'number' })
      .notNull()
      .references(() => serviceRequests.id),
    attachmentId: text('attachment_id')
      .notNull()
      .references(() => attachments.id),
    position: smallint('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.attachmentId] }), index('request_attachments_attachment_idx').on(t.attachmentId)],
);
