/**
 * The API alone: a Hono app on @hono/node-server for given PostgreSQL and Temporal servers.
 * Production runs many of these behind a load balancer; `npm start` runs one.
 */
import type { Server } from 'node:http';
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

// An HTTP/1 server: serve() makes an HTTP/2 one only when given its createServer.
const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  logger.info({ port: info.port, host: config.HOST }, `API listening on http://${config.HOST}:${info.port}`);
}) as Server;

/**
 * How long in-flight requests may take to finish once the process is asked to stop; the rest
 * are cut. Below `npm start`'s bound for the API and the worker (7 s), so it never has to kill us.
 */
const DRAIN_MS = 5_000;

let stopping = false;
/** Stops accepting connections, lets in-flight requests finish (within DRAIN_MS), then closes the pools. */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'API stopping');
  // close() refuses new connections and ends idle kept-alive ones; it calls back once the
  // connections serving a request have finished it.
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  // A kept-alive connection whose request finishes after close() would stay open, idle.
  const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
  const cut = setTimeout(() => {
    logger.warn({ afterMs: DRAIN_MS }, 'API cutting requests still in flight');
    server.closeAllConnections();
  }, DRAIN_MS);
  await drained;
  clearInterval(closeIdle);
  clearTimeout(cut);
  await close();
  logger.info('API stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
