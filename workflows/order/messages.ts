/**
 * The wire contract of an order: the workflow id, the start input, the one `act` Update every
 * party's action goes through, the `view` query and the view it returns. Imported by the API
 * and by the workflow alike. Wire names (`act`, `view`) and action `type`s are public:
 * renaming one breaks running orders.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CancellationRequest as EngagementCancellation } from '../lib/engagement/cancellation.js';
import type { ArbitrationDecision, Dispute } from '../lib/engagement/dispute.js';
import type { Party as Side } from '../lib/engagement/parties.js';
import { businessId } from '../lib/ids.js';
import type { Cents } from '../lib/money.js';

export type { ArbitrationDecision, Dispute };

/** The workflow type's name, a wire contract like the message names: the worker registers `orderWorkflow` under it. */
export const orderWorkflowType = 'orderWorkflow';

/** One workflow per order: `order-<orderId>`. */
export function orderWorkflowId(orderId: number): string {
  return businessId('order', orderId);
}

/** The rules an order runs under, fixed at placement (from `./policy.ts`). Durations in ms. */
export interface OrderPolicy {
  version: number;
  commissionBps: number;
  /** The seller starts work within this of placement, else the order is cancelled: 24 h. */
  startWithinMs: number;
  /** The buyer cancels alone within this of placement: 20 min. */
  freeCancelMs: number;
  /** Without a progress report this long in work, the seller is reminded: 3 days. */
  progressReminderMs: number;
  /** The buyer reviews a delivery within this, else it is accepted: 3 days. */
  reviewMs: number;
  /** The buyer is reminded this long before the automatic acceptance: 24 h. */
  reviewReminderBeforeMs: number;
  /** A revision's new deadline: now + this. */
  revisionMs: number;
  /** No Update by either party this long: the order is cancelled: 14 days. */
  inactivityMs: number;
  /** An unanswered cancellation request goes through after this: 2 days. */
  cancellationAnswerMs: number;
  /** The seller may cancel for "no contact with the buyer" this long after an unanswered question: 24 h. */
  noContactAfterMs: number;
  /** A dispute's other party answers within this: 2 days. */
  disputeAnswerMs: number;
  /** An arbiter decides within this many business days (Mon–Fri, UTC) of the case being ready: 5. */
  arbitrationBusinessDays: number;
  /** A return to work's new deadline: at most this many days. */
  maxReturnToWorkDays: number;
  /**
   * Policy 3 (issue 13): while a cancellation request waits for its answer, the start window
   * (K-08) and the review window (K-14) stand still, and the request is resolved by its own rule
   * (K-18, K-19); the time it waited is added back. Absent in orders placed before: they race.
   */
  cancellationPausesWindows?: boolean;
  /** Policy 3: an arbitration split ends as `split`, not `cancelled`. */
  splitStatus?: boolean;
  /**
   * Policy 3: the search attribute GigflowNextDeadline (and when it is upserted) follows the next
   * deadline with an outcome, never a reminder. Absent: the soonest of all, reminders included.
   */
  decisiveSearchDeadline?: boolean;
  /**
   * Policy 4: staff who are the order's buyer or seller (an arbiter, an admin or support who also
   * buys or sells) neither take nor decide its dispute nor cancel it as staff: nobody judges their
   * own case (403). Absent in orders placed before: staff roles alone decide.
   */
  partiesDoNotJudge?: boolean;
}

/** What the buyer ordered: the basic kwork × units with options, or one package. */
export type OrderLine =
  | { kind: 'basic'; units: number; options: { id: number; title: string; priceCents: Cents; extraDays: number }[] }
  | { kind: 'package'; tier: 'economy' | 'standard' | 'business'; includes: string[] };

/** The offer as it was when ordered: later edits of the offer do not change the order. */
export interface OfferSnapshot {
  offerId: number;
  title: string;
  categoryId: number;
  basePriceCents: Cents;
  baseLeadTimeDays: number;
  instructions: string;
  unitVolume: string;
}

export interface Party {
  id: number;
  login: string;
}

/** What `POST /orders` starts `orderWorkflow` with, once the order row and its escrow hold are written. */
export interface OrderInput {
  orderId: number;
  buyer: Party;
  seller: Party;
  offer: OfferSnapshot;
  line: OrderLine;
  totalCents: Cents;
  /** The work's length: base + (units − 1) × base / 2 + the options' extra days, or the package's. */
  leadTimeMs: number;
  /** ISO 8601: the 24 h start and 20 min free-cancel windows count from here. */
  placedAt: string;
  /** Given at placement: the work clock starts at once. */
  requirements: string | null;
  policy: OrderPolicy;
  /**
   * Issue 19 §3: the placement committed the order (its row, escrow hold and queued start)
   * before it started this workflow, so the workflow has nothing to wait for or check. Absent
   * from the starts of earlier placements, which started the workflow inside their transaction:
   * such a workflow waits for that transaction to end and checks that the order's row exists
   * (`loadOrder`). The input says so, not a `patched()` branch, because only the placement knows
   * which it did: a workflow an older API started still checks, on a newer worker too.
   */
  committedBeforeStart?: true;
}

