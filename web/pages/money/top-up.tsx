/**
 * Adding funds (K-47: "Add Funds" → choose method → redirect to the payment system): the form
 * takes the amount and the method only — no card number is typed on any page of ours — and
 * sends the browser to the provider's hosted page (`wallet.startTopUp`'s `checkoutUrl`). The
 * provider sends the payer back to `/balance/top-ups/<id>/return` (PayPal's order is captured
 * there) or, cancelled, to `/balance/top-ups/<id>?cancelled=1`. The top-up stays pending until
 * the provider's verified webhook reaches the API, so its page polls a fragment (htmx, every
 * second) while it is pending — or declined, when the payer comes back from another attempt on
 * the same card payment — with a "Check again" link for a browser without JavaScript. Back from
 * the provider's Cancel, the top-up ends (`wallet.payerCancelled`, the provider asked first); a
 * pending one has a "Cancel this top-up" button.
 * `/balance/top-up?amount=<cents>` prefills the amount: the add-funds prompt of K-02.
 * `&next=/jobs/<id>` comes from a job's payment box (W-07), `&next=/offers/<id>?<choice>` from an
 * offer's short balance (K-02): the top-up's page then leads back to the job, or to the offer with
 * the choice filled in, once the money is there (a short-lived cookie carries it past the provider's page).
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import { walletRules } from '../../../services/policy.js';
import type { TopUpView } from '../../../services/wallet.js';
import { AppError } from '../../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { dollars, firstOf, idOf, parseForm, readForm, refusalOf, type FormData, type Refusal } from '../../forms.js';
import { page, redirect, userOf, type WebContext } from '../../page.js';
import { ActionButton, Field, FieldError, Form, Money, Time, money, type FieldErrors } from '../../ui.js';
import { MAX_BACK_LENGTH } from '../catalog/offer-order.js';

type Pages = Hono<WebEnv>;

/** `POST /top-ups`'s body, from the form: the amount in dollars and the method, with the hidden key. */
const TopUpForm = z.object({
  amount: dollars(walletRules.topUpMinCents, walletRules.topUpMaxCents),
  method: z.enum(['card', 'paypal'], { error: 'choose card or PayPal' }),
  idempotencyKey: z.string({ error: 'reload the page and try again' }).min(1).max(100),
});

export const topUpStatusLabel: Record<TopUpView['status'], string> = {
  approved: 'Approved: the money is on your balance',
  pending: 'Pending: waiting for the payment provider to confirm',
  declined: 'Declined',
  cancelled: 'Cancelled: nothing was charged',
};

/** The top-up in the address: a valid id, else the 404 page. */
function topUpIdOf(c: WebContext): number {
  const id = idOf(c.req.param('id'));
  if (id === undefined) throw new AppError('not_found', 'no such top-up');
  return id;
}

const MethodChoice: FC<{ value?: string; errors: FieldErrors }> = ({ value, errors }) => (
  <fieldset aria-describedby={errors.method ? 'f-method-error' : undefined}>
    <legend>Pay with</legend>
    <p>
      <input type="radio" id="m-card" name="method" value="card" checked={value !== 'paypal'} aria-invalid={errors.method ? 'true' : undefined} />
      <label for="m-card">Card</label>{' '}
      <input type="radio" id="m-paypal" name="method" value="paypal" checked={value === 'paypal'} aria-invalid={errors.method ? 'true' : undefined} />
      <label for="m-paypal">PayPal</label>
    </p>
    <FieldError id="f-method-error" error={errors.method} />
  </fieldset>
);

/**
 * Where an "add funds" link asked to come back to: a job's page (W-07), or an offer's page with
 * the choice in its query (K-02, web/pages/catalog/offer-order.tsx `backFromTopUp`); nothing else.
 */
const AFTER_TOP_UP = 'gf_after_top_up';
const backTo = (raw: string | undefined) =>
  raw && (/^\/jobs\/\d{1,16}$/.test(raw) || (/^\/offers\/\d{1,15}(\?[\w%.~*+=&-]*)?$/.test(raw) && encodeURIComponent(raw).length <= MAX_BACK_LENGTH)) ? raw : undefined;

