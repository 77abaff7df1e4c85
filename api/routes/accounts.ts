/** Registration, email confirmation, sessions, and the caller's own account (`/me`). */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { staffRoles, type Accounts } from '../../services/accounts.js';
import type { PayoutDetailsService } from '../../services/payout-details.js';
import { accountRules } from '../../services/policy.js';
import { access, callerOf, secured } from '../auth.js';
import { clientAddress } from '../client-address.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Email, errorResponses, httpUrl, json, jsonBody, orNull, Text } from '../schemas.js';

const Login = z
  .string()
  .regex(/^[A-Za-z0-9_]{3,32}$/, '3 to 32 letters a-z, digits or underscores')
  .openapi({ example: 'alice_design' });
const Password = z.string().min(accountRules.passwordMinLength).max(accountRules.passwordMaxLength);
/** The account's current password, confirming a change of its login, email or password. */
const ConfirmingPassword = z
  .string()
  .min(1)
  .max(accountRules.passwordMaxLength)
  .openapi({
    description: `a wrong one is 401 \`invalid_credentials\` and changes nothing; wrong ones are counted per account as sign-in counts them: past ${accountRules.signInFreeFailuresPerLogin}, the next try waits (429 \`rate_limited\` with \`Retry-After\`, no password checked), and a right one forgets them`,
  });
const Token = z.string().min(10).max(200);

const Me = z
  .object({
    id: z.number().int(),
    login: z.string(),
    email: z.string(),
    emailConfirmed: z.boolean(),
    displayName: z.string().nullable(),
    city: z.string().nullable(),
    about: z.string().nullable(),
    skills: z.array(z.string()),
    avatarUrl: z.string().nullable(),
    timeZone: z.string(),
    hideOnWeekends: z.boolean(),
    canChangeLogin: z.boolean(),
    roles: z.array(z.enum(staffRoles)),
    createdAt: z.string(),
  })
  .openapi('Me');

const Session = z.object({ token: z.string(), expiresAt: z.string(), user: Me }).openapi('Session');
const Lock = z.object({
  reason: z.enum(['email_change', 'login_change', 'payout_details_change']),
  scope: z.enum(['withdrawals', 'payout_details']).openapi({ description: 'D-10: `withdrawals` pauses withdrawals; `payout_details` forbids changing the payout details' }),
  startsAt: z.string(),
  endsAt: z.string(),
});
const PayoutDetails = z
  .object({
    method: z.enum(['card', 'paypal']),
    account: z.string().openapi({ description: '`Visa •••• 4242` or the PayPal address' }),
    usable: z.boolean().openapi({ description: 'false for a card saved before tokens: save it again before withdrawing' }),
  })
  .openapi('PayoutDetails');
const SetupRef = z.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'the `setupRef` `POST /me/payout-details/card-setup` answered');

