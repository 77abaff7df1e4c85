/**
 * W-13 in Temporal's sandbox: a workflow timer set from `autoApproveAt` (business days of
 * Poland in Europe/Warsaw, D-06) fires at that instant, and a client message moves it (D-03).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { businessCalendar } from '../../payments/business-calendar.js';
import { jobPolicy } from '../../workflows/job/policy.js';
import { addBusinessDays, autoApproveAt } from '../../workflows/lib/business-days.js';
import { autoApprovalTimer, clientActivitySignal } from '../fixtures/auto-approval-timer.js';
import { bundle, createTimeSkippingEnv, uniqueId } from '../support/harness.js';

const MINUTE = 60_000;

describe('the auto-approval timer in a workflow', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueId('auto-approval');

  before(async () => {
    const [started, workflowBundle] = await Promise.all([
      createTimeSkippingEnv(),
      bundle(fileURLToPath(new URL('../fixtures/auto-approval-timer.ts', import.meta.url))),
    ]);
    env = started;
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  it('approves a $400.00 job within a minute after 3 business days from the client message of day 2', async () => {
    const now = await env.currentTimeMs();
    const year = new Date(now).getUTCFullYear();
    const calendar = businessCalendar(jobPolicy.calendar, year, year + 1);
    const policy = jobPolicy.autoApproval;
    // Start on a business day and message on the next, whatever today's date: the server's clock is the real one.
    const startAt = Date.parse(addBusinessDays(new Date(now).toISOString(), 1, calendar));
    const messageAt = Date.parse(addBusinessDays(new Date(startAt).toISOString(), 1, calendar));
    await env.sleep(startAt - now);
    const handle = await env.client.workflow.start(autoApprovalTimer, {
      taskQueue,
      workflowId: uniqueId('job'),
      args: [{ totalCents: 40_000, policy, calendar }],
    });
    const first = autoApproveAt(new Date((await handle.describe()).startTime).toISOString(), 40_000, policy, calendar);
    await env.sleep(messageAt - (await env.currentTimeMs()));
    await handle.signal(clientActivitySignal);
    const { lastActivity, deadline, approvedAt } = await handle.result();
    assert.equal(deadline, autoApproveAt(lastActivity, 40_000, policy, calendar));
    assert.ok(deadline > first, `the message moved the deadline from ${first} to ${deadline}`);
    const late = Date.parse(approvedAt) - Date.parse(deadline);
    assert.ok(late >= 0 && late <= MINUTE, `approved at ${approvedAt}, ${late} ms after ${deadline}`);
  });
});
