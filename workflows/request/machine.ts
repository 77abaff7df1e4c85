/**
 * The rules of one service request (K-44, K-45), as pure functions over plain state: which
 * Update each state allows (`*Refusal`: `invalid_input` for malformed arguments, `conflict`
 * for what the state does not allow, `not_found` for an answer that is not the caller's), the
 * deadline, and what every event changes — the new state and the effects to write (the read
 * model's row and answers, the notices, the announcement to subscribed sellers).
 *
 *   awaiting_moderation ──approve──▶ active ──pick──▶ picked
 *          └──reject──▶ rejected       ├──close──▶ closed
 *                                      └──24 h after the approval──▶ expired
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ErrorCode } from '../lib/errors.js';
import { isId } from '../lib/ids.js';
import { isCents } from '../lib/money.js';
import { judgesOwnCase } from '../lib/own-case.js';
import { textRefusal } from '../lib/text.js';
import { iso, msOf } from '../lib/time.js';
import { answerKinds, type Answer, type AnswerArgs, type CloseArgs, type ModerateArgs, type PickArgs, type PickedOrders, type RequestInput, type RequestPolicy, type RequestStatus, type RequestView, type WithdrawAnswerArgs } from './messages.js';

/** Everything the workflow keeps (plain JSON); timestamps are ISO strings of workflow time. */
export interface RequestState {
  input: Omit<RequestInput, 'policy'>;
  policy: RequestPolicy;
  status: RequestStatus;
  statusReason: string | null;
  approvedAt: string | null;
  activeUntil: string | null;
  closedAt: string | null;
  answers: Answer[];
  /** A pick's orders are being placed: other actions wait their turn, the expiry too. */
  picking: boolean;
  /** The number of the last write: each carries it, so a retried or late write changes nothing twice. */
  seq: number;
}

/** A notice to one user (a row in `notifications`, routed in-app/email by migration 0017's triggers). */
export interface Notice {
  userId: number;
  kind: 'request_approved' | 'request_rejected' | 'request_answered' | 'request_expired';
  text: string;
}

/** What a transition asks the effects activity to write. */
export interface Effects {
  seq: number;
  notices: Notice[];
  /** K-45: the request went live: tell the sellers subscribed to its category (`new_request`). */
  announce: boolean;
}

export interface Transition {
  state: RequestState;
  effects: Effects | null;
}

export function initialState(input: RequestInput): RequestState {
  const { policy, ...rest } = input;
  return { input: rest, policy, status: 'awaiting_moderation', statusReason: null, approvedAt: null, activeUntil: null, closedAt: null, answers: [], picking: false, seq: 0 };
}

/** Picked, closed, expired, rejected and voided requests are over. */
export function isFinal(state: RequestState): boolean {
  return state.status !== 'awaiting_moderation' && state.status !== 'active';
}

/** The expiry of an active request (none while a pick is being placed: the pick decides first). */
export function nextDeadline(state: RequestState): { at: string; what: 'expire' } | null {
  return state.status === 'active' && !state.picking && state.activeUntil ? { at: state.activeUntil, what: 'expire' } : null;
}

export function viewOf(state: RequestState): RequestView {
  return {
    ...state.input,
    status: state.status,
    statusReason: state.statusReason,
    approvedAt: state.approvedAt,
    activeUntil: state.activeUntil,
    closedAt: state.closedAt,
    answers: state.answers,
    picking: state.picking,
    policyVersion: state.policy.version,
  };
}

/** Answers that count as the seller's (one active answer per seller per request). */
export const activeAnswers = (state: RequestState): Answer[] => state.answers.filter((a) => a.status === 'active');

// ───────────────────────────── refusals ─────────────────────────────

export interface Refusal {
  code: ErrorCode;
  message: string;
}

const invalid = (message: string): Refusal => ({ code: 'invalid_input', message });
const conflict = (message: string): Refusal => ({ code: 'conflict', message });
const isObject = (args: unknown): args is Record<string, unknown> => typeof args === 'object' && args !== null;

/** Why nothing but moderation may happen now, or null when the request is active and free. */
function notActive(state: RequestState): Refusal | null {
  if (state.picking) return conflict('the buyer’s pick is being placed right now');
  if (state.status === 'awaiting_moderation') return conflict('the request awaits moderation');
  if (state.status !== 'active') return conflict(`the request is ${state.status}`);
  return null;
}

