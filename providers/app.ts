/**
 * The local payment providers: one Hono app with the card processor at `/card` and PayPal at
 * `/paypal`, speaking the wire protocols of docs/payment-providers.md, with hosted pages where
 * a person pays with test cards or sandbox accounts. All state is in memory.
 */
import { Hono } from 'hono';
import { createCardProvider, type CardEvent } from './card.js';
import type { CardProcessor } from './card-state.js';
import { resolveOptions, type Delays, type LocalProvidersOptions } from './options.js';
import { createPayPalProvider, type PayPalEvent } from './paypal.js';
import type { PayPalService } from './paypal-state.js';
import { createScheduler } from './scheduler.js';
import { createWebhookQueue, type DeliveryRecord } from './webhooks.js';

export type { LocalProvidersOptions, Delays };

/** The app and, for tests and tools, a look inside. */
export interface LocalProviders {
  app: Hono;
  card: {
    processor: CardProcessor;
    /** Every event emitted, in order (whether or not a webhook URL is configured). */
    events: CardEvent[];
  };
  paypal: {
    service: PayPalService;
    events: PayPalEvent[];
  };
  /** Every webhook delivery and what became of it. */
  deliveries(): DeliveryRecord[];
  /** Cancels pending timers (payouts, delayed webhooks, retries) and aborts deliveries in flight. */
  close(): Promise<void>;
}

export function createLocalProviders(options: LocalProvidersOptions): LocalProviders {
  const resolved = resolveOptions(options);
  const { delays, now, publicUrl } = resolved;
  const scheduler = createScheduler();
  const queue = createWebhookQueue({ scheduler, retryBaseMs: delays.retryBaseMs, maxAttempts: delays.maxAttempts, deliveryTimeoutMs: delays.deliveryTimeoutMs });
  const card = createCardProvider({ ...resolved.card, baseUrl: `${publicUrl}/card`, now, scheduler, queue, delays });
  const paypal = createPayPalProvider({ ...resolved.paypal, baseUrl: `${publicUrl}/paypal`, now, scheduler, queue, payoutMs: delays.payoutMs });
  const app = new Hono();
  app.route('/card', card.routes);
  app.route('/paypal', paypal.routes);
  app.notFound((c) => c.json({ error: 'not_found', message: 'The local providers live under /card and /paypal.' }, 404));
  return {
    app,
    card: { processor: card.processor, events: card.events },
    paypal: { service: paypal.service, events: paypal.events },
    deliveries: () => queue.records(),
    async close() {
      scheduler.close();
      await queue.close();
    },
  };
}
