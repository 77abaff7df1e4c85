/**
 * The wire contract of a user's standing (K-58…K-65): the workflow id, the start input, the
 * `violation` signal (an ignored order, from the order's write), the staff's `sanction` and
 * `lift` Updates and the `view` query. Imported by the API, the activities and the workflow.
 * Wire names (`violation`, `sanction`, `lift`, `view`) and violation kinds are public:
 * renaming one breaks running standings.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { businessId } from '../lib/ids.js';

/** The workflow type's name, a wire contract like the message names. */
export const standingWorkflowType = 'standingWorkflow';

/** One workflow per sanctioned user: `standing-<userId>`. */
export function standingWorkflowId(userId: number): string {
  return businessId('standing', userId);
}

/** The id of an ignored order's violation: the same on every retry of the order's write, so it counts once. */
export function ignoredOrderViolationId(orderId: number): string {
  return `order:${orderId}:ignored_order`;
}

/** The id of K-63's violation: the watch of one unanswered buyer message, reported once however often it is retried. */
export function ignoredMessagesViolationId(conversationId: number, messageId: number): string {
  return `conversation:${conversationId}:message:${messageId}:ignored_messages`;
}

/**
 * What a user did wrong, each with its own ladder of sanctions in the policy:
 * - `ignored_order` (K-64): a new order not started within 24 h, reported by the order's write;
 * - `ignored_messages` (K-63): a buyer's message in a direct conversation left unanswered for
 *   48 h, reported by the conversation's reply watch;
 * - `rudeness` (K-58), `spam` (K-60), `off_platform_buyer` / `off_platform_seller` (K-61),
 *   `financial_terms` (K-62): found by staff (a report, a chat);
 * - `staff_warning`, `staff_offers_block`, `staff_account_block` (K-65): the administration's
 *   discretionary sanctions, for `days` staff choose.
 */
export const violationKinds = [
  'ignored_order',
  'rudeness',
  'spam',
  'off_platform_buyer',
  'off_platform_seller',
  'financial_terms',
  'staff_warning',
  'staff_offers_block',
  'staff_account_block',
  'ignored_messages',
] as const;

export type ViolationKind = (typeof violationKinds)[number];

/** The kinds only a process reports: an ignored order (from its order), ignored messages (from the conversation's reply watch). */
export type ReportedKind = 'ignored_order' | 'ignored_messages';

/** The kinds staff apply through `sanction`: all but those a process reports. */
export const staffKinds = violationKinds.filter((k): k is Exclude<ViolationKind, ReportedKind> => k !== 'ignored_order' && k !== 'ignored_messages');
export type StaffKind = (typeof staffKinds)[number];

/** What a sanction does: a warning, the seller's offers blocked (out of search, not orderable), or the whole account blocked. */
export type SanctionType = 'warning' | 'offers_block' | 'account_block';

/** One rung of a kind's ladder; a block lasts `baseMs`, doubled for each repeat past the ladder's end (K-65). */
export type LadderStep = { sanction: 'warning' } | { sanction: 'offers_block' | 'account_block'; baseMs: number };

/** The rules a standing runs under, fixed at start (from `./policy.ts`) and carried over continue-as-new. Durations in ms. */
export interface StandingPolicy {
  version: number;
  /** Repeats are counted per kind, among the violations of this window before the new one. */
  repeatWindowMs: number;
  /**
   * Kinds whose repeats count within a shorter window of their own (K-63: 30 days). Absent in
   * standings started before it: they take the policy module's (see `machine.ts`).
   */
  kindRepeatWindowsMs?: Partial<Record<ViolationKind, number>>;
  /** No block, however often doubled, lasts longer than this. */
  maxBlockMs: number;
  /** The sanction of the n-th violation of a kind in the window: step n, or the last step doubled (n − steps) times. */
  ladders: Record<Exclude<ViolationKind, 'staff_offers_block' | 'staff_account_block'>, LadderStep[]>;
  /** Discretionary blocks (K-65): staff choose 1…this many days. */
  maxStaffDays: number;
  /** History events after which the standing continues as new with its state, so its history stays small. */
  maxHistoryEvents: number;
}

