/**
 * Staff's sanction pages (K-58…K-65), as their JSON routes (support and admins): everyone
 * blocked now, each with their standing's workflow in the Temporal Web UI, the orders their
 * account block handed to support, and a form to lift the block early; and the queue of users'
 * reports, each resolved with a note and, if staff choose, a sanction of whom it is about.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { BlockedUser, Report } from '../../../services/sanctions.js';
import { staffKinds } from '../../../workflows/standing/messages.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { firstOf, optionalText, parseForm, readForm, refusalOf, text, whole } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import { Form, Time, type Viewer } from '../../ui.js';
import { errorsFor, pathId, RowSelect, RowTextArea, type RowErrors } from './controls.js';
import { staffAccess, staffOf } from './roles.js';
import { TemporalLink } from './temporal-link.js';

const Lift = z.object({ block: z.enum(['offers', 'account', 'all']), reason: text(500) });
const Resolve = z.object({
  resolution: text(500),
  kind: z.preprocess((v) => (v === '' ? undefined : v), z.enum(staffKinds).optional()),
  days: z.preprocess((v) => (v === '' ? undefined : v), whole(1, 48).optional()),
  reason: optionalText(500),
});

export function sanctionPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { sanctions } = deps.services;
  const showBlocked = async (c: WebContext, errors?: RowErrors, status: Parameters<typeof page>[4] = 200) => {
    staffOf(c, staffAccess.sanctions);
    const items = await sanctions.blockedNow();
    return page(c, deps, 'Blocked now', (v) => <BlockedList deps={deps} viewer={v} items={items} errors={errors} />, status);
  };
  const showReports = async (c: WebContext, errors?: RowErrors, status: Parameters<typeof page>[4] = 200) => {
    staffOf(c, staffAccess.sanctions);
    const items = await sanctions.queue();
    const reportedMessages = await deps.services.conversations.reported(items.filter((r) => r.subject === 'message').map((r) => r.subjectId));
    return page(c, deps, 'Reports', (v) => <ReportQueue viewer={v} items={items} errors={errors} messages={reportedMessages} />, status);
  };
  app.get('/staff/standings', (c) => showBlocked(c));
  app.post('/staff/standings/:userId/lift', async (c) => {
    const user = staffOf(c, staffAccess.sanctions);
    const userId = pathId(c.req.param('userId'));
    const form = await readForm(c);
    const key = String(userId);
    const parsed = parseForm(Lift, form);
    if (!parsed.ok) return showBlocked(c, { key, fields: parsed.errors, form }, 400);
    try {
      await sanctions.lift(user.id, userId, parsed.data);
      return redirect(c, '/staff/standings', `Lifted: user ${userId}.`);
    } catch (err) {
      const r = refusalOf(err);
      return showBlocked(c, { key, fields: r.errors, message: r.message, form }, r.status);
    }
  });
  app.get('/staff/reports', (c) => showReports(c));
  app.post('/staff/reports/:id/resolve', async (c) => {
    const user = staffOf(c, staffAccess.sanctions);
    const reportId = pathId(c.req.param('id'));
    const form = await readForm(c);
    const key = String(reportId);
    const parsed = parseForm(Resolve, form);
    if (!parsed.ok) return showReports(c, { key, fields: parsed.errors, form }, 400);
    const { resolution, kind, days, reason } = parsed.data;
    try {
      const sanction = kind ? { kind, ...(days === undefined ? {} : { days }), ...(reason === undefined ? {} : { reason }) } : undefined;
      await sanctions.resolve(user.id, reportId, sanction ? { resolution, sanction } : { resolution });
      return redirect(c, '/staff/reports', `Resolved: report ${reportId}.`);
    } catch (err) {
      const r = refusalOf(err);
      return showReports(c, { key, fields: r.errors, message: r.message, form }, r.status);
    }
  });
  return app;
}

const BlockedList: FC<{ deps: WebDeps; viewer: Viewer; items: BlockedUser[]; errors: RowErrors | undefined }> = ({ deps, viewer, items, errors }) => (
  <>
    <p>
      <a href="/staff">← Staff</a> · <a href="/staff/reports">Reports</a>
    </p>
    {items.length === 0 ? <p class="muted">Nobody is blocked.</p> : null}
    <ul class="queue">
      {items.map((b) => {
        const e = errorsFor(errors, String(b.userId));
        return (
          <li class="card" id={`standing-${b.userId}`}>
            <h2>
              {b.login} (user {b.userId}) · <span class="status">{b.level.replace('_', ' ')}</span>
            </h2>
            {b.accountBlockedUntil ? (
              <p>
                Account blocked until <Time at={b.accountBlockedUntil} zone={viewer.timeZone} />
              </p>
            ) : null}
            {b.offersBlockedUntil ? (
              <p>
                Offers blocked until <Time at={b.offersBlockedUntil} zone={viewer.timeZone} />
              </p>
            ) : null}
            <p class="prewrap">{b.reason}</p>
            {b.handedOver.length ? (
              <p>
                Orders handed to support:{' '}
                {b.handedOver.map((id) => (
                  <>
                    <a href={`/orders/${id}`}>#{id}</a>{' '}
                  </>
                ))}
              </p>
            ) : null}
            <p>
              <TemporalLink deps={deps} to={{ workflowId: b.workflowId }} />
            </p>
            <Form action={`/staff/standings/${b.userId}/lift`} csrf={viewer.csrf} label={`lift the block of user ${b.userId}`} error={e?.message}>
              <RowSelect id={`block-${b.userId}`} name="block" label="Lift" value={firstOf(e?.form.block) ?? 'all'} error={e?.fields.block} options={[['all', 'every block'], ['offers', 'the offers block'], ['account', 'the account block']]} />
              <RowTextArea id={`reason-${b.userId}`} name="reason" label="Reason the user reads" value={firstOf(e?.form.reason)} error={e?.fields.reason} />
              <button type="submit">Lift early</button>
            </Form>
          </li>
        );
      })}
    </ul>
  </>
);

type ReportedMessages = Awaited<ReturnType<WebDeps['services']['conversations']['reported']>>;

const subjectLink = (r: Report) =>
  r.subject === 'message' ? <>message {r.subjectId}</> : r.subject === 'offer' ? <a href={`/offers/${r.subjectId}`}>offer {r.subjectId}</a> : r.subject === 'feedback' ? <a href={`/orders/${r.subjectId}`}>feedback on order {r.subjectId}</a> : <>user {r.subjectId}</>;

const ReportQueue: FC<{ viewer: Viewer; items: Report[]; errors: RowErrors | undefined; messages: ReportedMessages }> = ({ viewer, items, errors, messages }) => (
  <>
    <p>
      <a href="/staff">← Staff</a> · <a href="/staff/standings">Blocked now</a>
    </p>
    {items.length === 0 ? <p class="muted">No open report.</p> : null}
    <ul class="queue">
      {items.map((r) => {
        const e = errorsFor(errors, String(r.id));
        return (
          <li class="card" id={`report-${r.id}`}>
            <h2>
              Report {r.id}: {subjectLink(r)} (about user {r.accusedId})
            </h2>
            <p>
              {r.reporterId === null ? 'From the off-platform scan (K-61, K-62)' : `From user ${r.reporterId}`}, <Time at={r.createdAt} zone={viewer.timeZone} />
            </p>
            <p class="prewrap">{r.reason}</p>
            {r.subject === 'message' && messages.get(r.subjectId) ? (
              <blockquote class="prewrap reported-message">
                {messages.get(r.subjectId)!.author}: {messages.get(r.subjectId)!.text}
                {messages.get(r.subjectId)!.orderId ? (
                  <>
                    {' '}
                    (<a href={`/orders/${messages.get(r.subjectId)!.orderId}`}>order #{messages.get(r.subjectId)!.orderId}</a>)
                  </>
                ) : null}
              </blockquote>
            ) : null}
            <Form action={`/staff/reports/${r.id}/resolve`} csrf={viewer.csrf} label={`resolve report ${r.id}`} error={e?.message}>
              <RowTextArea id={`resolution-${r.id}`} name="resolution" label="Resolution" value={firstOf(e?.form.resolution)} error={e?.fields.resolution} />
              <RowSelect id={`kind-${r.id}`} name="kind" label="Sanction (optional)" value={firstOf(e?.form.kind) ?? ''} error={e?.fields.kind} options={[['', 'none'], ...staffKinds.map((k): [string, string] => [k, k.replaceAll('_', ' ')])]} />
              <RowTextArea id={`days-${r.id}`} name="days" label="Days (staff blocks only)" value={firstOf(e?.form.days)} error={e?.fields.days} rows={1} />
              <RowTextArea id={`sreason-${r.id}`} name="reason" label="Reason the user reads (default: the report’s)" value={firstOf(e?.form.reason)} error={e?.fields.reason} />
              <button type="submit">Resolve report {r.id}</button>
            </Form>
          </li>
        );
      })}
    </ul>
  </>
);
