/**
 * The database side of offer moderation, as activities of the `kworkModeration` workflow:
 * whether a submission exists, and writing a transition's effect — reminders and escalations
 * to staff, a decision applied to the offer, a withdrawal. Each runs in one transaction with
 * its email (outbox) and is idempotent, since Temporal retries an activity whose result it
 * never heard.
 */
import { ApplicationFailure } from '@temporalio/common';
import { and, arrayContains, asc, eq, isNull, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client.js';
import { moderationSubmissions, offers, type OfferContent } from '../db/schema/catalog.js';
import { users } from '../db/schema/users.js';
import type { ErrorCode } from '../workflows/lib/errors.js';
import { DAY, HOUR } from '../workflows/lib/time.js';
import type { ModerationEffect } from '../workflows/moderation/machine.js';
import type { RejectReason } from '../workflows/moderation/messages.js';
import { enqueueMail } from '../db/outbox.js';
import { activateOnApprovalIn } from '../db/referrals.js';
import type { Tx } from '../db/tx.js';
import { withClassifiedFailures } from './failures.js';

/** One submission: the offer and its revision number. */
export interface SubmissionRef {
  offerId: number;
  revision: number;
}

/** What staff are told about a submission that has waited. */
export interface WaitingSubmission extends SubmissionRef {
  title: string;
  /** How long it has waited, for the message (the policy's threshold). */
  waitedMs: number;
}

export interface ModerationDecisionInput extends SubmissionRef {
  moderatorId: number;
  decision: 'approved' | 'rejected';
  /** Required for a rejection. */
  reason?: RejectReason;
  note?: string;
}

const submissionIs = ({ offerId, revision }: SubmissionRef) =>
  and(eq(moderationSubmissions.offerId, offerId), eq(moderationSubmissions.revision, revision));

/** "24 hours", "3 days". */
function waited(ms: number): string {
  return ms >= 2 * DAY && ms % DAY === 0 ? `${ms / DAY} days` : `${Math.round(ms / HOUR)} hours`;
}

/** The offer columns a submission's content fills, named one by one so no stray JSON key reaches the row. */
function contentColumns(content: OfferContent) {
  return {
    categoryId: content.categoryId,
    title: content.title,
    description: content.description,
    priceCents: content.priceCents,
    leadTimeDays: content.leadTimeDays,
    instructions: content.instructions,
    unitVolume: content.unitVolume,
    media: content.media,
    attributes: content.attributes,
    options: content.options,
    packages: content.packages,
  };
}

type OfferRow = typeof offers.$inferSelect;
type OfferChange = PgUpdateSetSource<typeof offers>;

/**
 * What a decision does to the offer, or null when the offer is in no state to take it (an
 * admin blocked it, say): the decision then stays on the submission only.
 */
function offerChange(offer: OfferRow, submitted: OfferContent, decision: ModerationDecisionInput['decision'], reason: string | null): OfferChange | null {
  if (offer.status === 'in_moderation') {
    return decision === 'approved'
      ? { ...contentColumns(submitted), status: 'active', statusReason: null, publishedAt: sql`coalesce(${offers.publishedAt}, now())` }
      : { status: 'rejected', statusReason: reason };
  }
  // An edit of a published offer: buyers keep seeing the published version until approval
  // (suspended: its seller's offers are blocked by a sanction, K-64, K-65; the edit still lands).
  if ((offer.status === 'active' || offer.status === 'paused' || offer.status === 'suspended') && offer.pendingContent) {
    return decision === 'approved'
      ? { ...contentColumns(offer.pendingContent), pendingContent: null, statusReason: null }
      : { pendingContent: null, statusReason: reason };
  }
  return null;
}

/** Marks `column` on a waiting submission and emails every active holder of `role`, once. */
async function alertStaff(
  db: Db,
  input: WaitingSubmission,
  column: 'remindedAt' | 'escalatedAt',
  role: 'moderator' | 'admin',
  mail: { kind: string; subject: string; body: string },
): Promise<{ notified: number }> {
  return db.orm.transaction(async (tx) => {
    const marked = await tx
      .update(moderationSubmissions)
      .set({ [column]: sql`now()` })
      .where(and(submissionIs(input), isNull(moderationSubmissions[column]), isNull(moderationSubmissions.decidedAt)))
      .returning({ offerId: moderationSubmissions.offerId });
    // Nothing marked: an earlier attempt did it all, or the submission was decided meanwhile.
    if (marked.length === 0) return { notified: 0 };
    const staff = await tx
      .select({ email: users.email })
      .from(users)
      .where(and(arrayContains(users.roles, [role]), isNull(users.blockedAt)))
      .orderBy(asc(users.id));
    for (const { email } of staff) await enqueueMail(tx, { kind: mail.kind, to: email, subject: mail.subject, body: mail.body });
    return { notified: staff.length };
  });
}

/** Sets `reminded_at` (once) and emails every moderator that the submission has waited. */
function remindModerators(db: Db, input: WaitingSubmission): Promise<{ notified: number }> {
  return alertStaff(db, input, 'remindedAt', 'moderator', {
    kind: 'moderation_reminder',
    subject: `Moderation overdue: “${input.title}” has waited ${waited(input.waitedMs)}`,
    body: `The kwork “${input.title}” (offer ${input.offerId}, revision ${input.revision}) has waited ${waited(input.waitedMs)} for moderation. Please review it in the moderation queue.`,
  });
}

/** Sets `escalated_at` (once) and emails every admin: the queue has left it waiting too long. */
function escalateToAdmins(db: Db, input: WaitingSubmission): Promise<{ notified: number }> {
  return alertStaff(db, input, 'escalatedAt', 'admin', {
    kind: 'moderation_escalation',
    subject: `Moderation escalated: “${input.title}” has waited ${waited(input.waitedMs)}`,
    body: `The kwork “${input.title}” (offer ${input.offerId}, revision ${input.revision}) has waited ${waited(input.waitedMs)} for moderation, and moderators were reminded. It waits for a decision; nothing is approved automatically.`,
  });
}

/**
 * Records the decision on the submission and, if the offer is still at this revision,
 * applies it to the offer and emails the seller — all in one transaction. Idempotent: a
 * retry after a commit writes nothing and reports what the first attempt did.
 * `applied` is true when the offer changed.
 * @throws ApplicationFailure `not_found` (non-retryable) when the offer or submission is gone.
 */
async function applyModerationDecision(db: Db, input: ModerationDecisionInput): Promise<{ applied: boolean }> {
  return db.orm.transaction(async (tx) => {
    // Offer first, then submission: the order the API's submitting transaction locks them in, so the two never deadlock.
    const [offer] = await tx.select().from(offers).where(eq(offers.id, input.offerId)).for('update');
    const [found] = await tx
      .select({ submission: moderationSubmissions, sellerEmail: users.email })
      .from(moderationSubmissions)
      .innerJoin(users, eq(users.id, moderationSubmissions.sellerId))
      .where(submissionIs(input))
      .for('update', { of: moderationSubmissions });
    if (!offer || !found) {
      throw ApplicationFailure.create({ type: 'not_found' satisfies ErrorCode, message: `no submission ${input.revision} of offer ${input.offerId}`, nonRetryable: true });
    }
    const { submission, sellerEmail } = found;
    const current = offer.revision === input.revision;
    if (submission.decidedAt !== null) {
      // A committed earlier attempt set the offer's updated_at and decided_at from the same
      // now() exactly when it changed the offer.
      return { applied: current && offer.updatedAt.getTime() === submission.decidedAt.getTime() };
    }
    const reason = input.decision === 'rejected' ? (input.note ? `${input.reason}: ${input.note}` : (input.reason ?? null)) : null;
    await tx.update(moderationSubmissions).set({ decidedAt: sql`now()`, decision: input.decision, reason, moderatorId: input.moderatorId }).where(submissionIs(input));
    const change = current ? offerChange(offer, submission.content, input.decision, reason) : null;
    if (!change) return { applied: false };
    await tx.update(offers).set({ ...change, updatedAt: sql`now()` }).where(eq(offers.id, input.offerId));
    // K-55: a referral's kwork approved within 180 days of registering makes them active.
    if (input.decision === 'approved') await activateOnApprovalIn(tx, submission.sellerId);
    await mailSeller(tx, sellerEmail, submission.content.title, input, offer.status === 'paused');
    return { applied: true };
  });
}

/** Marks the submission withdrawn (once; a decided one stays as it was). */
async function recordWithdrawal(db: Db, input: SubmissionRef): Promise<boolean> {
  const marked = await db.orm
    .update(moderationSubmissions)
    .set({ decidedAt: sql`now()`, decision: 'withdrawn' })
    .where(and(submissionIs(input), isNull(moderationSubmissions.decidedAt)))
    .returning({ offerId: moderationSubmissions.offerId });
  return marked.length > 0;
}

/**
 * Whether the submission row exists. The API starts the workflow after the transaction that
 * bumps the offer's revision and inserts the row has committed (`db/workflow-starts.ts`); an API
 * of the code before started it inside that transaction, so this first waits for any such
 * transaction to end by taking a share lock on the offer row it updated: reading at once could
 * miss a row that is about to commit, and end a live submission as an orphan.
 */
async function loadSubmission(db: Db, input: SubmissionRef): Promise<{ exists: boolean }> {
  return db.orm.transaction(async (tx) => {
    await tx.select({ id: offers.id }).from(offers).where(eq(offers.id, input.offerId)).for('share');
    // A new statement, so a new snapshot (READ COMMITTED): it sees what that transaction committed.
    const [row] = await tx.select({ revision: moderationSubmissions.revision }).from(moderationSubmissions).where(submissionIs(input));
    return { exists: row !== undefined };
  });
}

/** What one moderation transition asks `recordModerationEvent` to write. */
export interface ModerationEventRecord extends SubmissionRef {
  title: string;
  effect: ModerationEffect;
}

/**
 * Writes one transition's effect (the workflow's one effects activity): a reminder or an
 * escalation with its emails, a decision applied to the offer, or a withdrawal. Each write is
 * idempotent, since Temporal retries an activity whose result it never heard. `applied`: for a
 * decision, whether the offer took it; otherwise whether the submission changed.
 */
async function recordModerationEvent(db: Db, record: ModerationEventRecord): Promise<{ applied: boolean }> {
  const { effect } = record;
  const ref = { offerId: record.offerId, revision: record.revision };
  switch (effect.kind) {
    case 'remind_moderators':
      return { applied: (await remindModerators(db, { ...ref, title: record.title, waitedMs: effect.waitedMs })).notified > 0 };
    case 'escalate_to_admins':
      return { applied: (await escalateToAdmins(db, { ...ref, title: record.title, waitedMs: effect.waitedMs })).notified > 0 };
    case 'decision':
      return applyModerationDecision(db, { ...ref, moderatorId: effect.moderatorId, decision: effect.decision, reason: effect.reason, note: effect.note });
    case 'withdrawal':
      return { applied: await recordWithdrawal(db, ref) };
  }
}

/**
 * The moderation workflow's activities. `loadSubmission` and `recordModerationEvent` are what
 * it calls today; the other four are what workflows begun before that still call, by name
 * (kept until none of those runs any more: see `workflows/moderation/legacy.ts`).
 */
export function createModerationActivities({ db }: { db: Db }) {
  return {
    loadSubmission: withClassifiedFailures((input: SubmissionRef) => loadSubmission(db, input)),
    recordModerationEvent: withClassifiedFailures((record: ModerationEventRecord) => recordModerationEvent(db, record)),
    remindModerators: (input: WaitingSubmission) => remindModerators(db, input),
    escalateToAdmins: (input: WaitingSubmission) => escalateToAdmins(db, input),
    applyModerationDecision: (input: ModerationDecisionInput) => applyModerationDecision(db, input),
    recordWithdrawal: async (input: SubmissionRef): Promise<void> => void (await recordWithdrawal(db, input)),
  };
}

async function mailSeller(tx: Tx, to: string, title: string, input: ModerationDecisionInput, paused: boolean): Promise<void> {
  if (input.decision === 'approved') {
    await enqueueMail(tx, {
      kind: 'moderation_decision',
      to,
      subject: `Your kwork “${title}” was approved`,
      body: `Moderation approved “${title}”.${paused ? ' The offer stays paused until you resume it.' : ' Buyers can see and order it now.'}`,
    });
    return;
  }
  await enqueueMail(tx, {
    kind: 'moderation_decision',
    to,
    subject: `Your kwork “${title}” was not approved`,
    body: `Moderation did not approve “${title}”. Reason: ${input.reason?.replaceAll('_', ' ')}.${input.note ? ` Moderator's note: ${input.note}` : ''} You can edit it and submit it again.`,
  });
}

export type ModerationActivities = ReturnType<typeof createModerationActivities>;
