/**
 * The rules of one estimated job (W-01…W-14, D-03, D-06), as pure functions over plain state:
 * which Update each state allows and to whom (`*Refusal`: `invalid_input` for malformed
 * arguments, `not_found` for a caller who is not the job's party, `conflict` for what the state
 * does not allow, `rule_violation` for a decision a rule forbids), the pending deadlines, and
 * what every event changes — the new state and the effects to write (the read model, money,
 * notices, the job conversation's participants, the approval's invoice and affiliate writes).
 *
 *   awaiting_verification ─activated─▶ open ─claim─▶ estimating ─estimate─▶ estimated ─pay─▶ in_progress ─deliver─▶ delivered
 *        └─ timeout: expired            │ (install: pay, then claim ─▶ in_progress)  │ reject ─▶ estimating      │
 *                                       │                                  └─ valid time: expired               │
 *   in_progress / delivered ─approve (delivered: also auto, W-13)─▶ approved
 *   before payment ─cancel─▶ cancelled; after it ─cancel─▶ cancellation_requested ─staff─▶ cancelled (full / partial / none) or back
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { addBusinessHours, autoApproveAt, reminderAt, type BusinessCalendar } from '../lib/business-days.js';
import type { ErrorCode } from '../lib/errors.js';
import { isId } from '../lib/ids.js';
import { formatUsd } from '../lib/money.js';
import { judgesOwnCase } from '../lib/own-case.js';
import { textRefusal } from '../lib/text.js';
import { iso, msOf } from '../lib/time.js';
import type {
  ApproveArgs,
  AskDifferentExpertArgs,
  CancelArgs,
  CancellationView,
  ClaimArgs,
  DecideCancellationArgs,
  DeliverArgs,
  EstimateArgs,
  EstimateView,
  ExpertTurn,
  JobActor,
  JobEvent,
  JobInput,
  JobMessageArgs,
  JobStatus,
  JobView,
  JobViewer,
  PayArgs,
  ReassignArgs,
  RejectEstimateArgs,
} from './messages.js';
import type { JobPolicy } from './policy.js';

/** Everything the workflow keeps (plain JSON); timestamps are ISO strings of workflow time. */
export interface JobState {
  input: Omit<JobInput, 'policy' | 'calendar'>;
  policy: JobPolicy;
  calendar: BusinessCalendar;
  status: JobStatus;
  expertId: number | null;
  experts: ExpertTurn[];
  differentExpertAsked: { reason: string; at: string } | null;
  estimates: EstimateView[];
  escrowCents: number;
  paidCents: number;
  /** The estimate paid (0: the install's fixed price), once paid. */
  paidEstimateNumber: number | null;
  /** W-01: an unverified job expires unactivated at this instant. */
  verificationExpiresAt: string | null;
  /** W-06: an unpaid install expires at this instant (the install's price is valid as long as an estimate, W-07). */
  installPayableUntil: string | null;
  firstAnswerDueAt: string | null;
  firstAnsweredAt: string | null;
  /** W-02: staff were told that the first answer is late (once). */
  firstAnswerAlertedAt: string | null;
  paidAt: string | null;
  deliveredAt: string | null;
  /** W-11: the current expert wrote in the conversation after the payment (work started). */
  expertWroteAfterPayment: boolean;
  lastClientActivityAt: string | null;
  autoApproveAt: string | null;
  remindAt: string | null;
  /** The reminder of the current count was sent (a new client activity starts a new count). */
  reminded: boolean;
  approvedAt: string | null;
  approvedBy: 'client' | 'auto' | null;
  cancellation: CancellationView | null;
  /** Where a refused cancellation goes back to. */
  statusBeforeCancellation: JobStatus | null;
  closedAt: string | null;
  history: JobEvent[];
  /** The number of the last write: each carries it, so a retried or late write changes nothing twice. */
  seq: number;
}

/** New notification kinds of the job (db/schema/mail.ts lists the ones a user routes). */
export const jobNoticeKinds = [
  'job_claimed',
  'job_estimated',
  'job_estimate_rejected',
  'job_paid',
  'job_delivered',
  'job_approval_reminder',
  'job_approved',
  'job_reassigned',
  'job_cancellation_requested',
  'job_cancellation_refused',
  'job_cancelled',
  'job_expired',
] as const;
/** Staff's notices: always in the app and by email to every admin (like the order's staff notices). */
export const jobStaffNoticeKinds = ['job_first_answer_missed', 'job_expert_change_asked', 'job_cancellation_to_decide'] as const;
export type JobNoticeKind = (typeof jobNoticeKinds)[number] | (typeof jobStaffNoticeKinds)[number];

/** A notice to one user, or to every admin (`staff`). */
export interface Notice {
  to: number | 'staff';
  kind: JobNoticeKind;
  text: string;
}

/** How the escrow ends (W-08, W-11, W-12): each once, keyed by the job. */
export type JobMoney =
  | { op: 'release'; expertId: number; commissionBps: number }
  | { op: 'refund' }
  | { op: 'split'; expertId: number; refundCents: number; commissionBps: number };

