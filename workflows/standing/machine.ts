/**
 * The rules of a user's standing (K-58…K-65), as pure functions over plain state: what each
 * violation earns on its kind's ladder (a warning, the offers blocked, the account blocked),
 * how repeats double the block (K-65) up to the policy's cap, when blocks lift by themselves,
 * and what staff may do (sanction, lift early). The workflow only wires these to the
 * `violation` signal, the `sanction` and `lift` Updates, one timer and one write activity.
 *
 *   clear ─violation─▶ warned | offers blocked | account blocked ─timer / staff lift─▶ warned ─window over─▶ clear (the workflow ends)
 *
 * Repeats are counted per kind, among the violations of the policy's window (180 days) before
 * the new one: the n-th violation of a kind gets rung n of its ladder, or the last rung with
 * its block doubled once per rung past the end — an ignored order (K-64) blocks the offers 3,
 * then 6, then 12 days. A new block never shortens a running one of the same type.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ErrorCode } from '../lib/errors.js';
import { isId } from '../lib/ids.js';
import { textRefusal } from '../lib/text.js';
import { DAY, iso, msOf } from '../lib/time.js';
import { standingRules } from './policy.js';
import {
  staffKinds,
  type StandingPolicy,
  type LadderStep,
  type LiftArgs,
  type SanctionArgs,
  type SanctionLevel,
  type SanctionType,
  type StandingHistoryEntry,
  type StandingState,
  type StandingView,
  type Violation,
  type ViolationKind,
  type ViolationReport,
} from './messages.js';

export type { StandingState } from './messages.js';

/** The user's in-app notice. */
export interface Notice {
  kind: 'standing_warning' | 'standing_offers_blocked' | 'standing_account_blocked' | 'standing_lifted';
  text: string;
}

/** What a transition asks the workflow to write, in one activity. */
export interface Effects {
  seq: number;
  /** New lines of the sanctions history (none: only the standing's row changes, e.g. a window ran out). */
  entries: StandingHistoryEntry[];
  notice: Notice | null;
  /** An account block began: the user's running orders go to support. */
  accountBlockStarted: boolean;
}

/** A transition; `effects: null`: nothing changed (a repeated report). */
export interface Transition {
  state: StandingState;
  effects: Effects | null;
}

/** How many history lines the view keeps. */
const HISTORY_KEPT = 20;

export function initialState(userId: number, policy: StandingPolicy, seq = 0): StandingState {
  return { userId, policy, violations: [], offersBlock: null, accountBlock: null, history: [], seq };
}

// ───────────────────────────── reading ─────────────────────────────

/** The standing's level: the Temporal UI's `GigflowSanction`. */
export function levelOf(state: StandingState): SanctionLevel {
  if (state.accountBlock) return 'account_blocked';
  if (state.offersBlock) return 'offers_blocked';
  return state.violations.length > 0 ? 'warned' : 'clear';
}

/** Whether the user's offers are out of search and take no orders: their offers, or their whole account, are blocked. */
export function offersHidden(state: StandingState): boolean {
  return state.offersBlock !== null || state.accountBlock !== null;
}

/** The latest end of a running block, or null. */
export function blockedUntil(state: StandingState): string | null {
  const ends = [state.offersBlock?.until, state.accountBlock?.until].filter((t): t is string => t !== undefined);
  return ends.length === 0 ? null : ends.reduce((a, b) => (msOf(a) >= msOf(b) ? a : b));
}

export function countsOf(state: StandingState): Partial<Record<ViolationKind, number>> {
  const counts: Partial<Record<ViolationKind, number>> = {};
  for (const v of state.violations) counts[v.kind] = (counts[v.kind] ?? 0) + 1;
  return counts;
}

export function viewOf(state: StandingState): StandingView {
  return {
    userId: state.userId,
    offersBlock: state.offersBlock,
    accountBlock: state.accountBlock,
    sanction: levelOf(state),
    counts: countsOf(state),
    history: state.history,
  };
}

