/**
 * How an affiliate payout run shows in the Temporal Web UI: its search attributes
 * (`GigflowStatus = "done"`, `GigflowBatchAt` = its scheduled time, `GigflowAmountCents` = what it
 * paid, `GigflowNeedsAttention` when a payout failed), the Schedule's summary and the current
 * details (markdown).
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { formatUsd } from '../lib/money.js';
import { SA } from '../lib/search-attributes.js';
import { needsAttention, type AffiliatePayoutState } from './machine.js';

export function searchAttributesOf(state: AffiliatePayoutState): SearchAttributeUpdatePair[] {
  return [
    { key: SA.status, value: state.status },
    { key: SA.batchAt, value: new Date(state.scheduledAt) },
    { key: SA.amountCents, value: state.totals.paidCents },
    { key: SA.needsAttention, value: needsAttention(state) },
  ];
}

/** The attributes that change: upserted only when this does. */
export function searchKey(state: AffiliatePayoutState): string {
  return `${state.status}|${state.totals.paidCents}|${needsAttention(state)}`;
}

/** The Schedule's summary: "Affiliate payouts on the 10th, 10:00 Europe/Warsaw (W-29)". */
export function scheduleSummary(run: { day: number; hour: number; minute: number; zone: string }): string {
  return `Affiliate payouts on the ${run.day}th, ${String(run.hour).padStart(2, '0')}:${String(run.minute).padStart(2, '0')} ${run.zone} (W-29)`;
}

/** One run's line: "Affiliate payouts 2027-01 (cut-off 2026-12-31T22:59:59.000Z)". */
export function summaryOf(state: Pick<AffiliatePayoutState, 'runMonth' | 'cutoffAt'>): string {
  return `Affiliate payouts ${state.runMonth} (cut-off ${state.cutoffAt})`;
}

/** The current details for the Temporal UI (markdown). */
export function detailsOf(state: AffiliatePayoutState): string {
  const lines = [`**${summaryOf(state)} · ${state.status}**`];
  const all = Object.entries(state.payouts);
  const t = state.totals;
  lines.push(`- ${all.length} payout(s): ${t.paidCount} paid (${formatUsd(t.paidCents)}), ${t.failedCount} failed (${formatUsd(t.failedCents)})`);
  const out = all.filter(([, p]) => p.status === 'due' || p.status === 'sent').map(([id]) => id);
  if (out.length) lines.push(`- waiting for PayPal: ${out.slice(0, 20).join(', ')}${out.length > 20 ? ', …' : ''}`);
  for (const [id, p] of all.filter(([, p]) => p.status === 'failed').slice(0, 20)) {
    lines.push(`- **failed** ${id} (affiliate ${p.affiliateId}, ${formatUsd(p.amountCents)}): ${p.failureReason}; the money is back in the wallet`);
  }
  return lines.join('\n');
}