/** What a transition asks the effects activity to write. */
export interface Effects {
  seq: number;
  notices: Notice[];
  money: JobMoney | null;
  /** W-09, W-10: an expert who joins the job conversation (created with the job if missing). */
  joins: number | null;
  /** W-14: the job is approved: invoice, affiliate assignment (W-23) and commission (W-25), with the release. */
  approval: { at: string; totalCents: number } | null;
}

export interface Transition {
  state: JobState;
  effects: Effects;
}

/** The deadlines a job can wait for; the soonest is the one timer. */
export type JobDeadline =
  | { at: string; what: 'verification_expiry' }
  | { at: string; what: 'first_answer' }
  | { at: string; what: 'estimate_expiry' }
  | { at: string; what: 'install_expiry' }
  | { at: string; what: 'reminder' }
  | { at: string; what: 'auto_approve' };

const finalStatuses: readonly JobStatus[] = ['approved', 'cancelled', 'expired'];

/** The statuses a job ends in: its workflow has closed (the API reads them from the row). */
export const isFinalStatus = (status: JobStatus): boolean => finalStatuses.includes(status);

export function isFinal(state: JobState): boolean {
  return isFinalStatus(state.status);
}

/** W-04: quarter hours × the hourly rate ÷ 4, in integer cents (rounded half up for a rate not divisible by 4). */
export function priceOf(quarterHours: number, policy: JobPolicy): number {
  return Math.round((quarterHours * policy.hourlyRateCents) / 4);
}

/** The estimate the client may pay now (the newest, unless rejected), or null. */
export function currentEstimate(state: JobState): EstimateView | null {
  const last = state.estimates.at(-1);
  return last && last.rejectedReason === null ? last : null;
}

/** What the client pays or paid: the install's price, or the current (or paid) estimate's. */
export function priceCentsOf(state: JobState): number | null {
  if (state.input.install) return state.input.install.priceCents;
  if (state.paidEstimateNumber !== null) return state.paidCents;
  return currentEstimate(state)?.priceCents ?? null;
}

const paid = (state: JobState) => state.paidEstimateNumber !== null;

// ───────────────────────────── start ─────────────────────────────

export function initialState(input: JobInput): JobState {
  const { policy, calendar, ...rest } = input;
  const state: JobState = {
    input: rest,
    policy,
    calendar,
    status: 'awaiting_verification',
    expertId: null,
    experts: [],
    differentExpertAsked: null,
    estimates: [],
    escrowCents: 0,
    paidCents: 0,
    paidEstimateNumber: null,
    verificationExpiresAt: null,
    installPayableUntil: null,
    firstAnswerDueAt: null,
    firstAnsweredAt: null,
    firstAnswerAlertedAt: null,
    paidAt: null,
    deliveredAt: null,
    expertWroteAfterPayment: false,
    lastClientActivityAt: null,
    autoApproveAt: null,
    remindAt: null,
    reminded: false,
    approvedAt: null,
    approvedBy: null,
    cancellation: null,
    statusBeforeCancellation: null,
    closedAt: null,
    history: [{ at: input.orderedAt, kind: 'ordered', actor: { role: 'client', userId: input.clientId }, text: `Ordered “${input.title}” (${input.urgency})` }],
    seq: 0,
  };
  if (input.clientVerified) return enterQueue(state, input.orderedAt);
  return { ...state, verificationExpiresAt: iso(msOf(input.orderedAt) + policy.verificationTimeoutMs) };
}

/** W-02: the first expert answer is due this many business hours after `at`. */
function firstAnswerDue(state: JobState, at: string): string {
  return addBusinessHours(at, state.policy.firstAnswerBusinessHours[state.input.urgency], state.policy.businessHours, state.calendar);
}

/**
 * The job is visible to experts (W-01: once verified). An estimate job enters the queue now and
 * its first answer is due (W-02); an install (W-06) waits for its payment, which is what puts it
 * in front of the experts, and may be paid as long as an estimate (W-07).
 */
function enterQueue(state: JobState, at: string): JobState {
  const next: JobState = { ...state, status: 'open', verificationExpiresAt: null };
  if (state.input.install) return { ...next, installPayableUntil: iso(msOf(at) + state.policy.estimateValidMs) };
  return { ...next, firstAnswerDueAt: firstAnswerDue(state, at) };
}

// ───────────────────────────── deadlines ─────────────────────────────

/** Every pending deadline of the state (not sorted). */
export function deadlines(state: JobState): JobDeadline[] {
  if (isFinal(state)) return [];
  const out: JobDeadline[] = [];
  if (state.status === 'awaiting_verification' && state.verificationExpiresAt) out.push({ at: state.verificationExpiresAt, what: 'verification_expiry' });
  if (state.firstAnswerDueAt && !state.firstAnsweredAt && !state.firstAnswerAlertedAt && state.status !== 'cancellation_requested') {
    out.push({ at: state.firstAnswerDueAt, what: 'first_answer' });
  }
  if (state.status === 'estimated') {
    const estimate = currentEstimate(state);
    if (estimate) out.push({ at: estimate.validUntil, what: 'estimate_expiry' });
  }
  if (state.status === 'open' && state.installPayableUntil && !paid(state)) out.push({ at: state.installPayableUntil, what: 'install_expiry' });
  if (state.status === 'delivered' && state.autoApproveAt) {
    if (state.remindAt && !state.reminded) out.push({ at: state.remindAt, what: 'reminder' });
    out.push({ at: state.autoApproveAt, what: 'auto_approve' });
  }
  return out;
}

