/**
 * `jobWorkflow`: one estimated job (W-01…W-14), `job-<id>`, from the order form to approved,
 * cancelled or expired. Wiring only, on the template of `../lib/process.ts`; the rules are in
 * `machine.ts`, the numbers (and the business calendar, D-06) in the input.
 *
 * - The client's, the expert's and staff's actions are Updates whose validators refuse what the
 *   state does not allow before anything is written (the API answers 400/404/409/422);
 *   `activated` (W-01) is a signal.
 * - One timer, for the soonest deadline: the verification's or the estimate's expiry, the first
 *   answer's target (W-02), the approval reminder and the auto-approval (W-13).
 * - "Pay now" (W-08) moves the money in a regular activity before the state changes: a refusal
 *   (`insufficient_funds`, the missing cents in its details) fails the Update and leaves the job
 *   as it was; meanwhile the job takes no other action and its timers wait.
 *
 * Every change is the state's at once; its effects — the read model's row, the escrow's end,
 * the notices, the conversation's participants, the approval's invoice and affiliate writes —
 * are written by one local activity, one transition at a time, in order.
 */
import { ActivityFailure, ApplicationFailure, condition, proxyActivities, proxyLocalActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { AttentionActivities } from '../../activities/attention.js';
import type { JobActivities, JobEventRecord } from '../../activities/jobs.js';
import { isErrorCode } from '../lib/errors.js';
import { idempotentWrites, now, Process, publisher, type Deadlines } from '../lib/process.js';
import * as machine from './machine.js';
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
  messageUpdate,
  payUpdate,
  reassignUpdate,
  rejectEstimateUpdate,
  viewQuery,
  type JobInput,
  type JobView,
  type PayArgs,
} from './messages.js';
import { detailsOf, searchAttributesOf, searchKey } from './search.js';

/** The writes are idempotent (the row's `event_seq`, the ledger's keys, the notices' keys), so they are retried until the database answers. */
const writeOptions = idempotentWrites('10 seconds');
const { loadJob, recordJobEvent } = proxyLocalActivities<JobActivities>(writeOptions);
const { flagAttention } = proxyLocalActivities<AttentionActivities>(writeOptions);

/**
 * The payment: a regular activity, so it shows in the history with its summary. Its key (job and
 * estimate number) moves the money once whatever the attempts; a few over about half a minute —
 * the client waits on the Update, and may pay again (the same key) later.
 */
const paymentOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4 },
};
const payer = (summary: string) => proxyActivities<JobActivities>({ ...paymentOptions, summary });

type JobProcess = Process<machine.JobState, machine.Effects, JobEventRecord>;

/** The payment's failure as the Update's: its own catalogued code (insufficient funds → the add-funds prompt), else a conflict to retry. */
function paymentFailure(err: unknown): ApplicationFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && isErrorCode(cause.type)) {
    return ApplicationFailure.create({ type: cause.type, message: cause.message, details: cause.details ? [...cause.details] : [], nonRetryable: true });
  }
  return ApplicationFailure.create({ type: 'conflict', message: 'the payment could not be made just now: nothing was charged twice; pay again', nonRetryable: true });
}

/**
 * "Pay now" (W-08): the money moves in a regular activity before the state changes; a refusal
 * fails the Update and leaves the job as it was. While it runs (`payment.running`) nothing else
 * happens: the payment decides first.
 */
function registerPay(w: JobProcess, input: JobInput, payment: { running: boolean }, checkPay: (state: machine.JobState, args: PayArgs) => void): void {
  setHandler(
    payUpdate,
    async (args: PayArgs): Promise<JobView> => {
      if (!w.loaded) await condition(() => w.loaded);
      // Checked again at its turn: an action validated meanwhile may have moved the state.
      checkPay(w.state, args);
      const amountCents = machine.priceCentsOf(w.state)!;
      payment.running = true;
      try {
        await payer(`job ${input.jobId}: pay ${amountCents} cents (estimate #${args.estimateNumber})`).payJob({ jobId: input.jobId, clientId: input.clientId, estimateNumber: args.estimateNumber, amountCents, title: input.title });
      } catch (err) {
        throw paymentFailure(err);
      } finally {
        payment.running = false;
      }
      await w.apply(machine.paidFor(w.state, args, now()));
      return machine.viewOf(w.state, 'staff');
    },
    { validator: w.validator(checkPay) },
  );
}

