/**
 * Support's attention list: workflows that hold because a write failed for good (a data error,
 * a bug), the longest-held first, each with its workflow in the Temporal Web UI and a form to
 * resolve the hold once the cause is fixed (an optional note, as the JSON route takes it).
 * Support staff and admins, as `/staff/attention`.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { AttentionItem } from '../../../services/attention.js';
import { AppError } from '../../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { firstOf, optionalText, parseForm, readForm, refusalOf } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import { Form, Time, type Viewer } from '../../ui.js';
import { errorsFor, RowTextArea, type RowErrors } from './controls.js';
import { staffAccess, staffOf } from './roles.js';
import { TemporalLink } from './temporal-link.js';

/** The route's `workflowId` parameter: a held workflow's id. */
const HELD_ID = /^(order-[1-9][0-9]{0,15}|kwork-moderation-[1-9][0-9]{0,15}-[1-9][0-9]{0,9})$/;
const Resolve = z.object({ note: optionalText(1_000) });

export function attentionPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const show = async (c: WebContext, errors?: RowErrors, status: Parameters<typeof page>[4] = 200) => {
    staffOf(c, staffAccess.attention);
    const items = await deps.services.attention.list();
    return page(c, deps, 'Needs attention', (v) => <AttentionList deps={deps} viewer={v} items={items} errors={errors} />, status);
  };
  app.get('/staff/attention', (c) => show(c));
  app.post('/staff/attention/:workflowId/resolve', async (c) => {
    const user = staffOf(c, staffAccess.attention);
    const workflowId = c.req.param('workflowId');
    if (!HELD_ID.test(workflowId)) throw new AppError('not_found', 'nothing of this holds for staff');
    const form = await readForm(c);
    const parsed = parseForm(Resolve, form);
    if (!parsed.ok) return show(c, { key: workflowId, fields: parsed.errors, form }, 400);
    try {
      await deps.services.attention.resolve(workflowId, user.id, parsed.data.note);
      return redirect(c, '/staff/attention', `Resolved: ${workflowId} takes actions again.`);
    } catch (err) {
      const r = refusalOf(err);
      // Nothing of this holds: no row of the list to show it on, so the 404 page.
      if (r.status === 404) throw err;
      return show(c, { key: workflowId, fields: r.errors, message: r.message, form }, r.status);
    }
  });
  return app;
}

const entityLink = (item: AttentionItem) =>
  item.process === 'order' ? (
    <a href={`/orders/${item.entityId}`}>order {item.entityId}</a>
  ) : item.process === 'account_activation' ? (
    // W-01: an activated account whose `onActivated` hook failed (services/account-activation.ts): no page of its own.
    <>user {item.entityId}</>
  ) : (
    <a href={`/offers/${item.entityId}`}>offer {item.entityId}</a>
  );

const AttentionList: FC<{ deps: WebDeps; viewer: Viewer; items: AttentionItem[]; errors: RowErrors | undefined }> = ({ deps, viewer, items, errors }) => (
  <>
    <p>
      <a href="/staff">← Staff</a>
    </p>
    {items.length === 0 ? <p class="muted">No workflow is holding.</p> : null}
    <ul class="queue">
      {items.map((item) => {
        const e = errorsFor(errors, item.workflowId);
        return (
          <li class="card" id={item.workflowId}>
            <h2>
              {item.process} · {entityLink(item)}
            </h2>
            <p>
              <span class="status">{item.failureType}</span> since <Time at={item.flaggedAt} zone={viewer.timeZone} />
            </p>
            <p class="prewrap">{item.reason}</p>
            <p>
              <TemporalLink deps={deps} to={{ workflowId: item.workflowId }} />
            </p>
            <Form action={`/staff/attention/${item.workflowId}/resolve`} csrf={viewer.csrf} label={`resolve ${item.workflowId}`} error={e?.message}>
              <RowTextArea id={`note-${item.workflowId}`} name="note" label="Note (optional)" value={firstOf(e?.form.note)} error={e?.fields.note} hint="what was fixed; at most 1000 characters" />
              <button type="submit">Resolve {item.workflowId}</button>
            </Form>
          </li>
        );
      })}
    </ul>
  </>
);