/** The soonest pending deadline, or null. */
export function nextDeadline(state: JobState): JobDeadline | null {
  let soonest: JobDeadline | null = null;
  for (const d of deadlines(state)) if (soonest === null || msOf(d.at) < msOf(soonest.at)) soonest = d;
  return soonest;
}

/** What a deadline does when it falls due. */
export function onDeadline(state: JobState, deadline: JobDeadline, now: string): Transition {
  switch (deadline.what) {
    case 'verification_expiry':
      return expire(state, now, 'The account was not activated in time, so the job was not sent to the experts (W-01).');
    case 'estimate_expiry':
      return expire(state, now, `Estimate #${currentEstimate(state)?.number} was not paid in time (W-07).`);
    case 'install_expiry':
      return expire(state, now, 'The installation was not paid in time (W-06).');
    case 'first_answer':
      return firstAnswerMissed(state, now);
    case 'reminder':
      return remind(state, now);
    case 'auto_approve':
      return approve(state, now, 'auto');
  }
}

/** The timer's name in the Temporal UI. */
export function timerSummary(jobId: number, deadline: JobDeadline): string {
  return `job ${jobId}: ${deadline.what.replaceAll('_', ' ')} at ${deadline.at}`;
}

// ───────────────────────────── refusals ─────────────────────────────

export interface Refusal {
  code: ErrorCode;
  message: string;
}

const invalid = (message: string): Refusal => ({ code: 'invalid_input', message });
const conflict = (message: string): Refusal => ({ code: 'conflict', message });
const notFound: Refusal = { code: 'not_found', message: 'no such job' };
const isObject = (args: unknown): args is Record<string, unknown> => typeof args === 'object' && args !== null;
const textOf = (state: JobState, value: unknown, field: string): Refusal | null => {
  const refusal = textRefusal(value, field, state.policy.maxTextChars);
  return refusal ? invalid(refusal) : null;
};
const notClient = (state: JobState, clientId: unknown): Refusal | null => (clientId === state.input.clientId ? null : notFound);
/** Version 2: staff who are the job's client or expert do not act on it as staff (nobody judges their own case). */
const ownCase = (state: JobState, staffId: number): Refusal | null =>
  judgesOwnCase(state.policy, staffId, [state.input.clientId, state.expertId])
    ? { code: 'forbidden', message: 'staff do not act as staff on a job they are a party to: another staff member does' }
    : null;
const statusIs = (state: JobState, allowed: readonly JobStatus[], what: string): Refusal | null =>
  allowed.includes(state.status) ? null : conflict(`${what} is not possible: the job is ${state.status.replaceAll('_', ' ')}`);

/** An expert claims an open job: an estimate job at once, an install once paid (W-06); never their own. */
export function claimRefusal(state: JobState, args: ClaimArgs): Refusal | null {
  if (!isObject(args) || !isId(args.expertId)) return invalid('expertId: a user id');
  const wrong = statusIs(state, ['open'], 'claiming');
  if (wrong) return wrong;
  if (args.expertId === state.input.clientId) return { code: 'rule_violation', message: 'you cannot take your own job' };
  if (state.input.install && !paid(state)) return conflict('the installation is claimed once the client has paid it (W-06)');
  return null;
}

/** W-04, W-05: the current expert estimates while estimating: quarter hours 1…max, a plan, fitsBudget exactly when there is a budget. */
export function estimateRefusal(state: JobState, args: EstimateArgs): Refusal | null {
  if (!isObject(args) || !isId(args.expertId)) return invalid('expertId: a user id');
  const q = args.quarterHours;
  if (!Number.isSafeInteger(q) || (q as number) < 1 || (q as number) > state.policy.maxQuarterHours) {
    return invalid(`quarterHours: a whole number of quarter hours from 1 to ${state.policy.maxQuarterHours}`);
  }
  const plan = textOf(state, args.plan, 'plan');
  if (plan) return plan;
  if (state.input.budgetCents === null ? args.fitsBudget !== null : typeof args.fitsBudget !== 'boolean') {
    return invalid('fitsBudget: true or false when the client gave a budget, else null (W-05)');
  }
  if (args.expertId !== state.expertId) return notFound;
  return statusIs(state, ['estimating'], 'estimating');
}

