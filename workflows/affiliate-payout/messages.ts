/**
 * The wire contract of the monthly affiliate payout run (W-28…W-30, D-04, D-06): a Temporal
 * Schedule starts `affiliatePayoutWorkflow` on the 10th of every month
 * (`scripts/affiliate-payout-schedule.ts`); the run pays by PayPal every affiliate withdrawal set
 * up by the cut-off (the end of the previous month, 23:59:59 UTC+1) and, for affiliates with
 * automatic payout, what they earned in that month. Wire names are public: renaming one breaks
 * running runs.
 */
import { defineQuery } from '@temporalio/workflow';
import type { Cents } from '../lib/money.js';

/** The workflow type's name, which the Schedule's action names. */
export const affiliatePayoutWorkflowType = 'affiliatePayoutWorkflow';

/**
 * The Schedule's workflow id; Temporal appends each run's scheduled time, so a run's id begins
 * with its month: `affiliate-payouts-2027-01-10T08:00:00Z` pays the run month `2027-01`.
 */
export const affiliatePayoutWorkflowIdPrefix = 'affiliate-payouts';

/** A run's workflow id as the Schedule makes it: the prefix, a dash, the scheduled time to the second in UTC. */
export function affiliatePayoutWorkflowId(scheduledAt: string): string {
  return `${affiliatePayoutWorkflowIdPrefix}-${new Date(scheduledAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

/** What a run is started with: nothing from a Schedule (the time comes from `TemporalScheduledStartTime`). */
export interface AffiliatePayoutArgs {
  /** When the run was due (ISO); a Schedule's runs leave it out. */
  scheduledAt?: string;
}

/** One withdrawal the run pays. */
export interface DuePayout {
  withdrawalId: number;
  affiliateId: number;
  amountCents: Cents;
  paypalEmail: string;
}

/** A payout as the provider has it (the PayPal item). */
export interface AffiliatePayoutOutcome {
  providerRef: string | null;
  status: 'pending' | 'paid' | 'failed' | 'cancelled';
  failureReason: string | null;
}

export type PayoutItemStatus = 'due' | 'sent' | 'paid' | 'failed';

export type RunStatus = 'opening' | 'paying' | 'done';

export interface RunTotals {
  paidCount: number;
  paidCents: Cents;
  failedCount: number;
  failedCents: Cents;
}

export interface AffiliatePayoutView {
  runMonth: string;
  scheduledAt: string;
  /** D-06: the last instant a withdrawal could be set up to be in this run (ISO, UTC). */
  cutoffAt: string;
  status: RunStatus;
  /** By withdrawal id (a string: JSON object keys). */
  payouts: Record<string, { affiliateId: number; amountCents: Cents; status: PayoutItemStatus; failureReason: string | null }>;
  totals: RunTotals;
  history: { at: string; note: string }[];
}

export const viewQuery = defineQuery<AffiliatePayoutView, [], 'view'>('view');

/** The run's numbers (`./policy.ts`), read by the workflow when it starts. Durations in ms. */
export interface AffiliatePayoutPolicy {
  version: number;
  /** Attempts of a provider call (a network error, a 5xx) before the payout counts as failed: never retried forever. */
  providerAttempts: number;
  /** How often a payout PayPal answered `pending` is asked about again. */
  checkIntervalMs: number;
  /** How many times it is asked before the run cancels it and returns the money to the wallet. */
  checks: number;
}

/** Non-retryable failure types of the provider activities. */
export const affiliatePayoutFailure = {
  refused: 'affiliate_payout_refused',
  noProvider: 'affiliate_payout_provider_missing',
} as const;
