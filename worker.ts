/**
 * The worker: runs gigflow's workflows and activities for one Temporal namespace and task
 * queue against one database. Production runs many (`npm run worker`); `npm start` runs one;
 * integration tests build theirs with `createWorker`.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker, type Logger as SdkLogger, type WorkerOptions, type WorkflowBundle, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, type Activities } from './activities/index.js';
import type { PickPlacer } from './activities/requests.js';
import { runWorkflowStarter } from './db/workflow-starts.js';
import { logMailAdapter, runOutboxDispatcher } from './db/outbox.js';
import { smtpMailAdapter } from './db/smtp-mail.js';
import { configuredCodec } from './codec/payload-codec.js';
import { loadConfig, webPublicUrl, type Config } from './config.js';
import { createDb, type Db } from './db/client.js';
import { createLedger } from './db/ledger.js';
import { configuredProviders } from './payments/configured.js';
import type { Providers } from './payments/provider.js';
import { ensureAffiliatePayoutSchedule } from './scripts/affiliate-payout-schedule.js';
import { ensureBuyerStatusSchedule } from './scripts/buyer-status-schedule.js';
import { ensurePayoutSchedule } from './scripts/payout-schedule.js';
import { workflowBundle } from './scripts/workflow-bundle.js';
import { systemClock } from './services/clock.js';
import { runTopUpReconciler } from './services/wallet.js';
import { runPayoutReconciler } from './services/withdrawals.js';
import { placeRequestPicks } from './services/placement.js';
import { temporalConnectionOptions } from './services/temporal-connection.js';
import { createWorkflowGateway } from './services/workflow-gateway.js';
import { createLogger } from './telemetry/logger.js';
import { freeLoopbackPort, serveWorkerMetrics } from './telemetry/metrics-server.js';
import { startTracing, type Tracing } from './telemetry/tracing.js';
import { buyerStatusesPolicy } from './workflows/buyer-statuses/policy.js';
import type { OrderPolicy } from './workflows/order/messages.js';
import { orderPolicy as defaultOrderPolicy } from './workflows/order/policy.js';
import type { StandingPolicy } from './workflows/standing/messages.js';
import { withdrawalPolicy } from './workflows/withdrawal/policy.js';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

/**
 * The options every bundle of gigflow's workflows is built with: the worker's own (production)
 * and every test's prebuilt one (`bundleWorkflowCode`), so tests and replay run what production runs.
 *
 * `preloadModules`: workflows/ is loaded once per reusable V8 context and shared by every
 * workflow run in it, instead of every module of every process being set up again for each new
 * workflow (issue 19 §3: that setup was a fifth of the workflow thread's CPU beyond the skeleton's;
 * each cached workflow held its own copy too: bench:orders' worker RSS per 1,000 open orders halved).
 * Sharing is safe because no module in workflows/ keeps per-workflow state at module level (no
 * module-level `let`/`var`; the one module-level cache, `lib/zoned-time.ts`'s `Intl` formatters,
 * holds pure functions of the zone; the wiring fence keeps it so), and because what their module
 * scopes call needs no workflow: `define*` build plain objects, `proxyActivities` and
 * `proxyLocalActivities` a Proxy that looks the workflow up only when an activity is scheduled.
 * A module scope that did need one (`Date.now()`, `workflowInfo()`, `patched()`…) would throw
 * when the worker is created, not misbehave later. The SDK deep-freezes the shared modules'
 * exports: code that mutated one would throw (TypeError) in every test that reaches it.
 */
export const workflowBundlerOptions = { preloadModules: [workflowsPath] } satisfies NonNullable<WorkerOptions['bundlerOptions']>;

/**
 * The workflow interceptors of a traced worker (issue 19 §4): OpenTelemetry's, which run in the
 * sandbox and continue the caller's trace from the headers. They live in the package, outside
 * workflows/ (the wiring fence keeps workflows/ on @temporalio/workflow alone). A traced
 * worker's bundle is built with them (`ownBundle(true)`). They add headers and spans, never a command: histories replay
 * the same with or without them.
 */
