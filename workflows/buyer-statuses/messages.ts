/**
 * The wire contract of the daily re-evaluation of buyer statuses (K-35): a Temporal Schedule
 * (`scripts/buyer-status-schedule.ts`) starts `buyerStatusesWorkflow` once a day; it re-evaluates
 * every Super buyer at the run's time, so one whose purchases of the last 3 months fell under 12
 * loses the status even without a new purchase. Wire names are public: renaming one breaks runs.
 */
import { defineQuery } from '@temporalio/workflow';

/** The workflow type's name, which the Schedule's action names. */
export const buyerStatusesWorkflowType = 'buyerStatusesWorkflow';

/** The Schedule's workflow id; Temporal appends each run's scheduled time (`buyer-statuses-2026-12-05T03:00:00Z`). */
export const buyerStatusesWorkflowIdPrefix = 'buyer-statuses';

/** What a run is started with: nothing from a Schedule (the time comes from `TemporalScheduledStartTime`). */
export interface BuyerStatusesArgs {
  /** The instant to evaluate at (ISO); a Schedule's runs leave it out. */
  scheduledAt?: string;
}

/** What one re-evaluation found (the `reevaluateSuperBuyers` activity). */
export interface ReevaluationResult {
  /** Super buyers re-evaluated. */
  evaluated: number;
  /** Of them, the ones who lost the status, by user id. */
  lost: number[];
}

export type BuyerStatusesStatus = 'evaluating' | 'done';

export interface BuyerStatusesView {
  scheduledAt: string;
  status: BuyerStatusesStatus;
  result: ReevaluationResult | null;
}

export const viewQuery = defineQuery<BuyerStatusesView, [], 'view'>('view');

/** The numbers of the re-evaluation (`./policy.ts`). */
export interface BuyerStatusesPolicy {
  version: number;
  /** When the Schedule runs each day, UTC. */
  hour: number;
  minute: number;
}
