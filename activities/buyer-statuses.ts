/**
 * The daily re-evaluation's activity (K-35): every Super buyer's status recomputed at the run's
 * instant by `db/reputation.ts`, each in its own transaction. Idempotent: the same instant gives
 * the same status.
 */
import type { Db } from '../db/client.js';
import { recomputeBuyerStatus, superBuyerIds } from '../db/reputation.js';
import type { ReevaluationResult } from '../workflows/buyer-statuses/messages.js';
import { withClassifiedFailures } from './failures.js';

async function reevaluateSuperBuyers(db: Db, input: { at: string }): Promise<ReevaluationResult> {
  const ids = await superBuyerIds(db.sql, input.at);
  const lost: number[] = [];
  for (const buyerId of ids) {
    const figures = await db.sql.begin((tx) => recomputeBuyerStatus(tx, buyerId, input.at));
    if (!figures.superBuyer) lost.push(buyerId);
  }
  return { evaluated: ids.length, lost };
}

export function createBuyerStatusActivities({ db }: { db: Db }) {
  return {
    reevaluateSuperBuyers: withClassifiedFailures((input: { at: string }) => reevaluateSuperBuyers(db, input)),
  };
}

export type BuyerStatusActivities = ReturnType<typeof createBuyerStatusActivities>;
