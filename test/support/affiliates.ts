/** What the affiliate wallet's test files share: affiliates, referred clients and approved jobs written as the job's approval writes them. */
import type { Db } from '../../db/client.js';
import { assignOnCompletedJob } from '../../db/affiliates.js';
import { earnJobCommissionIn, type EarnedCommission } from '../../db/affiliate-commissions.js';
import { ProviderRefusal, type PaymentProvider, type PayoutRequest, type PayoutState } from '../../payments/provider.js';
import { attributionExpiresAt } from '../../workflows/lib/affiliate.js';
import { insertConfirmedUser } from './ledger.js';

let serial = 0;

/** Makes `userId` an affiliate (W-22) directly, with a random-looking link code of their own. */
export async function makeAffiliate(db: Db, userId: number): Promise<void> {
  const code = `${String(userId).padStart(11, '0')}${'c'.repeat(11)}`;
  await db.sql`insert into affiliates (user_id, code, first_name, last_name, country, created_at) values (${userId}, ${code}, 'Ada', 'Lovelace', 'PL', now())`;
}

/** A client who registered after a first visit through `affiliateId`'s link at `visitMs` (pending until a job assigns them, W-23). */
export async function referredClient(db: Db, affiliateId: number, visitMs: number): Promise<{ id: number; login: string }> {
  const client = await insertConfirmedUser(db, `aff_client_${process.pid}_${affiliateId}_${++serial}`);
  await referExisting(db, affiliateId, client.id, visitMs);
  return client;
}

/**
 * Links the existing user `clientId` to `affiliateId` by a first visit at `visitMs`, as
 * registration does (`linkAffiliateClientIn`): pending, the window ending at
 * `attributionExpiresAt(visitMs)` (W-23).
 */
export async function referExisting(db: Db, affiliateId: number, clientId: number, visitMs: number): Promise<void> {
  const token = `${String(clientId).padStart(20, '0')}${'v'.repeat(23)}`;
  const [visitedAt, expiresAt] = [new Date(visitMs).toISOString(), new Date(attributionExpiresAt(visitMs)).toISOString()];
  await db.sql`
    with visit as (
      insert into affiliate_visits (token, affiliate_id, visited_at) values (${token}, ${affiliateId}, ${visitedAt}::timestamptz) returning id, visited_at
    )
    insert into affiliate_clients (client_id, affiliate_id, visit_id, first_visit_at, attribution_expires_at, registered_at)
    select ${clientId}, ${affiliateId}, id, visited_at, ${expiresAt}::timestamptz, visited_at from visit`;
}

/** What the job's approval transaction does: assignment (W-23), then the commission (W-25). */
export function approveJob(db: Db, job: { jobId: number; clientId: number; paidCents: number; atMs: number }): Promise<EarnedCommission | null> {
  return db.orm.transaction(async (tx) => {
    const approvedAtIso = new Date(job.atMs).toISOString();
    await assignOnCompletedJob(tx, job.clientId, approvedAtIso);
    return earnJobCommissionIn(tx, { jobId: job.jobId, clientId: job.clientId, paidCents: job.paidCents, approvedAtIso });
  });
}

/**
 * PayPal as the affiliate payout run sees it, by the receiver's address: `refuse…` is refused
 * (a 4xx), `down…` never answers (a network error every time), `pending…` stays pending until
 * cancelled; anything else is paid at once. Records every call in `calls`.
 */
export function scriptedPaypal(calls: { sent: PayoutRequest[]; checked: string[]; cancelled: string[] }): PaymentProvider {
  const unused = () => Promise.reject(new Error('not used by affiliate payouts'));
  const state = (providerRef: string, amountCents: number, status: PayoutState['status']): PayoutState => ({ providerRef, withdrawalId: null, amountCents, status, failureReason: null });
  return {
    name: 'paypal',
    createCheckout: unused,
    payment: unused,
    verifyWebhook: unused,
    sendPayout: async (request) => {
      calls.sent.push(request);
      if (request.destination.startsWith('refuse')) throw new ProviderRefusal('paypal', 422, 'RECEIVER_UNREGISTERED', 'the receiver has no PayPal account');
      if (request.destination.startsWith('down')) throw new TypeError('fetch failed');
      return state(`item-${request.senderItemId}`, request.amountCents, request.destination.startsWith('pending') ? 'pending' : 'paid');
    },
    payout: async (providerRef) => (calls.checked.push(providerRef), state(providerRef, 0, 'pending')),
    cancelPayout: async (providerRef) => (calls.cancelled.push(providerRef), state(providerRef, 0, 'cancelled')),
  };
}
