/**
 * The custom search attributes every gigflow workflow sets, so support staff can find any
 * order, moderation or withdrawal in the Temporal Web UI (e.g. `GigflowStatus = "late"`).
 * Registered on the namespace by `npm start` and the test harness from this one list.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  /** The process's business status (order: placed, in_progress, late, in_review, arbitration, …). */
  status: defineSearchAttributeKey('GigflowStatus', SearchAttributeType.KEYWORD),
  buyerId: defineSearchAttributeKey('GigflowBuyerId', SearchAttributeType.KEYWORD),
  sellerId: defineSearchAttributeKey('GigflowSellerId', SearchAttributeType.KEYWORD),
  offerId: defineSearchAttributeKey('GigflowOfferId', SearchAttributeType.KEYWORD),
  /** Money at stake, integer cents. */
  amountCents: defineSearchAttributeKey('GigflowAmountCents', SearchAttributeType.INT),
  /** When the next automatic outcome happens unless somebody acts. */
  nextDeadline: defineSearchAttributeKey('GigflowNextDeadline', SearchAttributeType.DATETIME),
} as const;

export const searchAttributeKeys = Object.values(SA);
