/**
 * How a payout batch shows in the Temporal Web UI: its search attributes (`GigflowStatus =
 * "reconciled"`, `GigflowBatchAt`, `GigflowAmountCents` = the gross it paid), the summary of the
 * Schedule that starts it, and the current details (markdown) that say what it waits for.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { formatUsd } from '../lib/money.js';
import { SA } from '../lib/search-attributes.js';
import { pending, type PayoutBatchState } from './machine.js';
import type { PayoutBatchView } from './messages.js';

export function searchAttributesOf(state: PayoutBatchState): SearchAttributeUpdatePair[] {
  return [
    { key: SA.status, value: state.status },
    { key: SA.batchAt, value: new Date(state.scheduledAt) },
    { key: SA.amountCents, value: state.totals?.grossCents ?? null },
  ];
}

/** The attributes that change: upserted only when this does. */
export function searchKey(state: PayoutBatchState): string {
  return `${state.status}|${state.totals?.grossCents ?? ''}`;
}

const weekdayNames = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The summary of the Schedule's runs: "Payout batch Mon, Wed, Fri 12:00 Europe/Warsaw". */
export function scheduleSummary(batch: { zone: string; weekdays: number[]; hour: number; minute: number }): string {
  const time = `${String(batch.hour).padStart(2, '0')}:${String(batch.minute).padStart(2, '0')}`;
  return `Payout batch ${batch.weekdays.map((d) => weekdayNames[d]).join(', ')} ${time} ${batch.zone}`;
}

/** One batch's line: "Payout batch Wed 2026-12-09 12:00 Europe/Warsaw" (its scheduled time until it is open). */
export function summaryOf(state: Pick<PayoutBatchView, 'label' | 'scheduledAt'>): string {
  return `Payout batch ${state.label ?? state.scheduledAt}`;
}

/** The current details for the Temporal UI (markdown). */
export function detailsOf(state: PayoutBatchState): string {
  const lines = [`**${summaryOf(state)} · ${state.status}**`];
  const all = Object.keys(state.withdrawals).length;
  if (state.holiday) lines.push(`- skipped: ${state.holiday}; due withdrawals wait for the next batch day`);
  if (state.status === 'running') {
    const out = pending(state);
    lines.push(`- ${all} withdrawal(s) handed over; waiting for ${out.length}${out.length ? ` (${out.slice(0, 20).join(', ')}${out.length > 20 ? ', …' : ''})` : ''} until ${state.waitUntil}`);
  }
  const t = state.totals;
  if (t) lines.push(`- reconciled: ${t.paidCount} paid, ${t.failedCount} failed of ${t.taken} taken; gross ${formatUsd(t.grossCents)}, fees ${formatUsd(t.feesCents)}, net ${formatUsd(t.netCents)}`);
  return lines.join('\n');
}
