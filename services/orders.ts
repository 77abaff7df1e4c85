/**
 * Orders on the API's side: placement (the row, the escrow hold and the workflow's start in
 * one transaction), and what the API reads (lists, closed orders, notifications). The order's
 * live state belongs to its workflow; the read model here is what its activities keep current.
 */
import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { and, desc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { createLedger, InsufficientFundsError } from '../db/ledger.js';
import { placementLock } from '../db/locks.js';
import { enqueueMailIn } from '../db/outbox.js';
import { notifications, orders, type OfferOption, type PackageTierName, type Packages } from '../db/schema/index.js';
import { AppError } from '../workflows/lib/errors.js';
import { formatUsd, splitCommission } from '../workflows/lib/money.js';
import { DAY } from '../workflows/lib/time.js';
import { orderPolicy } from '../workflows/order/policy.js';
import { SA } from '../workflows/lib/search-attributes.js';
import * as machine from '../workflows/order/machine.js';
import { orderWorkflowId, type OrderInput, type OrderLine, type OrderPolicy, type OrderView, type Role, type Viewer } from '../workflows/order/messages.js';
import { lineTotal } from './catalog.js';
import type { Clock } from './clock.js';
import { hiddenForWeekend } from './visibility.js';

/** What a buyer orders: the basic kwork × units with options, or one package. */
export interface OrderRequest {
  offerId: number;
  units: number;
  optionIds: number[];
  packageTier: PackageTierName | null;
  requirements: string | null;
}

/** The offer and seller columns a placement prices and snapshots. */
interface QuoteRow {
  id: string;
  category_id: number;
  title: string;
  price_cents: number;
  lead_time_days: number;
  instructions: string;
  unit_volume: string;
  options: OfferOption[];
  packages: Packages | null;
  status: string;
  published: boolean;
  seller_id: string;
  seller_login: string;
  time_zone: string;
  hide_on_weekends: boolean;
  seller_blocked: boolean;
}

/** One line of `GET /orders`. */
export interface OrderListItem {
  id: number;
  title: string;
  status: string;
  role: Role;
  counterpart: { id: number; login: string };
  totalCents: number;
  sellerEarningsCents: number;
  nextDeadline: { at: string; outcome: string; waitingOn: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

export interface NotificationItem {
  id: number;
  orderId: number | null;
  kind: string;
  text: string;
  createdAt: string;
  read: boolean;
}

/** The search attributes a new order starts with (the workflow upserts them as they change). */
export function orderSearchAttributes(input: OrderInput): SearchAttributePair[] {
  const next = machine.nextDeadline(machine.initialState(input));
  return [
    { key: SA.status, value: machine.searchStatus('awaiting_start') },
    { key: SA.buyerId, value: String(input.buyer.id) },
    { key: SA.sellerId, value: String(input.seller.id) },
    { key: SA.offerId, value: String(input.offer.offerId) },
    { key: SA.amountCents, value: input.totalCents },
    ...(next ? [{ key: SA.nextDeadline, value: new Date(next.at) }] : []),
  ];
}

export function createOrders(deps: {
  db: Db;
  clock: Clock;
  temporal: Client;
  taskQueue: string;
  /** The rules new orders start with: the policy module's unless a test shortens them to run timers on the dev server. */
  orderPolicy?: OrderPolicy;
}) {
  const { db, clock, temporal, taskQueue } = deps;
  const rules = deps.orderPolicy ?? orderPolicy();
  const ledger = createLedger(db);

  /**
   * Prices an order on the server from the offer as it is now, and snapshots the offer.
   * Refuses an offer that is not orderable: unknown or never published (404), paused, blocked
   * or hidden for the weekend (409), the buyer's own (422).
   */
  async function quote(buyer: { id: number; login: string }, req: OrderRequest, placedAt: Date): Promise<Omit<OrderInput, 'orderId'>> {
    // A prepared statement of just the columns an order needs (every placement runs it).
    const [row] = await db.sql<QuoteRow[]>`
      select o.id, o.category_id, o.title, o.price_cents, o.lead_time_days, o.instructions, o.unit_volume, o.options, o.packages,
        o.status, o.published_at is not null as published,
        u.id as seller_id, u.login as seller_login, u.time_zone, u.hide_on_weekends, u.blocked_at is not null as seller_blocked
      from offers o join users u on u.id = o.seller_id
      where o.id = ${req.offerId}`;
    const field = (path: string, message: string) => new AppError('invalid_input', `${path}: ${message}`, { fields: [{ path, message, code: 'custom' }] });
    if (!row || !row.published) throw new AppError('not_found', 'no such offer');
    const offer = {
      id: Number(row.id),
      categoryId: row.category_id,
      title: row.title,
      priceCents: row.price_cents,
      leadTimeDays: row.lead_time_days,
      instructions: row.instructions,
      unitVolume: row.unit_volume,
      options: row.options,
      packages: row.packages,
      status: row.status,
    };
    const seller = { id: Number(row.seller_id), login: row.seller_login, timeZone: row.time_zone, hideOnWeekends: row.hide_on_weekends, blocked: row.seller_blocked };
    if (offer.status !== 'active') throw new AppError('conflict', `the offer is ${offer.status}: it takes no orders`, { status: offer.status });
    if (seller.blocked) throw new AppError('conflict', 'the seller’s account is blocked: the offer takes no orders', { status: 'seller_blocked' });
    if (hiddenForWeekend(placedAt, seller.timeZone, seller.hideOnWeekends)) {
      throw new AppError('conflict', 'the seller takes no orders at the weekend; try again on Monday', { status: 'hidden' });
    }
    if (seller.id === buyer.id) throw new AppError('rule_violation', 'you cannot order your own kwork');

    let line: OrderLine;
    let leadTimeMs: number;
    if (req.packageTier) {
      const pkg = offer.packages?.[req.packageTier];
      if (!pkg) throw field('body.packageTier', `this offer has no ${req.packageTier} package`);
      if (req.units !== 1 || req.optionIds.length) throw field('body.packageTier', 'a package is ordered alone: one unit, no options');
      line = { kind: 'package', tier: req.packageTier, includes: pkg.includes };
      leadTimeMs = pkg.leadTimeDays * DAY;
    } else {
      const unknown = req.optionIds.filter((id) => !offer.options.some((o) => o.id === id));
      if (unknown.length) throw field('body.optionIds', `no such option: ${unknown.join(', ')}`);
      const chosen = offer.options.filter((o) => req.optionIds.includes(o.id));
      line = { kind: 'basic', units: req.units, options: chosen.map((o) => ({ id: o.id, title: o.title, priceCents: o.priceCents, extraDays: o.extraDays })) };
      // The seed's rule: each further unit takes half the base time; options add their own.
      leadTimeMs = offer.leadTimeDays * DAY + ((req.units - 1) * offer.leadTimeDays * DAY) / 2 + chosen.reduce((sum, o) => sum + o.extraDays * DAY, 0);
    }
    // The cart's pricing rule, so a cart line and its order cost the same.
    const totalCents = lineTotal(offer, req);
    return {
      buyer: { id: buyer.id, login: buyer.login },
      seller: { id: seller.id, login: seller.login },
      offer: {
        offerId: offer.id,
        title: offer.title,
        categoryId: offer.categoryId,
        basePriceCents: offer.priceCents,
        baseLeadTimeDays: offer.leadTimeDays,
        instructions: offer.instructions,
        unitVolume: offer.unitVolume,
      },
      line,
      totalCents,
      leadTimeMs,
      placedAt: placedAt.toISOString(),
      requirements: req.requirements,
      policy: rules,
    };
  }

  /** The orders an earlier request with these keys placed, in key order; null if none. */
  async function placedBefore(buyerId: number, keys: string[]): Promise<OrderView[] | null> {
    // Every placement asks first (a prepared statement).
    const rows = await db.sql<{ request_key: string; view: OrderView }[]>`
      select request_key, view from orders where buyer_id = ${buyerId} and request_key = any(${keys}::text[])`;
    if (rows.length === 0) return null;
    return keys.flatMap((k) => rows.filter((r) => r.request_key === k).map((r) => r.view));
  }

  /**
   * Places the orders all or nothing, in one transaction: each row, each escrow hold, the
   * seller's email, then every workflow's start; the answer comes after the commit. Too little
   * money for all of them: 422 with the missing amount, and nothing is written or started. A
   * workflow started by a transaction that then fails to commit finds no row and ends (void).
   * A request key seen before returns the orders it placed.
   */
  async function placeAll(
    buyer: { id: number; login: string },
    items: { request: OrderRequest; requestKey: string; cartItemId?: number }[],
    options: { emptyMessage?: string; afterPlaced?: (tx: postgres.TransactionSql) => Promise<void> } = {},
  ): Promise<{ views: OrderView[]; replayed: boolean }> {
    const keys = items.map((i) => i.requestKey);
    const earlier = keys.length ? await placedBefore(buyer.id, keys) : null;
    if (earlier) return { views: earlier, replayed: true };
    if (items.length === 0) throw new AppError('rule_violation', options.emptyMessage ?? 'nothing to order');

    const placedAt = clock.now();
    const quotes: Omit<OrderInput, 'orderId'>[] = [];
    for (const item of items) {
      try {
        quotes.push(await quote(buyer, item.request, placedAt));
      } catch (err) {
        // A cart line that cannot be ordered names itself.
        if (err instanceof AppError && item.cartItemId !== undefined) {
          throw new AppError(err.code, `cart line ${item.cartItemId} (offer ${item.request.offerId}): ${err.message}`, { ...err.details, cartItemId: item.cartItemId });
        }
        throw err;
      }
    }
    const required = quotes.reduce((sum, q) => sum + q.totalCents, 0);

    class Replayed extends Error {}
    try {
      const inputs = await db.sql.begin(async (sqlTx) => {
        const placed: OrderInput[] = [];
        for (const [i, q] of quotes.entries()) {
          const [{ id }] = (await sqlTx`select nextval(pg_get_serial_sequence('orders', 'id'))::int8 as id`) as unknown as [{ id: string }];
          const orderId = Number(id);
          await placementLock(sqlTx, orderId, false);
          const input: OrderInput = { orderId, ...q };
          const view = { ...machine.viewOf(machine.initialState(input), 'buyer', input.placedAt), allowedActions: [] };
          const { seller: sellerEarningsCents, commission } = splitCommission(q.totalCents, q.policy.commissionBps);
          // postgres.js, not drizzle: the ledger's hold shares this transaction, and drizzle cannot wrap one.
          const inserted = await sqlTx`
            insert into orders (id, buyer_id, seller_id, offer_id, request_key, title, total_cents, seller_earnings_cents, commission_cents,
              status, next_deadline_at, next_deadline_outcome, waiting_on, view, policy_version, created_at, updated_at)
            values (${orderId}, ${buyer.id}, ${q.seller.id}, ${q.offer.offerId}, ${items[i]!.requestKey}, ${q.offer.title}, ${q.totalCents},
              ${sellerEarningsCents}, ${commission}, ${view.status}, ${view.nextDeadline?.at ?? null}::timestamptz, ${view.nextDeadline?.outcome ?? null},
              ${view.nextDeadline?.party ?? null}, ${JSON.stringify(view)}::jsonb, ${q.policy.version}, ${input.placedAt}::timestamptz, ${input.placedAt}::timestamptz)
            on conflict (buyer_id, request_key) do nothing
            returning id`;
          // A concurrent request with the same key committed first (this insert waited for it).
          if (inserted.length === 0) throw new Replayed();
          try {
            await ledger.holdIn(sqlTx, { orderId, buyerId: buyer.id, amount: q.totalCents, description: `Order ${orderId}: “${q.offer.title}” held in escrow` });
          } catch (err) {
            if (!(err instanceof InsufficientFundsError)) throw err;
            const available = err.details!.availableCents as number;
            const before = available + quotes.slice(0, i).reduce((sum, x) => sum + x.totalCents, 0);
            throw new InsufficientFundsError(required, before);
          }
          const [seller] = await sqlTx<{ email: string }[]>`select email from users where id = ${q.seller.id}`;
          await enqueueMailIn(sqlTx, {
            kind: 'order_placed',
            to: seller!.email,
            subject: `New order ${orderId}: “${q.offer.title}”`,
            body: `${buyer.login} ordered “${q.offer.title}” for ${formatUsd(q.totalCents)} (you earn ${formatUsd(sellerEarningsCents)}). Start work within ${q.policy.startWithinMs / 3_600_000} hours, or the order is cancelled.`,
          });
          placed.push(input);
        }
        await options.afterPlaced?.(sqlTx);
        // Last, so that a refusal above starts nothing; the transaction commits only once every workflow exists.
        await Promise.all(placed.map((input) => startWorkflow(input)));
        return placed;
      });
      return { views: inputs.map((input) => machine.viewOf(machine.initialState(input), 'buyer', input.placedAt)), replayed: false };
    } catch (err) {
      if (err instanceof Replayed) return { views: (await placedBefore(buyer.id, keys))!, replayed: true };
      throw err;
    }
  }

  function startWorkflow(input: OrderInput) {
    return temporal.workflow.start('orderWorkflow', {
      workflowId: orderWorkflowId(input.orderId),
      taskQueue,
      args: [input],
      typedSearchAttributes: orderSearchAttributes(input),
      staticSummary: machine.summaryOf(input),
    });
  }

  /** An order the caller may see (a party or staff), with the caller's role; else 404. */
  async function orderFor(user: { id: number; roles: readonly string[] }, orderId: number, staffRoles: readonly string[]) {
    // Not the view: an open order's comes from its workflow (see `storedView` for the rest).
    // Every action and read of an order runs this: a prepared statement.
    const [found] = await db.sql<{ buyer_id: string; seller_id: string; status: string }[]>`
      select buyer_id, seller_id, status from orders where id = ${orderId}`;
    const row = found && { buyerId: Number(found.buyer_id), sellerId: Number(found.seller_id), status: found.status };
    const isStaff = user.roles.some((r) => staffRoles.includes(r));
    const role: Viewer | null = !row ? null : row.buyerId === user.id ? 'buyer' : row.sellerId === user.id ? 'seller' : isStaff ? 'staff' : null;
    if (!row || !role) throw new AppError('not_found', 'no such order');
    return { row, role };
  }

  return {
    /** Places one order; a retry with the same Idempotency-Key returns the same order. */
    async place(buyer: { id: number; login: string }, request: OrderRequest, requestKey: string) {
      const { views, replayed } = await placeAll(buyer, [{ request, requestKey }]);
      const view = views[0]!;
      if (view.offer.offerId !== request.offerId) throw new AppError('conflict', 'this Idempotency-Key was used for another order', { orderId: view.orderId });
      return { view, replayed };
    },

    placeAll,
    orderFor,

    /** The order's view as its row last recorded it, with no actions: for closed orders, and ones the server forgot. */
    async storedView(orderId: number): Promise<OrderView> {
      const [row] = await db.orm.select({ view: orders.view }).from(orders).where(eq(orders.id, orderId));
      if (!row) throw new AppError('not_found', 'no such order');
      return { ...row.view, allowedActions: [] };
    },

    /**
     * The orders placed by earlier requests whose keys start with `prefix`, in placement order;
     * null if none. A checkout's keys are `checkout:<Idempotency-Key>:<cart line>`, and its
     * retry finds the cart already emptied, so it looks its orders up by the key alone.
     */
    async placedWithKeyPrefix(buyerId: number, prefix: string): Promise<OrderView[] | null> {
      const rows = await db.orm
        .select({ view: orders.view })
        .from(orders)
        .where(and(eq(orders.buyerId, buyerId), sql`starts_with(${orders.requestKey}, ${prefix})`))
        .orderBy(orders.id);
      return rows.length ? rows.map((r) => r.view) : null;
    },

    /** The caller's orders as buyer or seller, newest first, with a keyset cursor. */
    async list(userId: number, q: { role: Role; status?: string; cursor?: number; limit: number }): Promise<{ items: OrderListItem[]; nextCursor: string | null }> {
      const conditions: SQL[] = [eq(q.role === 'buyer' ? orders.buyerId : orders.sellerId, userId)];
      if (q.status) conditions.push(eq(orders.status, q.status));
      if (q.cursor) conditions.push(lt(orders.id, q.cursor));
      const rows = await db.orm.select().from(orders).where(and(...conditions)).orderBy(desc(orders.id)).limit(q.limit + 1);
      const items = rows.slice(0, q.limit).map((r): OrderListItem => ({
        id: r.id,
        title: r.title,
        status: r.status,
        role: q.role,
        counterpart: q.role === 'buyer' ? r.view.seller : r.view.buyer,
        totalCents: r.totalCents,
        sellerEarningsCents: r.sellerEarningsCents,
        nextDeadline: r.nextDeadlineAt ? { at: r.nextDeadlineAt.toISOString(), outcome: r.nextDeadlineOutcome ?? '', waitingOn: r.waitingOn } : null,
        createdAt: r.createdAt.toISOString(),
        updatedAt: r.updatedAt.toISOString(),
      }));
      return { items, nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.id) : null };
    },

    /** Orders in a status for staff (e.g. arbitration cases), oldest deadline first. */
    async byStatus(status: string, limit: number) {
      const rows = await db.orm.select().from(orders).where(eq(orders.status, status)).orderBy(orders.nextDeadlineAt, orders.id).limit(limit);
      return rows.map((r) => ({
        id: r.id,
        title: r.title,
        status: r.status,
        buyer: r.view.buyer,
        seller: r.view.seller,
        totalCents: r.totalCents,
        dispute: r.view.dispute,
        nextDeadline: r.nextDeadlineAt ? { at: r.nextDeadlineAt.toISOString(), outcome: r.nextDeadlineOutcome ?? '', waitingOn: r.waitingOn } : null,
      }));
    },

    async notifications(userId: number, q: { unreadOnly: boolean; cursor?: number; limit: number }) {
      const conditions: SQL[] = [eq(notifications.userId, userId)];
      if (q.unreadOnly) conditions.push(isNull(notifications.readAt));
      if (q.cursor) conditions.push(lt(notifications.id, q.cursor));
      const rows = await db.orm.select().from(notifications).where(and(...conditions)).orderBy(desc(notifications.id)).limit(q.limit + 1);
      const [{ unread }] = (await db.orm
        .select({ unread: sql<number>`count(*)::int` })
        .from(notifications)
        .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))) as [{ unread: number }];
      const items = rows.slice(0, q.limit).map((n): NotificationItem => ({
        id: n.id,
        orderId: n.orderId,
        kind: n.kind,
        text: n.text,
        createdAt: n.createdAt.toISOString(),
        read: n.readAt !== null,
      }));
      return { items, unreadCount: unread, nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.id) : null };
    },

    /** Marks the given notifications (or all) read; returns the unread count left. */
    async markRead(userId: number, ids: number[] | null): Promise<{ unreadCount: number }> {
      const mine = and(eq(notifications.userId, userId), isNull(notifications.readAt));
      await db.orm
        .update(notifications)
        .set({ readAt: clock.now() })
        .where(ids ? and(mine, inArray(notifications.id, ids)) : mine);
      const [{ unread }] = (await db.orm.select({ unread: sql<number>`count(*)::int` }).from(notifications).where(mine)) as [{ unread: number }];
      return { unreadCount: unread };
    },
  };
}

export type Orders = ReturnType<typeof createOrders>;
