/**
 * The HTTP API's factory: production (`api/server.ts`, `npm start`) and tests build the same
 * app from their own dependencies. One router per resource, mounted here.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import type { AppDeps, AppEnv } from './context.js';
import { onError, onNotFound, validationHook } from './errors.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(requestId());
  app.use(async (c, next) => {
    const log = deps.logger.child({ requestId: c.var.requestId });
    c.set('log', log);
    const started = performance.now();
    await next();
    log.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });

  app.route('/', healthRoutes(deps));
  app.route('/', docsRoutes());

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'gigflow API',
      version: '0.1.0',
      description:
        'A freelance-services marketplace whose orders, service requests and withdrawals are durable Temporal workflows. ' +
        'Every failure answers `{ "error": { "code", "message", "details" } }`.',
    },
  });

  app.notFound(onNotFound);
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
