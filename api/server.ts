/**
 * The API alone: a Hono app on @hono/node-server for given PostgreSQL and Temporal servers.
 * Production runs many of these behind a load balancer; `npm start` runs one.
 */
import { pino } from 'pino';
import { configuredCodec } from '../codec/payload-codec.js';
import { loadConfig } from '../config.js';
import { configuredProviders } from '../payments/configured.js';
import { configuredAttachmentStore } from '../services/attachment-store.js';
import { openServices } from '../services/runtime.js';
import { createApp } from './app.js';
import { serveUntilStopped } from './http-process.js';

const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS']);
const logger = pino({ level: config.LOG_LEVEL, base: { service: 'api' } });

const { services, close } = await openServices({
  databaseUrl: config.DATABASE_URL,
  temporalAddress: config.TEMPORAL_ADDRESS,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  providers: configuredProviders(config),
  webUrl: config.WEB_PUBLIC_URL ?? `http://${config.HOST}:${config.WEB_PORT}`,
  attachmentStore: configuredAttachmentStore(config),
  payloadCodec: configuredCodec(config),
});
const app = createApp({
  services,
  logger,
  devRoutes: config.NODE_ENV !== 'production',
  trustedProxyHops: config.TRUSTED_PROXY_HOPS,
  ...(config.TEMPORAL_UI_URL ? { temporalUiOrigin: new URL(config.TEMPORAL_UI_URL).origin } : {}),
});
serveUntilStopped({ fetch: app.fetch, port: config.PORT, host: config.HOST, logger, name: 'API', close });
