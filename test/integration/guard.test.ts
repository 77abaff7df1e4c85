/**
 * The guard of `npm start` (scripts/supervisor.ts `startGuard`, scripts/guard.sh), which `npm
 * test` and the benchmarks use too: killed without its say (SIGKILL), the process that started it
 * leaves none of the groups it watched running — except those whose leader had exited, which it
 * forgets. A process the cluster benchmarks start again (a worker, PostgreSQL, the Temporal
 * server) is watched anew under its new pid, and the old pid, once free, may be given to any
 * process on this machine (pid_max can be 32768): the guard must not kill that one.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pollUntil } from '../../scripts/poll.js';
import { signalGroup } from '../../scripts/supervisor.js';
import { alive } from '../support/processes.js';
import { checkout as root } from '../support/root.js';

const started: ChildProcess[] = [];
// A group this killed may not have told its exit yet: signalGroup passes over a group that is gone.
after(() => {
  for (const child of started) signalGroup(child.pid!, 'SIGKILL');
});

/** A process group of its own that runs until a signal stops it. */
function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
  started.push(child);
  return child;
}

/**
 * A process that starts a guard, has it watch `forgotten` (then says that group's leader has
 * exited) and `kept`, and prints "watching" once the guard has been told all of it.
 */
async function watcher(forgotten: number, kept: number): Promise<ChildProcess> {
  const supervisor = join(root, 'scripts', 'supervisor.ts');
  const script = [
    `import { startGuard } from ${JSON.stringify(supervisor)};`,
    'const guard = startGuard();',
    'let exited;',
    `guard.watch({ stage: 'apps', pid: ${forgotten}, exited: new Promise((resolve) => (exited = resolve)) });`,
    `guard.watch({ stage: 'apps', pid: ${kept} });`,
    'exited();',
    // The guard's lines reach its pipe within the turn that writes them.
    "setImmediate(() => process.stdout.write('watching\\n'));",
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  await pollUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`the watcher exited with ${child.exitCode}`);
      return output.includes('watching');
    },
    { timeoutMs: 30_000, intervalMs: 20, what: 'the watcher to start its guard' },
  );
  return child;
}

describe('the guard, when what it guards is killed (SIGKILL)', () => {
  it('stops the groups it watches, but not one whose leader had exited (its pid may be another process’s by then)', { timeout: 60_000 }, async () => {
    const forgotten = sleeper();
    const kept = sleeper();
    const owner = await watcher(forgotten.pid!, kept.pid!);
    const keptExit = once(kept, 'exit');

    process.kill(owner.pid!, 'SIGKILL');
    // The guard signals every group of a stage at once: when the watched one is gone, the forgotten one was spared.
    const [, signal] = await keptExit;
    assert.equal(signal, 'SIGTERM', 'the watched group got the polite signal');
    assert.equal(alive(forgotten.pid!), true, 'the forgotten group was left alone');
  });
});
