/**
 * The API alone: a Hono app on @hono/node-server for given PostgreSQL and Temporal servers.
 * Production runs many of these behind a load balancer; `npm start` runs one.
 */
import { configuredCodec } from '../codec/payload-codec.js';
import { loadConfig, webPublicUrl } from '../config.js';
import { configuredProviders } from '../payments/configured.js';
import { configuredAttachmentStore } from '../services/attachment-store.js';
import { createLogger } from '../telemetry/logger.js';
import { startTracing } from '../telemetry/tracing.js';
import { openServices } from '../services/runtime.js';
import { temporalConnectionOptions } from '../services/temporal-connection.js';
import { createApp } from './app.js';
import { serveUntilStopped } from './http-process.js';

const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS']);
const logger = createLogger(config.LOG_LEVEL, 'api');
// Before the client is built: its interceptor and the request spans use this provider.
const tracing = startTracing(config.OTEL_EXPORTER_OTLP_ENDPOINT, 'gigflow-api');

const { services, close } = await openServices({
  databaseUrl: config.DATABASE_URL,
  temporal: temporalConnectionOptions(config, config.TEMPORAL_ADDRESS),
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  providers: configuredProviders(config),
  webUrl: webPublicUrl(config),
  attachmentStore: configuredAttachmentStore(config),
  payloadCodec: configuredCodec(config),
  traced: tracing !== undefined,
});
const app = createApp({
  services,
  logger,
  devRoutes: config.NODE_ENV !== 'production',
  trustedProxyHops: config.TRUSTED_PROXY_HOPS,
  // Issue 19 §4: behind METRICS_TOKEN when one is set; else open, but never in production.
  ...(config.METRICS_TOKEN ? { metrics: { token: config.METRICS_TOKEN } } : config.NODE_ENV === 'production' ? {} : { metrics: {} }),
  ...(config.TEMPORAL_UI_URL ? { temporalUiOrigin: new URL(config.TEMPORAL_UI_URL).origin } : {}),
});
serveUntilStopped({
  fetch: app.fetch,
  port: config.PORT,
  host: config.HOST,
  logger,
  name: 'API',
  async close() {
    await close();
    await tracing?.shutdown();
  },
});
