/**
 * The custom search attributes every gigflow workflow sets, so support staff can find any
 * order, moderation or withdrawal in the Temporal Web UI (e.g. `GigflowStatus = "late"`).
 * Registered on the namespace by `npm start` and the test harness from this one list; each
 * process says which it sets, and to what, in its own `search.ts`.
 */
import type { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

type SearchAttributeKey<T extends SearchAttributeType> = ReturnType<typeof defineSearchAttributeKey<T>>;

// `defineSearchAttributeKey` of @temporalio/common builds the same plain object; written here so
// the workflow bundle imports nothing but @temporalio/workflow at run time.
const key = <T extends SearchAttributeType>(name: string, type: T): SearchAttributeKey<T> => ({ name, type });

export const SA = {
  /** The process's business status (order: placed, in_progress, late, in_review, arbitration, …; withdrawal: requested, in_batch, paid, …). */
  status: key('GigflowStatus', 'KEYWORD'),
  buyerId: key('GigflowBuyerId', 'KEYWORD'),
  sellerId: key('GigflowSellerId', 'KEYWORD'),
  offerId: key('GigflowOfferId', 'KEYWORD'),
  /** Money at stake, integer cents. */
  amountCents: key('GigflowAmountCents', 'INT'),
  /**
   * When the next automatic outcome happens unless somebody acts; an active service request's
   * expiry (K-44). The dev server allows 3 DATETIME attributes: reuse this one, add no other.
   */
  nextDeadline: key('GigflowNextDeadline', 'DATETIME'),
  /** A withdrawal's owner; a standing's user. */
  userId: key('GigflowUserId', 'KEYWORD'),
  /** How a withdrawal is paid out: `card` or `paypal`. */
  method: key('GigflowMethod', 'KEYWORD'),
  /** The payout batch (K-50) a withdrawal is expected in or was taken by; a batch's scheduled time. */
  batchAt: key('GigflowBatchAt', 'DATETIME'),
  /** A write failed for good: the workflow holds until staff resolve it (`GET /staff/attention`). */
  needsAttention: key('GigflowNeedsAttention', 'BOOL'),
  /** A standing's latest running block end (K-64, K-65): `GigflowBlockedUntil > "<now>"` finds everyone blocked now. */
  blockedUntil: key('GigflowBlockedUntil', 'DATETIME'),
  /** A standing's level: `account_blocked`, `offers_blocked`, `warned`, `clear`. */
  sanction: key('GigflowSanction', 'KEYWORD'),
  /** A service request's catalog category (K-44). */
  categoryId: key('GigflowCategoryId', 'KEYWORD'),
  /** How many answers a service request has (withdrawn ones included). */
  answersCount: key('GigflowAnswersCount', 'INT'),
  /**
   * An estimated job's urgency (W-02): `critical`, `high`, `normal`, `low`. The dev server allows
   * 10 KEYWORD attributes: this is the 9th. (A job's client, expert, price and next deadline reuse
   * `buyerId`, `sellerId`, `amountCents` and `nextDeadline`.)
   */
  urgency: key('GigflowUrgency', 'KEYWORD'),
} as const;

export const searchAttributeKeys = Object.values(SA);
