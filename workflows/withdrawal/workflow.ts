/**
 * `withdrawalWorkflow`: one withdrawal (K-50), from the request (its amount already held out of
 * the balance) to paid, failed, cancelled or rejected. Wiring only, on the template of
 * `../lib/process.ts`; the rules are in `machine.ts`, the numbers in the input's policy.
 *
 * - The owner's cancel and staff's hold, release and reject are the `act` Update: its validator
 *   refuses what the status does not allow before anything is written (the API answers 409).
 * - A payout batch hands it over with the `takeIntoBatch` signal; it answers the batch by a
 *   signal (`withdrawalReport`): not taken (held, cancelled…), or taken — and later its end.
 * - Taken, it sends the payout through the provider (a regular activity, retried a bounded
 *   number of times; a refusal fails the withdrawal at once) with one idempotency key for every
 *   attempt, then waits for the provider's confirmation (`payoutConfirmation`, a verified
 *   webhook) for `confirmationTimeoutMs`. Without one it asks the provider; still pending, it
 *   sends again (a no-op at a provider that has it); after `payoutAttempts` it cancels the
 *   payout at the provider, and only a cancelled or failed payout returns the money.
 *
 * Every change is the state's at once; its effects — the row, the money, the user's notice —
 * are written by one local activity, one transition at a time, in order.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { AttentionActivities } from '../../activities/attention.js';
import type { WithdrawalActivities, WithdrawalEventRecord } from '../../activities/withdrawals.js';
import { formatUsd } from '../lib/money.js';
import { idempotentWrites, now, Process, publisher } from '../lib/process.js';
import { msOf } from '../lib/time.js';
import { withdrawalReportSignal, type WithdrawalReport } from '../payout-batch/messages.js';
import * as machine from './machine.js';
import {
  actUpdate,
  payoutConfirmationSignal,
  payoutFailure,
  payoutIdempotencyKey,
  takeIntoBatchSignal,
  viewQuery,
  withdrawalWorkflowId,
  type PayoutOutcome,
  type TakeIntoBatch,
  type WithdrawalActArgs,
  type WithdrawalInput,
  type WithdrawalView,
} from './messages.js';
import { detailsOf, searchAttributesOf, searchKey } from './search.js';

/** The writes are idempotent (ledger keys, the closed row, the notice's key), so they are retried until the database answers. */
const writeOptions = idempotentWrites('10 seconds');
const { loadWithdrawal, recordWithdrawalEvent } = proxyLocalActivities<WithdrawalActivities>(writeOptions);
const { flagAttention } = proxyLocalActivities<AttentionActivities>(writeOptions);

/**
 * Provider calls: a network error or a 5xx is retried for about a minute (six tries), no
 * longer: the attempt then counts as unanswered and the confirmation timeout decides what
 * next. A refusal is never retried.
 */
export const providerOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 6, nonRetryableErrorTypes: Object.values(payoutFailure) },
};
/** Provider activities whose history events carry `summary`, readable in the Temporal UI. */
const provider = (summary: string) => proxyActivities<WithdrawalActivities>({ ...providerOptions, summary });

type WithdrawalProcess = Process<machine.WithdrawalState, machine.Effects, WithdrawalEventRecord>;

/** A batch's hand-over, from its signal until its row is written. */
interface Taking {
  batch: TakeIntoBatch;
  /** True once written; false when the write failed for good (the process holds). */
  written: Promise<boolean>;
}

const isOver = (w: WithdrawalProcess) => machine.isFinal(w.state.status);

/** Makes a transition the state at once; writes its effects if it has any. */
function advance(w: WithdrawalProcess, t: machine.Transition): Promise<void> {
  if (t.effects === null) {
    w.set(t.state);
    return Promise.resolve();
  }
  return w.apply({ state: t.state, effects: t.effects });
}

/** The same, where a write that fails for good leaves the process held (the loops then wait for staff). */
async function settle(w: WithdrawalProcess, t: machine.Transition): Promise<void> {
  try {
    await advance(w, t);
  } catch (err) {
    if (!w.attention) throw err;
  }
}

/** Tells the batch; a batch that closed (its wait ran out) or never existed has nobody to tell. */
async function report(batch: TakeIntoBatch, input: WithdrawalInput, outcome: WithdrawalReport['outcome']): Promise<void> {
  const { withdrawalId, amountCents, feeCents, netCents } = input;
  try {
    await getExternalWorkflowHandle(batch.batchWorkflowId).signal(withdrawalReportSignal, { withdrawalId, outcome, amountCents, feeCents, netCents });
  } catch {
    // Nothing to do: the batch reconciles from the withdrawals' rows, not from these reports.
  }
}

