/**
 * The card processor adapter: Stripe's PaymentIntents protocol (docs/payment-providers.md,
 * "Card processor"). Form-encoded requests with a Bearer secret key, an Idempotency-Key on
 * every POST so a retried call never charges, pays or refunds twice, and every state read
 * back from the processor rather than taken from a redirect.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { verifyCardWebhook } from './card-webhook.js';
import { formEncode, type FormParams } from './form-encoding.js';
import { exchange, idFromDigits, joinUrl } from './http.js';
import {
  ProviderRefusal,
  type Checkout,
  type PaymentProvider,
  type PaymentState,
  type PayoutState,
  type SavedCard,
} from './provider.js';

/** Where the card processor is, and the secrets it gave us. */
export interface CardProcessorOptions {
  /** The processor's API root, e.g. `http://127.0.0.1:3002/card` (hosted pages live under it too). */
  baseUrl: string;
  secretKey: string;
  webhookSecret: string;
  /** How far a webhook's signed timestamp may be from our clock; 300 s as Stripe's libraries. */
  toleranceSeconds?: number;
  fetch?: typeof fetch;
}

const metadataShape = z.record(z.string(), z.string()).nullish();
const cardShape = z.object({ brand: z.string(), last4: z.string(), fingerprint: z.string() });
const chargeShape = z.object({
  id: z.string(),
  payment_method_details: z.object({ card: cardShape.nullish() }).nullish(),
});
const paymentIntentShape = z.object({
  id: z.string(),
  amount: z.number().int(),
  status: z.string(),
  client_secret: z.string().nullish(),
  metadata: metadataShape,
  last_payment_error: z.object({ code: z.string().nullish() }).nullish(),
  // A string when not expanded: we always expand it, but a string is not an error.
  latest_charge: z.union([z.string(), chargeShape]).nullish(),
});
const payoutShape = z.object({
  id: z.string(),
  amount: z.number().int(),
  status: z.string(),
  metadata: metadataShape,
  failure_code: z.string().nullish(),
});
const refundShape = z.object({ id: z.string(), status: z.string() });
const setupIntentShape = z.object({
  id: z.string(),
  status: z.string(),
  client_secret: z.string().nullish(),
  metadata: metadataShape,
  payment_method: z.union([z.string(), z.object({ id: z.string(), card: cardShape })]).nullish(),
});
const errorShape = z.object({
  error: z.object({ type: z.string().nullish(), code: z.string().nullish(), message: z.string().nullish() }),
});

type PaymentIntent = z.infer<typeof paymentIntentShape>;
type Payout = z.infer<typeof payoutShape>;

/** A PaymentProvider over the card processor's HTTP API. */
export function createCardProcessor(options: CardProcessorOptions): PaymentProvider {
  const api = cardApi(options);
  const secret = { webhookSecret: options.webhookSecret, toleranceSeconds: options.toleranceSeconds ?? 300 };
  const payment = async (providerRef: string): Promise<PaymentState> =>
    paymentState(await api.get(`/v1/payment_intents/${encodeURIComponent(providerRef)}`, paymentIntentShape, { expand: ['latest_charge'] }));
  const payout = async (providerRef: string): Promise<PayoutState> =>
    payoutState(await api.get(`/v1/payouts/${encodeURIComponent(providerRef)}`, payoutShape));

  return {
    name: 'card',
    async createCheckout(request): Promise<Checkout> {
      const intent = await api.post('/v1/payment_intents', paymentIntentShape, `topup-${request.topUpId}`, {
        amount: request.amountCents,
        currency: 'usd',
        metadata: { top_up_id: request.topUpId, user_id: request.userId },
      });
      // The hosted page has one way back: return_url with redirect_status. cancelUrl is unused.
      return { providerRef: intent.id, checkoutUrl: api.hostedUrl('pay', intent.id, intent.client_secret, request.returnUrl) };
    },
    payment,
    async sendPayout(request) {
      return payoutState(
        await api.post('/v1/payouts', payoutShape, request.idempotencyKey, {
          amount: request.amountCents,
          currency: 'usd',
          destination: request.destination,
          metadata: { withdrawal_id: request.withdrawalId },
        }),
      );
    },
    payout,
    async cancelPayout(providerRef) {
      try {
        // The key is the payout's own: cancelling is the same request however often it is sent.
        return payoutState(await api.post(`/v1/payouts/${encodeURIComponent(providerRef)}/cancel`, payoutShape, `cancel-${providerRef}`, {}));
      } catch (error) {
        // 400: no longer pending (paid, failed, cancelled): the answer is its state as it is.
        if (error instanceof ProviderRefusal && error.status === 400) return payout(providerRef);
        throw error;
      }
    },
    async refund(request) {
      const refund = await api.post('/v1/refunds', refundShape, request.idempotencyKey, {
        payment_intent: request.providerRef,
        amount: request.amountCents,
        metadata: { top_up_id: request.topUpId },
      });
      // 'succeeded' means accepted: a card refund still `pending` at the network is on its way,
      // and the interface has no third state. Only a refusal the processor reports now fails.
      const failed = refund.status === 'failed' || refund.status === 'canceled';
      return { providerRef: refund.id, status: failed ? 'failed' : 'succeeded' };
    },
    async startCardSetup(request) {
      // No natural key: each call is a fresh setup the user may abandon, and an abandoned setup
      // moves no money. A random key still protects the one HTTP exchange.
      const setup = await api.post('/v1/setup_intents', setupIntentShape, `setup-${request.userId}-${randomUUID()}`, {
        usage: 'off_session',
        metadata: { user_id: request.userId },
      });
      return { setupRef: setup.id, setupUrl: api.hostedUrl('setup', setup.id, setup.client_secret, request.returnUrl) };
    },
    async savedCard(setupRef): Promise<SavedCard | null> {
      const setup = await api.get(`/v1/setup_intents/${encodeURIComponent(setupRef)}`, setupIntentShape, { expand: ['payment_method'] });
      if (setup.status !== 'succeeded' || setup.payment_method == null) return null;
      if (typeof setup.payment_method === 'string') throw new Error(`card: setup intent ${setupRef} came back without its payment method expanded`);
      const { id, card } = setup.payment_method;
      return { token: id, brand: card.brand, last4: card.last4, fingerprint: card.fingerprint, userId: idFromDigits(setup.metadata?.['user_id']) };
    },
    async verifyWebhook(rawBody, headers, nowMs) {
      return verifyCardWebhook(secret, rawBody, headers, nowMs);
    },
  };
}

