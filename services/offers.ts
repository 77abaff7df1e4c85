/**
 * Kwork offers as sellers manage them (K-39, K-41, K-42): drafts, edits, submission to
 * moderation, pause and resume, archive; the seller's limits; the offer page buyers order
 * from; and an admin's block (K-43). What buyers may see is decided in one place
 * (`visibility.ts`); what content is acceptable in `offer-content.ts`.
 */
import { and, count, desc, eq, ne } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { cartItems, categories, offers, sellerStats, type OfferContent } from '../db/schema/catalog.js';
import { users } from '../db/schema/users.js';
import type { Tx } from '../db/tx.js';
import { startQueuedOrLeave, type QueuedStart } from '../db/workflow-starts.js';
import { AppError } from '../workflows/lib/errors.js';
import { splitCommission } from '../workflows/lib/money.js';
import { orderRules } from '../workflows/order/policy.js';
import type { Clock } from './clock.js';
import type { AttachmentInfo } from './attachments.js';
import { awardsOf, badgeFigures, badgesOf, type Badge } from './badges.js';
import { offerFeedback, type FeedbackItem } from './feedback.js';
import { offerImages, offerPortfolio, type PortfolioItem } from './portfolio.js';
import { publicSeller } from './sellers.js';
import { checkModerationLimit, moderationLimit, queueSubmission, type ModerationDeps, type ModerationLimit } from './moderation.js';
import { checkAgainstCategory, checkNotDuplicate, contentOf, withOptionIds, type OfferInput } from './offer-content.js';
import { catalogRules } from './policy.js';
import { hiddenForWeekend, weekendEndsAt } from './visibility.js';

type OfferRow = typeof offers.$inferSelect;

export interface OfferView extends OfferContent {
  id: number;
  sellerId: number;
  status: OfferRow['status'];
  statusReason: string | null;
  /** An edit of the published offer, awaiting moderation (the owner sees it). */
  pendingContent: OfferContent | null;
  revision: number;
  topRated: boolean;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}

export interface OfferPage extends OfferView {
  category: { id: number; name: string; parent: { id: number; name: string } | null };
  /** K-36: with the badges the seller's profile shows, except purchases (a buyer's, not a seller's). */
  seller: ReturnType<typeof publicSeller> & { badges: Badge[] };
  /** The seller's share of the basic price (the platform keeps its commission). */
  sellerEarningsCents: number;
  /** The offer's likes and dislikes, and its newest feedback with published answers only. */
  feedback: { likes: number; dislikes: number; recent: FeedbackItem[] };
  /** K-41: the offer's images (download each at `/attachments/{id}`). */
  images: AttachmentInfo[];
  /** K-37: results of this offer's finished orders its seller shows. */
  portfolio: PortfolioItem[];
}

export type OffersDeps = ModerationDeps & { db: Db; clock: Clock };

export function offerView(row: OfferRow): OfferView {
  return {
    ...contentOf(row),
    id: row.id,
    sellerId: row.sellerId,
    status: row.status,
    statusReason: row.statusReason,
    pendingContent: row.pendingContent,
    revision: row.revision,
    topRated: row.topRated,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    publishedAt: row.publishedAt?.toISOString() ?? null,
  };
}

const wrongStatus = (row: OfferRow, action: string) =>
  new AppError('conflict', `cannot ${action} an offer that is ${row.status.replace('_', ' ')}`, { status: row.status });

/** The seller's own offer, locked for the change; another's or an archived one answers 404. */
async function ownOffer(tx: Tx, sellerId: number, offerId: number): Promise<OfferRow> {
  const [row] = await tx.select().from(offers).where(and(eq(offers.id, offerId), eq(offers.sellerId, sellerId))).for('update');
  if (!row || row.status === 'archived') throw new AppError('not_found', 'no such offer');
  return row;
}

/** Changes the status of the seller's own offer, from the one status that allows it. */
function setStatus(deps: OffersDeps, sellerId: number, offerId: number, from: OfferRow['status'], to: OfferRow['status'], action: string): Promise<OfferView> {
  return deps.db.orm.transaction(async (tx) => {
    const row = await ownOffer(tx, sellerId, offerId);
    if (row.status !== from) throw wrongStatus(row, action);
    const [updated] = await tx.update(offers).set({ status: to, updatedAt: deps.clock.now() }).where(eq(offers.id, offerId)).returning();
    return offerView(updated!);
  });
}

