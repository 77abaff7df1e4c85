/**
 * How a standing shows in the Temporal Web UI, for staff: its search attributes
 * (`GigflowUserId = "7"`, `GigflowSanction = "offers_blocked"`, `GigflowBlockedUntil`: everyone
 * blocked now is `GigflowBlockedUntil > "<now>"`), its one-line summary, and the current details.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import type { Attention } from '../lib/process.js';
import { SA } from '../lib/search-attributes.js';
import { blockedUntil, levelOf, nextDeadline, type StandingState } from './machine.js';

/** The attributes a standing starts with (the workflow upserts them as they change). */
export function startSearchAttributes(userId: number): SearchAttributePair[] {
  return [
    { key: SA.userId, value: String(userId) },
    { key: SA.sanction, value: 'clear' },
  ];
}

/** The attributes as the state has them now; `held`: whether a write failed for good (left out if it never did). */
export function searchAttributesOf(state: StandingState, held?: boolean): SearchAttributeUpdatePair[] {
  const until = blockedUntil(state);
  return [
    { key: SA.userId, value: String(state.userId) },
    { key: SA.sanction, value: levelOf(state) },
    { key: SA.blockedUntil, value: until === null ? null : new Date(until) },
    ...(held === undefined ? [] : [{ key: SA.needsAttention, value: held ? true : null }]),
  ];
}

/** What the attributes that change say: upserted only when this changes. */
export function searchKey(state: StandingState, held = false): string {
  return `${levelOf(state)}|${blockedUntil(state) ?? ''}${held ? '|held' : ''}`;
}

/** The one-line summary: "Standing of user 7". */
export function summaryOf(userId: number): string {
  return `Standing of user ${userId} (sanctions, K-58…K-65)`;
}

/** The current details: the blocks and what the standing waits for. */
export function detailsOf(state: StandingState, attention: Attention | null): string {
  const lines: string[] = [];
  if (attention) lines.push(`**Holds for staff**: a write failed for good (${attention.type}): ${attention.reason}`);
  if (state.accountBlock) lines.push(`Account blocked until ${state.accountBlock.until}: ${state.accountBlock.reason}`);
  if (state.offersBlock) lines.push(`Offers blocked until ${state.offersBlock.until}: ${state.offersBlock.reason}`);
  const next = nextDeadline(state);
  lines.push(next ? `Next: ${next.what === 'window' ? 'the oldest violation stops counting' : `the ${next.what} block lifts`} at ${next.at}` : 'Nothing pending');
  return lines.join('\n\n');
}
