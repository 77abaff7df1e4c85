/**
 * What every test file shares: the servers `npm test` started once for the run, and the
 * helpers that give each file its own database, task queues and time-skipping server.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { pino, type Logger } from 'pino';
import type { OrderPolicy } from '../../workflows/order/messages.js';
import { createApp } from '../../api/app.js';
import { createServices } from '../../services/index.js';
import { connectTemporalClient } from '../../services/temporal-client.js';
import { createWorker, workflowBundlerOptions, workflowsPath, type WorkerDeps } from '../../worker.js';
import type { AttachmentStore } from '../../services/attachment-store.js';
import type { CreateAccountOnSubmission } from '../../services/jobs.js';
import type { JobPolicy } from '../../workflows/job/policy.js';
import { systemClock, type Clock } from '../../services/clock.js';
import type { Providers } from '../../payments/provider.js';
import type { Delays } from '../../providers/options.js';
import { callerFor, type Caller } from './api.js';
import { startPaymentStandIns, unreachableProviders, type PaymentStandIns } from './payments.js';
import { createDb, type Db } from '../../db/client.js';
import { INDEXED_VALUE_TYPE } from '../../scripts/temporal-dev-server.js';
import { searchAttributeKeys } from '../../workflows/lib/search-attributes.js';
import { checkedByContract } from './contract.js';
import { testPasswords } from './passwords.js';
import { copyTemplateDatabase, quietBundlerLogger, readWorkflowBundle } from './shared-fixtures.js';

// Workers in tests report only what went wrong (LOG_LEVEL=debug shows everything).
Runtime.install({ logger: new DefaultLogger(process.env.LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN') });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through \`npm test\`, which starts the servers`);
  return value;
}

export const harness = {
  /** Maintenance URL of the run's PostgreSQL, for creating per-file databases. */
  get pgAdminUrl() { return required('GIGFLOW_TEST_PG_ADMIN_URL'); },
  /** The run's shared Temporal dev server. */
  get temporalAddress() { return required('GIGFLOW_TEST_TEMPORAL_ADDRESS'); },
  /** The `temporal` CLI, for tests that run a dev server of their own. */
  get temporalCli() { return required('GIGFLOW_TEST_TEMPORAL_CLI'); },
  /** The executable that starts Temporal's time-skipping test server. */
  get testServer() { return required('GIGFLOW_TEST_SERVER'); },
  /** Debian's libfaketime, for the test that steps a test server's wall clock. */
  get faketime() { return required('GIGFLOW_TEST_FAKETIME'); },
  /** A folder removed when the run ends. */
  get scratch() { return required('GIGFLOW_TEST_SCRATCH'); },
  /** The run's database with every migration applied, which each file's database is a copy of. */
  get pgTemplate() { return required('GIGFLOW_TEST_PG_TEMPLATE'); },
  /** The folder of the run's bundle of gigflow's workflows (`shared-fixtures.ts`), bundled once for every file. */
  get workflowBundle() { return required('GIGFLOW_TEST_WORKFLOW_BUNDLE'); },
  namespace: 'default',
};

// A counter keeps one process's ids apart and the process id (fixed width, so that no two
// tags run into each other) those of files running at the same time: by construction. Process
// ids come round again, later in a run (past the kernel's pid_max) or in runs against
// long-lived servers (TEMPORAL_ADDRESS); the random part keeps those apart, where a collision
// is improbable rather than impossible.
const processTag = `${process.pid.toString(36).padStart(5, '0')}${randomBytes(3).toString('hex')}`;
let idCount = 0;

/** A short suffix that keeps names of one run's files and tests apart. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${processTag}${(++idCount).toString(36)}`;
}

export interface TestDatabase {
  url: string;
  db: Db;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A new database with every migration applied, for one test file: a copy of the run's template
 * (`shared-fixtures.ts`), which the migrations built once — copying it is a fraction of the cost
 * of applying them again in every file.
 */
export async function createTestDatabase(file = 'test'): Promise<TestDatabase> {
  const block = await nextIdBlock();
  const name = `${basename(file).replace(/\.test\.ts$/, '').replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${block}`;
  await copyTemplateDatabase(harness.pgAdminUrl, harness.pgTemplate, name);
  const url = harness.pgAdminUrl.replace(/\/[^/]*$/, `/${name}`);
  const db = createDb(url, { max: 5 });
  // Business ids become workflow ids (`kwork-moderation-<offerId>-<n>`, `order-<id>`) on the run's
  // shared dev server: every file's ids start in a million-wide block of its own, so no two files collide.
  const base = 1 + block * 1e6;
  await db.sql`
    select setval(format('%I.%I', schemaname, sequencename)::regclass, ${base})
    from pg_sequences where schemaname = 'public' and max_value > ${base}`;
  return {
    url,
    db,
    async drop() {
      await db.close();
      const admin = createDb(harness.pgAdminUrl, { max: 1 });
      try {
        await admin.sql`drop database if exists ${admin.sql(name)} with (force)`;
      } finally {
        await admin.close();
      }
    },
  };
}

