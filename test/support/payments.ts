/**
 * The payment providers of a test file: the repository's local stand-ins (`providers/`, the
 * real protocols over HTTP) on a free port, the adapters of `payments/` pointed at them, and a
 * webhook receiver on another free port that hands deliveries to the app `attach`ed to it (the
 * real API, whose `/webhooks/*` routes verify and apply them). Until an app is attached the
 * receiver answers 503, which the stand-in retries like a real provider.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createCardProcessor } from '../../payments/card-processor.js';
import { createPaypal } from '../../payments/paypal.js';
import type { Providers } from '../../payments/provider.js';
import type { Delays } from '../../providers/options.js';
import { startLocalProviders } from '../../providers/server.js';

export const PAYMENT_SECRETS = {
  cardSecretKey: 'sk_test_gigflow_tests',
  cardWebhookSecret: 'whsec_gigflow_tests',
  paypalClientId: 'gigflow-tests',
  paypalClientSecret: 'gigflow-tests-secret',
  paypalWebhookId: 'WH-GIGFLOW-TESTS',
} as const;

/** Test cards and sandbox accounts of docs/payment-providers.md. */
export const TEST_CARDS = {
  success: '4242424242424242',
  decline: '4000000000000002',
  insufficientFunds: '4000000000009995',
  challenge: '4000002760003184',
  delayedWebhook: '4000000000000077',
  duplicateWebhook: '4000000000000101',
  payoutFails: '4000000000000119',
  payoutSilent: '4000000000000127',
} as const;

export interface PaymentStandIns {
  /** The adapters gigflow uses, pointed at the stand-ins. */
  providers: Providers;
  /** The stand-ins' base URL (`…/card`, `…/paypal`). */
  url: string;
  /** Where the stand-ins send webhooks (`…/webhooks/card`, `…/webhooks/paypal`). */
  webhookBase: string;
  /** Hands every webhook delivery to this app from now on (the API's `fetch`). */
  attach(fetch: (req: Request) => Response | Promise<Response>): void;
  stop(): Promise<void>;
}

function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ server, url: `http://127.0.0.1:${info.port}` }));
  });
}

/** Starts the stand-ins for one test file; `delays` shrink their timings (webhook retries, payouts). */
export async function startPaymentStandIns(options: { delays?: Partial<Delays>; now?: () => number } = {}): Promise<PaymentStandIns> {
  let target: ((req: Request) => Response | Promise<Response>) | null = null;
  const receiver = await listen((req) => (target ? target(req) : new Response('not ready', { status: 503 })));
  const stand = await startLocalProviders({
    port: 0,
    host: '127.0.0.1',
    card: { secretKey: PAYMENT_SECRETS.cardSecretKey, webhookSecret: PAYMENT_SECRETS.cardWebhookSecret, webhookUrl: `${receiver.url}/webhooks/card` },
    paypal: {
      clientId: PAYMENT_SECRETS.paypalClientId,
      clientSecret: PAYMENT_SECRETS.paypalClientSecret,
      webhookId: PAYMENT_SECRETS.paypalWebhookId,
      webhookUrl: `${receiver.url}/webhooks/paypal`,
    },
    delays: { retryBaseMs: 50, webhookMs: 300, payoutMs: 100, deliveryTimeoutMs: 5_000, ...options.delays },
    ...(options.now ? { now: options.now } : {}),
  });
  const providers: Providers = {
    card: createCardProcessor({ baseUrl: `${stand.url}/card`, secretKey: PAYMENT_SECRETS.cardSecretKey, webhookSecret: PAYMENT_SECRETS.cardWebhookSecret }),
    paypal: createPaypal({
      baseUrl: `${stand.url}/paypal`,
      clientId: PAYMENT_SECRETS.paypalClientId,
      clientSecret: PAYMENT_SECRETS.paypalClientSecret,
      webhookId: PAYMENT_SECRETS.paypalWebhookId,
    }),
  };
  return {
    providers,
    url: stand.url,
    webhookBase: `${receiver.url}/webhooks`,
    attach(fetch) {
      target = fetch;
    },
    async stop() {
      await stand.stop();
      await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
    },
  };
}

/**
 * Adapters for a file that never pays: pointed at a port nothing listens on, so a call that
 * does reach for a provider fails as a provider outage would (503 `provider_unavailable`).
 */
export function unreachableProviders(): Providers {
  return {
    card: createCardProcessor({ baseUrl: 'http://127.0.0.1:9/card', secretKey: PAYMENT_SECRETS.cardSecretKey, webhookSecret: PAYMENT_SECRETS.cardWebhookSecret }),
    paypal: createPaypal({
      baseUrl: 'http://127.0.0.1:9/paypal',
      clientId: PAYMENT_SECRETS.paypalClientId,
      clientSecret: PAYMENT_SECRETS.paypalClientSecret,
      webhookId: PAYMENT_SECRETS.paypalWebhookId,
    }),
  };
}
