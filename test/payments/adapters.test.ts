/**
 * The two payment adapters against a scripted provider (test/payments/fake-provider.ts): what
 * they send (method, path, auth, encoding, idempotency headers, amounts), how they read the
 * answers into PaymentState / PayoutState, which failures are refusals and which are
 * retryable, and how they verify webhook deliveries.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createCardProcessor } from '../../payments/card-processor.js';
import { createPaypal } from '../../payments/paypal.js';
import { ProviderRefusal, WebhookVerificationError, type PaymentProvider } from '../../payments/provider.js';
import { routes, startFakeProvider, type FakeProvider, type RecordedRequest } from './fake-provider.js';

const NOW = Date.parse('2026-06-10T10:00:00Z');
const NOW_S = NOW / 1000;
const WEBHOOK_SECRET = 'whsec_test';

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider();
});
after(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

const only = (method: string, path: string): RecordedRequest => {
  const matching = fake.requests.filter((r) => r.method === method && r.path === path);
  assert.equal(matching.length, 1, `one ${method} ${path} in ${fake.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  return matching[0]!;
};

/** Refused with this code, as a ProviderRefusal (not retryable). */
const refusedWith = (provider: string, status: number, code: string) => (error: unknown) =>
  error instanceof ProviderRefusal && error.provider === provider && error.status === status && error.code === code;
/** A plain Error: the caller's retry policy applies. */
const retryable = (error: unknown) => error instanceof Error && !(error instanceof ProviderRefusal);
const refusedWebhook = (reason: WebhookVerificationError['reason']) => (error: unknown) =>
  error instanceof WebhookVerificationError && error.reason === reason;

