/**
 * The rules of one withdrawal (K-50, D-04), as pure functions over plain state: who may act in
 * which status, what a batch may take, and what every action, provider answer and timeout
 * changes (the new state plus the effects to write: money, the user's notice). The workflow
 * only wires these to the `act` Update, the two signals, timers and activities.
 *
 *   requested ─hold─▶ held ─release─▶ requested
 *   requested / held ─cancel (owner) / reject (staff)─▶ cancelled / rejected   (money back)
 *   requested ─takeIntoBatch─▶ in_batch ─paid─▶ paid                           (fee to revenue)
 *                                       └─refused, failed, cancelled, no confirmation─▶ failed (money back)
 *
 * Once a batch took it, nobody cancels or rejects it: the payout is on its way to the provider.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ErrorCode } from '../lib/errors.js';
import { formatUsd } from '../lib/money.js';
import { judgesOwnCase } from '../lib/own-case.js';
import type { Transition as ProcessTransition } from '../lib/process.js';
import { storableText, textRefusal } from '../lib/text.js';
import { iso, msOf } from '../lib/time.js';
import type {
  PayoutConfirmation,
  PayoutOutcome,
  TakeIntoBatch,
  WithdrawalActArgs,
  WithdrawalAction,
  WithdrawalActionType,
  WithdrawalActor,
  WithdrawalHistoryEntry,
  WithdrawalInput,
  WithdrawalStatus,
  WithdrawalView,
} from './messages.js';
import { amountRefusal, feeOf } from './policy.js';

/** Everything the workflow keeps; timestamps are ISO strings of workflow time. */
export interface WithdrawalState {
  input: WithdrawalInput;
  status: WithdrawalStatus;
  statusReason: string | null;
  batch: TakeIntoBatch | null;
  providerRef: string | null;
  /** Payout attempts so far (each sends the same idempotency key). */
  attempts: number;
  /** When the current attempt stops waiting for the provider's confirmation and asks it. */
  confirmationDueAt: string | null;
  /** Set when the provider neither confirmed nor cancelled the payout after the last attempt: only its word ends it now. */
  stalledAt: string | null;
  history: WithdrawalHistoryEntry[];
  /** Writes so far: each write's notice carries it, so a retried write notifies nobody twice. */
  seq: number;
}

/** Money a transition moves from the hold (`payout:<id>:hold`): at most one of them ever (the ledger's keys see to it). */
export type MoneyMove = 'settle' | 'revert';

/** The user's in-app notice. */
export interface Notice {
  kind: 'withdrawal_held' | 'withdrawal_released' | 'withdrawal_cancelled' | 'withdrawal_rejected' | 'withdrawal_paid' | 'withdrawal_failed';
  text: string;
}

/** What a transition asks the workflow to write, in one activity. */
export interface Effects {
  seq: number;
  money: MoneyMove | null;
  notice: Notice | null;
}

/** A transition; `effects: null` changes only what the workflow remembers (its history), so nothing is written. */
export type Transition = ProcessTransition<WithdrawalState, Effects | null>;

const FINAL: readonly WithdrawalStatus[] = ['paid', 'failed', 'cancelled', 'rejected', 'voided'];

/** Statuses in which a withdrawal is over. */
export function isFinal(status: WithdrawalStatus): boolean {
  return FINAL.includes(status);
}

/** Waiting for a batch: the owner may still cancel, staff reject. */
const waiting = (status: WithdrawalStatus) => status === 'requested' || status === 'held';

export function initialState(input: WithdrawalInput): WithdrawalState {
  const { amountCents, feeCents, netCents, destinationLabel } = input;
  return {
    input,
    status: 'requested',
    statusReason: null,
    batch: null,
    providerRef: null,
    attempts: 0,
    confirmationDueAt: null,
    stalledAt: null,
    history: [
      {
        at: input.requestedAt,
        status: 'requested',
        note: `${formatUsd(amountCents)} to ${destinationLabel}: ${formatUsd(netCents)} paid out, fee ${formatUsd(feeCents)}`,
      },
    ],
    seq: 0,
  };
}

