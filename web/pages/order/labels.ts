/**
 * The words pages use for an order's machine names: statuses, who a deadline waits on and what
 * they must do, the timeline's actors (cancellation reasons: `cancellationReasonWords`, which the
 * workflow's notices use too).
 */
import type { OrderStatus, PendingDeadline, Role } from '../../../workflows/order/messages.js';

export const statusLabel: Record<OrderStatus, string> = {
  awaiting_start: 'Awaiting start',
  in_progress: 'In progress',
  late: 'Late',
  in_review: 'In review',
  arbitration: 'In arbitration',
  completed: 'Completed',
  cancelled: 'Cancelled',
  split: 'Split by arbitration',
  void: 'Void',
};

/** The statuses a list can be filtered by (`void` orders never show). */
export const listStatuses = ['awaiting_start', 'in_progress', 'late', 'in_review', 'arbitration', 'completed', 'cancelled', 'split'] as const;

export const partyLabel: Record<PendingDeadline['party'], string> = { buyer: 'The buyer', seller: 'The seller', arbiter: 'The arbiter' };

/** What the party a deadline waits on must do before it (K-08, K-10, K-11, K-13, K-14, K-18). */
export const dutyOf: Record<PendingDeadline['kind'], string> = {
  start: 'start work',
  work_deadline: 'deliver the work',
  progress_reminder: 'report progress',
  review_reminder: 'review the delivery',
  review: 'accept the delivery or ask for a revision',
  inactivity: 'act on the order',
  cancellation_answer: 'answer the cancellation request',
  dispute_answer: 'answer the dispute',
  arbitration_decision: 'decide the dispute',
};

/** The rule behind each deadline, for the reader who wants to know why. */
export const ruleOf: Record<PendingDeadline['kind'], string> = {
  start: 'K-08',
  work_deadline: 'K-10, K-12',
  progress_reminder: 'K-13',
  review_reminder: 'K-14',
  review: 'K-14',
  inactivity: 'K-11',
  cancellation_answer: 'K-18',
  dispute_answer: 'K-23',
  arbitration_decision: 'K-23',
};

/** The outcome without its machine timestamp ("cancel and refund the buyer at 2026-…" → "cancel and refund the buyer"). */
export const outcomeText = (outcome: string) => outcome.replace(/ at \d{4}-\d{2}-\d{2}T[\d:.]+Z$/, '');

export const roleLabel: Record<Role, string> = { buyer: 'Buyer', seller: 'Seller' };

/** A machine name as words: `in_review` → `in review`. */
export const words = (name: string) => name.replaceAll('_', ' ');