/**
 * K-39: a new draft. Refused without a confirmed email, past the Newbie limit, or as a duplicate.
 * With `submit`, it goes to moderation in the same transaction: a refusal there (the
 * in-moderation limit) leaves no draft behind.
 */
export async function createOffer(deps: OffersDeps, sellerId: number, input: OfferInput, submit = false): Promise<OfferView> {
  const [u] = await deps.db.orm.select({ confirmed: users.emailConfirmedAt }).from(users).where(eq(users.id, sellerId));
  if (!u?.confirmed) throw new AppError('email_not_confirmed', 'confirm your email before creating offers');
  await checkAgainstCategory(deps.db, input);
  return withSubmissions(deps, async (tx, submitted) => {
    // One seller's creations queue on their user row, so two at once cannot both pass the limit.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, sellerId)).for('update');
    const [total] = await tx.select({ n: count() }).from(offers).where(and(eq(offers.sellerId, sellerId), ne(offers.status, 'archived')));
    if ((await levelOf(tx, sellerId)) === 'newbie' && total!.n >= catalogRules.newbieMaxOffers) {
      throw new AppError('offer_limit', `a Newbie seller may have at most ${catalogRules.newbieMaxOffers} offers`, {
        rule: 'newbie_total',
        limit: catalogRules.newbieMaxOffers,
      });
    }
    await checkNotDuplicate(deps.db, sellerId, input);
    const now = deps.clock.now();
    const [row] = await tx.insert(offers).values({ ...withOptionIds(input), sellerId, createdAt: now, updatedAt: now }).returning();
    if (!submit) return offerView(row!);
    await checkModerationLimit(tx, sellerId);
    return offerView(await submitted(row!, contentOf(row!), 'new'));
  });
}

/**
 * Edits an offer. A draft or rejected one changes in place; a published one (active or
 * paused) keeps showing its current version while the edit goes through moderation. With
 * `submit`, a draft or rejected one goes to moderation too, in the same transaction.
 */
export async function editOffer(deps: OffersDeps, sellerId: number, offerId: number, input: OfferInput, submit = false): Promise<OfferView> {
  await checkAgainstCategory(deps.db, input);
  await checkNotDuplicate(deps.db, sellerId, input, offerId);
  return withSubmissions(deps, async (tx, submitted) => {
    const row = await ownOffer(tx, sellerId, offerId);
    const content = withOptionIds(input, row.options);
    if (row.status === 'draft' || row.status === 'rejected') {
      const [updated] = await tx.update(offers).set({ ...content, updatedAt: deps.clock.now() }).where(eq(offers.id, offerId)).returning();
      if (!submit) return offerView(updated!);
      await checkModerationLimit(tx, sellerId);
      return offerView(await submitted(updated!, content, 'new'));
    }
    // A suspended offer (a sanction's block, K-64) is published too: its seller may edit it meanwhile.
    if ((row.status === 'active' || row.status === 'paused' || row.status === 'suspended') && row.pendingContent === null) {
      await checkModerationLimit(tx, sellerId);
      return offerView(await submitted(row, content, 'edit'));
    }
    throw wrongStatus(row, row.pendingContent ? 'edit (an edit is already in moderation)' : 'edit');
  });
}

/** Sends a draft or a rejected offer to moderation. */
export function submitOffer(deps: OffersDeps, sellerId: number, offerId: number): Promise<OfferView> {
  return withSubmissions(deps, async (tx, submitted) => {
    const row = await ownOffer(tx, sellerId, offerId);
    if (row.status !== 'draft' && row.status !== 'rejected') throw wrongStatus(row, 'submit');
    await checkModerationLimit(tx, sellerId);
    return offerView(await submitted(row, contentOf(row), 'new'));
  });
}

/** Records a submission in the caller's transaction (`queueSubmission`): the offer's row as it now is. */
type Submit = (row: typeof offers.$inferSelect, content: OfferContent, as: 'new' | 'edit') => Promise<typeof offers.$inferSelect>;

/**
 * Runs `write` in one transaction, then starts the moderation workflows its submissions queued
 * (`db/workflow-starts.ts`). No Idempotency-Key makes a retry safe, so a start Temporal did not
 * take is left to a worker's sweep: the offer shows in moderation all the same.
 */
async function withSubmissions(deps: OffersDeps, write: (tx: Tx, submitted: Submit) => Promise<OfferView>): Promise<OfferView> {
  const starts: QueuedStart[] = [];
  const view = await deps.db.orm.transaction((tx) =>
    write(tx, async (row, content, as) => {
      const { updated, start } = await queueSubmission(deps, tx, row, content, as);
      starts.push(start);
      return updated;
    }),
  );
  await startQueuedOrLeave(deps.db, deps.workflows.startQueued, starts);
  return view;
}

