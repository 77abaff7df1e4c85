/**
 * The providers a process talks to, from its configuration: the real protocols, pointed at the
 * URLs and secrets configured, or at the local stand-ins (`providers/`) when no URL is set.
 */
import type { Config } from '../config.js';
import { createCardProcessor } from './card-processor.js';
import { createPaypal } from './paypal.js';
import type { Providers } from './provider.js';

type ProviderConfig = Pick<
  Config,
  | 'CARD_PROCESSOR_URL'
  | 'CARD_PROCESSOR_SECRET_KEY'
  | 'CARD_WEBHOOK_SECRET'
  | 'PAYPAL_URL'
  | 'PAYPAL_CLIENT_ID'
  | 'PAYPAL_CLIENT_SECRET'
  | 'PAYPAL_WEBHOOK_ID'
  | 'LOCAL_PROVIDERS_PORT'
>;

/** Where the local stand-ins listen when no provider URL is configured. */
export const localProvidersUrl = (config: Pick<Config, 'LOCAL_PROVIDERS_PORT'>) => `http://127.0.0.1:${config.LOCAL_PROVIDERS_PORT}`;

export function configuredProviders(config: ProviderConfig): Providers {
  const local = localProvidersUrl(config);
  return {
    card: createCardProcessor({
      baseUrl: config.CARD_PROCESSOR_URL ?? `${local}/card`,
      secretKey: config.CARD_PROCESSOR_SECRET_KEY,
      webhookSecret: config.CARD_WEBHOOK_SECRET,
    }),
    paypal: createPaypal({
      baseUrl: config.PAYPAL_URL ?? `${local}/paypal`,
      clientId: config.PAYPAL_CLIENT_ID,
      clientSecret: config.PAYPAL_CLIENT_SECRET,
      webhookId: config.PAYPAL_WEBHOOK_ID,
    }),
  };
}
