/**
 * Journeys 1–5 (issue 14), each clicked through in Chromium as people do, one browser profile
 * per person: a new buyer signs up, confirms, tops up, searches, orders a package and meets
 * the 24 h start countdown (1); the seller works the order through progress, delivery and a
 * revision to a like that shows on the offer page (2); a cancellation request is accepted (3);
 * an arbiter splits a disputed order (4); a moderator approves an offer and rejects a reply to
 * feedback (5). Every page visited is checked with axe-core; key pages are screenshotted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pollUntil } from '../../scripts/poll.js';
import { signUp, type TestUser } from '../support/api.js';
import { assertAccessible, codeIn, newPerson, openBrowser, payOnCardPage, screenshot, signInAs, startWebStack, textOf, topUpShows, visit, type WebStack } from '../support/browser.js';
import { addOptionsAndPackages, insertOffer } from '../support/catalog.js';
import { uniqueId } from '../support/harness.js';
import { actOk, fund, market, placeOrder, rowStatus } from '../support/orders.js';
import { TEST_CARDS } from '../support/payments.js';

const LOGOS = 11;
const BANNERS = 12;
// Words no other offer has: this file's database holds only the offers made here.
const WORD = 'wombat';
const TITLE = 'Wombat mascot logo for your brand';
const OTHER_TITLE = 'Wombat banner for your shop window';

type Person = { context: BrowserContext; page: Page };

/** Every timeline entry as the page shows it ("<time> · Seller: Work started; …"). */
async function timeline(page: Page): Promise<string[]> {
  return (await page.locator('#timeline > li').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** The timeline has entries matching `expected`, in that order (others may come between). */
async function assertTimeline(page: Page, expected: RegExp[]): Promise<void> {
  const entries = await timeline(page);
  let from = 0;
  for (const pattern of expected) {
    const at = entries.findIndex((e, i) => i >= from && pattern.test(e));
    assert.ok(at >= 0, `no timeline entry ${pattern} after entry ${from} in:\n${entries.join('\n')}`);
    from = at + 1;
  }
}

/** The order page's detail named `term` (the `<dd>` after its `<dt>`). */
async function detail(page: Page, term: string): Promise<string> {
  const dd = page.locator(`xpath=//dt[normalize-space()="${term}"]/following-sibling::dd[1]`);
  return ((await dd.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Reloads the balance page until its main balance reads `expected` (the ledger is written by the worker). */
async function balanceShows(page: Page, expected: string): Promise<void> {
  await pollUntil(
    async () => {
      await page.goto('/balance');
      return (await textOf(page, '#balance-main')) === expected;
    },
    { timeoutMs: 15_000, intervalMs: 250, what: `the balance page to show ${expected}` },
  );
  await assertAccessible(page, 'balance page');
}

describe('journeys in the browser', () => {
  let stack: WebStack;
  let browser: Browser;
  let seller: TestUser;
  let offerId: number;
  /** Journey 1's buyer (signed up in the browser) and order, which journey 2 carries on. */
  let buyer: Person & { login: string };
  let orderPath = '';

  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-journeys', payments: true }), openBrowser()]);
    seller = await signUp(stack.api, 'jseller');
    offerId = await insertOffer(stack.db, seller.id, { categoryId: LOGOS, title: TITLE });
    // K-03: a package is ordered alone; its tier lists the options the seller put in it ("Source files").
    await addOptionsAndPackages(stack.db, offerId, { economy: ['1 concept'], standard: ['3 concepts', 'Source files'], business: ['5 concepts', 'Source files', 'Express delivery'] });
    // Another seller's offer with the same word, in another category: the filter leaves it out.
    const other = await signUp(stack.api, 'jother');
    await insertOffer(stack.db, other.id, { categoryId: BANNERS, title: OTHER_TITLE, priceCents: 1_500 });
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function personAs(user: TestUser, width?: number): Promise<Person> {
    const person = await newPerson(browser, stack, { width });
    await signInAs(person.context, stack, user);
    return person;
  }

  /** A new user holding a staff role (granted straight in the database, as an admin would). */
  async function staff(role: 'moderator' | 'arbiter'): Promise<TestUser> {
    const user = await signUp(stack.api, `j${role}`);
    await stack.db.sql`update users set roles = ${[role]}::text[] where id = ${user.id}`;
    return user;
  }

  /** Journey 1, first half: sign up, confirm with the mailed code, top up $30 by card (K-47). */
  async function signUpAndTopUp(page: Page, login: string): Promise<void> {
    const email = `${login}@example.com`;
    await visit(page, '/', 'home page, signed out');
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.waitForURL('**/sign-up');
    await assertAccessible(page, 'sign-up page');
    await page.getByLabel('Login').fill(login);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.waitForURL('**/confirm-email');
    assert.match(await textOf(page, '.flash'), new RegExp(`Welcome, ${login}`));
    await assertAccessible(page, 'confirm-email page');
    const mail = await stack.mailTo(email, /Confirm your email/);
    await page.getByLabel('Confirmation code').fill(codeIn(mail.body));
    await page.getByRole('button', { name: 'Confirm' }).click();
    assert.match(await textOf(page, '.flash'), /is confirmed/);
    assert.match(await textOf(page, '#header-balance'), /\$0\.00/);

    await page.locator('#header-balance').click();
    await page.waitForURL('**/balance');
    await assertAccessible(page, 'empty balance');
    await page.getByRole('link', { name: 'Add funds' }).click();
    await page.waitForURL('**/balance/top-up');
    await assertAccessible(page, 'top-up page');
    await page.getByLabel('Amount in dollars').fill('30');
    // K-47: the card is typed on the card processor's page, never on ours.
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL((url) => url.origin === stack.payments!.url);
    await payOnCardPage(page, stack, TEST_CARDS.success);
    await topUpShows(page, 'approved');
    assert.match(await textOf(page, '#header-balance'), /\$30\.00/);
    await visit(page, '/balance', 'balance after the top-up');
    assert.equal(await textOf(page, '#balance-main'), '$30.00');
    assert.equal(await page.locator('#statement tbody tr').count(), 1);
  }

  /** Journey 1, the search: the keyword finds both sellers' offers; the category filter leaves one. */
  async function searchWithFilter(page: Page): Promise<void> {
    await page.locator('#q-top').fill(WORD);
    await page.locator('#q-top').press('Enter');
    await page.waitForURL(`**/search?q=${WORD}`);
    await assertAccessible(page, 'search results');
    const cards = page.locator('#results .offer-card');
    assert.equal(await cards.count(), 2);
    assert.match(await textOf(page, '#results'), new RegExp(OTHER_TITLE));
    // With htmx the results change in place and the address follows the filter.
    await page.getByLabel('Category').selectOption({ label: 'Design › Logos' });
    await page.waitForURL(/categoryId=11/);
    await page.locator('#results .offer-card').nth(1).waitFor({ state: 'detached' });
    assert.equal(await cards.count(), 1);
    assert.match(await textOf(page, '#results'), new RegExp(TITLE));
    assert.doesNotMatch(await textOf(page, '#results'), new RegExp(OTHER_TITLE));
    await assertAccessible(page, 'search results filtered by category');
    await screenshot(page, 'journey1', 'search');
  }

  it('journey 1: a new buyer signs up, confirms, tops up, searches with a filter, orders a package and sees the 24 h countdown', async () => {
    const login = uniqueId('jbuyer').replace(/-/g, '_').slice(0, 32);
    const person = await newPerson(browser, stack);
    buyer = { ...person, login };
    const { page } = person;
    await signUpAndTopUp(page, login);
    await searchWithFilter(page);

    await page.getByRole('link', { name: TITLE }).click();
    await page.waitForURL(`**/offers/${offerId}`);
    await assertAccessible(page, 'offer page');
    const standardRow = page.locator('section[aria-labelledby="packages-heading"] tr', { has: page.getByRole('rowheader', { name: 'Standard' }) });
    assert.match((await standardRow.textContent()) ?? '', /\$25\.00.*4 days.*3 concepts, Source files/);
    await page.getByLabel(/Standard package/).check();
    await page.locator('#price', { hasText: /\$25\.00.*4 days/ }).waitFor();
    await page.getByLabel('Requirements for the seller').fill('A friendly wombat for a hiking shop.');
    await screenshot(page, 'journey1', 'offer');
    await page.getByRole('button', { name: 'Order', exact: true }).click();
    await page.waitForURL(/\/orders\/\d+$/);
    orderPath = new URL(page.url()).pathname;
    assert.match(await textOf(page, '.flash'), /Your order is placed/);
    await assertAccessible(page, 'new order, buyer');

    // K-03: the package ordered alone, with the option its tier includes.
    assert.equal(await detail(page, 'Ordered'), 'Standard package: 3 concepts, Source files');
    assert.equal(await detail(page, 'Total'), '$25.00');
    assert.match(await textOf(page, '#header-balance'), /\$5\.00/);
    // K-08: the seller has 24 h to start; if nobody acts, the order is cancelled and refunded.
    assert.equal(await textOf(page, '#order-status'), 'Awaiting start');
    assert.equal(await textOf(page, '#next-party'), 'The seller');
    assert.match(await textOf(page, '#next-action'), /must start work by/);
    assert.match(await textOf(page, '#next-action .countdown'), /^(23 h \d{1,2} min|1 d 0 h) left$/);
    assert.match(await textOf(page, '#next-outcome'), /If nobody does: cancel and refund the buyer.*\(K-08\)/);
    // Meanwhile the buyer may still cancel alone, within 20 minutes of ordering (K-16).
    assert.equal(await page.getByRole('button', { name: 'Cancel and refund' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Start work' }).count(), 0);
    await assertTimeline(page, [/Buyer: Ordered “Wombat mascot logo for your brand” for \$25\.00, with the requirements/]);
    await screenshot(page, 'journey1', 'order-countdown');
    await visit(page, '/balance', 'balance after ordering');
    assert.equal(await textOf(page, '#balance-main'), '$5.00');
    assert.equal(await textOf(page, '#balance-escrow'), '$25.00');
  });

  /** Journey 2, the seller's half before the review: start, 30 % (K-13), deliver. */
  async function sellerWorks(page: Page): Promise<void> {
    await visit(page, orderPath, 'new order, seller');
    assert.equal(await textOf(page, '#next-party'), 'You');
    assert.equal(await detail(page, 'Seller earns'), '$20.00');
    await page.getByRole('button', { name: 'Start work' }).click();
    assert.match(await textOf(page, '.flash'), /Work started/);
    assert.equal(await textOf(page, '#order-status'), 'In progress');
    assert.equal(await page.locator('.progress span').count(), 10);
    assert.equal(await page.locator('.progress span.done').count(), 0);
    assert.match(await textOf(page, '#next-action'), /You \(the seller\) must deliver the work by/);

    await page.getByLabel('Done so far').selectOption('30');
    await page.getByLabel('Comment for the buyer').fill('Three sketches drawn');
    await page.getByRole('button', { name: 'Report progress' }).click();
    assert.match(await textOf(page, '.flash'), /Progress reported/);
    assert.equal(await page.locator('.progress span.done').count(), 3);
    assert.equal(await page.locator('.progress').getAttribute('aria-label'), 'Progress: 30 %');
    assert.match(await textOf(page, '#progress-comment'), /30 %: Three sketches drawn/);
    await assertAccessible(page, 'order at 30 %, seller');
    await screenshot(page, 'journey2', 'progress');

    await page.getByLabel('Delivery message').fill('The wombat, in three sizes');
    await page.getByLabel('Links to the work (one per line, optional)').fill('https://files.example/wombat.png');
    await page.getByRole('button', { name: 'Deliver', exact: true }).click();
    assert.match(await textOf(page, '.flash'), /Delivered/);
    assert.equal(await textOf(page, '#order-status'), 'In review');
    assert.equal(await textOf(page, '#next-party'), 'The buyer');
    await assertTimeline(page, [/Buyer: Ordered/, /Seller: Work started/, /Seller: Progress 30 %: Three sketches drawn/, /Seller: Delivered \(1 link\)/]);
  }

  it('journey 2: the seller starts, reports 30 %, delivers; the buyer asks for a revision, then accepts and likes it; the like is public', async () => {
    assert.ok(orderPath, 'journey 1 placed the order');
    const sellerPerson = await personAs(seller, 360);
    const s = sellerPerson.page;
    const b = buyer.page;
    await sellerWorks(s);

    // The buyer sees the same squares and the delivery, and asks for a revision with a reason.
    await visit(b, orderPath, 'delivered order, buyer');
    assert.equal(await b.locator('.progress span.done').count(), 3);
    assert.equal(await textOf(b, '#next-party'), 'You');
    assert.match(await textOf(b, '#next-action'), /accept the delivery or ask for a revision.*If nobody does/);
    assert.equal(await b.locator('#deliveries a').count(), 1);
    await b.getByLabel('What to change').fill('Please make the wombat smile');
    await b.getByRole('button', { name: 'Ask for a revision' }).click();
    assert.match(await textOf(b, '.flash'), /Revision requested/);
    assert.equal(await textOf(b, '#order-status'), 'In progress');
    await assertTimeline(b, [/Seller: Delivered/, /Buyer: Revision requested: Please make the wombat smile/]);

    await visit(s, orderPath, 'order back in work, seller');
    assert.equal(await textOf(s, '#order-status'), 'In progress');
    await s.getByLabel('Delivery message').fill('Smiling now');
    await s.getByRole('button', { name: 'Deliver', exact: true }).click();
    assert.equal(await textOf(s, '#order-status'), 'In review');

    await visit(b, orderPath, 'second delivery, buyer');
    assert.match(await textOf(b, '#deliveries'), /Smiling now.*Revisions asked for: 1/);
    await b.getByLabel('I have checked the delivery: the seller is paid now, and this cannot be undone').check();
    await b.getByRole('button', { name: 'Accept the delivery' }).click();
    assert.match(await textOf(b, '.flash'), /Delivery accepted/);
    assert.equal(await textOf(b, '#order-status'), 'Completed');
    assert.match(await textOf(b, '#next-action'), /Nobody: the order is completed/);
    await b.getByLabel('👍 Like').check();
    await b.getByLabel('Your feedback (public on the seller’s profile)').fill('A cheerful wombat, quick revision');
    await b.getByRole('button', { name: 'Leave feedback' }).click();
    assert.match(await textOf(b, '#feedback'), new RegExp(`Like from ${buyer.login}, .*: A cheerful wombat, quick revision`));
    await assertTimeline(b, [/Buyer: Revision requested/, /Seller: Delivered/, /Buyer: The buyer accepted the work\./]);
    await assertAccessible(b, 'completed order with feedback');
    await screenshot(b, 'journey2', 'order-completed');

    // K-01: the seller gets 80 % of $25.00.
    await balanceShows(s, '$20.00');
    assert.match(await textOf(s, '#statement'), /payment to seller/);

    // K-24: public on the offer page, for anyone.
    const anonymous = await newPerson(browser, stack);
    await visit(anonymous.page, `/offers/${offerId}`, 'offer page with feedback');
    const feedback = anonymous.page.locator('section[aria-labelledby="feedback-heading"]');
    assert.match((await feedback.textContent())?.replace(/\s+/g, ' ') ?? '', new RegExp(`1 liked · 0 disliked.*Liked by ${buyer.login}.*A cheerful wombat, quick revision`));
    assert.match(await textOf(anonymous.page, '.seller-card'), /1 completed order/);
    await screenshot(anonymous.page, 'journey2', 'offer-feedback');
    await Promise.all([anonymous.context.close(), sellerPerson.context.close(), buyer.context.close()]);
  });

  it('journey 3: the buyer asks to cancel with a reason, the seller accepts: cancelled, and the money is back on the buyer’s balance', async () => {
    const m = await market(stack.api, stack.db);
    const { orderId } = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    await actOk(stack.api, m.seller, orderId, { type: 'start_work' });
    const path = `/orders/${orderId}`;
    const b = await personAs(m.buyer);
    const s = await personAs(m.seller);

    await visit(b.page, '/balance', 'buyer’s balance with money in escrow');
    assert.equal(await textOf(b.page, '#balance-main'), '$90.00');
    assert.equal(await textOf(b.page, '#balance-escrow'), '$10.00');
    await visit(b.page, path, 'order in progress, buyer');
    await b.page.getByLabel('Reason').selectOption('no_longer_needed');
    await b.page.getByLabel('Comment (optional)').fill('Our shop closed, sorry');
    await b.page.getByRole('button', { name: 'Ask to cancel' }).click();
    assert.match(await textOf(b.page, '.flash'), /Cancellation requested/);
    assert.match(await textOf(b.page, '#cancellation'), /By the buyer, .*: I no longer need it/);
    assert.equal(await textOf(b.page, '#next-party'), 'The seller');
    // K-18: two days to answer, or the order is cancelled anyway.
    assert.match(await textOf(b.page, '#next-action'), /answer the cancellation request.*If nobody does: .*\(K-18\)/);
    await assertAccessible(b.page, 'cancellation requested, buyer');

    await visit(s.page, path, 'cancellation request, seller');
    assert.equal(await textOf(s.page, '#next-party'), 'You');
    assert.match(await textOf(s.page, '#cancellation'), /I no longer need it.*Our shop closed, sorry/);
    await screenshot(s.page, 'journey3', 'cancellation-request');
    await s.page.getByLabel('I agree: the order ends for good and the buyer gets the money back').check();
    await s.page.getByRole('button', { name: 'Accept the cancellation' }).click();
    assert.match(await textOf(s.page, '.flash'), /Cancellation accepted/);
    assert.equal(await textOf(s.page, '#order-status'), 'Cancelled');
    assert.match(await textOf(s.page, '#closure'), /\$0\.00 to the seller, \$10\.00 refunded/);
    await assertTimeline(s.page, [/Buyer: Cancellation requested: “I no longer need it”/, /Seller: Cancelled by agreement: “I no longer need it”\./]);
    await assertAccessible(s.page, 'cancelled order, seller');

    await visit(b.page, path, 'cancelled order, buyer');
    assert.equal(await textOf(b.page, '#order-status'), 'Cancelled');
    await balanceShows(b.page, '$100.00');
    assert.equal(await textOf(b.page, '#balance-escrow'), '$0.00');
    assert.match(await textOf(b.page, '#statement tbody tr'), new RegExp(`Order ${orderId}: refund to buyer.*\\+\\$10\\.00`));
    // Each posting of an order links to it.
    assert.equal(await b.page.locator('#statement tbody tr').first().getByRole('link', { name: `Order ${orderId}: refund to buyer` }).getAttribute('href'), `/orders/${orderId}`);
    await screenshot(b.page, 'journey3', 'balance-refunded');
    await Promise.all([b.context.close(), s.context.close()]);
  });

  /** Journey 4, the parties: the buyer disputes the delivery, the seller answers. */
  async function disputeAndAnswer(b: Page, s: Page, path: string): Promise<void> {
    await visit(b, path, 'delivered order, buyer');
    assert.equal(await textOf(b, '#order-status'), 'In review');
    await b.getByLabel('The problem, briefly').fill('Only the icon came, the lettering is missing.');
    await b.getByLabel('An arbiter decides this order, and their decision is final').check();
    await b.getByRole('button', { name: 'Open a dispute' }).click();
    assert.match(await textOf(b, '.flash'), /Dispute opened/);
    assert.equal(await textOf(b, '#order-status'), 'In arbitration');
    assert.equal(await textOf(b, '#next-party'), 'The seller');
    await assertAccessible(b, 'disputed order, buyer');

    await visit(s, path, 'disputed order, seller');
    assert.match(await textOf(s, 'main'), /Opened by the buyer, .*Only the icon came/);
    await s.getByLabel('Your side').fill('The icon is the larger half of the work.');
    await s.getByRole('button', { name: 'Send the answer' }).click();
    assert.match(await textOf(s, '.flash'), /Your answer is with the arbiter/);
    assert.match(await textOf(s, 'main'), /Answer: The icon is the larger half of the work\./);
  }

  it('journey 4: a dispute after a delivery, answered, and split by an arbiter; both balance pages show the split', async () => {
    const m = await market(stack.api, stack.db);
    const { orderId } = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    await actOk(stack.api, m.seller, orderId, { type: 'start_work' });
    await actOk(stack.api, m.seller, orderId, { type: 'deliver', text: 'The icon.', links: [] });
    const path = `/orders/${orderId}`;
    const b = await personAs(m.buyer);
    const s = await personAs(m.seller);
    await disputeAndAnswer(b.page, s.page, path);

    const arbiter = await personAs(await staff('arbiter'));
    const a = arbiter.page;
    await visit(a, '/staff/arbitration', 'arbitration queue');
    await a.getByRole('link', { name: new RegExp(`#${orderId} `) }).click();
    await a.waitForURL(`**/staff/arbitration/${orderId}`);
    assert.match(await textOf(a, '#statement-opener'), /Only the icon came/);
    assert.match(await textOf(a, '#statement-answer'), /larger half of the work/);
    await a.getByRole('button', { name: 'Take the case' }).click();
    assert.match(await textOf(a, '.flash'), /You took the case/);
    await assertAccessible(a, 'arbitration case, taken');
    assert.match(await textOf(a, '#f-sellerAmount-hint'), /less than the order’s \$10\.00$/);
    await a.getByLabel('Split: an amount to the seller, the rest refunded').check();
    await a.getByLabel('For a split: to the seller, in dollars').fill('4.00');
    await a.getByLabel('Comment to both parties').fill('The icon was delivered, the lettering was not.');
    await screenshot(a, 'journey4', 'arbitration-case');
    await a.getByRole('button', { name: 'Send the decision' }).click();
    assert.match(await textOf(a, '.flash'), /Decided: the order is split/);

    // $4.00 gross to the seller is $3.20 after the 20 % commission (K-01); $6.00 goes back to the buyer.
    await balanceShows(s.page, '$3.20');
    assert.match(await textOf(s.page, '#statement tbody tr'), new RegExp(`Order ${orderId}: divided between seller and buyer.*\\+\\$3\\.20`));
    await balanceShows(b.page, '$96.00');
    assert.match(await textOf(b.page, '#statement tbody tr'), new RegExp(`Order ${orderId}: divided between seller and buyer.*\\+\\$6\\.00`));
    await screenshot(b.page, 'journey4', 'buyer-balance');
    for (const [page, who] of [
      [b.page, 'buyer'],
      [s.page, 'seller'],
    ] as const) {
      await visit(page, path, `split order, ${who}`);
      assert.equal(await textOf(page, '#order-status'), 'Split by arbitration');
      assert.match(await textOf(page, '#closure'), /\(arbitration\): \$3\.20 to the seller, \$6\.00 refunded/);
      await assertTimeline(page, [/Buyer: Dispute opened by the buyer/, /Seller: The seller answered the dispute/, /Staff: An arbiter took the case/, /Staff: The arbiter split the order: \$4\.00 to the seller, \$6\.00 back to the buyer/]);
    }
    await screenshot(s.page, 'journey4', 'order-split');
    await Promise.all([b.context.close(), s.context.close(), arbiter.context.close()]);
  });

  /** Journey 5, the seller: a new offer written in the editor goes to moderation; its id. */
  async function offerFromEditor(page: Page, seller5: TestUser, title: string): Promise<number> {
    await visit(page, '/seller/offers/new', 'offer editor');
    await page.getByLabel('Category', { exact: true }).selectOption({ label: 'Design › Logos' });
    // The button sits level with the list it applies (its bottom edge on the list's).
    const [list, use] = await Promise.all([page.getByLabel('Category', { exact: true }).boundingBox(), page.getByRole('button', { name: 'Use this category' }).boundingBox()]);
    assert.ok(Math.abs(list!.y + list!.height - (use!.y + use!.height)) <= 2, `the list ends at ${list!.y + list!.height}, the button at ${use!.y + use!.height}`);
    await page.getByRole('button', { name: 'Use this category' }).click();
    await page.waitForURL(`**/seller/offers/new?category=${LOGOS}`);
    await assertAccessible(page, 'offer editor, Logos');
    await page.getByLabel('Title', { exact: true }).fill(title);
    await page.getByLabel('Description', { exact: true }).fill('A platypus mascot drawn by hand, with two concepts to choose from and the final files in every size.');
    await page.getByLabel('Lead time in days', { exact: true }).fill('3');
    await page.getByRole('button', { name: 'Send to moderation' }).click();
    await page.waitForURL('**/seller/offers');
    assert.match(await textOf(page, '.flash'), /is in moderation/);
    const [offer] = await stack.services.offers.mine(seller5.id);
    assert.ok(offer, 'the offer was created');
    return offer.id;
  }

  /** A completed order on `offerId` by a new buyer, with their feedback and the seller's reply awaiting moderation. */
  async function answeredFeedback(offer: number, seller5: TestUser, feedback: string, reply: string): Promise<number> {
    const buyer5 = await signUp(stack.api, 'jfan');
    await fund(stack.db, buyer5.id, 5_000);
    const { orderId } = await placeOrder(stack.api, buyer5, { offerId: offer });
    await actOk(stack.api, seller5, orderId, { type: 'start_work' });
    await actOk(stack.api, seller5, orderId, { type: 'deliver', text: 'Your platypus.', links: [] });
    await actOk(stack.api, buyer5, orderId, { type: 'accept' });
    await rowStatus(stack.db, orderId, 'completed');
    const left = await stack.api('POST', `/orders/${orderId}/feedback`, { token: buyer5.token, body: { verdict: 'like', text: feedback } });
    assert.equal(left.status, 201, JSON.stringify(left.body));
    const answered = await stack.api('POST', `/orders/${orderId}/feedback/answer`, { token: seller5.token, body: { text: reply } });
    assert.equal(answered.status, 201, JSON.stringify(answered.body));
    return orderId;
  }

  it('journey 5: a moderator approves an offer from the editor (active, in search) and rejects a reply to feedback (not on the offer page)', async () => {
    const seller5 = await signUp(stack.api, 'jmaker');
    const sellerPerson = await personAs(seller5);
    const s = sellerPerson.page;
    const title = `Platypus mascot ${uniqueId('p').slice(-6)}`;
    const id = await offerFromEditor(s, seller5, title);
    const card = `#offer-${id}`;
    assert.match(await textOf(s, `${card} .status`), /in moderation/);
    await screenshot(s, 'journey5', 'in-moderation');

    const moderator = await personAs(await staff('moderator'));
    const mod = moderator.page;
    await visit(mod, '/staff/moderation', 'moderation queue');
    assert.match(await textOf(mod, `#offer-${id}`), new RegExp(`${title}.*by ${seller5.login}`));
    await mod.locator(`#offer-${id}`).getByRole('button', { name: `Approve “${title}”` }).click();
    assert.match(await textOf(mod, '.flash'), new RegExp(`Offer ${id}: approved`));
    assert.equal(await mod.locator(`#offer-${id}`).count(), 0);

    await pollUntil(
      async () => {
        await s.reload();
        return (await s.locator(card).getAttribute('data-status')) === 'active';
      },
      { timeoutMs: 15_000, intervalMs: 250, what: 'the approved offer to be active' },
    );
    assert.match(await textOf(s, `${card} .status`), /active/);
    await assertAccessible(s, 'my offers, approved');

    // Live: anyone finds it in search.
    const visitor = await newPerson(browser, stack);
    const v = visitor.page;
    await visit(v, '/search?q=platypus', 'search for the new offer');
    assert.equal(await v.locator('#results .offer-card').count(), 1);
    await v.getByRole('link', { name: title }).click();
    await v.waitForURL(`**/offers/${id}`);
    await assertAccessible(v, 'new offer page');

    // Two buyers' likes, each with a reply: the moderator publishes one and rejects the other.
    const [published, rejected] = await Promise.all([
      answeredFeedback(id, seller5, 'A lovely platypus.', 'Thank you, come again!'),
      answeredFeedback(id, seller5, 'Fine platypus.', 'Buy my other offers at a discount by mail!'),
    ]);
    await visit(mod, '/staff/moderation', 'moderation queue with replies');
    assert.match(await textOf(mod, `#answer-${rejected}`), /Buy my other offers at a discount by mail!/);
    await screenshot(mod, 'journey5', 'moderation-replies');
    await mod.getByRole('button', { name: `Publish the answer on order ${published}` }).click();
    assert.match(await textOf(mod, '.flash'), new RegExp(`order ${published} is published`));
    await mod.getByRole('button', { name: `Reject the answer on order ${rejected}` }).click();
    assert.match(await textOf(mod, '.flash'), new RegExp(`order ${rejected} is rejected`));
    assert.equal(await mod.locator(`#answer-${rejected}`).count(), 0);
    await assertAccessible(mod, 'moderation queue, replies decided');

    await visit(v, `/offers/${id}`, 'offer page with feedback and one reply');
    const feedback = ((await v.locator('section[aria-labelledby="feedback-heading"]').textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(feedback, /2 liked · 0 disliked/);
    assert.match(feedback, /A lovely platypus\..*The seller replied .*Thank you, come again!/);
    assert.match(feedback, /Fine platypus\./);
    assert.doesNotMatch(feedback, /Buy my other offers/);
    assert.equal(await v.getByText('The seller replied').count(), 1);
    await screenshot(v, 'journey5', 'offer-feedback');
    await Promise.all([sellerPerson.context.close(), moderator.context.close(), visitor.context.close()]);
  });
});
