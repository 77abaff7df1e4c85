/**
 * The reply watch's activity (K-63): telling the seller's standing that a buyer's message went
 * unanswered for 48 h — a signal-with-start of `standing-<sellerId>` through the worker's own
 * client, like an ignored order's report (activities/orders.ts). The violation id is the watched
 * message's, so a retried report counts once.
 */
import { Context } from '@temporalio/activity';
import type { Waiting } from '../workflows/reply-watch/messages.js';
import { ignoredMessagesViolationId, standingWorkflowId, standingWorkflowType, violationSignal, type StandingPolicy, type ViolationReport } from '../workflows/standing/messages.js';
import { standingPolicy } from '../workflows/standing/policy.js';
import { startSearchAttributes, summaryOf } from '../workflows/standing/search.js';
import type { standingWorkflow } from '../workflows/standing/workflow.js';
import { withClassifiedFailures } from './failures.js';

/** What the watch reports: its conversation and the message left unanswered. */
export interface IgnoredMessagesReport extends Waiting {
  conversationId: number;
}

async function reportIgnoredMessages(report: IgnoredMessagesReport, policy: StandingPolicy): Promise<void> {
  const { client, info } = Context.current();
  const violation: ViolationReport = {
    violationId: ignoredMessagesViolationId(report.conversationId, report.messageId),
    kind: 'ignored_messages',
    reason: 'a buyer’s message was left unanswered for 48 hours',
  };
  await client.workflow.signalWithStart<typeof standingWorkflow, [ViolationReport]>(standingWorkflowType, {
    workflowId: standingWorkflowId(report.sellerId),
    taskQueue: info.taskQueue,
    args: [{ userId: report.sellerId, policy }],
    signal: violationSignal,
    signalArgs: [violation],
    typedSearchAttributes: startSearchAttributes(report.sellerId),
    staticSummary: summaryOf(report.sellerId),
  });
}

/** The reply watch's activities; `standing`: the rules of a standing this starts (tests shorten them). */
export function createReplyWatchActivities({ standing = standingPolicy() }: { standing?: StandingPolicy } = {}) {
  return {
    reportIgnoredMessages: withClassifiedFailures((report: IgnoredMessagesReport) => reportIgnoredMessages(report, standing)),
  };
}

export type ReplyWatchActivities = ReturnType<typeof createReplyWatchActivities>;
