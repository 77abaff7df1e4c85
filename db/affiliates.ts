/**
 * The affiliate programme's writes that happen inside another event's transaction (W-23):
 * registration links the new user to the affiliate of their first-touch visit as `pending`; a
 * completed job within the window assigns them. The rules are the pure functions of
 * `workflows/lib/affiliate.ts`.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { affiliateClients, affiliateVisits } from './schema/affiliates.js';
import type { Tx } from './tx.js';
import { attributionExpiresAt, VISIT_TOKEN } from '../workflows/lib/affiliate.js';

/**
 * W-23: the new user `clientId` registered at `registeredAt` in a browser whose first-touch
 * cookie names `visitToken`: they become the visit's affiliate's client, `pending` until a job
 * completes by the visit + 3 months. An unknown or malformed token, or the affiliate's own link,
 * links nothing (a stale cookie never stops a registration).
 */
export async function linkAffiliateClientIn(tx: Tx, input: { clientId: number; visitToken: string; registeredAt: Date }): Promise<void> {
  if (!VISIT_TOKEN.test(input.visitToken)) return;
  const [visit] = await tx.select().from(affiliateVisits).where(eq(affiliateVisits.token, input.visitToken));
  if (!visit || visit.affiliateId === input.clientId) return;
  await tx
    .insert(affiliateClients)
    .values({
      clientId: input.clientId,
      affiliateId: visit.affiliateId,
      visitId: visit.id,
      firstVisitAt: visit.visitedAt,
      attributionExpiresAt: new Date(attributionExpiresAt(visit.visitedAt.getTime())),
      registeredAt: input.registeredAt,
    })
    .onConflictDoNothing();
}

/**
 * W-23: `clientId` completed a job at `completedAtIso` (the job's completion, inside its
 * transaction): a pending client whose window holds that instant (the visit + 3 months, last
 * instant included) becomes assigned for good. Returns the affiliate they are assigned to after
 * this call (also if they were before), or null. Idempotent: a second call changes nothing.
 */
export async function assignOnCompletedJob(tx: Tx, clientId: number, completedAtIso: string): Promise<number | null> {
  const at = new Date(completedAtIso);
  if (Number.isNaN(at.getTime())) throw new RangeError(`not an instant: ${completedAtIso}`);
  await tx
    .update(affiliateClients)
    .set({ assignedAt: at })
    .where(
      and(
        eq(affiliateClients.clientId, clientId),
        isNull(affiliateClients.assignedAt),
        sql`${at.toISOString()}::timestamptz between ${affiliateClients.firstVisitAt} and ${affiliateClients.attributionExpiresAt}`,
      ),
    );
  const [row] = await tx
    .select({ affiliateId: affiliateClients.affiliateId, assignedAt: affiliateClients.assignedAt })
    .from(affiliateClients)
    .where(eq(affiliateClients.clientId, clientId));
  return row?.assignedAt ? row.affiliateId : null;
}
