/** The public catalog: offer search, sellers by login, the category tree, and the site's live counters (K-70). */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ATTRIBUTE_CONDITION, offerSorts, sellerLevels, SELLER_HITS_LIMIT, type CategoryNode, type Search } from '../../services/search.js';
import { access, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import type { SiteActivityService } from '../../services/site-activity.js';
import { Cents, DateTime, json, loginPrefix, MAX_INT4, orNull, Text, wholeNumberParam } from '../schemas.js';

/** A query parameter that may repeat: one occurrence arrives as a string, several as an array. */
function repeated<T extends z.ZodType>(item: T, max: number) {
  return z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(item).max(max));
}

const count = (max: number) => wholeNumberParam(0, max);

const AttributeCondition = z
  .string()
  .regex(ATTRIBUTE_CONDITION, 'key:value, e.g. cms:wordpress')
  .openapi({ example: 'cms:wordpress' });

const OfferSearchQuery = z
  .strictObject({
    q: Text(0, 200).optional().openapi({
      description: 'Keywords over title and description, in web-search syntax: `"exact phrase"`, `or`, `-excluded`',
      example: 'wordpress landing page',
    }),
    categoryId: wholeNumberParam(1, MAX_INT4).optional().openapi({
      description: 'A leaf category, or a parent category for all of its children (see `GET /categories`); an unknown one is 400',
    }),
    attr: repeated(AttributeCondition, 20).optional().openapi({
      description:
        'Attribute conditions `key:value`, repeatable (`attr=cms:wordpress&attr=cms:tilda&attr=service_type:landing`). ' +
        'Conditions on one key match any of their values; conditions on different keys must all match. ' +
        'An offer matches a value stored alone or in its list of values.',
    }),
    minPriceCents: count(100_000_000).optional().openapi({ description: 'lowest basic price, integer cents' }),
    maxPriceCents: count(100_000_000).optional().openapi({ description: 'highest basic price, integer cents; not below `minPriceCents` (400)' }),
    maxLeadTimeDays: wholeNumberParam(1, 365).optional(),
    sellerLevel: repeated(z.enum(sellerLevels), sellerLevels.length).optional().openapi({
      description: 'Any of these seller levels, repeatable (a seller without stats yet is a newbie)',
    }),
    minSellerRating: count(100).optional().openapi({ description: 'lowest seller rating (K-27), percent (sellers without a finished order are left out)' }),
    minFeedbacks: count(100_000_000).optional().openapi({ description: 'fewest feedbacks the seller has' }),
    activeWithinDays: wholeNumberParam(1, 3_650).optional().openapi({ description: 'the seller was active within this many days' }),
    sort: z.enum(offerSorts).optional().openapi({
      description: 'Default `relevance` with `q`, else `newest`; `relevance` needs `q`. Top Rated offers come first in every sort.',
    }),
    cursor: z.string().min(1).max(500).optional().openapi({ description: 'the `nextCursor` of the previous page (same sort)' }),
    limit: wholeNumberParam(1, 50, { default: 20 }),
  })
  .refine((q) => q.minPriceCents === undefined || q.maxPriceCents === undefined || q.minPriceCents <= q.maxPriceCents, {
    path: ['maxPriceCents'],
    message: 'must not be below minPriceCents',
  });

const SellerLevel = z.enum(sellerLevels);

/** An offer in a result list (search, favorites). */
export const OfferSummary = z
  .object({
    id: z.number().int(),
    title: z.string(),
    excerpt: z.string().openapi({ description: 'the description’s start' }),
    priceCents: Cents.openapi({ description: 'the basic kwork’s price, integer cents' }),
    leadTimeDays: z.number().int(),
    topRated: z.boolean(),
    category: z.object({ id: z.number().int(), name: z.string() }),
    seller: z.object({
      id: z.number().int(),
      login: z.string(),
      level: SellerLevel,
      ratingPercent: z.number().int().nullable(),
      feedbackCount: z.number().int(),
    }),
  })
  .openapi('OfferSummary');

const SellerHit = z
  .object({
    id: z.number().int(),
    login: z.string(),
    displayName: z.string().nullable(),
    level: SellerLevel,
    ratingPercent: z.number().int().nullable(),
    feedbackCount: z.number().int(),
  })
  .openapi('SellerHit');

