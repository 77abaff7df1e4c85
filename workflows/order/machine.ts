/**
 * The rules of one order, as pure functions over plain state: which action each state allows
 * and to whom, which deadlines are pending, and what every action and every deadline changes
 * (the new state plus the effects to write: money, notices, a violation). The workflow only
 * wires these to the `act` Update, timers and activities.
 *
 *   awaiting_start ─start_work─▶ in_progress ─deliver─▶ in_review ─accept / 3 days─▶ completed
 *        │ 24 h: cancelled         │ deadline ▲            │ request_revision ─▶ in_progress
 *        │                         ▼          │ deliver    │ open_dispute ─▶ arbitration
 *        │                        late ───────┘            ▼
 *   any open status: cancel (20 min / late), cancellation request (2 days), 14 days idle,
 *   admin cancel ─▶ cancelled; a declined request ─▶ open_dispute ─▶ arbitration ─▶ decision
 */
import { ApplicationFailure } from '@temporalio/workflow';
import * as cancellation from '../lib/engagement/cancellation.js';
import * as disputes from '../lib/engagement/dispute.js';
import { otherParty as other } from '../lib/engagement/parties.js';
import { autoAcceptAt, reviewReminderAt } from '../lib/engagement/review.js';
import type { ErrorCode } from '../lib/errors.js';
import { isId } from '../lib/ids.js';
import { judgesOwnCase } from '../lib/own-case.js';
import { charCount, forbiddenCharacter, textRefusal } from '../lib/text.js';
import type { Transition as ProcessTransition } from '../lib/process.js';
import { formatUsd, splitCommission, type Cents } from '../lib/money.js';
import { DAY, iso, msOf as at } from '../lib/time.js';
import { HTTP_URL } from '../lib/web-address.js';
import {
  ATTACHMENT_ID_SHAPE,
  cancellationReasons,
  cancellationReasonWords,
  DELIVERY_MAX_FILES,
  type ActArgs,
  type ActionType,
  type Actor,
  type ArbitrationDecision,
  type CancellationReason,
  type CancellationRequest,
  type Closure,
  type Delivery,
  type Dispute,
  type MessageArgs,
  type OrderAction,
  type OrderInput,
  type OrderStatus,
  type OrderView,
  type PartyActArgs,
  type PendingDeadline,
  type Role,
  type TimelineEntry,
  type Viewer,
} from './messages.js';

/** Everything the workflow keeps; timestamps are ISO strings of workflow time. */
export interface OrderState {
  input: OrderInput;
  status: OrderStatus;
  requirements: string | null;
  workClockStartedAt: string | null;
  workStartedAt: string | null;
  deadline: string | null;
  progress: { percent: number; comment: string; at: string } | null;
  progressRemindedAt: string | null;
  question: { text: string; at: string; answeredAt: string | null } | null;
  deliveries: Delivery[];
  revisionCount: number;
  reviewRemindedAt: string | null;
  cancellation: CancellationRequest | null;
  declinedCancellation: CancellationRequest | null;
  dispute: Dispute | null;
  closure: Closure | null;
  timeline: TimelineEntry[];
  lastActivityAt: string;
  /** Events so far: each transition's effects carry it, so a retried write is recognised. */
  seq: number;
  /** Policy 3: how long the start window, and the current review window, stood still for a cancellation request. */
  startPausedMs?: number;
  reviewPausedMs?: number;
}

/** Money a transition moves from the escrow; at most one per order ever (the ledger's keys see to it). */
export type MoneyMove = { op: 'release' } | { op: 'refund' } | { op: 'split'; sellerAmountCents: Cents };

/** Somebody to tell what happened: a party (notification + for new orders an email) or a staff role (email). */
export interface Notice {
  to: Role | 'arbiters' | 'admins';
  kind: string;
  text: string;
}

/** What a transition asks the workflow to write, in one activity. */
export interface Effects {
  seq: number;
  money: MoneyMove | null;
  notices: Notice[];
  /** A seller violation to record (penalties come later): `ignored_order`. */
  violation: 'ignored_order' | null;
}

export type Transition = ProcessTransition<OrderState, Effects>;

/** Statuses in which an order is over. */
export function isFinal(status: OrderStatus): boolean {
  return status === 'completed' || status === 'cancelled' || status === 'split' || status === 'void';
}

const inWork = (s: OrderStatus) => s === 'in_progress' || s === 'late';
const beforeReview = (s: OrderStatus) => s === 'awaiting_start' || inWork(s);
const negotiable = (s: OrderStatus) => beforeReview(s) || s === 'in_review';

/**
 * Late: the status says so, or the deadline has passed and its timer is not applied yet (an
 * Update delivered with the timer's firing is handled first): the buyer's cancel for lateness
 * must not lose that race.
 */
function isLate(state: OrderState, now: string): boolean {
  return state.status === 'late' || (state.status === 'in_progress' && state.deadline !== null && at(state.deadline) <= at(now));
}

export function initialState(input: OrderInput): OrderState {
  const state: OrderState = {
    input,
    status: 'awaiting_start',
    requirements: input.requirements,
    workClockStartedAt: null,
    workStartedAt: null,
    deadline: null,
    progress: null,
    progressRemindedAt: null,
    question: null,
    deliveries: [],
    revisionCount: 0,
    reviewRemindedAt: null,
    cancellation: null,
    declinedCancellation: null,
    dispute: null,
    closure: null,
    timeline: [
      {
        at: input.placedAt,
        by: 'buyer',
        event: 'placed',
        text: `Ordered “${input.offer.title}” for ${formatUsd(input.totalCents)}${input.requirements ? ', with the requirements' : ''}`,
      },
    ],
    lastActivityAt: input.placedAt,
    seq: 0,
  };
  return input.requirements ? startClock(state, input.placedAt) : state;
}

