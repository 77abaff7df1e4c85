/**
 * The user's money (one balance for both roles, K-53): the balance page with "Why can't I
 * withdraw?", adding funds through a payment provider's page (K-47), payout details, the
 * withdrawal form and the withdrawals (K-50). Staff's side of money is under staff/.
 */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../context.js';
import { balancePage } from './money/balance.js';
import { payoutDetailPages } from './money/payout-details.js';
import { topUpPages } from './money/top-up.js';
import { withdrawPages } from './money/withdraw.js';
import { withdrawalPages } from './money/withdrawals.js';

export function moneyPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  for (const routes of [balancePage, topUpPages, payoutDetailPages, withdrawPages, withdrawalPages]) routes(app, deps);
  return app;
}
