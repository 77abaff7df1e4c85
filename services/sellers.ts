/** A seller's public standing (K-27, K-32, K-34): what the offer page and the seller's feedback page show. */
import type { sellerStats } from '../db/schema/catalog.js';

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
