/**
 * The browser tests' harness: the whole platform a browser meets — the web client served over
 * real HTTP, a worker, this file's database, the run's dev server (and the JSON API beside it,
 * for setting up what a journey does not click through), with `payments: true` the local
 * payment providers whose hosted pages a journey pays on and whose webhooks reach that API —
 * and real Chromium (Debian's package, driven by playwright-core). Journeys check every page they visit with axe-core and save
 * screenshots of the key ones under `test-artifacts/screenshots/` (not committed).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { findChromium } from '../../scripts/chromium.js';
import { pollUntil } from '../../scripts/poll.js';
import { systemClock, type Clock } from '../../services/clock.js';
import { createServices, type Services } from '../../services/index.js';
import { createWeb } from '../../web/app.js';
import type { Db } from '../../db/client.js';
import type { OrderPolicy } from '../../workflows/order/messages.js';
import { callerFor, type Caller, type TestUser } from './api.js';
import { connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from './harness.js';
import { testPasswords } from './passwords.js';
import { startPaymentStandIns, unreachableProviders, type PaymentStandIns } from './payments.js';
import { checkout as root } from './root.js';

export const SCREENSHOTS = join(root, 'test-artifacts', 'screenshots');
export const TEMPORAL_UI = 'http://temporal-ui.test';

export interface WebStack {
  /** The web client's address, such as `http://127.0.0.1:41234`. */
  url: string;
  db: Db;
  services: Services;
  temporal: Client;
  /**
   * The JSON API over the same services, in-process (its answers held to the contract): for
   * setting up what a journey does not click through, with test/support/api.ts's `signUp`,
   * orders.ts's `market`, `placeOrder`, `actOk`…
   */
  api: Caller;
  /** The task queue of this stack's worker (a test starts a payout batch on it, as the Schedule would). */
  taskQueue: string;
  /** With `payments: true`: the local card processor and PayPal the pages send payers to. */
  payments?: PaymentStandIns;
  /** The newest message to this address whose subject matches, polled for up to 10 s. */
  mailTo(address: string, subject: RegExp): Promise<{ subject: string; body: string }>;
  stop(): Promise<void>;
}

function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ server, url: `http://127.0.0.1:${info.port}` }));
  });
}

type Fetch = (req: Request) => Response | Promise<Response>;

/**
 * The platform for one test file: its own database and task queue, a worker, the web client on a
 * free port. With `payments` (`true`, or the stand-ins' options), the local payment providers too: the services are built
 * over them with the web client's address (listening first, so the providers know where to
 * send payers back), and their webhooks go to the JSON API over the same services. Without it,
 * a call that reaches for a provider fails as an outage would (503). `clock`: the services' (a
 * test that needs a weekday moves it), the system's by default.
 */
export async function startWebStack(
  options: { orderPolicy?: OrderPolicy; file?: string; payments?: boolean | Parameters<typeof startPaymentStandIns>[0]; clock?: Clock } = {},
): Promise<WebStack> {
  const database: TestDatabase = await createTestDatabase(options.file ?? 'browser');
  const temporal = await connectTemporal();
  const taskQueue = uniqueId('web');
  const payments = options.payments ? await startPaymentStandIns(options.payments === true ? {} : options.payments) : undefined;
  // The worker pays withdrawals out through the same stand-ins.
  const worker = await startWorker(database.db, taskQueue, undefined, payments?.providers);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  let webFetch: Fetch | null = null;
  const { server, url } = await listen((req) => (webFetch ? webFetch(req) : new Response('starting', { status: 503 })));
  const services = createServices({
    db: database.db,
    temporal,
    clock: options.clock ?? systemClock,
    taskQueue,
    providers: payments?.providers ?? unreachableProviders(),
    webUrl: url,
    orderPolicy: options.orderPolicy,
    passwords: testPasswords,
  });
  webFetch = createWeb({ services, logger, temporalUiUrl: TEMPORAL_UI, namespace: 'default', paymentPages: payments ? [payments.url] : [] }).fetch;
  const apiApp = createApp({ services, logger, devRoutes: true });
  payments?.attach(apiApp.fetch);
  const api = callerFor(apiApp);
  return {
    url,
    db: database.db,
    services,
    temporal,
    taskQueue,
    api,
    payments,
    mailTo: (address, subject) =>
      pollUntil(async () => (await services.devMail(address)).find((m) => subject.test(m.subject)), { timeoutMs: 10_000, what: `a mail to ${address} about ${subject}` }),
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await payments?.stop();
      await worker.stop();
      await temporal.connection.close();
      await database.drop();
    },
  };
}

