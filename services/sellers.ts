/** A seller's public standing (K-27…K-35): what the offer page, the seller's feedback page and their profile show. */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { buyerStats, categories, offers, sellerStats, type StoredSalesAnalytics } from '../db/schema/catalog.js';
import { orders } from '../db/schema/orders.js';
import { users } from '../db/schema/users.js';
import { AppError } from '../workflows/lib/errors.js';
import { nextLevel, type NextLevel, type SellerLevel } from '../workflows/lib/reputation.js';
import type { Clock } from './clock.js';
import { awardsOf, badgeFigures, badgesOf, type Badge } from './badges.js';
import { sellerPortfolio, type PortfolioItem } from './portfolio.js';
import { visibleOfferSql } from './visibility.js';

type StoredStanding = Pick<
  typeof sellerStats.$inferSelect,
  'level' | 'ratingPercent' | 'feedbackCount' | 'completedOrders' | 'starsTenths' | 'successfullyCompletedPercent' | 'onTimePercent'
>;

/**
 * The seller as buyers see them, as reputation computed it (`db/reputation.ts`); a seller
 * without stats yet is a Newbie with no rating. `stars` has one decimal (K-30, D-02);
 * `canMakeIndividualOffers` is K-33/K-46: Advanced and Professional only.
 */
export function publicSeller(user: { id: number; login: string; displayName: string | null }, stats: StoredStanding | undefined | null) {
  const level = stats?.level ?? ('newbie' as const);
  return {
    id: user.id,
    login: user.login,
    displayName: user.displayName,
    level,
    ratingPercent: stats?.ratingPercent ?? null,
    feedbackCount: stats?.feedbackCount ?? 0,
    completedOrders: stats?.completedOrders ?? 0,
    stars: stats?.starsTenths == null ? null : stats.starsTenths / 10,
    successfullyCompletedPercent: stats?.successfullyCompletedPercent ?? null,
    onTimePercent: stats?.onTimePercent ?? null,
    canMakeIndividualOffers: level !== 'newbie',
  };
}

/** K-35: a buyer's status as shown. */
export interface BuyerStatus {
  rank: 'newbie' | 'accustomed' | 'experienced' | 'giant' | 'mega_giant';
  superBuyer: boolean;
  purchases: number;
}

/**
 * K-35: the user's buyer status as `viewerId` may see it: none before the first purchase; a
 * user who sells more than they buy (completed sales over purchases) shows it only to a viewer
 * who sold to them (an order with the viewer as its seller: "people they order from"), and
 * to themselves; anyone else's shows to everyone.
 */
async function visibleBuyerStatus(db: Db, userId: number, sales: number, viewerId: number | undefined): Promise<BuyerStatus | null> {
  const [row] = await db.orm.select().from(buyerStats).where(eq(buyerStats.userId, userId));
  if (!row?.rank) return null;
  const status = { rank: row.rank, superBuyer: row.superBuyer, purchases: row.purchases };
  if (sales <= row.purchases || viewerId === userId) return status;
  if (viewerId === undefined) return null;
  const [sold] = await db.orm.select({ id: orders.id }).from(orders).where(and(eq(orders.buyerId, userId), eq(orders.sellerId, viewerId))).limit(1);
  return sold ? status : null;
}

/** An offer on a seller's profile. */
export interface ProfileOffer {
  id: number;
  title: string;
  priceCents: number;
  leadTimeDays: number;
  topRated: boolean;
  category: { id: number; name: string };
}

/** The seller's profile (K-34, K-68): their card and the offers buyers can see now. */
export interface SellerProfile {
  seller: ReturnType<typeof publicSeller> & {
    city: string | null;
    about: string | null;
    skills: string[];
    memberSince: string;
    /** K-38 "seller activity": when they last used gigflow signed in; null when never recorded. */
    lastActiveAt: string | null;
    /** K-28 Sales analytics: null until more than 3 completed orders. */
    analytics: StoredSalesAnalytics | null;
    /** K-35, where the viewer may see it (`visibleBuyerStatus`). */
    buyerStatus: BuyerStatus | null;
    /** K-36: earned (selling, buying where the buyer status shows, positive communication) and awarded (ideas, bug reports, contests). */
    badges: Badge[];
  };
  offers: ProfileOffer[];
  /** K-37: results of finished orders the seller shows, newest first (next to the feedback). */
  portfolio: PortfolioItem[];
}

