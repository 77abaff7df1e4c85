/**
 * The balance (K-49, K-53: one balance, main and bonus; D-09, D-10: what is withdrawable and
 * which lock holds the rest, until when), the statement page by page, and the top-up (K-47)
 * by card or PayPal — the form `POST /me/top-ups` validates, with a hidden idempotency key.
 * `/balance/top-up?amount=<cents>` prefills the amount: the add-funds prompt of K-02.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import { isValidCardNumber, sandboxCards } from '../../../services/payments.js';
import { walletRules } from '../../../services/policy.js';
import type { BalanceView, TopUpView } from '../../../services/wallet.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { firstOf, idOf, dollars, parseForm, readForm, refusalOf, type FormData } from '../../forms.js';
import { page, query, redirect, userOf, type WebContext } from '../../page.js';
import { Field, FieldError, Form, Money, Pager, Time, money, type FieldErrors } from '../../ui.js';

type Pages = Hono<WebEnv>;
/** One posting of the statement, as `wallet.statement` gives it. */
type StatementItem = Awaited<ReturnType<WebDeps['services']['wallet']['statement']>>['items'][number];

const amount = dollars(walletRules.topUpMinCents, walletRules.topUpMaxCents);
const idempotencyKey = z.string({ error: 'reload the page and try again' }).min(1).max(100);
/** `POST /me/top-ups`'s body, from a person's typing: spaces and dashes in a card number are dropped first. */
const TopUpForm = z.discriminatedUnion(
  'method',
  [
    z.object({
      amount,
      method: z.literal('card'),
      cardNumber: z.preprocess((v) => (typeof v === 'string' ? v.replace(/[\s-]/g, '') : v), z.string({ error: 'required' }).refine(isValidCardNumber, 'not a valid card number')),
      idempotencyKey,
    }),
    z.object({ amount, method: z.literal('paypal'), paypalAccount: z.string({ error: 'required' }).trim().pipe(z.email('enter the PayPal account’s email').max(254)), idempotencyKey }),
  ],
  { error: 'choose card or PayPal' },
);

const lockReason: Record<BalanceView['locked'][number]['reason'], string> = {
  card_top_up_hold: 'Card top-up, withdrawable a month after it (K-48)',
  email_change: 'Email changed: withdrawals paused (K-51, D-10)',
  login_change: 'Login changed: withdrawals paused (K-67, D-10)',
  payout_details_change: 'Payout details changed: withdrawals paused (K-51, D-10)',
};

const Balances = ({ balance }: { balance: BalanceView }) => (
  <dl class="balances">
    <dt>Main balance</dt>
    <dd id="balance-main">
      <Money cents={balance.mainCents} />
    </dd>
    <dt>Bonus balance (orders only, K-49)</dt>
    <dd id="balance-bonus">
      <Money cents={balance.bonusCents} />
    </dd>
    <dt>In escrow for your orders</dt>
    <dd id="balance-escrow">
      <Money cents={balance.escrowCents} />
    </dd>
    <dt>Withdrawable now</dt>
    <dd id="balance-withdrawable">
      <Money cents={balance.withdrawableCents} />
    </dd>
  </dl>
);

const Locks = ({ locked }: { locked: BalanceView['locked'] }) =>
  locked.length === 0 ? null : (
    <>
      <h2>Not withdrawable yet</h2>
      <ul>
        {locked.map((lock) => (
          <li>
            <Money cents={lock.amountCents} /> until <Time at={lock.until} />: {lockReason[lock.reason]}
          </li>
        ))}
      </ul>
    </>
  );

const StatementRow = ({ item }: { item: StatementItem }) => (
  <tr>
    <td>
      <Time at={item.createdAt} />
    </td>
    <td>{item.description}</td>
    <td>{item.account}</td>
    <td class={item.amount < 0 ? 'debit' : 'credit'}>
      {item.amount < 0 ? '−' : '+'}
      {money(Math.abs(item.amount))}
    </td>
    <td>
      <Money cents={item.balanceAfter} />
    </td>
  </tr>
);

const Statement = ({ items, next }: { items: StatementItem[]; next: string | null }) => (
  <>
    <h2>Statement</h2>
    {items.length === 0 ? (
      <p>No money has moved yet.</p>
    ) : (
      <div class="table-wrap" tabindex={0} role="region" aria-label="Statement">
        <table id="statement">
          <caption class="visually-hidden">Statement, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Account</th>
              <th scope="col">Amount</th>
              <th scope="col">Balance after</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <StatementRow item={item} />
            ))}
          </tbody>
        </table>
      </div>
    )}
    <Pager next={next} nextLabel="Older entries →" />
  </>
);

function balancePage(app: Pages, deps: WebDeps) {
  const { wallet } = deps.services;
  app.get('/balance', async (c) => {
    const user = userOf(c);
    const cursor = query(c, 'cursor');
    const [balance, statement] = await Promise.all([wallet.balance(user.id), wallet.statement(user.id, { cursor: cursor?.slice(0, 100), limit: 20 })]);
    const next = statement.nextCursor ? `/balance?cursor=${encodeURIComponent(statement.nextCursor)}` : null;
    return page(c, deps, 'Balance', () => (
      <>
        <Balances balance={balance} />
        <p>
          <a class="button" href="/balance/top-up">
            Add funds
          </a>
        </p>
        <Locks locked={balance.locked} />
        <Statement items={statement.items} next={next} />
      </>
    ));
  });
}

