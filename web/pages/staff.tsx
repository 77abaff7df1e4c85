/**
 * Staff pages: the staff home with links to the queues a staff member's roles open; the
 * moderation queue (offers and feedback answers), the arbitration queue with the case file and
 * the decision form, the attention list, reports and everyone blocked now (sanctions), support's money pages (the withdrawal queue, payout
 * batches, provider events, card top-up refunds), admins' Users page (roles, blocks); links to each workflow in the Temporal Web UI. Each
 * page needs the roles its JSON route needs (see staff/roles.ts); anyone else gets 403.
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';
import { page } from '../page.js';
import { arbitrationPages } from './staff/arbitration.js';
import { attentionPages } from './staff/attention.js';
import { closurePages } from './staff/closures.js';
import { jobInstallPages } from './staff/job-installs.js';
import { moderationPages } from './staff/moderation.js';
import { staffPaymentPages } from './staff/payments.js';
import { sanctionPages } from './staff/sanctions.js';
import { holds, staffAccess, staffOf } from './staff/roles.js';
import { topUpRefundPages } from './staff/top-up-refund.js';
import { staffWithdrawalPages } from './staff/withdrawals.js';
import { userAdminPages } from './staff/users.js';

const queues = [
  { href: '/staff/moderation', label: 'Moderation queue', what: 'offers and answers to feedback awaiting a decision', roles: staffAccess.moderation },
  { href: '/staff/requests', label: 'Service requests', what: 'buyers’ requests awaiting moderation (K-44): approve or reject with a reason', roles: staffAccess.moderation },
  { href: '/staff/arbitration', label: 'Arbitration queue', what: 'orders in dispute', roles: staffAccess.arbitration },
  { href: '/staff/attention', label: 'Needs attention', what: 'workflows holding after a failed write', roles: staffAccess.attention },
  { href: '/staff/reports', label: 'Reports', what: 'users’ reports of users, offers, feedback and messages, and the off-platform scan’s (K-61, K-62): resolve them, with a sanction if need be', roles: staffAccess.sanctions },
  { href: '/staff/standings', label: 'Blocked now', what: 'everyone whose offers or account a sanction blocks: lift early', roles: staffAccess.sanctions },
  { href: '/staff/withdrawals', label: 'Withdrawals', what: 'withdrawals by status: hold, release or reject them', roles: staffAccess.money },
  { href: '/staff/payout-batches', label: 'Payout batches', what: 'each batch’s reconciliation: count, gross, fees, net', roles: staffAccess.money },
  { href: '/staff/provider-events', label: 'Provider events', what: 'webhooks from the payment providers, unmatched first', roles: staffAccess.money },
  { href: '/staff/closures', label: 'Account closures', what: 'users’ requests to close their account (W-20): complete them once no money is in play', roles: staffAccess.closures },
  { href: '/staff/top-ups', label: 'Refund a card top-up', what: 'an early withdrawal of card money, back to the same card (K-48)', roles: staffAccess.money },
  { href: '/staff/jobs', label: 'Jobs', what: 'estimated jobs: reassign an expert (W-10), decide a cancellation’s refund (W-11)', roles: staffAccess.jobs },
  { href: '/staff/job-installs', label: 'Install catalog', what: 'the fixed-price installs clients order at once (W-06): add one, change a price, retire one', roles: staffAccess.installs },
  { href: '/staff/users', label: 'Users', what: 'find anyone by login: grant or take a staff role, block or unblock the account', roles: staffAccess.users },
  { href: '/expert/jobs', label: 'Expert jobs', what: 'the queue of jobs to estimate, most urgent first (W-02), and yours', roles: staffAccess.expert },
];

export function staffPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  app.get('/staff', (c) => {
    const user = staffOf(c, staffAccess.any);
    const mine = queues.filter((q) => holds(user, q.roles));
    return page(c, deps, 'Staff', () => (
      <>
        <p>Your roles: {user.roles.join(', ')}.</p>
        <ul class="cards">
          {mine.map((q) => (
            <li class="card">
              <h2>
                <a href={q.href}>{q.label}</a>
              </h2>
              <p>{q.what}</p>
            </li>
          ))}
        </ul>
      </>
    ));
  });
  app.route('/', moderationPages(deps));
  app.route('/', userAdminPages(deps));
  app.route('/', arbitrationPages(deps));
  app.route('/', attentionPages(deps));
  app.route('/', sanctionPages(deps));
  app.route('/', staffWithdrawalPages(deps));
  app.route('/', staffPaymentPages(deps));
  app.route('/', topUpRefundPages(deps));
  app.route('/', closurePages(deps));
  app.route('/', jobInstallPages(deps));
  return app;
}
