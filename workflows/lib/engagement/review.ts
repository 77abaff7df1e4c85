/**
 * The review window after a delivery (K-14): the buyer accepts or asks for a revision within
 * the review period, or the delivery is accepted automatically; a reminder goes out a while
 * before. (W-13's auto-approval counts business days from the client's last activity: the job
 * passes its own start and length.)
 */
import { msOf } from '../time.js';

export interface ReviewRules {
  reviewMs: number;
  reviewReminderBeforeMs: number;
}

/** When the delivery made at `deliveredAt` is accepted automatically (ms since the epoch). */
export function autoAcceptAt(deliveredAt: string, rules: Pick<ReviewRules, 'reviewMs'>): number {
  return msOf(deliveredAt) + rules.reviewMs;
}

/** When the buyer is reminded, or null once they were. */
export function reviewReminderAt(deliveredAt: string, remindedAt: string | null, rules: ReviewRules): number | null {
  return remindedAt === null ? autoAcceptAt(deliveredAt, rules) - rules.reviewReminderBeforeMs : null;
}
