/**
 * The local payment providers (providers/) over HTTP, as gigflow's adapters and a payer's
 * browser use them: every test card and sandbox account of docs/payment-providers.md, the
 * hosted pages' forms and redirects, idempotent replays, and webhooks checked the way a
 * receiver checks them (Stripe-Signature by HMAC, PayPal by asking verify-webhook-signature).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startLocalProviders, type RunningLocalProviders } from '../../providers/server.js';
import { pollUntil } from '../../scripts/poll.js';
import { freePort } from '../support/ports.js';

const SECRET_KEY = 'sk_test_local_providers';
const WEBHOOK_SECRET = 'whsec_local_providers';
const CLIENT_ID = 'paypal-client';
const CLIENT_SECRET = 'paypal-secret';
const WEBHOOK_ID = 'WH-LOCAL-TEST';
const DELAYED_WEBHOOK_MS = 300;
const RETURN_URL = 'http://shop.test/top-ups/return?top_up=7';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type?: string; event_type?: string; data?: { object: Record<string, any> }; resource?: Record<string, any> };
  status: number;
  at: number;
}

/** A webhook endpoint that keeps every delivery; a body containing REFUSE_ONCE is answered 500 the first time. */
function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const refused = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(body);
      let status = 200;
      if (body.includes('REFUSE_ONCE') && !refused.has(event.id)) {
        refused.add(event.id);
        status = 500;
      }
      received.push({ path: req.url ?? '', headers: req.headers, body, event, status, at: Date.now() });
      res.writeHead(status).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received })));
}

