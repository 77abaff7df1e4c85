/**
 * Where withdrawals go (K-50): a card saved on the card processor's own page (we keep its
 * token and `Visa •••• 4242`, never the number) or a PayPal account. "Save a card" sends the
 * browser to the provider's page (`payoutDetails.startCardSetup`), which sends it back to
 * `/balance/payout-details/card-return?setup_intent=…&redirect_status=…`, where the card is
 * taken on. D-10: after an email or login change the details cannot change for 7 days (the
 * page says until when, and so does the refusal); any change pauses withdrawals for 7 days.
 */
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { WithdrawalLock } from '../../../services/accounts.js';
import { emailAddress } from '../../../services/email-address.js';
import type { PayoutDetailsView } from '../../../services/payout-details.js';
import { AppError } from '../../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { firstOf, parseForm, readForm, refusalOf, text, type FormData, type Refusal } from '../../forms.js';
import { page, redirect, userOf, type WebContext } from '../../page.js';
import { Field, Form, Time, type FieldErrors, type Viewer } from '../../ui.js';
import { methodLabel } from './parts.js';

type Pages = Hono<WebEnv>;

const PaypalForm = z.object({ account: text(254).pipe(emailAddress('enter your PayPal account’s email')) });
/** The provider's redirect back: the setup it names, and whether the card was saved. */
const CardReturn = z.object({
  setup_intent: z.string({ error: 'no saved card named' }).regex(/^[A-Za-z0-9_]{1,200}$/, 'not a saved card’s reference'),
  redirect_status: z.literal('succeeded', { error: 'the card was not saved on the provider’s page' }),
});

interface Shown {
  form?: FormData;
  errors?: FieldErrors;
  refusal?: Pick<Refusal, 'status' | 'message'>;
  /** D-10: a lock's refusal names when it lifts. */
  lockedUntil?: string;
}

const lockCause = (lock: WithdrawalLock) => (lock.reason === 'login_change' ? 'your login changed' : lock.reason === 'email_change' ? 'your email changed' : 'your payout details changed');

/** D-10's locks in force: the details' own, and the withdrawal pause. */
const Locks: FC<{ locks: WithdrawalLock[]; zone?: string }> = ({ locks, zone }) => {
  const details = locks.find((l) => l.scope === 'payout_details');
  const paused = locks.find((l) => l.scope === 'withdrawals');
  return (
    <>
      {details ? (
        <p class="notice" id="details-locked">
          Locked: {lockCause(details)}, so payout details cannot be added or changed until <Time at={details.endsAt} zone={zone} /> (D-10).
        </p>
      ) : null}
      {paused ? (
        <p class="notice" id="withdrawals-paused">
          Withdrawals are paused until <Time at={paused.endsAt} zone={zone} />: {lockCause(paused)} (K-51, D-10).
        </p>
      ) : null}
    </>
  );
};

const Current: FC<{ details: PayoutDetailsView | null }> = ({ details }) => (
  <p id="payout-current">
    {details ? (
      <>
        Withdrawals are paid to: <strong>{details.account}</strong> ({methodLabel[details.method]})
        {details.usable ? null : <span class="error"> — save this card again below before withdrawing</span>}
      </>
    ) : (
      'No payout details yet: add a card or a PayPal account to withdraw.'
    )}
  </p>
);

const DetailsForms: FC<{ viewer: Viewer; shown: Shown }> = ({ viewer, shown }) => (
  <div class="actions">
    <Form action="/balance/payout-details/card" csrf={viewer.csrf} label="save a card" id="card-form">
      <h2>A card</h2>
      <p>You type the card on the card processor’s page; gigflow keeps only a token and its last four digits.</p>
      <button type="submit">Save a card on the provider’s page</button>
    </Form>
    <Form action="/balance/payout-details/paypal" csrf={viewer.csrf} label="PayPal account" id="paypal-form">
      <h2>A PayPal account</h2>
      <Field name="account" label="PayPal account email" type="email" value={firstOf(shown.form?.account)} errors={shown.errors} autocomplete="email" />
      <button type="submit">Use this PayPal account</button>
    </Form>
  </div>
);

