/**
 * The notification centre (K-70): newest first, unread marked, mark read.
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';

export function notificationPages(_deps: WebDeps) {
  const app = new Hono<WebEnv>();
  return app;
}
