/**
 * The only code that starts, updates, signals and queries gigflow's workflows. Each process
 * gets a typed corner here, built from its `messages.ts` (workflow id, start input, Updates,
 * queries) and its `search.ts` (the search attributes and summary it starts with), so nothing
 * else names a workflow type, builds a workflow id or a search attribute, or reads Temporal's
 * errors.
 *
 * Errors come out in the shared catalogue: an Update's validator refuses with an
 * `ApplicationFailure` whose type is a catalogued code, which becomes an `AppError` of that
 * code (details: what the validator attached, e.g. the current status); a workflow the server
 * does not have (never started, or closed and forgotten after 24 h on the dev server) is a
 * `WorkflowGoneError`, for the caller to answer from the database.
 */
import { isGrpcServiceError, ServiceError, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy, type SearchAttributePair, type UpdateDefinition, type Workflow } from '@temporalio/common';
import type { QueuedStart, StartInputs, StartProcess } from '../db/workflow-starts.js';
import { AppError, isErrorCode, refusalError } from '../workflows/lib/errors.js';
import { expiresAtOf } from '../workflows/individual-offer/machine.js';
import { answeredSignal, individualOfferWorkflowId, individualOfferWorkflowType, type Answer, type IndividualOfferInput } from '../workflows/individual-offer/messages.js';
import * as individualOfferSearch from '../workflows/individual-offer/search.js';
import type { individualOfferWorkflow } from '../workflows/individual-offer/workflow.js';
import {
  activatedSignal,
  approveUpdate,
  askDifferentExpertUpdate,
  cancelUpdate,
  claimUpdate,
  decideCancellationUpdate,
  deliverUpdate,
  estimateUpdate,
  jobWorkflowId,
  jobWorkflowType,
  messageUpdate as jobMessageUpdate,
  payUpdate,
  reassignUpdate,
  rejectEstimateUpdate,
  viewQuery as jobViewQuery,
  type ApproveArgs,
  type AskDifferentExpertArgs,
  type CancelArgs,
  type ClaimArgs,
  type DecideCancellationArgs,
  type DeliverArgs,
  type EstimateArgs,
  type JobInput,
  type JobMessageArgs,
  type JobView,
  type JobViewer,
  type PayArgs,
  type ReassignArgs,
  type RejectEstimateArgs,
} from '../workflows/job/messages.js';
import { resolveAttentionUpdate, type ResolveArgs } from '../workflows/lib/process.js';
import { decideUpdate, moderationWorkflowId, moderationWorkflowType, type DecideArgs, type ModerationInput, type ModerationView } from '../workflows/moderation/messages.js';
import * as moderationSearch from '../workflows/moderation/search.js';
import type { kworkModeration } from '../workflows/moderation/workflow.js';
import { actUpdate, messageUpdate, orderWorkflowId, orderWorkflowType, viewQuery, type ActArgs, type MessageArgs, type OrderInput, type OrderView, type PartyActArgs, type Viewer } from '../workflows/order/messages.js';
import * as orderSearch from '../workflows/order/search.js';
import type { orderWorkflow } from '../workflows/order/workflow.js';
import { messageSignal, replyWatchWorkflowId, replyWatchWorkflowType, viewQuery as replyWatchViewQuery, type MessageSeen, type ReplyWatchPolicy, type ReplyWatchView } from '../workflows/reply-watch/messages.js';
import { replyWatchPolicy as defaultReplyWatchPolicy } from '../workflows/reply-watch/policy.js';
import * as replyWatchSearch from '../workflows/reply-watch/search.js';
import type { replyWatchWorkflow } from '../workflows/reply-watch/workflow.js';
import {
  liftUpdate,
  sanctionUpdate,
  standingWorkflowId,
  standingWorkflowType,
  viewQuery as standingViewQuery,
  type LiftArgs,
  type SanctionArgs,
  type StandingPolicy,
  type StandingView,
} from '../workflows/standing/messages.js';
import { standingPolicy as defaultStandingPolicy } from '../workflows/standing/policy.js';
import * as standingSearch from '../workflows/standing/search.js';
import type { standingWorkflow } from '../workflows/standing/workflow.js';
import {
  answerUpdate,
  closeUpdate,
  moderateUpdate,
  pickUpdate,
  requestWorkflowId,
  requestWorkflowType,
  viewQuery as requestViewQuery,
  withdrawAnswerUpdate,
  type AnswerArgs,
  type CloseArgs,
  type ModerateArgs,
  type PickArgs,
  type RequestInput,
  type RequestView,
  type WithdrawAnswerArgs,
} from '../workflows/request/messages.js';
import * as jobSearch from '../workflows/job/search.js';
import type { jobWorkflow } from '../workflows/job/workflow.js';
import * as requestSearch from '../workflows/request/search.js';
import type { requestWorkflow } from '../workflows/request/workflow.js';
import {
  actUpdate as withdrawalActUpdate,
  payoutConfirmationSignal,
  viewQuery as withdrawalViewQuery,
  withdrawalWorkflowId,
  withdrawalWorkflowType,
  type PayoutConfirmation,
  type WithdrawalActArgs,
  type WithdrawalInput,
  type WithdrawalView,
} from '../workflows/withdrawal/messages.js';
import * as withdrawalSearch from '../workflows/withdrawal/search.js';
import type { withdrawalWorkflow } from '../workflows/withdrawal/workflow.js';

