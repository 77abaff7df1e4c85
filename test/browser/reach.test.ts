/**
 * Every page is reachable by a link, answers without a 5xx, passes axe-core, reads at 360 px
 * wide (no sideways scrolling) and says an empty list in words, not headers over no row: a crawl from the home page, as a buyer, a seller and a member of
 * staff, following every link of ours. And the core of an order works without JavaScript.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, signUp, type TestUser } from '../support/api.js';
import { assertAccessible, newPerson, openBrowser, signInAs, startWebStack, textOf, type WebStack } from '../support/browser.js';
import { approveJob, referredClient } from '../support/affiliates.js';
import { insertOffer } from '../support/catalog.js';
import { insertJob } from '../support/jobs.js';
import { insertConfirmedUser } from '../support/ledger.js';
import { actOk, market, placeOrder } from '../support/orders.js';

/** Each page's route, as a pattern of its path. */
const ROUTES: [name: string, pattern: RegExp][] = [
  ['home', /^\/$/],
  ['search', /^\/search$/],
  ['offer', /^\/offers\/\d+$/],
  ['seller profile', /^\/sellers\/[^/]+$/],
  ['sign in', /^\/sign-in$/],
  ['sign up', /^\/sign-up$/],
  ['forgot password', /^\/forgot-password$/],
  ['reset password', /^\/reset-password$/],
  ['confirm email', /^\/confirm-email$/],
  ['settings', /^\/settings$/],
  ['notification settings', /^\/settings\/notifications$/],
  ['invoicing', /^\/settings\/invoicing$/],
  ['close account', /^\/settings\/close-account$/],
  ['activate account', /^\/activate$/],
  ['resend activation', /^\/activation\/resend$/],
  ['cart', /^\/cart$/],
  ['favorites', /^\/favorites$/],
  ['balance', /^\/balance$/],
  ['top-up', /^\/balance\/top-up$/],
  ['top-up result', /^\/balance\/top-ups\/\d+$/],
  ['withdraw', /^\/balance\/withdraw$/],
  ['payout details', /^\/balance\/payout-details$/],
  ['withdrawals', /^\/balance\/withdrawals$/],
  ['withdrawal', /^\/balance\/withdrawals\/\d+$/],
  ['referrals', /^\/referrals$/],
  ['affiliate programme', /^\/affiliate$/],
  ['cookies', /^\/cookie-consent$/],
  ['my orders', /^\/orders$/],
  ['order groups', /^\/order-groups$/],
  ['order group', /^\/order-groups\/\d+$/],
  ['individual offers', /^\/individual-offers$/],
  ['order', /^\/orders\/\d+$/],
  ['notifications', /^\/notifications$/],
  ['messages', /^\/messages$/],
  ['conversation', /^\/messages\/\d+$/],
  ['report a message', /^\/messages\/\d+\/report\/\d+$/],
  ['seller dashboard', /^\/seller$/],
  ['my offers', /^\/seller\/offers$/],
  ['new offer', /^\/seller\/offers\/new$/],
  ['edit offer', /^\/seller\/offers\/\d+\/edit$/],
  ['earnings', /^\/seller\/earnings$/],
  ['my requests', /^\/requests\/mine$/],
  ['post a request', /^\/requests\/new$/],
  ['request board', /^\/requests$/],
  ['request', /^\/requests\/\d+$/],
  ['staff', /^\/staff$/],
  ['staff requests', /^\/staff\/requests$/],
  ['order a job', /^\/jobs\/new$/],
  ['jobs', /^\/jobs$/],
  ['job', /^\/jobs\/\d+$/],
  ['expert jobs', /^\/expert\/jobs$/],
  ['staff jobs', /^\/staff\/jobs$/],
  ['install catalog', /^\/staff\/job-installs$/],
  ['install', /^\/staff\/job-installs\/\d+$/],
  ['moderation queue', /^\/staff\/moderation$/],
  ['arbitration queue', /^\/staff\/arbitration$/],
  ['arbitration case', /^\/staff\/arbitration\/\d+$/],
  ['attention list', /^\/staff\/attention$/],
  ['reports', /^\/staff\/reports$/],
  ['blocked now', /^\/staff\/standings$/],
  ['staff withdrawals', /^\/staff\/withdrawals$/],
  ['staff withdrawal', /^\/staff\/withdrawals\/\d+$/],
  ['payout batches', /^\/staff\/payout-batches$/],
  ['provider events', /^\/staff\/provider-events$/],
  ['top-up refunds', /^\/staff\/top-ups$/],
  ['account closures', /^\/staff\/closures$/],
  ['users (admins)', /^\/staff\/users$/],
];
const routeOf = (path: string) => ROUTES.find(([, pattern]) => pattern.test(path))?.[0];