/** The standing's next deadline: a block's end, or the oldest violation leaving the window. Null: nothing pending, the workflow may end. */
export function nextDeadline(state: StandingState): { at: string; what: 'offers' | 'account' | 'window' } | null {
  const candidates: { at: string; what: 'offers' | 'account' | 'window' }[] = [];
  if (state.offersBlock) candidates.push({ at: state.offersBlock.until, what: 'offers' });
  if (state.accountBlock) candidates.push({ at: state.accountBlock.until, what: 'account' });
  const oldest = state.violations[0];
  if (oldest) candidates.push({ at: iso(msOf(oldest.at) + state.policy.repeatWindowMs), what: 'window' });
  if (candidates.length === 0) return null;
  return candidates.reduce((a, b) => (msOf(b.at) < msOf(a.at) ? b : a));
}

/** Nothing pending: no block runs and no violation counts any more. */
export function isFinal(state: StandingState): boolean {
  return nextDeadline(state) === null;
}

// ───────────────────────────── the ladder ─────────────────────────────

/** What the n-th violation of a kind (1-based) earns: its rung, or the last rung doubled once per repeat past the ladder (K-65). */
export function sanctionFor(policy: StandingPolicy, kind: Exclude<ViolationKind, 'staff_offers_block' | 'staff_account_block'>, n: number): { sanction: SanctionType; durationMs: number | null } {
  // A standing started before a kind existed (K-63's) carries no ladder for it: the policy module's applies.
  const ladder: readonly LadderStep[] = (policy.ladders as Partial<StandingPolicy['ladders']>)[kind] ?? standingRules.ladders[kind];
  const step = ladder[Math.min(n, ladder.length) - 1]!;
  if (step.sanction === 'warning') return { sanction: 'warning', durationMs: null };
  const doublings = Math.max(0, n - ladder.length);
  // Doubling stops at the cap: 2^doublings could overflow long before a block that long matters.
  let duration = step.baseMs;
  for (let i = 0; i < doublings && duration < policy.maxBlockMs; i++) duration *= 2;
  return { sanction: step.sanction, durationMs: Math.min(duration, policy.maxBlockMs) };
}

/** The violations still inside the window at `now`. */
function inWindow(state: StandingState, now: string): Violation[] {
  const from = msOf(now) - state.policy.repeatWindowMs;
  return state.violations.filter((v) => msOf(v.at) > from);
}

/**
 * How far back a kind's repeats count: its own window (K-63's 30 days) or the policy's. A
 * standing started before K-63 carries no windows of its own: the policy module's apply.
 */
function repeatWindowOf(policy: StandingPolicy, kind: ViolationKind): number {
  const own: Partial<Record<ViolationKind, number>> = policy.kindRepeatWindowsMs ?? standingRules.kindRepeatWindowsMs;
  return Math.min(own[kind] ?? policy.repeatWindowMs, policy.repeatWindowMs);
}

function fmt(at: string): string {
  return `${at.slice(0, 16).replace('T', ' ')} UTC`;
}

function noticeOf(sanction: SanctionType, until: string | null, reason: string, repeat: number): Notice {
  const again = repeat > 1 ? ` This is repeat ${repeat}: repeats double the block (K-65).` : '';
  if (sanction === 'warning') return { kind: 'standing_warning', text: `Warning: ${reason}. A repeat may block your offers or your account.` };
  if (sanction === 'offers_block') {
    return { kind: 'standing_offers_blocked', text: `Your offers are blocked until ${fmt(until!)}: ${reason}. They are out of search and take no new orders; running orders continue.${again}` };
  }
  return { kind: 'standing_account_blocked', text: `Your account is blocked until ${fmt(until!)}: ${reason}. Your balance is safe; support takes over your running orders.${again}` };
}

