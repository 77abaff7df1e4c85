/**
 * A service request with two picks, in the browser (K-44): the buyer posts it, a moderator
 * approves it from the staff queue, two sellers answer it with their offers, the buyer ticks
 * both answers and orders them; two orders appear, each on its own page and under "My orders".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { signUp, type TestUser } from '../support/api.js';
import { assertAccessible, newPerson, openBrowser, signInAs, startWebStack, textOf, type WebStack } from '../support/browser.js';
import { insertOffer } from '../support/catalog.js';
import { fund } from '../support/orders.js';

describe('a service request in the browser', () => {
  let stack: WebStack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-requests' }), openBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function as(user: TestUser): Promise<Page> {
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, user);
    return page;
  }

  it('posts a request, has it approved, takes two answers and picks both: two orders', async () => {
    const [buyer, moderator, s1, s2] = [await signUp(stack.api, 'rb_buyer'), await signUp(stack.api, 'rb_mod'), await signUp(stack.api, 'rb_s1'), await signUp(stack.api, 'rb_s2')];
    await stack.db.sql`update users set roles = ${['moderator']}::text[] where id = ${moderator.id}`;
    await insertOffer(stack.db, s1.id, { priceCents: 1_500, title: 'Bakery logo in three styles' });
    await insertOffer(stack.db, s2.id, { priceCents: 2_500, title: 'Hand-drawn bakery logo' });
    await fund(stack.db, buyer.id, 5_000);

    const b = await as(buyer);
    await b.goto('/orders');
    await b.getByRole('link', { name: 'My service requests' }).click();
    await b.getByRole('link', { name: 'Post a request' }).click();
    await b.getByLabel('Title').fill('A logo for my bakery');
    await b.getByLabel('Description').fill('Three sketches, then one final logo in vector files.');
    await b.getByLabel('Category').selectOption({ index: 1 });
    await b.getByLabel('Budget in dollars (optional)').fill('50');
    await assertAccessible(b, 'posting a request');
    await b.getByRole('button', { name: 'Post the request' }).click();
    await b.locator('.flash', { hasText: 'Posted' }).waitFor();
    const requestPath = new URL(b.url()).pathname;
    assert.match(requestPath, /^\/requests\/\d+$/);
    assert.equal(await textOf(b, '#request-status'), 'Awaiting moderation');

    const m = await as(moderator);
    await m.goto('/staff');
    await m.getByRole('link', { name: 'Service requests' }).click();
    await m.getByRole('link', { name: 'A logo for my bakery' }).click();
    await m.getByRole('button', { name: 'Approve' }).click();
    await m.locator('.flash', { hasText: 'Approved' }).waitFor();

    for (const seller of [s1, s2]) {
      const p = await as(seller);
      await p.goto('/seller');
      await p.getByRole('link', { name: 'Requests from buyers' }).click();
      await p.getByRole('link', { name: 'A logo for my bakery' }).click();
      await p.getByLabel('A short comment (optional)').fill('Happy to help.');
      await p.getByRole('button', { name: 'Answer', exact: true }).click();
      await p.locator('.flash', { hasText: 'Answered' }).waitFor();
    }

    await b.goto(requestPath);
    assert.equal(await b.locator('#answers tbody tr').count(), 2);
    assert.match(await textOf(b, '#answers'), /\$15\.00[\s\S]*Newbie[\s\S]*\$25\.00/);
    await assertAccessible(b, 'the request page with two answers');
    // An answering seller's name leads to their profile.
    const profile = b.locator('#answers a', { hasText: s1.login });
    assert.equal(await profile.getAttribute('href'), `/sellers/${s1.login}`);
    const [opened] = await Promise.all([b.waitForResponse((r) => r.url().endsWith(`/sellers/${s1.login}`)), profile.click()]);
    assert.equal(opened.status(), 200);
    await b.goto(requestPath);
    await b.getByLabel('Pick Bakery logo in three styles').check();
    await b.getByLabel('Pick Hand-drawn bakery logo').check();
    await b.getByRole('button', { name: 'Order the ticked answers' }).click();
    await b.locator('.flash', { hasText: 'Picked' }).waitFor();
    assert.equal(await textOf(b, '#request-status'), 'Picked');
    const orderLinks = b.locator('#answers a', { hasText: /^Order #\d+$/ });
    assert.equal(await orderLinks.count(), 2);
    await orderLinks.first().click();
    await b.waitForURL(/\/orders\/\d+$/);
    await b.goto('/orders');
    const orders = await textOf(b, 'main');
    assert.match(orders, /Bakery logo in three styles/);
    assert.match(orders, /Hand-drawn bakery logo/);
    const [row] = await stack.db.sql<{ n: string }[]>`select count(*) as n from orders where buyer_id = ${buyer.id}`;
    assert.equal(Number(row!.n), 2);
  });
});
