/**
 * `kworkModeration`: one submission of a kwork offer, from the seller's submit to a
 * moderator's decision. Wiring only; the rules are in `machine.ts`.
 *
 * Decisions arrive as Updates rather than signals so the API learns synchronously whether a
 * decision was accepted (a validator refuses one the state does not allow, writing nothing)
 * and answers with the status after the decision reached the database.
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
import * as machine from './machine.js';
import { decideUpdate, viewQuery, withdrawUpdate, type ModerationInput, type ModerationView } from './messages.js';
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

/**
 * Nobody waits on the existence check, reminders and escalations: retry until the database
 * is back (each is idempotent).
 */
const unattended: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** Activities whose history events carry `summary`, readable in the Temporal UI. */
const activities = (options: ActivityOptions, summary: string) => proxyActivities<ModerationActivities>({ ...options, summary });

/** Workflow time (deterministic), as an ISO string. */
const now = () => new Date().toISOString();

/** Moderates submission `input.revision` of offer `input.offerId` until a decision or withdrawal; returns the final view. */
export async function kworkModeration(input: ModerationInput): Promise<ModerationView> {
  const ref = { offerId: input.offerId, revision: input.revision };
  const what = `offer ${input.offerId} revision ${input.revision}`;
  let state = machine.initialState(input);
  // Until `loadSubmission` answers, a decision must wait: the submission may turn out to be an orphan.
  let loaded = false;

  /** Keeps the search attributes and the UI's current details in step with the state. */
  function publish(): void {
    upsertSearchAttributes(searchAttributesOf(state, input.sellerId));
    setCurrentDetails(detailsOf(state));
  }

  /**
   * Writes an accepted decision or withdrawal. The state is checked again after the wait for
   * the submission to load, since another Update or the orphan check may have closed it.
   */
  async function settle(check: () => void, write: () => Promise<machine.ModerationState>): Promise<ModerationView> {
    await condition(() => loaded);
    check();
    state = machine.beginSettling(state);
    try {
      state = await write();
    } catch (err) {
      state = machine.abandonSettling(state);
      throw err;
    }
    publish();
    return machine.viewOf(state);
  }

  /** The timers: remind moderators, then escalate to admins, then wait for a person. */
  async function untilDecided(): Promise<void> {
    const interrupted = () => state.settling || machine.isFinal(state.status);
    for (;;) {
      // A decision being written holds the timers; if it fails, the submission waits again.
      await condition(() => !state.settling);
      if (machine.isFinal(state.status)) return;
      const deadline = machine.nextDeadline(state);
      if (deadline === null) {
        await condition(interrupted);
        continue;
      }
      const remaining = Date.parse(deadline.at) - Date.now();
      // Past already (a late start): act at once rather than start a timer of zero.
      if (remaining > 0 && (await condition(interrupted, remaining, { summary: `${deadline.what} (${what})` }))) continue;
      if (deadline.what === 'remind moderators') {
        await activities(unattended, `remind moderators: ${what}`).remindModerators({ ...ref, title: input.title, waitedMs: input.policy.reminderMs });
        state = machine.reminded(state, now());
      } else {
        await activities(unattended, `escalate to admins: ${what}`).escalateToAdmins({ ...ref, title: input.title, waitedMs: input.policy.escalationMs });
        state = machine.escalated(state, now());
      }
      publish();
    }
  }

  // Handlers before the first await, so an Update or query arriving with the start is served.
  setHandler(viewQuery, () => machine.viewOf(state));
  setHandler(
    decideUpdate,
    (args) =>
      settle(
        () => machine.assertCanDecide(state, args),
        async () => {
          const decision = args.decision === 'approve' ? 'approved' : 'rejected';
          const { applied } = await activities(answered, `${decision}: ${what}`).applyModerationDecision({
            ...ref,
            moderatorId: args.moderatorId,
            decision,
            ...(args.decision === 'reject' ? { reason: args.reason, note: args.note } : {}),
          });
          return machine.decided(state, args, now(), applied);
        },
      ),
    { validator: (args) => machine.assertCanDecide(state, args) },
  );
  setHandler(
    withdrawUpdate,
    (args) =>
      settle(
        () => machine.assertCanWithdraw(state, args),
        async () => {
          await activities(answered, `withdrawn by ${args.by}: ${what}`).recordWithdrawal(ref);
          return machine.withdrawn(state, args.by, now());
        },
      ),
    { validator: (args) => machine.assertCanWithdraw(state, args) },
  );
  publish();

  const { exists } = await activities(unattended, `does ${what} exist?`).loadSubmission(ref);
  if (exists) {
    loaded = true;
    await untilDecided();
  } else {
    // The API's transaction rolled back after starting us: nothing to moderate, nothing to write.
    state = machine.withdrawn(state, 'system', now());
    loaded = true;
    publish();
  }
  await condition(allHandlersFinished);
  return machine.viewOf(state);
}
