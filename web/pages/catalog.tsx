/**
 * Everyone's pages: home (popular offers of top sellers, K-31; categories), search with filters and sorting (K-38), the offer page (packages K-03, options K-04, units K-05, live price; seller card; feedback with replies) and the seller profile.
 * Each lives in its own module under `catalog/`.
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';
import { homePage } from './catalog/home.js';
import { offerPages } from './catalog/offer.js';
import { searchPage } from './catalog/search.js';
import { sellerProfilePage } from './catalog/seller.js';

export function catalogPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  for (const routes of [homePage, searchPage, offerPages, sellerProfilePage]) routes(app, deps);
  return app;
}
