/**
 * Withdrawals (K-49…K-52, D-04, D-09, D-10): the owner requests and cancels one; staff hold,
 * release and reject them, refund a card top-up early to its card (K-48), and read the
 * payout batches and the providers' events. Each withdrawal is the workflow `withdrawal-<id>`.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ProviderWebhooks } from '../../services/provider-webhooks.js';
import type { Withdrawals } from '../../services/withdrawals.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Cents, errorResponses, IdParam, idempotencyKeyHeader, json, jsonBody, Text } from '../schemas.js';

const Status = z.enum(['requested', 'held', 'in_batch', 'paid', 'failed', 'cancelled', 'rejected']);

const summaryShape = {
  id: z.number().int(),
  userId: z.number().int(),
  status: Status,
  statusReason: z.string().nullable().openapi({ description: 'why it failed, is held, was rejected or cancelled' }),
  method: z.enum(['card', 'paypal']),
  destinationLabel: z.string().openapi({ example: 'Visa •••• 4242' }),
  amountCents: Cents.openapi({ description: 'taken from the balance' }),
  feeCents: Cents.openapi({ description: 'D-04' }),
  netCents: Cents.openapi({ description: 'what the user receives: amount − fee' }),
  requestedAt: z.string(),
  expectedBatchAt: z.string().openapi({ description: 'the batch it is expected in (K-50), as of the request' }),
  batchId: z.string().nullable(),
  providerRef: z.string().nullable(),
  closedAt: z.string().nullable(),
};

const WithdrawalSummary = z.object(summaryShape).openapi('WithdrawalSummary');

/** One object (not `extend`, which the document would write as allOf): the contract is exact. */
const Withdrawal = z
  .object({
    ...summaryShape,
    history: z.array(z.object({ at: z.string(), status: z.string(), note: z.string().nullable() })),
    allowedActions: z.object({ owner: z.array(z.string()), staff: z.array(z.string()) }),
  })
  .openapi('Withdrawal');

const Batch = z
  .object({
    id: z.string(),
    scheduledAt: z.string(),
    status: z.enum(['running', 'skipped_holiday', 'reconciled']),
    holiday: z.string().nullable(),
    taken: z.number().int(),
    paidCount: z.number().int(),
    failedCount: z.number().int(),
    grossCents: Cents,
    feesCents: Cents,
    netCents: Cents,
    reconciledAt: z.string().nullable(),
  })
  .openapi('PayoutBatch');

const ProviderEvent = z
  .object({
    id: z.number().int(),
    provider: z.enum(['card', 'paypal']),
    eventId: z.string(),
    type: z.string(),
    subjectKind: z.string().nullable(),
    subjectRef: z.string().nullable(),
    status: z.enum(['received', 'processed', 'unmatched', 'ignored']),
    note: z.string().nullable(),
    deliveries: z.number().int(),
    receivedAt: z.string(),
  })
  .openapi('ProviderEvent');

const Reason = z.strictObject({ reason: Text(1, 500) });
const support = access.staff('support', 'admin');

