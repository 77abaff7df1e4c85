/**
 * The production shape of Temporal, runnable on one machine (issue 19 §1): the Temporal server
 * built from source (scripts/tools.ts, ensureTemporalServer) on PostgreSQL — its own two
 * databases, created and migrated with Temporal's SQL schema tool — with advanced visibility on
 * PostgreSQL (custom search attributes, SQL-like list queries) and a fixed number of history
 * shards; and the Temporal Web UI server pointed at it. `npm run start:cluster` runs both; the
 * fault tests restart the server under load.
 *
 * The four Temporal services (frontend, history, matching, worker) run in one process: they still
 * find each other through the cluster membership ring and talk gRPC on their own ports, as four
 * deployments would, but on a two-core machine four Go runtimes and four membership heartbeats
 * would cost CPU the benchmarks measure. docs/operations.md says how a deployment splits them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import postgres from 'postgres';
import { createDatabaseIfMissing } from '../db/embedded.js';
import { pollUntil } from './poll.js';
import { freePort, reservePort } from './ports.js';
import { signalGroup, type Guard } from './supervisor.js';
import { registerSearchAttributes } from './temporal-dev-server.js';
import { ensureTemporalServer, ensureUiServer, type TemporalServerTools } from './tools.js';

export interface TemporalClusterOptions {
  /** Where the server's configuration and its log go (created when missing). */
  dir: string;
  /** A PostgreSQL server URL whose user may CREATE DATABASE: Temporal's two databases are made beside its database. */
  databaseUrl: string;
  /**
   * History shards (default 16): the unit Temporal spreads workflows over history hosts by. Fixed
   * when the databases are first set up — the server refuses to start with another count.
   */
  shards?: number;
  /** The frontend's gRPC port (default: a free one). */
  frontendPort?: number;
  /** Created when missing, as the dev server does for its own (default `default`). */
  namespace?: string;
  /** The server's log level in `logFile` (default `warn`). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Progress lines (schema set-up, start-up). */
  say?: (line: string) => void;
  /** Watches each server process started (a restart starts another) for a caller that may be SIGKILLed (./supervisor.ts). */
  guard?: Pick<Guard, 'watch'>;
}

export interface RunningTemporalCluster {
  /** The frontend's gRPC address, `127.0.0.1:<port>`. */
  address: string;
  namespace: string;
  /** The server process, leader of a process group of its own (a new one after `restart`). */
  readonly pid: number;
  /** Resolves once that server process has exited, stopped or not. */
  readonly exited: Promise<void>;
  /** Where the server's output goes (appended across restarts). */
  logFile: string;
  /** The server's own Prometheus metrics (persistence latencies, shard movements, task queue backlogs). */
  metricsUrl: string;
  /** Stops the server (SIGTERM, then SIGKILL to its group after 10 s); resolves once it has exited. */
  stop(): Promise<void>;
  /** Stops the server process and starts it again with the same configuration; resolves when the namespace answers. */
  restart(): Promise<void>;
}

/** Temporal's two databases, on the server `databaseUrl` names. */
export const TEMPORAL_DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;
const DEFAULT_SHARDS = 16;
/** How long a closed workflow stays listable (and its history readable) in a namespace this creates. */
const RETENTION = '3 days';
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;
const run = promisify(execFile);

/** A PostgreSQL URL's parts, as the server's YAML and the sql tool's SQL_* variables take them. */
interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** `sslmode` of the URL: anything but disable/allow/prefer turns TLS on. */
  tls: boolean;
  verifyHost: boolean;
  /** The same server's maintenance database, for CREATE DATABASE. */
  adminUrl: string;
}

function postgresServer(databaseUrl: string): PostgresServer {
  const url = new URL(databaseUrl);
  const sslmode = url.searchParams.get('sslmode') ?? 'disable';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    tls: !['disable', 'allow', 'prefer'].includes(sslmode),
    verifyHost: sslmode === 'verify-full',
    adminUrl: admin.href,
  };
}

/** The sql tool's connection, by its SQL_* variables (the password stays out of the process list). */
function sqlToolEnv(db: PostgresServer, database: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: db.host,
    SQL_PORT: String(db.port),
    SQL_USER: db.user,
    SQL_PASSWORD: db.password,
    SQL_DATABASE: database,
    ...(db.tls ? { SQL_TLS: 'true', SQL_TLS_DISABLE_HOST_VERIFICATION: String(!db.verifyHost) } : {}),
  };
}

