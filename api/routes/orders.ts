/**
 * Orders: placement (and cart checkout), the parties' actions (each the workflow's `act`
 * Update), the staff's (arbitration, admin cancel), lists from the read model, and
 * notifications. The API never decides an order's rules: the workflow's validator does.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Cart } from '../../services/cart.js';
import type { Notifications } from '../../services/notifications.js';
import { orderStaff, type Orders } from '../../services/orders.js';
import type { OrderRequest, Placement } from '../../services/placement.js';
import { catalogRules } from '../../services/policy.js';
import { orderRules } from '../../workflows/order/policy.js';
import { cancellationReasons, DELIVERY_MAX_FILES, type ActionType, type PendingDeadline } from '../../workflows/order/messages.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { AttachmentInfo } from './attachments.js';
import { attachmentIdList, Cents, errorResponses, httpUrl, Id, idempotencyKeyHeader, IdParam, json, jsonBody, Text, wholeNumberParam } from '../schemas.js';

const text = (max: number) => Text(1, max);
const IdempotencyKey = z.object({ 'idempotency-key': idempotencyKeyHeader });
/** An action's key is optional; it names the workflow Update, so a retry answers what the first did. */
const ActionKey = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({
      description:
        'Optional, a key of your choosing for this action: a retry with the same key answers what the first request did ' +
        '(also once that action has closed the order) instead of acting again. Keys are yours alone; send a new key for a new action.',
    }),
});

const PlaceOrder = z
  .strictObject({
    offerId: z.number().int().positive(),
    units: z.number().int().min(1).max(orderRules.maxUnits).default(1).openapi({ description: 'units of the basic kwork' }),
    optionIds: z.array(z.number().int().positive()).max(catalogRules.maxOptions).default([]),
    packageTier: z.enum(['economy', 'standard', 'business']).nullable().default(null).openapi({ description: 'order one package instead of the basic kwork' }),
    requirements: text(5_000).nullable().default(null).openapi({ description: 'what the offer’s instructions ask for: the work clock starts at once' }),
  })
  .openapi('PlaceOrder');

/** The actions of a party; `allowedActions` in the order view names those the caller may send now. */
const PartyAction = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('start_work') }),
    z.strictObject({ type: z.literal('submit_requirements'), text: text(5_000) }),
    z.strictObject({ type: z.literal('ask_buyer'), question: text(2_000) }),
    z.strictObject({ type: z.literal('report_progress'), percent: z.number().int().min(10).max(100).multipleOf(10).openapi({ multipleOf: 10 }), comment: text(2_000) }),
    z.strictObject({
      type: z.literal('deliver'),
      text: text(5_000),
      links: z.array(httpUrl(2_000)).max(10).default([]),
      attachmentIds: attachmentIdList(DELIVERY_MAX_FILES)
        .default([])
        .openapi({ description: 'K-69: files you uploaded (`POST /attachments`); another user’s or an unknown id is 404' }),
    }),
    z.strictObject({ type: z.literal('accept') }),
    z.strictObject({ type: z.literal('request_revision'), reason: text(2_000) }),
    z.strictObject({ type: z.literal('cancel') }),
    z.strictObject({
      type: z.literal('request_cancellation'),
      reason: z.enum([...cancellationReasons.buyer, ...cancellationReasons.seller]),
      comment: text(2_000).optional(),
    }),
    z.strictObject({ type: z.literal('accept_cancellation') }),
    z.strictObject({ type: z.literal('decline_cancellation') }),
    z.strictObject({ type: z.literal('withdraw_cancellation') }),
    z.strictObject({ type: z.literal('open_dispute'), statement: text(5_000) }),
    z.strictObject({ type: z.literal('answer_dispute'), statement: text(5_000) }),
  ])
  .openapi('OrderAction');

const Decision = z
  .strictObject({
    decision: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('refund_buyer') }),
      z.strictObject({ kind: z.literal('pay_seller') }),
      z.strictObject({ kind: z.literal('split'), sellerAmountCents: z.number().int().positive().openapi({ description: 'to the seller, before commission; the rest is refunded' }) }),
      z.strictObject({ kind: z.literal('return_to_work'), days: z.number().int().min(1).max(orderRules.maxReturnToWorkDays) }),
    ]),
    comment: text(2_000),
  })
  .openapi('ArbitrationDecision');

// Every action type and deadline kind, as records: a new one in messages.ts fails to compile here until it is documented.
const actionTypes: Record<ActionType, true> = {
  start_work: true, submit_requirements: true, ask_buyer: true, report_progress: true, deliver: true, accept: true, request_revision: true,
  cancel: true, request_cancellation: true, accept_cancellation: true, decline_cancellation: true, withdraw_cancellation: true,
  open_dispute: true, answer_dispute: true, take_case: true, decide_dispute: true, admin_cancel: true,
};
const deadlineKinds: Record<PendingDeadline['kind'], true> = {
  start: true, work_deadline: true, progress_reminder: true, review_reminder: true, review: true, inactivity: true,
  cancellation_answer: true, dispute_answer: true, arbitration_decision: true,
};
const keysOf = <K extends string>(record: Record<K, true>) => Object.keys(record) as [K, ...K[]];

