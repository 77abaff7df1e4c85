/**
 * The catalog as buyers find it: keyword and filter search over the offers a buyer can see
 * (`visibility.ts`), with keyset pagination; sellers by login prefix; the category tree.
 */
import { Column, SQL, sql, Table } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { categories, categoryAttributes, offers, sellerStats, type PackageTierName } from '../db/schema/catalog.js';
import { users } from '../db/schema/users.js';
import { AppError } from '../workflows/lib/errors.js';
import { clip } from '../workflows/lib/text.js';
import type { Clock } from './clock.js';
import { visibleOfferSql } from './visibility.js';

export const offerSorts = ['relevance', 'rating', 'price_asc', 'price_desc', 'newest'] as const;
export type OfferSort = (typeof offerSorts)[number];

export const sellerLevels = ['newbie', 'advanced', 'professional'] as const;
export type SellerLevel = (typeof sellerLevels)[number];

/**
 * An attribute condition as a search names it, `key:value` (`cms:wordpress`): the key in lower
 * case, a value of up to 100 characters that starts with no whitespace and holds no control
 * character the door refuses (C0 but tab, DEL) or line break, as the document's pattern says
 * (test/unit/document-patterns.test.ts). The API's query and the web client's search form read it alike.
 */
export const ATTRIBUTE_CONDITION = /^[a-z0-9_]{1,40}:[^\s\u0000-\u001F\u007F][^\u0000-\u0008\u000A-\u001F\u007F\u2028\u2029]{0,99}$/;

/** One attribute condition: the offer's `attributes[key]` is `value`, or an array holding it. */
export interface AttributeFilter {
  key: string;
  value: string;
}

/** A catalog search, as the API parsed it. Every filter is optional; all given ones must hold. */
export interface OfferSearch {
  /** Keywords, in web-search syntax (`"exact phrase"`, `or`, `-without`), over title and description. */
  q?: string;
  /** A leaf category, or a parent standing for all its descendants. */
  categoryId?: number;
  /** Conditions on one key match any of their values; conditions on different keys must all match. */
  attributes?: AttributeFilter[];
  minPriceCents?: number;
  maxPriceCents?: number;
  maxLeadTimeDays?: number;
  /** Any of these levels (a seller without stats is a newbie). */
  sellerLevels?: SellerLevel[];
  minSellerRating?: number;
  minFeedbacks?: number;
  /** The seller was active within this many days of now. */
  activeWithinDays?: number;
  /** Default: `relevance` with keywords, else `newest`. Top Rated offers come first in every sort. */
  sort?: OfferSort;
  /** The `nextCursor` of the previous page, for the same sort. */
  cursor?: string;
  limit: number;
}

/** An offer in a result list. */
export interface OfferSummary {
  id: number;
  title: string;
  /** The description's start, cut at a word. */
  excerpt: string;
  priceCents: number;
  leadTimeDays: number;
  topRated: boolean;
  category: { id: number; name: string };
  seller: { id: number; login: string; level: SellerLevel; ratingPercent: number | null; feedbackCount: number };
}

