/**
 * The HTTP API's factory: production (`api/server.ts`, `npm start`) and tests build the same
 * app from their own dependencies. One router per resource, mounted here.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler, NotFoundHandler } from 'hono';
import { requestId } from 'hono/request-id';
import type { Services } from '../services/index.js';
import { AppError } from '../workflows/lib/errors.js';
import type { AppDeps, AppEnv } from './context.js';
import { withOperations, withRequestChecks } from './document.js';
import { concretePathsFirst, limitBody, routeTable } from './door.js';
import { keepFromCaches, requestLog } from './http-process.js';
import { observeRequests } from './observe.js';
import { onError, onNotFound, validationHook } from './errors.js';
import { accountRoutes, activationRoutes, passwordResetRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
import { attachmentRoutes, UPLOAD_MAX_BODY_BYTES } from './routes/attachments.js';
import { CODEC_MAX_BODY_BYTES, codecCors, codecRoutes, codecSessionToken } from './routes/codec.js';
import { conversationRoutes } from './routes/conversations.js';
import { devRoutes } from './routes/dev.js';
import { docsRoutes } from './routes/docs.js';
import { favoriteRoutes } from './routes/favorites.js';
import { feedbackRoutes } from './routes/feedback.js';
import { healthRoutes } from './routes/health.js';
import { individualOfferRoutes } from './routes/individual-offers.js';
import { invoiceRoutes } from './routes/invoices.js';
import { jobInstallRoutes } from './routes/job-installs.js';
import { jobRoutes } from './routes/jobs.js';
import { metricsRoutes } from './routes/metrics.js';
import { mailRoutes } from './routes/mail.js';
import { moderationRoutes } from './routes/moderation.js';
import { moneyRoutes } from './routes/money.js';
import { offerRoutes } from './routes/offers.js';
import { orderGroupRoutes } from './routes/order-groups.js';
import { orderRoutes } from './routes/orders.js';
import { portfolioRoutes } from './routes/portfolio.js';
import { privacyRoutes } from './routes/privacy.js';
import { referralRoutes } from './routes/referrals.js';
import { affiliateRoutes } from './routes/affiliates.js';
import { requestRoutes } from './routes/requests.js';
import { sanctionRoutes } from './routes/sanctions.js';
import { searchRoutes } from './routes/search.js';
import { staffRoutes } from './routes/staff.js';
import { webhookRoutes } from './routes/webhooks.js';
import { withdrawalRoutes } from './routes/withdrawals.js';

/**
 * Who is calling: each route's own guard (api/auth.ts) decides what that allows. A caller
 * whose account a sanction blocks (K-60, K-61, K-65) is noted with why and until when: the
 * guard refuses their signed-in calls with 403 `account_blocked`, but for reading their own
 * standing and signing out. The session and the block are one statement (`identify`).
 */
function identifyCaller(accounts: Services['accounts'], sessionCookie: (c: Context<AppEnv>) => string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? (header === undefined ? sessionCookie(c) : undefined);
    if (token) {
      try {
        const caller = await accounts.identify(token);
        c.set('user', caller?.user);
        if (caller) c.set('sessionToken', token);
        if (caller?.accountBlock) c.set('sanctioned', caller.accountBlock);
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'account_blocked')) throw err;
        c.set('blocked', true);
      }
    }
    await next();
    if (token) keepFromCaches(c);
  };
}

/** A request no route matched: 404, or 405 with `Allow` when the path takes other methods. */
function unmatched(table: ReturnType<typeof routeTable>): NotFoundHandler<AppEnv> {
  return (c) => onNotFound(c, table.allowedAt(c.req.path));
}

