/**
 * Individual offers (K-33, K-46): an Advanced or Professional seller's offer to one buyer, at a
 * price and lead time of its own, made in their direct conversation or in answer to a service
 * request (then the buyer's pick of that answer accepts it). The buyer accepts it (an order
 * through the normal placement) or declines it; the seller may withdraw it while it is open; it
 * lapses 7 days after it was made.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { offers } from './catalog.js';
import { conversations, messages } from './conversations.js';
import { orders } from './orders.js';
import { serviceRequests } from './service-requests.js';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The stored statuses. `expired` is written by the offer's workflow when its timer fires; until
 * then an `open` offer past `expires_at` reads as expired and takes no answer all the same.
 */
export const individualOfferStatuses = ['open', 'accepted', 'declined', 'withdrawn', 'expired'] as const;

export const individualOffers = pgTable(
  'individual_offers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sellerId: bigint('seller_id', { mode: 'number' }).notNull().references(() => users.id),
    buyerId: bigint('buyer_id', { mode: 'number' }).notNull().references(() => users.id),
    /** One of the seller's active offers: the order placed on acceptance is an order of it, at this offer's own price and lead time. */
    basedOnOfferId: bigint('based_on_offer_id', { mode: 'number' }).notNull().references(() => offers.id),
    description: text('description').notNull(),
    priceCents: integer('price_cents').notNull(),
    leadTimeDays: integer('lead_time_days').notNull(),
    status: text('status', { enum: individualOfferStatuses }).notNull().default('open'),
    /** The direct conversation it was made in, and the message that announced it there. */
    conversationId: bigint('conversation_id', { mode: 'number' }).references(() => conversations.id),
    messageId: bigint('message_id', { mode: 'number' }).references(() => messages.id),
    /** The service request it answers (K-44, K-46): then it is accepted only through the request's pick. */
    requestId: bigint('request_id', { mode: 'number' }).references(() => serviceRequests.id),
    /** The order its acceptance placed. */
    orderId: bigint('order_id', { mode: 'number' }).references(() => orders.id),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    /** When it was accepted, declined or withdrawn. */
    decidedAt: ts('decided_at'),
  },
  (t) => [
    index('individual_offers_buyer_idx').on(t.buyerId, t.id),
    index('individual_offers_seller_idx').on(t.sellerId, t.id),
    index('individual_offers_conversation_idx').on(t.conversationId),
    // K-46: $10 to $1000, whatever code writes the row.
    check('individual_offers_price', sql`${t.priceCents} between 1000 and 100000`),
    check('individual_offers_lead_time', sql`${t.leadTimeDays} between 1 and 30`),
    check('individual_offers_parties', sql`${t.sellerId} <> ${t.buyerId}`),
    check('individual_offers_accepted_order', sql`(${t.status} = 'accepted') = (${t.orderId} is not null)`),
  ],
);
