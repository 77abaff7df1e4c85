/**
 * The seller's dashboard (`/seller`): orders to start, each with its 24 h countdown (K-08: an
 * order not started in time is cancelled and refunded); orders in work with their deadlines;
 * deliveries awaiting the buyer's review; orders in arbitration. Each row links to the order.
 * A running sanction block (K-64, K-65) shows first: why, and until when.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { OrderListItem } from '../../../services/orders.js';
import type { OrderStatus } from '../../../workflows/order/messages.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { page, userOf } from '../../page.js';
import { Countdown, Money, Time, type Viewer } from '../../ui.js';
import { outcomeText } from '../order/labels.js';
import { StandingBanner } from '../standing.js';
import { SellerNav } from './offers.js';

const SECTION_LIMIT = 50;

interface Section {
  id: string;
  title: string;
  statuses: OrderStatus[];
  empty: string;
  /** What the row's deadline means here. */
  deadline: 'start' | 'work' | 'review' | 'other';
}

const sections: Section[] = [
  { id: 'to-start', title: 'To start', statuses: ['awaiting_start'], empty: 'No new orders.', deadline: 'start' },
  { id: 'in-work', title: 'In work', statuses: ['in_progress', 'late'], empty: 'Nothing in work.', deadline: 'work' },
  { id: 'in-review', title: 'Delivered, awaiting the buyer’s review', statuses: ['in_review'], empty: 'No delivery awaits review.', deadline: 'review' },
  { id: 'in-arbitration', title: 'In arbitration', statuses: ['arbitration'], empty: 'No disputes.', deadline: 'other' },
];

export function dashboardPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  app.get('/seller', async (c) => {
    const user = userOf(c);
    const { orders } = deps.services;
    const [rows, standing] = await Promise.all([
      Promise.all(
        sections.map(async (s) => (await Promise.all(s.statuses.map((status) => orders.list(user.id, { role: 'seller', status, limit: SECTION_LIMIT })))).flatMap((p) => p.items)),
      ),
      deps.services.sanctions.standing(user.id),
    ]);
    return page(c, deps, 'Selling', (v) => (
      <>
        <SellerNav />
        <StandingBanner standing={standing} viewer={v} />
        {sections.map((s, i) => (
          <OrderSection viewer={v} section={s} items={rows[i]!} />
        ))}
      </>
    ));
  });
  return app;
}

const DeadlineCell: FC<{ viewer: Viewer; section: Section; item: OrderListItem }> = ({ viewer, section, item }) => {
  const d = item.nextDeadline;
  if (!d) return <>—</>;
  const label = section.deadline === 'start' ? 'Start within' : section.deadline === 'work' ? 'Due' : section.deadline === 'review' ? 'Buyer reviews by' : 'Next';
  return (
    <>
      {label} <Countdown at={d.at} /> (<Time at={d.at} zone={viewer.timeZone} />)
      <br />
      <small class="muted">{outcomeText(d.outcome)}</small>
    </>
  );
};

const OrderSection: FC<{ viewer: Viewer; section: Section; items: OrderListItem[] }> = ({ viewer, section, items }) => (
  <section aria-labelledby={`${section.id}-heading`} id={section.id}>
    <h2 id={`${section.id}-heading`}>
      {section.title} ({items.length})
    </h2>
    {items.length === 0 ? (
      <p class="muted">{section.empty}</p>
    ) : (
      <ul class="order-rows">
        {items.map((o) => (
          <li class="card" data-order-id={String(o.id)}>
            <h3>
              <a href={`/orders/${o.id}`}>
                #{o.id} {o.title}
              </a>
              {o.status === 'late' ? <span class="status warn"> late</span> : null}
            </h3>
            <p>
              Buyer {o.counterpart.login} · you earn <Money cents={o.sellerEarningsCents} />
            </p>
            <p>
              <DeadlineCell viewer={viewer} section={section} item={o} />
            </p>
          </li>
        ))}
      </ul>
    )}
  </section>
);
