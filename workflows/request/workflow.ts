/**
 * `requestWorkflow`: one service request (K-44, K-45), `request-<id>`, from the buyer's posting
 * to picked, closed, expired or rejected. Wiring only, on the template of `../lib/process.ts`;
 * the rules are in `machine.ts`, the numbers in the input's policy.
 *
 * - Staff moderate it, sellers answer and withdraw, the buyer picks or closes: each an Update,
 *   whose validator refuses what the state does not allow before anything is written (the API
 *   answers 400/404/409/422).
 * - One timer: an approved request expires `activeMs` (24 h) after the approval.
 * - A pick places its orders through the normal placement in a regular activity (escrow, the
 *   24 h start), keyed by request and answer so a retry never places twice; while it runs the
 *   request takes no other action and its expiry waits. A refused placement (money short)
 *   fails the Update with the placement's code and leaves the request active.
 *
 * Every change is the state's at once; its effects — the read model's row and answers, the
 * notices — are written by one local activity, one transition at a time, in order.
 */
import { ActivityFailure, ApplicationFailure, condition, proxyActivities, proxyLocalActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import type { AttentionActivities } from '../../activities/attention.js';
import type { RequestActivities, RequestEventRecord } from '../../activities/requests.js';
import { isErrorCode } from '../lib/errors.js';
import { idempotentWrites, now, Process, publisher, type Deadlines } from '../lib/process.js';
import * as machine from './machine.js';
import {
  answerUpdate,
  closeUpdate,
  moderateUpdate,
  pickUpdate,
  requestWorkflowId,
  viewQuery,
  withdrawAnswerUpdate,
  type PickArgs,
  type PickedOrders,
  type RequestInput,
  type RequestView,
} from './messages.js';
import { detailsOf, searchAttributesOf, searchKey } from './search.js';

/** The writes are idempotent (the row's `seq`, the answers' keys, the notices' keys), so they are retried until the database answers. */
const writeOptions = idempotentWrites('10 seconds');
const { loadRequest, recordRequestEvent } = proxyLocalActivities<RequestActivities>(writeOptions);
const { flagAttention } = proxyLocalActivities<AttentionActivities>(writeOptions);

/**
 * The pick's placement: a regular activity, so it shows in the history with its summary. Its
 * keys make every attempt place the orders once; a few attempts over about half a minute, no
 * more — the buyer waits on the Update, and may pick again (the same keys) later.
 */
const placementOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4 },
};
const placer = (summary: string) => proxyActivities<RequestActivities>({ ...placementOptions, summary });

type RequestProcess = Process<machine.RequestState, machine.Effects, RequestEventRecord>;

/** The placement's failure as the Update's: its own catalogued code (insufficient funds → the add-funds prompt), else a conflict to retry. */
function pickFailure(err: unknown): ApplicationFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && isErrorCode(cause.type)) {
    return ApplicationFailure.create({ type: cause.type, message: cause.message, details: cause.details ? [...cause.details] : [], nonRetryable: true });
  }
  return ApplicationFailure.create({ type: 'conflict', message: 'the orders could not be placed just now: nothing was charged twice; pick again', nonRetryable: true });
}

/** Places the pick's orders, then closes the request as picked; a refusal leaves it active. */
async function pick(w: RequestProcess, args: PickArgs): Promise<RequestView> {
  const { requestId, buyerId, title } = w.state.input;
  const picks = args.answerIds.map((answerId) => {
    const a = w.state.answers.find((x) => x.answerId === answerId)!;
    // An `offer` answer's pick is as it always was (replayed histories); an individual offer's names it.
    return a.individualOfferId === undefined ? { answerId, offerId: a.offerId } : { answerId, offerId: a.offerId, individualOfferId: a.individualOfferId };
  });
  w.set(machine.beginPick(w.state));
  let placed: PickedOrders;
  try {
    placed = await placer(`pick answers ${args.answerIds.join(', ')} of request ${requestId}`).placeRequestOrders({ requestId, buyerId, title, picks });
  } catch (err) {
    w.set(machine.pickFailed(w.state));
    throw pickFailure(err);
  }
  const t = machine.picked(w.state, placed, now());
  await w.apply({ state: t.state, effects: t.effects! });
  return machine.viewOf(w.state);
}

