/**
 * The order's numbers (K-08…K-23 and our decisions). Each order receives them at placement as
 * part of its input (`orderPolicy()`), so a running order keeps the rules it began with when
 * this file changes: bump `version` with any change. Durations are milliseconds.
 */
import { DAY, HOUR, MINUTE } from '../lib/time.js';
import type { OrderPolicy } from './messages.js';

export const orderRules = {
  version: 4,
  /** K-01: the platform's commission on every order, in basis points: 2000 = 20 % (a $10 kwork pays the seller $8). */
  commissionBps: 2_000,
  /** K-08: the seller starts work within 24 h of placement, else the order is cancelled and refunded. */
  startWithinMs: 24 * HOUR,
  /** K-16: the buyer may cancel alone, refunded at once, within 20 min of placement. */
  freeCancelMs: 20 * MINUTE,
  /** K-13: a seller in work without a progress report for 3 days is reminded (and again every 3 days). */
  progressReminderMs: 3 * DAY,
  /** K-14: the buyer has 3 days to accept a delivery or ask for a revision; then it is accepted automatically. */
  reviewMs: 3 * DAY,
  /** The buyer is reminded 24 h before the automatic acceptance. */
  reviewReminderBeforeMs: 24 * HOUR,
  /**
   * A revision's new deadline is now + 2 days: our choice. A revision is a correction of work
   * already delivered, so it gets less than a fresh kwork's lead time (at least a day) but
   * enough for a second round of a day's work.
   */
  revisionMs: 2 * DAY,
  /** K-11: no action by either party for 14 days: the order is cancelled and refunded. */
  inactivityMs: 14 * DAY,
  /** K-18: a cancellation request nobody answers goes through after 2 days. */
  cancellationAnswerMs: 2 * DAY,
  /** K-20: "no contact with the buyer" becomes a seller's reason 24 h after a question the buyer left unanswered. */
  noContactAfterMs: 24 * HOUR,
  /** D-05: a dispute's other party has 2 days to give their statement. */
  disputeAnswerMs: 2 * DAY,
  /** D-05: an arbiter decides within 5 business days (Mon–Fri, UTC) of the case being ready, else admins are alerted. */
  arbitrationBusinessDays: 5,
  /** D-05: an arbiter's "return to work" gives at most 30 days. */
  maxReturnToWorkDays: 30,
  /** K-04: units of the basic kwork in one order. */
  maxUnits: 100,
} as const;

/** The rules a new order starts with: passed into `orderWorkflow` and kept for its life. */
export function orderPolicy(rules: typeof orderRules = orderRules): OrderPolicy {
  return {
    version: rules.version,
    commissionBps: rules.commissionBps,
    startWithinMs: rules.startWithinMs,
    freeCancelMs: rules.freeCancelMs,
    progressReminderMs: rules.progressReminderMs,
    reviewMs: rules.reviewMs,
    reviewReminderBeforeMs: rules.reviewReminderBeforeMs,
    revisionMs: rules.revisionMs,
    inactivityMs: rules.inactivityMs,
    cancellationAnswerMs: rules.cancellationAnswerMs,
    noContactAfterMs: rules.noContactAfterMs,
    disputeAnswerMs: rules.disputeAnswerMs,
    arbitrationBusinessDays: rules.arbitrationBusinessDays,
    maxReturnToWorkDays: rules.maxReturnToWorkDays,
    // Version 3's decisions on the rules' collisions (issue 13): see `OrderPolicy`.
    cancellationPausesWindows: true,
    splitStatus: true,
    decisiveSearchDeadline: true,
    // Version 4: a party who is staff too does not act on the order as staff.
    partiesDoNotJudge: true,
  };
}
