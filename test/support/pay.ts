/**
 * Paying as a payer does, against the local stand-ins (`./payments.ts`): open the provider's
 * hosted page the API answered (`checkoutUrl`, `setupUrl`), submit its form with a test card
 * or a sandbox account, and read where the provider sends the payer back. Our API never sees
 * the card number: it goes to the stand-in's page only, as in a browser.
 *
 * Also here: signing card webhook events the way the card processor does (`t=…,v1=…`), and a
 * tap between the stand-ins and the app that can keep the deliveries about chosen payments
 * away from the app, so a test delivers them itself (twice, reordered, late, tampered with).
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { pollUntil } from '../../scripts/poll.js';
import type { Caller, TestUser } from './api.js';
import { PAYMENT_SECRETS, type PaymentStandIns } from './payments.js';

/** A hosted page's form: where it posts, and the fields the page filled in (hidden inputs). */
export interface HostedForm {
  action: string;
  fields: Record<string, string>;
}

/** Where a form submission sent the payer: the `Location` of the provider's redirect, or the page again. */
export interface Submitted {
  status: number;
  location: string | null;
  html: string;
}

const unescapeHtml = (text: string) =>
  text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function attributes(tag: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [, name, value] of tag.matchAll(/([a-zA-Z_:-]+)="([^"]*)"/g)) found[name!.toLowerCase()] = unescapeHtml(value!);
  return found;
}

/** The page's first POST form with its hidden fields, as a browser would read them. */
export function formOf(html: string): HostedForm {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  assert.ok(form, `no form on the page: ${html.slice(0, 500)}`);
  const attrs = attributes(form[1]!);
  assert.equal(attrs.method?.toLowerCase(), 'post');
  const fields: Record<string, string> = {};
  for (const [input] of form[2]!.matchAll(/<input\b[^>]*>/gi)) {
    const a = attributes(input);
    if (a.type === 'hidden' && a.name) fields[a.name] = a.value ?? '';
  }
  return { action: attrs.action!, fields };
}

