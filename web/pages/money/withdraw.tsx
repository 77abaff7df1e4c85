/**
 * The withdrawal form (K-50: "requested through a form on the Balance page"): the amount in
 * dollars, taken from the main balance with D-04's fee taken from it, to the payout details in
 * the next batch. The page shows what is withdrawable now, where the money goes, and the fee
 * and what arrives for the amount typed (recomputed by htmx as it changes; without JavaScript,
 * for the amount the page opened with). `withdrawals.request` decides: its refusals (not
 * withdrawable, below the method's minimum, no payout details) show on top of the form.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { PayoutDetailsView } from '../../../services/payout-details.js';
import type { Withdrawable } from '../../../services/withdrawable.js';
import type { WithdrawalPolicy } from '../../../workflows/withdrawal/messages.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { dollars, firstOf, parseForm, readForm, refusalOf, type FormData, type Refusal } from '../../forms.js';
import { page, redirect, userOf, type WebContext } from '../../page.js';
import { Field, Form, Money, Time, money, type FieldErrors } from '../../ui.js';
import { WhyNot } from './balance.js';
import { feeFor, feeText, methodLabel } from './parts.js';

type Pages = Hono<WebEnv>;

const smallest = (policy: WithdrawalPolicy) => Math.min(policy.fees.card.minAmountCents, policy.fees.paypal.minAmountCents);
const amountOf = (policy: WithdrawalPolicy) => dollars(smallest(policy), policy.maxAmountCents);

const WithdrawForm = (policy: WithdrawalPolicy) =>
  z.object({ amount: amountOf(policy), idempotencyKey: z.string({ error: 'reload the page and try again' }).min(1).max(100) });

/** One method's fee and net for the amount, or why there is none. */
const FeeLine: FC<{ policy: WithdrawalPolicy; method: 'card' | 'paypal'; cents: number }> = ({ policy, method, cents }) => {
  const min = policy.fees[method].minAmountCents;
  if (cents < min) return <li>{`${methodLabel[method]}: the smallest withdrawal is ${money(min)} (D-04)`}</li>;
  const { feeCents, netCents } = feeFor(policy, method, cents);
  return (
    <li data-method={method}>
      {methodLabel[method]}: fee {feeText(policy, method)} = <strong class="fee"><Money cents={feeCents} /></strong>; you receive <strong class="net"><Money cents={netCents} /></strong>
    </li>
  );
};

/** Why a typed amount has no fee line: its bound ("at most $10,000.00") or how to type one. */
const feeRefusal = (message: string | undefined) =>
  message && /^at (least|most) /.test(message) ? `For a fee, the amount must be ${message}.` : 'Enter an amount in dollars, such as 25 or 25.50, to see the fee.';

/**
 * The fee and what arrives for the typed amount, by the method of the payout details (both
 * methods while there are none). It asks for itself again as the amount changes.
 */
const FeePreview: FC<{ policy: WithdrawalPolicy; method: 'card' | 'paypal' | null; raw: string | undefined }> = ({ policy, method, raw }) => {
  const parsed = amountOf(policy).safeParse(raw ?? '');
  return (
    <div id="withdraw-fee" hx-get="/balance/withdraw/fee" hx-trigger="input delay:300ms from:#f-amount" hx-include="#f-amount" hx-swap="outerHTML" aria-live="polite">
      {parsed.success ? (
        <ul>
          {(method ? [method] : (['card', 'paypal'] as const)).map((m) => (
            <FeeLine policy={policy} method={m} cents={parsed.data} />
          ))}
        </ul>
      ) : raw === undefined || raw.trim() === '' ? (
        <p class="muted">Type an amount to see the fee and what you receive.</p>
      ) : (
        <p class="muted">{feeRefusal(parsed.error.issues[0]?.message)}</p>
      )}
    </div>
  );
};

const Destination: FC<{ details: PayoutDetailsView | null }> = ({ details }) =>
  details ? (
    <p id="withdraw-to">
      Paid to: <strong>{details.account}</strong> ({methodLabel[details.method]}) · <a href="/balance/payout-details">Change</a>
    </p>
  ) : (
    <p class="notice" id="withdraw-to">
      Add your <a href="/balance/payout-details">payout details</a> (a card or a PayPal account) before withdrawing.
    </p>
  );

interface Shown {
  form: FormData;
  errors?: FieldErrors;
  refusal?: Pick<Refusal, 'status' | 'code' | 'message'>;
}

async function readWithdraw(deps: WebDeps, userId: number) {
  const { wallet, payoutDetails, withdrawals } = deps.services;
  const [w, details, terms] = await Promise.all([wallet.withdrawable(userId), payoutDetails.get(userId), withdrawals.terms()]);
  return { withdrawable: w, details, terms };
}

/** When a pause (K-51, D-10: payout details or email changed) lets withdrawals go again; none: not paused. */
const pausedUntil = (w: Withdrawable): string | undefined =>
  w.notWithdrawable
    .filter((p) => p.reason === 'withdrawals_paused' && p.releasesAt)
    .map((p) => p.releasesAt!)
    .sort()
    .at(-1);

