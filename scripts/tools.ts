/**
 * Provisions the programs gigflow runs beside its own, from package registries only
 * (this project never downloads a prebuilt binary at run time):
 *
 * - the Temporal CLI (dev server with SQLite persistence and the Web UI) v1.5.1, built from
 *   the wrapper module `scripts/temporal-cli/` with a newer SQLite driver than the CLI pins
 *   (that module's go.mod says why);
 * - Temporal's time-skipping test server, the Maven Central artifact
 *   `io.temporal:temporal-test-server` with its runtime dependencies, started by a small
 *   wrapper through our own main class (`scripts/test-server/SteadyClockTestServer.java`,
 *   compiled here with javac): the library's server on a clock that a step of the machine's
 *   clock does not move;
 * - mailpit, the local mail catcher of `npm start` when no SMTP_URL is set, built with
 *   `go install github.com/axllent/mailpit@v1.33.1` (only on that first `npm start`);
 * - the Temporal server and its SQL schema tool (`go install go.temporal.io/server/cmd/server@v1.29.1`
 *   and `…/cmd/tools/sql@v1.29.1`, with the module's PostgreSQL schemas copied beside them) and
 *   the Temporal Web UI server (built from the wrapper module `scripts/ui-server/`): the cluster
 *   topology of `npm run start:cluster` (issue 19), provisioned only by what runs that cluster;
 * - moto's S3 server, the S3-protocol server the S3 attachment store is tested against (K-69):
 *   `pip install` of the exact list `scripts/s3-server/requirements.txt` from PyPI into a
 *   virtualenv (only when a test asks for it, `ensureS3Server`).
 *
 * All go to a cache folder outside the clone (`$GIGFLOW_TOOLS_DIR`, default
 * `~/.cache/gigflow`), so fresh clones and CI runs on the same machine reuse them.
 * Idempotent: a tool already present at its version is not built again.
 *
 * Run alone with `npm run tools`; `npm start` and `npm test` call `ensureTools()`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const TEMPORAL_CLI_VERSION = '1.5.1';
/** The SQLite driver the dev server is built with (`temporal-cli/go.mod`), instead of the CLI's own v1.34.1. */
export const TEMPORAL_CLI_SQLITE_VERSION = '1.51.0';
/** The local mail catcher `npm start` runs when no SMTP_URL is set (K-70): SMTP in, a web UI to read it. */
export const MAILPIT_VERSION = '1.33.1';
/** The newest test server on Maven Central when this was pinned; its API is the one the 1.24 SDK speaks. */
export const TEST_SERVER_VERSION = '1.38.0';
/**
 * The Temporal server of the cluster topology: the newest v1.29 patch, which builds with the Go
 * this project documents (newer tags ask for a newer Go toolchain).
 */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
/** The Temporal Web UI server pointed at that cluster; its module is pinned in `ui-server/go.mod`. */
export const UI_SERVER_VERSION = '2.58.1';
/**
 * The Go toolchain the UI server needs (its go.mod asks for Go ≥ 1.26.10); the `go` command
 * fetches it from the Go module proxy like any module.
 */
export const UI_SERVER_GOTOOLCHAIN = 'go1.27.3';
/** moto, whose S3 server (with IAM's signature checks) stands in for a bucket in tests; its dependencies are pinned in `s3-server/requirements.txt`. */
export const MOTO_VERSION = '5.2.6';

export interface Tools {
  /** Path of the `temporal` CLI executable. */
  temporalCli: string;
  /** Path of the executable that starts the time-skipping test server. */
  testServer: string;
}

export function toolsDir(): string {
  return process.env.GIGFLOW_TOOLS_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'gigflow');
}

export class MissingToolError extends Error {}

function has(command: string): boolean {
  return spawnSync(command, ['-version'], { stdio: 'ignore' }).error === undefined;
}

function log(message: string): void {
  process.stderr.write(`[tools] ${message}\n`);
}