/** Chromium's headless shell from Debian's package, else its whole browser (`npm test` installs the shell when missing; `CHROMIUM` names another). */
export async function openBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM ?? findChromium();
  assert.ok(executablePath, 'no Chromium: run the browser tests with `npm test`, which installs it');
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/**
 * A browser profile of its own (cookies, zone): one per person in a journey. CSP is bypassed
 * (unless `enforceCsp`) only so that axe-core can be injected as an inline script.
 */
export async function newPerson(
  browser: Browser,
  stack: WebStack,
  options: { width?: number; timezoneId?: string; javaScript?: boolean; enforceCsp?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: stack.url,
    // `enforceCsp`: our CSP applies as in any browser (axe-core then goes in through the debugger, not a script tag).
    bypassCSP: !options.enforceCsp,
    javaScriptEnabled: options.javaScript ?? true,
    viewport: { width: options.width ?? 1280, height: 900 },
    timezoneId: options.timezoneId ?? 'Europe/Berlin',
    locale: 'en-GB',
  });
  context.setDefaultTimeout(15_000);
  return { context, page: await context.newPage() };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let axeServed: Promise<string> | undefined;
/**
 * axe-core's script at an address of this process's own, cacheable: a page loads it as any
 * script, and Chromium keeps its compiled code from one page to the next. Set inline, its
 * 650 KB were sent and compiled again on every page (about 150 ms of a 350 ms check).
 */
function axeScriptUrl(): Promise<string> {
  axeServed ??= listen(() => new Response(axeSource, { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400, immutable' } })).then(({ server, url }) => {
    // Never what keeps a test process alive.
    server.unref();
    return `${url}/axe.min.js`;
  });
  return axeServed;
}

/**
 * axe-core over the page as it is now: no serious or critical violation. The rules whose impact
 * is fixed at minor or moderate (`region`, the landmark rules…) never run: they cannot fail this
 * check.
 */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  // A page whose CSP applies refuses the script: then the debugger's evaluation, which no CSP governs.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ url: await axeScriptUrl() }).catch(() => page.evaluate(axeSource));
  const violations = await page.evaluate(async () => {
    interface Axe {
      run(options: { resultTypes: string[]; rules: Record<string, { enabled: boolean }> }): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }>;
      _audit?: { rules?: { id: string; impact?: string }[] };
    }
    const axe = (globalThis as unknown as { axe: Axe }).axe;
    // A rule's own impact, when it has one, is every violation's (axe-core's _finalizeRuleResult).
    const mild = (axe._audit?.rules ?? []).filter((rule) => rule.impact === 'minor' || rule.impact === 'moderate');
    // Only violations get a selector for each of their nodes (axe's own option for speed: the
    // passes' and the incomplete checks' selectors, unread here, cost about a fifth).
    const result = await axe.run({ resultTypes: ['violations'], rules: Object.fromEntries(mild.map((rule) => [rule.id, { enabled: false }])) });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what} (${page.url()}) has accessibility violations`);
}

/** A screenshot of the whole page, saved as a test artefact: `test-artifacts/screenshots/<journey>-<name>.png`. */
export async function screenshot(page: Page, journey: string, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${journey}-${name}.png`), fullPage: true });
}

