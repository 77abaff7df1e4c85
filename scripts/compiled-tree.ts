/**
 * The project as Node loads it without tsx: a tree whose every file is a link to the checkout's,
 * beside each TypeScript module its JavaScript (esbuild, one file at a time, as tsx would make
 * it: the project is `isolatedModules`), with an inline source map so a stack trace names the
 * TypeScript line. Node then loads an entry and everything it imports natively; under tsx's
 * loader hooks a process spends about 1.7 s more CPU only loading its modules (a worker: 3.4 s
 * instead of 1.8 on two cores; the API harness 4.5 instead of 2.1).
 *
 * Files are read through the links (fixtures, migrations, static files, the TypeScript itself
 * for the workflow bundles); what a process writes below the tree stays in the tree's folder.
 * - `npm test` builds one in its scratch folder for the test files (test/run.ts);
 *   test/support/root.ts names the checkout itself for what needs it (git, tsc).
 * - The start scripts run the platform's processes (worker, API, web client, payment stand-ins)
 *   from a tree kept between starts (`keptCompiledTree`).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** esbuild, loaded when a tree is made or checked: a test process imports this module for `compiledEntry` alone. */
const esbuild = () => createRequire(import.meta.url)('esbuild') as typeof import('esbuild');

const MODULE = /\.tsx?$/;
const DECLARATION = /\.d\.ts$/;

/** Tracked files and new ones git does not ignore; a tree without git is walked instead. */
function listFiles(root: string): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return [...new Set(listed.split('\0'))].filter((path) => path !== '' && !path.startsWith('node_modules/'));
  } catch {
    const found: string[] = [];
    const walk = (rel: string) => {
      for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
        if (entry.name === 'node_modules' || entry.name === '.git' || entry.name === '.data') continue;
        const path = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(path);
        else found.push(path);
      }
    };
    walk('');
    return found;
  }
}

/** The checkout's files, as paths relative to `root`. */
function filesOf(root: string): string[] {
  return listFiles(root).filter((path) => {
    // --cached still lists a tracked file deleted in the work tree.
    try {
      return statSync(join(root, path)).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * Builds the tree at `target` from the checkout at `root`; returns `target`. Its `node_modules` is
 * a link to the checkout's, but for a tree kept below that very folder, where packages resolve
 * upwards to it and a link would make a loop.
 */
export function compiledTree(root: string, target: string, options: { files?: string[]; linkNodeModules?: boolean } = {}): string {
  const files = options.files ?? filesOf(root);
  for (const path of files) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    symlinkSync(join(root, path), join(target, path));
  }
  if (options.linkNodeModules ?? true) symlinkSync(join(root, 'node_modules'), join(target, 'node_modules'), 'dir');
  const modules = files.filter((path) => MODULE.test(path) && !DECLARATION.test(path));
  const listed = new Set(files);
  const clash = modules.map((path) => path.replace(MODULE, '.js')).filter((path) => listed.has(path));
  if (clash.length > 0) throw new Error(`a JavaScript file beside its TypeScript module: ${clash.join(', ')}`);
  esbuild().buildSync({
    entryPoints: modules.map((path) => join(root, path)),
    outdir: target,
    outbase: root,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // JSX as tsconfig.json says (esbuild reads the checkout's own, as tsx does).
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'error',
  });
  return target;
}

/** Where the start scripts keep their trees, one for each state of the sources. */
export const KEPT_TREES = join('node_modules', '.cache', 'gigflow', 'compiled-trees');
/**
 * At the next build, the trees beyond the few used last go (each is about 8 MB, and every edit
 * before a start makes one), and any no start has used for a week. A running platform's tree is
 * among the last used unless several newer ones were made meanwhile; its processes have loaded
 * their modules by then.
 */
const KEPT_TREES_AT_MOST = 4;
const KEPT_FOR_MS = 7 * 24 * 3600_000;

/**
 * The tree of the checkout's sources as they are now, kept in `<root>/node_modules/.cache/gigflow/
 * compiled-trees/<key>`: the key is a SHA-256 of esbuild's version, the checkout's real path,
 * every file's path and every module's (and tsconfig.json's) contents, so a tree is reused only
 * while nothing it was made from has changed, and a running platform keeps its own while the
 * sources are edited. The path is in the key because the tree's files are links into the
 * checkout: a second checkout of the same commit sharing the first's `node_modules` (a
 * `git worktree` with it linked) would otherwise run the first checkout's files as they are now,
 * edits and all, beside its own compiled JavaScript. Built in
 * a folder of its own and renamed into place, so two starts at once both get a whole tree.
 * Returns the tree's folder (its real path) and whether it was built now.
 */
export function keptCompiledTree(root: string, now = Date.now()): { dir: string; built: boolean } {
  const files = filesOf(root);
  const hash = createHash('sha256').update(`esbuild ${esbuild().version}\0${realpathSync(root)}\0`);
  for (const path of [...files].sort()) {
    hash.update(`${path}\0`);
    if ((MODULE.test(path) && !DECLARATION.test(path)) || path === 'tsconfig.json') hash.update(readFileSync(join(root, path))).update('\0');
  }
  mkdirSync(join(root, KEPT_TREES), { recursive: true });
  // As the modules' own URLs will name it (a linked node_modules, a linked checkout): an entry
  // knows itself by comparing its URL with the path it was started by.
  const trees = realpathSync(join(root, KEPT_TREES));
  const dir = join(trees, hash.digest('hex').slice(0, 24));
  let kept = false;
  try {
    kept = statSync(join(dir, 'package.json')).isFile();
  } catch {
    // Not there yet: built below.
  }
  if (kept) {
    markUsed(dir, now);
    return { dir, built: false };
  }
  const found = readdirSync(trees).flatMap((entry) => {
    try {
      return [{ path: join(trees, entry), usedAt: statSync(join(trees, entry)).mtimeMs, building: entry.endsWith('.building') }];
    } catch {
      return []; // Gone meanwhile (another start pruned it).
    }
  });
  // A build takes seconds: one an hour old was cut off.
  for (const left of found.filter((f) => f.building && now - f.usedAt > 3600_000)) rmSync(left.path, { recursive: true, force: true });
  const others = found.filter((f) => !f.building).sort((a, b) => b.usedAt - a.usedAt);
  // The one built now counts among the kept.
  for (const [i, old] of others.entries()) {
    if (i >= KEPT_TREES_AT_MOST - 1 || now - old.usedAt > KEPT_FOR_MS) rmSync(old.path, { recursive: true, force: true });
  }
  const building = `${dir}.${process.pid}.building`;
  rmSync(building, { recursive: true, force: true });
  compiledTree(root, building, { files, linkNodeModules: false });
  try {
    renameSync(building, dir);
  } catch (err) {
    // Another start built the same tree meanwhile: theirs is as good.
    rmSync(building, { recursive: true, force: true });
    if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
  markUsed(dir, now);
  return { dir, built: true };
}

/** Marks a tree as used at `now`, for the pruning (at best: a tree it cannot mark still serves). */
function markUsed(dir: string, now: number): void {
  try {
    utimesSync(dir, new Date(now), new Date(now));
  } catch {
    // Read-only: left as it is.
  }
}

/** The compiled module of a TypeScript entry (`worker.ts` → `<tree>/worker.js`). */
export function compiledEntry(tree: string, entry: string): string {
  return join(tree, entry.replace(MODULE, '.js'));
}