/** Adds history lines, numbering them; keeps the view's history short. */
function record(state: StandingState, lines: Omit<StandingHistoryEntry, 'seq'>[]): { state: StandingState; entries: StandingHistoryEntry[] } {
  let seq = state.seq;
  const entries = lines.map((line) => ({ ...line, seq: ++seq }));
  return { state: { ...state, seq, history: [...state.history, ...entries].slice(-HISTORY_KEPT) }, entries };
}

/** Applies one violation: its rung of the ladder (or the staff's own days), as of `now`. */
function sanctioned(state: StandingState, violation: Violation, reason: string, staffId: number | null, durationOverrideMs: number | null, now: string): Transition {
  const violations = [...inWindow(state, now), violation];
  const from = msOf(now) - repeatWindowOf(state.policy, violation.kind);
  const repeat = violations.filter((v) => v.kind === violation.kind && msOf(v.at) > from).length;
  const { kind } = violation;
  const rule =
    kind === 'staff_offers_block' || kind === 'staff_account_block'
      ? { sanction: (kind === 'staff_offers_block' ? 'offers_block' : 'account_block') as SanctionType, durationMs: Math.min(durationOverrideMs!, state.policy.maxBlockMs) }
      : sanctionFor(state.policy, kind, repeat);
  let next: StandingState = { ...state, violations };
  let until: string | null = null;
  if (rule.sanction !== 'warning') {
    const field = rule.sanction === 'offers_block' ? 'offersBlock' : 'accountBlock';
    const running = state[field];
    const end = msOf(now) + rule.durationMs!;
    // A new block never shortens a running one: the later end holds.
    until = running && msOf(running.until) > end ? running.until : iso(end);
    next = { ...next, [field]: { until, reason, kind, seq: state.seq + 1 } };
  }
  const written = record(next, [{ at: now, action: rule.sanction, kind, reason, until, staffId }]);
  return {
    state: written.state,
    effects: {
      seq: written.state.seq,
      entries: written.entries,
      notice: noticeOf(rule.sanction, until, reason, repeat),
      accountBlockStarted: rule.sanction === 'account_block' && state.accountBlock === null,
    },
  };
}

/** A process reported a violation (K-64's ignored order); a repeated report changes nothing. */
export function violation(state: StandingState, report: ViolationReport, now: string): Transition {
  if (state.violations.some((v) => v.id === report.violationId)) return { state, effects: null };
  return sanctioned(state, { id: report.violationId, kind: report.kind, at: now }, report.reason, null, null, now);
}

// ───────────────────────────── staff ─────────────────────────────

interface Refusal {
  code: ErrorCode;
  message: string;
}

/** Why staff may not apply `args`, or null. */
export function sanctionRefusal(state: StandingState, args: SanctionArgs): Refusal | null {
  if (!args || typeof args !== 'object' || !isId(args.staffId)) return { code: 'invalid_input', message: 'staffId: a user id' };
  if (!(staffKinds as readonly string[]).includes(args.kind)) return { code: 'invalid_input', message: `kind: one of ${staffKinds.join(', ')}` };
  const text = textRefusal(args.reason, 'reason', 500);
  if (text) return { code: 'invalid_input', message: text };
  const isBlock = args.kind === 'staff_offers_block' || args.kind === 'staff_account_block';
  if (isBlock) {
    const max = state.policy.maxStaffDays;
    if (!Number.isInteger(args.days) || args.days! < 1 || args.days! > max) return { code: 'invalid_input', message: `days: a whole number of days from 1 to ${max}` };
  } else if (args.days !== undefined) return { code: 'invalid_input', message: `days: only for staff_offers_block and staff_account_block; ${args.kind} follows its rule's ladder` };
  if (args.reportId !== undefined && !isId(args.reportId)) return { code: 'invalid_input', message: 'reportId: a report id' };
  return null;
}

/** The violation id of a staff sanction: a report's id settles it once; otherwise each sanction is new. */
function staffViolationId(state: StandingState, args: SanctionArgs): string {
  return args.reportId !== undefined ? `report:${args.reportId}` : `staff:${state.seq + 1}`;
}

