/**
 * The buyer's pages: cart (K-07) and checkout, favorites, top-up with the add-funds prompt (K-02), balance and statement, my orders with filters.
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';

export function buyerPages(_deps: WebDeps) {
  const app = new Hono<WebEnv>();
  return app;
}
