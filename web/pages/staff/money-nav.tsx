/** The links between support's money pages (withdrawals, batches, provider events, top-up refunds). */
import type { FC } from 'hono/jsx';

export const StaffMoneyNav: FC = () => (
  <nav class="subnav" aria-label="staff money pages">
    <ul>
      <li>
        <a href="/staff">← Staff</a>
      </li>
      <li>
        <a href="/staff/withdrawals">Withdrawals</a>
      </li>
      <li>
        <a href="/staff/payout-batches">Payout batches</a>
      </li>
      <li>
        <a href="/staff/provider-events">Provider events</a>
      </li>
      <li>
        <a href="/staff/top-ups">Refund a card top-up</a>
      </li>
    </ul>
  </nav>
);
