/**
 * The wire contract of K-63's reply watch: one per direct conversation, `reply-watch-<conversationId>`,
 * started by the first message a seller must answer (signal-with-start) and ended by their reply
 * or, 48 h on, by a report to the seller's standing. Imported by the API and the workflow alike.
 * Wire names (`message`, `view`) are public: renaming one breaks running watches.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { businessId } from '../lib/ids.js';

/** The workflow type's name, a wire contract like the message names. */
export const replyWatchWorkflowType = 'replyWatchWorkflow';

/** One watch per direct conversation: `reply-watch-<conversationId>`. */
export function replyWatchWorkflowId(conversationId: number): string {
  return businessId('reply-watch', conversationId);
}

/** The rules a watch runs under, fixed at its start (from `./policy.ts`). Durations in ms. */
export interface ReplyWatchPolicy {
  version: number;
  /** K-63: the seller answers a buyer's message within this, else their standing hears of it: 48 h. */
  replyWithinMs: number;
}

/** What a watch starts with. */
export interface ReplyWatchInput {
  conversationId: number;
  policy: ReplyWatchPolicy;
}

/** A message written in the conversation, as the conversations service saw it. */
export interface MessageSeen {
  messageId: number;
  authorId: number;
  /**
   * The recipient when they have active offers (a seller the author writes to as a buyer): they
   * must answer. Null: the recipient sells nothing now, so the message starts no watch.
   */
  watchOn: number | null;
}

/** The unanswered message a seller must answer: since when (workflow time) and until when. */
export interface Waiting {
  sellerId: number;
  buyerId: number;
  /** The first unanswered message: a later one of the buyer does not restart the 48 h. */
  messageId: number;
  since: string;
  dueAt: string;
}

/** The watch as it is now: what it waits for, and how it ended. */
export interface ReplyWatchView {
  conversationId: number;
  waiting: Waiting | null;
  /** `answered`: the seller replied in time; `ignored`: 48 h passed, the standing was told. Null while waiting. */
  outcome: 'answered' | 'ignored' | null;
}

/**
 * A message in the conversation: a signal, since the writer's request needs no answer from the
 * watch and must never wait for it; sent with start when it may start a watch.
 */
export const messageSignal = defineSignal<[MessageSeen], 'message'>('message');

/** The watch as it is now. */
export const viewQuery = defineQuery<ReplyWatchView, [], 'view'>('view');
