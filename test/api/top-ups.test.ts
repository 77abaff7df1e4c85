/**
 * Top-ups through the payment providers (issue 15): K-47's redirect to the payment system,
 * the balance moved only by the provider's verified webhook, K-48/D-09's month-long card lock
 * counted from that webhook, D-10's withdrawal pause at its boundary, K-49's bonus, and K-48's
 * early withdrawal back to the same card through staff. The payer pays on the local stand-in's
 * hosted pages (`test/support/pay.ts`); the app and the stand-in share one clock this file moves.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pollUntil } from '../../scripts/poll.js';
import { createAccounts } from '../../services/accounts.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { manualClock, signIn, signUp, type Caller, type TestUser } from '../support/api.js';
import { startPayingApi, type PayingApi, type TestDatabase } from '../support/harness.js';
import { insertOffer } from '../support/catalog.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { TEST_CARDS, type PaymentStandIns } from '../support/payments.js';
import {
  answerChallenge, approveOnPaypal, cardApi, deliver, intentOf, orderOf, payByCard, returnedTo, signedCardDelivery, startTopUp, tapWebhooks,
  topUpByCard, topUpByPaypal, topUpWhen,
} from '../support/pay.js';

const WEB = 'http://web.test';

describe('top-ups through the payment providers', () => {
  let api: PayingApi;
  let database: TestDatabase;
  let stand: PaymentStandIns;
  let call: Caller;
  let tap: ReturnType<typeof tapWebhooks>;
  let staff: TestUser;
  // Thursday 12 November 2026, 13:00 UTC: the "card top-up of 12 Nov".
  const clock = manualClock(new Date('2026-11-12T13:00:00Z'));
  const at = (iso: string) => clock.advance(Date.parse(iso) - clock.now().getTime());

  before(async () => {
    api = await startPayingApi(import.meta.filename, { clock, webUrl: WEB });
    ({ database, stand, call } = api);
    tap = tapWebhooks(stand, (req) => api.app.request(req));
    staff = await signUp(call, 'support');
    await createAccounts({ db: database.db, clock }).grantRole(staff.id, 'support');
  });
  after(() => api?.stop());

  // The clock moves months in this file: staff sign in afresh for each use.
  const staffToken = async () => (await signIn(call, staff)).token;
  const balance = async (user: TestUser) => (await call('GET', '/me/balance', { token: user.token })).body;
  const withdrawable = async (user: TestUser) => {
    const res = await call('GET', '/balance/withdrawable', { token: user.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const ledgerRows = async (key: string) =>
    database.db.sql<{ account: string; amount: string }[]>`
      select a.key as account, p.amount from ledger_postings p join ledger_transactions t on t.id = p.transaction_id
      join ledger_accounts a on a.id = p.account_id where t.idempotency_key = ${key} order by p.id`;

  describe('K-47: the payer pays on the provider’s page; the webhook moves the money', () => {
    it('takes a card top-up on the hosted page, and credits it only when the signed webhook arrives', async () => {
      const user = await signUp(call, 'card_payer');
      const refused = await call('POST', '/top-ups', {
        token: user.token,
        body: { amountCents: 5_000, method: 'card', cardNumber: TEST_CARDS.success },
        headers: { 'idempotency-key': randomUUID() },
      });
      assert.equal(refused.status, 400, 'no card number goes through our API');
      assert.ok(refused.body.error.details.fields.some((f: { path: string }) => f.path === 'body.cardNumber'));

      const topUp = await startTopUp(call, user, 5_000, 'card');
      assert.ok(topUp.checkoutUrl.startsWith(`${stand.url}/card/pay/pi_`), topUp.checkoutUrl);
      assert.deepEqual([topUp.source, topUp.declineReason, topUp.decidedAt, topUp.withdrawableAt], ['card', null, null, null]);
      const intent = intentOf(topUp.checkoutUrl);
      tap.hold(intent);

      const back = returnedTo(await payByCard(topUp.checkoutUrl, TEST_CARDS.success));
      assert.equal(`${back.origin}${back.pathname}`, `${WEB}/balance/top-ups/${topUp.id}/return`);
      assert.deepEqual([back.searchParams.get('payment_intent'), back.searchParams.get('redirect_status')], [intent, 'succeeded']);
      // The redirect says "succeeded", but the redirect is no proof: the money waits for the webhook.
      const returned = await call('POST', `/top-ups/${topUp.id}/capture`, { token: user.token });
      assert.deepEqual([returned.status, returned.body.status], [200, 'pending']);
      assert.equal((await balance(user)).mainCents, 0);

      const delivered = await deliver(call, await tap.next(intent, 'payment_intent.succeeded'));
      assert.deepEqual([delivered.status, delivered.body.status, delivered.body.duplicate], [200, 'processed', false]);
      const approved = (await call('GET', `/top-ups/${topUp.id}`, { token: user.token })).body;
      assert.equal(approved.status, 'approved');
      assert.equal(approved.source, 'card •••• 4242');
      assert.equal(approved.checkoutUrl, null);
      assert.equal(approved.decidedAt, clock.now().toISOString());
      assert.equal((await balance(user)).mainCents, 5_000);
      assert.deepEqual((await ledgerRows(`topup:${topUp.id}`)).map((r) => [r.account, Number(r.amount)]), [
        ['platform:gateway', -5_000],
        [`user:${user.id}:main`, 5_000],
      ]);
      const { items } = (await call('GET', '/top-ups', { token: user.token })).body;
      assert.deepEqual(items.map((t: { id: number; status: string }) => [t.id, t.status]), [[topUp.id, 'approved']]);
      await assertLedgerConsistent(database.db);
    });

    it('takes a PayPal top-up: approved on PayPal’s page, captured when the payer comes back, credited by the capture’s webhook', async () => {
      const user = await signUp(call, 'paypal_payer');
      const topUp = await startTopUp(call, user, 2_500, 'paypal');
      assert.ok(topUp.checkoutUrl.startsWith(`${stand.url}/paypal/checkoutnow?token=`), topUp.checkoutUrl);
      const back = returnedTo(await approveOnPaypal(topUp.checkoutUrl, 'payer@paypal.example'));
      assert.equal(`${back.origin}${back.pathname}`, `${WEB}/balance/top-ups/${topUp.id}/return`);
      assert.equal(back.searchParams.get('token'), orderOf(topUp.checkoutUrl));
      assert.ok(back.searchParams.get('PayerID'));
      const captured = await call('POST', `/top-ups/${topUp.id}/capture`, { token: user.token });
      assert.equal(captured.status, 200, JSON.stringify(captured.body));
      const approved = await topUpWhen(call, user, topUp.id, 'approved');
      assert.equal(approved.source, 'PayPal payer@paypal.example');
      assert.equal(approved.withdrawableAt, null, 'PayPal money is not locked (K-48 is about cards)');
      const b = await balance(user);
      assert.deepEqual([b.mainCents, b.withdrawableCents], [2_500, 2_500]);
      // The approval’s and the capture’s webhooks both arrive: credited once.
      const order = orderOf(topUp.checkoutUrl);
      const processed = await pollUntil(async () => {
        const { items } = (await call('GET', '/staff/provider-events', { token: await staffToken() })).body;
        const types = items.filter((e: { subjectRef: string; status: string }) => e.subjectRef === order && e.status === 'processed').map((e: { type: string }) => e.type).sort();
        return types.length === 2 ? types : undefined;
      }, { what: 'both PayPal webhooks of the top-up' });
      assert.deepEqual(processed, ['CHECKOUT.ORDER.APPROVED', 'PAYMENT.CAPTURE.COMPLETED']);
      assert.equal((await ledgerRows(`topup:${topUp.id}`)).length, 2);
    });

    it('credits a PayPal top-up whose payer never came back: the approval’s webhook captures it', async () => {
      const user = await signUp(call, 'paypal_gone');
      const topUp = await startTopUp(call, user, 1_200, 'paypal');
      returnedTo(await approveOnPaypal(topUp.checkoutUrl, 'wanderer@paypal.example'));
      await topUpWhen(call, user, topUp.id, 'approved');
      assert.equal((await balance(user)).mainCents, 1_200);
    });

    it('ends a PayPal top-up the payer cancelled once the user cancels it (PayPal asked first), and declines one whose capture PayPal denies', async () => {
      const user = await signUp(call, 'paypal_no');
      const cancelled = await startTopUp(call, user, 1_000, 'paypal');
      const back = returnedTo(await approveOnPaypal(cancelled.checkoutUrl, 'x@paypal.example', 'cancel'));
      assert.equal(back.searchParams.get('cancelled'), '1');
      const returned = await call('POST', `/top-ups/${cancelled.id}/capture`, { token: user.token });
      assert.deepEqual([returned.status, returned.body.status], [200, 'pending']);
      const ended = await call('POST', `/top-ups/${cancelled.id}/cancel`, { token: user.token });
      assert.equal(ended.status, 200, JSON.stringify(ended.body));
      assert.deepEqual([ended.body.status, ended.body.declineReason, ended.body.checkoutUrl, ended.body.decidedAt], ['cancelled', 'cancelled_by_user', null, clock.now().toISOString()]);
      // A second cancel answers the same; another user's is 404.
      assert.deepEqual([(await call('POST', `/top-ups/${cancelled.id}/cancel`, { token: user.token })).body.status], ['cancelled']);
      const stranger = await signUp(call, 'paypal_stranger');
      assert.equal((await call('POST', `/top-ups/${cancelled.id}/cancel`, { token: stranger.token })).status, 404);

      const denied = await startTopUp(call, user, 1_000, 'paypal');
      returnedTo(await approveOnPaypal(denied.checkoutUrl, 'decline.me@paypal.example'));
      await call('POST', `/top-ups/${denied.id}/capture`, { token: user.token });
      const declined = await topUpWhen(call, user, denied.id, 'declined');
      assert.equal(declined.declineReason, 'declined');
      assert.equal((await balance(user)).mainCents, 0);
      assert.equal((await ledgerRows(`topup:${denied.id}`)).length, 0);
    });

    it('refuses to cancel a top-up the provider took or is taking (409): an approved PayPal order is captured and credited, a paid card stays approved', async () => {
      const user = await signUp(call, 'no_take_back');
      const topUp = await startTopUp(call, user, 1_500, 'paypal');
      const order = orderOf(topUp.checkoutUrl);
      // The approval's webhook is held: the order stays APPROVED, not yet captured.
      tap.hold(order);
      returnedTo(await approveOnPaypal(topUp.checkoutUrl, 'keeper@paypal.example'));
      const refused = await call('POST', `/top-ups/${topUp.id}/cancel`, { token: user.token });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.match(refused.body.error.message, /taken or is taking this payment/);
      assert.equal((await call('GET', `/top-ups/${topUp.id}`, { token: user.token })).body.status, 'pending');
      await call('POST', `/top-ups/${topUp.id}/capture`, { token: user.token });
      await deliver(call, await tap.next(order, 'PAYMENT.CAPTURE.COMPLETED'));
      await topUpWhen(call, user, topUp.id, 'approved');
      assert.equal((await balance(user)).mainCents, 1_500);

      const { topUp: paid } = await topUpByCard(call, user, 2_000);
      const late = await call('POST', `/top-ups/${paid.id}/cancel`, { token: user.token });
      assert.deepEqual([late.status, late.body.error?.details?.status], [409, 'approved']);
      assert.equal((await balance(user)).mainCents, 3_500);
    });

    it('declines a top-up whose card is declined, with the reason, moving nothing; the payer retries on the same page and it is approved', async () => {
      const user = await signUp(call, 'declined');
      const topUp = await startTopUp(call, user, 3_000, 'card');
      const failed = returnedTo(await payByCard(topUp.checkoutUrl, TEST_CARDS.decline));
      assert.equal(failed.searchParams.get('redirect_status'), 'failed');
      const declined = await topUpWhen(call, user, topUp.id, 'declined');
      assert.equal(declined.declineReason, 'card_declined');
      assert.equal(declined.checkoutUrl, topUp.checkoutUrl, 'the page stays open for another card');
      assert.equal((await balance(user)).mainCents, 0);
      assert.equal((await ledgerRows(`topup:${topUp.id}`)).length, 0);

      const again = returnedTo(await payByCard(declined.checkoutUrl, TEST_CARDS.success));
      assert.equal(again.searchParams.get('redirect_status'), 'succeeded');
      const approved = await topUpWhen(call, user, topUp.id, 'approved');
      assert.equal(approved.declineReason, null);
      assert.equal((await balance(user)).mainCents, 3_000);
      assert.equal((await ledgerRows(`topup:${topUp.id}`)).length, 2, 'credited once');
    });

    it('takes the 3-D Secure challenge card: “Fail” declines it as not authenticated, “Complete” on the next try approves it', async () => {
      const user = await signUp(call, 'challenged');
      const topUp = await startTopUp(call, user, 4_000, 'card');
      const challenge = await payByCard(topUp.checkoutUrl, TEST_CARDS.challenge);
      assert.equal(challenge.status, 303);
      assert.match(challenge.location!, /\/3ds\?/);
      assert.equal(returnedTo(await answerChallenge(challenge.location!, 'fail')).searchParams.get('redirect_status'), 'failed');
      assert.equal((await topUpWhen(call, user, topUp.id, 'declined')).declineReason, 'authentication_required');

      const retry = await payByCard(topUp.checkoutUrl, TEST_CARDS.challenge);
      assert.equal(returnedTo(await answerChallenge(retry.location!, 'complete')).searchParams.get('redirect_status'), 'succeeded');
      await topUpWhen(call, user, topUp.id, 'approved');
      assert.equal((await balance(user)).mainCents, 4_000);
    });

    it('answers another user’s top-up with 404, as an unknown one', async () => {
      const owner = await signUp(call, 'owner');
      const stranger = await signUp(call, 'stranger');
      const topUp = await startTopUp(call, owner, 1_000, 'card');
      const theirs = await call('GET', `/top-ups/${topUp.id}`, { token: stranger.token });
      const unknown = await call('GET', '/top-ups/99999999', { token: stranger.token });
      assert.equal(theirs.status, 404);
      assert.deepEqual(theirs.body, unknown.body);
      assert.equal((await call('POST', `/top-ups/${topUp.id}/capture`, { token: stranger.token })).status, 404);
    });
  });

  describe('K-48, D-09: card money is withdrawable one calendar month after the webhook posted it', () => {
    it('locks a card top-up from the webhook’s time, not the payment’s, until exactly a month later', async () => {
      at('2026-11-12T13:00:00Z');
      let user = await signUp(call, 'lot');
      const topUp = await startTopUp(call, user, 6_000, 'card');
      const intent = intentOf(topUp.checkoutUrl);
      tap.hold(intent);
      at('2026-11-12T13:30:00Z');
      returnedTo(await payByCard(topUp.checkoutUrl, TEST_CARDS.success));
      const kept = await tap.next(intent, 'payment_intent.succeeded');
      // The provider's webhook arrives at 14:03 (a retry, signed afresh at the time it is sent).
      at('2026-11-12T14:03:00Z');
      const delivered = await deliver(call, signedCardDelivery(kept.body, Math.floor(clock.now().getTime() / 1000)));
      assert.equal(delivered.status, 200, JSON.stringify(delivered.body));

      const approved = (await call('GET', `/top-ups/${topUp.id}`, { token: user.token })).body;
      assert.equal(approved.decidedAt, '2026-11-12T14:03:00.000Z');
      assert.equal(approved.withdrawableAt, '2026-12-12T14:03:00.000Z');
      const locked = await withdrawable(user);
      assert.equal(locked.withdrawableCents, 0);
      assert.equal(locked.mainCents, 6_000);
      assert.deepEqual(locked.notWithdrawable, [
        { amountCents: 6_000, reason: 'card_top_up', releasesAt: '2026-12-12T14:03:00.000Z', detail: `card top-up #${topUp.id} of 2026-11-12`, topUpId: topUp.id, withdrawalId: null, cause: null },
      ]);
      assert.deepEqual((await balance(user)).locked, [{ amountCents: 6_000, until: '2026-12-12T14:03:00.000Z', reason: 'card_top_up_hold' }]);

      at('2026-12-12T14:02:00Z');
      user = await signIn(call, user);
      const before = await withdrawable(user);
      assert.deepEqual([before.withdrawableCents, before.notWithdrawable.map((p: { reason: string }) => p.reason)], [0, ['card_top_up']], 'one minute before');
      at('2026-12-12T14:04:00Z');
      const afterMonth = await withdrawable(user);
      assert.deepEqual([afterMonth.withdrawableCents, afterMonth.notWithdrawable], [6_000, []], 'one minute after');
      assert.equal((await balance(user)).withdrawableCents, 6_000);
    });

    it('counts a month as the calendar does: a top-up posted on 31 January is withdrawable at the end of February', async () => {
      at('2027-01-31T09:00:00Z');
      const user = await signUp(call, 'month_end');
      const { topUp } = await topUpByCard(call, user, 1_000);
      assert.equal(topUp.decidedAt, '2027-01-31T09:00:00.000Z');
      assert.equal(topUp.withdrawableAt, '2027-02-28T09:00:00.000Z');
    });
  });

  describe('D-10 and K-49: what is not withdrawable, and until when', () => {
    it('pauses withdrawals for 7 days from setting payout details, to the minute; bonus money is never withdrawable', async () => {
      at('2027-03-01T10:00:00Z');
      let user = await signUp(call, 'paused');
      await topUpByPaypal(call, user, 4_000);
      assert.equal((await withdrawable(user)).withdrawableCents, 4_000);
      const admin = await signUp(call, 'promo_admin');
      await createAccounts({ db: database.db, clock }).grantRole(admin.id, 'admin');
      const promo = await call('POST', '/admin/promo-codes', {
        token: admin.token,
        body: { code: `BONUS${process.pid}`, amountCents: 700, expiresAt: '2027-12-31T00:00:00Z', maxRedemptions: 5 },
      });
      assert.equal(promo.status, 201, JSON.stringify(promo.body));
      assert.equal((await call('POST', '/me/promo-redemptions', { token: user.token, body: { code: promo.body.code } })).status, 201);

      at('2027-03-01T12:00:00Z');
      const set = await call('PUT', '/me/payout-details', { token: user.token, body: { method: 'paypal', account: 'me@paypal.example' } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const paused = await withdrawable(user);
      assert.equal(paused.withdrawableCents, 0);
      assert.deepEqual(paused.notWithdrawable, [
        { amountCents: 4_000, reason: 'withdrawals_paused', releasesAt: '2027-03-08T12:00:00.000Z', detail: 'payout details added or changed: withdrawals paused for 7 days', topUpId: null, withdrawalId: null, cause: 'payout_details_change' },
        { amountCents: 700, reason: 'bonus', releasesAt: null, detail: 'bonus balance: spend it on orders (K-49)', topUpId: null, withdrawalId: null, cause: null },
      ]);
      assert.deepEqual((await balance(user)).locked, [{ amountCents: 4_000, until: '2027-03-08T12:00:00.000Z', reason: 'payout_details_change' }]);

      clock.advance(7 * DAY - MINUTE);
      user = await signIn(call, user);
      assert.deepEqual((await withdrawable(user)).notWithdrawable.map((p: { reason: string }) => p.reason), ['withdrawals_paused', 'bonus'], 'one minute before');
      clock.advance(2 * MINUTE);
      const free = await withdrawable(user);
      assert.equal(free.withdrawableCents, 4_000, 'one minute after');
      assert.deepEqual(free.notWithdrawable.map((p: { reason: string }) => p.reason), ['bonus']);
    });
  });

  describe('K-48: staff refund a card top-up to the card that paid it', () => {
    it('takes the amount out of main, refunds it through the provider once, and answers a second request with the same refund', async () => {
      const user = await signUp(call, 'refunded');
      await topUpByPaypal(call, user, 2_000);
      const { topUp, intent } = await topUpByCard(call, user, 5_000);
      assert.equal((await balance(user)).mainCents, 7_000);

      assert.equal((await call('POST', `/staff/top-ups/${topUp.id}/refund`, { token: user.token })).status, 403);
      const own = await topUpByCard(call, await signIn(call, staff), 1_000);
      const ownRefund = await call('POST', `/staff/top-ups/${own.topUp.id}/refund`, { token: await staffToken() });
      assert.equal(ownRefund.status, 403, 'staff do not refund their own top-up');
      assert.match(ownRefund.body.error.message, /another staff member/);
      const refunded = await call('POST', `/staff/top-ups/${topUp.id}/refund`, { token: await staffToken() });
      assert.equal(refunded.status, 200, JSON.stringify(refunded.body));
      assert.equal(refunded.body.topUpId, topUp.id);
      assert.equal(refunded.body.amountCents, 5_000);
      assert.match(refunded.body.refundRef, /^re_/);
      const b = await balance(user);
      assert.deepEqual([b.mainCents, b.locked], [2_000, []]);
      assert.deepEqual((await ledgerRows(`topup:${topUp.id}:refund`)).map((r) => [r.account, Number(r.amount)]), [
        [`user:${user.id}:main`, -5_000],
        ['platform:gateway', 5_000],
      ]);
      const after = (await call('GET', `/top-ups/${topUp.id}`, { token: user.token })).body;
      assert.equal(after.refundedAt, clock.now().toISOString());
      assert.deepEqual((await withdrawable(user)).notWithdrawable, [], 'the refunded lot no longer holds anything');
      const refundsOf = async () => (await cardApi(stand, '/v1/refunds?limit=100')).data.filter((r: { payment_intent: string }) => r.payment_intent === intent);
      assert.deepEqual((await refundsOf()).map((r: { id: string; amount: number; status: string }) => [r.id, r.amount, r.status]), [[refunded.body.refundRef, 5_000, 'succeeded']]);

      // Sent again (staff did not see the answer): the same refund, nothing moves twice.
      const again = await call('POST', `/staff/top-ups/${topUp.id}/refund`, { token: await staffToken() });
      assert.deepEqual([again.status, again.body], [200, refunded.body]);
      assert.equal((await balance(user)).mainCents, 2_000);
      assert.equal((await refundsOf()).length, 1);
      assert.equal((await ledgerRows(`topup:${topUp.id}:refund`)).length, 2);
      await assertLedgerConsistent(database.db);
    });

    it('refuses to refund a top-up whose money was spent (422 insufficient_funds), or one paid by PayPal (409), moving nothing', async () => {
      const user = await signUp(call, 'spender');
      const seller = await signUp(call, 'seller');
      const { topUp, intent } = await topUpByCard(call, user, 1_000);
      const offerId = await insertOffer(database.db, seller.id, { priceCents: 1_000 });
      const order = await call('POST', '/orders', { token: user.token, body: { offerId }, headers: { 'idempotency-key': randomUUID() } });
      assert.equal(order.status, 201, JSON.stringify(order.body));
      assert.equal((await balance(user)).mainCents, 0);

      const spent = await call('POST', `/staff/top-ups/${topUp.id}/refund`, { token: await staffToken() });
      assert.equal(spent.status, 422, JSON.stringify(spent.body));
      assert.equal(spent.body.error.code, 'insufficient_funds');
      assert.equal((await ledgerRows(`topup:${topUp.id}:refund`)).length, 0);
      assert.equal((await call('GET', `/top-ups/${topUp.id}`, { token: user.token })).body.refundedAt, null);
      assert.equal((await cardApi(stand, '/v1/refunds?limit=100')).data.filter((r: { payment_intent: string }) => r.payment_intent === intent).length, 0);

      const paypal = await topUpByPaypal(call, user, 1_000);
      const notCard = await call('POST', `/staff/top-ups/${paypal.id}/refund`, { token: await staffToken() });
      assert.deepEqual([notCard.status, notCard.body.error.code], [409, 'conflict']);
      assert.equal((await balance(user)).mainCents, 1_000);
      assert.equal((await call('POST', '/staff/top-ups/99999999/refund', { token: await staffToken() })).status, 404);
      await assertLedgerConsistent(database.db);
    });
  });

  // Last in the file: it moves the clock a day on.
  describe('a top-up left unpaid ends', () => {
    it('expires a top-up left unpaid: PayPal after 3 hours, a card after 24, each checked with the provider; an expired one no longer blocks closing the account', async () => {
      const user = await signUp(call, 'abandoner');
      const paypal = await startTopUp(call, user, 2_500, 'paypal');
      const card = await startTopUp(call, user, 2_500, 'card');
      const closure = await call('POST', '/me/closure', { token: user.token, body: { reason: 'Trying it out only.' } });
      assert.equal(closure.status, 201, JSON.stringify(closure.body));
      const blockers = async () => {
        const { items } = (await call('GET', '/staff/closures', { token: await staffToken() })).body;
        return items.find((i: { id: number }) => i.id === closure.body.id).blockers.map((b: { kind: string; count: number }) => [b.kind, b.count]);
      };
      assert.deepEqual(await blockers(), [['pending_top_ups', 2]]);
      clock.advance(3 * 60 * MINUTE - 1);
      assert.equal((await call('GET', `/top-ups/${paypal.id}`, { token: user.token })).body.status, 'pending');
      clock.advance(1);
      const expired = (await call('GET', `/top-ups/${paypal.id}`, { token: user.token })).body;
      assert.deepEqual([expired.status, expired.declineReason, expired.checkoutUrl], ['cancelled', 'expired', null]);
      assert.deepEqual(await blockers(), [['pending_top_ups', 1]]);
      clock.advance(21 * 60 * MINUTE);
      assert.deepEqual(await blockers(), []);
      const { items } = (await call('GET', '/top-ups', { token: user.token })).body;
      assert.deepEqual(items.map((t: { id: number; status: string; declineReason: string }) => [t.id, t.status, t.declineReason]), [
        [card.id, 'cancelled', 'expired'],
        [paypal.id, 'cancelled', 'expired'],
      ]);
      const completed = await call('POST', `/staff/closures/${closure.body.id}/complete`, { token: await staffToken() });
      assert.equal(completed.status, 200, JSON.stringify(completed.body));
    });
  });
});
