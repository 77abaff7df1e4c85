/**
 * The test files `test/run.ts` hands over, run with Node's test runner in the order given,
 * `--concurrency` at a time, each in its own process (started with this process's own flags,
 * `--enable-source-maps`: run.ts runs this file and the test files compiled), reported by the
 * spec reporter. `node --test` would sort the files by name
 * first, which undoes run.ts's order (the slowest files first, so that no long file runs alone
 * at the end); `run()` keeps it.
 */
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { concurrency: { type: 'string' } }, allowPositionals: true });
const stream = run({ files: positionals, concurrency: Number(values.concurrency) });
// A failed test, or a file that failed to load or exited badly, fails the run.
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(new spec()).pipe(process.stdout);
