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

type Tier = 'economy' | 'standard' | 'business';

/**
 * Gives an offer two extra options (K-04: "Express delivery" $5, "Source files" $10 and a day)
 * and the three packages (K-03: $10 in 2 days, $25 in 4, $50 in 7), each tier including what
 * `includes` lists for it.
 */
export async function addOptionsAndPackages(db: Db, offerId: number, includes: Record<Tier, string[]>): Promise<void> {
  await db.sql`update offers set
    options = ${JSON.stringify([
      { id: 1, title: 'Express delivery', priceCents: 500, extraDays: 0 },
      { id: 2, title: 'Source files', priceCents: 1_000, extraDays: 1 },
    ])}::jsonb,
    packages = ${JSON.stringify({
      economy: { priceCents: 1_000, leadTimeDays: 2, includes: includes.economy },
      standard: { priceCents: 2_500, leadTimeDays: 4, includes: includes.standard },
      business: { priceCents: 5_000, leadTimeDays: 7, includes: includes.business },
    })}::jsonb
    where id = ${offerId}`;
}
