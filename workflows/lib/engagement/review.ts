/**
 * The review window after a delivery (K-14): the buyer accepts or asks for a revision within
 * the review period, or the delivery is accepted automatically; a reminder goes out a while
 * before. The start and the length are arguments, so a process that counts them its own way
 * (W-13: business days from the client's last activity; no such process exists yet) can pass them.
 */
import { msOf } from '../time.js';

export interface ReviewRules {
  reviewMs: number;
  reviewReminderBeforeMs: number;
}

/**
 * When the delivery made at `deliveredAt` is accepted automatically (ms since the epoch);
 * `pausedMs`: how long the window stood still meanwhile (a request waiting for its answer).
 */
export function autoAcceptAt(deliveredAt: string, rules: Pick<ReviewRules, 'reviewMs'>, pausedMs = 0): number {
  return msOf(deliveredAt) + rules.reviewMs + pausedMs;
}

/** When the buyer is reminded, or null once they were. */
export function reviewReminderAt(deliveredAt: string, remindedAt: string | null, rules: ReviewRules, pausedMs = 0): number | null {
  return remindedAt === null ? autoAcceptAt(deliveredAt, rules, pausedMs) - rules.reviewReminderBeforeMs : null;
}
