/**
 * W-20: support's list of requests to close an account, the oldest first, with what blocks each
 * now (money in play), and completing one: the personal data is erased, the ledger and issued
 * invoices stay. Support staff and admins, as `/staff/closures`.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { StaffClosure } from '../../../services/account-closures.js';
import { AppError } from '../../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { idOf, refusalOf } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import { ActionButton, Time, type Viewer } from '../../ui.js';
import { staffAccess, staffOf } from './roles.js';

/** Each blocker's kind (`services/account-closures.ts`) as staff read it. */
const blockerLabel: Record<string, string> = {
  open_orders: 'Open orders',
  escrow: 'Escrow',
  open_jobs: 'Open jobs',
  job_escrow: 'Job escrow',
  balance: 'Balance',
  pending_withdrawals: 'Pending withdrawals',
  pending_top_ups: 'Pending top-ups',
  open_individual_offers: 'Open individual offers',
  open_requests: 'Open requests',
  offers_in_moderation: 'Offers in moderation',
};

export function closurePages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const show = async (c: WebContext, refusal?: { id: number; message: string }, status: 200 | 409 = 200) => {
    staffOf(c, staffAccess.closures);
    const items = await deps.services.accountClosures.list();
    return page(c, deps, 'Account closures', (v) => <ClosureList viewer={v} items={items} refusal={refusal} />, status);
  };
  app.get('/staff/closures', (c) => show(c));
  app.post('/staff/closures/:id/complete', async (c) => {
    const user = staffOf(c, staffAccess.closures);
    const id = idOf(c.req.param('id'));
    if (id === undefined) throw new AppError('not_found', 'no such pending closure request');
    try {
      const done = await deps.services.accountClosures.complete(id, user.id);
      return redirect(c, '/staff/closures', `Closed: account ${done.userId} is erased.`);
    } catch (err) {
      const r = refusalOf(err);
      if (r.status === 404) throw err;
      return show(c, { id, message: r.message }, 409);
    }
  });
  return app;
}

const ClosureList: FC<{ viewer: Viewer; items: StaffClosure[]; refusal: { id: number; message: string } | undefined }> = ({ viewer, items, refusal }) => (
  <>
    <p>
      <a href="/staff">← Staff</a>
    </p>
    {items.length === 0 ? <p class="muted">No request to close an account is pending.</p> : null}
    <ul class="queue">
      {items.map((item) => (
        <li class="card" id={`closure-${item.id}`}>
          <h2>
            {item.login} · {item.email}
          </h2>
          <p>
            Asked on <Time at={item.requestedAt} zone={viewer.timeZone} />
          </p>
          <p class="prewrap">{item.reason}</p>
          {refusal?.id === item.id ? (
            <p class="error form-error" role="alert">
              {refusal.message}
            </p>
          ) : null}
          {item.blockers.length > 0 ? (
            <ul aria-label="what blocks it">
              {item.blockers.map((b) => (
                <li>
                  <span class="status" data-kind={b.kind}>
                    {blockerLabel[b.kind] ?? b.kind.replace(/_/g, ' ')}
                  </span>{' '}
                  {b.message} ({b.count})
                </li>
              ))}
            </ul>
          ) : null}
          {/* Shown with blockers too: they may be gone by the time staff press it, and a refusal says which remain. */}
          <ActionButton action={`/staff/closures/${item.id}/complete`} csrf={viewer.csrf} label={`Close ${item.login}’s account and erase their data`} />
        </li>
      ))}
    </ul>
  </>
);
