import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { pollUntil } from '../../scripts/poll.js';
import { startTemporalDevServer, type RunningDevServer } from '../../scripts/temporal-dev-server.js';
import { proceedSignal, waitForSignal } from '../fixtures/workflows.js';
import { bundle, harness, uniqueId } from '../support/harness.js';
import { freePort, reservePort } from '../support/ports.js';

/** A dev server of this file's own, since the test stops and restarts it. */
describe('the Temporal dev server with a database file', () => {
  let port: number;
  let dbFile: string;
  let server: RunningDevServer | undefined;
  let workflowBundle: WorkflowBundle;

  const start = async () => {
    server = await startTemporalDevServer({ cli: harness.temporalCli, dbFile, port, namespace: harness.namespace, logLevel: 'error' });
  };

  before(async () => {
    port = await freePort();
    dbFile = join(harness.scratch, `${uniqueId('durability')}.db`);
    [workflowBundle] = await Promise.all([bundle(fileURLToPath(new URL('../fixtures/workflows.ts', import.meta.url))), start()]);
  });
  after(() => server?.stop());

  async function client<T>(use: (client: Client) => Promise<T>): Promise<T> {
    const connection = await Connection.connect({ address: server!.address });
    try {
      return await use(new Client({ connection, namespace: harness.namespace }));
    } finally {
      await connection.close();
    }
  }

  it('keeps a running workflow across a restart, and completes it when signalled', async () => {
    const taskQueue = uniqueId('durable');
    const workflowId = uniqueId('survivor');

    // Before: a worker takes the workflow's first task, so it is running and waiting on its timer.
    const connection = await NativeConnection.connect({ address: server!.address });
    const worker = await Worker.create({ connection, taskQueue, workflowBundle });
    await worker.runUntil(
      client(async (c) => {
        const handle = await c.workflow.start(waitForSignal, { taskQueue, workflowId, args: ['30 days'] });
        // Wait until the worker has run the first task and the 30-day timer is in the history.
        await pollUntil(async () => (await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes), {
          timeoutMs: 20_000,
          what: 'the workflow to start its timer',
        });
      }),
    );
    await connection.close();

    await server!.stop();
    // The restart takes the same port: reserved again at once, so that nothing else is handed it meanwhile.
    await reservePort(port);
    await start();

    // After: same server file, new process: the workflow is still there and still running.
    const result = await client(async (c) => {
      const handle = c.workflow.getHandle(workflowId);
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      const nativeConnection = await NativeConnection.connect({ address: server!.address });
      const restarted = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle });
      try {
        return await restarted.runUntil(async () => {
          await handle.signal(proceedSignal);
          return handle.result();
        });
      } finally {
        await nativeConnection.close();
      }
    });
    assert.equal(result.outcome, 'signalled');
  });
});
