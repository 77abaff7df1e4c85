import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { proceedSignal, waitForSignal } from '../fixtures/workflows.js';
import { bundle, createTimeSkippingEnv, uniqueId } from '../support/harness.js';

const DAY = 24 * 60 * 60 * 1000;

describe('the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;

  before(async () => {
    [env, workflowBundle] = await Promise.all([
      createTimeSkippingEnv(),
      bundle(fileURLToPath(new URL('../fixtures/workflows.ts', import.meta.url))),
    ]);
  });
  after(() => env?.teardown());

  async function withWorker<T>(run: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueId('skip');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle });
    return worker.runUntil(run(taskQueue));
  }

  it('times out a 3-day wait in seconds of wall time, at exactly 3 days of workflow time', async () => {
    const wallStart = Date.now();
    const result = await withWorker((taskQueue) =>
      env.client.workflow.execute(waitForSignal, { taskQueue, workflowId: uniqueId('wait'), args: ['3 days'] }),
    );
    const wallMs = Date.now() - wallStart;
    assert.equal(result.outcome, 'timed-out');
    assert.ok(result.waitedMs >= 3 * DAY && result.waitedMs < 3 * DAY + 60_000, `waited ${result.waitedMs} ms`);
    // Three days passed for the workflow; a real server would have needed three real days.
    assert.ok(wallMs < 60_000, `took ${wallMs} ms of wall time`);
  });

  it('delivers a signal sent on day 2 before the 3-day timeout fires', async () => {
    const result = await withWorker(async (taskQueue) => {
      const handle = await env.client.workflow.start(waitForSignal, {
        taskQueue,
        workflowId: uniqueId('wait'),
        args: ['3 days'],
      });
      await env.sleep('2 days');
      await handle.signal(proceedSignal);
      return handle.result();
    });
    assert.equal(result.outcome, 'signalled');
    assert.ok(result.waitedMs >= 2 * DAY && result.waitedMs < 3 * DAY, `waited ${result.waitedMs} ms`);
  });
});
