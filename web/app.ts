/**
 * The web client's factory: server-rendered pages (Hono's JSX) over the same services the JSON
 * API calls, with htmx as progressive enhancement. `web/server.ts` (and `npm start`) serves it
 * on its own port; tests build it in-process. Every page module is mounted here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { UPLOAD_MAX_BODY_BYTES } from '../api/routes/attachments.js';
import { attachmentRules } from '../services/policy.js';
import { DELIVERY_MAX_FILES } from '../workflows/order/messages.js';
import { requestLog } from '../api/http-process.js';
import type { WebDeps, WebEnv } from './context.js';
import { limitFormBody } from './oversize.js';
import { errorPage, notFoundPage } from './page.js';
import { accountPages } from './pages/account.js';
import { accountSettingsPages } from './pages/account-settings.js';
import { attachmentPages } from './pages/attachments.js';
import { buyerPages } from './pages/buyer.js';
import { catalogPages } from './pages/catalog.js';
import { individualOfferPages } from './pages/individual-offers.js';
import { messagePages } from './pages/messages.js';
import { moneyPages } from './pages/money.js';
import { notificationSettingsPages } from './pages/notification-settings.js';
import { notificationPages } from './pages/notifications.js';
import { orderGroupPages } from './pages/order-groups.js';
import { orderPages } from './pages/order.js';
import { privacyPages } from './pages/privacy.js';
import { referralPages } from './pages/referrals.js';
import { invoicingPages } from './pages/invoicing.js';
import { affiliatePages } from './pages/affiliates.js';
import { jobPages } from './pages/jobs.js';
import { requestPages } from './pages/requests.js';
import { sellerPages } from './pages/seller.js';
import { staffPages } from './pages/staff.js';
import { accountBlockGate, standingPages } from './pages/standing.js';
import { checkCsrf, readSession } from './session.js';

const require = createRequire(import.meta.url);
/** Our own copies of the scripts and the stylesheet: nothing is loaded from another origin. */
const assets: Record<string, { type: string; body: string }> = {
  'htmx.min.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(require.resolve('htmx.org/dist/htmx.min.js'), 'utf8') },
  'app.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./static/app.js', import.meta.url), 'utf8') },
  'app.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./static/app.css', import.meta.url), 'utf8') },
  'favicon.svg': { type: 'image/svg+xml', body: readFileSync(new URL('./static/favicon.svg', import.meta.url), 'utf8') },
};


/** The origins a form may post to, or be redirected to after posting: ours and the payment providers' pages. */
const formTargets = (pages: readonly string[] = []) => ["'self'", ...new Set(pages.map((url) => new URL(url).origin))];

/** The forms that carry a file. */
const UPLOAD_FORMS = /^\/(messages\/[0-9]+|orders\/[0-9]+\/portfolio|seller\/offers\/[0-9]+\/images|jobs\/new|requests\/new)$/;
/** The order's action forms: the delivery's may carry up to ten files (K-69). */
const ACTION_FORMS = /^\/orders\/[0-9]+\/actions$/;
const DELIVERY_MAX_BODY_BYTES = DELIVERY_MAX_FILES * attachmentRules.maxBytes + attachmentRules.multipartOverheadBytes;

export function createWeb(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const secure = deps.secureCookies ?? false;
  app.use(requestId());
  app.use(requestLog(deps.logger, 'page'));
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'https:', 'data:'],
        // htmx adds its indicator styles as an inline <style>.
        styleSrc: ["'self'", "'unsafe-inline'"],
        // K-47: adding funds and saving a payout card end in a 303 to the provider's hosted page.
        formAction: formTargets(deps.paymentPages),
        frameAncestors: ["'none'"],
      },
    }),
  );
  app.get('/assets/:name', (c) => {
    const asset = assets[c.req.param('name')];
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=300' });
  });
  // Browsers ask for /favicon.ico whatever the page links: the one icon, an SVG.
  app.get('/favicon.ico', (c) => c.redirect('/assets/favicon.svg', 301));
  app.get('/health', async (c) => {
    // As the API's: 200 when PostgreSQL and Temporal answer, else 503.
    const checks = await deps.services.health();
    const ok = checks.postgres.ok && checks.temporal.ok;
    return c.json({ status: ok ? 'ok' : 'unavailable', checks }, ok ? 200 : 503);
  });
  app.use(readSession(deps.services.accounts, secure));
  // A form is a few kilobytes; its longest text fields, some hundreds. 413 past 1 MiB; but the
  // forms that carry a file (K-69: up to 4 MB) — a message, a portfolio item, an offer's image,
  // a job's or a request's brief — and the order's actions, whose delivery carries up to ten.
  // After the session: a refused form is shown to its signed-in writer.
  const larger = (method: string, path: string) =>
    method !== 'POST' ? undefined : UPLOAD_FORMS.test(path) ? UPLOAD_MAX_BODY_BYTES : ACTION_FORMS.test(path) ? DELIVERY_MAX_BODY_BYTES : undefined;
  app.use(limitFormBody(1024 * 1024, larger));
  app.use(checkCsrf());
  app.use(accountBlockGate(deps));

  app.route('/', accountPages(deps));
  app.route('/', accountSettingsPages(deps));
  app.route('/', catalogPages(deps));
  app.route('/', buyerPages(deps));
  app.route('/', moneyPages(deps));
  app.route('/', orderPages(deps));
  app.route('/', sellerPages(deps));
  app.route('/', staffPages(deps));
  app.route('/', notificationPages(deps));
  app.route('/', notificationSettingsPages(deps));
  app.route('/', messagePages(deps));
  app.route('/', individualOfferPages(deps));
  app.route('/', orderGroupPages(deps));
  app.route('/', attachmentPages(deps));
  app.route('/', referralPages(deps));
  app.route('/', invoicingPages(deps));
  app.route('/', privacyPages(deps));
  app.route('/', affiliatePages(deps));
  app.route('/', requestPages(deps));
  app.route('/', jobPages(deps));
  app.route('/', standingPages(deps));

  app.notFound(notFoundPage(deps));
  app.onError(errorPage(deps));
  return app;
}

export type WebApp = ReturnType<typeof createWeb>;
