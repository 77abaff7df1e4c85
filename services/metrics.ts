/** What the API's `/metrics` reads from the database at each scrape (issue 19 §4): cheap aggregates only. */
import type { Db } from '../db/client.js';
import { SWEEP_AFTER_MS } from '../db/order-starts.js';

export interface MetricsService {
  /** The money held in escrow for open orders, in cents: the escrow accounts' balances (one scan of the accounts, no postings). */
  escrowCents(): Promise<number>;
  /**
   * Issue 19 §3: orders whose workflow start has been queued longer than the workers' sweep
   * waits (`db/order-starts.ts`): placed, their money held, no workflow yet. Normally 0; a
   * count that stays says Temporal refuses the starts or no worker sweeps.
   */
  orderStartsWaiting(): Promise<number>;
}

export function createMetricsService(db: Db): MetricsService {
  return {
    async escrowCents() {
      const [row] = await db.sql<{ total: string }[]>`select coalesce(sum(balance), 0)::int8 as total from ledger_accounts where kind = 'escrow'`;
      return Number(row?.total ?? 0);
    },
    async orderStartsWaiting() {
      const [row] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from order_starts where created_at < now() - make_interval(secs => ${SWEEP_AFTER_MS / 1000})`;
      return row?.n ?? 0;
    },
  };
}
