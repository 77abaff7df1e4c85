/**
 * The buyer's pages and the order page in a real browser: a top-up by card (paid on the local
 * card processor's page), the cart and its
 * checkout (with the add-funds prompt, K-02), favorites, an order's journey between a buyer
 * and a seller in two browser profiles (start, 30 % progress, delivery, revision, acceptance,
 * feedback), a cancellation request and its answer, refusals beside their forms, who may see
 * an order, and the notification centre.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { pollUntil } from '../../scripts/poll.js';
import { PASSWORD, signUp, type TestUser } from '../support/api.js';
import { assertAccessible, newPerson, openBrowser, payOnCardPage, screenshot, signInAs, startWebStack, textOf, topUpShows, visit, type WebStack } from '../support/browser.js';
import { actOk, market, placeOrder, viewAs } from '../support/orders.js';
import { TEST_CARDS } from '../support/payments.js';

/**
 * Sends a form as another page (the offer page, built elsewhere) would: the fields posted
 * with this browser's CSRF token from the page's meta tag. (A string: the tests compile without the DOM's types.)
 */
/** A stored instant as the workflows write it ("2026-12-10T14:46:57.445Z"): no page shows one as text. */
const ISO_STAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
/** A time as the pages show it ("10 Dec 2026, 15:46 CET"). */
const SHOWN_TIME = /\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2} \S+/;

async function postForm(page: Page, action: string, fields: [string, string][]): Promise<void> {
  const script = `(() => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = ${JSON.stringify(action)};
    const fields = [['_csrf', document.querySelector('meta[name="csrf-token"]').getAttribute('content')], ...${JSON.stringify(fields)}];
    for (const [name, value] of fields) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  })()`;
  await Promise.all([page.waitForNavigation(), page.evaluate(script)]);
}

