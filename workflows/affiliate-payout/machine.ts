/**
 * The rules of one monthly affiliate payout run (W-28…W-30, D-06), as pure functions over plain
 * state:
 *
 *   opening ─due withdrawals found (automatic ones made)─▶ paying ─every payout paid or failed─▶ done
 *
 * Each payout goes `due → sent → paid | failed`; a failed one's money is back in the wallet and
 * the run shows it to staff (`needsAttention`). Nothing is retried forever: a provider call has
 * bounded attempts, a pending payout a bounded number of checks.
 */
import { payoutCutoff, payoutMonthOf } from '../lib/business-days.js';
import type { AffiliatePayoutOutcome, AffiliatePayoutPolicy, AffiliatePayoutView, DuePayout, RunTotals } from './messages.js';

export interface AffiliatePayoutState extends AffiliatePayoutView {
  policy: AffiliatePayoutPolicy;
}

const noTotals: RunTotals = { paidCount: 0, paidCents: 0, failedCount: 0, failedCents: 0 };

const noted = (state: AffiliatePayoutState, now: string, note: string, change: Partial<AffiliatePayoutState> = {}): AffiliatePayoutState => ({
  ...state,
  ...change,
  history: [...state.history, { at: now, note }],
});

export function initialState(scheduledAt: string, policy: AffiliatePayoutPolicy): AffiliatePayoutState {
  // The run month is the month the Schedule fires in, on the payout calendar (D-06).
  const runMonth = payoutMonthOf(scheduledAt);
  return { runMonth, scheduledAt, cutoffAt: payoutCutoff(runMonth), status: 'opening', payouts: {}, totals: noTotals, history: [], policy };
}

/** The run found its due withdrawals (the requested ones and the automatic ones it made). */
export function opened(state: AffiliatePayoutState, due: DuePayout[], now: string): AffiliatePayoutState {
  const payouts = Object.fromEntries(due.map((d) => [String(d.withdrawalId), { affiliateId: d.affiliateId, amountCents: d.amountCents, status: 'due' as const, failureReason: null }]));
  return noted(state, now, `opened: ${due.length} payout(s) due by the cut-off ${state.cutoffAt}`, { status: due.length ? 'paying' : 'done', payouts });
}

/** What the provider's answers mean for a payout: still out, paid, or failed with a reason. */
export function judged(outcome: AffiliatePayoutOutcome): { status: 'sent' | 'paid' | 'failed'; failureReason: string | null } {
  if (outcome.status === 'pending') return { status: 'sent', failureReason: null };
  if (outcome.status === 'paid') return { status: 'paid', failureReason: null };
  return { status: 'failed', failureReason: outcome.failureReason ?? (outcome.status === 'cancelled' ? 'cancelled: PayPal did not pay it in time' : 'failed at PayPal') };
}

/** A payout moved on (sent, paid or failed). An end is final. */
export function moved(state: AffiliatePayoutState, withdrawalId: number, next: { status: 'sent' | 'paid' | 'failed'; failureReason: string | null }, now: string): AffiliatePayoutState {
  const id = String(withdrawalId);
  const current = state.payouts[id];
  if (!current || current.status === 'paid' || current.status === 'failed' || current.status === next.status) return state;
  const payouts = { ...state.payouts, [id]: { ...current, ...next } };
  const totals = totalsOf(payouts);
  const done = Object.values(payouts).every((p) => p.status === 'paid' || p.status === 'failed');
  const note = `payout ${id}: ${next.status}${next.failureReason ? ` (${next.failureReason})` : ''}`;
  return noted(state, now, note, { payouts, totals, status: done ? 'done' : state.status });
}

function totalsOf(payouts: AffiliatePayoutView['payouts']): RunTotals {
  const all = Object.values(payouts);
  const sum = (status: 'paid' | 'failed') => all.filter((p) => p.status === status).reduce((s, p) => s + p.amountCents, 0);
  return { paidCount: all.filter((p) => p.status === 'paid').length, paidCents: sum('paid'), failedCount: all.filter((p) => p.status === 'failed').length, failedCents: sum('failed') };
}

/** Failed payouts are for staff to look at (the affiliate has the money back in the wallet). */
export const needsAttention = (state: AffiliatePayoutState): boolean => state.totals.failedCount > 0;

export function viewOf(state: AffiliatePayoutState): AffiliatePayoutView {
  const { runMonth, scheduledAt, cutoffAt, status, payouts, totals, history } = state;
  return { runMonth, scheduledAt, cutoffAt, status, payouts, totals, history };
}
