/**
 * The catalog as buyers find it: keyword and filter search over the offers a buyer can see
 * (`visibility.ts`), with keyset pagination; sellers by login prefix; the category tree.
 */
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { categories, categoryAttributes, offers, sellerStats, users, type PackageTierName } from '../db/schema/index.js';
import { AppError } from '../workflows/lib/errors.js';
import type { Clock } from './clock.js';
import { visibleOfferSql } from './visibility.js';

export const offerSorts = ['relevance', 'rating', 'price_asc', 'price_desc', 'newest'] as const;
export type OfferSort = (typeof offerSorts)[number];

export const sellerLevels = ['newbie', 'advanced', 'professional'] as const;
export type SellerLevel = (typeof sellerLevels)[number];

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
 * Up to this many sellers meeting a keyword search's seller conditions, their offers are found
 * through the seller index and intersected with the keyword matches in a bitmap: at about 30
 * offers a seller, a few thousand index entries, a few milliseconds where reading a broad
 * keyword's thousands of matches one by one costs tens. Past it, the matches are read and
 * their sellers checked. A count that stops at this number decides before the search is
 * planned, so the planner plans one way only.
 */
export const FEW_SELLERS = 200;

// ---- Sorting and the keyset cursor ----------------------------------------------------------

type KeyType = 'float8' | 'int' | 'timestamp';
type KeyValue = number | string;
interface SortKey {
  expr: SQL;
  type: KeyType;
}

/**
 * Every sort puts Top Rated offers first, then orders by its keys, all in one direction, so
 * "after the cursor" is one row comparison that a btree index over the same keys can answer.
 * The offer id last makes every order total: pages never skip or repeat an offer. A sort with
 * `sellerStats` reads its keys from the seller's stats.
 */
