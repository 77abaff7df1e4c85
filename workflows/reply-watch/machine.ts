/**
 * The rules of K-63's reply watch, as pure functions over plain state:
 *
 *   (no watch) ─buyer's message to a seller with active offers─▶ waiting ─seller replies─▶ answered
 *                                                                   └─48 h─▶ ignored (the seller's standing is told)
 *
 * Our decisions: the 48 h count from the first unanswered message (a buyer writing again does not
 * restart them, nor does a later message earn a second report while the first waits); any message
 * of the seller in the conversation answers; a watch watches one seller: the recipient, when they
 * have active offers at the time of the message.
 */
import { iso, msOf } from '../lib/time.js';
import type { MessageSeen, ReplyWatchInput, ReplyWatchView, Waiting } from './messages.js';

export interface ReplyWatchState {
  input: ReplyWatchInput;
  waiting: Waiting | null;
  outcome: ReplyWatchView['outcome'];
}

export function initialState(input: ReplyWatchInput): ReplyWatchState {
  return { input, waiting: null, outcome: null };
}

/** A message in the conversation: the watched seller's answers; a buyer's to a seller with active offers starts the wait. */
export function onMessage(state: ReplyWatchState, m: MessageSeen, now: string): ReplyWatchState {
  const w = state.waiting;
  if (w) return m.authorId === w.sellerId ? { ...state, waiting: null, outcome: 'answered' } : state;
  if (m.watchOn === null || m.watchOn === m.authorId || state.outcome !== null) return state;
  const dueAt = iso(msOf(now) + state.input.policy.replyWithinMs);
  return { ...state, waiting: { sellerId: m.watchOn, buyerId: m.authorId, messageId: m.messageId, since: now, dueAt } };
}

/** Whether the wait is over at `now`. */
export function isDue(state: ReplyWatchState, now: string): boolean {
  return state.waiting !== null && msOf(state.waiting.dueAt) <= msOf(now);
}

/** 48 h passed without the seller's answer: the watch ends as ignored (the workflow reports it). */
export function ignored(state: ReplyWatchState): ReplyWatchState {
  return { ...state, outcome: 'ignored' };
}

/** Over: answered, or ignored and reported (a new buyer message then starts a new watch). */
export function isFinal(state: ReplyWatchState): boolean {
  return state.outcome !== null;
}

export function viewOf(state: ReplyWatchState): ReplyWatchView {
  return { conversationId: state.input.conversationId, waiting: state.waiting, outcome: state.outcome };
}
