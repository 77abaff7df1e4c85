/** Staff administration: finding users, roles, blocking, promo codes, awarded badges (K-36). Only admins. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { staffRoles, type Accounts } from '../../services/accounts.js';
import type { Wallet } from '../../services/wallet.js';
import { awardedBadgeKinds, type Badges } from '../../services/badges.js';
import { ADMIN_USERS_LIMIT } from '../../services/user-admin.js';
import { badgeRules, walletRules } from '../../services/policy.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Cents, DateTime, errorResponses, Id, IdParam, json, jsonBody, loginPrefix, MAX_ID, Text, wholeNumberParam } from '../schemas.js';

const Role = z.enum(staffRoles);
const UserRoles = z.object({ id: z.number().int(), login: z.string(), roles: z.array(Role) }).openapi('UserRoles');
const PromoCode = z
  .object({ id: z.number().int(), code: z.string(), amountCents: Cents, expiresAt: z.string(), maxRedemptions: z.number().int(), redemptions: z.number().int() })
  .openapi('PromoCode');

const BadgeAward = z
  .object({ id: Id, userId: Id, kind: z.enum(awardedBadgeKinds), reason: z.string(), awardedAt: DateTime })
  .openapi('BadgeAward');

const AdminUser = z
  .object({
    id: Id,
    login: z.string(),
    email: z.string(),
    emailConfirmed: z.boolean(),
    roles: z.array(Role),
    blocked: z.object({ at: DateTime, reason: z.string() }).nullable().openapi({ description: 'when and why an admin blocked the account; null while it is not' }),
    createdAt: DateTime,
  })
  .openapi('AdminUser');

const admin = access.staff('admin');
const routes = {
  findUsers: secured(admin, {
    method: 'get',
    path: '/admin/users',
    tags: ['admin'],
    summary: 'Find users by the start of their login, blocked and unconfirmed ones too',
    description: `Any case; at most ${ADMIN_USERS_LIMIT}, in login order. For granting roles, blocking and unblocking.`,
    request: {
      query: z.strictObject({ login: loginPrefix(1) }),
    },
    responses: { 200: json('Matching users', z.object({ items: z.array(AdminUser) })) },
  }),
  grantRole: secured(admin, {
    method: 'post',
    path: '/admin/users/{id}/roles',
    tags: ['admin'],
    summary: 'Grant a staff role',
    request: { params: IdParam, ...jsonBody(z.strictObject({ role: Role })) },
    responses: { 200: json('The user’s roles', UserRoles), ...errorResponses(404) },
  }),
  revokeRole: secured(admin, {
    method: 'delete',
    path: '/admin/users/{id}/roles/{role}',
    tags: ['admin'],
    summary: 'Take a staff role away',
    description: 'Not the caller’s own admin role (422 `rule_violation`): another admin takes it, so the platform keeps an admin.',
    request: { params: IdParam.extend({ role: Role }) },
    responses: { 200: json('The user’s roles', UserRoles), ...errorResponses(404, 422) },
  }),
  block: secured(admin, {
    method: 'post',
    path: '/admin/users/{id}/block',
    tags: ['admin'],
    summary: 'Block an account: it can no longer sign in or act; its sessions end',
    description: 'Not the caller’s own (422 `rule_violation`), as staff do not sanction themselves.',
    request: { params: IdParam, ...jsonBody(z.strictObject({ reason: Text(1, 500) })) },
    responses: { 204: { description: 'Blocked' }, ...errorResponses(404, 422) },
  }),
  unblock: secured(admin, {
    method: 'post',
    path: '/admin/users/{id}/unblock',
    tags: ['admin'],
    summary: 'Unblock an account',
    request: { params: IdParam },
    responses: { 204: { description: 'Unblocked' }, ...errorResponses(404) },
  }),
  createPromo: secured(admin, {
    method: 'post',
    path: '/admin/promo-codes',
    tags: ['admin'],
    summary: 'Create a promo code for the bonus balance',
    request: jsonBody(
      z.strictObject({
        code: z.string().regex(/^[A-Za-z0-9_-]{4,32}$/, '4 to 32 letters, digits, _ or -'),
        amountCents: z.number().int().min(1).max(walletRules.promoMaxCents),
        expiresAt: DateTime,
        maxRedemptions: z.number().int().min(1).max(1_000_000),
      }),
    ),
    responses: { 201: json('The promo code', PromoCode), ...errorResponses(409, 422) },
  }),
  awardBadge: secured(admin, {
    method: 'post',
    path: '/admin/users/{id}/badges',
    tags: ['admin'],
    summary: 'Award a badge for an idea, a bug report or a contest (K-36)',
    description:
      'The badge shows on the user’s profile (`GET /users/{login}`) with `reason`, which is public. ' +
      'The same user, kind and reason (any case) while the first award stands is 409: a second click awards nothing. ' +
      'Not to the caller (403): another admin awards it.',
    request: {
      params: IdParam,
      ...jsonBody(
        z.strictObject({
          kind: z.enum(awardedBadgeKinds),
          reason: Text(1, badgeRules.reasonMaxLength).openapi({ description: 'what it is for, shown with the badge', example: 'Suggested saved searches' }),
        }),
      ),
    },
    responses: { 201: json('The award', BadgeAward), ...errorResponses(404, 409) },
  }),
  revokeBadge: secured(admin, {
    method: 'delete',
    path: '/admin/users/{id}/badges/{awardId}',
    tags: ['admin'],
    summary: 'Take an awarded badge back: it leaves the profile',
    request: { params: IdParam.extend({ awardId: wholeNumberParam(1, MAX_ID) }) },
    responses: { 204: { description: 'Taken back' }, ...errorResponses(404) },
  }),
};

export function adminRoutes({ accounts, wallet, badges }: { accounts: Accounts; wallet: Wallet; badges: Badges }) {
  const roles = (me: { id: number; login: string; roles: z.infer<typeof Role>[] }) => ({ id: me.id, login: me.login, roles: me.roles });
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.findUsers, async (c) => c.json({ items: await accounts.findUsers(c.req.valid('query').login) }, 200))
    .openapi(routes.grantRole, async (c) => c.json(roles(await accounts.grantRole(c.req.valid('param').id, c.req.valid('json').role)), 200))
    .openapi(routes.revokeRole, async (c) => {
      const { id, role } = c.req.valid('param');
      return c.json(roles(await accounts.revokeRole(id, role, callerOf(c).id)), 200);
    })
    .openapi(routes.block, async (c) => {
      await accounts.block(c.req.valid('param').id, c.req.valid('json').reason, callerOf(c).id);
      return c.body(null, 204);
    })
    .openapi(routes.unblock, async (c) => {
      await accounts.unblock(c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(routes.createPromo, async (c) => c.json(await wallet.createPromo(callerOf(c).id, c.req.valid('json')), 201))
    .openapi(routes.awardBadge, async (c) => c.json(await badges.award(callerOf(c).id, c.req.valid('param').id, c.req.valid('json')), 201))
    .openapi(routes.revokeBadge, async (c) => {
      const { id, awardId } = c.req.valid('param');
      await badges.revoke(callerOf(c).id, id, awardId);
      return c.body(null, 204);
    });
}
