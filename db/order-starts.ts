/**
 * The outbox of order workflows (`order_starts`, db/schema/orders.ts). The placement writes an
 * order's row, its escrow hold and its row here in one transaction and starts the workflow after
 * the commit (`startPlacedOrders`); the row goes once Temporal has the workflow. What is left
 * over — Temporal refused or could not be reached, the API stopped between the commit and the
 * start — is started by the buyer's retry of the request (`startQueuedOrders` with the order
 * ids) or by every worker's sweep (`runOrderStarter`), so money held for an order always gets
 * its workflow. A start is idempotent: the gateway answers a workflow that exists already as
 * started, and never starts a second one for the same order.
 */
import { drainUntilAborted } from './batches.js';
import type { Db } from './client.js';
import type { OrderInput } from '../workflows/order/messages.js';

/** Starts an order's workflow; resolves when it runs (or ran) under the order's id, rejects when Temporal did not take it. */
export type StartOrder = (input: OrderInput) => Promise<void>;

/**
 * Issue 19 §3: how long a queued start waits before a sweep takes it. The placement starts its
 * workflows within its request; a sweep that came sooner would only race it for nothing.
 */
export const SWEEP_AFTER_MS = 30_000;
/** How often each worker looks for starts left over. */
const SWEEP_EVERY_MS = 10_000;
/** Starts taken by one sweep, oldest first. */
const SWEEP_BATCH = 50;

/** Forgets the queued starts of `orderIds`: their workflows run. */
async function forget(db: Db, orderIds: number[]): Promise<void> {
  if (orderIds.length > 0) await db.sql`delete from order_starts where order_id = any(${orderIds}::bigint[])`;
}

/**
 * Starts the workflows of orders the placement just committed, then forgets their queued
 * starts. A start Temporal refuses rejects with its error, its row left for a retry or a sweep;
 * the others' rows go all the same.
 */
export async function startPlacedOrders(db: Db, start: StartOrder, inputs: OrderInput[]): Promise<void> {
  const outcomes = await Promise.allSettled(inputs.map((input) => start(input)));
  await forget(db, inputs.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((input) => input.orderId));
  const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (refused) throw refused.reason;
}

/**
 * Starts what is still queued: of `orderIds` (a retried placement's orders), or else the oldest
 * starts queued before `before`, one sweep's batch. Answers how many it started; the first
 * refusal rejects, after the others' rows are forgotten.
 */
export async function startQueuedOrders(db: Db, start: StartOrder, which: { orderIds: number[] } | { before: Date }): Promise<number> {
  const rows =
    'orderIds' in which
      ? await db.sql<{ input: OrderInput }[]>`select input from order_starts where order_id = any(${which.orderIds}::bigint[])`
      : await db.sql<{ input: OrderInput }[]>`
          select input from order_starts where created_at < ${which.before.toISOString()}::timestamptz order by created_at limit ${SWEEP_BATCH}`;
  if (rows.length === 0) return 0;
  await startPlacedOrders(db, start, rows.map((r) => r.input));
  return rows.length;
}

/**
 * Sweeps the queued starts until `signal` aborts: every `intervalMs`, those queued over
 * `afterMs` ago, batch after batch while there are any. Runs in each worker process; two workers
 * taking the same row start one workflow (the gateway's start is idempotent).
 */
export async function runOrderStarter(opts: { db: Db; start: StartOrder; signal: AbortSignal; now?: () => Date; intervalMs?: number; afterMs?: number; onStarted?: (count: number) => void; onError?: (err: unknown) => void }): Promise<void> {
  const { db, start, signal, now = () => new Date(), intervalMs = SWEEP_EVERY_MS, afterMs = SWEEP_AFTER_MS } = opts;
  await drainUntilAborted({
    signal,
    intervalMs,
    batch: async () => {
      const started = await startQueuedOrders(db, start, { before: new Date(now().getTime() - afterMs) });
      if (started > 0) opts.onStarted?.(started);
      return { full: started === SWEEP_BATCH };
    },
    onError: opts.onError,
  });
}
