/**
 * K-36 badges: "Badges reward activity: ideas, bug reports, buying/selling, positive
 * communication, contests." Selling, buying and positive communication are earned: read from the
 * figures reputation keeps (`seller_stats`, `buyer_stats`), so a badge appears with the order or
 * feedback that earns it and never needs a job to hand it out. Ideas, bug reports and contests
 * are awarded by an admin, each for something named (`badge_awards`), and can be taken back; the
 * user is told of an award (`badge_awarded`, linked to their profile through `/profile`).
 * Thresholds: `badgeRules` (ours: the source names the kinds, not the numbers).
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { badgeAwards } from '../db/schema/badges.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { notifications } from '../db/schema/orders.js';
import { users } from '../db/schema/users.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import type { Clock } from './clock.js';
import { badgeRules } from './policy.js';

export const awardedBadgeKinds = ['idea', 'bug_report', 'contest'] as const;
export type AwardedBadgeKind = (typeof awardedBadgeKinds)[number];
export const badgeKinds = ['sales', 'purchases', 'positive_communication', ...awardedBadgeKinds] as const;
export type BadgeKind = (typeof badgeKinds)[number];

/** One award of an awarded badge, as its profile shows it. */
export interface BadgeAward {
  id: number;
  reason: string;
  awardedAt: string;
}

export interface Badge {
  kind: BadgeKind;
  /** As shown: "100+ sales", "Positive communication", "Idea author". */
  name: string;
  /** What earned it, in words: "134 orders completed as a seller", "2 ideas adopted". */
  detail: string;
  /** An awarded badge's awards, newest first (what each was for); empty for an earned one. */
  awards: BadgeAward[];
}

/** What earned badges are read from. `purchases`: null where the viewer may not see the buyer status (K-35). */
export interface BadgeFigures {
  completedSales: number;
  purchases: number | null;
  positiveFeedback: number;
  negativeFeedback: number;
}

/** The figures from a seller's stored standing (none: a user who never sold), and the purchases the viewer may see (null: not shown). */
export function badgeFigures(stats: { completedOrders: number; positiveFeedback: number; negativeFeedback: number } | null | undefined, purchases: number | null): BadgeFigures {
  return { completedSales: stats?.completedOrders ?? 0, purchases, positiveFeedback: stats?.positiveFeedback ?? 0, negativeFeedback: stats?.negativeFeedback ?? 0 };
}

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;

/** The highest tier `n` reaches, or undefined below the first. */
export const tierOf = (n: number, tiers: readonly number[]) => tiers.filter((t) => n >= t).at(-1);

const awardedNames: Record<AwardedBadgeKind, { name: string; detail: (n: number) => string }> = {
  idea: { name: 'Idea author', detail: (n) => `${plural(n, 'idea', 'ideas')} adopted` },
  bug_report: { name: 'Bug hunter', detail: (n) => `${plural(n, 'bug report', 'bug reports')} confirmed` },
  contest: { name: 'Contest winner', detail: (n) => `${plural(n, 'contest', 'contests')} won` },
};

