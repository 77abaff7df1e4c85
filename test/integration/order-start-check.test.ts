/**
 * The order workflow checks its start input against the placement rules (K-04, K-05) before
 * anything else: a start that did not come from a placement — another client, the Temporal
 * CLI — with a price or a lead time the rules would not give fails at once, non-retryably, as
 * `invalid_input`, touching no money and writing nothing; support finds it failed in the UI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { DAY } from '../../workflows/lib/time.js';
import { orderWorkflowId, type OrderInput } from '../../workflows/order/messages.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import { connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';

describe('an order workflow started with an input the placement rules would not give', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  let taskQueue: string;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    temporal = await connectTemporal();
    taskQueue = uniqueId('order-start-check');
    worker = await startWorker(database.db, taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await temporal?.connection.close();
    await database?.drop();
  });

  /** An input as a placement of two units of a $10, 3-day kwork makes it, with `change` applied; its id is the database's next. */
  async function input(change: Partial<OrderInput>): Promise<OrderInput> {
    const [{ id }] = (await database.db.sql`select nextval(pg_get_serial_sequence('orders', 'id'))::int8 as id`) as unknown as [{ id: string }];
    return {
      orderId: Number(id),
      buyer: { id: 1, login: 'bea' },
      seller: { id: 2, login: 'sam' },
      offer: { offerId: 9, title: 'Logo', categoryId: 11, basePriceCents: 1_000, baseLeadTimeDays: 3, instructions: '', unitVolume: '' },
      line: { kind: 'basic', units: 2, options: [] },
      totalCents: 2_000,
      leadTimeMs: 4.5 * DAY,
      placedAt: new Date().toISOString(),
      requirements: null,
      policy: orderPolicy(),
      ...change,
    };
  }

  async function failureOf(forged: OrderInput): Promise<ApplicationFailure> {
    await createWorkflowGateway({ temporal, taskQueue }).order.start(forged);
    const handle = temporal.workflow.getHandle(orderWorkflowId(forged.orderId));
    const err = await handle.result().then(
      () => assert.fail('the workflow completed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
    return err.cause;
  }

  it('fails at once as invalid_input, non-retryably, for a total below the price of its units', async () => {
    const failure = await failureOf(await input({ totalCents: 1_000 }));
    assert.equal(failure.type, 'invalid_input');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /totalCents 1000 is not 2000/);
    const [{ n }] = (await database.db.sql`select count(*)::int as n from ledger_transactions`) as unknown as [{ n: number }];
    assert.equal(n, 0, 'no money moved');
  });

  it('fails the same way for a lead time shorter than the units take (K-05)', async () => {
    const failure = await failureOf(await input({ leadTimeMs: 3 * DAY }));
    assert.equal(failure.type, 'invalid_input');
    assert.match(failure.message, /leadTimeMs/);
  });
});