/** W-07, W-08: the client pays the current estimate (or the install, number 0); a stale number is refused. */
export function payRefusal(state: JobState, args: PayArgs): Refusal | null {
  if (!isObject(args) || !isId(args.clientId) || !Number.isSafeInteger(args.estimateNumber) || (args.estimateNumber as number) < 0) {
    return invalid('clientId: a user id; estimateNumber: a whole number ≥ 0');
  }
  const who = notClient(state, args.clientId);
  if (who) return who;
  if (paid(state)) return conflict('the job is paid already');
  if (state.input.install) {
    if (args.estimateNumber !== 0) return conflict('an installation is paid at its fixed price: estimateNumber 0 (W-06)');
    return statusIs(state, ['open'], 'paying');
  }
  const wrong = statusIs(state, ['estimated'], 'paying');
  if (wrong) return wrong;
  const estimate = currentEstimate(state)!;
  if (args.estimateNumber !== estimate.number) return conflict(`estimate #${args.estimateNumber} is not the one to pay: #${estimate.number} is`);
  return null;
}

/** W-11: the client rejects the estimate waiting for payment, with a reason. */
export function rejectEstimateRefusal(state: JobState, args: RejectEstimateArgs): Refusal | null {
  if (!isObject(args) || !isId(args.clientId)) return invalid('clientId: a user id');
  const reason = textOf(state, args.reason, 'reason');
  if (reason) return reason;
  return notClient(state, args.clientId) ?? statusIs(state, ['estimated'], 'rejecting the estimate');
}

/** W-10: the client asks for a different expert (there is one, and no request is pending). */
export function askDifferentExpertRefusal(state: JobState, args: AskDifferentExpertArgs): Refusal | null {
  if (!isObject(args) || !isId(args.clientId)) return invalid('clientId: a user id');
  const reason = textOf(state, args.reason, 'reason');
  if (reason) return reason;
  const who = notClient(state, args.clientId);
  if (who) return who;
  const wrong = statusIs(state, ['estimating', 'estimated', 'in_progress', 'delivered'], 'asking for a different expert');
  if (wrong) return wrong;
  if (state.differentExpertAsked) return conflict('a different expert was asked for already: staff are on it');
  return null;
}

/** W-10: staff give the job to another expert (not the current one, not the client). */
export function reassignRefusal(state: JobState, args: ReassignArgs): Refusal | null {
  if (!isObject(args) || !isId(args.staffId) || !isId(args.expertId)) return invalid('staffId, expertId: user ids');
  const note = textOf(state, args.note, 'note');
  if (note) return note;
  const own = ownCase(state, args.staffId);
  if (own) return own;
  const wrong = statusIs(state, ['estimating', 'estimated', 'in_progress', 'delivered'], 'reassigning');
  if (wrong) return wrong;
  if (args.expertId === state.expertId) return conflict('this expert has the job already');
  if (args.expertId === state.input.clientId) return { code: 'rule_violation', message: 'the client cannot be the expert of their own job' };
  return null;
}

/** The current expert says the work is done. */
export function deliverRefusal(state: JobState, args: DeliverArgs): Refusal | null {
  if (!isObject(args) || !isId(args.expertId)) return invalid('expertId: a user id');
  const note = textOf(state, args.note, 'note');
  if (note) return note;
  if (args.expertId !== state.expertId) return notFound;
  return statusIs(state, ['in_progress'], 'delivering');
}

/** W-11: the client cancels with a reason, any time before the job closes (after payment: staff decide). */
export function cancelRefusal(state: JobState, args: CancelArgs): Refusal | null {
  if (!isObject(args) || !isId(args.clientId)) return invalid('clientId: a user id');
  const reason = textOf(state, args.reason, 'reason');
  if (reason) return reason;
  const who = notClient(state, args.clientId);
  if (who) return who;
  if (state.status === 'cancellation_requested') return conflict('a cancellation is requested already: staff decide');
  if (isFinal(state)) return conflict(`the job is ${state.status}`);
  return null;
}

/** W-08, W-11: staff decide a requested cancellation; before work started only a full refund. */
export function decideCancellationRefusal(state: JobState, args: DecideCancellationArgs): Refusal | null {
  if (!isObject(args) || !isId(args.staffId)) return invalid('staffId: a user id');
  if (!['full', 'partial', 'none', 'refuse'].includes(args.decision as string)) return invalid("decision: 'full', 'partial', 'none' or 'refuse'");
  const reason = textOf(state, args.reason, 'reason');
  if (reason) return reason;
  if (args.decision === 'partial' && (!Number.isSafeInteger(args.refundCents) || args.refundCents <= 0)) return invalid('refundCents: whole cents, at least 1');
  const own = ownCase(state, args.staffId);
  if (own) return own;
  // The state before the amount: a job with no cancellation to decide is 409 whatever the amount.
  const wrong = statusIs(state, ['cancellation_requested'], 'deciding a cancellation');
  if (wrong) return wrong;
  if (!state.cancellation!.workStarted && (args.decision === 'partial' || args.decision === 'none')) {
    return { code: 'rule_violation', message: 'work had not started when the client asked: only a full refund is allowed (W-11)' };
  }
  if (args.decision === 'partial' && args.refundCents >= state.paidCents) {
    return { code: 'rule_violation', message: `refundCents: a partial refund is less than the ${state.paidCents} cents the client paid (W-11): 1 to ${state.paidCents - 1}` };
  }
  return null;
}

/** W-12: the client approves a paid job, in progress or delivered. */
export function approveRefusal(state: JobState, args: ApproveArgs): Refusal | null {
  if (!isObject(args) || !isId(args.clientId)) return invalid('clientId: a user id');
  return notClient(state, args.clientId) ?? statusIs(state, ['in_progress', 'delivered'], 'approving');
}

