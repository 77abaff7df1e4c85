/** The caller's favorite offers. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Favorites } from '../../services/favorites.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json, MAX_ID, wholeNumberParam } from '../schemas.js';
import { OfferSummary } from './search.js';

const OfferIdParam = z.object({ offerId: wholeNumberParam(1, MAX_ID) });

const Favorite = z.object({
  ...OfferSummary.shape,
  available: z.boolean().openapi({ description: 'false while buyers cannot see or order it (paused, blocked, hidden for the weekend)' }),
  favoritedAt: z.string(),
}).openapi('Favorite');

const routes = {
  add: secured(access.user, {
    method: 'put',
    path: '/me/favorites/{offerId}',
    tags: ['favorites'],
    summary: 'Add an offer buyers can see to the caller’s favorites (again: no change)',
    request: { params: OfferIdParam },
    responses: { 204: { description: 'In the favorites' }, ...errorResponses(404) },
  }),
  remove: secured(access.user, {
    method: 'delete',
    path: '/me/favorites/{offerId}',
    tags: ['favorites'],
    summary: 'Take an offer out of the caller’s favorites (absent already: no change)',
    request: { params: OfferIdParam },
    responses: { 204: { description: 'Not in the favorites' } },
  }),
  list: secured(access.user, {
    method: 'get',
    path: '/me/favorites',
    tags: ['favorites'],
    summary: 'The caller’s favorites, newest first; those buyers cannot see now are marked unavailable',
    request: {
      query: z.strictObject({
        cursor: z.string().min(1).max(200).optional().openapi({ description: 'the `nextCursor` of the previous page' }),
        limit: wholeNumberParam(1, 100, { default: 20 }),
      }),
    },
    responses: {
      200: json('A page of favorites (offers their sellers deleted are left out)', z.object({ items: z.array(Favorite), nextCursor: z.string().nullable() })),
    },
  }),
};

/** The caller's favorites, over the database and the clock that decides weekend hiding. */
export function favoriteRoutes({ favorites }: { favorites: Favorites }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.add, async (c) => {
      await favorites.add(callerOf(c).id, c.req.valid('param').offerId);
      return c.body(null, 204);
    })
    .openapi(routes.remove, async (c) => {
      await favorites.remove(callerOf(c).id, c.req.valid('param').offerId);
      return c.body(null, 204);
    })
    .openapi(routes.list, async (c) => c.json(await favorites.list(callerOf(c).id, c.req.valid('query')), 200));
}