const routes = {
  register: secured(access.public, {
    method: 'post',
    path: '/auth/register',
    tags: ['accounts'],
    summary: 'Create an account; a confirmation code goes to the email',
    request: jsonBody(
      z.strictObject({
        login: Login,
        email: Email,
        password: Password,
        referralCode: z.string().min(1).max(100).optional().openapi({ description: 'K-55: the code of the referral link the user came through; an unknown code is refused (422 `unknown_referral_code`) and nothing is created' }),
      }),
    ),
    responses: { 201: json('The new account', Me), ...errorResponses(409, 422) },
  }),
  confirmEmail: secured(access.public, {
    method: 'post',
    path: '/auth/confirm-email',
    tags: ['accounts'],
    summary: 'Use an emailed confirmation code (registration, or either step of an email change)',
    request: jsonBody(z.strictObject({ token: Token })),
    responses: {
      200: json('What the code confirmed', z.object({ purpose: z.enum(['confirm', 'change_old', 'change_new']), email: z.string() })),
      ...errorResponses(409),
    },
  }),
  login: secured(access.public, {
    method: 'post',
    path: '/auth/login',
    tags: ['accounts'],
    summary: 'Sign in with login (or email) and password; returns a bearer token',
    request: jsonBody(z.strictObject({ login: z.string().min(1).max(254), password: z.string().min(1).max(accountRules.passwordMaxLength) })),
    responses: { 200: json('A new session', Session), ...errorResponses(401, 403, 429) },
  }),
  requestPasswordReset: secured(access.public, {
    method: 'post',
    path: '/auth/password-reset',
    tags: ['accounts'],
    summary: 'Forgot password: email a one-time reset code to the account with this email, if any (the answer is the same either way)',
    request: jsonBody(z.strictObject({ email: Email })),
    responses: { 202: json('Sent, if an account has this email', z.object({ sent: z.literal(true) })) },
  }),
  resetPassword: secured(access.public, {
    method: 'post',
    path: '/auth/password-reset/confirm',
    tags: ['accounts'],
    summary: 'Set a new password with an emailed reset code, once; every session of the account ends',
    request: jsonBody(z.strictObject({ token: Token, password: Password })),
    responses: { 204: { description: 'The password is changed; sign in with it' } },
  }),
  activate: secured(access.public, {
    method: 'post',
    path: '/auth/activate',
    tags: ['accounts'],
    summary: 'W-01: activate an account created with a job: the mailed link’s token verifies the address and sets the password, once; signs in',
    request: jsonBody(z.strictObject({ token: Token, password: Password })),
    responses: { 200: json('The account is active: a new session', Session) },
  }),
  resendActivation: secured(access.public, {
    method: 'post',
    path: '/auth/activation/resend',
    tags: ['accounts'],
    summary: 'W-01: mail a new activation link to the account with this email if it is not activated yet (the answer is the same either way)',
    request: jsonBody(z.strictObject({ email: Email })),
    responses: { 202: json('Sent, if an account waits for activation with this email', z.object({ sent: z.literal(true) })) },
  }),
  logout: secured(access.user, {
    method: 'post',
    path: '/auth/logout',
    tags: ['accounts'],
    summary: 'End this session',
    responses: { 204: { description: 'Signed out' } },
  }),
  me: secured(access.user, {
    method: 'get',
    path: '/me',
    tags: ['accounts'],
    summary: 'The signed-in account',
    responses: { 200: json('The account', Me) },
  }),
  updateProfile: secured(access.user, {
    method: 'patch',
    path: '/me/profile',
    tags: ['accounts'],
    summary: 'Change display name, city, about, skills, avatar, time zone or weekend hiding',
    request: jsonBody(
      z.strictObject({
        displayName: Text(1, 60).nullable().optional(),
        city: Text(1, 80).nullable().optional(),
        about: z.string().normalize().max(2000).nullable().optional(),
        skills: z.array(Text(1, 40)).max(20).optional(),
        avatarUrl: httpUrl(500).nullable().optional(),
        timeZone: z
          .string()
          .min(1)
          .max(64)
          .optional()
          .openapi({ description: 'an IANA time zone name, e.g. Europe/Lisbon (an old name such as Asia/Calcutta is stored by its current one); a name the time zone database does not know is 422' }),
        hideOnWeekends: z.boolean().optional().openapi({ description: 'hide all my offers from Friday 00:00 to Monday 00:00 in my time zone' }),
      }),
    ),
    responses: { 200: json('The account', Me), ...errorResponses(422) },
  }),
  changeLogin: secured(access.user, {
    method: 'post',
    path: '/me/login-change',
    tags: ['accounts'],
    summary: 'Change the login (once only); locks the payout details for a week (D-10)',
    request: jsonBody(z.strictObject({ login: Login, password: ConfirmingPassword })),
    responses: { 200: json('The account', Me), ...errorResponses(409, 429) },
  }),
  requestEmailChange: secured(access.user, {
    method: 'post',
    path: '/me/email-change',
    tags: ['accounts'],
    summary: 'Change the email: the old address confirms first, then the new; when done, pauses withdrawals and locks the payout details for a week (D-10)',
    request: jsonBody(z.strictObject({ email: Email, password: ConfirmingPassword })),
    responses: { 202: json('A code went to the current address', z.object({ sentTo: z.literal('current_email') })), ...errorResponses(409, 429) },
  }),
  changePassword: secured(access.user, {
    method: 'post',
    path: '/me/password-change',
    tags: ['accounts'],
    summary: 'Change the password, with the current one: every other session of the account ends (this one goes on), and a mail tells the account’s address',
    request: jsonBody(
      z.strictObject({
        currentPassword: ConfirmingPassword,
        newPassword: Password.openapi({ description: `${accountRules.passwordMinLength} to ${accountRules.passwordMaxLength} characters, as at registration` }),
      }),
    ),
    responses: { 204: { description: 'The password is changed; every other session is signed out' }, ...errorResponses(429) },
  }),
  getPayoutDetails: secured(access.user, {
    method: 'get',
    path: '/me/payout-details',
    tags: ['accounts'],
    summary: 'Where withdrawals go',
    responses: { 200: json('The payout details, or null', orNull(PayoutDetails)) },
  }),
  setPayoutDetails: secured(access.user, {
    method: 'put',
    path: '/me/payout-details',
    tags: ['accounts'],
    summary: 'Set where withdrawals go: a PayPal address, or the card saved on the provider’s page; any change pauses withdrawals for a week (D-10)',
    request: jsonBody(
      z.discriminatedUnion('method', [
        z.strictObject({ method: z.literal('card'), setupRef: SetupRef }),
        z.strictObject({ method: z.literal('paypal'), account: Email }),
      ]),
    ),
    responses: { 200: json('The payout details', PayoutDetails), ...errorResponses(422, 503) },
  }),
  startCardSetup: secured(access.user, {
    method: 'post',
    path: '/me/payout-details/card-setup',
    tags: ['accounts'],
    summary: 'Start saving a payout card: the card provider’s hosted page, where the number is typed (never to us)',
    responses: {
      201: json('Open `setupUrl`; the provider sends the user back, then `PUT /me/payout-details` with `setupRef`', z.object({ setupRef: z.string(), setupUrl: z.string() })),
      ...errorResponses(422, 503),
    },
  }),
  withdrawalLocks: secured(access.user, {
    method: 'get',
    path: '/me/withdrawal-locks',
    tags: ['accounts'],
    summary: 'D-10 locks in force (withdrawals paused, payout details locked), with their end times',
    responses: { 200: json('Locks in force', z.object({ locks: z.array(Lock) })) },
  }),
};


