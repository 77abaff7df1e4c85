/** `GET /health`: is each server the platform needs reachable? 200 when all are, else 503. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { access, secured } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { ErrorSchema } from '../schemas.js';

// A probe waits at most this long for each server, so a load balancer gets a prompt answer.
const PROBE_TIMEOUT_MS = 2_000;

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

type CheckResult = z.infer<typeof Check>;

async function probe(what: string, run: (signal: AbortSignal) => Promise<unknown>): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(controller.signal),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`));
        }, PROBE_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: describe(err) };
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return typeof e?.code === 'string' ? `${e.code}: ${message}` : message;
}

export function healthRoutes({ db, temporal }: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(route, async (c) => {
    const [postgres, temporalCheck] = await Promise.all([
      probe('PostgreSQL', () => db.sql`select 1`.execute()),
      probe('Temporal', (signal) =>
        temporal.connection.withAbortSignal(signal, () => temporal.connection.workflowService.getSystemInfo({})),
      ),
    ]);
    const checks = { postgres, temporal: temporalCheck };
    if (postgres.ok && temporalCheck.ok) return c.json({ status: 'ok' as const, checks }, 200);
    const down = [!postgres.ok && 'PostgreSQL', !temporalCheck.ok && 'Temporal'].filter(Boolean).join(' and ');
    return c.json(
      { error: { code: 'unavailable', message: `${down} ${down.includes(' and ') ? 'are' : 'is'} unreachable`, details: { checks } } },
      503,
    );
  });
}