/** Removes an offer from the seller's list (and from the Newbie count); orders keep their snapshot. */
export async function archiveOffer(deps: OffersDeps, sellerId: number, offerId: number): Promise<void> {
  await deps.db.orm.transaction(async (tx) => {
    const row = await ownOffer(tx, sellerId, offerId);
    if (row.status === 'in_moderation' || row.status === 'blocked' || row.pendingContent) throw wrongStatus(row, 'delete');
    await tx.update(offers).set({ status: 'archived', updatedAt: deps.clock.now() }).where(eq(offers.id, offerId));
    await tx.delete(cartItems).where(eq(cartItems.offerId, offerId));
  });
}

/** K-43: an admin blocks an offer (a prohibited topic): it leaves search and cannot be ordered. */
export function blockOffer(deps: OffersDeps, offerId: number, reason: string): Promise<OfferView> {
  return deps.db.orm.transaction(async (tx) => {
    const [row] = await tx.select().from(offers).where(eq(offers.id, offerId)).for('update');
    if (!row || row.status === 'archived') throw new AppError('not_found', 'no such offer');
    if (row.status !== 'active' && row.status !== 'paused' && row.status !== 'suspended') throw wrongStatus(row, 'block');
    const [updated] = await tx
      .update(offers)
      .set({ status: 'blocked', statusReason: reason, updatedAt: deps.clock.now() })
      .where(eq(offers.id, offerId))
      .returning();
    await tx.delete(cartItems).where(eq(cartItems.offerId, offerId));
    return offerView(updated!);
  });
}

/** The seller's level as reputation computed it (K-32): a seller without stats is a Newbie. */
async function levelOf(tx: Tx | Db['orm'], sellerId: number): Promise<'newbie' | 'advanced' | 'professional'> {
  const [row] = await tx.select({ level: sellerStats.level }).from(sellerStats).where(eq(sellerStats.userId, sellerId));
  return row?.level ?? 'newbie';
}

/** K-33, K-39: the seller's limits as they stand: offers in moderation at once, and offers in total (`max` null: no cap above Newbie). */
async function limits(db: Db, sellerId: number): Promise<{ inModeration: ModerationLimit; total: { count: number; max: number | null } }> {
  const [inModeration, [total], level] = await Promise.all([
    moderationLimit(db.orm, sellerId),
    db.orm.select({ n: count() }).from(offers).where(and(eq(offers.sellerId, sellerId), ne(offers.status, 'archived'))),
    levelOf(db.orm, sellerId),
  ]);
  return { inModeration, total: { count: total!.n, max: level === 'newbie' ? catalogRules.newbieMaxOffers : null } };
}

/** The seller's offers in every status but archived, newest first. */
async function mine(db: Db, sellerId: number): Promise<OfferView[]> {
  const rows = await db.orm
    .select()
    .from(offers)
    .where(and(eq(offers.sellerId, sellerId), ne(offers.status, 'archived')))
    .orderBy(desc(offers.id));
  return rows.map(offerView);
}

/**
 * The offer page: everything a buyer needs to order. Anyone sees a visible offer; its seller
 * sees it in any status (with a pending edit and the moderator's reason); staff who moderate
 * see any; everyone else gets 404, as for an unknown offer.
 */
