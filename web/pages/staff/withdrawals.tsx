/**
 * Support's withdrawal queue (K-50): every withdrawal, or those of one status, newest first;
 * each withdrawal's page with its facts, its history, its workflow (`withdrawal-<id>`) in the
 * Temporal Web UI, and the actions its workflow allows staff now: hold with a reason the user
 * reads, release, reject with a reason (the money returns to the user's balance). Support
 * staff and admins, as `/staff/withdrawals`.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { WithdrawalDetail, WithdrawalStatus } from '../../../services/withdrawals.js';
import { withdrawalWorkflowId } from '../../../workflows/withdrawal/messages.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { firstOf, parseForm, readForm, readQuery, refusalOf, text } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import { ActionButton, Form, Select, type Viewer } from '../../ui.js';
import { WithdrawalFacts, WithdrawalHistory, WithdrawalTable } from '../money/parts.js';
import { StaffMoneyNav } from './money-nav.js';
import { errorsFor, pathId, RowTextArea, type RowErrors } from './controls.js';
import { staffAccess, staffOf } from './roles.js';
import { TemporalLink } from './temporal-link.js';

const statuses = ['requested', 'held', 'in_batch', 'paid', 'failed', 'cancelled', 'rejected'] as const satisfies readonly WithdrawalStatus[];
const Filter = z.object({ status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(statuses, { error: 'choose a status from the list' }).optional()) });
/** `POST /staff/withdrawals/{id}/hold` and `/reject`'s body: the reason the user reads. */
const Reason = z.object({ reason: text(500) });

type Status = Parameters<typeof page>[4];

function queuePage(app: Hono<WebEnv>, deps: WebDeps) {
  app.get('/staff/withdrawals', async (c) => {
    staffOf(c, staffAccess.money);
    const query = readQuery(c);
    const parsed = parseForm(Filter, query);
    const status = parsed.ok ? parsed.data.status : undefined;
    const items = parsed.ok ? await deps.services.withdrawals.listAll(status) : [];
    return page(
      c,
      deps,
      'Withdrawals',
      (v) => (
        <>
          <StaffMoneyNav />
          <form method="get" action="/staff/withdrawals" class="filters" aria-label="filter withdrawals">
            <Select name="status" label="Status" value={firstOf(query.status)} errors={parsed.ok ? {} : parsed.errors} options={[['', 'Every status'], ...statuses.map((s): [string, string] => [s, s.replace('_', ' ')])]} />
            <p>
              <button type="submit">Show</button>
            </p>
          </form>
          {items.length === 0 ? <p class="muted">No withdrawal{status ? ` is ${status.replace('_', ' ')}` : ' yet'}.</p> : <WithdrawalTable items={items} hrefOf={(id) => `/staff/withdrawals/${id}`} staff zone={v.timeZone} />}
        </>
      ),
      parsed.ok ? 200 : 400,
    );
  });
}

/** The actions the workflow allows staff now, each its own form. */
const StaffActions: FC<{ w: WithdrawalDetail; viewer: Viewer; errors: RowErrors | undefined }> = ({ w, viewer, errors }) => {
  const may = w.allowedActions.staff;
  const hold = errorsFor(errors, 'hold');
  const reject = errorsFor(errors, 'reject');
  if (may.length === 0) return <p class="muted">Staff can do nothing with this withdrawal now.</p>;
  return (
    <div class="actions">
      {may.includes('hold') ? (
        <Form action={`/staff/withdrawals/${w.id}/hold`} csrf={viewer.csrf} label="hold" id="hold-form" error={hold?.message}>
          <RowTextArea id="hold-reason" name="reason" label="Reason for holding it (the user reads it)" value={firstOf(hold?.form.reason)} error={hold?.fields.reason} hint="at most 500 characters" />
          <button type="submit">Hold</button>
        </Form>
      ) : null}
      {may.includes('release') ? <ActionButton action={`/staff/withdrawals/${w.id}/release`} csrf={viewer.csrf} label="Release: the next batch takes it" /> : null}
      {may.includes('reject') ? (
        <Form action={`/staff/withdrawals/${w.id}/reject`} csrf={viewer.csrf} label="reject" id="reject-form" error={reject?.message}>
          <RowTextArea id="reject-reason" name="reason" label="Reason for rejecting it (the user reads it)" value={firstOf(reject?.form.reason)} error={reject?.fields.reason} hint="the amount returns to the user’s balance; at most 500 characters" />
          <button type="submit" class="danger">
            Reject
          </button>
        </Form>
      ) : null}
    </div>
  );
};

function detailPage(deps: WebDeps) {
  return async (c: WebContext, errors?: RowErrors, status: Status = 200) => {
    staffOf(c, staffAccess.money);
    const w = await deps.services.withdrawals.get(null, pathId(c.req.param('id')));
    return page(
      c,
      deps,
      `Withdrawal #${w.id}`,
      (v) => (
        <>
          <p>
            <a href="/staff/withdrawals">← Withdrawals</a> · user #{w.userId} · <TemporalLink deps={deps} to={{ workflowId: withdrawalWorkflowId(w.id) }} />
          </p>
          {errors && !errors.key ? (
            <p class="error form-error" role="alert">
              {errors.message}
            </p>
          ) : null}
          <WithdrawalFacts w={w} zone={v.timeZone} />
          <StaffActions w={w} viewer={v} errors={errors} />
          <WithdrawalHistory history={w.history} zone={v.timeZone} />
        </>
      ),
      status,
    );
  };
}

type Act = (staffId: number, id: number, reason: string) => Promise<WithdrawalDetail>;

function actionRoutes(app: Hono<WebEnv>, deps: WebDeps) {
  const show = detailPage(deps);
  const { withdrawals } = deps.services;
  const done = { hold: 'held: the user reads the reason', release: 'released: the next batch takes it', reject: 'rejected: the amount is back on the user’s balance' };
  const act = (key: 'hold' | 'release' | 'reject', run: Act) =>
    app.post(`/staff/withdrawals/:id/${key}`, async (c) => {
      const user = staffOf(c, staffAccess.money);
      const id = pathId(c.req.param('id'));
      const form = await readForm(c);
      const parsed = key === 'release' ? parseForm(z.object({}), form) : parseForm(Reason, form);
      if (!parsed.ok) return show(c, { key, fields: parsed.errors, form }, 400);
      try {
        await run(user.id, id, 'reason' in parsed.data ? parsed.data.reason : '');
        return redirect(c, `/staff/withdrawals/${id}`, `Withdrawal #${id} ${done[key]}.`);
      } catch (err) {
        const r = refusalOf(err);
        if (r.status === 404) throw err;
        // A refusal of the action (409: the state moved on, and its form may be gone) goes on top of the page.
        return show(c, { key: '', fields: {}, message: `Refused (${r.status}): ${r.message}`, form }, r.status);
      }
    });
  act('hold', (staffId, id, reason) => withdrawals.hold(staffId, id, reason));
  act('release', (staffId, id) => withdrawals.release(staffId, id));
  act('reject', (staffId, id, reason) => withdrawals.reject(staffId, id, reason));
}

export function staffWithdrawalPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  queuePage(app, deps);
  app.get('/staff/withdrawals/:id', (c) => detailPage(deps)(c));
  actionRoutes(app, deps);
  return app;
}