/** Links of ours on the page (no sign-out form, no other origin, no fragment-only), but downloads (`a[download]`: a file, not a page). */
async function linksOn(page: Page, origin: string): Promise<string[]> {
  const hrefs = await page.locator('a[href]:not([download])').evaluateAll((as) => as.map((a) => (a as unknown as { href: string }).href));
  return hrefs.filter((h) => h.startsWith(origin)).map((h) => new URL(h).pathname + new URL(h).search);
}

/**
 * The page does not scroll sideways, and nothing is cut off on its right: `clipped` names boxes
 * (a statement) whose content must fit the screen too, not scroll inside its own box.
 */
async function assertNoSideways(page: Page, what: string, clipped: string[] = []): Promise<void> {
  const overflow = await page.evaluate((inside: string[]) => {
    // Runs in the page: the DOM's types are not in this project's lib.
    const doc = (globalThis as any).document;
    const width = doc.documentElement.clientWidth;
    const name = (el: any) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).replace(/ /g, '.')}` : ''}`;
    const past = (el: any) => el.getBoundingClientRect().right > width + 0.5;
    const wide = [...doc.querySelectorAll('body *')].filter((el: any) => past(el) && !el.closest('.table-wrap')).slice(0, 3).map(name);
    const cut = inside.flatMap((selector) => [...doc.querySelectorAll(`${selector} *`)].filter(past).slice(0, 3).map((el: any) => `${selector} ${name(el)}`));
    return { by: doc.documentElement.scrollWidth - width, wide, cut };
  }, clipped);
  assert.ok(overflow.by <= 0, `${what} scrolls sideways by ${overflow.by} px at ${page.viewportSize()?.width} px wide: ${overflow.wide.join(', ')}`);
  assert.deepEqual(overflow.cut, [], `${what}: cut off on the right at ${page.viewportSize()?.width} px wide`);
}

/** Tables on the page with column headers over no row: an empty list must say so in words (`DataTable`'s `empty`). */
async function assertNoEmptyTables(page: Page, what: string): Promise<void> {
  const empty = await page.locator('table').evaluateAll((tables) =>
    tables.filter((t) => t.querySelectorAll('tbody tr').length === 0).map((t) => (t as unknown as { id: string }).id || (t.querySelector('caption')?.textContent ?? '?')),
  );
  assert.deepEqual(empty, [], `${what} shows column headers over no row`);
}

