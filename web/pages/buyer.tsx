/**
 * The buyer's pages: cart (K-07) and checkout, favorites, top-up with the add-funds prompt (K-02), balance and statement, my orders with filters.
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';
import { balancePages } from './buyer/balance.js';
import { cartPages } from './buyer/cart.js';
import { favoritePages } from './buyer/favorites.js';
import { orderListPages } from './buyer/orders.js';

export function buyerPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  for (const routes of [cartPages, favoritePages, balancePages, orderListPages]) routes(app, deps);
  return app;
}
