/**
 * The payout Schedule (K-50) on the dev server: created at start-up with the batch calendar of
 * the withdrawal policy (Monday, Wednesday, Friday 12:00 Europe/Warsaw, overlaps allowed), left
 * alone when it already says so, and brought in line when the policy or task queue changes.
 * One whose payloads were encrypted with keys the worker does not hold stops it with an error
 * naming the Schedule and PAYLOAD_KEYS, not the converter's bare "Unknown encoding".
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { scheduleFiresAfter } from '../../payments/batch-calendar.js';
import { ensurePayoutSchedule } from '../../scripts/payout-schedule.js';
import { payoutBatchWorkflowType } from '../../workflows/payout-batch/messages.js';
import { withdrawalPolicy } from '../../workflows/withdrawal/policy.js';
import { encryptionCodec, keyRing, KEY_BYTES } from '../../codec/payload-codec.js';
import { connectTemporal, uniqueId } from '../support/harness.js';
import { testPayloadCodec } from '../support/payload-keys.js';

describe('the payout Schedule', () => {
  let temporal: Client;
  const scheduleId = uniqueId('payout-batches');
  const encryptedId = uniqueId('payout-batches-encrypted');
  const clients: Client[] = [];
  before(async () => {
    temporal = await connectTemporal();
  });
  after(async () => {
    await temporal?.schedule.getHandle(scheduleId).delete().catch(() => {});
    await temporal?.schedule.getHandle(encryptedId).delete().catch(() => {});
    await Promise.all([temporal, ...clients].map((client) => client?.connection.close()));
  });

  it('is created with the policy’s calendar, kept when unchanged, and updated when the policy or task queue changes', async () => {
    const policy = withdrawalPolicy();
    const taskQueue = uniqueId('payouts');
    assert.equal(await ensurePayoutSchedule(temporal, { taskQueue, scheduleId, policy }), 'created');
    assert.equal(await ensurePayoutSchedule(temporal, { taskQueue, scheduleId, policy }), 'unchanged');

    const before = Date.now();
    const described = await temporal.schedule.getHandle(scheduleId).describe();
    assert.equal(described.spec.timezone, 'Europe/Warsaw');
    const [calendar] = described.spec.calendars ?? [];
    assert.deepEqual(calendar?.dayOfWeek, ['MONDAY', 'WEDNESDAY', 'FRIDAY'].map((day) => ({ start: day, end: day, step: 1 })));
    assert.deepEqual([calendar?.hour, calendar?.minute], [[{ start: 12, end: 12, step: 1 }], [{ start: 0, end: 0, step: 1 }]]);
    assert.equal(described.policies.overlap, 'ALLOW_ALL');
    assert.ok(described.action.type === 'startWorkflow');
    assert.deepEqual([described.action.workflowType, described.action.workflowId, described.action.taskQueue], [payoutBatchWorkflowType, 'payout-batch', taskQueue]);
    // The time-skipping tests' stand-in fires when `scheduleFiresAfter` says: Temporal agrees.
    const fires = described.info.nextActionTimes.map((t) => t.getTime());
    // A fire may pass between reading the clock and describing: then the list starts one later.
    let expected = fires[0] === scheduleFiresAfter(before, policy.batch) ? before : scheduleFiresAfter(before, policy.batch);
    for (const fire of fires) {
      expected = scheduleFiresAfter(expected, policy.batch);
      assert.equal(new Date(fire).toISOString(), new Date(expected).toISOString());
    }
    assert.ok(fires.length >= 3);

    const later = { ...policy, batch: { ...policy.batch, hour: 13 } };
    assert.equal(await ensurePayoutSchedule(temporal, { taskQueue, scheduleId, policy: later }), 'updated');
    assert.equal(await ensurePayoutSchedule(temporal, { taskQueue, scheduleId, policy: later }), 'unchanged');
    const moved = await temporal.schedule.getHandle(scheduleId).describe();
    assert.deepEqual(moved.spec.calendars?.[0]?.hour, [{ start: 13, end: 13, step: 1 }]);
    assert.equal(await ensurePayoutSchedule(temporal, { taskQueue: uniqueId('payouts'), scheduleId, policy: later }), 'updated');
  });

  it('says why it cannot read a Schedule whose payloads were encrypted with keys it does not hold, and changes nothing', async () => {
    const policy = withdrawalPolicy();
    const taskQueue = uniqueId('payouts');
    const withKeys = async (payloadCodec?: PayloadCodec) => {
      const client = await connectTemporal(payloadCodec ? { payloadCodec } : {});
      clients.push(client);
      return client;
    };
    const otherKey = encryptionCodec(keyRing([{ id: 'other-1', key: new Uint8Array(randomBytes(KEY_BYTES)) }], 'other-1'));
    assert.equal(await ensurePayoutSchedule(await withKeys(testPayloadCodec), { taskQueue, scheduleId: encryptedId, policy }), 'created');
    const later = { ...policy, batch: { ...policy.batch, hour: 13 } };
    // Without any key, and with another key only: the error names the Schedule and what to do.
    for (const reader of [temporal, await withKeys(otherKey)]) {
      await assert.rejects(ensurePayoutSchedule(reader, { taskQueue, scheduleId: encryptedId, policy: later }), (err: Error) => {
        assert.match(err.message, new RegExp(`^cannot read the Schedule ${encryptedId}: its payloads were written with payload keys this process does not hold \\(.+\\); start it with the PAYLOAD_KEYS`));
        return true;
      });
    }
    // A process with the key finds it as it was made.
    assert.equal(await ensurePayoutSchedule(await withKeys(testPayloadCodec), { taskQueue, scheduleId: encryptedId, policy }), 'unchanged');
  });
});
