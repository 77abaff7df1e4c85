/**
 * K-36 badges that staff award (ideas, bug reports, contests): one row an award, with what it is
 * for, public on the user's profile. Badges for selling, buying and positive communication are
 * not stored: they are read from the figures reputation keeps (`services/badges.ts`).
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const badgeAwards = pgTable(
  'badge_awards',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id),
    /** `idea`, `bug_report`, `contest` (`awardedBadgeKinds`). */
    kind: text('kind', { enum: ['idea', 'bug_report', 'contest'] }).notNull(),
    /** What it is for ("Suggested saved searches"): public, next to the badge. */
    reason: text('reason').notNull(),
    awardedBy: bigint('awarded_by', { mode: 'number' }).references(() => users.id),
    awardedAt: ts('awarded_at').notNull(),
    revokedAt: ts('revoked_at'),
    revokedBy: bigint('revoked_by', { mode: 'number' }).references(() => users.id),
  },
  (t) => [
    index('badge_awards_user_idx').on(t.userId),
    // One standing award a user, kind and reason: a second click or a second admin is a 409, not a second badge.
    uniqueIndex('badge_awards_once').on(t.userId, t.kind, sql`lower(${t.reason})`).where(sql`${t.revokedAt} is null`),
  ],
);
