/**
 * The card processor (`/card`), in the Stripe PaymentIntents style: bearer-key auth, form
 * bodies, `Idempotency-Key` replay, and events signed with `Stripe-Signature`.
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { cardPageRoutes } from './card-pages.js';
import { CardProcessor, type CardEventType } from './card-state.js';
import { stripeId } from './ids.js';
import { createReplayStore, type ReplayStore, type StoredAnswer } from './replay.js';
import type { Scheduler } from './scheduler.js';
import { sameSecret, stripeSignature } from './signatures.js';
import {
  amountParam, CardError, expandParam, invalidParam, listPage, metadataParam, onlyKnown, parseStripeForm, stringParam, usdParam, type StripeParams,
} from './stripe-wire.js';
import type { WebhookQueue } from './webhooks.js';

/** An event as delivered: `{id, object:'event', type, created, data:{object}, livemode:false}`. */
export interface CardEvent {
  id: string;
  object: 'event';
  type: CardEventType;
  created: number;
  data: { object: unknown };
  livemode: false;
}

export interface CardProviderOptions {
  /** The public URL of `/card`. */
  baseUrl: string;
  secretKey: string;
  webhookSecret: string;
  webhookUrl?: string;
  now: () => number;
  scheduler: Scheduler;
  queue: WebhookQueue;
  delays: { webhookMs: number; payoutMs: number };
}

/** The card processor: its routes (to mount at `/card`), its state, and every event it emitted. */
export interface CardProvider {
  routes: Hono;
  processor: CardProcessor;
  events: CardEvent[];
}

export function createCardProvider(options: CardProviderOptions): CardProvider {
  const { now, baseUrl } = options;
  const events: CardEvent[] = [];
  const seconds = () => Math.floor(now() / 1000);
  const emit = (type: CardEventType, object: object, { delayMs = 0, copies = 1 } = {}) => {
    const event: CardEvent = { id: stripeId('evt'), object: 'event', type, created: seconds(), data: { object: structuredClone(object) }, livemode: false };
    events.push(event);
    const url = options.webhookUrl;
    if (!url) return;
    const body = JSON.stringify(event);
    const sign = (raw: string) => ({ 'Stripe-Signature': stripeSignature(options.webhookSecret, seconds(), raw) });
    // The duplicate test card: the same event (same id) delivered twice at once.
    for (let copy = 0; copy < copies; copy++) options.queue.send({ url, eventId: event.id, type, body, sign }, delayMs);
  };
  const processor = new CardProcessor({ now, scheduler: options.scheduler, delays: options.delays, baseUrl, emit });
  const routes = new Hono();
  routes.route('/', cardPageRoutes({ processor, fingerprintKey: randomBytes(32), now, baseUrl }));
  routes.route('/', cardApiRoutes({ processor, secretKey: options.secretKey, replay: createReplayStore(now) }));
  return { routes, processor, events };
}

interface ApiDeps {
  processor: CardProcessor;
  secretKey: string;
  replay: ReplayStore;
}

const LIST = ['limit', 'starting_after', 'expand'];
/** Stripe parameters a client may send that change nothing here. */
const IGNORED = ['expand', 'description', 'statement_descriptor', 'statement_descriptor_suffix', 'payment_method_types', 'automatic_payment_methods', 'receipt_email'];