describe('every page, reached by links', () => {
  let stack: WebStack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-reach', payments: true }), openBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /**
   * Crawls from `/` as `user` at 360 px: every page answers below 500, and the first page of each
   * route (`checked` keeps them across crawls) passes axe and does not scroll sideways. Returns
   * the routes reached.
   */
  async function crawl(user: TestUser | undefined, checked: Set<string>): Promise<Set<string>> {
    const { context, page } = await newPerson(browser, stack, { width: 360 });
    if (user) await signInAs(context, stack, user);
    const seen = new Set<string>();
    const seenRoutes = new Set<string>();
    const reached = new Set<string>();
    const queue = ['/'];
    while (queue.length > 0 && seen.size < 150) {
      const path = queue.shift()!;
      const route = routeOf(new URL(path, stack.url).pathname);
      // One page a route (the others of it have the same links), and every page of no known route.
      const key = route ?? path;
      if (seenRoutes.has(key)) continue;
      seenRoutes.add(key);
      seen.add(path);
      const res = await page.goto(path);
      assert.ok(res && res.status() < 500, `${path} answered ${res?.status()}`);
      if (route) reached.add(route);
      await assertNoEmptyTables(page, `${route ?? 'unknown route'} (${path}) as ${user?.login ?? 'the public'}`);
      if (route && !checked.has(route)) {
        checked.add(route);
        await assertAccessible(page, `${route} (${path})`);
        await assertNoSideways(page, `${route} (${path})`);
      }
      for (const link of await linksOn(page, stack.url)) if (!seen.has(link)) queue.push(link);
    }
    await context.close();
    return reached;
  }

  it('reaches every page by links from the home page, as the public, a buyer, a seller and staff, without a 5xx or a sideways scroll', async () => {
    const m = await market(stack.api, stack.db);
    const placed = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    await actOk(stack.api, m.seller, placed.orderId, { type: 'start_work' });
    // What people write holds words longer than a phone's width (a pasted link): they wrap, the page does not scroll.
    const pasted = `https://drive.example.com/shared/${'0123456789'.repeat(12)}`;
    await actOk(stack.api, m.seller, placed.orderId, { type: 'deliver', text: `Done: ${pasted}`, links: [pasted] });
    await actOk(stack.api, m.buyer, placed.orderId, { type: 'open_dispute', statement: `Not what I asked for: ${pasted}` });
    await actOk(stack.api, m.seller, placed.orderId, { type: 'answer_dispute', statement: `It is exactly that: ${pasted}` });
    // A message in the order's conversation: the buyer's inbox lists it, with a link to report it.
    const conversation = await stack.services.conversations.forOrder({ id: m.seller.id, roles: [] }, placed.orderId);
    await stack.services.conversations.send({ id: m.seller.id, roles: [] }, conversation.id, { text: `Here is why it is exactly that: ${pasted}` });
    // The buyer's money pages with something on them: a top-up waiting at the provider, a withdrawal.
    const topUp = await stack.api('POST', '/top-ups', { token: m.buyer.token, body: { amountCents: 2_000, method: 'card' }, headers: { 'idempotency-key': 'reach-top-up' } });
    assert.equal(topUp.status, 201, JSON.stringify(topUp.body));
    await stack.services.payoutDetails.set(m.buyer.id, { method: 'paypal', account: `${m.buyer.login}@example.com` });
    await stack.db.sql`update withdrawal_locks set starts_at = now() - interval '8 days', ends_at = now() - interval '1 day' where user_id = ${m.buyer.id}`;
    await stack.services.withdrawals.request(m.buyer.id, { amountCents: 1_000 }, 'reach-withdrawal');
    // K-06: an order group of the buyer's, from the market's seller and one more: its comparison page has a link.
    const second = await insertConfirmedUser(stack.db, `reach_second_${process.pid}`);
    await stack.services.orderGroups.place({ ...m.buyer, emailConfirmed: true }, { offerIds: [m.offerId, await insertOffer(stack.db, second.id)], brief: 'One brief for two sellers.' }, 'reach-group');
    // A service request of the buyer's, awaiting moderation: "My requests" and the staff queue list it.
    await stack.services.requests.post({ id: m.buyer.id, login: m.buyer.login, emailConfirmed: true, roles: [] }, { title: 'A logo for a bakery', description: 'Three sketches, then one final logo.', categoryId: 11, budgetCents: null });
    // W-27: the buyer is an affiliate with a commission and a payout, so the wallet part of the affiliate page is checked too.
    await stack.services.affiliates.become(m.buyer.id, { firstName: 'Ada', lastName: 'Lovelace', country: 'PL' });
    const referred = await referredClient(stack.db, m.buyer.id, Date.now() - 60_000);
    await approveJob(stack.db, { jobId: 1, clientId: referred.id, paidCents: 50_000, atMs: Date.now() });
    // W-27: and a job of that client's, so the "Jobs of your clients" table is on the page.
    await insertJob(stack.db, referred.id, 'in_progress');
    await stack.services.affiliateWallet.setSettings(m.buyer.id, { paypalEmail: `${m.buyer.login}@example.com`, autoPayout: true });
    await stack.services.affiliateWallet.withdraw(m.buyer.id, 1_000);
    // An estimated job of the buyer's (issue 18): the Jobs tab lists it, the queue shows it to experts.
    await stack.services.jobs.order({ id: m.buyer.id, login: m.buyer.login, emailConfirmed: true, roles: [] }, { installId: null, title: 'Fix my contact form', description: 'The contact form sends nothing.', siteUrl: null, urgency: 'high', budgetCents: null, attachmentIds: [] }, 'reach-job');
    const admin = await signUp(stack.api, 'admin');
    await stack.db.sql`update users set roles = ${['moderator', 'arbiter', 'admin', 'support', 'expert']}::text[] where id = ${admin.id}`;

    const reached = new Set<string>();
    const checked = new Set<string>();
    for (const who of [undefined, m.buyer, m.seller, admin]) for (const route of await crawl(who, checked)) reached.add(route);
    assert.deepEqual(
      ROUTES.map(([name]) => name).filter((name) => !reached.has(name)),
      [],
      'pages no link leads to',
    );
  });

  /*
   * The crawl checks the first page of each route it meets, in whatever state its data is: an
   * order's page differs by state and by party (the seller's start and cancel forms), and a
   * statement scrolls inside its own box, which the crawl allows for tables. These pages are
   * checked here in the states the crawl never meets first.
   */
  it('reads at 360 and 375 px in the states a crawl does not meet: an order awaiting start or in work, for each party, and a statement', async () => {
    const m = await market(stack.api, stack.db);
    const waiting = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    const working = await placeOrder(stack.api, m.buyer, { offerId: m.offerId, units: 2 });
    await actOk(stack.api, m.seller, working.orderId, { type: 'start_work' });
    const pages: [TestUser, string, string[]][] = [
      [m.seller, `/orders/${waiting.orderId}`, []],
      [m.buyer, `/orders/${waiting.orderId}`, []],
      [m.seller, `/orders/${working.orderId}`, []],
      [m.buyer, `/orders/${working.orderId}`, []],
      [m.buyer, '/balance', ['#statement']],
    ];
    for (const width of [360, 375]) {
      for (const [user, path, clipped] of pages) {
        const { context, page } = await newPerson(browser, stack, { width });
        await signInAs(context, stack, user);
        const res = await page.goto(path);
        assert.equal(res?.status(), 200, path);
        await assertNoSideways(page, `${path} as ${user === m.seller ? 'the seller' : 'the buyer'}`, clipped);
        if (path === '/balance') {
          // Stacked, each value under its column's name (the cell's ::before).
          const labels = await page.locator('#statement tbody tr').first().locator('td').evaluateAll((tds) => tds.map((td) => (globalThis as any).getComputedStyle(td, '::before').content));
          assert.deepEqual(labels, ['"When"', '"What"', '"Account"', '"Amount"', '"Balance after"']);
          await assertAccessible(page, `balance at ${width} px`);
        }
        await context.close();
      }
    }
  });

  it('takes an order from search to delivery without JavaScript', async () => {
    const m = await market(stack.api, stack.db);
    const buyer = await browser.newContext({ baseURL: stack.url, javaScriptEnabled: false });
    const page = await buyer.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Login or email').fill(m.buyer.login);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto(`/offers/${m.offerId}`);
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    await page.waitForURL(/\/orders\/\d+$/);
    const orderId = Number(new URL(page.url()).pathname.split('/').pop());
    assert.match(await textOf(page, 'main'), /24 h|23 h/);

    const seller = await browser.newContext({ baseURL: stack.url, javaScriptEnabled: false });
    await signInAs(seller, stack, m.seller);
    const sellerPage = await seller.newPage();
    await sellerPage.goto(`/orders/${orderId}`);
    await sellerPage.getByRole('button', { name: /start work/i }).click();
    await sellerPage.waitForURL(`**/orders/${orderId}`);
    assert.equal((await stack.api('GET', `/orders/${orderId}`, { token: m.buyer.token })).body.status, 'in_progress');
    await buyer.close();
    await seller.close();
  });
});