/**
 * Creates Temporal's two databases when missing and brings their schemas to the newest version
 * the server's release ships: `setup-schema -v 0.0` once (the version tables), then
 * `update-schema`, which applies only the versions past the recorded one — so a second start
 * changes nothing.
 */
async function prepareDatabases(tools: TemporalServerTools, db: PostgresServer, say: (line: string) => void): Promise<void> {
  for (const store of ['temporal', 'visibility'] as const) {
    const database = TEMPORAL_DATABASES[store];
    await createDatabaseIfMissing(db.adminUrl, database);
    const url = new URL(db.adminUrl);
    url.pathname = `/${database}`;
    const sql = postgres(url.href, { max: 1, onnotice: () => {} });
    let versioned: boolean;
    try {
      const [row] = await sql<{ found: string | null }[]>`select to_regclass('schema_version')::text as found`;
      versioned = row?.found != null;
    } finally {
      await sql.end();
    }
    const env = sqlToolEnv(db, database);
    try {
      if (!versioned) {
        say(`creating Temporal's ${store} schema in database ${database}…`);
        await run(tools.sqlTool, ['setup-schema', '-v', '0.0'], { env });
      }
      await run(tools.sqlTool, ['update-schema', '-d', tools.schemaDir[store]], { env });
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new Error(`Temporal's sql tool could not set up database ${database}:\n${`${stdout}${stderr}`.trim().split('\n').slice(-8).join('\n')}`);
    }
  }
}

/** The ports of one server process: every service's gRPC and membership port, and the frontend's HTTP API. */
interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  membership: { frontend: number; history: number; matching: number; worker: number };
  metrics: number;
}

/**
 * A free loopback port below 32768. Temporal's SQL stores a host's membership port in a SMALLINT
 * column (`cluster_membership.rpc_port`), so the OS's ephemeral ports (32768 and up on Linux)
 * fail there; the services' ports are picked from the range below it, where only an explicit
 * bind can take one. Its number is left in reserve (scripts/ports.ts) until the server binds it.
 */
async function lowPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (taken.has(port)) continue;
    try {
      await reservePort(port);
      taken.add(port);
      return port;
    } catch {
      // In use: try another.
    }
  }
  throw new Error('no free port between 20000 and 32767 on 127.0.0.1');
}

async function pickPorts(frontend: number | undefined): Promise<ClusterPorts> {
  const taken = new Set<number>(frontend === undefined ? [] : [frontend]);
  const port = () => lowPort(taken);
  return {
    frontend: frontend ?? (await port()),
    frontendHttp: await port(),
    history: await port(),
    matching: await port(),
    worker: await port(),
    membership: { frontend: await port(), history: await port(), matching: await port(), worker: await port() },
    metrics: await freePort(),
  };
}

/** The variable the server's YAML reads the database password from, so it is never written to disk. */
const PASSWORD_VARIABLE = 'GIGFLOW_TEMPORAL_SQL_PASSWORD';

/** One datastore of the server's YAML (the password comes from PASSWORD_VARIABLE through the config's template). */
function datastoreYaml(db: PostgresServer, database: string, maxConns: number): string {
  return `      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "${db.host.includes(':') ? `[${db.host}]` : db.host}:${db.port}"
        connectProtocol: tcp
        user: ${JSON.stringify(db.user)}
        password: {{ env "${PASSWORD_VARIABLE}" | quote }}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h
        tls:
          enabled: ${db.tls}
          enableHostVerification: ${db.verifyHost}`;
}

function serviceYaml(name: string, grpcPort: number, membershipPort: number, extra = ''): string {
  return `  ${name}:
    rpc:
      grpcPort: ${grpcPort}
      membershipPort: ${membershipPort}
      bindOnLocalHost: true${extra}`;
}

/**
 * The server's configuration (`<dir>/config/cluster.yaml`), after Temporal's own
 * `config/development-postgres12.yaml`. The password is read from the environment at start.
 */
