/** Kwork offers: the seller's side (create, edit, submit, pause, resume, delete), the offer page, and the cart. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Cart } from '../../services/cart.js';
import type { Offers } from '../../services/offers.js';
import { catalogRules } from '../../services/policy.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { Cents, errorResponses, httpUrl, IdParam, Int4Id, json, jsonBody, Text } from '../schemas.js';
import { AttachmentInfo, PortfolioItem } from './attachments.js';
import { Badge, FeedbackItem, PublicSeller } from './feedback.js';

const Tier = z.enum(['economy', 'standard', 'business']);
const PackageTier = z.strictObject({
  priceCents: z.number().int().min(catalogRules.kworkBasePriceCents).max(catalogRules.freePriceMaxCents),
  leadTimeDays: z.number().int().min(1).max(catalogRules.maxLeadTimeDays),
  includes: z.array(Text(1, 100)).min(1).max(10),
});
const LeadTime = z.number().int().min(1).max(catalogRules.maxLeadTimeDays);

const OfferInput = z
  .strictObject({
    categoryId: Int4Id.openapi({ description: 'a subcategory (a top category: 422; no such category: 400)' }),
    title: Text(catalogRules.titleMinLength, catalogRules.titleMaxLength).openapi({ description: 'the key phrase buyers search for' }),
    description: Text(catalogRules.descriptionMinLength, catalogRules.descriptionMaxLength),
    priceCents: z.number().int().positive().openapi({ description: `K-01: the basic kwork, ${catalogRules.kworkBasePriceCents} cents unless the category allows a free price of ${catalogRules.freePriceMinCents} to ${catalogRules.freePriceMaxCents} cents (422 otherwise)` }),
    leadTimeDays: LeadTime,
    instructions: z.string().normalize().max(2_000).default('').openapi({ description: 'what the seller needs from the buyer to start' }),
    unitVolume: z.string().normalize().max(200).default('').openapi({ description: 'how much work one unit is' }),
    media: z.array(z.strictObject({ kind: z.enum(['image', 'video']), url: httpUrl(500) })).max(10).default([]),
    attributes: z.record(z.string().max(40), z.union([z.string().max(60), z.array(z.string().max(60)).max(10)])).default({}),
    options: z
      .array(
        z.strictObject({
          title: Text(3, 80),
          priceCents: z.number().int().min(catalogRules.optionMinCents).max(catalogRules.optionMaxCents),
          extraDays: z.number().int().min(0).max(catalogRules.maxLeadTimeDays).default(0),
        }),
      )
      .max(catalogRules.maxOptions)
      .default([]),
    packages: z.strictObject({ economy: PackageTier.optional(), standard: PackageTier.optional(), business: PackageTier.optional() }).nullable().default(null).openapi({ description: 'K-03: up to three packages; where the category fixes a package’s price, that price (422 otherwise)' }),
  })
  .openapi('OfferInput');

const Option = z.object({ id: z.number().int(), title: z.string(), priceCents: Cents, extraDays: z.number().int() });
const Content = {
  categoryId: z.number().int(),
  title: z.string(),
  description: z.string(),
  priceCents: Cents,
  leadTimeDays: z.number().int(),
  instructions: z.string(),
  unitVolume: z.string(),
  media: z.array(z.object({ kind: z.enum(['image', 'video']), url: z.string() })),
  attributes: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  options: z.array(Option),
  packages: z.record(z.string(), z.object({ priceCents: Cents, leadTimeDays: z.number().int(), includes: z.array(z.string()) })).nullable(),
};
const Offer = z
  .object({
    ...Content,
    id: z.number().int(),
    sellerId: z.number().int(),
    status: z.enum(['draft', 'in_moderation', 'active', 'rejected', 'paused', 'blocked', 'archived', 'suspended']),
    statusReason: z.string().nullable(),
    pendingContent: z.object(Content).nullable(),
    revision: z.number().int(),
    topRated: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    publishedAt: z.string().nullable(),
  })
  .openapi('Offer');
// One object, not `Offer.extend` (an allOf in the document, which cannot be exact).
const OfferPage = z.object({
  ...Offer.shape,
  category: z.object({ id: z.number().int(), name: z.string(), parent: z.object({ id: z.number().int(), name: z.string() }).nullable() }),
  seller: z.object({
    ...PublicSeller.shape,
    badges: z.array(Badge).openapi({ description: 'K-36: the seller’s badges as their profile shows them (`GET /users/{login}`), without `purchases`' }),
  }),
  sellerEarningsCents: Cents,
  feedback: z.object({ likes: z.number().int(), dislikes: z.number().int(), recent: z.array(FeedbackItem).openapi({ description: 'the newest, with published answers only' }) }),
  images: z.array(AttachmentInfo).openapi({ description: 'K-41: the offer’s images (JPEG, PNG, GIF), in order; download each at `GET /attachments/{id}`' }),
  portfolio: z.array(PortfolioItem).openapi({ description: 'K-37: results of this offer’s finished orders that its seller shows, newest first' }),
}).openapi('OfferPage');

const CartLine = z.union([
  z.strictObject({
    offerId: z.number().int().positive(),
    units: z.number().int().min(1).max(100).default(1),
    optionIds: z.array(z.number().int().positive()).max(catalogRules.maxOptions).default([]),
  }),
  z.strictObject({ offerId: z.number().int().positive(), packageTier: Tier }),
]);
const Cart = z
  .object({
    items: z.array(
      z.object({
        id: z.number().int(),
        offerId: z.number().int(),
        title: z.string(),
        units: z.number().int(),
        optionIds: z.array(z.number().int()),
        packageTier: Tier.nullable(),
        totalCents: Cents,
        available: z.boolean(),
        expiresAt: z.string(),
      }),
    ),
    totalCents: Cents,
  })
  .openapi('Cart');

const seller = (path: string, summary: string, extra: object = {}) => ({ path, tags: ['offers'], summary, ...extra });
const routes = {
  create: secured(access.user, {
    method: 'post',
    ...seller('/offers', 'Create a draft offer (needs a confirmed email; Newbie sellers: at most 20 offers)'),
    request: jsonBody(OfferInput),
    responses: { 201: json('The draft', Offer), ...errorResponses(422) },
  }),
  mine: secured(access.user, {
    method: 'get',
    ...seller('/me/offers', 'The caller’s offers, in every status but deleted'),
    responses: { 200: json('Offers, newest first', z.object({ items: z.array(Offer) })) },
  }),
  page: secured(access.public, {
    method: 'get',
    ...seller('/offers/{id}', 'The offer page: everything a buyer needs to order (its seller and moderators see it in any status)'),
    request: { params: IdParam },
    responses: { 200: json('The offer', OfferPage), ...errorResponses(404) },
  }),
  edit: secured(access.owner, {
    method: 'put',
    ...seller('/offers/{id}', 'Edit an offer: a published one keeps showing while the edit is in moderation'),
    request: { params: IdParam, ...jsonBody(OfferInput) },
    responses: { 200: json('The offer', Offer), ...errorResponses(404, 409, 422) },
  }),
  submit: secured(access.owner, {
    method: 'post',
    ...seller('/offers/{id}/submit', 'Send a draft or rejected offer to moderation (at most 3 at once without an active offer, 7 without orders)'),
    request: { params: IdParam },
    responses: { 200: json('The offer, in moderation', Offer), ...errorResponses(404, 409, 422) },
  }),
  pause: secured(access.owner, {
    method: 'post',
    ...seller('/offers/{id}/pause', 'Stop an active offer: hidden and not orderable, rating and position kept'),
    request: { params: IdParam },
    responses: { 200: json('The offer', Offer), ...errorResponses(404, 409) },
  }),
  resume: secured(access.owner, {
    method: 'post',
    ...seller('/offers/{id}/resume', 'Show a paused offer again'),
    request: { params: IdParam },
    responses: { 200: json('The offer', Offer), ...errorResponses(404, 409) },
  }),
  archive: secured(access.owner, {
    method: 'delete',
    ...seller('/offers/{id}', 'Delete an offer (not while in moderation or blocked)'),
    request: { params: IdParam },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(404, 409) },
  }),
  cart: secured(access.user, {
    method: 'get',
    path: '/me/cart',
    tags: ['cart'],
    summary: 'The caller’s cart: lines of the last 14 days, priced from the offers as they are now',
    responses: { 200: json('The cart', Cart) },
  }),
  addToCart: secured(access.user, {
    method: 'post',
    path: '/me/cart',
    tags: ['cart'],
    summary: 'Put an offer in the cart: the basic kwork (units, options) or one package; it stays 14 days',
    request: jsonBody(CartLine),
    responses: { 200: json('The cart', Cart), ...errorResponses(404, 409) },
  }),
  removeFromCart: secured(access.owner, {
    method: 'delete',
    path: '/me/cart/{id}',
    tags: ['cart'],
    summary: 'Take a line out of the cart',
    request: { params: IdParam },
    responses: { 204: { description: 'Removed' }, ...errorResponses(404) },
  }),
};

export function offerRoutes({ offers, cart }: { offers: Offers; cart: Cart }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.create, async (c) => c.json(await offers.create(callerOf(c).id, c.req.valid('json')), 201))
    .openapi(routes.mine, async (c) => c.json({ items: await offers.mine(callerOf(c).id) }, 200))
    .openapi(routes.page, async (c) => c.json(await offers.page(c.req.valid('param').id, c.var.user), 200))
    .openapi(routes.edit, async (c) => c.json(await offers.edit(callerOf(c).id, c.req.valid('param').id, c.req.valid('json')), 200))
    .openapi(routes.submit, async (c) => c.json(await offers.submit(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.pause, async (c) => c.json(await offers.pause(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.resume, async (c) => c.json(await offers.resume(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.archive, async (c) => {
      await offers.archive(callerOf(c).id, c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(routes.cart, async (c) => c.json(await cart.get(callerOf(c).id), 200))
    .openapi(routes.addToCart, async (c) => {
      const line = c.req.valid('json');
      return c.json(
        await cart.add(callerOf(c).id, {
          offerId: line.offerId,
          units: 'units' in line ? line.units : 1,
          optionIds: 'optionIds' in line ? line.optionIds : [],
          packageTier: 'packageTier' in line ? line.packageTier : null,
        }),
        200,
      );
    })
    .openapi(routes.removeFromCart, async (c) => {
      await cart.remove(callerOf(c).id, c.req.valid('param').id);
      return c.body(null, 204);
    });
}
