/**
 * Ensuring a Temporal Schedule that a worker owns (the payout batches, the buyer statuses):
 * created when missing, updated when its spec or action differ from what the policy asks —
 * told by a fingerprint in the action's memo (`scheduleFingerprint`) — and left alone
 * otherwise, so many workers starting at once change nothing.
 */
import { ScheduleAlreadyRunning, type Client, type ScheduleDescription, type ScheduleOptions, type ScheduleOverlapPolicy, type ScheduleSpec } from '@temporalio/client';
import { ValueError } from '@temporalio/common';
import { PayloadCodecError } from '../codec/payload-codec.js';

/** A Schedule that starts one workflow type, with no arguments, at the times of `spec`. */
export interface ScheduledRun {
  spec: ScheduleSpec;
  workflowType: string;
  /** Temporal appends each run's scheduled time to it. */
  workflowIdPrefix: string;
  taskQueue: string;
  /** The Schedule's and each run's summary in the Temporal UI. */
  summary: string;
  /** Whether a run may start while the previous one still runs. */
  overlap: ScheduleOverlapPolicy;
  /** What the Schedule is made of: a change of it means the Schedule must be updated. */
  fingerprint: string;
}

/**
 * The Schedule of `run` (without its id). Its fingerprint rides in the action's memo (each run
 * carries it too); after an outage of up to a day a missed run still happens.
 */
function scheduleOf(run: ScheduledRun): Omit<ScheduleOptions, 'scheduleId'> {
  return {
    spec: run.spec,
    action: {
      type: 'startWorkflow',
      workflowType: run.workflowType,
      workflowId: run.workflowIdPrefix,
      taskQueue: run.taskQueue,
      args: [{}],
      staticSummary: run.summary,
      memo: { scheduleFingerprint: run.fingerprint },
    },
    policies: { overlap: run.overlap, catchupWindow: '1 day' },
    state: { note: run.summary },
  };
}

/** What `ensureSchedule` did. */
export type Ensured = 'created' | 'updated' | 'unchanged';

/**
 * Creates `scheduleId` as `run` asks, or brings an existing one in line when its action's
 * fingerprint is not `run.fingerprint` (the spec, action and policies are replaced; its state —
 * a pause by staff — is kept). The fingerprint rides in the action's memo: unlike the
 * Schedule's own memo, the action's changes with an update.
 */
export async function ensureSchedule(client: Client, scheduleId: string, run: ScheduledRun): Promise<Ensured> {
  const schedule = scheduleOf(run);
  try {
    await client.schedule.create({ scheduleId, ...schedule });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const described = await readable(scheduleId, handle.describe());
  const current = described.action.type === 'startWorkflow' ? described.action.memo?.scheduleFingerprint : undefined;
  if (current === run.fingerprint) return 'unchanged';
  await handle.update((previous) => ({ ...previous, spec: schedule.spec, action: schedule.action, policies: { ...previous.policies, ...schedule.policies } }));
  return 'updated';
}

/**
 * The Schedule as described, or an error that says why it cannot be read when its payloads (the
 * action's summary, memo and input) were encrypted with keys this process does not hold: a
 * worker started without the PAYLOAD_KEYS of the processes that made it would otherwise stop on
 * the converter's bare "Unknown encoding: binary/encrypted".
 */
async function readable(scheduleId: string, describing: Promise<ScheduleDescription>): Promise<ScheduleDescription> {
  try {
    return await describing;
  } catch (err) {
    if (!(err instanceof ValueError || err instanceof PayloadCodecError)) throw err;
    throw new Error(`cannot read the Schedule ${scheduleId}: its payloads were written with payload keys this process does not hold (${err.message}); start it with the PAYLOAD_KEYS of the processes that made it`, { cause: err });
  }
}
