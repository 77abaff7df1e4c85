/** Development-only routes, mounted only outside production: what the outbox would have mailed. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { outbox } from '../../db/schema/index.js';
import { access, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json } from '../schemas.js';

const Mail = z.object({ id: z.number().int(), kind: z.string(), to: z.string(), subject: z.string(), body: z.string(), createdAt: z.string(), sentAt: z.string().nullable() });

const routes = {
  outbox: secured(access.dev, {
    method: 'get',
    path: '/dev/outbox',
    tags: ['development'],
    summary: 'Mail in the outbox, newest first (development only: confirmation codes appear here)',
    request: { query: z.strictObject({ to: z.string().max(254).optional() }) },
    responses: { 200: json('Messages', z.object({ items: z.array(Mail) })), ...errorResponses(400) },
  }),
};

export function devRoutes({ db }: { db: Db }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(routes.outbox, async (c) => {
    const { to } = c.req.valid('query');
    const rows = await db.orm
      .select()
      .from(outbox)
      .where(to ? eq(outbox.toAddress, to.toLowerCase()) : undefined)
      .orderBy(desc(outbox.id))
      .limit(100);
    return c.json(
      {
        items: rows.map((r) => ({ id: r.id, kind: r.kind, to: r.toAddress, subject: r.subject, body: r.body, createdAt: r.createdAt.toISOString(), sentAt: r.sentAt?.toISOString() ?? null })),
      },
      200,
    );
  });
}
