/**
 * The search page's query (K-38), checked as the JSON API checks `GET /offers` (api/routes/search.ts),
 * but in the words of the form: prices in dollars, empty fields meaning "any". Unknown parameters
 * are ignored here (a page's address may carry more), never an error.
 */
import { z } from 'zod';
import { ATTRIBUTE_CONDITION, offerSorts, sellerLevels, type OfferSearch } from '../../../services/search.js';
import { dollars, optionalText, whole, type FormData } from '../../forms.js';

const MAX_INT4 = 2_147_483_647;
/** One page of results. */
export const SEARCH_PAGE_SIZE = 20;

/** An optional field: empty or absent is `undefined`. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** A field that may repeat (checkboxes): none, one or several values. */
const repeated = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(item).max(max, `at most ${max}`));

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export const SearchQuery = z
  .object({
    q: optionalText(200),
    categoryId: optional(whole(1, MAX_INT4, 'a category from the list')),
    attr: repeated(z.string().regex(ATTRIBUTE_CONDITION, 'not a valid choice'), 20),
    minPrice: optional(dollars(0, 100_000_000)),
    maxPrice: optional(dollars(0, 100_000_000)),
    maxLeadTimeDays: optional(whole(1, 365, 'a number of days')),
    sellerLevel: repeated(z.enum(sellerLevels, 'not a valid choice'), sellerLevels.length),
    minSellerRating: optional(whole(0, 100, 'a whole percentage from 0 to 100')),
    minFeedbacks: optional(whole(0, 100_000_000, 'a whole number of feedbacks')),
    activeWithinDays: optional(whole(1, 3_650, 'a number of days')),
    sort: optional(z.enum(offerSorts, 'choose an order from the list')),
    cursor: optional(z.string().max(500, 'not a page of this search')),
  })
  // Both checks run even when another field is refused, so every error shows at once.
  .refine((s) => s.minPrice === undefined || s.maxPrice === undefined || s.minPrice <= s.maxPrice, {
    path: ['maxPrice'],
    message: 'must not be below the lowest price',
    when: (payload) => isRecord(payload.value) && typeof payload.value.minPrice === 'number' && typeof payload.value.maxPrice === 'number',
  })
  .refine((s) => s.sort !== 'relevance' || s.q !== undefined, {
    path: ['sort'],
    message: 'best match needs keywords',
    when: (payload) => isRecord(payload.value) && payload.value.sort === 'relevance',
  });

export type SearchInput = z.output<typeof SearchQuery>;

/** The service's search for the form's fields. */
export function toSearch(input: SearchInput): OfferSearch {
  return {
    q: input.q,
    categoryId: input.categoryId,
    attributes: input.attr.map((condition) => {
      const colon = condition.indexOf(':');
      return { key: condition.slice(0, colon), value: condition.slice(colon + 1) };
    }),
    minPriceCents: input.minPrice,
    maxPriceCents: input.maxPrice,
    maxLeadTimeDays: input.maxLeadTimeDays,
    sellerLevels: input.sellerLevel.length ? input.sellerLevel : undefined,
    minSellerRating: input.minSellerRating,
    minFeedbacks: input.minFeedbacks,
    activeWithinDays: input.activeWithinDays,
    sort: input.sort,
    cursor: input.cursor,
    limit: SEARCH_PAGE_SIZE,
  };
}

/** The service's names of the form's fields, for its refusals. */
export const serviceFieldNames: Record<string, string> = { minPriceCents: 'minPrice', maxPriceCents: 'maxPrice', attributes: 'attr', sellerLevels: 'sellerLevel' };

/** The address of a page of the same query: the first, or the one after `cursor` (the service's). */
export function pageUrl(fields: FormData, cursor?: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'cursor') continue;
    for (const v of Array.isArray(value) ? value : [value]) if (v !== '') params.append(key, v);
  }
  if (cursor) params.set('cursor', cursor);
  return `/search?${params.toString()}`;
}