const Party = z.object({ id: z.number().int(), login: z.string() });
const Side = z.enum(['buyer', 'seller']);
const OrderStatus = z.enum(['awaiting_start', 'in_progress', 'late', 'in_review', 'arbitration', 'completed', 'cancelled', 'split', 'void']);
const Deadline = z.object({
  kind: z.enum(keysOf(deadlineKinds)),
  at: z.string(),
  party: z.enum(['buyer', 'seller', 'arbiter']),
  outcome: z.string().openapi({ example: 'auto-accept at 2026-11-24T10:00:00.000Z' }),
});
const Cancellation = z.object({
  by: Side,
  reason: z.enum([...cancellationReasons.buyer, ...cancellationReasons.seller]),
  comment: z.string().nullable(),
  sufficient: z.boolean().openapi({ description: 'a sufficient reason does not count against the seller' }),
  at: z.string(),
});
const Dispute = z.object({
  openedBy: Side,
  statement: z.string(),
  openedAt: z.string(),
  answer: z.string().nullable(),
  answeredAt: z.string().nullable(),
  readyAt: z.string().nullable().openapi({ description: 'when the case became ready for an arbiter' }),
  arbiterId: z.number().int().nullable(),
  takenAt: z.string().nullable(),
  overdueAlertedAt: z.string().nullable(),
});
export const OrderViewSchema = z
  .object({
    orderId: z.number().int(),
    status: OrderStatus,
    buyer: Party,
    seller: Party,
    offer: z
      .object({
        offerId: z.number().int(),
        title: z.string(),
        categoryId: z.number().int(),
        basePriceCents: Cents,
        baseLeadTimeDays: z.number().int(),
        instructions: z.string(),
        unitVolume: z.string(),
      })
      .openapi({ description: 'the offer as it was ordered' }),
    line: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('basic'), units: z.number().int(), options: z.array(z.object({ id: z.number().int(), title: z.string(), priceCents: Cents, extraDays: z.number().int() })) }),
      z.object({ kind: z.literal('package'), tier: z.enum(['economy', 'standard', 'business']), includes: z.array(z.string()) }),
    ]),
    amounts: z.object({ totalCents: Cents, sellerEarningsCents: Cents, commissionCents: Cents }),
    leadTimeMs: z.number().int(),
    placedAt: z.string(),
    requirements: z.string().nullable(),
    workClockStartedAt: z.string().nullable(),
    workStartedAt: z.string().nullable(),
    deadline: z.string().nullable().openapi({ description: 'when the work is due (null until the clock starts)' }),
    progress: z.object({ percent: z.number().int(), comment: z.string(), at: z.string() }).nullable(),
    question: z.object({ text: z.string(), at: z.string(), answeredAt: z.string().nullable() }).nullable(),
    deliveries: z.array(
      z.object({
        at: z.string(),
        text: z.string(),
        links: z.array(z.string()),
        attachments: z.array(AttachmentInfo).openapi({ description: 'K-69: the delivered files; the buyer downloads each at `GET /attachments/{id}`' }),
      }),
    ),
    revisionCount: z.number().int(),
    cancellation: Cancellation.nullable(),
    declinedCancellation: Cancellation.nullable().openapi({ description: 'the last declined cancellation request: it opens the way to a dispute' }),
    dispute: Dispute.nullable(),
    closure: z
      .object({
        kind: z.enum(['completed', 'cancelled', 'split']),
        reason: z.string(),
        at: z.string(),
        feedbackAllowed: z.boolean(),
        toSellerCents: Cents,
        commissionCents: Cents,
        refundedCents: Cents,
      })
      .nullable(),
    deadlines: z.array(Deadline).openapi({ description: 'every pending deadline with an outcome, soonest first' }),
    nextDeadline: Deadline.nullable().openapi({ description: 'the first of `deadlines`: what happens next unless somebody acts' }),
    reminders: z.array(Deadline).openapi({ description: 'pending reminders (they change nothing but tell a party), soonest first' }),
    allowedActions: z.array(z.enum(keysOf(actionTypes))).openapi({ description: 'the action types you may send now' }),
    timeline: z.array(z.object({ at: z.string(), by: z.enum(['buyer', 'seller', 'staff', 'system']), event: z.string(), text: z.string() })),
    lastActivityAt: z.string(),
    policyVersion: z.number().int(),
  })
  .openapi('Order', { description: 'The order as its buyer, seller or staff see it' });

