/**
 * The home page: popular offers of the best sellers (K-31) and the categories, each a link to
 * the search filtered by it.
 */
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { CategoryNode } from '../../../services/search.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { page } from '../../page.js';
import { OfferCard } from './parts.js';

/** How many offers the home page shows. */
export const HOME_OFFERS = 12;

const Categories: FC<{ tree: CategoryNode[] }> = ({ tree }) => (
  <ul class="categories">
    {tree.map((parent) => (
      <li>
        <a href={`/search?categoryId=${parent.id}`}>
          <strong>{parent.name}</strong>
        </a>
        {parent.children.length ? (
          <ul>
            {parent.children.map((child) => (
              <li>
                <a href={`/search?categoryId=${child.id}`}>{child.name}</a>
              </li>
            ))}
          </ul>
        ) : null}
      </li>
    ))}
  </ul>
);

export function homePage(app: Hono<WebEnv>, deps: WebDeps) {
  const { search } = deps.services;
  app.get('/', async (c) => {
    // K-31: the main page shows the popular offers of the top sellers. gigflow ranks them as the
    // `rating` sort does: Top Rated offers (K-29) first, then by their seller's rating (K-27: the
    // share of their last 100 finished orders that went well) and amount of feedback; conversion
    // is not measured yet.
    const [popular, tree] = await Promise.all([search.offers({ sort: 'rating', limit: HOME_OFFERS }), search.categories()]);
    return page(c, deps, 'Find the service you need', () => (
      <>
        <section aria-labelledby="popular-heading">
          <h2 id="popular-heading">Popular services</h2>
          {popular.items.length ? (
            <ul class="cards">
              {popular.items.map((offer) => (
                <OfferCard offer={offer} />
              ))}
            </ul>
          ) : (
            <p>No services are on offer yet.</p>
          )}
          <p>
            <a href="/search">Browse all services →</a>
          </p>
        </section>
        <section aria-labelledby="categories-heading">
          <h2 id="categories-heading">Categories</h2>
          <Categories tree={tree} />
        </section>
      </>
    ));
  });
}