/** D-03: the work clock starts once: at the requirements or the start of work, whichever is first. */
function startClock(state: OrderState, now: string): OrderState {
  if (state.workClockStartedAt !== null) return state;
  return { ...state, workClockStartedAt: now, deadline: iso(at(now) + state.input.leadTimeMs) };
}

// ───────────────────────────── deadlines ─────────────────────────────

type Add = (kind: PendingDeadline['kind'], ms: number, party: PendingDeadline['party'], outcome: string) => void;

/** D-05: in arbitration only the dispute's own deadline runs: the other party's answer, then the arbiter's decision. */
function arbitrationDeadlines(state: OrderState, add: Add): void {
  const due = disputes.disputeDeadline(state.dispute!, state.input.policy);
  if (due?.kind === 'dispute_answer') add('dispute_answer', due.at, due.party, 'the case goes to the arbiter without your statement');
  else if (due) add('arbitration_decision', due.at, 'arbiter', 'admins are alerted');
}

/** K-13: without a progress report for a while in work, the seller is reminded (counted from the start, the last report or reminder). */
function progressReminder(state: OrderState, add: Add): void {
  const base = Math.max(...[state.workStartedAt, state.progress?.at, state.progressRemindedAt].filter((t): t is string => !!t).map(at));
  if (Number.isFinite(base)) add('progress_reminder', base + state.input.policy.progressReminderMs, 'seller', 'remind the seller to report progress');
}

/** Every deadline pending now, soonest first (ties keep this order: the earlier rule wins). */
export function deadlinesOf(state: OrderState): PendingDeadline[] {
  const { status, input } = state;
  const p = input.policy;
  const list: PendingDeadline[] = [];
  const add: Add = (kind, ms, party, outcome) => list.push({ kind, at: iso(ms), party, outcome: `${outcome} at ${iso(ms)}` });
  if (isFinal(status)) return list;
  if (status === 'arbitration') {
    arbitrationDeadlines(state, add);
    return list;
  }
  // Policy 3: while a cancellation request waits, the start and review windows stand still (K-18 decides).
  const paused = p.cancellationPausesWindows === true && state.cancellation !== null;
  if (status === 'awaiting_start' && !paused) add('start', at(input.placedAt) + p.startWithinMs + (state.startPausedMs ?? 0), 'seller', 'cancel and refund the buyer');
  if (state.cancellation) {
    add('cancellation_answer', cancellation.answerDueAt(state.cancellation, p.cancellationAnswerMs), cancellation.answerer(state.cancellation), 'cancel and refund the buyer');
  }
  if (beforeReview(status) && status !== 'late' && state.deadline) add('work_deadline', at(state.deadline), 'seller', 'the order becomes late');
  if (status === 'in_review' && !paused) {
    const delivered = state.deliveries[state.deliveries.length - 1]!.at;
    const reminder = reviewReminderAt(delivered, state.reviewRemindedAt, p, state.reviewPausedMs ?? 0);
    if (reminder !== null) add('review_reminder', reminder, 'buyer', 'remind the buyer');
    add('review', autoAcceptAt(delivered, p, state.reviewPausedMs ?? 0), 'buyer', 'auto-accept');
  }
  if (inWork(status)) progressReminder(state, add);
  add('inactivity', at(state.lastActivityAt) + p.inactivityMs, status === 'in_review' ? 'buyer' : 'seller', 'cancel and refund the buyer for inactivity');
  // Stable sort: equal times keep the order above (a start deadline before inactivity).
  return list.sort((a, b) => at(a.at) - at(b.at));
}

/** The soonest pending deadline, reminders included: what the workflow's timer waits for. */
export function nextDeadline(state: OrderState): PendingDeadline | null {
  return deadlinesOf(state)[0] ?? null;
}

/** Reminders tell a party and change nothing; every other deadline has an outcome. */
export function isReminder(deadline: PendingDeadline): boolean {
  return deadline.kind === 'progress_reminder' || deadline.kind === 'review_reminder';
}

/** The next deadline with an outcome (never a reminder): what the view and the list show as next. */
export function nextOutcome(state: OrderState): PendingDeadline | null {
  return deadlinesOf(state).find((d) => !isReminder(d)) ?? null;
}

/**
 * Policy 3: a cancellation request that ends without ending the order (declined, withdrawn)
 * gives back the time it held the start or the review window still.
 */
function requestClosed(state: OrderState, now: string): Partial<OrderState> {
  const request = state.cancellation;
  if (!request || state.input.policy.cancellationPausesWindows !== true) return {};
  const held = at(now) - at(request.at);
  if (state.status === 'awaiting_start') return { startPausedMs: (state.startPausedMs ?? 0) + held };
  if (state.status === 'in_review') return { reviewPausedMs: (state.reviewPausedMs ?? 0) + held };
  return {};
}

// ───────────────────────────── who may do what ─────────────────────────────

interface Refusal {
  code: ErrorCode;
  message: string;
}

const staffWith = (actor: Actor, ...roles: string[]) => actor.role === 'staff' && roles.some((r) => actor.staffRoles.includes(r));
const party = (actor: Actor): Role | null => (actor.role === 'staff' ? null : actor.role);

/**
 * Staff's actions on the order, for `roles`: refused when the actor lacks them, and (policy 4)
 * when the staff member is the order's buyer or seller: nobody judges their own case.
 */
function staffRule(roles: string[], refusal: string) {
  return (a: Actor, s: OrderState): string | null => {
    if (!staffWith(a, ...roles)) return refusal;
    return judgesOwnCase(s.input.policy, a.userId, [s.input.buyer.id, s.input.seller.id]) ? 'staff do not act as staff on an order they are a party to: another staff member does' : null;
  };
}

