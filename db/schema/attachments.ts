/**
 * Attachments (K-69) and the portfolio (K-37). An attachment is a file a user uploaded: its
 * bytes live in the attachment store (`services/attachment-store.ts`, content-addressed by
 * SHA-256), its row says who uploaded it, under what name, and what its content is (detected
 * from the bytes, never the client's word). Messages, offers and portfolio items carry
 * attachments through link tables; who may download one follows from those links.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { offers } from './catalog.js';
import { messages } from './conversations.js';
import { jobs } from './jobs.js';
import { orders } from './orders.js';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** K-69: the largest file, in bytes (4 MB); larger files go through a cloud link. */
export const ATTACHMENT_MAX_BYTES = 4 * 1024 * 1024;
/** The longest stored file name, in characters. */
export const ATTACHMENT_NAME_MAX_CHARS = 200;

/** One uploaded file. Its id is 128 random bits (base64url): ids are not guessable. */
export const attachments = pgTable(
  'attachments',
  {
    id: text('id').primaryKey(),
    ownerId: bigint('owner_id', { mode: 'number' })
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    /** Detected from the content (K-69), e.g. `image/png`. */
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    /** SHA-256 of the bytes, hex: the store's key. */
    sha256: text('sha256').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    index('attachments_owner_idx').on(t.ownerId),
    check('attachments_id_shape', sql`${t.id} ~ '^[A-Za-z0-9_-]{22}$'`),
    check('attachments_size', sql`${t.size} between 1 and ${sql.raw(String(ATTACHMENT_MAX_BYTES))}`),
    check('attachments_name_length', sql`char_length(${t.name}) between 1 and ${sql.raw(String(ATTACHMENT_NAME_MAX_CHARS))}`),
    check('attachments_sha256_shape', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
  ],
);

/** The attachments a message carries, in the order its writer gave them. */
export const messageAttachments = pgTable(
  'message_attachments',
  {
    messageId: bigint('message_id', { mode: 'number' })
      .notNull()
      .references(() => messages.id),
    attachmentId: text('attachment_id')
      .notNull()
      .references(() => attachments.id),
    position: smallint('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.attachmentId] }), index('message_attachments_attachment_idx').on(t.attachmentId)],
);

/** K-41: an offer's images, in the order its seller gave them. */
export const offerImages = pgTable(
  'offer_images',
  {
    offerId: bigint('offer_id', { mode: 'number' })
      .notNull()
      .references(() => offers.id),
    attachmentId: text('attachment_id')
      .notNull()
      .references(() => attachments.id),
    position: smallint('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.offerId, t.attachmentId] }), index('offer_images_attachment_idx').on(t.attachmentId)],
);

/**
 * K-37: a buyer's refusal to let the seller show the order's result in the portfolio. One row
 * per refused order; a refusal is final.
 */
export const portfolioRefusals = pgTable('portfolio_refusals', {
  orderId: bigint('order_id', { mode: 'number' })
    .primaryKey()
    .references(() => orders.id),
  refusedAt: ts('refused_at').notNull(),
});

/**
 * K-37: an order's result in its seller's portfolio (one per order), shown on the offer page and
 * the seller's profile next to the feedback.
 */
export const portfolioItems = pgTable(
  'portfolio_items',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: bigint('order_id', { mode: 'number' })
      .notNull()
      .unique()
      .references(() => orders.id),
    sellerId: bigint('seller_id', { mode: 'number' })
      .notNull()
      .references(() => users.id),
    offerId: bigint('offer_id', { mode: 'number' })
      .notNull()
      .references(() => offers.id),
    title: text('title'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    index('portfolio_items_seller_idx').on(t.sellerId, t.id),
    index('portfolio_items_offer_idx').on(t.offerId, t.id),
    check('portfolio_items_title_length', sql`char_length(${t.title}) between 1 and 120`),
  ],
);

/** The files of a portfolio item, in the order the seller gave them. */
export const portfolioItemAttachments = pgTable(
  'portfolio_item_attachments',
  {
    itemId: bigint('item_id', { mode: 'number' })
      .notNull()
      .references(() => portfolioItems.id),
    attachmentId: text('attachment_id')
      .notNull()
      .references(() => attachments.id),
    position: smallint('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.attachmentId] }), index('portfolio_item_attachments_attachment_idx').on(t.attachmentId)],
);

/**
 * K-69: the files of an order's deliveries, written by the order's write (`recordOrderEvent`,
 * idempotently) from the delivery the workflow recorded. The download rule reads it: the
 * order's parties, and staff while it is disputed, may download them.
 */
export const deliveryAttachments = pgTable(
  'delivery_attachments',
  {
    orderId: bigint('order_id', { mode: 'number' })
      .notNull()
      .references(() => orders.id),
    attachmentId: text('attachment_id')
      .notNull()
      .references(() => attachments.id),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.attachmentId] }), index('delivery_attachments_attachment_idx').on(t.attachmentId)],
);

/**
 * W-03: the files the client attached to the job's order form (mockups, sketches, videos,
 * screenshots). Here rather than beside `jobs` so that the schema modules import no cycle.
 */
export const jobAttachments = pgTable(
  'job_attachments',
  {
    jobId: bigint('job_id', { mode: 'number' })
      .notNull()
      .references(() => jobs.id),
    attachmentId: text('attachment_id')
      .notNull()
      .references(() => attachments.id),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.attachmentId] })],
);
