/**
 * The card processor's hosted pages: the payment page (`/pay/{pi}`), its 3-D Secure challenge
 * (`/pay/{pi}/3ds`) and the page that saves a card for payouts (`/setup/{seti}`). The only
 * place a card number is typed; it is reduced to brand, last four and fingerprint at once.
 */
import { Hono, type Context } from 'hono';
import { cardDetails, cardNumber, cvcValid, expiry, payoutBehaviour, paymentBehaviour } from './card-numbers.js';
import type { CardProcessor, PaymentIntent, PaymentOutcome, SetupIntent, TypedCard } from './card-state.js';
import { dollars, ErrorLine, formFields, Hidden, Layout, problemPage, returnUrl, withQuery } from './pages.js';
import { CardError } from './stripe-wire.js';

const PROVIDER = 'Card processor';

export interface CardPagesDeps {
  processor: CardProcessor;
  /** The fingerprint HMAC key, drawn at start. */
  fingerprintKey: Buffer;
  now: () => number;
  /** The public URL of `/card`, for form actions and redirects. */
  baseUrl: string;
}

/** The hosted pages, to mount beside the API under `/card`. */
export function cardPageRoutes(deps: CardPagesDeps): Hono {
  const pages = new Hono();
  pages.get('/pay/:id', (c) => withIntent(c, deps, c.req.query(), (intent, back) => showPayment(c, deps, intent, back)));
  pages.post('/pay/:id', async (c) => {
    const fields = await formFields(c);
    return withIntent(c, deps, fields, (intent, back) => submitPayment(c, deps, intent, back, fields));
  });
  pages.get('/pay/:id/3ds', (c) => withIntent(c, deps, c.req.query(), (intent, back) => showChallenge(c, deps, intent, back)));
  pages.post('/pay/:id/3ds', async (c) => {
    const fields = await formFields(c);
    return withIntent(c, deps, fields, (intent, back) => {
      if (fields.result !== 'complete' && fields.result !== 'fail') return showChallenge(c, deps, intent, back);
      return afterAttempt(c, deps, intent, back, deps.processor.authenticate(intent, fields.result === 'complete'));
    });
  });
  pages.get('/setup/:id', (c) => withSetup(c, deps, c.req.query(), (setup, back) => showSetup(c, deps, setup, back)));
  pages.post('/setup/:id', async (c) => {
    const fields = await formFields(c);
    return withSetup(c, deps, fields, (setup, back) => submitSetup(c, deps, setup, back, fields));
  });
  return pages;
}

type Fields = Record<string, string | undefined>;

/** Runs `page` for the intent in the path when the client secret and return URL are right. */
function withIntent(c: Context, deps: CardPagesDeps, fields: Fields, page: (intent: PaymentIntent, back: URL) => Response | Promise<Response>) {
  let intent: PaymentIntent;
  try {
    intent = deps.processor.paymentIntent(c.req.param('id') ?? '');
  } catch {
    return problemPage(c, PROVIDER, 404, 'Payment not found', 'This payment link names no payment.');
  }
  return guarded(c, intent.client_secret, fields, (back) => page(intent, back));
}

function withSetup(c: Context, deps: CardPagesDeps, fields: Fields, page: (setup: SetupIntent, back: URL) => Response | Promise<Response>) {
  let setup: SetupIntent;
  try {
    setup = deps.processor.setupIntent(c.req.param('id') ?? '');
  } catch {
    return problemPage(c, PROVIDER, 404, 'Link not found', 'This link names no card to save.');
  }
  return guarded(c, setup.client_secret, fields, (back) => page(setup, back));
}

/** The secret must match and the return URL be absolute http(s); a state conflict is a page too. */
async function guarded(c: Context, secret: string, fields: Fields, page: (back: URL) => Response | Promise<Response>) {
  if (fields.client_secret !== secret) return problemPage(c, PROVIDER, 403, 'Link not valid', 'The client secret in this link is wrong.');
  const back = returnUrl(fields.return_url);
  if (!back) return problemPage(c, PROVIDER, 400, 'Link not valid', 'This link has no valid return_url to send you back to.');
  try {
    return await page(back);
  } catch (error) {
    if (error instanceof CardError) return problemPage(c, PROVIDER, 400, 'Cannot do that now', error.message);
    throw error;
  }
}

/** Where the payer goes after an attempt: back to the shop, or to the 3-D Secure challenge. */
function afterAttempt(c: Context, deps: CardPagesDeps, intent: PaymentIntent, back: URL, outcome: PaymentOutcome) {
  if (outcome === 'requires_action') {
    const query = new URLSearchParams({ client_secret: intent.client_secret, return_url: back.toString() });
    return c.redirect(`${deps.baseUrl}/pay/${intent.id}/3ds?${query}`, 303);
  }
  return c.redirect(withQuery(back, { payment_intent: intent.id, payment_intent_client_secret: intent.client_secret, redirect_status: outcome }), 303);
}

