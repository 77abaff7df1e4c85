/**
 * The rules of one submission's moderation (K-40), as pure functions over plain state: which
 * Update each state allows, what the next deadline is, and what every event changes — the new
 * state and the effect to write (a reminder or escalation to staff, the decision applied to
 * the offer, a withdrawal). The workflow only wires these to timers, handlers and its one
 * effects activity (the template of `../lib/process.ts`).
 *
 *   awaiting ──24 h──▶ overdue ──3 days──▶ escalated ──(waits for a person)
 *       └──────────────┴────────────────────┴──▶ approved | rejected | withdrawn
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ErrorCode } from '../lib/errors.js';
import { isId } from '../lib/ids.js';
import { judgesOwnCase } from '../lib/own-case.js';
import { textRefusal } from '../lib/text.js';
import type { Transition } from '../lib/process.js';
import {
  rejectReasons,
  type DecideArgs,
  type ModerationDeadline,
  type ModerationInput,
  type ModerationOutcome,
  type ModerationPolicy,
  type ModerationStatus,
  type ModerationView,
  type RejectReason,
  type WithdrawArgs,
} from './messages.js';

/** Everything the workflow keeps; timestamps are ISO strings of workflow time. */
export interface ModerationState {
  offerId: number;
  revision: number;
  /** The offer's seller, who does not moderate it (policy 3). */
  sellerId: number;
  submittedAt: string;
  policy: ModerationPolicy;
  status: ModerationStatus;
  remindedAt: string | null;
  escalatedAt: string | null;
  decidedAt: string | null;
  decision: ModerationOutcome | null;
  /**
   * Only in workflows begun before moderation moved onto one effects activity (see
   * `legacy.ts`): a decision or withdrawal is being written, so a second one is refused and
   * the timers stand aside. Today's transitions make the state final at once instead.
   */
  settling: boolean;
}

export function initialState(input: ModerationInput): ModerationState {
  return {
    offerId: input.offerId,
    revision: input.revision,
    sellerId: input.sellerId,
    submittedAt: input.submittedAt,
    policy: input.policy,
    status: 'awaiting',
    remindedAt: null,
    escalatedAt: null,
    decidedAt: null,
    decision: null,
    settling: false,
  };
}

/** Approved, rejected and withdrawn submissions are over: nothing changes them any more. */
export function isFinal(status: ModerationStatus): boolean {
  return status === 'approved' || status === 'rejected' || status === 'withdrawn';
}

/**
 * The reminder, then the escalation, both counted from `submittedAt` so a late start keeps
 * the schedule. None once escalated (no automatic approval: a person must decide) or over.
 */
export function nextDeadline(state: ModerationState): ModerationDeadline | null {
  if (isFinal(state.status)) return null;
  const submitted = Date.parse(state.submittedAt);
  if (state.remindedAt === null) return { at: new Date(submitted + state.policy.reminderMs).toISOString(), what: 'remind moderators' };
  if (state.escalatedAt === null) return { at: new Date(submitted + state.policy.escalationMs).toISOString(), what: 'escalate to admins' };
  return null;
}

export function viewOf(state: ModerationState): ModerationView {
  return {
    offerId: state.offerId,
    revision: state.revision,
    status: state.status,
    submittedAt: state.submittedAt,
    remindedAt: state.remindedAt,
    escalatedAt: state.escalatedAt,
    decidedAt: state.decidedAt,
    decision: state.decision,
    nextDeadline: nextDeadline(state),
    policyVersion: state.policy.version,
  };
}

