import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, integer, pgTable, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * W-22: a user who became an affiliate, with the personal data it needs (first and last name,
 * country; company invoicing data if they invoice as a company) and their link's code (128
 * random bits, unique). `level` is D-07's (1 = 10 %, the start).
 */
export const affiliates = pgTable(
  'affiliates',
  {
    userId: bigint('user_id', { mode: 'number' }).primaryKey().references(() => users.id),
    code: text('code').notNull().unique(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    /** ISO 3166-1 alpha-2, upper case. */
    country: text('country').notNull(),
    companyName: text('company_name'),
    companyAddress: text('company_address'),
    companyTaxId: text('company_tax_id'),
    level: smallint('level').notNull().default(1),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    check('affiliates_country_format', sql`${t.country} ~ '^[A-Z]{2}$'`),
    check('affiliates_level', sql`${t.level} between 1 and 3`),
    // A company is all three or none.
    check('affiliates_company_whole', sql`(${t.companyName} is null) = (${t.companyAddress} is null) and (${t.companyName} is null) = (${t.companyTaxId} is null)`),
  ],
);

/**
 * W-21, W-23: a consented visit through an affiliate link. Its `token` (256 random bits) is what
 * the first-touch cookie carries; registration reads it back.
 */
export const affiliateVisits = pgTable(
  'affiliate_visits',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    token: text('token').notNull().unique(),
    affiliateId: bigint('affiliate_id', { mode: 'number' }).notNull().references(() => affiliates.userId),
    visitedAt: ts('visited_at').notNull(),
  },
  (t) => [index('affiliate_visits_affiliate_idx').on(t.affiliateId, t.visitedAt)],
);

/**
 * W-23: a user who registered after a first-touch visit: `pending` until a job completed by
 * `attributionExpiresAt` (the visit + 3 months, its last instant included) sets `assignedAt`.
 * One affiliate per client, for good.
 */
export const affiliateClients = pgTable(
  'affiliate_clients',
  {
    clientId: bigint('client_id', { mode: 'number' }).primaryKey().references(() => users.id),
    affiliateId: bigint('affiliate_id', { mode: 'number' }).notNull().references(() => affiliates.userId),
    visitId: bigint('visit_id', { mode: 'number' }).notNull().references(() => affiliateVisits.id),
    firstVisitAt: ts('first_visit_at').notNull(),
    attributionExpiresAt: ts('attribution_expires_at').notNull(),
    registeredAt: ts('registered_at').notNull(),
    assignedAt: ts('assigned_at'),
  },
  (t) => [
    index('affiliate_clients_affiliate_idx').on(t.affiliateId, t.registeredAt),
    check('affiliate_clients_not_self', sql`${t.clientId} <> ${t.affiliateId}`),
    check('affiliate_clients_window', sql`${t.attributionExpiresAt} > ${t.firstVisitAt}`),
  ],
);

/**
 * W-24…W-27, D-07: one commission per approved job of an assigned client, for the dashboard and
 * the level count (an affiliate's rows are their approved referred jobs). The money itself is
 * the ledger's posting `affiliate:job-<jobId>:commission` into the affiliate's wallet; this row
 * is written in the same transaction. `jobId` has no foreign key: jobs are another process's
 * table, and the commission must never stop a job's approval.
 */
export const affiliateCommissions = pgTable(
  'affiliate_commissions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobId: bigint('job_id', { mode: 'number' }).notNull().unique(),
    affiliateId: bigint('affiliate_id', { mode: 'number' }).notNull().references(() => affiliates.userId),
    clientId: bigint('client_id', { mode: 'number' }).notNull().references(() => users.id),
    level: smallint('level').notNull(),
    bps: integer('bps').notNull(),
    /** What the client paid for the job (W-25), integer cents. */
    jobCents: bigint('job_cents', { mode: 'number' }).notNull(),
    /** The cut, rounded down to the cent and capped at $200 (W-26). */
    amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
    /** The job's approval (the commission's posting time for the payout cut-off, W-29). */
    earnedAt: ts('earned_at').notNull(),
  },
  (t) => [
    index('affiliate_commissions_affiliate_idx').on(t.affiliateId, t.earnedAt),
    check('affiliate_commissions_level', sql`${t.level} between 1 and 3`),
    check('affiliate_commissions_amounts', sql`${t.jobCents} >= 0 and ${t.amountCents} between 0 and 20000`),
  ],
);

/**
 * W-28, W-30: where an affiliate's wallet is paid (a PayPal address only, D-04) and whether the
 * monthly run withdraws the previous month's earnings without a request (automatic payout).
 */
export const affiliatePayoutSettings = pgTable('affiliate_payout_settings', {
  userId: bigint('user_id', { mode: 'number' }).primaryKey().references(() => affiliates.userId),
  paypalEmail: text('paypal_email').notNull(),
  autoPayout: boolean('auto_payout').notNull().default(false),
  updatedAt: ts('updated_at').notNull(),
});

/**
 * W-28…W-30: a withdrawal from an affiliate's wallet, held in the ledger when it is set up
 * (`affiliate-payout:<id>:hold`) and paid by the monthly run of `runMonth` (`2027-01`: the run
 * on 10 January, D-06's cut-off the end of December 23:59:59 UTC+1). `automatic` ones are made by
 * the run itself (W-30), one per affiliate and run.
 */
export const affiliateWithdrawals = pgTable(
  'affiliate_withdrawals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    affiliateId: bigint('affiliate_id', { mode: 'number' }).notNull().references(() => affiliates.userId),
    kind: text('kind', { enum: ['requested', 'automatic'] }).notNull(),
    amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
    paypalEmail: text('paypal_email').notNull(),
    runMonth: text('run_month').notNull(),
    status: text('status', { enum: ['held', 'paying', 'paid', 'failed'] }).notNull(),
    providerRef: text('provider_ref'),
    failureReason: text('failure_reason'),
    requestedAt: ts('requested_at').notNull(),
    closedAt: ts('closed_at'),
  },
  (t) => [
    index('affiliate_withdrawals_affiliate_idx').on(t.affiliateId, t.id),
    index('affiliate_withdrawals_run_idx').on(t.runMonth, t.status),
    uniqueIndex('affiliate_withdrawals_automatic_once').on(t.affiliateId, t.runMonth).where(sql`${t.kind} = 'automatic'`),
    check('affiliate_withdrawals_amount', sql`${t.amountCents} >= 100`),
    check('affiliate_withdrawals_run_month', sql`${t.runMonth} ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`),
  ],
);
