/**
 * The caller as an affiliate (W-19, W-22, W-23, W-27…W-30, D-04, D-06, D-07): becoming one with
 * their personal data, their link and level, the users who registered through it (logins in
 * part), the jobs those users ordered (value and status, W-27), the wallet with its commissions and payouts, where payouts go (PayPal only) and a
 * withdrawal.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AffiliateWalletService } from '../../services/affiliate-wallet.js';
import type { Affiliates } from '../../services/affiliates.js';
import { jobStatuses } from '../../workflows/job/messages.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Email, errorResponses, json, jsonBody, orNull, Text } from '../schemas.js';

const name = (what: string) => Text(1, 100).openapi({ description: what });

const Company = z
  .strictObject({
    name: Text(1, 200),
    address: Text(1, 500),
    taxId: Text(2, 32).openapi({ description: 'checked loosely here (letters, digits, spaces, `.`, `-`, `/`); invoicing checks it per country (W-18)', example: 'PL5260250274' }),
  })
  .openapi('AffiliateCompany');

const AffiliateSignUp = z
  .strictObject({
    firstName: name('W-22'),
    lastName: name('W-22'),
    country: z.string().regex(/^[A-Za-z]{2}$/).openapi({ description: 'ISO 3166-1 alpha-2 (an unknown code is refused with 422)', example: 'PL' }),
    // Only when invoicing as a company (all three fields). No description here: one on a registered schema becomes allOf.
    company: Company.optional(),
  })
  .openapi('AffiliateSignUp');

const Affiliate = z
  .object({
    firstName: z.string(),
    lastName: z.string(),
    country: z.string().openapi({ example: 'PL' }),
    company: Company.optional(),
    link: z.string().openapi({ description: 'the link to share: a first visit through it (with cookie consent) binds the visitor for 3 months (W-23)', example: 'https://gigflow.example/a/Zk3dQ8m1xP0aR7tYb2Lc9w' }),
    code: z.string(),
    level: z.number().int().openapi({ description: 'D-07: 1 (0–9 approved referred jobs), 2 (10–49), 3 (50+)' }),
    levelBps: z.number().int().openapi({ description: 'D-07: the level’s cut in basis points (1000 = 10 %)', example: 1000 }),
    createdAt: z.string(),
  })
  .openapi('Affiliate');

const AffiliateReferral = z
  .object({
    login: z.string().openapi({ description: 'W-19: the login in part (`jo***an`)', example: 'jo***an' }),
    registeredAt: z.string(),
    state: z.enum(['pending', 'assigned', 'expired']).openapi({
      description: 'W-23: `assigned` once they completed a job within 3 months of their first visit; `expired` when that window passed without one',
    }),
    attributionExpiresAt: z.string().openapi({ description: 'the last instant a completed job still assigns them' }),
  })
  .openapi('AffiliateReferral');

const PayoutSettings = z
  .strictObject({
    paypalEmail: Email.openapi({ description: 'W-28: affiliate payouts go to PayPal only', example: 'ada@example.com' }),
    autoPayout: z.boolean().openapi({ description: 'W-30: the monthly run withdraws what you earned in the previous month without a request' }),
  })
  .openapi('AffiliatePayoutSettings');

const PayoutRun = z
  .object({
    runMonth: z.string().openapi({ example: '2027-01' }),
    runDate: z.string().openapi({ description: 'W-29: runs are on the 10th', example: '2027-01-10' }),
    cutoffAt: z.string().openapi({ description: 'D-06: the end of the month before, 23:59:59 UTC+1 (fixed offset), in UTC', example: '2026-12-31T22:59:59.000Z' }),
  })
  .openapi('AffiliatePayoutRun');

const AffiliateWallet = z
  .object({
    balanceCents: z.number().int().openapi({ description: 'W-25: the wallet, less what withdrawals hold' }),
    level: z.number().int().openapi({ description: 'D-07: the level the next approved job earns at' }),
    levelBps: z.number().int().openapi({ example: 1000 }),
    approvedJobs: z.number().int().openapi({ description: 'D-07: approved jobs of your clients so far' }),
    settings: orNull(PayoutSettings),
    minimumWithdrawalCents: z.number().int().openapi({ description: 'W-28, D-04: $1, no fee', example: 100 }),
    nextRun: PayoutRun.openapi({ description: 'the run a withdrawal set up now is paid in' }),
  })
  .openapi('AffiliateWallet');

const AffiliateCommission = z
  .object({
    jobId: z.number().int(),
    client: z.string().openapi({ description: 'W-19: the login in part', example: 'jo***an' }),
    jobCents: z.number().int().openapi({ description: 'W-19: the job’s value' }),
    jobStatus: z.enum(['approved']).openapi({ description: 'W-25: a commission is earned when the job is approved' }),
    level: z.number().int(),
    bps: z.number().int(),
    amountCents: z.number().int().openapi({ description: 'W-26: rounded down to the cent, at most $200' }),
    earnedAt: z.string(),
  })
  .openapi('AffiliateCommission');

const AffiliateClientJob = z
  .object({
    jobId: z.number().int(),
    client: z.string().openapi({ description: 'W-19: the login in part', example: 'jo***an' }),
    orderedAt: z.string(),
    valueCents: z.number().int().nullable().openapi({ description: 'W-19: the job’s value: what the client paid, else the price asked; null before an estimate' }),
    status: z.enum(jobStatuses).openapi({ description: 'W-19: the job’s status' }),
    commissionCents: z.number().int().nullable().openapi({ description: 'W-25: the cut earned at the approval; null before' }),
  })
  .openapi('AffiliateClientJob');

const AffiliatePayout = z
  .object({
    id: z.number().int(),
    kind: z.enum(['requested', 'automatic']),
    amountCents: z.number().int(),
    paypalEmail: z.string(),
    runMonth: z.string(),
    runDate: z.string(),
    status: z.enum(['held', 'paying', 'paid', 'failed']).openapi({ description: '`failed`: the money is back in the wallet' }),
    failureReason: z.string().nullable(),
    requestedAt: z.string(),
    closedAt: z.string().nullable(),
  })
  .openapi('AffiliatePayout');

const WithdrawalRequest = z
  .strictObject({ amountCents: z.number().int().min(1).max(100_000_000).openapi({ description: 'W-28: at least 100 ($1; less is refused with 422)', example: 2500 }) })
  .openapi('AffiliateWithdrawalRequest');

const routes = {
  become: secured(access.user, {
    method: 'post',
    path: '/me/affiliate',
    tags: ['affiliates'],
    summary: 'Become an affiliate, or update the personal data (W-22); the link and level stay',
    request: jsonBody(AffiliateSignUp),
    responses: { 200: json('The data was updated', Affiliate), 201: json('The caller is an affiliate now', Affiliate), ...errorResponses(422) },
  }),
  get: secured(access.user, {
    method: 'get',
    path: '/me/affiliate',
    tags: ['affiliates'],
    summary: 'The caller’s affiliate data, link and level (W-22, D-07)',
    responses: { 200: json('The affiliate', Affiliate), ...errorResponses(404) },
  }),
  referrals: secured(access.user, {
    method: 'get',
    path: '/me/affiliate/referrals',
    tags: ['affiliates'],
    summary: 'The users who registered through the caller’s link, logins in part, with their state (W-19, W-23, W-27)',
    responses: { 200: json('Newest registration first', z.object({ items: z.array(AffiliateReferral) })), ...errorResponses(404) },
  }),
  wallet: secured(access.user, {
    method: 'get',
    path: '/me/affiliate/wallet',
    tags: ['affiliates'],
    summary: 'The caller’s affiliate wallet: balance, level, approved jobs, payout settings and the next run (W-25, W-27, W-29, D-07)',
    responses: { 200: json('The wallet', AffiliateWallet), ...errorResponses(404) },
  }),
  commissions: secured(access.user, {
    method: 'get',
    path: '/me/affiliate/commissions',
    tags: ['affiliates'],
    summary: 'The commissions of the caller’s clients’ approved jobs, newest first, logins in part (W-19, W-24…W-27)',
    responses: { 200: json('Newest first', z.object({ items: z.array(AffiliateCommission) })), ...errorResponses(404) },
  }),
  clientJobs: secured(access.user, {
    method: 'get',
    path: '/me/affiliate/jobs',
    tags: ['affiliates'],
    summary: 'Every job the caller’s clients ordered, at any status, with its value and commission; logins in part, no titles (W-19, W-24, W-27)',
    responses: { 200: json('Newest order first', z.object({ items: z.array(AffiliateClientJob) })), ...errorResponses(404) },
  }),
  payouts: secured(access.user, {
    method: 'get',
    path: '/me/affiliate/payouts',
    tags: ['affiliates'],
    summary: 'The caller’s affiliate payouts and their states, newest first (W-27…W-30)',
    responses: { 200: json('Newest first', z.object({ items: z.array(AffiliatePayout) })), ...errorResponses(404) },
  }),
  setSettings: secured(access.user, {
    method: 'put',
    path: '/me/affiliate/payout-settings',
    tags: ['affiliates'],
    summary: 'Set the PayPal address affiliate payouts go to, and automatic payout (W-28, W-30)',
    request: jsonBody(PayoutSettings),
    responses: { 200: json('The settings', PayoutSettings), ...errorResponses(404) },
  }),
  withdraw: secured(access.user, {
    method: 'post',
    path: '/me/affiliate/withdrawals',
    tags: ['affiliates'],
    summary: 'Withdraw from the affiliate wallet: held at once, paid by PayPal on the 10th after the D-06 cut-off (W-28, W-29)',
    request: jsonBody(WithdrawalRequest),
    responses: { 201: json('The withdrawal, held until its run', AffiliatePayout), ...errorResponses(404, 422) },
  }),
};

export function affiliateRoutes({ affiliates, affiliateWallet }: { affiliates: Affiliates; affiliateWallet: AffiliateWalletService }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.become, async (c) => {
      const { created, affiliate } = await affiliates.become(callerOf(c).id, c.req.valid('json'));
      return created ? c.json(affiliate, 201) : c.json(affiliate, 200);
    })
    .openapi(routes.get, async (c) => c.json(await affiliates.get(callerOf(c).id), 200))
    .openapi(routes.referrals, async (c) => c.json({ items: await affiliates.referrals(callerOf(c).id) }, 200))
    .openapi(routes.wallet, async (c) => c.json(await affiliateWallet.wallet(callerOf(c).id), 200))
    .openapi(routes.commissions, async (c) => c.json({ items: await affiliateWallet.commissions(callerOf(c).id) }, 200))
    .openapi(routes.clientJobs, async (c) => c.json({ items: await affiliateWallet.clientJobs(callerOf(c).id) }, 200))
    .openapi(routes.payouts, async (c) => c.json({ items: await affiliateWallet.payouts(callerOf(c).id) }, 200))
    .openapi(routes.setSettings, async (c) => c.json(await affiliateWallet.setSettings(callerOf(c).id, c.req.valid('json')), 200))
    .openapi(routes.withdraw, async (c) => c.json(await affiliateWallet.withdraw(callerOf(c).id, c.req.valid('json').amountCents), 201));
}