export type OrderStatus =
  | 'awaiting_start'
  | 'in_progress'
  | 'late'
  | 'in_review'
  | 'arbitration'
  | 'completed'
  | 'cancelled'
  /** An arbiter divided the money between the parties (policy 3; `cancelled` before). */
  | 'split'
  /** The placement's transaction rolled back after the workflow started (before issue 19 §3: `committedBeforeStart`): no order, no money. */
  | 'void';

export type Role = Side;
/** Who is looking at the order: a party, or staff (support, arbiter, admin). */
export type Viewer = Role | 'staff';

/**
 * Why a party asks to cancel. A *sufficient* reason does not count against the seller; after
 * an insufficient one the buyer may leave feedback, which makes the seller's rating. The seller's reasons are sufficient only
 * before work starts, except `no_contact_with_buyer`, which opens 24 h after an unanswered
 * question to the buyer.
 */
export const cancellationReasons = {
  buyer: ['no_longer_needed', 'ordered_by_mistake', 'seller_unresponsive', 'quality_not_as_expected', 'seller_asked_to_cancel'],
  seller: ['cannot_do_task', 'buyer_requirements_unclear', 'too_busy', 'no_contact_with_buyer', 'other'],
} as const;

export type BuyerCancellationReason = (typeof cancellationReasons.buyer)[number];
export type SellerCancellationReason = (typeof cancellationReasons.seller)[number];
export type CancellationReason = BuyerCancellationReason | SellerCancellationReason;

/** K-18, K-19: each reason in the words of the party who gives it (the forms, the notices and the timeline say it so). */
export const cancellationReasonWords: Record<CancellationReason, string> = {
  no_longer_needed: 'I no longer need it',
  ordered_by_mistake: 'I ordered by mistake',
  seller_unresponsive: 'The seller does not respond',
  quality_not_as_expected: 'The quality is not as expected',
  seller_asked_to_cancel: 'The seller asked me to cancel',
  cannot_do_task: 'I cannot do this task',
  buyer_requirements_unclear: 'The buyer’s requirements are unclear',
  too_busy: 'I am too busy',
  no_contact_with_buyer: 'No contact with the buyer',
  other: 'Another reason',
};

/**
 * Every action a party or staff can take on an order. `act` carries one; the view's
 * `allowedActions` names the types the caller may send now.
 */
export type OrderAction =
  | { type: 'start_work' }
  | { type: 'submit_requirements'; text: string }
  | { type: 'ask_buyer'; question: string }
  | { type: 'report_progress'; percent: number; comment: string }
  /** K-69: `attachmentIds` are the seller's own uploads (the API checks whose before sending); absent in older histories. */
  | { type: 'deliver'; text: string; links: string[]; attachmentIds?: string[] }
  | { type: 'accept' }
  | { type: 'request_revision'; reason: string }
  /** The buyer alone: within 20 min of placement, or once the order is late. */
  | { type: 'cancel' }
  | { type: 'request_cancellation'; reason: CancellationReason; comment?: string }
  | { type: 'accept_cancellation' }
  | { type: 'decline_cancellation' }
  | { type: 'withdraw_cancellation' }
  | { type: 'open_dispute'; statement: string }
  | { type: 'answer_dispute'; statement: string }
  | { type: 'take_case' }
  | { type: 'decide_dispute'; decision: ArbitrationDecision; comment: string }
  | { type: 'admin_cancel'; reason: string };

export type ActionType = OrderAction['type'];

/** Who sends an action: a party of the order, or a staff member with their roles. */
export type Actor = { role: Role; userId: number } | { role: 'staff'; userId: number; staffRoles: string[] };

export interface ActArgs {
  actor: Actor;
  action: OrderAction;
}

/**
 * A party's action as the API sends it: the sender says only who they are, and the order, which
 * knows its buyer and seller, names their side (`machine.sideOf`) — so the API does not read the
 * order's row first. Anyone else gets `not_found`, as the API answers for an order not theirs.
 */
export interface PartyActArgs {
  actor: { role: 'party'; userId: number };
  action: OrderAction;
}

export interface TimelineEntry {
  /** ISO 8601, workflow time. */
  at: string;
  /** buyer, seller, staff, or system for what a timer did. */
  by: Viewer | 'system';
  event: string;
  /** What a person reads: "Delivered: 2 links". */
  text: string;
}

