/**
 * The seller's pages: the dashboard (orders to start with their 24 h countdown, K-08; in work;
 * awaiting review), my offers with their moderation status, the limits (K-39), hide on weekends
 * and stop (K-42), the offer editor, and earnings.
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';
import { dashboardPages } from './seller/dashboard.js';
import { earningsPages } from './seller/earnings.js';
import { editorPages } from './seller/editor.js';
import { myOffersPages } from './seller/offers.js';

export function sellerPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  app.route('/', dashboardPages(deps));
  app.route('/', editorPages(deps));
  app.route('/', myOffersPages(deps));
  app.route('/', earningsPages(deps));
  return app;
}
