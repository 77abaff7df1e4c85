/**
 * The providers' webhooks (issue 15): verified before anything happens (a bad signature or a
 * stale timestamp answers 400 and records nothing), each event applied exactly once however
 * often, in whatever order and however concurrently it arrives, and an event about a payment we
 * do not know recorded for staff rather than dropped. Deliveries are the stand-in's own, kept
 * away from the app by the tap (`test/support/pay.ts`) and delivered by the test, or events the
 * test signs itself with the card processor's webhook secret.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLedger } from '../../db/ledger.js';
import { createAccounts } from '../../services/accounts.js';
import { walletRules } from '../../services/policy.js';
import { reconcilePendingTopUps, runTopUpReconciler } from '../../services/wallet.js';
import { pollUntil } from '../../scripts/poll.js';
import { manualClock, signUp, type Caller, type TestUser } from '../support/api.js';
import { startPayingApi, type PayingApi, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { TEST_CARDS, type PaymentStandIns } from '../support/payments.js';
import {
  approveOnPaypal, cardApi, cardEvent, cardSignature, deliver, intentOf, orderOf, payByCard, returnedTo, signedCardDelivery, startTopUp, tapWebhooks,
  topUpWhen, type Delivery,
} from '../support/pay.js';

/** The webhook delay of the "delayed webhook" test card in this file: long enough to see the top-up pending. */
const DELAYED_WEBHOOK_MS = 1_500;

