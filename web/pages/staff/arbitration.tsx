/**
 * The arbitration queue (K-23, D-05): orders in arbitration, the nearest deadline first; a
 * case page with the case file (the order, both statements, the deliveries, the timeline) and
 * the arbiter's actions: take the case, then decide it — pay the seller, refund the buyer,
 * split (the seller's amount before commission, the rest refunded) or return to work — with a
 * comment, as `POST /arbitration/orders/{id}/decision` validates it. Arbiters and admins.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { Orders } from '../../../services/orders.js';
import type { OrderView } from '../../../workflows/order/messages.js';
import { orderRules } from '../../../workflows/order/policy.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { dollars, parseForm, readForm, refusalOf, text, whole, type FormData } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import { ActionButton, DataTable, Money, Time, type FieldErrors, type Viewer } from '../../ui.js';
import { CaseFile, DecisionForm } from './case-file.js';
import { pathId } from './controls.js';
import { staffAccess, staffOf } from './roles.js';
import { TemporalLink } from './temporal-link.js';

type Case = Awaited<ReturnType<Orders['byStatus']>>[number];

const Kind = z.object({
  kind: z.enum(['pay_seller', 'refund_buyer', 'split', 'return_to_work'], { error: 'choose a decision' }),
  comment: text(2_000),
});

/** The decision as the order's `decide_dispute` action takes it, or each field's problem. */
export function parseDecision(form: FormData, totalCents: number) {
  const base = parseForm(Kind, form);
  const errors: FieldErrors = base.ok ? {} : { ...base.errors };
  const kind = base.ok ? base.data.kind : typeof form.kind === 'string' ? form.kind : undefined;
  let extra: { sellerAmountCents?: number; days?: number } = {};
  if (kind === 'split') {
    const split = parseForm(z.object({ sellerAmount: dollars(1, Math.max(totalCents - 1, 1)) }), form);
    if (split.ok) extra = { sellerAmountCents: split.data.sellerAmount };
    else Object.assign(errors, split.errors);
  } else if (kind === 'return_to_work') {
    const back = parseForm(z.object({ days: whole(1, orderRules.maxReturnToWorkDays, 'a number of days') }), form);
    if (back.ok) extra = { days: back.data.days };
    else Object.assign(errors, back.errors);
  }
  if (!base.ok || Object.keys(errors).length) return { ok: false as const, errors };
  const { kind: k, comment } = base.data;
  const decision =
    k === 'split' ? { kind: k, sellerAmountCents: extra.sellerAmountCents! } : k === 'return_to_work' ? { kind: k, days: extra.days! } : { kind: k };
  return { ok: true as const, data: { type: 'decide_dispute' as const, decision, comment } };
}

export function arbitrationPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { orders } = deps.services;
  app.get('/staff/arbitration', async (c) => {
    staffOf(c, staffAccess.arbitration);
    const cases = await orders.byStatus('arbitration', 100);
    return page(c, deps, 'Arbitration queue', (v) => <CaseList deps={deps} viewer={v} cases={cases} />);
  });
  const showCase = async (c: WebContext, orderId: number, form: FormData = {}, errors: FieldErrors = {}, message?: string, status: Parameters<typeof page>[4] = 200) => {
    const user = staffOf(c, staffAccess.arbitration);
    const view = await orders.view(user, orderId);
    return page(
      c,
      deps,
      `Case: order ${orderId}`,
      (v) => (
        <>
          <p>
            <a href="/staff/arbitration">← Arbitration queue</a> · <TemporalLink deps={deps} to={{ orderId }} />
          </p>
          <CaseActions viewer={v} view={view} form={form} errors={errors} message={message} />
          <CaseFile view={view} viewer={v} />
        </>
      ),
      status,
    );
  };
  app.get('/staff/arbitration/:orderId', (c) => showCase(c, pathId(c.req.param('orderId'))));
  app.post('/staff/arbitration/:orderId/take', async (c) => {
    const user = staffOf(c, staffAccess.arbitration);
    const orderId = pathId(c.req.param('orderId'));
    try {
      await orders.arbitrate(user, orderId, { type: 'take_case' });
      return redirect(c, `/staff/arbitration/${orderId}`, 'You took the case: decide it below.');
    } catch (err) {
      const r = refusalOf(err);
      return showCase(c, orderId, {}, {}, r.message, r.status);
    }
  });
  app.post('/staff/arbitration/:orderId/decision', async (c) => {
    const user = staffOf(c, staffAccess.arbitration);
    const orderId = pathId(c.req.param('orderId'));
    const form = await readForm(c);
    const view = await orders.view(user, orderId);
    const parsed = parseDecision(form, view.amounts.totalCents);
    if (!parsed.ok) return showCase(c, orderId, form, parsed.errors, undefined, 400);
    try {
      const after = await orders.arbitrate(user, orderId, parsed.data);
      return redirect(c, `/staff/arbitration/${orderId}`, `Decided: the order is ${after.status.replace(/_/g, ' ')}.`);
    } catch (err) {
      const r = refusalOf(err);
      return showCase(c, orderId, form, r.errors, r.message, r.status);
    }
  });
  return app;
}

const CaseActions: FC<{ viewer: Viewer; view: OrderView; form: FormData; errors: FieldErrors; message: string | undefined }> = ({ viewer, view, form, errors, message }) => {
  const canTake = view.allowedActions.includes('take_case');
  const canDecide = view.allowedActions.includes('decide_dispute');
  return (
    <section class="next-action" aria-labelledby="actions-heading">
      <h2 id="actions-heading">What you can do</h2>
      {message ? <p class="error form-error" role="alert">{message}</p> : null}
      {canTake ? <ActionButton action={`/staff/arbitration/${view.orderId}/take`} csrf={viewer.csrf} label="Take the case" /> : null}
      {canDecide ? <DecisionForm view={view} viewer={viewer} form={form} errors={errors} /> : null}
      {!canTake && !canDecide ? <p>Nothing now: the order is {view.status.replace(/_/g, ' ')}.</p> : null}
    </section>
  );
};

const CaseList: FC<{ deps: WebDeps; viewer: Viewer; cases: Case[] }> = ({ deps, viewer, cases }) => (
  <>
    <p>
      <a href="/staff">← Staff</a>
    </p>
    <DataTable id="arbitration-cases" label="Orders in arbitration" caption="Orders in arbitration, the nearest deadline first" columns={['Order', 'Parties', 'Total', 'Case', 'Next deadline', 'Workflow']} empty="No order is in arbitration.">
      {cases.map((k) => (
        <tr>
          <td>
            <a href={`/staff/arbitration/${k.id}`}>
              #{k.id} {k.title}
            </a>
          </td>
          <td>
            buyer {k.buyer.login}, seller {k.seller.login}
          </td>
          <td>
            <Money cents={k.totalCents} />
          </td>
          <td>{!k.dispute ? '—' : k.dispute.arbiterId ? 'taken' : k.dispute.readyAt ? 'ready for an arbiter' : 'awaiting the answer'}</td>
          <td>{k.nextDeadline ? <Time at={k.nextDeadline.at} zone={viewer.timeZone} /> : '—'}</td>
          <td>
            <TemporalLink deps={deps} to={{ orderId: k.id }} />
          </td>
        </tr>
      ))}
    </DataTable>
  </>
);
