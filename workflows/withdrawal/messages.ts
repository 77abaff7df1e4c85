/**
 * The wire contract of a withdrawal (K-50): the workflow id, the start input, the one `act`
 * Update the owner's and staff's actions go through, the `view` query, and the two signals from
 * outside — the payout batch taking it, and the provider's confirmation of the payout (a verified
 * webhook). Imported by the API and by the workflows alike. Wire names (`act`, `view`,
 * `takeIntoBatch`, `payoutConfirmation`) and action `type`s are public: renaming one breaks
 * running withdrawals.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { businessId } from '../lib/ids.js';
import type { Cents } from '../lib/money.js';

/** The workflow type's name, a wire contract like the message names. */
export const withdrawalWorkflowType = 'withdrawalWorkflow';

/** One workflow per withdrawal: `withdrawal-<withdrawalId>`. */
export function withdrawalWorkflowId(withdrawalId: number): string {
  return businessId('withdrawal', withdrawalId);
}

/** The provider idempotency key of a withdrawal's payout: the same on every attempt, so it is never paid twice. */
export function payoutIdempotencyKey(withdrawalId: number): string {
  return withdrawalWorkflowId(withdrawalId);
}

export type WithdrawalMethod = 'card' | 'paypal';

/** The rules a withdrawal runs under, fixed when requested (from `./policy.ts`). Durations in ms. */
export interface WithdrawalPolicy {
  version: number;
  /** D-04, per method: the fee in basis points, its minimum, and the smallest withdrawal. */
  fees: Record<WithdrawalMethod, { bps: number; minFeeCents: Cents; minAmountCents: Cents }>;
  maxAmountCents: Cents;
  /** How long one payout attempt waits for the provider's confirmation before asking it. */
  confirmationTimeoutMs: number;
  /** Attempts (same idempotency key) before the payout is cancelled at the provider. */
  payoutAttempts: number;
  /**
   * Version 2: staff do not hold, release or reject their own withdrawal (403): nobody judges
   * their own case. Absent in withdrawals requested before.
   */
  partiesDoNotJudge?: boolean;
  /** K-50: when batches run (ISO weekdays, 1 = Monday), in `zone`. */
  batch: { zone: string; weekdays: number[]; hour: number; minute: number };
}

/** What `POST /withdrawals` starts `withdrawalWorkflow` with, once the row and the hold are written. */
export interface WithdrawalInput {
  withdrawalId: number;
  userId: number;
  method: WithdrawalMethod;
  /** The provider's handle: a saved card's token (`pm_…`) or the PayPal address; never a card number. */
  destination: string;
  /** What the user reads: `Visa •••• 4242` or the PayPal address. */
  destinationLabel: string;
  /** What left the balance; `feeCents + netCents = amountCents` (D-04). */
  amountCents: Cents;
  feeCents: Cents;
  /** What the provider pays out. */
  netCents: Cents;
  /** ISO 8601. */
  requestedAt: string;
  /** The batch (K-50) it is expected in, from the calendar when requested (ISO). */
  expectedBatchAt: string;
  policy: WithdrawalPolicy;
}

export type WithdrawalStatus =
  | 'requested'
  | 'held'
  | 'in_batch'
  | 'paid'
  | 'failed'
  | 'cancelled'
  | 'rejected'
  /** The request's transaction rolled back after the workflow started: no withdrawal, no money. */
  | 'voided';

/**
 * The owner cancels while it waits for a batch (`requested` or `held`); staff hold a requested
 * one, release a held one, or reject either, with a reason. Once a batch took it nobody can.
 */
export type WithdrawalAction = { type: 'cancel' } | { type: 'hold'; reason: string } | { type: 'release' } | { type: 'reject'; reason: string };

export type WithdrawalActionType = WithdrawalAction['type'];

/** Who acts: the withdrawal's owner, or a staff member. */
export interface WithdrawalActor {
  role: 'owner' | 'staff';
  id: number;
}

export interface WithdrawalActArgs {
  actor: WithdrawalActor;
  action: WithdrawalAction;
}

export interface WithdrawalHistoryEntry {
  /** ISO 8601, workflow time. */
  at: string;
  status: string;
  note: string | null;
}

/** One withdrawal's live state: the `view` query's answer and each `act` Update's result. */
export interface WithdrawalView
  extends Pick<WithdrawalInput, 'withdrawalId' | 'userId' | 'method' | 'destinationLabel' | 'amountCents' | 'feeCents' | 'netCents' | 'requestedAt' | 'expectedBatchAt'> {
  status: WithdrawalStatus;
  /** Why it is held, rejected, cancelled or failed, in words the user reads. */
  statusReason: string | null;
  /** The batch workflow that took it. */
  batchId: string | null;
  /** The provider's payout (`po_…`, a PayPal payout item id). */
  providerRef: string | null;
  /** Payout attempts so far. */
  attempts: number;
  /** While a payout waits for the provider: when we ask the provider ourselves (ISO), else null. */
  confirmationDueAt: string | null;
  history: WithdrawalHistoryEntry[];
  /** The action types each side may send now. */
  allowedActions: { owner: WithdrawalActionType[]; staff: WithdrawalActionType[] };
}

/** A verified provider webhook about the payout, as the API hands it on. */
export interface PayoutConfirmation {
  providerRef: string;
  status: 'paid' | 'failed' | 'cancelled';
  /** The provider's reason for a failure, in words. */
  reason: string | null;
  /** The provider's event id. */
  eventId: string;
}

/** A payout as the provider reports it (the `PayoutState` of `payments/provider.ts`, narrowed to what the workflow reads). */
export interface PayoutOutcome {
  providerRef: string;
  status: 'pending' | 'paid' | 'failed' | 'cancelled';
  failureReason: string | null;
}

/** A payout batch hands the withdrawal over (it answers on `withdrawalReport` of `../payout-batch/messages.ts`). */
export interface TakeIntoBatch {
  batchId: string;
  batchWorkflowId: string;
  /** When the batch was scheduled (ISO). */
  scheduledAt: string;
}

/** Failure types of the payout activities, as `ApplicationFailure.type`. */
export const payoutFailure = {
  /** The provider refused the payout (a 4xx): it does not exist there, and a retry will not change that. */
  refused: 'payout_refused',
  /** The worker has no adapter for the method. */
  noProvider: 'payout_provider_missing',
} as const;

/**
 * The owner's or staff's action. The validator refuses what the state does not allow
 * (`ApplicationFailure` type `conflict`, details `{ status }`: the API answers 409), a wrong actor
 * (`forbidden`) or a malformed payload (`invalid_input`) before anything is written; the result
 * is the view once the action's money and records are written.
 */
export const actUpdate = defineUpdate<WithdrawalView, [WithdrawalActArgs], 'act'>('act');

/** The withdrawal as it is now. */
export const viewQuery = defineQuery<WithdrawalView, [], 'view'>('view');

/** The provider confirmed (or failed) the payout: a signal, since the webhook needs no answer and must never wait. */
export const payoutConfirmationSignal = defineSignal<[PayoutConfirmation], 'payoutConfirmation'>('payoutConfirmation');

/** A payout batch takes the withdrawal; a signal, answered by a signal to the batch (`withdrawalReport`). */
export const takeIntoBatchSignal = defineSignal<[TakeIntoBatch], 'takeIntoBatch'>('takeIntoBatch');
