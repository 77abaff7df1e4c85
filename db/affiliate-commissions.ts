/**
 * The affiliate commission of an approved job (W-24…W-26, D-07), written inside the job's
 * approval transaction after `assignOnCompletedJob` (so a client assigned by this very job earns
 * on it): the `affiliate_commissions` row and the ledger posting into the affiliate's wallet
 * (`affiliate:job-<jobId>:commission`), both once per job.
 */
import { and, count, eq, isNotNull, ne } from 'drizzle-orm';
import { affiliateCommissionIn } from './ledger.js';
import { affiliateClients, affiliateCommissions, affiliates } from './schema/affiliates.js';
import { users } from './schema/users.js';
import { sqlOf, type Tx } from './tx.js';
import { formatUsd } from '../workflows/lib/money.js';
import { maskLogin } from '../workflows/lib/referral.js';
import { commissionFor, levelBps, levelFor, type AffiliateLevel } from '../workflows/lib/affiliate.js';

/** What an approved job earned its client's affiliate. */
export interface EarnedCommission {
  affiliateId: number;
  level: AffiliateLevel;
  amountCents: number;
}

/**
 * W-24…W-26, D-07: the job `jobId` of `clientId`, paid `paidCents` and approved at
 * `approvedAtIso` (auto-approval included, W-25), earns the client's assigned affiliate the cut
 * of their level — the level by the affiliate's approved referred jobs BEFORE this one — rounded
 * down to the cent and capped at $200, posted from platform revenue into their wallet. Null for
 * a client with no assigned affiliate. Idempotent: a second call for the job (a retried
 * activity, another transaction) answers the first result and moves nothing. The affiliate's
 * row is locked so that two approvals of their clients' jobs count levels one after the other.
 */
export async function earnJobCommissionIn(
  tx: Tx,
  input: { jobId: number; clientId: number; paidCents: number; approvedAtIso: string },
): Promise<EarnedCommission | null> {
  const approvedAt = new Date(input.approvedAtIso);
  if (Number.isNaN(approvedAt.getTime())) throw new RangeError(`not an instant: ${input.approvedAtIso}`);
  const [client] = await tx
    .select({ affiliateId: affiliateClients.affiliateId, login: users.login })
    .from(affiliateClients)
    .innerJoin(users, eq(users.id, affiliateClients.clientId))
    .where(and(eq(affiliateClients.clientId, input.clientId), isNotNull(affiliateClients.assignedAt)));
  if (!client) return null;
  const { affiliateId } = client;
  await tx.select({ id: affiliates.userId }).from(affiliates).where(eq(affiliates.userId, affiliateId)).for('update');
  const [earlier] = await tx.select().from(affiliateCommissions).where(eq(affiliateCommissions.jobId, input.jobId));
  if (earlier) return { affiliateId: earlier.affiliateId, level: earlier.level as AffiliateLevel, amountCents: earlier.amountCents };
  const [before] = await tx
    .select({ n: count() })
    .from(affiliateCommissions)
    .where(and(eq(affiliateCommissions.affiliateId, affiliateId), ne(affiliateCommissions.jobId, input.jobId)));
  const approvedBefore = before?.n ?? 0;
  const level = levelFor(approvedBefore);
  const amountCents = commissionFor(input.paidCents, level);
  await tx.insert(affiliateCommissions).values({
    jobId: input.jobId,
    affiliateId,
    clientId: input.clientId,
    level,
    bps: levelBps(level),
    jobCents: input.paidCents,
    amountCents,
    earnedAt: approvedAt,
  });
  // D-07: the level the affiliate's NEXT job earns at, for the dashboard.
  await tx.update(affiliates).set({ level: levelFor(approvedBefore + 1) }).where(eq(affiliates.userId, affiliateId));
  if (amountCents > 0) {
    await affiliateCommissionIn(sqlOf(tx), {
      jobId: input.jobId,
      affiliateId,
      amount: amountCents,
      description: `Affiliate commission: ${maskLogin(client.login)}'s job ${input.jobId} (${formatUsd(input.paidCents)} at ${levelBps(level) / 100} %)`,
    });
  }
  return { affiliateId, level, amountCents };
}
