/**
 * How a service request shows in the Temporal Web UI, for support: its search attributes
 * (`GigflowStatus = "request_active"`, `GigflowBuyerId = "7"`, `GigflowCategoryId = "12"`,
 * `GigflowNextDeadline`: when an active one expires, `GigflowAnswersCount`), its one-line summary, and the current details.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { formatUsd } from '../lib/money.js';
import type { Attention } from '../lib/process.js';
import { SA } from '../lib/search-attributes.js';
import { activeAnswers, type RequestState } from './machine.js';
import type { RequestInput, RequestStatus } from './messages.js';

/** The `GigflowStatus` value for a status: `request_active`, `request_expired`… */
export function searchStatus(status: RequestStatus): `request_${RequestStatus}` {
  return `request_${status}`;
}

/** The attributes a new request starts with. */
export function startSearchAttributes(input: RequestInput): SearchAttributePair[] {
  return [
    { key: SA.status, value: searchStatus('awaiting_moderation') },
    { key: SA.buyerId, value: String(input.buyerId) },
    { key: SA.categoryId, value: String(input.categoryId) },
    { key: SA.answersCount, value: 0 },
  ];
}

/** The attributes as the state has them now; `held`: whether a write failed for good (left out if it never did). */
export function searchAttributesOf(state: RequestState, held?: boolean): SearchAttributeUpdatePair[] {
  return [
    { key: SA.status, value: searchStatus(state.status) },
    { key: SA.buyerId, value: String(state.input.buyerId) },
    { key: SA.categoryId, value: String(state.input.categoryId) },
    { key: SA.nextDeadline, value: state.status === 'active' && state.activeUntil ? new Date(state.activeUntil) : null },
    { key: SA.answersCount, value: state.answers.length },
    ...(held === undefined ? [] : [{ key: SA.needsAttention, value: held ? true : null }]),
  ];
}

/** What the attributes that change say: upserted only when this changes. */
export function searchKey(state: RequestState, held = false): string {
  return `${state.status}|${state.activeUntil ?? ''}|${state.answers.length}${held ? '|held' : ''}`;
}

/** The one-line summary: "Request 7: “A logo for a bakery” by buyer 42 (category 12, budget $50.00)". */
export function summaryOf(input: RequestInput): string {
  const budget = input.budgetCents === null ? 'no budget' : `budget ${formatUsd(input.budgetCents)}`;
  return `Request ${input.requestId}: “${input.title}” by buyer ${input.buyerId} (category ${input.categoryId}, ${budget})`;
}

/** The current details: a hold first if any, then what the request waits for. */
export function detailsOf(state: RequestState, attention: Attention | null): string {
  const lines: string[] = [];
  if (attention) lines.push(`**Holds for staff**: a write failed for good (${attention.type}): ${attention.reason}`);
  const answers = `${activeAnswers(state).length} active answers of ${state.answers.length}`;
  switch (state.status) {
    case 'awaiting_moderation':
      lines.push(`**Awaiting moderation** since ${state.input.postedAt}`);
      break;
    case 'active':
      lines.push(state.picking ? `**Placing the buyer’s pick** (${answers})` : `**Active** until ${state.activeUntil}: ${answers}`);
      break;
    case 'rejected':
      lines.push(`**Rejected** at ${state.closedAt}: ${state.statusReason}`);
      break;
    case 'picked': {
      const orders = state.answers.filter((a) => a.orderId !== null).map((a) => `order ${a.orderId} (answer ${a.answerId})`);
      lines.push(`**Picked** at ${state.closedAt}: ${orders.join(', ')}`);
      break;
    }
    default:
      lines.push(`**${state.status[0]!.toUpperCase()}${state.status.slice(1)}** at ${state.closedAt} (${answers})`);
  }
  return lines.join('\n\n');
}
