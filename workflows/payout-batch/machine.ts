/**
 * The rules of one payout batch (K-50), as pure functions over plain state:
 *
 *   opening ─holiday─▶ skipped_holiday        (its withdrawals wait for the next batch day)
 *      └─due withdrawals handed over─▶ running ─every one reported its end, or the wait ran out─▶ reconciled
 *
 * Each withdrawal handed over reports `taken` or `not_taken`, and once taken `paid` or
 * `failed`; the batch waits for every end, then reconciles from the withdrawals' rows.
 */
import { iso, msOf } from '../lib/time.js';
import type { BatchStatus, BatchTotals, PayoutBatchPolicy, PayoutBatchView, WithdrawalReport } from './messages.js';

type Outcome = PayoutBatchView['withdrawals'][string];

export interface PayoutBatchState {
  batchId: string;
  scheduledAt: string;
  policy: PayoutBatchPolicy;
  status: BatchStatus;
  label: string | null;
  holiday: string | null;
  /** By withdrawal id (a string: JSON object keys). */
  withdrawals: Record<string, Outcome>;
  totals: BatchTotals | null;
  waitUntil: string | null;
  history: { at: string; note: string }[];
}

/** What opening the batch found (the `openBatch` activity): its label, a holiday, the due withdrawals. */
export interface BatchOpening {
  label: string;
  holiday: string | null;
  due: number[];
}

const ENDS: readonly Outcome[] = ['not_taken', 'paid', 'failed'];

const noted = (state: PayoutBatchState, now: string, note: string, change: Partial<PayoutBatchState> = {}): PayoutBatchState => ({
  ...state,
  ...change,
  history: [...state.history, { at: now, note }],
});

export function initialState(batchId: string, scheduledAt: string, policy: PayoutBatchPolicy): PayoutBatchState {
  return { batchId, scheduledAt, policy, status: 'opening', label: null, holiday: null, withdrawals: {}, totals: null, waitUntil: null, history: [] };
}

/** The batch opened: skipped for a holiday, or running with its due withdrawals to hand over. */
export function opened(state: PayoutBatchState, opening: BatchOpening, now: string): PayoutBatchState {
  if (opening.holiday !== null) {
    return noted(state, now, `skipped: ${opening.holiday} is a public holiday; due withdrawals wait for the next batch day`, {
      status: 'skipped_holiday',
      label: opening.label,
      holiday: opening.holiday,
    });
  }
  const withdrawals = Object.fromEntries(opening.due.map((id) => [String(id), 'signalled' as const]));
  const waitUntil = iso(msOf(now) + state.policy.reportsTimeoutMs);
  return noted(state, now, `opened: ${opening.due.length} due withdrawal(s) handed over`, { status: 'running', label: opening.label, withdrawals, waitUntil });
}

/** A withdrawal's report. An end is final: a late `taken` cannot undo it; a report about a withdrawal never handed over is ignored. */
export function reported(state: PayoutBatchState, report: WithdrawalReport, now: string): PayoutBatchState {
  const id = String(report.withdrawalId);
  const current = state.withdrawals[id];
  if (current === undefined || ENDS.includes(current) || report.outcome === current) return state;
  return noted(state, now, `withdrawal ${id}: ${report.outcome.replace('_', ' ')}`, { withdrawals: { ...state.withdrawals, [id]: report.outcome } });
}

/** The hand-over could not reach the withdrawal's workflow (closed or unknown): not taken. */
export function unreachable(state: PayoutBatchState, withdrawalId: number, now: string): PayoutBatchState {
  return reported(state, { withdrawalId, outcome: 'not_taken', amountCents: 0, feeCents: 0, netCents: 0 }, now);
}

/** Whether every withdrawal handed over has reported its end. */
export function allReported(state: PayoutBatchState): boolean {
  return Object.values(state.withdrawals).every((outcome) => ENDS.includes(outcome));
}

/** The withdrawals still out (handed over or taken, without an end). */
export function pending(state: PayoutBatchState): number[] {
  return Object.entries(state.withdrawals)
    .filter(([, outcome]) => !ENDS.includes(outcome))
    .map(([id]) => Number(id));
}

/** The wait ran out: the batch reconciles what ended; the rest end on their own and are not in its sums. */
export function waitedOut(state: PayoutBatchState, now: string): PayoutBatchState {
  return noted(state, now, `stopped waiting: withdrawal(s) ${pending(state).join(', ')} had not ended`);
}

/** The reconciliation row is written: the sums of the withdrawals it paid. */
export function reconciled(state: PayoutBatchState, totals: BatchTotals, now: string): PayoutBatchState {
  const note = `reconciled: ${totals.paidCount} paid (gross ${totals.grossCents}, fees ${totals.feesCents}, net ${totals.netCents} cents), ${totals.failedCount} failed`;
  return noted(state, now, note, { status: 'reconciled', totals, waitUntil: null });
}

export function viewOf(state: PayoutBatchState): PayoutBatchView {
  const { batchId, scheduledAt, label, status, holiday, withdrawals, totals, waitUntil, history } = state;
  return { batchId, scheduledAt, label, status, holiday, withdrawals, totals, waitUntil, history };
}
