/**
 * PayPal (`/paypal`): OAuth2 client credentials, Orders v2, Payouts, webhook verification and
 * the transaction report, with `PayPal-Request-Id` replay and events signed as the spec says.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { paypalEventId } from './ids.js';
import { paypalPageRoutes } from './paypal-pages.js';
import { PayPalService, type PayPalEventType } from './paypal-state.js';
import { invalidRequest, isoTime, orderSchema, parseBody, PayPalError, payoutSchema, verifySchema } from './paypal-wire.js';
import { createReplayStore, type ReplayStore, type StoredAnswer } from './replay.js';
import type { Scheduler } from './scheduler.js';
import { createPayPalSigner, PAYPAL_AUTH_ALGO, sameSecret, type PayPalSigner } from './signatures.js';
import type { WebhookQueue } from './webhooks.js';

/** An event as delivered. */
export interface PayPalEvent {
  id: string;
  event_version: '1.0';
  create_time: string;
  resource_type: string;
  event_type: PayPalEventType;
  summary: string;
  resource: unknown;
}

export interface PayPalProviderOptions {
  /** The public URL of `/paypal`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  webhookId: string;
  webhookUrl?: string;
  now: () => number;
  scheduler: Scheduler;
  queue: WebhookQueue;
  payoutMs: number;
}

/** PayPal: its routes (to mount at `/paypal`), its state, and every event it emitted. */
export interface PayPalProvider {
  routes: Hono;
  service: PayPalService;
  events: PayPalEvent[];
}

/** What PayPal's tokens last: 9 h. */
const TOKEN_LIFETIME_S = 32_400;
const CERT_ID = 'CERT-local-providers';

interface ApiDeps {
  options: PayPalProviderOptions;
  service: PayPalService;
  signer: PayPalSigner;
  replay: ReplayStore;
  /** Access token → when it expires (ms). */
  tokens: Map<string, number>;
  certUrl: string;
}

export function createPayPalProvider(options: PayPalProviderOptions): PayPalProvider {
  const events: PayPalEvent[] = [];
  const signer = createPayPalSigner();
  const certUrl = `${options.baseUrl}/v1/notifications/certs/${CERT_ID}`;
  const emit = (type: PayPalEventType, resourceType: string, summary: string, resource: object) => {
    const event: PayPalEvent = { id: paypalEventId(), event_version: '1.0', create_time: isoTime(options.now()), resource_type: resourceType, event_type: type, summary, resource: structuredClone(resource) };
    events.push(event);
    if (options.webhookUrl) options.queue.send({ url: options.webhookUrl, eventId: event.id, type, body: JSON.stringify(event), sign: (body) => transmissionHeaders(options, signer, certUrl, body) });
  };
  const service = new PayPalService({ now: options.now, scheduler: options.scheduler, payoutMs: options.payoutMs, baseUrl: options.baseUrl, emit });
  const routes = new Hono();
  routes.route('/', paypalPageRoutes({ service, baseUrl: options.baseUrl }));
  routes.route('/', paypalApiRoutes({ options, service, signer, replay: createReplayStore(options.now), tokens: new Map(), certUrl }));
  return { routes, service, events };
}

/** A fresh transmission (id and time) for each attempt, signed over the raw body. */
function transmissionHeaders(options: PayPalProviderOptions, signer: PayPalSigner, certUrl: string, body: string): Record<string, string> {
  const transmissionId = randomUUID();
  const transmissionTime = new Date(options.now()).toISOString();
  return {
    'PAYPAL-TRANSMISSION-ID': transmissionId,
    'PAYPAL-TRANSMISSION-TIME': transmissionTime,
    'PAYPAL-TRANSMISSION-SIG': signer.sign({ transmissionId, transmissionTime, webhookId: options.webhookId, body }),
    'PAYPAL-CERT-URL': certUrl,
    'PAYPAL-AUTH-ALGO': PAYPAL_AUTH_ALGO,
  };
}

function paypalApiRoutes(deps: ApiDeps): Hono {
  const { service } = deps;
  const api = new Hono();
  api.post('/v1/oauth2/token', (c) => issueToken(c, deps));
  api.get(`/v1/notifications/certs/${CERT_ID}`, (c) => c.text(deps.signer.publicKeyPem, 200, { 'content-type': 'application/x-pem-file' }));
  for (const path of ['/v2/*', '/v1/payments/*', '/v1/notifications/verify-webhook-signature', '/v1/reporting/*']) api.use(path, requireToken(deps));
  api.post('/v2/checkout/orders', idempotent(deps, async (c) => ({ status: 201, body: service.createOrder(parseBody(orderSchema, await jsonBody(c))) })));
  api.get('/v2/checkout/orders/:id', (c) => c.json(service.order(c.req.param('id') ?? '')));
  api.post('/v2/checkout/orders/:id/capture', idempotent(deps, async (c) => {
    await jsonBody(c);
    return { status: 201, body: service.capture(c.req.param('id') ?? '') };
  }));
  api.post('/v1/payments/payouts', idempotent(deps, async (c) => {
    const batch = service.createPayouts(parseBody(payoutSchema, await jsonBody(c)));
    return { status: 201, body: { batch_header: batch.batch_header, links: batch.links } };
  }));
  api.get('/v1/payments/payouts/:id', (c) => c.json(service.batch(c.req.param('id') ?? '')));
  api.get('/v1/payments/payouts-item/:id', (c) => c.json(service.item(c.req.param('id') ?? '')));
  api.post('/v1/payments/payouts-item/:id/cancel', idempotent(deps, async (c) => ({ status: 200, body: service.cancelItem(c.req.param('id') ?? '') })));
  api.post('/v1/notifications/verify-webhook-signature', async (c) => c.json({ verification_status: verify(deps, parseBody(verifySchema, await jsonBody(c))) }));
  api.get('/v1/reporting/transactions', (c) => c.json(report(c, deps)));
  api.onError((error, c) => {
    const refusal = error instanceof PayPalError ? error : new PayPalError(500, 'INTERNAL_SERVER_ERROR', 'An internal server error has occurred.');
    return c.json(refusal.body(), refusal.status);
  });
  api.all('*', (c) => c.json(new PayPalError(404, 'NOT_FOUND', `No such endpoint: ${c.req.method} ${c.req.path}`).body(), 404));
  return api;
}

/** OAuth2 client credentials: Basic `client_id:secret`, `grant_type=client_credentials`. */
async function issueToken(c: Context, deps: ApiDeps) {
  const [id, secret] = basicCredentials(c.req.header('authorization'));
  if (!sameSecret(id, deps.options.clientId) || !sameSecret(secret, deps.options.clientSecret)) {
    // The token endpoint answers in OAuth2's shape; `name`/`message` are added so one reader fits all.
    return c.json({ error: 'invalid_client', error_description: 'Client Authentication failed', ...authFailure().body() }, 401);
  }
  const grant = new URLSearchParams(await c.req.text()).get('grant_type');
  if (grant !== 'client_credentials') {
    const refusal = invalidRequest([{ field: 'grant_type', location: 'body', issue: 'INVALID_PARAMETER_VALUE', description: 'grant_type must be client_credentials' }]);
    return c.json({ error: 'unsupported_grant_type', error_description: 'Grant Type is NULL or unsupported', ...refusal.body() }, 400);
  }
  const token = `A21AA${randomBytes(32).toString('base64url')}`;
  deps.tokens.set(token, deps.options.now() + TOKEN_LIFETIME_S * 1000);
  return c.json({ scope: 'https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/payouts', access_token: token, token_type: 'Bearer', app_id: 'APP-LOCAL', expires_in: TOKEN_LIFETIME_S, nonce: `${isoTime(deps.options.now())}${randomBytes(8).toString('hex')}` });
}

function basicCredentials(header: string | undefined): [string, string] {
  const match = /^Basic (.+)$/.exec(header ?? '');
  if (!match) return ['', ''];
  const decoded = Buffer.from(match[1]!, 'base64').toString();
  const colon = decoded.indexOf(':');
  return colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function authFailure(): PayPalError {
  return new PayPalError(401, 'AUTHENTICATION_FAILURE', 'Authentication failed due to invalid authentication credentials or a missing Authorization header.', [], false);
}

/** `Authorization: Bearer <access token>`, a token this server issued and that has not expired. */
function requireToken(deps: ApiDeps) {
  return async (c: Context, next: () => Promise<void>) => {
    const token = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : deps.tokens.get(token);
    if (expiresAt === undefined || expiresAt <= deps.options.now()) return c.json(authFailure().body(), 401);
    await next();
  };
}

/** The JSON body; an empty one is `{}`. */
async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest([{ location: 'body', issue: 'MALFORMED_REQUEST_JSON', description: 'The request JSON is not well formed.' }]);
  }
}

