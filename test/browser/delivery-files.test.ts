/**
 * Files in the web client (K-69, K-41): the seller delivers an order with two files through the
 * delivery form, the buyer sees them under the delivery and downloads one; the seller adds an
 * image to the offer in the editor (a zip is refused), it shows on the offer page, and the
 * seller removes it. Waiting is Playwright's bounded waiting for what the page shows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { sampleOf } from '../support/attachment-samples.js';
import { newPerson, openBrowser, signInAs, startWebStack, textOf, type WebStack } from '../support/browser.js';
import { actOk, market, placeOrder } from '../support/orders.js';

describe('files in the browser', () => {
  let stack: WebStack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-delivery-files' }), openBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('delivers two files the buyer downloads; adds an offer image shown on the offer page, refuses a zip, removes the image', async () => {
    const m = await market(stack.api, stack.db);
    const placed = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    await actOk(stack.api, m.seller, placed.orderId, { type: 'start_work' });
    const [buyer, seller] = [await newPerson(browser, stack), await newPerson(browser, stack)];
    await signInAs(buyer.context, stack, m.buyer);
    await signInAs(seller.context, stack, m.seller);
    const png = Buffer.from(sampleOf('png'));

    await seller.page.goto(`/orders/${placed.orderId}`);
    const form = seller.page.locator('#action-deliver');
    await form.getByLabel('Delivery message').fill('The logo, in two files.');
    await form.getByLabel('Files (optional)').setInputFiles([
      { name: 'logo.png', mimeType: 'image/png', buffer: png },
      { name: 'sources.zip', mimeType: 'application/zip', buffer: Buffer.from(sampleOf('zip')) },
    ]);
    await form.getByRole('button', { name: 'Deliver' }).click();
    await seller.page.locator('.flash', { hasText: 'Delivered' }).waitFor();

    await buyer.page.goto(`/orders/${placed.orderId}`);
    const files = buyer.page.locator('#deliveries .attachment a');
    assert.deepEqual(await files.allTextContents(), ['logo.png', 'sources.zip']);
    const [download] = await Promise.all([buyer.page.waitForEvent('download'), files.first().click()]);
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), png);

    await seller.page.goto(`/seller/offers/${m.offerId}/edit`);
    const images = seller.page.locator('#offer-images');
    await images.locator('#f-offer-image').setInputFiles({ name: 'not-an-image.zip', mimeType: 'application/zip', buffer: Buffer.from(sampleOf('zip')) });
    await images.getByRole('button', { name: 'Add the image' }).click();
    await seller.page.locator('#offer-images [role="alert"]', { hasText: 'JPEG, PNG or GIF' }).waitFor();
    await seller.page.locator('#offer-images').locator('#f-offer-image').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: png });
    await seller.page.locator('#offer-images').getByRole('button', { name: 'Add the image' }).click();
    await seller.page.locator('.flash', { hasText: 'Image added' }).waitFor();
    await seller.page.locator('#offer-images .attachment a', { hasText: 'cover.png' }).waitFor();
    await buyer.page.goto(`/offers/${m.offerId}`);
    assert.equal(await buyer.page.locator('.attachment a', { hasText: 'cover.png' }).count(), 1, 'the image shows on the offer page');
    await seller.page.locator('#offer-images').getByRole('button', { name: 'Remove' }).click();
    await seller.page.locator('.flash', { hasText: 'Image removed' }).waitFor();
    assert.equal(await seller.page.locator('#offer-images .attachment').count(), 0);
  });

  it('shows a file over 4 MB beside the file field of a message and a delivery, the text kept and the writer signed in (K-69, 413)', async () => {
    const m = await market(stack.api, stack.db);
    const placed = await placeOrder(stack.api, m.buyer, { offerId: m.offerId });
    await actOk(stack.api, m.seller, placed.orderId, { type: 'start_work' });
    const seller = await newPerson(browser, stack);
    await signInAs(seller.context, stack, m.seller);
    // 5 MB: past the 4 MB a file may be and past the body an upload form takes.
    const big = { name: 'archive.zip', mimeType: 'application/zip', buffer: Buffer.concat([Buffer.from(sampleOf('zip')), Buffer.alloc(5 * 1024 * 1024)]) };

    await seller.page.goto(`/orders/${placed.orderId}`);
    const message = seller.page.locator('#message-form');
    await message.getByLabel('Your message').fill('Here are the sources.');
    await message.getByLabel('Attach a file (optional)').setInputFiles(big);
    const [sent] = await Promise.all([seller.page.waitForResponse((r) => r.request().method() === 'POST'), message.getByRole('button', { name: 'Send message' }).click()]);
    assert.equal(sent.status(), 413);
    assert.match(await textOf(seller.page, '#f-file-error'), /^At most 4 MB per file/);
    assert.equal(await seller.page.locator('#message-form').getByLabel('Your message').inputValue(), 'Here are the sources.');
    assert.match(await textOf(seller.page, 'header'), /Sign out/);

    await seller.page.goto(`/orders/${placed.orderId}`);
    const delivery = seller.page.locator('#action-deliver');
    await delivery.getByLabel('Delivery message').fill('The logo and its sources.');
    await delivery.getByLabel('Files (optional)').setInputFiles([{ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from(sampleOf('png')) }, big]);
    const [delivered] = await Promise.all([seller.page.waitForResponse((r) => r.request().method() === 'POST'), delivery.getByRole('button', { name: 'Deliver' }).click()]);
    assert.equal(delivered.status(), 413);
    assert.match(await textOf(seller.page, '#f-delivery-files-error'), /At most 4 MB/);
    assert.equal(await seller.page.locator('#action-deliver').getByLabel('Delivery message').inputValue(), 'The logo and its sources.');
    assert.match(await textOf(seller.page, 'header'), /Sign out/);
    assert.equal((await stack.api('GET', `/orders/${placed.orderId}`, { token: m.seller.token })).body.status, 'in_progress', 'nothing was delivered');

    // A request's brief takes a file as a message does (it was refused whole past 1 MiB).
    const buyer = await newPerson(browser, stack);
    await signInAs(buyer.context, stack, m.buyer);
    await buyer.page.goto('/requests/new');
    const request = buyer.page.locator('#request-form');
    await request.getByLabel('Title').fill('A logo for a bakery');
    await request.getByLabel('Description').fill('Warm colours, a loaf in the mark.');
    await request.getByLabel('Category').selectOption({ index: 1 });
    await request.getByLabel(/Attach a file/).setInputFiles(big);
    const [posted] = await Promise.all([buyer.page.waitForResponse((r) => r.request().method() === 'POST'), request.getByRole('button', { name: 'Post the request' }).click()]);
    assert.equal(posted.status(), 413);
    assert.match(await textOf(buyer.page, '#f-file-error'), /^At most 4 MB per file/);
    assert.equal(await buyer.page.locator('#request-form').getByLabel('Title').inputValue(), 'A logo for a bakery');
  });
});
