/**
 * A buyer's favorite offers. Only an offer the buyer can see may be added; one that stops being
 * visible later (paused, blocked, hidden for the weekend) stays in the list, marked unavailable,
 * until its seller deletes it.
 */
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { categories, favorites, offers, sellerStats } from '../db/schema/catalog.js';
import { users } from '../db/schema/users.js';
import { AppError } from '../workflows/lib/errors.js';
import type { Clock } from './clock.js';
import { ISO_MICROS, KeysetTimestamp, offerSummary, offerSummaryColumns, type OfferSummary, type OfferSummaryRow } from './search.js';
import { visibleOfferSql } from './visibility.js';

export interface FavoriteView extends OfferSummary {
  /** Whether a buyer can see and order it now. */
  available: boolean;
  favoritedAt: string;
}

export interface FavoritesPage {
  items: FavoriteView[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

const dialect = new PgDialect();
const ISO_MILLIS = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';
// The favorite's time to the microsecond, and the offer id: a total order for the keyset.
const cursorShape = z.strictObject({
  t: KeysetTimestamp,
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

function decodeCursor(cursor: string): z.infer<typeof cursorShape> {
  try {
    return cursorShape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new AppError('invalid_input', 'query.cursor: not a cursor this API handed out', {
      fields: [{ path: 'query.cursor', message: 'not a cursor this API handed out', code: 'invalid_cursor' }],
    });
  }
}

export function createFavorites({ db, clock }: { db: Db; clock: Clock }) {
  /**
   * Adds an offer to `userId`'s favorites; adding it again changes nothing.
   * @throws AppError `not_found` when the offer is unknown or not visible to buyers now.
   */
  async function add(userId: number, offerId: number): Promise<void> {
    const now = clock.now();
    // One statement: the visibility check and the insert see the same snapshot.
    const statement = sql`with target as (
        select ${offers.id} as offer_id from ${offers} where ${offers.id} = ${offerId}::int8 and ${visibleOfferSql(now)}
      ), added as (
        insert into ${favorites} (user_id, offer_id, created_at)
        select ${userId}::int8, offer_id, ${now.toISOString()}::timestamptz from target
        on conflict do nothing
      )
      select count(*)::int as found from target`;
    const query = dialect.sqlToQuery(statement);
    const [row] = await db.sql.unsafe<{ found: number }[]>(query.sql, query.params as never[]);
    if (!row?.found) throw new AppError('not_found', 'no such offer');
  }

  return {
    add,

    /**
     * The heart button (K-07): takes the offer out of `userId`'s favorites when it is there
     * (even if buyers cannot see it any more), else adds it as `add` does.
     */
    async toggle(userId: number, offerId: number): Promise<'added' | 'removed'> {
      const removed = await db.sql`delete from favorites where user_id = ${userId} and offer_id = ${offerId} returning offer_id`;
      if (removed.length > 0) return 'removed';
      await add(userId, offerId);
      return 'added';
    },

    /** Whether `userId` keeps the offer among their favorites (the offer page's heart). */
    async has(userId: number, offerId: number): Promise<boolean> {
      const rows = await db.sql`select 1 from favorites where user_id = ${userId} and offer_id = ${offerId}`;
      return rows.length > 0;
    },

    /** Takes an offer out of `userId`'s favorites; absent already, nothing happens. */
    async remove(userId: number, offerId: number): Promise<void> {
      await db.sql`delete from favorites where user_id = ${userId} and offer_id = ${offerId}`;
    },

    /** `userId`'s favorites, newest first, but for offers their sellers deleted. */
    async list(userId: number, page: { cursor?: string; limit: number }): Promise<FavoritesPage> {
      const now = clock.now();
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const statement = sql`select ${offerSummaryColumns}, ${categories.name} as category_name,
          ${visibleOfferSql(now)} as available,
          to_char(${favorites.createdAt} at time zone 'UTC', ${ISO_MILLIS}) as favorited_at,
          to_char(${favorites.createdAt} at time zone 'UTC', ${ISO_MICROS}) as favorited_key
        from ${favorites}
        join ${offers} on ${offers.id} = ${favorites.offerId}
        join ${users} on ${users.id} = ${offers.sellerId}
        join ${categories} on ${categories.id} = ${offers.categoryId}
        left join ${sellerStats} on ${sellerStats.userId} = ${offers.sellerId}
        where ${favorites.userId} = ${userId}::int8 and ${offers.status} <> 'archived'
          ${after ? sql`and (${favorites.createdAt}, ${favorites.offerId}) < (${after.t}::timestamptz, ${after.id}::int8)` : sql``}
        order by ${favorites.createdAt} desc, ${favorites.offerId} desc
        limit ${page.limit + 1}::int`;
      const query = dialect.sqlToQuery(statement);
      const rows = await db.sql.unsafe<(OfferSummaryRow & { category_name: string; available: boolean; favorited_at: string; favorited_key: string })[]>(
        query.sql,
        query.params as never[],
      );
      const shown = rows.slice(0, page.limit);
      const items = shown.map((row) => ({ ...offerSummary(row, row.category_name), available: row.available, favoritedAt: row.favorited_at }));
      const last = shown.at(-1);
      const nextCursor =
        rows.length > page.limit && last ? Buffer.from(JSON.stringify({ t: last.favorited_key, id: Number(last.id) })).toString('base64url') : null;
      return { items, nextCursor };
    },
  };
}


export type Favorites = ReturnType<typeof createFavorites>;
