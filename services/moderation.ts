/**
 * Offer moderation on the API's side (K-39, K-40): submitting a revision (its row, and its
 * `kworkModeration` workflow started in the same transaction), the seller's in-moderation
 * limit, the moderators' queue, and a moderator's decision (the workflow's `decide` Update).
 */
import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { moderationSubmissions, offers, sellerStats, type OfferContent } from '../db/schema/catalog.js';
import { users } from '../db/schema/users.js';
import { sqlOf, type Tx } from '../db/tx.js';
import { queueStartIn, type QueuedStart } from '../db/workflow-starts.js';
import { AppError } from '../workflows/lib/errors.js';
import type { DecideArgs, RejectReason } from '../workflows/moderation/messages.js';
import { moderationPolicy } from '../workflows/moderation/policy.js';
import type { Clock } from './clock.js';
import { catalogRules } from './policy.js';
import { queuedStart, WorkflowGoneError, type WorkflowGateway } from './workflow-gateway.js';

type OfferRow = typeof offers.$inferSelect;

export interface ModerationDeps {
  db: Db;
  clock: Clock;
  workflows: Pick<WorkflowGateway, 'moderation' | 'startQueued'>;
}

/** One submission in the moderators' queue. */
export interface QueueItem {
  offerId: number;
  revision: number;
  seller: { id: number; login: string };
  title: string;
  submittedAt: string;
  overdue: boolean;
  escalated: boolean;
}

/** What a moderator decides: approve, or reject with a reason from the list (and a note). */
export type Decision = { decision: 'approve' } | { decision: 'reject'; reason: RejectReason; note?: string | undefined };

/**
 * Sends the offer's next revision to moderation: a new offer's content goes in moderation, a
 * published offer's edit waits in `pendingContent`. Records the submission and queues its
 * workflow's start in the caller's transaction; the caller starts it after the commit
 * (`db/workflow-starts.ts`, `withSubmissions` of services/offers.ts).
 */
export async function queueSubmission(deps: Pick<ModerationDeps, 'clock'>, tx: Tx, row: OfferRow, content: OfferContent, as: 'new' | 'edit'): Promise<{ updated: OfferRow; start: QueuedStart }> {
  const revision = row.revision + 1;
  const submittedAt = deps.clock.now();
  const [updated] = await tx
    .update(offers)
    .set(
      as === 'new'
        ? { ...content, status: 'in_moderation', statusReason: null, revision, updatedAt: submittedAt }
        : { pendingContent: content, statusReason: null, revision, updatedAt: submittedAt },
    )
    .where(eq(offers.id, row.id))
    .returning();
  await tx.insert(moderationSubmissions).values({ offerId: row.id, revision, sellerId: row.sellerId, content, submittedAt });
  const start = queuedStart('moderation', { offerId: row.id, revision, sellerId: row.sellerId, title: content.title, submittedAt: submittedAt.toISOString(), policy: moderationPolicy() });
  await queueStartIn(sqlOf(tx), start, submittedAt);
  return { updated: updated!, start };
}

/** The seller's in-moderation count now and the K-39 limit that applies (`max` null: no limit). */
export interface ModerationLimit {
  waiting: number;
  max: number | null;
  rule: string | null;
}

/**
 * K-39: the in-moderation limit: 3 with no active offer, 7 with one but no completed orders,
 * 20 for a Newbie, none for Advanced and Professional. Level and completed orders are the
 * figures reputation computed from the seller's orders (`db/reputation.ts`, K-32).
 */
export async function moderationLimit(tx: Tx | Db['orm'], sellerId: number): Promise<ModerationLimit> {
  const [waiting] = await tx
    .select({ n: count() })
    .from(moderationSubmissions)
    .where(and(eq(moderationSubmissions.sellerId, sellerId), isNull(moderationSubmissions.decidedAt)));
  const [active] = await tx.select({ n: count() }).from(offers).where(and(eq(offers.sellerId, sellerId), eq(offers.status, 'active')));
  const [stats] = await tx.select({ completed: sellerStats.completedOrders, level: sellerStats.level }).from(sellerStats).where(eq(sellerStats.userId, sellerId));
  const limit =
    active!.n === 0
      ? { max: catalogRules.maxInModerationWithoutActive, rule: 'no active offer yet' }
      : (stats?.completed ?? 0) === 0
        ? { max: catalogRules.maxInModerationWithoutOrders, rule: 'an active offer but no orders yet' }
        : (stats?.level ?? 'newbie') === 'newbie'
          ? { max: catalogRules.maxInModerationNewbie, rule: 'the Newbie level' }
          : { max: null, rule: null };
  return { waiting: waiting!.n, ...limit };
}

/** K-39: refuses one more submission past the in-moderation limit. */
export async function checkModerationLimit(tx: Tx, sellerId: number): Promise<void> {
  const limit = await moderationLimit(tx, sellerId);
  if (limit.max !== null && limit.waiting >= limit.max) {
    throw new AppError('offer_limit', `a seller with ${limit.rule} may have at most ${limit.max} offers in moderation at once`, {
      rule: 'in_moderation',
      limit: limit.max,
    });
  }
}

/** Submissions awaiting a decision, oldest first: the moderators' queue. */
export async function moderationQueue(db: Db): Promise<QueueItem[]> {
  const rows = await db.orm
    .select({ submission: moderationSubmissions, login: users.login })
    .from(moderationSubmissions)
    .innerJoin(users, eq(users.id, moderationSubmissions.sellerId))
    .where(isNull(moderationSubmissions.decidedAt))
    .orderBy(asc(moderationSubmissions.submittedAt), asc(moderationSubmissions.offerId))
    .limit(200);
  return rows.map(({ submission: s, login }) => ({
    offerId: s.offerId,
    revision: s.revision,
    seller: { id: s.sellerId, login },
    title: s.content.title,
    submittedAt: s.submittedAt.toISOString(),
    overdue: s.remindedAt !== null,
    escalated: s.escalatedAt !== null,
  }));
}

/** A moderator decides the offer's submission awaiting moderation; answers with its status once applied. */
export async function decide(deps: ModerationDeps, moderatorId: number, offerId: number, body: Decision) {
  const none = new AppError('not_found', 'this offer has no submission awaiting moderation');
  const submission = (await moderationQueue(deps.db)).find((s) => s.offerId === offerId);
  if (!submission) throw none;
  const args: DecideArgs =
    body.decision === 'approve' ? { moderatorId, decision: 'approve' } : { moderatorId, decision: 'reject', reason: body.reason, note: body.note };
  try {
    const result = await deps.workflows.moderation.decide(offerId, submission.revision, args);
    return { offerId, revision: submission.revision, status: result.status };
  } catch (err) {
    throw err instanceof WorkflowGoneError ? none : err;
  }
}

export function createModeration(deps: ModerationDeps) {
  return {
    queue: () => moderationQueue(deps.db),
    decide: (moderatorId: number, offerId: number, body: Decision) => decide(deps, moderatorId, offerId, body),
  };
}

export type Moderation = ReturnType<typeof createModeration>;