describe('card processor: requests', () => {
  let card: PaymentProvider;
  before(() => {
    card = createCardProcessor({ baseUrl: `${fake.url}/card/`, secretKey: 'sk_test_1', webhookSecret: WEBHOOK_SECRET });
  });

  const intent = (extra: Record<string, unknown>) => ({
    id: 'pi_1',
    object: 'payment_intent',
    amount: 1234,
    currency: 'usd',
    client_secret: 'pi_1_secret_abc',
    metadata: { top_up_id: '7', user_id: '3' },
    status: 'requires_payment_method',
    last_payment_error: null,
    latest_charge: null,
    ...extra,
  });

  it('creates a checkout: form-encoded intent, Bearer key, the top-up as idempotency key, the hosted page with its secret', async () => {
    fake.answer = routes({ 'POST /card/v1/payment_intents': { body: intent({}) } });
    const checkout = await card.createCheckout({ topUpId: 7, userId: 3, amountCents: 1234, returnUrl: 'https://gigflow.test/balance?top_up=7&x=a b', cancelUrl: 'https://gigflow.test/balance' });
    const sent = only('POST', '/card/v1/payment_intents');
    assert.equal(sent.headers['authorization'], 'Bearer sk_test_1');
    assert.equal(sent.headers['idempotency-key'], 'topup-7');
    assert.equal(sent.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(sent.body, 'amount=1234&currency=usd&metadata%5Btop_up_id%5D=7&metadata%5Buser_id%5D=3');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(sent.body)), { amount: '1234', currency: 'usd', 'metadata[top_up_id]': '7', 'metadata[user_id]': '3' });
    assert.equal(checkout.providerRef, 'pi_1');
    assert.equal(checkout.checkoutUrl, `${fake.url}/card/pay/pi_1?client_secret=pi_1_secret_abc&return_url=https%3A%2F%2Fgigflow.test%2Fbalance%3Ftop_up%3D7%26x%3Da+b`);
    assert.equal(new URL(checkout.checkoutUrl).searchParams.get('return_url'), 'https://gigflow.test/balance?top_up=7&x=a b');
  });

  it('reads a succeeded payment with its card and charge, expanding latest_charge', async () => {
    const charge = { id: 'ch_1', object: 'charge', amount: 1234, payment_intent: 'pi_1', status: 'succeeded', payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242', fingerprint: 'fp_1', exp_month: 12, exp_year: 2030 } } };
    fake.answer = routes({ 'GET /card/v1/payment_intents/pi_1': { body: intent({ status: 'succeeded', latest_charge: charge }) } });
    const state = await card.payment('pi_1');
    const sent = only('GET', '/card/v1/payment_intents/pi_1');
    assert.deepEqual(sent.query.getAll('expand[]'), ['latest_charge']);
    assert.equal(sent.headers['idempotency-key'], undefined);
    assert.deepEqual(state, {
      providerRef: 'pi_1',
      topUpId: 7,
      amountCents: 1234,
      status: 'succeeded',
      awaitingPayer: false,
      failureReason: null,
      card: { brand: 'visa', last4: '4242', fingerprint: 'fp_1' },
      payerEmail: null,
      chargeRef: 'ch_1',
    });
  });

  it('reads a declined attempt as failed with the decline code, and open states as pending', async () => {
    const cases: [Record<string, unknown>, string, string | null][] = [
      [{ status: 'requires_payment_method', last_payment_error: { code: 'card_declined', message: 'Your card was declined.' } }, 'failed', 'card_declined'],
      [{ status: 'requires_payment_method', last_payment_error: { code: 'authentication_required' } }, 'failed', 'authentication_required'],
      [{ status: 'requires_payment_method' }, 'pending', null],
      [{ status: 'requires_action' }, 'pending', null],
      [{ status: 'processing' }, 'pending', null],
      [{ status: 'canceled' }, 'failed', 'canceled'],
    ];
    for (const [extra, status, reason] of cases) {
      fake.answer = routes({ 'GET /card/v1/payment_intents/pi_1': { body: intent(extra) } });
      const state = await card.payment('pi_1');
      assert.equal(state.status, status, JSON.stringify(extra));
      assert.equal(state.failureReason, reason, JSON.stringify(extra));
      assert.equal(state.card, null);
      // Still the payer's to pay (or give up): no card yet, or a challenge open; processing is not.
      assert.equal(state.awaitingPayer, status === 'pending' && extra['status'] !== 'processing', JSON.stringify(extra));
    }
  });

  it('sends a payout to a saved card under the withdrawal idempotency key', async () => {
    fake.answer = routes({ 'POST /card/v1/payouts': { body: { id: 'po_1', object: 'payout', amount: 955, currency: 'usd', status: 'pending', destination: 'pm_1', metadata: { withdrawal_id: '5' } } } });
    const state = await card.sendPayout({ withdrawalId: 5, amountCents: 955, destination: 'pm_1', idempotencyKey: 'withdrawal-5-payout' });
    const sent = only('POST', '/card/v1/payouts');
    assert.equal(sent.headers['idempotency-key'], 'withdrawal-5-payout');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(sent.body)), { amount: '955', currency: 'usd', destination: 'pm_1', 'metadata[withdrawal_id]': '5' });
    assert.deepEqual(state, { providerRef: 'po_1', withdrawalId: 5, amountCents: 955, status: 'pending', failureReason: null });
  });

  it('reads payouts as paid, failed with the failure code, or cancelled', async () => {
    const payout = (status: string, failure_code: string | null = null) => ({ body: { id: 'po_1', amount: 955, status, failure_code, metadata: { withdrawal_id: '5' } } });
    fake.answer = routes({ 'GET /card/v1/payouts/po_1': payout('paid') });
    assert.equal((await card.payout('po_1')).status, 'paid');
    fake.answer = routes({ 'GET /card/v1/payouts/po_1': payout('failed', 'could_not_process') });
    assert.deepEqual(await card.payout('po_1'), { providerRef: 'po_1', withdrawalId: 5, amountCents: 955, status: 'failed', failureReason: 'could_not_process' });
    fake.answer = routes({ 'GET /card/v1/payouts/po_1': payout('in_transit') });
    assert.equal((await card.payout('po_1')).status, 'pending');
  });

  it('cancels a pending payout, and answers the state of one that can no longer be cancelled', async () => {
    fake.answer = routes({ 'POST /card/v1/payouts/po_1/cancel': { body: { id: 'po_1', amount: 955, status: 'canceled', metadata: { withdrawal_id: '5' } } } });
    assert.equal((await card.cancelPayout('po_1')).status, 'cancelled');
    assert.equal(only('POST', '/card/v1/payouts/po_1/cancel').headers['idempotency-key'], 'cancel-po_1');
    fake.answer = routes({
      'POST /card/v1/payouts/po_1/cancel': { status: 400, body: { error: { type: 'invalid_request_error', code: 'payout_not_pending', message: 'already paid' } } },
      'GET /card/v1/payouts/po_1': { body: { id: 'po_1', amount: 955, status: 'paid', metadata: { withdrawal_id: '5' } } },
    });
    assert.equal((await card.cancelPayout('po_1')).status, 'paid');
  });

  it('refunds a top-up to its payment intent under the given key', async () => {
    fake.answer = routes({ 'POST /card/v1/refunds': { body: { id: 're_1', object: 'refund', amount: 1234, payment_intent: 'pi_1', status: 'succeeded' } } });
    const refund = await card.refund!({ topUpId: 7, providerRef: 'pi_1', amountCents: 1234, idempotencyKey: 'refund-7' });
    const sent = only('POST', '/card/v1/refunds');
    assert.equal(sent.headers['idempotency-key'], 'refund-7');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(sent.body)), { payment_intent: 'pi_1', amount: '1234', 'metadata[top_up_id]': '7' });
    assert.deepEqual(refund, { providerRef: 're_1', status: 'succeeded' });
  });

  it('starts a card setup on a hosted page and reads the saved card only once it succeeded', async () => {
    fake.answer = routes({ 'POST /card/v1/setup_intents': { body: { id: 'seti_1', object: 'setup_intent', client_secret: 'seti_1_secret_x', status: 'requires_payment_method', payment_method: null } } });
    const setup = await card.startCardSetup!({ userId: 3, returnUrl: 'https://gigflow.test/payout-card' });
    const sent = only('POST', '/card/v1/setup_intents');
    assert.match(String(sent.headers['idempotency-key']), /^setup-3-/);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(sent.body)), { usage: 'off_session', 'metadata[user_id]': '3' });
    assert.deepEqual(setup, { setupRef: 'seti_1', setupUrl: `${fake.url}/card/setup/seti_1?client_secret=seti_1_secret_x&return_url=https%3A%2F%2Fgigflow.test%2Fpayout-card` });

    fake.answer = routes({ 'GET /card/v1/setup_intents/seti_1': { body: { id: 'seti_1', status: 'requires_payment_method', payment_method: null } } });
    assert.equal(await card.savedCard!('seti_1'), null);
    fake.answer = routes({
      'GET /card/v1/setup_intents/seti_1': {
        body: { id: 'seti_1', status: 'succeeded', metadata: { user_id: '3' }, payment_method: { id: 'pm_1', card: { brand: 'mastercard', last4: '4444', fingerprint: 'fp_2', exp_month: 1, exp_year: 2031 } } },
      },
    });
    assert.deepEqual(await card.savedCard!('seti_1'), { token: 'pm_1', brand: 'mastercard', last4: '4444', fingerprint: 'fp_2', userId: 3 });
    assert.deepEqual(fake.requests.at(-1)!.query.getAll('expand[]'), ['payment_method']);
  });

  it('turns a 4xx into a ProviderRefusal (code, else type) and a 5xx, a network failure or an odd answer into a plain Error', async () => {
    fake.answer = () => ({ status: 402, body: { error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } } });
    await assert.rejects(card.payment('pi_1'), refusedWith('card', 402, 'card_declined'));
    fake.answer = () => ({ status: 401, body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } } });
    await assert.rejects(card.payment('pi_1'), refusedWith('card', 401, 'invalid_request_error'));
    fake.answer = () => ({ status: 503, body: { error: { type: 'api_error' } } });
    await assert.rejects(card.payment('pi_1'), retryable);
    fake.answer = () => ({ status: 200, body: '<html>maintenance</html>' });
    await assert.rejects(card.payment('pi_1'), retryable);
    fake.answer = () => ({ status: 200, body: { id: 'pi_1' } });
    await assert.rejects(card.payment('pi_1'), retryable);
    const unreachable = createCardProcessor({ baseUrl: 'http://127.0.0.1:1', secretKey: 'sk', webhookSecret: 'whsec' });
    await assert.rejects(unreachable.payment('pi_1'), retryable);
  });

  it('bounds every request with a timeout signal', async () => {
    const signals: (AbortSignal | null | undefined)[] = [];
    const spy: typeof fetch = async (input, init) => {
      signals.push(init?.signal);
      return fetch(input, init);
    };
    fake.answer = routes({ 'GET /card/v1/payouts/po_1': { body: { id: 'po_1', amount: 1, status: 'paid' } } });
    await createCardProcessor({ baseUrl: `${fake.url}/card`, secretKey: 'sk', webhookSecret: 'whsec', fetch: spy }).payout('po_1');
    assert.equal(signals.length, 1);
    assert.ok(signals[0] instanceof AbortSignal);
  });
});

