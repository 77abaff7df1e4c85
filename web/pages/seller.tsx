/**
 * The seller's pages: dashboard (orders to start with their 24 h countdown, K-08; in work; awaiting review), the offer editor with moderation status, limits (K-39), hide on weekends and stop (K-42); earnings.
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';

export function sellerPages(_deps: WebDeps) {
  const app = new Hono<WebEnv>();
  return app;
}
