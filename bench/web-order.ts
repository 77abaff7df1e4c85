/**
 * `npm run bench:web` (second part): the web client's order page rendered server-side, beside
 * the JSON API's `GET /orders/{id}` for the same order and the same signed-in buyer.
 *
 * Starts its own embedded PostgreSQL (or a throwaway database on DATABASE_URL's server), its
 * own Temporal dev server (the provisioned CLI, as `npm start` runs it) and gigflow's worker in
 * this process, then places 40 orders through the services and takes half of them to a
 * delivery awaiting review (open: each view is a query to the order's workflow) and half to
 * completion (closed: read from the database). Each order's page is fetched once to warm up,
 * then 400 times each way (alternately first), in-process (`app.request`, no sockets), as the
 * buyer (the web client's session cookie; the API's bearer token — the same session). Prints
 * p50/p95 of each, open and closed apart, their ratio, and the target (web p95 ≤ 50 ms) with
 * PASS or FAIL (exit code 1 when it fails). Everything it started stops.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { pino } from 'pino';
import { createApp } from '../api/app.js';
import { loadConfig, parseConfig } from '../config.js';
import { createDb, type Db } from '../db/client.js';
import { runThenExit } from '../db/embedded.js';
import { createLedger } from '../db/ledger.js';
import { runMigrations } from '../db/migrate.js';
import { registerSearchAttributes, startTemporalDevServer } from '../scripts/temporal-dev-server.js';
import { ensureTools } from '../scripts/tools.js';
import { systemClock } from '../services/clock.js';
import { connectTemporalClient } from '../services/temporal-client.js';
import { createServices, type Services } from '../services/index.js';
import { configuredProviders } from '../payments/configured.js';
import { createWeb } from '../web/app.js';
import { createWorker } from '../worker.js';
import { freePort } from '../test/support/ports.js';
import { openDatabase, percentile, takeOverSignals } from './search.js';

const ORDERS = 40;
const MEASURED = 400;
const TARGET_WEB_P95_MS = 50;
const TASK_QUEUE = 'bench-web';

const say = (line: string) => process.stdout.write(`${line}\n`);
const ms = (n: number) => `${n.toFixed(2)} ms`;

/** A confirmed user with a session; the token is the API's bearer and the web client's cookie. */
async function person(services: Services, db: Db, login: string) {
  const me = await services.accounts.register({ login, email: `${login}@example.com`, password: 'bench password 123' });
  await db.sql`update users set email_confirmed_at = now() where id = ${me.id}`;
  const { token } = await services.accounts.createSession(me.id);
  const user = await services.accounts.authenticate(token);
  if (!user) throw new Error(`no session for ${login}`);
  return { id: me.id, token, user };
}

/** A seller's $10 offer, active; the buyer funded; ORDERS orders, half delivered (open), half completed. */
async function seedOrders(services: Services, db: Db) {
  const seller = await person(services, db, 'bench_seller');
  const buyer = await person(services, db, 'bench_buyer');
  const [offer] = await db.sql<{ id: string }[]>`
    insert into offers (seller_id, category_id, title, description, price_cents, lead_time_days, attributes, status, published_at)
    values (${seller.id}, 11, 'A logo in three days', ${'A minimalist logo with two revisions and the source files, delivered in three days.'},
            1000, 3, ${JSON.stringify({ style: ['minimalist'] })}::jsonb, 'active', now())
    returning id`;
  // Money on the buyer's balance, as an approved top-up leaves it.
  await createLedger(db).topUp({ topUpId: 'bench-web-funds', userId: buyer.id, amount: 100_000, method: 'paypal' });
  const ids: { id: number; open: boolean }[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const request = { offerId: Number(offer!.id), units: 1, optionIds: [], packageTier: null, requirements: 'A fox, in orange.' };
    const { view } = await services.placement.place(buyer.user, request, randomUUID());
    await services.orders.partyAct(seller.user, view.orderId, { type: 'start_work' });
    await services.orders.partyAct(seller.user, view.orderId, { type: 'deliver', text: 'Here is the logo.', links: ['https://example.com/logo.svg'] });
    const open = i % 2 === 0;
    if (!open) await services.orders.partyAct(buyer.user, view.orderId, { type: 'accept' });
    ids.push({ id: view.orderId, open });
  }
  return { buyer, orders: ids };
}

type Fetcher = { request(path: string, init?: RequestInit): Response | Promise<Response> };

