/**
 * How an estimated job shows in the Temporal Web UI, for support: its search attributes
 * (`GigflowStatus = "job_delivered"`, `GigflowBuyerId = "7"`: the client, `GigflowSellerId`: the
 * current expert, `GigflowUrgency = "critical"`, `GigflowAmountCents`: the price once there is
 * one, `GigflowNextDeadline`: the auto-approval of a delivered job or whatever comes next), its
 * one-line summary and the current details.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { formatUsd } from '../lib/money.js';
import type { Attention } from '../lib/process.js';
import { SA } from '../lib/search-attributes.js';
import { currentEstimate, nextDeadline, priceCentsOf, type JobState } from './machine.js';
import type { JobInput, JobStatus } from './messages.js';

/** The `GigflowStatus` value for a status: `job_open`, `job_delivered`… */
export function searchStatus(status: JobStatus): `job_${JobStatus}` {
  return `job_${status}`;
}

/** The attributes a new job starts with (the API's start may give them; the first publish upserts them anyway). */
export function startSearchAttributes(input: JobInput): SearchAttributePair[] {
  return [
    { key: SA.status, value: searchStatus(input.clientVerified ? 'open' : 'awaiting_verification') },
    { key: SA.buyerId, value: String(input.clientId) },
    { key: SA.urgency, value: input.urgency },
    ...(input.install ? [{ key: SA.amountCents, value: input.install.priceCents }] : []),
  ];
}

/** W-13 first: a delivered job's auto-approval; else the soonest deadline (expiry, first answer). */
function deadlineOf(state: JobState): string | null {
  if (state.status === 'delivered' && state.autoApproveAt) return state.autoApproveAt;
  return nextDeadline(state)?.at ?? null;
}

/** The attributes as the state has them now; `held`: whether a write failed for good (left out if it never did). */
export function searchAttributesOf(state: JobState, held?: boolean): SearchAttributeUpdatePair[] {
  const deadline = deadlineOf(state);
  return [
    { key: SA.status, value: searchStatus(state.status) },
    { key: SA.buyerId, value: String(state.input.clientId) },
    { key: SA.sellerId, value: state.expertId === null ? null : String(state.expertId) },
    { key: SA.urgency, value: state.input.urgency },
    { key: SA.amountCents, value: priceCentsOf(state) },
    { key: SA.nextDeadline, value: deadline === null ? null : new Date(deadline) },
    ...(held === undefined ? [] : [{ key: SA.needsAttention, value: held ? true : null }]),
  ];
}

/** What the attributes that change say: upserted only when this changes. */
export function searchKey(state: JobState, held = false): string {
  return `${state.status}|${state.expertId ?? ''}|${priceCentsOf(state) ?? ''}|${deadlineOf(state) ?? ''}${held ? '|held' : ''}`;
}

/** The one-line summary: "Job 7: “Fix my checkout” by client anna (critical, budget $300.00)". */
export function summaryOf(input: JobInput): string {
  const money = input.install ? `install ${input.install.name} at ${formatUsd(input.install.priceCents)}` : input.budgetCents === null ? 'no budget' : `budget ${formatUsd(input.budgetCents)}`;
  return `Job ${input.jobId}: “${input.title}” by client ${input.clientUsername} (${input.urgency}, ${money})`;
}

/** The current details: a hold first if any, then where the job stands and what it waits for. */
export function detailsOf(state: JobState, attention: Attention | null): string {
  const lines: string[] = [];
  if (attention) lines.push(`**Holds for staff**: a write failed for good (${attention.type}): ${attention.reason}`);
  const expert = state.expertId === null ? 'no expert yet' : `expert ${state.expertId}`;
  lines.push(`**${state.status.replaceAll('_', ' ')}** — ${expert}, urgency ${state.input.urgency}`);
  const estimate = currentEstimate(state);
  if (estimate) lines.push(`Estimate #${estimate.number}: ${estimate.quarterHours / 4} h = ${formatUsd(estimate.priceCents)}, valid until ${estimate.validUntil}`);
  if (state.paidCents > 0) lines.push(`Paid ${formatUsd(state.paidCents)} at ${state.paidAt}; in escrow ${formatUsd(state.escrowCents)}`);
  if (state.firstAnswerDueAt && !state.firstAnsweredAt) lines.push(`First answer due ${state.firstAnswerDueAt}${state.firstAnswerAlertedAt ? ' — **missed, staff alerted**' : ''}`);
  if (state.differentExpertAsked) lines.push(`**Client asks for a different expert**: ${state.differentExpertAsked.reason}`);
  if (state.cancellation && state.cancellation.decision === null) lines.push(`**Cancellation to decide** (work ${state.cancellation.workStarted ? 'had' : 'had not'} started): ${state.cancellation.reason}`);
  if (state.status === 'delivered') lines.push(`Auto-approval at ${state.autoApproveAt} (reminder ${state.reminded ? 'sent' : `at ${state.remindAt}`})`);
  const next = nextDeadline(state);
  if (next) lines.push(`Next: ${next.what.replaceAll('_', ' ')} at ${next.at}`);
  return lines.join('\n\n');
}
