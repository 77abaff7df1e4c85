/**
 * Everyone's pages: home (popular offers of top sellers, K-31; categories), search with filters and sorting (K-38), the offer page (packages K-03, options K-04, units K-05, live price; seller card; feedback with replies) and the seller profile.
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';

export function catalogPages(_deps: WebDeps) {
  const app = new Hono<WebEnv>();
  return app;
}