async function timed(app: Fetcher, path: string, headers: Record<string, string>): Promise<number> {
  const t = performance.now();
  const res = await app.request(path, { headers });
  const body = await res.text();
  const elapsed = performance.now() - t;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 300)}`);
  return elapsed;
}

async function measure(apps: { web: Fetcher; api: Fetcher }, token: string, orders: { id: number; open: boolean }[]) {
  const web = { cookie: `gf_session=${token}` };
  const api = { authorization: `Bearer ${token}` };
  for (const o of orders) {
    await timed(apps.web, `/orders/${o.id}`, web);
    await timed(apps.api, `/orders/${o.id}`, api);
  }
  const times = { web: { open: [] as number[], closed: [] as number[] }, api: { open: [] as number[], closed: [] as number[] } };
  for (let i = 0; i < MEASURED; i++) {
    const o = orders[i % orders.length]!;
    const kind = o.open ? 'open' : 'closed';
    const sides = i % 2 === 0 ? (['web', 'api'] as const) : (['api', 'web'] as const);
    for (const side of sides) {
      times[side][kind].push(await timed(apps[side], `/orders/${o.id}`, side === 'web' ? web : api));
    }
  }
  return times;
}

function report(times: Awaited<ReturnType<typeof measure>>): boolean {
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const all = { web: sorted([...times.web.open, ...times.web.closed]), api: sorted([...times.api.open, ...times.api.closed]) };
  const row = (label: string, xs: number[]) => say(`${label.padEnd(22)} ${ms(percentile(xs, 50)).padStart(9)}  ${ms(percentile(xs, 95)).padStart(9)}  ${ms(xs.at(-1)!).padStart(9)}`);
  say('');
  say(`${MEASURED} order views each way (${ORDERS} orders: half delivered and open, half completed), in-process`);
  say(`${''.padEnd(22)}       p50        p95        max`);
  row('web /orders/:id', all.web);
  row('API /orders/{id}', all.api);
  row('  web, open orders', sorted(times.web.open));
  row('  API, open orders', sorted(times.api.open));
  row('  web, closed orders', sorted(times.web.closed));
  row('  API, closed orders', sorted(times.api.closed));
  say(`web / API${''.padEnd(13)} ${(percentile(all.web, 50) / percentile(all.api, 50)).toFixed(2).padStart(7)} ×  ${(percentile(all.web, 95) / percentile(all.api, 95)).toFixed(2).padStart(7)} ×`);
  const p95 = percentile(all.web, 95);
  const ok = p95 <= TARGET_WEB_P95_MS;
  say('');
  say(`target: order page p95 ≤ ${TARGET_WEB_P95_MS} ms: ${ok ? 'PASS' : 'FAIL'} (${ms(p95)})`);
  return ok;
}

async function main() {
  const started = performance.now();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const database = await openDatabase(loadConfig().DATABASE_URL);
  const scratch = mkdtempSync(join(tmpdir(), 'gigflow-bench-web-'));
  const devServer = await startTemporalDevServer({ cli: ensureTools().temporalCli, dbFile: join(scratch, 'temporal.db'), port: await freePort(), namespace: 'default', logLevel: 'error' });
  const cleanUp = async () => {
    await devServer.stop();
    rmSync(scratch, { recursive: true, force: true });
    await database.cleanUp();
  };
  takeOverSignals(cleanUp);
  const db = createDb(database.url);
  const connection = await Connection.connect({ address: devServer.address });
  await registerSearchAttributes(connection, 'default');
  await connection.close();
  const { client: temporal, close: closeTemporal } = await connectTemporalClient({ address: devServer.address, namespace: 'default' });
  const workerConnection = await NativeConnection.connect({ address: devServer.address });
  try {
    await runMigrations(db);
    const worker = await createWorker({ connection: workerConnection, namespace: 'default', taskQueue: TASK_QUEUE, db });
    await worker.runUntil(async () => {
      const services = createServices({ db, temporal, clock: systemClock, taskQueue: TASK_QUEUE, providers: configuredProviders(parseConfig({})), webUrl: 'http://127.0.0.1:3001' });
      const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
      const apps = { web: createWeb({ services, logger }), api: createApp({ services, logger, devRoutes: false }) };
      const { buyer, orders } = await seedOrders(services, db);
      const ok = report(await measure(apps, buyer.token, orders));
      say(`done in ${((performance.now() - started) / 1_000).toFixed(0)} s`);
      if (!ok) process.exitCode = 1;
    });
  } finally {
    await Promise.allSettled([db.close(), closeTemporal(), workerConnection.close()]);
    await cleanUp();
  }
}

await runThenExit(main);
