/**
 * How a withdrawal shows in the Temporal Web UI, for support staff: its search attributes
 * (`GigflowStatus = "in_batch"`, `GigflowUserId = "7"`, `GigflowMethod = "card"`,
 * `GigflowBatchAt`…), its one-line summary, and the current details that say what it waits for.
 * The API starts the workflow with `startSearchAttributes`; the workflow upserts
 * `searchAttributesOf` when they change.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { formatUsd } from '../lib/money.js';
import type { Attention } from '../lib/process.js';
import { SA } from '../lib/search-attributes.js';
import { isFinal, type WithdrawalState } from './machine.js';
import type { WithdrawalInput } from './messages.js';

/** The batch it is expected in, or the one that took it. */
const batchAt = (state: WithdrawalState) => state.batch?.scheduledAt ?? state.input.expectedBatchAt;

/** The attributes a new withdrawal starts with (the workflow upserts them as they change). */
export function startSearchAttributes(input: WithdrawalInput): SearchAttributePair[] {
  return [
    { key: SA.status, value: 'requested' },
    { key: SA.userId, value: String(input.userId) },
    { key: SA.method, value: input.method },
    { key: SA.amountCents, value: input.amountCents },
    { key: SA.batchAt, value: new Date(input.expectedBatchAt) },
  ];
}

/** The attributes as the state has them now; `held`: whether it holds for staff (left out if it never did). */
export function searchAttributesOf(state: WithdrawalState, held?: boolean): SearchAttributeUpdatePair[] {
  const { input } = state;
  return [
    { key: SA.status, value: state.status },
    { key: SA.userId, value: String(input.userId) },
    { key: SA.method, value: input.method },
    { key: SA.amountCents, value: input.amountCents },
    { key: SA.batchAt, value: new Date(batchAt(state)) },
    ...(held === undefined ? [] : [{ key: SA.needsAttention, value: held ? true : null }]),
  ];
}

/** What the attributes that change (status, batch, a hold) say: the workflow upserts only when this changes. */
export function searchKey(state: WithdrawalState, held = false): string {
  return `${state.status}|${batchAt(state)}${held ? '|held' : ''}`;
}

/** The one-line summary for the Temporal UI: "Withdrawal #41: $95.50 to Visa •••• 4242 for user 7". */
export function summaryOf(input: WithdrawalInput): string {
  return `Withdrawal #${input.withdrawalId}: ${formatUsd(input.netCents)} to ${input.destinationLabel} for user ${input.userId}`;
}

/** What it waits for, in a line. */
function waitingFor(state: WithdrawalState): string {
  switch (state.status) {
    case 'requested':
      return `waits for the payout batch of ${state.input.expectedBatchAt} (or a later one)`;
    case 'held':
      return 'is held by staff: no batch takes it until they release it';
    case 'in_batch':
      if (state.stalledAt) return 'waits for the provider’s word: it neither confirmed nor cancelled the payout';
      return state.confirmationDueAt
        ? `waits for the provider’s confirmation of attempt ${state.attempts}/${state.input.policy.payoutAttempts} until ${state.confirmationDueAt}`
        : 'sends the payout to the provider';
    default:
      return 'is over';
  }
}

/** The current details for the Temporal UI (markdown): status, reason, batch, provider ref, next timeout; first, a hold if any. */
export function detailsOf(state: WithdrawalState, attention: Attention | null = null): string {
  const lines = [
    `**Withdrawal #${state.input.withdrawalId} · ${state.status}**: ${isFinal(state.status) ? 'over' : waitingFor(state)}`,
    ...(attention ? [`- **NEEDS ATTENTION** since ${attention.at}: a write failed for good (${attention.type}: ${attention.reason}); actions are refused until staff resolve it`] : []),
    `- amount ${formatUsd(state.input.amountCents)} (fee ${formatUsd(state.input.feeCents)}, paid out ${formatUsd(state.input.netCents)}) by ${state.input.method} to ${state.input.destinationLabel}`,
    ...(state.statusReason ? [`- reason: ${state.statusReason}`] : []),
    `- batch: ${state.batch ? `${state.batch.batchId} (${state.batch.scheduledAt})` : `expected ${state.input.expectedBatchAt}`}`,
    ...(state.providerRef ? [`- provider ref: ${state.providerRef}`] : []),
    ...(state.status === 'in_batch' && state.confirmationDueAt ? [`- next timeout: ${state.confirmationDueAt}`] : []),
  ];
  return lines.join('\n');
}