/** The role an action needs, checked before the state. */
const actorRule: Record<ActionType, (actor: Actor, state: OrderState) => string | null> = {
  start_work: (a) => (a.role === 'seller' ? null : 'only the seller starts work'),
  submit_requirements: (a) => (a.role === 'buyer' ? null : 'only the buyer submits requirements'),
  ask_buyer: (a) => (a.role === 'seller' ? null : 'only the seller asks the buyer'),
  report_progress: (a) => (a.role === 'seller' ? null : 'only the seller reports progress'),
  deliver: (a) => (a.role === 'seller' ? null : 'only the seller delivers'),
  accept: (a) => (a.role === 'buyer' ? null : 'only the buyer accepts a delivery'),
  request_revision: (a) => (a.role === 'buyer' ? null : 'only the buyer asks for a revision'),
  cancel: (a) => (a.role === 'buyer' ? null : 'only the buyer cancels alone; ask for a cancellation instead'),
  request_cancellation: (a) => (a.role !== 'staff' ? null : 'only the buyer or the seller asks for a cancellation'),
  // With no request or dispute open, a party is refused by the state (409), not as the wrong actor.
  accept_cancellation: (a, s) => (party(a) && cancellation.mayAnswer(party(a)!, s.cancellation) ? null : 'only the other party answers a cancellation request'),
  decline_cancellation: (a, s) => (party(a) && cancellation.mayAnswer(party(a)!, s.cancellation) ? null : 'only the other party answers a cancellation request'),
  withdraw_cancellation: (a, s) => (party(a) && cancellation.mayWithdraw(party(a)!, s.cancellation) ? null : 'only who asked may withdraw a cancellation request'),
  open_dispute: (a) => (a.role !== 'staff' ? null : 'only the buyer or the seller opens a dispute'),
  answer_dispute: (a, s) => (a.role !== 'staff' && (!s.dispute || a.role === disputes.respondent(s.dispute)) ? null : 'only the other party answers a dispute'),
  take_case: staffRule(['arbiter', 'admin'], 'only an arbiter takes a case'),
  decide_dispute: staffRule(['arbiter', 'admin'], 'only an arbiter decides a dispute'),
  admin_cancel: staffRule(['admin', 'support'], 'only staff (admin, support) cancel an order this way'),
};

const NOW_ALLOWED = null;

/**
 * Deadlines whose outcome ends the order or the parties' turn. Once one is due it has won,
 * even before its timer is applied: an Update delivered with the timer's firing is validated
 * first (the SDK runs update handlers before timers in an activation).
 */
const decisive: ReadonlySet<PendingDeadline['kind']> = new Set(['start', 'review', 'inactivity', 'cancellation_answer', 'dispute_answer']);

/** The decisive deadline that is due now, if any. */
function decisiveDue(state: OrderState, now: string): PendingDeadline | null {
  // Null, not undefined, for none: `stateRule`'s default would compute it again for each action type.
  return deadlinesOf(state).find((d) => decisive.has(d.kind) && at(d.at) <= at(now)) ?? null;
}

/** K-16, K-12: the buyer cancels alone within the free-cancel window, or once the order is late. */
function cancelAloneRule(state: OrderState, now: string): string | null {
  const p = state.input.policy;
  if (isLate(state, now)) return NOW_ALLOWED;
  if (beforeReview(state.status) && at(now) < at(state.input.placedAt) + p.freeCancelMs) return NOW_ALLOWED;
  return `the buyer cancels alone only within ${Math.round(p.freeCancelMs / 60_000)} minutes of placing the order or once it is late`;
}

/** K-15: a dispute follows a declined cancellation request, or the buyer's review of a delivery. */
function openDisputeRule(state: OrderState, actor: Actor): string | null {
  if (!negotiable(state.status)) return 'a dispute cannot be opened now';
  if (state.cancellation) return 'answer the open cancellation request first';
  if (state.declinedCancellation) return NOW_ALLOWED;
  if (actor.role === 'buyer' && state.status === 'in_review') return NOW_ALLOWED;
  return 'a dispute follows a declined cancellation request, or the buyer’s review of a delivery';
}

/** What the arbitration actions need: a dispute, and for each its own step. */
function arbitrationRule(state: OrderState, actor: Actor, type: 'answer_dispute' | 'take_case' | 'decide_dispute'): string | null {
  if (state.status !== 'arbitration') return 'there is no dispute';
  const d = state.dispute!;
  if (type === 'answer_dispute') return d.readyAt === null ? NOW_ALLOWED : 'the answer period is over';
  if (type === 'take_case') return d.arbiterId === null ? NOW_ALLOWED : 'an arbiter has already taken the case';
  return disputes.decisionRefusal(d, { userId: actor.userId, isAdmin: staffWith(actor, 'admin') });
}

/** What work in progress allows: requirements, questions, progress and the delivery. */
function workRule(state: OrderState, type: 'submit_requirements' | 'ask_buyer' | 'report_progress' | 'deliver'): string | null {
  const { status } = state;
  switch (type) {
    case 'submit_requirements':
      return beforeReview(status) ? NOW_ALLOWED : 'requirements are taken until the work is delivered';
    case 'ask_buyer':
      if (!beforeReview(status)) return 'questions are asked before the delivery';
      return state.question && state.question.answeredAt === null ? 'a question already waits for the buyer’s answer' : NOW_ALLOWED;
    case 'report_progress':
      return inWork(status) ? NOW_ALLOWED : 'progress is reported while the work is in progress';
    case 'deliver':
      if (!inWork(status)) return status === 'awaiting_start' ? 'start work before delivering' : 'the order is not in work';
      return state.cancellation ? 'answer the open cancellation request first' : NOW_ALLOWED;
  }
}

