/**
 * `kworkModeration` as it ran before moderation moved onto the order's template: handlers that
 * write to the database themselves (a decision "settles" while its activity runs), and an
 * activity per kind of write. Workflows begun before that change (their histories have no
 * `moderation-effects-activity` marker) replay and finish on this code; new ones never reach
 * it. Frozen: change nothing here. Remove it, with the `patched()` branch in `workflow.ts` (via
 * `deprecatePatch`), the four old activities and `test/replay/histories/legacy/moderation-*`,
 * once `WorkflowType = "kworkModeration" AND ExecutionStatus = "Running" AND
 * TemporalChangeVersion IS NULL` lists nothing (the patch marker sets TemporalChangeVersion).
 * Its pieces were split into functions without changing a command.
 */
import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { ModerationActivities } from '../../activities/moderation.js';
import { now } from '../lib/process.js';
import * as machine from './machine.js';
import { decideUpdate, viewQuery, withdrawUpdate, type DecideArgs, type ModerationInput, type ModerationView, type WithdrawArgs } from './messages.js';
import { detailsOf, searchAttributesOf } from './search.js';

/**
 * A decision or withdrawal has a caller waiting on the Update (an HTTP request): a few quick
 * retries of the short write, at most about half a minute in all, then the Update fails, the
 * submission waits again, and the moderator can simply try again.
 */
const answered: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 3 },
};

/** Nobody waits on the existence check, reminders and escalations: retry until the database is back (each is idempotent). */
const unattended: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** Activities whose history events carry `summary`, readable in the Temporal UI. */
const activities = (options: ActivityOptions, summary: string) => proxyActivities<ModerationActivities>({ ...options, summary });

interface LegacyRun {
  input: ModerationInput;
  ref: { offerId: number; revision: number };
  what: string;
  state: machine.ModerationState;
  // Until `loadSubmission` answers, a decision must wait: the submission may turn out to be an orphan.
  loaded: boolean;
}

/** Keeps the search attributes and the UI's current details in step with the state. */
function publish(run: LegacyRun): void {
  upsertSearchAttributes(searchAttributesOf(run.state, run.input.sellerId));
  setCurrentDetails(detailsOf(run.state));
}

/**
 * Writes an accepted decision or withdrawal. The state is checked again after the wait for
 * the submission to load, since another Update or the orphan check may have closed it.
 */
async function settle(run: LegacyRun, check: () => void, write: () => Promise<machine.ModerationState>): Promise<ModerationView> {
  await condition(() => run.loaded);
  check();
  run.state = machine.beginSettling(run.state);
  try {
    run.state = await write();
  } catch (err) {
    run.state = machine.abandonSettling(run.state);
    throw err;
  }
  publish(run);
  return machine.viewOf(run.state);
}

/** The timers: remind moderators, then escalate to admins, then wait for a person. */
async function untilDecided(run: LegacyRun): Promise<void> {
  const interrupted = () => run.state.settling || machine.isFinal(run.state.status);
  for (;;) {
    // A decision being written holds the timers; if it fails, the submission waits again.
    await condition(() => !run.state.settling);
    if (machine.isFinal(run.state.status)) return;
    const deadline = machine.nextDeadline(run.state);
    if (deadline === null) {
      await condition(interrupted);
      continue;
    }
    const remaining = Date.parse(deadline.at) - Date.now();
    // Past already (a late start): act at once rather than start a timer of zero.
    if (remaining > 0 && (await condition(interrupted, remaining, { summary: `${deadline.what} (${run.what})` }))) continue;
    const { input, ref, what } = run;
    if (deadline.what === 'remind moderators') {
      await activities(unattended, `remind moderators: ${what}`).remindModerators({ ...ref, title: input.title, waitedMs: input.policy.reminderMs });
      run.state = machine.reminded(run.state, now());
    } else {
      await activities(unattended, `escalate to admins: ${what}`).escalateToAdmins({ ...ref, title: input.title, waitedMs: input.policy.escalationMs });
      run.state = machine.escalated(run.state, now());
    }
    publish(run);
  }
}

async function writeDecision(run: LegacyRun, args: DecideArgs): Promise<machine.ModerationState> {
  const decision = args.decision === 'approve' ? 'approved' : 'rejected';
  const { applied } = await activities(answered, `${decision}: ${run.what}`).applyModerationDecision({
    ...run.ref,
    moderatorId: args.moderatorId,
    decision,
    ...(args.decision === 'reject' ? { reason: args.reason, note: args.note } : {}),
  });
  return machine.decided(run.state, args, now(), applied);
}

async function writeWithdrawal(run: LegacyRun, args: WithdrawArgs): Promise<machine.ModerationState> {
  await activities(answered, `withdrawn by ${args.by}: ${run.what}`).recordWithdrawal(run.ref);
  return machine.withdrawn(run.state, args.by, now());
}

/** Handlers before the first await, so an Update or query arriving with the start is served. */
function registerHandlers(run: LegacyRun): void {
  setHandler(viewQuery, () => machine.viewOf(run.state));
  setHandler(decideUpdate, (args) => settle(run, () => machine.assertCanDecide(run.state, args), () => writeDecision(run, args)), {
    validator: (args) => machine.assertCanDecide(run.state, args),
  });
  setHandler(withdrawUpdate, (args) => settle(run, () => machine.assertCanWithdraw(run.state, args), () => writeWithdrawal(run, args)), {
    validator: (args) => machine.assertCanWithdraw(run.state, args),
  });
}

/** Moderates submission `input.revision` of offer `input.offerId` until a decision or withdrawal; returns the final view. */
export async function legacyKworkModeration(input: ModerationInput): Promise<ModerationView> {
  const run: LegacyRun = {
    input,
    ref: { offerId: input.offerId, revision: input.revision },
    what: `offer ${input.offerId} revision ${input.revision}`,
    state: machine.initialState(input),
    loaded: false,
  };
  registerHandlers(run);
  publish(run);
  const { exists } = await activities(unattended, `does ${run.what} exist?`).loadSubmission(run.ref);
  if (exists) {
    run.loaded = true;
    await untilDecided(run);
  } else {
    // The API's transaction rolled back after starting us: nothing to moderate, nothing to write.
    run.state = machine.withdrawn(run.state, 'system', now());
    run.loaded = true;
    publish(run);
  }
  await condition(allHandlersFinished);
  return machine.viewOf(run.state);
}
