/**
 * The owner's withdrawals: the list, and each one's page — its status (with the reason when
 * held, rejected, cancelled or failed), the batch it is expected in, its history, and the
 * Cancel button while the workflow allows it (until a batch takes it). A refusal (409: a batch
 * took it meanwhile) shows on top of the page.
 */
import type { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../../context.js';
import { idOf, refusalOf, type Refusal } from '../../forms.js';
import { page, redirect, userOf, type WebContext } from '../../page.js';
import { ActionButton, money } from '../../ui.js';
import { AppError } from '../../../workflows/lib/errors.js';
import { WithdrawalFacts, WithdrawalHistory, WithdrawalTable } from './parts.js';

type Pages = Hono<WebEnv>;

/** The withdrawal in the address: a valid id, else the 404 page. */
export function withdrawalIdOf(c: WebContext): number {
  const id = idOf(c.req.param('id'));
  if (id === undefined) throw new AppError('not_found', 'no such withdrawal');
  return id;
}

function listPage(app: Pages, deps: WebDeps) {
  app.get('/balance/withdrawals', async (c) => {
    const user = userOf(c);
    const items = await deps.services.withdrawals.list(user.id);
    return page(c, deps, 'Withdrawals', (v) => (
      <>
        <p>
          <a class="button" href="/balance/withdraw">
            Withdraw
          </a>{' '}
          <a href="/balance">Balance</a>
        </p>
        {items.length === 0 ? <p>No withdrawals yet.</p> : <WithdrawalTable items={items} hrefOf={(id) => `/balance/withdrawals/${id}`} zone={v.timeZone} />}
      </>
    ));
  });
}

function detailPage(deps: WebDeps) {
  return async (c: WebContext, refusal?: Pick<Refusal, 'status' | 'message'>) => {
    const user = userOf(c);
    const w = await deps.services.withdrawals.get(user.id, withdrawalIdOf(c));
    return page(
      c,
      deps,
      `Withdrawal #${w.id}`,
      (v) => (
        <>
          {refusal ? (
            <p class="error form-error" role="alert">
              Refused ({refusal.status}): {refusal.message}
            </p>
          ) : null}
          <WithdrawalFacts w={w} zone={v.timeZone} />
          {w.allowedActions.owner.includes('cancel') ? (
            <p>
              <ActionButton action={`/balance/withdrawals/${w.id}/cancel`} csrf={v.csrf} label="Cancel this withdrawal" class="secondary" />
            </p>
          ) : null}
          <WithdrawalHistory history={w.history} zone={v.timeZone} />
          <p>
            <a href="/balance/withdrawals">All withdrawals</a> · <a href="/balance">Balance</a>
          </p>
        </>
      ),
      refusal?.status ?? 200,
    );
  };
}

export function withdrawalPages(app: Pages, deps: WebDeps) {
  listPage(app, deps);
  const show = detailPage(deps);
  app.get('/balance/withdrawals/:id', (c) => show(c));
  app.post('/balance/withdrawals/:id/cancel', async (c) => {
    const user = userOf(c);
    const id = withdrawalIdOf(c);
    try {
      const w = await deps.services.withdrawals.cancel(user.id, id);
      return redirect(c, `/balance/withdrawals/${id}`, `Cancelled: ${money(w.amountCents)} is back on your balance.`);
    } catch (err) {
      const r = refusalOf(err);
      if (r.status === 404) throw err;
      return show(c, r);
    }
  });
}
