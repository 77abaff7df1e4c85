/**
 * The individual offer workflow's one activity (K-46): at the offer's expiry, expire its row if
 * it is still open and tell both parties — one conditional update and two keyed notices in one
 * transaction, so a retry (a local activity is retried until the database answers) changes nothing.
 */
import type { Db } from '../db/client.js';
import type { ExpiryWrite } from '../workflows/individual-offer/machine.js';
import { formatUsd } from '../workflows/lib/money.js';
import { withClassifiedFailures } from './failures.js';

/** Expires the open offer at `at` (its expiry, workflow time); else answers what the row says. */
async function expireIndividualOffer(db: Db, input: { offerId: number; at: string }): Promise<ExpiryWrite> {
  return db.sql.begin(async (tx) => {
    const [row] = await tx<{ seller_id: string; buyer_id: string; price_cents: number; seller: string; buyer: string }[]>`
      update individual_offers i set status = 'expired', decided_at = ${input.at}::timestamptz
      from users s, users b
      where i.id = ${input.offerId} and i.status = 'open' and s.id = i.seller_id and b.id = i.buyer_id
      returning i.seller_id, i.buyer_id, i.price_cents, s.login as seller, b.login as buyer`;
    if (!row) {
      const [found] = await tx<{ status: ExpiryWrite['found'] }[]>`select status from individual_offers where id = ${input.offerId}`;
      return { expired: false, found: found?.status ?? 'void' };
    }
    const price = formatUsd(row.price_cents);
    const notices = [
      [row.seller_id, `Your individual offer #${input.offerId} to ${row.buyer} (${price}) expired unanswered.`, 'seller'],
      [row.buyer_id, `The individual offer #${input.offerId} from ${row.seller} (${price}) expired.`, 'buyer'],
    ] as const;
    for (const [userId, text, party] of notices) {
      await tx`insert into notifications (user_id, kind, text, dedupe_key, created_at)
        values (${userId}, 'individual_offer_expired', ${text}, ${`individual-offer:${input.offerId}:expired:${party}`}, ${input.at}::timestamptz)
        on conflict (dedupe_key) do nothing`;
    }
    return { expired: true, found: 'expired' };
  });
}

export function createIndividualOfferActivities({ db }: { db: Db }) {
  return {
    expireIndividualOffer: withClassifiedFailures((input: { offerId: number; at: string }) => expireIndividualOffer(db, input)),
  };
}

export type IndividualOfferActivities = ReturnType<typeof createIndividualOfferActivities>;
