/**
 * `npm run bench:web`: the web client's search page rendered server-side, beside the JSON API's
 * search for the same query, over the 100,000 offers `bench/search.ts` seeds (its data, its
 * query mix, its throwaway database).
 *
 * Both apps run in-process over one set of services and one pool (`app.request`, no sockets),
 * so the difference is what each adds to the same search: the API validates and writes JSON;
 * the page validates the form, renders the filters (the category tree, the chosen category's
 * attributes), the result cards and the layout. Each search of the mix runs once to warm up,
 * then is measured both ways, alternately first. Prints p50/p95 of each, their ratio, and the
 * target (web p95 ≤ 50 ms) with PASS or FAIL (exit code 1 when it fails).
 */
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { createApp } from '../api/app.js';
import { loadConfig, parseConfig } from '../config.js';
import { createDb } from '../db/client.js';
import { runThenExit } from '../db/embedded.js';
import { createServices } from '../services/index.js';
import { configuredProviders } from '../payments/configured.js';
import type { OfferSearch } from '../services/search.js';
import { createWeb } from '../web/app.js';
import { clock, migrateAndSeed, openDatabase, percentile, queryMix, queryString, takeOverSignals } from './search.js';

const MEASURED = 400;
const TARGET_WEB_P95_MS = 50;

const say = (line: string) => process.stdout.write(`${line}\n`);
const ms = (n: number) => `${n.toFixed(2)} ms`;

/** The search page's address for the same search: the form's names, prices in dollars. */
function pagePath(s: OfferSearch): string {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  if (s.categoryId !== undefined) p.set('categoryId', String(s.categoryId));
  for (const a of s.attributes ?? []) p.append('attr', `${a.key}:${a.value}`);
  if (s.minPriceCents !== undefined) p.set('minPrice', (s.minPriceCents / 100).toFixed(2));
  if (s.maxPriceCents !== undefined) p.set('maxPrice', (s.maxPriceCents / 100).toFixed(2));
  for (const name of ['maxLeadTimeDays', 'minSellerRating', 'minFeedbacks', 'activeWithinDays'] as const) {
    if (s[name] !== undefined) p.set(name, String(s[name]));
  }
  for (const level of s.sellerLevels ?? []) p.append('sellerLevel', level);
  if (s.sort) p.set('sort', s.sort);
  if (s.cursor) p.set('cursor', s.cursor);
  return `/search?${p.toString()}`;
}

type Fetcher = { request(path: string): Response | Promise<Response> };

/** One GET, timed, the whole body read; anything but 200 stops the run. */
async function timed(app: Fetcher, path: string): Promise<number> {
  const t = performance.now();
  const res = await app.request(path);
  const body = await res.text();
  const elapsed = performance.now() - t;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 500)}`);
  return elapsed;
}

function buildApps(db: ReturnType<typeof createDb>, temporal: Client) {
  // As production builds them, logging every request (to /dev/null). No search touches Temporal.
  const services = createServices({ db, temporal, clock, taskQueue: 'bench', providers: configuredProviders(parseConfig({})), webUrl: 'http://127.0.0.1:3001' });
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  return { services, api: createApp({ services, logger, devRoutes: false }), web: createWeb({ services, logger }) };
}

/** The mix, with one search in seven asking for its second page (as bench/search.ts does). */
async function prepareMix(services: ReturnType<typeof buildApps>['services']): Promise<OfferSearch[]> {
  const mix = queryMix(MEASURED);
  for (const [i, s] of mix.entries()) {
    if (i % 7 !== 3) continue;
    const first = await services.search.offers(s);
    if (first.nextCursor) s.cursor = first.nextCursor;
  }
  return mix;
}

async function measure(apps: ReturnType<typeof buildApps>, mix: OfferSearch[]) {
  const runs = mix.map((s) => ({ web: pagePath(s), api: `/offers?${queryString(s)}` }));
  for (const run of runs) {
    await timed(apps.web, run.web);
    await timed(apps.api, run.api);
  }
  const web: number[] = [];
  const api: number[] = [];
  for (const [i, run] of runs.entries()) {
    if (i % 2 === 0) {
      web.push(await timed(apps.web, run.web));
      api.push(await timed(apps.api, run.api));
    } else {
      api.push(await timed(apps.api, run.api));
      web.push(await timed(apps.web, run.web));
    }
  }
  return { web: web.sort((x, y) => x - y), api: api.sort((x, y) => x - y) };
}

function report({ web, api }: { web: number[]; api: number[] }): boolean {
  const [webP50, webP95, apiP50, apiP95] = [percentile(web, 50), percentile(web, 95), percentile(api, 50), percentile(api, 95)];
  say('');
  say(`${MEASURED} searches, run once to warm up, then measured, one at a time, in-process`);
  say(`                     p50        p95        max`);
  say(`web /search     ${ms(webP50).padStart(9)}  ${ms(webP95).padStart(9)}  ${ms(web.at(-1)!).padStart(9)}`);
  say(`API /offers     ${ms(apiP50).padStart(9)}  ${ms(apiP95).padStart(9)}  ${ms(api.at(-1)!).padStart(9)}`);
  say(`web / API       ${(webP50 / apiP50).toFixed(2).padStart(7)} ×  ${(webP95 / apiP95).toFixed(2).padStart(7)} ×`);
  say('');
  const ok = webP95 <= TARGET_WEB_P95_MS;
  say(`target: web p95 ≤ ${TARGET_WEB_P95_MS} ms: ${ok ? 'PASS' : 'FAIL'} (${ms(webP95)})`);
  return ok;
}

async function main() {
  const started = performance.now();
  const database = await openDatabase(loadConfig().DATABASE_URL);
  takeOverSignals(database.cleanUp);
  const db = createDb(database.url);
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:7233' }) });
  try {
    await migrateAndSeed(db);
    const apps = buildApps(db, temporal);
    const mix = await prepareMix(apps.services);
    const ok = report(await measure(apps, mix));
    say(`done in ${((performance.now() - started) / 1_000).toFixed(0)} s`);
    if (!ok) process.exitCode = 1;
  } finally {
    await Promise.allSettled([db.close(), temporal.connection.close()]);
    await database.cleanUp();
  }
}

await runThenExit(main);
