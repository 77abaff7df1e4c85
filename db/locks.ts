/**
 * The advisory lock an order's placement held until it committed, and the order workflow's
 * `loadOrder` activity waits on (activities/orders.ts): so the workflow sees the row if the
 * placement committed and no row if it rolled back — never a row that is about to appear.
 * Placements since issue 19 §3 start the workflow after their commit and take no lock
 * (`OrderInput.committedBeforeStart`); `loadOrder` still runs for a workflow an earlier
 * placement started inside its transaction.
 */
import type postgres from 'postgres';

/** The placement lock's key is this and the order's id (`order:<id>`). */
const ORDER_KEY_PREFIX = 'order:';

export function placementLock(tx: postgres.Sql | postgres.TransactionSql | postgres.ReservedSql, orderId: number, shared: boolean) {
  const key = `${ORDER_KEY_PREFIX}${orderId}`;
  return shared ? tx`select pg_advisory_xact_lock_shared(hashtextextended(${key}, 0))` : tx`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

/**
 * The same for a service request's posting and its workflow's `loadRequest`
 * (activities/requests.ts). Postings since the workflow-start outbox (`db/workflow-starts.ts`)
 * start the workflow after their commit and take no lock; `loadRequest` still waits on it for a
 * workflow an earlier posting started inside its transaction (an API of the code before, during
 * a rolling deploy).
 */
export function requestPostingLock(tx: postgres.Sql | postgres.TransactionSql, requestId: number, shared: boolean) {
  const key = `request:${requestId}`;
  return shared ? tx`select pg_advisory_xact_lock_shared(hashtextextended(${key}, 0))` : tx`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

/** The same for an estimated job's order form (W-01) and its workflow's `loadJob` (activities/jobs.ts). */
export function jobOrderLock(tx: postgres.Sql | postgres.TransactionSql, jobId: number, shared: boolean) {
  const key = `job:${jobId}`;
  return shared ? tx`select pg_advisory_xact_lock_shared(hashtextextended(${key}, 0))` : tx`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}
