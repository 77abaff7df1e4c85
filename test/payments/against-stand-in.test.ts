/**
 * Both adapters end to end against the local stand-in (providers/server.ts): a payer pays on
 * the hosted page, the stand-in's webhook is verified by the adapter, and the state read back
 * agrees; payouts settle, a payout card is saved, a top-up is refunded. Waits only through
 * pollUntil, on webhooks arriving or states changing.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createCardProcessor } from '../../payments/card-processor.js';
import { createPaypal } from '../../payments/paypal.js';
import { WebhookVerificationError, type PaymentProvider, type ProviderName, type VerifiedEvent } from '../../payments/provider.js';
import { startLocalProviders, type RunningLocalProviders } from '../../providers/server.js';
import { pollUntil } from '../../scripts/poll.js';
import { payByCard, returnedTo, saveCard } from '../support/pay.js';

const CARD = { secretKey: 'sk_test_stand_in', webhookSecret: 'whsec_stand_in' };
const PAYPAL = { clientId: 'client-stand-in', clientSecret: 'secret-stand-in', webhookId: 'WH-STAND-IN' };
const SHOP = 'http://gigflow.test';

/** A delivery as our webhook endpoint received it, and what the adapter made of it. */
interface Delivery {
  provider: ProviderName;
  rawBody: string;
  headers: Record<string, string | undefined>;
  verdict: VerifiedEvent | WebhookVerificationError;
}