/** Whether the state allows an action now (leaving the payload aside); a message if not. */
function stateRule(state: OrderState, actor: Actor, type: ActionType, now: string, due = decisiveDue(state, now)): string | null {
  const { status } = state;
  if (isFinal(status)) return `the order is ${status}`;
  if (due) return `too late: the ${due.kind.replaceAll('_', ' ')} deadline has passed (${due.outcome})`;
  switch (type) {
    case 'start_work':
      return status === 'awaiting_start' ? NOW_ALLOWED : 'work has already started';
    case 'submit_requirements':
    case 'ask_buyer':
    case 'report_progress':
    case 'deliver':
      return workRule(state, type);
    case 'accept':
    case 'request_revision':
      return status === 'in_review' ? NOW_ALLOWED : 'there is no delivery to review';
    case 'cancel':
      return cancelAloneRule(state, now);
    case 'request_cancellation':
      if (!negotiable(status)) return 'the order cannot be cancelled by request now';
      return state.cancellation ? 'a cancellation request is already open' : NOW_ALLOWED;
    case 'accept_cancellation':
    case 'decline_cancellation':
    case 'withdraw_cancellation':
      return state.cancellation ? NOW_ALLOWED : 'there is no open cancellation request';
    case 'open_dispute':
      return openDisputeRule(state, actor);
    case 'answer_dispute':
    case 'take_case':
    case 'decide_dispute':
      return arbitrationRule(state, actor, type);
    case 'admin_cancel':
      return NOW_ALLOWED;
  }
}

/** The one rule for stored text (workflows/lib/text.ts): text a write could not store is refused here, never retried forever. */
const text = (value: unknown, max: number, field: string): Refusal | null => {
  const refusal = textRefusal(value, field, max);
  return refusal ? invalid(refusal) : null;
};
const invalid = (message: string): Refusal => ({ code: 'invalid_input', message });

/** K-18, K-20: a reason the requester may give, a storable comment, and the no-contact rule. */
function cancellationPayloadRule(state: OrderState, actor: Actor, action: Extract<OrderAction, { type: 'request_cancellation' }>, now: string): Refusal | null {
  const reasons: readonly string[] = cancellationReasons[actor.role as Role];
  if (!reasons.includes(action.reason)) {
    // The other party's reason is one the API's schema takes (its list is both parties'): the rule refuses it, 422; anything else is malformed, 400.
    const theirs = Object.values(cancellationReasons).some((list) => (list as readonly string[]).includes(action.reason));
    return { code: theirs ? 'rule_violation' : 'invalid_input', message: `reason: one of ${reasons.join(', ')}` };
  }
  if (action.comment !== undefined) return text(action.comment, 2_000, 'comment') ?? noContactRule(state, action, now);
  return noContactRule(state, action, now);
}

/** K-20: "no contact with the buyer" needs a question the buyer has left unanswered long enough. */
function noContactRule(state: OrderState, action: Extract<OrderAction, { type: 'request_cancellation' }>, now: string): Refusal | null {
  const p = state.input.policy;
  if (action.reason === 'no_contact_with_buyer') {
    const q = state.question;
    if (!q || q.answeredAt !== null || at(now) < at(q.at) + p.noContactAfterMs) {
      return { code: 'conflict', message: `“no contact with the buyer” opens ${Math.round(p.noContactAfterMs / 3_600_000)} h after a question the buyer has not answered` };
    }
  }
  return null;
}

/** K-13: progress in 10 % squares, with a comment. */
function progressPayloadRule(action: Extract<OrderAction, { type: 'report_progress' }>): Refusal | null {
  if (!Number.isInteger(action.percent) || action.percent < 10 || action.percent > 100 || action.percent % 10 !== 0) {
    return invalid('percent: 10 to 100, in steps of 10');
  }
  return text(action.comment, 2_000, 'comment');
}

function deliveryPayloadRule(action: Extract<OrderAction, { type: 'deliver' }>): Refusal | null {
  const refusal = text(action.text, 5_000, 'text');
  if (refusal) return refusal;
  // The API's rule for a web address (../lib/web-address.ts), at most 2000 characters, as it counts them.
  const link = (l: unknown) => typeof l === 'string' && charCount(l) <= 2_000 && HTTP_URL.test(l) && forbiddenCharacter(l) === null;
  if (!Array.isArray(action.links) || action.links.length > 10 || !action.links.every(link)) {
    return invalid('links: at most 10 http(s) URLs');
  }
  const ids = action.attachmentIds;
  if (ids !== undefined && (!Array.isArray(ids) || ids.length > DELIVERY_MAX_FILES || !ids.every((id) => typeof id === 'string' && ATTACHMENT_ID_SHAPE.test(id)) || new Set(ids).size !== ids.length)) {
    return invalid(`attachmentIds: at most ${DELIVERY_MAX_FILES} attachment ids, each once`);
  }
  return null;
}

/** Whether the payload is well formed and permitted; a refusal if not. */
function payloadRule(state: OrderState, actor: Actor, action: OrderAction, now: string): Refusal | null {
  switch (action.type) {
    case 'submit_requirements':
      return text(action.text, 5_000, 'text');
    case 'ask_buyer':
      return text(action.question, 2_000, 'question');
    case 'report_progress':
      return progressPayloadRule(action);
    case 'deliver':
      return deliveryPayloadRule(action);
    case 'request_revision':
      return text(action.reason, 2_000, 'reason');
    case 'request_cancellation':
      return cancellationPayloadRule(state, actor, action, now);
    case 'open_dispute':
    case 'answer_dispute':
      return text(action.statement, 5_000, 'statement');
    case 'decide_dispute': {
      const terms = disputes.decisionTermsRefusal(action.decision, state.input.totalCents, state.input.policy.maxReturnToWorkDays);
      return text(action.comment, 2_000, 'comment') ?? (terms ? invalid(terms) : null);
    }
    case 'admin_cancel':
      return text(action.reason, 1_000, 'reason');
    default:
      return null;
  }
}