const CategoryAttribute = z.object({
  key: z.string(),
  name: z.string(),
  allowedValues: z.array(z.string()),
  multiple: z.boolean().openapi({ description: 'an offer may have several of the values' }),
  required: z.boolean(),
});

const Category: z.ZodType<CategoryNode> = z
  .lazy(() =>
    z.object({
      id: z.number().int(),
      slug: z.string(),
      name: z.string(),
      allowsFreePrice: z.boolean().openapi({ description: 'else the basic kwork costs the platform’s base price' }),
      fixedPackagePrices: z.record(z.enum(['economy', 'standard', 'business']), z.number().int()).nullable(),
      attributes: z.array(CategoryAttribute),
      children: z.array(Category),
    }),
  )
  .openapi('Category');

const OfferSearchPage = z.object({ items: z.array(OfferSummary), nextCursor: z.string().nullable() }).openapi('OfferSearchPage');

const routes = {
  offers: secured(access.public, {
    method: 'get',
    path: '/offers',
    tags: ['catalog'],
    summary: 'Search the offers buyers can see: keywords, category, attributes, price, lead time, seller',
    description:
      'Only offers a buyer can see and order now: active, and not hidden by their seller for the weekend. ' +
      'Sorts: `relevance` (keywords), `rating` (the seller’s K-27 rating — the share of their last 100 finished orders without a dislike or a failure — then feedback count), `price_asc`, `price_desc`, `newest`; ' +
      'Top Rated offers come first within every sort. Pages are keyset pages: pass `nextCursor` back as `cursor`. ' +
      'Unknown query parameters are refused with 400, so a mistyped filter never silently widens the search.',
    request: { query: OfferSearchQuery },
    responses: { 200: json('A page of offers', OfferSearchPage) },
  }),
  users: secured(access.public, {
    method: 'get',
    path: '/users',
    tags: ['catalog'],
    summary: 'Find sellers by the start of their login',
    description: `At most ${SELLER_HITS_LIMIT}, in login order; any case matches. Blocked accounts and unconfirmed ones are left out.`,
    request: {
      query: z.strictObject({ login: loginPrefix(2) }),
    },
    responses: { 200: json('Matching sellers', z.object({ items: z.array(SellerHit) })) },
  }),
  categories: secured(access.public, {
    method: 'get',
    path: '/categories',
    tags: ['catalog'],
    summary: 'The category tree, with the attributes offers in each category describe themselves with',
    responses: { 200: json('Top-level categories, each with its children, in display order', z.object({ items: z.array(Category) })) },
  }),
  activity: secured(access.public, {
    method: 'get',
    path: '/site-activity',
    tags: ['catalog'],
    summary: 'The site’s live counters: users online and when the last order was placed (K-70)',
    description:
      'What the web client’s header shows on every page: how many users made a signed-in request within the last `onlineWithinMinutes` ' +
      '(a user’s activity is recorded at most once a minute), and when the newest order was placed. Figures only: no user is named.',
    responses: {
      200: json(
        'The counters now',
        z.object({
          usersOnline: z.number().int().min(0).openapi({ example: 12 }),
          onlineWithinMinutes: z.number().int().positive().openapi({ example: 5 }),
          lastOrderAt: orNull(DateTime).openapi({ description: 'when the newest order was placed; null before the first' }),
        }),
      ),
    },
  }),
};

/** The catalog's public routes, over the database and the clock that decides weekend hiding. */
export function searchRoutes({ search, siteActivity }: { search: Search; siteActivity: SiteActivityService }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.offers, async (c) => {
      const { q, attr, sellerLevel, ...filters } = c.req.valid('query');
      const page = await search.offers({
        ...filters,
        // An empty search box is no keyword at all.
        q: q || undefined,
        attributes: attr?.map((condition) => {
          const colon = condition.indexOf(':');
          return { key: condition.slice(0, colon), value: condition.slice(colon + 1) };
        }),
        sellerLevels: sellerLevel,
      });
      return c.json(page, 200);
    })
    .openapi(routes.users, async (c) => c.json({ items: await search.sellers(c.req.valid('query').login) }, 200))
    .openapi(routes.categories, async (c) => c.json({ items: await search.categories() }, 200))
    .openapi(routes.activity, async (c) => c.json(await siteActivity.now(), 200));
}
