/**
 * Issue 19 §4 on a running stack: the API (in this process, tracing to a local OTLP receiver)
 * and a worker process started as production starts one (`worker.ts`, its `/metrics` listener
 * on an ephemeral port, tracing to the same receiver, mail to a local SMTP sink). Users
 * register, a buyer tops up by card and orders, the seller starts work. Then:
 * - both `/metrics` answer only METRICS_TOKEN's bearer and hold what happened (the order placed,
 *   the escrow, the request durations by route pattern), the worker's with the SDK's own metrics;
 * - every metric the Grafana dashboard (`ops/grafana/gigflow.json`) charts is on a scrape;
 * - the logs are JSON lines with request, trace, workflow and user ids, and none holds a test
 *   user's email, password, session token or card.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pollUntil } from '../../scripts/poll.js';
import { createLogger } from '../../telemetry/logger.js';
import { startTracing, type Tracing } from '../../telemetry/tracing.js';
import { PASSWORD, signUp, type TestUser } from '../support/api.js';
import { insertOffer } from '../support/catalog.js';
import { startPayingApi, uniqueId, type PayingApi } from '../support/harness.js';
import { actOk, placeOrder, rowStatus } from '../support/orders.js';
import { topUpByCard } from '../support/pay.js';
import { TEST_CARDS } from '../support/payments.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp.js';
import { workerProcesses, type WorkerProcess, type WorkerProcesses } from '../support/worker-process.js';

const METRICS_TOKEN = 'metrics-token-for-the-test-0123456789';
const dashboard = JSON.parse(readFileSync(new URL('../../ops/grafana/gigflow.json', import.meta.url), 'utf8'));

/** A local OTLP/HTTP receiver: the bodies posted to /v1/traces, by the service that sent them. */
async function startOtlpReceiver(): Promise<{ url: string; bodies: Buffer[]; close(): Promise<void> }> {
  const bodies: Buffer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Every metric a scrape declares (`# TYPE`: a labelled counter nothing has counted yet is
 * declared without samples) and every series name it holds (a histogram's `_bucket`…).
 */
function namesOf(scrape: string): Set<string> {
  const lines = scrape.split('\n').filter(Boolean);
  const declared = lines.flatMap((line) => /^# TYPE (\S+)/.exec(line)?.[1] ?? []);
  const sampled = lines.filter((line) => !line.startsWith('#')).map((line) => line.split(/[{ ]/)[0]!);
  return new Set([...declared, ...sampled]);
}

/** The metric names the dashboard's queries use. */
function dashboardMetrics(): string[] {
  const exprs: string[] = JSON.stringify(dashboard).match(/"expr":"(?:[^"\\]|\\.)*"/g) ?? [];
  const names = exprs.flatMap((expr) => expr.match(/\b(?:gigflow|temporal|process|nodejs)_[a-z0-9_]+/g) ?? []);
  return [...new Set(names)].sort();
}

describe('metrics, traces and logs of a running stack', () => {
  let api: PayingApi;
  let smtp: SmtpSink;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing;
  let workers: WorkerProcesses;
  let worker: WorkerProcess;
  let workerOutput = '';
  const apiLines: string[] = [];
  const users: TestUser[] = [];
  let workerMetricsUrl: string;

  before(async () => {
    [smtp, otlp] = await Promise.all([startSmtpSink(), startOtlpReceiver()]);
    tracing = startTracing(otlp.url, 'gigflow-api')!;
    const taskQueue = uniqueId('observed');
    const capture = new Writable({ write(chunk: Buffer, _enc, done) { apiLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)); done(); } });
    api = await startPayingApi(import.meta.filename, { taskQueue, metricsToken: METRICS_TOKEN, logger: createLogger('debug', 'api', capture) });
    workers = workerProcesses({
      entry: 'worker.ts',
      temporal: api.temporal,
      taskQueue,
      env: {
        DATABASE_URL: api.database.url,
        SMTP_URL: smtp.url,
        LOG_LEVEL: 'debug',
        WORKER_METRICS_PORT: '0',
        METRICS_TOKEN,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      },
    });
    worker = workers.spawn();
    worker.child.stdout!.on('data', (chunk: Buffer) => { workerOutput += chunk.toString('utf8'); });
    await worker.polling();
    workerMetricsUrl = await pollUntil(() => /"url":"(http:[^"]+\/metrics)"/.exec(workerOutput)?.[1], { timeoutMs: 10_000, what: 'the worker’s metrics URL in its log' });

    const [seller, buyer] = [await signUp(api.call, 'seller'), await signUp(api.call, 'buyer')];
    users.push(seller, buyer);
    await topUpByCard(api.call, buyer, 5_000, TEST_CARDS.success);
    const offerId = await insertOffer(api.database.db, seller.id, { priceCents: 1_000, title: `Logo ${uniqueId('o')}` });
    const order = await placeOrder(api.call, buyer, { offerId });
    await actOk(api.call, seller, order.orderId, { type: 'start_work' });
    await rowStatus(api.database.db, order.orderId, 'in_progress');
  });
  after(async () => {
    await workers?.killAll();
    await Promise.allSettled([api?.stop(), smtp?.close(), tracing?.shutdown()]);
    await otlp?.close();
  });

  const scrape = async (url: string, token?: string) => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const apiScrape = async (token?: string) => api.app.request('/metrics', token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('serves /metrics on the API and the worker to METRICS_TOKEN’s bearer only', async () => {
    for (const res of [await apiScrape(), await apiScrape('wrong-token-of-the-same-kind-000000'), await scrape(workerMetricsUrl), await scrape(workerMetricsUrl, 'wrong')]) {
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    }
    const [fromApi, fromWorker] = [await apiScrape(METRICS_TOKEN), await scrape(workerMetricsUrl, METRICS_TOKEN)];
    assert.equal(fromApi.status, 200);
    assert.equal(fromWorker.status, 200);
    assert.match(fromApi.headers.get('content-type') ?? '', /^text\/plain/);
  });

  it('counts the order placed, holds its escrow, times requests by route pattern, and adds the SDK’s metrics on the worker', async () => {
    const apiText = await (await apiScrape(METRICS_TOKEN)).text();
    assert.match(apiText, /^gigflow_orders_placed_total 1$/m);
    assert.match(apiText, /^gigflow_escrow_cents 1000$/m);
    for (const process of ['order', 'job', 'request', 'withdrawal', 'individual_offer', 'moderation']) {
      assert.match(apiText, new RegExp(`^gigflow_workflow_starts_waiting\\{process="${process}"\\} 0$`, 'm'), `${process}: every workflow started after its commit, nothing waits`);
    }
    assert.match(apiText, /^gigflow_http_request_duration_seconds_count\{method="POST",route="\/orders\/:id\/actions",status="200"\} 1$/m);
    assert.doesNotMatch(apiText, /route="\/orders\/\d/, 'never a raw path');
    const workerText = await (await scrape(workerMetricsUrl, METRICS_TOKEN)).text();
    assert.match(workerText, /^temporal_/m, 'the SDK core’s metrics');
    assert.match(workerText, /^process_cpu_seconds_total /m, 'Node’s');
  });

  it('has every metric the Grafana dashboard charts on a scrape of the API or the worker', async () => {
    const names = new Set([...namesOf(await (await apiScrape(METRICS_TOKEN)).text()), ...namesOf(await (await scrape(workerMetricsUrl, METRICS_TOKEN)).text())]);
    const charted = dashboardMetrics();
    assert.ok(charted.length >= 10, `the dashboard charts ${charted.length} metrics`);
    assert.deepEqual(charted.filter((name) => !names.has(name)), []);
  });

  it('exports the worker’s spans by OTLP', async () => {
    await pollUntil(() => otlp.bodies.some((body) => body.includes('gigflow-worker')), { timeoutMs: 15_000, what: 'the worker’s spans at the receiver' });
  });

  it('logs JSON lines with request, trace, user and workflow ids', () => {
    const apiJson = apiLines.map((line) => JSON.parse(line));
    const placed = apiJson.find((l) => l.msg === 'request' && l.method === 'POST' && l.path === '/orders');
    assert.ok(placed, 'the placement’s request line');
    assert.equal(placed.userId, users[1]!.id);
    assert.match(placed.requestId, /\S/);
    assert.match(placed.traceId, /^[0-9a-f]{32}$/);
    // The SDK logs an activity's start and end outside its span: the workflow's id leads to its trace.
    const workerJson = workerOutput.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    const activity = workerJson.find((l) => l.activityType === 'recordOrderEvent' && l.msg === 'Activity completed');
    assert.ok(activity, 'an activity’s line');
    assert.match(activity.workflowId, /^order-\d+$/);
  });

  it('never logs an email, a password, a session token or a card', () => {
    const logs = `${apiLines.join('\n')}\n${workerOutput}`;
    assert.ok(logs.length > 10_000, `a run's logs (${logs.length} characters)`);
    const secrets = [PASSWORD, TEST_CARDS.success, ...users.flatMap((u) => [u.email, u.token])];
    assert.deepEqual(secrets.filter((secret) => logs.includes(secret)), []);
    assert.doesNotMatch(logs, /_secret_|sk_test_|whsec_/, 'no payment secret');
  });
});
