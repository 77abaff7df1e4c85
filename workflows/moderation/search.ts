/**
 * How a submission's moderation shows in the Temporal Web UI, for support staff: its search
 * attributes (`GigflowStatus = "moderation_escalated"`, `GigflowOfferId = "7"`…), its one-line
 * summary, and the current details that say what it waits for.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import type { Attention } from '../lib/process.js';
import { SA } from '../lib/search-attributes.js';
import { initialState, nextDeadline, type ModerationState } from './machine.js';
import type { ModerationInput, ModerationStatus } from './messages.js';

/** The `GigflowStatus` search attribute's value for a status. */
export function searchStatus(status: ModerationStatus): `moderation_${ModerationStatus}` {
  return `moderation_${status}`;
}

/** The attributes a new submission's workflow starts with. */
export function startSearchAttributes(input: ModerationInput): SearchAttributePair[] {
  const next = nextDeadline(initialState(input));
  return [
    { key: SA.status, value: searchStatus('awaiting') },
    { key: SA.sellerId, value: String(input.sellerId) },
    { key: SA.offerId, value: String(input.offerId) },
    ...(next ? [{ key: SA.nextDeadline, value: new Date(next.at) }] : []),
  ];
}

/** The attributes as the state has them now; the deadline cleared when none is pending. */
export function searchAttributesOf(state: ModerationState, sellerId: number, held?: boolean): SearchAttributeUpdatePair[] {
  const deadline = nextDeadline(state);
  return [
    { key: SA.status, value: searchStatus(state.status) },
    { key: SA.sellerId, value: String(sellerId) },
    { key: SA.offerId, value: String(state.offerId) },
    { key: SA.nextDeadline, value: deadline ? new Date(deadline.at) : null },
    // Only once a hold happened (never in the histories written before holds existed).
    ...(held === undefined ? [] : [{ key: SA.needsAttention, value: held ? true : null }]),
  ];
}

/** The one-line summary: "Moderation of offer 7 (revision 2): “Logo in three styles” by seller 42". */
export function summaryOf(input: ModerationInput): string {
  return `Moderation of offer ${input.offerId} (revision ${input.revision}): “${input.title}” by seller ${input.sellerId}`;
}

/** One readable paragraph for the Temporal UI's current details (Temporal markdown); first, a hold if any. */
export function detailsOf(state: ModerationState, attention: Attention | null = null): string {
  if (attention) return `**Needs attention** since ${attention.at}: a write failed for good (${attention.type}: ${attention.reason}); decisions are refused and timers wait until staff resolve it. ${detailsOf(state)}`;
  const deadline = nextDeadline(state);
  const next = deadline ? ` Next: ${deadline.what} at ${deadline.at}.` : '';
  if (state.status === 'awaiting') return `**Awaiting a moderator** since ${state.submittedAt}.${next}`;
  if (state.status === 'overdue') return `**Overdue**: moderators were reminded at ${state.remindedAt}.${next}`;
  if (state.status === 'escalated') {
    return `**Escalated** to admins at ${state.escalatedAt}; waiting for a moderator's decision (nothing happens automatically).`;
  }
  const decision = state.decision;
  if (decision?.outcome === 'approved' || decision?.outcome === 'rejected') {
    const why = decision.outcome === 'rejected' ? `: ${decision.reason}${decision.note ? ` (${decision.note})` : ''}` : '';
    const left = decision.appliedToOffer ? '' : ' The offer had moved on, so it was left unchanged.';
    return `**${decision.outcome === 'approved' ? 'Approved' : 'Rejected'}** by moderator ${decision.moderatorId} at ${state.decidedAt}${why}.${left}`;
  }
  return `**Withdrawn** by the ${decision?.by ?? 'system'} at ${state.decidedAt}.`;
}
