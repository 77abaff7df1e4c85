/**
 * A worker dies in the middle of a payout batch: a worker process (worker.ts's `createWorker`,
 * with the payment adapters pointed at this file's stand-ins) runs a batch of twelve
 * withdrawals, is killed with SIGKILL — no shutdown; payouts, writes and workflow tasks cut off
 * mid-way — once the batch has begun taking them, and a new worker process takes over. Every
 * withdrawal must be paid, and exactly once: one payout at the provider (the same idempotency
 * key on every attempt), one hold and one settle in the ledger, and the batch's reconciliation
 * equal to them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { nextBatchAt } from '../../payments/batch-calendar.js';
import { pollUntil } from '../../scripts/poll.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { payoutBatchWorkflowId, type PayoutBatchView } from '../../workflows/payout-batch/messages.js';
import type { payoutBatchWorkflow } from '../../workflows/payout-batch/workflow.js';
import { withdrawalWorkflowId, type WithdrawalInput } from '../../workflows/withdrawal/messages.js';
import { withdrawalPolicy } from '../../workflows/withdrawal/policy.js';
import { connectTemporal, createTestDatabase, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent, createUsers } from '../support/ledger.js';
import { fund } from '../support/orders.js';
import { startPaymentStandIns, TEST_CARDS, type PaymentStandIns } from '../support/payments.js';
import { assertBatchesReconciled, assertWithdrawalMoney, cardPayoutsOf, payoutWebhookReceiver, requestWithdrawal, savePayoutCard } from '../support/withdrawals.js';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process.js';

const COUNT = 12;

describe('a payout batch survives a worker process killed mid-way', () => {
  let database: TestDatabase;
  let temporal: Client;
  let stand: PaymentStandIns;
  let workers: WorkerProcesses;
  const taskQueue = uniqueId('withdrawals-crash');

  before(async () => {
    // Payouts stay pending a while, so the kill finds some sent and none confirmed.
    [database, temporal, stand] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal(), startPaymentStandIns({ delays: { payoutMs: 2_000 } })]);
    stand.attach(payoutWebhookReceiver(database.db, stand.providers, createWorkflowGateway({ temporal, taskQueue })));
    workers = workerProcesses({ entry: 'test/support/withdrawal-worker.ts', temporal, taskQueue, env: { DATABASE_URL: database.url, GIGFLOW_TEST_PROVIDERS_URL: stand.url } });
  });
  after(async () => {
    await workers?.killAll();
    await stand?.stop();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('pays each of twelve withdrawals exactly once across a SIGKILL and a new worker, and reconciles the batch to them', { timeout: 180_000 }, async () => {
    const db = database.db;
    const gateway = createWorkflowGateway({ temporal, taskQueue });
    const first = workers.spawn();
    const users = await createUsers(db, COUNT);
    const withdrawals: WithdrawalInput[] = await Promise.all(
      users.map(async (userId, i) => {
        await fund(db, userId, 10_000);
        const card = await savePayoutCard(stand.providers.card, userId, TEST_CARDS.success);
        return requestWithdrawal(db, gateway, { userId, method: 'card', destination: card.token, destinationLabel: card.label, amountCents: 1_000 + 100 * i, atMs: Date.now() });
      }),
    );
    await first.polling();

    const scheduledAt = new Date(nextBatchAt(Date.now(), withdrawalPolicy().batch)).toISOString();
    const batch = await temporal.workflow.start<typeof payoutBatchWorkflow>('payoutBatchWorkflow', { taskQueue, workflowId: payoutBatchWorkflowId(scheduledAt), args: [{ scheduledAt }] });
    const ids = withdrawals.map((w) => w.withdrawalId);
    await pollUntil(async () => {
      const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from withdrawals where id in ${db.sql(ids)} and status <> 'requested'`;
      return row!.n > 0;
    }, { timeoutMs: 30_000, intervalMs: 20, what: 'the batch to take a withdrawal' });
    await first.kill();
    const [open] = await db.sql<{ n: number }[]>`select count(*)::int as n from withdrawals where id in ${db.sql(ids)} and status <> 'paid'`;
    assert.ok(open!.n > 0, 'some withdrawals were not paid yet when the worker died');

    const second = workers.spawn();
    await second.polling();
    const view = (await batch.result()) as PayoutBatchView;
    assert.deepEqual([view.status, view.totals?.paidCount, view.totals?.taken], ['reconciled', COUNT, COUNT]);

    for (const w of withdrawals) {
      const payouts = await cardPayoutsOf(stand.url, w.withdrawalId);
      assert.deepEqual(payouts.map((p) => [p.amount, p.status]), [[w.netCents, 'paid']], `withdrawal ${w.withdrawalId}: one payout at the provider`);
      await assertWithdrawalMoney(db, w, 'settled');
      assert.equal(((await temporal.workflow.getHandle(withdrawalWorkflowId(w.withdrawalId)).result()) as { status: string }).status, 'paid');
    }
    // The kill cut work off: Temporal timed out what the dead worker held and gave it to the new one.
    const histories = await Promise.all([batch.workflowId, ...ids.map(withdrawalWorkflowId)].map((id) => temporal.workflow.getHandle(id).fetchHistory()));
    const cutOff = histories.filter((h) => h.events?.some((e) => e.workflowTaskTimedOutEventAttributes || e.activityTaskTimedOutEventAttributes || (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1));
    assert.ok(cutOff.length > 0, 'work was in the killed worker’s hands');
    assert.equal(await assertBatchesReconciled(db), 1);
    const [sums] = await db.sql<{ gross: string; fees: string }[]>`select gross, fees from payout_batches where id = ${payoutBatchWorkflowId(scheduledAt)}`;
    assert.equal(Number(sums!.gross), withdrawals.reduce((sum, w) => sum + w.amountCents, 0));
    assert.equal(Number(sums!.fees), withdrawals.reduce((sum, w) => sum + w.feeCents, 0));
    await assertLedgerConsistent(db);

    await second.stop();
  });
});