/** Why the input does not follow its own rules (D-04's fee, the limits), or null: the API computes it with the same functions. */
export function inconsistencyOf(input: WithdrawalInput): string | null {
  const { method, amountCents, feeCents, netCents, policy } = input;
  if (method !== 'card' && method !== 'paypal') return `unknown method ${String(method)}`;
  const refusal = amountRefusal(method, amountCents, policy);
  if (refusal) return refusal;
  const fee = feeOf(method, amountCents, policy);
  if (feeCents !== fee) return `the fee of ${amountCents} cents by ${method} is ${fee} cents, not ${feeCents}`;
  if (netCents !== amountCents - feeCents) return `net ${netCents} cents is not amount ${amountCents} less fee ${feeCents}`;
  return null;
}

/** Provider text as we store it: no character PostgreSQL refuses, and of a reasonable length. */
const storable = (text: string, max = 500): string => storableText(text, max);

// ───────────────────────────── actions ─────────────────────────────

interface Refusal {
  code: ErrorCode;
  message: string;
}

/** Who may send each action: the owner cancels, staff hold, release and reject. */
const actorRule: Record<WithdrawalActionType, (actor: WithdrawalActor, state: WithdrawalState) => string | null> = {
  cancel: (actor, state) =>
    actor.role !== 'owner' ? 'only the owner cancels a withdrawal; staff reject it with a reason' : actor.id !== state.input.userId ? 'not your withdrawal' : null,
  hold: staffRule('only staff hold a withdrawal'),
  release: staffRule('only staff release a withdrawal'),
  reject: staffRule('only staff reject a withdrawal'),
};

/** Staff's actions: refused to anyone else, and (version 2) to staff on their own withdrawal — nobody judges their own case. */
function staffRule(refusal: string) {
  return (actor: WithdrawalActor, state: WithdrawalState): string | null => {
    if (actor.role !== 'staff') return refusal;
    return judgesOwnCase(state.input.policy, actor.id, [state.input.userId]) ? 'staff do not act on their own withdrawal: another staff member does' : null;
  };
}

/** The statuses each action is allowed in. */
const allowedIn: Record<WithdrawalActionType, (status: WithdrawalStatus) => boolean> = {
  cancel: waiting,
  hold: (status) => status === 'requested',
  release: (status) => status === 'held',
  reject: waiting,
};

function stateRefusal(state: WithdrawalState, type: WithdrawalActionType): string | null {
  if (allowedIn[type](state.status)) return null;
  const what = { cancel: 'cancelled', hold: 'held', release: 'released', reject: 'rejected' }[type];
  if (state.status === 'in_batch') return `the withdrawal is in payout batch ${state.batch!.batchId}: it can no longer be ${what}`;
  if (isFinal(state.status)) return `the withdrawal is ${state.status}: it can no longer be ${what}`;
  return type === 'hold' ? 'the withdrawal is on hold already' : 'the withdrawal is not on hold';
}

function payloadRefusal(action: WithdrawalAction): string | null {
  return action.type === 'hold' || action.type === 'reject' ? textRefusal(action.reason, 'reason', 500) : null;
}

/** Why `actor` may not send `action` now, or null: the actor first (403), then the state (409), then the payload (400). */
export function refusalOf(state: WithdrawalState, args: WithdrawalActArgs): Refusal | null {
  const { actor, action } = args ?? {};
  if (!action || typeof action !== 'object' || !Object.hasOwn(actorRule, action.type)) return { code: 'invalid_input', message: 'unknown action type' };
  if (!actor || (actor.role !== 'owner' && actor.role !== 'staff') || !Number.isSafeInteger(actor.id)) return { code: 'invalid_input', message: 'unknown actor' };
  const wrongActor = actorRule[action.type](actor, state);
  if (wrongActor) return { code: 'forbidden', message: wrongActor };
  const wrongState = stateRefusal(state, action.type);
  if (wrongState) return { code: 'conflict', message: wrongState };
  const badPayload = payloadRefusal(action);
  return badPayload ? { code: 'invalid_input', message: badPayload } : null;
}

