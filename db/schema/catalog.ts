import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** What a package tier includes, its price and lead time. */
export interface PackageTier {
  priceCents: number;
  leadTimeDays: number;
  includes: string[];
}
export type PackageTierName = 'economy' | 'standard' | 'business';
export type Packages = Partial<Record<PackageTierName, PackageTier>>;

/** An extra a buyer may add to the basic kwork. `id` is stable across edits, for cart and orders. */
export interface OfferOption {
  id: number;
  title: string;
  priceCents: number;
  extraDays: number;
}

export interface OfferMedia {
  kind: 'image' | 'video';
  url: string;
}

/** The part of an offer a seller edits, and moderation approves. */
export interface OfferContent {
  categoryId: number;
  title: string;
  description: string;
  priceCents: number;
  leadTimeDays: number;
  instructions: string;
  unitVolume: string;
  media: OfferMedia[];
  attributes: Record<string, string | string[]>;
  options: OfferOption[];
  packages: Packages | null;
}

/**
 * The seeded category tree (a migration seeds it). Offers go in leaf categories. A category
 * may allow a free price (else the basic kwork costs the policy's base price), may fix its
 * package prices, and declares the attributes its offers must describe themselves with.
 */
export const categories = pgTable('categories', {
  id: integer('id').primaryKey(),
  parentId: integer('parent_id'),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  allowsFreePrice: boolean('allows_free_price').notNull().default(false),
  fixedPackagePrices: jsonb('fixed_package_prices').$type<Record<PackageTierName, number> | null>(),
  position: integer('position').notNull().default(0),
  /** K-37: sellers may show finished orders' results in their portfolio (the Design and Audio and video subtrees). */
  portfolio: boolean('portfolio').notNull().default(false),
});

export const categoryAttributes = pgTable(
  'category_attributes',
  {
    categoryId: integer('category_id').notNull().references(() => categories.id),
    key: text('key').notNull(),
    name: text('name').notNull(),
    allowedValues: text('allowed_values').array().notNull(),
    /** Several values at once (e.g. CMS: WordPress and Tilda). */
    multiple: boolean('multiple').notNull().default(false),
    required: boolean('required').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.categoryId, t.key] })],
);

/** K-28's Sales analytics as stored: `SalesAnalytics` of `workflows/lib/reputation.ts`. */
export interface StoredSalesAnalytics {
  responsibility: { for: number; of: number; percent: number | null };
  feedback: { for: number; of: number; percent: number | null };
  averageStartMs: number | null;
  averageCompletionMs: number | null;
  earnedCents: number;
  averageOrderCents: number;
  sales: number;
}

/**
 * A seller's public standing (issue 16), recomputed from their finished orders and feedback by
 * `db/reputation.ts` in the transaction that finishes an order or writes feedback: nothing
 * else writes these figures (except `last_active_at`, the seller's activity).
 */
export const sellerStats = pgTable('seller_stats', {
  userId: bigint('user_id', { mode: 'number' }).primaryKey().references(() => users.id),
  /** K-32, D-01. */
  level: text('level', { enum: ['newbie', 'advanced', 'professional'] }).notNull().default('newbie'),
  /** K-27 seller rating: % of the last 100 finished orders that are not bad; null before the first finished order. */
  ratingPercent: integer('rating_percent'),
  /** Likes and dislikes that count for stars (K-30, D-02). */
  feedbackCount: integer('feedback_count').notNull().default(0),
  completedOrders: integer('completed_orders').notNull().default(0),
  lastActiveAt: ts('last_active_at'),
  /** K-30, D-02 stars in tenths (45 = 4.5 stars); null without feedback. */
  starsTenths: integer('stars_tenths'),
  positiveFeedback: integer('positive_feedback').notNull().default(0),
  negativeFeedback: integer('negative_feedback').notNull().default(0),
  /** Completed + cancelled orders. */
  finishedOrders: integer('finished_orders').notNull().default(0),
  /** K-34 "successfully completed" %; null with nothing to count. */
  successfullyCompletedPercent: integer('successfully_completed_percent'),
  /** K-34 "submitted on time" %; null before the first completed order. */
  onTimePercent: integer('on_time_percent'),
  /** K-28, null until more than 3 completed orders. */
  analytics: jsonb('analytics').$type<StoredSalesAnalytics | null>(),
  /** K-32, D-01: the level's window (the last 100 finished orders) and its bad orders, for the dashboard's next-level line; null until recomputed. */
  levelWindowSize: integer('level_window_size'),
  levelWindowBad: integer('level_window_bad'),
  /** When the level last changed (null: never). */
  levelChangedAt: ts('level_changed_at'),
  /** When these figures were last recomputed. */
  computedAt: ts('computed_at'),
},
  // K-70: the header's "users online" counts recent activity (services/site-activity.ts).
  (t) => [index('seller_stats_active_idx').on(t.lastActiveAt)],
);

/**
 * A buyer's K-35 status, recomputed on each purchase (a completed order of theirs) and by the
 * daily `buyerStatuses` schedule, which catches a Super buyer whose 3-month window lapsed.
 */