/** A pending deadline: who must act, by when, and what happens if nobody does. */
export interface PendingDeadline {
  kind:
    | 'start'
    | 'work_deadline'
    | 'progress_reminder'
    | 'review_reminder'
    | 'review'
    | 'inactivity'
    | 'cancellation_answer'
    | 'dispute_answer'
    | 'arbitration_decision';
  at: string;
  party: Role | 'arbiter';
  /** "auto-accept at 2026-11-24T10:00:00.000Z". */
  outcome: string;
}

/** An open (or the last declined) cancellation request, with one of the order's reasons. */
export type CancellationRequest = EngagementCancellation<CancellationReason>;

export interface Delivery {
  at: string;
  text: string;
  links: string[];
  /**
   * K-69: the delivered files (attachment ids), when there are any. Left out for a delivery
   * without files, so the views of orders delivered before files existed stay as they were.
   */
  attachmentIds?: string[];
}

/** K-69: files on one delivery, like the links. */
export const DELIVERY_MAX_FILES = 10;
/** An attachment id's shape (`services/attachments.ts` `ATTACHMENT_ID`, the table's check): 22 base64url characters. */
export const ATTACHMENT_ID_SHAPE = /^[A-Za-z0-9_-]{22}$/;

/** How an order ended. */
export interface Closure {
  kind: 'completed' | 'cancelled' | 'split';
  /** `accepted`, `auto_accepted`, `arbitration`, `buyer_free_cancel`, `not_done_on_time`, `seller_ignored`, `inactivity`, a cancellation reason, `admin`. */
  reason: string;
  at: string;
  /** Whether the buyer may leave feedback: completed, or cancelled for an insufficient reason or lateness. */
  feedbackAllowed: boolean;
  /** How the escrow ended, in cents. */
  toSellerCents: Cents;
  commissionCents: Cents;
  refundedCents: Cents;
}

/** One order's live state as a party (or staff) sees it: the `view` query's answer and each `act` Update's result. */
export interface OrderView {
  orderId: number;
  status: OrderStatus;
  buyer: Party;
  seller: Party;
  offer: OfferSnapshot;
  line: OrderLine;
  amounts: { totalCents: Cents; sellerEarningsCents: Cents; commissionCents: Cents };
  leadTimeMs: number;
  placedAt: string;
  requirements: string | null;
  workClockStartedAt: string | null;
  workStartedAt: string | null;
  /** When the work is due (null until the clock starts). */
  deadline: string | null;
  progress: { percent: number; comment: string; at: string } | null;
  question: { text: string; at: string; answeredAt: string | null } | null;
  deliveries: Delivery[];
  revisionCount: number;
  cancellation: CancellationRequest | null;
  /** The last declined cancellation request: it opens the way to a dispute. */
  declinedCancellation: CancellationRequest | null;
  dispute: Dispute | null;
  closure: Closure | null;
  /** Every pending deadline with an outcome (not a reminder), soonest first. */
  deadlines: PendingDeadline[];
  /** The first of `deadlines`: what happens next unless somebody acts. */
  nextDeadline: PendingDeadline | null;
  /** Pending reminders (a progress report, the review), soonest first: they tell a party and change nothing. */
  reminders: PendingDeadline[];
  /** The action types this viewer may send now. */
  allowedActions: ActionType[];
  timeline: TimelineEntry[];
  lastActivityAt: string;
  policyVersion: number;
}

/**
 * A party's or staff's action. The validator refuses what the state does not allow
 * (`ApplicationFailure` type `conflict`, with the current status) or a malformed payload
 * (`invalid_input`) before anything is written; the result is the view once the action's
 * money and records are written.
 */
export const actUpdate = defineUpdate<OrderView, [ActArgs | PartyActArgs], 'act'>('act');

/**
 * D-03: a party wrote in the order's conversation. Not one of `act`'s actions (no button on the
 * order page, never in `allowedActions`): every message is one, sent by the conversations
 * service once the message is stored. `messageId` is the stored message's id.
 */
export interface MessageArgs {
  actor: { role: Role; userId: number };
  messageId: number;
}

/**
 * D-03, K-11, K-20: a party's message is the order's activity (the 14 days of inactivity start
 * again) and the buyer's message answers an open question of the seller. An Update, not a
 * signal, so the conversations service knows it counted: the validator refuses (`conflict`) once
 * the order is over or a decisive deadline has passed — the message then stays only a message.
 * The result is the view for the writer once the write is done.
 */
export const messageUpdate = defineUpdate<OrderView, [MessageArgs], 'message'>('message');

/** The order as `viewer` sees it (its allowed actions). */
export const viewQuery = defineQuery<OrderView, [Viewer], 'view'>('view');
