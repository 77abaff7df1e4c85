/** What the API's `/metrics` reads from the database at each scrape (issue 19 §4): cheap aggregates only. */
import type { Db } from '../db/client.js';

export interface MetricsService {
  /** The money held in escrow for open orders, in cents: the escrow accounts' balances (one scan of the accounts, no postings). */
  escrowCents(): Promise<number>;
}

export function createMetricsService(db: Db): MetricsService {
  return {
    async escrowCents() {
      const [row] = await db.sql<{ total: string }[]>`select coalesce(sum(balance), 0)::int8 as total from ledger_accounts where kind = 'escrow'`;
      return Number(row?.total ?? 0);
    },
  };
}
