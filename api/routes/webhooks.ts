/**
 * The payment providers' webhooks. Public (the provider is no user): each delivery proves
 * itself by its signature over the raw body, checked before anything is recorded — a bad
 * signature or a stale timestamp answers 400 and leaves no trace. A 2xx tells the provider to
 * stop retrying, so it is answered only once the event is recorded and applied.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ProviderWebhooks } from '../../services/provider-webhooks.js';
import { access, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json, jsonBody } from '../schemas.js';

const Outcome = z
  .object({
    eventId: z.string(),
    status: z.enum(['received', 'processed', 'unmatched', 'ignored']),
    duplicate: z.boolean().openapi({ description: 'the event was recorded and settled before: this delivery changed nothing' }),
  })
  .openapi('WebhookOutcome');

const Event = z.looseObject({}).openapi({ description: 'the provider’s event, verified over the raw body' });

const routes = {
  card: secured(access.public, {
    method: 'post',
    path: '/webhooks/card',
    tags: ['webhooks'],
    summary: 'The card processor’s events (`payment_intent.*`, `payout.*`, `charge.refunded`), signed `Stripe-Signature: t=…,v1=HMAC-SHA256`',
    request: { headers: z.object({ 'stripe-signature': z.string().max(2_000).optional() }), ...jsonBody(Event) },
    responses: { 200: json('Recorded (once per event id) and applied', Outcome), ...errorResponses(400) },
  }),
  paypal: secured(access.public, {
    method: 'post',
    path: '/webhooks/paypal',
    tags: ['webhooks'],
    summary: 'PayPal’s events (`PAYMENT.CAPTURE.*`, `CHECKOUT.ORDER.APPROVED`, `PAYMENT.PAYOUTS-ITEM.*`), verified with PayPal’s verify-webhook-signature',
    request: {
      headers: z.object({
        'paypal-transmission-id': z.string().max(200).optional(),
        'paypal-transmission-time': z.string().max(100).optional(),
        'paypal-transmission-sig': z.string().max(2_000).optional(),
        'paypal-cert-url': z.string().max(2_000).optional(),
        'paypal-auth-algo': z.string().max(100).optional(),
      }),
      ...jsonBody(Event),
    },
    responses: { 200: json('Recorded (once per event id) and applied', Outcome), ...errorResponses(400) },
  }),
};

const headersOf = (raw: Headers): Record<string, string | undefined> => Object.fromEntries([...raw.entries()].map(([k, v]) => [k.toLowerCase(), v]));

export function webhookRoutes({ webhooks }: { webhooks: ProviderWebhooks }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.card, async (c) => c.json(await webhooks.receive('card', await c.req.text(), headersOf(c.req.raw.headers)), 200))
    .openapi(routes.paypal, async (c) => c.json(await webhooks.receive('paypal', await c.req.text(), headersOf(c.req.raw.headers)), 200));
}
