/**
 * The withdrawal and payout-batch runs whose histories `npm run histories:capture -- withdrawal`
 * records for the replay test (`test/replay/histories.test.ts`): on a real worker with
 * the payment stand-ins, a withdrawal paid, one the provider fails and one the owner cancels,
 * the batch that paid and failed them (reconciled), and a batch on a public holiday (skipped).
 * The batches are started directly, as the payout Schedule would start them.
 */
import assert from 'node:assert/strict';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { nextBatchAt } from '../../payments/batch-calendar.js';
import type { Providers } from '../../payments/provider.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { payoutBatchWorkflowId, type PayoutBatchView } from '../../workflows/payout-batch/messages.js';
import type { payoutBatchWorkflow } from '../../workflows/payout-batch/workflow.js';
import { withdrawalWorkflowId, type WithdrawalInput, type WithdrawalView } from '../../workflows/withdrawal/messages.js';
import { withdrawalPolicy } from '../../workflows/withdrawal/policy.js';
import { createUsers } from './ledger.js';
import { fund } from './orders.js';
import type { ScenarioEnv } from './order-scenarios.js';
import { TEST_CARDS } from './payments.js';
import { requestWithdrawal, savePayoutCard } from './withdrawals.js';

/** The fixtures, each `withdrawal-<name>.json`. */
export const withdrawalScenarios = ['paid', 'failed', 'cancelled', 'batch-reconciled', 'batch-skipped-holiday'] as const;
export const withdrawalHistoryFile = (name: (typeof withdrawalScenarios)[number]) => `withdrawal-${name}.json`;

/** Christmas Day 2026, a Friday: a batch day and a Polish public holiday. */
const HOLIDAY_BATCH = '2026-12-25T11:00:00.000Z';

async function historyOf(env: ScenarioEnv, workflowId: string): Promise<string> {
  const handle = env.temporal.workflow.getHandle(workflowId);
  await handle.result();
  return historyToJSON(await handle.fetchHistory());
}

async function startBatch(env: ScenarioEnv, scheduledAt: string): Promise<PayoutBatchView> {
  const handle = await env.temporal.workflow.start<typeof payoutBatchWorkflow>('payoutBatchWorkflow', {
    taskQueue: env.taskQueue,
    workflowId: payoutBatchWorkflowId(scheduledAt),
    args: [{ scheduledAt }],
  });
  return handle.result();
}

/** Runs every scenario to its end, checks each ended as expected, and answers the histories by fixture file. */
export async function captureWithdrawalHistories(env: ScenarioEnv, providers: Providers): Promise<Map<string, string>> {
  const gateway = createWorkflowGateway({ temporal: env.temporal, taskQueue: env.taskQueue });
  const users = await createUsers(env.db, 3);
  await Promise.all(users.map((id) => fund(env.db, id, 10_000)));
  const request = async (userId: number, number: string): Promise<WithdrawalInput> => {
    const card = await savePayoutCard(providers.card, userId, number);
    return requestWithdrawal(env.db, gateway, { userId, method: 'card', destination: card.token, destinationLabel: card.label, amountCents: 5_000, atMs: Date.now() });
  };
  const paid = await request(users[0]!, TEST_CARDS.success);
  const failed = await request(users[1]!, TEST_CARDS.payoutFails);
  const cancelled = await request(users[2]!, TEST_CARDS.success);
  assert.equal((await gateway.withdrawal.act(cancelled.withdrawalId, { actor: { role: 'owner', id: cancelled.userId }, action: { type: 'cancel' } })).status, 'cancelled');

  const scheduledAt = new Date(nextBatchAt(Date.now(), withdrawalPolicy().batch)).toISOString();
  const [batch, holiday] = await Promise.all([startBatch(env, scheduledAt), startBatch(env, HOLIDAY_BATCH)]);
  assert.deepEqual([batch.status, batch.totals?.paidCount, batch.totals?.failedCount], ['reconciled', 1, 1]);
  assert.deepEqual([holiday.status, holiday.holiday], ['skipped_holiday', 'Christmas Day']);
  const ends: [WithdrawalInput, WithdrawalView['status']][] = [[paid, 'paid'], [failed, 'failed'], [cancelled, 'cancelled']];
  for (const [w, status] of ends) {
    const result = (await env.temporal.workflow.getHandle(withdrawalWorkflowId(w.withdrawalId)).result()) as WithdrawalView;
    assert.equal(result.status, status, `withdrawal ${w.withdrawalId}`);
  }
  return new Map([
    [withdrawalHistoryFile('paid'), await historyOf(env, withdrawalWorkflowId(paid.withdrawalId))],
    [withdrawalHistoryFile('failed'), await historyOf(env, withdrawalWorkflowId(failed.withdrawalId))],
    [withdrawalHistoryFile('cancelled'), await historyOf(env, withdrawalWorkflowId(cancelled.withdrawalId))],
    [withdrawalHistoryFile('batch-reconciled'), await historyOf(env, payoutBatchWorkflowId(scheduledAt))],
    [withdrawalHistoryFile('batch-skipped-holiday'), await historyOf(env, payoutBatchWorkflowId(HOLIDAY_BATCH))],
  ]);
}
