/**
 * Every rule number of gigflow (durations, fees, limits) in one place. A workflow receives
 * the policy it starts with as part of its input, so a running process keeps its rules when
 * this file changes; bump `version` with any change. Durations are milliseconds.
 */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const policy = {
  version: 2,

  // Money
  /** The platform's commission on every order, in basis points: 2000 = 20 % (a $10 kwork pays the seller $8). */
  commissionBps: 2_000,
  /** A top-up's bounds, in cents: $1 to $10,000. */
  topUpMinCents: 100,
  topUpMaxCents: 1_000_000,
  /** A promo code's largest amount, in cents ($1,000). */
  promoMaxCents: 100_000,
  /** Money topped up by card becomes withdrawable this many calendar months later. */
  cardTopUpHoldMonths: 1,

  // Catalog
  /** The basic kwork's price: $10, unless the category allows a free price. */
  kworkBasePriceCents: 1_000,
  /** A free price's bounds (and a package's), where the category allows it: $10 to $1,000. */
  freePriceMinCents: 1_000,
  freePriceMaxCents: 100_000,
  /** Extra options: at most 10 per kwork, each $4 to $200 (the seller earns 80 %: $3.20 to $160). */
  maxOptions: 10,
  optionMinCents: 400,
  optionMaxCents: 20_000,
  maxLeadTimeDays: 30,
  titleMinLength: 10,
  titleMaxLength: 80,
  descriptionMinLength: 50,
  descriptionMaxLength: 5_000,
  /** Offers in moderation at once: 3 while the seller has no active offer, 7 with one but no orders yet. */
  maxInModerationWithoutActive: 3,
  maxInModerationWithoutOrders: 7,
  /** Offers in total for a Newbie seller (every seller, until levels land). */
  newbieMaxOffers: 20,
  /** Trigram similarity of title + description above which an offer duplicates the seller's other one. */
  duplicateSimilarity: 0.9,
  /** A cart item lapses after 14 days. */
  cartItemTtlMs: 14 * DAY,
  /** Moderation: remind the queue after 24 h waiting, escalate to admins after 3 days. */
  moderationReminderMs: 24 * HOUR,
  moderationEscalationMs: 3 * DAY,

  // Orders (each order keeps the values it was placed with: see `orderPolicy`)
  /** The seller starts work within 24 h of placement, else the order is cancelled and refunded. */
  orderStartWithinMs: 24 * HOUR,
  /** The buyer may cancel alone, refunded at once, within 20 min of placement. */
  orderFreeCancelMs: 20 * MINUTE,
  /** A seller in work without a progress report for 3 days is reminded (and again every 3 days). */
  orderProgressReminderMs: 3 * DAY,
  /** The buyer has 3 days to accept a delivery or ask for a revision; then it is accepted automatically. */
  orderReviewMs: 3 * DAY,
  /** The buyer is reminded 24 h before the automatic acceptance. */
  orderReviewReminderBeforeMs: 24 * HOUR,
  /**
   * A revision's new deadline is now + 2 days: our choice. A revision is a correction of work
   * already delivered, so it gets less than a fresh kwork's lead time (at least a day) but
   * enough for a second round of a day's work.
   */
  orderRevisionMs: 2 * DAY,
  /** No action by either party for 14 days: the order is cancelled and refunded. */
  orderInactivityMs: 14 * DAY,
  /** A cancellation request nobody answers goes through after 2 days. */
  orderCancellationAnswerMs: 2 * DAY,
  /** "No contact with the buyer" becomes a seller's reason 24 h after a question the buyer left unanswered. */
  orderNoContactAfterMs: 24 * HOUR,
  /** A dispute's other party has 2 days to give their statement. */
  orderDisputeAnswerMs: 2 * DAY,
  /** An arbiter decides within 5 business days (Mon–Fri, UTC) of the case being ready, else admins are alerted. */
  orderArbitrationBusinessDays: 5,
  /** An arbiter's "return to work" gives at most 30 days. */
  orderMaxReturnToWorkDays: 30,
  /** Units of the basic kwork in one order. */
  orderMaxUnits: 100,

  // Accounts
  /** An email, login or payout details change blocks withdrawals this long. */
  withdrawalLockMs: 7 * DAY,
  sessionTtlMs: 30 * DAY,
  emailTokenTtlMs: 2 * DAY,
  passwordMinLength: 10,
  passwordMaxLength: 200,
  /** Failed logins allowed per account (or unknown login) within the window, before 429. */
  loginFailureLimit: 5,
  /** Failed logins allowed per client address within the window (higher: many people share one behind NAT). */
  loginFailureLimitPerAddress: 20,
  loginFailureWindowMs: 15 * MINUTE,
} as const;

export type Policy = typeof policy;

/** The order rules a new order starts with: passed into `orderWorkflow` and kept for its life. */
export function orderPolicy(p: Policy = policy) {
  return {
    version: p.version,
    commissionBps: p.commissionBps,
    startWithinMs: p.orderStartWithinMs,
    freeCancelMs: p.orderFreeCancelMs,
    progressReminderMs: p.orderProgressReminderMs,
    reviewMs: p.orderReviewMs,
    reviewReminderBeforeMs: p.orderReviewReminderBeforeMs,
    revisionMs: p.orderRevisionMs,
    inactivityMs: p.orderInactivityMs,
    cancellationAnswerMs: p.orderCancellationAnswerMs,
    noContactAfterMs: p.orderNoContactAfterMs,
    disputeAnswerMs: p.orderDisputeAnswerMs,
    arbitrationBusinessDays: p.orderArbitrationBusinessDays,
    maxReturnToWorkDays: p.orderMaxReturnToWorkDays,
  };
}