export interface OfferSearchPage {
  items: OfferSummary[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface SellerHit {
  id: number;
  login: string;
  displayName: string | null;
  level: SellerLevel;
  ratingPercent: number | null;
  feedbackCount: number;
}

export interface CategoryAttributeView {
  key: string;
  name: string;
  allowedValues: string[];
  multiple: boolean;
  required: boolean;
}

export interface CategoryNode {
  id: number;
  slug: string;
  name: string;
  allowsFreePrice: boolean;
  fixedPackagePrices: Record<PackageTierName, number> | null;
  attributes: CategoryAttributeView[];
  children: CategoryNode[];
}

/** A compiled statement: the text and parameters postgres.js runs. */
export interface CompiledQuery {
  sql: string;
  params: unknown[];
}

/** Results of a login-prefix search. */
export const SELLER_HITS_LIMIT = 20;
const EXCERPT_CHARS = 160;
/**
 * A keyword search for sellers active lately (the one seller condition not copied onto offers)
 * lists the sellers meeting its seller conditions. Up to this many, their offers are found
 * through the seller index and intersected with the keyword matches in a bitmap: at about 30
 * offers a seller, a few thousand index entries, a few milliseconds where reading a broad
 * keyword's thousands of matches one by one costs tens. Past it, the matches are read and
 * their sellers tested. The statement counts the list, up to this number, and runs the one
 * route that fits.
 */
export const FEW_SELLERS = 200;

// ---- Building the statement -----------------------------------------------------------------

/**
 * A search statement holds a few hundred fragments, and drizzle's `sql` renders every one
 * through generic entity checks and intermediate objects: close to half a millisecond of CPU
 * and over 100 KB of garbage per search, as much as all the rest of the API's own work on it.
 * The statement is built with `q` instead, the same kind of template rendered in one pass:
 * fragments nest, schema columns and tables become their quoted names (rendered once each), a
 * drizzle fragment (the visibility rule) is rendered by drizzle, and any other value becomes a
 * parameter.
 */
class Fragment {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

/** Text put into the statement as it is. */
class Raw {
  constructor(readonly text: string) {}
}

function q(strings: readonly string[], ...values: unknown[]): Fragment {
  return new Fragment(strings, values);
}
q.raw = (text: string) => new Raw(text);
/** The items, `separator` between each two. */
q.join = (items: readonly unknown[], separator: string) =>
  new Fragment(items.length ? ['', ...Array<string>(items.length - 1).fill(separator), ''] : [''], items);

const dialect = new PgDialect();
const names = new WeakMap<object, string>();

/** The statement's text and parameters. */
function render(statement: Fragment): CompiledQuery {
  const text: string[] = [];
  const params: unknown[] = [];
  const put = (value: unknown): void => {
    if (value instanceof Fragment) {
      for (let i = 0; i < value.strings.length; i++) {
        text.push(value.strings[i]!);
        if (i < value.values.length) put(value.values[i]);
      }
    } else if (value instanceof Raw) {
      text.push(value.text);
    } else if (value instanceof Column || value instanceof Table) {
      let name = names.get(value);
      if (name === undefined) names.set(value, (name = dialect.sqlToQuery(sql`${value}`).sql));
      text.push(name);
    } else if (value instanceof SQL) {
      // Drizzle numbers its parameters from $1: they follow ours.
      const rendered = dialect.sqlToQuery(value);
      const offset = params.length;
      let count = 0;
      text.push(
        rendered.sql.replace(/\$(\d+)/g, (_, n: string) => {
          count++;
          return `$${offset + Number(n)}`;
        }),
      );
      if (count !== rendered.params.length) throw new Error(`a drizzle fragment with unexpected parameters: ${rendered.sql}`);
      params.push(...rendered.params);
    } else if (value === undefined) {
      throw new Error('a search statement takes no undefined value');
    } else {
      params.push(value);
      text.push(`$${params.length}`);
    }
  };
  put(statement);
  return { sql: text.join(''), params };
}

// ---- Sorting and the keyset cursor ----------------------------------------------------------

type KeyType = 'float8' | 'int' | 'timestamp';
type KeyValue = number | string;
interface SortKey {
  expr: Fragment;
  type: KeyType;
}

/**
 * Every sort puts Top Rated offers first, then orders by its keys, all in one direction, so
 * "after the cursor" is one row comparison that a btree index over the same keys can answer.
 * The offer id last makes every order total: pages never skip or repeat an offer.
 */
const sortSpecs: Record<OfferSort, { direction: 'asc' | 'desc'; keys(rank: Fragment | undefined): SortKey[] }> = {
  relevance: {
    direction: 'desc',
    keys: (rank) => [
      { expr: rank!, type: 'float8' },
      { expr: q`${offers.id}`, type: 'int' },
    ],
  },
  rating: {
    direction: 'desc',
    // The seller's standing as copied onto the offer. Sellers without a rating yet come after
    // every rated one.
    keys: () => [
      { expr: q`coalesce(${offers.sellerRatingPercent}, -1)`, type: 'int' },
      { expr: q`${offers.sellerFeedbackCount}`, type: 'int' },
      { expr: q`${offers.id}`, type: 'int' },
    ],
  },
  price_asc: {
    direction: 'asc',
    keys: () => [
      { expr: q`${offers.priceCents}`, type: 'int' },
      { expr: q`${offers.id}`, type: 'int' },
    ],
  },
  price_desc: {
    direction: 'desc',
    keys: () => [
      { expr: q`${offers.priceCents}`, type: 'int' },
      { expr: q`${offers.id}`, type: 'int' },
    ],
  },
  newest: {
    direction: 'desc',
    // Listed when moderation first published it (a row without that date: when it was created).
    keys: () => [
      { expr: q`coalesce(${offers.publishedAt}, ${offers.createdAt})`, type: 'timestamp' },
      { expr: q`${offers.id}`, type: 'int' },
    ],
  },
};

/**
 * `to_char` format of a keyset timestamp: microseconds, as PostgreSQL keeps them (a cursor
 * rounded to milliseconds would skip rows).
 */
export const ISO_MICROS = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';
const isoMicros = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.\d{6}Z$/;

/**
 * A timestamp as `ISO_MICROS` writes it, read back from a cursor. A date that does not exist
 * (February 30) would fail inside PostgreSQL, so it is refused here.
 */
export const KeysetTimestamp = z.string().refine((s) => {
  const match = isoMicros.exec(s);
  const ms = Date.parse(s);
  return match !== null && !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(match[1]!);
});

const keyValueSchemas: Record<KeyType, z.ZodType<KeyValue>> = {
  float8: z.number().min(0).max(1e9),
  int: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER),
  timestamp: KeysetTimestamp,
};

/** Where a page ended: the sort, whether the last offer was Top Rated, and its sort keys. */
interface Cursor {
  s: OfferSort;
  t: boolean;
  k: KeyValue[];
}

const cursorShape = z.strictObject({ s: z.enum(offerSorts), t: z.boolean(), k: z.array(z.unknown()) });

function invalidCursor(why: string): AppError {
  return new AppError('invalid_input', `query.cursor: ${why}`, {
    fields: [{ path: 'query.cursor', message: why, code: 'invalid_cursor' }],
  });
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The position a cursor of `sort` carries; anything this API did not hand out is 400. */
function decodeCursor(cursor: string, sort: OfferSort, keys: SortKey[]): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('not a cursor this API handed out');
  }
  const shape = cursorShape.safeParse(parsed);
  if (!shape.success || shape.data.k.length !== keys.length) throw invalidCursor('not a cursor this API handed out');
  if (shape.data.s !== sort) throw invalidCursor(`this cursor belongs to sort=${shape.data.s}`);
  const k = keys.map((key, i) => {
    const value = keyValueSchemas[key.type].safeParse(shape.data.k[i]);
    if (!value.success) throw invalidCursor('not a cursor this API handed out');
    return value.data;
  });
  return { s: sort, t: shape.data.t, k };
}

function param(type: KeyType, value: KeyValue): Fragment {
  switch (type) {
    case 'float8':
      return q`${value}::float8`;
    case 'int':
      return q`${value}::int8`;
    case 'timestamp':
      return q`${value}::timestamptz`;
  }
}

// ---- The result row -------------------------------------------------------------------------

/**
 * The columns of an offer summary, over `offers` joined to `users` (its seller) and left-joined
 * to `seller_stats`. Only the description's start is read: the excerpt needs no more.
 */
export const offerSummaryColumns = sql`${offers.id}::int8 as id, ${offers.title} as title,
  left(${offers.description}, ${EXCERPT_CHARS * 2}) as description_start,
  ${offers.priceCents} as price_cents, ${offers.leadTimeDays} as lead_time_days, ${offers.topRated} as top_rated,
  ${offers.categoryId} as category_id, ${users.id}::int8 as seller_id, ${users.login} as seller_login,
  coalesce(${sellerStats.level}, 'newbie') as seller_level, ${sellerStats.ratingPercent} as rating_percent,
  coalesce(${sellerStats.feedbackCount}, 0) as feedback_count`;

/** A row selected with `offerSummaryColumns` (int8 columns arrive as strings). */
export interface OfferSummaryRow {
  id: string;
  title: string;
  description_start: string;
  price_cents: number;
  lead_time_days: number;
  top_rated: boolean;
  category_id: number;
  seller_id: string;
  seller_login: string;
  seller_level: SellerLevel;
  rating_percent: number | null;
  feedback_count: number;
}

/** The summary a list shows for one row; `categoryName` comes from the category tree. */
export function offerSummary(row: OfferSummaryRow, categoryName: string): OfferSummary {
  return {
    id: Number(row.id),
    title: row.title,
    excerpt: excerpt(row.description_start),
    priceCents: row.price_cents,
    leadTimeDays: row.lead_time_days,
    topRated: row.top_rated,
    category: { id: row.category_id, name: categoryName },
    seller: {
      id: Number(row.seller_id),
      login: row.seller_login,
      level: row.seller_level,
      ratingPercent: row.rating_percent,
      feedbackCount: row.feedback_count,
    },
  };
}

/** At most `EXCERPT_CHARS` characters of `text`, whitespace collapsed, cut at a word with "…". */
function excerpt(text: string): string {
  // Every run of whitespace becomes one space; a lone space already is one, so only the runs
  // that change are matched: most descriptions then need no new string at all (replacing every
  // space cost a search's answer more garbage than all the rest of its shaping).
  const flat = text.replace(/\s{2,}|[^\S ]/g, ' ').trim();
  if (flat.length <= EXCERPT_CHARS) return flat;
  const cut = clip(flat, EXCERPT_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > EXCERPT_CHARS / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?-]+$/, '')}…`;
}

// ---- Categories -----------------------------------------------------------------------------

interface CategoryIndex {
  tree: CategoryNode[];
  byId: Map<number, CategoryNode>;
}

async function loadCategories(db: Db): Promise<CategoryIndex> {
  const [rows, attributes] = await Promise.all([
    db.orm.select().from(categories).orderBy(categories.position, categories.id),
    db.orm.select().from(categoryAttributes).orderBy(categoryAttributes.categoryId, categoryAttributes.key),
  ]);
  const byId = new Map<number, CategoryNode>();
  for (const c of rows) {
    byId.set(c.id, {
      id: c.id,
      slug: c.slug,
      name: c.name,
      allowsFreePrice: c.allowsFreePrice,
      fixedPackagePrices: c.fixedPackagePrices ?? null,
      attributes: [],
      children: [],
    });
  }
  for (const a of attributes) {
    byId.get(a.categoryId)?.attributes.push({ key: a.key, name: a.name, allowedValues: a.allowedValues, multiple: a.multiple, required: a.required });
  }
  const tree: CategoryNode[] = [];
  for (const c of rows) {
    const node = byId.get(c.id)!;
    const parent = c.parentId === null ? undefined : byId.get(c.parentId);
    (parent ? parent.children : tree).push(node);
  }
  return { tree, byId };
}

function descendants(node: CategoryNode): number[] {
  return [node.id, ...node.children.flatMap(descendants)];
}

// ---- The search -----------------------------------------------------------------------------

function and(conditions: Fragment[]): Fragment {
  return q.join(conditions, ' and ');
}

function list(values: (number | string)[]): Fragment {
  return q`(${q.join(values.map((v) => q`${v}`), ', ')})`;
}

/** `attributes[key]` is `value` or an array holding it, for any of each key's values. */
function attributeConditions(filters: AttributeFilter[]): Fragment[] {
  const byKey = new Map<string, string[]>();
  for (const { key, value } of filters) byKey.set(key, [...(byKey.get(key) ?? []), value]);
  // Two containment tests per value, since a value may be stored alone or in an array; both
  // forms can use a GIN index on `attributes`.
  return [...byKey].map(([key, values]) => {
    const tests = values.flatMap((value) => [
      q`${offers.attributes} @> ${JSON.stringify({ [key]: value })}::jsonb`,
      q`${offers.attributes} @> ${JSON.stringify({ [key]: [value] })}::jsonb`,
    ]);
    return q`(${q.join(tests, ' or ')})`;
  });
}

/**
 * The seller conditions. Level, rating and feedback count are tested on the seller's standing
 * as copied onto each offer (a seller without stats is a newbie there), which an index holds
 * too. Recent activity changes too often to copy onto every offer: a search for it lists the
 * sellers meeting `listed` (the `sellers` CTE), the conditions on seller_stats, which only a
 * seller with stats can meet (all but a list of levels that includes newbies).
 */
function sellerConditions(search: OfferSearch, now: Date): { onOffer: Fragment[]; listed: Fragment[] | undefined } {
  const onOffer: Fragment[] = [];
  const listed: Fragment[] = [];
  if (search.sellerLevels?.length) {
    onOffer.push(q`${offers.sellerLevel} in ${list(search.sellerLevels)}`);
    if (!search.sellerLevels.includes('newbie')) listed.push(q`${sellerStats.level} in ${list(search.sellerLevels)}`);
  }
  if (search.minSellerRating !== undefined) {
    onOffer.push(q`${offers.sellerRatingPercent} >= ${search.minSellerRating}::int`);
    listed.push(q`${sellerStats.ratingPercent} >= ${search.minSellerRating}::int`);
  }
  if (search.minFeedbacks) {
    onOffer.push(q`${offers.sellerFeedbackCount} >= ${search.minFeedbacks}::int`);
    listed.push(q`${sellerStats.feedbackCount} >= ${search.minFeedbacks}::int`);
  }
  if (search.activeWithinDays === undefined) return { onOffer, listed: undefined };
  listed.push(q`${sellerStats.lastActiveAt} >= ${now.toISOString()}::timestamptz - make_interval(days => ${search.activeWithinDays}::int)`);
  return { onOffer, listed };
}

/**
 * The row of `offerSummaryColumns`, over `offers` alone: the seller's standing as copied onto the
 * offer, and their login looked up for the page's offers only. Every join in a search statement
 * adds to its planning, which every search pays.
 */
const pageColumns = q`${offers.title} as title, left(${offers.description}, ${q.raw(String(EXCERPT_CHARS * 2))}) as description_start,
  ${offers.priceCents} as price_cents, ${offers.leadTimeDays} as lead_time_days, ${offers.categoryId} as category_id,
  ${offers.sellerId} as seller_id, (select ${users.login} from ${users} where ${users.id} = ${offers.sellerId}) as seller_login,
  ${offers.sellerLevel} as seller_level, ${offers.sellerRatingPercent} as rating_percent, ${offers.sellerFeedbackCount} as feedback_count`;

/** What one search's statement is built from. */
interface Plan {
  spec: (typeof sortSpecs)[OfferSort];
  keys: SortKey[];
  /** Row count asked of each part: one more than the page, to know whether another follows. */
  n: number;
  /** The keyword condition, when the search has keywords. */
  keywords: Fragment | undefined;
  /** Conditions on the offer, and on its seller's standing as copied onto it. */
  where: Fragment[];
  categoryIds: number[] | undefined;
  /** Conditions of the `sellers` CTE, for a search for sellers active lately (`sellerConditions`). */
  listed: Fragment[] | undefined;
}

/**
 * How a part finds the offers of the sellers meeting the seller conditions: `test` reads the
 * matches and tests each one's seller; `lookUp` finds the listed sellers' offers through the
 * seller index and meets the keyword matches in a bitmap (see `FEW_SELLERS`).
 */
type SellerRoute = 'test' | 'lookUp';

/** What bounds a part besides the search: a one-time condition on it, and where the previous page ended. */
interface Bounds {
  gate?: Fragment;
  after?: Cursor;
}

/**
 * The first `n` matching offers that are, or are not, Top Rated, in the sort's order, after
 * the cursor if there is one.
 *
 * The planner assumes matches are spread evenly over a sort index, so walking it and testing
 * each offer looks cheap; but matches cluster (a keyword in a category, a price range in the
 * categories with free prices) and such a walk can read most of the table before it fills a
 * page, or learns there is none. So with keywords the matches are found first and then
 * ordered, and browsing a parent category walks each child's own index range.
 */
function part(plan: Plan, topRated: boolean, { gate, after }: Bounds, route: SellerRoute = 'test'): Fragment {
  const { spec, keys, n } = plan;
  const direction = q.raw(spec.direction);
  const keyColumns = keys.map((_, i) => q.raw(`k${i}`));
  const inCategories = (ids: number[]) => q`${offers.categoryId} in ${list(ids)}`;
  const category = plan.categoryIds ? [inCategories(plan.categoryIds)] : [];
  const gates = gate ? [gate] : [];
  const row = (values: readonly unknown[]) => q`(${q.join(values, ', ')})`;
  const afterKeys = (exprs: readonly unknown[]) =>
    after ? [q`${row(exprs)} ${q.raw(spec.direction === 'desc' ? '<' : '>')} ${row(keys.map((k, i) => param(k.type, after.k[i]!)))}`] : [];
  const sellers =
    route === 'lookUp'
      ? [q`${offers.sellerId} = any(array(select user_id from sellers))`]
      : plan.listed
        ? // A hashed subplan: `is true` keeps the planner from making it a join, where it drives
          // a keyword search from the list, probing offers once per seller (each probe repeats
          // the whole keyword index scan, which it costs far too low), or rescans the list for
          // every offer a walk reads.
          [q`(${offers.sellerId} in (select user_id from sellers)) is true`]
        : [];
  const topRatedOrNot = topRated ? q`${offers.topRated}` : q`not ${offers.topRated}`;
  // The Top Rated keyword matches are few: found by the small partial index alone, with every
  // other condition tested on each, behind the fence (the subquery takes the table's name, so
  // the conditions read the same). Otherwise the planner intersects the whole keyword index
  // with a filter's index to find a few dozen, and a common word's thousands of entries there
  // cost more than testing its few hundred Top Rated matches one by one.
  const source =
    plan.keywords && topRated
      ? q`(select * from ${offers} where ${offers.status} = 'active' and ${offers.topRated} and ${plan.keywords} offset 0) ${offers}`
      : offers;
  const matches = (conditions: Fragment[]) => q`select ${offers.id} as id, ${offers.topRated} as top_rated,
      ${q.join(keys.map((k, i) => q`${k.expr} as ${keyColumns[i]}`), ', ')}
    from ${source}
    where ${and([...(plan.keywords && !topRated ? [plan.keywords] : []), ...plan.where, ...sellers, ...conditions, topRatedOrNot])}`;
  const ordered = (from: Fragment, conditions: Fragment[] = []) => q`select * from (${from}) matches
    ${conditions.length ? q`where ${and(conditions)}` : q``}
    order by ${q.join(keyColumns.map((k) => q`${k} ${direction}`), ', ')} limit ${n}::int`;
  const walk = (conditions: Fragment[]) => q`${matches(conditions)} order by ${q.join(keys.map((k) => q`${k.expr} ${direction}`), ', ')} limit ${n}::int`;

  if (plan.keywords) {
    // The cursor is tested on the ordered matches, past the fence: as an index condition the
    // planner would intersect a sort index's thousands of entries with the keyword matches,
    // which are all read anyway.
    return ordered(q`${matches([...category, ...gates])} offset 0`, afterKeys(keyColumns));
  }
  // A walk starts right after the cursor: it is where the sort index is entered.
  const walkAfter = afterKeys(keys.map((k) => k.expr));
  if (plan.categoryIds && plan.categoryIds.length > 1) {
    // A parent category's Top Rated offers are few enough to find and order in one pass: each
    // walk would pay for the visibility rule's list of hidden sellers again.
    if (topRated) return ordered(q`${matches([...category, ...gates, ...walkAfter])} offset 0`);
    return ordered(q.join(plan.categoryIds.map((id) => q`(${walk([inCategories([id]), ...gates, ...walkAfter])})`), ' union all '));
  }
  return walk([...category, ...gates, ...walkAfter]);
}

/**
 * The offers after the Top Rated ones. A keyword search with sellers listed holds both seller
 * routes, each gated on the length of the list, so one statement serves either case and only
 * one route runs: up to `FEW_SELLERS` sellers, looking their offers up; past it, testing the
 * matches. (The Top Rated ones are few: testing them is always cheap.)
 */
function others(plan: Plan, { gate, after }: Bounds): Fragment {
  if (!plan.keywords || !plan.listed) return part(plan, false, { gate, after });
  const few = q`(select count(*) from (select from sellers limit ${FEW_SELLERS + 1}::int) listed) <= ${FEW_SELLERS}::int`;
  const gated = (condition: Fragment) => (gate ? q`${gate} and ${condition}` : condition);
  return q`(${part(plan, false, { gate: gated(few), after }, 'lookUp')}) union all (${part(plan, false, { gate: gated(q`not ${few}`), after })})`;
}

/**
 * The statement of one page. Top Rated offers come first in every sort, and they are few: it
 * pages through them alone first (a small partial index serves keyword searches over them)
 * and reads the others only when the Top Rated ones do not fill the page, so a broad keyword
 * matching thousands of offers ranks a few hundred, not all of them. The parts select only
 * ids and sort keys; the page's rows are read whole at the end. One statement, one round trip.
 */
function pageStatement(plan: Plan, after: Cursor | undefined): Fragment {
  const { keys, n } = plan;
  const direction = q.raw(plan.spec.direction);
  const sellers = plan.listed
    ? q`sellers as materialized (select ${sellerStats.userId} as user_id from ${sellerStats} where ${and(plan.listed)}),`
    : q``;
  // A cursor past the Top Rated offers leaves only the others to read.
  const page =
    !after || after.t
      ? q`with ${sellers} top as materialized (${part(plan, true, { after })}),
          rest as (${others(plan, { gate: q`(select count(*) from top) < ${n}::int` })})
        select * from top union all select * from rest`
      : q`with ${sellers} rest as (${others(plan, { after })}) select * from rest`;
  const cursorColumns = keys.map((k, i) => {
    const column = q.raw(`page.k${i}`);
    return q`${k.type === 'timestamp' ? q`to_char(${column} at time zone 'UTC', ${ISO_MICROS})` : column} as ${q.raw(`cursor_k${i}`)}`;
  });
  return q`select page.id, page.top_rated, ${pageColumns}, ${q.join(cursorColumns, ', ')}
    from (${page}) page
    join ${offers} on ${offers.id} = page.id
    order by page.top_rated desc, ${q.join(keys.map((_, i) => q`${q.raw(`page.k${i}`)} ${direction}`), ', ')}
    limit ${n}::int`;
}

// ---- The service ----------------------------------------------------------------------------

/** What one search service holds: its dependencies and its copy of the category tree. */
interface SearchContext {
  db: Db;
  clock: Clock;
  // The tree changes only with a migration; a category this copy lacks makes it reload once.
  categoryIndex: Promise<CategoryIndex> | undefined;
}

function categoryTree(context: SearchContext): Promise<CategoryIndex> {
  context.categoryIndex ??= loadCategories(context.db).catch((err: unknown) => {
    context.categoryIndex = undefined;
    throw err;
  });
  return context.categoryIndex;
}

async function category(context: SearchContext, id: number): Promise<CategoryNode | undefined> {
  const known = (await categoryTree(context)).byId.get(id);
  if (known) return known;
  context.categoryIndex = undefined;
  return (await categoryTree(context)).byId.get(id);
}

/**
 * The statement a search runs, and its sort keys. Resolves the category (400 when unknown)
 * and the cursor (400 when forged or of another sort).
 */
async function compile(context: SearchContext, search: OfferSearch): Promise<{ query: CompiledQuery; sort: OfferSort; keys: SortKey[] }> {
  const now = context.clock.now();
  const sort = search.sort ?? (search.q ? 'relevance' : 'newest');
  if (sort === 'relevance' && !search.q) {
    throw new AppError('invalid_input', 'query.sort: relevance needs keywords (q)', {
      fields: [{ path: 'query.sort', message: 'relevance needs keywords (q)', code: 'invalid_sort' }],
    });
  }
  const tsQuery = search.q ? q`websearch_to_tsquery('english', ${search.q})` : undefined;
  const spec = sortSpecs[sort];
  const keys = spec.keys(tsQuery && q`ts_rank_cd(${offers.searchVector}, ${tsQuery})::float8`);
  const after = search.cursor === undefined ? undefined : decodeCursor(search.cursor, sort, keys);
  let categoryIds: number[] | undefined;
  if (search.categoryId !== undefined) {
    const node = await category(context, search.categoryId);
    if (!node) {
      throw new AppError('invalid_input', 'query.categoryId: no such category', {
        fields: [{ path: 'query.categoryId', message: 'no such category', code: 'unknown_category' }],
      });
    }
    categoryIds = descendants(node);
  }
  const where: Fragment[] = [q`${visibleOfferSql(now)}`];
  if (search.attributes?.length) where.push(...attributeConditions(search.attributes));
  if (search.minPriceCents !== undefined) where.push(q`${offers.priceCents} >= ${search.minPriceCents}::int`);
  if (search.maxPriceCents !== undefined) where.push(q`${offers.priceCents} <= ${search.maxPriceCents}::int`);
  if (search.maxLeadTimeDays !== undefined) where.push(q`${offers.leadTimeDays} <= ${search.maxLeadTimeDays}::int`);
  const { onOffer, listed } = sellerConditions(search, now);
  where.push(...onOffer);
  const keywords = tsQuery && q`${offers.searchVector} @@ ${tsQuery}`;
  const plan: Plan = { spec, keys, n: search.limit + 1, keywords, where, categoryIds, listed };
  return { query: render(pageStatement(plan, after)), sort, keys };
}

/** The statement `offers(search)` runs, for measuring the database alone (`bench/search.ts`). */
async function compileOfferSearch(context: SearchContext, search: OfferSearch): Promise<CompiledQuery> {
  return (await compile(context, search)).query;
}

/** One page of the offers a buyer can see now that match `search`, in its sort. */
async function searchOffers(context: SearchContext, search: OfferSearch): Promise<OfferSearchPage> {
  const [{ query, sort, keys }, index] = await Promise.all([compile(context, search), categoryTree(context)]);
  const rows = await context.db.sql.unsafe<(OfferSummaryRow & Record<string, KeyValue>)[]>(query.sql, query.params as never[]);
  const page = rows.slice(0, search.limit);
  const items = page.map((row) => offerSummary(row, index.byId.get(row.category_id)?.name ?? ''));
  const last = page.at(-1);
  const nextCursor =
    rows.length > search.limit && last
      ? encodeCursor({
          s: sort,
          t: last.top_rated,
          // int8 keys arrive as strings.
          k: keys.map((key, i) => (key.type === 'int' ? Number(last[`cursor_k${i}`]) : last[`cursor_k${i}`]!)),
        })
      : null;
  return { items, nextCursor };
}

/**
 * Sellers whose login starts with `prefix` (any case), in login order: at most
 * `SELLER_HITS_LIMIT`. Blocked accounts and unconfirmed emails (who cannot sell) are left out.
 */
async function searchSellers(db: Db, prefix: string): Promise<SellerHit[]> {
  // `_` is a LIKE wildcard and may appear in logins: match it literally. Byte order ("C")
  // lets one index answer both the prefix and the order, whatever the database's locale.
  const pattern = `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await db.sql<
    { id: string; login: string; display_name: string | null; level: SellerLevel; rating_percent: number | null; feedback_count: number }[]
  >`
        select u.id, u.login, u.display_name, coalesce(s.level, 'newbie') as level, s.rating_percent, coalesce(s.feedback_count, 0) as feedback_count
        from users u
        left join seller_stats s on s.user_id = u.id
        where lower(u.login) collate "C" like ${pattern} and u.blocked_at is null and u.email_confirmed_at is not null
        order by lower(u.login) collate "C"
        limit ${SELLER_HITS_LIMIT}`;
  return rows.map((r) => ({
    id: Number(r.id),
    login: r.login,
    displayName: r.display_name,
    level: r.level,
    ratingPercent: r.rating_percent,
    feedbackCount: r.feedback_count,
  }));
}

/** The category tree, in display order, each category with the attributes its offers describe. */
async function categoryNodes(context: SearchContext): Promise<CategoryNode[]> {
  return (await categoryTree(context)).tree;
}

export function createSearch({ db, clock }: { db: Db; clock: Clock }) {
  const context: SearchContext = { db, clock, categoryIndex: undefined };
  return {
    compileOfferSearch: (search: OfferSearch) => compileOfferSearch(context, search),
    offers: (search: OfferSearch) => searchOffers(context, search),
    sellers: (prefix: string) => searchSellers(db, prefix),
    categories: () => categoryNodes(context),
  };
}

export type Search = ReturnType<typeof createSearch>;
