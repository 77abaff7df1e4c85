/**
 * Issue 19 §3: a placement commits the order (row, escrow hold, queued start) and starts its
 * workflow after the commit. When Temporal cannot take the start, the buyer is answered 503 and
 * the order stays placed with its money held; the buyer's retry with the same Idempotency-Key,
 * or a worker's sweep, starts it — once. Meanwhile the placement holds no database connection:
 * the API's other requests are served while it waits for Temporal. A real outage: a Temporal dev server of this file's
 * own, stopped and started again on the same state.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection, type Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createDb, type Db } from '../../db/client.js';
import { runOrderStarter, startQueuedOrders } from '../../db/order-starts.js';
import { pollUntil } from '../../scripts/poll.js';
import { registerSearchAttributes, startTemporalDevServer, type RunningDevServer } from '../../scripts/temporal-dev-server.js';
import { connectTemporalClient } from '../../services/temporal-client.js';
import { createMetricsService } from '../../services/metrics.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { createWorker, workflowsPath } from '../../worker.js';
import { orderWorkflowId, type OrderInput } from '../../workflows/order/messages.js';
import { callerFor, type Caller, type TestUser } from '../support/api.js';
import { buildApp, bundle, createTestDatabase, harness, uniqueId, type TestDatabase } from '../support/harness.js';
import { actOk, market, moneyOf, type Market } from '../support/orders.js';
import { freePort } from '../support/ports.js';

describe('an order whose workflow Temporal could not start at its placement', () => {
  let database: TestDatabase;
  let server: RunningDevServer | undefined;
  let serverOptions: Parameters<typeof startTemporalDevServer>[0];
  let temporal: { client: Client; close(): Promise<void> };
  let worker: { stop(): Promise<void> };
  let apiDb: Db;
  let call: Caller;
  let taskQueue: string;
  let shop: Market;

  async function startServer(): Promise<void> {
    server = await startTemporalDevServer(serverOptions);
  }

  /** A worker on this file's server: stopped before the server is, so that it does not poll an address nobody answers. */
  async function startOurWorker(): Promise<void> {
    const connection = await NativeConnection.connect({ address: server!.address });
    const running = await createWorker({ connection, namespace: harness.namespace, taskQueue, db: database.db, workflowBundle: await bundle(workflowsPath) });
    const run = running.run();
    worker = {
      async stop() {
        running.shutdown();
        await run;
        await connection.close();
      },
    };
  }

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    serverOptions = { cli: harness.temporalCli, dbFile: join(harness.scratch, `order-starts-${randomUUID()}.db`), port: await freePort(), namespace: harness.namespace, logLevel: 'error' };
    await startServer();
    const admin = await Connection.connect({ address: server!.address });
    await registerSearchAttributes(admin, harness.namespace);
    await admin.close();
    temporal = await connectTemporalClient({ address: server!.address, namespace: harness.namespace });
    taskQueue = uniqueId('order-starts');
    await startOurWorker();
    // One connection: a request holding it would stall every other (see placeWhileDown).
    apiDb = createDb(database.url, { max: 1 });
    call = callerFor(buildApp({ db: apiDb, temporal: temporal.client, taskQueue }));
    shop = await market(call, database.db, { fundsCents: 10_000 });
    const retryKey = randomUUID();
    const [retried, swept] = await placeWhileDown([retryKey, randomUUID()]);
    forRetry = { key: retryKey, orderId: retried!.orderId };
    forSweep = swept!;
  });
  after(async () => {
    await apiDb?.close();
    await worker?.stop();
    await temporal?.close();
    await server?.stop();
    await database?.drop();
  });

  /**
   * Places the shop's offer once under each key while Temporal is down, at once (each answer
   * waits for the client to give up its retries): 503 each, and the orders they committed.
   */
  async function placeWhileDown(keys: string[]): Promise<{ orderId: number; input: OrderInput }[]> {
    await worker.stop();
    await server!.stop();
    let answered = false;
    const placing = Promise.all(keys.map((key) => call('POST', '/orders', { token: shop.buyer.token, body: { offerId: shop.offerId }, headers: { 'idempotency-key': key } }))).finally(() => (answered = true));
    // Committed, and waiting for Temporal: they hold no database connection meanwhile, so the
    // API's only one serves everyone else (a transaction held across the start would stall them all).
    await pollUntil(async () => (await database.db.sql`select 1 from order_starts`).length === keys.length, { timeoutMs: 10_000, what: 'the placements to commit' });
    const page = await call('GET', `/offers/${shop.offerId}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(answered, false, 'the offer page answered while the placements still waited for Temporal');
    const answers = await placing;
    const placed = [];
    for (const [i, res] of answers.entries()) {
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'service_unavailable');
      const [row] = await database.db.sql<{ id: string; status: string; input: OrderInput }[]>`
        select o.id, o.status, s.input from orders o join order_starts s on s.order_id = o.id where o.buyer_id = ${shop.buyer.id} and o.request_key = ${keys[i]!}`;
      assert.ok(row, 'the order is placed and its start queued');
      assert.equal(row.status, 'awaiting_start');
      placed.push({ orderId: Number(row.id), input: row.input });
    }
    await startServer();
    await startOurWorker();
    return placed;
  }

  /** The two orders the outage left queued: one for the buyer's retry, one for a sweep. */
  let forRetry: { key: string; orderId: number };
  let forSweep: { orderId: number; input: OrderInput };

  async function queued(orderId: number): Promise<boolean> {
    const rows = await database.db.sql`select 1 from order_starts where order_id = ${orderId}`;
    return rows.length > 0;
  }

  /** The seller starts work: only a running workflow answers. */
  async function sellerStarts(seller: TestUser, orderId: number): Promise<void> {
    const view = await actOk(call, seller, orderId, { type: 'start_work' });
    assert.equal(view.status, 'in_progress');
  }

  it('keeps the order and its money held, and starts its workflow when the buyer retries with the same key', async () => {
    const { key, orderId } = forRetry;
    assert.equal((await moneyOf(database.db, orderId, shop)).escrow, 1_000, 'the order’s total is held in escrow');
    // Both queued starts as if an hour old: what `gigflow_order_starts_waiting` counts.
    await database.db.sql`update order_starts set created_at = created_at - interval '1 hour'`;
    assert.equal(await createMetricsService(database.db).orderStartsWaiting(), 2);
    // The retry answers the order placed the first time, once Temporal answers again.
    const retried = await pollUntil(
      async () => {
        const res = await call('POST', '/orders', { token: shop.buyer.token, body: { offerId: shop.offerId }, headers: { 'idempotency-key': key } });
        return res.status === 503 ? undefined : res;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the retried placement to be answered' },
    );
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal(retried.body.orderId, orderId);
    assert.equal(await queued(orderId), false, 'the queued start is gone');
    assert.equal(await createMetricsService(database.db).orderStartsWaiting(), 1, 'the other order’s still waits');
    await sellerStarts(shop.seller, orderId);
    const money = await moneyOf(database.db, orderId, shop);
    assert.equal(money.escrow, 1_000);
    assert.deepEqual(money.postings, ['hold'], 'one hold, not two');
  });

  it('is started by a worker’s sweep once its start has waited longer than the sweep’s grace, and only then — and never twice, even once closed', async () => {
    const { orderId, input } = forSweep;
    const start = createWorkflowGateway({ temporal: temporal.client, taskQueue }).order.start;
    const [row] = await database.db.sql<{ ms: number }[]>`select (extract(epoch from created_at) * 1000)::float8 as ms from order_starts where order_id = ${orderId}`;
    const queuedAt = row!.ms;
    // Both sides of the grace: a start queued exactly at the sweep's boundary is left for the next sweep.
    await startQueuedOrders(database.db, start, { before: new Date(queuedAt) });
    assert.equal(await queued(orderId), true, 'queued at the boundary: left for the next sweep');
    const stop = new AbortController();
    const sweeping = runOrderStarter({ db: database.db, start, signal: stop.signal, now: () => new Date(queuedAt + 1), afterMs: 0, intervalMs: 20 });
    try {
      await pollUntil(async () => !(await queued(orderId)), { timeoutMs: 30_000, what: 'the sweep to start the queued order' });
    } finally {
      stop.abort();
      await sweeping;
    }
    assert.equal(await createMetricsService(database.db).orderStartsWaiting(), 0);
    await sellerStarts(shop.seller, orderId);

    // A start that comes again (a retry after a lost answer, two workers' sweeps) is taken as done.
    const handle = temporal.client.workflow.getHandle(orderWorkflowId(orderId));
    const { runId } = await handle.describe();
    await start(input);
    assert.equal((await handle.describe()).runId, runId, 'the same run');
    await handle.terminate('test: the order ends');
    await start(input);
    const closed = await handle.describe();
    assert.equal(closed.runId, runId, 'still the closed run: none started anew');
    assert.equal(closed.status.name, 'TERMINATED');
  });
});
