/**
 * Issue 19 §4: one placed order is one trace. The API's request span, the client's
 * StartWorkflow and the workflow's RunWorkflow share the request's trace id, each span's parent
 * is in that trace, and the request's span is its root; an action on the order (an Update) is a
 * trace of its own down to the activity that writes it. The workflow's
 * run span ends with the workflow, so the order is taken to its end (accepted) first. Spans are
 * collected in memory through the tracer provider the processes would export by OTLP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NativeConnection, Worker } from '@temporalio/worker';
import { pollUntil } from '../../scripts/poll.js';
import { connectTemporalClient } from '../../services/temporal-client.js';
import { startTracingWith, type Tracing } from '../../telemetry/tracing.js';
import { createWorker, ownBundle, workflowsPath } from '../../worker.js';
import { callerFor, type Caller } from '../support/api.js';
import { buildApp, bundle, createTestDatabase, harness, uniqueId, type TestDatabase } from '../support/harness.js';
import { actOk, market, placeOrder, type Market } from '../support/orders.js';
import { quietBundlerLogger } from '../support/shared-fixtures.js';

describe('traces through the API, Temporal, the workflow and its activities', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof connectTemporalClient>>;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let call: Caller;
  let m: Market;

  before(async () => {
    tracing = startTracingWith(new SimpleSpanProcessor(exporter), 'gigflow-test');
    const taskQueue = uniqueId('traced');
    let workflowBundle;
    [database, temporal, connection, workflowBundle] = await Promise.all([
      createTestDatabase(import.meta.filename),
      connectTemporalClient({ address: harness.temporalAddress, namespace: harness.namespace, traced: true }),
      NativeConnection.connect({ address: harness.temporalAddress }),
      // The traced worker's own bundle, OpenTelemetry's workflow interceptors in it (kept between runs).
      ownBundle(true, quietBundlerLogger),
    ]);
    worker = await createWorker({ connection, namespace: harness.namespace, taskQueue, db: database.db, workflowBundle, tracing });
    running = worker.run();
    call = callerFor(buildApp({ db: database.db, temporal: temporal.client, taskQueue }));
    m = await market(call, database.db);
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await Promise.allSettled([connection?.close(), temporal?.close(), tracing?.shutdown()]);
    await database?.drop();
  });

  /** The spans of the trace whose root is the request span named `root`, once `until` are all among them. */
  async function traceOf(root: string, until: string[]): Promise<ReadableSpan[]> {
    return pollUntil(
      () => {
        const spans = exporter.getFinishedSpans();
        const request = spans.filter((s) => s.name === root).at(-1);
        if (!request) return undefined;
        const trace = spans.filter((s) => s.spanContext().traceId === request.spanContext().traceId);
        return until.every((name) => trace.some((s) => s.name.startsWith(name))) ? trace : undefined;
      },
      { timeoutMs: 20_000, what: `the spans ${until.join(', ')} under ${root}` },
    );
  }

  /** Every span's parent is a span of the trace, but the root's, which is the request's. */
  function assertConnected(trace: ReadableSpan[], root: string): void {
    const ids = new Set(trace.map((s) => s.spanContext().spanId));
    const roots = trace.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
    assert.deepEqual(roots.map((s) => s.name), [root], 'one root: the request');
  }

  /** The chain of span names from `leaf` up to the root. */
  function ancestry(trace: ReadableSpan[], leaf: string): string[] {
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    const chain: string[] = [];
    for (let span = trace.find((s) => s.name.startsWith(leaf)); span; span = span.parentSpanId ? byId.get(span.parentSpanId) : undefined) chain.unshift(/^[A-Z]+ \//.test(span.name) ? span.name : span.name.split(':')[0]!);
    return chain;
  }

  it('makes one connected trace of an order from its placement to its end, and one of each action down to the activity that writes it', async () => {
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await actOk(call, m.seller, order.orderId, { type: 'start_work' });
    const action = await traceOf('POST /orders/:id/actions', ['StartWorkflowUpdate:act', 'HandleUpdate:act', 'RunActivity:recordOrderEvent']);
    assertConnected(action, 'POST /orders/:id/actions');
    assert.deepEqual(ancestry(action, 'RunActivity:recordOrderEvent'), ['POST /orders/:id/actions', 'StartWorkflowUpdate', 'HandleUpdate', 'StartActivity', 'RunActivity']);

    await actOk(call, m.seller, order.orderId, { type: 'deliver', text: 'The logo', links: [] });
    await actOk(call, m.buyer, order.orderId, { type: 'accept' });
    // The workflow's run span ends with the workflow: the order closed, the placement's trace is whole.
    // The placement commits before it starts the workflow, which then runs no activity of its own (issue 19 §3).
    const placement = await traceOf('POST /orders', ['StartWorkflow:orderWorkflow', 'RunWorkflow:orderWorkflow']);
    assertConnected(placement, 'POST /orders');
    assert.deepEqual(ancestry(placement, 'RunWorkflow:orderWorkflow'), ['POST /orders', 'StartWorkflow', 'RunWorkflow']);
    assert.equal(new Set(placement.map((span) => span.resource.attributes['service.name'])).size, 1);

    // The interceptors add headers and spans, never a command: the traced history replays on
    // the untraced bundle (tracing can be switched off, or on, under running workflows).
    const history = await temporal.client.workflow.getHandle(`order-${order.orderId}`).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await bundle(workflowsPath) }, history);
  });
});