export const buyerStats = pgTable(
  'buyer_stats',
  {
    userId: bigint('user_id', { mode: 'number' }).primaryKey().references(() => users.id),
    /** Lifetime purchases (completed orders as the buyer). */
    purchases: integer('purchases').notNull().default(0),
    rank: text('rank', { enum: ['newbie', 'accustomed', 'experienced', 'giant', 'mega_giant'] }),
    superBuyer: boolean('super_buyer').notNull().default(false),
    /** Purchases within the last 3 calendar months at `evaluated_at`. */
    recentPurchases: integer('recent_purchases').notNull().default(0),
    evaluatedAt: ts('evaluated_at').notNull(),
  },
  (t) => [index('buyer_stats_super_idx').on(t.evaluatedAt).where(sql`${t.superBuyer}`)],
);

/**
 * A kwork offer. The columns hold the version buyers see; an edit of an active offer waits in
 * `pendingContent` for moderation while the published version stays visible.
 */
export const offers = pgTable(
  'offers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sellerId: bigint('seller_id', { mode: 'number' }).notNull().references(() => users.id),
    categoryId: integer('category_id').notNull().references(() => categories.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    /** The basic kwork's price (one unit, no options), what the buyer pays. */
    priceCents: integer('price_cents').notNull(),
    leadTimeDays: integer('lead_time_days').notNull(),
    instructions: text('instructions').notNull().default(''),
    unitVolume: text('unit_volume').notNull().default(''),
    media: jsonb('media').$type<OfferMedia[]>().notNull().default([]),
    attributes: jsonb('attributes').$type<Record<string, string | string[]>>().notNull().default({}),
    options: jsonb('options').$type<OfferOption[]>().notNull().default([]),
    packages: jsonb('packages').$type<Packages | null>(),
    status: text('status', { enum: ['draft', 'in_moderation', 'active', 'rejected', 'paused', 'blocked', 'archived', 'suspended'] }).notNull().default('draft'),
    /** Why moderation rejected the last submission (or an admin blocked the offer). */
    statusReason: text('status_reason'),
    /** An edit of a published offer, awaiting moderation. */
    pendingContent: jsonb('pending_content').$type<OfferContent | null>(),
    /** Submissions so far; the moderation workflow of submission n is `kwork-moderation-<id>-<n>`. */
    revision: integer('revision').notNull().default(0),
    topRated: boolean('top_rated').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    publishedAt: ts('published_at'),
    searchVector: tsvector('search_vector')
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')`,
      ),
    /**
     * The seller's standing as in `seller_stats` (a seller without a row: newbie, unrated, no
     * feedback), copied here so catalog search filters and sorts by it on the offer alone
     * (`activities/search.ts`). Triggers keep the copy (migration 0008); nothing else writes it.
     */
    sellerLevel: text('seller_level', { enum: ['newbie', 'advanced', 'professional'] }).notNull().default('newbie'),
    sellerRatingPercent: integer('seller_rating_percent'),
    sellerFeedbackCount: integer('seller_feedback_count').notNull().default(0),
  },
  (t) => [
    index('offers_seller_idx').on(t.sellerId, t.status),
    index('offers_search_idx').using('gin', t.searchVector),
    index('offers_active_category_idx').on(t.categoryId, t.priceCents).where(sql`${t.status} = 'active'`),
    check('offers_price_positive', sql`${t.priceCents} > 0`),
    check('offers_lead_time_positive', sql`${t.leadTimeDays} > 0`),
  ],
);

/** One submission to moderation: the row the `kworkModeration` workflow keeps current. */
export const moderationSubmissions = pgTable(
  'moderation_submissions',
  {
    offerId: bigint('offer_id', { mode: 'number' }).notNull().references(() => offers.id),
    revision: integer('revision').notNull(),
    sellerId: bigint('seller_id', { mode: 'number' }).notNull().references(() => users.id),
    /** What was submitted: the whole content under review. */
    content: jsonb('content').$type<OfferContent>().notNull(),
    submittedAt: ts('submitted_at').notNull(),
    remindedAt: ts('reminded_at'),
    escalatedAt: ts('escalated_at'),
    decidedAt: ts('decided_at'),
    decision: text('decision', { enum: ['approved', 'rejected', 'withdrawn'] }),
    reason: text('reason'),
    moderatorId: bigint('moderator_id', { mode: 'number' }).references(() => users.id),
  },
  (t) => [
    primaryKey({ columns: [t.offerId, t.revision] }),
    index('moderation_queue_idx').on(t.submittedAt).where(sql`${t.decidedAt} is null`),
  ],
);

export const favorites = pgTable(
  'favorites',
  {
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    offerId: bigint('offer_id', { mode: 'number' }).notNull().references(() => offers.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.offerId] })],
);

/** An offer a buyer means to order: the basic kwork (units and options) or one package. */
export const cartItems = pgTable(
  'cart_items',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    offerId: bigint('offer_id', { mode: 'number' }).notNull().references(() => offers.id),
    units: integer('units').notNull().default(1),
    optionIds: integer('option_ids').array().notNull().default(sql`'{}'::int[]`),
    packageTier: text('package_tier', { enum: ['economy', 'standard', 'business'] }),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [
    index('cart_items_user_idx').on(t.userId, t.expiresAt),
    check('cart_items_units_positive', sql`${t.units} >= 1`),
    uniqueIndex('cart_items_once_per_offer').on(t.userId, t.offerId),
  ],
);
