/**
 * How a reply watch shows in the Temporal Web UI, for staff: its search attributes
 * (`GigflowStatus = "waiting"`, `GigflowSellerId`, `GigflowBuyerId`, `GigflowNextDeadline`: when
 * the seller's 48 h end), its one-line summary and the current details.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { SA } from '../lib/search-attributes.js';
import type { ReplyWatchState } from './machine.js';

/** `waiting`, `answered`, `ignored`, or `idle` before a message that starts the wait. */
export function statusOf(state: ReplyWatchState): string {
  return state.outcome ?? (state.waiting ? 'waiting' : 'idle');
}

/** The attributes as the state has them now. */
export function searchAttributesOf(state: ReplyWatchState): SearchAttributeUpdatePair[] {
  const w = state.waiting;
  return [
    { key: SA.status, value: statusOf(state) },
    { key: SA.sellerId, value: w ? String(w.sellerId) : null },
    { key: SA.buyerId, value: w ? String(w.buyerId) : null },
    { key: SA.nextDeadline, value: w && state.outcome === null ? new Date(w.dueAt) : null },
  ];
}

/** What the attributes say: upserted only when this changes. */
export function searchKey(state: ReplyWatchState): string {
  return `${statusOf(state)}|${state.waiting?.messageId ?? ''}`;
}

/** The one-line summary. */
export function summaryOf(conversationId: number): string {
  return `Reply watch of conversation ${conversationId} (K-63: a buyer's message answered within 48 h)`;
}

/** The current details: whom it waits for, until when, or how it ended. */
export function detailsOf(state: ReplyWatchState): string {
  const w = state.waiting;
  if (state.outcome === 'answered') return 'The seller answered in time.';
  if (state.outcome === 'ignored') return `Seller ${w?.sellerId} left message ${w?.messageId} unanswered: their standing was told (K-63).`;
  return w ? `Waits for seller ${w.sellerId} to answer message ${w.messageId} of buyer ${w.buyerId} by ${w.dueAt}.` : 'Waits for a message to watch.';
}