/**
 * A POST under `PayPal-Request-Id`: the first answer under an id (per endpoint) is answered
 * again to any later request with that id, as PayPal does; a request refused as malformed is
 * not kept, so it may be corrected and sent again under the same id.
 */
function idempotent(deps: ApiDeps, handler: (c: Context) => Promise<StoredAnswer>) {
  return async (c: Context) => {
    const requestId = c.req.header('paypal-request-id');
    const key = `${c.req.path}|${requestId}`;
    if (requestId !== undefined) {
      const found = deps.replay.lookup(key, '');
      if (found.kind === 'replay') return c.json(found.answer.body as object, found.answer.status as ContentfulStatusCode);
    }
    let answer: StoredAnswer;
    try {
      answer = await handler(c);
    } catch (error) {
      if (!(error instanceof PayPalError) || !error.replayable) throw error;
      answer = { status: error.status, body: error.body() };
    }
    if (requestId !== undefined) deps.replay.save(key, '', answer);
    return c.json(answer.body as object, answer.status as ContentfulStatusCode);
  };
}

/** SUCCESS when the signature is ours over this event, for our webhook id, algorithm and cert. */
function verify(deps: ApiDeps, input: { auth_algo: string; cert_url: string; transmission_id: string; transmission_sig: string; transmission_time: string; webhook_id: string; webhook_event: unknown }): 'SUCCESS' | 'FAILURE' {
  if (input.auth_algo !== PAYPAL_AUTH_ALGO || input.cert_url !== deps.certUrl || input.webhook_id !== deps.options.webhookId) return 'FAILURE';
  const transmission = { transmissionId: input.transmission_id, transmissionTime: input.transmission_time, webhookId: input.webhook_id, body: JSON.stringify(input.webhook_event) };
  return deps.signer.verify(transmission, input.transmission_sig) ? 'SUCCESS' : 'FAILURE';
}

