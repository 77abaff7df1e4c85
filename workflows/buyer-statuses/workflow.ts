/**
 * `buyerStatusesWorkflow`: the daily re-evaluation of buyer statuses (K-35), started by the
 * Temporal Schedule of `scripts/buyer-status-schedule.ts`. Wiring only; the rules of the status
 * are in `workflows/lib/reputation.ts` (applied by the activity), the run's in `machine.ts`.
 *
 * A purchase re-evaluates its buyer at once (in the transaction that completes the order); what
 * no purchase catches is time passing: a Super buyer whose last 3 months hold fewer than 12
 * purchases. This run re-evaluates every Super buyer at its scheduled time.
 */
import { proxyLocalActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo, type LocalActivityOptions } from '@temporalio/workflow';
import type { BuyerStatusActivities } from '../../activities/buyer-statuses.js';
import { scheduledStartOf } from '../lib/process.js';
import * as machine from './machine.js';
import { viewQuery, type BuyerStatusesArgs, type BuyerStatusesView } from './messages.js';
import { detailsOf, searchAttributesOf } from './search.js';

/** The write is idempotent (a status recomputed at one instant is the same twice), so it is retried until the database answers. */
const writeOptions: LocalActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
const { reevaluateSuperBuyers } = proxyLocalActivities<BuyerStatusActivities>(writeOptions);

export async function buyerStatusesWorkflow(args: BuyerStatusesArgs = {}): Promise<BuyerStatusesView> {
  let state = machine.initialState(args.scheduledAt ?? scheduledStartOf(workflowInfo()));
  const publish = () => {
    upsertSearchAttributes(searchAttributesOf(state));
    setCurrentDetails(detailsOf(state));
  };
  setHandler(viewQuery, () => machine.viewOf(state));
  publish();
  state = machine.evaluated(state, await reevaluateSuperBuyers({ at: state.scheduledAt }));
  publish();
  return machine.viewOf(state);
}