/** W-09: a message of the job's client, current expert or staff, while the job runs. */
export function messageRefusal(state: JobState, args: JobMessageArgs): Refusal | null {
  if (!isObject(args) || !isObject(args.actor) || !isId(args.actor.userId) || !isId(args.messageId)) return invalid('actor, messageId: a party and an id');
  if (typeof args.sentAt !== 'string' || Number.isNaN(msOf(args.sentAt))) return invalid('sentAt: an ISO instant');
  const { role, userId } = args.actor;
  if (role !== 'client' && role !== 'expert' && role !== 'staff') return invalid("actor.role: 'client', 'expert' or 'staff'");
  if (role === 'client' && userId !== state.input.clientId) return notFound;
  if (role === 'expert' && userId !== state.expertId) return notFound;
  if (isFinal(state)) return conflict(`the job is ${state.status}`);
  return null;
}

/** Throws the refusal as the Update's failure (the API maps its code: 400, 404, 409, 422). */
export function assertAllowed(refusal: Refusal | null): void {
  if (refusal) throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, nonRetryable: true });
}

// ───────────────────────────── transitions ─────────────────────────────

interface Extra {
  notices?: Notice[];
  money?: JobMoney | null;
  joins?: number | null;
  approval?: Effects['approval'];
}

/** A transition that writes: the next write number, the event in the history, and what it brings. */
function written(state: JobState, event: JobEvent | null, extra: Extra = {}): Transition {
  const seq = state.seq + 1;
  const history = event ? [...state.history, event] : state.history;
  return {
    state: { ...state, history, seq },
    effects: { seq, notices: extra.notices ?? [], money: extra.money ?? null, joins: extra.joins ?? null, approval: extra.approval ?? null },
  };
}

const titled = (state: JobState) => `job #${state.input.jobId} “${state.input.title}”`;
/** The same at the start of a sentence. */
const Titled = (state: JobState) => `J${titled(state).slice(1)}`;
const client = (state: JobState): JobActor => ({ role: 'client', userId: state.input.clientId });
const system = { role: 'system' as const };

/**
 * W-13, D-03: the count runs from the client's last activity or the delivery, whichever is
 * later; the reminder is one business day before.
 */
function withApprovalCount(state: JobState): JobState {
  if (state.status !== 'delivered' || !state.deliveredAt) return { ...state, autoApproveAt: null, remindAt: null, reminded: false };
  const last = state.lastClientActivityAt;
  const from = last && msOf(last) > msOf(state.deliveredAt) ? last : state.deliveredAt;
  const total = state.paidCents;
  return {
    ...state,
    autoApproveAt: autoApproveAt(from, total, state.policy.autoApproval, state.calendar),
    remindAt: reminderAt(from, total, state.policy.autoApproval, state.calendar),
    reminded: false,
  };
}

/** D-03: a client action or message is activity: the auto-approval count starts again. */
function clientActed(state: JobState, now: string): JobState {
  return withApprovalCount({ ...state, lastClientActivityAt: now });
}

/** W-01: the client activated the account: the job goes to the experts (idempotent: only while it waits). */
export function activated(state: JobState, now: string): Transition | null {
  if (state.status !== 'awaiting_verification') return null;
  return written(clientActed(enterQueue(state, now), now), { at: now, kind: 'activated', actor: client(state), text: 'The client activated the account: the job is in the experts’ queue' });
}

export function claim(state: JobState, args: ClaimArgs, now: string): Transition {
  const install = state.input.install !== null;
  const next: JobState = {
    ...state,
    status: install ? 'in_progress' : 'estimating',
    expertId: args.expertId,
    experts: [...state.experts, { expertId: args.expertId, from: now, until: null, reason: null }],
  };
  return written(
    next,
    { at: now, kind: 'claimed', actor: { role: 'expert', userId: args.expertId }, text: install ? 'An expert took the installation' : 'An expert took the job and prepares the estimate' },
    { joins: args.expertId, notices: [{ to: state.input.clientId, kind: 'job_claimed', text: `An expert took your ${titled(state)}.` }] },
  );
}

/** W-04, W-05, W-07: the estimate, priced by the policy, valid for `estimateValidMs`; the expert's first answer (W-02). */
export function estimate(state: JobState, args: EstimateArgs, now: string): Transition {
  const number = state.estimates.length + 1;
  const priceCents = priceOf(args.quarterHours, state.policy);
  const added: EstimateView = {
    number,
    expertId: args.expertId,
    quarterHours: args.quarterHours,
    priceCents,
    plan: args.plan.trim(),
    fitsBudget: args.fitsBudget,
    at: now,
    validUntil: iso(msOf(now) + state.policy.estimateValidMs),
    rejectedReason: null,
  };
  const hours = args.quarterHours / 4;
  const next: JobState = { ...state, status: 'estimated', estimates: [...state.estimates, added], firstAnsweredAt: state.firstAnsweredAt ?? now };
  return written(
    next,
    { at: now, kind: 'estimated', actor: { role: 'expert', userId: args.expertId }, text: `Estimate #${number}: ${hours} h = ${formatUsd(priceCents)}` },
    { notices: [{ to: state.input.clientId, kind: 'job_estimated', text: `Your ${titled(state)} is estimated at ${hours} h = ${formatUsd(priceCents)}: pay now to start the work.` }] },
  );
}