/** Why `actor` may not send `action` now, or null: the actor first (403), then the state (409), then the payload (400). */
export function refusalOf(state: OrderState, args: ActArgs, now: string): Refusal | null {
  const { actor, action } = args;
  if (!action || typeof action !== 'object' || !(action.type in actorRule)) return { code: 'invalid_input', message: 'unknown action type' };
  const wrongActor = actorRule[action.type](actor, state);
  if (wrongActor) return { code: 'forbidden', message: wrongActor };
  const wrongState = stateRule(state, actor, action.type, now);
  if (wrongState) return { code: 'conflict', message: wrongState };
  return payloadRule(state, actor, action, now);
}

/**
 * A party's action with its side named: a `party` sender is the order's buyer or seller. Anyone
 * else is refused `not_found` with no details — the API's answer for an order that is not theirs,
 * which says nothing of it. Staff and sides already named pass unchanged.
 */
export function sideOf(state: OrderState, args: ActArgs | PartyActArgs): ActArgs {
  if (args?.actor?.role !== 'party') return args as ActArgs;
  const { userId } = args.actor;
  const role = userId === state.input.buyer.id ? 'buyer' : userId === state.input.seller.id ? 'seller' : null;
  if (role === null) throw ApplicationFailure.create({ type: 'not_found', message: 'no such order', nonRetryable: true });
  return { actor: { role, userId }, action: args.action };
}

/** The validator: throws the refusal as an `ApplicationFailure` whose type is its code; details carry the current status. */
export function assertCanAct(state: OrderState, args: ActArgs, now: string): void {
  const refusal = refusalOf(state, args, now);
  if (refusal) {
    throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, nonRetryable: true, details: [{ status: state.status }] });
  }
}

/** The action types `viewer` may send now (payload aside). Staff are assumed to hold every staff role; the API checks theirs. */
export function allowedActions(state: OrderState, viewer: Viewer, now: string): ActionType[] {
  const actor: Actor = viewer === 'staff' ? { role: 'staff', userId: 0, staffRoles: ['arbiter', 'admin', 'support'] } : { role: viewer, userId: 0 };
  if (isFinal(state.status)) return [];
  const due = decisiveDue(state, now);
  return (Object.keys(actorRule) as ActionType[]).filter((type) => {
    if (actorRule[type](actor, state) !== null) return false;
    // A staff viewer's decision is shown as allowed to whoever took the case (checked on send).
    if (type === 'decide_dispute' && state.dispute?.arbiterId) actor.userId = state.dispute.arbiterId;
    return stateRule(state, actor, type, now, due) === null;
  });
}

// ───────────────────────────── messages (D-03) ─────────────────────────────

/**
 * Why a party's message cannot count for the order now, or null: a message comes from the buyer
 * or the seller; an order that is over, or whose decisive deadline has passed (its timer wins,
 * as for any action), takes no more activity.
 */
export function messageRefusal(state: OrderState, args: MessageArgs, now: string): Refusal | null {
  const role = args?.actor?.role;
  if (role !== 'buyer' && role !== 'seller') return { code: 'forbidden', message: 'only the buyer or the seller writes in the order’s conversation' };
  if (!isId(args.messageId)) return invalid('messageId: a message id');
  const wrongState = isFinal(state.status) ? `the order is ${state.status}` : null;
  const due = wrongState ? undefined : decisiveDue(state, now);
  if (wrongState || due) return { code: 'conflict', message: wrongState ?? `too late: the ${due!.kind.replaceAll('_', ' ')} deadline has passed (${due!.outcome})` };
  return null;
}

/** The `message` Update's validator: the refusal as an `ApplicationFailure`, with the current status. */
export function assertCanMessage(state: OrderState, args: MessageArgs, now: string): void {
  const refusal = messageRefusal(state, args, now);
  if (refusal) throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, nonRetryable: true, details: [{ status: state.status }] });
}

/**
 * D-03: a party's message is the order's activity: K-11's 14 days count from it. K-20: the
 * buyer's message answers the seller's open question (its `answeredAt`), which closes the way to
 * "no contact with the buyer". A message is no event of the timeline (the conversation is its
 * record) unless it answers the question; it notifies nobody here (the conversation does, K-70).
 */
export function messaged(state: OrderState, args: MessageArgs, now: string): Transition {
  const seq = state.seq + 1;
  const q = state.question;
  const answers = args.actor.role === 'buyer' && q !== null && q.answeredAt === null;
  const next: OrderState = answers
    ? {
        ...state,
        question: { ...q, answeredAt: now },
        timeline: [...state.timeline, { at: now, by: 'buyer', event: 'question_answered', text: 'The buyer answered the question in the conversation' }],
      }
    : state;
  return { state: { ...next, seq, lastActivityAt: now }, effects: { seq, money: null, notices: [], violation: null } };
}

// ───────────────────────────── transitions ─────────────────────────────

function step(
  state: OrderState,
  now: string,
  by: TimelineEntry['by'],
  event: string,
  text: string,
  change: Partial<OrderState>,
  effects: Partial<Omit<Effects, 'seq'>> = {},
): Transition {
  const seq = state.seq + 1;
  const next: OrderState = {
    ...state,
    ...change,
    seq,
    timeline: [...state.timeline, { at: now, by, event, text }],
    lastActivityAt: by === 'system' ? state.lastActivityAt : now,
  };
  // Each event is news for the other party (and both, for what a timer or staff did), never for who did it.
  const notices = (effects.notices ?? []).filter((n) => n.to !== by);
  return { state: next, effects: { seq, money: effects.money ?? null, notices, violation: effects.violation ?? null } };
}

/** The escrow's end in cents, as the ledger computes it (same rounding). */
function closureOf(state: OrderState, kind: Closure['kind'], reason: string, now: string, money: MoneyMove, feedbackAllowed: boolean): Closure {
  const total = state.input.totalCents;
  const toSellerGross = money.op === 'release' ? total : money.op === 'split' ? money.sellerAmountCents : 0;
  const { seller, commission } = splitCommission(toSellerGross, state.input.policy.commissionBps);
  return { kind, reason, at: now, feedbackAllowed, toSellerCents: seller, commissionCents: commission, refundedCents: total - toSellerGross };
}