/** The transaction report for [start_date, end_date] (at most 31 days), paged. */
function report(c: Context, deps: ApiDeps) {
  const query = c.req.query();
  const start = dateParam(query, 'start_date');
  const end = dateParam(query, 'end_date');
  if (end < start || end - start > 31 * 24 * 3600 * 1000) {
    throw invalidRequest([{ field: 'end_date', location: 'query', issue: 'INVALID_PARAMETER_VALUE', description: 'end_date must be after start_date and at most 31 days later.' }]);
  }
  const pageSize = Math.min(500, Math.max(1, Number(query.page_size ?? 100) || 100));
  const page = Math.max(1, Math.floor(Number(query.page ?? 1)) || 1);
  const lines = deps.service.transactions(start, end);
  return {
    transaction_details: lines.slice((page - 1) * pageSize, page * pageSize),
    account_number: 'LOCALPROVIDERS',
    start_date: query.start_date,
    end_date: query.end_date,
    last_refreshed_datetime: isoTime(deps.options.now()),
    page,
    total_items: lines.length,
    total_pages: Math.max(1, Math.ceil(lines.length / pageSize)),
    links: [],
  };
}

function dateParam(query: Record<string, string>, name: string): number {
  const value = query[name];
  const ms = value === undefined ? NaN : Date.parse(value);
  if (Number.isNaN(ms)) {
    const issue = value === undefined ? 'MISSING_REQUIRED_PARAMETER' : 'INVALID_PARAMETER_VALUE';
    throw invalidRequest([{ field: name, location: 'query', issue, description: `${name} must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z.` }]);
  }
  return ms;
}