const RowDeadline = z.object({ at: z.string(), outcome: z.string(), waitingOn: z.string().nullable() });
const ListItem = z.object({
  id: z.number().int(),
  title: z.string(),
  status: OrderStatus,
  role: Side,
  counterpart: Party,
  totalCents: Cents,
  sellerEarningsCents: Cents,
  nextDeadline: RowDeadline.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const ArbitrationCase = z.object({
  id: z.number().int(),
  title: z.string(),
  status: OrderStatus,
  buyer: Party,
  seller: Party,
  totalCents: Cents,
  dispute: Dispute.nullable(),
  nextDeadline: RowDeadline.nullable(),
});
const Cursor = z.string().regex(/^\d{1,15}$/).optional();
const Limit = wholeNumberParam(1, 100, { default: 20 });

const routes = {
  place: secured(access.user, {
    method: 'post',
    path: '/orders',
    tags: ['orders'],
    summary: 'Order a kwork: its price is held in escrow (Idempotency-Key required)',
    description:
      'A 503 can come after the order is placed (its price held) when Temporal could not take its workflow: retry with the same Idempotency-Key, which answers the order (200) and starts its workflow. Otherwise a worker starts it within a minute.',
    request: { headers: IdempotencyKey, ...jsonBody(PlaceOrder) },
    responses: {
      201: json('The order, placed', OrderViewSchema),
      200: json('The order an earlier request with this key placed', OrderViewSchema),
      ...errorResponses(404, 409, 422),
    },
  }),
  checkout: secured(access.user, {
    method: 'post',
    path: '/me/cart/checkout',
    tags: ['orders'],
    summary: 'Order every cart line at once, all or nothing on funds (Idempotency-Key required)',
    description:
      'A 503 can come after the orders are placed (their prices held, the cart emptied) when Temporal could not take their workflows: retry with the same Idempotency-Key, which answers the orders (200) and starts their workflows. Otherwise a worker starts them within a minute.',
    request: { headers: IdempotencyKey },
    responses: {
      201: json('One order per cart line', z.object({ orders: z.array(OrderViewSchema), totalCents: Cents })),
      200: json('The orders an earlier request with this key placed', z.object({ orders: z.array(OrderViewSchema), totalCents: Cents })),
      ...errorResponses(404, 409, 422),
    },
  }),
  list: secured(access.user, {
    method: 'get',
    path: '/orders',
    tags: ['orders'],
    summary: 'Your orders as buyer or seller, newest first',
    request: {
      query: z.object({
        role: z.enum(['buyer', 'seller']).default('buyer'),
        status: z.enum(['awaiting_start', 'in_progress', 'late', 'in_review', 'arbitration', 'completed', 'cancelled', 'split']).optional(),
        cursor: Cursor,
        limit: Limit,
      }),
    },
    responses: { 200: json('A page of orders', z.object({ items: z.array(ListItem), nextCursor: z.string().nullable() })) },
  }),
  get: secured(access.party(...orderStaff), {
    method: 'get',
    path: '/orders/{id}',
    tags: ['orders'],
    summary: 'The order: status, amounts, timeline, pending deadlines and what you may do now',
    request: { params: IdParam },
    responses: { 200: json('The order as you see it', OrderViewSchema), ...errorResponses(404) },
  }),
  act: secured(access.party(), {
    method: 'post',
    path: '/orders/{id}/actions',
    tags: ['orders'],
    summary: 'Act on an order as its buyer or seller (start work, deliver, accept, cancel, dispute…)',
    request: { params: IdParam, headers: ActionKey, ...jsonBody(PartyAction) },
    // 422: a cancellation reason of the other party's (K-18), which the schema's one list takes.
    responses: { 200: json('The order after the action', OrderViewSchema), ...errorResponses(404, 409, 422) },
  }),
  cases: secured(access.staff('arbiter', 'admin'), {
    method: 'get',
    path: '/arbitration/cases',
    tags: ['arbitration'],
    summary: 'Orders in arbitration, the nearest deadline first',
    request: { query: z.object({ limit: Limit }) },
    responses: { 200: json('The cases', z.object({ items: z.array(ArbitrationCase) })) },
  }),
  take: secured(access.staff('arbiter', 'admin'), {
    method: 'post',
    path: '/arbitration/orders/{id}/take',
    tags: ['arbitration'],
    summary: 'Take an order’s dispute as its arbiter',
    request: { params: IdParam },
    responses: { 200: json('The order', OrderViewSchema), ...errorResponses(404, 409) },
  }),
  decide: secured(access.staff('arbiter', 'admin'), {
    method: 'post',
    path: '/arbitration/orders/{id}/decision',
    tags: ['arbitration'],
    summary: 'Decide a dispute: refund, pay the seller, split, or return to work (final)',
    request: { params: IdParam, ...jsonBody(Decision) },
    responses: { 200: json('The order', OrderViewSchema), ...errorResponses(404, 409) },
  }),
  adminCancel: secured(access.staff('admin', 'support'), {
    method: 'post',
    path: '/admin/orders/{id}/cancel',
    tags: ['admin'],
    summary: 'Cancel an open order for prohibited content: full refund',
    request: { params: IdParam, ...jsonBody(z.strictObject({ reason: text(1_000) })) },
    responses: { 200: json('The order', OrderViewSchema), ...errorResponses(404, 409) },
  }),
  notifications: secured(access.user, {
    method: 'get',
    path: '/notifications',
    tags: ['notifications'],
    summary: 'Your notifications, newest first, with the unread count',
    request: { query: z.object({ unread: z.enum(['true', 'false']).default('false'), cursor: Cursor, limit: Limit }) },
    responses: {
      200: json(
        'A page of notifications',
        z.object({
          items: z.array(
            z.object({
              id: z.number().int(),
              orderId: z.number().int().nullable(),
              page: z.string().openapi({ description: 'the web client’s page it is about, a path (`/orders/8`, `/jobs/3`, `/balance/withdrawals/5`, `/standing`; else `/notifications`), which its email links to too' }),
              kind: z.string(),
              text: z.string(),
              createdAt: z.string(),
              read: z.boolean(),
            }),
          ),
          unreadCount: z.number().int(),
          nextCursor: z.string().nullable(),
        }),
      ),
    },
  }),
  markRead: secured(access.user, {
    method: 'post',
    path: '/notifications/read',
    tags: ['notifications'],
    summary: 'Mark notifications read: the given ids (`{ "ids": [...] }`), or all of them (`{ "all": true }`)',
    // An explicit choice: no body, or an empty one, never means "all".
    request: jsonBody(
      z
        .union([z.strictObject({ ids: z.array(Id).min(1).max(100) }), z.strictObject({ all: z.literal(true) })])
        .openapi('MarkRead', { description: 'the notifications to mark read: these ids, or all' }),
    ),
    responses: { 200: json('The unread count left', z.object({ unreadCount: z.number().int() })) },
  }),
};

export function orderRoutes({ orders, placement, cart, notifications }: { orders: Orders; placement: Placement; cart: Cart; notifications: Notifications }) {
  const cursor = (value: string | undefined) => (value ? Number(value) : undefined);

  // Not chained: the routes' types, accumulated, are too complex for the compiler (TS2590).
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(routes.place, async (c) => {
    const user = callerOf(c);
    const { view, replayed } = await placement.place(user, c.req.valid('json') as OrderRequest, c.req.valid('header')['idempotency-key']);
    return c.json(await orders.describe(view), replayed ? 200 : 201);
  });
  app.openapi(routes.checkout, async (c) => {
    const user = callerOf(c);
    const { orders: placed, totalCents, replayed } = await cart.checkout(user, c.req.valid('header')['idempotency-key']);
    return c.json({ orders: await Promise.all(placed.map(orders.describe)), totalCents }, replayed ? 200 : 201);
  });
  app.openapi(routes.list, async (c) => {
    const q = c.req.valid('query');
    return c.json(await orders.list(callerOf(c).id, { role: q.role, status: q.status, cursor: cursor(q.cursor), limit: q.limit }), 200);
  });
  app.openapi(routes.get, async (c) => c.json(await orders.view(callerOf(c), c.req.valid('param').id), 200));
  app.openapi(routes.act, async (c) =>
    c.json(await orders.partyAct(callerOf(c), c.req.valid('param').id, c.req.valid('json'), c.req.valid('header')['idempotency-key']), 200),
  );
  app.openapi(routes.cases, async (c) => c.json({ items: await orders.byStatus('arbitration', c.req.valid('query').limit) }, 200));
  app.openapi(routes.take, async (c) => c.json(await orders.arbitrate(callerOf(c), c.req.valid('param').id, { type: 'take_case' }), 200));
  app.openapi(routes.decide, async (c) => {
    const { decision, comment } = c.req.valid('json');
    return c.json(await orders.arbitrate(callerOf(c), c.req.valid('param').id, { type: 'decide_dispute', decision, comment }), 200);
  });
  app.openapi(routes.adminCancel, async (c) => c.json(await orders.adminCancel(callerOf(c), c.req.valid('param').id, c.req.valid('json').reason), 200));
  app.openapi(routes.notifications, async (c) => {
    const q = c.req.valid('query');
    return c.json(await notifications.list(callerOf(c).id, { unreadOnly: q.unread === 'true', cursor: cursor(q.cursor), limit: q.limit }), 200);
  });
  app.openapi(routes.markRead, async (c) => {
    const choice = c.req.valid('json');
    return c.json(await notifications.markRead(callerOf(c).id, 'ids' in choice ? choice.ids : 'all'), 200);
  });
  return app;
}