const closedChange = (closure: Closure): Partial<OrderState> => ({
  status: closure.kind,
  closure,
  cancellation: null,
});

function cancelled(state: OrderState, now: string, by: TimelineEntry['by'], reason: string, text: string, feedbackAllowed: boolean, extra: Partial<Omit<Effects, 'seq'>> = {}): Transition {
  const money: MoneyMove = { op: 'refund' };
  const closure = closureOf(state, 'cancelled', reason, now, money, feedbackAllowed);
  return step(state, now, by, 'cancelled', text, closedChange(closure), {
    money,
    notices: [
      { to: 'buyer', kind: 'order_cancelled', text: `${text} ${formatUsd(state.input.totalCents)} is back on your balance.` },
      { to: 'seller', kind: 'order_cancelled', text },
    ],
    ...extra,
  });
}

function completed(state: OrderState, now: string, by: TimelineEntry['by'], reason: string, text: string): Transition {
  const money: MoneyMove = { op: 'release' };
  const closure = closureOf(state, 'completed', reason, now, money, true);
  return step(state, now, by, 'completed', text, closedChange(closure), {
    money,
    notices: [
      { to: 'seller', kind: 'order_completed', text: `${text} ${formatUsd(closure.toSellerCents)} is on your balance.` },
      { to: 'buyer', kind: 'order_completed', text: `${text} You may leave feedback.` },
    ],
  });
}

const tell = (to: Notice['to'], kind: string, text: string): Notice => ({ to, kind, text });

/** K-19, K-20: a cancellation reason counts against the seller unless sufficient: the buyer's own reasons, or the seller's before work or for no contact. */
export function isSufficient(state: OrderState, by: Role, reason: CancellationReason): boolean {
  if (by === 'buyer') return reason === 'no_longer_needed' || reason === 'ordered_by_mistake';
  if (reason === 'no_contact_with_buyer') return true;
  return state.status === 'awaiting_start' && (reason === 'cannot_do_task' || reason === 'buyer_requirements_unclear');
}

type ActionOf<K extends ActionType> = Extract<OrderAction, { type: K }>;
type OnAction<K extends ActionType> = (state: OrderState, action: ActionOf<K>, actor: Actor, now: string) => Transition;

/** The work itself: starting, requirements, questions, progress, delivery and the buyer's review. */
const onWork: { [K in 'start_work' | 'submit_requirements' | 'ask_buyer' | 'report_progress' | 'deliver' | 'accept' | 'request_revision']: OnAction<K> } = {
  start_work(state, _action, actor, now) {
    const started = startClock({ ...state, workStartedAt: now }, now);
    return step(started, now, actor.role, 'work_started', `Work started; due ${started.deadline}`, { status: 'in_progress' }, {
      notices: [tell('buyer', 'work_started', `The seller started work on “${state.input.offer.title}”, due ${started.deadline}.`)],
    });
  },
  submit_requirements(state, action, actor, now) {
    const answered = state.question && state.question.answeredAt === null ? { ...state.question, answeredAt: now } : state.question;
    const clocked = startClock({ ...state, requirements: action.text, question: answered }, now);
    return step(clocked, now, actor.role, 'requirements', 'Requirements submitted', {}, {
      notices: [tell('seller', 'requirements', `The buyer submitted the requirements${clocked.deadline ? `; the work is due ${clocked.deadline}` : ''}.`)],
    });
  },
  ask_buyer: (state, action, actor, now) =>
    step(state, now, actor.role, 'question', `Question to the buyer: ${action.question}`, { question: { text: action.question, at: now, answeredAt: null } }, {
      notices: [tell('buyer', 'question', `The seller asks: ${action.question}`)],
    }),
  report_progress: (state, action, actor, now) =>
    step(state, now, actor.role, 'progress', `Progress ${action.percent} %: ${action.comment}`, { progress: { percent: action.percent, comment: action.comment, at: now } }, {
      notices: [tell('buyer', 'progress', `Progress ${action.percent} %: ${action.comment}`)],
    }),
  deliver(state, action, actor, now) {
    // Files only when there are some: a delivery without files is recorded (and shown) as before K-69's files.
    const files = action.attachmentIds ?? [];
    const delivery: Delivery = { at: now, text: action.text, links: action.links, ...(files.length ? { attachmentIds: [...files] } : {}) };
    const deliveries = [...state.deliveries, delivery];
    const change = { status: 'in_review' as const, deliveries, reviewRemindedAt: null, declinedCancellation: null, reviewPausedMs: 0 };
    const count = (n: number, noun: string) => (n === 0 ? '' : `${n} ${noun}${n === 1 ? '' : 's'}`);
    const counts = [count(action.links.length, 'link'), count(files.length, 'file')].filter(Boolean);
    return step(state, now, actor.role, 'delivered', `Delivered${counts.length ? ` (${counts.join(', ')})` : ''}`, change, {
      notices: [tell('buyer', 'delivered', `The work is delivered. Accept it or ask for a revision by ${iso(autoAcceptAt(now, state.input.policy))}, else it is accepted automatically.`)],
    });
  },
  accept: (state, _action, actor, now) => completed(state, now, actor.role, 'accepted', 'The buyer accepted the work.'),
  request_revision(state, action, actor, now) {
    const deadline = iso(at(now) + state.input.policy.revisionMs);
    const change = { status: 'in_progress' as const, deadline, revisionCount: state.revisionCount + 1, progress: null, progressRemindedAt: now };
    return step(state, now, actor.role, 'revision', `Revision requested: ${action.reason}`, change, {
      notices: [tell('seller', 'revision', `The buyer asks for a revision: ${action.reason}. New deadline ${deadline}.`)],
    });
  },
};

