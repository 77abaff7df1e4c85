/**
 * The rules of one daily re-evaluation of buyer statuses (K-35), as pure functions:
 *
 *   evaluating ─the Super buyers re-evaluated at the run's time─▶ done
 */
import type { BuyerStatusesView, ReevaluationResult } from './messages.js';

export type BuyerStatusesState = BuyerStatusesView;

export function initialState(scheduledAt: string): BuyerStatusesState {
  return { scheduledAt, status: 'evaluating', result: null };
}

/** The re-evaluation ran: how many Super buyers it looked at, and who lost the status. */
export function evaluated(state: BuyerStatusesState, result: ReevaluationResult): BuyerStatusesState {
  return { ...state, status: 'done', result };
}

export function viewOf(state: BuyerStatusesState): BuyerStatusesView {
  return { ...state };
}
