/**
 * Kwork offers as sellers manage them: drafts, edits, submission to moderation (each one a
 * `kworkModeration` workflow), pause and resume, archive; the seller's limits; the offer page;
 * and the buyer's cart. What buyers may see is decided in one place (`visibility.ts`).
 */
import type { Client } from '@temporalio/client';
import { and, asc, count, desc, eq, gt, isNull, ne } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import {
  cartItems,
  categories,
  categoryAttributes,
  moderationSubmissions,
  offers,
  sellerStats,
  users,
  type OfferContent,
  type PackageTierName,
} from '../db/schema/index.js';
import { AppError } from '../workflows/lib/errors.js';
import { splitCommission } from '../workflows/lib/money.js';
import { catalogRules } from './policy.js';
import { moderationPolicy, moderationRules } from '../workflows/moderation/policy.js';
import { orderRules } from '../workflows/order/policy.js';
import { SA } from '../workflows/lib/search-attributes.js';
import { moderationWorkflowId, type ModerationInput } from '../workflows/moderation/messages.js';
import type { Clock } from './clock.js';
import { offerFeedback, type FeedbackItem } from './feedback.js';
import type { Tx } from '../db/tx.js';
import { hiddenForWeekend } from './visibility.js';

/** What a seller sends to create or edit an offer: the content, options without their ids yet. */
export type OfferInput = Omit<OfferContent, 'options'> & {
  options: { title: string; priceCents: number; extraDays: number }[];
};

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
  seller: { id: number; login: string; displayName: string | null; level: string; ratingPercent: number | null; feedbackCount: number; completedOrders: number };
  /** The seller's share of the basic price (the platform keeps its commission). */
  sellerEarningsCents: number;
  /** The offer's likes and dislikes, and its newest feedback with published answers only. */
  feedback: { likes: number; dislikes: number; recent: FeedbackItem[] };
}

export interface CartItemView {
  id: number;
  offerId: number;
  title: string;
  units: number;
  optionIds: number[];
  packageTier: PackageTierName | null;
  /** What checkout would charge now, from the offer as it is now. */
  totalCents: number;
  available: boolean;
  expiresAt: string;
}

const contentOf = (row: OfferRow): OfferContent => ({
  categoryId: row.categoryId,
  title: row.title,
  description: row.description,
  priceCents: row.priceCents,
  leadTimeDays: row.leadTimeDays,
  instructions: row.instructions,
  unitVolume: row.unitVolume,
  media: row.media,
  attributes: row.attributes,
  options: row.options,
  packages: row.packages,
});

