/** A seller's public standing (K-27, K-32, K-34): what the offer page, the seller's feedback page and their profile show. */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { categories, offers, sellerStats } from '../db/schema/catalog.js';
import { users } from '../db/schema/users.js';
import { AppError } from '../workflows/lib/errors.js';
import type { Clock } from './clock.js';
import { visibleOfferSql } from './visibility.js';

/** The seller as buyers see them; a seller without stats yet is a Newbie with no rating. */
export function publicSeller(
  user: { id: number; login: string; displayName: string | null },
  stats: Pick<typeof sellerStats.$inferSelect, 'level' | 'ratingPercent' | 'feedbackCount' | 'completedOrders'> | undefined | null,
) {
  return {
    id: user.id,
    login: user.login,
    displayName: user.displayName,
    level: stats?.level ?? ('newbie' as const),
    ratingPercent: stats?.ratingPercent ?? null,
    feedbackCount: stats?.feedbackCount ?? 0,
    completedOrders: stats?.completedOrders ?? 0,
  };
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
  };
  offers: ProfileOffer[];
}

/** A profile lists at most this many offers (a Newbie may have 20, K-33; higher levels more). */
export const PROFILE_OFFERS_LIMIT = 60;

/**
 * A seller's public profile by login (any case): 404 for an unknown login and for accounts
 * search leaves out (blocked, unconfirmed). Offers: visible ones only (`visibility.ts`), Top
 * Rated first, then newest.
 */
async function sellerProfile({ db, clock }: { db: Db; clock: Clock }, login: string): Promise<SellerProfile> {
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
  return {
    seller: {
      ...publicSeller(user, stats),
      city: user.city,
      about: user.about,
      skills: user.skills,
      memberSince: new Date(user.createdAt).toISOString(),
      lastActiveAt: stats?.lastActiveAt?.toISOString() ?? null,
    },
    offers: rows.map((r) => ({
      id: r.id,
      title: r.title,
      priceCents: r.priceCents,
      leadTimeDays: r.leadTimeDays,
      topRated: r.topRated,
      category: { id: r.categoryId, name: r.categoryName },
    })),
  };
}

export function createSellers(deps: { db: Db; clock: Clock }) {
  return {
    profile: (login: string) => sellerProfile(deps, login),
  };
}

export type Sellers = ReturnType<typeof createSellers>;
