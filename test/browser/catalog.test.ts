/**
 * The catalog in a real browser: the home page's offers and categories, search with filters,
 * pages and a refused filter beside its field, the offer page's live price (with htmx and
 * without JS), ordering from it (one order for a double submit), a short balance's add-funds
 * link, the seller profile (with the standing reputation computed from finished orders), and
 * the 404 page for an offer nobody may see.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { signUp, type TestUser } from '../support/api.js';
import { assertAccessible, newPerson, openBrowser, screenshot, signInAs, startWebStack, textOf, visit, type WebStack } from '../support/browser.js';
import { addOptionsAndPackages, insertOffer } from '../support/catalog.js';
import { fund } from '../support/orders.js';
import { finishOrders, historyFrom, times } from '../support/reputation.js';

const LOGOS = 11;
const BANNERS = 12;
// A word no other offer has: this file's database holds only the offers made here.
const WORD = 'quokka';

describe('the catalog in the browser', () => {
  let stack: WebStack;
  let browser: Browser;
  let seller: TestUser;
  let offerId: number;
  const title = 'Minimalist quokka logo for your bakery';

  // The services' clock: the system's, but where a test sets a day of the week (K-42).
  let clockAt: Date | null = null;
  const clock = { now: () => clockAt ?? new Date() };

  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-catalog', clock }), openBrowser()]);
    seller = await signUp(stack.api, 'catseller');
    offerId = await insertOffer(stack.db, seller.id, { categoryId: LOGOS, title });
    await addOptionsAndPackages(stack.db, offerId, { economy: ['1 concept'], standard: ['3 concepts'], business: ['5 concepts', 'brand book'] });
    // 2 more logos and 25 banners with the word: 28 matches, two pages of 20.
    for (let i = 0; i < 2; i++) await insertOffer(stack.db, seller.id, { categoryId: LOGOS, title: `Another ${WORD} emblem number ${i}` });
    for (let i = 0; i < 25; i++) await insertOffer(stack.db, seller.id, { categoryId: BANNERS, title: `A ${WORD} banner number ${i}`, priceCents: 1_000 + i * 100 });
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const cards = (page: Page) => page.locator('#results .offer-card');

  it('lists popular offers on the home page, and a category link opens the search filtered by it', async () => {
    const { context, page } = await newPerson(browser, stack);
    await visit(page, '/', 'home page');
    assert.match(await textOf(page, 'main'), /Popular services/);
    assert.ok((await page.locator('.offer-card').count()) > 0);
    await page.getByRole('link', { name: 'Logos' }).click();
    await page.waitForURL(`**/search?categoryId=${LOGOS}`);
    assert.equal(await cards(page).count(), 3);
    assert.match(await textOf(page, '#results'), new RegExp(title));
    await context.close();
  });

  it('narrows the search with a filter, pages through results, and shows an invalid filter beside its field with 400', async () => {
    const { context, page } = await newPerson(browser, stack, { width: 360 });
    await visit(page, `/search?q=${WORD}`, 'search page');
    assert.equal(await cards(page).count(), 20);
    await screenshot(page, 'catalog', 'search');
    await page.getByRole('link', { name: 'Next page →' }).click();
    await page.waitForURL(/cursor=/);
    assert.equal(await cards(page).count(), 8);
    assert.equal(await page.getByRole('link', { name: 'Next page →' }).count(), 0);
    await assertAccessible(page, 'second page of results');

    // With htmx, choosing a category updates the results in place, and the address follows.
    await page.goto(`/search?q=${WORD}`);
    await page.getByLabel('Category').selectOption({ label: 'Design › Logos' });
    await page.waitForURL(/categoryId=11/);
    // The category's attributes appear as filters, in the same swap as the results.
    await page.getByRole('group', { name: 'Style' }).waitFor();
    assert.equal(await cards(page).count(), 3);
    // Highest price narrows the banners too: $10.00 to $12.00 is 3 of them.
    await page.goto(`/search?q=${WORD}&categoryId=${BANNERS}&maxPrice=12`);
    assert.equal(await cards(page).count(), 3);

    // An invalid filter typed in: its error beside the field, through htmx.
    await page.getByLabel('Lowest price ($)').fill('ten');
    await page.getByLabel('Lowest price ($)').press('Tab');
    await page.locator('#f-minPrice-error').waitFor();
    assert.match(await textOf(page, '#f-minPrice-error'), /Enter an amount in dollars/);

    // And in the address: 400, each error beside its field.
    const res = await page.goto('/search?maxLeadTimeDays=soon&minPrice=20&maxPrice=5&sellerLevel=guru');
    assert.equal(res?.status(), 400);
    assert.match(await textOf(page, '#f-maxLeadTimeDays-error'), /Enter a number of days/);
    assert.match(await textOf(page, '#f-maxPrice-error'), /Must not be below the lowest price/);
    assert.match(await textOf(page, '#f-sellerLevel-error'), /Not a valid choice/);
    assert.equal(await page.getByLabel('Delivered within (days)').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'search page with errors');
    const unknownCategory = await page.goto('/search?categoryId=999');
    assert.equal(unknownCategory?.status(), 400);
    assert.match(await textOf(page, '#f-categoryId-error'), /No such category/);
    await context.close();
  });

  it('prices the offer live as units, options and packages are chosen, then orders it: one order for a double submit', async () => {
    const buyer = await signUp(stack.api, 'catbuyer');
    await fund(stack.db, buyer.id, 10_000);
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, buyer);
    await visit(page, `/offers/${offerId}`, 'offer page');
    assert.match(await textOf(page, 'h1'), new RegExp(title));
    assert.match(await textOf(page, '#price'), /\$10\.00.*3 days/);

    const price = (expected: RegExp) => page.locator('#price', { hasText: expected }).waitFor();
    await page.getByLabel('Units of the basic kwork').fill('3');
    await page.getByLabel('Units of the basic kwork').press('Tab');
    // K-05: 3 days, plus half of it for each further unit.
    await price(/\$30\.00.*6 days/);
    await page.getByLabel(/Source files/).check();
    await price(/\$40\.00.*7 days/);
    await page.getByLabel(/Business package/).check();
    await price(/\$50\.00.*7 days/);
    await screenshot(page, 'catalog', 'offer');
    await assertAccessible(page, 'offer page, priced');
    await page.getByLabel(/Basic kwork/).check();
    await page.getByLabel(/Source files/).uncheck();
    await page.getByLabel('Units of the basic kwork').fill('1');
    await page.getByLabel('Units of the basic kwork').press('Tab');
    await price(/\$10\.00.*3 days/);
    await page.getByLabel(/Express delivery/).check();
    await price(/\$15\.00.*3 days/);
    // Typing, the focus still in the field (no change event yet): the price follows the keystrokes.
    await page.getByLabel('Units of the basic kwork').fill('2');
    await price(/\$25\.00.*4\.5 days/);
    assert.equal(await page.evaluate('document.activeElement.id'), 'f-units');

    await page.getByLabel('Requirements for the seller').fill('Our bakery is called Crumbs.');
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    await page.waitForURL(/\/orders\/\d+$/);
    const orderId = Number(new URL(page.url()).pathname.split('/').pop());
    const order = await stack.api('GET', `/orders/${orderId}`, { token: buyer.token });
    assert.equal(order.status, 200);
    assert.equal(order.body.amounts.totalCents, 2_500);
    assert.deepEqual(order.body.line, { kind: 'basic', units: 2, options: [{ id: 1, title: 'Express delivery', priceCents: 500, extraDays: 0 }] });
    assert.equal(order.body.requirements, 'Our bakery is called Crumbs.');

    // A double submit of one rendered form (the same idempotency key) places one order.
    await page.goto(`/offers/${offerId}`);
    const form = {
      _csrf: await page.locator('#order-form input[name="_csrf"]').inputValue(),
      idempotencyKey: await page.locator('#order-form input[name="idempotencyKey"]').inputValue(),
      packageTier: 'standard',
      units: '1',
      intent: 'order',
    };
    const send = () => context.request.post(`/offers/${offerId}/order`, { form, maxRedirects: 0, headers: { origin: stack.url } });
    const [first, second] = [await send(), await send()];
    assert.equal(first.status(), 303);
    assert.equal(second.headers().location, first.headers().location);
    const list = await stack.api('GET', '/orders?role=buyer', { token: buyer.token });
    assert.equal(list.body.items.length, 2);
    await context.close();
  });

  it('updates the price without JavaScript', async () => {
    const context = await browser.newContext({ baseURL: stack.url, javaScriptEnabled: false, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`/offers/${offerId}`);
    await page.getByLabel('Units of the basic kwork').fill('2');
    await page.getByLabel(/Express delivery/).check();
    await page.getByRole('button', { name: 'Update price' }).click();
    await page.waitForURL(`**/offers/${offerId}/order`);
    assert.match(await textOf(page, '#price'), /\$25\.00.*4\.5 days/);
    assert.equal(await page.getByLabel('Units of the basic kwork').inputValue(), '2');
    await context.close();
  });

  it('adds to the cart what the order form shows, pressed at once after a change, and checkout charges it (K-07)', async () => {
    const buyer = await signUp(stack.api, 'catcart');
    await fund(stack.db, buyer.id, 10_000);
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, buyer);
    await visit(page, `/offers/${offerId}`);
    await page.getByLabel(/Express delivery/).check();
    await page.getByLabel('Units of the basic kwork').fill('3');
    // No wait for the live price: the cart takes the form as it is.
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL('**/cart');
    assert.match(await textOf(page, '.flash'), /Added “Minimalist quokka logo.*” to your cart/);
    assert.match(await textOf(page, 'main tbody'), /3 × basic \+ 1 option\s*\$35\.00/);
    await page.getByRole('button', { name: 'Check out and pay' }).click();
    await page.waitForURL(/\/orders\/\d+$/);
    assert.match(await textOf(page, '.flash'), /Ordered 1 service for \$35\.00/);
    const orderId = Number(new URL(page.url()).pathname.split('/').pop());
    const order = await stack.api('GET', `/orders/${orderId}`, { token: buyer.token });
    assert.equal(order.body.amounts.totalCents, 3_500);
    assert.deepEqual(order.body.line, { kind: 'basic', units: 3, options: [{ id: 1, title: 'Express delivery', priceCents: 500, extraDays: 0 }] });
    await context.close();
  });

  it('adds the chosen package, or units and options, to the cart without JavaScript; a refused choice shows beside its field', async () => {
    const buyer = await signUp(stack.api, 'catcartnojs');
    const context = await browser.newContext({ baseURL: stack.url, javaScriptEnabled: false, bypassCSP: true });
    await signInAs(context, stack, buyer);
    const page = await context.newPage();
    await page.goto(`/offers/${offerId}`);
    await page.getByLabel('Units of the basic kwork').fill('2');
    await page.getByLabel(/Source files/).check();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL('**/cart');
    assert.match(await textOf(page, 'main tbody'), /2 × basic \+ 1 option\s*\$30\.00/);
    // The same offer again, as a package: its line is replaced.
    await page.goto(`/offers/${offerId}`);
    await page.getByLabel(/Standard package/).check();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL('**/cart');
    assert.match(await textOf(page, 'main tbody'), /Standard package\s*\$25\.00/);
    // Units the form refuses: the offer page again, the error beside the field, the cart unchanged.
    await page.goto(`/offers/${offerId}`);
    await page.getByLabel('Units of the basic kwork').fill('0');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL(`**/offers/${offerId}/order`);
    assert.ok((await textOf(page, '#f-units-error')).length > 0);
    const cart = await stack.services.cart.get(buyer.id);
    assert.deepEqual(cart.items.map((i) => i.packageTier), ['standard']);
    await context.close();
  });

  it('refuses an order the balance cannot pay, with a link to add the missing amount', async () => {
    const buyer = await signUp(stack.api, 'catpoor');
    await fund(stack.db, buyer.id, 300);
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, buyer);
    await visit(page, `/offers/${offerId}`);
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    await page.locator('#short-balance').waitFor();
    assert.match(await textOf(page, '#short-balance'), /short by \$7\.00/);
    assert.equal(await page.getByRole('link', { name: 'Add funds' }).getAttribute('href'), `/balance/top-up?amount=700&next=${encodeURIComponent(`/offers/${offerId}?units=1`)}`);
    await assertAccessible(page, 'offer page with a short balance');

    // K-02: the way to add funds carries the way back, with what was chosen and written.
    await page.getByLabel('Units of the basic kwork').fill('2');
    await page.getByLabel(/Express delivery/).check();
    await page.getByLabel('Requirements for the seller').fill('Crumbs & co, in blue');
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    await page.locator('#short-balance', { hasText: 'short by $22.00' }).waitFor();
    const back = `/offers/${offerId}?units=2&optionIds=1&requirements=Crumbs+%26+co%2C+in+blue`;
    assert.equal(await page.getByRole('link', { name: 'Add funds' }).getAttribute('href'), `/balance/top-up?amount=2200&next=${encodeURIComponent(back)}`);
    await page.getByRole('link', { name: 'Add funds' }).click();
    await page.waitForURL('**/balance/top-up?**');
    assert.equal(await page.getByLabel('Amount in dollars').inputValue(), '22.00');
    assert.equal(await page.getByRole('form', { name: 'add funds' }).locator('input[name="next"]').inputValue(), back);
    // The way back (the top-up's page links to it once the money is there) shows the form as it was.
    await visit(page, back, 'offer page back from adding funds');
    assert.equal(await page.getByLabel('Units of the basic kwork').inputValue(), '2');
    assert.equal(await page.getByLabel(/Express delivery/).isChecked(), true);
    assert.equal(await page.getByLabel('Requirements for the seller').inputValue(), 'Crumbs & co, in blue');
    assert.match(await textOf(page, '#price'), /\$25\.00.*4\.5 days/);
    const orders = await stack.api('GET', '/orders?role=buyer', { token: buyer.token });
    assert.equal(orders.body.items.length, 0);
    await context.close();
  });

  it("shows the seller's profile with their offers", async () => {
    const { context, page } = await newPerson(browser, stack);
    await visit(page, `/offers/${offerId}`);
    await page.getByRole('link', { name: seller.login }).click();
    await page.waitForURL(`**/sellers/${seller.login}`);
    await assertAccessible(page, 'seller profile');
    assert.match(await textOf(page, '.seller-card'), /Newbie.*No feedback yet.*Member since/);
    assert.equal(await page.locator('.offer-card').count(), 28);
    await page.getByRole('link', { name: title }).click();
    await page.waitForURL(`**/offers/${offerId}`);
    await context.close();
  });

  it("shows a seller's level, stars, percentages, Sales analytics and Top Rated offer, earned from their finished orders", async () => {
    const earner = await signUp(stack.api, 'repseller');
    const buyer = await signUp(stack.api, 'repbuyer');
    const poster = await insertOffer(stack.db, earner.id, { categoryId: BANNERS, title: 'Walrus poster for a seaside cafe' });
    // 20 liked orders on time (K-29: Top Rated; K-32: Advanced), then one the seller ignored.
    await finishOrders(stack.db, historyFrom(), { buyer, offerId: poster, outcomes: [...times('liked', 20), 'ignored'] });
    const { context, page } = await newPerson(browser, stack);
    await visit(page, `/sellers/${earner.login}`);
    await assertAccessible(page, 'seller profile with a standing');
    assert.equal(await textOf(page, '.seller-level'), 'Advanced');
    assert.equal(await textOf(page, '.seller-stars'), '5.0 ★');
    assert.match(await textOf(page, '.seller-card'), /95% rating \(20 feedbacks\).*Successfully completed\s*95%.*Submitted on time\s*100%/s);
    assert.match(await textOf(page, '.analytics'), /Sales analytics.*Responsibility \(last 30 orders\)\s*95% \(20 of 21\).*Sales\s*20/s);
    // The ignored order is against the seller on this offer: no longer Top Rated.
    assert.equal(await page.locator('.offer-card .top-rated').count(), 0);
    // K-36: the offer's seller card carries the profile's badges, each leading to them there.
    await visit(page, `/offers/${poster}`);
    assert.deepEqual(await page.locator('.seller-card .badge-chips li').allTextContents(), ['10+ sales', 'Positive communication']);
    await page.locator('.seller-card .badge-chips a', { hasText: '10+ sales' }).click();
    await page.waitForURL(`**/sellers/${earner.login}#badges`);
    assert.match(await textOf(page, '#badges'), /10\+ sales\s*20 orders completed as a seller/);
    await context.close();
  });

  it('answers 404 for an unknown offer, one buyers cannot see, and an unknown seller', async () => {
    const { context, page } = await newPerson(browser, stack);
    const paused = await insertOffer(stack.db, seller.id, { status: 'paused', title: 'A paused quokka offer' });
    for (const path of ['/offers/999999999', `/offers/${paused}`, '/offers/abc', '/sellers/nobody_at_all']) {
      const res = await page.goto(path);
      assert.equal(res?.status(), 404, path);
      assert.equal(await textOf(page, 'h1'), 'Not found');
    }
    await assertAccessible(page, '404 page');
    await context.close();
  });
  it('tells a visitor with the link that an offer hidden for the weekend is back on Monday, with no order form (K-42)', async () => {
    const weekender = await signUp(stack.api, 'catweekend');
    const hidden = await insertOffer(stack.db, weekender.id, { categoryId: BANNERS, title: 'Weekend wombat banner' });
    await stack.db.sql`update users set hide_on_weekends = true, time_zone = 'Asia/Tokyo' where id = ${weekender.id}`;
    // Saturday noon in Tokyo: hidden till Monday 00:00 there, Sunday 15:00 UTC.
    clockAt = new Date('2026-11-07T03:00:00Z');
    try {
      const { context, page } = await newPerson(browser, stack);
      const res = await page.goto(`/offers/${hidden}`);
      assert.equal(res?.status(), 404);
      assert.match(await textOf(page, 'h1'), /Weekend wombat banner/);
      assert.match(await textOf(page, '#unavailable'), /Unavailable until Monday.*catweekend.*takes no orders on weekends: this offer is back on/);
      assert.equal(await page.locator('#unavailable time').getAttribute('datetime'), '2026-11-08T15:00:00.000Z');
      assert.doesNotMatch(await textOf(page, 'main'), /There is nothing here/);
      assert.equal(await page.locator('#order-form').count(), 0);
      await assertAccessible(page, 'an offer hidden for the weekend');
      // An offer that is not there at all is still the plain 404 page.
      await page.goto('/offers/999999999');
      assert.equal(await page.locator('#unavailable').count(), 0);
      // Monday noon in Tokyo: it shows as usual.
      clockAt = new Date('2026-11-09T03:00:00Z');
      assert.equal((await page.goto(`/offers/${hidden}`))?.status(), 200);
      await page.locator('#order-form').waitFor();
      await context.close();
    } finally {
      clockAt = null;
    }
  });
});
