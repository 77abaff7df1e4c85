/**
 * Worker processes a crash test starts and kills: `<entry>` compiled (./root.ts `entryArgs`), configured by
 * its environment alone as production configures one, on the run's dev server and one task
 * queue of the file's. A test waits until this very process polls, kills it with SIGKILL (no
 * shutdown: tasks and activities cut off mid-way) and starts another to take over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { pollUntil } from '../../scripts/poll.js';
import { harness } from './harness.js';
import { checkout as root, entryArgs } from './root.js';

export interface WorkerProcess {
  child: ChildProcess;
  /** The last 8,000 characters it wrote (stdout and stderr): what a failure shows. */
  output(): string;
  /** Waits until this very process polls the task queue (a killed one stays listed for a while). */
  polling(): Promise<void>;
  /** SIGKILL, as a crash: no shutdown. Resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM, as production stops a worker (in-flight work finished). Resolves once it has exited. */
  stop(): Promise<void>;
}

export interface WorkerProcesses {
  /** Starts another worker process. */
  spawn(): WorkerProcess;
  /** SIGKILLs every process still running and waits until all have exited: a file's `after`. */
  killAll(): Promise<void>;
}

/**
 * Worker processes running `entry` (relative to the repository) for `taskQueue`, with `env`
 * (the database's URL, anything else the entry reads) on top of the dev server's address,
 * namespace and the task queue.
 */
export function workerProcesses(options: { entry: string; temporal: Client; taskQueue: string; env: Record<string, string> }): WorkerProcesses {
  const { temporal, taskQueue } = options;
  const started: { child: ChildProcess; exited: Promise<void> }[] = [];

  function spawnWorker(): WorkerProcess {
    const child = spawn(process.execPath, entryArgs(options.entry), {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        TEMPORAL_ADDRESS: harness.temporalAddress,
        TEMPORAL_NAMESPACE: harness.namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    started.push({ child, exited });
    return {
      child,
      output: () => output,
      async polling() {
        await pollUntil(
          async () => {
            if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}):\n${output}`);
            const { pollers } = await temporal.connection.workflowService.describeTaskQueue({ namespace: harness.namespace, taskQueue: { name: taskQueue } });
            return pollers?.some((p) => p.identity?.startsWith(`${child.pid}@`));
          },
          { timeoutMs: 45_000, intervalMs: 200, what: `worker process ${child.pid} to poll ${taskQueue}` },
        );
      },
      async kill() {
        child.kill('SIGKILL');
        await exited;
      },
      async stop() {
        child.kill('SIGTERM');
        await pollUntil(() => child.exitCode !== null || child.signalCode !== null, { timeoutMs: 20_000, what: 'the worker to stop' });
      },
    };
  }

  return {
    spawn: spawnWorker,
    async killAll() {
      for (const { child, exited } of started) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
