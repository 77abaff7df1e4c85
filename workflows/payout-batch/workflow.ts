/**
 * `payoutBatchWorkflow`: one payout batch (K-50), started by the Temporal Schedule of
 * `scripts/payout-schedule.ts` on every batch day. Wiring only; the rules are in `machine.ts`.
 *
 * It opens the batch (the `payout_batches` row; a Polish public holiday skips it, and the due
 * withdrawals wait for the next batch day), hands every due withdrawal over (`takeIntoBatch`),
 * waits until each has reported its end — a held, cancelled or closed one answers at once that
 * it was not taken — and writes the reconciliation: the sums of the withdrawals it paid, read
 * from their rows, which the withdrawals write with their ledger postings.
 *
 * Its id is the Schedule's (`payout-batch-<scheduled time>`), so the Schedule's overlap policy
 * lets a batch still waiting for confirmations run beside the next one.
 */
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PayoutBatchActivities } from '../../activities/payout-batches.js';
import { idempotentWrites, now, scheduledStartOf } from '../lib/process.js';
import { withdrawalWorkflowId, takeIntoBatchSignal } from '../withdrawal/messages.js';
import * as machine from './machine.js';
import { viewQuery, withdrawalReportSignal, type PayoutBatchArgs, type PayoutBatchView } from './messages.js';
import { payoutBatchPolicy } from './policy.js';
import { detailsOf, searchAttributesOf, searchKey } from './search.js';

/** Both writes are idempotent (the row by the batch's id), so they are retried until the database answers. */
const writeOptions = idempotentWrites('30 seconds');
const { openBatch, reconcileBatch } = proxyLocalActivities<PayoutBatchActivities>(writeOptions);

/** Hands every due withdrawal over; one that cannot be reached (closed, unknown) was not taken. */
async function handOver(state: () => machine.PayoutBatchState, set: (next: machine.PayoutBatchState) => void): Promise<void> {
  const { batchId, scheduledAt } = state();
  const handover = { batchId, batchWorkflowId: workflowInfo().workflowId, scheduledAt };
  await Promise.all(
    machine.pending(state()).map(async (id) => {
      try {
        await getExternalWorkflowHandle(withdrawalWorkflowId(id)).signal(takeIntoBatchSignal, handover);
      } catch {
        set(machine.unreachable(state(), id, now()));
      }
    }),
  );
}

export async function payoutBatchWorkflow(args: PayoutBatchArgs = {}): Promise<PayoutBatchView> {
  const info = workflowInfo();
  let state = machine.initialState(info.workflowId, args.scheduledAt ?? scheduledStartOf(info), payoutBatchPolicy());
  let published: string | null = null;
  const set = (next: machine.PayoutBatchState) => {
    state = next;
    const key = searchKey(state);
    if (key !== published) {
      upsertSearchAttributes(searchAttributesOf(state));
      published = key;
    }
    setCurrentDetails(detailsOf(state));
  };
  setHandler(viewQuery, () => machine.viewOf(state));
  setHandler(withdrawalReportSignal, (report) => set(machine.reported(state, report, now())));
  set(state);

  set(machine.opened(state, await openBatch({ batchId: state.batchId, scheduledAt: state.scheduledAt }), now()));
  if (state.status === 'running') {
    await handOver(() => state, set);
    const waited = machine.allReported(state) || (await condition(() => machine.allReported(state), state.policy.reportsTimeoutMs, { summary: 'the withdrawals’ ends' }));
    if (!waited) set(machine.waitedOut(state, now()));
    set(machine.reconciled(state, await reconcileBatch({ batchId: state.batchId, at: now() }), now()));
  }
  await condition(allHandlersFinished);
  return machine.viewOf(state);
}