/** The document's own fields; the generator writes the rest from the routes. */
const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'gigflow API',
    version: '0.1.0',
    description:
      'A freelance-services marketplace whose orders and offer moderation are durable Temporal workflows. ' +
      'Every failure answers `{ "error": { "code", "message", "details" } }`. Each operation’s `x-access` says who may call it. ' +
      'Every operation documents the answers of the checks every request passes (400, 413, 415; 401 and 403 where a session is needed), 500, and 503 `service_unavailable` (with `Retry-After`) while the database or Temporal cannot be reached; ' +
      'a path no operation has answers `UnknownPath` (404), and a method a path does not take `MethodNotAllowed` (405, with `Allow`); a concrete path is matched before a template that also matches it. ' +
      'A request that is not well-formed HTTP/1.1 (a method that is none of HTTP’s, a malformed request line, header, length or chunk, no `Host`) answers 400 `invalid_request`, a header section over 16 KB 431 `headers_too_large`, each with the same error body, and the connection closes. ' +
      'Every free-text string of a request (body, query, path) takes no C0 control character but tab and newline and no DEL (its `pattern`), and no lone UTF-16 surrogate (400; not Unicode text). ' +
      'Each operation’s `operationId` is its method and path (`GET /jobs/{id}` is `getJobsById`); an answer that names a thing (a creation by its id, a list by its first item’s, and their other `<noun>Id` fields) links to the operations that take it, staff’s included, with the id they take in their path or body (OpenAPI `links`).',
  },
};

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { services } = deps;
  const table = routeTable(app.routes);
  app.use(requestId());
  // Before the log line, so that it carries the request's trace id (issue 19 §4).
  app.use(observeRequests());
  app.use(requestLog(deps.logger, 'request'));
  // The Temporal Web UI calls the codec server from its own origin (issue 19 §5).
  app.use(codecCors(deps.temporalUiOrigin));
  app.use(concretePathsFirst(table));
  // An upload's body carries a file of up to 4 MB (K-69), the codec server a history's payloads;
  // every other request a little JSON.
  app.use(limitBody(undefined, (method, path) => (method !== 'POST' ? undefined : path === '/attachments' ? UPLOAD_MAX_BODY_BYTES : path.startsWith('/codec/') ? CODEC_MAX_BODY_BYTES : undefined)));
  app.use(identifyCaller(services.accounts, codecSessionToken(deps.temporalUiOrigin)));

  app.route('/', healthRoutes(services));
  app.route('/', accountRoutes({ accounts: services.accounts, payoutDetails: services.payoutDetails }, { trustedProxyHops: deps.trustedProxyHops ?? 0 }));
  app.route('/', passwordResetRoutes(services));
  app.route('/', activationRoutes(services));
  app.route('/', moneyRoutes(services));
  app.route('/', searchRoutes(services));
  app.route('/', offerRoutes(services));
  app.route('/', favoriteRoutes(services));
  app.route('/', orderRoutes(services));
  app.route('/', feedbackRoutes(services));
  app.route('/', moderationRoutes(services));
  app.route('/', adminRoutes(services));
  app.route('/', staffRoutes(services));
  app.route('/', sanctionRoutes(services));
  app.route('/', conversationRoutes(services));
  app.route('/', individualOfferRoutes(services));
  app.route('/', orderGroupRoutes(services));
  app.route('/', attachmentRoutes(services));
  app.route('/', portfolioRoutes(services));
  app.route('/', withdrawalRoutes({ withdrawals: services.withdrawals, webhooks: services.webhooks }));
  app.route('/', referralRoutes(services));
  app.route('/', invoiceRoutes(services));
  app.route('/', privacyRoutes(services));
  app.route('/', affiliateRoutes(services));
  app.route('/', requestRoutes(services));
  app.route('/', jobRoutes(services));
  app.route('/', jobInstallRoutes(services));
  app.route('/', mailRoutes(services));
  app.route('/', webhookRoutes(services));
  app.route('/', codecRoutes(services));
  if (deps.metrics) app.route('/', metricsRoutes(services, deps.metrics.token));
  if (deps.devRoutes) app.route('/', devRoutes(services));
  app.route('/', docsRoutes());

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'The token `POST /auth/login` returns',
  });
  // Answers that belong to no operation: a path none has, a method a path does not take.
  app.openAPIRegistry.registerComponent('responses', 'UnknownPath', {
    description: 'No operation has this path',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  app.openAPIRegistry.registerComponent('responses', 'MethodNotAllowed', {
    description: 'The path exists, but not with this method: `Allow` names the methods it takes',
    headers: { Allow: { description: 'the methods the path takes, e.g. `GET, HEAD, POST`', schema: { type: 'string' } } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  // Generated at the first request, when every route is registered; the routes do not change.
  let document: unknown;
  app.get('/openapi.json', (c) => c.json((document ??= withOperations(withRequestChecks(app.getOpenAPI31Document(DOCUMENT))))));

  app.notFound(unmatched(table));
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
