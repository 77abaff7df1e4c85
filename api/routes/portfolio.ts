/**
 * The portfolio (K-37) on an order: its state for the parties, the buyer's refusal of consent,
 * the seller adding the result once the buyer has confirmed completion; and an offer's images
 * (K-41). Files are uploaded first (`POST /attachments`) and named here by id.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { attachmentRules } from '../../services/policy.js';
import type { Portfolio } from '../../services/portfolio.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { attachmentIdList, errorResponses, IdParam, json, jsonBody, orNull, Text } from '../schemas.js';
import { AttachmentInfo, PortfolioItem } from './attachments.js';

const OrderPortfolio = z
  .object({
    category: z.boolean().openapi({ description: 'the order’s category takes portfolios (K-37: Design, Audio and video)' }),
    refused: z.boolean().openapi({ description: 'the buyer refused consent: no upload, and an item added before is hidden' }),
    canAdd: z.boolean().openapi({ description: 'you are the seller and may add the result now (the order is completed, no refusal, no item yet)' }),
    canRefuse: z.boolean().openapi({ description: 'you are the buyer and may still refuse consent' }),
    item: orNull(PortfolioItem),
  })
  .openapi('OrderPortfolio');

const routes = {
  state: secured(access.party(), {
    method: 'get',
    path: '/orders/{id}/portfolio',
    tags: ['portfolio'],
    summary: 'The order’s portfolio item and consent (K-37), for its buyer and seller',
    request: { params: IdParam },
    responses: { 200: json('The portfolio state', OrderPortfolio), ...errorResponses(404) },
  }),
  consent: secured(access.party(), {
    method: 'post',
    path: '/orders/{id}/portfolio-consent',
    tags: ['portfolio'],
    summary: 'As the order’s buyer, refuse consent to show its result in the seller’s portfolio (K-37): for good; an item already added is hidden',
    request: { params: IdParam, ...jsonBody(z.strictObject({ consent: z.literal(false).openapi({ description: 'only a refusal: consent is the default' }) }).openapi('PortfolioConsent')) },
    responses: { 200: json('The portfolio state after the refusal', OrderPortfolio), ...errorResponses(404) },
  }),
  add: secured(access.party(), {
    method: 'post',
    path: '/orders/{id}/portfolio',
    tags: ['portfolio'],
    summary: 'As the order’s seller, add its result to your portfolio (K-37): once the buyer confirmed completion, in a portfolio category, unless the buyer refused',
    request: {
      params: IdParam,
      ...jsonBody(
        z
          .strictObject({
            title: Text(1, attachmentRules.portfolioTitleMaxChars).optional(),
            attachmentIds: attachmentIdList(attachmentRules.perPortfolioItem).min(1).openapi({ description: 'your uploads: images, video or audio' }),
          })
          .openapi('AddPortfolioItem'),
      ),
    },
    responses: { 201: json('The item, shown on the offer and your profile', PortfolioItem), ...errorResponses(404, 409, 422) },
  }),
  images: secured(access.owner, {
    method: 'put',
    path: '/offers/{id}/images',
    tags: ['offers'],
    summary: 'Set your offer’s images (K-41): your JPEG, PNG or GIF uploads, in order; anyone downloads them while the offer is visible',
    request: { params: IdParam, ...jsonBody(z.strictObject({ imageIds: attachmentIdList(attachmentRules.perOffer) }).openapi('OfferImages')) },
    responses: { 200: json('The offer’s images now', z.object({ images: z.array(AttachmentInfo) })), ...errorResponses(404, 422) },
  }),
};

export function portfolioRoutes({ portfolio }: { portfolio: Portfolio }): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.state, async (c) => c.json(await portfolio.forOrder(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.consent, async (c) => c.json(await portfolio.refuse(callerOf(c).id, c.req.valid('param').id), 200))
    .openapi(routes.add, async (c) => c.json(await portfolio.add(callerOf(c).id, c.req.valid('param').id, c.req.valid('json')), 201))
    .openapi(routes.images, async (c) => c.json({ images: await portfolio.setOfferImages(callerOf(c).id, c.req.valid('param').id, c.req.valid('json').imageIds) }, 200));
}
