/**
 * The Temporal Schedule that runs the payout batches (K-50): Monday, Wednesday and Friday at
 * 12:00 Europe/Warsaw (the withdrawal policy's `batch`), each run a `payoutBatchWorkflow`
 * whose id Temporal builds from `payout-batch` and the scheduled time. It knows no holidays: a
 * batch on a public holiday skips itself (D-06). Visible in the Temporal UI under Schedules.
 *
 * The worker ensures it at start-up (and `npm start` may): created when missing, updated when
 * its spec or action differ from what the policy asks — told by a fingerprint in its memo —
 * and left alone otherwise, so many workers starting at once change nothing.
 */
import { ScheduleOverlapPolicy, type Client, type DayOfWeek } from '@temporalio/client';
import { ensureSchedule, type Ensured, type ScheduledRun } from './schedules.js';
import { payoutBatchWorkflowIdPrefix, payoutBatchWorkflowType } from '../workflows/payout-batch/messages.js';
import { scheduleSummary } from '../workflows/payout-batch/search.js';
import type { WithdrawalPolicy } from '../workflows/withdrawal/messages.js';

export const PAYOUT_SCHEDULE_ID = 'payout-batches';

const DAYS: Record<number, DayOfWeek> = { 1: 'MONDAY', 2: 'TUESDAY', 3: 'WEDNESDAY', 4: 'THURSDAY', 5: 'FRIDAY', 6: 'SATURDAY', 7: 'SUNDAY' };

export interface PayoutScheduleOptions {
  taskQueue: string;
  /** Default `payout-batches`. */
  scheduleId?: string;
  /** The batch calendar: the withdrawal policy's (`withdrawalPolicy()`). */
  policy: Pick<WithdrawalPolicy, 'batch'>;
}

/** What the desired Schedule is made of: a change of it means the Schedule must be updated. */
function fingerprintOf(options: PayoutScheduleOptions): string {
  return JSON.stringify({ batch: options.policy.batch, taskQueue: options.taskQueue, workflowType: payoutBatchWorkflowType, version: 1 });
}

/** The batches at the policy's calendar (K-50), in its time zone. */
function runOf(options: PayoutScheduleOptions): ScheduledRun {
  const { batch } = options.policy;
  return {
    spec: {
      calendars: [{ dayOfWeek: batch.weekdays.map((d) => DAYS[d]!), hour: batch.hour, minute: batch.minute, comment: 'K-50 payout batches' }],
      timezone: batch.zone,
    },
    workflowType: payoutBatchWorkflowType,
    workflowIdPrefix: payoutBatchWorkflowIdPrefix,
    taskQueue: options.taskQueue,
    summary: scheduleSummary(batch),
    // A batch still waiting for its withdrawals' confirmations must never make the next one skip.
    overlap: ScheduleOverlapPolicy.ALLOW_ALL,
    fingerprint: fingerprintOf(options),
  };
}

/**
 * Creates the payout Schedule, or updates it when it exists with a different calendar, action
 * or task queue. Answers what it did.
 */
export async function ensurePayoutSchedule(client: Client, options: PayoutScheduleOptions): Promise<Ensured> {
  return ensureSchedule(client, options.scheduleId ?? PAYOUT_SCHEDULE_ID, runOf(options));
}