/** GETs a hosted page (redirects not followed). */
export async function openPage(url: string): Promise<{ status: number; location: string | null; html: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/** Submits `form` as a browser does (urlencoded, its hidden fields plus `typed`). */
export async function submit(form: HostedForm, typed: Record<string, string>): Promise<Submitted> {
  const res = await fetch(form.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form.fields, ...typed }).toString(),
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/** A card as typed on a page: the number, an expiry years ahead, a CVC. */
const typedCard = (number: string) => ({ number, expiry: '12/39', cvc: '123' });

/**
 * Pays on the card processor's hosted page with `number`: answers where the payer was sent
 * (the return URL with `redirect_status`, or the 3-D Secure page for the challenge card).
 */
export async function payByCard(checkoutUrl: string, number: string): Promise<Submitted> {
  const page = await openPage(checkoutUrl);
  assert.equal(page.status, 200, `the payment page: ${page.status} ${page.html.slice(0, 300)}`);
  return submit(formOf(page.html), typedCard(number));
}

/** On the 3-D Secure page a payment with the challenge card leads to: "Complete" or "Fail". */
export async function answerChallenge(challengeUrl: string, result: 'complete' | 'fail'): Promise<Submitted> {
  const page = await openPage(challengeUrl);
  assert.equal(page.status, 200, `the 3-D Secure page: ${page.status}`);
  return submit(formOf(page.html), { result });
}

/** Saves `number` on the card processor's setup page (`setupUrl` of `POST /me/payout-details/card-setup`). */
export async function saveCard(setupUrl: string, number: string): Promise<Submitted> {
  const page = await openPage(setupUrl);
  assert.equal(page.status, 200, `the setup page: ${page.status}`);
  return submit(formOf(page.html), typedCard(number));
}

/** Approves (or cancels) on PayPal's hosted approval page as the sandbox account `email`. */
export async function approveOnPaypal(checkoutUrl: string, email: string, action: 'approve' | 'cancel' = 'approve'): Promise<Submitted> {
  const page = await openPage(checkoutUrl);
  assert.equal(page.status, 200, `the approval page: ${page.status} ${page.html.slice(0, 300)}`);
  return submit(formOf(page.html), { email, action });
}

/** The query of the URL the provider sent the payer back to. */
export function returnedTo(submitted: Submitted): URL {
  assert.equal(submitted.status, 303, `expected a redirect, got ${submitted.status}: ${submitted.html.slice(0, 300)}`);
  return new URL(submitted.location!);
}

/** The payment intent (`pi_…`) a card checkout URL names. */
export function intentOf(checkoutUrl: string): string {
  const id = /\/pay\/(pi_[A-Za-z0-9]+)/.exec(checkoutUrl)?.[1];
  assert.ok(id, `not a card checkout URL: ${checkoutUrl}`);
  return id;
}

/** The PayPal order a checkout URL names (`…/checkoutnow?token=<order id>`). */
export function orderOf(checkoutUrl: string): string {
  const id = new URL(checkoutUrl).searchParams.get('token');
  assert.ok(id, `not a PayPal checkout URL: ${checkoutUrl}`);
  return id;
}

/** A GET of the card processor's API with the secret key, e.g. `/v1/payment_intents?limit=100`. */
export async function cardApi(stand: PaymentStandIns, path: string) {
  const res = await fetch(`${stand.url}/card${path}`, { headers: { authorization: `Bearer ${PAYMENT_SECRETS.cardSecretKey}` } });
  assert.equal(res.status, 200, `GET /card${path}: ${res.status}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (await res.json()) as any;
}

/** `Stripe-Signature` for `body` signed at `t` (unix seconds) with `secret` (ours by default). */
export function cardSignature(body: string, t: number, secret: string = PAYMENT_SECRETS.cardWebhookSecret): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** A card processor event as it is delivered, about `object` (a payment intent, a payout…). */
export function cardEvent(type: string, object: Record<string, unknown>, createdMs: number, id = `evt_${randomBytes(12).toString('hex')}`): string {
  return JSON.stringify({ id, object: 'event', type, created: Math.floor(createdMs / 1000), data: { object }, livemode: false });
}

/** A delivery kept away from the app: what the provider POSTed, byte for byte. */
export interface Delivery {
  path: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * The stand-ins' deliveries go through this to the app. Deliveries whose body names a held
 * reference (a `pi_…` or a PayPal order id) are answered 200 and kept for the test instead.
 */
export function tapWebhooks(stand: PaymentStandIns, fetchApp: (req: Request) => Response | Promise<Response>) {
  const held = new Set<string>();
  const all: Delivery[] = [];
  stand.attach(async (req) => {
    const body = await req.clone().text();
    if (![...held].some((ref) => body.includes(ref))) return fetchApp(req);
    all.push({ path: new URL(req.url).pathname, body, headers: Object.fromEntries(req.headers.entries()) });
    return new Response('kept by the test', { status: 200 });
  });
  const typeOf = (d: Delivery) => {
    const event = JSON.parse(d.body) as { type?: string; event_type?: string };
    return event.type ?? event.event_type;
  };
  const kept = (ref: string, type?: string) => all.filter((d) => d.body.includes(ref) && (type === undefined || typeOf(d) === type));
  return {
    /** From now on, keeps every delivery that names `ref`. */
    hold: (ref: string) => void held.add(ref),
    /** The deliveries kept so far that name `ref` (of `type`, if given), in arrival order. */
    kept,
    /** Waits for a kept delivery naming `ref` (of `type`). */
    next: (ref: string, type?: string): Promise<Delivery> => pollUntil(() => kept(ref, type)[0], { what: `a ${type ?? 'webhook'} delivery about ${ref}` }),
  };
}

/** `GET /top-ups/{id}` until its status is `status`; answers the top-up. */
export async function topUpWhen(call: Caller, user: TestUser, id: number, status: 'approved' | 'declined' | 'pending', timeoutMs = 15_000) {
  return pollUntil(
    async () => {
      const res = await call('GET', `/top-ups/${id}`, { token: user.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.status === status ? res.body : undefined;
    },
    { timeoutMs, what: `top-up ${id} to be ${status}` },
  );
}

/** `POST /top-ups` with a fresh Idempotency-Key; asserts 201 and answers the top-up (pending, with its page). */
export async function startTopUp(call: Caller, user: TestUser, amountCents: number, method: 'card' | 'paypal' = 'card') {
  const res = await call('POST', '/top-ups', { token: user.token, body: { amountCents, method }, headers: { 'idempotency-key': `top-up-${randomBytes(8).toString('hex')}` } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.status, 'pending');
  return res.body;
}

/**
 * A whole card top-up as a payer makes it: start, pay on the page with `number`, wait for the
 * webhook's credit. Answers the approved top-up and the payment intent it was paid by.
 */
export async function topUpByCard(call: Caller, user: TestUser, amountCents: number, number = '4242424242424242') {
  const started = await startTopUp(call, user, amountCents, 'card');
  assert.equal(returnedTo(await payByCard(started.checkoutUrl, number)).searchParams.get('redirect_status'), 'succeeded');
  return { topUp: await topUpWhen(call, user, started.id, 'approved'), intent: intentOf(started.checkoutUrl) };
}

/** A whole PayPal top-up: start, approve as `email`, come back (the web client captures), wait for the credit. */
export async function topUpByPaypal(call: Caller, user: TestUser, amountCents: number, email = 'payer@paypal.example') {
  const topUp = await startTopUp(call, user, amountCents, 'paypal');
  returnedTo(await approveOnPaypal(topUp.checkoutUrl, email));
  const captured = await call('POST', `/top-ups/${topUp.id}/capture`, { token: user.token });
  assert.equal(captured.status, 200, JSON.stringify(captured.body));
  return topUpWhen(call, user, topUp.id, 'approved');
}

/** Delivers a kept delivery (or a crafted one) to the app, with its signature headers. */
export function deliver(call: Caller, delivery: Pick<Delivery, 'path' | 'body' | 'headers'>) {
  const signatureHeaders = Object.fromEntries(Object.entries(delivery.headers).filter(([name]) => /^(stripe-|paypal-)/i.test(name)));
  return call('POST', delivery.path, { body: delivery.body, headers: signatureHeaders });
}

/** A card event delivery signed at `t` (unix seconds) with our webhook secret, as the processor sends it. */
export function signedCardDelivery(body: string, t: number): Delivery {
  return { path: '/webhooks/card', body, headers: { 'stripe-signature': cardSignature(body, t) } };
}
