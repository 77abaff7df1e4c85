/**
 * The caller as an affiliate (W-19, W-22, W-23, W-27, D-07): becoming one with their personal
 * data, their link and level, and the users who registered through it (logins in part).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Affiliates } from '../../services/affiliates.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json, jsonBody } from '../schemas.js';

const name = (what: string) => z.string().trim().min(1).max(100).openapi({ description: what });

const Company = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    address: z.string().trim().min(1).max(500),
    taxId: z.string().trim().min(2).max(32).openapi({ description: 'checked loosely here (letters, digits, spaces, `.`, `-`, `/`); invoicing checks it per country (W-18)', example: 'PL5260250274' }),
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
};

export function affiliateRoutes({ affiliates }: { affiliates: Affiliates }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.become, async (c) => {
      const { created, affiliate } = await affiliates.become(callerOf(c).id, c.req.valid('json'));
      return created ? c.json(affiliate, 201) : c.json(affiliate, 200);
    })
    .openapi(routes.get, async (c) => c.json(await affiliates.get(callerOf(c).id), 200))
    .openapi(routes.referrals, async (c) => c.json({ items: await affiliates.referrals(callerOf(c).id) }, 200));
}
