/**
 * The Temporal Schedule that re-evaluates buyer statuses once a day (K-35: Super buyer is lost
 * when the last 3 months hold fewer than 12 purchases), each run a `buyerStatusesWorkflow`
 * whose id Temporal builds from `buyer-statuses` and the scheduled time. Visible in the
 * Temporal UI under Schedules.
 *
 * The worker ensures it at start-up, as it does the payout Schedule: created when missing,
 * updated when its spec or action differ from the policy's — told by a fingerprint in the
 * action's memo — and left alone otherwise.
 */
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { ensureSchedule, type Ensured, type ScheduledRun } from './schedules.js';
import { buyerStatusesWorkflowIdPrefix, buyerStatusesWorkflowType, type BuyerStatusesPolicy } from '../workflows/buyer-statuses/messages.js';
import { scheduleSummary } from '../workflows/buyer-statuses/search.js';

export const BUYER_STATUS_SCHEDULE_ID = 'buyer-statuses';

export interface BuyerStatusScheduleOptions {
  taskQueue: string;
  /** Default `buyer-statuses`. */
  scheduleId?: string;
  /** `buyerStatusesPolicy()`. */
  policy: BuyerStatusesPolicy;
}

function fingerprintOf(options: BuyerStatusScheduleOptions): string {
  const { hour, minute, version } = options.policy;
  return JSON.stringify({ hour, minute, policyVersion: version, taskQueue: options.taskQueue, workflowType: buyerStatusesWorkflowType, version: 1 });
}

/** The daily run at the policy's time (UTC). */
function runOf(options: BuyerStatusScheduleOptions): ScheduledRun {
  return {
    spec: { calendars: [{ hour: options.policy.hour, minute: options.policy.minute, comment: 'K-35 buyer statuses' }], timezone: 'UTC' },
    workflowType: buyerStatusesWorkflowType,
    workflowIdPrefix: buyerStatusesWorkflowIdPrefix,
    taskQueue: options.taskQueue,
    summary: scheduleSummary(options.policy),
    // A run re-evaluates everything due at its time: one still running makes the next wait, never run twice at once.
    overlap: ScheduleOverlapPolicy.BUFFER_ONE,
    fingerprint: fingerprintOf(options),
  };
}

/** Creates the Schedule, or updates it when it exists with a different time, action or task queue. Answers what it did. */
export async function ensureBuyerStatusSchedule(client: Client, options: BuyerStatusScheduleOptions): Promise<Ensured> {
  return ensureSchedule(client, options.scheduleId ?? BUYER_STATUS_SCHEDULE_ID, runOf(options));
}
