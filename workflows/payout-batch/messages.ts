/**
 * The wire contract of a payout batch (K-50): a Temporal Schedule starts `payoutBatchWorkflow`
 * on every batch day (`scripts/payout-schedule.ts`); the batch hands the due withdrawals over
 * (`takeIntoBatch` of `../withdrawal/messages.ts`) and each answers on `withdrawalReport`: taken
 * or not, then paid or failed. Wire names are public: renaming one breaks running batches.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Cents } from '../lib/money.js';

/** The workflow type's name, which the Schedule's action names. */
export const payoutBatchWorkflowType = 'payoutBatchWorkflow';

/** The Schedule's workflow id; Temporal appends each run's scheduled time (`payout-batch-2026-12-09T11:00:00Z`). */
export const payoutBatchWorkflowIdPrefix = 'payout-batch';

/** A batch's workflow id as the Schedule makes it: the prefix, a dash, the scheduled time to the second in UTC. */
export function payoutBatchWorkflowId(scheduledAt: string): string {
  return `${payoutBatchWorkflowIdPrefix}-${new Date(scheduledAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

/** What the batch is started with: nothing from a Schedule (the time comes from `TemporalScheduledStartTime`). */
export interface PayoutBatchArgs {
  /** When the batch was due (ISO); a Schedule's runs leave it out. */
  scheduledAt?: string;
}

/** What a withdrawal tells its batch: not taken (held, cancelled, taken by another), taken, then its end. */
export interface WithdrawalReport {
  withdrawalId: number;
  outcome: 'taken' | 'not_taken' | 'paid' | 'failed';
  amountCents: Cents;
  feeCents: Cents;
  netCents: Cents;
}

export type BatchStatus = 'opening' | 'running' | 'skipped_holiday' | 'reconciled';

/** The batch's reconciliation: the sums of the withdrawals it paid, as `payout_batches` has them. */
export interface BatchTotals {
  taken: number;
  paidCount: number;
  failedCount: number;
  grossCents: Cents;
  feesCents: Cents;
  netCents: Cents;
}

export interface PayoutBatchView {
  batchId: string;
  scheduledAt: string;
  /** `Wed 2026-12-09 12:00 Europe/Warsaw`, once the batch is open. */
  label: string | null;
  status: BatchStatus;
  /** The public holiday that skipped it (`skipped_holiday`). */
  holiday: string | null;
  /** Each withdrawal handed over, by id, and what it reported last (`signalled`: nothing yet). */
  withdrawals: Record<string, WithdrawalReport['outcome'] | 'signalled'>;
  totals: BatchTotals | null;
  /** When the batch stops waiting for reports (ISO), while it waits. */
  waitUntil: string | null;
  history: { at: string; note: string }[];
}

/** A withdrawal's answer to `takeIntoBatch`, and later its end. */
export const withdrawalReportSignal = defineSignal<[WithdrawalReport], 'withdrawalReport'>('withdrawalReport');

export const viewQuery = defineQuery<PayoutBatchView, [], 'view'>('view');

/** The batch's numbers (`./policy.ts`), read by the workflow when it starts. Durations in ms. */
export interface PayoutBatchPolicy {
  version: number;
  /** How long the batch waits for its withdrawals to report their ends before it reconciles what it has. */
  reportsTimeoutMs: number;
}