/**
 * A refusal in words: the API's message for an amount not withdrawable names its route (`GET
 * /balance/withdrawable`), which means nothing to a person; the page says what is withdrawable
 * and lists below when the rest becomes so.
 */
function refusalText(refusal: Pick<Refusal, 'code' | 'message'>, w: Withdrawable): string {
  if (refusal.code !== 'withdrawal_not_allowed' || !/withdrawable now/.test(refusal.message)) return refusal.message;
  const paused = pausedUntil(w) !== undefined;
  if (w.withdrawableCents === 0) return paused ? 'Nothing is withdrawable now: withdrawals are paused (K-51), until the date below.' : 'Nothing is withdrawable now: below, when your money becomes so.';
  return `At most ${money(w.withdrawableCents)} is withdrawable now: below, when the rest becomes so.`;
}

function showPage(deps: WebDeps) {
  return async (c: WebContext, shown: Shown) => {
    const user = userOf(c);
    const { withdrawable, details, terms } = await readWithdraw(deps, user.id);
    const { withdrawableCents } = withdrawable;
    const paused = pausedUntil(withdrawable);
    const { policy } = terms;
    // Opened with what one withdrawal may take: all that is withdrawable, up to the most at a time (our limit, K-50).
    const prefill = Math.min(withdrawableCents, policy.maxAmountCents);
    const amount = firstOf(shown.form.amount) ?? (prefill > 0 ? (prefill / 100).toFixed(2) : undefined);
    const hint = `at least ${money(policy.fees.card.minAmountCents)} to a card, ${money(policy.fees.paypal.minAmountCents)} to PayPal; at most ${money(policy.maxAmountCents)}; the fee is taken from it`;
    const refused = shown.refusal ? refusalText(shown.refusal, withdrawable) : undefined;
    const status = shown.refusal?.status ?? (shown.errors && Object.keys(shown.errors).length ? 400 : 200);
    return page(
      c,
      deps,
      'Withdraw',
      (v) => (
        <>
          <p>
            Withdrawable now: <strong id="withdraw-available"><Money cents={withdrawableCents} /></strong>
            {withdrawable.notWithdrawable.length ? (
              <>
                {' '}
                · <a href="#why-not">Why not more?</a>
              </>
            ) : null}
          </p>
          <Destination details={details} />
          <Form action="/balance/withdraw" csrf={v.csrf} label="withdraw" id="withdraw-form" error={refused}>
            <input type="hidden" name="idempotencyKey" value={randomUUID()} />
            <Field name="amount" label="Amount in dollars" value={amount} errors={shown.errors} hint={hint} autocomplete="transaction-amount" />
            <FeePreview policy={policy} method={details?.method ?? null} raw={amount} />
            {paused && paused > terms.nextBatchAt ? (
              <p id="withdraw-when">
                Withdrawals are paused until <strong><Time at={paused} zone={v.timeZone} /></strong> (K-51): one requested then leaves in the next batch after it.
              </p>
            ) : (
              <p id="withdraw-when">
                It leaves in the next batch, <strong><Time at={terms.nextBatchAt} zone={v.timeZone} /></strong>, unless you cancel it before.
              </p>
            )}
            <button type="submit">Request withdrawal</button>
          </Form>
          {withdrawable.notWithdrawable.length ? <WhyNot w={withdrawable} zone={v.timeZone} /> : null}
          <p>
            <a href="/balance/withdrawals">Your withdrawals</a> · <a href="/balance">Balance</a>
          </p>
        </>
      ),
      status,
    );
  };
}

export function withdrawPages(app: Pages, deps: WebDeps) {
  const show = showPage(deps);
  const { withdrawals, payoutDetails } = deps.services;
  app.get('/balance/withdraw', (c) => show(c, { form: {} }));
  // The fee preview alone, for htmx; signed out, 204 (htmx leaves the page as it is).
  app.get('/balance/withdraw/fee', async (c) => {
    if (!c.var.user) return c.body(null, 204);
    const [details, terms] = await Promise.all([payoutDetails.get(c.var.user.id), withdrawals.terms()]);
    return c.html(<FeePreview policy={terms.policy} method={details?.method ?? null} raw={c.req.query('amount')?.slice(0, 20)} />);
  });
  app.post('/balance/withdraw', async (c) => {
    const user = userOf(c);
    const form = await readForm(c);
    const parsed = parseForm(WithdrawForm(withdrawals.terms().policy), form);
    if (!parsed.ok) return show(c, { form, errors: parsed.errors, refusal: parsed.errors.idempotencyKey ? { status: 400, code: 'invalid_input', message: 'the form has expired: reload the page and send it again' } : undefined });
    try {
      const { withdrawal: w } = await withdrawals.request(user.id, { amountCents: parsed.data.amount }, parsed.data.idempotencyKey);
      return redirect(c, `/balance/withdrawals/${w.id}`, `Requested: ${money(w.amountCents)} to ${w.destinationLabel} (you receive ${money(w.netCents)}), in the batch this page names.`);
    } catch (err) {
      const r = refusalOf(err);
      return show(c, { form, errors: r.errors, refusal: r });
    }
  });
}
