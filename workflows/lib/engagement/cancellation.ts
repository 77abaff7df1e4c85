/**
 * Cancellation by negotiation (K-15, K-18, K-19; W-11): one party asks with a reason, the
 * other accepts or declines, the asker may withdraw; an unanswered request goes through when
 * its answer period ends. Whether a reason is *sufficient* (does not count against the seller)
 * is the process's own rule; this holds the request and who may do what with it.
 */
import { iso, msOf } from '../time.js';
import { otherParty, type Party } from './parties.js';

export interface CancellationRequest<Reason extends string = string> {
  by: Party;
  reason: Reason;
  comment: string | null;
  /** A sufficient reason does not count against the seller's rating (K-19). */
  sufficient: boolean;
  at: string;
}

export function requestCancellation<Reason extends string>(by: Party, reason: Reason, comment: string | undefined, sufficient: boolean, now: string): CancellationRequest<Reason> {
  return { by, reason, comment: comment ?? null, sufficient, at: now };
}

/** K-18: when an unanswered request goes through (ms since the epoch). */
export function answerDueAt(request: CancellationRequest, answerMs: number): number {
  return msOf(request.at) + answerMs;
}

/** The same, as the ISO instant people are told. */
export function answerDueIso(request: CancellationRequest, answerMs: number): string {
  return iso(answerDueAt(request, answerMs));
}

/** Who must answer: the other party. */
export const answerer = (request: CancellationRequest): Party => otherParty(request.by);

/**
 * Whether `role` may answer (accept or decline) or withdraw `request`. With no request open, any
 * party may try: the state then refuses it (409), not the role (403).
 */
export function mayAnswer(role: Party, request: CancellationRequest | null): boolean {
  return !request || role === answerer(request);
}

export function mayWithdraw(role: Party, request: CancellationRequest | null): boolean {
  return !request || role === request.by;
}
