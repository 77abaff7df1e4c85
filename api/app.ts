/**
 * The HTTP API's factory: production (`api/server.ts`, `npm start`) and tests build the same
 * app from their own dependencies. One router per resource, mounted here.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { createAccounts } from '../services/accounts.js';
import { createCatalog } from '../services/catalog.js';
import { createLedger } from '../db/ledger.js';
import { createOrders } from '../services/orders.js';
import { createWallet } from '../services/wallet.js';
import { AppError } from '../workflows/lib/errors.js';
import type { AppDeps, AppEnv } from './context.js';
import { onError, onNotFound, validationHook } from './errors.js';
import { accountRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
import { devRoutes } from './routes/dev.js';
import { docsRoutes } from './routes/docs.js';
import { favoriteRoutes } from './routes/favorites.js';
import { feedbackRoutes } from './routes/feedback.js';
import { healthRoutes } from './routes/health.js';
import { moderationRoutes } from './routes/moderation.js';
import { moneyRoutes } from './routes/money.js';
import { offerRoutes } from './routes/offers.js';
import { orderRoutes } from './routes/orders.js';
import { searchRoutes } from './routes/search.js';

// No request of this API carries more than a few kilobytes of JSON.
const MAX_BODY_BYTES = 64 * 1024;
const tooLarge = () => new AppError('invalid_input', `the request body is larger than ${MAX_BODY_BYTES} bytes`);

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const accounts = createAccounts({ db: deps.db, clock: deps.clock });
  const ledger = createLedger(deps.db);
  const wallet = createWallet({ db: deps.db, ledger, gateway: deps.gateway, clock: deps.clock, accounts });
  const catalog = createCatalog({ db: deps.db, clock: deps.clock, temporal: deps.temporal, taskQueue: deps.taskQueue });
  const orders = createOrders({ db: deps.db, clock: deps.clock, temporal: deps.temporal, taskQueue: deps.taskQueue, orderPolicy: deps.orderPolicy });

  app.use(requestId());
  app.use(async (c, next) => {
    const log = deps.logger.child({ requestId: c.var.requestId });
    c.set('log', log);
    const started = performance.now();
    await next();
    log.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), userId: c.var.user?.id },
      'request',
    );
  });
  const limitStreamedBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw tooLarge();
    },
  });
  app.use(async (c, next) => {
    // A declared length is checked without touching the body: Hono's bodyLimit opens it as a
    // web stream, which costs every request (GETs too) far more than reading it directly.
    // A streamed (chunked) body is counted as it arrives.
    const length = c.req.header('content-length');
    const chunked = c.req.header('transfer-encoding') !== undefined;
    if (!chunked && length !== undefined) {
      if (Number(length) > MAX_BODY_BYTES) throw tooLarge();
      return next();
    }
    // An HTTP/1.1 message (node-server) with neither header has no body.
    if (!chunked && (c.env as { incoming?: unknown } | undefined)?.incoming) return next();
    return limitStreamedBody(c, next);
  });
  // Who is calling: each route's own guard (api/auth.ts) decides what that allows.
  app.use(async (c, next) => {
    const header = c.req.header('authorization');
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (token) {
      try {
        c.set('user', await accounts.authenticate(token));
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'account_blocked')) throw err;
        c.set('blocked', true);
      }
    }
    await next();
  });

  app.route('/', healthRoutes(deps));
  app.route('/', accountRoutes({ accounts }));
  app.route('/', moneyRoutes({ wallet }));
  app.route('/', searchRoutes({ db: deps.db, clock: deps.clock }));
  app.route('/', offerRoutes({ catalog }));
  app.route('/', favoriteRoutes({ db: deps.db, clock: deps.clock }));
  app.route('/', orderRoutes({ orders, catalog, temporal: deps.temporal }));
  app.route('/', feedbackRoutes({ db: deps.db, clock: deps.clock }));
  app.route('/', moderationRoutes({ catalog, temporal: deps.temporal }));
  app.route('/', adminRoutes({ accounts, wallet }));
  if (deps.devRoutes) app.route('/', devRoutes({ db: deps.db }));
  app.route('/', docsRoutes());

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'The token `POST /auth/login` returns',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'gigflow API',
      version: '0.1.0',
      description:
        'A freelance-services marketplace whose orders, service requests and withdrawals are durable Temporal workflows. ' +
        'Every failure answers `{ "error": { "code", "message", "details" } }`. Each operation’s `x-access` says who may call it.',
    },
  });

  app.notFound(onNotFound);
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
