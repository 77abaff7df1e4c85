/**
 * Order groups in the web client (K-06, our addition): `/order-groups` lists the buyer's groups
 * and sends a new one (2–5 offers of different sellers, one brief; `?offers=1,2,3` fills the
 * choice in from search results or favorites), and `/order-groups/{id}` compares the group's
 * orders side by side: status, deadlines, progress and deliveries. Too little on the balance
 * places nothing and offers "Add funds" for exactly the missing amount.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { OrderGroup, OrderGroupSummary } from '../../services/order-groups.js';
import { orderGroupRules as rules } from '../../services/policy.js';
import { AppError } from '../../workflows/lib/errors.js';
import { clip } from '../../workflows/lib/text.js';
import type { WebDeps, WebEnv } from '../context.js';
import { firstOf, idOf, parseForm, readForm, refusalOf, text, type FormData } from '../forms.js';
import { page, query, redirect, userOf, type WebContext } from '../page.js';
import { Field, Form, Money, TextArea, Time, type FieldErrors } from '../ui.js';
import { statusLabel } from './order/labels.js';

/** Offer ids typed or carried over as "12, 15 19": each a positive whole number. */
const offerIdList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v),
  z.array(z.string().regex(/^\d{1,15}$/, 'offer ids are whole numbers').transform(Number)).max(20, 'at most 20 offer ids'),
);
const NewGroup = z.object({ offerIds: offerIdList, brief: text(rules.briefMaxLength), idempotencyKey: text(100) });

