/** The moderators' side of offers: the queue, decisions (Updates to each submission's workflow), and blocking. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Moderation } from '../../services/moderation.js';
import type { Offers } from '../../services/offers.js';
import { rejectReasons } from '../../workflows/moderation/messages.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, IdParam, json, jsonBody, Text } from '../schemas.js';

const QueueItem = z.object({
  offerId: z.number().int(),
  revision: z.number().int(),
  seller: z.object({ id: z.number().int(), login: z.string() }),
  title: z.string(),
  submittedAt: z.string(),
  overdue: z.boolean().openapi({ description: 'waiting longer than 24 h' }),
  escalated: z.boolean().openapi({ description: 'waiting longer than 3 days: admins were alerted' }),
});

const Decision = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('approve') }),
  z.strictObject({ decision: z.literal('reject'), reason: z.enum(rejectReasons), note: Text(1, 1_000).optional() }),
]);

const moderators = access.staff('moderator', 'admin');
const routes = {
  queue: secured(moderators, {
    method: 'get',
    path: '/moderation/queue',
    tags: ['moderation'],
    summary: 'Submissions awaiting a decision, oldest first',
    responses: { 200: json('The queue', z.object({ items: z.array(QueueItem) })) },
  }),
  decide: secured(moderators, {
    method: 'post',
    path: '/moderation/offers/{id}/decision',
    tags: ['moderation'],
    summary: 'Approve or reject the offer’s submission awaiting moderation',
    description: 'Not the caller’s own offer (403): another moderator decides it.',
    request: { params: IdParam, ...jsonBody(Decision) },
    responses: {
      200: json('The submission, decided', z.object({ offerId: z.number().int(), revision: z.number().int(), status: z.string() })),
      ...errorResponses(404, 409),
    },
  }),
  block: secured(access.staff('admin'), {
    method: 'post',
    path: '/admin/offers/{id}/block',
    tags: ['admin'],
    summary: 'Block an active or paused offer (a prohibited topic)',
    request: { params: IdParam, ...jsonBody(z.strictObject({ reason: z.enum(rejectReasons) })) },
    responses: { 200: json('The offer', z.object({ id: z.number().int(), status: z.string(), statusReason: z.string().nullable() })), ...errorResponses(404, 409) },
  }),
};

export function moderationRoutes({ moderation, offers }: { moderation: Moderation; offers: Offers }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.queue, async (c) => c.json({ items: await moderation.queue() }, 200))
    .openapi(routes.decide, async (c) => c.json(await moderation.decide(callerOf(c).id, c.req.valid('param').id, c.req.valid('json')), 200))
    .openapi(routes.block, async (c) => {
      const offer = await offers.block(c.req.valid('param').id, c.req.valid('json').reason);
      return c.json({ id: offer.id, status: offer.status, statusReason: offer.statusReason }, 200);
    });
}