/** The request's state, how it is shown and written, and its handlers: everything before the first await. */
function setup(input: RequestInput): RequestProcess {
  const w: RequestProcess = new Process(machine.initialState(input), {
    // Started with the start attributes; upserted at the first publish.
    publish: publisher({ key: searchKey, attributes: searchAttributesOf, details: detailsOf }, null),
    record: (state, effects) => ({
      requestId: input.requestId,
      buyerId: input.buyerId,
      categoryId: input.categoryId,
      title: input.title,
      status: state.status as RequestEventRecord['status'],
      statusReason: state.statusReason,
      approvedAt: state.approvedAt,
      activeUntil: state.activeUntil,
      closedAt: state.closedAt,
      answers: state.answers,
      at: now(),
      effects,
    }),
    write: (record) => recordRequestEvent(record),
    flag: (attention, resolved) => flagAttention({ workflowId: requestWorkflowId(input.requestId), process: 'request', entityId: input.requestId, attention, resolved }),
  });
  setHandler(viewQuery, () => machine.viewOf(w.state));
  const view = (state: machine.RequestState) => machine.viewOf(state);
  const check = <A>(refusal: (state: machine.RequestState, args: A) => machine.Refusal | null) => (state: machine.RequestState, args: A) => machine.assertAllowed(refusal(state, args));
  const writing = <A>(t: (state: machine.RequestState, args: A) => machine.Transition) => (state: machine.RequestState, args: A) => {
    const next = t(state, args);
    return { state: next.state, effects: next.effects! };
  };
  const checkModerate = check(machine.moderateRefusal);
  setHandler(moderateUpdate, w.updateHandler(checkModerate, writing((s, a) => machine.moderate(s, a, now())), view), { validator: w.validator(checkModerate) });
  const checkAnswer = check(machine.answerRefusal);
  setHandler(answerUpdate, w.updateHandler(checkAnswer, writing((s, a) => machine.answer(s, a, now())), view), { validator: w.validator(checkAnswer) });
  const checkWithdraw = check(machine.withdrawAnswerRefusal);
  setHandler(withdrawAnswerUpdate, w.updateHandler(checkWithdraw, writing(machine.withdrawAnswer), view), { validator: w.validator(checkWithdraw) });
  const checkClose = check(machine.closeRefusal);
  setHandler(closeUpdate, w.updateHandler(checkClose, writing((s) => machine.close(s, now())), view), { validator: w.validator(checkClose) });
  const checkPick = check(machine.pickRefusal);
  setHandler(
    pickUpdate,
    async (args: PickArgs) => {
      if (!w.loaded) await condition(() => w.loaded);
      // Checked again at its turn: an action that was validated meanwhile may have moved the state.
      checkPick(w.state, args);
      return pick(w, args);
    },
    { validator: w.validator(checkPick) },
  );
  w.handleAttention();
  w.set(w.state);
  return w;
}

export async function requestWorkflow(input: RequestInput): Promise<RequestView> {
  const w = setup(input);
  const { exists } = await loadRequest({ requestId: input.requestId });
  if (!exists) {
    // The posting's transaction rolled back after starting us: no request, nothing to write.
    w.set(machine.voided(w.state, now()));
    w.loaded = true;
    await w.finish();
    return machine.viewOf(w.state);
  }
  w.loaded = true;
  const deadlines: Deadlines<machine.RequestState, { at: string; what: 'expire' }, machine.Effects> = {
    isFinal: machine.isFinal,
    nextDeadline: machine.nextDeadline,
    onDeadline: (state, _deadline, at) => {
      const t = machine.expire(state, at);
      return { state: t.state, effects: t.effects! };
    },
    timerSummary: (deadline) => `request ${input.requestId} expires at ${deadline.at}`,
  };
  await w.untilFinal(deadlines);
  await w.finish();
  return machine.viewOf(w.state);
}