/** The processor's HTTP API as typed GETs and idempotent POSTs. */
function cardApi(options: CardProcessorOptions) {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const authorization = `Bearer ${options.secretKey}`;

  async function send<T>(shape: z.ZodType<T>, method: 'GET' | 'POST', path: string, query: string, headers: Record<string, string>, body?: string): Promise<T> {
    const url = joinUrl(options.baseUrl, query === '' ? path : `${path}?${query}`);
    const answer = await exchange(fetchImpl, 'card', { method, url, headers: { authorization, ...headers }, ...(body === undefined ? {} : { body }) });
    if (answer.status >= 400) throw refusalOf(answer.status, answer.body, `${method} ${path}`);
    const parsed = shape.safeParse(answer.body);
    if (!parsed.success) throw new Error(`card: ${method} ${path} answered an unexpected shape: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }

  return {
    get: <T>(path: string, shape: z.ZodType<T>, query: FormParams = {}) => send(shape, 'GET', path, formEncode(query), {}),
    post: <T>(path: string, shape: z.ZodType<T>, idempotencyKey: string, params: FormParams) =>
      send(shape, 'POST', path, '', { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': idempotencyKey }, formEncode(params)),
    /** A hosted page (`pay` or `setup`) for the object, authorised by its client secret. */
    hostedUrl(page: 'pay' | 'setup', id: string, clientSecret: string | null | undefined, returnUrl: string): string {
      if (!clientSecret) throw new Error(`card: ${id} came back without a client_secret`);
      const query = new URLSearchParams({ client_secret: clientSecret, return_url: returnUrl });
      return joinUrl(options.baseUrl, `/${page}/${encodeURIComponent(id)}?${query}`);
    },
  };
}

function refusalOf(status: number, body: unknown, what: string): ProviderRefusal {
  const parsed = errorShape.safeParse(body);
  const error = parsed.success ? parsed.data.error : null;
  const code = error?.code ?? error?.type ?? `http_${status}`;
  return new ProviderRefusal('card', status, code, error?.message ?? `card: ${what} refused with ${status}`);
}

function paymentState(intent: PaymentIntent): PaymentState {
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  const base = {
    providerRef: intent.id,
    topUpId: idFromDigits(intent.metadata?.['top_up_id']),
    amountCents: intent.amount,
    payerEmail: null,
  };
  if (intent.status === 'succeeded') {
    const card = charge?.payment_method_details?.card ?? null;
    return {
      ...base,
      status: 'succeeded',
      awaitingPayer: false,
      failureReason: null,
      card: card && { brand: card.brand, last4: card.last4, fingerprint: card.fingerprint },
      chargeRef: typeof intent.latest_charge === 'string' ? intent.latest_charge : (charge?.id ?? null),
    };
  }
  // A declined attempt puts the intent back to requires_payment_method with the error; the
  // payer may still try another card, but this attempt is over and the top-up says so.
  const declined = intent.status === 'requires_payment_method' && intent.last_payment_error != null;
  if (declined || intent.status === 'canceled') {
    const reason = declined ? (intent.last_payment_error?.code ?? 'payment_failed') : 'canceled';
    return { ...base, status: 'failed', awaitingPayer: false, failureReason: reason, card: null, chargeRef: null };
  }
  // requires_payment_method, requires_confirmation, requires_action, processing, and any
  // status we do not know yet: not decided, a later read or webhook will tell. Only the first
  // three wait for the payer; processing (and anything unknown) may still end in a charge.
  const awaitingPayer = ['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(intent.status);
  return { ...base, status: 'pending', awaitingPayer, failureReason: null, card: null, chargeRef: null };
}

function payoutState(payout: Payout): PayoutState {
  const base = { providerRef: payout.id, withdrawalId: idFromDigits(payout.metadata?.['withdrawal_id']), amountCents: payout.amount };
  switch (payout.status) {
    case 'paid':
      return { ...base, status: 'paid', failureReason: null };
    case 'failed':
      return { ...base, status: 'failed', failureReason: payout.failure_code ?? 'failed' };
    case 'canceled':
      return { ...base, status: 'cancelled', failureReason: null };
    default:
      // pending, in_transit: the money has not arrived or failed yet.
      return { ...base, status: 'pending', failureReason: null };
  }
}