/**
 * W-08: the price is in escrow (the `pay` handler's activity moved it before this). An estimate
 * job goes to work; a paid install goes in front of the experts, its first answer due from now.
 */
export function paidFor(state: JobState, args: PayArgs, now: string): Transition {
  const price = priceCentsOf(state)!;
  let next: JobState = { ...state, escrowCents: price, paidCents: price, paidEstimateNumber: args.estimateNumber, paidAt: now, installPayableUntil: null };
  if (state.input.install) next = { ...next, firstAnswerDueAt: firstAnswerDue(state, now) };
  else next = { ...next, status: 'in_progress' };
  next = clientActed(next, now);
  const notices: Notice[] = state.expertId === null ? [] : [{ to: state.expertId, kind: 'job_paid', text: `The client paid ${formatUsd(price)} into escrow for ${titled(state)}: you can start.` }];
  return written(next, { at: now, kind: 'paid', actor: client(state), text: `Paid ${formatUsd(price)} into escrow` }, { notices });
}

/** W-11: back to estimating for a revised estimate (the next number). */
export function rejectEstimate(state: JobState, args: RejectEstimateArgs, now: string): Transition {
  const reason = args.reason.trim();
  const estimates = state.estimates.map((e, i) => (i === state.estimates.length - 1 ? { ...e, rejectedReason: reason } : e));
  const next = clientActed({ ...state, status: 'estimating', estimates }, now);
  const notices: Notice[] = [{ to: state.expertId!, kind: 'job_estimate_rejected', text: `The client rejected the estimate of ${titled(state)}: ${reason}` }];
  return written(next, { at: now, kind: 'estimate_rejected', actor: client(state), text: `Estimate rejected: ${reason}` }, { notices });
}

/** W-10: staff are asked to give the job to another expert. */
export function askDifferentExpert(state: JobState, args: AskDifferentExpertArgs, now: string): Transition {
  const reason = args.reason.trim();
  const next = clientActed({ ...state, differentExpertAsked: { reason, at: now } }, now);
  const notices: Notice[] = [{ to: 'staff', kind: 'job_expert_change_asked', text: `The client of ${titled(state)} asks for a different expert: ${reason}` }];
  return written(next, { at: now, kind: 'different_expert_asked', actor: client(state), text: `Asked for a different expert: ${reason}` }, { notices });
}

/** W-10: the new expert takes over; the history keeps the previous one with the reason. */
export function reassign(state: JobState, args: ReassignArgs, now: string): Transition {
  const note = args.note.trim();
  const reason = state.differentExpertAsked ? `${state.differentExpertAsked.reason} — ${note}` : note;
  const experts = state.experts.map((t) => (t.until === null ? { ...t, until: now, reason } : t));
  const previous = state.expertId;
  const next: JobState = {
    ...state,
    expertId: args.expertId,
    experts: [...experts, { expertId: args.expertId, from: now, until: null, reason: null }],
    differentExpertAsked: null,
  };
  const notices: Notice[] = [
    { to: args.expertId, kind: 'job_reassigned', text: `Staff gave you ${titled(state)} (status: ${state.status.replaceAll('_', ' ')}).` },
    { to: state.input.clientId, kind: 'job_reassigned', text: `Another expert now works on your ${titled(state)}.` },
  ];
  if (previous !== null) notices.push({ to: previous, kind: 'job_reassigned', text: `Staff gave ${titled(state)} to another expert: ${note}` });
  return written(next, { at: now, kind: 'reassigned', actor: { role: 'staff', userId: args.staffId }, text: `Reassigned to expert ${args.expertId}: ${note}` }, { joins: args.expertId, notices });
}

/** The work is delivered: the approval count starts (W-13). */
export function deliver(state: JobState, args: DeliverArgs, now: string): Transition {
  const note = args.note.trim();
  const next = withApprovalCount({ ...state, status: 'delivered', deliveredAt: now });
  const notices: Notice[] = [{ to: state.input.clientId, kind: 'job_delivered', text: `The expert delivered ${titled(state)}: ${note} — approve it, or it is approved automatically at ${next.autoApproveAt}.` }];
  return written(next, { at: now, kind: 'delivered', actor: { role: 'expert', userId: args.expertId }, text: `Delivered: ${note}` }, { notices });
}

/**
 * W-11: before payment the job simply ends; after it staff decide the refund. Work has started
 * when the expert delivered or wrote in the conversation after the payment.
 */
