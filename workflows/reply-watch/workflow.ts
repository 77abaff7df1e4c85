/**
 * `replyWatchWorkflow`: K-63's 48 h for one direct conversation, `reply-watch-<conversationId>`.
 * Wiring only; the rules are in `machine.ts`, the numbers in the input's policy.
 *
 * The conversations service sends every message that may start or end a wait as the `message`
 * signal (with start when it may start one). One durable timer runs while a buyer's message
 * waits for the seller: the seller's reply ends the watch; at the policy's 48 h the watch tells
 * the seller's standing (`reportIgnoredMessages`: a signal-with-start of `standing-<sellerId>`
 * whose violation id makes a retried report count once) and ends. A later buyer message starts a
 * new run under the same id.
 */
import { allHandlersFinished, condition, proxyLocalActivities, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ReplyWatchActivities } from '../../activities/reply-watch.js';
import { idempotentWrites, now } from '../lib/process.js';
import { msOf } from '../lib/time.js';
import * as machine from './machine.js';
import { messageSignal, viewQuery, type ReplyWatchInput, type ReplyWatchView } from './messages.js';
import { detailsOf, searchAttributesOf, searchKey } from './search.js';

/** The report is idempotent (the standing dedupes its violation id), so it is retried until the server answers. */
const reportOptions = idempotentWrites('10 seconds');
const { reportIgnoredMessages } = proxyLocalActivities<ReplyWatchActivities>(reportOptions);

export async function replyWatchWorkflow(input: ReplyWatchInput): Promise<ReplyWatchView> {
  let state = machine.initialState(input);
  let published: string | null = null;
  const publish = () => {
    const key = searchKey(state);
    if (key !== published) {
      upsertSearchAttributes(searchAttributesOf(state));
      published = key;
    }
    setCurrentDetails(detailsOf(state));
  };
  setHandler(messageSignal, (m) => {
    state = machine.onMessage(state, m, now());
    publish();
  });
  setHandler(viewQuery, () => machine.viewOf(state));
  publish();

  // The start's own signal is delivered as the handler is set, before this runs: a watch waits at
  // once. One that found nothing to wait for (the message needed no answer) ends.
  while (!machine.isFinal(state)) {
    const waiting = state.waiting;
    if (!waiting) break;
    const remaining = msOf(waiting.dueAt) - Date.now();
    if (remaining > 0 && (await condition(() => state.waiting !== waiting, remaining, { summary: `K-63: the seller answers by ${waiting.dueAt}` }))) continue;
    if (!machine.isDue(state, now())) continue;
    state = machine.ignored(state);
    publish();
    await reportIgnoredMessages({ conversationId: input.conversationId, ...waiting });
  }
  await condition(allHandlersFinished);
  return machine.viewOf(state);
}