/** The withdrawal's state, how it is shown and written, and its handlers: everything before the first await. */
function setup(input: WithdrawalInput): { w: WithdrawalProcess; taking: () => Taking | null; taken: () => void } {
  const w: WithdrawalProcess = new Process(machine.initialState(input), {
    // The API started us with these search attributes: nothing to upsert until they change.
    publish: publisher({ key: searchKey, attributes: searchAttributesOf, details: detailsOf }, searchKey(machine.initialState(input))),
    record: (state, effects) => ({
      withdrawalId: input.withdrawalId,
      userId: input.userId,
      status: state.status as WithdrawalEventRecord['status'],
      statusReason: state.statusReason,
      batchId: state.batch?.batchId ?? null,
      providerRef: state.providerRef,
      at: state.history[state.history.length - 1]!.at,
      closed: machine.isFinal(state.status),
      effects,
    }),
    write: (record) => recordWithdrawalEvent(record),
    flag: (attention, resolved) => flagAttention({ workflowId: withdrawalWorkflowId(input.withdrawalId), process: 'withdrawal', entityId: input.withdrawalId, attention, resolved }),
  });
  const loaded = async () => {
    if (!w.loaded) await condition(() => w.loaded);
  };
  let taking: Taking | null = null;
  setHandler(viewQuery, () => machine.viewOf(w.state));
  const check = (state: machine.WithdrawalState, args: WithdrawalActArgs) => machine.assertCanAct(state, args);
  // Every action writes (a row, money or a notice): its effects are never null.
  const act = (state: machine.WithdrawalState, args: WithdrawalActArgs) => {
    const t = machine.act(state, args, now());
    return { state: t.state, effects: t.effects! };
  };
  setHandler(actUpdate, w.updateHandler(check, act, (state) => machine.viewOf(state)), { validator: w.validator(check) });
  setHandler(takeIntoBatchSignal, async (batch) => {
    await loaded();
    // The same batch again (a repeated hand-over) was answered already.
    if (w.state.batch?.batchId === batch.batchId) return;
    if (w.attention || machine.takeRefusal(w.state) !== null) return report(batch, input, 'not_taken');
    const written = advance(w, machine.take(w.state, batch, now())).then(
      () => true,
      (err) => {
        if (w.attention) return false;
        throw err;
      },
    );
    taking = { batch, written };
  });
  setHandler(payoutConfirmationSignal, async (confirmation) => {
    await loaded();
    await settle(w, machine.confirmed(w.state, confirmation, now()));
  });
  w.handleAttention();
  w.set(w.state);
  return { w, taking: () => taking, taken: () => (taking = null) };
}

/** Waits until a batch took it (its row written, the batch told) or it ended before any did. */
async function untilTaken(w: WithdrawalProcess, taking: () => Taking | null, taken: () => void): Promise<boolean> {
  for (;;) {
    await condition(() => isOver(w) || taking() !== null);
    const current = taking();
    if (current === null) return false;
    const written = await current.written;
    taken();
    await report(current.batch, w.state.input, written ? 'taken' : 'not_taken');
    if (written) return true;
  }
}

/** One payout attempt: paid, failed, refused — or sent (or unanswered), its confirmation awaited next. */
async function send(w: WithdrawalProcess): Promise<void> {
  const { input } = w.state;
  try {
    const payout = await provider(`payout attempt ${w.state.attempts + 1}: ${formatUsd(input.netCents)} to ${input.destinationLabel}`).sendPayout({
      method: input.method,
      withdrawalId: input.withdrawalId,
      amountCents: input.netCents,
      destination: input.destination,
      idempotencyKey: payoutIdempotencyKey(input.withdrawalId),
    });
    if (!isOver(w)) await settle(w, machine.sent(w.state, payout, now()));
  } catch (err) {
    if (isOver(w)) return;
    const failure = err instanceof ActivityFailure ? err.cause : err;
    if (failure instanceof ApplicationFailure && failure.type === payoutFailure.refused) await settle(w, machine.refused(w.state, failure.message, now()));
    else await settle(w, machine.unanswered(w.state, failure instanceof Error ? failure.message : String(failure), now()));
  }
}

/** Asks the provider about the payout, or to cancel it; null without a payout reference or an answer. */
async function ask(w: WithdrawalProcess, what: 'payoutStatus' | 'cancelPayout'): Promise<PayoutOutcome | null> {
  const { providerRef, input } = w.state;
  if (providerRef === null) return null;
  try {
    return await provider(`${what === 'payoutStatus' ? 'ask about' : 'cancel'} payout ${providerRef}`)[what]({ method: input.method, providerRef });
  } catch {
    return null;
  }
}

/** Waits for the confirmation of the current attempt; without one in time, asks the provider, and after the last attempt cancels. */
async function awaitConfirmation(w: WithdrawalProcess): Promise<void> {
  const due = msOf(w.state.confirmationDueAt!);
  const summary = `confirmation of payout attempt ${w.state.attempts}`;
  if (await condition(() => isOver(w) || w.attention !== null, Math.max(due - Date.now(), 1), { summary })) return;
  await settle(w, machine.checked(w.state, await ask(w, 'payoutStatus'), now()));
  if (isOver(w) || machine.mayResend(w.state)) return;
  await settle(w, machine.gaveUp(w.state, await ask(w, 'cancelPayout'), now()));
}

/** From the batch's hand-over to the payout's end. */
async function payOut(w: WithdrawalProcess): Promise<void> {
  while (!isOver(w)) {
    // Held for staff (a write failed for good): nothing is sent meanwhile.
    if (w.attention) await condition(() => w.attention === null);
    else if (w.state.stalledAt !== null) await condition(() => isOver(w) || w.attention !== null);
    else {
      await send(w);
      if (!isOver(w) && w.state.confirmationDueAt !== null) await awaitConfirmation(w);
    }
  }
}

export async function withdrawalWorkflow(input: WithdrawalInput): Promise<WithdrawalView> {
  const { w, taking, taken } = setup(input);
  const { exists } = await loadWithdrawal({ withdrawalId: input.withdrawalId, userId: input.userId });
  if (!exists) {
    // The request's transaction rolled back after starting us: no withdrawal, no money to move.
    w.set(machine.voided(w.state, now()));
    w.loaded = true;
    await condition(allHandlersFinished);
    return machine.viewOf(w.state);
  }
  w.loaded = true;
  const inconsistency = machine.inconsistencyOf(input);
  if (inconsistency) await settle(w, machine.inconsistent(w.state, inconsistency, now()));
  if (await untilTaken(w, taking, taken)) await payOut(w);
  await w.finish();
  const outcome = machine.outcomeOf(w.state);
  if (outcome && w.state.batch) await report(w.state.batch, input, outcome);
  await condition(allHandlersFinished);
  return machine.viewOf(w.state);
}