export function cancel(state: JobState, args: CancelArgs, now: string): Transition {
  const reason = args.reason.trim();
  const event: JobEvent = { at: now, kind: 'cancel_asked', actor: client(state), text: `Cancellation asked: ${reason}` };
  if (!paid(state)) {
    const notices: Notice[] = state.expertId === null ? [] : [{ to: state.expertId, kind: 'job_cancelled', text: `The client cancelled ${titled(state)} before paying: ${reason}` }];
    const next: JobState = { ...state, status: 'cancelled', closedAt: now, lastClientActivityAt: now, autoApproveAt: null, remindAt: null };
    return written(next, { ...event, kind: 'cancelled', text: `Cancelled before payment: ${reason}` }, { notices });
  }
  const workStarted = state.deliveredAt !== null || state.expertWroteAfterPayment;
  const cancellation: CancellationView = { reason, requestedAt: now, workStarted, decision: null, refundCents: null, decisionReason: null, decidedAt: null };
  const next: JobState = { ...state, status: 'cancellation_requested', statusBeforeCancellation: state.status, cancellation, lastClientActivityAt: now, autoApproveAt: null, remindAt: null };
  const notices: Notice[] = [{ to: 'staff', kind: 'job_cancellation_to_decide', text: `The client of ${titled(state)} asks to cancel it (${workStarted ? 'work had started' : 'work had not started'}): ${reason}` }];
  if (state.expertId !== null) notices.push({ to: state.expertId, kind: 'job_cancellation_requested', text: `The client asks to cancel ${titled(state)}: ${reason}. Staff decide.` });
  return written(next, event, { notices });
}

/** W-08, W-11: the escrow ends once (refund / split / to the expert), or the job goes back to where it was. */
export function decideCancellation(state: JobState, args: DecideCancellationArgs, now: string): Transition {
  const reason = args.reason.trim();
  const staff: JobActor = { role: 'staff', userId: args.staffId };
  const parties = (kind: JobNoticeKind, text: string): Notice[] => [{ to: state.input.clientId, kind, text }, ...(state.expertId === null ? [] : [{ to: state.expertId, kind, text }])];
  if (args.decision === 'refuse') {
    // A delivered job counts again from the client's last activity: asking to cancel was one (D-03).
    const back = withApprovalCount({ ...state, status: state.statusBeforeCancellation!, statusBeforeCancellation: null, cancellation: null });
    return written(back, { at: now, kind: 'cancellation_refused', actor: staff, text: `Cancellation refused: ${reason}` }, { notices: parties('job_cancellation_refused', `Staff refused to cancel ${titled(state)}: ${reason}`) });
  }
  const paidCents = state.paidCents;
  const refundCents = args.decision === 'full' ? paidCents : args.decision === 'partial' ? args.refundCents : 0;
  const { commissionBps } = state.policy;
  const money: JobMoney =
    args.decision === 'full' ? { op: 'refund' } : args.decision === 'partial' ? { op: 'split', expertId: state.expertId!, refundCents, commissionBps } : { op: 'release', expertId: state.expertId!, commissionBps };
  const cancellation: CancellationView = { ...state.cancellation!, decision: args.decision, refundCents, decisionReason: reason, decidedAt: now };
  const next: JobState = { ...state, status: 'cancelled', cancellation, escrowCents: 0, closedAt: now, statusBeforeCancellation: null };
  const text = `${Titled(state)} is cancelled: ${formatUsd(refundCents)} of ${formatUsd(paidCents)} refunded to the client (${reason}).`;
  return written(next, { at: now, kind: 'cancelled', actor: staff, text: `Cancelled, ${args.decision} refund (${formatUsd(refundCents)}): ${reason}` }, { money, notices: parties('job_cancelled', text) });
}

/**
 * W-12, W-13, W-14: approved by the client or automatically: the escrow goes to the expert (less
 * the platform's commission), the invoice is issued, the affiliate writes happen — one write.
 */
export function approve(state: JobState, now: string, by: 'client' | 'auto'): Transition {
  let next: JobState = { ...state, status: 'approved', approvedAt: now, approvedBy: by, escrowCents: 0, closedAt: now, autoApproveAt: null, remindAt: null };
  if (by === 'client') next = { ...next, lastClientActivityAt: now };
  const actor = by === 'client' ? client(state) : system;
  const text = by === 'client' ? 'Approved by the client' : 'Approved automatically (W-13)';
  const notices: Notice[] = [
    { to: state.expertId!, kind: 'job_approved', text: `${Titled(state)} is approved${by === 'auto' ? ' automatically' : ''}: ${formatUsd(state.paidCents)} released to you, less the platform’s commission.` },
    { to: state.input.clientId, kind: 'job_approved', text: `${Titled(state)} is approved${by === 'auto' ? ' automatically' : ''}. Your invoice is ready under Closed jobs, and you can leave a review.` },
  ];
  return written(next, { at: now, kind: 'approved', actor, text }, {
    money: { op: 'release', expertId: state.expertId!, commissionBps: state.policy.commissionBps },
    approval: { at: now, totalCents: state.paidCents },
    notices,
  });
}

/** W-13: the client is reminded one business day before the auto-approval (a system timer: not activity, D-03). */
export function remind(state: JobState, now: string): Transition {
  const next: JobState = { ...state, reminded: true };
  const text = `${Titled(state)} will be approved automatically at ${state.autoApproveAt} unless you approve it, write to the expert or ask to cancel.`;
  return written(next, { at: now, kind: 'approval_reminder', actor: system, text: `The client was reminded: auto-approval at ${state.autoApproveAt}` }, { notices: [{ to: state.input.clientId, kind: 'job_approval_reminder', text }] });
}