/** A violation reported by a process: the order's ignored start (K-64), a conversation's ignored buyer message (K-63). */
export interface ViolationReport {
  /** Dedupes repeats of one report: `order:<orderId>:ignored_order`. */
  violationId: string;
  kind: ViolationKind;
  /** What the user reads, e.g. "Order #12 was not started within 24 hours". */
  reason: string;
  orderId?: number;
}

/** A staff member's sanction (K-58…K-62, K-65). */
export interface SanctionArgs {
  staffId: number;
  kind: StaffKind;
  /** What the user reads. */
  reason: string;
  /** For `staff_offers_block` and `staff_account_block`: how many days. */
  days?: number;
  /** When it settles a report: its id (a retried resolve counts once). */
  reportId?: number;
}

/** Staff lift a block early (K-65). */
export interface LiftArgs {
  staffId: number;
  /** Which block: the offers block, the account block, or both. */
  block: 'offers' | 'account' | 'all';
  reason: string;
}

/** A running block: until when (ISO), why, and what caused it. */
export interface Block {
  until: string;
  reason: string;
  kind: ViolationKind;
  /** The sanction's number in the user's history (`sanctions.seq`). */
  seq: number;
}

/** One line of the standing's recent history (the full history is the `sanctions` table). */
export interface StandingHistoryEntry {
  at: string;
  seq: number;
  /** `warning`, `offers_block`, `account_block`, `offers_lifted`, `account_lifted`. */
  action: SanctionType | 'offers_lifted' | 'account_lifted';
  kind: ViolationKind | null;
  reason: string;
  until: string | null;
  /** Staff who acted, null for the rules and the timers. */
  staffId: number | null;
}

/** The standing as it is now: the `view` query's answer and each Update's result. */
export interface StandingView {
  userId: number;
  offersBlock: Block | null;
  accountBlock: Block | null;
  /** `account_blocked`, `offers_blocked`, `warned` (a violation in the window) or `clear`. */
  sanction: SanctionLevel;
  /** Violations per kind within the repeat window. */
  counts: Partial<Record<ViolationKind, number>>;
  history: StandingHistoryEntry[];
}

export type SanctionLevel = 'account_blocked' | 'offers_blocked' | 'warned' | 'clear';

/** A violation as the standing remembers it, within the repeat window. */
export interface Violation {
  id: string;
  kind: ViolationKind;
  at: string;
}

/** Everything the standing keeps (plain JSON: continue-as-new carries it); timestamps are ISO strings of workflow time. */
export interface StandingState {
  userId: number;
  policy: StandingPolicy;
  /** The violations of the repeat window, oldest first: they count repeats and dedupe reports. */
  violations: Violation[];
  offersBlock: Block | null;
  accountBlock: Block | null;
  /** The latest lines of its history, for the view (the whole history is the `sanctions` table). */
  history: StandingHistoryEntry[];
  /** The number of the last sanction or lift: each write carries it, so a retried or late write changes nothing twice. */
  seq: number;
}

/** What the standing starts with: its user and rules, and on continue-as-new the state it carries. */
export interface StandingInput {
  userId: number;
  policy: StandingPolicy;
  /** Set by continue-as-new: the state so far (plain JSON). */
  carried?: StandingState;
}

/** A violation reported (K-64): a signal, since the reporting write needs no answer and must never wait. */
export const violationSignal = defineSignal<[ViolationReport], 'violation'>('violation');

/**
 * Staff apply a sanction. The validator refuses a malformed one (`invalid_input`) before anything
 * is written; the result is the standing once the sanction is written.
 */
export const sanctionUpdate = defineUpdate<StandingView, [SanctionArgs], 'sanction'>('sanction');

/** Staff lift a block early; refused (`conflict`, the API answers 409) when no such block runs. */
export const liftUpdate = defineUpdate<StandingView, [LiftArgs], 'lift'>('lift');

/** The standing as it is now. */
export const viewQuery = defineQuery<StandingView, [], 'view'>('view');
