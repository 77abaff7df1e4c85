/**
 * An individual offer's expiry as pure rules (K-46): it is open until it is answered (accepted,
 * declined, withdrawn: the first answer stands) or until `createdAt + ttlMs`, when it expires —
 * unless the expiry's write finds it answered already (the answer's signal was late or lost),
 * or finds no row at all (`void`).
 */
import type { Answer, IndividualOfferInput, IndividualOfferStatus, IndividualOfferView } from './messages.js';

export interface IndividualOfferState {
  offerId: number;
  status: IndividualOfferStatus;
  expiresAt: string;
}

/** When an offer made at `createdAt` expires: the API writes the same into the offer's row. */
export function expiresAtOf(createdAt: string, ttlMs: number): string {
  return new Date(Date.parse(createdAt) + ttlMs).toISOString();
}

export function initialState(input: IndividualOfferInput): IndividualOfferState {
  return { offerId: input.offerId, status: 'open', expiresAt: expiresAtOf(input.createdAt, input.policy.ttlMs) };
}

export const isFinal = (state: IndividualOfferState) => state.status !== 'open';

/** The first answer closes the offer; a later one (a duplicate signal) changes nothing. */
export function answered(state: IndividualOfferState, answer: Answer): IndividualOfferState {
  return isFinal(state) ? state : { ...state, status: answer };
}

/**
 * The timer fired: the offer is expired if the expiry's write expired it, or answered (the
 * answer reached the row first); an answered state stays as it is.
 */
export function timedOut(state: IndividualOfferState, wrote: ExpiryWrite): IndividualOfferState {
  if (isFinal(state)) return state;
  return { ...state, status: wrote.expired ? 'expired' : wrote.found };
}

/** What the expiry's write found: whether it expired the offer, else the row's status (`void`: no row). */
export interface ExpiryWrite {
  expired: boolean;
  found: Exclude<IndividualOfferStatus, 'open'>;
}

export function viewOf(state: IndividualOfferState): IndividualOfferView {
  return { offerId: state.offerId, status: state.status, expiresAt: state.expiresAt };
}
