/**
 * The worker: runs gigflow's workflows and activities for one Temporal namespace and task
 * queue against one database. Production runs many (`npm run worker`); `npm start` runs one;
 * integration tests build theirs with `createWorker`.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities, type Activities } from './activities/index.js';
import type { PickPlacer } from './activities/requests.js';
import { logMailAdapter, runOutboxDispatcher } from './db/outbox.js';
import { smtpMailAdapter } from './db/smtp-mail.js';
import { configuredCodec } from './codec/payload-codec.js';
import { loadConfig } from './config.js';
import { createDb, type Db } from './db/client.js';
import { createLedger } from './db/ledger.js';
import { configuredProviders } from './payments/configured.js';
import type { Providers } from './payments/provider.js';
import { ensureAffiliatePayoutSchedule } from './scripts/affiliate-payout-schedule.js';
import { ensureBuyerStatusSchedule } from './scripts/buyer-status-schedule.js';
import { ensurePayoutSchedule } from './scripts/payout-schedule.js';
import { systemClock } from './services/clock.js';
import { placeRequestPicks } from './services/placement.js';
import { createWorkflowGateway } from './services/workflow-gateway.js';
import { buyerStatusesPolicy } from './workflows/buyer-statuses/policy.js';
import type { OrderPolicy } from './workflows/order/messages.js';
import { orderPolicy as defaultOrderPolicy } from './workflows/order/policy.js';
import type { StandingPolicy } from './workflows/standing/messages.js';
import { withdrawalPolicy } from './workflows/withdrawal/policy.js';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /** A prebuilt bundle (tests build one per file); without it the worker bundles `workflows/`. */
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

export function createWorker({ connection, namespace, taskQueue, db, workflowBundle, wrapActivities, providers, standingPolicy, orderPolicy, payloadCodec }: WorkerDeps): Promise<Worker> {
  const placePicks = pickPlacer(db, orderPolicy ?? defaultOrderPolicy());
  const activities = createActivities({ db, placePicks, ...(providers ? { providers } : {}), ...(standingPolicy ? { standingPolicy } : {}) });
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: wrapActivities ? wrapActivities(activities) : activities,
    // Codecs run in the worker's main thread, never in the workflow sandbox; the activities'
    // own client (Context.current().client) is built with this converter too.
    ...(payloadCodec ? { dataConverter: { payloadCodecs: [payloadCodec] } } : {}),
    // On SIGTERM/SIGINT, activities in flight get this long to finish before they are asked to
    // cancel; within `npm start`'s bound for the worker (7 s), as a deployment's grace period should be.
    shutdownGraceTime: '5s',
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const config = loadConfig(['DATABASE_URL', 'TEMPORAL_ADDRESS']);
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'worker' } });
  // The SDK's own logs (worker lifecycle, workflow and activity loggers) go through pino too.
  const levels = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
  Runtime.install({
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => logger[levels[level]](meta ?? {}, message)),
  });
  const db = createDb(config.DATABASE_URL);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const payloadCodec = configuredCodec(config);
  const worker = await createWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, db, providers: configuredProviders(config), ...(payloadCodec ? { payloadCodec } : {}) });
  // K-50: the Schedule that starts the payout batches, created or brought in line with the policy.
  const scheduling = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    // The schedules' workflow inputs are payloads too.
    const client = new Client({ connection: scheduling, namespace: config.TEMPORAL_NAMESPACE, ...(payloadCodec ? { dataConverter: { payloadCodecs: [payloadCodec] } } : {}) });
    const schedule = await ensurePayoutSchedule(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, policy: withdrawalPolicy() });
    logger.info({ schedule }, 'payout batch schedule ensured');
    // K-35: the daily re-evaluation of buyer statuses (a Super buyer's 3 months pass without a purchase).
    const buyerStatuses = await ensureBuyerStatusSchedule(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, policy: buyerStatusesPolicy() });
    logger.info({ schedule: buyerStatuses }, 'buyer status schedule ensured');
    // W-29: the monthly affiliate payout run on the 10th.
    const affiliatePayouts = await ensureAffiliatePayoutSchedule(client, { taskQueue: config.TEMPORAL_TASK_QUEUE });
    logger.info({ schedule: affiliatePayouts }, 'affiliate payout schedule ensured');
  } finally {
    await scheduling.close();
  }
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker running');
  // Each worker also sends the outbox's mail (rows are claimed, so several workers never
  // send one twice): over SMTP when SMTP_URL names a server (K-70), else to the log.
  const smtp = config.SMTP_URL ? smtpMailAdapter(config.SMTP_URL, config.MAIL_FROM) : undefined;
  const stopMail = new AbortController();
  const mail = runOutboxDispatcher({
    db,
    mailer: smtp ?? logMailAdapter(logger),
    signal: stopMail.signal,
    onError: (err) => logger.error({ err }, 'outbox dispatch failed'),
  });
  // run() stops polling on SIGINT/SIGTERM (the runtime's default shutdown signals) and
  // resolves once in-flight tasks have finished.
  try {
    await worker.run();
  } finally {
    stopMail.abort();
    await mail;
    smtp?.close();
    await Promise.allSettled([connection.close(), db.close()]);
  }
  logger.info('worker stopped');
}