/** A profile lists at most this many offers (a Newbie may have 20, K-33; higher levels more). */
export const PROFILE_OFFERS_LIMIT = 60;

/**
 * A seller's public profile by login (any case): 404 for an unknown login and for accounts
 * search leaves out (blocked, unconfirmed). Offers: visible ones only (`visibility.ts`), Top
 * Rated first, then newest.
 */
async function sellerProfile({ db, clock }: { db: Db; clock: Clock }, login: string, viewerId?: number): Promise<SellerProfile> {
  const [found] = await db.orm
    .select({ user: users, stats: sellerStats })
    .from(users)
    .leftJoin(sellerStats, eq(sellerStats.userId, users.id))
    .where(sql`lower(${users.login}) = ${login.toLowerCase()} and ${users.blockedAt} is null and ${users.emailConfirmedAt} is not null`);
  if (!found) throw new AppError('not_found', 'no such seller');
  const { user, stats } = found;
  const rows = await db.orm
    .select({
      id: offers.id,
      title: offers.title,
      priceCents: offers.priceCents,
      leadTimeDays: offers.leadTimeDays,
      topRated: offers.topRated,
      categoryId: categories.id,
      categoryName: categories.name,
    })
    .from(offers)
    .innerJoin(categories, eq(categories.id, offers.categoryId))
    .where(and(eq(offers.sellerId, user.id), visibleOfferSql(clock.now())))
    .orderBy(desc(offers.topRated), desc(sql`coalesce(${offers.publishedAt}, ${offers.createdAt})`), desc(offers.id))
    .limit(PROFILE_OFFERS_LIMIT);
  const [buyerStatus, awards] = await Promise.all([visibleBuyerStatus(db, user.id, stats?.completedOrders ?? 0, viewerId), awardsOf(db, user.id)]);
  return {
    seller: {
      ...publicSeller(user, stats),
      city: user.city,
      about: user.about,
      skills: user.skills,
      memberSince: new Date(user.createdAt).toISOString(),
      lastActiveAt: stats?.lastActiveAt?.toISOString() ?? null,
      analytics: stats?.analytics ?? null,
      buyerStatus,
      badges: badgesOf(badgeFigures(stats, buyerStatus?.purchases ?? null), awards),
    },
    offers: rows.map((r) => ({
      id: r.id,
      title: r.title,
      priceCents: r.priceCents,
      leadTimeDays: r.leadTimeDays,
      topRated: r.topRated,
      category: { id: r.categoryId, name: r.categoryName },
    })),
    portfolio: await sellerPortfolio(db, user.id),
  };
}

/** A seller's own view of their level (K-32, D-01): where they stand and what the next level asks. */
export interface LevelProgress {
  level: SellerLevel;
  completedOrders: number;
  /**
   * Bad orders among the last `windowSize` finished ones (the level's window: at most 100); null
   * for a seller whose figures were last computed before migration 0038 (their next finished
   * order, or `npm run reputation:recompute`, computes them).
   */
  window: { size: number; bad: number } | null;
  next: NextLevel | null;
}

async function levelProgress(db: Db, userId: number): Promise<LevelProgress> {
  const [stats] = await db.orm.select().from(sellerStats).where(eq(sellerStats.userId, userId));
  const level = stats?.level ?? 'newbie';
  // No finished order yet: an empty window, whether or not a row was ever computed.
  const window = stats?.levelWindowSize != null ? { size: stats.levelWindowSize, bad: stats.levelWindowBad ?? 0 } : (stats?.finishedOrders ?? 0) === 0 ? { size: 0, bad: 0 } : null;
  const figures = { completed: stats?.completedOrders ?? 0, windowSize: window?.size ?? 0, windowBad: window?.bad ?? 0 };
  return { level, completedOrders: figures.completed, window, next: nextLevel(level, figures) };
}

export function createSellers(deps: { db: Db; clock: Clock }) {
  return {
    /** `viewerId`: the signed-in viewer, for what K-35 lets them see. */
    profile: (login: string, viewerId?: number) => sellerProfile(deps, login, viewerId),
    /** The seller's own level and what the next one asks (their dashboard). */
    levelProgress: (userId: number) => levelProgress(deps.db, userId),
  };
}

export type Sellers = ReturnType<typeof createSellers>;
