/**
 * My orders: as buyer or seller, filtered by status (the filters of `GET /orders`), newest
 * first, each with its counterpart, total, status and the next deadline's countdown.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { OrderListItem } from '../../../services/orders.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { parseForm, readQuery } from '../../forms.js';
import { page, userOf } from '../../page.js';
import { Countdown, Money, Pager, Select, Time } from '../../ui.js';
import { listStatuses, outcomeText, statusLabel } from '../order/labels.js';

type Pages = Hono<WebEnv>;

const blankIsAbsent = (v: unknown) => (v === '' ? undefined : v);
const Filters = z.object({
  role: z.preprocess(blankIsAbsent, z.enum(['buyer', 'seller'], { error: 'choose buyer or seller' }).default('buyer')),
  status: z.preprocess(blankIsAbsent, z.enum(listStatuses, { error: 'choose a status from the list' }).optional()),
  cursor: z.preprocess(blankIsAbsent, z.string().regex(/^\d{1,15}$/, 'not a page of this list').optional()),
});

const OrderRow = ({ item }: { item: OrderListItem }) => (
  <tr>
    <td>
      <a href={`/orders/${item.id}`}>{item.title}</a>
      <br />
      <small class="muted">
        #{item.id}, <Time at={item.createdAt} />
      </small>
    </td>
    <td>{item.counterpart.login}</td>
    <td>
      <Money cents={item.role === 'seller' ? item.sellerEarningsCents : item.totalCents} />
    </td>
    <td>
      <span class="status">{statusLabel[item.status]}</span>
    </td>
    <td>
      {item.nextDeadline ? (
        <>
          <Countdown at={item.nextDeadline.at} />
          <br />
          <small>
            {item.nextDeadline.waitingOn ? `waiting on the ${item.nextDeadline.waitingOn}; ` : ''}then: {outcomeText(item.nextDeadline.outcome)}
          </small>
        </>
      ) : (
        '—'
      )}
    </td>
  </tr>
);

const OrderTable = ({ items, role }: { items: OrderListItem[]; role: 'buyer' | 'seller' }) => (
  <div class="table-wrap" tabindex={0} role="region" aria-label="Orders">
    <table id="orders">
      <caption class="visually-hidden">Your orders as {role}</caption>
      <thead>
        <tr>
          <th scope="col">Order</th>
          <th scope="col">{role === 'buyer' ? 'Seller' : 'Buyer'}</th>
          <th scope="col">{role === 'buyer' ? 'Total' : 'You earn'}</th>
          <th scope="col">Status</th>
          <th scope="col">Next deadline</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <OrderRow item={item} />
        ))}
      </tbody>
    </table>
  </div>
);

export function orderListPages(app: Pages, deps: WebDeps) {
  app.get('/orders', async (c) => {
    const user = userOf(c);
    const parsed = parseForm(Filters, readQuery(c));
    const filters = parsed.ok ? parsed.data : { role: 'buyer' as const, status: undefined, cursor: undefined };
    const list = await deps.services.orders.list(user.id, { role: filters.role, status: filters.status, cursor: filters.cursor ? Number(filters.cursor) : undefined, limit: 20 });
    const errors = parsed.ok ? {} : parsed.errors;
    const next = list.nextCursor ? `/orders?${new URLSearchParams({ role: filters.role, ...(filters.status ? { status: filters.status } : {}), cursor: list.nextCursor })}` : null;
    return page(
      c,
      deps,
      'My orders',
      () => (
        <>
          <form method="get" action="/orders" class="filters" aria-label="filter orders">
            <Select name="role" label="As" value={filters.role} errors={errors} options={[['buyer', 'Buyer'], ['seller', 'Seller']]} />
            <Select name="status" label="Status" value={filters.status ?? ''} errors={errors} options={[['', 'Any status'], ...listStatuses.map((s): [string, string] => [s, statusLabel[s]])]} />
            <p class="field">
              <button type="submit">Show</button>
            </p>
          </form>
          {list.items.length === 0 ? <p>No orders here yet.</p> : <OrderTable items={list.items} role={filters.role} />}
          <Pager next={next} />
          <p>
            <a href="/order-groups">Order groups</a>: one brief to several sellers at once (K-06) · <a href="/individual-offers">Individual offers</a> (K-46) ·{' '}
            Need something no offer fits? <a href="/requests/mine">My service requests</a>: post one, and sellers answer it.
          </p>
        </>
      ),
      parsed.ok ? 200 : 400,
    );
  });
}
