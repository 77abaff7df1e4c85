/**
 * The Temporal Schedule of the monthly affiliate payout run (W-29): the 10th of every month at
 * the policy's time in Europe/Warsaw, each run an `affiliatePayoutWorkflow` whose id Temporal
 * builds from `affiliate-payouts` and the scheduled time. The run reads its cut-off (the end of
 * the previous month, 23:59:59 UTC+1, D-06) from that time. Visible in the Temporal UI under
 * Schedules; ensured by the worker at start-up like the payout batches' (`./schedules.ts`).
 */
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { ensureSchedule, type Ensured, type ScheduledRun } from './schedules.js';
import { affiliatePayoutWorkflowIdPrefix, affiliatePayoutWorkflowType } from '../workflows/affiliate-payout/messages.js';
import { affiliatePayoutRules } from '../workflows/affiliate-payout/policy.js';
import { scheduleSummary } from '../workflows/affiliate-payout/search.js';

export const AFFILIATE_PAYOUT_SCHEDULE_ID = 'affiliate-payouts';

export interface AffiliatePayoutScheduleOptions {
  taskQueue: string;
  /** Default `affiliate-payouts`. */
  scheduleId?: string;
  /** The run's day and time (the policy's `run`). */
  run?: (typeof affiliatePayoutRules)['run'];
}

function runOf(options: AffiliatePayoutScheduleOptions): ScheduledRun {
  const run = options.run ?? affiliatePayoutRules.run;
  return {
    spec: { calendars: [{ dayOfMonth: run.day, hour: run.hour, minute: run.minute, comment: 'W-29 affiliate payouts' }], timezone: run.zone },
    workflowType: affiliatePayoutWorkflowType,
    workflowIdPrefix: affiliatePayoutWorkflowIdPrefix,
    taskQueue: options.taskQueue,
    summary: scheduleSummary(run),
    // A run still waiting for PayPal never makes the next month's skip.
    overlap: ScheduleOverlapPolicy.ALLOW_ALL,
    fingerprint: JSON.stringify({ run, taskQueue: options.taskQueue, workflowType: affiliatePayoutWorkflowType, version: 1 }),
  };
}

/** Creates the affiliate payout Schedule, or brings it in line with the policy and task queue. */
export async function ensureAffiliatePayoutSchedule(client: Client, options: AffiliatePayoutScheduleOptions): Promise<Ensured> {
  return ensureSchedule(client, options.scheduleId ?? AFFILIATE_PAYOUT_SCHEDULE_ID, runOf(options));
}