describe('payment provider webhooks', () => {
  let api: PayingApi;
  let database: TestDatabase;
  let stand: PaymentStandIns;
  let call: Caller;
  let tap: ReturnType<typeof tapWebhooks>;
  let staff: TestUser;
  const clock = manualClock(new Date('2026-11-16T09:00:00Z'));
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

  before(async () => {
    api = await startPayingApi(import.meta.filename, { clock, delays: { webhookMs: DELAYED_WEBHOOK_MS } });
    ({ database, stand, call } = api);
    tap = tapWebhooks(stand, (req) => api.app.request(req));
    staff = await signUp(call, 'support');
    await createAccounts({ db: database.db, clock }).grantRole(staff.id, 'support');
  });
  after(() => api?.stop());

  const mainOf = async (user: TestUser) => (await call('GET', '/me/balance', { token: user.token })).body.mainCents;
  const topUpOf = async (user: TestUser, id: number) => (await call('GET', `/top-ups/${id}`, { token: user.token })).body;
  const eventCount = async () => Number((await database.db.sql`select count(*) as n from provider_events`)[0]!.n);
  /** The ledger transactions that credited a top-up (key `topup:<id>`). */
  const credits = async (topUpId: number) =>
    Number((await database.db.sql`select count(*) as n from ledger_transactions where idempotency_key = ${`topup:${topUpId}`}`)[0]!.n);
  const staffEvents = async (query = '') => {
    const res = await call('GET', `/staff/provider-events${query}`, { token: staff.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items as { eventId: string; type: string; subjectRef: string | null; status: string; note: string | null; deliveries: number }[];
  };
  const eventIdOf = (delivery: Delivery) => (JSON.parse(delivery.body) as { id: string }).id;

  /** A card top-up the payer paid on the page, whose webhooks the tap keeps: the test delivers them. */
  async function paidWithWebhookKept(user: TestUser, amountCents: number) {
    const topUp = await startTopUp(call, user, amountCents, 'card');
    const intent = intentOf(topUp.checkoutUrl);
    tap.hold(intent);
    assert.equal(returnedTo(await payByCard(topUp.checkoutUrl, TEST_CARDS.success)).searchParams.get('redirect_status'), 'succeeded');
    return { topUp, intent, delivery: await tap.next(intent, 'payment_intent.succeeded') };
  }

  function assertRefused(res: { status: number; body: { error: { code: string; details: { reason: string } } } }, reason: string) {
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'invalid_webhook');
    assert.equal(res.body.error.details.reason, reason);
  }

  describe('verified before anything happens', () => {
    it('refuses a card delivery with a bad signature with 400, recording nothing and crediting nothing', async () => {
      const user = await signUp(call, 'forged');
      const { topUp, delivery } = await paidWithWebhookKept(user, 5_000);
      const before = await eventCount();
      const t = nowSeconds();

      assertRefused(await deliver(call, { ...delivery, headers: { 'stripe-signature': cardSignature(delivery.body, t, 'whsec_not_ours') } }), 'bad_signature');
      const inflated = delivery.body.replace('"amount":5000', '"amount":500000');
      assert.notEqual(inflated, delivery.body);
      assertRefused(await deliver(call, { ...delivery, body: inflated }), 'bad_signature');
      assertRefused(await deliver(call, { ...delivery, headers: { 'stripe-signature': `t=${t},v1=${'0'.repeat(64)}` } }), 'bad_signature');
      assertRefused(await deliver(call, { ...delivery, headers: {} }), 'missing_signature');

      assert.equal(await eventCount(), before, 'no provider_events row');
      assert.equal(await mainOf(user), 0);
      assert.equal((await topUpOf(user, topUp.id)).status, 'pending');
      assert.equal(await credits(topUp.id), 0);

      // The genuine delivery is then taken as the first: none of the forged ones counted.
      const genuine = await deliver(call, delivery);
      assert.deepEqual([genuine.status, genuine.body.status, genuine.body.duplicate], [200, 'processed', false]);
      assert.equal(await mainOf(user), 5_000);
    });

    it('refuses a card delivery signed 301 s before our clock (or after it), and takes one signed 299 s before', async () => {
      const user = await signUp(call, 'stale');
      const { topUp, delivery } = await paidWithWebhookKept(user, 2_000);
      const before = await eventCount();
      const t = nowSeconds();
      assertRefused(await deliver(call, signedCardDelivery(delivery.body, t - 301)), 'stale_timestamp');
      assertRefused(await deliver(call, signedCardDelivery(delivery.body, t + 301)), 'stale_timestamp');
      assert.equal(await eventCount(), before);
      assert.equal(await mainOf(user), 0);

      const fresh = await deliver(call, signedCardDelivery(delivery.body, t - 299));
      assert.deepEqual([fresh.status, fresh.body.status], [200, 'processed']);
      assert.equal((await topUpOf(user, topUp.id)).status, 'approved');
      assert.equal(await mainOf(user), 2_000);
    });

    it('refuses a PayPal delivery with a forged signature, a tampered body or a stale transmission time, recording nothing', async () => {
      const user = await signUp(call, 'paypal_forged');
      const topUp = await startTopUp(call, user, 3_000, 'paypal');
      const order = orderOf(topUp.checkoutUrl);
      tap.hold(order);
      returnedTo(await approveOnPaypal(topUp.checkoutUrl, 'payer@paypal.example'));
      const delivery = await tap.next(order, 'CHECKOUT.ORDER.APPROVED');
      const before = await eventCount();
      const forgedSig = randomBytes(256).toString('base64');
      assertRefused(await deliver(call, { ...delivery, headers: { ...delivery.headers, 'paypal-transmission-sig': forgedSig } }), 'bad_signature');
      const inflated = delivery.body.replace('"value":"30.00"', '"value":"3000.00"');
      assert.notEqual(inflated, delivery.body);
      assertRefused(await deliver(call, { ...delivery, body: inflated }), 'bad_signature');
      const stale = new Date(clock.now().getTime() - 301_000).toISOString();
      assertRefused(await deliver(call, { ...delivery, headers: { ...delivery.headers, 'paypal-transmission-time': stale } }), 'stale_timestamp');
      const { 'paypal-transmission-sig': _sig, ...unsigned } = delivery.headers;
      assertRefused(await deliver(call, { ...delivery, headers: unsigned }), 'missing_signature');
      assert.equal(await eventCount(), before);
      assert.equal(await mainOf(user), 0);

      // The genuine approval captures the order and credits it.
      const genuine = await deliver(call, delivery);
      assert.deepEqual([genuine.status, genuine.body.status], [200, 'processed'], JSON.stringify(genuine.body));
      assert.equal((await topUpOf(user, topUp.id)).status, 'approved');
      assert.equal(await mainOf(user), 3_000);
    });
  });

  describe('each event applied exactly once', () => {
    it('credits an event delivered twice once: the second answers duplicate, and the deliveries are counted', async () => {
      const user = await signUp(call, 'twice');
      const { topUp, delivery } = await paidWithWebhookKept(user, 1_500);
      const first = await deliver(call, delivery);
      const second = await deliver(call, delivery);
      assert.deepEqual(first.body, { eventId: eventIdOf(delivery), status: 'processed', duplicate: false });
      assert.deepEqual(second.body, { eventId: eventIdOf(delivery), status: 'processed', duplicate: true });
      assert.equal(await mainOf(user), 1_500);
      assert.equal(await credits(topUp.id), 1);
      const [event] = (await staffEvents()).filter((e) => e.eventId === eventIdOf(delivery));
      assert.deepEqual([event!.status, event!.deliveries, event!.type], ['processed', 2, 'payment_intent.succeeded']);
    });

    it('credits an event delivered 5 times at once once, and counts every delivery', async () => {
      const user = await signUp(call, 'at_once');
      const { topUp, delivery } = await paidWithWebhookKept(user, 2_200);
      const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(call, delivery)));
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200], JSON.stringify(answers.map((a) => a.body)));
      assert.ok(answers.some((a) => !a.body.duplicate), 'one of them applied it');
      assert.equal(await mainOf(user), 2_200);
      assert.equal(await credits(topUp.id), 1);
      const later = await deliver(call, delivery);
      assert.deepEqual([later.body.status, later.body.duplicate], ['processed', true]);
      const [event] = (await staffEvents()).filter((e) => e.eventId === eventIdOf(delivery));
      assert.equal(event!.deliveries, 6);
      assert.equal(await mainOf(user), 2_200);
      await assertLedgerConsistent(database.db);
    });

    it('keeps a top-up approved when the failure of an earlier attempt arrives after the success', async () => {
      const user = await signUp(call, 'reordered');
      const topUp = await startTopUp(call, user, 4_000, 'card');
      const intent = intentOf(topUp.checkoutUrl);
      tap.hold(intent);
      // The payer's first card is declined, the second succeeds; the provider's two events reach us in the other order.
      assert.equal(returnedTo(await payByCard(topUp.checkoutUrl, TEST_CARDS.decline)).searchParams.get('redirect_status'), 'failed');
      assert.equal(returnedTo(await payByCard(topUp.checkoutUrl, TEST_CARDS.success)).searchParams.get('redirect_status'), 'succeeded');
      const failed = await tap.next(intent, 'payment_intent.payment_failed');
      const succeeded = await tap.next(intent, 'payment_intent.succeeded');

      assert.equal((await deliver(call, succeeded)).body.status, 'processed');
      const late = await deliver(call, failed);
      assert.deepEqual([late.status, late.body.status, late.body.duplicate], [200, 'processed', false]);
      // And a failure event the test signs now, about the same (succeeded) payment, as the provider has it.
      const current = await cardApi(stand, `/v1/payment_intents/${intent}`);
      const crafted = await deliver(call, signedCardDelivery(cardEvent('payment_intent.payment_failed', current, clock.now().getTime()), nowSeconds()));
      assert.deepEqual([crafted.status, crafted.body.status], [200, 'processed']);

      const after = await topUpOf(user, topUp.id);
      assert.deepEqual([after.status, after.declineReason, after.source], ['approved', null, 'card •••• 4242']);
      assert.equal(await mainOf(user), 4_000);
      assert.equal(await credits(topUp.id), 1);
    });
  });

  describe('events we cannot match', () => {
    it('records an event about an unknown payment as unmatched for staff, answering 200 so the provider stops', async () => {
      const owner = await signUp(call, 'unmatched');
      const ours = await startTopUp(call, owner, 1_000, 'card');
      const unknown = `pi_unknown${randomBytes(8).toString('hex')}`;
      const body = cardEvent('payment_intent.succeeded', { id: unknown, object: 'payment_intent', amount: 9_000, status: 'succeeded', metadata: {} }, clock.now().getTime());
      const res = await deliver(call, signedCardDelivery(body, nowSeconds()));
      assert.deepEqual(res.body, { eventId: JSON.parse(body).id, status: 'unmatched', duplicate: false });
      // Naming our top-up's id does not make another payment ours.
      const claiming = cardEvent('payment_intent.succeeded', { id: `pi_unknown${randomBytes(8).toString('hex')}`, object: 'payment_intent', amount: 9_000, status: 'succeeded', metadata: { top_up_id: String(ours.id) } }, clock.now().getTime());
      assert.equal((await deliver(call, signedCardDelivery(claiming, nowSeconds()))).body.status, 'unmatched');
      assert.equal((await topUpOf(owner, ours.id)).status, 'pending');
      assert.equal(await mainOf(owner), 0);

      const listed = (await staffEvents('?status=unmatched')).find((e) => e.eventId === JSON.parse(body).id);
      assert.ok(listed, 'listed for staff');
      assert.deepEqual([listed.type, listed.subjectRef, listed.status, listed.deliveries], ['payment_intent.succeeded', unknown, 'unmatched', 1]);
      assert.match(listed.note ?? '', new RegExp(unknown));
      assert.ok((await staffEvents('?status=processed')).every((e) => e.status === 'processed'));
      assert.equal((await call('GET', '/staff/provider-events?status=unmatched', { token: owner.token })).status, 403);

      const again = await deliver(call, signedCardDelivery(body, nowSeconds()));
      assert.deepEqual([again.status, again.body.status, again.body.duplicate], [200, 'unmatched', true]);
      // A kind of event we do not act on is recorded too, as ignored.
      const other = cardEvent('customer.created', { id: 'cus_1', object: 'customer' }, clock.now().getTime());
      assert.equal((await deliver(call, signedCardDelivery(other, nowSeconds()))).body.status, 'ignored');
    });
  });

  describe('the stand-in’s test cards, end to end', () => {
    it('credits once the card whose webhook the provider sends twice at the same time', async () => {
      const user = await signUp(call, 'dup_card');
      const topUp = await startTopUp(call, user, 3_300, 'card');
      const intent = intentOf(topUp.checkoutUrl);
      returnedTo(await payByCard(topUp.checkoutUrl, TEST_CARDS.duplicateWebhook));
      await topUpWhen(call, user, topUp.id, 'approved');
      const event = await pollUntil(
        async () => (await staffEvents()).find((e) => e.subjectRef === intent && e.type === 'payment_intent.succeeded' && e.deliveries === 2),
        { what: 'both deliveries of the duplicated webhook' },
      );
      assert.equal(event.status, 'processed');
      assert.equal(await mainOf(user), 3_300);
      assert.equal(await credits(topUp.id), 1);
    });

    it('keeps the delayed-webhook card’s top-up pending after the payer returns, until its webhook arrives', async () => {
      const user = await signUp(call, 'late_card');
      const topUp = await startTopUp(call, user, 2_700, 'card');
      assert.equal(returnedTo(await payByCard(topUp.checkoutUrl, TEST_CARDS.delayedWebhook)).searchParams.get('redirect_status'), 'succeeded');
      // Paid at the provider, not yet told to us: pending, nothing credited (the webhook comes DELAYED_WEBHOOK_MS later).
      assert.equal((await call('POST', `/top-ups/${topUp.id}/capture`, { token: user.token })).body.status, 'pending');
      assert.equal(await mainOf(user), 0);
      await topUpWhen(call, user, topUp.id, 'approved');
      assert.equal(await mainOf(user), 2_700);
      await assertLedgerConsistent(database.db);
    });
  });

  /**
   * Issue 19 §2: when every delivery of a payment's webhook is lost (we were down past the
   * provider's retries), the workers' reconciliation asks the provider about pending top-ups
   * and settles them as the webhook would have; abandoned checkouts expire without anyone
   * reading them. Its deliveries are held by the tap: none reaches the app unless the test
   * delivers it.
   */
  describe('settled without its webhook', () => {
    const deps = () => ({ db: database.db, ledger: createLedger(database.db), providers: stand.providers, clock });
    const createdMs = async (topUpId: number) =>
      (await database.db.sql<{ ms: number }[]>`select (extract(epoch from created_at) * 1000)::float8 as ms from top_ups where id = ${topUpId}`)[0]!.ms;

    it('credits a paid card top-up whose webhooks never came once its checkout has waited past the grace, and only then; the late webhook changes nothing', async () => {
      const user = await signUp(call, 'lost_hook');
      const { topUp, delivery } = await paidWithWebhookKept(user, 4_100);
      const opened = await createdMs(topUp.id);
      // Both sides of the grace: a checkout opened exactly at the boundary is left for its webhook.
      await reconcilePendingTopUps(deps(), new Date(opened));
      assert.equal((await topUpOf(user, topUp.id)).status, 'pending');
      assert.equal(await mainOf(user), 0);
      await reconcilePendingTopUps(deps(), new Date(opened + 1));
      assert.equal((await topUpOf(user, topUp.id)).status, 'approved');
      assert.equal(await mainOf(user), 4_100);
      assert.equal(await credits(topUp.id), 1);
      // The card's month-long withdrawal lock starts as a webhook's credit starts it (K-48, D-09).
      assert.equal((await database.db.sql`select 1 from card_lots where top_up_id = ${topUp.id}`).length, 1);
      const late = await deliver(call, delivery);
      assert.equal(late.status, 200, JSON.stringify(late.body));
      assert.equal(late.body.status, 'processed');
      assert.equal(await mainOf(user), 4_100, 'credited once');
      assert.equal(await credits(topUp.id), 1);
      await assertLedgerConsistent(database.db);
    });

    it('captures and credits a PayPal order its payer approved but never came back from, on a worker’s next round', async () => {
      const user = await signUp(call, 'paypal_lost');
      const topUp = await startTopUp(call, user, 2_200, 'paypal');
      tap.hold(orderOf(topUp.checkoutUrl));
      // Approved on PayPal; the payer closes the tab instead of following the redirect back to us.
      returnedTo(await approveOnPaypal(topUp.checkoutUrl, 'lost@paypal.example'));
      // The file's clock stands still: a millisecond on, the checkout is older than a grace of 0.
      clock.advance(1);
      const stop = new AbortController();
      const rounds = runTopUpReconciler({ deps: deps(), signal: stop.signal, intervalMs: 20, afterMs: 0 });
      try {
        await topUpWhen(call, user, topUp.id, 'approved');
      } finally {
        stop.abort();
        await rounds;
      }
      assert.equal(await mainOf(user), 2_200);
      assert.equal(await credits(topUp.id), 1);
      assert.equal((await topUpOf(user, topUp.id)).source, 'PayPal lost@paypal.example');
    });

    it('expires a checkout its payer abandoned once the provider’s window has passed, with nobody reading it, and not a minute before', async () => {
      const user = await signUp(call, 'abandoned');
      const topUp = await startTopUp(call, user, 1_000, 'card');
      const status = async () => (await database.db.sql<{ status: string; decline_reason: string | null }[]>`select status, decline_reason from top_ups where id = ${topUp.id}`)[0]!;
      const after = new Date((await createdMs(topUp.id)) + 1);
      clock.advance(walletRules.topUpExpiresAfterMs.card - 60_000);
      await reconcilePendingTopUps(deps(), after);
      assert.deepEqual(await status(), { status: 'pending', decline_reason: null }, 'a minute before the window ends: still open for the payer');
      clock.advance(60_000);
      await reconcilePendingTopUps(deps(), after);
      assert.deepEqual(await status(), { status: 'cancelled', decline_reason: 'expired' });
      assert.equal(await mainOf(user), 0);
    });
  });
});
