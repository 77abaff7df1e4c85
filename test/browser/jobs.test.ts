/**
 * An estimated job in Chromium, from an affiliate's link to the affiliate's commission (issue 18):
 * an anonymous visitor comes through an affiliate's link, accepts cookies (W-21, W-23), orders a
 * job with an email, an urgency and a budget (W-01, W-02, W-05) and is told it waits for the
 * address; the activation mail's link sets a password and signs them in. An expert (the `expert`
 * role) takes the job from the queue, writes in its conversation and sends an estimate at $60/h
 * (W-04, W-09); the client sees the payment box next to it, adds the missing money by card on the
 * card processor's page through the link that comes back to the job, and pays now into escrow
 * (W-07, W-08). They talk; the expert marks it done; the client sees the approval box with the
 * auto-approval date (W-12, W-13), gives the invoicing data it asks for (W-18), approves,
 * downloads the invoice PDF from Closed Jobs and the job view (W-14, W-17) and leaves 5 stars
 * (W-15). The affiliate then sees the commission: 10 % of the job at level 1 (W-24, W-25, D-07),
 * and staff see the job approved in their list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pollUntil } from '../../scripts/poll.js';
import { jobPolicy } from '../../workflows/job/policy.js';
import { signUp, type TestUser } from '../support/api.js';
import { assertAccessible, newPerson, openBrowser, payOnCardPage, screenshot, signInAs, startWebStack, textOf, topUpShows, visit, type WebStack } from '../support/browser.js';
import { makeExpert } from '../support/jobs.js';
import { TEST_CARDS } from '../support/payments.js';

const JOURNEY = 'jobs';
const HOURS = 2;
/** W-04: hours × the flat rate ($60/h): $120.00. */
const PRICE_CENTS = HOURS * jobPolicy.hourlyRateCents;
/** D-07: level 1 earns 10 %, rounded down to the cent. */
const COMMISSION_CENTS = Math.floor(PRICE_CENTS / 10);
const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

