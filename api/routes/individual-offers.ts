/**
 * Individual offers (K-33, K-46): an Advanced or Professional seller offers a buyer a price of
 * $10 to $1000 and a lead time in their direct conversation; the buyer accepts (an order through
 * the normal placement, paid from the balance) or declines; the seller withdraws it while open;
 * it expires 7 days after it was made. Answering an answered or expired offer is 409.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { IndividualOffers } from '../../services/individual-offers.js';
import type { Orders } from '../../services/orders.js';
import { individualOfferRules } from '../../services/policy.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Cents, errorResponses, Id, idempotencyKeyHeader, IdParam, json, jsonBody, wholeNumberParam } from '../schemas.js';
import { OrderViewSchema } from './orders.js';

const r = individualOfferRules;
const Party = z.object({ id: z.number().int(), login: z.string() });

const IndividualOffer = z
  .object({
    id: z.number().int(),
    seller: Party,
    buyer: Party,
    basedOnOffer: z.object({ id: z.number().int(), title: z.string() }).openapi({ description: 'the seller’s offer the order is placed on' }),
    description: z.string(),
    priceCents: Cents,
    leadTimeDays: z.number().int(),
    status: z.enum(['open', 'accepted', 'declined', 'withdrawn', 'expired']).openapi({ description: '`expired`: open, but past `expiresAt`' }),
    conversationId: z.number().int().nullable(),
    requestId: z.number().int().nullable(),
    orderId: z.number().int().nullable().openapi({ description: 'the order its acceptance placed' }),
    createdAt: z.string(),
    expiresAt: z.string(),
    decidedAt: z.string().nullable(),
  })
  .openapi('IndividualOffer');

const NewOffer = z
  .strictObject({
    buyerId: Id,
    basedOnOfferId: Id.openapi({ description: 'one of your active offers' }),
    description: z.string().max(r.descriptionMaxLength).openapi({ description: `what you will do: ${r.descriptionMinLength} to ${r.descriptionMaxLength} characters` }),
    priceCents: z.number().int().openapi({ description: `K-46: ${r.minPriceCents} to ${r.maxPriceCents} cents ($10 to $1000); outside, 422` }),
    leadTimeDays: z.number().int().openapi({ description: `1 to ${r.maxLeadTimeDays} days; outside, 422` }),
  })
  .openapi('NewIndividualOffer');

const Accepted = z.object({ offer: IndividualOffer, order: OrderViewSchema });

const routes = {
  create: secured(access.user, {
    method: 'post',
    path: '/individual-offers',
    tags: ['individual offers'],
    summary: 'Offer a buyer a price and lead time in your direct conversation (Advanced and Professional sellers, K-33, K-46)',
    request: jsonBody(NewOffer),
    responses: { 201: json('The offer, announced in the conversation', IndividualOffer), ...errorResponses(403, 404, 422) },
  }),
  get: secured(access.party(), {
    method: 'get',
    path: '/individual-offers/{id}',
    tags: ['individual offers'],
    summary: 'An individual offer, to its seller or buyer',
    request: { params: IdParam },
    responses: { 200: json('The offer', IndividualOffer), ...errorResponses(404) },
  }),
  accept: secured(access.party(), {
    method: 'post',
    path: '/individual-offers/{id}/accept',
    tags: ['individual offers'],
    summary: 'Accept an individual offer as its buyer: an order at its price, held in escrow from your balance (Idempotency-Key required)',
    request: { params: IdParam, headers: z.object({ 'idempotency-key': idempotencyKeyHeader }) },
    responses: {
      201: json('The order, placed', Accepted),
      200: json('The order an earlier acceptance placed', Accepted),
      ...errorResponses(403, 404, 409, 422),
    },
  }),
  decline: secured(access.party(), {
    method: 'post',
    path: '/individual-offers/{id}/decline',
    tags: ['individual offers'],
    summary: 'Decline an open individual offer as its buyer',
    request: { params: IdParam },
    responses: { 200: json('The offer, declined', IndividualOffer), ...errorResponses(403, 404, 409) },
  }),
  withdraw: secured(access.party(), {
    method: 'post',
    path: '/individual-offers/{id}/withdraw',
    tags: ['individual offers'],
    summary: 'Withdraw your open individual offer as its seller',
    request: { params: IdParam },
    responses: { 200: json('The offer, withdrawn', IndividualOffer), ...errorResponses(403, 404, 409) },
  }),
  mine: secured(access.user, {
    method: 'get',
    path: '/me/individual-offers',
    tags: ['individual offers'],
    summary: 'The individual offers you sent (as seller) or received (as buyer), newest first',
    request: { query: z.object({ role: z.enum(['sent', 'received']).default('received'), limit: wholeNumberParam(1, 100, { default: 50 }) }) },
    responses: { 200: json('Your offers', z.object({ items: z.array(IndividualOffer) })) },
  }),
};

export function individualOfferRoutes({ individualOffers, orders }: { individualOffers: IndividualOffers; orders: Pick<Orders, 'describe'> }): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.create, async (c) => c.json(await individualOffers.create({ sellerId: callerOf(c).id, ...c.req.valid('json') }), 201))
    .openapi(routes.get, async (c) => c.json(await individualOffers.view(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.accept, async (c) => {
      const { offer, order: placed, replayed } = await individualOffers.accept(callerOf(c), c.req.valid('param').id, c.req.valid('header')['idempotency-key']);
      const order = await orders.describe(placed);
      return replayed ? c.json({ offer, order }, 200) : c.json({ offer, order }, 201);
    })
    .openapi(routes.decline, async (c) => c.json(await individualOffers.decline(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.withdraw, async (c) => c.json(await individualOffers.withdraw(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.mine, async (c) => {
      const { role, limit } = c.req.valid('query');
      return c.json({ items: await individualOffers.mine(callerOf(c).id, role, limit) }, 200);
    });
}