/** `trustedProxyHops`: how many reverse proxies in front of the API append to X-Forwarded-For (see client-address.ts). */
/** Typed as a plain router: the chain's inferred route types grew past what TypeScript represents (TS2590), and nothing reads them. */
export function accountRoutes(
  { accounts, payoutDetails }: { accounts: Accounts; payoutDetails: PayoutDetailsService },
  { trustedProxyHops }: { trustedProxyHops: number },
): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.register, async (c) => c.json(await accounts.register(c.req.valid('json')), 201))
    .openapi(routes.confirmEmail, async (c) => c.json(await accounts.confirmEmail(c.req.valid('json').token), 200))
    .openapi(routes.login, async (c) => {
      const attempt = { ...c.req.valid('json'), ip: clientAddress(c, trustedProxyHops) };
      return c.json(await accounts.login(attempt, c.var.log), 200);
    })
    .openapi(routes.logout, async (c) => {
      await accounts.logout(c.req.header('authorization')!.replace(/^Bearer\s+/i, ''));
      return c.body(null, 204);
    })
    .openapi(routes.me, async (c) => c.json(await accounts.me(callerOf(c).id), 200))
    .openapi(routes.updateProfile, async (c) => c.json(await accounts.updateProfile(callerOf(c).id, c.req.valid('json')), 200))
    .openapi(routes.changeLogin, async (c) => c.json(await accounts.changeLogin(callerOf(c).id, c.req.valid('json')), 200))
    .openapi(routes.requestEmailChange, async (c) => {
      await accounts.requestEmailChange(callerOf(c).id, c.req.valid('json'));
      return c.json({ sentTo: 'current_email' as const }, 202);
    })
    .openapi(routes.changePassword, async (c) => {
      await accounts.changePassword(callerOf(c).id, c.var.sessionToken!, c.req.valid('json'));
      return c.body(null, 204);
    })
    .openapi(routes.getPayoutDetails, async (c) => c.json(await payoutDetails.get(callerOf(c).id), 200))
    .openapi(routes.setPayoutDetails, async (c) => c.json(await payoutDetails.set(callerOf(c).id, c.req.valid('json')), 200))
    .openapi(routes.startCardSetup, async (c) => c.json(await payoutDetails.startCardSetup(callerOf(c).id), 201))
    .openapi(routes.withdrawalLocks, async (c) => c.json({ locks: await accounts.withdrawalLocks(callerOf(c).id) }, 200));
}

/** Forgot password: a reset code by email, then a new password with it (a router of its own: one chain's type has a size limit). */
export function passwordResetRoutes({ accounts }: { accounts: Accounts }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.requestPasswordReset, async (c) => {
      await accounts.requestPasswordReset(c.req.valid('json').email);
      return c.json({ sent: true as const }, 202);
    })
    .openapi(routes.resetPassword, async (c) => {
      await accounts.resetPassword(c.req.valid('json'));
      return c.body(null, 204);
    });
}

/** W-01: activating an account created with a job, and a new link for an expired one. */
export function activationRoutes({ accounts }: { accounts: Accounts }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.activate, async (c) => c.json(await accounts.activate(c.req.valid('json')), 200))
    .openapi(routes.resendActivation, async (c) => {
      await accounts.resendActivation(c.req.valid('json').email);
      return c.json({ sent: true as const }, 202);
    });
}
