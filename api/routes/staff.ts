/**
 * Support's list of workflows that hold because a write failed for good, and resolving one.
 * Support staff and admins.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AttentionService } from '../../services/attention.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json, jsonBody, Text } from '../schemas.js';

const Held = z
  .object({
    workflowId: z.string().openapi({ example: 'order-123' }),
    process: z.string().openapi({ description: '`order` or `moderation`' }),
    entityId: z.number().int().openapi({ description: 'the order’s id, or the moderated offer’s' }),
    failureType: z.string().openapi({ description: 'why the write failed: `data_error` (the database refused it), `bug`…' }),
    reason: z.string(),
    flaggedAt: z.string(),
  })
  .openapi('HeldWorkflow');

const WorkflowIdParam = z.object({
  workflowId: z
    .string()
    .regex(/^(order-[1-9][0-9]{0,15}|kwork-moderation-[1-9][0-9]{0,15}-[1-9][0-9]{0,9})$/, 'a held workflow’s id, e.g. order-123')
    .openapi({ example: 'order-123' }),
});

const support = access.staff('support', 'admin');
const routes = {
  list: secured(support, {
    method: 'get',
    path: '/staff/attention',
    tags: ['staff'],
    summary: 'Workflows that hold because a write failed for good, the longest-held first',
    responses: { 200: json('The held workflows', z.object({ items: z.array(Held) })), ...errorResponses(401, 403) },
  }),
  resolve: secured(support, {
    method: 'post',
    path: '/staff/attention/{workflowId}/resolve',
    tags: ['staff'],
    summary: 'Resolve a hold: the workflow takes actions again and tries a due deadline again',
    request: { params: WorkflowIdParam, ...jsonBody(z.strictObject({ note: Text(1, 1_000).optional() })) },
    responses: { 204: { description: 'Resolved' }, ...errorResponses(400, 401, 403, 404, 409) },
  }),
};

export function staffRoutes({ attention }: { attention: AttentionService }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.list, async (c) => c.json({ items: await attention.list() }, 200))
    .openapi(routes.resolve, async (c) => {
      await attention.resolve(c.req.valid('param').workflowId, callerOf(c).id, c.req.valid('json').note);
      return c.body(null, 204);
    });
}