/** Cancelling: alone (K-16, K-12), by request and answer (K-18), or by staff (K-21). */
const onCancel: { [K in 'cancel' | 'request_cancellation' | 'accept_cancellation' | 'decline_cancellation' | 'withdraw_cancellation' | 'admin_cancel']: OnAction<K> } = {
  cancel: (state, _action, actor, now) =>
    isLate(state, now)
      ? cancelled(state, now, actor.role, 'not_done_on_time', 'The buyer cancelled: not done on time.', true)
      : cancelled(state, now, actor.role, 'buyer_free_cancel', 'The buyer cancelled within the free-cancellation window.', false),
  request_cancellation(state, action, actor, now) {
    const role = actor.role as Role;
    const request = cancellation.requestCancellation(role, action.reason, action.comment, isSufficient(state, role, action.reason), now);
    const until = cancellation.answerDueIso(request, state.input.policy.cancellationAnswerMs);
    return step(state, now, actor.role, 'cancellation_requested', `Cancellation requested: “${cancellationReasonWords[action.reason]}”`, { cancellation: request }, {
      notices: [tell(other(role), 'cancellation_requested', `The ${role} asks to cancel: “${cancellationReasonWords[action.reason]}”. Accept or decline by ${until}, else the order is cancelled.`)],
    });
  },
  accept_cancellation(state, _action, actor, now) {
    const r = state.cancellation!;
    return cancelled(state, now, actor.role, r.reason, `Cancelled by agreement: “${cancellationReasonWords[r.reason]}”.`, !r.sufficient);
  },
  decline_cancellation(state, _action, actor, now) {
    const r = state.cancellation!;
    return step(state, now, actor.role, 'cancellation_declined', 'Cancellation request declined', { cancellation: null, declinedCancellation: r, ...requestClosed(state, now) }, {
      notices: [tell(r.by, 'cancellation_declined', `Your cancellation request was declined. You may open a dispute.`)],
    });
  },
  withdraw_cancellation(state, _action, actor, now) {
    const r = state.cancellation!;
    return step(state, now, actor.role, 'cancellation_withdrawn', 'Cancellation request withdrawn', { cancellation: null, ...requestClosed(state, now) }, {
      notices: [tell(cancellation.answerer(r), 'cancellation_withdrawn', 'The cancellation request was withdrawn.')],
    });
  },
  admin_cancel: (state, action, actor, now) => cancelled(state, now, actor.role, 'admin', `Cancelled by staff: ${action.reason}.`, false),
};

function caseText(state: OrderState): string {
  return `Order ${state.input.orderId} (“${state.input.offer.title}”, ${formatUsd(state.input.totalCents)}) waits for an arbiter.`;
}

/** Disputes and arbitration (K-15, K-23, D-05). */
const onDispute: { [K in 'open_dispute' | 'answer_dispute' | 'take_case' | 'decide_dispute']: OnAction<K> } = {
  open_dispute(state, action, actor, now) {
    const role = actor.role as Role;
    const dispute = disputes.openDispute(role, action.statement, now);
    const by = iso(at(now) + state.input.policy.disputeAnswerMs);
    return step(state, now, actor.role, 'dispute_opened', `Dispute opened by the ${role}`, { status: 'arbitration', dispute, declinedCancellation: null }, {
      notices: [tell(other(role), 'dispute_opened', `The ${role} opened a dispute. Give your statement by ${by}.`)],
    });
  },
  answer_dispute(state, action, actor, now) {
    const dispute = disputes.answered(state.dispute!, action.statement, now);
    return step(state, now, actor.role, 'dispute_answered', `The ${actor.role} answered the dispute`, { dispute }, {
      notices: [tell(state.dispute!.openedBy, 'dispute_answered', 'The other party answered the dispute; an arbiter will decide.'), tell('arbiters', 'case_ready', caseText(state))],
    });
  },
  take_case(state, _action, actor, now) {
    const dispute = disputes.taken(state.dispute!, actor.userId, now);
    return step(state, now, actor.role, 'case_taken', 'An arbiter took the case', { dispute }, {
      notices: [tell('buyer', 'case_taken', 'An arbiter took your case.'), tell('seller', 'case_taken', 'An arbiter took your case.')],
    });
  },
  decide_dispute: (state, action, _actor, now) => decide(state, action.decision, action.comment, now),
};

const onAction: { [K in ActionType]: OnAction<K> } = { ...onWork, ...onCancel, ...onDispute };

/** Applies an action the validator accepted. */
export function act(state: OrderState, args: ActArgs, now: string): Transition {
  const handler = onAction[args.action.type] as OnAction<ActionType>;
  return handler(state, args.action as never, args.actor, now);
}

function decide(state: OrderState, decision: ArbitrationDecision, comment: string, now: string): Transition {
  // A dispute that ended in a decision always leaves the buyer their say.
  const feedbackAllowed = true;
  switch (decision.kind) {
    case 'refund_buyer':
      return cancelled(state, now, 'staff', 'arbitration', `The arbiter refunded the buyer: ${comment}.`, feedbackAllowed);
    case 'pay_seller':
      return completed(state, now, 'staff', 'arbitration', `The arbiter paid the seller: ${comment}.`);
    case 'split': {
      const money: MoneyMove = { op: 'split', sellerAmountCents: decision.sellerAmountCents };
      // Policy 3: a split ends as what it is; before, it ended as `cancelled`.
      const kind = state.input.policy.splitStatus === true ? 'split' : 'cancelled';
      const closure = closureOf(state, kind, 'arbitration', now, money, feedbackAllowed);
      const text = `The arbiter split the order: ${formatUsd(decision.sellerAmountCents)} to the seller, ${formatUsd(closure.refundedCents)} back to the buyer: ${comment}.`;
      return step(state, now, 'staff', kind, text, closedChange(closure), {
        money,
        notices: [tell('buyer', 'dispute_decided', text), tell('seller', 'dispute_decided', text)],
      });
    }
    case 'return_to_work':
      return returnedToWork(state, decision.days, comment, now);
  }
}

