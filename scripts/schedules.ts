/**
 * Ensuring a Temporal Schedule that a worker owns (the payout batches, the buyer statuses):
 * created when missing, updated when its spec or action differ from what the policy asks —
 * told by a fingerprint in the action's memo (`scheduleFingerprint`) — and left alone
 * otherwise, so many workers starting at once change nothing.
 */
import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';

/** What `ensureSchedule` did. */
export type Ensured = 'created' | 'updated' | 'unchanged';

/**
 * Creates `scheduleId` as `schedule`, or brings an existing one in line when its action's
 * fingerprint is not `fingerprint` (the spec, action and policies are replaced; its state — a
 * pause by staff — is kept). `schedule`'s action must carry `memo.scheduleFingerprint`: unlike
 * the Schedule's own memo, the action's changes with an update.
 */
export async function ensureSchedule(client: Client, scheduleId: string, schedule: Omit<ScheduleOptions, 'scheduleId'>, fingerprint: string): Promise<Ensured> {
  try {
    await client.schedule.create({ scheduleId, ...schedule });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const described = await handle.describe();
  const current = described.action.type === 'startWorkflow' ? described.action.memo?.scheduleFingerprint : undefined;
  if (current === fingerprint) return 'unchanged';
  await handle.update((previous) => ({ ...previous, spec: schedule.spec, action: schedule.action, policies: { ...previous.policies, ...schedule.policies } }));
  return 'updated';
}
