/** The caller's money: balance, statement, top-ups, promo codes. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { isValidCardNumber } from '../../services/payments.js';
import type { Wallet } from '../../services/wallet.js';
import { walletRules } from '../../services/policy.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Cents, digits, errorResponses, IdParam, idempotencyKeyHeader, json, jsonBody } from '../schemas.js';

const TopUpAmount = z
  .number()
  .int()
  .min(walletRules.topUpMinCents)
  .max(walletRules.topUpMaxCents)
  .openapi({ description: `integer cents, ${walletRules.topUpMinCents} to ${walletRules.topUpMaxCents}`, example: 5000 });

const TopUp = z
  .object({
    id: z.number().int(),
    amountCents: Cents,
    method: z.enum(['card', 'paypal']),
    status: z.enum(['pending', 'approved', 'declined']),
    source: z.string(),
    declineReason: z.string().nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    withdrawableAt: z.string().nullable(),
  })
  .openapi('TopUp');

const Balance = z
  .object({
    mainCents: Cents,
    bonusCents: Cents,
    escrowCents: Cents,
    withdrawableCents: Cents,
    locked: z.array(
      z.object({
        amountCents: Cents,
        until: z.string(),
        reason: z.enum(['card_top_up_hold', 'email_change', 'login_change', 'payout_details_change']),
      }),
    ),
  })
  .openapi('Balance');

const StatementItem = z
  .object({
    postingId: z.number().int(),
    transactionId: z.number().int(),
    account: z.enum(['main', 'bonus', 'escrow']),
    amount: Cents,
    balanceAfter: Cents.openapi({ description: 'the account’s balance right after this posting' }),
    kind: z.string(),
    description: z.string(),
    idempotencyKey: z.string(),
    createdAt: z.string(),
  })
  .openapi('StatementItem');

const routes = {
  balance: secured(access.user, {
    method: 'get',
    path: '/me/balance',
    tags: ['money'],
    summary: 'Main, bonus and escrowed money; what is withdrawable now and when the rest becomes so',
    responses: { 200: json('The balance', Balance) },
  }),
  statement: secured(access.user, {
    method: 'get',
    path: '/me/statement',
    tags: ['money'],
    summary: 'The caller’s ledger postings, newest first',
    request: {
      query: z.strictObject({
        cursor: z.string().min(1).max(100).optional().openapi({ description: 'the `nextCursor` of the previous page' }),
        limit: digits(1, 100, { default: 20 }),
      }),
    },
    responses: {
      200: json('A page of postings', z.object({ items: z.array(StatementItem), nextCursor: z.string().nullable() })),
    },
  }),
  topUp: secured(access.user, {
    method: 'post',
    path: '/me/top-ups',
    tags: ['money'],
    summary: 'Add money by card or PayPal (send an Idempotency-Key header to retry safely)',
    request: {
      headers: z.object({ 'idempotency-key': idempotencyKeyHeader.optional() }),
      ...jsonBody(
        z.discriminatedUnion('method', [
          z.strictObject({ amountCents: TopUpAmount, method: z.literal('card'), cardNumber: z.string().refine(isValidCardNumber, 'not a valid card number') }),
          z.strictObject({ amountCents: TopUpAmount, method: z.literal('paypal'), paypalAccount: z.email().max(254) }),
        ]),
      ),
    },
    responses: {
      201: json('Approved and credited', TopUp),
      202: json('Pending at the gateway: read it again later', TopUp),
      ...errorResponses(422),
    },
  }),
  listTopUps: secured(access.user, {
    method: 'get',
    path: '/me/top-ups',
    tags: ['money'],
    summary: 'The caller’s latest 100 top-ups',
    responses: { 200: json('Top-ups, newest first', z.object({ items: z.array(TopUp) })) },
  }),
  getTopUp: secured(access.owner, {
    method: 'get',
    path: '/me/top-ups/{id}',
    tags: ['money'],
    summary: 'One top-up (a pending one is asked about again at the gateway)',
    request: { params: IdParam },
    responses: { 200: json('The top-up', TopUp), ...errorResponses(404) },
  }),
  redeemPromo: secured(access.user, {
    method: 'post',
    path: '/me/promo-redemptions',
    tags: ['money'],
    summary: 'Redeem a promo code onto the bonus balance (once per code)',
    request: jsonBody(z.strictObject({ code: z.string().normalize().trim().min(1).max(32) })),
    responses: {
      201: json('Redeemed', z.object({ promoCode: z.string(), amountCents: Cents, bonusCents: Cents })),
      ...errorResponses(404, 409, 422),
    },
  }),
};

export function moneyRoutes({ wallet }: { wallet: Wallet }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.balance, async (c) => c.json(await wallet.balance(callerOf(c).id), 200))
    .openapi(routes.statement, async (c) => {
      const { cursor, limit } = c.req.valid('query');
      const page = await wallet.statement(callerOf(c).id, { cursor, limit });
      return c.json({ items: page.items, nextCursor: page.nextCursor ?? null }, 200);
    })
    .openapi(routes.topUp, async (c) => {
      const topUp = await wallet.topUp(callerOf(c).id, c.req.valid('json'), c.req.valid('header')['idempotency-key']);
      return topUp.status === 'approved' ? c.json(topUp, 201) : c.json(topUp, 202);
    })
    .openapi(routes.listTopUps, async (c) => c.json({ items: await wallet.listTopUps(callerOf(c).id) }, 200))
    .openapi(routes.getTopUp, async (c) => c.json(await wallet.getTopUp(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.redeemPromo, async (c) => c.json(await wallet.redeemPromo(callerOf(c).id, c.req.valid('json').code), 201));
}