/** Staff decide (K-44): only while it awaits moderation, never their own (version 2); a rejection needs a reason. */
export function moderateRefusal(state: RequestState, args: ModerateArgs): Refusal | null {
  if (!isObject(args) || !isId(args.staffId)) return invalid('staffId: a user id');
  if (args.decision !== 'approve' && args.decision !== 'reject') return invalid("decision: 'approve' or 'reject'");
  if (args.decision === 'reject') {
    const text = textRefusal(args.reason, 'reason', state.policy.maxCommentChars);
    if (text) return invalid(text);
  }
  if (judgesOwnCase(state.policy, args.staffId, [state.input.buyerId])) {
    return { code: 'forbidden', message: 'a moderator does not decide their own request: another moderator does' };
  }
  if (state.status !== 'awaiting_moderation') return conflict(`the request was moderated already: it is ${state.status}`);
  return null;
}

/** A seller answers (K-44): while active, not their own request, one active answer each, within the cap. */
export function answerRefusal(state: RequestState, args: AnswerArgs): Refusal | null {
  if (!isObject(args) || !isId(args.sellerId) || !isId(args.offerId)) return invalid('sellerId, offerId: ids');
  if (!(answerKinds as readonly unknown[]).includes(args.kind)) return invalid(`kind: one of ${answerKinds.join(', ')}`);
  // K-46: an individual offer's answer names its row; an offer's names none.
  if (args.kind === 'individual_offer' ? !isId(args.individualOfferId) : args.individualOfferId !== undefined) {
    return invalid('individualOfferId: an id exactly when kind is individual_offer');
  }
  const title = textRefusal(args.offerTitle, 'offerTitle', 500);
  if (title) return invalid(title);
  if (!isCents(args.priceCents) || args.priceCents <= 0) return invalid('priceCents: positive integer cents');
  if (args.comment !== null) {
    const comment = textRefusal(args.comment, 'comment', state.policy.maxCommentChars);
    if (comment) return invalid(comment);
  }
  const closed = notActive(state);
  if (closed) return closed;
  if (args.sellerId === state.input.buyerId) return { code: 'rule_violation', message: 'you cannot answer your own request' };
  if (activeAnswers(state).some((a) => a.sellerId === args.sellerId)) return conflict('you answered this request already: withdraw that answer to answer again');
  if (state.answers.length >= state.policy.maxAnswers) return conflict(`the request has taken its ${state.policy.maxAnswers} answers`);
  return null;
}

/** A seller withdraws their own active answer while the request is active. */
export function withdrawAnswerRefusal(state: RequestState, args: WithdrawAnswerArgs): Refusal | null {
  if (!isObject(args) || !isId(args.sellerId) || !isId(args.answerId)) return invalid('sellerId, answerId: ids');
  const answer = state.answers.find((a) => a.answerId === args.answerId);
  // Another seller's answer is answered like an unknown one: its existence never leaks.
  if (!answer || answer.sellerId !== args.sellerId) return { code: 'not_found', message: 'no such answer' };
  const closed = notActive(state);
  if (closed) return closed;
  if (answer.status !== 'active') return conflict(`the answer is ${answer.status}`);
  return null;
}

/** The buyer picks 1…maxPicks distinct active answers while the request is active. */
export function pickRefusal(state: RequestState, args: PickArgs): Refusal | null {
  if (!isObject(args) || !isId(args.buyerId)) return invalid('buyerId: a user id');
  const ids = args.answerIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > state.policy.maxPicks || !ids.every(isId)) {
    return invalid(`answerIds: 1 to ${state.policy.maxPicks} answer ids`);
  }
  if (new Set(ids).size !== ids.length) return invalid('answerIds: each answer once');
  if (args.buyerId !== state.input.buyerId) return { code: 'not_found', message: 'no such request' };
  const closed = notActive(state);
  if (closed) return closed;
  for (const id of ids) {
    const answer = state.answers.find((a) => a.answerId === id);
    if (!answer) return { code: 'not_found', message: `no answer ${id} on this request` };
    if (answer.status !== 'active') return conflict(`answer ${id} is ${answer.status}`);
  }
  return null;
}

/** The buyer closes an active request early (or one still awaiting moderation). */
export function closeRefusal(state: RequestState, args: CloseArgs): Refusal | null {
  if (!isObject(args) || !isId(args.buyerId)) return invalid('buyerId: a user id');
  if (args.buyerId !== state.input.buyerId) return { code: 'not_found', message: 'no such request' };
  if (state.picking) return conflict('the buyer’s pick is being placed right now');
  if (isFinal(state)) return conflict(`the request is ${state.status}`);
  return null;
}

