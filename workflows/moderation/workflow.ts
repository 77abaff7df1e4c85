/**
 * `kworkModeration`: one submission of a kwork offer, from the seller's submit to a
 * moderator's decision (K-40). Wiring only, on the template of `../lib/process.ts`; the rules
 * are in `machine.ts`, the numbers in the input's policy.
 *
 * Decisions arrive as Updates rather than signals so the API learns synchronously whether a
 * decision was accepted (a validator refuses one the state does not allow, writing nothing)
 * and answers with the status after the decision reached the database. A decision is final
 * in the state at once; its effect — the offer changed, the seller emailed — and every
 * reminder and escalation are written by the one effects activity, in order.
 *
 * Workflows begun before this shape (no `moderation-effects-activity` marker in their
 * history) run the earlier code in `legacy.ts` until they end.
 */
import { allHandlersFinished, condition, patched, proxyActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import type { AttentionActivities } from '../../activities/attention.js';
import type { ModerationActivities, ModerationEventRecord } from '../../activities/moderation.js';
import { now, Process, publisher, type Deadlines } from '../lib/process.js';
import { legacyKworkModeration } from './legacy.js';
import * as machine from './machine.js';
import { decideUpdate, moderationWorkflowId, viewQuery, withdrawUpdate, type ModerationDeadline, type ModerationInput, type ModerationView } from './messages.js';
import { detailsOf, searchAttributesOf, searchStatus } from './search.js';

/** The change that moved moderation onto one effects activity (`legacy.ts` is what ran before it). */
export const EFFECTS_ACTIVITY_PATCH = 'moderation-effects-activity';

/**
 * Every write is idempotent (each marks its row once), so it is retried until the database
 * answers; a moderator waiting on the Update waits that long too. Regular activities, not
 * local ones: moderation is rare, and each write shows in the history with its summary.
 */
const writeOptions: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/** Activities whose history events carry `summary`, readable in the Temporal UI. */
const activities = (summary: string) => proxyActivities<ModerationActivities & AttentionActivities>({ ...writeOptions, summary });

type ModerationProcess = Process<machine.ModerationState, machine.ModerationEffect, ModerationEventRecord>;

/** What support reads for each write in the history. */
function writeSummary(effect: machine.ModerationEffect, what: string): string {
  switch (effect.kind) {
    case 'remind_moderators':
      return `remind moderators: ${what}`;
    case 'escalate_to_admins':
      return `escalate to admins: ${what}`;
    case 'decision':
      return `${effect.decision}: ${what}`;
    case 'withdrawal':
      return `withdrawn by ${effect.by}: ${what}`;
  }
}

/** The submission's state, how it is shown and written, and its handlers: everything before the first await. */
function setup(input: ModerationInput, what: string): ModerationProcess {
  const moderation: ModerationProcess = new Process(machine.initialState(input), {
    // Upserted at once, whoever started us and with whatever attributes; then only when status or deadline change.
    publish: publisher(
      {
        key: (state, held) => `${searchStatus(state.status)}|${machine.nextDeadline(state)?.at ?? ''}|${held ? 'held' : ''}`,
        attributes: (state, held) => searchAttributesOf(state, input.sellerId, held),
        details: detailsOf,
      },
      null,
    ),
    record: (_state, effect) => ({ offerId: input.offerId, revision: input.revision, title: input.title, effect }),
    async write(record) {
      const { applied } = await activities(writeSummary(record.effect, what)).recordModerationEvent(record);
      // The decision's write says whether the offer took it.
      return record.effect.kind === 'decision' ? (state) => machine.decisionWritten(state, applied) : undefined;
    },
    flag: (attention, resolved) =>
      activities(attention ? `needs attention: ${what}` : `attention resolved: ${what}`).flagAttention({
        workflowId: moderationWorkflowId(input.offerId, input.revision),
        process: 'moderation',
        entityId: input.offerId,
        attention,
        resolved,
      }),
  });
  setHandler(viewQuery, () => machine.viewOf(moderation.state));
  const view = (state: machine.ModerationState) => machine.viewOf(state);
  setHandler(decideUpdate, moderation.updateHandler(machine.assertCanDecide, (state, args) => machine.decide(state, args, now()), view), {
    validator: moderation.validator(machine.assertCanDecide),
  });
  setHandler(withdrawUpdate, moderation.updateHandler(machine.assertCanWithdraw, (state, args) => machine.withdraw(state, args, now()), view), {
    validator: moderation.validator(machine.assertCanWithdraw),
  });
  moderation.handleAttention();
  moderation.set(moderation.state);
  return moderation;
}

/** Moderates submission `input.revision` of offer `input.offerId` until a decision or withdrawal; returns the final view. */
export async function kworkModeration(input: ModerationInput): Promise<ModerationView> {
  if (!patched(EFFECTS_ACTIVITY_PATCH)) return legacyKworkModeration(input);
  const what = `offer ${input.offerId} revision ${input.revision}`;
  const moderation = setup(input, what);
  const deadlines: Deadlines<machine.ModerationState, ModerationDeadline, machine.ModerationEffect> = {
    isFinal: (state) => machine.isFinal(state.status),
    nextDeadline: machine.nextDeadline,
    onDeadline: machine.onDeadline,
    timerSummary: (deadline) => `${deadline.what} (${what})`,
  };
  const { exists } = await activities(`does ${what} exist?`).loadSubmission({ offerId: input.offerId, revision: input.revision });
  if (!exists) {
    // The API's transaction rolled back after starting us: nothing to moderate, nothing to write.
    moderation.set(machine.withdrawn(moderation.state, 'system', now()));
    moderation.loaded = true;
    await condition(allHandlersFinished);
    return machine.viewOf(moderation.state);
  }
  moderation.loaded = true;
  await moderation.untilFinal(deadlines);
  await moderation.finish();
  return machine.viewOf(moderation.state);
}
