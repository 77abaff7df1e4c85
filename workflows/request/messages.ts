/**
 * The wire contract of a service request (K-44, K-45): the workflow id, the start input, the
 * Updates of its buyer (`pick`, `close`), its sellers (`answer`, `withdrawAnswer`) and staff
 * (`moderate`), and the `view` query. Imported by the API, the activities and the workflow.
 * Wire names and answer kinds are public: renaming one breaks running requests.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { businessId } from '../lib/ids.js';

/** The workflow type's name, a wire contract like the message names. */
export const requestWorkflowType = 'requestWorkflow';

/** One workflow per request: `request-<requestId>`. */
export function requestWorkflowId(requestId: number): string {
  return businessId('request', requestId);
}

/**
 * The Idempotency-Key of a request's pick (`idempotency_keys`) and of each order it places
 * (`orders.request_key`): built from the request and the answer alone, so a retried pick —
 * an activity retry, or the buyer's after a timeout — finds the orders placed and never places twice.
 */
export const pickKey = (requestId: number): string => `request-${requestId}:pick`;
export const pickOrderKey = (requestId: number, answerId: number): string => `request-${requestId}:answer-${answerId}`;

/**
 * - `awaiting_moderation`: posted, staff decide (K-44: moderators activate it);
 * - `active`: approved, sellers answer, for `activeMs` from the approval;
 * - `picked`: the buyer picked answers, each one an order; `closed`: the buyer closed it early;
 * - `expired`: active time ran out without a pick; `rejected`: staff refused it;
 * - `voided`: the posting's transaction rolled back after starting the workflow (no row).
 */
export const requestStatuses = ['awaiting_moderation', 'active', 'picked', 'closed', 'expired', 'rejected', 'voided'] as const;
export type RequestStatus = (typeof requestStatuses)[number];

/**
 * What an answer offers. `offer`: one of the seller's active kworks, ordered at its price at the
 * pick. `individual_offer` (K-46, K-33): an individual offer the API made for this request (its
 * own price and lead time, based on one of the seller's kworks), ordered at its terms. Old
 * answers (before individual offers) are all `offer` and carry no `individualOfferId`.
 */
export const answerKinds = ['offer', 'individual_offer'] as const;
export type AnswerKind = (typeof answerKinds)[number];

/** The rules a request runs under, fixed at its start (from `./policy.ts`). Durations in ms. */
export interface RequestPolicy {
  version: number;
  /** K-44: how long an approved request takes answers (24 h), counted from the approval. */
  activeMs: number;
  /** How many answers (withdrawn ones included) one request takes. */
  maxAnswers: number;
  /** How many answers one pick may take (each becomes an order). */
  maxPicks: number;
  /** The longest answer comment and rejection reason, in characters. */
  maxCommentChars: number;
  /**
   * Version 2: a moderator does not moderate their own request (403): nobody judges their own
   * case. Absent in requests posted before.
   */
  partiesDoNotJudge?: boolean;
}

/** What the API starts a request with, once its row is written. */
export interface RequestInput {
  requestId: number;
  buyerId: number;
  categoryId: number;
  title: string;
  /** Integer cents, or null: the buyer named no budget. */
  budgetCents: number | null;
  /** ISO 8601. */
  postedAt: string;
  policy: RequestPolicy;
}

/** Staff's decision (K-44): approve, or reject with a reason the buyer reads. */
export type ModerateArgs = { staffId: number; decision: 'approve' } | { staffId: number; decision: 'reject'; reason: string };

/**
 * A seller answers with one of their active offers, or with an individual offer based on one
 * (K-46). The API checks the offer is theirs and orderable (and the seller not blocked), and
 * writes the individual offer's row, before sending it; the workflow checks the request.
 */
export interface AnswerArgs {
  sellerId: number;
  kind: AnswerKind;
  /** The kwork answered with; for an individual offer, the one it is based on. */
  offerId: number;
  /** Set exactly when `kind` is `individual_offer`: its row (`individual_offers.id`). */
  individualOfferId?: number;
  /** A snapshot for the request page; an `offer` answer's order is priced from the offer as it is at the pick, an individual offer's at its terms. */
  offerTitle: string;
  priceCents: number;
  comment: string | null;
}

export interface WithdrawAnswerArgs {
  sellerId: number;
  answerId: number;
}

/** The buyer picks one or several answers at once (K-44): each becomes an order; then the request closes. */
export interface PickArgs {
  buyerId: number;
  answerIds: number[];
}

export interface CloseArgs {
  buyerId: number;
}

export type AnswerStatus = 'active' | 'withdrawn' | 'picked';

/** One answer; `answerId` is its number within the request (1, 2, …). */
export interface Answer {
  answerId: number;
  kind: AnswerKind;
  sellerId: number;
  offerId: number;
  /** The individual offer answered with (K-46); absent for an `offer` answer. */
  individualOfferId?: number;
  offerTitle: string;
  priceCents: number;
  comment: string | null;
  status: AnswerStatus;
  /** Set once picked: the order it became. */
  orderId: number | null;
  answeredAt: string;
}

/** The request as it is now: the `view` query's answer and each Update's result. */
export interface RequestView {
  requestId: number;
  buyerId: number;
  categoryId: number;
  title: string;
  budgetCents: number | null;
  status: RequestStatus;
  /** Why staff rejected it (the buyer reads it), or null. */
  statusReason: string | null;
  postedAt: string;
  approvedAt: string | null;
  /** When an active request expires: `approvedAt + activeMs`. */
  activeUntil: string | null;
  closedAt: string | null;
  answers: Answer[];
  /** True while a pick's orders are being placed. */
  picking: boolean;
  policyVersion: number;
}

/**
 * What the pick activity is asked to place: one order per picked answer, at the offer's price
 * now, or at the individual offer's terms when the answer names one (`individualOfferId`).
 */
export interface PickOrders {
  requestId: number;
  buyerId: number;
  title: string;
  picks: { answerId: number; offerId: number; individualOfferId?: number }[];
}

/** The orders a pick placed, by answer. */
export interface PickedOrders {
  orders: { answerId: number; orderId: number }[];
}

export const moderateUpdate = defineUpdate<RequestView, [ModerateArgs], 'moderate'>('moderate');
export const answerUpdate = defineUpdate<RequestView, [AnswerArgs], 'answer'>('answer');
export const withdrawAnswerUpdate = defineUpdate<RequestView, [WithdrawAnswerArgs], 'withdrawAnswer'>('withdrawAnswer');
/**
 * The buyer's pick: the answers' orders are placed (a regular activity, through the normal
 * placement) before the Update answers. Refused with the placement's own code when it fails
 * (`insufficient_funds`: the add-funds prompt); the request then stays active.
 */
export const pickUpdate = defineUpdate<RequestView, [PickArgs], 'pick'>('pick');
export const closeUpdate = defineUpdate<RequestView, [CloseArgs], 'close'>('close');
export const viewQuery = defineQuery<RequestView, [], 'view'>('view');
