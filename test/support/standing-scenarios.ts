/**
 * The standing runs whose histories `npm run histories:capture -- standing` records for the
 * replay test (`test/replay/histories.test.ts`), on a real worker under a policy of
 * seconds (the same rules, shorter): an ignored order's block lifting by itself, rudeness warned
 * then blocked and lifted early by staff, spam warned then the account blocked until it lifts,
 * and a standing continued as new past its bound of events (the run that began from the carried
 * state, to its end). Each
 * ends when its last violation leaves the (short) repeat window.
 */
import assert from 'node:assert/strict';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { ignoredOrderViolationId, standingWorkflowId, standingWorkflowType, violationSignal, type StandingPolicy, type StandingView, type ViolationReport } from '../../workflows/standing/messages.js';
import { standingPolicy } from '../../workflows/standing/policy.js';
import { startSearchAttributes } from '../../workflows/standing/search.js';
import type { standingWorkflow } from '../../workflows/standing/workflow.js';
import { createUsers } from './ledger.js';
import type { ScenarioEnv } from './order-scenarios.js';

const SECOND_MS = 1_000;

/** The fixtures, each `standing-<name>.json`. */
export const standingScenarios = ['ignored-lifted', 'rudeness-staff-lift', 'spam-account-block', 'continued-as-new'] as const;
export const standingHistoryFile = (name: (typeof standingScenarios)[number]) => `standing-${name}.json`;

/** The standing rules in seconds: blocks of 1 s (staff's lift comes first for rudeness's 1 h), a window of 3 s. */
export function secondsPolicy(overrides: Partial<StandingPolicy> = {}): StandingPolicy {
  const p = standingPolicy();
  return {
    ...p,
    repeatWindowMs: 3 * SECOND_MS,
    ladders: {
      ...p.ladders,
      ignored_order: [{ sanction: 'offers_block', baseMs: SECOND_MS }],
      rudeness: [{ sanction: 'warning' }, { sanction: 'offers_block', baseMs: 3_600 * SECOND_MS }],
      spam: [{ sanction: 'warning' }, { sanction: 'account_block', baseMs: SECOND_MS }],
    },
    ...overrides,
  };
}

/** The history of the standing's latest run, once it has ended. */
async function historyOf(env: ScenarioEnv, userId: number): Promise<string> {
  const handle = env.temporal.workflow.getHandle(standingWorkflowId(userId));
  await handle.result();
  return historyToJSON(await handle.fetchHistory());
}

/** Runs every scenario to its end, checks each ended as expected, and answers the histories by fixture file. */
export async function captureStandingHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  const policy = secondsPolicy();
  const gateway = createWorkflowGateway({ temporal: env.temporal, taskQueue: env.taskQueue, standingPolicy: policy });
  const [staffId, seller, rude, spammer, chatty] = await createUsers(env.db, 5);
  const staff = staffId!;

  // As the order's write reports it (activities/orders.ts), twice: a retry counts once.
  for (let i = 0; i < 2; i++) {
    await env.temporal.workflow.signalWithStart<typeof standingWorkflow, [ViolationReport]>(standingWorkflowType, {
      workflowId: standingWorkflowId(seller!),
      taskQueue: env.taskQueue,
      args: [{ userId: seller!, policy }],
      signal: violationSignal,
      signalArgs: [{ violationId: ignoredOrderViolationId(9_001), kind: 'ignored_order', reason: 'order #9001 was not started within 24 hours', orderId: 9_001 }],
      typedSearchAttributes: startSearchAttributes(seller!),
    });
  }

  await gateway.standing.sanction(rude!, { staffId: staff, kind: 'rudeness', reason: 'rude to a buyer' });
  const blocked = await gateway.standing.sanction(rude!, { staffId: staff, kind: 'rudeness', reason: 'rude again' });
  assert.equal(blocked.sanction, 'offers_blocked');
  assert.equal((await gateway.standing.lift(rude!, { staffId: staff, block: 'offers', reason: 'apologised' })).offersBlock, null);

  await gateway.standing.sanction(spammer!, { staffId: staff, kind: 'spam', reason: 'spam in chat' });
  assert.equal((await gateway.standing.sanction(spammer!, { staffId: staff, kind: 'spam', reason: 'spam again' })).sanction, 'account_blocked');

  const short = createWorkflowGateway({ temporal: env.temporal, taskQueue: env.taskQueue, standingPolicy: secondsPolicy({ maxHistoryEvents: 30 }) });
  await short.standing.sanction(chatty!, { staffId: staff, kind: 'financial_terms', reason: 'fees talk 0' });
  const firstRun = (await env.temporal.workflow.getHandle(standingWorkflowId(chatty!)).describe()).runId;
  let view: StandingView | undefined;
  for (let i = 1; i < 8; i++) view = await short.standing.sanction(chatty!, { staffId: staff, kind: 'financial_terms', reason: `fees talk ${i}` });
  assert.equal(view?.counts.financial_terms, 8);

  const histories: [string, string][] = [
    [standingHistoryFile('ignored-lifted'), await historyOf(env, seller!)],
    [standingHistoryFile('rudeness-staff-lift'), await historyOf(env, rude!)],
    [standingHistoryFile('spam-account-block'), await historyOf(env, spammer!)],
  ];
  const continued = await historyOf(env, chatty!);
  assert.notEqual((await env.temporal.workflow.getHandle(standingWorkflowId(chatty!)).describe()).runId, firstRun, 'continued as new');
  const input = JSON.parse(continued).events[0].workflowExecutionStartedEventAttributes.input.payloads[0].data as string;
  assert.match(Buffer.from(input, 'base64').toString('utf8'), /"carried"/, 'the new run began from the carried state');
  histories.push([standingHistoryFile('continued-as-new'), continued]);
  return new Map(histories);
}
