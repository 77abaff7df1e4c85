/**
 * W-24…W-26, D-07: the affiliate's commission on a paid and approved job, inside the job's
 * approval transaction. A placeholder with the agreed signature: the affiliates slice replaces
 * this file with the real rules at merge.
 */
import type { Tx } from './tx.js';

/** The commission earned for `jobId` (once per job), or null when the client has no affiliate. */
export async function earnJobCommissionIn(
  _tx: Tx,
  _input: { jobId: number; clientId: number; paidCents: number; approvedAtIso: string },
): Promise<{ affiliateId: number; level: 1 | 2 | 3; amountCents: number } | null> {
  return null;
}
