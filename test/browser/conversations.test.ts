/**
 * An order's conversation in two browser profiles (issue 17): the buyer writes on the order
 * page; the seller, on the inbox, sees the unread count and the header's badge change without
 * a reload, opens the conversation (the badge clears), and the buyer's page shows "Read" under
 * the message without a reload. The seller's message with an e-mail address is delivered as
 * written and its writer is warned (K-61, K-62); the buyer reports it, and staff find it in
 * the reports' queue. A file attached on the thread page (K-69) reaches the other party, who
 * sees its thumbnail and downloads it. Waiting is Playwright's bounded waiting for what the page
 * shows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertAccessible, newPerson, openBrowser, signInAs, startWebStack, textOf, type WebStack } from '../support/browser.js';
import { market, placeOrder } from '../support/orders.js';

/** How long a polled fragment may take to bring news: a few of its 2 s polls. */
const NEWS_WITHIN_MS = 10_000;

describe('conversations in the browser', () => {
  let stack: WebStack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-conversations' }), openBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows a new message, the unread badge and the read receipt without a reload; warns the writer of contact details; reports a message', async () => {
    const m = await market(stack.api, stack.db);
    const placed = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    const buyer = await newPerson(browser, stack);
    await signInAs(buyer.context, stack, m.buyer);
    const seller = await newPerson(browser, stack);
    await signInAs(seller.context, stack, m.seller);

    await buyer.page.goto(`/orders/${placed.orderId}`);
    await seller.page.goto('/messages');
    assert.equal((await seller.page.locator('#messages-badge').textContent())?.trim(), '');

    // K-20: the information request is the seller's: the buyer is not offered it, on the order page or the thread's own.
    const infoRequest = /Information request to the buyer/;
    assert.equal(await buyer.page.getByLabel(infoRequest).count(), 0);
    await buyer.page.getByLabel('Your message', { exact: true }).fill('Hello! Could the logo be blue?');
    await buyer.page.getByRole('button', { name: 'Send message' }).click();
    // Back on the order page after the redirect: its flash says so (the URL was the same before).
    await buyer.page.locator('.flash', { hasText: 'Sent.' }).waitFor();
    assert.equal(new URL(buyer.page.url()).pathname, `/orders/${placed.orderId}`);
    const mine = buyer.page.locator('.message.mine').last();
    assert.match(await mine.innerText(), /Could the logo be blue\?/);
    assert.match(await mine.locator('.receipt').innerText(), /Sent/);
    await assertAccessible(buyer.page, 'the order page with its conversation');

    // The seller's inbox, never reloaded: the count and the header's badge arrive by polling.
    await seller.page.locator('#inbox-unread', { hasText: '1 unread' }).waitFor({ timeout: NEWS_WITHIN_MS });
    await seller.page.locator('#messages-badge', { hasText: '1' }).waitFor({ timeout: NEWS_WITHIN_MS });
    await assertAccessible(seller.page, 'the inbox');
    // Named by what it is about and with whom.
    await seller.page.getByRole('link', { name: `Order #${placed.orderId} with ${m.buyer.login}` }).click();
    await seller.page.waitForURL(/\/messages\/\d+$/);
    assert.match(await textOf(seller.page, '#thread'), /Could the logo be blue\?/);
    assert.equal((await seller.page.locator('#messages-badge').textContent())?.trim(), '', 'reading it clears the badge');
    assert.equal(await seller.page.getByLabel(infoRequest).count(), 1, 'the seller may ask the buyer for information (K-20)');

    // The buyer's page, never reloaded: the receipt turns to "Read".
    await buyer.page.locator('.message.mine .receipt.read').waitFor({ timeout: NEWS_WITHIN_MS });

    // K-61, K-62: delivered as written, the writer warned, and the buyer sees it without a reload.
    const offPlatform = 'Sure. Mail me at seller.bob@example.com, it is quicker.';
    await seller.page.getByLabel('Your message', { exact: true }).fill(offPlatform);
    await seller.page.getByRole('button', { name: 'Send message' }).click();
    await seller.page.waitForURL((url) => url.pathname === `/orders/${placed.orderId}`);
    await seller.page.locator('.flash').waitFor();
    assert.equal(await seller.page.getByLabel(infoRequest).count(), 1);
    assert.match(await textOf(seller.page, '.flash'), /Warning: .*email.*K-61, K-62/s);
    assert.match(await textOf(seller.page, '.message.mine .off-platform'), /Flagged for staff/);
    const arrived = buyer.page.locator('.message:not(.mine)', { hasText: offPlatform });
    await arrived.waitFor({ timeout: NEWS_WITHIN_MS });
    assert.equal(await arrived.locator('.off-platform').count(), 0, 'the flag is the writer’s and staff’s');

    // The buyer reports it (rudeness, spam or else) to staff.
    await arrived.getByRole('link', { name: 'Report' }).click();
    await buyer.page.getByLabel('Why').selectOption('spam');
    await assertAccessible(buyer.page, 'reporting a message');
    await buyer.page.getByRole('button', { name: 'Report to staff' }).click();
    assert.match(await textOf(buyer.page, '.flash'), /Reported to staff/);
    const reports = await stack.services.sanctions.queue();
    const messageReports = reports.filter((r) => r.subject === 'message' && r.accusedId === m.seller.id);
    assert.deepEqual(messageReports.map((r) => r.reporterId).sort(), [m.buyer.id, null].sort(), 'the scan’s report and the buyer’s');
  });

  it('sends a file from the thread page; the other party sees its thumbnail and downloads it (K-69)', async () => {
    const m = await market(stack.api, stack.db);
    const placed = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    const conversation = await stack.services.conversations.forOrder({ id: m.buyer.id, roles: [] }, placed.orderId);
    const buyer = await newPerson(browser, stack);
    await signInAs(buyer.context, stack, m.buyer);
    const seller = await newPerson(browser, stack);
    await signInAs(seller.context, stack, m.seller);
    // A real 1×1 PNG, so that the browser can draw the thumbnail.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

    await buyer.page.goto(`/messages/${conversation.id}`);
    assert.equal(await buyer.page.getByLabel(/Information request to the buyer/).count(), 0, 'the buyer is not offered the seller’s request (K-20)');
    await buyer.page.getByLabel('Attach a file (optional)').setInputFiles({ name: 'moodboard.png', mimeType: 'image/png', buffer: png });
    await buyer.page.getByRole('button', { name: 'Send message' }).click();
    await buyer.page.locator('.flash', { hasText: 'Sent.' }).waitFor();
    await buyer.page.locator('.message.mine .attachment a', { hasText: 'moodboard.png' }).waitFor();

    await seller.page.goto(`/messages/${conversation.id}`);
    const theirs = seller.page.locator('.message:not(.mine) .attachment');
    await theirs.locator('img.thumbnail').waitFor();
    assert.equal(await theirs.locator('img.thumbnail').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), 1, 'the thumbnail loads');
    await assertAccessible(seller.page, 'a conversation with a file');
    const [download] = await Promise.all([seller.page.waitForEvent('download'), theirs.getByRole('link', { name: 'moodboard.png' }).click()]);
    assert.equal(download.suggestedFilename(), 'moodboard.png');
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), png);
  });
});
