/**
 * The order page: status, timeline, who acts next with a live countdown and what happens if nobody does, the actions allowed now as forms, progress in 10 % squares (K-13).
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';

export function orderPages(_deps: WebDeps) {
  const app = new Hono<WebEnv>();
  return app;
}