const tracingWorkflowModules = [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/**
 * What tracing adds to a worker beside its bundle's workflow interceptors (`tracingWorkflowModules`): the
 * activity interceptors (a RunActivity span under the workflow's StartActivity; trace ids on
 * the activity's log lines), the interceptor of the activities' own client, and the sink that
 * exports the sandbox's spans through the process's span processor. Loaded only by a worker
 * that traces (with the OpenTelemetry SDK's packages it is some 100 modules).
 */
async function tracedWorkerOptions(tracing: Tracing): Promise<Pick<WorkerOptions, 'interceptors' | 'sinks'>> {
  const { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, OpenTelemetryWorkflowClientInterceptor } = await import('@temporalio/interceptors-opentelemetry');
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      client: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /**
   * A prebuilt bundle (a test's: `ownBundle`'s, or its own entry's built with
   * `workflowBundlerOptions`); without it, `ownBundle`: the one kept from an earlier start while
   * what it was built from is unchanged, else one bundled now (scripts/workflow-bundle.ts).
   */
  workflowBundle?: WorkflowBundleOption;
  /** The payment providers withdrawals pay out through (`payments/configured.ts` in production). */
  providers?: Providers;
  /** Changes to the real activities (tests inject a failure into one); none in production. */
  wrapActivities?: (activities: Activities) => Activities;
  /** The rules of the standings an ignored order starts (K-64); tests shorten them. Default: the policy module's. */
  standingPolicy?: StandingPolicy;
  /** The rules of the orders a service request's pick places; tests shorten them. Default: the policy module's. */
  orderPolicy?: OrderPolicy;
  /**
   * Encrypts and decrypts every payload (codec/payload-codec.ts, W-19); the API's client must
   * hold the same keys. None: payloads stay plain (tests), encrypted ones cannot be read.
   */
  payloadCodec?: PayloadCodec;
  /** The process's tracing (telemetry/tracing.ts): with it, workflows and activities continue their callers' traces. */
  tracing?: Tracing;
}

/**
 * K-44: a request's pick places its orders through the API's own placement (services/placement.ts),
 * which activities may not import: built here, in the composition root, over the activity's
 * client, so each order's workflow starts on the worker's namespace and task queue.
 */
function pickPlacer(db: Db, rules: OrderPolicy): PickPlacer {
  const ledger = createLedger(db);
  return (temporal, taskQueue, pick) => placeRequestPicks({ db, clock: systemClock, ledger, workflows: createWorkflowGateway({ temporal, taskQueue }), rules }, pick);
}

/**
 * The workflows' bundle of a worker given none, traced or not: kept between starts while its
 * inputs are unchanged (`npm run workflows:bundle` makes both ahead, for an image).
 */
export async function ownBundle(traced: boolean, logger: SdkLogger = Runtime.instance().logger): Promise<WorkflowBundle> {
  const started = Date.now();
  const { code, cached } = await workflowBundle({ workflowsPath, ...workflowBundlerOptions, ...(traced ? { workflowInterceptorModules: tracingWorkflowModules } : {}), logger });
  logger.info(cached ? 'workflow bundle unchanged since it was built: reused' : 'workflow bundle built and kept', { traced, ms: Date.now() - started });
  return { code };
}

export async function createWorker({ connection, namespace, taskQueue, db, workflowBundle: given, wrapActivities, providers, standingPolicy, orderPolicy, payloadCodec, tracing }: WorkerDeps): Promise<Worker> {
  const placePicks = pickPlacer(db, orderPolicy ?? defaultOrderPolicy());
  const activities = createActivities({ db, placePicks, ...(providers ? { providers } : {}), ...(standingPolicy ? { standingPolicy } : {}) });
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowBundle: given ?? (await ownBundle(tracing !== undefined)),
    activities: wrapActivities ? wrapActivities(activities) : activities,
    // Codecs run in the worker's main thread, never in the workflow sandbox; the activities'
    // own client (Context.current().client) is built with this converter too.
    ...(payloadCodec ? { dataConverter: { payloadCodecs: [payloadCodec] } } : {}),
    ...(tracing ? await tracedWorkerOptions(tracing) : {}),
    // On SIGTERM/SIGINT, activities in flight get this long to finish before they are asked to
    // cancel; within `npm start`'s bound for the worker (7 s), as a deployment's grace period should be.
    shutdownGraceTime: '5s',
  });
}

/**
 * The SDK's runtime for this process: its logs (worker lifecycle, workflow and activity loggers,
 * with `workflowId`, and `traceId` when traced) through pino; its metrics served by its core in
 * Prometheus format on a free loopback port, which the worker's `/metrics` appends (issue 19 §4).
 * Answers that port's URL, when the worker serves metrics.
 */
async function installRuntime(config: Config, logger: Logger): Promise<string | undefined> {
  const levels = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
  const sdkLevels = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' } as const;
  const sdkLogger = new DefaultLogger(sdkLevels[config.LOG_LEVEL], ({ level, message, meta }) => {
    // OpenTelemetry's activity interceptor names them trace_id/span_id (and trace_flags, dropped): renamed as the API's lines name them.
    const { trace_id: traceId, span_id: spanId, trace_flags: _flags, ...rest } = (meta ?? {}) as Record<string, unknown>;
    logger[levels[level]]({ ...rest, ...(traceId ? { traceId, spanId } : {}) }, message);
  });
  if (config.WORKER_METRICS_PORT === undefined) {
    Runtime.install({ logger: sdkLogger });
    return undefined;
  }
  const bindAddress = `127.0.0.1:${await freeLoopbackPort()}`;
  Runtime.install({
    logger: sdkLogger,
    telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } },
  });
  return `http://${bindAddress}/metrics`;
}

/**
 * The worker's Schedules, each created or brought in line with its policy: K-50's payout
 * batches, K-35's daily re-evaluation of buyer statuses (a Super buyer's 3 months pass without
 * a purchase), W-29's monthly affiliate payout run on the 10th.
 */
