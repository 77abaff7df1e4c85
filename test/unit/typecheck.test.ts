/**
 * The suite typechecks the whole project, so CI fails on a type error (and, with
 * verbatimModuleSyntax on, on an `import` that should be `import type`) as it fails on a test.
 * Its own file: tsc takes several seconds, and the test runner runs files side by side.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { checkout as root } from '../support/root.js';


it('typechecks the whole project with tsconfig.json', () => {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(tsc.status, 0, `tsc --noEmit failed:\n${tsc.stdout}${tsc.stderr}`);
});
