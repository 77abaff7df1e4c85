/**
 * Feedback on finished orders: the buyer's like or dislike, the seller's answer (shown once a
 * moderator approves it), the moderators' queue of answers, a seller's profile and public
 * feedback, and staff's deletion of boosted feedback (K-59).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { StaffRole } from '../../services/accounts.js';
import { FEEDBACK_CURSOR, type Feedback } from '../../services/feedback.js';
import { badgeKinds } from '../../services/badges.js';
import type { Sellers } from '../../services/sellers.js';
import { access, callerOf, secured } from '../auth.js';
import { PortfolioItem } from './attachments.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { DateTime, errorResponses, IdParam, json, jsonBody, MAX_ID, orNull, Text, wholeNumberParam } from '../schemas.js';

const text = (max: number) => Text(1, max);
const Verdict = z.enum(['like', 'dislike']);

/** One feedback as the public sees it (the seller's profile, the offer page). */
export const FeedbackItem = z
  .object({
    orderId: z.number().int(),
    offer: z.object({ id: z.number().int(), title: z.string().openapi({ description: 'as it was ordered' }) }),
    buyer: z.object({ id: z.number().int(), login: z.string() }),
    verdict: Verdict,
    text: z.string(),
    createdAt: z.string(),
    answer: z.object({ text: z.string(), at: z.string() }).nullable().openapi({ description: 'the seller’s answer, once a moderator published it' }),
  })
  .openapi('Feedback');

const PartyFeedbackItem = z.object({
  ...FeedbackItem.shape,
  answer: z
    .object({ text: z.string(), at: z.string(), status: z.enum(['pending', 'published', 'rejected']), decidedAt: z.string().nullable() })
    .nullable()
    .openapi({ description: 'the seller’s answer in any moderation status' }),
}).openapi('OrderFeedback');

const PendingAnswer = z.object({
  orderId: z.number().int(),
  seller: z.object({ id: z.number().int(), login: z.string() }),
  offer: z.object({ id: z.number().int(), title: z.string() }),
  verdict: Verdict,
  feedback: z.string().openapi({ description: 'the buyer’s text the answer replies to' }),
  answer: z.string(),
  answeredAt: z.string(),
});

const SellerLevel = z.enum(['newbie', 'advanced', 'professional']);
const percent = (description: string) => z.number().int().nullable().openapi({ description });

/** A seller's public standing, as reputation computes it from their finished orders (issue 16). */
export const PublicSeller = z
  .object({
    id: z.number().int(),
    login: z.string(),
    displayName: z.string().nullable(),
    level: SellerLevel.openapi({ description: 'K-32, D-01: computed from completed orders and the last 100 finished orders' }),
    ratingPercent: percent('K-27: share of the last 100 finished orders without a dislike or a failure, rounded down; null before the first finished order'),
    feedbackCount: z.number().int().openapi({ description: 'likes and dislikes that count for stars' }),
    completedOrders: z.number().int(),
    stars: z.number().nullable().openapi({ description: 'K-30, D-02: 5 × likes ÷ (likes + dislikes), one decimal; null without feedback', example: 4.5 }),
    successfullyCompletedPercent: percent('K-34 “successfully completed”, rounded down'),
    onTimePercent: percent('K-34 “submitted on time”, over completed orders, rounded down'),
    canMakeIndividualOffers: z.boolean().openapi({ description: 'K-33, K-46: Advanced and Professional sellers only' }),
  })
  .openapi('PublicSeller');

export const Badge = z
  .object({
    kind: z.enum(badgeKinds),
    name: z.string().openapi({ example: '100+ sales' }),
    detail: z.string().openapi({ example: '134 orders completed as a seller' }),
    awards: z
      .array(z.object({ id: z.number().int(), reason: z.string(), awardedAt: DateTime }))
      .openapi({ description: 'an awarded badge’s awards, newest first, each with what it was for; empty for an earned badge' }),
  })
  .openapi('Badge');