/** The amount a link asked for (`?amount=` in cents, K-02), as the dollars the field shows. */
const prefill = (cents: string | undefined) => (cents && /^\d{1,9}$/.test(cents) ? (Number(cents) / 100).toFixed(2) : undefined);

function showForm(deps: WebDeps) {
  return (c: WebContext, form: FormData, errors: FieldErrors = {}, refusal?: Pick<Refusal, 'status' | 'message'>) =>
    page(
      c,
      deps,
      'Add funds',
      (v) => (
        <Form action="/balance/top-up" csrf={v.csrf} label="add funds" error={refusal ? `Refused (${refusal.status}): ${refusal.message}` : undefined}>
          <input type="hidden" name="idempotencyKey" value={randomUUID()} />
          {backTo(firstOf(form.next) ?? c.req.query('next')) ? <input type="hidden" name="next" value={backTo(firstOf(form.next) ?? c.req.query('next'))} /> : null}
          <Field
            name="amount"
            label="Amount in dollars"
            value={firstOf(form.amount) ?? prefill(c.req.query('amount'))}
            errors={errors}
            hint={`${money(walletRules.topUpMinCents)} to ${money(walletRules.topUpMaxCents)}`}
            autocomplete="transaction-amount"
          />
          <MethodChoice value={firstOf(form.method)} errors={errors} />
          <p class="muted">You pay on the card processor’s or PayPal’s own page; gigflow never sees your card number. Card money is withdrawable a month after it arrives (K-48).</p>
          <button type="submit">Continue to payment</button>
        </Form>
      ),
      refusal?.status ?? (Object.keys(errors).length ? 400 : 200),
    );
}

function topUpForm(app: Pages, deps: WebDeps) {
  const show = showForm(deps);
  app.get('/balance/top-up', (c) => {
    userOf(c);
    return show(c, {});
  });
  app.post('/balance/top-up', async (c) => {
    const user = userOf(c);
    const form = await readForm(c);
    const parsed = parseForm(TopUpForm, form);
    // The hidden key is no field a person can correct: its refusal goes on top of the form.
    if (!parsed.ok) return show(c, form, parsed.errors, parsed.errors.idempotencyKey ? { status: 400, message: 'the form has expired: reload the page and send it again' } : undefined);
    const { amount: amountCents, method, idempotencyKey } = parsed.data;
    const next = backTo(firstOf(form.next));
    if (next) setCookie(c, AFTER_TOP_UP, next, { path: '/balance', httpOnly: true, sameSite: 'Lax', maxAge: 3_600 });
    try {
      const { topUp } = await deps.services.wallet.startTopUp(user.id, { amountCents, method }, idempotencyKey);
      // To the provider's hosted page (another origin: the CSP's form-action allows it, web/app.ts).
      return topUp.checkoutUrl ? c.redirect(topUp.checkoutUrl, 303) : redirect(c, `/balance/top-ups/${topUp.id}`);
    } catch (err) {
      const r = refusalOf(err);
      return show(c, form, r.errors, r);
    }
  });
}

