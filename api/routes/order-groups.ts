/**
 * Order groups (K-06, our addition): one brief to 2–5 sellers at once, each chosen offer an
 * ordinary order (its own escrow, rules and money) with the brief as its requirements; all or
 * nothing on funds. The group's page compares the orders' status, deadlines, progress and deliveries.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { OrderGroups } from '../../services/order-groups.js';
import { orderGroupRules } from '../../services/policy.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Cents, errorResponses, Id, idempotencyKeyHeader, IdParam, json, jsonBody, wholeNumberParam } from '../schemas.js';

const OrderStatus = z.enum(['awaiting_start', 'in_progress', 'late', 'in_review', 'arbitration', 'completed', 'cancelled', 'split', 'void']);

const Member = z.object({
  orderId: z.number().int(),
  offerId: z.number().int(),
  title: z.string(),
  seller: z.object({ id: z.number().int(), login: z.string() }),
  status: OrderStatus,
  totalCents: Cents,
  placedAt: z.string(),
  deadline: z.string().nullable().openapi({ description: 'when the work is due (null until the clock starts)' }),
  nextDeadline: z.object({ at: z.string(), outcome: z.string() }).nullable(),
  progress: z.object({ percent: z.number().int(), comment: z.string(), at: z.string() }).nullable(),
  deliveries: z.array(z.object({ at: z.string(), text: z.string(), links: z.array(z.string()) })),
});

const OrderGroup = z
  .object({ id: z.number().int(), brief: z.string(), createdAt: z.string(), totalCents: Cents, orders: z.array(Member) })
  .openapi('OrderGroup', { description: 'The group’s orders side by side, in the order the offers were chosen' });

const NewGroup = z
  .strictObject({
    offerIds: z
      .array(Id)
      .max(20)
      .openapi({ description: `K-06: ${orderGroupRules.minOrders} to ${orderGroupRules.maxOrders} offers of different sellers; otherwise 422` }),
    brief: z.string().max(orderGroupRules.briefMaxLength).openapi({ description: 'given to every order as its requirements: each work clock starts at once' }),
  })
  .openapi('NewOrderGroup');

const routes = {
  place: secured(access.user, {
    method: 'post',
    path: '/order-groups',
    tags: ['orders'],
    summary: 'Send one brief to 2–5 sellers: one order per offer, all or nothing on funds (Idempotency-Key required)',
    request: { headers: z.object({ 'idempotency-key': idempotencyKeyHeader }), ...jsonBody(NewGroup) },
    responses: {
      201: json('The group, placed', OrderGroup),
      200: json('The group an earlier request with this key placed', OrderGroup),
      ...errorResponses(404, 409, 422),
    },
  }),
  get: secured(access.owner, {
    method: 'get',
    path: '/order-groups/{id}',
    tags: ['orders'],
    summary: 'Your order group: its orders’ status, deadlines, progress and deliveries side by side',
    request: { params: IdParam },
    responses: { 200: json('The group', OrderGroup), ...errorResponses(404) },
  }),
  mine: secured(access.user, {
    method: 'get',
    path: '/me/order-groups',
    tags: ['orders'],
    summary: 'Your order groups, newest first',
    request: { query: z.object({ limit: wholeNumberParam(1, 100, { default: 50 }) }) },
    responses: {
      200: json(
        'Your groups',
        z.object({
          items: z.array(
            z.object({ id: z.number().int(), brief: z.string(), createdAt: z.string(), orderCount: z.number().int(), totalCents: Cents, statuses: z.array(OrderStatus) }),
          ),
        }),
      ),
    },
  }),
};

export function orderGroupRoutes({ orderGroups }: { orderGroups: OrderGroups }): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.place, async (c) => {
      const { group, replayed } = await orderGroups.place(callerOf(c), c.req.valid('json'), c.req.valid('header')['idempotency-key']);
      return replayed ? c.json(group, 200) : c.json(group, 201);
    })
    .openapi(routes.get, async (c) => c.json(await orderGroups.view(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.mine, async (c) => c.json({ items: await orderGroups.mine(callerOf(c).id, c.req.valid('query').limit) }, 200));
}