/** Our webhook endpoint: verifies each delivery with the adapter, answers 200 or 400 as the API does. */
async function startReceiver(adapters: () => Record<ProviderName, PaymentProvider>) {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const provider: ProviderName = req.url === '/webhooks/card' ? 'card' : 'paypal';
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]));
      let verdict: Delivery['verdict'];
      try {
        verdict = await adapters()[provider].verifyWebhook(rawBody, headers, Date.now());
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        verdict = error;
      }
      deliveries.push({ provider, rawBody, headers, verdict });
      res.writeHead(verdict instanceof WebhookVerificationError ? 400 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let stand: RunningLocalProviders;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let card: PaymentProvider;
let paypal: PaymentProvider;

before(async () => {
  receiver = await startReceiver(() => ({ card, paypal }));
  stand = await startLocalProviders({
    port: 0,
    host: '127.0.0.1',
    card: { ...CARD, webhookUrl: `${receiver.url}/webhooks/card` },
    paypal: { ...PAYPAL, webhookUrl: `${receiver.url}/webhooks/paypal` },
    delays: { payoutMs: 50, webhookMs: 50, retryBaseMs: 50 },
  });
  card = createCardProcessor({ baseUrl: `${stand.url}/card`, ...CARD });
  paypal = createPaypal({ baseUrl: `${stand.url}/paypal`, ...PAYPAL });
});

after(async () => {
  await stand.stop();
  await receiver.close();
});

/** The verified event of `type` about `providerRef`, once it has been delivered. */
function verifiedEvent(type: string, providerRef: string): Promise<VerifiedEvent> {
  return pollUntil(
    () => {
      for (const { verdict } of receiver.deliveries) {
        if (!(verdict instanceof WebhookVerificationError) && verdict.type === type && verdict.subject?.providerRef === providerRef) return verdict;
      }
      return undefined;
    },
    { what: `a verified ${type} for ${providerRef}` },
  );
}

/** A card saved for payouts through the hosted setup page. */
async function savedCardToken(number: string): Promise<string> {
  const setup = await card.startCardSetup!({ userId: 1, returnUrl: `${SHOP}/payout-card` });
  assert.equal(await card.savedCard!(setup.setupRef), null, 'nothing saved before the form is sent');
  const back = returnedTo(await saveCard(setup.setupUrl, number));
  assert.equal(back.searchParams.get('redirect_status'), 'succeeded');
  const saved = await card.savedCard!(setup.setupRef);
  assert.ok(saved);
  assert.match(saved.token, /^pm_/);
  assert.equal(saved.last4, number.slice(-4));
  return saved.token;
}

describe('card processor adapter against the stand-in', () => {
  it('takes a top-up: hosted page, verified webhook, succeeded with the card read back', async () => {
    const checkout = await card.createCheckout({ topUpId: 101, userId: 1, amountCents: 2_500, returnUrl: `${SHOP}/balance?top_up=101`, cancelUrl: `${SHOP}/balance` });
    const back = returnedTo(await payByCard(checkout.checkoutUrl, '4242 4242 4242 4242'));
    assert.equal(`${back.origin}${back.pathname}`, `${SHOP}/balance`);
    assert.equal(back.searchParams.get('top_up'), '101');
    assert.equal(back.searchParams.get('redirect_status'), 'succeeded');
    const event = await verifiedEvent('payment_intent.succeeded', checkout.providerRef);
    assert.deepEqual(event.subject, { kind: 'payment', providerRef: checkout.providerRef, topUpId: 101 });
    const state = await card.payment(checkout.providerRef);
    assert.equal(state.status, 'succeeded');
    assert.equal(state.amountCents, 2_500);
    assert.equal(state.topUpId, 101);
    assert.equal(state.card?.last4, '4242');
    assert.match(state.chargeRef ?? '', /^ch_/);
    // The same top-up again: the idempotency key answers the same intent.
    const again = await card.createCheckout({ topUpId: 101, userId: 1, amountCents: 2_500, returnUrl: `${SHOP}/balance?top_up=101`, cancelUrl: `${SHOP}/balance` });
    assert.equal(again.providerRef, checkout.providerRef);

    const refund = await card.refund!({ topUpId: 101, providerRef: checkout.providerRef, amountCents: 2_500, idempotencyKey: 'refund-101' });
    assert.equal(refund.status, 'succeeded');
    assert.match(refund.providerRef, /^re_/);
    const refunded = await verifiedEvent('charge.refunded', checkout.providerRef);
    assert.deepEqual(refunded.subject, { kind: 'refund', providerRef: checkout.providerRef, topUpId: 101 });
  });

  it('reads a declined card as failed with the decline code', async () => {
    const checkout = await card.createCheckout({ topUpId: 102, userId: 1, amountCents: 1_000, returnUrl: `${SHOP}/balance`, cancelUrl: `${SHOP}/balance` });
    const back = returnedTo(await payByCard(checkout.checkoutUrl, '4000 0000 0000 0002'));
    assert.equal(back.searchParams.get('redirect_status'), 'failed');
    await verifiedEvent('payment_intent.payment_failed', checkout.providerRef);
    const state = await card.payment(checkout.providerRef);
    assert.deepEqual([state.status, state.failureReason], ['failed', 'card_declined']);
  });

  it('refuses a delivery whose body was changed after signing', async () => {
    const delivery = await pollUntil(() => receiver.deliveries.find((d) => d.provider === 'card' && !(d.verdict instanceof WebhookVerificationError)), { what: 'a card delivery' });
    const tampered = delivery.rawBody.replace('"livemode":false', '"livemode":true');
    assert.notEqual(tampered, delivery.rawBody);
    await assert.rejects(card.verifyWebhook(tampered, delivery.headers, Date.now()), (error) => error instanceof WebhookVerificationError && error.reason === 'bad_signature');
  });

  it('saves a payout card and pays out to it; a failing card fails; a silent one can be cancelled', async () => {
    const token = await savedCardToken('4242 4242 4242 4242');
    const sent = await card.sendPayout({ withdrawalId: 55, amountCents: 955, destination: token, idempotencyKey: 'withdrawal-55' });
    assert.deepEqual([sent.withdrawalId, sent.amountCents], [55, 955]);
    assert.equal((await card.sendPayout({ withdrawalId: 55, amountCents: 955, destination: token, idempotencyKey: 'withdrawal-55' })).providerRef, sent.providerRef, 'sent twice, paid once');
    const paid = await verifiedEvent('payout.paid', sent.providerRef);
    assert.deepEqual(paid.subject, { kind: 'payout', providerRef: sent.providerRef, withdrawalId: 55 });
    assert.equal((await card.payout(sent.providerRef)).status, 'paid');
    assert.equal((await card.cancelPayout(sent.providerRef)).status, 'paid', 'a paid payout stays paid');

    const failing = await card.sendPayout({ withdrawalId: 56, amountCents: 955, destination: await savedCardToken('4000 0000 0000 0119'), idempotencyKey: 'withdrawal-56' });
    await verifiedEvent('payout.failed', failing.providerRef);
    assert.deepEqual(await card.payout(failing.providerRef), { ...failing, status: 'failed', failureReason: 'could_not_process' });

    const silent = await card.sendPayout({ withdrawalId: 57, amountCents: 955, destination: await savedCardToken('4000 0000 0000 0127'), idempotencyKey: 'withdrawal-57' });
    assert.equal((await card.cancelPayout(silent.providerRef)).status, 'cancelled');
    await verifiedEvent('payout.canceled', silent.providerRef);
  });
});

/** Approves (or cancels) a PayPal order on the hosted page as `email`; answers where it redirects. */
async function approveOnPaypal(checkoutUrl: string, email: string, action: 'approve' | 'cancel' = 'approve'): Promise<URL> {
  const page = new URL(checkoutUrl);
  const form = new URLSearchParams({ token: page.searchParams.get('token') ?? '', email, action });
  const answer = await fetch(`${page.origin}${page.pathname}`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(answer.status, 303, await answer.text());
  return new URL(answer.headers.get('location') ?? '');
}

describe('PayPal adapter against the stand-in', () => {
  it('takes a top-up: approval page, verified webhooks, captured once, succeeded', async () => {
    const checkout = await paypal.createCheckout({ topUpId: 201, userId: 2, amountCents: 1_999, returnUrl: `${SHOP}/balance/paypal-return`, cancelUrl: `${SHOP}/balance` });
    const back = await approveOnPaypal(checkout.checkoutUrl, 'buyer@example.com');
    assert.equal(`${back.origin}${back.pathname}`, `${SHOP}/balance/paypal-return`);
    assert.equal(back.searchParams.get('token'), checkout.providerRef);
    const approved = await verifiedEvent('CHECKOUT.ORDER.APPROVED', checkout.providerRef);
    assert.deepEqual(approved.subject, { kind: 'payment', providerRef: checkout.providerRef, topUpId: 201 });
    assert.equal((await paypal.payment(checkout.providerRef)).status, 'pending', 'approved is not paid until captured');

    const captured = await paypal.capture!(checkout.providerRef, 201);
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amountCents, 1_999);
    assert.equal(captured.payerEmail, 'buyer@example.com');
    assert.ok(captured.chargeRef);
    const completed = await verifiedEvent('PAYMENT.CAPTURE.COMPLETED', checkout.providerRef);
    assert.deepEqual(completed.subject, { kind: 'payment', providerRef: checkout.providerRef, topUpId: 201 });
    assert.deepEqual(await paypal.capture!(checkout.providerRef, 201), captured, 'capturing again changes nothing');
  });

  it('reads a declined capture as failed', async () => {
    const checkout = await paypal.createCheckout({ topUpId: 202, userId: 2, amountCents: 500, returnUrl: `${SHOP}/r`, cancelUrl: `${SHOP}/c` });
    await approveOnPaypal(checkout.checkoutUrl, 'decline@example.com');
    const state = await paypal.capture!(checkout.providerRef, 202);
    assert.deepEqual([state.status, state.failureReason], ['failed', 'declined']);
    await verifiedEvent('PAYMENT.CAPTURE.DENIED', checkout.providerRef);
  });

  it('sends the payer back to the cancel URL, and the order stays pending', async () => {
    const checkout = await paypal.createCheckout({ topUpId: 203, userId: 2, amountCents: 500, returnUrl: `${SHOP}/r`, cancelUrl: `${SHOP}/c` });
    const back = await approveOnPaypal(checkout.checkoutUrl, '', 'cancel');
    assert.equal(`${back.origin}${back.pathname}`, `${SHOP}/c`);
    assert.equal((await paypal.payment(checkout.providerRef)).status, 'pending');
  });

  it('refuses a delivery PayPal does not verify', async () => {
    const delivery = await pollUntil(() => receiver.deliveries.find((d) => d.provider === 'paypal' && !(d.verdict instanceof WebhookVerificationError)), { what: 'a PayPal delivery' });
    const tampered = delivery.rawBody.replace('"summary":"', '"summary":"X');
    assert.notEqual(tampered, delivery.rawBody);
    await assert.rejects(paypal.verifyWebhook(tampered, delivery.headers, Date.now()), (error) => error instanceof WebhookVerificationError && error.reason === 'bad_signature');
  });

  it('pays out to an email and follows the item; a failing receiver fails; a silent one can be cancelled', async () => {
    const sent = await paypal.sendPayout({ withdrawalId: 66, amountCents: 955, destination: 'seller@example.com', idempotencyKey: 'withdrawal-66' });
    assert.deepEqual([sent.withdrawalId, sent.amountCents], [66, 955]);
    assert.equal((await paypal.sendPayout({ withdrawalId: 66, amountCents: 955, destination: 'seller@example.com', idempotencyKey: 'withdrawal-66' })).providerRef, sent.providerRef, 'sent twice, paid once');
    const paid = await verifiedEvent('PAYMENT.PAYOUTS-ITEM.SUCCEEDED', sent.providerRef);
    assert.deepEqual(paid.subject, { kind: 'payout', providerRef: sent.providerRef, withdrawalId: 66 });
    assert.equal((await paypal.payout(sent.providerRef)).status, 'paid');
    assert.equal((await paypal.cancelPayout(sent.providerRef)).status, 'paid', 'a paid payout stays paid');

    const failing = await paypal.sendPayout({ withdrawalId: 67, amountCents: 100, destination: 'fail@example.com', idempotencyKey: 'withdrawal-67' });
    await verifiedEvent('PAYMENT.PAYOUTS-ITEM.FAILED', failing.providerRef);
    assert.deepEqual(await paypal.payout(failing.providerRef), { ...failing, status: 'failed', failureReason: 'RECEIVER_UNREGISTERED' });

    const silent = await paypal.sendPayout({ withdrawalId: 68, amountCents: 100, destination: 'silent@example.com', idempotencyKey: 'withdrawal-68' });
    assert.equal((await paypal.cancelPayout(silent.providerRef)).status, 'cancelled');
    await verifiedEvent('PAYMENT.PAYOUTS-ITEM.RETURNED', silent.providerRef);
    assert.equal((await paypal.payout(silent.providerRef)).status, 'cancelled', 'read again later, still cancelled');
  });
});

it('verified every delivery the stand-in sent', () => {
  const refused = receiver.deliveries.filter((d) => d.verdict instanceof WebhookVerificationError);
  assert.deepEqual(refused.map((d) => `${d.provider}: ${d.rawBody.slice(0, 80)}`), []);
  assert.ok(receiver.deliveries.length >= 10);
});
