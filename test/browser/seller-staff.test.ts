/**
 * The seller's and the staff's pages in a real browser: a seller writes an offer in the editor
 * (a bad field refused beside it, nothing created) and sees it in moderation; a moderator
 * approves it and it goes live; a moderator rejects an answer to feedback, and an admin deletes
 * the feedback as boosted (K-59); the seller's
 * dashboard counts down a new order's 24 h (K-08); an arbiter takes a dispute and splits the
 * money, which both balances show; staff pages are 403 for others; staff see Temporal links. A
 * sanctioned seller sees why and until when (K-64, K-65): the dashboard's banner, their offer's page
 * saying it is unavailable until then, and — their account blocked — only the page that says so;
 * support sees them among everyone blocked now and lifts the block early. An admin awards a badge
 * on a profile and takes it back (K-36); an admin finds a user, grants and removes a role, blocks
 * and unblocks them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { pollUntil } from '../../scripts/poll.js';
import { signUp, type TestUser } from '../support/api.js';
import { assertAccessible, newPerson, openBrowser, screenshot, signInAs, startWebStack, TEMPORAL_UI, textOf, visit, type WebStack } from '../support/browser.js';
import { uniqueId } from '../support/harness.js';
import { actOk, market, placeOrder, rowStatus } from '../support/orders.js';

describe('seller and staff pages in the browser', () => {
  let stack: WebStack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-seller-staff' }), openBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A new user holding a staff role (granted straight in the database). */
  async function staff(role: 'moderator' | 'arbiter' | 'support' | 'admin'): Promise<TestUser> {
    const user = await signUp(stack.api, role);
    await stack.db.sql`update users set roles = ${[role]}::text[] where id = ${user.id}`;
    return user;
  }

  async function personAs(user: TestUser, width?: number): Promise<Page> {
    const { context, page } = await newPerson(browser, stack, { width });
    await signInAs(context, stack, user);
    return page;
  }

  const balanceOf = async (user: TestUser): Promise<number> => {
    const res = await stack.api('GET', '/me/balance', { token: user.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.mainCents;
  };

  it('a seller sends an offer from the editor to moderation; a moderator approves it and it goes live', async () => {
    const seller = await signUp(stack.api, 'seller');
    const page = await personAs(seller);
    const title = `Minimalist logo ${uniqueId('t').slice(-8)}`;
    await visit(page, '/seller/offers/new', 'offer editor');
    await page.getByLabel('Category', { exact: true }).selectOption({ label: 'Design › Logos' });
    await page.getByRole('button', { name: 'Use this category' }).click();
    await page.waitForURL('**/seller/offers/new?category=11');

    // A title too short is refused beside the field; nothing is created.
    await page.getByLabel('Title', { exact: true }).fill('Logo');
    await page.getByLabel('Description', { exact: true }).fill('A clean, minimalist logo for your brand, with three concepts to choose from and the source files.');
    await page.getByLabel('Lead time in days', { exact: true }).fill('3');
    await page.getByLabel('Option 1: title').fill('Express delivery');
    await page.getByLabel('Option 1: price in dollars').fill('2');
    const refused = page.waitForResponse((r) => r.url().endsWith('/seller/offers/new') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Send to moderation' }).click();
    assert.equal((await refused).status(), 400);
    assert.match(await textOf(page, '[id="f-title-error"]'), /At least 10 characters/);
    assert.match(await textOf(page, '[id="f-option.0.price-error"]'), /At least \$4\.00/);
    await assertAccessible(page, 'offer editor with errors');
    assert.equal((await stack.services.offers.mine(seller.id)).length, 0);

    await page.getByLabel('Title', { exact: true }).fill(title);
    await page.getByLabel('Option 1: price in dollars').fill('5');
    await page.getByRole('button', { name: 'Send to moderation' }).click();
    await page.waitForURL('**/seller/offers');
    assert.match(await textOf(page, '.flash'), /is in moderation/);
    const [offer] = await stack.services.offers.mine(seller.id);
    assert.ok(offer);
    assert.equal(offer.options[0]?.priceCents, 500);
    const card = `#offer-${offer.id}`;
    assert.match(await textOf(page, `${card} .status`), /in moderation/);
    assert.match(await textOf(page, '#limits'), /In moderation now: 1 of 3/);
    await assertAccessible(page, 'my offers');

    const moderator = await staff('moderator');
    const mod = await personAs(moderator);
    await visit(mod, '/staff/moderation', 'moderation queue');
    const link = mod.locator(`#offer-${offer.id} a.temporal-link`);
    assert.equal(await link.getAttribute('href'), `${TEMPORAL_UI}/namespaces/default/workflows/kwork-moderation-${offer.id}-1`);
    await mod.locator(`#offer-${offer.id}`).getByRole('button', { name: `Approve “${title}”` }).click();
    assert.match(await textOf(mod, '.flash'), new RegExp(`Offer ${offer.id}: approved`));

    await pollUntil(
      async () => {
        await page.reload();
        return (await page.locator(card).getAttribute('data-status')) === 'active';
      },
      { timeoutMs: 15_000, what: 'the approved offer to be active' },
    );
    assert.match(await textOf(page, `${card} .status`), /active/);
    // On the offer page, staff find every workflow of the offer in the Temporal UI; its seller sees no such link.
    await visit(mod, `/offers/${offer.id}`, 'offer page as staff');
    assert.equal(
      await mod.getByRole('link', { name: 'This offer’s workflows in Temporal' }).getAttribute('href'),
      `${TEMPORAL_UI}/namespaces/default/workflows?query=${encodeURIComponent(`GigflowOfferId="${offer.id}"`)}`,
    );
    await page.goto(`/offers/${offer.id}`);
    assert.equal(await page.locator('a.temporal-link').count(), 0);
    await page.goto('/seller/offers');
    // K-42: stop hides it, resume shows it again.
    await page.getByRole('button', { name: `Stop “${title}”` }).click();
    assert.match(await textOf(page, `${card} .status`), /stopped/);
    await page.getByRole('button', { name: `Resume “${title}”` }).click();
    assert.match(await textOf(page, `${card} .status`), /active/);
    await page.getByLabel(/Hide my offers on weekends/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await textOf(page, '.flash'), /Saved: your offers hide from Friday till Monday/);
    // K-42: the setting says what it does, beside it, after the flash has gone.
    assert.match(await textOf(page, '#weekends-status'), /On: your offers hide from Friday 00:00 till Monday 00:00, UTC time/);
    assert.equal((await stack.services.accounts.me(seller.id)).hideOnWeekends, true);
  });

  it('a moderator rejects a seller’s answer to feedback', async () => {
    const m = await market(stack.api, stack.db);
    const { orderId } = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    await actOk(stack.api, m.seller, orderId, { type: 'start_work' });
    await actOk(stack.api, m.seller, orderId, { type: 'deliver', text: 'The logo, as agreed.', links: [] });
    await actOk(stack.api, m.buyer, orderId, { type: 'accept' });
    await rowStatus(stack.db, orderId, 'completed');
    const left = await stack.api('POST', `/orders/${orderId}/feedback`, { token: m.buyer.token, body: { verdict: 'dislike', text: 'Late and plain.' } });
    assert.equal(left.status, 201, JSON.stringify(left.body));
    // The seller answers on the order page: once, and it waits for a moderator.
    const sellerPage = await personAs(m.seller);
    await visit(sellerPage, `/orders/${orderId}`, 'a completed order with feedback, as its seller');
    await sellerPage.getByLabel(/Your answer/).fill('You asked for plain!');
    await sellerPage.getByRole('button', { name: 'Answer', exact: true }).click();
    assert.match(await textOf(sellerPage, '.flash'), /once a moderator approves it/);
    assert.match(await textOf(sellerPage, '#feedback-answer'), /awaiting a moderator.*You asked for plain!/);
    assert.equal(await sellerPage.locator('#answer-form').count(), 0, 'one answer only');

    const page = await personAs(await staff('moderator'));
    await visit(page, '/staff/moderation', 'moderation queue with an answer');
    assert.match(await textOf(page, `#answer-${orderId}`), /You asked for plain!/);
    await page.getByRole('button', { name: `Reject the answer on order ${orderId}` }).click();
    assert.match(await textOf(page, '.flash'), new RegExp(`order ${orderId} is rejected`));
    assert.equal(await page.locator(`#answer-${orderId}`).count(), 0);
    const read = await stack.api('GET', `/orders/${orderId}/feedback`, { token: m.seller.token });
    assert.equal(read.body.feedback.answer.status, 'rejected');
    await sellerPage.reload();
    assert.match(await textOf(sellerPage, '#feedback-answer'), /rejected by a moderator/);
    assert.equal(await sellerPage.locator('#delete-feedback-form').count(), 0, 'only an admin deletes feedback');

    // K-59: an admin deletes it as boosted, with a reason; the seller's stars are recomputed without it.
    assert.equal((await stack.api('GET', `/users/${m.seller.login}`)).body.seller.stars, 0);
    const adminPage = await personAs(await staff('admin'));
    await visit(adminPage, `/orders/${orderId}`, 'a completed order with feedback, as an admin');
    await adminPage.getByLabel(/Why it is deleted/).fill('Boosted: written by the seller’s rival');
    await adminPage.getByRole('button', { name: 'Delete the feedback' }).click();
    assert.match(await textOf(adminPage, '.flash'), /feedback is deleted/);
    assert.equal(await adminPage.locator('#feedback').count(), 0);
    assert.equal((await stack.api('GET', `/users/${m.seller.login}`)).body.seller.stars, null);
  });

  it('the seller’s dashboard shows a new order with its 24 h countdown to start', async () => {
    const m = await market(stack.api, stack.db);
    const { orderId } = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    const page = await personAs(m.seller, 360);
    await visit(page, '/seller', 'seller dashboard');
    const row = page.locator(`#to-start li[data-order-id="${orderId}"]`);
    assert.match((await row.textContent()) ?? '', new RegExp(m.buyer.login));
    assert.match(await row.locator('.countdown').innerText(), /^2[34] h \d{1,2} min left$/);
    assert.equal(await row.getByRole('link', { name: new RegExp(`#${orderId}`) }).getAttribute('href'), `/orders/${orderId}`);
    await screenshot(page, 'seller', 'dashboard');
    // K-70: every page's header says who is online and when the last order came (this one, seconds ago).
    assert.match(await textOf(page, '#site-activity'), /^\d+ users? online · last order just now$/);
    assert.ok(Number((await textOf(page, '#users-online')).split(' ')[0]) >= 1, 'the seller, looking, is online');
    // K-32, D-01: the level, and what the next one asks, in figures the seller can act on.
    assert.match(await textOf(page, '#level-heading'), /Your level: Newbie/);
    assert.equal(await textOf(page, '#level-next-orders'), '11 more completed orders to reach Advanced: it asks for more than 10, you have 0.');
    assert.match(await textOf(page, '#level-next-share'), /under 10 % of your last 100 finished: now no finished order yet\.$/);
    // A portfolio category (K-37): the order's page says what the seller may do there later, not an empty heading.
    await visit(page, `/orders/${orderId}`, 'a new order, as its seller');
    assert.match(await textOf(page, '#portfolio'), /once the buyer confirms completion/);
  });

  it('an arbiter takes a case and splits the money; both balances show it', async () => {
    const m = await market(stack.api, stack.db);
    const { orderId } = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    await actOk(stack.api, m.seller, orderId, { type: 'start_work' });
    await actOk(stack.api, m.buyer, orderId, { type: 'request_cancellation', reason: 'seller_unresponsive', comment: 'No news for days.' });
    await actOk(stack.api, m.seller, orderId, { type: 'decline_cancellation' });
    await actOk(stack.api, m.buyer, orderId, { type: 'open_dispute', statement: 'Half of the work is missing.' });
    await actOk(stack.api, m.seller, orderId, { type: 'answer_dispute', statement: 'Half of it is done and sent.' });
    const [buyerBefore, sellerBefore] = [await balanceOf(m.buyer), await balanceOf(m.seller)];

    const page = await personAs(await staff('arbiter'));
    await visit(page, '/staff/arbitration', 'arbitration queue');
    await page.getByRole('link', { name: new RegExp(`#${orderId} `) }).click();
    await page.waitForURL(`**/staff/arbitration/${orderId}`);
    assert.match(await textOf(page, '#statement-opener'), /Half of the work is missing/);
    assert.match(await textOf(page, '#statement-answer'), /Half of it is done and sent/);
    assert.equal(await page.locator('a.temporal-link').first().getAttribute('href'), `${TEMPORAL_UI}/namespaces/default/workflows/order-${orderId}`);
    await assertAccessible(page, 'arbitration case');
    await page.getByRole('button', { name: 'Take the case' }).click();
    assert.match(await textOf(page, '.flash'), /You took the case/);
    await screenshot(page, 'staff', 'arbitration-case');

    // A split without an amount and a comment is refused beside each field.
    await page.getByLabel('Split: an amount to the seller, the rest refunded').check();
    await page.getByRole('button', { name: 'Send the decision' }).click();
    assert.match(await textOf(page, '[id="f-sellerAmount-error"]'), /Enter an amount in dollars/);
    assert.match(await textOf(page, '[id="f-comment-error"]'), /Required/);
    await assertAccessible(page, 'decision form with errors');
    await page.getByLabel('For a split: to the seller, in dollars').fill('5.55');
    await page.getByLabel('Comment to both parties').fill('About half of the work was delivered.');
    await page.getByRole('button', { name: 'Send the decision' }).click();
    assert.match(await textOf(page, '.flash'), /Decided: the order is split/);

    // 555 gross to the seller: 444 after the 20 % commission; the 445 left goes back to the buyer.
    await pollUntil(async () => (await balanceOf(m.seller)) === sellerBefore + 444 && (await balanceOf(m.buyer)) === buyerBefore + 445, {
      timeoutMs: 20_000,
      what: 'both balances to show the split',
    });
    const seller = await personAs(m.seller);
    await visit(seller, '/seller/earnings', 'earnings');
    assert.match(await textOf(seller, `#earnings tr[data-order-id="${orderId}"]`), /split by an arbiter\s*\$4\.44/);
    // Decided, the case leaves the queue: the only one of this file, so the queue says it is empty in words.
    await visit(page, '/staff/arbitration', 'an empty arbitration queue');
    assert.match(await textOf(page, '#arbitration-cases-empty'), /No order is in arbitration/);
    assert.equal(await page.locator('table').count(), 0, 'no column headers over no row');
  });

  it('a sanctioned seller sees why and until when; a blocked account sees only that; support lifts it early (K-64, K-65)', async () => {
    const m = await market(stack.api, stack.db);
    const support = await staff('support');
    await stack.services.sanctions.sanction(support.id, m.seller.id, { kind: 'staff_offers_block', days: 2, reason: 'rude to a buyer in order chat' });
    const seller = await personAs(m.seller, 360);
    await visit(seller, '/seller', 'seller dashboard, offers blocked');
    assert.match(await textOf(seller, '#offers-blocked'), /Your offers are blocked until .*: rude to a buyer in order chat/);
    const buyer = await personAs(m.buyer);
    await visit(buyer, `/offers/${m.offerId}`, 'offer of a blocked seller');
    assert.match(await textOf(buyer, '#unavailable'), /This seller’s offers are unavailable until /);

    await stack.services.sanctions.sanction(support.id, m.seller.id, { kind: 'staff_account_block', days: 1, reason: 'selling outside the platform' });
    const res = await seller.goto('/balance');
    assert.equal(res?.status(), 403);
    assert.match(await textOf(seller, '#account-blocked'), /Your account is blocked until .*: selling outside the platform\. Your balance is safe/);
    await assertAccessible(seller, 'blocked account page');

    const staffPage = await personAs(support);
    await visit(staffPage, '/staff/standings', 'blocked now');
    const card = staffPage.locator(`#standing-${m.seller.id}`);
    assert.equal(await card.locator('a.temporal-link').getAttribute('data-workflow-id'), `standing-${m.seller.id}`);
    await card.getByLabel('Reason the user reads').fill('appeal granted');
    await card.getByRole('button', { name: 'Lift early' }).click();
    await staffPage.waitForURL('**/staff/standings');
    assert.equal(await staffPage.locator(`#standing-${m.seller.id}`).count(), 0);
    assert.equal((await seller.goto('/balance'))?.status(), 200);
  });

  it('an admin awards a badge on a user’s profile, which everyone then sees; a second award for the same is refused beside the field; taken back, it is gone (K-36)', async () => {
    const m = await market(stack.api, stack.db);
    const admin = await staff('admin');
    const adminPage = await personAs(admin);
    await adminPage.goto(`/sellers/${admin.login}`);
    assert.match(await textOf(adminPage, 'h1'), new RegExp(admin.login), 'their own profile');
    assert.equal(await adminPage.locator('#award-badge').count(), 0, 'an admin’s own badges are another admin’s to award');
    await visit(adminPage, `/sellers/${m.seller.login}`, 'a profile without badges, as an admin');
    assert.match(await textOf(adminPage, '#badges'), /No badges yet/);
    await adminPage.getByLabel('Badge', { exact: true }).selectOption('bug_report');
    await adminPage.getByLabel(/What it is for/).fill('The cart lost a package on reload');
    await adminPage.getByRole('button', { name: 'Award' }).click();
    await adminPage.waitForURL(`**/sellers/${m.seller.login}#badges`);
    assert.match(await textOf(adminPage, '.flash'), /Awarded to .*: The cart lost a package on reload/);
    assert.match(await textOf(adminPage, '#badges li[data-kind="bug_report"]'), /Bug hunter 1 bug report confirmed\s*The cart lost a package on reload/);

    await adminPage.getByLabel('Badge', { exact: true }).selectOption('bug_report');
    await adminPage.getByLabel(/What it is for/).fill('the cart lost a package on RELOAD');
    const refused = adminPage.waitForResponse((r) => r.request().method() === 'POST');
    await adminPage.getByRole('button', { name: 'Award' }).click();
    assert.equal((await refused).status(), 409);
    assert.match(await textOf(adminPage, '[id="f-reason-error"]'), /already holds this badge for that/);
    await assertAccessible(adminPage, 'profile with a refused award');

    const visitor = await personAs(m.buyer);
    await visit(visitor, `/sellers/${m.seller.login}`, 'a profile with a badge, as a buyer');
    assert.match(await textOf(visitor, '#badges'), /Bug hunter/);
    assert.equal(await visitor.locator('#award-badge').count(), 0, 'only an admin awards');
    assert.equal(await visitor.getByRole('button', { name: 'Take back' }).count(), 0);

    // The seller is told, and the notice leads to their own profile.
    const sellerPage = await personAs(m.seller);
    await visit(sellerPage, '/notifications', 'a badge’s notice');
    await sellerPage.getByRole('link', { name: 'Your profile' }).first().click();
    await sellerPage.waitForURL(`**/sellers/${m.seller.login}`);
    assert.match(await textOf(sellerPage, '#badges'), /Bug hunter/);
    // Someone whose email is not confirmed has no public profile yet: told so, not a 404.
    const unconfirmed = await personAs(await signUp(stack.api, 'unconfirmed', { confirm: false }));
    await unconfirmed.goto('/profile');
    await unconfirmed.waitForURL('**/settings');
    assert.match(await textOf(unconfirmed, '.flash'), /Your profile becomes public once you confirm your email address/);

    await visit(adminPage, `/sellers/${m.seller.login}`, 'the profile again, as an admin');
    await adminPage.getByRole('button', { name: 'Take back' }).click();
    await adminPage.waitForURL(`**/sellers/${m.seller.login}#badges`);
    assert.match(await textOf(adminPage, '#badges'), /No badges yet/);
    await visit(visitor, `/sellers/${m.seller.login}`, 'the profile after the badge was taken back');
    assert.equal(await visitor.locator('#badges').count(), 0, 'no empty section for the public');
  });

  it('an admin finds a user by login, grants and removes a role, blocks them with a reason (their session ends) and unblocks them', async () => {
    const target = await signUp(stack.api, 'usr_target');
    const targetPage = await personAs(target);
    const admin = await staff('admin');
    const page = await personAs(admin);
    await visit(page, '/staff', 'staff home, as an admin');
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.waitForURL('**/staff/users');
    await page.getByLabel('Login starts with').fill(target.login.slice(0, 12).toUpperCase());
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(/\/staff\/users\?login=/);
    const card = page.locator(`#user-${target.id}`);
    assert.match(await card.locator('h2').innerText(), new RegExp(`${target.login} · ${target.email}`));
    await assertAccessible(page, 'users found');

    await card.getByLabel('Grant a role').selectOption('moderator');
    await card.getByRole('button', { name: 'Grant' }).click();
    assert.match(await textOf(page, '.flash'), /Granted: .* is now moderator too/);
    assert.equal((await targetPage.goto('/staff/moderation'))?.status(), 200, 'the role opens its page');
    await page.locator(`#user-${target.id}`).getByRole('button', { name: `Remove moderator from ${target.login}` }).click();
    assert.match(await textOf(page, '.flash'), /Removed: .* is no longer moderator/);
    assert.equal((await targetPage.goto('/staff/moderation'))?.status(), 403);

    // A block without a reason is refused beside the field; with one, the user's session ends.
    await page.locator(`#user-${target.id}`).getByRole('button', { name: 'Block the account' }).click();
    assert.match(await textOf(page, `[id="block-reason-${target.id}-error"]`), /Required/);
    await page.locator(`#user-${target.id}`).getByLabel('Why it is blocked').fill('Payment fraud, confirmed by the provider');
    await page.locator(`#user-${target.id}`).getByRole('button', { name: 'Block the account' }).click();
    assert.match(await textOf(page, '.flash'), /Blocked: every session of that account has ended/);
    assert.match(await textOf(page, `#user-${target.id} [data-blocked]`), /Blocked since .*: Payment fraud, confirmed by the provider/);
    await targetPage.goto('/balance');
    await targetPage.waitForURL(/\/sign-in/);
    await page.locator(`#user-${target.id}`).getByRole('button', { name: 'Unblock' }).click();
    assert.match(await textOf(page, '.flash'), /Unblocked/);
    assert.equal(await page.locator(`#user-${target.id} [data-blocked]`).count(), 0);
    // An admin's own admin role has no remove button, and no block form of their own.
    await page.getByLabel('Login starts with').fill(admin.login);
    await page.getByRole('button', { name: 'Find' }).click();
    assert.match(await textOf(page, `#user-${admin.id} .user-roles`), /admin \(yours\)/);
    assert.equal(await page.locator(`#user-${admin.id}`).getByRole('button', { name: 'Block the account' }).count(), 0);
  });

  it('staff pages answer 403 to anyone without the role', async () => {
    const page = await personAs(await signUp(stack.api, 'nobody'));
    for (const path of ['/staff', '/staff/moderation', '/staff/arbitration', '/staff/arbitration/1', '/staff/attention']) {
      const res = await page.goto(path);
      assert.equal(res?.status(), 403, path);
      assert.match(await textOf(page, 'h1'), /Not allowed/);
    }
    await assertAccessible(page, '403 page');
    assert.match(await textOf(page, '.form-error'), /this page is for support or an admin/i);
    const moderator = await personAs(await staff('moderator'));
    assert.equal((await moderator.goto('/staff/arbitration'))?.status(), 403);
    assert.match(await textOf(moderator, '.form-error'), /this page is for an arbiter or an admin/i, 'a staff member is told which role opens it');
    assert.equal((await moderator.goto('/expert/jobs'))?.status(), 403);
    assert.match(await textOf(moderator, '.form-error'), /this page is for an expert/i);
    assert.equal((await moderator.goto('/staff/attention'))?.status(), 403);
    await visit(moderator, '/staff', 'staff home');
    assert.equal(await moderator.getByRole('link', { name: 'Moderation queue' }).count(), 1);
    assert.equal(await moderator.getByRole('link', { name: 'Arbitration queue' }).count(), 0);
    const support = await personAs(await staff('support'));
    await visit(support, '/staff/attention', 'attention list');
  });
});
