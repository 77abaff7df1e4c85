/**
 * The affiliate payout Schedule (W-29) on the dev server: created at start-up for the 10th of
 * every month in Europe/Warsaw, starting `affiliatePayoutWorkflow` under `affiliate-payouts`,
 * left alone when unchanged and brought in line when the task queue changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { ensureAffiliatePayoutSchedule } from '../../scripts/affiliate-payout-schedule.js';
import { affiliatePayoutWorkflowType } from '../../workflows/affiliate-payout/messages.js';
import { connectTemporal, uniqueId } from '../support/harness.js';

describe('the affiliate payout Schedule', () => {
  let temporal: Client;
  const scheduleId = uniqueId('affiliate-payouts');
  before(async () => {
    temporal = await connectTemporal();
  });
  after(async () => {
    await temporal?.schedule.getHandle(scheduleId).delete().catch(() => {});
    await temporal?.connection.close();
  });

  it('runs on the 10th of every month at 10:00 Europe/Warsaw, and is updated only when it must be', async () => {
    const taskQueue = uniqueId('affiliate-payouts');
    assert.equal(await ensureAffiliatePayoutSchedule(temporal, { taskQueue, scheduleId }), 'created');
    assert.equal(await ensureAffiliatePayoutSchedule(temporal, { taskQueue, scheduleId }), 'unchanged');
    const described = await temporal.schedule.getHandle(scheduleId).describe();
    assert.equal(described.spec.timezone, 'Europe/Warsaw');
    const [calendar] = described.spec.calendars ?? [];
    assert.deepEqual([calendar?.dayOfMonth, calendar?.hour], [[{ start: 10, end: 10, step: 1 }], [{ start: 10, end: 10, step: 1 }]]);
    assert.ok(described.action.type === 'startWorkflow');
    assert.deepEqual([described.action.workflowType, described.action.workflowId], [affiliatePayoutWorkflowType, 'affiliate-payouts']);
    for (const next of described.info.nextActionTimes) {
      const warsaw = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Warsaw', day: 'numeric', hour: 'numeric', hourCycle: 'h23' }).formatToParts(next);
      assert.deepEqual([warsaw.find((p) => p.type === 'day')?.value, warsaw.find((p) => p.type === 'hour')?.value], ['10', '10'], next.toISOString());
    }
    assert.equal(await ensureAffiliatePayoutSchedule(temporal, { taskQueue: uniqueId('affiliate-payouts'), scheduleId }), 'updated');
  });
});
