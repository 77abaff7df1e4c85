/**
 * The time-skipping test server has no Schedules: this workflow stands in for the payout
 * Schedule of `scripts/payout-schedule.ts`. The test computes the fire times with the same
 * calendar spec (`scheduleFiresAfter` of `payments/batch-calendar.ts`, which the sandbox could
 * not load) and passes them in; the stand-in sleeps until each and starts
 * `payoutBatchWorkflow` as the Schedule would — under its id `payout-batch-<time>`, with the
 * scheduled time — without waiting for it (a batch may wait days for its withdrawals, and the
 * next one must still start: the Schedule's ALLOW_ALL). It ends once every batch it started
 * has ended: on the time-skipping server a child that ends after its parent keeps the clock
 * from skipping for minutes.
 */
import { ParentClosePolicy, sleep, startChild } from '@temporalio/workflow';
import { payoutBatchWorkflowId } from '../../workflows/payout-batch/messages.js';
import { payoutBatchWorkflow } from '../../workflows/payout-batch/workflow.js';

/** Starts a payout batch at each of `fires` (ISO instants, ascending). */
export async function payoutScheduleStandIn(fires: string[]): Promise<void> {
  const batches: Promise<unknown>[] = [];
  for (const scheduledAt of fires) {
    const wait = Date.parse(scheduledAt) - Date.now();
    if (wait > 0) await sleep(wait);
    const batch = await startChild(payoutBatchWorkflow, {
      workflowId: payoutBatchWorkflowId(scheduledAt),
      args: [{ scheduledAt }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    batches.push(batch.result());
  }
  await Promise.all(batches);
}
