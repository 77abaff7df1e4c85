/** Development-only routes, mounted only outside production: what the outbox would have mailed. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Services } from '../../services/index.js';
import { access, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { json } from '../schemas.js';

const Mail = z.object({ id: z.number().int(), kind: z.string(), to: z.string(), subject: z.string(), body: z.string(), createdAt: z.string(), sentAt: z.string().nullable() });

const routes = {
  outbox: secured(access.dev, {
    method: 'get',
    path: '/dev/outbox',
    tags: ['development'],
    summary: 'Mail in the outbox, newest first (development only: confirmation codes appear here)',
    request: { query: z.strictObject({ to: z.string().max(254).optional() }) },
    responses: { 200: json('Messages', z.object({ items: z.array(Mail) })) },
  }),
};

export function devRoutes({ devMail }: Pick<Services, 'devMail'>) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(routes.outbox, async (c) => c.json({ items: await devMail(c.req.valid('query').to) }, 200));
}