/** The validator: throws the refusal as an `ApplicationFailure` whose type is its code; details carry the current status. */
export function assertCanAct(state: WithdrawalState, args: WithdrawalActArgs): void {
  const refusal = refusalOf(state, args);
  if (refusal) throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, nonRetryable: true, details: [{ status: state.status }] });
}

/** The action types each side may send now. */
export function allowedActions(state: WithdrawalState): WithdrawalView['allowedActions'] {
  const types = Object.keys(actorRule) as WithdrawalActionType[];
  const owner: WithdrawalActor = { role: 'owner', id: state.input.userId };
  const staff: WithdrawalActor = { role: 'staff', id: 0 };
  const may = (actor: WithdrawalActor) => types.filter((type) => actorRule[type](actor, state) === null && stateRefusal(state, type) === null);
  return { owner: may(owner), staff: may(staff) };
}

/** One step: the new status and what changes with it, a line of history, and (unless `write` is false) the effects to write. */
function step(
  state: WithdrawalState,
  now: string,
  change: Partial<WithdrawalState> & { status: WithdrawalStatus },
  note: string,
  effects: { money?: MoneyMove; notice?: Notice } | false = {},
): Transition {
  const seq = effects === false ? state.seq : state.seq + 1;
  const next: WithdrawalState = { ...state, ...change, seq, history: [...state.history, { at: now, status: change.status, note }] };
  return { state: next, effects: effects === false ? null : { seq, money: effects.money ?? null, notice: effects.notice ?? null } };
}

const ref = (state: WithdrawalState) => `Withdrawal #${state.input.withdrawalId}`;
const moneyBack = (state: WithdrawalState) => `${formatUsd(state.input.amountCents)} is back on your balance.`;

/** Ends the withdrawal with its money back on the balance. */
function returned(state: WithdrawalState, now: string, status: 'cancelled' | 'rejected' | 'failed', reason: string, text: string): Transition {
  const change = { status, statusReason: reason, confirmationDueAt: null, stalledAt: null };
  return step(state, now, change, reason, { money: 'revert', notice: { kind: `withdrawal_${status}`, text } });
}

const onAction: { [K in WithdrawalActionType]: (state: WithdrawalState, action: Extract<WithdrawalAction, { type: K }>, now: string) => Transition } = {
  cancel: (state, _action, now) => returned(state, now, 'cancelled', 'cancelled by the owner', `You cancelled ${ref(state).toLowerCase()}: ${moneyBack(state)}`),
  hold: (state, action, now) =>
    step(state, now, { status: 'held', statusReason: action.reason }, `held by staff: ${action.reason}`, {
      notice: { kind: 'withdrawal_held', text: `${ref(state)} is on hold: ${action.reason}. It is not paid out until support releases it.` },
    }),
  release: (state, _action, now) =>
    step(state, now, { status: 'requested', statusReason: null }, 'released by staff', {
      notice: { kind: 'withdrawal_released', text: `${ref(state)} is no longer on hold: it goes out with the next payout batch.` },
    }),
  reject: (state, action, now) =>
    returned(state, now, 'rejected', action.reason, `${ref(state)} was rejected: ${action.reason}. ${moneyBack(state)}`),
};

/** Applies an action the validator accepted. */
export function act(state: WithdrawalState, args: WithdrawalActArgs, now: string): Transition {
  const handler = onAction[args.action.type] as (state: WithdrawalState, action: WithdrawalAction, now: string) => Transition;
  return handler(state, args.action, now);
}

/** The request does not follow the withdrawal rules: rejected by the system, money back (it cannot have come from our API). */
export function inconsistent(state: WithdrawalState, reason: string, now: string): Transition {
  return returned(state, now, 'rejected', `the request does not follow the withdrawal rules: ${reason}`, `${ref(state)} was rejected: its amounts do not follow the withdrawal rules. ${moneyBack(state)}`);
}

/** The request's transaction rolled back: nothing to do and no money to move. */
export function voided(state: WithdrawalState, now: string): WithdrawalState {
  return step(state, now, { status: 'voided', statusReason: 'the request did not complete' }, 'the request did not complete: no withdrawal', false).state;
}