const MethodChoice = ({ value, errors }: { value?: string; errors: FieldErrors }) => (
  <fieldset aria-describedby={errors.method ? 'f-method-error' : undefined}>
    <legend>Pay with</legend>
    <p>
      <input type="radio" id="m-card" name="method" value="card" checked={value !== 'paypal'} />
      <label for="m-card">Card</label>{' '}
      <input type="radio" id="m-paypal" name="method" value="paypal" checked={value === 'paypal'} />
      <label for="m-paypal">PayPal</label>
    </p>
    <FieldError id="f-method-error" error={errors.method} />
  </fieldset>
);

/** The amount a link asked for (`?amount=` in cents, K-02), as the dollars the field shows. */
const prefill = (cents: string | undefined) => (cents && /^\d{1,9}$/.test(cents) ? (Number(cents) / 100).toFixed(2) : undefined);

function topUpPage(deps: WebDeps) {
  return (c: WebContext, form: FormData, errors: FieldErrors = {}, refusal?: { status: 400 | 422 | 409; message: string }) => {
    const status = refusal?.status ?? (Object.keys(errors).length ? 400 : 200);
    return page(
      c,
      deps,
      'Add funds',
      (v) => (
        <Form action="/balance/top-up" csrf={v.csrf} label="add funds" error={refusal ? `Refused (${refusal.status}): ${refusal.message}` : undefined}>
          <input type="hidden" name="idempotencyKey" value={randomUUID()} />
          <Field name="amount" label="Amount in dollars" value={firstOf(form.amount) ?? prefill(c.req.query('amount'))} errors={errors} hint={`${money(walletRules.topUpMinCents)} to ${money(walletRules.topUpMaxCents)}`} autocomplete="transaction-amount" />
          <MethodChoice value={firstOf(form.method)} errors={errors} />
          <Field name="cardNumber" label="Card number (for card)" value={firstOf(form.cardNumber)} errors={errors} autocomplete="cc-number" hint={`Sandbox: ${sandboxCards.approve} succeeds, ${sandboxCards.decline} is declined`} />
          <Field name="paypalAccount" label="PayPal account email (for PayPal)" type="email" value={firstOf(form.paypalAccount)} errors={errors} autocomplete="email" />
          <button type="submit">Add funds</button>
        </Form>
      ),
      status,
    );
  };
}

const topUpFlash = (t: TopUpView) =>
  t.status === 'approved' ? `Added ${money(t.amountCents)} from ${t.source}.` : `The payment of ${money(t.amountCents)} from ${t.source} is pending at the gateway.`;

function topUpForm(app: Pages, deps: WebDeps) {
  const { wallet } = deps.services;
  const show = topUpPage(deps);
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
    const { amount: amountCents, idempotencyKey: key, ...method } = parsed.data;
    try {
      const input = method.method === 'card' ? { amountCents, method: 'card' as const, cardNumber: method.cardNumber } : { amountCents, method: 'paypal' as const, paypalAccount: method.paypalAccount };
      const topUp = await wallet.topUp(user.id, input, key);
      return redirect(c, `/balance/top-ups/${topUp.id}`, topUpFlash(topUp));
    } catch (err) {
      const r = refusalOf(err);
      return show(c, form, r.errors, { status: r.status as 400 | 422 | 409, message: r.message });
    }
  });
}

const topUpStatus: Record<TopUpView['status'], string> = { approved: 'Approved: the money is on your balance', pending: 'Pending at the payment gateway', declined: 'Declined' };

function topUpResult(app: Pages, deps: WebDeps) {
  app.get('/balance/top-ups/:id', async (c) => {
    const user = userOf(c);
    const topUp = await deps.services.wallet.getTopUp(user.id, idOf(c.req.param('id')) ?? 0);
    return page(c, deps, 'Top-up', (v) => (
      <>
        <p id="top-up-status">
          <strong>{topUpStatus[topUp.status]}</strong>
          {topUp.declineReason ? ` (${topUp.declineReason.replaceAll('_', ' ')})` : null}
        </p>
        <p>
          <Money cents={topUp.amountCents} /> from {topUp.source}, <Time at={topUp.createdAt} />.
          {topUp.withdrawableAt ? (
            <>
              {' '}
              Withdrawable from <Time at={topUp.withdrawableAt} /> (K-48).
            </>
          ) : null}
        </p>
        <p>
          Your main balance: <strong id="balance-after">{v.balanceCents === undefined ? null : <Money cents={v.balanceCents} />}</strong>
        </p>
        <p>
          {topUp.status === 'pending' ? <a href={c.req.path}>Check again</a> : null} <a href="/balance">Balance and statement</a>
        </p>
      </>
    ));
  });
}

export function balancePages(app: Pages, deps: WebDeps) {
  balancePage(app, deps);
  topUpForm(app, deps);
  topUpResult(app, deps);
}
