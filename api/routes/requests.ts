/**
 * Service requests (K-44, K-45): a buyer posts one, staff moderate it, sellers answer it with
 * an offer while it is active (24 h from the approval), the buyer picks one or several answers
 * — each an order through the normal placement — or closes it. Each request is the workflow
 * `request-<id>`; its actions are Updates (an illegal one: 409 with the reason).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { attachmentRules, individualOfferRules } from '../../services/policy.js';
import type { Requests } from '../../services/requests.js';
import { budgetBounds, requestRules } from '../../workflows/request/policy.js';
import { requestStatuses } from '../../workflows/request/messages.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { attachmentIdList, Cents, errorResponses, Id, IdParam, Int4Id, json, jsonBody, MAX_ID, MAX_INT4, Text, wholeNumberParam } from '../schemas.js';
import { AttachmentInfo } from './attachments.js';


const summaryShape = {
  id: z.number().int(),
  buyer: z.object({ id: z.number().int(), login: z.string() }),
  category: z.object({ id: z.number().int(), name: z.string() }),
  title: z.string(),
  budgetCents: Cents.nullable(),
  status: z.enum(requestStatuses),
  statusReason: z.string().nullable().openapi({ description: 'why staff rejected it' }),
  postedAt: z.string(),
  approvedAt: z.string().nullable(),
  activeUntil: z.string().nullable().openapi({ description: 'K-44: 24 h after the approval' }),
  closedAt: z.string().nullable(),
  answersCount: z.number().int(),
};
const RequestSummary = z.object(summaryShape).openapi('ServiceRequestSummary');

const Answer = z
  .object({
    answerId: z.number().int(),
    kind: z.string().openapi({ description: '`offer`: one of the seller’s kworks; `individual_offer` (K-46): an individual offer based on it, ordered at its own price and lead time' }),
    offerId: z.number().int().nullable(),
    offerTitle: z.string(),
    priceCents: Cents,
    comment: z.string().nullable(),
    status: z.enum(['active', 'withdrawn', 'picked']),
    orderId: z.number().int().nullable().openapi({ description: 'the order a pick placed' }),
    answeredAt: z.string(),
    seller: z.object({
      id: z.number().int(),
      login: z.string(),
      displayName: z.string().nullable(),
      level: z.enum(['newbie', 'advanced', 'professional']),
      ratingPercent: z.number().nullable(),
      feedbackCount: z.number().int(),
      completedOrders: z.number().int(),
      stars: z.number().nullable(),
      successfullyCompletedPercent: z.number().nullable(),
      onTimePercent: z.number().nullable(),
      canMakeIndividualOffers: z.boolean(),
    }),
    individualOffer: z
      .object({ id: z.number().int(), description: z.string(), leadTimeDays: z.number().int() })
      .nullable()
      .openapi({ description: 'K-46: the individual offer answered with (its price is `priceCents`); null for an offer' }),
  })
  .openapi('ServiceRequestAnswer');

/** One object (not `extend`, which the document would write as allOf): the contract is exact. */
const RequestDetail = z
  .object({
    ...summaryShape,
    description: z.string(),
    attachments: z.array(AttachmentInfo).openapi({ description: 'K-69: the buyer’s files; whoever sees the request downloads each at `GET /attachments/{id}`' }),
    answers: z.array(Answer).openapi({ description: 'the buyer and staff see all; a seller, their own' }),
    allowedActions: z.array(z.enum(['pick', 'close', 'answer', 'withdraw_answer', 'moderate'])),
  })
  .openapi('ServiceRequest');

const Post = z.strictObject({
  title: Text(5, 120),
  description: Text(10, 4_000),
  categoryId: Int4Id.openapi({ description: 'a leaf category' }),
  budgetCents: z
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .nullable()
    .default(null)
    .openapi({ description: `optional; integer cents from ${budgetBounds.minCents} to ${budgetBounds.maxCents} (422 outside)` }),
  attachmentIds: attachmentIdList(attachmentRules.perRequest)
    .default([])
    .openapi({ description: `K-69: up to ${attachmentRules.perRequest} of your own uploads (\`POST /attachments\`), each once (404 for one that is not yours)` }),
});

const io = individualOfferRules;
const AnswerBody = z.strictObject({
  offerId: Id.openapi({ description: 'one of your active offers; with `individualOffer`, the offer it is based on' }),
  comment: Text(1, requestRules.maxCommentChars).nullable().default(null),
  individualOffer: z
    .strictObject({
      description: z.string().max(io.descriptionMaxLength).openapi({ description: `what you will do: ${io.descriptionMinLength} to ${io.descriptionMaxLength} characters` }),
      priceCents: z.number().int().openapi({ description: `K-46: ${io.minPriceCents} to ${io.maxPriceCents} cents ($10 to $1000); outside, 422` }),
      leadTimeDays: z.number().int().openapi({ description: `1 to ${io.maxLeadTimeDays} days; outside, 422` }),
    })
    .nullable()
    .default(null)
    .openapi({ description: 'K-46, K-33: answer with an individual offer instead (Advanced and Professional sellers only: 403 for a Newbie)' }),
});

const moderators = access.staff('moderator', 'admin');
const AnswerParams = z.object({ id: wholeNumberParam(1, MAX_ID), answerId: wholeNumberParam(1, 1_000_000) });
const detail = (description: string) => json(description, RequestDetail);

