/**
 * The web client alone: Hono pages on @hono/node-server over the same services as the API, for
 * given PostgreSQL and Temporal servers. `npm start` runs one beside the API.
 */
import { pino } from 'pino';
import { serveUntilStopped } from '../api/http-process.js';
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
serveUntilStopped({ fetch: web.fetch, port: config.WEB_PORT, host: config.HOST, logger, name: 'web client', close });
