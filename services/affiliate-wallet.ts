/**
 * The affiliate wallet on the API side (W-19, W-25…W-30, D-04, D-06, D-07): the dashboard's
 * numbers (level, approved referred jobs, wallet balance), every job its clients ordered with
 * its value, status and commission (W-27; clients' logins in part, W-19), its commissions and payouts, where payouts go (a PayPal address only) with the automatic payout
 * switch, and a withdrawal, held in the ledger at once and paid by the monthly run
 * (`workflows/affiliate-payout/`) it belongs to by the D-06 cut-off.
 */
import { desc, eq } from 'drizzle-orm';
import { assertAffiliateIn, requestAffiliateWithdrawalIn, runMonthFor, type AffiliateWithdrawalRow } from '../db/affiliate-payouts.js';
import type { Db } from '../db/client.js';
import { createLedger } from '../db/ledger.js';
import { affiliateCommissions, affiliatePayoutSettings, affiliateWithdrawals } from '../db/schema/affiliates.js';
import { users } from '../db/schema/users.js';
import { affiliatePayoutRules } from '../workflows/affiliate-payout/policy.js';
import { levelBps, levelFor, type AffiliateLevel } from '../workflows/lib/affiliate.js';
import { payoutCutoff } from '../workflows/lib/business-days.js';
import type { JobStatus } from '../workflows/job/messages.js';
import { maskLogin } from '../workflows/lib/referral.js';
import type { Clock } from './clock.js';
import { normalize } from './profile.js';

/** W-28…W-30: where the wallet is paid, and whether the run withdraws the previous month's earnings on its own. */
export interface AffiliatePayoutSettings {
  paypalEmail: string;
  autoPayout: boolean;
}

/** The payout run a withdrawal set up now would be paid in (W-29, D-06). */
export interface PayoutRunInfo {
  /** `2027-01`. */
  runMonth: string;
  /** `2027-01-10`. */
  runDate: string;
  /** The last instant (ISO, UTC) a withdrawal may be set up to be in that run: the end of the month before, 23:59:59 UTC+1. */
  cutoffAt: string;
}

export interface AffiliateWallet {
  balanceCents: number;
  /** D-07: the level the next approved job earns at, and its cut. */
  level: AffiliateLevel;
  levelBps: number;
  /** D-07: approved jobs of the affiliate's clients so far. */
  approvedJobs: number;
  settings: AffiliatePayoutSettings | null;
  /** W-28, D-04: PayPal only, no fee, this minimum. */
  minimumWithdrawalCents: number;
  nextRun: PayoutRunInfo;
}

/** One approved job of a client as their affiliate sees it (W-19: the login in part, the job's value and status). */
export interface AffiliateCommissionItem {
  jobId: number;
  client: string;
  jobCents: number;
  jobStatus: 'approved';
  level: AffiliateLevel;
  bps: number;
  amountCents: number;
  earnedAt: string;
}

/**
 * One job a client of the affiliate ordered, at any status (W-27: "jobs ordered"), as W-19 lets
 * the affiliate see it: the client's login in part, the job's value and status, and the
 * commission once the job is approved (W-25). Never the title, the description or the expert.
 */
export interface AffiliateClientJob {
  jobId: number;
  client: string;
  orderedAt: string;
  /** What the client paid into escrow, else the price asked (install or estimate); null before an estimate. */
  valueCents: number | null;
  status: JobStatus;
  /** W-25: the affiliate's cut, once the job is approved; null before. */
  commissionCents: number | null;
}

export interface AffiliatePayoutItem {
  id: number;
  kind: 'requested' | 'automatic';
  amountCents: number;
  paypalEmail: string;
  /** The run that pays it: `runMonth` `2027-01` is the run of 10 January. */
  runMonth: string;
  runDate: string;
  /** `held` until its run; `paying` during it; then `paid` or `failed` (the money back in the wallet). */
  status: 'held' | 'paying' | 'paid' | 'failed';
  failureReason: string | null;
  requestedAt: string;
  closedAt: string | null;
}

export interface AffiliateWalletDeps {
  db: Db;
  clock: Clock;
}

const runInfo = (runMonth: string): PayoutRunInfo => ({ runMonth, runDate: `${runMonth}-10`, cutoffAt: payoutCutoff(runMonth) });