// ───────────────────────────── the batch ─────────────────────────────

/** Why a batch cannot take the withdrawal now (held, cancelled, taken already), or null when it can. */
export function takeRefusal(state: WithdrawalState): string | null {
  if (state.status === 'requested') return null;
  if (state.status === 'held') return 'on hold';
  return state.status === 'in_batch' ? `in batch ${state.batch?.batchId}` : state.status;
}

/** K-50: the batch takes it; from now on only the provider's answer ends it. */
export function take(state: WithdrawalState, batch: TakeIntoBatch, now: string): Transition {
  return step(state, now, { status: 'in_batch', batch, statusReason: null }, `taken into payout batch ${batch.batchId}`);
}

// ───────────────────────────── the payout ─────────────────────────────

function paid(state: WithdrawalState, now: string, providerRef: string): Transition {
  const { netCents, amountCents, feeCents, destinationLabel } = state.input;
  const text = `${ref(state)}: ${formatUsd(netCents)} was paid to ${destinationLabel} (${formatUsd(amountCents)} less the fee of ${formatUsd(feeCents)}).`;
  const change = { status: 'paid' as const, providerRef, statusReason: null, confirmationDueAt: null, stalledAt: null };
  return step(state, now, change, `paid out by the provider (${providerRef})`, { money: 'settle', notice: { kind: 'withdrawal_paid', text } });
}

function failed(state: WithdrawalState, now: string, reason: string, providerRef: string | null): Transition {
  const why = storable(reason);
  const text = `${ref(state)} to ${state.input.destinationLabel} failed: ${why}. ${moneyBack(state)}`;
  return returned({ ...state, providerRef: providerRef ?? state.providerRef }, now, 'failed', why, text);
}

/** The providers' failure codes (card processor, PayPal) in words the user reads. */
const reasonsInWords: Record<string, string> = {
  could_not_process: 'the bank could not process the payout',
  account_closed: 'the account the card belongs to is closed',
  invalid_account_number: 'the card cannot receive payouts',
  declined: 'the bank declined the payout',
  RECEIVER_UNREGISTERED: 'the PayPal address has no PayPal account',
  RECEIVER_ACCOUNT_LOCKED: 'the PayPal account is locked',
  RECEIVER_UNCONFIRMED: 'the PayPal account is not confirmed',
};

/** Why a payout we cancelled after its last unconfirmed attempt failed, as the user reads it. */
const GAVE_UP = 'the provider did not confirm the payout';

/** A provider's reason as the user reads it: known codes in words, another bare code named as the provider's. */
function inWords(reason: string): string {
  return reasonsInWords[reason] ?? (/^[A-Za-z0-9_.-]+$/.test(reason) ? `the provider could not pay it out (${reason})` : reason);
}

/** What the provider says about the payout, when it settles it: paid or failed, else null (still pending). */
function settled(state: WithdrawalState, payout: PayoutOutcome, now: string, failedReason?: string): Transition | null {
  if (payout.status === 'paid') return paid(state, now, payout.providerRef);
  if (payout.status === 'pending') return null;
  // Only we cancel a payout, after its last attempt went unconfirmed: the user reads the same
  // reason whether our cancel's answer or the provider's `payout.canceled` webhook comes first.
  const fallback = payout.status === 'cancelled' ? GAVE_UP : 'the provider could not pay it out';
  return failed(state, now, failedReason ?? (payout.failureReason ? inWords(payout.failureReason) : fallback), payout.providerRef);
}

/** An attempt's send answered: the provider has the payout (a replayed key answers the first one, maybe settled by now). */
export function sent(state: WithdrawalState, payout: PayoutOutcome, now: string): Transition {
  const attempted = attempt(state, now);
  const done = settled(attempted, payout, now);
  if (done) return done;
  const note = `payout attempt ${attempted.attempts} sent (${payout.providerRef}); confirmation due ${attempted.confirmationDueAt}`;
  // The provider's reference is written once; a resend that answers the same one changes no row.
  return step(attempted, now, { status: 'in_batch', providerRef: payout.providerRef }, note, payout.providerRef === state.providerRef ? false : {});
}

