/** The caller's referral programme (K-54, K-55): their link, their referrals and earnings. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Referrals } from '../../services/referrals.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Cents, json } from '../schemas.js';

const Referral = z
  .object({
    login: z.string().openapi({ description: 'the referral’s login in part: first two and last two characters (`jo***an`), or the first only for six characters or fewer', example: 'jo***an' }),
    registeredAt: z.string(),
    state: z.enum(['inactive', 'active', 'expired']).openapi({
      description: 'K-55: `active` once they ordered or had a kwork approved within 180 days of registering; `expired` once no longer attached',
    }),
    attachedUntil: z.string().openapi({ description: 'the first instant they are no longer attached: 3 years from registration if active, else 180 days' }),
  })
  .openapi('Referral');

const ReferralOverview = z
  .object({
    link: z.string().openapi({ description: 'the caller’s referral link: whoever registers through it becomes their referral' }),
    code: z.string().openapi({ description: 'the link’s code, for `referralCode` at registration' }),
    referrals: z.array(Referral).openapi({ description: 'newest registration first' }),
    earningsByMonth: z
      .array(z.object({ month: z.string().openapi({ example: '2026-12' }), cents: Cents }))
      .openapi({ description: 'K-54 commissions per calendar month (UTC), newest first; months without earnings are left out' }),
    totalCents: Cents,
  })
  .openapi('ReferralOverview');

const routes = {
  overview: secured(access.user, {
    method: 'get',
    path: '/me/referrals',
    tags: ['referrals'],
    summary: 'The caller’s referral link, referrals (logins in part) with their state, and commissions per month (K-54, K-55)',
    responses: { 200: json('The referral programme as the caller sees it', ReferralOverview) },
  }),
};

export function referralRoutes({ referrals }: { referrals: Referrals }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(routes.overview, async (c) => c.json(await referrals.overview(callerOf(c).id), 200));
}
