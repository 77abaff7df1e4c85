/**
 * Money in and out in Chromium, against the local payment providers (issue 15): a card top-up
 * paid on the card processor's own page (our pages never hold a card field, K-47) and credited
 * only when its webhook reaches the API, the page polling itself meanwhile; a declined card
 * then a good one; PayPal; a payout card saved on the provider's page, after which "Why can't I
 * withdraw?" names the month-long card lock (D-09) and the 7-day pause (D-10) to the second; a
 * withdrawal requested, seen with its batch, and cancelled; staff holding, releasing and
 * rejecting one; staff refunding a card top-up to its card (K-48); and the top-up page without
 * JavaScript. Our CSP applies in the payer's browser: the redirect to the provider must pass it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pollUntil } from '../../scripts/poll.js';
import { signUp, type TestUser } from '../support/api.js';
import {
  approveOnPaypal,
  assertAccessible,
  newPerson,
  openBrowser,
  payOnCardPage,
  saveCardOnProviderPage,
  screenshot,
  signInAs,
  startWebStack,
  textOf,
  topUpShows,
  visit,
  type WebStack,
} from '../support/browser.js';
import { fund } from '../support/orders.js';
import { TEST_CARDS } from '../support/payments.js';
import { payoutBatchWorkflowId, payoutBatchWorkflowType } from '../../workflows/payout-batch/messages.js';

type Person = { context: BrowserContext; page: Page };

/** Fields of ours that could take a card's number, expiry or code: none may exist on any page of ours (the method's radio button may say "card"). */
const CARD_FIELDS = ['input[autocomplete^="cc-"]', 'input[inputmode="numeric"]', ...['name', 'id', 'placeholder'].map((a) => `input[${a}*="card" i]:not([type="radio"])`)].join(', ');

