/**
 * The wire contract of an individual offer's expiry (K-46): the workflow id, the start input,
 * the `answered` signal and the `view` query. Imported by the API's gateway, the activities
 * and the workflow. Wire names (`answered`, `view`) are public: renaming one breaks running offers.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { businessId } from '../lib/ids.js';

/** The workflow type's name, a wire contract like the message names. */
export const individualOfferWorkflowType = 'individualOfferWorkflow';

/** One workflow per individual offer: `individual-offer-<id>`. */
export function individualOfferWorkflowId(offerId: number): string {
  return businessId('individual-offer', offerId);
}

/** The numbers an offer runs under, fixed when it is made (from `./policy.ts`). */
export interface IndividualOfferPolicy {
  version: number;
  /** An open offer lapses this long after it was made: 7 days. */
  ttlMs: number;
}

/** What the API starts the workflow with, in the transaction that writes the offer's row. */
export interface IndividualOfferInput {
  offerId: number;
  sellerId: number;
  buyerId: number;
  priceCents: number;
  /** ISO 8601: when the offer was made; it expires at this + `policy.ttlMs`. */
  createdAt: string;
  policy: IndividualOfferPolicy;
}

/** How an answered offer was answered. */
export type Answer = 'accepted' | 'declined' | 'withdrawn';
/** `void`: the offer's row was never committed (the API's transaction rolled back after the start). */
export type IndividualOfferStatus = 'open' | Answer | 'expired' | 'void';

export interface IndividualOfferView {
  offerId: number;
  status: IndividualOfferStatus;
  expiresAt: string;
}

/**
 * The API tells the workflow the offer was answered, after the answer committed (the offer's
 * row is the authority on answers: accepting places an order in one transaction with it). A
 * signal, not an Update: nothing is refused here, and a signal that never arrives (the API died
 * after its commit) only means the timer fires and finds the row answered.
 */
export const answeredSignal = defineSignal<[{ answer: Answer }]>('answered');

export const viewQuery = defineQuery<IndividualOfferView>('view');
