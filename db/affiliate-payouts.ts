/**
 * The affiliate wallet's withdrawals (W-28…W-30, D-04, D-06): a request held in the ledger at once
 * (`affiliate-payout:<id>:hold`) and filed under the payout run it belongs to; the monthly run's
 * opening (the automatic payouts of W-30, the due withdrawals) and each payout's end with its
 * money (settled to PayPal, or returned to the wallet).
 */
import { and, eq, inArray, lte } from 'drizzle-orm';
import type { Db } from './client.js';
import { affiliatePayoutHoldIn, InsufficientFundsError, lockAffiliateWalletIn, type Ledger } from './ledger.js';
import { affiliatePayoutSettings, affiliates, affiliateWithdrawals } from './schema/affiliates.js';
import { sqlOf, type Tx } from './tx.js';
import { payoutCutoff, previousMonth, runFor } from '../workflows/lib/business-days.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { affiliatePayoutRules } from '../workflows/affiliate-payout/policy.js';
import type { DuePayout } from '../workflows/affiliate-payout/messages.js';

export type AffiliateWithdrawalRow = typeof affiliateWithdrawals.$inferSelect;

/** W-29, D-06: the run month (`2027-01`) a withdrawal set up at `at` is paid in: the month after, read at UTC+1. */
export const runMonthFor = (at: Date): string => runFor(at.toISOString()).slice(0, 7);

/** 404 unless `userId` is an affiliate (the wallet's reads and its withdrawals). */
export async function assertAffiliateIn(q: Tx | Db['orm'], userId: number): Promise<void> {
  const [row] = await q.select({ id: affiliates.userId }).from(affiliates).where(eq(affiliates.userId, userId));
  if (!row) throw new AppError('not_found', 'you are not an affiliate yet: sign up with your personal data first');
}

/**
 * W-28: `userId` withdraws `amountCents` from their affiliate wallet at `at`: held at once (it
 * cannot be spent twice), to their PayPal address, paid by the run of `runMonthFor(at)`.
 * 404 for a non-affiliate; 422 without a PayPal address or below $1 (D-04); 422
 * `insufficient_funds` for more than the wallet holds.
 */
export async function requestAffiliateWithdrawalIn(tx: Tx, input: { userId: number; amountCents: number; at: Date }): Promise<AffiliateWithdrawalRow> {
  await assertAffiliateIn(tx, input.userId);
  if (input.amountCents < affiliatePayoutRules.minimumCents) {
    throw fieldError('body.amountCents', `the minimum withdrawal is $${affiliatePayoutRules.minimumCents / 100} (W-28)`, 'rule_violation', { minimumCents: affiliatePayoutRules.minimumCents });
  }
  const [settings] = await tx.select().from(affiliatePayoutSettings).where(eq(affiliatePayoutSettings.userId, input.userId));
  if (!settings) throw new AppError('rule_violation', 'set your PayPal address first: affiliate payouts go to PayPal only (W-28)');
  const raw = sqlOf(tx);
  const wallet = await lockAffiliateWalletIn(raw, input.userId);
  if (wallet < input.amountCents) throw new InsufficientFundsError(input.amountCents, wallet);
  return holdNew(tx, { affiliateId: input.userId, kind: 'requested', amountCents: input.amountCents, paypalEmail: settings.paypalEmail, runMonth: runMonthFor(input.at), requestedAt: input.at });
}

async function holdNew(tx: Tx, values: Omit<typeof affiliateWithdrawals.$inferInsert, 'status'>): Promise<AffiliateWithdrawalRow> {
  const [row] = await tx.insert(affiliateWithdrawals).values({ ...values, status: 'held' }).returning();
  await affiliatePayoutHoldIn(sqlOf(tx), { payoutId: row!.id, userId: values.affiliateId, amount: values.amountCents });
  return row!;
}

/**
 * W-30: for every affiliate with automatic payout, a withdrawal of what they earned in the month
 * before the run (commissions approved after the previous cut-off and by this one, D-06), at most
 * what the wallet still holds, if that is at least $1; one per affiliate and run (a retry makes
 * none again). Set up at the cut-off itself, so it is in this run.
 */
