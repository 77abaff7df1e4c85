/**
 * Where the project is. A test process loads the project from the run's compiled tree
 * (./compiled-tree.ts), whose files are links into the checkout; `loadedRoot` is the tree the
 * modules' own URLs name, `checkout` the checkout itself: what git, tsc and a child process
 * (`node --import tsx worker.ts`, which knows itself as the entry only by its own path) need.
 * Run from the checkout, both are the checkout.
 */
import { realpathSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const loadedRoot = fileURLToPath(new URL('../..', import.meta.url));
export const checkout = dirname(realpathSync(join(loadedRoot, 'package.json')));

/** A loaded module's path (`import.meta.filename`) as the checkout names its source: `test/unit/seed.test.ts`. */
export function sourcePath(file: string): string {
  return relative(loadedRoot, file).replace(/\.js$/, '.ts');
}