function showPage(deps: WebDeps) {
  return async (c: WebContext, shown: Shown = {}) => {
    const user = userOf(c);
    const [details, locks] = await Promise.all([deps.services.payoutDetails.get(user.id), deps.services.accounts.withdrawalLocks(user.id)]);
    const status = shown.refusal?.status ?? (shown.errors && Object.keys(shown.errors).length ? 400 : 200);
    return page(
      c,
      deps,
      'Payout details',
      (v) => (
        <>
          {shown.refusal ? (
            <p class="error form-error" role="alert" id="payout-refusal">
              Refused ({shown.refusal.status}): {shown.refusal.message}
              {shown.lockedUntil ? (
                <>
                  {' '}
                  <Time at={shown.lockedUntil} zone={v.timeZone} />.
                </>
              ) : null}
            </p>
          ) : null}
          <Current details={details} />
          <Locks locks={locks} zone={v.timeZone} />
          <p>Adding or changing payout details pauses withdrawals for 7 days (K-51, D-10).</p>
          <DetailsForms viewer={v} shown={shown} />
          <p>
            <a href="/balance">← Balance</a>
          </p>
        </>
      ),
      status,
    );
  };
}

/** A refusal in words: D-10's lock names the time it lifts (shown in the viewer's zone). */
function refusalShown(err: unknown): Shown {
  const r = refusalOf(err);
  if (err instanceof AppError && err.code === 'payout_details_locked' && typeof err.details?.until === 'string') {
    const cause = err.details.reason === 'login_change' ? 'your login changed' : 'your email changed';
    return { refusal: { status: r.status, message: `Locked (D-10): ${cause}, so payout details cannot be added or changed until` }, lockedUntil: err.details.until };
  }
  return { errors: r.errors, refusal: { status: r.status, message: r.message } };
}

export function payoutDetailPages(app: Pages, deps: WebDeps) {
  const show = showPage(deps);
  const { payoutDetails } = deps.services;
  app.get('/balance/payout-details', (c) => show(c));
  app.post('/balance/payout-details/paypal', async (c) => {
    const user = userOf(c);
    const form = await readForm(c);
    const parsed = parseForm(PaypalForm, form);
    if (!parsed.ok) return show(c, { form, errors: parsed.errors });
    try {
      const saved = await payoutDetails.set(user.id, { method: 'paypal', account: parsed.data.account });
      return redirect(c, '/balance/payout-details', `Withdrawals now go to PayPal ${saved.account}. Withdrawals are paused for 7 days (D-10).`);
    } catch (err) {
      return show(c, { form, ...(refusalShown(err)) });
    }
  });
  app.post('/balance/payout-details/card', async (c) => {
    const user = userOf(c);
    try {
      const { setupUrl } = await payoutDetails.startCardSetup(user.id);
      // To the provider's hosted page (another origin: the CSP's form-action allows it, web/app.ts).
      return c.redirect(setupUrl, 303);
    } catch (err) {
      return show(c, refusalShown(err));
    }
  });
  app.get('/balance/payout-details/card-return', async (c) => {
    const user = userOf(c);
    const parsed = CardReturn.safeParse(c.req.query());
    if (!parsed.success) return show(c, { refusal: { status: 400, message: `The card was not saved: ${parsed.error.issues[0]?.message}. Try again.` } });
    try {
      const saved = await payoutDetails.set(user.id, { method: 'card', setupRef: parsed.data.setup_intent });
      return redirect(c, '/balance/payout-details', `Withdrawals now go to ${saved.account}. Withdrawals are paused for 7 days (D-10).`);
    } catch (err) {
      return show(c, refusalShown(err));
    }
  });
}