const routes = {
  request: secured(access.user, {
    method: 'post',
    path: '/withdrawals',
    tags: ['withdrawals'],
    summary: 'Withdraw from the main balance to the payout details, in the next batch (K-50); the fee is taken from the amount (D-04)',
    description:
      'A 503 can come after the withdrawal is requested (its amount held) when Temporal could not take its workflow: retry with the same Idempotency-Key, which answers the withdrawal (200) and starts its workflow. Otherwise a worker starts it within a minute.',
    request: {
      headers: z.object({ 'idempotency-key': idempotencyKeyHeader }),
      ...jsonBody(z.strictObject({ amountCents: z.number().int().min(1).max(1_000_000).openapi({ description: 'integer cents taken from the balance, fee included' }) })),
    },
    responses: {
      201: json('Requested: the amount is held out of the balance', WithdrawalSummary),
      200: json('A retry with the same Idempotency-Key: the same withdrawal', WithdrawalSummary),
      ...errorResponses(422),
    },
  }),
  list: secured(access.user, {
    method: 'get',
    path: '/withdrawals',
    tags: ['withdrawals'],
    summary: 'The caller’s latest 100 withdrawals',
    responses: { 200: json('Withdrawals, newest first', z.object({ items: z.array(WithdrawalSummary) })) },
  }),
  get: secured(access.owner, {
    method: 'get',
    path: '/withdrawals/{id}',
    tags: ['withdrawals'],
    summary: 'One withdrawal, its history and what may be done now',
    request: { params: IdParam },
    responses: { 200: json('The withdrawal', Withdrawal), ...errorResponses(404) },
  }),
  cancel: secured(access.owner, {
    method: 'post',
    path: '/withdrawals/{id}/cancel',
    tags: ['withdrawals'],
    summary: 'Cancel until the batch takes it: the amount returns to the balance',
    request: { params: IdParam },
    responses: { 200: json('Cancelled', Withdrawal), ...errorResponses(404, 409) },
  }),
  staffList: secured(support, {
    method: 'get',
    path: '/staff/withdrawals',
    tags: ['staff'],
    summary: 'Every withdrawal, newest first, or those of one status',
    request: { query: z.strictObject({ status: Status.optional() }) },
    responses: { 200: json('Withdrawals', z.object({ items: z.array(WithdrawalSummary) })), ...errorResponses(401, 403) },
  }),
  staffGet: secured(support, {
    method: 'get',
    path: '/staff/withdrawals/{id}',
    tags: ['staff'],
    summary: 'One withdrawal, as staff see it',
    request: { params: IdParam },
    responses: { 200: json('The withdrawal', Withdrawal), ...errorResponses(401, 403, 404) },
  }),
  hold: secured(support, {
    method: 'post',
    path: '/staff/withdrawals/{id}/hold',
    tags: ['staff'],
    summary: 'Hold a withdrawal out of the batches, with a reason the user reads',
    description: 'Not the caller’s own withdrawal (403): another staff member acts on it.',
    request: { params: IdParam, ...jsonBody(Reason) },
    responses: { 200: json('Held', Withdrawal), ...errorResponses(401, 403, 404, 409) },
  }),
  release: secured(support, {
    method: 'post',
    path: '/staff/withdrawals/{id}/release',
    tags: ['staff'],
    summary: 'Release a held withdrawal: the next batch takes it',
    description: 'Not the caller’s own withdrawal (403): another staff member acts on it.',
    request: { params: IdParam },
    responses: { 200: json('Released', Withdrawal), ...errorResponses(401, 403, 404, 409) },
  }),
  reject: secured(support, {
    method: 'post',
    path: '/staff/withdrawals/{id}/reject',
    tags: ['staff'],
    summary: 'Reject a withdrawal with a reason: the amount returns to the balance',
    description: 'Not the caller’s own withdrawal (403): another staff member acts on it.',
    request: { params: IdParam, ...jsonBody(Reason) },
    responses: { 200: json('Rejected', Withdrawal), ...errorResponses(401, 403, 404, 409) },
  }),
  refundTopUp: secured(support, {
    method: 'post',
    path: '/staff/top-ups/{id}/refund',
    tags: ['staff'],
    summary: 'K-48: withdraw a card top-up early, only back to the same card: refund it through the provider',
    description: 'Not the caller’s own top-up (403): another staff member refunds it.',
    request: { params: IdParam },
    responses: {
      200: json('Refunded', z.object({ topUpId: z.number().int(), amountCents: Cents, refundRef: z.string() })),
      ...errorResponses(401, 403, 404, 409, 422, 503),
    },
  }),
  batches: secured(support, {
    method: 'get',
    path: '/staff/payout-batches',
    tags: ['staff'],
    summary: 'Payout batches (K-50), newest first, with their reconciliation: count, gross, fees, net of the withdrawals paid',
    responses: { 200: json('Batches', z.object({ items: z.array(Batch) })), ...errorResponses(401, 403) },
  }),
  events: secured(support, {
    method: 'get',
    path: '/staff/provider-events',
    tags: ['staff'],
    summary: 'Webhook events from the payment providers, newest first; `unmatched` ones name a payment or payout we do not know',
    request: { query: z.strictObject({ status: z.enum(['received', 'processed', 'unmatched', 'ignored']).optional() }) },
    responses: { 200: json('Events', z.object({ items: z.array(ProviderEvent) })), ...errorResponses(401, 403) },
  }),
};

/** Typed as a plain router, like accountRoutes: nothing reads the chain's inferred route types. */
export function withdrawalRoutes({ withdrawals, webhooks }: { withdrawals: Withdrawals; webhooks: ProviderWebhooks }): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.request, async (c) => {
      const { withdrawal, created } = await withdrawals.request(callerOf(c).id, c.req.valid('json'), c.req.valid('header')['idempotency-key']);
      return created ? c.json(withdrawal, 201) : c.json(withdrawal, 200);
    })
    .openapi(routes.list, async (c) => c.json({ items: await withdrawals.list(callerOf(c).id) }, 200))
    .openapi(routes.get, async (c) => c.json(await withdrawals.get(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.cancel, async (c) => c.json(await withdrawals.cancel(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.staffList, async (c) => c.json({ items: await withdrawals.listAll(c.req.valid('query').status) }, 200))
    .openapi(routes.staffGet, async (c) => c.json(await withdrawals.get(null, c.req.valid('param').id), 200))
    .openapi(routes.hold, async (c) => c.json(await withdrawals.hold(callerOf(c).id, c.req.valid('param').id, c.req.valid('json').reason), 200))
    .openapi(routes.release, async (c) => c.json(await withdrawals.release(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.reject, async (c) => c.json(await withdrawals.reject(callerOf(c).id, c.req.valid('param').id, c.req.valid('json').reason), 200))
    .openapi(routes.refundTopUp, async (c) => c.json(await withdrawals.refundTopUp(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.batches, async (c) => c.json({ items: await withdrawals.batches() }, 200))
    .openapi(routes.events, async (c) => c.json({ items: await webhooks.list(c.req.valid('query').status) }, 200));
}