describe('card processor: webhooks', () => {
  const card = createCardProcessor({ baseUrl: 'http://127.0.0.1:1', secretKey: 'sk', webhookSecret: WEBHOOK_SECRET });
  const sign = (body: string, t: number, secret = WEBHOOK_SECRET) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  const event = (type: string, object: Record<string, unknown>) =>
    JSON.stringify({ id: 'evt_1', object: 'event', type, created: NOW_S - 2, data: { object }, livemode: false });
  const paid = event('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent', metadata: { top_up_id: '7' } });
  const deliver = (body: string, header: string | undefined, nowMs = NOW) => card.verifyWebhook(body, { 'stripe-signature': header }, nowMs);

  it('accepts a delivery signed with the secret and files it under the payment', async () => {
    const verified = await deliver(paid, `t=${NOW_S},v1=${sign(paid, NOW_S)}`);
    assert.deepEqual(verified, {
      provider: 'card',
      eventId: 'evt_1',
      type: 'payment_intent.succeeded',
      createdAt: '2026-06-10T09:59:58.000Z',
      subject: { kind: 'payment', providerRef: 'pi_1', topUpId: 7 },
      payload: JSON.parse(paid),
    });
  });

  it('refuses a signature made with another secret, or over another body', async () => {
    await assert.rejects(deliver(paid, `t=${NOW_S},v1=${sign(paid, NOW_S, 'whsec_other')}`), refusedWebhook('bad_signature'));
    await assert.rejects(deliver(paid.replace('"7"', '"8"'), `t=${NOW_S},v1=${sign(paid, NOW_S)}`), refusedWebhook('bad_signature'));
    await assert.rejects(deliver(paid, `t=${NOW_S + 1},v1=${sign(paid, NOW_S)}`), refusedWebhook('bad_signature'));
    await assert.rejects(deliver(paid, `t=${NOW_S},v1=${sign(paid, NOW_S).slice(0, 63)}`), refusedWebhook('bad_signature'));
  });

  it('accepts a timestamp 299 s off either way and refuses one 301 s off', async () => {
    for (const skew of [299, -299, 300, -300]) {
      const t = NOW_S + skew;
      assert.equal((await deliver(paid, `t=${t},v1=${sign(paid, t)}`)).eventId, 'evt_1', `skew ${skew}`);
    }
    for (const skew of [301, -301]) {
      const t = NOW_S + skew;
      await assert.rejects(deliver(paid, `t=${t},v1=${sign(paid, t)}`), refusedWebhook('stale_timestamp'), `skew ${skew}`);
    }
  });

  it('honours the configured tolerance', async () => {
    const strict = createCardProcessor({ baseUrl: 'http://127.0.0.1:1', secretKey: 'sk', webhookSecret: WEBHOOK_SECRET, toleranceSeconds: 10 });
    const t = NOW_S - 11;
    await assert.rejects(strict.verifyWebhook(paid, { 'stripe-signature': `t=${t},v1=${sign(paid, t)}` }, NOW), refusedWebhook('stale_timestamp'));
  });

  it('accepts when any of several v1 signatures matches (a secret being rolled), ignoring v0', async () => {
    const good = sign(paid, NOW_S);
    const other = sign(paid, NOW_S, 'whsec_old');
    assert.equal((await deliver(paid, `t=${NOW_S},v1=${other},v1=${good}`)).eventId, 'evt_1');
    assert.equal((await deliver(paid, `t=${NOW_S}, v1=${good}, v1=${good}, v0=${other}`)).eventId, 'evt_1');
    await assert.rejects(deliver(paid, `t=${NOW_S},v1=${other},v0=${good}`), refusedWebhook('bad_signature'));
  });

  it('refuses a delivery without a signature header or without a v1 entry, and one without a timestamp', async () => {
    await assert.rejects(deliver(paid, undefined), refusedWebhook('missing_signature'));
    await assert.rejects(deliver(paid, ''), refusedWebhook('missing_signature'));
    await assert.rejects(deliver(paid, `t=${NOW_S}`), refusedWebhook('missing_signature'));
    await assert.rejects(deliver(paid, `v1=${sign(paid, NOW_S)}`), refusedWebhook('bad_signature'));
    await assert.rejects(deliver(paid, `t=soon,v1=${sign(paid, NOW_S)}`), refusedWebhook('bad_signature'));
  });

  it('refuses a correctly signed body that is not JSON or not an event', async () => {
    for (const body of ['{"id":"evt_1",', '[]', JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded' })]) {
      await assert.rejects(deliver(body, `t=${NOW_S},v1=${sign(body, NOW_S)}`), refusedWebhook('malformed'), body);
    }
  });

  it('files payouts, refunds and other kinds', async () => {
    const cases: [string, Record<string, unknown>, unknown][] = [
      ['payout.paid', { id: 'po_1', object: 'payout', metadata: { withdrawal_id: '5' } }, { kind: 'payout', providerRef: 'po_1', withdrawalId: 5 }],
      ['payout.failed', { id: 'po_2', object: 'payout', metadata: {} }, { kind: 'payout', providerRef: 'po_2', withdrawalId: null }],
      ['charge.refunded', { id: 'ch_1', object: 'charge', payment_intent: 'pi_1', metadata: { top_up_id: '7' } }, { kind: 'refund', providerRef: 'pi_1', topUpId: 7 }],
      ['charge.refunded', { id: 'ch_1', object: 'charge', payment_intent: 'pi_1' }, { kind: 'refund', providerRef: 'pi_1', topUpId: null }],
      ['payment_intent.payment_failed', { id: 'pi_2', metadata: { top_up_id: '7; drop' } }, { kind: 'payment', providerRef: 'pi_2', topUpId: null }],
      ['customer.created', { id: 'cus_1' }, null],
    ];
    for (const [type, object, subject] of cases) {
      const body = event(type, object);
      assert.deepEqual((await deliver(body, `t=${NOW_S},v1=${sign(body, NOW_S)}`)).subject, subject, type);
    }
  });
});