/** The version a `temporal` executable reports, or undefined when it cannot run. */
function cliVersion(path: string): string | undefined {
  const out = spawnSync(path, ['--version'], { encoding: 'utf8' });
  if (out.status !== 0) return undefined;
  return /temporal version (\S+)/.exec(out.stdout)?.[1];
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Throws a MissingToolError saying what to do when there is no Go to build `what` with. */
function requireGo(what: string, otherwise: string): void {
  if (has('go')) return;
  throw new MissingToolError(`${what} is missing and Go is not installed to build it: install Go (https://go.dev/dl), ${otherwise}`);
}

/**
 * Makes the tool folder `dir` by running `build` on an empty `<dir>.partial` and moving that in
 * place whole, so an interrupted build never leaves a half-written executable that a later run
 * would take for a finished one.
 */
function buildAside(dir: string, build: (scratch: string) => void): void {
  const scratch = `${dir}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  build(scratch);
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
}

/** `go install` of `packages` (each `path@version`) from the Go module proxy into `bin`: static executables. */
function goInstall(bin: string, packages: string[]): void {
  execFileSync('go', ['install', ...packages], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: bin, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
  });
}

/**
 * The folder of one of our Go wrapper modules (`scripts/<name>/`), after checking that its go.mod
 * requires each of `pins` (`path vX.Y.Z`), the versions the code around it names.
 */
function wrapperModule(name: string, pins: string[]): string {
  const module = fileURLToPath(new URL(`./${name}/`, import.meta.url));
  const required = readFileSync(join(module, 'go.mod'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/^\s*(require\s+)?/, '').replace(/\s*\/\/.*$/, '').trim());
  for (const pin of pins) {
    if (!required.includes(pin)) throw new Error(`${join(module, 'go.mod')} must require ${pin}`);
  }
  return module;
}

/** `go build` of `pkg` in a wrapper module to `exe`: a static executable. */
function goBuild(module: string, pkg: string, exe: string, env: NodeJS.ProcessEnv = {}): void {
  execFileSync('go', ['build', '-o', exe, pkg], {
    cwd: module,
    stdio: ['ignore', 'inherit', 'inherit'],
    // readonly: the committed go.sum is what gets built, and the clone is never rewritten.
    env: { ...process.env, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0', ...env },
  });
}

/** Released CLIs before 1.9 carry the SQLite driver that can wedge the dev server (temporal-cli/go.mod). */
function warnOfOldDriver(path: string, version: string): void {
  const [major, minor] = version.split('.').map(Number);
  if (major === 1 && minor! < 9) {
    log(`${path} is Temporal CLI ${version}: its dev server can stop answering ("interrupted (9)") after cancelled calls; CLI 1.9+ or the cached build does not`);
  }
}

/**
 * The Temporal CLI, in order of preference: `$TEMPORAL_CLI` (a path the user names),
 * a `temporal` on the PATH, the cached build, or a new build into the cache.
 */
export function ensureTemporalCli(): string {
  const named = process.env.TEMPORAL_CLI;
  if (named) {
    const version = cliVersion(named);
    if (!version) throw new MissingToolError(`TEMPORAL_CLI=${named} does not run as a Temporal CLI`);
    warnOfOldDriver(named, version);
    return named;
  }
  const fromPath = onPath('temporal');
  const pathVersion = fromPath && cliVersion(fromPath);
  if (fromPath && pathVersion) {
    warnOfOldDriver(fromPath, pathVersion);
    return fromPath;
  }

  // Named by both versions, so a cache built before the driver's pin builds afresh.
  const dir = join(toolsDir(), `temporal-cli-v${TEMPORAL_CLI_VERSION}-sqlite-v${TEMPORAL_CLI_SQLITE_VERSION}`);
  const exe = join(dir, 'temporal');
  if (existsSync(exe) && cliVersion(exe)) return exe;

  const module = wrapperModule('temporal-cli', [`github.com/temporalio/cli v${TEMPORAL_CLI_VERSION}`, `modernc.org/sqlite v${TEMPORAL_CLI_SQLITE_VERSION}`]);
  requireGo('the Temporal CLI', 'put a `temporal` on the PATH, or set TEMPORAL_CLI to its path');
  log(`building the Temporal CLI v${TEMPORAL_CLI_VERSION} (SQLite driver v${TEMPORAL_CLI_SQLITE_VERSION}) with go build (first run only; a few minutes)…`);
  buildAside(dir, (scratch) => goBuild(module, 'github.com/temporalio/cli/cmd/temporal', join(scratch, 'temporal')));
  log(`Temporal CLI ready: ${exe}`);
  return exe;
}

/**
 * Mailpit, the local mail catcher of `npm start` (K-70): a `mailpit` on the PATH, the cached
 * build, or a new `go install` from the Go module proxy into the cache. Only `npm start` without
 * SMTP_URL asks for it — never `npm test` or `ensureTools()`: tests run their own SMTP server.
 */
export function ensureMailpit(): string {
  const fromPath = onPath('mailpit');
  if (fromPath) return fromPath;
  const dir = join(toolsDir(), `mailpit-v${MAILPIT_VERSION}`);
  const exe = join(dir, 'mailpit');
  if (existsSync(exe)) return exe;
  requireGo('the mail catcher (mailpit)', 'put a `mailpit` on the PATH, or set SMTP_URL to an SMTP server');
  log(`building mailpit v${MAILPIT_VERSION} with go install (first run only; a few minutes)…`);
  buildAside(dir, (scratch) => goInstall(scratch, [`github.com/axllent/mailpit@v${MAILPIT_VERSION}`]));
  log(`mailpit ready: ${exe}`);
  return exe;
}

/** What runs the cluster topology's Temporal server (issue 19 §1). */
export interface TemporalServerTools {
  /** The server: `server --root <dir> --config <sub> --env <name> start` reads `<dir>/<sub>/<name>.yaml`. */
  server: string;
  /** Its SQL schema tool (`setup-schema`, `update-schema`; the connection from SQL_* variables or flags). */
  sqlTool: string;
  /** The versioned PostgreSQL 12+ schemas that `update-schema --schema-dir` applies, per database. */
  schemaDir: { temporal: string; visibility: string };
}

/**
 * The Temporal server and its SQL schema tool, `go install`ed from the Go module proxy into the
 * cache, with the module's PostgreSQL schemas copied beside them: the sql tool embeds only
 * MySQL's, and a copy outlives a cleaned Go module cache. Only the cluster topology
 * (`npm run start:cluster`, scripts/temporal-cluster.ts) asks for it, never `npm test`.
 */
export function ensureTemporalServer(): TemporalServerTools {
  const dir = join(toolsDir(), `temporal-server-v${TEMPORAL_SERVER_VERSION}`);
  const schemas = join(dir, 'schema', 'postgresql', 'v12');
  const tools: TemporalServerTools = {
    server: join(dir, 'server'),
    sqlTool: join(dir, 'sql'),
    schemaDir: { temporal: join(schemas, 'temporal', 'versioned'), visibility: join(schemas, 'visibility', 'versioned') },
  };
  if (!existsSync(tools.server) || !existsSync(tools.sqlTool)) {
    requireGo('the Temporal server', 'or run `npm start` (the dev server) instead of the cluster');
    log(`building the Temporal server v${TEMPORAL_SERVER_VERSION} and its SQL tool with go install (first run only; several minutes)…`);
    buildAside(dir, (scratch) => {
      goInstall(scratch, [`go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`]);
      copyPostgresSchemas(join(scratch, 'schema', 'postgresql', 'v12'));
    });
    log(`Temporal server ready: ${tools.server}`);
  }
  // A folder built before the schemas were part of it (or one whose copy was interrupted) gets them now.
  if (!existsSync(tools.schemaDir.temporal) || !existsSync(tools.schemaDir.visibility)) {
    const scratch = `${schemas}.partial`;
    rmSync(scratch, { recursive: true, force: true });
    copyPostgresSchemas(scratch);
    rmSync(schemas, { recursive: true, force: true });
    renameSync(scratch, schemas);
  }
  return tools;
}

/**
 * Copies the server module's `schema/postgresql/v12/{temporal,visibility}` to `into`; `go mod
 * download` names the module's folder (fetching it again if the module cache was cleaned).
 */
function copyPostgresSchemas(into: string): void {
  const out = execFileSync('go', ['mod', 'download', '-json', `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`], {
    encoding: 'utf8',
    cwd: toolsDir(), // outside any module: the download must not touch a go.mod
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const from = join((JSON.parse(out) as { Dir: string }).Dir, 'schema', 'postgresql', 'v12');
  mkdirSync(into, { recursive: true });
  for (const store of ['temporal', 'visibility']) cpSync(join(from, store), join(into, store), { recursive: true });
  // The module cache is read-only; the copies need not be, so a later rmSync can remove them.
  execFileSync('chmod', ['-R', 'u+w', into]);
}

/**
 * The Temporal Web UI server, built from the wrapper module `scripts/ui-server/` (its go.mod
 * and go.sum pin ui-server v2.58.1 and the patch releases the proxy serves) with the Go
 * toolchain it needs, into the cache. Only the cluster topology asks for it: the dev server
 * of `npm start` serves its own UI.
 */
export function ensureUiServer(): string {
  const dir = join(toolsDir(), `temporal-ui-server-v${UI_SERVER_VERSION}`);
  const exe = join(dir, 'ui-server');
  if (existsSync(exe)) return exe;
  const module = wrapperModule('ui-server', [`github.com/temporalio/ui-server/v2 v${UI_SERVER_VERSION}`]);
  requireGo('the Temporal Web UI server', 'or run `npm start` (the dev server and its UI) instead of the cluster');
  log(`building the Temporal UI server v${UI_SERVER_VERSION} with ${UI_SERVER_GOTOOLCHAIN} (first run only; a few minutes)…`);
  buildAside(dir, (scratch) => goBuild(module, 'github.com/temporalio/ui-server/v2/cmd/server', join(scratch, 'ui-server'), { GOTOOLCHAIN: UI_SERVER_GOTOOLCHAIN }));
  log(`Temporal UI server ready: ${exe}`);
  return exe;
}

/**
 * moto's S3 server: an executable that runs `python -m moto.server` (arguments as moto's:
 * `-H 127.0.0.1 -p <port>`) from a virtualenv in the cache, into which pip installed exactly
 * `scripts/s3-server/requirements.txt` from PyPI (wheels only: nothing compiles). The folder is
 * named by moto's version and the list's hash, so a changed pin installs afresh. Built aside
 * under a name of this process's own and moved in place whole, so two test processes
 * provisioning at once never share a half-made virtualenv (a venv runs from wherever it is
 * moved to when started through its `python`, which the wrapper does).
 */
export function ensureS3Server(): string {
  const requirementsFile = fileURLToPath(new URL('./s3-server/requirements.txt', import.meta.url));
  const requirements = readFileSync(requirementsFile, 'utf8');
  if (!requirements.includes(`moto[s3]==${MOTO_VERSION}\n`)) throw new Error(`${requirementsFile} must pin moto[s3]==${MOTO_VERSION}`);
  const pins = createHash('sha256').update(requirements).digest('hex').slice(0, 12);
  const dir = join(toolsDir(), `moto-s3-server-${MOTO_VERSION}-${pins}`);
  const exe = join(dir, 'moto-s3-server');
  if (existsSync(exe)) return exe;

  if (spawnSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status !== 0) {
    throw new MissingToolError(
      'the S3 test server (moto) is missing and Python 3 with its venv module is not installed to provision it: ' +
        'install python3 and python3-venv (Debian: apt-get install -y python3-venv)',
    );
  }
  log(`installing moto ${MOTO_VERSION} (S3 server) from PyPI into ${dir} (first run only; about 20 s)…`);
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    execFileSync('python3', ['-m', 'venv', join(scratch, 'venv')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const pip = spawnSync(
      join(scratch, 'venv', 'bin', 'python'),
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '--only-binary=:all:', '--timeout', '20', '--retries', '2', '--requirement', requirementsFile],
      { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] },
    );
    if (pip.status !== 0) {
      const said = pip.stderr.trim().split('\n').slice(-3).join(' / ');
      throw new MissingToolError(
        `pip could not install moto ${MOTO_VERSION} from PyPI (is https://pypi.org reachable, or a PIP_INDEX_URL mirror set?): ${said || `exit ${pip.status}`}`,
      );
    }
    // The wrapper names no absolute path: the folder moves once it is complete.
    writeFileSync(
      join(scratch, 'moto-s3-server'),
      `#!/bin/sh
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
exec "$here/venv/bin/python" -m moto.server "$@"
`,
    );
    chmodSync(join(scratch, 'moto-s3-server'), 0o755);
    if (existsSync(exe)) return exe; // another process finished first: theirs is as good
    rmSync(dir, { recursive: true, force: true });
    renameSync(scratch, dir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  log(`S3 server ready: ${exe}`);
  return exe;
}

/**
 * The time-skipping test server: Maven resolves `io.temporal:temporal-test-server` and its
 * runtime dependencies into `lib/`, javac compiles our main class into `classes/`, and a shell
 * wrapper starts it with the machine's Java. The folder's name carries a hash of that class's source.
 */
export function ensureTestServer(): string {
  const launcher = fileURLToPath(new URL('./test-server/SteadyClockTestServer.java', import.meta.url));
  const source = createHash('sha256').update(readFileSync(launcher)).digest('hex').slice(0, 12);
  const dir = join(toolsDir(), `temporal-test-server-${TEST_SERVER_VERSION}-${source}`);
  const exe = join(dir, 'temporal-test-server');
  if (existsSync(exe)) return exe;

  const missing = ['java', 'javac', 'mvn'].filter((tool) => !has(tool));
  if (missing.length > 0) {
    throw new MissingToolError(
      `the Temporal time-skipping test server is missing and ${missing.slice(0, -1).join(', ')}${missing.length > 1 ? ' and ' : ''}${missing.at(-1)} ` +
        `${missing.length > 1 ? 'are' : 'is'} not installed to fetch, build and run it: install a JDK (17 or newer) and Maven`,
    );
  }
  log(`fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} from Maven Central (first run only)…`);
  const scratch = `${dir}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  writeFileSync(
    join(scratch, 'pom.xml'),
    `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.gigflow.tools</groupId>
  <artifactId>temporal-test-server-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`,
  );
  execFileSync(
    'mvn',
    ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', '-DoutputDirectory=lib'],
    { cwd: scratch, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (!readdirSync(join(scratch, 'lib')).some((jar) => jar.startsWith('temporal-test-server-'))) {
    throw new MissingToolError('Maven finished but temporal-test-server is not among the resolved jars');
  }
  execFileSync('javac', ['-nowarn', '-d', 'classes', '-cp', join('lib', '*'), launcher], { cwd: scratch, stdio: ['ignore', 'inherit', 'inherit'] });
  // The SDK starts this executable with `<port> [--enable-time-skipping]`, as the library's TestServer takes them.
  writeFileSync(
    join(scratch, 'temporal-test-server'),
    `#!/bin/sh
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -cp "$here/classes:$here/lib/*" io.temporal.internal.testservice.SteadyClockTestServer "$@"
`,
  );
  chmodSync(join(scratch, 'temporal-test-server'), 0o755);
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
  log(`test server ready: ${exe}`);
  return exe;
}

export function ensureTools(): Tools {
  return { temporalCli: ensureTemporalCli(), testServer: ensureTestServer() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const tools = ensureTools();
    console.log(`temporal CLI:  ${tools.temporalCli} (${cliVersion(tools.temporalCli)})`);
    console.log(`test server:   ${tools.testServer}`);
  } catch (err) {
    if (!(err instanceof MissingToolError)) throw err;
    console.error(`gigflow cannot provision its Temporal tools: ${err.message}`);
    process.exit(1);
  }
}