/** The badges a user holds, earned first (selling, buying, communication), then awarded ones in `awardedBadgeKinds` order. */
export function badgesOf(figures: BadgeFigures, awards: (BadgeAward & { kind: AwardedBadgeKind })[], rules = badgeRules): Badge[] {
  const badges: Badge[] = [];
  const sales = tierOf(figures.completedSales, rules.salesTiers);
  if (sales !== undefined) badges.push({ kind: 'sales', name: `${count(sales)}+ sales`, detail: `${plural(figures.completedSales, 'order', 'orders')} completed as a seller`, awards: [] });
  const purchases = figures.purchases === null ? undefined : tierOf(figures.purchases, rules.purchaseTiers);
  if (purchases !== undefined) badges.push({ kind: 'purchases', name: `${count(purchases)}+ purchases`, detail: `${plural(figures.purchases!, 'order', 'orders')} completed as a buyer`, awards: [] });
  const rated = figures.positiveFeedback + figures.negativeFeedback;
  const percent = rated === 0 ? 0 : Math.floor((figures.positiveFeedback * 100) / rated);
  if (rated >= rules.positiveMinFeedback && percent >= rules.positiveMinPercent) {
    badges.push({ kind: 'positive_communication', name: 'Positive communication', detail: `${percent} % of ${count(rated)} feedback positive`, awards: [] });
  }
  for (const kind of awardedBadgeKinds) {
    const mine = awards.filter((a) => a.kind === kind).sort((a, b) => b.awardedAt.localeCompare(a.awardedAt) || b.id - a.id);
    if (mine.length) badges.push({ kind, name: awardedNames[kind].name, detail: awardedNames[kind].detail(mine.length), awards: mine.map(({ id, reason, awardedAt }) => ({ id, reason, awardedAt })) });
  }
  return badges;
}

/** A user's standing awards (not taken back). */
export async function awardsOf(db: Db, userId: number): Promise<(BadgeAward & { kind: AwardedBadgeKind })[]> {
  const rows = await db.orm
    .select()
    .from(badgeAwards)
    .where(and(eq(badgeAwards.userId, userId), isNull(badgeAwards.revokedAt)))
    .orderBy(desc(badgeAwards.awardedAt), desc(badgeAwards.id));
  return rows.map((r) => ({ id: r.id, kind: r.kind, reason: r.reason, awardedAt: r.awardedAt.toISOString() }));
}

export function createBadges({ db, clock }: { db: Db; clock: Clock }) {
  return {
    /** An admin awards `kind` to a user for `reason`; the same standing award twice is a 409. */
    async award(adminId: number, userId: number, input: { kind: AwardedBadgeKind; reason: string }): Promise<BadgeAward & { kind: AwardedBadgeKind; userId: number }> {
      const [user] = await db.orm.select({ id: users.id }).from(users).where(eq(users.id, userId));
      if (!user) throw new AppError('not_found', 'no such user');
      if (userId === adminId) throw new AppError('forbidden', 'an admin does not award themselves a badge: another admin does');
      try {
        // The award and its notice together: the user hears of it (in the app; by email if they chose), linked to their profile.
        const row = await db.orm.transaction(async (tx) => {
          const at = clock.now();
          const [award] = await tx.insert(badgeAwards).values({ userId, kind: input.kind, reason: input.reason.trim(), awardedBy: adminId, awardedAt: at }).returning();
          const text = `You were awarded the “${awardedNames[award!.kind].name}” badge: ${award!.reason}. It shows on your profile.`;
          await tx.insert(notifications).values({ userId, kind: 'badge_awarded', text, dedupeKey: `badge:${award!.id}`, createdAt: at });
          return award!;
        });
        return { id: row.id, userId, kind: row.kind, reason: row.reason, awardedAt: row.awardedAt.toISOString() };
      } catch (err) {
        if (isUniqueViolation(err, 'badge_awards_once')) throw fieldError('body.reason', 'this user already holds this badge for that', 'conflict');
        throw err;
      }
    },
    /** An admin takes an award back: it leaves the profile (the row stays, marked). Unknown, not this user's or already taken back: 404. */
    async revoke(adminId: number, userId: number, awardId: number): Promise<void> {
      const taken = await db.orm
        .update(badgeAwards)
        .set({ revokedAt: clock.now(), revokedBy: adminId })
        .where(and(eq(badgeAwards.id, awardId), eq(badgeAwards.userId, userId), isNull(badgeAwards.revokedAt)))
        .returning({ id: badgeAwards.id });
      if (taken.length === 0) throw new AppError('not_found', 'no such badge award');
    },
    awardsOf: (userId: number) => awardsOf(db, userId),
  };
}

export type Badges = ReturnType<typeof createBadges>;