const sortSpecs: Record<OfferSort, { direction: 'asc' | 'desc'; sellerStats?: true; keys(rank: SQL | undefined): SortKey[] }> = {
  relevance: {
    direction: 'desc',
    keys: (rank) => [
      { expr: rank!, type: 'float8' },
      { expr: sql`${offers.id}`, type: 'int' },
    ],
  },
  rating: {
    direction: 'desc',
    sellerStats: true,
    // Sellers without a rating yet come after every rated one.
    keys: () => [
      { expr: sql`coalesce(${sellerStats.ratingPercent}, -1)`, type: 'int' },
      { expr: sql`coalesce(${sellerStats.feedbackCount}, 0)`, type: 'int' },
      { expr: sql`${offers.id}`, type: 'int' },
    ],
  },
  price_asc: {
    direction: 'asc',
    keys: () => [
      { expr: sql`${offers.priceCents}`, type: 'int' },
      { expr: sql`${offers.id}`, type: 'int' },
    ],
  },
  price_desc: {
    direction: 'desc',
    keys: () => [
      { expr: sql`${offers.priceCents}`, type: 'int' },
      { expr: sql`${offers.id}`, type: 'int' },
    ],
  },
  newest: {
    direction: 'desc',
    // Listed when moderation first published it (a row without that date: when it was created).
    keys: () => [
      { expr: sql`coalesce(${offers.publishedAt}, ${offers.createdAt})`, type: 'timestamp' },
      { expr: sql`${offers.id}`, type: 'int' },
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

function param(type: KeyType, value: KeyValue): SQL {
  switch (type) {
    case 'float8':
      return sql`${value}::float8`;
    case 'int':
      return sql`${value}::int8`;
    case 'timestamp':
      return sql`${value}::timestamptz`;
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
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= EXCERPT_CHARS) return flat;
  const cut = flat.slice(0, EXCERPT_CHARS);
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

const dialect = new PgDialect();

function and(conditions: SQL[]): SQL {
  return sql.join(conditions, sql` and `);
}

function list(values: (number | string)[]): SQL {
  return sql`(${sql.join(values.map((v) => sql`${v}`), sql`, `)})`;
}

/** `attributes[key]` is `value` or an array holding it, for any of each key's values. */
function attributeConditions(filters: AttributeFilter[]): SQL[] {
  const byKey = new Map<string, string[]>();
  for (const { key, value } of filters) byKey.set(key, [...(byKey.get(key) ?? []), value]);
  // Two containment tests per value, since a value may be stored alone or in an array; both
  // forms can use a GIN index on `attributes`.
  return [...byKey].map(([key, values]) => {
    const tests = values.flatMap((value) => [
      sql`${offers.attributes} @> ${JSON.stringify({ [key]: value })}::jsonb`,
      sql`${offers.attributes} @> ${JSON.stringify({ [key]: [value] })}::jsonb`,
    ]);
    return sql`(${sql.join(tests, sql` or `)})`;
  });
}

/**
 * The seller conditions, on seller_stats' plain columns (which the planner has statistics for).
 * `statsOnly` holds those only a seller with stats can meet: all but a list of levels that
 * includes newbies, which `withNewbies` holds.
 */
function sellerConditions(search: OfferSearch, now: Date): { statsOnly: SQL[]; withNewbies: SQL[] } {
  const statsOnly: SQL[] = [];
  const withNewbies: SQL[] = [];
  if (search.sellerLevels?.length) {
    const levels = sql`${sellerStats.level} in ${list(search.sellerLevels)}`;
    if (search.sellerLevels.includes('newbie')) withNewbies.push(sql`(${levels} or ${sellerStats.userId} is null)`);
    else statsOnly.push(levels);
  }
  if (search.minSellerRating !== undefined) statsOnly.push(sql`${sellerStats.ratingPercent} >= ${search.minSellerRating}::int`);
  if (search.minFeedbacks) statsOnly.push(sql`${sellerStats.feedbackCount} >= ${search.minFeedbacks}::int`);
  if (search.activeWithinDays !== undefined) {
    statsOnly.push(sql`${sellerStats.lastActiveAt} >= ${now.toISOString()}::timestamptz - make_interval(days => ${search.activeWithinDays}::int)`);
  }
  return { statsOnly, withNewbies };
}

// `+ 0` keeps the planner from driving a search from seller_stats, probing offers once per
// seller: each probe repeats the whole keyword index scan, which it costs far too low.
const statsJoin = sql`left join ${sellerStats} on ${sellerStats.userId} = ${offers.sellerId} + 0`;

/** What one search's statement is built from. */
interface Plan {
  spec: (typeof sortSpecs)[OfferSort];
  keys: SortKey[];
  /** Row count asked of each part: one more than the page, to know whether another follows. */
  n: number;
  keywords: boolean;
  /** Conditions on the offer itself. */
  where: SQL[];
  categoryIds: number[] | undefined;
  statsOnly: SQL[];
  withNewbies: SQL[];
  /** Few sellers meet the seller conditions (`FEW_SELLERS`): list them first (the `sellers` CTE). */
  pickSellers: boolean;
}

/**
 * The ids and sort keys (`k0`, `k1`…) of the first `n` matching offers that are, or are not,
 * Top Rated, in the sort's order.
 *
 * The planner assumes matches are spread evenly over a sort index, so walking it and testing
 * each offer looks cheap; but matches cluster (a keyword in a category, a price range in the
 * categories with free prices) and such a walk can read most of the table before it fills a
 * page, or learns there is none. So with keywords the matches are found first and then
 * ordered, and browsing a parent category walks each child's own index range.
 */
function part(plan: Plan, topRated: boolean, extra: SQL[]): SQL {
  const { spec, keys, n } = plan;
  const direction = sql.raw(spec.direction);
  const keyColumns = keys.map((_, i) => sql.raw(`k${i}`));
  const inCategories = (ids: number[]) => sql`${offers.categoryId} in ${list(ids)}`;
  const category = plan.categoryIds ? [inCategories(plan.categoryIds)] : [];
  const matches = (conditions: SQL[], joinStats: boolean) => sql`select ${offers.id} as id, ${offers.topRated} as t,
      ${sql.join(keys.map((k, i) => sql`${k.expr} as ${keyColumns[i]}`), sql`, `)}
    from ${offers} ${joinStats ? statsJoin : sql``}
    where ${and([...plan.where, ...plan.withNewbies, ...conditions, topRated ? sql`${offers.topRated}` : sql`not ${offers.topRated}`, ...extra])}`;
  // The sort's keys or a level list with newbies read seller_stats even when the sellers are listed first.
  const statsForKeys = Boolean(spec.sellerStats) || plan.withNewbies.length > 0;
  const statsForAll = statsForKeys || plan.statsOnly.length > 0;
  const ordered = (from: SQL) => sql`select * from (${from}) matches order by ${sql.join(keyColumns.map((k) => sql`${k} ${direction}`), sql`, `)} limit ${n}::int`;
  const walk = (conditions: SQL[]) =>
    sql`${matches(conditions, statsForAll)} order by ${sql.join(keys.map((k) => sql`${k.expr} ${direction}`), sql`, `)} limit ${n}::int`;

  if (plan.pickSellers) {
    // Their offers, found through the seller index, meet the keyword matches in a bitmap, so a
    // broad keyword's thousands of matches are not read one by one.
    return ordered(sql`${matches([...category, sql`${offers.sellerId} = any(array(select user_id from sellers))`], statsForKeys)} offset 0`);
  }
  if (plan.keywords) return ordered(sql`${matches([...category, ...plan.statsOnly], statsForAll)} offset 0`);
  if (plan.categoryIds && plan.categoryIds.length > 1) {
    return ordered(sql.join(plan.categoryIds.map((id) => sql`(${walk([inCategories([id]), ...plan.statsOnly])})`), sql` union all `));
  }
  return walk([...category, ...plan.statsOnly]);
}

/**
 * The statement of one page. Top Rated offers come first in every sort, and they are few: it
 * pages through them alone first (a small partial index serves keyword searches over them)
 * and reads the others only when the Top Rated ones do not fill the page, so a broad keyword
 * matching thousands of offers ranks a few hundred, not all of them. The parts select only ids
 * and sort keys; the page's rows are read whole at the end.
 */
function pageStatement(plan: Plan, after: Cursor | undefined): SQL {
  const { spec, keys, n } = plan;
  const direction = sql.raw(spec.direction);
  const row = (values: SQL[]) => sql`(${sql.join(values, sql`, `)})`;
  const afterKeys = after
    ? [sql`${row(keys.map((k) => k.expr))} ${sql.raw(spec.direction === 'desc' ? '<' : '>')} ${row(keys.map((k, i) => param(k.type, after.k[i]!)))}`]
    : [];
  const sellers = plan.pickSellers ? sql`sellers as materialized (select ${sellerStats.userId} from ${sellerStats} where ${and(plan.statsOnly)}),` : sql``;
  // A cursor past the Top Rated offers leaves only the others to read.
  const page =
    !after || after.t
      ? sql`with ${sellers} top as materialized (${part(plan, true, afterKeys)}),
          rest as (${part(plan, false, [sql`(select count(*) from top) < ${n}::int`])})
        select * from top union all select * from rest`
      : sql`with ${sellers} rest as (${part(plan, false, afterKeys)}) select * from rest`;
  const cursorColumns = keys.map((k, i) => {
    const column = sql.raw(`page.k${i}`);
    return sql`${k.type === 'timestamp' ? sql`to_char(${column} at time zone 'UTC', ${ISO_MICROS})` : column} as ${sql.raw(`cursor_k${i}`)}`;
  });
  return sql`select ${offerSummaryColumns}, page.t as cursor_t, ${sql.join(cursorColumns, sql`, `)}
    from (${page}) page
    join ${offers} on ${offers.id} = page.id
    join ${users} on ${users.id} = ${offers.sellerId}
    left join ${sellerStats} on ${sellerStats.userId} = ${offers.sellerId}
    order by page.t desc, ${sql.join(keys.map((_, i) => sql`${sql.raw(`page.k${i}`)} ${direction}`), sql`, `)}
    limit ${n}::int`;
}

export function createSearch({ db, clock }: { db: Db; clock: Clock }) {
  // The tree changes only with a migration; a category this copy lacks makes it reload once.
  let categoryIndex: Promise<CategoryIndex> | undefined;
  function categoryTree(): Promise<CategoryIndex> {
    categoryIndex ??= loadCategories(db).catch((err: unknown) => {
      categoryIndex = undefined;
      throw err;
    });
    return categoryIndex;
  }
  async function category(id: number): Promise<CategoryNode | undefined> {
    const known = (await categoryTree()).byId.get(id);
    if (known) return known;
    categoryIndex = undefined;
    return (await categoryTree()).byId.get(id);
  }

  /** Whether at most `FEW_SELLERS` sellers meet `conditions`. */
  async function fewSellersMeet(conditions: SQL[]): Promise<boolean> {
    const count = dialect.sqlToQuery(
      sql`select count(*)::int as n from (select from ${sellerStats} where ${and(conditions)} limit ${FEW_SELLERS + 1}::int) meeting`,
    );
    const [row] = await db.sql.unsafe<{ n: number }[]>(count.sql, count.params as never[]);
    return row!.n <= FEW_SELLERS;
  }

  /**
   * The statement a search runs, and its sort keys. Resolves the category (400 when unknown)
   * and the cursor (400 when forged or of another sort), and counts the sellers meeting a
   * keyword search's seller conditions (see `FEW_SELLERS`).
   */
  async function compile(search: OfferSearch): Promise<{ query: CompiledQuery; sort: OfferSort; keys: SortKey[] }> {
    const now = clock.now();
    const sort = search.sort ?? (search.q ? 'relevance' : 'newest');
    if (sort === 'relevance' && !search.q) {
      throw new AppError('invalid_input', 'query.sort: relevance needs keywords (q)', {
        fields: [{ path: 'query.sort', message: 'relevance needs keywords (q)', code: 'invalid_sort' }],
      });
    }
    const tsQuery = search.q ? sql`websearch_to_tsquery('english', ${search.q})` : undefined;
    const spec = sortSpecs[sort];
    const keys = spec.keys(tsQuery && sql`ts_rank_cd(${offers.searchVector}, ${tsQuery})::float8`);
    const after = search.cursor === undefined ? undefined : decodeCursor(search.cursor, sort, keys);
    let categoryIds: number[] | undefined;
    if (search.categoryId !== undefined) {
      const node = await category(search.categoryId);
      if (!node) {
        throw new AppError('invalid_input', 'query.categoryId: no such category', {
          fields: [{ path: 'query.categoryId', message: 'no such category', code: 'unknown_category' }],
        });
      }
      categoryIds = descendants(node);
    }
    const where: SQL[] = [visibleOfferSql(now)];
    if (tsQuery) where.push(sql`${offers.searchVector} @@ ${tsQuery}`);
    if (search.attributes?.length) where.push(...attributeConditions(search.attributes));
    if (search.minPriceCents !== undefined) where.push(sql`${offers.priceCents} >= ${search.minPriceCents}::int`);
    if (search.maxPriceCents !== undefined) where.push(sql`${offers.priceCents} <= ${search.maxPriceCents}::int`);
    if (search.maxLeadTimeDays !== undefined) where.push(sql`${offers.leadTimeDays} <= ${search.maxLeadTimeDays}::int`);
    const { statsOnly, withNewbies } = sellerConditions(search, now);
    const plan: Plan = {
      spec,
      keys,
      n: search.limit + 1,
      keywords: tsQuery !== undefined,
      where,
      categoryIds,
      statsOnly,
      withNewbies,
      pickSellers: tsQuery !== undefined && statsOnly.length > 0 && (await fewSellersMeet(statsOnly)),
    };
    return { query: dialect.sqlToQuery(pageStatement(plan, after)), sort, keys };
  }

  return {
    /** The statement `offers(search)` runs, for measuring the database alone (`bench/search.ts`). */
    async compileOfferSearch(search: OfferSearch): Promise<CompiledQuery> {
      return (await compile(search)).query;
    },

    /** One page of the offers a buyer can see now that match `search`, in its sort. */
    async offers(search: OfferSearch): Promise<OfferSearchPage> {
      const [{ query, sort, keys }, index] = await Promise.all([compile(search), categoryTree()]);
      const rows = await db.sql.unsafe<(OfferSummaryRow & { cursor_t: boolean } & Record<string, KeyValue>)[]>(query.sql, query.params as never[]);
      const page = rows.slice(0, search.limit);
      const items = page.map((row) => offerSummary(row, index.byId.get(row.category_id)?.name ?? ''));
      const last = page.at(-1);
      const nextCursor =
        rows.length > search.limit && last
          ? encodeCursor({
              s: sort,
              t: last.cursor_t,
              // int8 keys arrive as strings.
              k: keys.map((key, i) => (key.type === 'int' ? Number(last[`cursor_k${i}`]) : last[`cursor_k${i}`]!)),
            })
          : null;
      return { items, nextCursor };
    },

    /**
     * Sellers whose login starts with `prefix` (any case), in login order: at most
     * `SELLER_HITS_LIMIT`. Blocked accounts and unconfirmed emails (who cannot sell) are left out.
     */
    async sellers(prefix: string): Promise<SellerHit[]> {
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
    },

    /** The category tree, in display order, each category with the attributes its offers describe. */
    async categories(): Promise<CategoryNode[]> {
      return (await categoryTree()).tree;
    },
  };
}

