/**
 * Where the project is. A test process loads the project from the run's compiled tree
 * (scripts/compiled-tree.ts), whose files are links into the checkout; `loadedRoot` is the tree
 * the modules' own URLs name, `checkout` the checkout itself: what git and tsc need. Run from
 * the checkout, both are the checkout.
 */
import { realpathSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledEntry } from '../../scripts/compiled-tree.js';

export const loadedRoot = fileURLToPath(new URL('../..', import.meta.url));
export const checkout = dirname(realpathSync(join(loadedRoot, 'package.json')));

/** Whether the test runs from the run's compiled tree (`npm test`), not from the checkout. */
export const compiled = relative(loadedRoot, checkout) !== '';

/** A loaded module's path (`import.meta.filename`) as the checkout names its source: `test/unit/seed.test.ts`. */
export function sourcePath(file: string): string {
  return relative(loadedRoot, file).replace(/\.js$/, '.ts');
}

/**
 * How a test starts one of the project's entries (`worker.ts`) as a process of its own, with
 * `cwd: checkout`: its compiled module in the run's tree, as the start scripts run the platform's
 * processes (scripts/compiled-tree.ts; the module's own path, which tells an entry it is one);
 * under tsx when the test itself runs from the checkout.
 */
export function entryArgs(entry: string): string[] {
  if (!compiled) return ['--import', 'tsx', join(checkout, entry)];
  return ['--enable-source-maps', compiledEntry(loadedRoot, entry)];
}
