/**
 * Recomputes every seller's standing and every buyer's status from their orders and feedback
 * (`db/reputation.ts`), each in its own transaction: `npm run reputation:recompute`. Run once
 * after migration 0016, whose new figures (stars, percentages, analytics, buyer statuses) and
 * the K-27 meaning of `rating_percent` are otherwise filled on each seller's next finished
 * order or feedback. Safe to run again: a recompute from the same rows writes the same figures.
 * Needs DATABASE_URL.
 */
import { loadConfig } from '../config.js';
import { createDb } from '../db/client.js';
import { recomputeBuyerStatus, recomputeSellerReputation } from '../db/reputation.js';

const config = loadConfig(['DATABASE_URL']);
const db = createDb(config.DATABASE_URL, { max: 1 });
try {
  const at = new Date().toISOString();
  const sellers = await db.sql<{ seller_id: string; order_id: string }[]>`
    select seller_id, max(id) as order_id from orders where closure is not null group by seller_id order by seller_id`;
  for (const s of sellers) {
    // The cause names the seller's latest order: a level change is told once, however often this runs.
    await db.sql.begin((tx) => recomputeSellerReputation(tx, Number(s.seller_id), at, { kind: 'feedback', orderId: Number(s.order_id) }));
  }
  const buyers = await db.sql<{ buyer_id: string }[]>`select distinct buyer_id from orders where closure->>'kind' = 'completed' order by buyer_id`;
  for (const b of buyers) await db.sql.begin((tx) => recomputeBuyerStatus(tx, Number(b.buyer_id), at));
  console.log(`recomputed ${sellers.length} seller(s) and ${buyers.length} buyer(s) at ${at}`);
} finally {
  await db.close();
}