/** What the payer can do next: wait (and check again), pay after all, or try again. */
const NextStep: FC<{ topUp: TopUpView; cancelled: boolean; csrf: string; back?: string | undefined }> = ({ topUp, cancelled, csrf, back }) => {
  const again = `/balance/top-up?amount=${topUp.amountCents}`;
  if (topUp.status === 'approved') {
    return (
      <p>
        {back ? (
          <>
            {back.startsWith('/offers/') ? (
              <a class="button" href={back} id="back-to-offer">
                Back to the offer to order
              </a>
            ) : (
              <a class="button" href={back} id="back-to-job">
                Back to the job to pay
              </a>
            )}{' '}
          </>
        ) : null}
        <a href="/balance">Balance and statement</a>
      </p>
    );
  }
  if (topUp.status === 'cancelled') {
    return (
      <p>
        <a href={again}>Start a new top-up</a> · <a href="/balance">Balance</a>
      </p>
    );
  }
  if (topUp.status === 'declined') {
    return (
      <p>
        {topUp.method === 'card' && topUp.checkoutUrl ? (
          <>
            <a class="button" href={topUp.checkoutUrl}>Try another card</a>{' '}
          </>
        ) : null}
        <a href={again}>Start a new top-up</a> · <a href="/balance">Balance</a>
      </p>
    );
  }
  return (
    <p>
      {cancelled ? 'You left the provider’s page without paying; nothing was charged. ' : null}
      <a href={`/balance/top-ups/${topUp.id}`}>Check again</a>
      {topUp.checkoutUrl ? (
        <>
          {' '}· <a href={topUp.checkoutUrl}>{cancelled ? 'Pay after all' : 'Continue to payment'}</a>
        </>
      ) : null}{' '}
      · <a href="/balance">Balance</a>{' '}
      <ActionButton action={`/balance/top-ups/${topUp.id}/cancel`} csrf={csrf} label="Cancel this top-up" class="secondary" />
    </p>
  );
};

/** How the payer arrived: left the provider's page (`?cancelled=1`), or back from paying (`?paid=<ms>`). */
interface Visit {
  cancelled: boolean;
  /** When the provider sent the payer back saying they paid: a decline before it may be stale (a retry on the same payment). */
  paidAt: number | null;
  /** When the page first showed: polling stops 10 minutes later ("Check again" stays). */
  since: number;
}

const POLL_FOR_MS = 10 * 60_000;

/** A time in the address (ms), if it is a recent one. */
function recentMs(raw: string | undefined, now: number): number | null {
  const ms = raw && /^\d{13}$/.test(raw) ? Number(raw) : NaN;
  return ms > now - POLL_FOR_MS && ms <= now + 60_000 ? ms : null;
}

function visitOf(c: WebContext): Visit {
  const now = Date.now();
  return { cancelled: c.req.query('cancelled') === '1', paidAt: recentMs(c.req.query('paid'), now), since: recentMs(c.req.query('since'), now) ?? now };
}

/** Whether the panel asks for itself again: undecided, or declined before a new attempt the provider took. */
function pollOf(topUp: TopUpView, visit: Visit): string | undefined {
  const waiting = (topUp.status === 'pending' && !visit.cancelled) || (topUp.status === 'declined' && visit.paidAt !== null && visit.paidAt > Date.parse(topUp.decidedAt ?? ''));
  if (!waiting || Date.now() - visit.since > POLL_FOR_MS) return undefined;
  return `/balance/top-ups/${topUp.id}/panel?since=${visit.since}${visit.paidAt ? `&paid=${visit.paidAt}` : ''}`;
}

/**
 * The top-up as it stands. While it waits for the provider (and the payer did not leave) it asks
 * for itself again every second (htmx swaps it in place); once decided, the answer no longer polls.
 */
const TopUpPanel: FC<{ topUp: TopUpView; balanceCents: number; visit: Visit; csrf: string; zone?: string | undefined; back?: string | undefined }> = ({ topUp, balanceCents, visit, csrf, zone, back }) => {
  const poll = pollOf(topUp, visit);
  return (
    <div id="top-up-panel" hx-get={poll} hx-trigger={poll ? 'every 1s' : undefined} hx-swap="outerHTML" aria-live="polite">
      <p id="top-up-status" data-status={topUp.status}>
        <strong>{topUpStatusLabel[topUp.status]}</strong>
        {topUp.declineReason ? ` (${topUp.declineReason.replaceAll('_', ' ')})` : null}
        {poll && topUp.status === 'declined' ? '; waiting for the provider to confirm your new attempt' : null}
      </p>
      <p>
        <Money cents={topUp.amountCents} /> from {topUp.source}, started <Time at={topUp.createdAt} zone={zone} />.
        {topUp.withdrawableAt ? (
          <>
            {' '}
            Withdrawable from <Time at={topUp.withdrawableAt} zone={zone} /> (K-48).
          </>
        ) : null}
        {topUp.refundedAt ? (
          <>
            {' '}
            Refunded to its card <Time at={topUp.refundedAt} zone={zone} />.
          </>
        ) : null}
      </p>
      <p>
        Your main balance: <strong id="balance-after"><Money cents={balanceCents} /></strong>
      </p>
      <NextStep topUp={topUp} cancelled={visit.cancelled} csrf={csrf} back={back} />
    </div>
  );
};