async function makeAutomaticPayouts(db: Db, runMonth: string, cutoffAt: string): Promise<void> {
  // A cut-off is a whole second: every instant before the next second still belongs (runFor is exact to the millisecond).
  const from = new Date(Date.parse(payoutCutoff(previousMonth(runMonth))) + 1_000).toISOString();
  const to = new Date(Date.parse(cutoffAt) + 1_000).toISOString();
  const earners = await db.sql<{ user_id: string; paypal_email: string; earned: string }[]>`
    select s.user_id, s.paypal_email, coalesce(sum(c.amount_cents), 0) as earned
    from affiliate_payout_settings s
    join affiliate_commissions c on c.affiliate_id = s.user_id and c.earned_at >= ${from}::timestamptz and c.earned_at < ${to}::timestamptz
    where s.auto_payout
      and not exists (select 1 from affiliate_withdrawals w where w.affiliate_id = s.user_id and w.run_month = ${runMonth} and w.kind = 'automatic')
    group by s.user_id, s.paypal_email
    order by s.user_id`;
  for (const earner of earners) {
    const affiliateId = Number(earner.user_id);
    await db.orm.transaction(async (tx) => {
      const wallet = await lockAffiliateWalletIn(sqlOf(tx), affiliateId);
      const amountCents = Math.min(Number(earner.earned), wallet);
      if (amountCents < affiliatePayoutRules.minimumCents) return;
      const [made] = await tx
        .select({ id: affiliateWithdrawals.id })
        .from(affiliateWithdrawals)
        .where(and(eq(affiliateWithdrawals.affiliateId, affiliateId), eq(affiliateWithdrawals.runMonth, runMonth), eq(affiliateWithdrawals.kind, 'automatic')));
      if (made) return;
      await holdNew(tx, { affiliateId, kind: 'automatic', amountCents, paypalEmail: earner.paypal_email, runMonth, requestedAt: new Date(cutoffAt) });
    });
  }
}

/**
 * The run of `runMonth` opens (W-29, W-30): automatic payouts are made, then every withdrawal of
 * this run or an earlier one not paid yet is due (`paying`), oldest first. A withdrawal set up
 * after the cut-off belongs to a later run and waits. Idempotent: a retry answers the same list.
 */
export async function openAffiliateRunIn(db: Db, input: { runMonth: string; cutoffAt: string }): Promise<DuePayout[]> {
  await makeAutomaticPayouts(db, input.runMonth, input.cutoffAt);
  const due = await db.orm
    .update(affiliateWithdrawals)
    .set({ status: 'paying' })
    .where(and(inArray(affiliateWithdrawals.status, ['held', 'paying']), lte(affiliateWithdrawals.runMonth, input.runMonth)))
    .returning();
  return due
    .sort((a, b) => a.id - b.id)
    .map((w) => ({ withdrawalId: w.id, affiliateId: w.affiliateId, amountCents: w.amountCents, paypalEmail: w.paypalEmail }));
}

/** A payout's end as the run writes it: paid, failed (money back to the wallet), or unresolved at PayPal (held for staff). */
export interface AffiliatePayoutEnd {
  withdrawalId: number;
  status: 'paid' | 'failed' | 'unresolved';
  providerRef: string | null;
  failureReason: string | null;
  at: string;
}

/**
 * Writes a payout's end: the money first (the ledger's keys `affiliate-payout:<id>:settle|revert`
 * move it once whatever the retries), then the row, only while it is `paying`.
 */
export async function recordAffiliatePayoutEnd(db: Db, ledger: Ledger, end: AffiliatePayoutEnd): Promise<void> {
  if (end.status === 'paid') await ledger.affiliatePayoutSettle({ payoutId: end.withdrawalId });
  if (end.status === 'failed') await ledger.affiliatePayoutRevert({ payoutId: end.withdrawalId });
  const closed = end.status !== 'unresolved';
  await db.orm
    .update(affiliateWithdrawals)
    .set({
      ...(closed ? { status: end.status as 'paid' | 'failed', closedAt: new Date(end.at) } : {}),
      providerRef: end.providerRef,
      failureReason: end.failureReason,
    })
    .where(and(eq(affiliateWithdrawals.id, end.withdrawalId), eq(affiliateWithdrawals.status, 'paying')));
}
