/**
 * The numbers of what the API decides on its own — accounts, the wallet, the catalog and the
 * cart — in one place. (Each durable process keeps its numbers in its own
 * `workflows/<process>/policy.ts`, passed into every workflow at its start.) Durations are
 * milliseconds, money is integer cents.
 */
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_NAME_MAX_CHARS } from '../db/schema/attachments.js';
import { DAY, HOUR, MINUTE } from '../workflows/lib/time.js';

export const accountRules = {
  /** K-51, K-66, K-67, D-10: an email, login or payout details change blocks withdrawals this long. */
  withdrawalLockMs: 7 * DAY,
  sessionTtlMs: 30 * DAY,
  emailTokenTtlMs: 2 * DAY,
  passwordMinLength: 10,
  passwordMaxLength: 200,
  // Sign-in throttling (issue 13). Failures are counted per (login or email as typed, client
  // address) and per client address, never per account alone: a correct password from an
  // address that is not throttled always signs in, so no one can lock an owner out. Past a
  // key's free failures each failure makes the next attempt on that key wait
  // signInFirstDelayMs × 2^(failures − free − 1), at most signInMaxDelayMs.
  /** A person who mistypes a password a few times is never slowed down. */
  signInFreeFailuresPerLogin: 5,
  /**
   * Higher than per login: an office, a campus or a mobile carrier's NAT puts many people behind
   * one address. Still low enough that one address cannot try one password on many accounts.
   */
  signInFreeFailuresPerAddress: 20,
  /** The first delay is a second (nothing a person notices); doubling reaches the cap in 11 failures. */
  signInFirstDelayMs: 1_000,
  /**
   * The longest wait: an attacker past the ramp gets 4 guesses an hour on a key, and a person
   * held up by someone else's failures on a shared address waits at most this long.
   */
  signInMaxDelayMs: 15 * MINUTE,
  /**
   * A (login, address) key forgets one failure for each full hour since its last failure, and a
   * success forgets them all. A pause never pays an attacker: at the cap the key holds 16
   * failures, and its 5 free ones come back only after 16 quiet hours, in which the cap would
   * have allowed 64 guesses.
   */
  signInForgetPerLoginMs: HOUR,
  /**
   * An address forgets one failure for each full 3 minutes since its last: failures 3 minutes or
   * more apart never add up, so a shared address's everyday typos do not slow the people behind
   * it, while one address spraying many logins settles at one guess every 256 s past the ramp.
   * A success does not reset it (an attacker would sign in to their own account between guesses).
   */
  signInForgetPerAddressMs: 3 * MINUTE,
  /**
   * K-38 "seller activity": a signed-in request records when its user was last active, at most
   * once this long (search asks about days, so a minute's lag shows nowhere).
   */
  activityWriteIntervalMs: MINUTE,
  /**
   * W-01: an account created on a job's submission is activated through a mailed link (the
   * address verified and the password set in one step); the link lasts this long, and
   * `POST /auth/activation/resend` mails a fresh one.
   */
  activationTokenTtlMs: 3 * DAY,
  /** W-20: the longest reason a user gives for closing their account. */
  closureReasonMaxLength: 1_000,
} as const;

/**
 * K-70: the site header's live counters. "Users online" counts those who made a signed-in request
 * within this window: activity is written at most once a minute (`activityWriteIntervalMs`), so a
 * user who keeps using the site stays counted, and one who left drops out within 5 minutes.
 */
export const siteActivityRules = {
  onlineWithinMs: 5 * MINUTE,
} as const;

/**
 * K-36 badges "reward activity: ideas, bug reports, buying/selling, positive communication,
 * contests". The source gives no thresholds; these are ours. Selling and buying badges mark
 * milestones of completed orders (a tier: the highest reached); positive communication needs
 * enough feedback that almost all of it is positive. Ideas, bug reports and contests are
 * awarded by an admin, each for something named.
 */
export const badgeRules = {
  /** Completed orders as the seller: "10+ sales", "100+ sales", "1,000+ sales". */
  salesTiers: [10, 100, 1_000],
  /** Completed orders as the buyer: "10+ purchases", "50+ purchases", "100+ purchases". */
  purchaseTiers: [10, 50, 100],
  /** At least this many likes and dislikes counted (K-30)… */
  positiveMinFeedback: 10,
  /** …of which at least this share is likes, in per cent. */
  positiveMinPercent: 95,
  /** The longest "what it is for" of an awarded badge. */
  reasonMaxLength: 200,
} as const;