/** The server has no such workflow: never started, or closed and forgotten. */
export class WorkflowGoneError extends AppError {
  constructor(readonly workflowId: string) {
    super('not_found', `no workflow ${workflowId}`);
    this.name = 'WorkflowGoneError';
  }
}

/** gRPC's UNAVAILABLE: the frontend cannot be reached (down, restarting, no route). */
const GRPC_UNAVAILABLE = 14;

/** Whether a call failed because Temporal could not be reached, as the error or as its cause. */
function temporalUnavailable(err: unknown): boolean {
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : undefined;
  return grpc?.code === GRPC_UNAVAILABLE;
}

/** Temporal's failures of one call, in the shared catalogue (anything else passes unchanged). */
function translated(err: unknown, workflowId: string): unknown {
  if (err instanceof WorkflowNotFoundError) return new WorkflowGoneError(workflowId);
  if (temporalUnavailable(err)) return new AppError('service_unavailable', `Temporal could not be reached for ${workflowId}`);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && isErrorCode(err.cause.type)) {
    const given = err.cause.details?.[0];
    const details = given && typeof given === 'object' ? (given as Record<string, unknown>) : undefined;
    // A validator refuses a field as `<field>: <why>` (a malformed one, 400, or one a rule
    // forbids, 422), the field named as the Update's arguments name it, which are the request
    // body's: the API's answer names it in `details.fields`.
    const type = err.cause.type;
    if (type === 'invalid_input' || type === 'rule_violation') return refusalError(type, err.cause.message, details);
    return new AppError(type, err.cause.message, details);
  }
  return err;
}

/** One call to Temporal — every start, signal, query and Update of the gateway — its failures translated (`translated`). */
async function call<T>(workflowId: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw translated(err, workflowId);
  }
}

/** What support sees of a workflow from its start, in the Web UI: each process's `search.ts`. */
interface Shown<I> {
  startSearchAttributes(input: I): SearchAttributePair[];
  summaryOf(input: I): string;
}

/**
 * Starts `type` as `id` with its one input on the gateway's task queue, with the search
 * attributes and summary `shown` gives it; failures translated (`call`).
 */