function payoutOf(row: AffiliateWithdrawalRow): AffiliatePayoutItem {
  return {
    id: row.id,
    kind: row.kind,
    amountCents: row.amountCents,
    paypalEmail: row.paypalEmail,
    runMonth: row.runMonth,
    runDate: runInfo(row.runMonth).runDate,
    status: row.status,
    failureReason: row.failureReason,
    requestedAt: row.requestedAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}

async function settingsOf(db: Db, userId: number): Promise<AffiliatePayoutSettings | null> {
  const [row] = await db.orm.select().from(affiliatePayoutSettings).where(eq(affiliatePayoutSettings.userId, userId));
  return row ? { paypalEmail: row.paypalEmail, autoPayout: row.autoPayout } : null;
}

/** W-27, D-07: the wallet's balance, the level and where payouts go. */
async function wallet(deps: AffiliateWalletDeps, userId: number): Promise<AffiliateWallet> {
  await assertAffiliateIn(deps.db.orm, userId);
  const [counted] = await deps.db.sql<{ n: number }[]>`select count(*)::int as n from affiliate_commissions where affiliate_id = ${userId}`;
  const approvedJobs = counted?.n ?? 0;
  const level = levelFor(approvedJobs);
  return {
    balanceCents: await createLedger(deps.db).accountBalance(`user:${userId}:affiliate`),
    level,
    levelBps: levelBps(level),
    approvedJobs,
    settings: await settingsOf(deps.db, userId),
    minimumWithdrawalCents: affiliatePayoutRules.minimumCents,
    nextRun: runInfo(runMonthFor(deps.clock.now())),
  };
}

/** W-27, W-19: the commissions, newest first, clients' logins in part. */
async function commissions(deps: AffiliateWalletDeps, userId: number): Promise<AffiliateCommissionItem[]> {
  await assertAffiliateIn(deps.db.orm, userId);
  const rows = await deps.db.orm
    .select({ c: affiliateCommissions, login: users.login })
    .from(affiliateCommissions)
    .innerJoin(users, eq(users.id, affiliateCommissions.clientId))
    .where(eq(affiliateCommissions.affiliateId, userId))
    .orderBy(desc(affiliateCommissions.earnedAt), desc(affiliateCommissions.id))
    .limit(500);
  return rows.map(({ c, login }) => ({
    jobId: c.jobId,
    client: maskLogin(login),
    jobCents: c.jobCents,
    jobStatus: 'approved',
    level: c.level as AffiliateLevel,
    bps: c.bps,
    amountCents: c.amountCents,
    earnedAt: c.earnedAt.toISOString(),
  }));
}

/**
 * W-27, W-19: the jobs the affiliate's clients ordered, newest first. A client counts from their
 * first visit: assigned ones (W-23) with every job since (W-24: every job earns), and pending
 * ones whose window is still open (their first job may assign them); a client whose window
 * passed unassigned was never the affiliate's, and their jobs are not shown.
 */
async function clientJobs(deps: AffiliateWalletDeps, userId: number): Promise<AffiliateClientJob[]> {
  await assertAffiliateIn(deps.db.orm, userId);
  const rows = await deps.db.sql<{ id: string; login: string; ordered_at: Date; price_cents: number | null; paid_cents: number; status: JobStatus; commission: string | null }[]>`
    select j.id, u.login, j.ordered_at, j.price_cents, j.paid_cents, j.status, ac.amount_cents as commission
    from affiliate_clients c
      join users u on u.id = c.client_id
      join jobs j on j.client_id = c.client_id and j.ordered_at >= c.first_visit_at
      left join affiliate_commissions ac on ac.job_id = j.id and ac.affiliate_id = c.affiliate_id
    where c.affiliate_id = ${userId} and (c.assigned_at is not null or c.attribution_expires_at >= ${deps.clock.now().toISOString()}::timestamptz)
    order by j.ordered_at desc, j.id desc
    limit 500`;
  return rows.map((r) => ({
    jobId: Number(r.id),
    client: maskLogin(r.login),
    orderedAt: new Date(r.ordered_at).toISOString(),
    valueCents: r.paid_cents > 0 ? r.paid_cents : r.price_cents,
    status: r.status,
    commissionCents: r.commission === null ? null : Number(r.commission),
  }));
}

/** W-27: the payouts, newest first. */
async function payouts(deps: AffiliateWalletDeps, userId: number): Promise<AffiliatePayoutItem[]> {
  await assertAffiliateIn(deps.db.orm, userId);
  const rows = await deps.db.orm.select().from(affiliateWithdrawals).where(eq(affiliateWithdrawals.affiliateId, userId)).orderBy(desc(affiliateWithdrawals.id)).limit(500);
  return rows.map(payoutOf);
}

/** W-28, W-30: sets the PayPal address and the automatic payout switch. */
async function setSettings(deps: AffiliateWalletDeps, userId: number, input: AffiliatePayoutSettings): Promise<AffiliatePayoutSettings> {
  await assertAffiliateIn(deps.db.orm, userId);
  const values = { paypalEmail: normalize(input.paypalEmail), autoPayout: input.autoPayout, updatedAt: deps.clock.now() };
  await deps.db.orm.insert(affiliatePayoutSettings).values({ userId, ...values }).onConflictDoUpdate({ target: affiliatePayoutSettings.userId, set: values });
  return { paypalEmail: values.paypalEmail, autoPayout: values.autoPayout };
}

/** W-28: withdraws `amountCents` from the wallet now: held at once, paid by the run of the D-06 cut-off it falls before. */
async function withdraw(deps: AffiliateWalletDeps, userId: number, amountCents: number): Promise<AffiliatePayoutItem> {
  const row = await deps.db.orm.transaction((tx) => requestAffiliateWithdrawalIn(tx, { userId, amountCents, at: deps.clock.now() }));
  return payoutOf(row);
}

export function createAffiliateWallet(deps: AffiliateWalletDeps) {
  return {
    wallet: (userId: number) => wallet(deps, userId),
    commissions: (userId: number) => commissions(deps, userId),
    clientJobs: (userId: number) => clientJobs(deps, userId),
    payouts: (userId: number) => payouts(deps, userId),
    setSettings: (userId: number, input: AffiliatePayoutSettings) => setSettings(deps, userId, input),
    withdraw: (userId: number, amountCents: number) => withdraw(deps, userId, amountCents),
  };
}

export type AffiliateWalletService = ReturnType<typeof createAffiliateWallet>;
