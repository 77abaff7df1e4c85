/** Offers made straight in the database, for tests that need one in a given status without moderating it. */
import type { Db } from '../../db/client.js';

let serial = 0;

export async function insertOffer(
  db: Db,
  sellerId: number,
  overrides: { status?: string; categoryId?: number; title?: string; priceCents?: number } = {},
): Promise<number> {
  const n = ++serial;
  const [row] = await db.sql<{ id: string }[]>`
    insert into offers (seller_id, category_id, title, description, price_cents, lead_time_days, attributes, status, published_at)
    values (
      ${sellerId}, ${overrides.categoryId ?? 11}, ${overrides.title ?? `Inserted offer number ${process.pid}-${n}`},
      ${`A description long enough for an offer, number ${process.pid}-${n}, with words to search.`},
      ${overrides.priceCents ?? 1_000}, 3, ${JSON.stringify({ style: ['minimalist'] })}::jsonb, ${overrides.status ?? 'active'}, now())
    returning id`;
  return Number(row!.id);
}
