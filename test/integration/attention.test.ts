/**
 * A write that can never succeed never wedges a workflow (issue 13, part 2). A failure injected
 * into the order's effects activity — non-retryable, as the activities classify a data error —
 * leaves the order as the database has it (the action undone, not a cent moved), holding:
 * actions refused with 409 `needs_attention`, timers waiting, queries answered at once. Support
 * find it (`GET /staff/attention`, `GigflowNeedsAttention`) and resolve it; then it goes on, and
 * a deadline that failed is tried again and moves its money exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { OrderEventRecord } from '../../activities/orders.js';
import { pollUntil } from '../../scripts/poll.js';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { SA } from '../../workflows/lib/search-attributes.js';
import { orderWorkflowId } from '../../workflows/order/messages.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import { callerFor, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { act, actOk, market, moneyOf, placeOrder, viewAs, type Market } from '../support/orders.js';

describe('an order whose write fails for good', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let worker: { stop(): Promise<void> };
  let m: Market;
  let support: TestUser;
  /** Writes to fail once, by a predicate over the record. */
  const failOnce: ((record: OrderEventRecord) => boolean)[] = [];

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    const taskQueue = uniqueId('attention');
    // Short review periods, so the automatic acceptance happens within the test.
    call = callerFor(buildApp({ db: database.db, temporal, taskQueue, orderPolicy: { ...orderPolicy(), reviewMs: 3_000, reviewReminderBeforeMs: 1_000 } }));
    worker = await startWorker(database.db, taskQueue, (activities) => ({
      ...activities,
      async recordOrderEvent(record: OrderEventRecord) {
        const index = failOnce.findIndex((matches) => matches(record));
        if (index >= 0) {
          failOnce.splice(index, 1);
          // What `withClassifiedFailures` makes of text PostgreSQL refuses.
          throw ApplicationFailure.create({ type: 'data_error', message: 'the database refused the write (SQLSTATE 22P05): injected', nonRetryable: true });
        }
        return activities.recordOrderEvent(record);
      },
    }));
    m = await market(call, database.db, { fundsCents: 5_000 });
    support = await signUp(call, 'support');
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(support.id, 'support');
  });
  after(async () => {
    await worker?.stop();
    await database?.drop();
    await temporal?.connection.close();
  });

  const heldList = async () => (await call('GET', '/staff/attention', { token: support.token })).body.items as { workflowId: string; failureType: string }[];
  const needsAttention = async (orderId: number) => (await temporal.workflow.getHandle(orderWorkflowId(orderId)).describe()).typedSearchAttributes.get(SA.needsAttention);

  it('undoes the failed action, holds, answers reads at once, and goes on once support resolve it', async () => {
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await actOk(call, m.seller, order.orderId, { type: 'start_work' });
    const money = await moneyOf(database.db, order.orderId, m);
    failOnce.push((r) => r.orderId === order.orderId && r.view.status === 'in_review');

    const refused = await act(call, m.seller, order.orderId, { type: 'deliver', text: 'The logo', links: [] });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'needs_attention');

    // Reads are answered from the workflow's state at once: as the database has it.
    const started = performance.now();
    const view = await viewAs(call, m.buyer, order.orderId);
    const readMs = performance.now() - started;
    assert.ok(readMs < 2_000, `the order read took ${Math.round(readMs)} ms`);
    assert.equal(view.status, 'in_progress');
    assert.deepEqual(view.deliveries, []);
    assert.deepEqual(await moneyOf(database.db, order.orderId, m), money, 'not a cent moved');
    const [row] = await database.db.sql<{ status: string }[]>`select status from orders where id = ${order.orderId}`;
    assert.equal(row!.status, 'in_progress', 'the list says what the view says');

    // Held: every action is refused until support resolve it.
    const held = await act(call, m.seller, order.orderId, { type: 'report_progress', percent: 50, comment: 'Half done' });
    assert.equal(held.status, 409);
    assert.equal(held.body.error.code, 'needs_attention');
    assert.ok((await heldList()).some((h) => h.workflowId === orderWorkflowId(order.orderId) && h.failureType === 'data_error'));
    await pollUntil(async () => (await needsAttention(order.orderId)) === true, { what: 'GigflowNeedsAttention', timeoutMs: 20_000 });
    assert.equal((await call('GET', '/staff/attention', { token: m.buyer.token })).status, 403);

    const resolved = await call('POST', `/staff/attention/${orderWorkflowId(order.orderId)}/resolve`, { token: support.token, body: { note: 'checked the data' } });
    assert.equal(resolved.status, 204, JSON.stringify(resolved.body));
    assert.ok(!(await heldList()).some((h) => h.workflowId === orderWorkflowId(order.orderId)));
    await pollUntil(async () => (await needsAttention(order.orderId)) === undefined, { what: 'GigflowNeedsAttention cleared', timeoutMs: 20_000 });
    const again = await call('POST', `/staff/attention/${orderWorkflowId(order.orderId)}/resolve`, { token: support.token, body: {} });
    assert.equal(again.status, 404);

    const delivered = await actOk(call, m.seller, order.orderId, { type: 'deliver', text: 'The logo', links: [] });
    assert.equal(delivered.status, 'in_review');
    await assertLedgerConsistent(database.db);
  });

  it('holds a deadline whose write fails, tries it again once resolved, and moves the money once', async () => {
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await actOk(call, m.seller, order.orderId, { type: 'start_work' });
    failOnce.push((r) => r.orderId === order.orderId && r.effects.money?.op === 'release');
    await actOk(call, m.seller, order.orderId, { type: 'deliver', text: 'The logo', links: [] });

    // The automatic acceptance (3 s here) fails: the order holds, still in review, the money in escrow.
    await pollUntil(async () => (await heldList()).some((h) => h.workflowId === orderWorkflowId(order.orderId)), { what: 'the hold in the staff list', timeoutMs: 30_000 });
    assert.equal((await viewAs(call, m.buyer, order.orderId)).status, 'in_review');
    assert.ok((await moneyOf(database.db, order.orderId, m)).escrow > 0, 'still in escrow');

    const resolved = await call('POST', `/staff/attention/${orderWorkflowId(order.orderId)}/resolve`, { token: support.token, body: {} });
    assert.equal(resolved.status, 204);
    const done = await pollUntil(async () => {
      const [row] = await database.db.sql<{ status: string }[]>`select status from orders where id = ${order.orderId}`;
      return row?.status === 'completed' ? row : undefined;
    }, { what: 'the automatic acceptance, tried again', timeoutMs: 30_000 });
    assert.equal(done.status, 'completed');
    const settled = await moneyOf(database.db, order.orderId, m);
    assert.equal(settled.escrow, 0);
    assert.deepEqual(settled.postings, ['hold', 'release'], 'released exactly once');
    await assertLedgerConsistent(database.db);
  });
});
