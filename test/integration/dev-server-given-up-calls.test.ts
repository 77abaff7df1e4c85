import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { Client, isGrpcServiceError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { pollUntil } from '../../scripts/poll.js';
import { startTemporalDevServer, type RunningDevServer } from '../../scripts/temporal-dev-server.js';
import { waitForSignal } from '../fixtures/workflows.js';
import { harness, uniqueId } from '../support/harness.js';
import { freePort } from '../support/ports.js';
import { replayCommand, seededRandom } from '../support/seed.js';

/** A dev server of this file's own, since the test throws thousands of cancelled calls at it. */
describe('the Temporal dev server, after calls their callers gave up', () => {
  let server: RunningDevServer;
  /** The server's latest output (its errors: it runs at log level error). */
  let serverLog = '';

  before(async () => {
    server = await startTemporalDevServer({
      cli: harness.temporalCli,
      dbFile: join(harness.scratch, `${uniqueId('given-up')}.db`),
      port: await freePort(),
      namespace: harness.namespace,
      logLevel: 'error',
      onOutput: (text) => (serverLog = (serverLog + text).slice(-20_000)),
    });
  });
  after(() => server?.stop());

  it('keeps answering after 2,000 calls whose callers gave up while it was in a query', async () => {
    // A killed worker's poll, a stopped API's request, a client's deadline: each ends a call the
    // server may be answering from SQLite. With the SQLite driver the CLI v1.5.1 pins, one such
    // call ending just after its query's first row left that statement open, and the server then
    // answered everything "interrupted (9)" for good (seen once in `npm test`; in five runs of
    // these calls against that build it wedged after 160 to 1,200 of them).
    // scripts/temporal-cli/go.mod builds the CLI with a newer driver.
    const random = seededRandom('dev-server-calls-given-up');
    const { namespace } = harness;
    // The native connection, as the API and the worker call Temporal. (grpc-js's `Connection`,
    // cancelling thousands of calls, sometimes sent Node 20's HTTP/2 client session into a loop
    // that filled its outgoing queue, gigabytes a minute: seen in `perf` as nghttp2 packing data
    // frames and Node's vector of stream writes growing.)
    const connection = await NativeConnection.connect({ address: server.address });
    try {
      const client = new Client({ connection, namespace });
      const taskQueue = uniqueId('nobody-polls');
      // No worker: the workflows only wait, as rows for the lists to return.
      for (let i = 0; i < 40; i++) {
        await client.workflow.start(waitForSignal, { taskQueue, workflowId: uniqueId('listed'), args: ['30 days'] });
      }
      const service = connection.workflowService;
      let gaveUp = 0;
      for (let round = 0; round < 250; round++) {
        const calls = Array.from({ length: 8 }, (_, i) =>
          connection
            .withDeadline<unknown>(Date.now() + random() * 6, () =>
              i % 2 === 0 ? service.listWorkflowExecutions({ namespace, pageSize: 100 }) : service.countWorkflowExecutions({ namespace }),
            )
            .then(
              () => undefined,
              (error: unknown) => {
                // 4: the deadline passed (DEADLINE_EXCEEDED), 1: the call was cancelled (CANCELLED).
                if (isGrpcServiceError(error) && (error.code === 4 || error.code === 1)) gaveUp++;
              },
            ),
        );
        await Promise.all(calls);
        // A bound on this process, should its client run away as grpc-js's did (23 GB before the
        // kernel killed it, in one suite run): a failure that says so, not a machine out of memory.
        const { rss } = process.memoryUsage();
        assert.ok(rss < 1.5 * 2 ** 30, `the test process holds ${(rss / 2 ** 20).toFixed(0)} MiB after ${round + 1} rounds of calls`);
      }
      // Most are (95 % here): a call takes a few milliseconds. The bound only makes sure the test
      // gave up calls at all, also on a machine several times faster.
      assert.ok(gaveUp >= 200, `calls were given up (${gaveUp} of 2,000); seed: ${replayCommand(import.meta.url)}`);

      // After: the server still reads (visibility and a workflow's history) and writes.
      try {
        // (Visibility is written a moment after the start, hence the poll.)
        await pollUntil(async () => Number((await service.countWorkflowExecutions({ namespace, query: `TaskQueue = '${taskQueue}'` })).count) === 40, {
          timeoutMs: 20_000,
          what: 'the 40 workflows to be counted',
        });
        const handle = await client.workflow.start(waitForSignal, { taskQueue, workflowId: uniqueId('after'), args: ['30 days'] });
        await handle.terminate('the test is over');
        assert.equal((await handle.describe()).status.name, 'TERMINATED');
      } catch (cause) {
        const log = serverLog.match(/error="[^"]*interrupted \(9\)[^"]*"/)?.[0];
        throw new Error(`the dev server no longer answers after the calls given up${log ? ` (its log: ${log})` : ''}; replay: ${replayCommand(import.meta.url)}`, { cause });
      }
    } finally {
      await connection.close();
    }
  });
});