/**
 * The next block number of the run's PostgreSQL: a sequence in its maintenance database, so
 * that files starting at once, and runs one after another on one cluster, never share one.
 */
async function nextIdBlock(): Promise<number> {
  const admin = createDb(harness.pgAdminUrl, { max: 1 });
  try {
    return await admin.sql.begin(async (tx) => {
      // Files start at once: one creates the sequence while the others wait (a bare
      // `if not exists` can still fail on a concurrent create).
      await tx`select pg_advisory_xact_lock(hashtext('gigflow_test_id_blocks'))`;
      await tx`create sequence if not exists gigflow_test_id_blocks`;
      const [row] = await tx<{ block: string }[]>`select nextval('gigflow_test_id_blocks') as block`;
      return Number(row!.block);
    });
  } finally {
    await admin.close();
  }
}

/**
 * A client of the run's shared dev server: the API's own kind (close it with
 * `client.connection.close()`), encrypting payloads with `payloadCodec` when given.
 */
export async function connectTemporal(options: { payloadCodec?: PayloadCodec } = {}): Promise<Client> {
  return (await connectTemporalClient({ address: harness.temporalAddress, namespace: harness.namespace, payloadCodec: options.payloadCodec })).client;
}

/**
 * A time-skipping test server of this file's own (time skipping is global to a server, so
 * files never share one), started from the provisioned executable — never downloaded — with
 * gigflow's search attributes registered (it refuses workflows that set unknown ones).
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await startTimeSkippingServer();
  // This server implements AddSearchAttributes but not ListSearchAttributes, so the dev
  // server's registerSearchAttributes (which lists first) does not fit it.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? harness.namespace,
    searchAttributes: Object.fromEntries(searchAttributeKeys.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]])),
  });
  return env;
}

/**
 * The SDK gives the server's JVM 5 s to come up, which a loaded 2-core machine can miss:
 * a start that times out is tried again, up to three times.
 */
async function startTimeSkippingServer(attempt = 1): Promise<TestWorkflowEnvironment> {
  try {
    return await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: harness.testServer } },
    });
  } catch (err) {
    if (attempt >= 3 || !/did not start within/.test(String(err))) throw err;
    return startTimeSkippingServer(attempt + 1);
  }
}

/** A file's time-skipping server and database, with gigflow's worker on a task queue of its own. */
export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  taskQueue: string;
  /** Stops the worker (letting its tasks finish), the server, and drops the database. */
  stop(): Promise<void>;
}

/**
 * This file's time-skipping server (`createTimeSkippingEnv`) and database, and gigflow's own
 * worker (`createWorker`: the real activities, payouts through `providers`) on a fresh task
 * queue named after `name`, running the workflows of `workflows` (gigflow's entry by default;
 * a test's entry may add its own stand-ins).
 */
export async function startTimeSkippingStack(file: string, name: string, opts: { providers?: Providers; workflows?: string } = {}): Promise<TimeSkippingStack> {
  const [env, workflowBundle, database] = await Promise.all([createTimeSkippingEnv(), bundle(opts.workflows ?? workflowsPath), createTestDatabase(file)]);
  const taskQueue = uniqueId(name);
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    db: database.db,
    workflowBundle,
    ...(opts.providers ? { providers: opts.providers } : {}),
  });
  const running = worker.run();
  return {
    env,
    database,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
      await database.drop();
    },
  };
}

/**
 * The workflow code of `path`, bundled: gigflow's own entry (`workflowsPath`) is the run's bundle,
 * made once by `npm test` (webpack costs seconds of CPU, and most files run a worker); any other
 * entry (a test's own stand-ins) is bundled here, once per file — every worker of the file reuses it.
 * Both with production's options (`workflowBundlerOptions`).
 */
export async function bundle(path: string): Promise<WorkflowBundle> {
  if (path === workflowsPath) return readWorkflowBundle(harness.workflowBundle);
  return bundleWorkflowCode({ workflowsPath: path, ...workflowBundlerOptions, logger: quietBundlerLogger });
}

/**
 * The real Hono app over a test database and the shared dev server, called in-process; every
 * response it gives is checked against the OpenAPI document it serves (`./contract.ts`).
 */
