/**
 * The site's live counters (K-70: the header shows "users online" and "last order N minutes
 * ago"): how many people used the site signed in within `siteActivityRules.onlineWithinMs`
 * (their `seller_stats.last_active_at`, written by the session lookup for every user, not only
 * sellers), and when the newest order was placed. One statement over two indexes, so every page's
 * header can ask: no user is named and nothing but two figures leaves the database.
 */
import type { Db } from '../db/client.js';
import type { Clock } from './clock.js';
import { siteActivityRules } from './policy.js';

export interface SiteActivity {
  /** Users with a signed-in request within the last `onlineWithinMinutes`. */
  usersOnline: number;
  onlineWithinMinutes: number;
  /** When the newest order was placed; null before the first. */
  lastOrderAt: string | null;
}

export function createSiteActivity({ db, clock }: { db: Db; clock: Clock }) {
  return {
    async now(): Promise<SiteActivity> {
      const since = new Date(clock.now().getTime() - siteActivityRules.onlineWithinMs).toISOString();
      const [row] = await db.sql<{ online: number; last_order_at: Date | string | null }[]>`
        select (select count(*) from seller_stats where last_active_at > ${since}::timestamptz)::int as online,
          (select created_at from orders order by id desc limit 1) as last_order_at`;
      return {
        usersOnline: row?.online ?? 0,
        onlineWithinMinutes: siteActivityRules.onlineWithinMs / 60_000,
        lastOrderAt: row?.last_order_at ? new Date(row.last_order_at).toISOString() : null,
      };
    },
  };
}

export type SiteActivityService = ReturnType<typeof createSiteActivity>;