function serverYaml(o: { db: PostgresServer; shards: number; ports: ClusterPorts; logLevel: string; dynamicConfigFile: string }): string {
  const { db, ports } = o;
  return `# enable-template (the password comes from ${PASSWORD_VARIABLE}; written by scripts/temporal-cluster.ts)
log:
  stdout: true
  level: ${o.logLevel}
  format: json

persistence:
  defaultStore: postgres-default
  # Advanced visibility on PostgreSQL 12+: custom search attributes and list queries, no Elasticsearch.
  visibilityStore: postgres-visibility
  # Fixed for the life of the databases: a workflow's shard is a hash of its id modulo this.
  numHistoryShards: ${o.shards}
  datastores:
    postgres-default:
${datastoreYaml(db, TEMPORAL_DATABASES.temporal, 20)}
    postgres-visibility:
${datastoreYaml(db, TEMPORAL_DATABASES.visibility, 10)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: 127.0.0.1:${ports.metrics}

# One process runs all four services (see scripts/temporal-cluster.ts); each keeps its own ports.
services:
${serviceYaml('frontend', ports.frontend, ports.membership.frontend, `\n      httpPort: ${ports.frontendHttp}`)}
${serviceYaml('history', ports.history, ports.membership.history)}
${serviceYaml('matching', ports.matching, ports.membership.matching)}
${serviceYaml('worker', ports.worker, ports.membership.worker)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${ports.frontend}
      httpAddress: 127.0.0.1:${ports.frontendHttp}

dcRedirectionPolicy:
  policy: noop

dynamicConfigClient:
  filepath: ${JSON.stringify(o.dynamicConfigFile)}
  pollInterval: 10s
`;
}

/** Server defaults, but for the one that the Web UI's list pages (and support's searches) hit. */
const DYNAMIC_CONFIG = `# Dynamic configuration of the cluster (written by scripts/temporal-cluster.ts).
# Visibility API calls per second per frontend and namespace (default 10): each open Web UI
# page lists and counts workflows every few seconds.
frontend.namespaceRPS.visibility:
  - value: 100
`;

/**
 * Starts the Temporal server on PostgreSQL as `o` asks: databases and schemas first (idempotent),
 * then the server in a process group of its own; resolves once `namespace` exists, answers list
 * queries and has gigflow's custom search attributes. The server is stopped, at the latest,
 * when this process exits.
 */
export async function startTemporalCluster(o: TemporalClusterOptions): Promise<RunningTemporalCluster> {
  const say = o.say ?? (() => {});
  const tools = ensureTemporalServer();
  const db = postgresServer(o.databaseUrl);
  await prepareDatabases(tools, db, say);
  const ports = await pickPorts(o.frontendPort);
  const configDir = join(o.dir, 'config');
  mkdirSync(configDir, { recursive: true });
  const dynamicConfigFile = join(configDir, 'dynamic.yaml');
  writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  writeFileSync(join(configDir, 'cluster.yaml'), serverYaml({ db, shards: o.shards ?? DEFAULT_SHARDS, ports, logLevel: o.logLevel ?? 'warn', dynamicConfigFile }));
  const address = `127.0.0.1:${ports.frontend}`;
  const namespace = o.namespace ?? 'default';
  const logFile = join(o.dir, 'temporal.log');
  const launch = async (): Promise<ServerProcess> => {
    const server = startServerProcess(tools.server, o.dir, logFile, db.password);
    o.guard?.watch({ stage: 'temporal', pid: server.pid, exited: server.exited });
    try {
      await waitForNamespace(server, address, namespace, logFile);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  };
  say(`starting the Temporal server (${o.shards ?? DEFAULT_SHARDS} history shards, log in ${logFile})…`);
  let server = await launch();
  const connection = await Connection.connect({ address });
  try {
    await registerSearchAttributes(connection, namespace);
  } catch (err) {
    await server.stop();
    throw err;
  } finally {
    await connection.close();
  }
  return {
    address,
    namespace,
    get pid() {
      return server.pid;
    },
    get exited() {
      return server.exited;
    },
    logFile,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    stop: () => server.stop(),
    restart: async () => {
      await server.stop();
      // Nothing else may take the frontend's port while the server is down: clients reconnect to it.
      await reservePort(ports.frontend);
      server = await launch();
    },
  };
}

interface ServerProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** `server start` with every service, its output appended to `logFile`, in a process group of its own. */
function startServerProcess(exe: string, dir: string, logFile: string, password: string): ServerProcess {
  const log = openSync(logFile, 'a');
  const child = spawn(
    exe,
    ['--root', dir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start', ...['frontend', 'history', 'matching', 'worker'].flatMap((s) => ['--service', s])],
    { stdio: ['ignore', log, log], detached: true, env: { ...process.env, [PASSWORD_VARIABLE]: password } },
  );
  closeSync(log);
  return groupLeader(child);
}

/**
 * A child started `detached` (the leader of its own process group) and how to stop it: SIGTERM
 * to the group, SIGKILL after `graceMs`. The group is killed, at the latest, when this process exits.
 */
function groupLeader(child: ChildProcess, graceMs = 10_000): ServerProcess {
  const pid = child.pid!;
  const signal = (name: NodeJS.Signals) => signalGroup(pid, name);
  const killOnExit = () => signal('SIGKILL');
  process.once('exit', killOnExit);
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => process.removeListener('exit', killOnExit));
  return {
    pid,
    child,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        signal('SIGTERM');
        const timer = setTimeout(() => signal('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Whatever the leader left behind in its group goes with it.
      signal('SIGKILL');
    },
  };
}

/** The last lines of the server's log, for an error message. */
function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** How long one probe of a starting server may take before the wait tries again. */
const PROBE_DEADLINE_MS = 5_000;

/**
 * Waits until the frontend answers, registering `namespace` when it is missing (the real server
 * creates none but its own), and until the namespace answers a list query: a registered namespace
 * reaches every service's cache a moment later, and the list also proves visibility works.
 */
async function waitForNamespace(server: ServerProcess, address: string, namespace: string, logFile: string): Promise<void> {
  await pollUntil(
    async () => {
      if (server.child.exitCode !== null) throw new Error(`the Temporal server exited during start-up (code ${server.child.exitCode}); the end of ${logFile}:\n${logTail(logFile)}`);
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address, connectTimeout: 1_000 });
        const service = connection.workflowService;
        // Each try has a deadline: a server that takes the connection but does not answer yet
        // (its shards still being acquired) would otherwise hold a call, and this wait, forever —
        // as a fault run's Temporal restart once did.
        await connection.withDeadline(Date.now() + PROBE_DEADLINE_MS, async () => {
          await service.describeNamespace({ namespace }).catch(async (err: { code?: number }) => {
            if (err.code !== GRPC_NOT_FOUND) throw err;
            await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION) }).catch((e: { code?: number }) => {
              if (e.code !== GRPC_ALREADY_EXISTS) throw e;
            });
          });
          await service.listWorkflowExecutions({ namespace, pageSize: 1 });
        });
        return true;
      } catch {
        return false;
      } finally {
        await connection?.close();
      }
    },
    { timeoutMs: 120_000, intervalMs: 500, what: `the Temporal server on ${address} to serve namespace ${namespace}` },
  );
}

