/**
 * A worker dies in the middle of the work: `npm run worker`'s own entry (worker.ts, compiled as
 * `npm start` runs it, configured by its environment alone) runs ten orders at once down every path,
 * is killed with SIGKILL — no shutdown, tasks and local activities cut off mid-way — and a new
 * worker process takes over. Every order must still reach its end, and no money may move
 * twice: one hold and one settlement per order, exact balances, a consistent ledger.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { pollUntil } from '../../scripts/poll.js';
import { orderWorkflowId } from '../../workflows/order/messages.js';
import { connectTemporal, createTestDatabase, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { assertOutcome, contextFor, createArbiter, orderScenarios, revenueFrom, type ScenarioContext, type ScenarioEnv } from '../support/order-scenarios.js';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process.js';

describe('orders survive a worker process killed mid-way', () => {
  let database: TestDatabase;
  let temporal: Client;
  let env: ScenarioEnv;
  let workers: WorkerProcesses;
  const taskQueue = uniqueId('orders-crash');

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    env = { db: database.db, temporal, taskQueue };
    // `npm run worker` for this file's database and task queue, as production starts one.
    workers = workerProcesses({ entry: 'worker.ts', temporal, taskQueue, env: { LOG_LEVEL: 'warn', DATABASE_URL: database.url } });
  });
  after(async () => {
    await workers?.killAll();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('brings ten concurrent orders to their ends across a SIGKILL and a new worker, moving each one’s money once', { timeout: 120_000 }, async () => {
    // Every path once, and the plain one twice.
    const scenarios = [...orderScenarios, orderScenarios.find((s) => s.name === 'happy-path')!];
    assert.equal(scenarios.length, 10);
    const first = workers.spawn();
    const arbiter = await createArbiter(env);
    const contexts: ScenarioContext[] = await Promise.all(scenarios.map((s) => contextFor(env, s, arbiter)));
    await first.polling();

    const orderIds = await Promise.all(scenarios.map((s, i) => s.begin(contexts[i]!)));
    const seqOf = async () => {
      const rows = await database.db.sql<{ id: string; seq: number }[]>`select id, seq from orders where id in ${database.db.sql(orderIds)}`;
      return new Map(rows.map((r) => [Number(r.id), r.seq]));
    };
    const begun = await seqOf();

    // All at once to their ends; the worker is killed as soon as the first of them moves on.
    const finishing = Promise.allSettled(scenarios.map((s, i) => s.finish(contexts[i]!, orderIds[i]!)));
    await pollUntil(async () => [...(await seqOf())].some(([id, seq]) => seq > begun.get(id)!), {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'an order to move past where it began',
    });
    await first.kill();
    assert.equal(first.child.signalCode, 'SIGKILL');
    const [open] = await database.db.sql<{ n: number }[]>`select count(*)::int as n from orders where closed_at is null and id in ${database.db.sql(orderIds)}`;
    assert.ok(open!.n > 0, 'some orders were still open when the worker died');

    const second = workers.spawn();
    await second.polling();
    const results = await finishing;
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${scenarios[i]!.name} (order ${orderIds[i]}): ${String(r.reason)}`] : []));
    assert.deepEqual(failures, []);

    for (const [i, scenario] of scenarios.entries()) await assertOutcome(contexts[i]!, scenario, orderIds[i]!);
    // The kill cut workflow tasks off: Temporal timed them out and gave them to the new worker.
    const cutOff = await Promise.all(
      orderIds.map(async (id) => (await temporal.workflow.getHandle(orderWorkflowId(id)).fetchHistory()).events?.some((e) => e.workflowTaskTimedOutEventAttributes)),
    );
    assert.ok(cutOff.some(Boolean), 'a workflow task was in the killed worker’s hands');
    // Each order's own postings to revenue add up to what the platform earned, no more.
    const earned = await Promise.all(orderIds.map((id) => revenueFrom(database.db, id)));
    const [revenue] = await database.db.sql<{ balance: string }[]>`select balance from ledger_accounts where key = 'platform:revenue'`;
    assert.equal(Number(revenue!.balance), earned.reduce((a, b) => a + b, 0));
    assert.equal(Number(revenue!.balance), scenarios.reduce((sum, s) => sum + s.expected.revenueCents, 0));
    await assertLedgerConsistent(database.db);

    // The survivor stops as production stops a worker: SIGTERM, in-flight work finished, exit 0.
    await second.stop();
    assert.equal(second.child.exitCode, 0, second.output());
  });
});