/** Staff apply a sanction (validated by `sanctionRefusal`); the same report twice changes nothing. */
export function sanction(state: StandingState, args: SanctionArgs, now: string): Transition {
  const id = staffViolationId(state, args);
  if (state.violations.some((v) => v.id === id)) return { state, effects: null };
  return sanctioned(state, { id, kind: args.kind, at: now }, args.reason.trim(), args.staffId, args.days === undefined ? null : args.days * DAY, now);
}

/** Why staff may not lift `args.block` now (none runs: `conflict`), or null. */
export function liftRefusal(state: StandingState, args: LiftArgs): Refusal | null {
  if (!args || typeof args !== 'object' || !isId(args.staffId)) return { code: 'invalid_input', message: 'staffId: a user id' };
  if (args.block !== 'offers' && args.block !== 'account' && args.block !== 'all') return { code: 'invalid_input', message: 'block: offers, account or all' };
  const text = textRefusal(args.reason, 'reason', 500);
  if (text) return { code: 'invalid_input', message: text };
  const none =
    (args.block === 'offers' && !state.offersBlock) || (args.block === 'account' && !state.accountBlock) || (args.block === 'all' && !state.offersBlock && !state.accountBlock);
  if (none) return { code: 'conflict', message: `no ${args.block === 'all' ? '' : `${args.block} `}block runs: nothing to lift` };
  return null;
}

/** Ends blocks: staff's early lift, or their timers. */
function lifted(state: StandingState, which: ('offers' | 'account')[], reason: string, staffId: number | null, now: string): Transition {
  let next = state;
  const lines: Omit<StandingHistoryEntry, 'seq'>[] = [];
  for (const what of which) {
    const block = what === 'offers' ? next.offersBlock : next.accountBlock;
    if (!block) continue;
    next = what === 'offers' ? { ...next, offersBlock: null } : { ...next, accountBlock: null };
    lines.push({ at: now, action: what === 'offers' ? 'offers_lifted' : 'account_lifted', kind: block.kind, reason, until: null, staffId });
  }
  const written = record(next, lines);
  const text = lines.length === 2 ? 'Your account and offers are unblocked' : lines[0]?.action === 'account_lifted' ? 'Your account is unblocked' : 'Your offers are unblocked';
  return {
    state: written.state,
    effects: { seq: written.state.seq, entries: written.entries, notice: lines.length ? { kind: 'standing_lifted', text: `${text}: ${reason}.` } : null, accountBlockStarted: false },
  };
}

/** Staff lift a block early (validated by `liftRefusal`). */
export function lift(state: StandingState, args: LiftArgs, now: string): Transition {
  const which: ('offers' | 'account')[] = args.block === 'all' ? ['offers', 'account'] : [args.block];
  return lifted(state, which, args.reason.trim(), args.staffId, now);
}

/** Throws the refusal as the Update's failure (the API maps its code: 400, 409). */
export function assertAllowed(refusal: Refusal | null): void {
  if (refusal) throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, nonRetryable: true });
}

// ───────────────────────────── time ─────────────────────────────

/** What is due at `now`: blocks whose end came lift by themselves, violations past the window stop counting. */
export function expire(state: StandingState, now: string): Transition {
  const t = msOf(now);
  const ended: ('offers' | 'account')[] = [];
  if (state.offersBlock && msOf(state.offersBlock.until) <= t) ended.push('offers');
  if (state.accountBlock && msOf(state.accountBlock.until) <= t) ended.push('account');
  const pruned = { ...state, violations: inWindow(state, now) };
  if (ended.length > 0) return lifted(pruned, ended, 'the block has ended', null, now);
  if (pruned.violations.length === state.violations.length) return { state: pruned, effects: null };
  // Only the window moved: the standing's row (its level) is written again, under a number of its own, with no history line.
  const seq = pruned.seq + 1;
  return { state: { ...pruned, seq }, effects: { seq, entries: [], notice: null, accountBlockStarted: false } };
}