const Share = z.object({ for: z.number().int(), of: z.number().int(), percent: z.number().int().nullable() });
const SellerProfile = z
  .object({
    seller: z.object({
      ...PublicSeller.shape,
      city: z.string().nullable(),
      about: z.string().nullable(),
      skills: z.array(z.string()),
      memberSince: z.string(),
      lastActiveAt: z.string().nullable(),
      analytics: z
        .object({
          responsibility: Share.openapi({ description: 'the last 30 finished orders that did not fail' }),
          feedback: Share.openapi({ description: 'over the last 80 finished orders: likes and repeat orders for, dislikes against' }),
          averageStartMs: z.number().int().nullable(),
          averageCompletionMs: z.number().int().nullable(),
          earnedCents: z.number().int(),
          averageOrderCents: z.number().int(),
          sales: z.number().int(),
        })
        .nullable()
        .openapi({ description: 'K-28 Sales analytics; null until more than 3 completed orders' }),
      buyerStatus: z
        .object({
          rank: z.enum(['newbie', 'accustomed', 'experienced', 'giant', 'mega_giant']),
          superBuyer: z.boolean(),
          purchases: z.number().int(),
        })
        .nullable()
        .openapi({ description: 'K-35; null before the first purchase, or when a mostly-selling user’s status is not for this viewer' }),
      badges: z.array(Badge).openapi({
        description:
          'K-36: earned ones first — `sales` (10, 100, 1,000 completed orders as the seller), `purchases` (10, 50, 100 as the buyer; only where `buyerStatus` shows), ' +
          '`positive_communication` (at least 10 likes and dislikes, at least 95 % likes) — then those an admin awarded: `idea`, `bug_report`, `contest`',
      }),
    }),
    offers: z.array(
      z.object({
        id: z.number().int(),
        title: z.string(),
        priceCents: z.number().int(),
        leadTimeDays: z.number(),
        topRated: z.boolean(),
        category: z.object({ id: z.number().int(), name: z.string() }),
      }),
    ),
    portfolio: z.array(PortfolioItem).openapi({ description: 'K-37: results of finished orders the seller shows, newest first, next to the feedback' }),
  })
  .openapi('SellerProfile');

const SellerFeedbackPage = z
  .object({
    seller: PublicSeller,
    items: z.array(FeedbackItem),
    nextCursor: z.string().nullable(),
  })
  .openapi('SellerFeedbackPage');

const OrderIdParam = z.object({ orderId: wholeNumberParam(1, MAX_ID) });
const LoginParam = z.object({ login: z.string().regex(/^[A-Za-z0-9_]{3,32}$/, '3 to 32 letters, digits or underscores') });

/** Staff who read an order's feedback as they read the order. */
const orderStaff: StaffRole[] = ['support', 'arbiter', 'admin'];
const moderators = access.staff('moderator', 'admin');

