/**
 * The payout batch's activities: opening a batch (its `payout_batches` row, the holiday check
 * of D-06, the due withdrawals) and its reconciliation. Both are idempotent on the batch's id,
 * since a local activity is retried until the database answers.
 */
import type { Db } from '../db/client.js';
import { holidayOn, localDate, type BatchCalendarPolicy } from '../payments/batch-calendar.js';
import type { BatchOpening } from '../workflows/payout-batch/machine.js';
import type { BatchTotals } from '../workflows/payout-batch/messages.js';
import { withdrawalPolicy } from '../workflows/withdrawal/policy.js';
import { withClassifiedFailures } from './failures.js';

/** `Wed 2026-12-09 12:00 Europe/Warsaw`: the batch's time on its own calendar. */
function labelOf(atMs: number, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(atMs);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${localDate(atMs, zone)} ${part('hour')}:${part('minute')} ${zone}`;
}

/**
 * Writes the batch's row (once) and says what it takes: nothing on a public holiday (K-50's
 * "holiday delays": its withdrawals stay `requested` for the next batch day), else every
 * withdrawal still `requested` that was requested before the batch's time, oldest first.
 */
async function openBatch(db: Db, calendar: BatchCalendarPolicy, input: { batchId: string; scheduledAt: string }): Promise<BatchOpening> {
  const at = Date.parse(input.scheduledAt);
  const holiday = holidayOn(at, calendar);
  await db.sql`
    insert into payout_batches (id, scheduled_at, status, holiday)
    values (${input.batchId}, ${input.scheduledAt}::timestamptz, ${holiday === null ? 'running' : 'skipped_holiday'}, ${holiday})
    on conflict (id) do nothing`;
  const label = labelOf(at, calendar.zone);
  if (holiday !== null) return { label, holiday, due: [] };
  const due = await db.sql<{ id: string }[]>`
    select id from withdrawals where status = 'requested' and created_at < ${input.scheduledAt}::timestamptz order by id`;
  return { label, holiday: null, due: due.map((row) => Number(row.id)) };
}

/**
 * The batch's reconciliation, from the rows of the withdrawals it took: the count and the sums
 * (gross, fees, net) of those paid — each paid row was written with its ledger settle, so these
 * equal the settled postings — the failed ones, and all it took. Recomputed on a retry.
 */
async function reconcileBatch(db: Db, input: { batchId: string; at: string }): Promise<BatchTotals> {
  const [row] = await db.sql<{ taken: number; paid_count: number; failed_count: number; gross: string; fees: string; net: string }[]>`
    with totals as (
      select count(*)::int as taken,
        (count(*) filter (where status = 'paid'))::int as paid_count,
        (count(*) filter (where status = 'failed'))::int as failed_count,
        coalesce(sum(amount) filter (where status = 'paid'), 0) as gross,
        coalesce(sum(fee) filter (where status = 'paid'), 0) as fees,
        coalesce(sum(net) filter (where status = 'paid'), 0) as net
      from withdrawals where batch_id = ${input.batchId}
    )
    update payout_batches b set status = 'reconciled', taken = t.taken, paid_count = t.paid_count, failed_count = t.failed_count,
      gross = t.gross, fees = t.fees, net = t.net, reconciled_at = ${input.at}::timestamptz
    from totals t where b.id = ${input.batchId}
    returning t.taken, t.paid_count, t.failed_count, t.gross, t.fees, t.net`;
  if (!row) throw new Error(`payout batch ${input.batchId} has no row`);
  return { taken: row.taken, paidCount: row.paid_count, failedCount: row.failed_count, grossCents: Number(row.gross), feesCents: Number(row.fees), netCents: Number(row.net) };
}

/** The batch's activities; `calendar`: the batch days' zone and holidays (the withdrawal policy's by default). */
export function createPayoutBatchActivities({ db, calendar = withdrawalPolicy().batch }: { db: Db; calendar?: BatchCalendarPolicy }) {
  return {
    openBatch: withClassifiedFailures((input: { batchId: string; scheduledAt: string }) => openBatch(db, calendar, input)),
    reconcileBatch: withClassifiedFailures((input: { batchId: string; at: string }) => reconcileBatch(db, input)),
  };
}

export type PayoutBatchActivities = ReturnType<typeof createPayoutBatchActivities>;
