/**
 * How an individual offer shows in the Temporal Web UI, for support: its search attributes
 * (`GigflowStatus = "open"`, the parties, the price, `GigflowNextDeadline`: its expiry while
 * open), its one-line summary and its current details.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { SA } from '../lib/search-attributes.js';
import type { IndividualOfferState } from './machine.js';
import type { IndividualOfferInput } from './messages.js';

/** The attributes an offer starts with. */
export function startSearchAttributes(input: IndividualOfferInput, expiresAt: string): SearchAttributePair[] {
  return [
    { key: SA.status, value: 'open' },
    { key: SA.sellerId, value: String(input.sellerId) },
    { key: SA.buyerId, value: String(input.buyerId) },
    { key: SA.amountCents, value: input.priceCents },
    { key: SA.nextDeadline, value: new Date(expiresAt) },
  ];
}

/** The attributes that change: the status, and the expiry while it is open. */
export function searchAttributesOf(state: IndividualOfferState): SearchAttributeUpdatePair[] {
  return [
    { key: SA.status, value: state.status },
    { key: SA.nextDeadline, value: state.status === 'open' ? new Date(state.expiresAt) : null },
  ];
}

/** "Individual offer 12: $25.00 from seller 3 to buyer 4 (K-46)". */
export function summaryOf(input: IndividualOfferInput): string {
  return `Individual offer ${input.offerId}: ${input.priceCents} cents from seller ${input.sellerId} to buyer ${input.buyerId} (K-46)`;
}

export function detailsOf(state: IndividualOfferState): string {
  return state.status === 'open' ? `Open: expires at ${state.expiresAt} unless the buyer accepts or declines, or the seller withdraws it` : `Closed: ${state.status}`;
}