function showPayment(c: Context, deps: CardPagesDeps, intent: PaymentIntent, back: URL, error?: string, status: 400 | 200 = 200) {
  if (intent.status === 'succeeded') return afterAttempt(c, deps, intent, back, 'succeeded');
  if (intent.status === 'requires_action') return afterAttempt(c, deps, intent, back, 'requires_action');
  return c.html(
    <Layout provider={PROVIDER} title="Pay by card">
      <div class="amount">{dollars(intent.amount)}</div>
      <CardForm action={`${deps.baseUrl}/pay/${intent.id}`} secret={intent.client_secret} back={back} error={error ?? intent.last_payment_error?.message} label={`Pay ${dollars(intent.amount)}`} />
    </Layout>,
    status,
  );
}

async function submitPayment(c: Context, deps: CardPagesDeps, intent: PaymentIntent, back: URL, fields: Fields) {
  if (intent.status !== 'requires_payment_method') return showPayment(c, deps, intent, back);
  const card = typedCard(fields, deps);
  if ('error' in card) return showPayment(c, deps, intent, back, card.error, 400);
  return afterAttempt(c, deps, intent, back, deps.processor.pay(intent, card));
}

function showChallenge(c: Context, deps: CardPagesDeps, intent: PaymentIntent, back: URL) {
  if (intent.status !== 'requires_action') return showPayment(c, deps, intent, back);
  return c.html(
    <Layout provider={PROVIDER} title="3-D Secure">
      <p>Your bank asks you to confirm this payment of {dollars(intent.amount)}.</p>
      <form method="post" action={`${deps.baseUrl}/pay/${intent.id}/3ds`}>
        <Hidden name="client_secret" value={intent.client_secret} />
        <Hidden name="return_url" value={back.toString()} />
        <button type="submit" name="result" value="complete">Complete</button>{' '}
        <button type="submit" name="result" value="fail" class="secondary">Fail</button>
      </form>
    </Layout>,
  );
}

function showSetup(c: Context, deps: CardPagesDeps, setup: SetupIntent, back: URL, error?: string, status: 400 | 200 = 200) {
  if (setup.status === 'succeeded') return c.redirect(setupDone(setup, back), 303);
  return c.html(
    <Layout provider={PROVIDER} title="Save a card for payouts">
      <CardForm action={`${deps.baseUrl}/setup/${setup.id}`} secret={setup.client_secret} back={back} error={error} label="Save card" />
    </Layout>,
    status,
  );
}

function submitSetup(c: Context, deps: CardPagesDeps, setup: SetupIntent, back: URL, fields: Fields) {
  if (setup.status !== 'requires_payment_method') return showSetup(c, deps, setup, back);
  const card = typedCard(fields, deps);
  if ('error' in card) return showSetup(c, deps, setup, back, card.error, 400);
  deps.processor.saveCard(setup, card);
  return c.redirect(setupDone(setup, back), 303);
}

function setupDone(setup: SetupIntent, back: URL): string {
  return withQuery(back, { setup_intent: setup.id, setup_intent_client_secret: setup.client_secret, redirect_status: 'succeeded' });
}

/** The typed card reduced to what is kept, or why it is refused. The number goes no further. */
function typedCard(fields: Fields, deps: CardPagesDeps): TypedCard | { error: string } {
  const number = cardNumber(fields.number ?? '');
  if (!number) return { error: 'Your card number is invalid.' };
  const exp = expiry(fields.expiry ?? '', deps.now());
  if (!exp) return { error: "Your card's expiration date is invalid or in the past (MM/YY)." };
  if (!cvcValid(fields.cvc ?? '')) return { error: "Your card's security code is invalid." };
  return { details: cardDetails(number, exp, deps.fingerprintKey), behaviour: paymentBehaviour(number), payout: payoutBehaviour(number) };
}

function CardForm(props: { action: string; secret: string; back: URL; error: string | undefined; label: string }) {
  return (
    <form method="post" action={props.action}>
      <ErrorLine message={props.error} />
      <Hidden name="client_secret" value={props.secret} />
      <Hidden name="return_url" value={props.back.toString()} />
      <label for="number">Card number</label>
      <input type="text" id="number" name="number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required />
      <div class="row">
        <div>
          <label for="expiry">Expiry (MM/YY)</label>
          <input type="text" id="expiry" name="expiry" autocomplete="cc-exp" placeholder="12/34" required />
        </div>
        <div>
          <label for="cvc">CVC</label>
          <input type="text" id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" required />
        </div>
      </div>
      <button type="submit">{props.label}</button>
      <p class="note">Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, 4000 0027 6000 3184 asks for 3-D Secure.</p>
    </form>
  );
}