function view(row: OfferRow): OfferView {
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

const fieldError = (path: string, message: string) =>
  new AppError('invalid_input', `${path}: ${message}`, { fields: [{ path, message, code: 'custom' }] });

/** A seller's public standing, as the offer page and the seller's feedback page show it (a Newbie without stats yet). */
export function publicSeller(
  user: { id: number; login: string; displayName: string | null },
  stats: Pick<typeof sellerStats.$inferSelect, 'level' | 'ratingPercent' | 'feedbackCount' | 'completedOrders'> | undefined | null,
) {
  return {
    id: user.id,
    login: user.login,
    displayName: user.displayName,
    level: stats?.level ?? ('newbie' as const),
    ratingPercent: stats?.ratingPercent ?? null,
    feedbackCount: stats?.feedbackCount ?? 0,
    completedOrders: stats?.completedOrders ?? 0,
  };
}

/** The price of one cart line or order line, from the offer's current content. */
export function lineTotal(content: Pick<OfferContent, 'priceCents' | 'options' | 'packages'>, line: { units: number; optionIds: number[]; packageTier: PackageTierName | null }): number {
  if (line.packageTier) return content.packages?.[line.packageTier]?.priceCents ?? 0;
  const options = content.options.filter((o) => line.optionIds.includes(o.id));
  return content.priceCents * line.units + options.reduce((sum, o) => sum + o.priceCents, 0);
}

export function createCatalog(deps: { db: Db; clock: Clock; temporal: Client; taskQueue: string }) {
  const { db, clock, temporal, taskQueue } = deps;

  /** Checks the content against its category: a leaf, its price rule, package prices, attributes. */
  async function checkAgainstCategory(content: OfferInput | OfferContent): Promise<void> {
    const [category] = await db.orm.select().from(categories).where(eq(categories.id, content.categoryId));
    if (!category) throw fieldError('body.categoryId', 'no such category');
    const [child] = await db.orm.select({ id: categories.id }).from(categories).where(eq(categories.parentId, category.id)).limit(1);
    if (child) throw fieldError('body.categoryId', 'offers go in a subcategory, not a top category');

    if (category.allowsFreePrice) {
      if (content.priceCents < catalogRules.freePriceMinCents || content.priceCents > catalogRules.freePriceMaxCents) {
        throw fieldError('body.priceCents', `between ${catalogRules.freePriceMinCents} and ${catalogRules.freePriceMaxCents} cents in this category`);
      }
    } else if (content.priceCents !== catalogRules.kworkBasePriceCents) {
      throw fieldError('body.priceCents', `the basic kwork costs ${catalogRules.kworkBasePriceCents} cents in this category (it has no free price)`);
    }

    for (const [tier, pkg] of Object.entries(content.packages ?? {})) {
      const fixed = category.fixedPackagePrices?.[tier as PackageTierName];
      if (fixed !== undefined && pkg.priceCents !== fixed) {
        throw fieldError(`body.packages.${tier}.priceCents`, `this category fixes the ${tier} package at ${fixed} cents`);
      }
    }

    const declared = await db.orm.select().from(categoryAttributes).where(eq(categoryAttributes.categoryId, category.id));
    for (const [key, value] of Object.entries(content.attributes)) {
      const attribute = declared.find((a) => a.key === key);
      const path = `body.attributes.${key}`;
      if (!attribute) throw fieldError(path, `the category declares no attribute "${key}"`);
      const values = Array.isArray(value) ? value : [value];
      if (Array.isArray(value) && !attribute.multiple) throw fieldError(path, 'takes one value');
      if (values.length === 0) throw fieldError(path, 'needs a value');
      const unknown = values.find((v) => !attribute.allowedValues.includes(v));
      if (unknown !== undefined) throw fieldError(path, `"${unknown}" is not one of ${attribute.allowedValues.join(', ')}`);
    }
    const missing = declared.find((a) => a.required && !(a.key in content.attributes));
    if (missing) throw fieldError(`body.attributes.${missing.key}`, 'this category requires it');
  }

  /** Refuses an offer whose title and description (near-)duplicate another of the seller's. */
  async function checkNotDuplicate(sellerId: number, content: { title: string; description: string }, exceptOfferId?: number) {
    const text = `${content.title} ${content.description}`;
    const [dup] = await db.sql<{ id: string }[]>`
      select id from offers
      where seller_id = ${sellerId} and status <> 'archived' and id <> ${exceptOfferId ?? 0}
        and similarity(lower(title || ' ' || description), lower(${text})) >= ${catalogRules.duplicateSimilarity}
      limit 1`;
    if (dup) {
      throw new AppError('duplicate_offer', 'you already have an offer with the same or nearly the same title and description', { offerId: Number(dup.id) });
    }
  }

  async function requireSeller(userId: number): Promise<void> {
    const [u] = await db.orm.select({ confirmed: users.emailConfirmedAt }).from(users).where(eq(users.id, userId));
    if (!u?.confirmed) throw new AppError('email_not_confirmed', 'confirm your email before creating offers');
  }

  async function ownOffer(sellerId: number, offerId: number, tx: Tx | Db['orm'] = db.orm): Promise<OfferRow> {
    const [row] = await tx.select().from(offers).where(and(eq(offers.id, offerId), eq(offers.sellerId, sellerId))).for('update');
    if (!row || row.status === 'archived') throw new AppError('not_found', 'no such offer');
    return row;
  }

  const wrongStatus = (row: OfferRow, action: string) =>
    new AppError('conflict', `cannot ${action} an offer that is ${row.status.replace('_', ' ')}`, { status: row.status });

  function withOptionIds(input: OfferInput, previous: OfferContent['options'] = []): OfferContent {
    // An option keeps its id while its title stays, so carts and orders still name it after an edit.
    let nextId = Math.max(0, ...previous.map((o) => o.id)) + 1;
    const options = input.options.map((o) => ({ ...o, id: previous.find((p) => p.title === o.title)?.id ?? nextId++ }));
    return { ...input, options };
  }

  /**
   * Starts the submission's moderation inside the transaction that records it: if starting
   * fails, nothing is recorded; if the commit fails after the start, the workflow finds no
   * submission row and ends at once.
   */
  async function submit(tx: Tx, row: OfferRow, content: OfferContent, as: 'new' | 'edit'): Promise<OfferRow> {
    const revision = row.revision + 1;
    const submittedAt = clock.now();
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
    const input: ModerationInput = {
      offerId: row.id,
      revision,
      sellerId: row.sellerId,
      title: content.title,
      submittedAt: submittedAt.toISOString(),
      policy: moderationPolicy(),
    };
    await temporal.workflow.start('kworkModeration', {
      workflowId: moderationWorkflowId(row.id, revision),
      taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: SA.status, value: 'moderation_awaiting' },
        { key: SA.sellerId, value: String(row.sellerId) },
        { key: SA.offerId, value: String(row.id) },
        { key: SA.nextDeadline, value: new Date(submittedAt.getTime() + moderationRules.reminderMs) },
      ],
      staticSummary: `Moderation of offer ${row.id} (revision ${revision}): “${content.title}” by seller ${row.sellerId}`,
    });
    return updated!;
  }

  /** The in-moderation limit: 3 with no active offer, 7 with one but no completed orders. */
  async function checkModerationLimit(tx: Tx, sellerId: number): Promise<void> {
    const [waiting] = await tx
      .select({ n: count() })
      .from(moderationSubmissions)
      .where(and(eq(moderationSubmissions.sellerId, sellerId), isNull(moderationSubmissions.decidedAt)));
    const [active] = await tx.select({ n: count() }).from(offers).where(and(eq(offers.sellerId, sellerId), eq(offers.status, 'active')));
    const [stats] = await tx.select({ completed: sellerStats.completedOrders }).from(sellerStats).where(eq(sellerStats.userId, sellerId));
    const limit =
      active!.n === 0
        ? { max: catalogRules.maxInModerationWithoutActive, rule: 'no active offer yet' }
        : (stats?.completed ?? 0) === 0
          ? { max: catalogRules.maxInModerationWithoutOrders, rule: 'an active offer but no orders yet' }
          : undefined;
    if (limit && waiting!.n >= limit.max) {
      throw new AppError('offer_limit', `a seller with ${limit.rule} may have at most ${limit.max} offers in moderation at once`, {
        rule: 'in_moderation',
        limit: limit.max,
      });
    }
  }

  /**
   * The offer page: everything a buyer needs to order. Anyone sees a visible offer; its
   * seller sees it in any status (with a pending edit and the moderator's reason); staff who
   * moderate see any; everyone else gets 404, as for an unknown offer.
   */
  async function page(offerId: number, viewer?: { id: number; roles: string[] }): Promise<OfferPage> {
    const [found] = await db.orm
      .select({ offer: offers, seller: users, stats: sellerStats })
      .from(offers)
      .innerJoin(users, eq(users.id, offers.sellerId))
      .leftJoin(sellerStats, eq(sellerStats.userId, offers.sellerId))
      .where(and(eq(offers.id, offerId), ne(offers.status, 'archived')));
    if (!found) throw new AppError('not_found', 'no such offer');
    const { offer, seller, stats } = found;
    const visible = offer.status === 'active' && !hiddenForWeekend(clock.now(), seller.timeZone, seller.hideOnWeekends);
    const privileged = viewer && (viewer.id === offer.sellerId || viewer.roles.some((r) => r === 'moderator' || r === 'admin'));
    if (!visible && !privileged) throw new AppError('not_found', 'no such offer');
    const [category] = await db.orm.select().from(categories).where(eq(categories.id, offer.categoryId));
    const [parent] = category!.parentId
      ? await db.orm.select().from(categories).where(eq(categories.id, category!.parentId))
      : [];
    const base = view(offer);
    return {
      ...base,
      // Others never see a pending edit or a moderator's note.
      pendingContent: privileged ? base.pendingContent : null,
      statusReason: privileged ? base.statusReason : null,
      category: { id: category!.id, name: category!.name, parent: parent ? { id: parent.id, name: parent.name } : null },
      seller: publicSeller(seller, stats),
      sellerEarningsCents: splitCommission(offer.priceCents, orderRules.commissionBps).seller,
      feedback: await offerFeedback(db, offer.id),
    };
  }

  /** The caller's cart lines still within their 14 days, priced from the offers as they are now. */
  async function cart(userId: number): Promise<{ items: CartItemView[]; totalCents: number }> {
    const now = clock.now();
    const rows = await db.orm
      .select({ item: cartItems, offer: offers, seller: users })
      .from(cartItems)
      .innerJoin(offers, eq(offers.id, cartItems.offerId))
      .innerJoin(users, eq(users.id, offers.sellerId))
      .where(and(eq(cartItems.userId, userId), gt(cartItems.expiresAt, now)))
      .orderBy(asc(cartItems.id));
    const items = rows.map(({ item, offer, seller }): CartItemView => {
      const available = offer.status === 'active' && !hiddenForWeekend(now, seller.timeZone, seller.hideOnWeekends);
      return {
        id: item.id,
        offerId: offer.id,
        title: offer.title,
        units: item.units,
        optionIds: item.optionIds,
        packageTier: item.packageTier,
        totalCents: lineTotal(contentOf(offer), item),
        available,
        expiresAt: item.expiresAt.toISOString(),
      };
    });
    return { items, totalCents: items.filter((i) => i.available).reduce((sum, i) => sum + i.totalCents, 0) };
  }

  return {
    page,
    cart,

    /** A new draft. Refused without a confirmed email, past the Newbie limit, or as a duplicate. */
    async create(sellerId: number, input: OfferInput): Promise<OfferView> {
      await requireSeller(sellerId);
      await checkAgainstCategory(input);
      return db.orm.transaction(async (tx) => {
        // One seller's creations queue on their user row, so two at once cannot both pass the limit.
        await tx.select({ id: users.id }).from(users).where(eq(users.id, sellerId)).for('update');
        const [total] = await tx.select({ n: count() }).from(offers).where(and(eq(offers.sellerId, sellerId), ne(offers.status, 'archived')));
        if (total!.n >= catalogRules.newbieMaxOffers) {
          throw new AppError('offer_limit', `a Newbie seller may have at most ${catalogRules.newbieMaxOffers} offers`, {
            rule: 'newbie_total',
            limit: catalogRules.newbieMaxOffers,
          });
        }
        await checkNotDuplicate(sellerId, input);
        const [row] = await tx.insert(offers).values({ ...withOptionIds(input), sellerId, createdAt: clock.now(), updatedAt: clock.now() }).returning();
        return view(row!);
      });
    },

    /**
     * Edits an offer. A draft or rejected one changes in place; a published one (active or
     * paused) keeps showing its current version while the edit goes through moderation.
     */
    async edit(sellerId: number, offerId: number, input: OfferInput): Promise<OfferView> {
      await checkAgainstCategory(input);
      await checkNotDuplicate(sellerId, input, offerId);
      return db.orm.transaction(async (tx) => {
        const row = await ownOffer(sellerId, offerId, tx);
        const content = withOptionIds(input, row.options);
        if (row.status === 'draft' || row.status === 'rejected') {
          const [updated] = await tx.update(offers).set({ ...content, updatedAt: clock.now() }).where(eq(offers.id, offerId)).returning();
          return view(updated!);
        }
        if ((row.status === 'active' || row.status === 'paused') && row.pendingContent === null) {
          await checkModerationLimit(tx, sellerId);
          return view(await submit(tx, row, content, 'edit'));
        }
        throw wrongStatus(row, row.pendingContent ? 'edit (an edit is already in moderation)' : 'edit');
      });
    },

    /** Sends a draft or a rejected offer to moderation. */
    async submit(sellerId: number, offerId: number): Promise<OfferView> {
      return db.orm.transaction(async (tx) => {
        const row = await ownOffer(sellerId, offerId, tx);
        if (row.status !== 'draft' && row.status !== 'rejected') throw wrongStatus(row, 'submit');
        await checkModerationLimit(tx, sellerId);
        return view(await submit(tx, row, contentOf(row), 'new'));
      });
    },

    /** The seller's "stop": hidden and not orderable; its rating and position are kept. */
    async pause(sellerId: number, offerId: number): Promise<OfferView> {
      return db.orm.transaction(async (tx) => {
        const row = await ownOffer(sellerId, offerId, tx);
        if (row.status !== 'active') throw wrongStatus(row, 'pause');
        const [updated] = await tx.update(offers).set({ status: 'paused', updatedAt: clock.now() }).where(eq(offers.id, offerId)).returning();
        return view(updated!);
      });
    },

    async resume(sellerId: number, offerId: number): Promise<OfferView> {
      return db.orm.transaction(async (tx) => {
        const row = await ownOffer(sellerId, offerId, tx);
        if (row.status !== 'paused') throw wrongStatus(row, 'resume');
        const [updated] = await tx.update(offers).set({ status: 'active', updatedAt: clock.now() }).where(eq(offers.id, offerId)).returning();
        return view(updated!);
      });
    },

    /** Removes an offer from the seller's list (and from the Newbie count); orders keep their snapshot. */
    async archive(sellerId: number, offerId: number): Promise<void> {
      await db.orm.transaction(async (tx) => {
        const row = await ownOffer(sellerId, offerId, tx);
        if (row.status === 'in_moderation' || row.status === 'blocked' || row.pendingContent) throw wrongStatus(row, 'delete');
        await tx.update(offers).set({ status: 'archived', updatedAt: clock.now() }).where(eq(offers.id, offerId));
        await tx.delete(cartItems).where(eq(cartItems.offerId, offerId));
      });
    },

    async mine(sellerId: number): Promise<OfferView[]> {
      const rows = await db.orm
        .select()
        .from(offers)
        .where(and(eq(offers.sellerId, sellerId), ne(offers.status, 'archived')))
        .orderBy(desc(offers.id));
      return rows.map(view);
    },

    /** Submissions awaiting a decision, oldest first: the moderators' queue. */
    async moderationQueue() {
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
    },

    /** An admin blocks an offer (a prohibited topic): it leaves search and cannot be ordered. */
    async block(offerId: number, reason: string): Promise<OfferView> {
      return db.orm.transaction(async (tx) => {
        const [row] = await tx.select().from(offers).where(eq(offers.id, offerId)).for('update');
        if (!row || row.status === 'archived') throw new AppError('not_found', 'no such offer');
        if (row.status !== 'active' && row.status !== 'paused') throw wrongStatus(row, 'block');
        const [updated] = await tx
          .update(offers)
          .set({ status: 'blocked', statusReason: reason, updatedAt: clock.now() })
          .where(eq(offers.id, offerId))
          .returning();
        await tx.delete(cartItems).where(eq(cartItems.offerId, offerId));
        return view(updated!);
      });
    },

    /** Removes the cart lines a checkout ordered, in the checkout's transaction. */
    async clearCart(tx: postgres.TransactionSql, userId: number, itemIds: number[]): Promise<void> {
      await tx`delete from cart_items where user_id = ${userId} and id = any(${itemIds}::int8[])`;
    },

    /** Adds (or replaces) the caller's cart line for an offer; it lapses after 14 days. */
    async addToCart(userId: number, line: { offerId: number; units: number; optionIds: number[]; packageTier: PackageTierName | null }) {
      const offer = await page(line.offerId); // as any buyer sees it: 404 unless visible
      if (offer.sellerId === userId) throw new AppError('conflict', 'you cannot order your own offer');
      if (line.packageTier) {
        if (!offer.packages?.[line.packageTier]) throw fieldError('body.packageTier', `this offer has no ${line.packageTier} package`);
        if (line.units !== 1 || line.optionIds.length > 0) throw fieldError('body.packageTier', 'a package is ordered alone: one unit, no options');
      }
      const unknown = line.optionIds.find((id) => !offer.options.some((o) => o.id === id));
      if (unknown !== undefined) throw fieldError('body.optionIds', `this offer has no option ${unknown}`);
      const now = clock.now();
      const values = {
        userId,
        offerId: line.offerId,
        units: line.units,
        optionIds: [...new Set(line.optionIds)].sort((a, b) => a - b),
        packageTier: line.packageTier,
        createdAt: now,
        expiresAt: new Date(now.getTime() + catalogRules.cartItemTtlMs),
      };
      await db.orm
        .insert(cartItems)
        .values(values)
        .onConflictDoUpdate({ target: [cartItems.userId, cartItems.offerId], set: values });
      return cart(userId);
    },

    async removeFromCart(userId: number, itemId: number): Promise<void> {
      const removed = await db.orm
        .delete(cartItems)
        .where(and(eq(cartItems.id, itemId), eq(cartItems.userId, userId)))
        .returning({ id: cartItems.id });
      if (removed.length === 0) throw new AppError('not_found', 'no such cart line');
    },

  };
}

export type Catalog = ReturnType<typeof createCatalog>;