/** W-02: the first answer is late: every admin is told (in the app and by email). */
export function firstAnswerMissed(state: JobState, now: string): Transition {
  const next: JobState = { ...state, firstAnswerAlertedAt: now };
  const text = `${Titled(state)} (${state.input.urgency}) has had no expert answer by ${state.firstAnswerDueAt} (W-02).`;
  return written(next, { at: now, kind: 'first_answer_missed', actor: system, text: `No first answer by ${state.firstAnswerDueAt}: staff alerted` }, { notices: [{ to: 'staff', kind: 'job_first_answer_missed', text }] });
}

/** W-01, W-06, W-07: nobody activated, or nobody paid, in time. */
export function expire(state: JobState, now: string, why: string): Transition {
  const next: JobState = { ...state, status: 'expired', closedAt: now };
  const notices: Notice[] = [{ to: state.input.clientId, kind: 'job_expired', text: `${Titled(state)} expired: ${why}` }];
  if (state.expertId !== null) notices.push({ to: state.expertId, kind: 'job_expired', text: `${Titled(state)} expired: ${why}` });
  return written(next, { at: now, kind: 'expired', actor: system, text: why }, { notices });
}

/**
 * W-09, D-03: a message in the job conversation. The client's restarts the approval count; the
 * current expert's first one is the first answer (W-02), and one after the payment means work
 * has started (W-11). Staff's change nothing but the history.
 */
export function message(state: JobState, args: JobMessageArgs, now: string): Transition {
  let next: JobState = state;
  if (args.actor.role === 'client') next = clientActed(state, now);
  if (args.actor.role === 'expert') {
    next = { ...state, firstAnsweredAt: state.firstAnsweredAt ?? now, expertWroteAfterPayment: state.expertWroteAfterPayment || paid(state) };
  }
  return written(next, { at: now, kind: 'message', actor: args.actor, text: `Message #${args.messageId}` });
}

/**
 * The job's row was never committed (the form's transaction rolled back): nothing to write, and
 * nobody ever sees the job. It ends as `expired` (no status of its own: no row, no page shows it),
 * its history saying why.
 */
export function voided(state: JobState, now: string): JobState {
  return { ...state, status: 'expired', closedAt: now, history: [...state.history, { at: now, kind: 'voided', actor: system, text: 'The order was not saved: no job' }] };
}

// ───────────────────────────── view ─────────────────────────────

/** The Updates `viewer` may send now (wire names); the API still checks who the caller is. */
export function allowedActions(state: JobState, viewer: JobViewer): string[] {
  if (isFinal(state)) return [];
  const s = state.status;
  const out: string[] = ['message'];
  if (viewer === 'client') {
    if (s === 'estimated' || (s === 'open' && state.input.install !== null && !paid(state))) out.push('pay');
    if (s === 'estimated') out.push('rejectEstimate');
    if (['estimating', 'estimated', 'in_progress', 'delivered'].includes(s) && !state.differentExpertAsked) out.push('askDifferentExpert');
    if (s !== 'cancellation_requested') out.push('cancel');
    if (s === 'in_progress' || s === 'delivered') out.push('approve');
  } else if (viewer === 'expert') {
    if (s === 'open' && (state.input.install === null || paid(state))) out.push('claim');
    if (s === 'estimating') out.push('estimate');
    if (s === 'in_progress') out.push('deliver');
  } else {
    if (['estimating', 'estimated', 'in_progress', 'delivered'].includes(s)) out.push('reassign');
    if (s === 'cancellation_requested') out.push('decideCancellation');
  }
  return out;
}

export function viewOf(state: JobState, viewer: JobViewer): JobView {
  const { input } = state;
  return {
    jobId: input.jobId,
    kind: input.kind,
    clientId: input.clientId,
    clientUsername: input.clientUsername,
    title: input.title,
    urgency: input.urgency,
    budgetCents: input.budgetCents,
    install: input.install,
    status: state.status,
    expertId: state.expertId,
    experts: state.experts,
    differentExpertAsked: state.differentExpertAsked,
    estimates: state.estimates,
    escrowCents: state.escrowCents,
    paidCents: state.paidCents,
    orderedAt: input.orderedAt,
    firstAnswerDueAt: state.firstAnswerDueAt,
    firstAnsweredAt: state.firstAnsweredAt,
    paidAt: state.paidAt,
    deliveredAt: state.deliveredAt,
    lastClientActivityAt: state.lastClientActivityAt,
    autoApproveAt: state.status === 'delivered' ? state.autoApproveAt : null,
    remindAt: state.status === 'delivered' ? state.remindAt : null,
    approvedAt: state.approvedAt,
    approvedBy: state.approvedBy,
    cancellation: state.cancellation,
    closedAt: state.closedAt,
    history: state.history,
    allowedActions: allowedActions(state, viewer),
    policyVersion: state.policy.version,
  };
}