/** D-05: the arbiter sends the order back to work with a new deadline; nothing is paid yet. */
function returnedToWork(state: OrderState, days: number, comment: string, now: string): Transition {
  const deadline = iso(at(now) + days * DAY);
  const text = `The arbiter returned the order to work, due ${deadline}: ${comment}.`;
  return step(state, now, 'staff', 'returned_to_work', text, {
    status: 'in_progress',
    deadline,
    workStartedAt: state.workStartedAt ?? now,
    workClockStartedAt: state.workClockStartedAt ?? now,
    progressRemindedAt: now,
    dispute: null,
    // The parties' silence during arbitration was not theirs to break: the 14 days start again.
    lastActivityAt: now,
  }, { notices: [tell('buyer', 'dispute_decided', text), tell('seller', 'dispute_decided', text)] });
}

type OnDeadline = (state: OrderState, now: string) => Transition;

/** What each deadline does when nobody acted in time. */
const onDeadlineKind: Record<PendingDeadline['kind'], OnDeadline> = {
  start: (state, now) =>
    cancelled(state, now, 'system', 'seller_ignored', 'Cancelled: the seller did not start work within 24 hours.', true, { violation: 'ignored_order' }),
  work_deadline: (state, now) =>
    step(state, now, 'system', 'late', 'The deadline passed without a delivery: the order is late', { status: 'late' }, {
      notices: [
        tell('buyer', 'late', `“${state.input.offer.title}” is late. You may cancel it with a full refund, or wait for the delivery.`),
        tell('seller', 'late', `“${state.input.offer.title}” is late: deliver as soon as you can; the buyer may now cancel.`),
      ],
    }),
  progress_reminder: (state, now) =>
    step(state, now, 'system', 'progress_reminder', 'The seller was reminded to report progress', { progressRemindedAt: now }, {
      notices: [tell('seller', 'progress_reminder', `No progress report on “${state.input.offer.title}” for a while: tell the buyer how it goes.`)],
    }),
  review_reminder(state, now) {
    const auto = iso(autoAcceptAt(state.deliveries[state.deliveries.length - 1]!.at, state.input.policy, state.reviewPausedMs ?? 0));
    return step(state, now, 'system', 'review_reminder', 'The buyer was reminded to review', { reviewRemindedAt: now }, {
      notices: [tell('buyer', 'review_reminder', `Review the delivery of “${state.input.offer.title}”: it is accepted automatically at ${auto}.`)],
    });
  },
  review: (state, now) => completed(state, now, 'system', 'auto_accepted', 'The delivery was accepted automatically after the review period.'),
  inactivity: (state, now) => cancelled(state, now, 'system', 'inactivity', 'Cancelled: no activity by either party for 14 days.', state.status === 'late'),
  cancellation_answer(state, now) {
    const r = state.cancellation!;
    return cancelled(state, now, 'system', r.reason, `Cancelled: the cancellation request (“${cancellationReasonWords[r.reason]}”) was not answered in time.`, !r.sufficient);
  },
  dispute_answer: (state, now) =>
    step(state, now, 'system', 'dispute_ready', 'No answer to the dispute in time: the case goes to an arbiter', { dispute: disputes.readyUnanswered(state.dispute!, now) }, {
      notices: [tell('arbiters', 'case_ready', caseText(state))],
    }),
  arbitration_decision: (state, now) =>
    step(state, now, 'system', 'arbitration_overdue', 'No arbiter decision in time: admins were alerted', { dispute: disputes.overdueAlerted(state.dispute!, now) }, {
      notices: [tell('admins', 'arbitration_overdue', `${caseText(state)} No decision within ${state.input.policy.arbitrationBusinessDays} business days.`)],
    }),
};

/** Applies what a deadline does when nobody acted in time. */
export function onDeadline(state: OrderState, deadline: PendingDeadline, now: string): Transition {
  return onDeadlineKind[deadline.kind](state, now);
}

/** The placement's transaction rolled back: nothing to do and no money to move. */
export function voided(state: OrderState, now: string): OrderState {
  return { ...state, status: 'void', timeline: [...state.timeline, { at: now, by: 'system', event: 'void', text: 'The placement did not complete: no order' }] };
}

// ───────────────────────────── reading ─────────────────────────────

/** The order as `viewer` sees it; no viewer (null): the view the database stores, with no actions. */
export function viewOf(state: OrderState, viewer: Viewer | null, now: string): OrderView {
  const { input } = state;
  const { seller, commission } = splitCommission(input.totalCents, input.policy.commissionBps);
  const pending = deadlinesOf(state);
  const deadlines = pending.filter((d) => !isReminder(d));
  return {
    orderId: input.orderId,
    status: state.status,
    buyer: input.buyer,
    seller: input.seller,
    offer: input.offer,
    line: input.line,
    amounts: { totalCents: input.totalCents, sellerEarningsCents: seller, commissionCents: commission },
    leadTimeMs: input.leadTimeMs,
    placedAt: input.placedAt,
    requirements: state.requirements,
    workClockStartedAt: state.workClockStartedAt,
    workStartedAt: state.workStartedAt,
    deadline: state.deadline,
    progress: state.progress,
    question: state.question,
    deliveries: state.deliveries,
    revisionCount: state.revisionCount,
    cancellation: state.cancellation,
    declinedCancellation: state.declinedCancellation,
    dispute: state.dispute,
    closure: state.closure,
    deadlines,
    nextDeadline: deadlines[0] ?? null,
    reminders: pending.filter(isReminder),
    allowedActions: viewer === null ? [] : allowedActions(state, viewer, now),
    timeline: state.timeline,
    lastActivityAt: state.lastActivityAt,
    policyVersion: input.policy.version,
  };
}
