/**
 * The buyer's pages: cart (K-07) and checkout, favorites, my orders with filters. (Money, the add-funds prompt of K-02 included, is money.tsx's.)
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';
import { cartPages } from './buyer/cart.js';
import { favoritePages } from './buyer/favorites.js';
import { orderListPages } from './buyer/orders.js';

export function buyerPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  for (const routes of [cartPages, favoritePages, orderListPages]) routes(app, deps);
  return app;
}
