/**
 * Issue 19 §2, §3: a request that begins a process commits its rows with the workflow's queued
 * start and starts the workflow after the commit (`db/workflow-starts.ts`). When Temporal cannot
 * take the start:
 * - a placement (and a signed-in job order: any request with an Idempotency-Key) answers 503,
 *   its rows kept (the order's money held); the retry with the same key, or a worker's sweep,
 *   starts the workflow — once;
 * - a service request (no key makes a retry safe) is answered as posted, and a worker's sweep
 *   starts its workflow.
 * Meanwhile none holds a database connection: the API's other requests are served while they
 * wait for Temporal. A real outage: a Temporal dev server of this file's own, stopped and
 * started again on the same state.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection, type Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createDb, type Db } from '../../db/client.js';
import { runWorkflowStarter, startQueuedWorkflows, type QueuedStart } from '../../db/workflow-starts.js';
import { pollUntil } from '../../scripts/poll.js';
import { registerSearchAttributes, startTemporalDevServer, type RunningDevServer } from '../../scripts/temporal-dev-server.js';
import { connectTemporalClient } from '../../services/temporal-client.js';
import { createMetricsService } from '../../services/metrics.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { createWorker, workflowsPath } from '../../worker.js';
import { jobWorkflowId } from '../../workflows/job/messages.js';
import { orderWorkflowId, type OrderInput } from '../../workflows/order/messages.js';
import { requestWorkflowId } from '../../workflows/request/messages.js';
import { callerFor, type Caller, type TestUser } from '../support/api.js';
import { buildApp, bundle, createTestDatabase, harness, uniqueId, type TestDatabase } from '../support/harness.js';
import { actOk, market, moneyOf, type Market } from '../support/orders.js';
import { freePort } from '../support/ports.js';

describe('what a request committed while Temporal could not start its workflow', () => {
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
    serverOptions = { cli: harness.temporalCli, dbFile: join(harness.scratch, `workflow-starts-${randomUUID()}.db`), port: await freePort(), namespace: harness.namespace, logLevel: 'error' };
    await startServer();
    const admin = await Connection.connect({ address: server!.address });
    await registerSearchAttributes(admin, harness.namespace);
    await admin.close();
    temporal = await connectTemporalClient({ address: server!.address, namespace: harness.namespace });
    taskQueue = uniqueId('workflow-starts');
    await startOurWorker();
    // One connection: a request holding it would stall every other (see placeWhileDown).
    apiDb = createDb(database.url, { max: 1 });
    call = callerFor(buildApp({ db: apiDb, temporal: temporal.client, taskQueue }));
    shop = await market(call, database.db, { fundsCents: 10_000 });
    const retryKey = randomUUID();
    const down = await whileDown([retryKey, randomUUID()]);
    forRetry = { key: retryKey, orderId: down.orders[0]!.orderId };
    forSweep = down.orders[1]!;
    job = down.job;
    requestId = down.requestId;
    anonymousJobId = down.anonymousJobId;
  });
  after(async () => {
    await apiDb?.close();
    await worker?.stop();
    await temporal?.close();
    await server?.stop();
    await database?.drop();
  });

  /** A service request as K-44 takes it: in a subcategory (11), with a budget. */
  const requestBody = { title: 'A logo for a bakery', description: 'Three sketches, then one final logo in vector files.', categoryId: 11, budgetCents: 5_000 };
  const jobBody = { title: 'Fix my contact form', description: 'The contact form sends nothing since the last update.', siteUrl: 'https://bakery.example', urgency: 'normal', budgetCents: 20_000 };

  /**
   * While Temporal is down, all at once (each answer waits for the client to give up its
   * retries): places the shop's offer once under each key (503 each), orders a job signed in
   * (503) and posts a service request (201). Answers what they committed.
   */
  async function whileDown(keys: string[]): Promise<{ orders: { orderId: number; input: QueuedStart }[]; job: { key: string; jobId: number }; requestId: number; anonymousJobId: number }> {
    await worker.stop();
    await server!.stop();
    let answered = false;
    const jobKey = randomUUID();
    const placing = Promise.all([
      Promise.all(keys.map((key) => call('POST', '/orders', { token: shop.buyer.token, body: { offerId: shop.offerId }, headers: { 'idempotency-key': key } }))),
      call('POST', '/jobs', { token: shop.buyer.token, body: jobBody, headers: { 'idempotency-key': jobKey } }),
      call('POST', '/requests', { token: shop.buyer.token, body: requestBody }),
      call('POST', '/jobs', { body: { ...jobBody, email: anonymousEmail }, headers: { 'idempotency-key': randomUUID() } }),
    ]).finally(() => (answered = true));
    // Committed, and waiting for Temporal: they hold no database connection meanwhile, so the
    // API's only one serves everyone else (a transaction held across the start would stall them all).
    await pollUntil(async () => (await database.db.sql`select 1 from workflow_starts`).length === keys.length + 3, { timeoutMs: 10_000, what: 'the requests to commit' });
    const page = await call('GET', `/offers/${shop.offerId}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(answered, false, 'the offer page answered while the requests still waited for Temporal');
    const [placements, ordered, posted, anonymous] = await placing;
    const orders = [];
    for (const [i, res] of placements.entries()) {
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'service_unavailable');
      const [row] = await database.db.sql<{ id: string; status: string; input: OrderInput }[]>`
        select o.id, o.status, s.input from orders o join workflow_starts s on s.workflow_id = 'order-' || o.id and s.process = 'order'
        where o.buyer_id = ${shop.buyer.id} and o.request_key = ${keys[i]!}`;
      assert.ok(row, 'the order is placed and its start queued');
      assert.equal(row.status, 'awaiting_start');
      orders.push({ orderId: Number(row.id), input: { process: 'order', workflowId: orderWorkflowId(Number(row.id)), input: row.input } satisfies QueuedStart });
    }
    assert.equal(ordered.status, 503, JSON.stringify(ordered.body));
    const [jobRow] = await database.db.sql<{ id: string }[]>`select id from jobs where client_id = ${shop.buyer.id} and request_key = ${jobKey}`;
    assert.ok(jobRow, 'the job is ordered');
    const jobId = Number(jobRow.id);
    assert.equal(await queued(jobWorkflowId(jobId)), true, 'its start queued');
    assert.equal(posted.status, 201, 'no key makes a retry safe: the request is answered as posted');
    assert.equal(posted.body.status, 'awaiting_moderation');
    assert.equal(await queued(requestWorkflowId(posted.body.id)), true, 'its start queued');
    assert.equal(anonymous.status, 201, 'signed out, a retry would meet the account the order made: the job is answered as ordered');
    assert.deepEqual([anonymous.body.status, anonymous.body.accountCreated], ['awaiting_verification', true]);
    assert.equal(await queued(jobWorkflowId(anonymous.body.jobId)), true, 'its start queued');
    await startServer();
    await startOurWorker();
    return { orders, job: { key: jobKey, jobId }, requestId: posted.body.id, anonymousJobId: anonymous.body.jobId };
  }

  /** What the outage left queued: an order for the buyer's retry, one for a sweep, the job for its retry, the request for a sweep. */
  let forRetry: { key: string; orderId: number };
  let forSweep: { orderId: number; input: QueuedStart };
  let job: { key: string; jobId: number };
  let requestId: number;
  /** A job ordered signed out (W-01): its account waits for activation. */
  let anonymousJobId: number;
  const anonymousEmail = `outbox_anonymous_${process.pid}@example.com`;

  async function queued(workflowId: string): Promise<boolean> {
    const rows = await database.db.sql`select 1 from workflow_starts where workflow_id = ${workflowId}`;
    return rows.length > 0;
  }

  async function running(workflowId: string): Promise<boolean> {
    return (await temporal.client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  }

  /** The seller starts work: only a running workflow answers. */
  async function sellerStarts(seller: TestUser, orderId: number): Promise<void> {
    const view = await actOk(call, seller, orderId, { type: 'start_work' });
    assert.equal(view.status, 'in_progress');
  }

  it('keeps the order and its money held, and starts its workflow when the buyer retries with the same key', async () => {
    const { key, orderId } = forRetry;
    assert.equal((await moneyOf(database.db, orderId, shop)).escrow, 1_000, 'the order’s total is held in escrow');
    // Every queued start as if an hour old: what `gigflow_workflow_starts_waiting` counts.
    await database.db.sql`update workflow_starts set created_at = created_at - interval '1 hour'`;
    assert.deepEqual(await createMetricsService(database.db).workflowStartsWaiting(), { order: 2, job: 2, request: 1, withdrawal: 0, individual_offer: 0, moderation: 0 });
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
    assert.equal(await queued(orderWorkflowId(orderId)), false, 'the queued start is gone');
    assert.equal((await createMetricsService(database.db).workflowStartsWaiting()).order, 1, 'the other order’s still waits');
    await sellerStarts(shop.seller, orderId);
    const money = await moneyOf(database.db, orderId, shop);
    assert.equal(money.escrow, 1_000);
    assert.deepEqual(money.postings, ['hold'], 'one hold, not two');
  });

  it('starts a signed-in job order’s workflow when the client retries with the same key: the same job', async () => {
    const { key, jobId } = job;
    const retried = await pollUntil(
      async () => {
        const res = await call('POST', '/jobs', { token: shop.buyer.token, body: jobBody, headers: { 'idempotency-key': key } });
        return res.status === 503 ? undefined : res;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the retried job order to be answered' },
    );
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal(retried.body.jobId, jobId);
    assert.equal(await queued(jobWorkflowId(jobId)), false, 'the queued start is gone');
    assert.equal(await running(jobWorkflowId(jobId)), true);
    const page = await call('GET', `/jobs/${jobId}`, { token: shop.buyer.token });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.status, 'open', 'the job waits for an expert');
  });

  it('releases a signed-out client’s job when they activate their account before its workflow has started: it starts in the experts’ queue (W-01)', async () => {
    const mail = (await call('GET', `/dev/outbox?to=${encodeURIComponent(anonymousEmail)}`)).body.items as { body: string }[];
    assert.equal(mail.length, 1, 'one activation mail');
    const token = /\/activate\?token=(\S+)/.exec(mail[0]!.body)?.[1];
    assert.ok(token, mail[0]!.body);
    // Temporal answers again, and no sweep has run: the job's workflow does not exist yet.
    assert.equal(await queued(jobWorkflowId(anonymousJobId)), true);
    const activated = await call('POST', '/auth/activate', { body: { token, password: 'a long enough password 1' } });
    assert.equal(activated.status, 200, JSON.stringify(activated.body));
    assert.equal(await queued(jobWorkflowId(anonymousJobId)), false, 'started by the activation');
    const view = await createWorkflowGateway({ temporal: temporal.client, taskQueue }).job.view(anonymousJobId, 'staff');
    assert.equal(view.status, 'open', 'the workflow started with the client verified');
    const [row] = await database.db.sql<{ status: string }[]>`select status from jobs where id = ${anonymousJobId}`;
    assert.equal(row!.status, 'open', 'in the experts’ queue');
    const [attention] = await database.db.sql<{ n: number }[]>`select count(*)::int as n from workflow_attention where process = 'account_activation'`;
    assert.equal(attention!.n, 0, 'nothing for staff to look at');
  });

  it('is started by a worker’s sweep once its start has waited longer than the sweep’s grace, and only then — and never twice, even once closed', async () => {
    const { orderId, input } = forSweep;
    const gateway = createWorkflowGateway({ temporal: temporal.client, taskQueue });
    const start = gateway.startQueued;
    const [row] = await database.db.sql<{ ms: number }[]>`select (extract(epoch from created_at) * 1000)::float8 as ms from workflow_starts where workflow_id = ${orderWorkflowId(orderId)}`;
    const queuedAt = row!.ms;
    // Both sides of the grace: a start queued exactly at the sweep's boundary is left for the next sweep.
    await startQueuedWorkflows(database.db, start, { before: new Date(queuedAt) });
    assert.equal(await queued(orderWorkflowId(orderId)), true, 'queued at the boundary: left for the next sweep');
    const stop = new AbortController();
    const sweeping = runWorkflowStarter({ db: database.db, start, signal: stop.signal, now: () => new Date(Date.now() + 1), afterMs: 0, intervalMs: 20 });
    try {
      await pollUntil(async () => (await database.db.sql`select 1 from workflow_starts`).length === 0, { timeoutMs: 30_000, what: 'the sweep to start every queued workflow' });
    } finally {
      stop.abort();
      await sweeping;
    }
    assert.deepEqual(await createMetricsService(database.db).workflowStartsWaiting(), { order: 0, job: 0, request: 0, withdrawal: 0, individual_offer: 0, moderation: 0 });
    await sellerStarts(shop.seller, orderId);
    // The service request a buyer posted during the outage: its workflow runs, and staff's approval goes through it.
    assert.equal(await running(requestWorkflowId(requestId)), true);

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
