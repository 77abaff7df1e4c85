/**
 * The reply watches whose histories `npm run histories:capture -- reply-watch` records for the
 * replay test (`test/replay/histories.test.ts`), on a real worker under a policy of
 * seconds (K-63's rule, shorter): a buyer's message the seller answers in time (after a second
 * message of the buyer, which does not restart the wait), and one left unanswered, reported to
 * the seller's standing.
 */
import assert from 'node:assert/strict';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { replyWatchWorkflowId, type ReplyWatchView } from '../../workflows/reply-watch/messages.js';
import { replyWatchPolicy } from '../../workflows/reply-watch/policy.js';
import { createUsers } from './ledger.js';
import type { ScenarioEnv } from './order-scenarios.js';

/** The fixtures, each `reply-watch-<name>.json`. */
export const replyWatchScenarios = ['answered', 'ignored'] as const;
export const replyWatchHistoryFile = (name: (typeof replyWatchScenarios)[number]) => `reply-watch-${name}.json`;

/** Runs every scenario to its end, checks each ended as expected, and answers the histories by fixture file. */
export async function captureReplyWatchHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  const [seller, buyer, otherSeller, otherBuyer] = await createUsers(env.db, 4);
  // Ids of users are unique in the database: they serve as the conversations' ids here (the watch reads no table).
  const answered = seller!;
  const ignored = otherSeller!;
  const patient = createWorkflowGateway({ temporal: env.temporal, taskQueue: env.taskQueue, replyWatchPolicy: { ...replyWatchPolicy(), replyWithinMs: 60_000 } });
  const hasty = createWorkflowGateway({ temporal: env.temporal, taskQueue: env.taskQueue, replyWatchPolicy: { ...replyWatchPolicy(), replyWithinMs: 1_000 } });

  await patient.replyWatch.message(answered, { messageId: 1, authorId: buyer!, watchOn: seller! });
  await patient.replyWatch.message(answered, { messageId: 2, authorId: buyer!, watchOn: seller! });
  await patient.replyWatch.message(answered, { messageId: 3, authorId: seller!, watchOn: null });
  await hasty.replyWatch.message(ignored, { messageId: 4, authorId: otherBuyer!, watchOn: otherSeller! });

  const historyOf = async (conversationId: number, outcome: ReplyWatchView['outcome']) => {
    const handle = env.temporal.workflow.getHandle(replyWatchWorkflowId(conversationId));
    assert.equal(((await handle.result()) as ReplyWatchView).outcome, outcome);
    return historyToJSON(await handle.fetchHistory());
  };
  return new Map([
    [replyWatchHistoryFile('answered'), await historyOf(answered, 'answered')],
    [replyWatchHistoryFile('ignored'), await historyOf(ignored, 'ignored')],
  ]);
}