async function ensureSchedules(client: Client, taskQueue: string, logger: Logger): Promise<void> {
  const schedule = await ensurePayoutSchedule(client, { taskQueue, policy: withdrawalPolicy() });
  logger.info({ schedule }, 'payout batch schedule ensured');
  const buyerStatuses = await ensureBuyerStatusSchedule(client, { taskQueue, policy: buyerStatusesPolicy() });
  logger.info({ schedule: buyerStatuses }, 'buyer status schedule ensured');
  const affiliatePayouts = await ensureAffiliatePayoutSchedule(client, { taskQueue });
  logger.info({ schedule: affiliatePayouts }, 'affiliate payout schedule ensured');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // In production the mail goes over SMTP: to the log, it would write addresses and codes (issue 19 §4).
  const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS'], ['SMTP_URL']);
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  const tracing = startTracing(config.OTEL_EXPORTER_OTLP_ENDPOINT, 'gigflow-worker');
  const coreMetricsUrl = await installRuntime(config, logger);
  const metrics = config.WORKER_METRICS_PORT === undefined
    ? undefined
    : await serveWorkerMetrics({ host: config.HOST, port: config.WORKER_METRICS_PORT, token: config.METRICS_TOKEN, coreUrl: coreMetricsUrl });
  if (metrics) logger.info({ url: metrics.url }, `worker metrics on ${metrics.url}`);
  const db = createDb(config.DATABASE_URL);
  const temporal = temporalConnectionOptions(config, config.TEMPORAL_ADDRESS);
  const connection = await NativeConnection.connect(temporal);
  const payloadCodec = configuredCodec(config);
  // The clients' workflow inputs (schedules', queued starts') are payloads too.
  const clientCodec = payloadCodec ? { dataConverter: { payloadCodecs: [payloadCodec] } } : {};
  const providers = configuredProviders(config);
  const worker = await createWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, db, providers, ...(payloadCodec ? { payloadCodec } : {}), ...(tracing ? { tracing } : {}) });
  // Over the worker's own native connection: no second one, and no grpc-js HTTP/2 session
  // (Node 20's client can run away when many calls are cancelled; README, Provisioning).
  await ensureSchedules(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, ...clientCodec }), config.TEMPORAL_TASK_QUEUE, logger);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker running');
  // Each worker also sends the outbox's mail (rows are claimed, so several workers never
  // send one twice): over SMTP when SMTP_URL names a server (K-70), else (never in production) to the log.
  const smtp = config.SMTP_URL ? smtpMailAdapter(config.SMTP_URL, config.MAIL_FROM) : undefined;
  const stopLoops = new AbortController();
  const mail = runOutboxDispatcher({
    db,
    mailer: smtp ?? logMailAdapter(logger),
    // A notification's mail links to its page in the web client (K-70), at the address the API gives in its own mails.
    webUrl: webPublicUrl(config),
    signal: stopLoops.signal,
    onError: (err) => logger.error({ err }, 'outbox dispatch failed'),
  });
  // Issue 19 §2, §3: the workflows a request committed but could not start (Temporal
  // unreachable, the API stopped after the commit), started by every worker's sweep.
  const starter = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, ...clientCodec });
  const gateway = createWorkflowGateway({ temporal: starter, taskQueue: config.TEMPORAL_TASK_QUEUE });
  const starts = runWorkflowStarter({
    db,
    start: gateway.startQueued,
    signal: stopLoops.signal,
    onStarted: (count) => logger.warn({ count }, `started ${count} workflows their requests left queued`),
    onError: (err) => logger.error({ err }, 'starting queued workflows failed'),
  });
  // Issue 19 §2: top-ups the provider took whose webhooks never came, credited; checkouts
  // abandoned past the provider's window, expired (services/wallet.ts).
  const topUps = runTopUpReconciler({
    deps: { db, ledger: createLedger(db), providers, clock: systemClock },
    signal: stopLoops.signal,
    onSettled: (counts) => logger.warn(counts, 'settled pending top-ups by asking their provider'),
    onError: (err) => logger.error({ err }, 'reconciling pending top-ups failed'),
  });
  // Issue 19 §2 for payouts: payouts the provider paid or failed whose webhooks never came,
  // handed to their withdrawals' workflows within minutes, not at their 3-day timeout.
  const payouts = runPayoutReconciler({
    deps: { db, providers, workflows: gateway, clock: systemClock },
    signal: stopLoops.signal,
    onConfirmed: (count) => logger.warn({ count }, `confirmed ${count} payouts by asking their provider`),
    onError: (err) => logger.error({ err }, 'reconciling sent payouts failed'),
  });
  // run() stops polling on SIGINT/SIGTERM (the runtime's default shutdown signals) and
  // resolves once in-flight tasks have finished.
  try {
    await worker.run();
  } finally {
    stopLoops.abort();
    await Promise.all([mail, starts, topUps, payouts]);
    smtp?.close();
    metrics?.server.close();
    await Promise.allSettled([connection.close(), db.close(), tracing?.shutdown()]);
  }
  logger.info('worker stopped');
}