describe('the buyer in the browser', () => {
  let stack: WebStack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-buyer', payments: true }), openBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function personAs(user: TestUser, width?: number) {
    const person = await newPerson(browser, stack, { width });
    await signInAs(person.context, stack, user);
    return person;
  }

  it('tops up by card on the provider’s page: a declined card, then a good one shows the new balance', async () => {
    const buyer = await signUp(stack.api, 'topup');
    const { context, page } = await personAs(buyer, 360);
    await visit(page, '/balance/top-up?amount=1250', 'top-up page');
    assert.equal(await page.getByLabel('Amount in dollars').inputValue(), '12.50');
    await page.getByLabel('Amount in dollars').fill('50');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL((url) => url.origin === stack.payments!.url);
    await payOnCardPage(page, stack, TEST_CARDS.decline);
    await topUpShows(page, 'declined');
    assert.match(await textOf(page, '#top-up-status'), /Declined \(card declined\)/);
    await assertAccessible(page, 'top-up declined');
    await page.getByRole('link', { name: 'Try another card' }).click();
    await payOnCardPage(page, stack, TEST_CARDS.success);
    await topUpShows(page, 'approved');
    assert.equal(await textOf(page, '#balance-after'), '$50.00');
    await visit(page, '/balance', 'balance page');
    assert.match(await textOf(page, '#header-balance'), /\$50\.00/);
    assert.equal(await textOf(page, '#balance-main'), '$50.00');
    assert.equal(await textOf(page, '#balance-withdrawable'), '$0.00'); // K-48: card money is held a month
    assert.match(await textOf(page, '#why-not'), /card money is withdrawable a month after it arrived/);
    assert.equal(await page.locator('#statement tbody tr').count(), 1);
    await context.close();
  });

  it('adds to the cart, removes, and checks out after the add-funds prompt: the order is placed', async () => {
    const m = await market(stack.api, stack.db, { fundsCents: 500 });
    const { context, page } = await personAs(m.buyer);
    await visit(page, '/cart', 'empty cart');
    const addToCart = async () => {
      await page.goto(`/offers/${m.offerId}`);
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.waitForURL('**/cart');
    };
    await addToCart();
    assert.match(await textOf(page, '.flash'), /Added “Logo design .*” to your cart/);
    await page.getByRole('button', { name: /^Remove Logo design/ }).click();
    assert.match(await textOf(page, '.flash'), /Removed from your cart/);
    assert.match(await textOf(page, 'main'), /Your cart is empty/);
    await addToCart();
    await assertAccessible(page, 'cart');

    // K-02: too little money: the refusal links to a top-up of exactly what is missing.
    await page.getByRole('button', { name: 'Check out and pay' }).click();
    assert.match(await textOf(page, '.form-error'), /Refused \(422\): Insufficient funds/);
    assert.equal((await stack.api('GET', '/orders', { token: m.buyer.token })).body.items.length, 0);
    await page.getByRole('link', { name: 'Add $5.00 to your balance' }).click();
    assert.equal(await page.getByLabel('Amount in dollars').inputValue(), '5.00');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL((url) => url.origin === stack.payments!.url);
    await payOnCardPage(page, stack, TEST_CARDS.success);
    await topUpShows(page, 'approved');

    await visit(page, '/cart');
    await page.getByRole('button', { name: 'Check out and pay' }).click();
    await page.waitForURL(/\/orders\/\d+$/);
    assert.match(await textOf(page, '.flash'), /Ordered 1 service for \$10\.00/);
    const orders = (await stack.api('GET', '/orders', { token: m.buyer.token })).body.items;
    assert.equal(orders.length, 1);
    assert.equal(new URL(page.url()).pathname, `/orders/${orders[0].id}`);
    // K-08: a new order waits on the seller, 24 h.
    assert.equal(await textOf(page, '#order-status'), 'Awaiting start');
    assert.equal(await textOf(page, '#next-party'), 'The seller');
    assert.match(await textOf(page, '#next-action'), /must start work by .* (23 h \d+ min|1 d 0 h) left/);
    assert.match(await textOf(page, '#next-outcome'), /If nobody does: cancel and refund the buyer/);
    await screenshot(page, 'buyer', 'order');

    await visit(page, '/orders', 'my orders');
    assert.equal(await page.locator('#orders tbody tr').count(), 1);
    await page.getByLabel('Status').selectOption('completed');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/status=completed/);
    assert.match(await textOf(page, 'main'), /No orders here yet/);
    await context.close();
  });

  it('adds funds from an offer’s short balance and comes back to the offer as chosen, then orders it (K-02)', async () => {
    const m = await market(stack.api, stack.db, { fundsCents: 500 });
    const { context, page } = await personAs(m.buyer);
    await visit(page, `/offers/${m.offerId}`);
    await page.getByLabel('Units of the basic kwork').fill('2');
    await page.getByLabel('Requirements for the seller').fill('The bakery is called Crumbs.');
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    await page.locator('#short-balance', { hasText: 'short by $15.00' }).waitFor();
    await page.getByRole('link', { name: 'Add funds' }).click();
    assert.equal(await page.getByLabel('Amount in dollars').inputValue(), '15.00');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL((url) => url.origin === stack.payments!.url);
    await payOnCardPage(page, stack, TEST_CARDS.success);
    await topUpShows(page, 'approved');
    await page.getByRole('link', { name: 'Back to the offer to order' }).click();
    await page.waitForURL((url) => url.pathname === `/offers/${m.offerId}`);
    assert.equal(await page.getByLabel('Units of the basic kwork').inputValue(), '2');
    assert.equal(await page.getByLabel('Requirements for the seller').inputValue(), 'The bakery is called Crumbs.');
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    await page.waitForURL(/\/orders\/\d+$/);
    const orderId = Number(new URL(page.url()).pathname.split('/').pop());
    const order = await stack.api('GET', `/orders/${orderId}`, { token: m.buyer.token });
    assert.equal(order.body.amounts.totalCents, 2_000);
    assert.equal(order.body.requirements, 'The bakery is called Crumbs.');
    await context.close();
  });

  it('keeps favorites: the heart toggles an offer in and out', async () => {
    const m = await market(stack.api, stack.db);
    const { context, page } = await personAs(m.buyer);
    await visit(page, '/favorites', 'no favorites');
    await postForm(page, `/favorites/${m.offerId}`, [['back', '/favorites']]);
    assert.match(await textOf(page, '.flash'), /Added to your favorites/);
    await assertAccessible(page, 'favorites');
    await page.getByRole('button', { name: /^Remove Logo design .* from favorites$/ }).click();
    assert.match(await textOf(page, '.flash'), /Removed from your favorites/);
    assert.match(await textOf(page, 'main'), /No favorites yet/);
    // `back` names a page of ours only: another site is refused, and nothing is toggled.
    await postForm(page, `/favorites/${m.offerId}`, [['back', '//evil.example/']]);
    assert.match(await textOf(page, '.form-error'), /not a page of ours/);
    await page.goto('/favorites');
    assert.match(await textOf(page, 'main'), /No favorites yet/);
    await context.close();
  });

  it('runs an order between two browsers: start, 30 %, delivery, revision, delivery, acceptance and a like', async () => {
    const m = await market(stack.api, stack.db);
    const order = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    const path = `/orders/${order.orderId}`;
    const buyer = await personAs(m.buyer);
    const seller = await personAs(m.seller, 360);

    // Every moment a person reads is a time in their zone, never a stored ISO stamp.
    await visit(seller.page, '/seller', 'seller dashboard with a new order');
    assert.match(await textOf(seller.page, 'main'), /Start within .*cancel and refund the buyer/);
    assert.doesNotMatch(await textOf(seller.page, 'main'), ISO_STAMP);
    await visit(seller.page, path, 'new order, seller');
    assert.equal(await textOf(seller.page, '#next-party'), 'You');
    await seller.page.getByRole('button', { name: 'Start work' }).click();
    assert.match(await textOf(seller.page, '.flash'), /Work started/);
    assert.equal(await textOf(seller.page, '#order-status'), 'In progress');
    const started = seller.page.locator('#timeline li', { hasText: 'Work started' });
    assert.match(((await started.textContent()) ?? '').replace(/\s+/g, ' '), new RegExp(`Seller: Work started; due ${SHOWN_TIME.source}`));
    assert.doesNotMatch(await textOf(seller.page, '#timeline'), ISO_STAMP);

    await seller.page.getByLabel('Done so far').selectOption('30');
    await seller.page.getByLabel('Comment for the buyer').fill('Sketches done');
    await seller.page.getByRole('button', { name: 'Report progress' }).click();
    assert.match(await textOf(seller.page, '.flash'), /Progress reported/);
    assert.equal(await seller.page.locator('.progress span.done').count(), 3);
    assert.equal(await textOf(seller.page, '.progress small'), '30 % done');
    await assertAccessible(seller.page, 'order in progress at 360 px');

    await seller.page.getByLabel('Delivery message').fill('Here is the logo');
    await seller.page.getByLabel('Links to the work (one per line, optional)').fill('https://files.example/logo.png\nhttps://files.example/logo.svg');
    await seller.page.getByRole('button', { name: 'Deliver', exact: true }).click();
    assert.match(await textOf(seller.page, '.flash'), /Delivered/);
    assert.equal(await textOf(seller.page, '#order-status'), 'In review');

    const askedBy = new RegExp(`Accept it or ask for a revision by ${SHOWN_TIME.source}, else it is accepted automatically`);
    await pollUntil(
      async () => {
        await buyer.page.goto('/notifications');
        return askedBy.test(await textOf(buyer.page, 'main')) || undefined;
      },
      { timeoutMs: 10_000, what: 'the delivery notice' },
    );
    assert.doesNotMatch(await textOf(buyer.page, '#notifications'), ISO_STAMP);
    await assertAccessible(buyer.page, 'notifications');
    await visit(buyer.page, path, 'delivered order, buyer');
    assert.equal(await textOf(buyer.page, '#next-party'), 'You');
    assert.match(await textOf(buyer.page, '#next-action'), /accept the delivery or ask for a revision/);
    assert.equal(await buyer.page.locator('#deliveries a').count(), 2);
    await buyer.page.getByLabel('What to change').fill('Make it blue');
    await buyer.page.getByRole('button', { name: 'Ask for a revision' }).click();
    assert.match(await textOf(buyer.page, '.flash'), /Revision requested/);
    assert.equal(await textOf(buyer.page, '#order-status'), 'In progress');

    await visit(seller.page, path);
    await seller.page.getByLabel('Delivery message').fill('Blue now');
    await seller.page.getByRole('button', { name: 'Deliver', exact: true }).click();
    assert.equal(await textOf(seller.page, '#order-status'), 'In review');

    await visit(buyer.page, path);
    // Accepting pays the seller and cannot be undone: the browser sends it only with its box ticked…
    const accept = buyer.page.getByRole('button', { name: 'Accept the delivery' });
    const box = buyer.page.getByLabel('I have checked the delivery: the seller is paid now, and this cannot be undone');
    await accept.click();
    assert.equal(await box.evaluate((e) => (e as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing), true);
    assert.equal(await textOf(buyer.page, '#order-status'), 'In review');
    // …and sent unticked anyway (no browser check), the page refuses it beside the box, the order unchanged.
    await box.evaluate((e) => e.removeAttribute('required'));
    await accept.click();
    assert.equal(await textOf(buyer.page, '#f-acceptConfirmed-error'), 'Tick the box to confirm');
    assert.equal(await textOf(buyer.page, '#order-status'), 'In review');
    await box.check();
    await accept.click();
    assert.equal(await textOf(buyer.page, '#order-status'), 'Completed');
    assert.match(await textOf(buyer.page, '#next-action'), /Nobody/);
    await buyer.page.getByLabel('👍 Like').check();
    await buyer.page.getByLabel('Your feedback (public on the seller’s profile)').fill('Great work, fast');
    await buyer.page.getByRole('button', { name: 'Leave feedback' }).click();
    assert.match(await textOf(buyer.page, '#feedback'), /Like from .*: Great work, fast/);
    await assertAccessible(buyer.page, 'completed order');
    await screenshot(buyer.page, 'buyer', 'order-completed');
    const fb = await stack.api('GET', `${path}/feedback`, { token: m.seller.token });
    assert.equal(fb.body.feedback.verdict, 'like');
    assert.equal((await viewAs(stack.api, m.buyer, order.orderId)).revisionCount, 1);
    await buyer.context.close();
    await seller.context.close();
  });

  it('asks to cancel, and the other party declines', async () => {
    const m = await market(stack.api, stack.db);
    const order = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    await actOk(stack.api, m.seller, order.orderId, { type: 'start_work' });
    const path = `/orders/${order.orderId}`;
    const buyer = await personAs(m.buyer);
    await visit(buyer.page, path);
    await buyer.page.getByLabel('Reason').selectOption('quality_not_as_expected');
    await buyer.page.getByLabel('Comment (optional)').fill('Not what I hoped for');
    await buyer.page.getByRole('button', { name: 'Ask to cancel' }).click();
    assert.match(await textOf(buyer.page, '.flash'), /Cancellation requested/);
    assert.match(await textOf(buyer.page, '#cancellation'), /The quality is not as expected/);
    assert.equal(await textOf(buyer.page, '#next-party'), 'The seller');
    assert.match(await textOf(buyer.page, '#next-action'), /answer the cancellation request/);
    await assertAccessible(buyer.page, 'cancellation requested');

    const seller = await personAs(m.seller);
    await visit(seller.page, path);
    assert.match(await textOf(seller.page, '#cancellation'), /Not what I hoped for/);
    await seller.page.getByRole('button', { name: 'Decline the cancellation' }).click();
    assert.match(await textOf(seller.page, '.flash'), /Cancellation declined/);
    assert.equal(await textOf(seller.page, '#order-status'), 'In progress');
    assert.equal((await viewAs(stack.api, m.buyer, order.orderId)).cancellation, null);
    // The buyer's open page polls its status panel (htmx) and says that the order changed.
    await buyer.page.getByText('The order has changed.').waitFor();
    await buyer.page.getByRole('link', { name: 'Reload the page' }).click();
    assert.equal(await buyer.page.locator('#cancellation').count(), 0);
    await buyer.context.close();
    await seller.context.close();
  });

  it('shows an illegal or invalid action’s refusal beside its form, changing nothing', async () => {
    const m = await market(stack.api, stack.db);
    const order = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    const path = `/orders/${order.orderId}`;
    const seller = await personAs(m.seller);
    await visit(seller.page, path);
    // Started elsewhere meanwhile: this page's "Start work" is refused by the workflow (409).
    await actOk(stack.api, m.seller, order.orderId, { type: 'start_work' });
    const before = await viewAs(stack.api, m.seller, order.orderId);
    const [response] = await Promise.all([seller.page.waitForResponse((r) => r.url().endsWith(`${path}/actions`)), seller.page.getByRole('button', { name: 'Start work' }).click()]);
    assert.equal(response.status(), 409);
    assert.match(await textOf(seller.page, '#action-start_work .form-error'), /Refused \(409\): Work has already started/);
    assert.deepEqual((await viewAs(stack.api, m.seller, order.orderId)).timeline, before.timeline);

    // Invalid input: each problem beside its field (400), nothing delivered.
    await seller.page.getByLabel('Links to the work (one per line, optional)').fill('not a link');
    await seller.page.getByRole('button', { name: 'Deliver', exact: true }).click();
    assert.match(await textOf(seller.page, '#action-deliver .form-error'), /Not sent \(400\)/);
    assert.equal(await textOf(seller.page, '#f-deliveryText-error'), 'Required');
    assert.match(await textOf(seller.page, '#f-links-error'), /web address/);
    await assertAccessible(seller.page, 'refused delivery');
    const after = await viewAs(stack.api, m.seller, order.orderId);
    assert.equal(after.deliveries.length, 0);
    assert.equal(after.status, 'in_progress');
    await seller.context.close();
  });

  it('shows an order to its parties only: others and signed-out people get the 404 page (journey 7)', async () => {
    const m = await market(stack.api, stack.db);
    const order = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    const stranger = await personAs(await signUp(stack.api, 'stranger'));
    const res = await stranger.page.goto(`/orders/${order.orderId}`);
    assert.equal(res?.status(), 404);
    assert.match(await textOf(stranger.page, 'main'), /There is nothing here, or it is not yours to see/);
    await assertAccessible(stranger.page, '404 page');
    // Signed out: the same 404 page, with a way to sign in that comes back here.
    const anonymous = await newPerson(browser, stack);
    const unknown = await anonymous.page.goto(`/orders/${order.orderId}`);
    assert.equal(unknown?.status(), 404);
    assert.doesNotMatch(await textOf(anonymous.page, 'main'), new RegExp(m.offerId.toString() + '|Logo design'));
    await anonymous.page.getByRole('link', { name: 'sign in', exact: true }).click();
    await anonymous.page.getByLabel('Login or email').fill(m.buyer.login);
    await anonymous.page.getByLabel('Password').fill(PASSWORD);
    await anonymous.page.getByRole('button', { name: 'Sign in' }).click();
    await anonymous.page.waitForURL(`**/orders/${order.orderId}`);
    await stranger.context.close();
    await anonymous.context.close();
  });

  it('lists notifications newest first, marks one read, then all', async () => {
    const m = await market(stack.api, stack.db);
    const order = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    await actOk(stack.api, m.seller, order.orderId, { type: 'start_work' });
    await actOk(stack.api, m.seller, order.orderId, { type: 'report_progress', percent: 50, comment: 'Half way' });
    const unread = await pollUntil(
      async () => {
        const n = (await stack.api('GET', '/notifications', { token: m.buyer.token })).body.unreadCount as number;
        return n >= 2 ? n : undefined;
      },
      { timeoutMs: 10_000, what: 'the buyer’s notifications' },
    );
    const { context, page } = await personAs(m.buyer);
    await visit(page, '/notifications', 'notifications');
    assert.equal(await textOf(page, '#header-notifications .badge'), String(unread));
    assert.equal(await page.locator('#notifications li.unread').count(), unread);
    const first = page.locator('#notifications > li').first();
    assert.equal(await first.getByRole('link', { name: `Open order #${order.orderId}` }).count(), 1);
    await first.getByRole('button', { name: 'Mark read' }).click();
    assert.match(await textOf(page, '.flash'), /Marked read/);
    assert.equal(await textOf(page, '#unread-count'), `${unread - 1} unread`);
    assert.equal(await page.locator('#notifications > li').first().locator('.badge-unread').count(), 0);
    await page.getByRole('button', { name: 'Mark all read' }).click();
    assert.equal(await textOf(page, '#unread-count'), '0 unread');
    assert.equal(await page.locator('#header-notifications .badge').count(), 0);
    assert.equal((await stack.api('GET', '/notifications', { token: m.buyer.token })).body.unreadCount, 0);
    await page.getByRole('link', { name: `Open order #${order.orderId}` }).first().click();
    await page.waitForURL(`**/orders/${order.orderId}`);
    await context.close();
  });
});