describe('money in the browser, against the local payment providers', () => {
  let stack: WebStack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-money', payments: { delays: { webhookMs: 3_000 } } }), openBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function personAs(user: TestUser, options: { javaScript?: boolean; width?: number } = {}): Promise<Person> {
    const person = await newPerson(browser, stack, { ...options, enforceCsp: true });
    await signInAs(person.context, stack, user);
    return person;
  }

  async function noCardField(page: Page): Promise<void> {
    assert.equal(new URL(page.url()).origin, stack.url, 'a page of ours');
    assert.equal(await page.locator(CARD_FIELDS).count(), 0, `${page.url()} has a card field`);
  }

  /** Add funds: the amount and the method on our form, then the provider's page. */
  async function addFunds(page: Page, dollars: string, method: 'Card' | 'PayPal'): Promise<void> {
    await page.goto('/balance/top-up');
    await noCardField(page);
    await page.getByLabel('Amount in dollars').fill(dollars);
    await page.getByLabel(method, { exact: true }).check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL((url) => url.origin === stack.payments!.url);
  }

  /** A user whose top-up of `dollars` by card was paid and credited. */
  async function paidByCard(page: Page, dollars: string): Promise<number> {
    await addFunds(page, dollars, 'Card');
    await payOnCardPage(page, stack, TEST_CARDS.success);
    await topUpShows(page, 'approved');
    return Number(new URL(page.url()).pathname.split('/').pop());
  }

  /** A user with `cents` withdrawable now: PayPal money, PayPal payout details, their D-10 pause over. */
  async function withdrawer(prefix: string, cents: number): Promise<TestUser> {
    const user = await signUp(stack.api, prefix);
    await fund(stack.db, user.id, cents);
    await stack.services.payoutDetails.set(user.id, { method: 'paypal', account: `${user.login}@example.com` });
    await stack.db.sql`update withdrawal_locks set starts_at = now() - interval '8 days', ends_at = now() - interval '1 day' where user_id = ${user.id}`;
    return user;
  }

  it('tops up $50 by card on the provider’s page: back on our page it turns approved when the webhook lands', async () => {
    const user = await signUp(stack.api, 'card');
    const { context, page } = await personAs(user);
    await visit(page, '/balance', 'empty balance');
    await page.getByRole('link', { name: 'Add funds' }).click();
    await page.waitForURL('**/balance/top-up');
    await noCardField(page);
    await assertAccessible(page, 'add-funds page');
    await page.getByLabel('Amount in dollars').fill('50');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    // Our CSP applies here: its form-action lets the 303 take the browser to the provider.
    await page.waitForURL((url) => url.href.startsWith(`${stack.payments!.url}/card/pay/`));
    assert.match(await textOf(page, 'main'), /\$50\.00/);
    await screenshot(page, 'money', 'card-page');
    await payOnCardPage(page, stack, TEST_CARDS.success);
    await noCardField(page);
    await topUpShows(page, 'approved');
    await assertAccessible(page, 'top-up approved');
    assert.equal(await textOf(page, '#balance-after'), '$50.00');
    assert.match(await textOf(page, '#header-balance'), /\$50\.00/);
    assert.match(await textOf(page, '#top-up-panel'), /card •••• 4242/);
    await screenshot(page, 'money', 'top-up-approved');
    await visit(page, '/balance', 'balance after the card top-up');
    await noCardField(page);
    assert.equal(await textOf(page, '#balance-main'), '$50.00');
    assert.equal(await textOf(page, '#balance-withdrawable'), '$0.00');
    assert.equal(await page.locator('#statement tbody tr').count(), 1);
    assert.equal(await page.locator('#not-withdrawable li[data-reason="card_top_up"]').count(), 1);
    await context.close();
  });

  it('shows the provider’s decline, and a retry with a good card on the same payment succeeds', async () => {
    const user = await signUp(stack.api, 'decline');
    const { context, page } = await personAs(user, { width: 360 });
    await addFunds(page, '20', 'Card');
    await payOnCardPage(page, stack, TEST_CARDS.decline);
    assert.match(await textOf(page, '.flash'), /did not take the payment/);
    await topUpShows(page, 'declined');
    assert.match(await textOf(page, '#top-up-status'), /Declined \(card declined\)/);
    await assertAccessible(page, 'top-up declined');
    await page.getByRole('link', { name: 'Try another card' }).click();
    await page.waitForURL((url) => url.origin === stack.payments!.url);
    // The provider's own words about the last attempt, on its page.
    assert.match(await textOf(page, '[role="alert"]'), /declined/i);
    await payOnCardPage(page, stack, TEST_CARDS.success);
    await topUpShows(page, 'approved');
    assert.equal(await textOf(page, '#balance-after'), '$20.00');
    await context.close();
  });

  it('tops up by PayPal: approved on PayPal’s page, captured on the way back, credited by the webhook', async () => {
    const user = await signUp(stack.api, 'paypal');
    const { context, page } = await personAs(user);
    await addFunds(page, '30', 'PayPal');
    assert.match(await textOf(page, 'h1'), /Pay with PayPal/);
    await approveOnPaypal(page, stack, 'payer@example.com');
    assert.match(await textOf(page, '.flash'), /PayPal approved the payment/);
    await topUpShows(page, 'approved');
    assert.match(await textOf(page, '#top-up-panel'), /PayPal payer@example\.com/);
    await visit(page, '/balance', 'balance after PayPal');
    assert.equal(await textOf(page, '#balance-main'), '$30.00');
    // PayPal money is no card money: withdrawable at once (no payout details pause yet).
    assert.equal(await textOf(page, '#balance-withdrawable'), '$30.00');
    await context.close();
  });

  it('ends a PayPal top-up the payer cancels on PayPal’s page, and a card top-up the user cancels on ours; neither blocks closing the account', async () => {
    const user = await signUp(stack.api, 'cancels');
    const { context, page } = await personAs(user);
    await addFunds(page, '25', 'PayPal');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL((url) => url.origin === stack.url && /^\/balance\/top-ups\/\d+$/.test(url.pathname));
    // PayPal was asked first: the order was not approved, so the top-up ends at once.
    await page.locator('#top-up-status[data-status="cancelled"]').waitFor();
    assert.match(await textOf(page, '#top-up-status'), /Cancelled: nothing was charged \(cancelled by payer\)/);
    assert.equal(await page.getByRole('link', { name: 'Check again' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Start a new top-up' }).count(), 1);
    await assertAccessible(page, 'top-up cancelled');
    await screenshot(page, 'money', 'top-up-cancelled-by-payer');

    // A card top-up left on the provider's page: back on ours, the user cancels it.
    await addFunds(page, '10', 'Card');
    const cardPage = new URL(page.url());
    const intent = cardPage.pathname.split('/').pop()!;
    const mine = await stack.db.sql<{ id: string }[]>`select id from top_ups where gateway_ref = ${intent}`;
    await visit(page, `/balance/top-ups/${mine[0]!.id}`, 'pending card top-up');
    assert.match(await textOf(page, '#top-up-status'), /Pending/);
    await page.getByRole('button', { name: 'Cancel this top-up' }).click();
    await page.locator('#top-up-status[data-status="cancelled"]').waitFor();
    assert.match(await textOf(page, '.flash'), /The top-up is cancelled; nothing was charged/);
    assert.match(await textOf(page, '#top-up-status'), /\(cancelled by user\)/);
    const pending = await stack.db.sql<{ n: number }[]>`select count(*)::int as n from top_ups where user_id = ${user.id} and status = 'pending'`;
    assert.equal(pending[0]!.n, 0, 'no pending top-up is left to block closing the account');
    await context.close();
  });

  it('saves a payout card on the provider’s page; “Why can’t I withdraw?” names the card lock and the pause to the second', async () => {
    const user = await signUp(stack.api, 'payout');
    const { context, page } = await personAs(user);
    const topUpId = await paidByCard(page, '50');
    await fund(stack.db, user.id, 2_000);
    await visit(page, '/balance/payout-details', 'payout details, none yet');
    await noCardField(page);
    assert.match(await textOf(page, '#payout-current'), /No payout details yet/);
    await page.getByRole('button', { name: 'Save a card on the provider’s page' }).click();
    await page.waitForURL((url) => url.origin === stack.payments!.url);
    await saveCardOnProviderPage(page, stack, TEST_CARDS.success);
    assert.match(await textOf(page, '#payout-current'), /Visa •••• 4242/);
    assert.match(await textOf(page, '.flash'), /paused for 7 days/);
    await assertAccessible(page, 'payout details saved');
    await noCardField(page);

    const [lot] = await stack.db.sql<{ releases_at: string; decided_at: string }[]>`
      select l.releases_at, t.decided_at from card_lots l join top_ups t on t.id = l.top_up_id where l.top_up_id = ${topUpId}`;
    const [pause] = await stack.db.sql<{ starts_at: string; ends_at: string }[]>`
      select starts_at, ends_at from withdrawal_locks where user_id = ${user.id} and scope = 'withdrawals' and reason = 'payout_details_change'`;
    assert.ok(lot && pause, 'the card lot and the pause are recorded');
    const releasesAt = new Date(lot.releases_at).toISOString();
    const pauseEndsAt = new Date(pause.ends_at).toISOString();
    const monthLater = new Date(lot.decided_at);
    monthLater.setUTCMonth(monthLater.getUTCMonth() + 1);
    assert.equal(releasesAt, monthLater.toISOString(), 'D-09: a calendar month after the webhook posted it');
    assert.equal(Date.parse(pauseEndsAt) - Date.parse(new Date(pause.starts_at).toISOString()), 7 * 86_400_000, 'D-10: 7 days');

    await visit(page, '/balance', 'balance with locks');
    assert.equal(await textOf(page, '#balance-main'), '$70.00');
    assert.equal(await textOf(page, '#balance-withdrawable'), '$0.00');
    const card = page.locator('#not-withdrawable li[data-reason="card_top_up"]');
    assert.match(((await card.textContent()) ?? '').replace(/\s+/g, ' '), new RegExp(`\\$50\\.00 · Card top-up #${topUpId} of \\d{4}-\\d\\d-\\d\\d.*withdrawable from`));
    assert.equal(await card.locator('time').getAttribute('datetime'), releasesAt);
    const paused = page.locator('#not-withdrawable li[data-reason="withdrawals_paused"]');
    assert.match(((await paused.textContent()) ?? '').replace(/\s+/g, ' '), /\$20\.00 · Your payout details were added or changed.*paused until/);
    assert.equal(await paused.locator('time').getAttribute('datetime'), pauseEndsAt);
    assert.deepEqual(await page.locator('#terms-card td').allTextContents(), ['4.5 % (at least $1.00)', '$10.00'], 'D-04 for cards');
    assert.deepEqual(await page.locator('#terms-paypal td').allTextContents(), ['3 % (at least $0.30)', '$1.00'], 'D-04 for PayPal');
    assert.equal(await page.locator('#next-batch time').getAttribute('datetime'), stack.services.withdrawals.terms().nextBatchAt);
    await screenshot(page, 'money', 'why-not');
    await context.close();
  });

  it('refuses a change of payout details while an email change locks them, and says until when (D-10)', async () => {
    const user = await signUp(stack.api, 'locked');
    const [lock] = await stack.db.sql<{ ends_at: string }[]>`
      insert into withdrawal_locks (user_id, reason, scope, starts_at, ends_at)
      values (${user.id}, 'email_change', 'payout_details', now(), now() + interval '7 days') returning ends_at`;
    const endsAt = new Date(lock!.ends_at).toISOString();
    const { context, page } = await personAs(user, { width: 360 });
    await visit(page, '/balance/payout-details', 'payout details, locked');
    assert.equal(await page.locator('#details-locked time').getAttribute('datetime'), endsAt);
    await page.getByLabel('PayPal account email').fill('me@example.com');
    const answer = page.waitForResponse((r) => r.url().endsWith('/balance/payout-details/paypal'));
    await page.getByRole('button', { name: 'Use this PayPal account' }).click();
    assert.equal((await answer).status(), 422);
    assert.match(await textOf(page, '#payout-refusal'), /Refused \(422\): Locked \(D-10\): your email changed/);
    await screenshot(page, 'money', 'payout-details-locked');
    assert.equal(await page.locator('#payout-refusal time').getAttribute('datetime'), endsAt);
    await assertAccessible(page, 'payout details refused');
    await page.getByRole('button', { name: 'Save a card on the provider’s page' }).click();
    assert.equal(new URL(page.url()).origin, stack.url, 'no trip to the provider while locked');
    assert.match(await textOf(page, '#payout-refusal'), /Locked \(D-10\)/);
    assert.match(await textOf(page, '#payout-current'), /No payout details yet/);
    await context.close();
  });

  it('refuses a withdrawal while saved payout details pause withdrawals in words, and says until when, not the next batch (K-51, D-10)', async () => {
    const user = await signUp(stack.api, 'paused');
    await fund(stack.db, user.id, 5_000);
    await stack.services.payoutDetails.set(user.id, { method: 'paypal', account: `${user.login}@example.com` });
    const [lock] = await stack.db.sql<{ ends_at: string }[]>`
      select ends_at from withdrawal_locks where user_id = ${user.id} and scope = 'withdrawals' and reason = 'payout_details_change'`;
    const endsAt = new Date(lock!.ends_at).toISOString();
    const { context, page } = await personAs(user);
    await visit(page, '/balance/withdraw', 'withdraw page, paused');
    // The page says when a withdrawal can leave, not a batch it would miss.
    assert.match(await textOf(page, '#withdraw-when'), /Withdrawals are paused until/);
    assert.equal(await page.locator('#withdraw-when time').getAttribute('datetime'), endsAt);
    await page.getByLabel('Amount in dollars').fill('10');
    const answer = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Request withdrawal' }).click();
    assert.equal((await answer).status(), 422);
    const refusal = await textOf(page, '#withdraw-form .form-error');
    assert.match(refusal, /^Nothing is withdrawable now: withdrawals are paused \(K-51\), until the date below\.$/);
    assert.doesNotMatch(refusal, /GET |\/balance\/|\(422\)/);
    assert.equal(await page.locator('#not-withdrawable li[data-reason="withdrawals_paused"] time').getAttribute('datetime'), endsAt);
    await assertAccessible(page, 'withdrawal refused while paused');
    await context.close();
  });

  it('opens the withdrawal form at what one withdrawal may take, and says why an amount over it has no fee', async () => {
    // $25,000 withdrawable, $10,000 at most a time (our limit, K-50): the form opens at $10,000, which it takes.
    const user = await withdrawer('withdraw_max', 2_500_000);
    const { context, page } = await personAs(user);
    await visit(page, '/balance/withdraw', 'withdraw page, more than one withdrawal may take');
    assert.equal(await page.getByLabel('Amount in dollars').inputValue(), '10000.00');
    assert.match(await textOf(page, '#withdraw-fee'), /PayPal: fee 3 % \(at least \$0\.30\) = \$300\.00; you receive \$9,700\.00/);
    await page.getByLabel('Amount in dollars').fill('10000.01');
    await pollUntil(async () => /must be at most \$10,000\.00/.test(await textOf(page, '#withdraw-fee')), { timeoutMs: 5_000, intervalMs: 100, what: 'why $10,000.01 has no fee' });
    await assertAccessible(page, 'withdraw page, an amount over the limit');
    // Sent as typed (no second htmx round right after a swap, whose trigger may not be bound yet):
    // refused beside the field, nothing requested, and the fee line says how to type an amount.
    await page.getByLabel('Amount in dollars').fill('ten dollars');
    const refused = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Request withdrawal' }).click();
    assert.equal((await refused).status(), 400);
    assert.equal(await textOf(page, '#withdraw-fee'), 'Enter an amount in dollars, such as 25 or 25.50, to see the fee.');
    assert.equal(Number((await stack.db.sql`select count(*)::int as n from withdrawals where user_id = ${user.id}`)[0]!.n), 0);
    await context.close();
  });

  it('requests a withdrawal, sees it requested with its batch, cancels it and gets the money back', async () => {
    const user = await withdrawer('withdraw', 10_000);
    const { context, page } = await personAs(user);
    await visit(page, '/balance', 'balance, withdrawable');
    assert.equal(await textOf(page, '#balance-withdrawable'), '$100.00');
    await page.getByRole('link', { name: 'Withdraw', exact: true }).click();
    await page.waitForURL('**/balance/withdraw');
    await assertAccessible(page, 'withdraw page');
    assert.match(await textOf(page, '#withdraw-fee'), /PayPal: fee 3 % \(at least \$0\.30\) = \$3\.00; you receive \$97\.00/);
    await page.getByLabel('Amount in dollars').fill('40');
    // htmx asks for the fee of the amount typed.
    await pollUntil(async () => /= \$1\.20; you receive \$38\.80/.test(await textOf(page, '#withdraw-fee')), { timeoutMs: 5_000, intervalMs: 100, what: 'the fee of $40' });
    await screenshot(page, 'money', 'withdraw');
    await page.getByRole('button', { name: 'Request withdrawal' }).click();
    await page.waitForURL(/\/balance\/withdrawals\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    assert.match(await textOf(page, '.flash'), /Requested: \$40\.00 to .*you receive \$38\.80/);
    assert.equal(await page.locator('#withdrawal-status').getAttribute('data-status'), 'requested');
    const [row] = await stack.db.sql<{ expected_batch_at: string }[]>`select expected_batch_at from withdrawals where id = ${id}`;
    assert.equal(await page.locator('#withdrawal-batch time').getAttribute('datetime'), new Date(row!.expected_batch_at).toISOString());
    await assertAccessible(page, 'withdrawal requested');
    await screenshot(page, 'money', 'withdrawal-requested');

    await visit(page, '/balance', 'balance with a pending withdrawal');
    assert.equal(await textOf(page, '#balance-main'), '$60.00');
    assert.match(await textOf(page, `#not-withdrawable li[data-reason="pending_withdrawal"]`), new RegExp(`\\$40\\.00 · In pending withdrawal #${id}`));
    await page.getByRole('link', { name: 'Withdrawals', exact: true }).click();
    await page.waitForURL('**/balance/withdrawals');
    await assertAccessible(page, 'withdrawals list');
    await page.getByRole('link', { name: `#${id}` }).click();
    await page.getByRole('button', { name: 'Cancel this withdrawal' }).click();
    await page.waitForURL(`**/balance/withdrawals/${id}`);
    assert.match(await textOf(page, '.flash'), /Cancelled: \$40\.00 is back on your balance/);
    assert.equal(await page.locator('#withdrawal-status').getAttribute('data-status'), 'cancelled');
    assert.equal(await page.getByRole('button', { name: 'Cancel this withdrawal' }).count(), 0);
    await visit(page, '/balance', 'balance after the cancellation');
    assert.equal(await textOf(page, '#balance-main'), '$100.00');
    assert.equal(await textOf(page, '#balance-withdrawable'), '$100.00');
    await context.close();
  });

  it('pays a withdrawal in the next batch: the user reads it paid, and staff read the batch’s reconciliation (K-50)', async () => {
    const user = await withdrawer('paid', 5_000);
    const { withdrawal } = await stack.services.withdrawals.request(user.id, { amountCents: 2_000 }, `paid-${user.id}`);
    // What the Schedule does on a batch day: start the batch for its time (a future batch day, so never a holiday).
    const scheduledAt = withdrawal.expectedBatchAt;
    const batch = await stack.temporal.workflow.start(payoutBatchWorkflowType, {
      taskQueue: stack.taskQueue,
      workflowId: `${payoutBatchWorkflowId(scheduledAt)}-${user.id}`,
      args: [{ scheduledAt }],
    });
    await batch.result();
    const { context, page } = await personAs(user);
    await visit(page, `/balance/withdrawals/${withdrawal.id}`, 'paid withdrawal');
    assert.equal(await page.locator('#withdrawal-status').getAttribute('data-status'), 'paid');
    await visit(page, '/balance', 'balance after the payout');
    assert.equal(await textOf(page, '#balance-main'), '$30.00');
    await context.close();

    const support = await signUp(stack.api, 'batches');
    await stack.db.sql`update users set roles = ${['support']}::text[] where id = ${support.id}`;
    const staff = await personAs(support);
    await visit(staff.page, '/staff/payout-batches', 'payout batches');
    const row = staff.page.locator('tr', { hasText: batch.workflowId });
    // $20.00 gross, PayPal's 3 % fee (at least $0.30) $0.60, $19.40 paid out.
    assert.match(await row.innerText(), /\$20\.00[\s\S]*\$0\.60[\s\S]*\$19\.40/);
    await staff.context.close();
  });

  it('lets staff hold a withdrawal with a reason the user reads, release it, and reject it', async () => {
    const user = await withdrawer('held', 5_000);
    const { withdrawal } = await stack.services.withdrawals.request(user.id, { amountCents: 2_500 }, `held-${user.id}`);
    const support = await signUp(stack.api, 'support');
    await stack.db.sql`update users set roles = ${['support']}::text[] where id = ${support.id}`;
    const staff = await personAs(support);
    const owner = await personAs(user);

    await visit(staff.page, '/staff', 'staff home, support');
    await staff.page.getByRole('link', { name: 'Withdrawals' }).first().click();
    await staff.page.waitForURL('**/staff/withdrawals');
    await staff.page.getByLabel('Status').selectOption('requested');
    await staff.page.getByRole('button', { name: 'Show' }).click();
    await staff.page.waitForURL('**/staff/withdrawals?status=requested');
    await assertAccessible(staff.page, 'withdrawal queue');
    await staff.page.getByRole('link', { name: `#${withdrawal.id}`, exact: true }).click();
    await staff.page.waitForURL(`**/staff/withdrawals/${withdrawal.id}`);
    assert.equal(await staff.page.locator('.temporal-link').getAttribute('data-workflow-id'), `withdrawal-${withdrawal.id}`);
    await assertAccessible(staff.page, 'staff withdrawal page');
    await staff.page.getByLabel('Reason for holding it (the user reads it)').fill('We are checking who owns the PayPal account.');
    await staff.page.getByRole('button', { name: 'Hold' }).click();
    await staff.page.waitForURL(`**/staff/withdrawals/${withdrawal.id}`);
    assert.equal(await staff.page.locator('#withdrawal-status').getAttribute('data-status'), 'held');
    await screenshot(staff.page, 'money', 'staff-held');

    await visit(owner.page, `/balance/withdrawals/${withdrawal.id}`, 'held withdrawal, as its owner');
    assert.equal(await owner.page.locator('#withdrawal-status').getAttribute('data-status'), 'held');
    assert.equal(await textOf(owner.page, '#withdrawal-reason'), 'We are checking who owns the PayPal account.');

    await staff.page.getByRole('button', { name: /^Release/ }).click();
    await staff.page.waitForURL(`**/staff/withdrawals/${withdrawal.id}`);
    assert.equal(await staff.page.locator('#withdrawal-status').getAttribute('data-status'), 'requested');
    await staff.page.getByLabel('Reason for rejecting it (the user reads it)').fill('The PayPal account belongs to someone else.');
    await staff.page.getByRole('button', { name: 'Reject' }).click();
    await staff.page.waitForURL(`**/staff/withdrawals/${withdrawal.id}`);
    assert.equal(await staff.page.locator('#withdrawal-status').getAttribute('data-status'), 'rejected');

    await owner.page.reload();
    assert.equal(await owner.page.locator('#withdrawal-status').getAttribute('data-status'), 'rejected');
    assert.equal(await textOf(owner.page, '#withdrawal-reason'), 'The PayPal account belongs to someone else.');
    await visit(owner.page, '/balance', 'balance after the rejection');
    assert.equal(await textOf(owner.page, '#balance-main'), '$50.00');

    await visit(staff.page, '/staff/payout-batches', 'payout batches');
    await visit(staff.page, '/staff/provider-events', 'provider events');
    assert.ok((await staff.page.locator('#provider-events tbody tr').count()) > 0, 'the webhooks of this file are listed');
    await staff.context.close();
    await owner.context.close();
  });

  it('lets staff refund a card top-up early, only to its card (K-48), after a confirmation', async () => {
    const user = await signUp(stack.api, 'refund');
    const payer = await personAs(user);
    const topUpId = await paidByCard(payer.page, '25');
    const support = await signUp(stack.api, 'support');
    await stack.db.sql`update users set roles = ${['support']}::text[] where id = ${support.id}`;
    const { context, page } = await personAs(support);
    await visit(page, '/staff/top-ups', 'top-up lookup');
    await page.getByLabel('Top-up number').fill(String(topUpId));
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(`**/staff/top-ups/${topUpId}/refund`);
    await assertAccessible(page, 'refund confirmation');
    await page.getByRole('button', { name: 'Refund to the card' }).click();
    assert.match(await textOf(page, '#f-confirm-error'), /Tick the box/);
    await page.getByLabel(`I confirm: refund top-up #${topUpId} to its card`).check();
    await page.getByRole('button', { name: 'Refund to the card' }).click();
    await page.waitForURL('**/staff/top-ups');
    assert.match(await textOf(page, '.flash'), new RegExp(`Top-up #${topUpId}: \\$25\\.00 refunded to its card \\(refund re_`));
    await visit(payer.page, `/balance/top-ups/${topUpId}`, 'refunded top-up');
    assert.match(await textOf(payer.page, '#top-up-panel'), /Refunded to its card/);
    assert.equal(await textOf(payer.page, '#balance-after'), '$0.00');
    await context.close();
    await payer.context.close();
  });

  it('without JavaScript, the top-up page offers “Check again” until the late webhook lands', async () => {
    const user = await signUp(stack.api, 'nojs');
    const { context, page } = await personAs(user, { javaScript: false });
    await addFunds(page, '15', 'Card');
    await payOnCardPage(page, stack, TEST_CARDS.delayedWebhook);
    assert.equal(await page.locator('#top-up-status').getAttribute('data-status'), 'pending');
    await pollUntil(
      async () => {
        await page.getByRole('link', { name: 'Check again' }).click();
        await page.waitForLoadState();
        return (await page.locator('#top-up-status').getAttribute('data-status')) === 'approved';
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'the top-up approved after “Check again”' },
    );
    assert.equal(await textOf(page, '#balance-after'), '$15.00');
    await context.close();
  });
});
