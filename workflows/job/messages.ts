/**
 * The wire contract of an estimated job (the WP Kraken model, W-01…W-18): the workflow id, the
 * start input, the Updates of its client (`pay`, `rejectEstimate`, `askDifferentExpert`,
 * `cancel`, `approve`), its expert (`claim`, `estimate`, `deliver`), staff (`reassign`,
 * `decideCancellation`), everyone's `message` (D-03: a client message is activity), the
 * `activated` signal of W-01 and the `view` query. Imported by the API (through the gateway),
 * the activities and the workflow. Wire names and statuses are public: renaming one breaks
 * running jobs.
 *
 * What happens after a job closes (W-15 review, W-16 "Resume conversation") moves no money and
 * is kept by the API in the database: the workflow ends when the job is approved or cancelled.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BusinessCalendar } from '../lib/business-days.js';
import { businessId } from '../lib/ids.js';
import type { JobPolicy } from './policy.js';

/** The workflow type's name, a wire contract like the message names. */
export const jobWorkflowType = 'jobWorkflow';

/** One workflow per job: `job-<jobId>`. */
export function jobWorkflowId(jobId: number): string {
  return businessId('job', jobId);
}

/** W-02: how urgent the client says the job is; the experts' queue takes `critical` first. */
export const urgencies = ['low', 'normal', 'high', 'critical'] as const;
export type Urgency = (typeof urgencies)[number];

/**
 * - `estimate`: the client describes the job, an expert estimates it in hours (W-04);
 * - `install`: a fixed-price installation from the catalog (W-06), paid at once, no estimate.
 */
export const jobKinds = ['estimate', 'install'] as const;
export type JobKind = (typeof jobKinds)[number];

/**
 * - `awaiting_verification`: ordered with a new account (W-01); no expert sees it until the
 *   client activates the account (the `activated` signal); expires after the policy's time;
 * - `open`: in the experts' queue, nobody has claimed it (an install may already be paid);
 * - `estimating`: an expert claimed it and prepares the estimate (or a revised one after the
 *   client rejected the last, W-11);
 * - `estimated`: the estimate waits for the client's "Pay now" (W-07) until it expires;
 * - `in_progress`: paid into escrow (W-08), the expert works;
 * - `delivered`: the expert says the work is done; auto-approval counts (W-13);
 * - `cancellation_requested`: the client asked to cancel a paid job (W-11); staff decide the
 *   refund;
 * - `approved`: the client approved (or it was auto-approved): escrow released, invoice issued
 *   (W-14); final;
 * - `cancelled`: cancelled before payment, or after it with staff's refund decision; final;
 * - `expired`: nobody activated the account, or the estimate was never paid, in time; final.
 */
