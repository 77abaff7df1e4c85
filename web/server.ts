/**
 * The web client alone: Hono pages on @hono/node-server over the same services as the API, for
 * given PostgreSQL and Temporal servers. `npm start` runs one beside the API.
 */
import { pino } from 'pino';
import { serveUntilStopped } from '../api/http-process.js';
import { configuredCodec } from '../codec/payload-codec.js';
import { loadConfig, webPublicUrl } from '../config.js';
import { configuredProviders, localProvidersUrl } from '../payments/configured.js';
import { configuredAttachmentStore } from '../services/attachment-store.js';
import { openServices } from '../services/runtime.js';
import { temporalConnectionOptions } from '../services/temporal-connection.js';
import { createWeb } from './app.js';

const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS']);
const logger = pino({ level: config.LOG_LEVEL, base: { service: 'web' } });

const { services, close } = await openServices({
  databaseUrl: config.DATABASE_URL,
  temporal: temporalConnectionOptions(config, config.TEMPORAL_ADDRESS),
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  providers: configuredProviders(config),
  webUrl: webPublicUrl(config),
  attachmentStore: configuredAttachmentStore(config),
  // The pages start, update and query workflows too: with the worker's payload keys (W-19).
  payloadCodec: configuredCodec(config),
});
/** The local stand-ins' hosted pages, at the address they listen on (`providers/main.ts`), when no provider URL is set. */
const standIns = [localProvidersUrl(config), `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.LOCAL_PROVIDERS_PORT}`];
const web = createWeb({
  services,
  logger,
  temporalUiUrl: config.TEMPORAL_UI_URL,
  namespace: config.TEMPORAL_NAMESPACE,
  secureCookies: config.WEB_SECURE_COOKIES,
  paymentPages: [...(config.CARD_PROCESSOR_URL ? [config.CARD_PROCESSOR_URL] : standIns), ...(config.PAYPAL_URL ? [config.PAYPAL_URL] : standIns)],
});
serveUntilStopped({ fetch: web.fetch, port: config.WEB_PORT, host: config.HOST, logger, name: 'web client', close });