export async function offerPage(deps: { db: Db; clock: Clock }, offerId: number, viewer?: { id: number; roles: readonly string[] }): Promise<OfferPage> {
  const { db } = deps;
  const [found] = await db.orm
    .select({ offer: offers, seller: users, stats: sellerStats })
    .from(offers)
    .innerJoin(users, eq(users.id, offers.sellerId))
    .leftJoin(sellerStats, eq(sellerStats.userId, offers.sellerId))
    .where(and(eq(offers.id, offerId), ne(offers.status, 'archived')));
  if (!found) throw new AppError('not_found', 'no such offer');
  const { offer, seller, stats } = found;
  // A sanction's suspended offer (K-64, K-65) keeps its page — saying until when it takes no orders — but leaves search.
  const visible = (offer.status === 'active' || offer.status === 'suspended') && !hiddenForWeekend(deps.clock.now(), seller.timeZone, seller.hideOnWeekends);
  const privileged = viewer && (viewer.id === offer.sellerId || viewer.roles.some((r) => r === 'moderator' || r === 'admin'));
  if (!visible && !privileged) throw new AppError('not_found', 'no such offer');
  const [[category], awards, feedback, images, portfolio] = await Promise.all([
    db.orm.select().from(categories).where(eq(categories.id, offer.categoryId)),
    awardsOf(db, seller.id),
    offerFeedback(db, offer.id),
    offerImages(db, offer.id),
    offerPortfolio(db, offer.id),
  ]);
  const [parent] = category!.parentId ? await db.orm.select().from(categories).where(eq(categories.id, category!.parentId)) : [];
  const base = offerView(offer);
  return {
    ...base,
    // Others never see a pending edit or a moderator's note.
    pendingContent: privileged ? base.pendingContent : null,
    statusReason: privileged ? base.statusReason : null,
    category: { id: category!.id, name: category!.name, parent: parent ? { id: parent.id, name: parent.name } : null },
    seller: { ...publicSeller(seller, stats), badges: badgesOf(badgeFigures(stats, null), awards) },
    sellerEarningsCents: splitCommission(offer.priceCents, orderRules.commissionBps).seller,
    feedback,
    images,
    portfolio,
  };
}

/** An offer its seller hides for the weekend (K-42), as a visitor with its link may learn of it. */
export interface WeekendAbsence {
  offerId: number;
  title: string;
  sellerLogin: string;
  /** Monday 00:00 in the seller's time zone: when buyers see it again. */
  until: string;
}

/**
 * The offer buyers cannot see only because its seller hides it for the weekend (K-42): its title
 * and when it shows again; null for any other offer (unknown, visible, or hidden for another reason).
 */
export async function weekendAbsence(deps: { db: Db; clock: Clock }, offerId: number): Promise<WeekendAbsence | null> {
  const [found] = await deps.db.orm
    .select({ offer: offers, seller: users })
    .from(offers)
    .innerJoin(users, eq(users.id, offers.sellerId))
    .where(and(eq(offers.id, offerId), eq(offers.status, 'active')));
  const until = found ? weekendHiddenUntil(deps.clock.now(), found.seller) : null;
  return found && until ? { offerId, title: found.offer.title, sellerLogin: found.seller.login, until } : null;
}

/** K-42: until when a seller's weekend setting hides their offers, if it hides them at `now`; else null. */
function weekendHiddenUntil(now: Date, seller: { timeZone: string; hideOnWeekends: boolean }): string | null {
  return hiddenForWeekend(now, seller.timeZone, seller.hideOnWeekends) ? weekendEndsAt(now, seller.timeZone).toISOString() : null;
}

export function createOffers(deps: OffersDeps) {
  return {
    page: (offerId: number, viewer?: { id: number; roles: readonly string[] }) => offerPage(deps, offerId, viewer),
    weekendAbsence: (offerId: number) => weekendAbsence(deps, offerId),
    /** K-42: until when a seller's weekend setting hides their offers, if it hides them now; else null. */
    weekendHiddenUntil: (seller: { timeZone: string; hideOnWeekends: boolean }) => weekendHiddenUntil(deps.clock.now(), seller),
    create: (sellerId: number, input: OfferInput) => createOffer(deps, sellerId, input),
    /** The web editor's one step: a new offer, sent to moderation at once (all or nothing). */
    createAndSubmit: (sellerId: number, input: OfferInput) => createOffer(deps, sellerId, input, true),
    edit: (sellerId: number, offerId: number, input: OfferInput) => editOffer(deps, sellerId, offerId, input),
    /** The web editor's one step: an edit, and a draft or rejected offer sent to moderation (all or nothing). */
    editAndSubmit: (sellerId: number, offerId: number, input: OfferInput) => editOffer(deps, sellerId, offerId, input, true),
    limits: (sellerId: number) => limits(deps.db, sellerId),
    submit: (sellerId: number, offerId: number) => submitOffer(deps, sellerId, offerId),
    /** K-42: the seller's "stop": hidden and not orderable; its rating and position are kept. */
    pause: (sellerId: number, offerId: number) => setStatus(deps, sellerId, offerId, 'active', 'paused', 'pause'),
    resume: (sellerId: number, offerId: number) => setStatus(deps, sellerId, offerId, 'paused', 'active', 'resume'),
    archive: (sellerId: number, offerId: number) => archiveOffer(deps, sellerId, offerId),
    mine: (sellerId: number) => mine(deps.db, sellerId),
    block: (offerId: number, reason: string) => blockOffer(deps, offerId, reason),
  };
}

export type Offers = ReturnType<typeof createOffers>;