export const jobStatuses = [
  'awaiting_verification',
  'open',
  'estimating',
  'estimated',
  'in_progress',
  'delivered',
  'cancellation_requested',
  'approved',
  'cancelled',
  'expired',
] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** What the API starts a job with, once its row is written (the form's transaction). */
export interface JobInput {
  jobId: number;
  kind: JobKind;
  clientId: number;
  /** The client's username, for the summary support reads (W-19: experts see only this and invoicing data). */
  clientUsername: string;
  title: string;
  urgency: Urgency;
  /** W-05: the client's budget in integer cents, or null. */
  budgetCents: number | null;
  /** W-06: the catalog install and its fixed price, set exactly when `kind` is `install`. */
  install: { installId: number; name: string; priceCents: number } | null;
  /** W-01: false when the form created the account: the job waits for the `activated` signal. */
  clientVerified: boolean;
  /** ISO 8601. */
  orderedAt: string;
  policy: JobPolicy;
  /** D-06: the business days the job's deadlines count, for the years they can reach. */
  calendar: BusinessCalendar;
}

/** The parties an action or a message comes from (the API checks who they are; the workflow checks their part in the job). */
export type JobActor = { role: 'client'; userId: number } | { role: 'expert'; userId: number } | { role: 'staff'; userId: number };

/** An expert (a staff-granted role) takes an open job from the queue. */
export interface ClaimArgs {
  expertId: number;
}

/**
 * W-04, W-05: the expert's estimate: hours in quarter hours (0.25 … policy max), the plan, and
 * when the client named a budget whether it fits. The price is hours × the policy's rate,
 * computed by the workflow, never sent.
 */
export interface EstimateArgs {
  expertId: number;
  /** Quarter hours: 6 = 1.5 h. */
  quarterHours: number;
  plan: string;
  /** Null when the client gave no budget. */
  fitsBudget: boolean | null;
}

/**
 * W-07, W-08: "Pay now": the estimate's (or the install's) price moves from the client's
 * balance into the job's escrow. A card or PayPal payment is a top-up of the balance first
 * (the payments issue's providers); then this. Refused with `insufficient_funds` (the missing
 * cents in its details) when the balance is short; the job stays as it was.
 */
export interface PayArgs {
  clientId: number;
  /** The estimate paid (1, 2, … within the job); an install's is 0. A stale one is refused. */
  estimateNumber: number;
}

/** W-11: the client rejects the estimate with a reason; the expert may send a revised one. */
export interface RejectEstimateArgs {
  clientId: number;
  reason: string;
}

/** W-10: the client asks for a different expert, with a reason; staff reassign. */
export interface AskDifferentExpertArgs {
  clientId: number;
  reason: string;
}

/** Staff give the job to another expert (W-10); the history keeps both. */
export interface ReassignArgs {
  staffId: number;
  expertId: number;
  note: string;
}

/** The expert says the work is done: the approval box counts from here (W-12, W-13). */
export interface DeliverArgs {
  expertId: number;
  note: string;
}

/**
 * W-11: the client cancels with a reason. Before payment the job simply ends; after it, staff
 * decide the refund (`decideCancellation`).
 */
export interface CancelArgs {
  clientId: number;
  reason: string;
}

/**
 * Staff's refund decision on a paid job the client asked to cancel (W-08, W-11): before work
 * started (no delivery, no expert message after payment) only `full` is allowed; otherwise
 * `full`, `partial` (the cents refunded, 0 < refund < paid) or `none`, always with a reason.
 * Staff may also `refuse` the cancellation: the job goes back to where it was.
 */
export type DecideCancellationArgs =
  | { staffId: number; decision: 'full'; reason: string }
  | { staffId: number; decision: 'partial'; refundCents: number; reason: string }
  | { staffId: number; decision: 'none'; reason: string }
  | { staffId: number; decision: 'refuse'; reason: string };

/** W-12: the client approves the job: escrow is released, the invoice issued, the review enabled. */
export interface ApproveArgs {
  clientId: number;
}

/**
 * A message in the job's conversation (W-09), written by the API before it sends this: the
 * workflow counts it (D-03: a client message restarts the auto-approval count; an expert's
 * first one is the first answer of W-02).
 */
export interface JobMessageArgs {
  actor: JobActor;
  messageId: number;
  /** ISO 8601, when the API wrote it. */
  sentAt: string;
}

/** One expert's time on the job (W-10): the history shows every one of them. */
export interface ExpertTurn {
  expertId: number;
  from: string;
  /** When they stopped being the job's expert (reassigned), or null for the current one. */
  until: string | null;
  /** Why they left: the client's reason and staff's note. */
  reason: string | null;
}

/** An estimate as the client sees it next to the expert's answer (W-07). */
export interface EstimateView {
  number: number;
  expertId: number;
  quarterHours: number;
  /** quarterHours × rate / 4, integer cents. */
  priceCents: number;
  plan: string;
  fitsBudget: boolean | null;
  at: string;
  /** When it expires unpaid. */
  validUntil: string;
  /** W-11: why the client rejected it, once they did. */
  rejectedReason: string | null;
}

export type CancellationDecision = 'full' | 'partial' | 'none';

/** A cancellation as the parties and staff see it (W-11). */
export interface CancellationView {
  reason: string;
  requestedAt: string;
  /** Whether work had started when the client asked (D-03): only a full refund is allowed if not. */
  workStarted: boolean;
  decision: CancellationDecision | null;
  refundCents: number | null;
  decisionReason: string | null;
  decidedAt: string | null;
}

/** A step of the job's history, in order (shown on the job page and in support's details). */
export interface JobEvent {
  at: string;
  kind: string;
  actor: JobActor | { role: 'system' };
  text: string;
}

/** Who looks at the job: what `allowedActions` lists depends on it. */
export type JobViewer = 'client' | 'expert' | 'staff';

/** The job as it is now: the `view` query's answer and each Update's result. */
export interface JobView {
  jobId: number;
  kind: JobKind;
  clientId: number;
  clientUsername: string;
  title: string;
  urgency: Urgency;
  budgetCents: number | null;
  install: JobInput['install'];
  status: JobStatus;
  expertId: number | null;
  experts: ExpertTurn[];
  /** The client asked for a different expert and staff have not reassigned yet. */
  differentExpertAsked: { reason: string; at: string } | null;
  estimates: EstimateView[];
  /** What is in escrow now (0 before payment and after it is settled). */
  escrowCents: number;
  /** What the client paid (the price of the estimate or install), or 0. */
  paidCents: number;
  orderedAt: string;
  /** W-02: when the first expert answer is due (policy by urgency), and when it came. */
  firstAnswerDueAt: string | null;
  firstAnsweredAt: string | null;
  paidAt: string | null;
  deliveredAt: string | null;
  /** D-03: the client's last action or message, which the auto-approval counts from. */
  lastClientActivityAt: string | null;
  /** W-13: when the job is approved unless the client acts (delivered jobs only). */
  autoApproveAt: string | null;
  /** W-13 (issue 18): when the client is reminded, one business day before. */
  remindAt: string | null;
  approvedAt: string | null;
  /** `client` or `auto` (W-13). */
  approvedBy: 'client' | 'auto' | null;
  cancellation: CancellationView | null;
  closedAt: string | null;
  history: JobEvent[];
  /** The Updates the viewer may send now (wire names). */
  allowedActions: string[];
  policyVersion: number;
}

export const claimUpdate = defineUpdate<JobView, [ClaimArgs], 'claim'>('claim');
export const estimateUpdate = defineUpdate<JobView, [EstimateArgs], 'estimate'>('estimate');
export const payUpdate = defineUpdate<JobView, [PayArgs], 'pay'>('pay');
export const rejectEstimateUpdate = defineUpdate<JobView, [RejectEstimateArgs], 'rejectEstimate'>('rejectEstimate');
export const askDifferentExpertUpdate = defineUpdate<JobView, [AskDifferentExpertArgs], 'askDifferentExpert'>('askDifferentExpert');
export const reassignUpdate = defineUpdate<JobView, [ReassignArgs], 'reassign'>('reassign');
export const deliverUpdate = defineUpdate<JobView, [DeliverArgs], 'deliver'>('deliver');
export const cancelUpdate = defineUpdate<JobView, [CancelArgs], 'cancel'>('cancel');
export const decideCancellationUpdate = defineUpdate<JobView, [DecideCancellationArgs], 'decideCancellation'>('decideCancellation');
export const approveUpdate = defineUpdate<JobView, [ApproveArgs], 'approve'>('approve');
export const messageUpdate = defineUpdate<JobView, [JobMessageArgs], 'message'>('message');
/** W-01: the client activated the account the form created; sent by the activation, idempotent. */
export const activatedSignal = defineSignal<[], 'activated'>('activated');
export const viewQuery = defineQuery<JobView, [JobViewer], 'view'>('view');
