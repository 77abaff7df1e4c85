/**
 * The wire contract of a kwork offer's moderation: the workflow id, the start input, the
 * Updates a moderator (or the seller's resubmission) sends, the query and the view it returns.
 * Imported by the API and by the workflow alike. Wire names (`decide`, `withdraw`, `view`)
 * are public: renaming one breaks running workflows.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { businessId } from '../lib/ids.js';

/** The workflow type's name, a wire contract like the message names: the worker registers `kworkModeration` under it. */
export const moderationWorkflowType = 'kworkModeration';

/** One workflow per submission: `kwork-moderation-<offerId>-<revision>`. */
export function moderationWorkflowId(offerId: number, revision: number): string {
  return businessId('kwork-moderation', offerId, revision);
}

/**
 * Why a moderator may reject a submission: the first six are the marketplace's prohibited
 * topics, the rest are about the offer itself. Stored on the offer as `status_reason`
 * (`<reason>` or `<reason>: <note>`).
 */
export const rejectReasons = [
  'adult',
  'gambling',
  'binary_options',
  'psychological_or_medical',
  'astrology',
  'third_party_rights',
  'poor_quality',
  'duplicate',
  'other',
] as const;

export type RejectReason = (typeof rejectReasons)[number];

/** The rules a submission is moderated under, fixed at its start (from `./policy.ts`). */
export interface ModerationPolicy {
  version: number;
  /** After this long waiting (from `submittedAt`), moderators are reminded: 24 h. */
  reminderMs: number;
  /** After this long waiting (from `submittedAt`), admins are alerted: 3 days. */
  escalationMs: number;
  /**
   * Version 3: a moderator does not decide their own offer (403): nobody judges their own case.
   * Absent in submissions begun before.
   */
  partiesDoNotJudge?: boolean;
}

/** What the API starts `kworkModeration` with, once the submission row is written. */
export interface ModerationInput {
  offerId: number;
  revision: number;
  sellerId: number;
  /** The submitted title, for messages and the Temporal UI. */
  title: string;
  /** ISO 8601; the reminder and escalation count from here, not from the workflow's start. */
  submittedAt: string;
  policy: ModerationPolicy;
}

/** A moderator's decision: the `decide` Update's argument. */
export type DecideArgs =
  | { moderatorId: number; decision: 'approve' }
  | { moderatorId: number; decision: 'reject'; reason: RejectReason; note?: string };

/** Who made a submission moot: the seller (edited and resubmitted) or the platform. */
export interface WithdrawArgs {
  by: 'seller' | 'system';
}

export type ModerationStatus = 'awaiting' | 'overdue' | 'escalated' | 'approved' | 'rejected' | 'withdrawn';

/** How a submission ended. */
export type ModerationOutcome =
  | {
      outcome: 'approved';
      moderatorId: number;
      /** False when the offer had moved on (a newer revision, or blocked): the decision was recorded on the submission only. */
      appliedToOffer: boolean;
    }
  | { outcome: 'rejected'; moderatorId: number; reason: RejectReason; note: string | null; appliedToOffer: boolean }
  | { outcome: 'withdrawn'; by: WithdrawArgs['by'] };

/** What happens next unless somebody acts. */
export interface ModerationDeadline {
  /** ISO 8601. */
  at: string;
  what: 'remind moderators' | 'escalate to admins';
}

/** One submission's live state: the `view` query's answer, each Update's result and the workflow's result. */
export interface ModerationView {
  offerId: number;
  revision: number;
  status: ModerationStatus;
  submittedAt: string;
  remindedAt: string | null;
  escalatedAt: string | null;
  decidedAt: string | null;
  decision: ModerationOutcome | null;
  /** Null once escalated (a submission then waits for a person, with no automatic outcome) or decided. */
  nextDeadline: ModerationDeadline | null;
  policyVersion: number;
}

/**
 * A moderator approves or rejects. The validator refuses a decision the state does not allow
 * (`ApplicationFailure` type `conflict`) or a malformed one (`invalid_input`) before anything
 * is written; the result is the view once the decision is applied to the database.
 */
export const decideUpdate = defineUpdate<ModerationView, [DecideArgs], 'decide'>('decide');

/** The submission is moot (a newer revision replaces it). Refused (`conflict`) once decided. */
export const withdrawUpdate = defineUpdate<ModerationView, [WithdrawArgs], 'withdraw'>('withdraw');

export const viewQuery = defineQuery<ModerationView, [], 'view'>('view');
