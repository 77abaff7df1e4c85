/**
 * `standingWorkflow`: one user's standing (K-58…K-65), `standing-<userId>`. Wiring only, on the
 * template of `../lib/process.ts`; the rules are in `machine.ts`, the numbers in the input's
 * policy.
 *
 * - An ignored order (K-64) arrives as the `violation` signal, sent with signal-with-start by
 *   the order's write every time it is written or retried: the violation id dedupes it.
 * - Staff's sanctions and early lifts are the `sanction` and `lift` Updates (update-with-start
 *   when no standing runs): validators refuse what the state does not allow before anything is
 *   written (the API answers 400/409).
 * - One timer runs, for the soonest of: a block's end (it lifts by itself), the oldest
 *   violation leaving the repeat window. With no block running and no violation counting, the
 *   standing ends; the next violation starts it again, numbering its writes on from the last
 *   (`loadStanding`) — its counts are all zero then, since every violation left the window.
 * - Its history stays small: past `maxHistoryEvents` (or when Temporal suggests it) it
 *   continues as new, carrying its state as plain JSON.
 *
 * Every change is the state's at once; its effects are written by one local activity, in order.
 */
import { allHandlersFinished, condition, continueAsNew, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AttentionActivities } from '../../activities/attention.js';
import type { StandingActivities, StandingEventRecord } from '../../activities/standing.js';
import { idempotentWrites, now, Process, publisher } from '../lib/process.js';
import { msOf } from '../lib/time.js';
import * as machine from './machine.js';
import { liftUpdate, sanctionUpdate, standingWorkflowId, viewQuery, violationSignal, type LiftArgs, type SanctionArgs, type StandingInput, type StandingView } from './messages.js';
import { detailsOf, searchAttributesOf, searchKey } from './search.js';

/** The writes are idempotent (the row's `seq`, the history's keys, the notice's key), so they are retried until the database answers. */
const writeOptions = idempotentWrites('10 seconds');
const { loadStanding, recordStandingEvent } = proxyLocalActivities<StandingActivities>(writeOptions);
const { flagAttention } = proxyLocalActivities<AttentionActivities>(writeOptions);

type StandingProcess = Process<machine.StandingState, machine.Effects, StandingEventRecord>;

/** Makes a transition the state at once; writes its effects if it has any. A write that fails for good leaves the process held. */
async function settle(w: StandingProcess, t: machine.Transition): Promise<void> {
  if (t.effects === null) return w.set(t.state);
  try {
    await w.apply({ state: t.state, effects: t.effects });
  } catch (err) {
    if (!w.attention) throw err;
  }
}

/** The standing's state, how it is shown and written, and its handlers: everything before the first await. */
function setup(input: StandingInput): StandingProcess {
  const first = input.carried ?? machine.initialState(input.userId, input.policy);
  const w: StandingProcess = new Process(first, {
    // Started (or continued) with the start attributes: upsert at the first publish.
    publish: publisher({ key: searchKey, attributes: searchAttributesOf, details: detailsOf }, null),
    record: (state, effects) => ({
      userId: state.userId,
      offersBlock: state.offersBlock,
      accountBlock: state.accountBlock,
      level: machine.levelOf(state),
      offersHidden: machine.offersHidden(state),
      kind: state.violations[state.violations.length - 1]?.kind ?? null,
      at: state.history[state.history.length - 1]?.at ?? now(),
      effects,
    }),
    write: (record) => recordStandingEvent(record),
    flag: (attention, resolved) => flagAttention({ workflowId: standingWorkflowId(input.userId), process: 'standing', entityId: input.userId, attention, resolved }),
  });
  setHandler(viewQuery, () => machine.viewOf(w.state));
  setHandler(violationSignal, async (report) => {
    if (!w.loaded) await condition(() => w.loaded);
    await settle(w, machine.violation(w.state, report, now()));
  });
  const checkSanction = (state: machine.StandingState, args: SanctionArgs) => machine.assertAllowed(machine.sanctionRefusal(state, args));
  setHandler(
    sanctionUpdate,
    async (args: SanctionArgs): Promise<StandingView> => {
      if (!w.loaded) {
        await condition(() => w.loaded);
        checkSanction(w.state, args);
      }
      const t = machine.sanction(w.state, args, now());
      if (t.effects === null) return machine.viewOf(w.state);
      await w.apply({ state: t.state, effects: t.effects });
      return machine.viewOf(w.state);
    },
    { validator: w.validator(checkSanction) },
  );
  const checkLift = (state: machine.StandingState, args: LiftArgs) => machine.assertAllowed(machine.liftRefusal(state, args));
  const lift = (state: machine.StandingState, args: LiftArgs) => {
    const t = machine.lift(state, args, now());
    return { state: t.state, effects: t.effects! };
  };
  setHandler(liftUpdate, w.updateHandler(checkLift, lift, (state) => machine.viewOf(state)), { validator: w.validator(checkLift) });
  w.handleAttention();
  w.set(w.state);
  return w;
}

/** Whether the history has grown enough to continue as new. */
function tooLong(policy: StandingInput['policy']): boolean {
  const info = workflowInfo();
  return info.historyLength >= policy.maxHistoryEvents || info.continueAsNewSuggested;
}

export async function standingWorkflow(input: StandingInput): Promise<StandingView> {
  const w = setup(input);
  if (!input.carried) {
    const { seq } = await loadStanding({ userId: input.userId });
    w.set({ ...w.state, seq: Math.max(seq, w.state.seq) });
  }
  w.loaded = true;
  for (;;) {
    if (w.attention) {
      // Held: the timer waits for staff; a deadline that fell due meanwhile is tried again then.
      await condition(() => w.attention === null);
      continue;
    }
    if (tooLong(input.policy)) {
      await w.finish();
      await continueAsNew<typeof standingWorkflow>({ userId: input.userId, policy: input.policy, carried: w.state });
    }
    const next = machine.nextDeadline(w.state);
    if (next === null) {
      // Nothing pending: end once every report and Update in flight is handled, unless one brought something.
      await w.finish();
      if (machine.isFinal(w.state) && allHandlersFinished()) break;
      continue;
    }
    const dueAt = msOf(next.at);
    const remaining = dueAt - Date.now();
    if (remaining > 0) {
      const moved = () => {
        const soonest = machine.nextDeadline(w.state);
        return soonest === null || msOf(soonest.at) < dueAt || w.attention !== null || tooLong(input.policy);
      };
      const summary = next.what === 'window' ? `oldest violation leaves the window at ${next.at}` : `${next.what} block lifts at ${next.at}`;
      if (await condition(moved, remaining, { summary })) continue;
    }
    await settle(w, machine.expire(w.state, now()));
  }
  return machine.viewOf(w.state);
}
