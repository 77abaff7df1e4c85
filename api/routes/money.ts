/**
 * The caller's money: balance and what of it is withdrawable, statement, top-ups through a
 * payment provider's hosted page (K-47: our API never sees a card number), promo codes.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Wallet } from '../../services/wallet.js';
import type { Withdrawals } from '../../services/withdrawals.js';
import { walletRules } from '../../services/policy.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Cents, errorResponses, idempotencyKeyHeader, IdParam, json, jsonBody, Text, wholeNumberParam } from '../schemas.js';

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
    status: z.enum(['pending', 'approved', 'declined', 'cancelled']).openapi({
      description:
        '`pending` until the provider’s verified webhook says the money arrived (`approved`) or not (`declined`); `cancelled`: ended unpaid, `declineReason` `cancelled_by_payer` (Cancel on the provider’s page), `cancelled_by_user` or `expired` (PayPal after 3 h, card after 24 h), each checked with the provider first',
    }),
    source: z.string().openapi({ description: '`card •••• 4242`, `PayPal payer@example.com`, or the method before payment' }),
    declineReason: z.string().nullable(),
    checkoutUrl: z.string().nullable().openapi({ description: 'the provider’s hosted page where the payer pays (K-47); null once approved' }),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    withdrawableAt: z.string().nullable().openapi({ description: 'card money: withdrawable from this time (K-48, D-09)' }),
    refundedAt: z.string().nullable().openapi({ description: 'refunded to its card by staff (K-48)' }),
  })
  .openapi('TopUp');

const NotWithdrawable = z
  .object({
    amountCents: Cents,
    reason: z.enum(['bonus', 'card_top_up', 'withdrawals_paused', 'pending_withdrawal']),
    releasesAt: z.string().nullable().openapi({ description: 'when this part becomes withdrawable; null: never (bonus) or leaving (a pending withdrawal)' }),
    detail: z.string().openapi({ example: 'card top-up #12 of 2026-11-12' }),
    topUpId: z.number().int().nullable(),
    withdrawalId: z.number().int().nullable(),
    cause: z.string().nullable().openapi({ description: 'a pause’s cause: `payout_details_change` or `email_change`' }),
  })
  .openapi('NotWithdrawable');

const Withdrawable = z
  .object({
    withdrawableCents: Cents,
    mainCents: Cents,
    bonusCents: Cents,
    notWithdrawable: z.array(NotWithdrawable),
    nextBatchAt: z.string().openapi({ description: 'the next payout batch (K-50: Monday, Wednesday, Friday; holidays skipped)' }),
    terms: z.object({
      card: z.object({ feeBps: z.number().int(), minFeeCents: Cents, minAmountCents: Cents }),
      paypal: z.object({ feeBps: z.number().int(), minFeeCents: Cents, minAmountCents: Cents }),
    }).openapi({ description: 'D-04: each method’s fee (basis points, at least the minimum fee) and minimum withdrawal' }),
  })
  .openapi('Withdrawable');

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
        limit: wholeNumberParam(1, 100, { default: 20 }),
      }),
    },
    responses: {
      200: json('A page of postings', z.object({ items: z.array(StatementItem), nextCursor: z.string().nullable() })),
    },
  }),
  withdrawable: secured(access.user, {
    method: 'get',
    path: '/balance/withdrawable',
    tags: ['money'],
    summary: 'Why can’t I withdraw? What is withdrawable now, and every part that is not, with its reason and when it is released',
    responses: { 200: json('The withdrawable amount and the rest, part by part', Withdrawable) },
  }),
  topUp: secured(access.user, {
    method: 'post',
    path: '/top-ups',
    tags: ['money'],
    summary: 'Start a top-up by card or PayPal: answers the provider’s hosted page to send the payer to (K-47); the balance changes when the provider’s webhook confirms the payment',
    request: {
      headers: z.object({ 'idempotency-key': idempotencyKeyHeader }),
      ...jsonBody(z.strictObject({ amountCents: TopUpAmount, method: z.enum(['card', 'paypal']) })),
    },
    responses: {
      201: json('Started: send the payer to `checkoutUrl`', TopUp),
      200: json('A retry with the same Idempotency-Key: the same top-up', TopUp),
      ...errorResponses(422, 503),
    },
  }),
  listTopUps: secured(access.user, {
    method: 'get',
    path: '/top-ups',
    tags: ['money'],
    summary: 'The caller’s latest 100 top-ups',
    responses: { 200: json('Top-ups, newest first', z.object({ items: z.array(TopUp) })) },
  }),
  getTopUp: secured(access.owner, {
    method: 'get',
    path: '/top-ups/{id}',
    tags: ['money'],
    summary: 'One top-up, as the provider’s webhooks left it',
    request: { params: IdParam },
    responses: { 200: json('The top-up', TopUp), ...errorResponses(404) },
  }),
  returnTopUp: secured(access.owner, {
    method: 'post',
    path: '/top-ups/{id}/capture',
    tags: ['money'],
    summary: 'After the payer approved a PayPal payment: capture it (Orders v2). The webhook then credits the balance; a card top-up is answered as it stands',
    request: { params: IdParam },
    responses: { 200: json('The top-up', TopUp), ...errorResponses(404) },
  }),
  cancelTopUp: secured(access.owner, {
    method: 'post',
    path: '/top-ups/{id}/cancel',
    tags: ['money'],
    summary: 'Cancel a pending top-up the payer has not paid (checked with the provider first): it ends `cancelled` and no longer blocks closing the account',
    request: { params: IdParam },
    responses: {
      200: json('The top-up, cancelled (a second cancel answers it again)', TopUp),
      ...errorResponses(404, 409, 503),
    },
  }),
  redeemPromo: secured(access.user, {
    method: 'post',
    path: '/me/promo-redemptions',
    tags: ['money'],
    summary: 'Redeem a promo code onto the bonus balance (once per code)',
    request: jsonBody(z.strictObject({ code: Text(1, 32) })),
    responses: {
      201: json('Redeemed', z.object({ promoCode: z.string(), amountCents: Cents, bonusCents: Cents })),
      ...errorResponses(404, 409, 422),
    },
  }),
};

export function moneyRoutes({ wallet, withdrawals }: { wallet: Wallet; withdrawals: Withdrawals }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.balance, async (c) => c.json(await wallet.balance(callerOf(c).id), 200))
    .openapi(routes.withdrawable, async (c) => {
      const [w, t] = await Promise.all([wallet.withdrawable(callerOf(c).id), withdrawals.terms()]);
      const terms = (m: 'card' | 'paypal') => ({ feeBps: t.policy.fees[m].bps, minFeeCents: t.policy.fees[m].minFeeCents, minAmountCents: t.policy.fees[m].minAmountCents });
      return c.json({ ...w, nextBatchAt: t.nextBatchAt, terms: { card: terms('card'), paypal: terms('paypal') } }, 200);
    })
    .openapi(routes.statement, async (c) => {
      const { cursor, limit } = c.req.valid('query');
      const page = await wallet.statement(callerOf(c).id, { cursor, limit });
      return c.json({ items: page.items, nextCursor: page.nextCursor ?? null }, 200);
    })
    .openapi(routes.topUp, async (c) => {
      const { topUp, created } = await wallet.startTopUp(callerOf(c).id, c.req.valid('json'), c.req.valid('header')['idempotency-key']);
      return created ? c.json(topUp, 201) : c.json(topUp, 200);
    })
    .openapi(routes.listTopUps, async (c) => c.json({ items: await wallet.listTopUps(callerOf(c).id) }, 200))
    .openapi(routes.getTopUp, async (c) => c.json(await wallet.getTopUp(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.returnTopUp, async (c) => c.json(await wallet.returnFromProvider(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.cancelTopUp, async (c) => c.json(await wallet.cancelTopUp(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.redeemPromo, async (c) => c.json(await wallet.redeemPromo(callerOf(c).id, c.req.valid('json').code), 201));
}
