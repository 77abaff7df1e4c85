/**
 * Staff pages: the moderation queue (offers and feedback replies), the arbitration queue with the case file and the decision form, the attention list; links to each workflow in the Temporal Web UI.
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';

export function staffPages(_deps: WebDeps) {
  const app = new Hono<WebEnv>();
  return app;
}