describe('an estimated job in the browser, from an affiliate’s link to the commission', () => {
  let stack: WebStack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-jobs', payments: true }), openBrowser()]);
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
  const flash = (page: Page, text: string | RegExp) => page.locator('.flash', { hasText: text }).waitFor();
  const visitCookie = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'gf_aff');

  it('orders anonymously through an affiliate’s link, activates, gets an estimate, tops up by card, pays, talks, approves, downloads the invoice, reviews; the affiliate earns 10 %', async () => {
    const [affiliate, expertUser, staffUser] = await Promise.all([signUp(stack.api, 'jb_aff'), signUp(stack.api, 'jb_expert'), signUp(stack.api, 'jb_staff')]);
    const joined = await stack.api('POST', '/me/affiliate', { token: affiliate.token, body: { firstName: 'Ada', lastName: 'Lovelace', country: 'PL' } });
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    await makeExpert(stack.db, expertUser.id);
    await stack.db.sql`update users set roles = ${['support']}::text[] where id = ${staffUser.id}`;

    // W-21, W-23: the link asks for consent first and remembers the visit once it is given.
    const visitor = await newPerson(browser, stack);
    const c = visitor.page;
    await visit(c, `/a/${joined.body.code}`, 'an affiliate link before consent');
    assert.equal(await visitCookie(visitor.context), undefined, 'no first-touch cookie before consent');
    await c.getByRole('button', { name: 'Accept cookies' }).click();
    await flash(c, 'Cookies accepted');
    assert.ok(await visitCookie(visitor.context), 'the consented visit is remembered');

    // W-01, W-02, W-05: the order form, signed out.
    await c.getByRole('link', { name: 'Order a job' }).first().click();
    const email = `jb_client_${process.pid}@example.com`;
    await c.getByLabel('Title').fill('My checkout page is blank');
    await c.getByLabel('What needs doing').fill('Since the last plugin update the checkout page of my shop shows a blank screen.');
    await c.getByLabel('Your site’s address (optional)').fill('https://bakery.example');
    await c.getByLabel('Urgency').selectOption('high');
    await c.getByLabel('Your budget in dollars (optional)').fill('250');
    await c.getByLabel('Your email').fill(email);
    await c.getByLabel('Username you would like (optional)').fill(`jb_client_${process.pid}`);
    await assertAccessible(c, 'the order form, signed out');
    await screenshot(c, JOURNEY, 'order-form');
    await c.getByRole('button', { name: 'Order the job' }).click();
    await flash(c, /ordered: check your mail/i);
    assert.match(await textOf(c, '.flash'), /experts see the job once/);
    assert.equal(await visitCookie(visitor.context), undefined, 'the first-touch visit served the new account');

    // W-01: the activation mail's link: a password, the address verified, signed in.
    const mail = await stack.mailTo(email, /Activate/);
    const link = mail.body.match(/https?:\/\/\S+\/activate\?token=\S+/)?.[0];
    assert.ok(link, mail.body);
    await c.goto(link);
    await c.getByLabel('Password').fill('a long enough password 1');
    await assertAccessible(c, 'activation');
    await c.getByRole('button', { name: 'Activate my account' }).click();
    await flash(c, /your account is active/i);
    const jobLink = c.locator('#open-jobs a', { hasText: 'My checkout page is blank' });
    await jobLink.waitFor();
    const jobPath = (await jobLink.getAttribute('href'))!;
    const jobId = Number(jobPath.split('/').pop());

    // W-02, W-04, W-09: the expert takes it from the queue, writes and estimates.
    const e = await as(expertUser);
    await pollUntil(
      async () => {
        await e.goto('/expert/jobs');
        return (await e.locator(`#job-queue tr[data-job-id="${jobId}"]`).count()) > 0;
      },
      { timeoutMs: 10_000, what: 'the activated job in the experts’ queue' },
    );
    await assertAccessible(e, 'the experts’ queue');
    await e.locator(`#job-queue tr[data-job-id="${jobId}"] a`).click();
    await e.getByRole('button', { name: 'Claim this job' }).click();
    await flash(e, 'Claimed');
    await e.getByLabel('Your message', { exact: true }).fill('Hello! I am looking at your checkout now.');
    await e.getByRole('button', { name: 'Send message' }).click();
    await e.locator('#conversation', { hasText: 'I am looking at your checkout now' }).waitFor();
    // Hours that are no number, or out of range, are told the range in words, never zod's wording.
    await e.getByLabel('Your plan').fill('Find the conflicting plugin, update it, test a payment.');
    for (const [typed, told] of [['abc', /^Enter hours from 0\.25 to 200$/], ['1e3', /^Enter hours from 0\.25 to 200$/], ['1000', /^From 0\.25 to 200 hours$/], ['-1', /^From 0\.25 to 200 hours$/]] as const) {
      await e.getByLabel(/^Hours/).fill(typed);
      await e.getByRole('button', { name: 'Send the estimate' }).click();
      await e.locator('#f-hours-error', { hasText: told }).waitFor();
    }
    // A decimal comma is a decimal point: `2,0` is two hours.
    await e.getByLabel(/^Hours/).fill(`${HOURS},0`);
    await e.getByLabel('Does it fit the client’s budget?').selectOption('true');
    await assertAccessible(e, 'the job page, estimating');
    await e.getByRole('button', { name: 'Send the estimate' }).click();
    await flash(e, 'Estimate sent');

    // W-07: the estimate with the payment box next to it; short of money, a top-up by card that comes back to the job.
    await c.goto(jobPath);
    await c.locator('#estimate-1', { hasText: dollars(PRICE_CENTS) }).waitFor();
    assert.match(await textOf(c, '#pay-box'), new RegExp(`Price: \\${dollars(PRICE_CENTS)}`));
    assert.match(await textOf(c, '#conversation'), /I am looking at your checkout now/);
    await assertAccessible(c, 'the job page with an estimate');
    await screenshot(c, JOURNEY, 'estimate');
    await c.locator('#top-up-link a').click();
    assert.equal(await c.getByLabel('Amount in dollars').inputValue(), (PRICE_CENTS / 100).toFixed(2));
    await c.getByLabel('Card', { exact: true }).check();
    await c.getByRole('button', { name: 'Continue to payment' }).click();
    await c.waitForURL((url) => url.origin === stack.payments!.url);
    await payOnCardPage(c, stack, TEST_CARDS.success);
    await topUpShows(c, 'approved');
    await c.getByRole('link', { name: 'Back to the job to pay' }).click();
    await c.waitForURL((url) => url.pathname === jobPath);
    await c.getByRole('button', { name: 'Pay now' }).click();
    await flash(c, 'Paid');
    assert.equal(await textOf(c, '#job-status'), 'In progress');

    // W-09: they talk in the job's conversation.
    await c.getByLabel('Your message', { exact: true }).fill('Thank you! The shop runs WooCommerce.');
    await c.getByRole('button', { name: 'Send message' }).click();
    await c.locator('#conversation', { hasText: 'The shop runs WooCommerce' }).waitFor();
    await e.goto(jobPath);
    assert.match(await textOf(e, '#conversation'), /The shop runs WooCommerce/);
    await e.getByLabel('Your message', { exact: true }).fill('Found it: a caching plugin. Fixed and tested.');
    await e.getByRole('button', { name: 'Send message' }).click();
    await e.locator('#conversation', { hasText: 'Fixed and tested' }).waitFor();
    await e.getByLabel('What you did').fill('Updated the caching plugin and excluded the checkout from the cache.');
    await e.getByRole('button', { name: 'Mark as done' }).click();
    await flash(e, 'Marked as done');

    // W-12, W-13, W-18: the approval box with its date; the invoice needs the client's invoicing data first.
    await c.goto(jobPath);
    const box = c.locator('#approval');
    assert.match(await textOf(c, '#approval'), /approved automatically on/);
    assert.match(await textOf(c, '#conversation'), /Fixed and tested/);
    assert.match(await textOf(c, '#history'), /Paid \$120\.00 into escrow.*Message from the expert in the conversation/);
    await assertAccessible(c, 'the job page, delivered');
    await screenshot(c, JOURNEY, 'approval');
    await box.getByRole('link', { name: /invoicing data/ }).click();
    await c.getByLabel('First name').fill('Anna');
    await c.getByLabel('Last name').fill('Nowak');
    await c.getByLabel('Country').fill('PL');
    await c.getByRole('button', { name: 'Save' }).click();
    await c.waitForURL((url) => url.pathname === jobPath);
    // W-12: approving pays the expert for good: the browser sends it only with its box ticked.
    await c.getByRole('button', { name: 'Approve job' }).click();
    assert.equal(await c.locator('#f-approveConfirmed').evaluate((e) => (e as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing), true);
    assert.match(await textOf(c, '#approval'), /approved automatically on/);
    await c.getByLabel('The work is done: the expert is paid now, and this cannot be undone').check();
    await c.getByRole('button', { name: 'Approve job' }).click();
    await flash(c, 'Approved');

    // W-14, W-17: the invoice, from the job view and from the cloud icon in Closed Jobs.
    const fromJob = await c.getByRole('link', { name: /Download the invoice/ }).getAttribute('href');
    await c.goto('/jobs');
    await assertAccessible(c, 'Jobs with Closed Jobs');
    const cloud = c.locator(`#closed-jobs tr[data-job-id="${jobId}"] a[title="Download the invoice"]`);
    assert.equal(await cloud.getAttribute('href'), fromJob);
    assert.equal((await cloud.textContent())?.replace(/\s+/g, ' ').trim(), `☁ PDF, the invoice of job #${jobId}`, 'the cloud icon (W-17), named for a screen reader');
    const pdf = await c.request.get(fromJob!);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.equal((await pdf.body()).subarray(0, 5).toString('latin1'), '%PDF-');

    // W-15: 5 stars and a comment, from the job view under Closed Jobs.
    await c.locator(`#closed-jobs tr[data-job-id="${jobId}"] a`, { hasText: 'My checkout page is blank' }).click();
    await c.getByLabel('Stars').selectOption('5');
    await c.getByLabel('Comment').fill('Fast and careful: the checkout works again.');
    await c.getByRole('button', { name: 'Send the review' }).click();
    await flash(c, 'Thank you for the review');
    assert.match(await textOf(c, '#review'), /★★★★★ Fast and careful/);

    // W-24, W-25, D-07: the affiliate's commission, 10 % of the job.
    const a = await as(affiliate);
    await visit(a, '/affiliate', 'the affiliate dashboard');
    const commission = a.locator('#affiliate-commissions tbody tr').first();
    await commission.waitFor();
    const cells = (await commission.locator('td').allTextContents()).map((t) => t.trim());
    assert.deepEqual(cells.slice(1, 5), [dollars(PRICE_CENTS), 'Approved', '1 (10 %)', dollars(COMMISSION_CENTS)]);
    await screenshot(a, JOURNEY, 'affiliate');

    // Staff see the job, approved, in their list.
    const s = await as(staffUser);
    await visit(s, '/staff/jobs', 'staff’s jobs');
    const row = (await s.locator(`#staff-jobs tr[data-job-id="${jobId}"] td`).allTextContents()).map((t) => t.trim());
    assert.deepEqual(row.slice(0, 4), [`#${jobId} My checkout page is blank`, 'High', 'Approved', dollars(PRICE_CENTS)]);
  });
});
