/**
 * A service request's answers and files (K-44, K-46, K-69), beside `./service-requests.ts`: an
 * answer may name an individual offer (`./individual-offers.ts`), whose table names the request,
 * so these tables live apart and the schema's imports stay acyclic.
 */
import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { attachments } from './attachments.js';
import { offers } from './catalog.js';
import { individualOffers } from './individual-offers.js';
import { orders } from './orders.js';
import { serviceRequests } from './service-requests.js';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

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