/** An attempt's send got no answer (the provider unreachable through every retry): it counts, and the confirmation is awaited all the same. */
export function unanswered(state: WithdrawalState, reason: string, now: string): Transition {
  const attempted = attempt(state, now);
  return step(attempted, now, { status: 'in_batch' }, `payout attempt ${attempted.attempts}: no answer from the provider (${storable(reason, 200)})`, false);
}

function attempt(state: WithdrawalState, now: string): WithdrawalState {
  return { ...state, attempts: state.attempts + 1, confirmationDueAt: iso(msOf(now) + state.input.policy.confirmationTimeoutMs) };
}

/** The provider refused the payout (it does not exist there): failed, money back. */
export function refused(state: WithdrawalState, reason: string, now: string): Transition {
  return failed(state, now, `the provider refused the payout: ${reason}`, null);
}

/** The provider's webhook (verified by the API): it settles an open payout; anywhere else it is only noted. */
export function confirmed(state: WithdrawalState, confirmation: PayoutConfirmation, now: string): Transition {
  const { providerRef, status, reason, eventId } = confirmation;
  const ours = state.providerRef === null || state.providerRef === providerRef;
  if (state.status === 'in_batch' && ours) {
    const done = settled(state, { providerRef, status, failureReason: reason }, now);
    if (done) return done;
  }
  const note = `ignored the provider's ${status} confirmation ${eventId} of ${providerRef}: the withdrawal is ${state.status}${ours ? '' : ` with payout ${state.providerRef}`}`;
  return step(state, now, { status: state.status }, storable(note), false);
}

/** No confirmation in time: what the provider answered when asked (null: no answer). Pending leaves it to `mayResend`. */
export function checked(state: WithdrawalState, payout: PayoutOutcome | null, now: string): Transition {
  const done = payout ? settled(state, payout, now) : null;
  if (done) return done;
  const note = `no confirmation by ${state.confirmationDueAt}: the provider says ${payout ? payout.status : 'nothing (unreachable)'}`;
  return step(state, now, { status: 'in_batch', confirmationDueAt: null }, note, false);
}

/** Whether another attempt may be sent (with the same key: a no-op at a provider that has the payout). */
export function mayResend(state: WithdrawalState): boolean {
  return state.attempts < state.input.policy.payoutAttempts;
}

/**
 * Every attempt went unconfirmed, and we asked the provider to cancel: cancelled or failed →
 * failed, money back; paid after all → paid; still pending, or no answer → the money may yet
 * leave, so it is not returned: the withdrawal waits for the provider's word alone (staff see why).
 */
export function gaveUp(state: WithdrawalState, payout: PayoutOutcome | null, now: string): Transition {
  const done = payout ? settled(state, payout, now, GAVE_UP) : null;
  if (done) return done;
  const reason = 'the provider neither confirmed nor cancelled the payout: waiting for its word';
  return step(state, now, { status: 'in_batch', statusReason: reason, confirmationDueAt: null, stalledAt: now }, reason);
}

/** What the withdrawal tells its batch at its end (null: not ended by a payout). */
export function outcomeOf(state: WithdrawalState): 'paid' | 'failed' | null {
  return state.status === 'paid' || state.status === 'failed' ? state.status : null;
}

// ───────────────────────────── reading ─────────────────────────────

export function viewOf(state: WithdrawalState): WithdrawalView {
  const { input } = state;
  return {
    withdrawalId: input.withdrawalId,
    userId: input.userId,
    status: state.status,
    statusReason: state.statusReason,
    method: input.method,
    destinationLabel: input.destinationLabel,
    amountCents: input.amountCents,
    feeCents: input.feeCents,
    netCents: input.netCents,
    requestedAt: input.requestedAt,
    expectedBatchAt: state.batch?.scheduledAt ?? input.expectedBatchAt,
    batchId: state.batch?.batchId ?? null,
    providerRef: state.providerRef,
    attempts: state.attempts,
    confirmationDueAt: state.status === 'in_batch' ? state.confirmationDueAt : null,
    history: state.history,
    allowedActions: allowedActions(state),
  };
}