export const walletRules = {
  /** A top-up's bounds, in cents: $1 to $10,000. */
  topUpMinCents: 100,
  topUpMaxCents: 1_000_000,
  /** A promo code's largest amount, in cents ($1,000). */
  promoMaxCents: 100_000,
  /** K-48, D-09: money topped up by card becomes withdrawable this many calendar months later. */
  cardTopUpHoldMonths: 1,
  /**
   * A top-up still waiting for its payer this long after it started ends as `expired` (checked
   * with the provider first): PayPal lets a payer approve an order for 3 hours; a card payment
   * is given a day, as Stripe's hosted Checkout Sessions are.
   */
  topUpExpiresAfterMs: { paypal: 3 * 60 * 60_000, card: 24 * 60 * 60_000 },
} as const;

export const catalogRules = {
  /** K-01: the basic kwork's price: $10, unless the category allows a free price. */
  kworkBasePriceCents: 1_000,
  /** K-03: a free price's bounds (and a package's), where the category allows it: $10 to $1,000. */
  freePriceMinCents: 1_000,
  freePriceMaxCents: 100_000,
  /** K-04: extra options: at most 10 per kwork, each $4 to $200 (the seller earns 80 %: $3.20 to $160). */
  maxOptions: 10,
  optionMinCents: 400,
  optionMaxCents: 20_000,
  maxLeadTimeDays: 30,
  titleMinLength: 10,
  titleMaxLength: 80,
  descriptionMinLength: 50,
  descriptionMaxLength: 5_000,
  /** K-39: offers in moderation at once: 3 while the seller has no active offer, 7 with one but no orders yet, 20 for a Newbie. */
  maxInModerationWithoutActive: 3,
  maxInModerationWithoutOrders: 7,
  maxInModerationNewbie: 20,
  /** K-33, K-39: offers in total for a Newbie seller (the level computed from their orders, K-32); higher levels have no cap. */
  newbieMaxOffers: 20,
  /** K-39: trigram similarity of title + description above which an offer duplicates the seller's other one. */
  duplicateSimilarity: 0.9,
  /** K-07: a cart item lapses after 14 days. */
  cartItemTtlMs: 14 * DAY,
} as const;

/** An offer's expiry (7 days) is its workflow's number: `workflows/individual-offer/policy.ts`. */
export const individualOfferRules = {
  /** K-46: an individual offer is $10 to $1000 (the table's check holds the same bounds). */
  minPriceCents: 1_000,
  maxPriceCents: 100_000,
  /** Its lead time, in whole days: as long as an offer's may be (the table's check holds it too). */
  maxLeadTimeDays: 30,
  descriptionMinLength: 10,
  descriptionMaxLength: 2_000,
} as const;

export const orderGroupRules = {
  /** K-06: buyers are advised to order from 2–5 sellers at once. */
  minOrders: 2,
  maxOrders: 5,
  briefMaxLength: 5_000,
} as const;

/** Staff who may read an order's conversation (and its attachments) while the order is disputed. */
export const conversationStaff = ['arbiter', 'admin'] as const;

/** Staff who read every service request (K-44), its answers and its files (K-69). */
export const requestStaff = ['support', 'moderator', 'admin'] as const;
/** Issue 18: who reads every estimated job and its conversation, reassigns experts and decides refunds (W-10, W-11). */
export const jobStaff = ['support', 'admin'] as const;

/** K-69 attachments, K-41 offer images, K-37 portfolio items. Sizes are bytes. */
export const attachmentRules = {
  /** K-69: 4 MB a file (4 × 1024 × 1024 bytes); larger files go through a cloud link. */
  maxBytes: ATTACHMENT_MAX_BYTES,
  /**
   * An upload's body may exceed the file by this much (the multipart framing, the field's headers
   * and file name): a body longer still is refused by its Content-Length before it is read.
   */
  multipartOverheadBytes: 64 * 1024,
  /** What one user may keep stored in all (policy): 100 MB, 25 files at the maximum size. */
  quotaBytes: 100 * 1024 * 1024,
  nameMaxChars: ATTACHMENT_NAME_MAX_CHARS,
  /** Attachments on one message. */
  perMessage: 10,
  /** K-41: images on one offer. */
  perOffer: 10,
  /** K-37: files in one portfolio item. */
  perPortfolioItem: 10,
  /** K-69: files a buyer attaches to one service request (K-44). */
  perRequest: 10,
  portfolioTitleMaxChars: 120,
} as const;
