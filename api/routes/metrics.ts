/**
 * `GET /metrics`: the API process's Prometheus metrics (issue 19 §4) — Node's, each request's
 * duration by route pattern and status, the business counters this process wrote, and the
 * escrow's total read from the ledger at the scrape. Prometheus scrapes it inside the network:
 * with METRICS_TOKEN set only `Authorization: Bearer <METRICS_TOKEN>` reads it; without one it
 * is open outside production and absent (404) in production (`api/server.ts`).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Services } from '../../services/index.js';
import { escrowCents, metricsAllowed, metricsContentType, metricsText, workflowStartsWaiting } from '../../telemetry/metrics.js';
import { AppError } from '../../workflows/lib/errors.js';
import { access, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses } from '../schemas.js';

const route = secured(access.public, {
  method: 'get',
  path: '/metrics',
  tags: ['platform'],
  summary: 'Prometheus metrics of this API process (with METRICS_TOKEN set: its bearer only; without: open, and absent in production)',
  responses: {
    200: {
      description: 'The Prometheus text exposition (format 0.0.4); the metric names are listed in the README (Observability)',
      content: { 'text/plain': { schema: { type: 'string' } } },
    },
    ...errorResponses(401),
  },
});

/** The route; `token`: the bearer it answers to (METRICS_TOKEN), none: open. */
export function metricsRoutes({ metrics }: Pick<Services, 'metrics'>, token: string | undefined) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(route, async (c) => {
    if (!metricsAllowed(token, c.req.header('authorization'))) throw new AppError('unauthenticated', 'send `Authorization: Bearer <METRICS_TOKEN>`');
    const [escrow, waiting] = await Promise.all([metrics.escrowCents(), metrics.workflowStartsWaiting()]);
    escrowCents.set(escrow);
    for (const [process, count] of Object.entries(waiting)) workflowStartsWaiting.set({ process }, count);
    return c.body(await metricsText(), 200, { 'Content-Type': metricsContentType }) as never;
  });
}