describe('PayPal: requests', () => {
  let paypal: PaymentProvider;
  let tokens = 0;
  const token = (expiresIn = 32_400) => () => {
    tokens += 1;
    return { body: { scope: 'https://uri.paypal.com/services/payments', access_token: `A21.${tokens}`, token_type: 'Bearer', app_id: 'APP-1', expires_in: expiresIn, nonce: 'n' } };
  };
  before(() => {
    paypal = createPaypal({ baseUrl: `${fake.url}/paypal`, clientId: 'client-1', clientSecret: 'secret-1', webhookId: 'WH-ID-1' });
  });

  const order = (status: string, extra: Record<string, unknown> = {}, unit: Record<string, unknown> = {}) => ({
    body: {
      id: 'ORDER-1',
      intent: 'CAPTURE',
      status,
      purchase_units: [{ reference_id: '7', custom_id: '7', amount: { currency_code: 'USD', value: '12.34' }, ...unit }],
      links: [{ rel: 'self', href: `${fake.url}/paypal/v2/checkout/orders/ORDER-1`, method: 'GET' }],
      ...extra,
    },
  });
  const captured = (captureStatus: string) =>
    order('COMPLETED', { payer: { email_address: 'payer@example.com', payer_id: 'P1' } }, { payments: { captures: [{ id: 'CAP-1', status: captureStatus, amount: { currency_code: 'USD', value: '12.34' }, custom_id: '7' }] } });
  const item = (status: string, errors?: Record<string, unknown>) => ({
    body: {
      payout_item_id: 'ITEM-1',
      transaction_status: status,
      payout_batch_id: 'BATCH-1',
      payout_item: { recipient_type: 'EMAIL', amount: { value: '9.55', currency: 'USD' }, receiver: 'seller@example.com', sender_item_id: 'withdrawal-5' },
      ...(errors ? { errors } : {}),
    },
  });

  it('creates an order with the amount as an exact decimal string, the top-up as ids and request id, and answers the payer-action link', async () => {
    fake.answer = routes({
      'POST /paypal/v1/oauth2/token': token(),
      'POST /paypal/v2/checkout/orders': order('PAYER_ACTION_REQUIRED', { links: [{ rel: 'self', href: 'x' }, { rel: 'payer-action', href: `${fake.url}/paypal/checkoutnow?token=ORDER-1` }] }),
    });
    const checkout = await paypal.createCheckout({ topUpId: 7, userId: 3, amountCents: 1029, returnUrl: 'https://gigflow.test/return', cancelUrl: 'https://gigflow.test/cancel' });
    assert.deepEqual(checkout, { providerRef: 'ORDER-1', checkoutUrl: `${fake.url}/paypal/checkoutnow?token=ORDER-1` });
    const tokenRequest = only('POST', '/paypal/v1/oauth2/token');
    assert.equal(tokenRequest.headers['authorization'], `Basic ${Buffer.from('client-1:secret-1').toString('base64')}`);
    assert.equal(tokenRequest.body, 'grant_type=client_credentials');
    const sent = only('POST', '/paypal/v2/checkout/orders');
    assert.match(String(sent.headers['authorization']), /^Bearer A21\.\d+$/);
    assert.equal(sent.headers['paypal-request-id'], 'topup-7');
    assert.equal(sent.headers['content-type'], 'application/json');
    const body = JSON.parse(sent.body);
    assert.equal(body.intent, 'CAPTURE');
    assert.deepEqual(body.purchase_units, [{ reference_id: '7', custom_id: '7', amount: { currency_code: 'USD', value: '10.29' } }]);
    assert.equal(body.payment_source.paypal.experience_context.return_url, 'https://gigflow.test/return');
    assert.equal(body.payment_source.paypal.experience_context.cancel_url, 'https://gigflow.test/cancel');
  });

  it('reuses its token while it is valid, and fetches a new one once a 401 says it was revoked', async () => {
    let revoked: string | undefined;
    fake.answer = routes({
      'POST /paypal/v1/oauth2/token': token(),
      'GET /paypal/v2/checkout/orders/ORDER-1': (request) => (request.headers['authorization'] === revoked ? { status: 401, body: { name: 'AUTHENTICATION_FAILURE' } } : order('APPROVED')),
    });
    const fresh = createPaypal({ baseUrl: `${fake.url}/paypal`, clientId: 'client-1', clientSecret: 'secret-1', webhookId: 'WH-ID-1' });
    await Promise.all([fresh.payment('ORDER-1'), fresh.payment('ORDER-1')]);
    await fresh.payment('ORDER-1');
    assert.equal(fake.requests.filter((r) => r.path === '/paypal/v1/oauth2/token').length, 1, 'one token for three calls, two of them concurrent');
    revoked = fake.requests.at(-1)!.headers['authorization'];
    assert.equal((await fresh.payment('ORDER-1')).status, 'pending');
    assert.equal(fake.requests.filter((r) => r.path === '/paypal/v1/oauth2/token').length, 2);
    assert.notEqual(fake.requests.at(-1)!.headers['authorization'], revoked);
  });

  it('retries a 401 only once', async () => {
    fake.answer = routes({ 'POST /paypal/v1/oauth2/token': token(), 'GET /paypal/v2/checkout/orders/ORDER-1': { status: 401, body: { name: 'AUTHENTICATION_FAILURE' } } });
    const fresh = createPaypal({ baseUrl: `${fake.url}/paypal`, clientId: 'c', clientSecret: 's', webhookId: 'w' });
    await assert.rejects(fresh.payment('ORDER-1'), refusedWith('paypal', 401, 'AUTHENTICATION_FAILURE'));
    assert.equal(fake.requests.filter((r) => r.path === '/paypal/v2/checkout/orders/ORDER-1').length, 2);
  });

  it('renews a token before it expires', async () => {
    // Two seconds of life on a clock the test moves: renewed half way.
    let clock = 1_000_000;
    fake.answer = routes({ 'POST /paypal/v1/oauth2/token': token(2), 'GET /paypal/v2/checkout/orders/ORDER-1': order('APPROVED') });
    const shortLived = createPaypal({ baseUrl: `${fake.url}/paypal`, clientId: 'c', clientSecret: 's', webhookId: 'w', now: () => clock });
    const tokens = () => fake.requests.filter((r) => r.path === '/paypal/v1/oauth2/token').length;
    await shortLived.payment('ORDER-1');
    clock += 999;
    await shortLived.payment('ORDER-1');
    assert.equal(tokens(), 1, 'still fresh 999 ms later');
    clock += 1;
    await shortLived.payment('ORDER-1');
    assert.equal(tokens(), 2, 'renewed at half its life');
  });

  it('refuses with the OAuth error when the credentials are wrong', async () => {
    fake.answer = routes({ 'POST /paypal/v1/oauth2/token': { status: 401, body: { error: 'invalid_client', error_description: 'Client Authentication failed' } } });
    const wrong = createPaypal({ baseUrl: `${fake.url}/paypal`, clientId: 'x', clientSecret: 'y', webhookId: 'w' });
    await assert.rejects(wrong.payment('ORDER-1'), refusedWith('paypal', 401, 'invalid_client'));
  });

  it('reads an order: pending until captured, succeeded with the capture, failed when declined or voided', async () => {
    const cases: [ReturnType<typeof order>, string, string | null, string | null][] = [
      [order('CREATED'), 'pending', null, null],
      [order('PAYER_ACTION_REQUIRED'), 'pending', null, null],
      [order('APPROVED'), 'pending', null, null],
      [captured('COMPLETED'), 'succeeded', null, 'CAP-1'],
      [captured('DECLINED'), 'failed', 'declined', 'CAP-1'],
      [captured('PENDING'), 'pending', null, null],
      [order('VOIDED'), 'failed', 'voided', null],
    ];
    for (const [answer, status, reason, chargeRef] of cases) {
      fake.answer = routes({ 'POST /paypal/v1/oauth2/token': token(), 'GET /paypal/v2/checkout/orders/ORDER-1': answer });
      const state = await paypal.payment('ORDER-1');
      assert.deepEqual([state.status, state.failureReason, state.chargeRef], [status, reason, chargeRef], JSON.stringify(answer.body));
      // Only an order the payer has not approved may be ended on our side (a cancel, an expiry).
      const body = answer.body as { status: string; purchase_units: { payments?: unknown }[] };
      assert.equal(state.awaitingPayer, ['CREATED', 'PAYER_ACTION_REQUIRED'].includes(body.status) && !body.purchase_units[0]?.payments, JSON.stringify(answer.body));
      assert.equal(state.amountCents, 1234);
      assert.equal(state.topUpId, 7);
    }
    fake.answer = routes({ 'POST /paypal/v1/oauth2/token': token(), 'GET /paypal/v2/checkout/orders/ORDER-1': captured('COMPLETED') });
    assert.equal((await paypal.payment('ORDER-1')).payerEmail, 'payer@example.com');
  });

  it('captures under its own request id, and reads back an order captured before instead of failing', async () => {
    fake.answer = routes({
      'POST /paypal/v1/oauth2/token': token(),
      'POST /paypal/v2/checkout/orders/ORDER-1/capture': { status: 201, body: { id: 'ORDER-1', status: 'COMPLETED' } },
      'GET /paypal/v2/checkout/orders/ORDER-1': captured('COMPLETED'),
    });
    assert.equal((await paypal.capture!('ORDER-1', 7)).status, 'succeeded');
    assert.equal(only('POST', '/paypal/v2/checkout/orders/ORDER-1/capture').headers['paypal-request-id'], 'topup-7-capture');

    const unprocessable = (issue: string) => ({ status: 422, body: { name: 'UNPROCESSABLE_ENTITY', message: 'The requested action could not be performed.', details: [{ issue, description: issue }] } });
    fake.answer = routes({
      'POST /paypal/v1/oauth2/token': token(),
      'POST /paypal/v2/checkout/orders/ORDER-1/capture': unprocessable('ORDER_ALREADY_CAPTURED'),
      'GET /paypal/v2/checkout/orders/ORDER-1': captured('COMPLETED'),
    });
    assert.equal((await paypal.capture!('ORDER-1', 7)).chargeRef, 'CAP-1');
    fake.answer = routes({ 'POST /paypal/v1/oauth2/token': token(), 'POST /paypal/v2/checkout/orders/ORDER-1/capture': unprocessable('ORDER_NOT_APPROVED') });
    await assert.rejects(paypal.capture!('ORDER-1', 7), refusedWith('paypal', 422, 'ORDER_NOT_APPROVED'));
  });

  it('sends a payout batch of one EMAIL item keyed by the idempotency key, and follows its item', async () => {
    fake.answer = routes({
      'POST /paypal/v1/oauth2/token': token(),
      'POST /paypal/v1/payments/payouts': { status: 201, body: { batch_header: { payout_batch_id: 'BATCH-1', batch_status: 'PENDING', sender_batch_header: { sender_batch_id: 'withdrawal-5-payout' } } } },
      'GET /paypal/v1/payments/payouts/BATCH-1': { body: { batch_header: { payout_batch_id: 'BATCH-1', batch_status: 'PENDING' }, items: [{ payout_item_id: 'ITEM-1', transaction_status: 'PENDING', payout_item: { sender_item_id: 'withdrawal-5' } }] } },
      'GET /paypal/v1/payments/payouts-item/ITEM-1': item('PENDING'),
    });
    const state = await paypal.sendPayout({ withdrawalId: 5, amountCents: 955, destination: 'seller@example.com', idempotencyKey: 'withdrawal-5-payout' });
    assert.deepEqual(state, { providerRef: 'ITEM-1', withdrawalId: 5, amountCents: 955, status: 'pending', failureReason: null });
    const sent = only('POST', '/paypal/v1/payments/payouts');
    assert.equal(sent.headers['paypal-request-id'], 'withdrawal-5-payout');
    const body = JSON.parse(sent.body);
    assert.equal(body.sender_batch_header.sender_batch_id, 'withdrawal-5-payout');
    assert.deepEqual(body.items, [{ recipient_type: 'EMAIL', amount: { value: '9.55', currency: 'USD' }, receiver: 'seller@example.com', sender_item_id: 'withdrawal-5' }]);
  });

  it('takes the item from the create answer when it lists it', async () => {
    fake.answer = routes({
      'POST /paypal/v1/oauth2/token': token(),
      'POST /paypal/v1/payments/payouts': { status: 201, body: { batch_header: { payout_batch_id: 'BATCH-1' }, items: [{ payout_item_id: 'ITEM-1', payout_item: { sender_item_id: 'withdrawal-5' } }] } },
      'GET /paypal/v1/payments/payouts-item/ITEM-1': item('SUCCESS'),
    });
    assert.equal((await paypal.sendPayout({ withdrawalId: 5, amountCents: 955, destination: 'seller@example.com', idempotencyKey: 'k' })).status, 'paid');
    assert.equal(fake.requests.some((r) => r.path === '/paypal/v1/payments/payouts/BATCH-1'), false);
  });

  it('recovers the existing batch from a duplicate sender_batch_id refusal that links it; refuses when it cannot', async () => {
    const duplicate = (link: boolean) => ({
      status: 400,
      body: {
        name: 'USER_BUSINESS_ERROR',
        message: 'User business error.',
        details: [{ field: 'SENDER_BATCH_ID', issue: 'Batch with given sender_batch_id already exists', ...(link ? { link: [{ href: `${fake.url}/paypal/v1/payments/payouts/BATCH-1`, rel: 'self', method: 'GET' }] } : {}) }],
      },
    });
    const batch = { body: { batch_header: { payout_batch_id: 'BATCH-1' }, items: [{ payout_item_id: 'ITEM-1', payout_item: { sender_item_id: 'withdrawal-5' } }] } };
    const request = { withdrawalId: 5, amountCents: 955, destination: 'seller@example.com', idempotencyKey: 'withdrawal-5-payout' };
    fake.answer = routes({ 'POST /paypal/v1/oauth2/token': token(), 'POST /paypal/v1/payments/payouts': duplicate(true), 'GET /paypal/v1/payments/payouts/BATCH-1': batch, 'GET /paypal/v1/payments/payouts-item/ITEM-1': item('SUCCESS') });
    assert.equal((await paypal.sendPayout(request)).providerRef, 'ITEM-1');
    fake.answer = routes({ 'POST /paypal/v1/oauth2/token': token(), 'POST /paypal/v1/payments/payouts': duplicate(false) });
    await assert.rejects(paypal.sendPayout(request), refusedWith('paypal', 400, 'USER_BUSINESS_ERROR'));
    // The linked batch is another withdrawal's: never taken for this one.
    fake.answer = routes({ 'POST /paypal/v1/oauth2/token': token(), 'POST /paypal/v1/payments/payouts': duplicate(true), 'GET /paypal/v1/payments/payouts/BATCH-1': batch });
    await assert.rejects(paypal.sendPayout({ ...request, withdrawalId: 6 }), refusedWith('paypal', 400, 'USER_BUSINESS_ERROR'));
  });

  it('is retryable while the batch does not list its item yet', async () => {
    fake.answer = routes({
      'POST /paypal/v1/oauth2/token': token(),
      'POST /paypal/v1/payments/payouts': { status: 201, body: { batch_header: { payout_batch_id: 'BATCH-1', batch_status: 'PENDING' } } },
      'GET /paypal/v1/payments/payouts/BATCH-1': { body: { batch_header: { payout_batch_id: 'BATCH-1', batch_status: 'PENDING' }, items: [] } },
    });
    await assert.rejects(paypal.sendPayout({ withdrawalId: 5, amountCents: 955, destination: 'seller@example.com', idempotencyKey: 'k' }), retryable);
  });

  it('reads payout items: paid, failed with the error name, pending while unclaimed, cancelled when returned by a cancel', async () => {
    const cases: [ReturnType<typeof item>, string, string | null][] = [
      [item('SUCCESS'), 'paid', null],
      [item('FAILED', { name: 'RECEIVER_UNREGISTERED', message: 'Receiver is unregistered' }), 'failed', 'RECEIVER_UNREGISTERED'],
      [item('BLOCKED'), 'failed', 'blocked'],
      [item('RETURNED', { name: 'RECEIVER_UNCONFIRMED' }), 'failed', 'RECEIVER_UNCONFIRMED'],
      [item('RETURNED'), 'cancelled', null],
      [item('UNCLAIMED'), 'pending', null],
      [item('ONHOLD'), 'pending', null],
      [item('PENDING'), 'pending', null],
    ];
    for (const [answer, status, reason] of cases) {
      fake.answer = routes({ 'POST /paypal/v1/oauth2/token': token(), 'GET /paypal/v1/payments/payouts-item/ITEM-1': answer });
      const state = await paypal.payout('ITEM-1');
      assert.deepEqual([state.status, state.failureReason], [status, reason], JSON.stringify(answer.body));
      assert.equal(state.withdrawalId, 5);
      assert.equal(state.amountCents, 955);
    }
  });

  it('cancels an item still pending, and answers the state of one that can no longer be cancelled', async () => {
    fake.answer = routes({
      'POST /paypal/v1/oauth2/token': token(),
      'POST /paypal/v1/payments/payouts-item/ITEM-1/cancel': item('RETURNED', { name: 'RECEIVER_UNREGISTERED' }),
      'GET /paypal/v1/payments/payouts-item/ITEM-1': item('RETURNED', { name: 'RECEIVER_UNREGISTERED' }),
    });
    assert.equal((await paypal.cancelPayout('ITEM-1')).status, 'cancelled');
    fake.answer = routes({
      'POST /paypal/v1/oauth2/token': token(),
      'POST /paypal/v1/payments/payouts-item/ITEM-1/cancel': { status: 400, body: { name: 'VALIDATION_ERROR', details: [{ issue: 'ITEM_CANCELLATION_FAILED' }] } },
      'GET /paypal/v1/payments/payouts-item/ITEM-1': item('SUCCESS'),
    });
    assert.equal((await paypal.cancelPayout('ITEM-1')).status, 'paid');
  });

  it('has no refunds or saved cards', () => {
    assert.equal(paypal.refund, undefined);
    assert.equal(paypal.startCardSetup, undefined);
    assert.equal(paypal.savedCard, undefined);
  });

  it('makes a 5xx retryable', async () => {
    fake.answer = routes({ 'POST /paypal/v1/oauth2/token': token(), 'GET /paypal/v2/checkout/orders/ORDER-1': { status: 500, body: { name: 'INTERNAL_SERVER_ERROR' } } });
    await assert.rejects(paypal.payment('ORDER-1'), retryable);
  });
});

