/**
 * The web client alone: Hono pages on @hono/node-server over the same services as the API, for
 * given PostgreSQL and Temporal servers. `npm start` runs one beside the API.
 */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { loadConfig } from '../config.js';
import { openServices } from '../services/runtime.js';
import { createWeb } from './app.js';

const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS']);
const logger = pino({ level: config.LOG_LEVEL, base: { service: 'web' } });

const { services, close } = await openServices({
  databaseUrl: config.DATABASE_URL,
  temporalAddress: config.TEMPORAL_ADDRESS,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
});
const web = createWeb({
  services,
  logger,
  temporalUiUrl: config.TEMPORAL_UI_URL,
  namespace: config.TEMPORAL_NAMESPACE,
  secureCookies: config.WEB_SECURE_COOKIES,
});

const server = serve({ fetch: web.fetch, port: config.WEB_PORT, hostname: config.HOST }, (info) => {
  logger.info({ port: info.port, host: config.HOST }, `web client listening on http://${config.HOST}:${info.port}`);
}) as Server;

/** As the API: in-flight requests get this long to finish once asked to stop (below `npm start`'s 7 s). */
const DRAIN_MS = 5_000;
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'web client stopping');
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
  const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
  await drained;
  clearInterval(closeIdle);
  clearTimeout(cut);
  await close();
  logger.info('web client stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