function refuse(type: ErrorCode, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

const isRejectReason = (value: unknown): value is RejectReason => (rejectReasons as readonly unknown[]).includes(value);

/** Why the state refuses any further decision or withdrawal, or null when it allows one. */
function whyClosed(state: ModerationState): string | null {
  if (state.settling) return 'a decision on this submission is being applied right now';
  switch (state.status) {
    case 'approved':
      return 'this submission was already approved';
    case 'rejected':
      return 'this submission was already rejected';
    case 'withdrawn':
      return state.decision?.outcome === 'withdrawn' && state.decision.by === 'seller'
        ? 'this submission was withdrawn: the seller replaced it with a newer revision'
        : 'this submission was withdrawn';
    default:
      return null;
  }
}

/**
 * The `decide` validator's rule. Input is checked first (a malformed request is wrong in any
 * state): `invalid_input` for a bad moderator id, decision, reason or note; `forbidden` for the
 * offer's own seller (policy 3); then `conflict` when the submission is decided, withdrawn, or
 * being decided.
 */
export function assertCanDecide(state: ModerationState, args: DecideArgs): void {
  // Updates arrive as JSON from any client: check what the type promises.
  const raw = args as Partial<Record<string, unknown>> | null;
  if (typeof raw !== 'object' || raw === null) refuse('invalid_input', 'a decision must be an object');
  if (!isId(raw.moderatorId)) {
    refuse('invalid_input', 'moderatorId must be a positive integer user id');
  }
  if (raw.decision !== 'approve' && raw.decision !== 'reject') refuse('invalid_input', "decision must be 'approve' or 'reject'");
  if (raw.decision === 'reject') {
    if (raw.reason === undefined) refuse('invalid_input', `a rejection needs a reason: one of ${rejectReasons.join(', ')}`);
    if (!isRejectReason(raw.reason)) refuse('invalid_input', `unknown rejection reason ${JSON.stringify(raw.reason)}: expected one of ${rejectReasons.join(', ')}`);
    const note = raw.note === undefined ? null : textRefusal(raw.note, 'note', 1_000);
    if (note) refuse('invalid_input', note);
  }
  // Policy 3: nobody judges their own case.
  if (judgesOwnCase(state.policy, raw.moderatorId, [state.sellerId])) refuse('forbidden', 'a moderator does not decide their own offer: another moderator does');
  const closed = whyClosed(state);
  if (closed) refuse('conflict', closed);
}

/** The `withdraw` validator's rule: `invalid_input` for an unknown `by`, `conflict` once decided or being decided. */
export function assertCanWithdraw(state: ModerationState, args: WithdrawArgs): void {
  const by = (args as { by?: unknown } | null)?.by;
  if (by !== 'seller' && by !== 'system') refuse('invalid_input', "withdraw needs by: 'seller' or 'system'");
  const closed = whyClosed(state);
  if (closed) refuse('conflict', closed);
}

/** A decision or withdrawal has been accepted and is being written. */
export function beginSettling(state: ModerationState): ModerationState {
  return { ...state, settling: true };
}

/** Writing it failed: the submission waits again, and the timers resume. */
export function abandonSettling(state: ModerationState): ModerationState {
  return { ...state, settling: false };
}

/** The decision is in the database; `appliedToOffer` is what the write reported. */
export function decided(state: ModerationState, args: DecideArgs, at: string, appliedToOffer: boolean): ModerationState {
  const decision: ModerationOutcome =
    args.decision === 'approve'
      ? { outcome: 'approved', moderatorId: args.moderatorId, appliedToOffer }
      : { outcome: 'rejected', moderatorId: args.moderatorId, reason: args.reason, note: args.note ?? null, appliedToOffer };
  return { ...state, status: decision.outcome, decidedAt: at, decision, settling: false };
}

/** The submission is moot; also how an orphan (no submission row) ends, `by: 'system'`. */
export function withdrawn(state: ModerationState, by: WithdrawArgs['by'], at: string): ModerationState {
  return { ...state, status: 'withdrawn', decidedAt: at, decision: { outcome: 'withdrawn', by }, settling: false };
}

/**
 * Moderators were reminded. A submission decided while the reminder ran stays as decided (the
 * reminder's write skips a decided submission, so nobody was emailed about it either).
 */
export function reminded(state: ModerationState, at: string): ModerationState {
  return isFinal(state.status) ? state : { ...state, remindedAt: at, status: 'overdue' };
}

/** Admins were alerted. As with the reminder, a decision that landed meanwhile stands. */
export function escalated(state: ModerationState, at: string): ModerationState {
  return isFinal(state.status) ? state : { ...state, escalatedAt: at, status: 'escalated' };
}

// ───────────────────────────── transitions and their effects ─────────────────────────────

/** What a transition asks the effects activity to write. */
export type ModerationEffect =
  /** Mark the submission reminded (once) and email every active moderator. */
  | { kind: 'remind_moderators'; waitedMs: number }
  /** Mark it escalated (once) and email every active admin. */
  | { kind: 'escalate_to_admins'; waitedMs: number }
  /** Record the decision on the submission and, if the offer is still at this revision, apply it and email the seller. */
  | { kind: 'decision'; moderatorId: number; decision: 'approved' | 'rejected'; reason?: RejectReason; note?: string }
  /** Mark the submission withdrawn. */
  | { kind: 'withdrawal'; by: WithdrawArgs['by'] };

export type ModerationTransition = Transition<ModerationState, ModerationEffect>;

/**
 * A moderator's decision: final at once (a second one is refused by the state), the offer
 * left to the write, whose answer `decisionWritten` records.
 */
export function decide(state: ModerationState, args: DecideArgs, now: string): ModerationTransition {
  const effect: ModerationEffect =
    args.decision === 'approve'
      ? { kind: 'decision', moderatorId: args.moderatorId, decision: 'approved' }
      : { kind: 'decision', moderatorId: args.moderatorId, decision: 'rejected', reason: args.reason, ...(args.note !== undefined ? { note: args.note } : {}) };
  return { state: decided(state, args, now, false), effects: effect };
}

/** Whether the decision's write changed the offer (false: the offer had moved on, the submission alone records it). */
export function decisionWritten(state: ModerationState, appliedToOffer: boolean): ModerationState {
  const decision = state.decision;
  if (decision?.outcome !== 'approved' && decision?.outcome !== 'rejected') return state;
  return { ...state, decision: { ...decision, appliedToOffer } };
}

/** The submission is moot (the seller replaced it). */
export function withdraw(state: ModerationState, args: WithdrawArgs, now: string): ModerationTransition {
  return { state: withdrawn(state, args.by, now), effects: { kind: 'withdrawal', by: args.by } };
}

/** K-40: the reminder after 24 h, the escalation to admins after 3 days. */
export function onDeadline(state: ModerationState, deadline: ModerationDeadline, now: string): ModerationTransition {
  return deadline.what === 'remind moderators'
    ? { state: reminded(state, now), effects: { kind: 'remind_moderators', waitedMs: state.policy.reminderMs } }
    : { state: escalated(state, now), effects: { kind: 'escalate_to_admins', waitedMs: state.policy.escalationMs } };
}