/** The header's balance, swapped out of band when a polled answer brings the money. */
const HeaderBalance: FC<{ cents: number }> = ({ cents }) => (
  <a href="/balance" id="header-balance" hx-swap-oob="true">
    Balance <Money cents={cents} />
  </a>
);

/**
 * Where the provider sends the payer back: its redirect's word is a hint for the page (what to
 * say, whether to wait for a confirmation), never the top-up's state, which only a webhook sets.
 */
function returnOf(c: WebContext): { flash: string; paid: boolean } {
  if (c.req.query('redirect_status') === 'failed') return { flash: 'The card processor did not take the payment.', paid: false };
  if (c.req.query('PayerID')) return { flash: 'PayPal approved the payment; it is being captured.', paid: true };
  return { flash: 'Back from the payment provider.', paid: c.req.query('redirect_status') === 'succeeded' };
}

function topUpResult(app: Pages, deps: WebDeps) {
  const { wallet } = deps.services;
  // The balance is read after the top-up: the webhook credits both in one transaction, so an
  // approved top-up is never shown beside a balance read before its credit (read at once, it was).
  const read = async (userId: number, id: number) => {
    const topUp = await wallet.getTopUp(userId, id);
    return { topUp, balanceCents: (await wallet.balance(userId)).mainCents };
  };
  app.get('/balance/top-ups/:id', async (c) => {
    const user = userOf(c);
    const id = topUpIdOf(c);
    // Back from the provider's Cancel (its cancel_url): the top-up ends once the provider confirms
    // the payer did not pay.
    if (visitOf(c).cancelled) await wallet.payerCancelled(user.id, id);
    const { topUp, balanceCents } = await read(user.id, id);
    return page(c, deps, `Top-up #${topUp.id}`, (v) => (
      <TopUpPanel topUp={topUp} balanceCents={balanceCents} visit={visitOf(c)} csrf={v.csrf} zone={v.timeZone} back={backTo(getCookie(c, AFTER_TOP_UP))} />
    ));
  });
  // The user gives up a pending top-up (the provider is asked first that nothing was paid).
  app.post('/balance/top-ups/:id/cancel', async (c) => {
    const user = userOf(c);
    const id = topUpIdOf(c);
    try {
      await wallet.cancelTopUp(user.id, id);
      return redirect(c, `/balance/top-ups/${id}`, 'The top-up is cancelled; nothing was charged.');
    } catch (err) {
      return redirect(c, `/balance/top-ups/${id}`, `Not cancelled: ${refusalOf(err).message}`);
    }
  });
  // The panel alone, for htmx polling (the page script shows its times in the viewer's zone); signed out, 204.
  app.get('/balance/top-ups/:id/panel', async (c) => {
    if (!c.var.user) return c.body(null, 204);
    const { topUp, balanceCents } = await read(c.var.user.id, topUpIdOf(c));
    return c.html(
      <>
        <TopUpPanel topUp={topUp} balanceCents={balanceCents} visit={visitOf(c)} csrf={c.var.csrf} back={backTo(getCookie(c, AFTER_TOP_UP))} />
        {topUp.status === 'approved' ? <HeaderBalance cents={balanceCents} /> : null}
      </>,
    );
  });
  app.get('/balance/top-ups/:id/return', async (c) => {
    const user = userOf(c);
    const topUp = await wallet.returnFromProvider(user.id, topUpIdOf(c));
    const back = returnOf(c);
    return redirect(c, `/balance/top-ups/${topUp.id}${back.paid ? `?paid=${Date.now()}` : ''}`, back.flash);
  });
}

export function topUpPages(app: Pages, deps: WebDeps) {
  topUpForm(app, deps);
  topUpResult(app, deps);
}