/** The job's state, how it is shown and written, and its handlers: everything before the first await. */
function setup(input: JobInput): { w: JobProcess; paying: () => boolean } {
  const w: JobProcess = new Process(machine.initialState(input), {
    // The API starts the job without attributes: they are upserted at the first publish.
    publish: publisher({ key: searchKey, attributes: searchAttributesOf, details: detailsOf }, null),
    record: (state, effects) => ({
      jobId: input.jobId,
      clientId: input.clientId,
      title: input.title,
      status: state.status,
      expertId: state.expertId,
      priceCents: machine.priceCentsOf(state),
      paidCents: state.paidCents,
      firstAnswerDueAt: state.firstAnswerDueAt,
      firstAnsweredAt: state.firstAnsweredAt,
      autoApproveAt: state.status === 'delivered' ? state.autoApproveAt : null,
      approvedAt: state.approvedAt,
      closedAt: state.closedAt,
      view: machine.viewOf(state, 'staff'),
      at: now(),
      effects,
    }),
    write: (record) => recordJobEvent(record),
    flag: (attention, resolved) => flagAttention({ workflowId: jobWorkflowId(input.jobId), process: 'job', entityId: input.jobId, attention, resolved }),
  });
  const payment = { running: false };
  setHandler(viewQuery, (viewer) => machine.viewOf(w.state, viewer));
  const staffView = (state: machine.JobState) => machine.viewOf(state, 'staff');
  const check =
    <A>(refusal: (state: machine.JobState, args: A) => machine.Refusal | null, duringPayment = false) =>
    (state: machine.JobState, args: A) => {
      if (payment.running && !duringPayment) machine.assertAllowed({ code: 'conflict', message: 'a payment of this job is being made right now' });
      machine.assertAllowed(refusal(state, args));
    };
  const action = <A>(
    def: UpdateDefinition<JobView, [A]>,
    refusal: (state: machine.JobState, args: A) => machine.Refusal | null,
    transition: (state: machine.JobState, args: A, at: string) => machine.Transition,
    duringPayment = false,
  ) => {
    const checked = check(refusal, duringPayment);
    setHandler(def, w.updateHandler(checked, (s, a: A) => transition(s, a, now()), staffView), { validator: w.validator(checked) });
  };
  action(claimUpdate, machine.claimRefusal, machine.claim);
  action(estimateUpdate, machine.estimateRefusal, machine.estimate);
  action(rejectEstimateUpdate, machine.rejectEstimateRefusal, machine.rejectEstimate);
  action(askDifferentExpertUpdate, machine.askDifferentExpertRefusal, machine.askDifferentExpert);
  action(reassignUpdate, machine.reassignRefusal, machine.reassign);
  action(deliverUpdate, machine.deliverRefusal, machine.deliver);
  action(cancelUpdate, machine.cancelRefusal, machine.cancel);
  action(decideCancellationUpdate, machine.decideCancellationRefusal, machine.decideCancellation);
  action(approveUpdate, machine.approveRefusal, (s, _a, at) => machine.approve(s, at, 'client'));
  // A message (the API wrote it already) counts even while a payment runs: it moves no money.
  action(messageUpdate, machine.messageRefusal, machine.message, true);
  registerPay(w, input, payment, check(machine.payRefusal));
  setHandler(activatedSignal, async () => {
    if (!w.loaded) await condition(() => w.loaded);
    const t = machine.activated(w.state, now());
    // Idempotent: only a job still waiting moves. A write that fails for good holds the job (staff are told).
    if (t) await w.apply(t).catch(() => undefined);
  });
  w.handleAttention();
  w.set(w.state);
  return { w, paying: () => payment.running };
}

export async function jobWorkflow(input: JobInput): Promise<JobView> {
  const { w, paying } = setup(input);
  const { exists } = await loadJob({ jobId: input.jobId });
  if (!exists) {
    // The form's transaction rolled back after starting us: no job, nothing to write.
    w.set(machine.voided(w.state, now()));
    w.loaded = true;
    await w.finish();
    return machine.viewOf(w.state, 'staff');
  }
  w.loaded = true;
  const deadlines: Deadlines<machine.JobState, machine.JobDeadline, machine.Effects> = {
    isFinal: machine.isFinal,
    // A running payment decides first: the timers wait for it.
    nextDeadline: (state) => (paying() ? null : machine.nextDeadline(state)),
    onDeadline: machine.onDeadline,
    timerSummary: (deadline) => machine.timerSummary(input.jobId, deadline),
  };
  await w.untilFinal(deadlines);
  await w.finish();
  return machine.viewOf(w.state, 'staff');
}
