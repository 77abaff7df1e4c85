/** `GET /health`: is each server the platform needs reachable? 200 when all are, else 503. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { access, secured } from '../auth.js';
import type { Services } from '../../services/index.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { ErrorSchema } from '../schemas.js';

const Check = z
  .object({
    ok: z.boolean(),
    latencyMs: z.number().int(),
    error: z.string().optional().openapi({ description: 'Why the server is unreachable' }),
  })
  .openapi('HealthCheck');

const Checks = z.object({ postgres: Check, temporal: Check });

const route = secured(access.public, {
  method: 'get',
  path: '/health',
  tags: ['platform'],
  summary: 'Reachability of PostgreSQL and Temporal',
  responses: {
    200: {
      description: 'Both servers answer',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok'), checks: Checks }).openapi('Health') } },
    },
    503: {
      description: 'A server is unreachable; `details.checks` says which and why',
      content: { 'application/json': { schema: ErrorSchema } },
    },
  },
});

export function healthRoutes({ health }: Pick<Services, 'health'>) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(route, async (c) => {
    const checks = await health();
    const { postgres, temporal: temporalCheck } = checks;
    if (postgres.ok && temporalCheck.ok) return c.json({ status: 'ok' as const, checks }, 200);
    const down = [!postgres.ok && 'PostgreSQL', !temporalCheck.ok && 'Temporal'].filter(Boolean).join(' and ');
    return c.json(
      { error: { code: 'unavailable', message: `${down} ${down.includes(' and ') ? 'are' : 'is'} unreachable`, details: { checks } } },
      503,
    );
  });
}
