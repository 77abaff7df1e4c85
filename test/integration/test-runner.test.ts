/**
 * `npm test` itself (test/run.ts) stopped while its files run. Its servers and its files'
 * processes run in process groups of their own: a terminal's Ctrl-C reaches the runner alone,
 * which stops the files, then the servers. Killed without its teardown — SIGKILL, as an
 * out-of-memory killer or an impatient developer sends it — it leaves nothing running either:
 * the guard of `npm start` watches those groups (before, the files ran on to their end and the
 * embedded PostgreSQL and the Temporal dev server ran for good). The killed run's scratch folder
 * (tens of MB) is left, and the next run removes it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pollUntil } from '../../scripts/poll.js';
import { signalGroup } from '../../scripts/supervisor.js';
import { commandOf, descendants, groupOf, startedAt, stillRunning } from '../support/processes.js';
import { checkout as root } from '../support/root.js';
import { makeRunScratch, RUN_SCRATCH_PREFIX, sweepRunScratch } from '../support/run-scratch.js';

const started: ChildProcess[] = [];
// A group a test killed may not have told its exit yet: signalGroup passes over a group that is gone.
after(() => {
  for (const child of started) signalGroup(child.pid!, 'SIGKILL');
});

/** A process that runs until killed, naming `words` in its command line. */
function sleeper(...words: string[]): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', ...words], { detached: true, stdio: 'ignore' });
  started.push(child);
  return child;
}

describe('the scratch folders of runs that are over', () => {
  it('are removed at the next run; a running run’s, an unknown one’s and one a process still names are kept', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'gigflow-sweep-'));
    try {
      // A run that is still going: this process.
      const running = makeRunScratch(tmp);
      // A run that is over: its runner exited.
      const exited = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => exited.once('exit', resolve));
      const over = join(tmp, `${RUN_SCRATCH_PREFIX}over01`);
      mkdirSync(join(over, 'postgres'), { recursive: true });
      writeFileSync(join(over, 'owner'), `${exited.pid} 1\n`);
      // A runner's pid that the system gave to another process since: this one, started at another time.
      const reused = join(tmp, `${RUN_SCRATCH_PREFIX}reuse1`);
      mkdirSync(reused);
      writeFileSync(join(reused, 'owner'), `${process.pid} ${startedAt(process.pid)! - 1}\n`);
      // Over, but a process (a server still stopping) names it: kept.
      const named = join(tmp, `${RUN_SCRATCH_PREFIX}named1`);
      mkdirSync(named);
      writeFileSync(join(named, 'owner'), `${exited.pid} 1\n`);
      const user = sleeper('-D', join(named, 'postgres'));
      await pollUntil(() => commandOf(user.pid!).includes(named), { timeoutMs: 10_000, intervalMs: 20, what: 'the process naming the folder' });
      // No owner file (an older checkout's run, or one that has only just made it): kept.
      const unknown = join(tmp, `${RUN_SCRATCH_PREFIX}unkno1`);
      mkdirSync(unknown);
      // Not a run's folder at all.
      const other = join(tmp, 'gigflow-attachments');
      mkdirSync(other);

      assert.deepEqual(sweepRunScratch(tmp).sort(), [over, reused].sort());
      for (const dir of [over, reused]) assert.equal(existsSync(dir), false, dir);
      for (const dir of [running, named, unknown, other]) assert.equal(existsSync(dir), true, dir);

      process.kill(user.pid!, 'SIGKILL');
      await pollUntil(() => !commandOf(user.pid!).includes(named), { timeoutMs: 10_000, intervalMs: 20, what: 'the naming process to exit' });
      assert.deepEqual(sweepRunScratch(tmp), [named]);
      assert.equal(existsSync(running), true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

/** `npm test`'s runner with servers of its own, once its test file runs, as a terminal runs it: the leader of a process group. */
async function runnerWithItsFileRunning() {
  // Its own servers, as on a developer's machine: not the ones this run shares.
  const { DATABASE_URL: _database, TEMPORAL_ADDRESS: _temporal, ...env } = process.env;
  // A file of a few seconds (it replays every committed history), so the runner is stopped while it runs.
  const runner = spawn(process.execPath, ['--import', 'tsx', join('test', 'run.ts'), join('test', 'replay', 'histories.test.ts')], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  started.push(runner);
  const exited = once(runner, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let output = '';
  runner.stdout!.on('data', (chunk) => (output += chunk));
  runner.stderr!.on('data', (chunk) => (output += chunk));
  const fileProcess = () => descendants(runner.pid!).find((pid) => commandOf(pid).includes(join('replay', 'histories.test.js')));
  await pollUntil(
    () => {
      if (runner.exitCode !== null) throw new Error(`the runner exited with ${runner.exitCode}:\n${output}`);
      return fileProcess() !== undefined;
    },
    { timeoutMs: 90_000, intervalMs: 20, what: 'the runner to start its test file' },
  );
  const pids = descendants(runner.pid!);
  const commands = pids.map(commandOf).join('\n');
  assert.match(commands, /\/postgres -D /, 'its PostgreSQL');
  assert.match(commands, /temporal server start-dev/, 'its Temporal dev server');
  const scratch = commands.match(new RegExp(`${tmpdir()}/${RUN_SCRATCH_PREFIX}[^/ ]+`))![0];
  const groups = [...new Set([runner.pid!, ...pids].map(groupOf).filter((g): g is number => g !== undefined))];
  const nothingLeft = (timeoutMs: number) =>
    pollUntil(() => stillRunning(pids, groups).length === 0, {
      timeoutMs,
      intervalMs: 100,
      what: () => `every process of the run to exit (left: ${stillRunning(pids, groups).join('; ')})`,
    });
  return { runner, exited, output: () => output, scratch, nothingLeft };
}

describe('npm test stopped while its files run', () => {
  it('by Ctrl-C, as a terminal sends it (SIGINT to its group): the files stop, then the servers, and no folder is left', { timeout: 120_000 }, async () => {
    const run = await runnerWithItsFileRunning();
    // The terminal's group is the runner's alone: the files and the servers run in groups of their own.
    process.kill(-run.runner.pid!, 'SIGINT');
    const [code] = await run.exited;
    assert.equal(code, 130, run.output());
    assert.match(run.output(), /\[test\] the test files stopped \(\d+\.\d s\)/);
    await run.nothingLeft(5_000);
    assert.equal(existsSync(run.scratch), false);
  });

  it('killed (SIGKILL): leaves no process running, and its scratch folder to the next run', { timeout: 120_000 }, async () => {
    const run = await runnerWithItsFileRunning();
    process.kill(run.runner.pid!, 'SIGKILL');
    // The guard stops the files, then the dev server, then PostgreSQL, each within its bound (7 + 4 + 3 s at most).
    await run.nothingLeft(20_000);
    assert.equal(existsSync(run.scratch), true, 'the killed run had no teardown: its scratch folder is left');
    assert.ok(sweepRunScratch(tmpdir()).includes(run.scratch), 'the next run removes it');
    assert.equal(existsSync(run.scratch), false);
  });
});