describe('PayPal: webhooks', () => {
  let paypal: PaymentProvider;
  let verdict = 'SUCCESS';
  before(() => {
    paypal = createPaypal({ baseUrl: `${fake.url}/paypal`, clientId: 'client-1', clientSecret: 'secret-1', webhookId: 'WH-ID-1' });
  });
  beforeEach(() => {
    verdict = 'SUCCESS';
    fake.answer = routes({
      'POST /paypal/v1/oauth2/token': { body: { access_token: 'A21.hook', token_type: 'Bearer', expires_in: 32_400 } },
      'POST /paypal/v1/notifications/verify-webhook-signature': () => ({ body: { verification_status: verdict } }),
    });
  });

  const event = (event_type: string, resource: Record<string, unknown>) =>
    // Spacing and key order as PayPal might send them: the check must get these bytes.
    `{"id": "WH-1", "event_version": "1.0", "create_time": "2026-06-10T09:59:50Z", "resource_type": "x", "event_type": "${event_type}", "summary": "s", "resource": ${JSON.stringify(resource)}}`;
  const approved = event('CHECKOUT.ORDER.APPROVED', { id: 'ORDER-1', status: 'APPROVED', purchase_units: [{ reference_id: '7', custom_id: '7' }] });
  const headers = (time = new Date(NOW).toISOString()) => ({
    'paypal-transmission-id': 'tx-1',
    'paypal-transmission-time': time,
    'paypal-transmission-sig': 'c2ln',
    'paypal-cert-url': 'https://api.paypal.com/v1/notifications/certs/CERT-1',
    'paypal-auth-algo': 'SHA256withRSA',
  });

  it('asks PayPal to verify, with the headers, our webhook id and the event as it came, and files it', async () => {
    const verified = await paypal.verifyWebhook(approved, headers(), NOW);
    assert.deepEqual(verified, {
      provider: 'paypal',
      eventId: 'WH-1',
      type: 'CHECKOUT.ORDER.APPROVED',
      createdAt: '2026-06-10T09:59:50.000Z',
      subject: { kind: 'payment', providerRef: 'ORDER-1', topUpId: 7 },
      payload: JSON.parse(approved),
    });
    const sent = only('POST', '/paypal/v1/notifications/verify-webhook-signature');
    assert.equal(sent.headers['authorization'], 'Bearer A21.hook');
    assert.ok(sent.body.endsWith(`"webhook_event":${approved}}`), 'the raw event, byte for byte');
    const body = JSON.parse(sent.body);
    assert.deepEqual({ ...body, webhook_event: undefined }, {
      auth_algo: 'SHA256withRSA',
      cert_url: 'https://api.paypal.com/v1/notifications/certs/CERT-1',
      transmission_id: 'tx-1',
      transmission_sig: 'c2ln',
      transmission_time: new Date(NOW).toISOString(),
      webhook_id: 'WH-ID-1',
      webhook_event: undefined,
    });
    assert.deepEqual(body.webhook_event, JSON.parse(approved));
  });

  it('refuses what PayPal does not verify', async () => {
    verdict = 'FAILURE';
    await assert.rejects(paypal.verifyWebhook(approved, headers(), NOW), refusedWebhook('bad_signature'));
  });

  it('refuses a transmission time more than the tolerance away without asking PayPal', async () => {
    await assert.rejects(paypal.verifyWebhook(approved, headers(new Date(NOW - 301_000).toISOString()), NOW), refusedWebhook('stale_timestamp'));
    await assert.rejects(paypal.verifyWebhook(approved, headers(new Date(NOW + 301_000).toISOString()), NOW), refusedWebhook('stale_timestamp'));
    await assert.rejects(paypal.verifyWebhook(approved, headers('yesterday'), NOW), refusedWebhook('bad_signature'));
    assert.equal(fake.requests.some((r) => r.path.endsWith('verify-webhook-signature')), false);
    assert.equal((await paypal.verifyWebhook(approved, headers(new Date(NOW - 299_000).toISOString()), NOW)).eventId, 'WH-1');
  });

  it('refuses a delivery missing any signature header', async () => {
    for (const name of Object.keys(headers())) {
      await assert.rejects(paypal.verifyWebhook(approved, { ...headers(), [name]: undefined }, NOW), refusedWebhook('missing_signature'), name);
    }
  });

  it('refuses a body that is not a PayPal event', async () => {
    await assert.rejects(paypal.verifyWebhook('{"id":', headers(), NOW), refusedWebhook('malformed'));
    await assert.rejects(paypal.verifyWebhook('{"id":"WH-1"}', headers(), NOW), refusedWebhook('malformed'));
  });

  it('files captures under their order and payout items under the withdrawal', async () => {
    const cases: [string, Record<string, unknown>, unknown][] = [
      ['PAYMENT.CAPTURE.COMPLETED', { id: 'CAP-1', status: 'COMPLETED', custom_id: '7', supplementary_data: { related_ids: { order_id: 'ORDER-1' } } }, { kind: 'payment', providerRef: 'ORDER-1', topUpId: 7 }],
      ['PAYMENT.CAPTURE.DENIED', { id: 'CAP-2', status: 'DECLINED', supplementary_data: { related_ids: { order_id: 'ORDER-2' } } }, { kind: 'payment', providerRef: 'ORDER-2', topUpId: null }],
      ['PAYMENT.PAYOUTS-ITEM.SUCCEEDED', { payout_item_id: 'ITEM-1', transaction_status: 'SUCCESS', payout_item: { sender_item_id: 'withdrawal-5' } }, { kind: 'payout', providerRef: 'ITEM-1', withdrawalId: 5 }],
      ['PAYMENT.PAYOUTS-ITEM.FAILED', { payout_item_id: 'ITEM-2', payout_item: { sender_item_id: 'w-5' } }, { kind: 'payout', providerRef: 'ITEM-2', withdrawalId: null }],
      ['BILLING.SUBSCRIPTION.CREATED', { id: 'I-1' }, null],
    ];
    for (const [type, resource, subject] of cases) {
      assert.deepEqual((await paypal.verifyWebhook(event(type, resource), headers(), NOW)).subject, subject, type);
    }
  });
});
