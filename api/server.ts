/**
 * The API alone: a Hono app on @hono/node-server for given PostgreSQL and Temporal servers.
 * Production runs many of these behind a load balancer; `npm start` runs one.
 */
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { loadConfig } from '../config.js';
import { openServices } from '../services/runtime.js';
import { createApp } from './app.js';

const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS']);
const logger = pino({ level: config.LOG_LEVEL, base: { service: 'api' } });

const { services, close } = await openServices({
  databaseUrl: config.DATABASE_URL,
  temporalAddress: config.TEMPORAL_ADDRESS,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
});
const app = createApp({ services, logger, devRoutes: config.NODE_ENV !== 'production', trustedProxyHops: config.TRUSTED_PROXY_HOPS });

const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  logger.info({ port: info.port, host: config.HOST }, `API listening on http://${config.HOST}:${info.port}`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'API stopping');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
