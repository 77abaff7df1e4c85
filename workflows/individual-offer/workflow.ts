/**
 * `individualOfferWorkflow`: one individual offer's expiry (K-46), `individual-offer-<id>`.
 * The offer's row is the authority on its answers (accepting places the order in one
 * transaction with it); this workflow owns the one timer: at `createdAt + ttlMs` its activity
 * expires the row if it is still open and tells both parties. An answer committed earlier
 * arrives as the `answered` signal and ends it with no notice. Rules in `machine.ts`.
 */
import { condition, proxyLocalActivities, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { IndividualOfferActivities } from '../../activities/individual-offers.js';
import { idempotentWrites } from '../lib/process.js';
import * as machine from './machine.js';
import { answeredSignal, viewQuery, type IndividualOfferInput, type IndividualOfferView } from './messages.js';
import { detailsOf, searchAttributesOf } from './search.js';

/** The expiry's write is idempotent (a conditional update, keyed notices), so it is retried until the database answers. */
const { expireIndividualOffer } = proxyLocalActivities<IndividualOfferActivities>(idempotentWrites('10 seconds'));

export async function individualOfferWorkflow(input: IndividualOfferInput): Promise<IndividualOfferView> {
  let state = machine.initialState(input);
  // The start's attributes say `open`: upserted only when the status changes.
  const publish = (next: machine.IndividualOfferState) => {
    if (next.status !== state.status) upsertSearchAttributes(searchAttributesOf(next));
    state = next;
    setCurrentDetails(detailsOf(state));
  };
  setHandler(viewQuery, () => machine.viewOf(state));
  setHandler(answeredSignal, ({ answer }) => publish(machine.answered(state, answer)));
  setCurrentDetails(detailsOf(state));

  const remaining = Date.parse(state.expiresAt) - Date.now();
  if (remaining > 0) await condition(() => machine.isFinal(state), remaining, { summary: `expires at ${state.expiresAt}` });
  if (!machine.isFinal(state)) publish(machine.timedOut(state, await expireIndividualOffer({ offerId: input.offerId, at: state.expiresAt })));
  return machine.viewOf(state);
}