export function buildApp(deps: {
  db: Db;
  temporal: Client;
  clock?: Clock;
  taskQueue?: string;
  devRoutes?: boolean;
  orderPolicy?: OrderPolicy;
  /** The app behind this many trusted proxies: X-Forwarded-For then names the client (default: none). */
  trustedProxyHops?: number;
  /** Default: pino at `LOG_LEVEL`, silent when unset. */
  logger?: Logger;
  /** Default: providers nothing answers for (a file that pays starts `startPaymentStandIns`). */
  providers?: Providers;
  /** The web client's address the providers send payers back to. */
  webUrl?: string;
  /** Where attachments' bytes go (default: a temporary folder). */
  attachmentStore?: AttachmentStore;
  /** W-01: runs after an account created on submission is activated. */
  onActivated?: (userId: number) => Promise<void>;
  /** The Temporal Web UI's origin, which may call the codec server (default: none may). */
  temporalUiOrigin?: string;
  /** W-01: the account an anonymous "Order a Job" creates (default: the accounts' own `createAccountOnSubmission`). */
  createAccountOnSubmission?: CreateAccountOnSubmission;
  /** The rules new estimated jobs start with (default: the policy module's). */
  jobPolicy?: JobPolicy;
  /** The bearer `/metrics` answers to (default: none, open as in development). */
  metricsToken?: string;
}) {
  const clock = deps.clock ?? systemClock;
  const services = createServices({
    db: deps.db,
    temporal: deps.temporal,
    clock,
    taskQueue: deps.taskQueue ?? uniqueId('api'),
    providers: deps.providers ?? unreachableProviders(),
    webUrl: deps.webUrl ?? 'http://127.0.0.1:3001',
    orderPolicy: deps.orderPolicy,
    attachmentStore: deps.attachmentStore,
    onActivated: deps.onActivated,
    createAccountOnSubmission: deps.createAccountOnSubmission,
    jobPolicy: deps.jobPolicy,
    passwords: testPasswords,
  });
  return checkedByContract(
    createApp({
      services,
      // Errors only: a 500's cause (the API logs it whole, answering with a request id) shows in
      // the run's output beside the test that met it; nothing else is logged.
      logger: deps.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'error' }),
      devRoutes: deps.devRoutes ?? true,
      trustedProxyHops: deps.trustedProxyHops,
      metrics: deps.metricsToken ? { token: deps.metricsToken } : {},
      ...(deps.temporalUiOrigin ? { temporalUiOrigin: deps.temporalUiOrigin } : {}),
    }),
  );
}

/** A test file's API that takes payments (`startPayingApi`). */
export interface PayingApi {
  database: TestDatabase;
  /** A client of the run's dev server, the app's own. */
  temporal: Client;
  /** The local payment providers; their webhooks go to `app`. */
  stand: PaymentStandIns;
  app: ReturnType<typeof buildApp>;
  call: Caller;
  /** Stops the stand-ins, drops the database and closes the client: the file's `after`. */
  stop(): Promise<void>;
}

/**
 * The real API of `buildApp` over a database of `file`'s own, the run's dev server and the
 * local payment stand-ins (`./payments.ts`), which send their webhooks to it. `clock` is the
 * app's and the stand-ins' one time (they sign webhooks with it); `delays`, the stand-ins'; the
 * rest goes to `buildApp`. A file that keeps some deliveries from the app attaches the
 * stand-ins again, through its tap (`tapWebhooks` of `./pay.ts`).
 */
export async function startPayingApi(
  file: string,
  options: Omit<Parameters<typeof buildApp>[0], 'db' | 'temporal' | 'providers'> & { delays?: Partial<Delays> } = {},
): Promise<PayingApi> {
  const { delays, ...appOptions } = options;
  const { clock } = options;
  const [database, temporal, stand] = await Promise.all([
    createTestDatabase(file),
    connectTemporal(),
    startPaymentStandIns({ ...(clock ? { now: () => clock.now().getTime() } : {}), ...(delays ? { delays } : {}) }),
  ]);
  const app = buildApp({ ...appOptions, db: database.db, temporal, providers: stand.providers });
  const call = callerFor(app);
  stand.attach((req) => app.request(req));
  return {
    database,
    temporal,
    stand,
    app,
    call,
    async stop() {
      await stand.stop();
      await database.drop();
      await temporal.connection.close();
    },
  };
}

/** A response's JSON body, untyped: tests assert its shape field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function jsonOf(res: Response): Promise<any> {
  return res.json();
}

/**
 * gigflow's own worker (`createWorker` from worker.ts: every workflow, the real activities)
 * on the run's dev server, for this file's database and task queue, until `stop()`; with
 * `payloadCodec`, its payloads are encrypted (the clients of its workflows need the same keys).
 */
export async function startWorker(
  db: Db,
  taskQueue: string,
  wrapActivities?: WorkerDeps['wrapActivities'],
  providers?: Providers,
  payloadCodec?: PayloadCodec,
): Promise<{ stop(): Promise<void> }> {
  const [workflowBundle, connection] = await Promise.all([
    bundle(workflowsPath),
    NativeConnection.connect({ address: harness.temporalAddress }),
  ]);
  const worker = await createWorker({
    connection,
    namespace: harness.namespace,
    taskQueue,
    db,
    workflowBundle,
    ...(wrapActivities ? { wrapActivities } : {}),
    ...(providers ? { providers } : {}),
    ...(payloadCodec ? { payloadCodec } : {}),
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
