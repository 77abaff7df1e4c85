/**
 * The project as the test processes load it: a tree in the run's scratch folder whose every file
 * is a link to the checkout's, beside each TypeScript module its JavaScript (esbuild, one file at
 * a time, as tsx would make it: the project is `isolatedModules`), with an inline source map so
 * a stack trace names the TypeScript line. Node then loads the test files and everything they
 * import natively; under tsx's loader hooks each test process spent about 2.4 s more CPU only
 * loading its modules (4.5 s instead of 2.1 for the API harness, measured on 2 cores), for some
 * ninety processes a run.
 *
 * Files are read through the links (fixtures, migrations, static files, the TypeScript itself
 * for the workflow bundles); what a test writes below the tree stays in the scratch folder.
 * `./root.ts` names the checkout itself for what needs it (git, tsc, child processes).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';

const MODULE = /\.tsx?$/;
const DECLARATION = /\.d\.ts$/;

/** Tracked files and new ones git does not ignore; a tree without git is walked instead. */
function listFiles(root: string): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
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

/** Builds the tree at `target` from the checkout at `root`; returns `target`. */
export function compiledTree(root: string, target: string): string {
  const files = listFiles(root).filter((path) => {
    // --cached still lists a tracked file deleted in the work tree.
    try {
      return statSync(join(root, path)).isFile();
    } catch {
      return false;
    }
  });
  for (const path of files) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    symlinkSync(join(root, path), join(target, path));
  }
  symlinkSync(join(root, 'node_modules'), join(target, 'node_modules'), 'dir');
  const modules = files.filter((path) => MODULE.test(path) && !DECLARATION.test(path));
  const listed = new Set(files);
  const clash = modules.map((path) => path.replace(MODULE, '.js')).filter((path) => listed.has(path));
  if (clash.length > 0) throw new Error(`a JavaScript file beside its TypeScript module: ${clash.join(', ')}`);
  buildSync({
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