/** Signs the browser profile in as a user made through the API: the API's token is the web session too. */
export async function signInAs(context: BrowserContext, stack: WebStack, user: TestUser): Promise<void> {
  await context.addCookies([{ name: 'gf_session', value: user.token, url: stack.url, httpOnly: true, sameSite: 'Lax' }]);
}

/** Visits a page and checks it with axe-core. */
export async function visit(page: Page, path: string, what = path): Promise<void> {
  const res = await page.goto(path);
  assert.ok(res, `no response for ${path}`);
  assert.ok(res.status() < 400, `${path} answered ${res.status()}`);
  await assertAccessible(page, what);
}

/** The confirmation or reset code in a mail's body. */
export function codeIn(body: string): string {
  const code = body.match(/code: (\S+)/)?.[1];
  assert.ok(code, `no code in: ${body}`);
  return code;
}

/** The text of the element, normalised (for asserting what the page says). */
export async function textOf(page: Page, selector: string): Promise<string> {
  try {
    return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  } catch (err) {
    if (!(err instanceof Error && err.name === 'TimeoutError')) throw err;
    // What the page showed instead (a refusal beside a form, an error page): the failure says it.
    const shown = await page
      .locator('main')
      .first()
      .textContent({ timeout: 1_000 })
      .catch(() => '(no main element)');
    const text = (shown ?? '').replace(/\s+/g, ' ').trim();
    throw new Error(`${selector} never showed on ${page.url()}; the page said: ${text.length > 600 ? `${text.slice(0, 600)}…` : text}`, { cause: err });
  }
}

/** An expiry date the stand-in accepts: December, two years ahead (MM/YY). */
const EXPIRY = `12/${String((new Date().getUTCFullYear() + 2) % 100).padStart(2, '0')}`;

/**
 * Pays on the card processor's hosted page (docs/payment-providers.md): the card number, an
 * expiry, a CVC, then its Pay button; waits until the provider has sent the browser back to
 * our top-up page (it does after a decline too).
 */
export async function payOnCardPage(page: Page, stack: WebStack, cardNumber: string): Promise<void> {
  assert.ok(page.url().startsWith(`${stack.payments?.url}/card/pay/`), `not on the card processor's page: ${page.url()}`);
  await page.getByLabel('Card number').fill(cardNumber.replace(/(\d{4})(?=\d)/g, '$1 '));
  await page.getByLabel('Expiry (MM/YY)').fill(EXPIRY);
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: /^Pay \$/ }).click();
  await page.waitForURL((url) => url.origin === stack.url && /^\/balance\/top-ups\/\d+$/.test(url.pathname));
}

/** Approves on PayPal's hosted page as the payer `email`; waits to be back on our top-up page. */
export async function approveOnPaypal(page: Page, stack: WebStack, email: string): Promise<void> {
  assert.ok(page.url().startsWith(`${stack.payments?.url}/paypal/checkoutnow`), `not on PayPal's page: ${page.url()}`);
  await page.getByLabel('Your PayPal account (email)').fill(email);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.waitForURL((url) => url.origin === stack.url && /^\/balance\/top-ups\/\d+$/.test(url.pathname));
}

/** Saves a payout card on the card processor's page; waits to be back on our payout details page. */
export async function saveCardOnProviderPage(page: Page, stack: WebStack, cardNumber: string): Promise<void> {
  assert.ok(page.url().startsWith(`${stack.payments?.url}/card/setup/`), `not on the card processor's page: ${page.url()}`);
  await page.getByLabel('Card number').fill(cardNumber);
  await page.getByLabel('Expiry (MM/YY)').fill(EXPIRY);
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: 'Save card' }).click();
  await page.waitForURL((url) => url.origin === stack.url && url.pathname === '/balance/payout-details');
}

/** Waits (bounded) until the top-up page, polling itself, shows the status. */
export async function topUpShows(page: Page, status: 'approved' | 'declined', timeout = 15_000): Promise<void> {
  await page.locator(`#top-up-status[data-status="${status}"]`).waitFor({ timeout });
}