const Compare: FC<{ group: OrderGroup }> = ({ group }) => (
  <div class="table-wrap" tabindex={0} role="region" aria-label="the group’s orders side by side">
    <table id="group-compare">
      <caption class="visually-hidden">Each column is one order of the group</caption>
      <thead>
        <tr>
          <th scope="col">Order</th>
          {group.orders.map((o) => (
            <th scope="col">
              <a href={`/orders/${o.orderId}`}>#{o.orderId}</a> · {o.seller.login}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">Service</th>
          {group.orders.map((o) => (
            <td>{o.title}</td>
          ))}
        </tr>
        <tr>
          <th scope="row">Status</th>
          {group.orders.map((o) => (
            <td class={`status status-${o.status}`}>{statusLabel[o.status]}</td>
          ))}
        </tr>
        <tr>
          <th scope="row">Price</th>
          {group.orders.map((o) => (
            <td>
              <Money cents={o.totalCents} />
            </td>
          ))}
        </tr>
        <tr>
          <th scope="row">Due</th>
          {group.orders.map((o) => (
            <td>{o.deadline ? <Time at={o.deadline} /> : '—'}</td>
          ))}
        </tr>
        <tr>
          <th scope="row">Next deadline</th>
          {group.orders.map((o) => (
            <td>{o.nextDeadline ? o.nextDeadline.outcome : '—'}</td>
          ))}
        </tr>
        <tr>
          <th scope="row">Progress</th>
          {group.orders.map((o) => (
            <td>{o.progress ? `${o.progress.percent} %: ${o.progress.comment}` : '—'}</td>
          ))}
        </tr>
        <tr>
          <th scope="row">Deliveries</th>
          {group.orders.map((o) => (
            <td>
              {o.deliveries.length
                ? o.deliveries.map((d) => (
                    <p class="prewrap">
                      <Time at={d.at} />: {d.text}
                    </p>
                  ))
                : '—'}
            </td>
          ))}
        </tr>
      </tbody>
    </table>
  </div>
);

interface FormState {
  form?: FormData;
  errors?: FieldErrors;
  error?: string;
  missingCents?: number;
}

/** The new group's form, with the short-balance prompt when the last try could not be paid. */
const NewGroupForm: FC<{ state: FormState; offers: string; csrf: string }> = ({ state, offers, csrf }) => (
  <>
    {state.missingCents ? (
      <p class="error" role="alert" id="short-balance">
        Your balance is short by <Money cents={state.missingCents} /> for the whole group: nothing was ordered.{' '}
        <a href={`/balance/top-up?amount=${state.missingCents}`}>Add funds</a>, then send the group again.
      </p>
    ) : null}
    <Form action="/order-groups" csrf={csrf} id="order-group-form" label="send a brief to several sellers" error={state.missingCents ? undefined : state.error}>
      <input type="hidden" name="idempotencyKey" value={firstOf(state.form?.idempotencyKey) ?? randomUUID()} />
      <Field name="offerIds" label="Offer ids" value={offers} errors={state.errors ?? {}} hint={`${rules.minOrders} to ${rules.maxOrders} offers of different sellers, separated by spaces or commas`} />
      <TextArea name="brief" label="Your brief (every seller receives it as the order’s requirements)" value={firstOf(state.form?.brief)} errors={state.errors ?? {}} rows={4} />
      <button type="submit">Order from every seller</button>
    </Form>
  </>
);

const GroupList: FC<{ groups: OrderGroupSummary[] }> = ({ groups }) => (
  <section aria-labelledby="groups-h">
    <h2 id="groups-h">Your groups</h2>
    {groups.length ? (
      <ul class="cards">
        {groups.map((g) => (
          <li class="card order-group" id={`order-group-${g.id}`}>
            <a href={`/order-groups/${g.id}`}>Group #{g.id}</a>: {g.orderCount} orders, <Money cents={g.totalCents} />, <Time at={g.createdAt} />
            <p class="muted">{clip(g.brief, 160)}</p>
          </li>
        ))}
      </ul>
    ) : (
      <p class="muted">No order groups yet.</p>
    )}
  </section>
);

export function orderGroupPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { orderGroups } = deps.services;

  const listPage = async (c: WebContext, state: FormState = {}, status: ContentfulStatusCode = 200) => {
    const user = userOf(c);
    const groups = await orderGroups.mine(user.id, 50);
    const offers = firstOf(state.form?.offerIds) ?? query(c, 'offers')?.replace(/,/g, ' ') ?? '';
    return page(
      c,
      deps,
      'Order groups',
      (v) => (
        <>
          <p>Send one brief to {rules.minOrders}–{rules.maxOrders} sellers at once (K-06): each offer becomes an order of its own, and this page compares them.</p>
          <NewGroupForm state={state} offers={offers} csrf={v.csrf} />
          <GroupList groups={groups} />
        </>
      ),
      status,
    );
  };

  app.get('/order-groups', (c) => listPage(c));
  app.post('/order-groups', async (c) => {
    const user = userOf(c);
    const form = await readForm(c);
    const parsed = parseForm(NewGroup, form);
    if (!parsed.ok) return listPage(c, { form, errors: parsed.errors, error: parsed.errors.idempotencyKey && 'The form has expired: reload the page and send again.' }, 400);
    try {
      const { group, replayed } = await orderGroups.place(user, { offerIds: parsed.data.offerIds, brief: parsed.data.brief }, parsed.data.idempotencyKey);
      return redirect(c, `/order-groups/${group.id}`, replayed ? 'This group was ordered already.' : `${group.orders.length} orders placed: each seller has your brief.`);
    } catch (err) {
      const refusal = refusalOf(err);
      const missing = refusal.code === 'insufficient_funds' ? (err as AppError).details?.missingCents : undefined;
      return listPage(c, { form, error: refusal.message, missingCents: typeof missing === 'number' ? missing : undefined }, refusal.status);
    }
  });
  app.get('/order-groups/:id', async (c) => {
    const user = userOf(c);
    const id = idOf(c.req.param('id'));
    if (id === undefined) throw new AppError('not_found', 'no such order group');
    const group = await orderGroups.view(user.id, id);
    return page(c, deps, `Order group #${group.id}`, () => (
      <>
        <p>
          <a href="/order-groups">← Order groups</a> · {group.orders.length} orders, <Money cents={group.totalCents} /> in all, sent <Time at={group.createdAt} />
        </p>
        <section aria-labelledby="brief-h">
          <h2 id="brief-h">The brief</h2>
          <p class="prewrap">{group.brief}</p>
        </section>
        <Compare group={group} />
      </>
    ));
  });
  return app;
}