const routes = {
  post: secured(access.user, {
    method: 'post',
    path: '/requests',
    tags: ['requests'],
    summary: 'Post a service request (K-44): it waits for a moderator, then is active for 24 h',
    request: jsonBody(Post),
    responses: { 201: detail('Posted, awaiting moderation'), ...errorResponses(404, 422) },
  }),
  board: secured(access.user, {
    method: 'get',
    path: '/requests',
    tags: ['requests'],
    summary: 'Sellers’ board: active requests of others, soonest to expire first, of one category if given',
    request: { query: z.strictObject({ categoryId: wholeNumberParam(1, MAX_INT4).optional() }) },
    responses: { 200: json('Active requests', z.object({ items: z.array(RequestSummary) })) },
  }),
  mine: secured(access.user, {
    method: 'get',
    path: '/me/requests',
    tags: ['requests'],
    summary: 'The caller’s own requests, newest first',
    responses: { 200: json('Requests', z.object({ items: z.array(RequestSummary) })) },
  }),
  get: secured(access.party('support', 'moderator', 'admin'), {
    method: 'get',
    path: '/requests/{id}',
    tags: ['requests'],
    summary: 'One request: its buyer and staff always; sellers while it is active, or once they answered it',
    request: { params: IdParam },
    responses: { 200: detail('The request'), ...errorResponses(404) },
  }),
  answer: secured(access.user, {
    method: 'post',
    path: '/requests/{id}/answers',
    tags: ['requests'],
    summary: 'Answer an active request with one of your active offers, or an individual offer based on one (one answer per seller)',
    request: { params: IdParam, ...jsonBody(AnswerBody) },
    responses: { 200: detail('Answered'), ...errorResponses(403, 404, 409, 422) },
  }),
  withdraw: secured(access.user, {
    method: 'post',
    path: '/requests/{id}/answers/{answerId}/withdraw',
    tags: ['requests'],
    summary: 'Withdraw your answer while the request is active',
    request: { params: AnswerParams },
    responses: { 200: detail('Withdrawn'), ...errorResponses(404, 409) },
  }),
  pick: secured(access.owner, {
    method: 'post',
    path: '/requests/{id}/picks',
    tags: ['requests'],
    summary: 'Pick one or several answers: each becomes an order (escrow from the balance); the request then closes. Money short: 422 insufficient_funds, nothing placed',
    request: { params: IdParam, ...jsonBody(z.strictObject({ answerIds: z.array(z.number().int().min(1).max(1_000_000)).min(1).max(requestRules.maxPicks).openapi({ uniqueItems: true, description: 'each answer once (the workflow refuses one named twice: 400)' }) })) },
    responses: { 200: detail('Picked: the answers name their orders'), ...errorResponses(404, 409, 422) },
  }),
  close: secured(access.owner, {
    method: 'post',
    path: '/requests/{id}/close',
    tags: ['requests'],
    summary: 'Close your request early, without a pick',
    request: { params: IdParam },
    responses: { 200: detail('Closed'), ...errorResponses(404, 409) },
  }),
  queue: secured(moderators, {
    method: 'get',
    path: '/staff/requests',
    tags: ['staff'],
    summary: 'Requests awaiting moderation, oldest first',
    responses: { 200: json('The queue', z.object({ items: z.array(RequestSummary) })), ...errorResponses(401, 403) },
  }),
  approve: secured(moderators, {
    method: 'post',
    path: '/staff/requests/{id}/approve',
    tags: ['staff'],
    summary: 'Approve a request: active for 24 h from now; subscribed sellers are told (K-45)',
    description: 'Not the caller’s own request (403): another moderator decides it.',
    request: { params: IdParam },
    responses: { 200: detail('Approved'), ...errorResponses(401, 403, 404, 409) },
  }),
  reject: secured(moderators, {
    method: 'post',
    path: '/staff/requests/{id}/reject',
    tags: ['staff'],
    summary: 'Reject a request with a reason the buyer reads',
    description: 'Not the caller’s own request (403): another moderator decides it.',
    request: { params: IdParam, ...jsonBody(z.strictObject({ reason: Text(1, requestRules.maxCommentChars) })) },
    responses: { 200: detail('Rejected'), ...errorResponses(401, 403, 404, 409) },
  }),
};

/** Typed as a plain router, like accountRoutes: nothing reads the chain's inferred route types. */
export function requestRoutes({ requests }: { requests: Requests }): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.post, async (c) => c.json(await requests.post(callerOf(c), c.req.valid('json')), 201))
    .openapi(routes.board, async (c) => c.json({ items: await requests.board(callerOf(c), c.req.valid('query').categoryId) }, 200))
    .openapi(routes.mine, async (c) => c.json({ items: await requests.mine(callerOf(c).id) }, 200))
    .openapi(routes.get, async (c) => c.json(await requests.get(callerOf(c), c.req.valid('param').id), 200))
    .openapi(routes.answer, async (c) => c.json(await requests.answer(callerOf(c), c.req.valid('param').id, c.req.valid('json')), 200))
    .openapi(routes.withdraw, async (c) => {
      const { id, answerId } = c.req.valid('param');
      return c.json(await requests.withdrawAnswer(callerOf(c), id, answerId), 200);
    })
    .openapi(routes.pick, async (c) => c.json(await requests.pick(callerOf(c), c.req.valid('param').id, c.req.valid('json').answerIds), 200))
    .openapi(routes.close, async (c) => c.json(await requests.close(callerOf(c), c.req.valid('param').id), 200))
    .openapi(routes.queue, async (c) => c.json({ items: await requests.queue() }, 200))
    .openapi(routes.approve, async (c) => c.json(await requests.moderate(callerOf(c), c.req.valid('param').id, { decision: 'approve' }), 200))
    .openapi(routes.reject, async (c) => c.json(await requests.moderate(callerOf(c), c.req.valid('param').id, { decision: 'reject', reason: c.req.valid('json').reason }), 200));
}