const routes = {
  read: secured(access.party(...orderStaff), {
    method: 'get',
    path: '/orders/{id}/feedback',
    tags: ['feedback'],
    summary: 'The order’s feedback and answer in any moderation status, and whether you may give either now',
    request: { params: IdParam },
    responses: {
      200: json(
        'The order’s feedback',
        z.object({ feedback: orNull(PartyFeedbackItem), canLeaveFeedback: z.boolean(), canAnswer: z.boolean() }),
      ),
      ...errorResponses(404),
    },
  }),
  leave: secured(access.owner, {
    method: 'post',
    path: '/orders/{id}/feedback',
    tags: ['feedback'],
    summary: 'Like or dislike a finished order, with a text, as its buyer (once; completed, or cancelled in a way that allows it)',
    request: { params: IdParam, ...jsonBody(z.strictObject({ verdict: Verdict, text: text(2_000) }).openapi('LeaveFeedback')) },
    responses: { 201: json('The feedback', PartyFeedbackItem), ...errorResponses(404, 409) },
  }),
  answer: secured(access.owner, {
    method: 'post',
    path: '/orders/{id}/feedback/answer',
    tags: ['feedback'],
    summary: 'Answer the buyer’s feedback as the order’s seller (once); it shows after a moderator approves it',
    request: { params: IdParam, ...jsonBody(z.strictObject({ text: text(2_000) }).openapi('AnswerFeedback')) },
    responses: { 201: json('The feedback with the answer, awaiting moderation', PartyFeedbackItem), ...errorResponses(404, 409) },
  }),
  seller: secured(access.public, {
    method: 'get',
    path: '/users/{login}/feedback',
    tags: ['catalog'],
    summary: 'A seller’s feedback, newest first, with their rating (published answers only)',
    request: {
      params: LoginParam,
      query: z.strictObject({
        verdict: Verdict.optional().openapi({ description: 'only likes, or only dislikes' }),
        cursor: z.string().regex(FEEDBACK_CURSOR).optional().openapi({ description: 'the `nextCursor` of the previous page' }),
        limit: wholeNumberParam(1, 50, { default: 20 }),
      }),
    },
    responses: { 200: json('A page of feedback', SellerFeedbackPage), ...errorResponses(404) },
  }),
  profile: secured(access.public, {
    method: 'get',
    path: '/users/{login}',
    tags: ['catalog'],
    summary: 'A seller’s profile: level, rating, stars, percentages, Sales analytics, buyer status where visible, and their visible offers',
    request: { params: LoginParam },
    responses: { 200: json('The profile', SellerProfile), ...errorResponses(404) },
  }),
  queue: secured(moderators, {
    method: 'get',
    path: '/moderation/feedback-answers',
    tags: ['moderation'],
    summary: 'Sellers’ answers to feedback awaiting a decision, oldest first',
    responses: { 200: json('The queue', z.object({ items: z.array(PendingAnswer) })) },
  }),
  decide: secured(moderators, {
    method: 'post',
    path: '/moderation/feedback-answers/{orderId}/decision',
    tags: ['moderation'],
    summary: 'Publish or reject a seller’s answer to feedback',
    description: 'Not the caller’s own answer (403): another moderator decides it.',
    request: { params: OrderIdParam, ...jsonBody(z.strictObject({ decision: z.enum(['approve', 'reject']) })) },
    responses: { 200: json('The feedback, its answer decided', PartyFeedbackItem), ...errorResponses(404, 409) },
  }),
  remove: secured(access.staff('admin'), {
    method: 'post',
    path: '/staff/feedback/{orderId}/delete',
    tags: ['staff'],
    summary: 'Delete a feedback obtained by boosting (K-59) or breaking the rules (K-25), with a reason: the seller’s reputation is recomputed and both parties are told',
    description: 'Not on an order the caller bought or sold (403): another admin deletes it.',
    request: { params: OrderIdParam, ...jsonBody(z.strictObject({ reason: text(1_000) }).openapi('DeleteFeedback')) },
    responses: {
      200: json(
        'The deletion as recorded',
        z
          .object({
            orderId: z.number().int(),
            sellerId: z.number().int(),
            buyerId: z.number().int(),
            verdict: Verdict,
            text: z.string(),
            reason: z.string(),
            deletedBy: z.number().int(),
            deletedAt: z.string(),
          })
          .openapi('DeletedFeedback'),
      ),
      ...errorResponses(404),
    },
  }),
};

export function feedbackRoutes({ feedback, sellers }: { feedback: Feedback; sellers: Sellers }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.profile, async (c) => c.json(await sellers.profile(c.req.valid('param').login, c.var.user?.id), 200))
    .openapi(routes.read, async (c) => c.json(await feedback.forOrder(callerOf(c), c.req.valid('param').id, orderStaff), 200))
    .openapi(routes.leave, async (c) => c.json(await feedback.leave(callerOf(c), c.req.valid('param').id, c.req.valid('json')), 201))
    .openapi(routes.answer, async (c) => c.json(await feedback.answer(callerOf(c), c.req.valid('param').id, c.req.valid('json').text), 201))
    .openapi(routes.seller, async (c) => c.json(await feedback.forSeller(c.req.valid('param').login, c.req.valid('query')), 200))
    .openapi(routes.queue, async (c) => c.json({ items: await feedback.pendingAnswers() }, 200))
    .openapi(routes.decide, async (c) =>
      c.json(await feedback.decide(callerOf(c).id, c.req.valid('param').orderId, c.req.valid('json').decision), 200),
    )
    .openapi(routes.remove, async (c) => c.json(await feedback.remove(callerOf(c).id, c.req.valid('param').orderId, c.req.valid('json').reason), 200));
}
