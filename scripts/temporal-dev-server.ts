/**
 * Runs the Temporal CLI dev server (real Temporal server, SQLite persistence, Web UI) as a
 * child process, and registers gigflow's custom search attributes on a namespace.
 * Used by `npm start` and by the test harness, so both meet the same server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeKeys } from '../workflows/lib/search-attributes.js';
import { pollUntil } from './poll.js';

export interface DevServerOptions {
  /** Path of the `temporal` CLI. */
  cli: string;
  /** SQLite file holding the server's state; without it every restart would forget all workflows. */
  dbFile: string;
  port: number;
  /** Web UI port; `undefined` runs the server headless (tests). */
  uiPort?: number;
  /**
   * The Web UI's remote codec (`<api>/codec`): the UI posts payloads there to show them decoded
   * (issue 19 §5). Without it the UI shows encrypted payloads as they are stored.
   */
  uiCodecEndpoint?: string;
  namespace: string;
  /** Server log level (the dev server is chatty at info). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Where the server's stdout/stderr go; dropped when not given. */
  onOutput?: (chunk: string) => void;
  /**
   * Run the server in a process group of its own, out of reach of a terminal's Ctrl-C, for a
   * caller that stops it in its own order (`npm start`: after the worker and the API). Else it
   * shares the caller's group and a Ctrl-C stops it along with everything else.
   */
  ownProcessGroup?: boolean;
}

export interface RunningDevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>;
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const address = `127.0.0.1:${options.port}`;
  mkdirSync(dirname(options.dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--db-filename', options.dbFile,
    // WAL makes SQLite several times faster under the dev server's write load.
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=NORMAL',
    // One server, so one partition a task queue: the default four spread a queue's tasks and
    // pollers apart, and tasks then wait for, or are forwarded to, a partition with a poller.
    '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
    '--namespace', options.namespace,
    '--log-level', options.logLevel ?? 'warn',
    ...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1']),
    ...(options.uiCodecEndpoint === undefined ? [] : ['--ui-codec-endpoint', options.uiCodecEndpoint]),
  ];
  const child = spawn(options.cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup ?? false });
  // At the latest, the server stops when the process that started it exits.
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  child.once('exit', () => process.removeListener('exit', stopOnExit));
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-4000);
    options.onOutput?.(text);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`the Temporal dev server exited during start-up:\n${output}`);
        return await namespaceReady(address, options.namespace);
      },
      { timeoutMs: 60_000, what: `the Temporal dev server on ${address}` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://127.0.0.1:${options.uiPort}`,
    process: child,
    stop,
  };
}

async function namespaceReady(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

/**
 * Registers gigflow's custom search attributes on `namespace`; attributes already there are
 * left alone, so this runs at every start. Waits until the namespace lists them all, since
 * registration is eventually visible.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributeKeys.filter((key) => !(key.name in (customAttributes ?? {})));
  if (missing.length > 0) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]]),
        ),
      });
    } catch (err) {
      // Another process registering at the same moment is fine.
      if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
    }
  }
  await pollUntil(
    async () => {
      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      return searchAttributeKeys.every((key) => key.name in (listed.customAttributes ?? {}));
    },
    { timeoutMs: 30_000, what: 'the custom search attributes to be listed' },
  );
}

const GRPC_ALREADY_EXISTS = 6;
/** temporal.api.enums.v1.IndexedValueType, by the SDK's search attribute type names. */
export const INDEXED_VALUE_TYPE = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 } as const;