/** Throws the refusal as the Update's failure (the API maps its code: 400, 404, 409, 422). */
export function assertAllowed(refusal: Refusal | null): void {
  if (refusal) throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, nonRetryable: true });
}

// ───────────────────────────── transitions ─────────────────────────────

/** A transition that writes: the next write number, and what it brings. */
function written(state: RequestState, notices: Notice[] = [], announce = false): Transition {
  const seq = state.seq + 1;
  return { state: { ...state, seq }, effects: { seq, notices, announce } };
}

const quoted = (state: RequestState) => `“${state.input.title}”`;

/** Approved: active for `activeMs` from now (the timer starts at the approval, not at the posting); announced (K-45). Rejected: over, with the reason. */
export function moderate(state: RequestState, args: ModerateArgs, now: string): Transition {
  const buyerId = state.input.buyerId;
  if (args.decision === 'approve') {
    const activeUntil = iso(msOf(now) + state.policy.activeMs);
    const next = { ...state, status: 'active' as const, approvedAt: now, activeUntil };
    return written(next, [{ userId: buyerId, kind: 'request_approved', text: `Your request ${quoted(state)} is live until ${activeUntil}: sellers can answer it now.` }], true);
  }
  const reason = args.reason.trim();
  const next = { ...state, status: 'rejected' as const, statusReason: reason, closedAt: now };
  return written(next, [{ userId: buyerId, kind: 'request_rejected', text: `Your request ${quoted(state)} was rejected: ${reason}` }]);
}

export function answer(state: RequestState, args: AnswerArgs, now: string): Transition {
  const added: Answer = {
    answerId: state.answers.length + 1,
    kind: args.kind,
    sellerId: args.sellerId,
    offerId: args.offerId,
    // Only on an individual offer's answer: an `offer` answer is the same as before individual offers.
    ...(args.kind === 'individual_offer' ? { individualOfferId: args.individualOfferId! } : {}),
    offerTitle: args.offerTitle,
    priceCents: args.priceCents,
    comment: args.comment === null ? null : args.comment.trim(),
    status: 'active',
    orderId: null,
    answeredAt: now,
  };
  const next = { ...state, answers: [...state.answers, added] };
  return written(next, [{ userId: state.input.buyerId, kind: 'request_answered', text: `A seller answered your request ${quoted(state)} with “${args.offerTitle}”.` }]);
}

export function withdrawAnswer(state: RequestState, args: WithdrawAnswerArgs): Transition {
  const answers = state.answers.map((a) => (a.answerId === args.answerId ? { ...a, status: 'withdrawn' as const } : a));
  return written({ ...state, answers });
}

/** The pick's orders are being placed: nothing else happens meanwhile (no write: the orders are the pick's write). */
export function beginPick(state: RequestState): RequestState {
  return { ...state, picking: true };
}

/** The placement refused (money short, an offer no longer orderable): the request is as it was. */
export function pickFailed(state: RequestState): RequestState {
  return { ...state, picking: false };
}

/** The orders are placed: the picked answers name them, and the request is over. */
export function picked(state: RequestState, placed: PickedOrders, now: string): Transition {
  const orderOf = new Map(placed.orders.map((o) => [o.answerId, o.orderId]));
  const answers = state.answers.map((a) => (orderOf.has(a.answerId) ? { ...a, status: 'picked' as const, orderId: orderOf.get(a.answerId)! } : a));
  return written({ ...state, answers, picking: false, status: 'picked', closedAt: now });
}

export function close(state: RequestState, now: string): Transition {
  return written({ ...state, status: 'closed', closedAt: now });
}

/** K-44: 24 h after the approval with no pick, the request expires. */
export function expire(state: RequestState, now: string): Transition {
  const text = `Your request ${quoted(state)} expired with ${activeAnswers(state).length} answers and no pick.`;
  return written({ ...state, status: 'expired', closedAt: now }, [{ userId: state.input.buyerId, kind: 'request_expired', text }]);
}

/** The posting's transaction rolled back: no row, nothing to write. */
export function voided(state: RequestState, now: string): RequestState {
  return { ...state, status: 'voided', closedAt: now };
}
