/** What the API's `/metrics` reads from the database at each scrape (issue 19 §4): cheap aggregates only. */
import type { Db } from '../db/client.js';
import { startsWaiting, type StartProcess } from '../db/workflow-starts.js';

export interface MetricsService {
  /** The money held in escrow for open orders, in cents: the escrow accounts' balances (one scan of the accounts, no postings). */
  escrowCents(): Promise<number>;
  /**
   * Issue 19 §2, §3: per process, the workflow starts queued longer than the workers' sweep
   * waits (`db/workflow-starts.ts`): an order placed with its money held, a job, a withdrawal…
   * committed without its workflow yet. Normally 0; a count that stays says Temporal refuses
   * the starts or no worker sweeps.
   */
  workflowStartsWaiting(): Promise<Record<StartProcess, number>>;
}

export function createMetricsService(db: Db): MetricsService {
  return {
    async escrowCents() {
      const [row] = await db.sql<{ total: string }[]>`select coalesce(sum(balance), 0)::int8 as total from ledger_accounts where kind = 'escrow'`;
      return Number(row?.total ?? 0);
    },
    workflowStartsWaiting: () => startsWaiting(db),
  };
}
