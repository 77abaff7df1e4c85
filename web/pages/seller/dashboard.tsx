/**
 * The seller's dashboard (`/seller`): orders to start, each with its 24 h countdown (K-08: an
 * order not started in time is cancelled and refunded); orders in work with their deadlines;
 * deliveries awaiting the buyer's review; orders in arbitration. Each row links to the order.
 * A running sanction block (K-64, K-65) shows first: why, and until when; then the seller's level
 * and what the next one asks (K-32, D-01).
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { OrderListItem } from '../../../services/orders.js';
import type { LevelProgress } from '../../../services/sellers.js';
import { levelShareLimit } from '../../../workflows/lib/reputation.js';
import type { OrderStatus } from '../../../workflows/order/messages.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { page, userOf } from '../../page.js';
import { Countdown, Money, Time, type Viewer } from '../../ui.js';
import { levelName } from '../catalog/parts.js';
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
    const [rows, standing, level] = await Promise.all([
      Promise.all(
        sections.map(async (s) => (await Promise.all(s.statuses.map((status) => orders.list(user.id, { role: 'seller', status, limit: SECTION_LIMIT })))).flatMap((p) => p.items)),
      ),
      deps.services.sanctions.standing(user.id),
      deps.services.sellers.levelProgress(user.id),
    ]);
    return page(c, deps, 'Selling', (v) => (
      <>
        <SellerNav />
        <StandingBanner standing={standing} viewer={v} />
        <LevelCard progress={level} />
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

const percentOf = (part: number, whole: number) => (whole === 0 ? 0 : Math.floor((100 * part) / whole));

/** K-32, D-01: the seller's level, and what the next one asks of them, in figures they can act on. */
const LevelCard: FC<{ progress: LevelProgress }> = ({ progress }) => {
  const { next, window } = progress;
  const share =
    window === null
      ? 'not computed yet (your next finished order computes it)'
      : window.size === 0
        ? 'no finished order yet'
        : `${percentOf(window.bad, window.size)} % bad (${window.bad} of your last ${window.size} finished orders)`;
  return (
    <section class="card" id="level-progress" aria-labelledby="level-heading">
      <h2 id="level-heading">Your level: {levelName(progress.level)}</h2>
      {next === null ? (
        <p id="level-keep">
          {`The highest level. It stays while bad orders (a dislike, late, or cancelled against you) stay under ${levelShareLimit(progress.level)} % of your last 100 finished orders: now ${share}.`}
        </p>
      ) : (
        <ul>
          <li id="level-next-orders">
            {next.moreCompleted === 0
              ? `Completed orders: ${progress.completedOrders}, enough for ${levelName(next.level)} (more than ${next.completedNeeded - 1}).`
              : `${next.moreCompleted} more completed ${next.moreCompleted === 1 ? 'order' : 'orders'} to reach ${levelName(next.level)}: it asks for more than ${next.completedNeeded - 1}, you have ${progress.completedOrders}.`}
          </li>
          <li id="level-next-share">
            {`Bad orders (a dislike, late, or cancelled against you) under ${next.underPercent} % of your last 100 finished: now ${share}${window === null || next.shareOk ? '.' : ' — too many for now.'}`}
          </li>
        </ul>
      )}
    </section>
  );
};
