/**
 * The buyer statuses' daily Schedule (K-35) on the dev server: created at start-up at the
 * policy's time of day (UTC), left alone when it already says so, and brought in line when the
 * policy changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { ensureBuyerStatusSchedule } from '../../scripts/buyer-status-schedule.js';
import { buyerStatusesWorkflowType } from '../../workflows/buyer-statuses/messages.js';
import { buyerStatusesPolicy } from '../../workflows/buyer-statuses/policy.js';
import { DAY } from '../../workflows/lib/time.js';
import { connectTemporal, uniqueId } from '../support/harness.js';

describe('the buyer statuses Schedule', () => {
  let temporal: Client;
  const scheduleId = uniqueId('buyer-statuses');
  before(async () => {
    temporal = await connectTemporal();
  });
  after(async () => {
    await temporal?.schedule.getHandle(scheduleId).delete().catch(() => {});
    await temporal?.connection.close();
  });

  it('runs once a day at the policy’s time, is kept when unchanged, and is updated when the policy changes', async () => {
    const policy = buyerStatusesPolicy();
    const taskQueue = uniqueId('buyer-statuses');
    assert.equal(await ensureBuyerStatusSchedule(temporal, { taskQueue, scheduleId, policy }), 'created');
    assert.equal(await ensureBuyerStatusSchedule(temporal, { taskQueue, scheduleId, policy }), 'unchanged');

    const described = await temporal.schedule.getHandle(scheduleId).describe();
    assert.equal(described.spec.timezone, 'UTC');
    assert.ok(described.action.type === 'startWorkflow');
    assert.deepEqual([described.action.workflowType, described.action.workflowId, described.action.taskQueue], [buyerStatusesWorkflowType, 'buyer-statuses', taskQueue]);
    const fires = described.info.nextActionTimes.map((t) => t.getTime());
    assert.ok(fires.length >= 2);
    for (const fire of fires) assert.deepEqual([new Date(fire).getUTCHours(), new Date(fire).getUTCMinutes()], [policy.hour, policy.minute]);
    for (let i = 1; i < fires.length; i++) assert.equal(fires[i]! - fires[i - 1]!, DAY, 'one run a day');

    assert.equal(await ensureBuyerStatusSchedule(temporal, { taskQueue, scheduleId, policy: { ...policy, hour: 4 } }), 'updated');
    assert.equal(await ensureBuyerStatusSchedule(temporal, { taskQueue, scheduleId, policy: { ...policy, hour: 4 } }), 'unchanged');
  });
});