async function startWorkflow<W extends Workflow>(
  temporal: Client,
  taskQueue: string,
  type: string,
  id: string,
  input: Parameters<W>[0],
  shown: Shown<Parameters<W>[0]>,
  options: { once?: boolean } = {},
): Promise<void> {
  // The input is checked against the workflow at the caller (`W`); the SDK's options type cannot
  // be built for a W still generic here, so its start is called untyped.
  const start = { workflowId: id, taskQueue, args: [input], typedSearchAttributes: shown.startSearchAttributes(input), staticSummary: shown.summaryOf(input) };
  if (!options.once) {
    await call(id, () => temporal.workflow.start<Workflow>(type, start));
    return;
  }
  try {
    // Never a second run under the id, not even once the first has closed: it is the same business thing.
    await call(id, () => temporal.workflow.start<Workflow>(type, { ...start, workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE }));
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** The withdrawal's corner: start, view, act, and the provider's confirmation (a signal). */
function withdrawalGateway(temporal: Client, taskQueue: string) {
  const handle = (workflowId: string) => temporal.workflow.getHandle(workflowId);
  return {
    /**
     * Starts a requested withdrawal's workflow (its row, hold and queued start committed:
     * `db/workflow-starts.ts`; its amounts checked before it was queued, services/withdrawals.ts).
     * Idempotent, as every queued start.
     */
    async start(input: WithdrawalInput): Promise<void> {
      await startWorkflow<typeof withdrawalWorkflow>(temporal, taskQueue, withdrawalWorkflowType, withdrawalWorkflowId(input.withdrawalId), input, withdrawalSearch, { once: true });
    },
    /** The open withdrawal as it is now. */
    view(withdrawalId: number): Promise<WithdrawalView> {
      const id = withdrawalWorkflowId(withdrawalId);
      return call(id, () => handle(id).query(withdrawalViewQuery));
    },
    /** The owner's or staff's action; the result is the view once its effects are written (`conflict` once a batch took it). */
    act(withdrawalId: number, args: WithdrawalActArgs): Promise<WithdrawalView> {
      const id = withdrawalWorkflowId(withdrawalId);
      return call(id, () => handle(id).executeUpdate(withdrawalActUpdate, { args: [args] }));
    },
    /**
     * Hands a verified payout webhook to the withdrawal. False when its workflow is closed or
     * unknown (a duplicate after the end, a payout of another system): nothing to tell.
     */
    async confirm(withdrawalId: number, confirmation: PayoutConfirmation): Promise<boolean> {
      const id = withdrawalWorkflowId(withdrawalId);
      try {
        await handle(id).signal(payoutConfirmationSignal, confirmation);
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
  };
}

/**
 * A user's standing (K-58…K-65): staff's sanctions start it when none runs (update-with-start:
 * the standing is started, or the running one used, and the Update sent in one call), an early
 * lift goes to the running one, and its view.
 */
function standingGateway(temporal: Client, taskQueue: string, policy: StandingPolicy) {
  const handle = (workflowId: string) => temporal.workflow.getHandle(workflowId);
  return {
    /** A staff sanction; the result is the standing once it is written (`invalid_input` for a malformed one). */
    sanction(userId: number, args: SanctionArgs): Promise<StandingView> {
      const id = standingWorkflowId(userId);
      const startWorkflowOperation = new WithStartWorkflowOperation<typeof standingWorkflow>(standingWorkflowType, {
        workflowId: id,
        taskQueue,
        args: [{ userId, policy }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: standingSearch.startSearchAttributes(userId),
        staticSummary: standingSearch.summaryOf(userId),
      });
      return call(id, () => temporal.workflow.executeUpdateWithStart(sanctionUpdate, { args: [args], startWorkflowOperation }));
    },
    /** Staff lift a block early (`conflict` when none runs; `not_found` when no standing runs at all). */
    lift(userId: number, args: LiftArgs): Promise<StandingView> {
      const id = standingWorkflowId(userId);
      return call(id, () => handle(id).executeUpdate(liftUpdate, { args: [args] }));
    },
    /** The running standing as it is now. */
    view(userId: number): Promise<StandingView> {
      const id = standingWorkflowId(userId);
      return call(id, () => handle(id).query(standingViewQuery));
    },
  };
}

/** An individual offer's expiry (K-46): started with its row, told of its answer. */
function individualOfferGateway(temporal: Client, taskQueue: string) {
  return {
    /** Starts the offer's timer (its row and queued start committed). Idempotent, as every queued start. */
    async start(input: IndividualOfferInput): Promise<void> {
      const shown = {
        // Its attributes show when it expires, which its policy gives.
        startSearchAttributes: (offer: IndividualOfferInput) => individualOfferSearch.startSearchAttributes(offer, expiresAtOf(offer.createdAt, offer.policy.ttlMs)),
        summaryOf: individualOfferSearch.summaryOf,
      };
      await startWorkflow<typeof individualOfferWorkflow>(temporal, taskQueue, individualOfferWorkflowType, individualOfferWorkflowId(input.offerId), input, shown, { once: true });
    },
    /** Tells the offer's workflow it was answered; false when it has ended (it expired meanwhile, or is forgotten). */
    async answered(offerId: number, answer: Answer): Promise<boolean> {
      try {
        await temporal.workflow.getHandle(individualOfferWorkflowId(offerId)).signal(answeredSignal, { answer });
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
  };
}

/**
 * K-63: a direct conversation's reply watch hears of its messages. A message that may start a
 * wait (its recipient has active offers) goes with start — the running watch used, or a new one
 * started; any other only ends a wait, so with no watch running there is nothing to tell.
 */
function replyWatchGateway(temporal: Client, taskQueue: string, policy: ReplyWatchPolicy) {
  const handle = (workflowId: string) => temporal.workflow.getHandle(workflowId);
  return {
    async message(conversationId: number, seen: MessageSeen): Promise<void> {
      const id = replyWatchWorkflowId(conversationId);
      if (seen.watchOn !== null) {
        await call(id, () =>
          temporal.workflow.signalWithStart<typeof replyWatchWorkflow, [MessageSeen]>(replyWatchWorkflowType, {
            workflowId: id,
            taskQueue,
            args: [{ conversationId, policy }],
            signal: messageSignal,
            signalArgs: [seen],
            staticSummary: replyWatchSearch.summaryOf(conversationId),
          }),
        );
        return;
      }
      try {
        await handle(id).signal(messageSignal, seen);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
    /** The running (or last, while the server keeps it) watch of the conversation. */
    view(conversationId: number): Promise<ReplyWatchView> {
      const id = replyWatchWorkflowId(conversationId);
      return call(id, () => handle(id).query(replyWatchViewQuery));
    },
  };
}

/**
 * A service request (K-44): started by the buyer's posting, then staff's moderation, the
 * sellers' answers and the buyer's pick or close, each an Update answered once written.
 */
function requestGateway(temporal: Client, taskQueue: string) {
  const update = <A>(requestId: number, def: UpdateDefinition<RequestView, [A]>, args: A): Promise<RequestView> => {
    const id = requestWorkflowId(requestId);
    return call(id, () => temporal.workflow.getHandle(id).executeUpdate(def, { args: [args] }));
  };
  return {
    /** Starts a request's workflow (its row and queued start committed). Idempotent, as every queued start. */
    async start(input: RequestInput): Promise<void> {
      await startWorkflow<typeof requestWorkflow>(temporal, taskQueue, requestWorkflowType, requestWorkflowId(input.requestId), input, requestSearch, { once: true });
    },
    /** The running request as it is now. */
    view(requestId: number): Promise<RequestView> {
      const id = requestWorkflowId(requestId);
      return call(id, () => temporal.workflow.getHandle(id).query(requestViewQuery));
    },
    moderate: (requestId: number, args: ModerateArgs) => update(requestId, moderateUpdate, args),
    answer: (requestId: number, args: AnswerArgs) => update(requestId, answerUpdate, args),
    withdrawAnswer: (requestId: number, args: WithdrawAnswerArgs) => update(requestId, withdrawAnswerUpdate, args),
    /** The buyer's pick: answers once its orders are placed (`insufficient_funds`: nothing placed, the request stays active). */
    pick: (requestId: number, args: PickArgs) => update(requestId, pickUpdate, args),
    close: (requestId: number, args: CloseArgs) => update(requestId, closeUpdate, args),
  };
}

/**
 * An estimated job (W-01…W-18): started by the order form's transaction, then each party's and
 * staff's Updates, answered once their effects are written. A validator's refusal comes out as
 * its catalogued code (`conflict` → 409 with the reason; `insufficient_funds` → 422 with the
 * missing cents in its details). A closed job's workflow may be forgotten (the dev server keeps
 * closed ones a day): `view` then throws `WorkflowGoneError` and the caller reads the `jobs` row.
 */
function jobGateway(temporal: Client, taskQueue: string) {
  const update = <A>(jobId: number, def: UpdateDefinition<JobView, [A]>, args: A): Promise<JobView> => {
    const id = jobWorkflowId(jobId);
    return call(id, () => temporal.workflow.getHandle(id).executeUpdate(def, { args: [args] }));
  };
  return {
    /** Starts a job's workflow (its row, files, conversation and queued start committed). Idempotent, as every queued start. */
    async start(input: JobInput): Promise<void> {
      await startWorkflow<typeof jobWorkflow>(temporal, taskQueue, jobWorkflowType, jobWorkflowId(input.jobId), input, jobSearch, { once: true });
    },
    /** The running job as `viewer` sees it (`WorkflowGoneError` once it is closed and forgotten). */
    view(jobId: number, viewer: JobViewer): Promise<JobView> {
      const id = jobWorkflowId(jobId);
      return call(id, () => temporal.workflow.getHandle(id).query(jobViewQuery, viewer));
    },
    /**
     * W-01: the client activated the account the form created. False when the job's workflow
     * has ended (expired meanwhile, or forgotten): nothing waits.
     */
    async activated(jobId: number): Promise<boolean> {
      try {
        await temporal.workflow.getHandle(jobWorkflowId(jobId)).signal(activatedSignal);
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
    claim: (jobId: number, args: ClaimArgs) => update(jobId, claimUpdate, args),
    estimate: (jobId: number, args: EstimateArgs) => update(jobId, estimateUpdate, args),
    /** W-07, W-08: "Pay now" from the balance (`insufficient_funds`: nothing moved, details name the missing cents). */
    pay: (jobId: number, args: PayArgs) => update(jobId, payUpdate, args),
    rejectEstimate: (jobId: number, args: RejectEstimateArgs) => update(jobId, rejectEstimateUpdate, args),
    askDifferentExpert: (jobId: number, args: AskDifferentExpertArgs) => update(jobId, askDifferentExpertUpdate, args),
    reassign: (jobId: number, args: ReassignArgs) => update(jobId, reassignUpdate, args),
    deliver: (jobId: number, args: DeliverArgs) => update(jobId, deliverUpdate, args),
    cancel: (jobId: number, args: CancelArgs) => update(jobId, cancelUpdate, args),
    decideCancellation: (jobId: number, args: DecideCancellationArgs) => update(jobId, decideCancellationUpdate, args),
    approve: (jobId: number, args: ApproveArgs) => update(jobId, approveUpdate, args),
    /** D-03, W-09: a message was written in the job's conversation (`conflict` once the job is over). */
    message: (jobId: number, args: JobMessageArgs) => update(jobId, jobMessageUpdate, args),
  };
}

/** The order's corner: start, view, a party's or staff's action, a party's message. */
function orderGateway(temporal: Client, taskQueue: string) {
  const handle = (workflowId: string) => temporal.workflow.getHandle(workflowId);
  return {
    /**
     * Starts a placed order's workflow (its row, escrow hold and queued start committed:
     * `db/workflow-starts.ts`). Idempotent: a workflow already started for the order, running or
     * closed, counts as started, and no second one ever runs.
     */
    async start(input: OrderInput): Promise<void> {
      await startWorkflow<typeof orderWorkflow>(temporal, taskQueue, orderWorkflowType, orderWorkflowId(input.orderId), input, orderSearch, { once: true });
    },
    /** The open order as `viewer` sees it. */
    view(orderId: number, viewer: Viewer): Promise<OrderView> {
      const id = orderWorkflowId(orderId);
      return call(id, () => handle(id).query(viewQuery, viewer));
    },
    /** A party's or staff's action, answered once its effects are written; a second call with one `updateId` answers the first's outcome (closed workflow too). */
    act(orderId: number, args: ActArgs | PartyActArgs, updateId?: string): Promise<OrderView> {
      const id = orderWorkflowId(orderId);
      return call(id, () => handle(id).executeUpdate(actUpdate, { args: [args], ...(updateId === undefined ? {} : { updateId }) }));
    },
    /** D-03: a party wrote in the order's conversation; the view once the activity is written (`conflict` once the order is over). */
    message(orderId: number, args: MessageArgs): Promise<OrderView> {
      const id = orderWorkflowId(orderId);
      return call(id, () => handle(id).executeUpdate(messageUpdate, { args: [args] }));
    },
  };
}

export function createWorkflowGateway({
  temporal,
  taskQueue,
  standingPolicy = defaultStandingPolicy(),
  replyWatchPolicy = defaultReplyWatchPolicy(),
}: {
  temporal: Client;
  taskQueue: string;
  standingPolicy?: StandingPolicy;
  replyWatchPolicy?: ReplyWatchPolicy;
}) {
  const handle = (workflowId: string) => temporal.workflow.getHandle(workflowId);

  const order = orderGateway(temporal, taskQueue);

  const moderation = {
    /** Starts a submission's moderation (its row and queued start committed). Idempotent, as every queued start. */
    async start(input: ModerationInput): Promise<void> {
      await startWorkflow<typeof kworkModeration>(temporal, taskQueue, moderationWorkflowType, moderationWorkflowId(input.offerId, input.revision), input, moderationSearch, { once: true });
    },
    /** A moderator's decision; the result is the submission once the decision is applied. */
    decide(offerId: number, revision: number, args: DecideArgs): Promise<ModerationView> {
      const id = moderationWorkflowId(offerId, revision);
      return call(id, () => handle(id).executeUpdate(decideUpdate, { args: [args] }));
    },
  };

  const withdrawal = withdrawalGateway(temporal, taskQueue);
  const standing = standingGateway(temporal, taskQueue, standingPolicy);
  const replyWatch = replyWatchGateway(temporal, taskQueue, replyWatchPolicy);
  const request = requestGateway(temporal, taskQueue);
  const individualOffer = individualOfferGateway(temporal, taskQueue);
  const job = jobGateway(temporal, taskQueue);

  /** Staff lift a workflow's hold (a write that failed for good); `conflict` when it holds no more. */
  function resolveAttention(workflowId: string, args: ResolveArgs): Promise<void> {
    return call(workflowId, () => handle(workflowId).executeUpdate(resolveAttentionUpdate, { args: [args] }));
  }

  /**
   * Whether the Temporal frontend answers (for `GET /health`, whose probe bounds the wait);
   * rejects when it does not. A plain call: `withAbortSignal` (or `withDeadline`) would run it in
   * the connection's AsyncLocalStorage, and the first `run` of any AsyncLocalStorage turns
   * Node 20's promise hooks on for the rest of the process, so every promise of every request
   * after the first health check paid them (about a fifth more client CPU a database query).
   * The native connection ignores an abort signal anyway (SDK 1.24); the probe answers within
   * its bound either way, and an unanswered call ends when the connection's retries give up.
   */
  async function ping(): Promise<void> {
    await temporal.connection.workflowService.getSystemInfo({});
  }

  const starts: { [P in StartProcess]: (input: StartInputs[P]) => Promise<void> } = {
    order: order.start,
    job: job.start,
    request: request.start,
    withdrawal: withdrawal.start,
    individual_offer: individualOffer.start,
    moderation: moderation.start,
  };
  /** Starts a queued workflow (`db/workflow-starts.ts`) with its process's own start. */
  const startQueued: (queued: QueuedStart) => Promise<void> = <P extends StartProcess>(queued: { process: P; input: StartInputs[P] }) => starts[queued.process](queued.input);

  return { order, moderation, withdrawal, standing, individualOffer, replyWatch, request, job, resolveAttention, ping, startQueued };
}

/** Each queued process's business id for its workflow. */
const workflowIdOf: { [P in StartProcess]: (input: StartInputs[P]) => string } = {
  order: (input) => orderWorkflowId(input.orderId),
  job: (input) => jobWorkflowId(input.jobId),
  request: (input) => requestWorkflowId(input.requestId),
  withdrawal: (input) => withdrawalWorkflowId(input.withdrawalId),
  individual_offer: (input) => individualOfferWorkflowId(input.offerId),
  moderation: (input) => moderationWorkflowId(input.offerId, input.revision),
};

/**
 * The queued start of `process`'s workflow for `input`, under its business id: what a request
 * queues in its transaction (`queueStartIn`) and starts after the commit (`startQueued`).
 */
export function queuedStart<P extends StartProcess>(process: P, input: StartInputs[P]): QueuedStart {
  return { process, workflowId: workflowIdOf[process](input), input } as QueuedStart;
}

export type WorkflowGateway = ReturnType<typeof createWorkflowGateway>;
