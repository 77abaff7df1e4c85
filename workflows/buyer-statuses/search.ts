/**
 * How a run shows in the Temporal Web UI: `GigflowStatus` (`evaluating`, `done`),
 * `GigflowBatchAt` (the run's time), its summary and current details.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { SA } from '../lib/search-attributes.js';
import type { BuyerStatusesState } from './machine.js';

export function searchAttributesOf(state: BuyerStatusesState): SearchAttributeUpdatePair[] {
  return [
    { key: SA.status, value: state.status },
    { key: SA.batchAt, value: new Date(state.scheduledAt) },
  ];
}

/** The Schedule's summary: "Buyer statuses daily 03:00 UTC". */
export function scheduleSummary(policy: { hour: number; minute: number }): string {
  return `Buyer statuses daily ${String(policy.hour).padStart(2, '0')}:${String(policy.minute).padStart(2, '0')} UTC`;
}

/** One run's line. */
export const summaryOf = (state: Pick<BuyerStatusesState, 'scheduledAt'>) => `Buyer statuses at ${state.scheduledAt}`;

/** The current details for the Temporal UI (markdown). */
export function detailsOf(state: BuyerStatusesState): string {
  const lines = [`**${summaryOf(state)} · ${state.status}**`];
  const r = state.result;
  if (r) lines.push(`- ${r.evaluated} Super buyer(s) re-evaluated; ${r.lost.length} lost the status${r.lost.length ? ` (${r.lost.slice(0, 20).join(', ')}${r.lost.length > 20 ? ', …' : ''})` : ''}`);
  return lines.join('\n');
}