describe('local payment providers', () => {
  let providers: RunningLocalProviders;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let base: string;

  before(async () => {
    receiver = await startReceiver();
    providers = await startLocalProviders({
      host: '127.0.0.1',
      port: await freePort(),
      card: { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, webhookUrl: `${receiver.url}/card` },
      paypal: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, webhookId: WEBHOOK_ID, webhookUrl: `${receiver.url}/paypal` },
      delays: { webhookMs: DELAYED_WEBHOOK_MS, payoutMs: 50, retryBaseMs: 50, maxAttempts: 4 },
    });
    base = providers.url;
  });
  after(async () => {
    await providers?.stop();
    receiver?.server.closeAllConnections();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  // ---- helpers -------------------------------------------------------------------------

  async function card(method: 'GET' | 'POST', path: string, form?: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await fetch(`${base}/card${path}`, {
      method,
      headers: { authorization: `Bearer ${SECRET_KEY}`, ...headers },
      ...(form && { body: new URLSearchParams(form) }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  }

  async function createIntent(amount: number, extra: Record<string, string> = {}) {
    const res = await card('POST', '/v1/payment_intents', { amount: String(amount), currency: 'usd', 'metadata[top_up_id]': '7', ...extra });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { id: string; client_secret: string; status: string };
  }

  /** Submits a hosted card form (payment or setup) and answers the redirect. */
  async function submitCard(path: string, secret: string, number: string, more: Record<string, string> = {}) {
    const res = await fetch(`${base}/card${path}`, {
      method: 'POST',
      body: new URLSearchParams({ client_secret: secret, return_url: RETURN_URL, number, expiry: '12/39', cvc: '123', ...more }),
      redirect: 'manual',
    });
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  }

  async function payIntent(amount: number, number: string, extra: Record<string, string> = {}) {
    const intent = await createIntent(amount, extra);
    const result = await submitCard(`/pay/${intent.id}`, intent.client_secret, number);
    return { intent, ...result };
  }

  function cardDelivery(type: string, objectId: string, count = 1) {
    return pollUntil(() => {
      const found = receiver.received.filter((d) => d.path === '/card' && d.event.type === type && d.event.data?.object.id === objectId);
      return found.length >= count ? found : undefined;
    }, { what: `${count} × ${type} for ${objectId}`, timeoutMs: 5_000, intervalMs: 10 });
  }

  function verifyStripeSignature(delivery: Received) {
    const header = String(delivery.headers['stripe-signature']);
    const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
    const expected = createHmac('sha256', WEBHOOK_SECRET).update(`${parts.t}.${delivery.body}`).digest('hex');
    assert.equal(parts.v1, expected, 'v1 is HMAC-SHA256 of "t.rawBody"');
    assert.ok(Math.abs(Date.now() / 1000 - Number(parts.t)) <= 300, 'timestamp within 300 s');
  }

  async function saveCard(number: string) {
    const setup = await card('POST', '/v1/setup_intents', { usage: 'off_session', 'metadata[user_id]': '3' });
    assert.equal(setup.status, 200);
    const page = await fetch(`${base}/card/setup/${setup.body.id}?client_secret=${setup.body.client_secret}&return_url=${encodeURIComponent(RETURN_URL)}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /name="number"/);
    const result = await submitCard(`/setup/${setup.body.id}`, setup.body.client_secret, number);
    assert.equal(result.status, 303);
    const back = new URL(result.location!);
    assert.equal(back.searchParams.get('setup_intent'), setup.body.id);
    assert.equal(back.searchParams.get('redirect_status'), 'succeeded');
    const saved = await card('GET', `/v1/setup_intents/${setup.body.id}?expand[]=payment_method`);
    assert.equal(saved.body.status, 'succeeded');
    return saved.body.payment_method as { id: string; card: { brand: string; last4: string; fingerprint: string; exp_month: number; exp_year: number } };
  }

  let paypalToken: string | undefined;
  async function paypal(method: 'GET' | 'POST', path: string, json?: unknown, headers: Record<string, string> = {}) {
    paypalToken ??= await newPayPalToken();
    const res = await fetch(`${base}/paypal${path}`, {
      method,
      headers: { authorization: `Bearer ${paypalToken}`, 'content-type': 'application/json', ...headers },
      ...(json !== undefined && { body: JSON.stringify(json) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  async function newPayPalToken(id = CLIENT_ID, secret = CLIENT_SECRET) {
    const res = await fetch(`${base}/paypal/v1/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const body = (await res.json()) as any;
    return res.status === 200 ? (body.access_token as string) : (body as never);
  }

  function orderRequest(value: string, customId = 'top-up-9') {
    return {
      intent: 'CAPTURE',
      purchase_units: [{ reference_id: 'top-up-9', custom_id: customId, amount: { currency_code: 'USD', value } }],
      payment_source: { paypal: { experience_context: { return_url: 'http://shop.test/paypal/return', cancel_url: 'http://shop.test/paypal/cancel' } } },
    };
  }

  /** Creates an order and approves it on the hosted page as `email`. */
  async function approvedOrder(value: string, email: string) {
    const created = await paypal('POST', '/v2/checkout/orders', orderRequest(value), { 'PayPal-Request-Id': `order-${Math.random()}` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'PAYER_ACTION_REQUIRED');
    const payerAction = created.body.links.find((link: { rel: string }) => link.rel === 'payer-action').href as string;
    assert.equal(payerAction, `${base}/paypal/checkoutnow?token=${created.body.id}`);
    const page = await fetch(payerAction);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Approve/);
    const approve = await fetch(`${base}/paypal/checkoutnow`, { method: 'POST', body: new URLSearchParams({ token: created.body.id, email, action: 'approve' }), redirect: 'manual' });
    assert.equal(approve.status, 303);
    return { id: created.body.id as string, location: new URL(approve.headers.get('location')!) };
  }

  function paypalDelivery(type: string, match: (resource: Record<string, any>) => boolean) {
    return pollUntil(() => receiver.received.find((d) => d.path === '/paypal' && d.event.event_type === type && match(d.event.resource!)), {
      what: `${type}`,
      timeoutMs: 5_000,
      intervalMs: 10,
    });
  }

  /** What a PayPal receiver does: ask verify-webhook-signature about the delivery's headers and body. */
  async function verifyPayPal(delivery: Received, body = delivery.body) {
    const h = delivery.headers;
    const res = await paypal('POST', '/v1/notifications/verify-webhook-signature', {
      auth_algo: h['paypal-auth-algo'],
      cert_url: h['paypal-cert-url'],
      transmission_id: h['paypal-transmission-id'],
      transmission_sig: h['paypal-transmission-sig'],
      transmission_time: h['paypal-transmission-time'],
      webhook_id: WEBHOOK_ID,
      webhook_event: JSON.parse(body),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.verification_status as string;
  }

  // ---- card processor --------------------------------------------------------------------

  it('refuses card API calls without the secret key, in Stripe’s error shape', async () => {
    const none = await fetch(`${base}/card/v1/payment_intents`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as any).error.type, 'invalid_request_error');
    const wrong = await card('GET', '/v1/payment_intents', undefined, { authorization: 'Bearer sk_test_wrong' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.type, 'invalid_request_error');
  });

  it('validates parameters and answers 404 resource_missing for unknown ids', async () => {
    const missingAmount = await card('POST', '/v1/payment_intents', { currency: 'usd' });
    assert.equal(missingAmount.status, 400);
    assert.deepEqual([missingAmount.body.error.code, missingAmount.body.error.param], ['parameter_missing', 'amount']);
    const notInteger = await card('POST', '/v1/payment_intents', { amount: '12.5', currency: 'usd' });
    assert.equal(notInteger.body.error.code, 'parameter_invalid_integer');
    const euro = await card('POST', '/v1/payment_intents', { amount: '100', currency: 'eur' });
    assert.equal(euro.status, 400);
    const unknownParam = await card('POST', '/v1/payment_intents', { amount: '100', currency: 'usd', amout: '1' });
    assert.equal(unknownParam.body.error.code, 'parameter_unknown');
    const missing = await card('GET', '/v1/payment_intents/pi_nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'resource_missing');
  });

  it('takes a 4242 card on the hosted page: redirect succeeded, signed payment_intent.succeeded, charge with last4 and fingerprint', async () => {
    const intent = await createIntent(1234, { 'metadata[user_id]': '3' });
    assert.equal(intent.status, 'requires_payment_method');
    assert.match(intent.client_secret, new RegExp(`^${intent.id}_secret_`));
    const page = await fetch(`${base}/card/pay/${intent.id}?client_secret=${intent.client_secret}&return_url=${encodeURIComponent(RETURN_URL)}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /\$12\.34/);
    assert.match(html, /name="cvc"/);

    const result = await submitCard(`/pay/${intent.id}`, intent.client_secret, '4242 4242 4242 4242');
    assert.equal(result.status, 303);
    const back = new URL(result.location!);
    assert.equal(back.origin + back.pathname, 'http://shop.test/top-ups/return');
    assert.equal(back.searchParams.get('top_up'), '7', 'the return URL keeps its own query');
    assert.equal(back.searchParams.get('payment_intent'), intent.id);
    assert.equal(back.searchParams.get('redirect_status'), 'succeeded');

    const [delivery] = await cardDelivery('payment_intent.succeeded', intent.id);
    verifyStripeSignature(delivery!);
    assert.match(delivery!.event.id, /^evt_/);
    assert.equal(delivery!.event.data!.object.status, 'succeeded');
    assert.deepEqual(delivery!.event.data!.object.metadata, { top_up_id: '7', user_id: '3' });

    const read = await card('GET', `/v1/payment_intents/${intent.id}?expand[]=latest_charge`);
    assert.equal(read.body.status, 'succeeded');
    assert.equal(read.body.amount_received, 1234);
    const charge = read.body.latest_charge;
    assert.equal(charge.object, 'charge');
    assert.equal(charge.payment_intent, intent.id);
    assert.equal(charge.status, 'succeeded');
    assert.deepEqual({ ...charge.payment_method_details.card, fingerprint: 'x' }, { brand: 'visa', last4: '4242', fingerprint: 'x', exp_month: 12, exp_year: 2039 });
    assert.match(charge.payment_method_details.card.fingerprint, /^[0-9a-f]{16}$/);
    assert.doesNotMatch(JSON.stringify(read.body), /4242424242424242/, 'the number is never shown whole');

    const unexpanded = await card('GET', `/v1/payment_intents/${intent.id}`);
    assert.equal(unexpanded.body.latest_charge, charge.id);
  });

  it('declines 0002 (card_declined) and 9995 (insufficient_funds); the payer may then pay with another card', async () => {
    const declined = await payIntent(500, '4000000000000002');
    assert.equal(new URL(declined.location!).searchParams.get('redirect_status'), 'failed');
    const [failure] = await cardDelivery('payment_intent.payment_failed', declined.intent.id);
    verifyStripeSignature(failure!);
    const read = await card('GET', `/v1/payment_intents/${declined.intent.id}`);
    assert.equal(read.body.status, 'requires_payment_method');
    assert.equal(read.body.last_payment_error.code, 'card_declined');

    const retry = await submitCard(`/pay/${declined.intent.id}`, declined.intent.client_secret, '4242424242424242');
    assert.equal(new URL(retry.location!).searchParams.get('redirect_status'), 'succeeded');
    assert.equal((await card('GET', `/v1/payment_intents/${declined.intent.id}`)).body.status, 'succeeded');

    const poor = await payIntent(500, '4000 0000 0000 9995');
    assert.equal(new URL(poor.location!).searchParams.get('redirect_status'), 'failed');
    assert.equal((await card('GET', `/v1/payment_intents/${poor.intent.id}`)).body.last_payment_error.code, 'insufficient_funds');
  });

  it('refuses an invalid card number or expiry on the page without touching the intent', async () => {
    const intent = await createIntent(700);
    const bad = await submitCard(`/pay/${intent.id}`, intent.client_secret, '4242 4242 4242 4241');
    assert.equal(bad.status, 400);
    assert.match(bad.html, /card number is invalid/);
    const expired = await submitCard(`/pay/${intent.id}`, intent.client_secret, '4242424242424242', { expiry: '01/20' });
    assert.equal(expired.status, 400);
    const wrongSecret = await submitCard(`/pay/${intent.id}`, 'pi_wrong_secret', '4242424242424242');
    assert.equal(wrongSecret.status, 403);
    assert.equal((await card('GET', `/v1/payment_intents/${intent.id}`)).body.status, 'requires_payment_method');
  });

  it('asks 3184 for 3-D Secure: Complete succeeds, Fail fails with authentication_required', async () => {
    for (const [result, status] of [['complete', 'succeeded'], ['fail', 'failed']] as const) {
      const paid = await payIntent(900, '4000002760003184');
      assert.equal(paid.status, 303);
      const challenge = new URL(paid.location!);
      assert.equal(challenge.pathname, `/card/pay/${paid.intent.id}/3ds`);
      assert.equal((await card('GET', `/v1/payment_intents/${paid.intent.id}`)).body.status, 'requires_action');
      const page = await fetch(challenge);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Complete[\s\S]*Fail/);
      const answer = await fetch(challenge.origin + challenge.pathname, {
        method: 'POST',
        body: new URLSearchParams({ client_secret: paid.intent.client_secret, return_url: RETURN_URL, result }),
        redirect: 'manual',
      });
      assert.equal(answer.status, 303);
      assert.equal(new URL(answer.headers.get('location')!).searchParams.get('redirect_status'), status);
      const read = await card('GET', `/v1/payment_intents/${paid.intent.id}`);
      if (status === 'succeeded') {
        assert.equal(read.body.status, 'succeeded');
        await cardDelivery('payment_intent.succeeded', paid.intent.id);
      } else {
        assert.equal(read.body.status, 'requires_payment_method');
        assert.equal(read.body.last_payment_error.code, 'authentication_required');
        await cardDelivery('payment_intent.payment_failed', paid.intent.id);
      }
    }
  });

  it('sends the 0077 card’s webhook only after the delay, and the 0101 card’s twice with one event id', async () => {
    const submittedAt = Date.now(); // before the payment, so a lower bound that load cannot break
    const delayed = await payIntent(1100, '4000000000000077');
    assert.equal(new URL(delayed.location!).searchParams.get('redirect_status'), 'succeeded');
    assert.equal((await card('GET', `/v1/payment_intents/${delayed.intent.id}`)).body.status, 'succeeded', 'the payment itself is immediate');
    const [late] = await cardDelivery('payment_intent.succeeded', delayed.intent.id);
    // A few ms of slack: Node may fire a timer up to a millisecond early.
    assert.ok(late!.at - submittedAt >= DELAYED_WEBHOOK_MS - 5, `delivered ${late!.at - submittedAt} ms after the payment was submitted`);

    const duplicate = await payIntent(1200, '4000000000000101');
    const twice = await cardDelivery('payment_intent.succeeded', duplicate.intent.id, 2);
    assert.equal(twice.length, 2);
    assert.equal(twice[0]!.event.id, twice[1]!.event.id);
    assert.equal(twice[0]!.body, twice[1]!.body);
  });

  it('replays an Idempotency-Key with the same parameters and refuses it with others', async () => {
    const form = { amount: '2500', currency: 'usd', 'metadata[top_up_id]': '11' };
    const first = await card('POST', '/v1/payment_intents', form, { 'Idempotency-Key': 'top-up-11' });
    const again = await card('POST', '/v1/payment_intents', { 'metadata[top_up_id]': '11', currency: 'usd', amount: '2500' }, { 'Idempotency-Key': 'top-up-11' });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const other = await card('POST', '/v1/payment_intents', { ...form, amount: '2600' }, { 'Idempotency-Key': 'top-up-11' });
    assert.equal(other.status, 400);
    assert.equal(other.body.error.type, 'idempotency_error');

    // A request refused for its parameters is not kept: corrected, it runs under the same key.
    const invalid = await card('POST', '/v1/payment_intents', { amount: 'abc', currency: 'usd' }, { 'Idempotency-Key': 'top-up-12' });
    assert.equal(invalid.status, 400);
    const corrected = await card('POST', '/v1/payment_intents', { amount: '300', currency: 'usd' }, { 'Idempotency-Key': 'top-up-12' });
    assert.equal(corrected.status, 200);
    // An error after the request ran is replayed like a success.
    const refund = await card('POST', '/v1/refunds', { payment_intent: corrected.body.id }, { 'Idempotency-Key': 'refund-12' });
    assert.equal(refund.status, 400);
    const refundAgain = await card('POST', '/v1/refunds', { payment_intent: corrected.body.id }, { 'Idempotency-Key': 'refund-12' });
    assert.deepEqual([refundAgain.status, refundAgain.headers.get('idempotent-replayed')], [400, 'true']);
  });

  it('saves a card for payouts: last4 and brand, the same fingerprint for the same number', async () => {
    const first = await saveCard('4242424242424242');
    assert.match(first.id, /^pm_/);
    assert.deepEqual([first.card.brand, first.card.last4, first.card.exp_month, first.card.exp_year], ['visa', '4242', 12, 2039]);
    const same = await saveCard('4242 4242 4242 4242');
    assert.notEqual(same.id, first.id);
    assert.equal(same.card.fingerprint, first.card.fingerprint);
    const other = await saveCard('5555555555554444');
    assert.equal(other.card.brand, 'mastercard');
    assert.notEqual(other.card.fingerprint, first.card.fingerprint);
  });

  it('settles payouts: 4242 paid, 0119 failed (could_not_process), 0127 stays pending until cancelled', async () => {
    const [good, failing, silent] = await Promise.all(['4242424242424242', '4000000000000119', '4000000000000127'].map(saveCard));
    const payout = async (destination: string, amount: number, key: string) => {
      const res = await card('POST', '/v1/payouts', { amount: String(amount), currency: 'usd', destination, 'metadata[withdrawal_id]': key }, { 'Idempotency-Key': `withdrawal-${key}` });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, 'pending');
      return res.body as { id: string };
    };
    const silentPayout = await payout(silent!.id, 300, 's1');
    const paid = await payout(good!.id, 1000, 'p1');
    const failed = await payout(failing!.id, 2000, 'f1');

    const [paidEvent] = await cardDelivery('payout.paid', paid.id);
    verifyStripeSignature(paidEvent!);
    assert.equal(paidEvent!.event.data!.object.metadata.withdrawal_id, 'p1');
    const [failedEvent] = await cardDelivery('payout.failed', failed.id);
    assert.equal(failedEvent!.event.data!.object.failure_code, 'could_not_process');
    assert.equal((await card('GET', `/v1/payouts/${paid.id}`)).body.status, 'paid');
    assert.equal((await card('GET', `/v1/payouts/${failed.id}`)).body.status, 'failed');

    // The silent payout was created before the others, with the same delay: it would have settled by now.
    assert.equal((await card('GET', `/v1/payouts/${silentPayout.id}`)).body.status, 'pending');
    assert.ok(!receiver.received.some((d) => d.event.data?.object.id === silentPayout.id), 'no webhook for the silent payout');
    const cancelled = await card('POST', `/v1/payouts/${silentPayout.id}/cancel`);
    assert.equal(cancelled.body.status, 'canceled');
    await cardDelivery('payout.canceled', silentPayout.id);
    assert.equal((await card('POST', `/v1/payouts/${silentPayout.id}/cancel`)).status, 400);
    assert.equal((await card('POST', `/v1/payouts/${paid.id}/cancel`)).status, 400);

    const listed = await card('GET', '/v1/payouts?limit=2');
    assert.deepEqual(listed.body.data.map((p: { id: string }) => p.id), [failed.id, paid.id], 'newest first');
    assert.equal(listed.body.has_more, true);
    const unknown = await card('POST', '/v1/payouts', { amount: '100', currency: 'usd', destination: 'pm_nope' });
    assert.equal(unknown.status, 404);
  });

  it('refunds part and then the rest of a payment, with charge.refunded each time', async () => {
    const { intent } = await payIntent(5000, '4242424242424242');
    const part = await card('POST', '/v1/refunds', { payment_intent: intent.id, amount: '2000', 'metadata[top_up_id]': '7' });
    assert.equal(part.status, 200, JSON.stringify(part.body));
    assert.match(part.body.id, /^re_/);
    assert.equal(part.body.status, 'succeeded');
    const [refunded] = await cardDelivery('charge.refunded', part.body.charge);
    verifyStripeSignature(refunded!);
    assert.equal(refunded!.event.data!.object.amount_refunded, 2000);
    assert.equal(refunded!.event.data!.object.refunds.data[0].id, part.body.id);

    const tooMuch = await card('POST', '/v1/refunds', { payment_intent: intent.id, amount: '3001' });
    assert.equal(tooMuch.status, 400);
    const rest = await card('POST', '/v1/refunds', { payment_intent: intent.id });
    assert.equal(rest.body.amount, 3000);
    const again = await card('POST', '/v1/refunds', { payment_intent: intent.id });
    assert.equal(again.body.error.code, 'charge_already_refunded');
    const listed = await card('GET', '/v1/refunds?limit=2');
    assert.deepEqual(listed.body.data.map((r: { id: string }) => r.id), [rest.body.id, part.body.id]);
  });

  it('records every movement as a signed balance transaction', async () => {
    const { intent } = await payIntent(4000, '4242424242424242');
    const refund = await card('POST', '/v1/refunds', { payment_intent: intent.id, amount: '1500' });
    const destination = await saveCard('4000000000000119');
    const payout = await card('POST', '/v1/payouts', { amount: '900', currency: 'usd', destination: destination.id });
    await cardDelivery('payout.failed', payout.body.id);
    const charge = (await card('GET', `/v1/payment_intents/${intent.id}`)).body.latest_charge;

    const all = (await card('GET', '/v1/balance_transactions?limit=100')).body.data as Array<{ id: string; type: string; amount: number; source: string }>;
    const of = (source: string) => all.filter((t) => t.source === source).map((t) => [t.type, t.amount]);
    assert.deepEqual(of(charge), [['charge', 4000]]);
    assert.deepEqual(of(refund.body.id), [['refund', -1500]]);
    assert.deepEqual(of(payout.body.id), [['payout_failure', 900], ['payout', -900]]);

    const firstPage = await card('GET', '/v1/balance_transactions?limit=2');
    const secondPage = await card('GET', `/v1/balance_transactions?limit=2&starting_after=${firstPage.body.data[1].id}`);
    assert.equal(secondPage.body.data[0].id, all[2]!.id);
  });

  it('retries a delivery the receiver answers with 500, with the same event', async () => {
    const { intent } = await payIntent(1300, '4242424242424242', { 'metadata[note]': 'REFUSE_ONCE' });
    const attempts = await cardDelivery('payment_intent.succeeded', intent.id, 2);
    assert.deepEqual(attempts.map((d) => d.status), [500, 200]);
    assert.equal(attempts[0]!.event.id, attempts[1]!.event.id);
    verifyStripeSignature(attempts[1]!);
    // The receiver records before it answers: the provider learns of the 200 a moment later.
    const record = await pollUntil(() => providers.providers.deliveries().find((d) => d.eventId === attempts[0]!.event.id && d.state === 'delivered'), {
      what: 'the delivery recorded as delivered',
      intervalMs: 10,
    });
    assert.deepEqual(record.statuses, [500, 200]);
  });

  // ---- PayPal ------------------------------------------------------------------------------

  it('refuses PayPal calls without valid client credentials or token', async () => {
    const refused = (await newPayPalToken(CLIENT_ID, 'wrong')) as unknown as { error: string; name: string };
    assert.equal(refused.error, 'invalid_client');
    const res = await fetch(`${base}/paypal/v2/checkout/orders/ANY`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as any).name, 'AUTHENTICATION_FAILURE');
    const token = await fetch(`${base}/paypal/v1/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const body = (await token.json()) as any;
    assert.deepEqual([body.token_type, body.expires_in], ['Bearer', 32400]);
  });

  it('takes a PayPal payment: order, approval page, capture, signed webhooks that verify-webhook-signature accepts', async () => {
    const invalid = await paypal('POST', '/v2/checkout/orders', { ...orderRequest('12.3') });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.name, 'INVALID_REQUEST');
    assert.equal(invalid.body.details[0].field, '/purchase_units/0/amount/value');

    const early = await paypal('POST', '/v2/checkout/orders', orderRequest('5.00'));
    const notApproved = await paypal('POST', `/v2/checkout/orders/${early.body.id}/capture`);
    assert.equal(notApproved.status, 422);
    assert.equal(notApproved.body.details[0].issue, 'ORDER_NOT_APPROVED');

    const order = await approvedOrder('12.34', 'buyer@example.com');
    assert.equal(order.location.origin + order.location.pathname, 'http://shop.test/paypal/return');
    assert.equal(order.location.searchParams.get('token'), order.id);
    assert.ok(order.location.searchParams.get('PayerID'));
    const approvedEvent = await paypalDelivery('CHECKOUT.ORDER.APPROVED', (r) => r.id === order.id);
    assert.equal(await verifyPayPal(approvedEvent), 'SUCCESS');
    assert.equal((await paypal('GET', `/v2/checkout/orders/${order.id}`)).body.status, 'APPROVED');

    const captured = await paypal('POST', `/v2/checkout/orders/${order.id}/capture`, undefined, { 'PayPal-Request-Id': `capture-${order.id}` });
    assert.equal(captured.status, 201);
    assert.equal(captured.body.status, 'COMPLETED');
    const capture = captured.body.purchase_units[0].payments.captures[0];
    assert.deepEqual([capture.status, capture.amount.value, capture.custom_id], ['COMPLETED', '12.34', 'top-up-9']);
    const replayed = await paypal('POST', `/v2/checkout/orders/${order.id}/capture`, undefined, { 'PayPal-Request-Id': `capture-${order.id}` });
    assert.deepEqual([replayed.status, replayed.body], [201, captured.body]);
    const twice = await paypal('POST', `/v2/checkout/orders/${order.id}/capture`, undefined, { 'PayPal-Request-Id': `capture-${order.id}-again` });
    assert.equal(twice.status, 422);
    assert.equal(twice.body.details[0].issue, 'ORDER_ALREADY_CAPTURED');

    const completed = await paypalDelivery('PAYMENT.CAPTURE.COMPLETED', (r) => r.id === capture.id);
    assert.equal(completed.headers['paypal-auth-algo'], 'SHA256withRSA');
    assert.match(String(completed.headers['paypal-transmission-time']), /^\d{4}-\d\d-\d\dT/);
    assert.match(completed.event.id, /^WH-/);
    assert.equal(completed.event.resource!.custom_id, 'top-up-9');
    assert.equal(await verifyPayPal(completed), 'SUCCESS');
    const tampered = completed.body.replace('"12.34"', '"12.35"');
    assert.notEqual(tampered, completed.body);
    assert.equal(await verifyPayPal(completed, tampered), 'FAILURE');

    const missing = await paypal('GET', '/v2/checkout/orders/NOSUCHORDER');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.name, 'RESOURCE_NOT_FOUND');
  });

  it('sends a cancelled approval back to cancel_url and declines a "decline" account at capture', async () => {
    const created = await paypal('POST', '/v2/checkout/orders', orderRequest('3.00'));
    const cancel = await fetch(`${base}/paypal/checkoutnow`, { method: 'POST', body: new URLSearchParams({ token: created.body.id, action: 'cancel' }), redirect: 'manual' });
    assert.equal(cancel.status, 303);
    assert.equal(cancel.headers.get('location'), `http://shop.test/paypal/cancel?token=${created.body.id}`);
    assert.equal((await paypal('GET', `/v2/checkout/orders/${created.body.id}`)).body.status, 'PAYER_ACTION_REQUIRED');

    const order = await approvedOrder('8.00', 'decline-me@example.com');
    const captured = await paypal('POST', `/v2/checkout/orders/${order.id}/capture`);
    const capture = captured.body.purchase_units[0].payments.captures[0];
    assert.equal(capture.status, 'DECLINED');
    const denied = await paypalDelivery('PAYMENT.CAPTURE.DENIED', (r) => r.id === capture.id);
    assert.equal(await verifyPayPal(denied), 'SUCCESS');
  });

  it('pays PayPal payouts: paid, failed (RECEIVER_UNREGISTERED), silent until cancelled (RETURNED); sender_batch_id once', async () => {
    const request = {
      sender_batch_header: { sender_batch_id: 'withdrawals-batch-1', email_subject: 'You have a payout' },
      items: [
        { recipient_type: 'EMAIL', amount: { value: '10.00', currency: 'USD' }, receiver: 'seller@example.com', sender_item_id: 'w-1' },
        { recipient_type: 'EMAIL', amount: { value: '20.00', currency: 'USD' }, receiver: 'fail-seller@example.com', sender_item_id: 'w-2' },
        { recipient_type: 'EMAIL', amount: { value: '30.00', currency: 'USD' }, receiver: 'silent-seller@example.com', sender_item_id: 'w-3' },
      ],
    };
    const created = await paypal('POST', '/v1/payments/payouts', request, { 'PayPal-Request-Id': 'batch-1' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.batch_header.batch_status, 'PENDING');
    const batchId = created.body.batch_header.payout_batch_id as string;

    const replay = await paypal('POST', '/v1/payments/payouts', request, { 'PayPal-Request-Id': 'batch-1' });
    assert.deepEqual([replay.status, replay.body], [201, created.body]);
    const duplicate = await paypal('POST', '/v1/payments/payouts', request, { 'PayPal-Request-Id': 'batch-1-again' });
    assert.equal(duplicate.status, 400);
    assert.equal(duplicate.body.name, 'USER_BUSINESS_ERROR');

    const succeeded = await paypalDelivery('PAYMENT.PAYOUTS-ITEM.SUCCEEDED', (r) => r.payout_batch_id === batchId);
    assert.equal(succeeded.event.resource!.payout_item.sender_item_id, 'w-1');
    assert.equal(await verifyPayPal(succeeded), 'SUCCESS');
    const failed = await paypalDelivery('PAYMENT.PAYOUTS-ITEM.FAILED', (r) => r.payout_batch_id === batchId);
    assert.equal(failed.event.resource!.errors.name, 'RECEIVER_UNREGISTERED');

    const batch = await paypal('GET', `/v1/payments/payouts/${batchId}`);
    const status = Object.fromEntries(batch.body.items.map((i: any) => [i.payout_item.sender_item_id, i.transaction_status]));
    assert.deepEqual(status, { 'w-1': 'SUCCESS', 'w-2': 'FAILED', 'w-3': 'PENDING' });
    assert.equal(batch.body.batch_header.batch_status, 'PROCESSING');
    const silentItem = batch.body.items.find((i: any) => i.payout_item.sender_item_id === 'w-3');
    assert.ok(!receiver.received.some((d) => d.event.resource?.payout_item_id === silentItem.payout_item_id));

    const item = await paypal('GET', `/v1/payments/payouts-item/${silentItem.payout_item_id}`);
    assert.equal(item.body.transaction_status, 'PENDING');
    const cancelled = await paypal('POST', `/v1/payments/payouts-item/${silentItem.payout_item_id}/cancel`);
    assert.equal(cancelled.body.transaction_status, 'RETURNED');
    await paypalDelivery('PAYMENT.PAYOUTS-ITEM.RETURNED', (r) => r.payout_item_id === silentItem.payout_item_id);
    assert.equal((await paypal('POST', `/v1/payments/payouts-item/${silentItem.payout_item_id}/cancel`)).status, 400);
    assert.equal((await paypal('GET', `/v1/payments/payouts/${batchId}`)).body.batch_header.batch_status, 'SUCCESS');

    const badReceiver = await paypal('POST', '/v1/payments/payouts', { ...request, sender_batch_header: { sender_batch_id: 'b2' }, items: [{ ...request.items[0], receiver: 'not-an-email' }] });
    assert.equal(badReceiver.status, 400);
    assert.equal(badReceiver.body.name, 'INVALID_REQUEST');
  });

  it('reports every capture and payout with signed amounts', async () => {
    const order = await approvedOrder('40.00', 'report-buyer@example.com');
    const captured = await paypal('POST', `/v2/checkout/orders/${order.id}/capture`);
    const captureId = captured.body.purchase_units[0].payments.captures[0].id;
    const batch = await paypal('POST', '/v1/payments/payouts', {
      sender_batch_header: { sender_batch_id: 'report-batch' },
      items: [
        { recipient_type: 'EMAIL', amount: { value: '15.50', currency: 'USD' }, receiver: 'report-seller@example.com', sender_item_id: 'r-1' },
        { recipient_type: 'EMAIL', amount: { value: '4.50', currency: 'USD' }, receiver: 'report-fail@example.com', sender_item_id: 'r-2' },
      ],
    });
    const batchId = batch.body.batch_header.payout_batch_id;
    await paypalDelivery('PAYMENT.PAYOUTS-ITEM.FAILED', (r) => r.payout_batch_id === batchId);
    const items = (await paypal('GET', `/v1/payments/payouts/${batchId}`)).body.items as Array<{ payout_item_id: string }>;

    const now = Date.now();
    const start = new Date(now - 3_600_000).toISOString();
    const end = new Date(now + 3_600_000).toISOString();
    const report = await paypal('GET', `/v1/reporting/transactions?start_date=${start}&end_date=${end}`);
    assert.equal(report.status, 200, JSON.stringify(report.body));
    const lines = report.body.transaction_details.map((d: any) => d.transaction_info);
    const line = (id: string) => lines.find((l: any) => l.transaction_id === id);
    const reversal = (itemId: string) => lines.find((l: any) => l.paypal_reference_id === itemId && l.transaction_event_code === 'T1106');
    assert.deepEqual([line(captureId).transaction_event_code, line(captureId).transaction_amount.value, line(captureId).custom_field], ['T0006', '40.00', 'top-up-9']);
    assert.deepEqual([line(items[0]!.payout_item_id).transaction_event_code, line(items[0]!.payout_item_id).transaction_amount.value], ['T0001', '-15.50']);
    assert.equal(line(items[1]!.payout_item_id).transaction_amount.value, '-4.50');
    assert.equal(reversal(items[1]!.payout_item_id).transaction_amount.value, '4.50', 'the failed item’s money comes back');
    assert.equal(reversal(items[0]!.payout_item_id), undefined);

    const missingDates = await paypal('GET', '/v1/reporting/transactions');
    assert.equal(missingDates.status, 400);
  });
});