function cardApiRoutes(deps: ApiDeps): Hono {
  const { processor } = deps;
  const api = new Hono();
  api.use('/v1/*', authenticate(deps.secretKey));
  api.post('/v1/payment_intents', post(deps, (p) => {
    onlyKnown(p, ['amount', 'currency', 'metadata', ...IGNORED]);
    const amount = amountParam(p, true)!;
    usdParam(p);
    return processor.intentView(processor.createPaymentIntent({ amount, metadata: metadataParam(p) }), expandParam(p));
  }));
  api.get('/v1/payment_intents/:id', get(['expand'], (p, c) => processor.intentView(processor.paymentIntent(c.req.param('id') ?? ''), expandParam(p))));
  api.get('/v1/payment_intents', get(LIST, (p) => {
    const page = listPage(processor.listIntents(), p, '/v1/payment_intents', 'payment_intent');
    const expand = expandParam(p).includes('data.latest_charge') ? ['latest_charge'] : [];
    return { ...page, data: page.data.map((intent) => processor.intentView(intent, expand)) };
  }));
  api.post('/v1/refunds', post(deps, (p) => {
    onlyKnown(p, ['payment_intent', 'amount', 'reason', 'metadata', 'expand']);
    const reason = stringParam(p, 'reason') ?? null;
    if (reason !== null && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason)) throw invalidParam('parameter_invalid', `Invalid reason: ${reason}`, 'reason');
    return processor.refund({ paymentIntent: stringParam(p, 'payment_intent', true)!, amount: amountParam(p, false), reason, metadata: metadataParam(p) });
  }));
  api.get('/v1/refunds', get(LIST, (p) => listPage(processor.listRefunds(), p, '/v1/refunds', 'refund')));
  api.post('/v1/setup_intents', post(deps, (p) => {
    onlyKnown(p, ['usage', 'metadata', ...IGNORED]);
    const usage = stringParam(p, 'usage') ?? 'off_session';
    if (usage !== 'off_session' && usage !== 'on_session') throw invalidParam('parameter_invalid', `Invalid usage: ${usage}`, 'usage');
    return processor.setupView(processor.createSetupIntent({ usage, metadata: metadataParam(p) }), expandParam(p));
  }));
  api.get('/v1/setup_intents/:id', get(['expand'], (p, c) => processor.setupView(processor.setupIntent(c.req.param('id') ?? ''), expandParam(p))));
  payoutRoutes(api, deps);
  api.get('/v1/balance_transactions', get(LIST, (p) => listPage(processor.listBalance(), p, '/v1/balance_transactions', 'balance_transaction')));
  api.onError((error, c) => (error instanceof CardError ? c.json(error.body(), error.status as ContentfulStatusCode) : c.json(new CardError(500, 'api_error', undefined, 'Internal error').body(), 500)));
  api.all('*', (c) => c.json({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${c.req.method}: ${c.req.path}).` } }, 404));
  return api;
}

function payoutRoutes(api: Hono, deps: ApiDeps): void {
  const { processor } = deps;
  api.post('/v1/payouts', post(deps, (p) => {
    onlyKnown(p, ['amount', 'currency', 'destination', 'metadata', 'method', 'expand', 'description', 'statement_descriptor']);
    const amount = amountParam(p, true)!;
    usdParam(p);
    const method = stringParam(p, 'method') ?? 'standard';
    if (method !== 'standard') throw invalidParam('parameter_invalid', 'Only standard payouts are supported here.', 'method');
    return processor.createPayout({ amount, destination: stringParam(p, 'destination', true)!, metadata: metadataParam(p) });
  }));
  api.get('/v1/payouts/:id', get(['expand'], (_p, c) => processor.payout(c.req.param('id') ?? '')));
  api.get('/v1/payouts', get(LIST, (p) => listPage(processor.listPayouts(), p, '/v1/payouts', 'payout')));
  api.post('/v1/payouts/:id/cancel', post(deps, (p, c) => {
    onlyKnown(p, ['expand']);
    return processor.cancelPayout(c.req.param('id') ?? '');
  }));
}

/** `Authorization: Bearer <secret key>`, or 401 in Stripe's shape. */
function authenticate(secretKey: string) {
  return async (c: Context, next: () => Promise<void>) => {
    const match = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '');
    if (!match || !sameSecret(match[1]!, secretKey)) {
      const message = match ? 'Invalid API Key provided.' : 'You did not provide an API key. Provide it as Authorization: Bearer <key>.';
      return c.json({ error: { type: 'invalid_request_error', message } }, 401);
    }
    await next();
  };
}

/** A GET: query parameters in bracket notation, only `allowed` ones. */
function get(allowed: readonly string[], handler: (params: StripeParams, c: Context) => unknown) {
  return (c: Context) => {
    const params = parseStripeForm(new URL(c.req.url).search.slice(1));
    onlyKnown(params, allowed);
    return c.json(handler(params, c) as object);
  };
}

/**
 * A POST under Stripe's idempotency rules: with an `Idempotency-Key`, the first answer (error
 * or not, except a request refused before it ran) is kept and answered again, marked
 * `Idempotent-Replayed: true`, to the same request; another request under the key is a 400.
 */
function post(deps: ApiDeps, handler: (params: StripeParams, c: Context) => unknown) {
  return async (c: Context) => {
    const params = parseStripeForm(await c.req.text());
    const key = c.req.header('idempotency-key');
    const request = `${c.req.method} ${c.req.path} ${canonical(params)}`;
    if (key !== undefined) {
      const found = deps.replay.lookup(key, request);
      if (found.kind === 'replay') return c.json(found.answer.body as object, found.answer.status as ContentfulStatusCode, { 'Idempotent-Replayed': 'true' });
      if (found.kind === 'mismatch') {
        const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`;
        return c.json(new CardError(400, 'idempotency_error', 'idempotency_error', message).body(), 400);
      }
    }
    let answer: StoredAnswer;
    try {
      answer = { status: 200, body: handler(params, c) };
    } catch (error) {
      if (!(error instanceof CardError)) throw error;
      if (!error.replayable) throw error;
      answer = { status: error.status, body: error.body() };
    }
    if (key !== undefined) deps.replay.save(key, request, answer);
    return c.json(answer.body as object, answer.status as ContentfulStatusCode);
  };
}

/** The parameters in one order, so that the same request always compares equal. */
function canonical(params: StripeParams): string {
  const sorted = Object.keys(params).sort().map((name) => {
    const value = params[name]!;
    return [name, typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort()) : value];
  });
  return JSON.stringify(sorted);
}