export interface TemporalUiOptions {
  /** Where its configuration goes. */
  dir: string;
  /** The frontend's gRPC address. */
  temporalAddress: string;
  port: number;
  /** The namespace the UI opens on (default `default`). */
  namespace?: string;
  /** The remote codec the UI's pages send payloads to for decoding (the API's `/codec`, issue 19 §5). */
  codecEndpoint?: string;
  say?: (line: string) => void;
}

export interface RunningTemporalUi {
  url: string;
  pid: number;
  /** Where the UI server's output goes: `<dir>/ui.log`, appended. */
  logFile: string;
  /** Resolves once the UI server has exited, stopped or not. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the Temporal Web UI server (built by ensureUiServer) on loopback, pointed at
 * `temporalAddress`, in a process group of its own; resolves once it serves its page. The
 * settings are those the Temporal CLI gives its embedded UI.
 */
export async function startTemporalUi(o: TemporalUiOptions): Promise<RunningTemporalUi> {
  const exe = ensureUiServer();
  const configDir = join(o.dir, 'ui-config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    join(configDir, 'cluster.yaml'),
    `# The Temporal Web UI server's configuration (written by scripts/temporal-cluster.ts).
temporalGrpcAddress: ${o.temporalAddress}
host: 127.0.0.1
port: ${o.port}
enableUi: true
hideLogs: true
defaultNamespace: ${o.namespace ?? 'default'}
cors:
  # Served over plain HTTP on loopback.
  cookieInsecure: true
codec:
  endpoint: ${JSON.stringify(o.codecEndpoint ?? '')}
`,
  );
  o.say?.('starting the Temporal Web UI server…');
  const logFile = join(o.dir, 'ui.log');
  const log = openSync(logFile, 'a');
  const child = spawn(exe, ['--root', o.dir, '--config', 'ui-config', '--env', 'cluster', 'start'], { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  const leader = groupLeader(child, 5_000);
  const url = `http://127.0.0.1:${o.port}`;
  try {
    await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`the Temporal UI server exited during start-up (code ${child.exitCode}); the end of ${logFile}:\n${logTail(logFile)}`);
        return (await fetch(url).catch(() => undefined))?.ok;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: `the Temporal UI on ${url}` },
    );
  } catch (err) {
    await leader.stop();
    throw err;
  }
  return { url, pid: leader.pid, logFile, exited: leader.exited, stop: leader.stop };
}
