/**
 * Placing orders: the server prices each from the offer as it is now (the pure rules of
 * `workflows/order/placement.ts`), snapshots the offer, and in one database transaction writes
 * each order's row, holds its total in escrow, notifies the seller (in-app and by email) and
 * queues its workflow's start; after the commit it starts the workflows (`db/order-starts.ts`).
 * A start Temporal does not take is left queued: the answer is Temporal's error (503), and the
 * buyer's retry with the same key, or a worker's sweep within a minute, starts it, so money held
 * for an order always gets its workflow. A rolled-back placement starts nothing.
 * A request key seen before returns the orders it placed; with a different request, it is
 * refused (`./idempotency.ts`).
 */
import { and, eq, sql } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { InsufficientFundsError, type Ledger } from '../db/ledger.js';
import { startQueued, startQueuedWorkflows } from '../db/workflow-starts.js';
import { activateOnOrderIn } from '../db/referrals.js';
import type { OfferOption, Packages } from '../db/schema/catalog.js';
import { orders } from '../db/schema/orders.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { formatUsd, splitCommission } from '../workflows/lib/money.js';
import { initialState, viewOf } from '../workflows/order/machine.js';
import { orderWorkflowId, type OrderInput, type OrderPolicy, type OrderView } from '../workflows/order/messages.js';
import { isRefusal, quote, type LineRequest } from '../workflows/order/placement.js';
import { pickKey, pickOrderKey, type PickedOrders, type PickOrders } from '../workflows/request/messages.js';
import type { Clock } from './clock.js';
import { assertSameRequest, keyedRequest, recordKeyIn, type KeyedRequest } from './idempotency.js';
import { hiddenForWeekend } from './visibility.js';
import { queuedStart, type WorkflowGateway } from './workflow-gateway.js';
import { ordersPlaced } from '../telemetry/metrics.js';

/** What a buyer orders: the basic kwork × units with options, or one package. */
export interface OrderRequest extends LineRequest {
  offerId: number;
  optionIds: number[];
  requirements: string | null;
}

/** One order of a placement, with the key that makes a retry find it. */
export interface PlacementItem {
  request: OrderRequest;
  requestKey: string;
  /** Set for a cart checkout: a line that cannot be ordered names itself. */
  cartItemId?: number;
  /** Set for an accepted individual offer (K-46): the price and lead time agreed instead of the offer's own. */
  terms?: AgreedTerms;
}

/**
 * An individual offer's terms (K-46): the order is one unit of the basic kwork, no options, with
 * the snapshot's base price and lead time set to the agreed ones, so the order's own check of its
 * input (`inconsistencyOf`: total = base × 1, lead time = base days) holds as for any order.
 */
export interface AgreedTerms {
  priceCents: number;
  leadTimeDays: number;
  /** The order's title (the offer's, marked as individual). */
  title: string;
}

export interface PlacementDeps {
  db: Db;
  clock: Clock;
  ledger: Ledger;
  workflows: Pick<WorkflowGateway, 'startQueued'>;
  /** The rules new orders start with. */
  rules: OrderPolicy;
}

/** Who orders: only an account whose email is confirmed may. */
export type Buyer = { id: number; login: string; emailConfirmed: boolean };

/** Only a confirmed email orders (`POST /orders`, a cart's checkout, the web client's forms alike). */
export function requireConfirmedEmail(buyer: Buyer): void {
  if (!buyer.emailConfirmed) throw new AppError('email_not_confirmed', 'confirm your email before ordering');
}
type Quoted = Omit<OrderInput, 'orderId'>;

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
  /** The seller's running sanction block (K-64, K-65), if any: until when, and why. */
  blocked_until: string | null;
  block_reason: string | null;
}


/**
 * Whether the offer takes orders from this buyer now: unknown or never published (404),
 * paused, blocked, suspended by a sanction (409, saying until when) or hidden for the weekend (409), the buyer's own (422).
 */
function checkOrderable(row: QuoteRow | undefined, buyer: Buyer, placedAt: Date): asserts row is QuoteRow {
  if (!row || !row.published) throw new AppError('not_found', 'no such offer');
  if (row.status === 'suspended' && row.blocked_until !== null) {
    const until = new Date(row.blocked_until).toISOString();
    throw new AppError('conflict', `the seller’s offers are blocked until ${until} (${row.block_reason}): the offer takes no orders until then`, {
      status: 'suspended',
      until,
      reason: row.block_reason,
    });
  }
  if (row.status !== 'active') throw new AppError('conflict', `the offer is ${row.status}: it takes no orders`, { status: row.status });
  if (row.seller_blocked) throw new AppError('conflict', 'the seller’s account is blocked: the offer takes no orders', { status: 'seller_blocked' });
  if (hiddenForWeekend(placedAt, row.time_zone, row.hide_on_weekends)) {
    throw new AppError('conflict', 'the seller takes no orders at the weekend; try again on Monday', { status: 'hidden' });
  }
  if (Number(row.seller_id) === buyer.id) throw new AppError('rule_violation', 'you cannot order your own kwork');
}

/** Prices an order on the server from the offer as it is now, and snapshots the offer. */
async function quoteOrder(deps: PlacementDeps, buyer: Buyer, req: OrderRequest, placedAt: Date, terms?: AgreedTerms): Promise<Quoted> {
  // A prepared statement of just the columns an order needs (every placement runs it).
  const [row] = await deps.db.sql<QuoteRow[]>`
    select o.id, o.category_id, o.title, o.price_cents, o.lead_time_days, o.instructions, o.unit_volume, o.options, o.packages,
      o.status, o.published_at is not null as published,
      u.id as seller_id, u.login as seller_login, u.time_zone, u.hide_on_weekends, u.blocked_at is not null as seller_blocked,
      coalesce(s.account_blocked_until, s.offers_blocked_until) as blocked_until, coalesce(s.account_block_reason, s.offers_block_reason) as block_reason
    from offers o join users u on u.id = o.seller_id left join standings s on s.user_id = o.seller_id
    where o.id = ${req.offerId}`;
  checkOrderable(row, buyer, placedAt);
  const base = terms ? { priceCents: terms.priceCents, leadTimeDays: terms.leadTimeDays, options: [], packages: null } : { priceCents: row.price_cents, leadTimeDays: row.lead_time_days, options: row.options, packages: row.packages };
  const priced = quote(base, terms ? { units: 1, optionIds: [], packageTier: null } : req);
  if (isRefusal(priced)) throw fieldError(priced.path, priced.message);
  return {
    buyer: { id: buyer.id, login: buyer.login },
    seller: { id: Number(row.seller_id), login: row.seller_login },
    offer: {
      offerId: Number(row.id),
      title: terms?.title ?? row.title,
      categoryId: row.category_id,
      basePriceCents: base.priceCents,
      baseLeadTimeDays: base.leadTimeDays,
      instructions: row.instructions,
      unitVolume: row.unit_volume,
    },
    ...priced,
    placedAt: placedAt.toISOString(),
    requirements: req.requirements,
    policy: deps.rules,
  };
}

/** Quotes every item; a cart line that cannot be ordered names itself. */
async function quoteAll(deps: PlacementDeps, buyer: Buyer, items: PlacementItem[], placedAt: Date): Promise<Quoted[]> {
  const quotes: Quoted[] = [];
  for (const item of items) {
    try {
      quotes.push(await quoteOrder(deps, buyer, item.request, placedAt, item.terms));
    } catch (err) {
      if (err instanceof AppError && item.cartItemId !== undefined) {
        throw new AppError(err.code, `cart line ${item.cartItemId} (offer ${item.request.offerId}): ${err.message}`, { ...err.details, cartItemId: item.cartItemId });
      }
      throw err;
    }
  }
  return quotes;
}

/** The orders an earlier request with these keys placed, in key order; null if none. */
async function placedBefore(db: Db, buyerId: number, keys: string[]): Promise<OrderView[] | null> {
  // Every placement asks first (a prepared statement).
  const rows = await db.sql<{ request_key: string; view: OrderView }[]>`
    select request_key, view from orders where buyer_id = ${buyerId} and request_key = any(${keys}::text[])`;
  if (rows.length === 0) return null;
  return keys.flatMap((k) => rows.filter((r) => r.request_key === k).map((r) => r.view));
}

/** The next order's id, taken before its row is written: the workflow's input names it. */
async function newOrderId(tx: postgres.TransactionSql): Promise<number> {
  const [row] = await tx<{ id: string }[]>`select nextval(pg_get_serial_sequence('orders', 'id'))::int8 as id`;
  return Number(row!.id);
}

/** A concurrent request with the same key committed first (the insert waited for it). */
class Replayed extends Error {}

/**
 * The order's row, as its workflow will keep it, the seller told of it (K-70) and its
 * workflow's start queued (`db/order-starts.ts`), in one statement: the notification is written only with the row, so a replayed placement (the row's
 * key found: false) tells nobody, and a refused or rolled-back one nobody either — the
 * transaction takes it back. The email follows the seller's notification settings (by default
 * the app and email): the `notifications_route` trigger of migration 0017 queues it. The
 * notification's key cannot meet the workflow's `order:<id>:<seq>:<user>`. The buyer, who placed
 * it, is told nothing. postgres.js, not drizzle: the ledger's hold shares this transaction, and
 * drizzle cannot wrap one.
 */
async function insertOrder(tx: postgres.TransactionSql, input: OrderInput, requestKey: string): Promise<boolean> {
  const view = viewOf(initialState(input), null, input.placedAt);
  const { seller: sellerEarningsCents, commission } = splitCommission(input.totalCents, input.policy.commissionBps);
  const told = `${input.buyer.login} ordered “${input.offer.title}” for ${formatUsd(input.totalCents)} (you earn ${formatUsd(sellerEarningsCents)}). Start work within ${input.policy.startWithinMs / 3_600_000} hours, or the order is cancelled.`;
  const inserted = await tx`
    with placed as (
      insert into orders (id, buyer_id, seller_id, offer_id, request_key, title, total_cents, seller_earnings_cents, commission_cents,
        status, next_deadline_at, next_deadline_outcome, waiting_on, view, policy_version, created_at, updated_at)
      values (${input.orderId}, ${input.buyer.id}, ${input.seller.id}, ${input.offer.offerId}, ${requestKey}, ${input.offer.title}, ${input.totalCents},
        ${sellerEarningsCents}, ${commission}, ${view.status}, ${view.nextDeadline?.at ?? null}::timestamptz, ${view.nextDeadline?.outcome ?? null},
        ${view.nextDeadline?.party ?? null}, ${JSON.stringify(view)}::jsonb, ${input.policy.version}, ${input.placedAt}::timestamptz, ${input.placedAt}::timestamptz)
      on conflict (buyer_id, request_key) do nothing
      returning id
    ), told as (
      insert into notifications (user_id, order_id, kind, text, dedupe_key, created_at)
      select ${input.seller.id}, id, 'order_placed', ${told}, ${`order:${input.orderId}:placed:${input.seller.id}`}, ${input.placedAt}::timestamptz from placed
      on conflict (dedupe_key) do nothing
    ), queued as (
      insert into workflow_starts (workflow_id, process, input, created_at)
      select ${orderWorkflowId(input.orderId)}, 'order', ${JSON.stringify(input)}::jsonb, ${input.placedAt}::timestamptz from placed
    )
    select id from placed`;
  return inserted.length > 0;
}

/**
 * Writes every order of the placement in `tx`: row, escrow hold, the seller's notification and
 * email. Too little money for all of them: 422 with the missing amount for the whole placement.
 */
async function writeOrders(deps: PlacementDeps, tx: postgres.TransactionSql, buyer: Buyer, items: PlacementItem[], quotes: Quoted[]): Promise<OrderInput[]> {
  const required = quotes.reduce((sum, q) => sum + q.totalCents, 0);
  const placed: OrderInput[] = [];
  for (const [i, q] of quotes.entries()) {
    const input: OrderInput = { orderId: await newOrderId(tx), ...q, committedBeforeStart: true };
    if (!(await insertOrder(tx, input, items[i]!.requestKey))) throw new Replayed();
    try {
      await deps.ledger.holdIn(tx, { orderId: input.orderId, buyerId: buyer.id, amount: q.totalCents, description: `Order ${input.orderId}: “${q.offer.title}” held in escrow` });
    } catch (err) {
      if (!(err instanceof InsufficientFundsError)) throw err;
      const available = err.details!.availableCents as number;
      const before = available + quotes.slice(0, i).reduce((sum, x) => sum + x.totalCents, 0);
      throw new InsufficientFundsError(required, before);
    }
    placed.push(input);
  }
  return placed;
}

export interface PlaceOptions {
  /** The request and its Idempotency-Key, recorded with the orders it places. */
  request: KeyedRequest;
  /** The orders an earlier request with the key placed, if any. */
  placedBefore: () => Promise<OrderView[] | null>;
  emptyMessage?: string;
  /** More writes of the placement's transaction (a checkout empties the cart). */
  afterPlaced?: (tx: postgres.TransactionSql) => Promise<void>;
}

/**
 * Places the orders all or nothing; the answer comes after the commit. A retry of a request
 * answers the orders it placed; the same key with a different request is refused.
 */
export async function placeAll(deps: PlacementDeps, buyer: Buyer, items: PlacementItem[], options: PlaceOptions): Promise<{ views: OrderView[]; replayed: boolean }> {
  const replay = async () => {
    await assertSameRequest(deps.db, buyer.id, options.request);
    return options.placedBefore();
  };
  const earlier = await replay();
  if (earlier) return { views: await startedWith(deps, earlier), replayed: true };
  if (items.length === 0) throw new AppError('rule_violation', options.emptyMessage ?? 'nothing to order');
  const placedAt = deps.clock.now();
  const quotes = await quoteAll(deps, buyer, items, placedAt);
  try {
    const inputs = await deps.db.sql.begin(async (tx) => {
      if (!(await recordKeyIn(tx, buyer.id, options.request, placedAt))) throw new Replayed();
      const placed = await writeOrders(deps, tx, buyer, items, quotes);
      // K-55: a referral's order within 180 days of registering makes them active.
      await activateOnOrderIn(tx, buyer.id, placedAt);
      await options.afterPlaced?.(tx);
      return placed;
    });
    // Issue 19 §4: counted once committed, by the process that placed them.
    ordersPlaced.inc(inputs.length);
    await startQueued(deps.db, deps.workflows.startQueued, inputs.map((input) => queuedStart('order', input)));
    return { views: inputs.map((input) => viewOf(initialState(input), 'buyer', input.placedAt)), replayed: false };
  } catch (err) {
    if (!(err instanceof Replayed)) throw err;
    const views = await replay();
    if (!views) throw err;
    return { views: await startedWith(deps, views), replayed: true };
  }
}

/** A retried placement's orders, each workflow the first attempt could not start now started. */
async function startedWith(deps: PlacementDeps, views: OrderView[]): Promise<OrderView[]> {
  await startQueuedWorkflows(deps.db, deps.workflows.startQueued, { workflowIds: views.map((v) => orderWorkflowId(v.orderId)) });
  return views;
}

/** Places one order; a retry with the same Idempotency-Key and request returns the same order. */
export async function placeOne(deps: PlacementDeps, buyer: Buyer, request: OrderRequest, requestKey: string): Promise<{ view: OrderView; replayed: boolean }> {
  requireConfirmedEmail(buyer);
  const { views, replayed } = await placeAll(deps, buyer, [{ request, requestKey }], {
    request: keyedRequest(requestKey, 'place_order', request),
    placedBefore: () => placedBefore(deps.db, buyer.id, [requestKey]),
  });
  return { view: views[0]!, replayed };
}

/**
 * The orders placed by earlier requests whose keys start with `prefix`, in placement order;
 * null if none. A checkout's keys are `checkout:<Idempotency-Key>:<cart line>`, and its retry
 * finds the cart already emptied, so it looks its orders up by the key alone.
 */
export async function placedWithKeyPrefix(db: Db, buyerId: number, prefix: string): Promise<OrderView[] | null> {
  const rows = await db.orm
    .select({ view: orders.view })
    .from(orders)
    .where(and(eq(orders.buyerId, buyerId), sql`starts_with(${orders.requestKey}, ${prefix})`))
    .orderBy(orders.id);
  return rows.length ? rows.map((r) => r.view) : null;
}

/** What a pick's individual offer (K-46) must be to be ordered: the request's, the buyer's, open and not lapsed. */
interface PickedIndividualOffer {
  id: string;
  price_cents: number;
  lead_time_days: number;
  title: string;
  ok: boolean;
  status: string;
}

/** The picked answers' individual offers by id; 409 for one that was withdrawn, declined or lapsed (nothing is placed). */
async function pickedIndividualOffers(db: Db, pick: PickOrders, at: string): Promise<Map<number, PickedIndividualOffer>> {
  const ids = pick.picks.flatMap((p) => (p.individualOfferId === undefined ? [] : [p.individualOfferId]));
  if (ids.length === 0) return new Map();
  const rows = await db.sql<PickedIndividualOffer[]>`
    select i.id, i.price_cents, i.lead_time_days, o.title, i.status,
      (i.status = 'open' and i.expires_at > ${at}::timestamptz) as ok
    from individual_offers i join offers o on o.id = i.based_on_offer_id
    where i.id = any(${ids}::int8[]) and i.request_id = ${pick.requestId} and i.buyer_id = ${pick.buyerId}`;
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const id of ids) {
    const row = byId.get(id);
    if (!row) throw new AppError('not_found', `no individual offer ${id} on this request`);
    if (!row.ok) throw new AppError('conflict', `the individual offer #${id} is ${row.status === 'open' ? 'expired' : row.status}: it cannot be ordered`, { status: row.status });
  }
  return byId;
}

/**
 * K-44: a service request's pick, one order per picked answer's offer, all or nothing, through
 * this same placement (escrow, the seller told, the order's workflow) — called by the request
 * workflow's activity, in the worker. The request's description is each order's requirements.
 * An answer with an individual offer (K-46) is ordered at its terms (`AgreedTerms`, as its own
 * acceptance would), and the offer becomes accepted with its order in the same transaction; its
 * workflow is then told, so its timer ends without a notice.
 * The keys come from the request and the answers (`pickKey`, `pickOrderKey`): a retried pick
 * answers the orders it placed. Money short: `insufficient_funds` for the whole pick.
 */
export async function placeRequestPicks(deps: PlacementDeps & { workflows: { individualOffer?: Pick<WorkflowGateway['individualOffer'], 'answered'> } }, pick: PickOrders): Promise<PickedOrders> {
  const [row] = await deps.db.sql<{ login: string; confirmed: boolean; description: string }[]>`
    select u.login, u.email_confirmed_at is not null as confirmed, r.description
    from service_requests r join users u on u.id = r.buyer_id where r.id = ${pick.requestId} and r.buyer_id = ${pick.buyerId}`;
  if (!row) throw new AppError('not_found', 'no such request');
  const buyer: Buyer = { id: pick.buyerId, login: row.login, emailConfirmed: row.confirmed };
  requireConfirmedEmail(buyer);
  const keys = pick.picks.map(({ answerId }) => pickOrderKey(pick.requestId, answerId));
  const options = {
    request: keyedRequest(pickKey(pick.requestId), 'request_pick', pick.picks),
    placedBefore: () => placedBefore(deps.db, buyer.id, keys),
  };
  // A retried pick finds its orders before it checks the individual offers (the first attempt accepted them).
  await assertSameRequest(deps.db, buyer.id, options.request);
  const earlier = await placedBefore(deps.db, buyer.id, keys);
  if (earlier) return { orders: pick.picks.map(({ answerId }, i) => ({ answerId, orderId: earlier[i]!.orderId })) };
  const individual = await pickedIndividualOffers(deps.db, pick, deps.clock.now().toISOString());
  const items: PlacementItem[] = pick.picks.map(({ answerId, offerId, individualOfferId }) => {
    const agreed = individualOfferId === undefined ? undefined : individual.get(individualOfferId)!;
    return {
      request: { offerId, units: 1, optionIds: [], packageTier: null, requirements: row.description },
      requestKey: pickOrderKey(pick.requestId, answerId),
      ...(agreed ? { terms: { priceCents: agreed.price_cents, leadTimeDays: agreed.lead_time_days, title: `${agreed.title} (individual offer #${individualOfferId})` } } : {}),
    };
  });
  const { views, replayed } = await placeAll(deps, buyer, items, {
    ...options,
    // In the placement's transaction: an individual offer withdrawn or lapsed meanwhile places nothing.
    afterPlaced: async (tx) => {
      const at = deps.clock.now().toISOString();
      for (const { answerId, individualOfferId } of pick.picks) {
        if (individualOfferId === undefined) continue;
        const updated = await tx`update individual_offers set status = 'accepted', decided_at = ${at}::timestamptz,
            order_id = (select id from orders where buyer_id = ${buyer.id} and request_key = ${pickOrderKey(pick.requestId, answerId)})
          where id = ${individualOfferId} and status = 'open' and expires_at > ${at}::timestamptz returning id`;
        if (!updated.length) throw new AppError('conflict', `the individual offer #${individualOfferId} was withdrawn or lapsed just now: nothing was ordered`);
      }
    },
  });
  if (!replayed) {
    for (const id of individual.keys()) await deps.workflows.individualOffer?.answered(id, 'accepted').catch(() => false);
  }
  return { orders: pick.picks.map(({ answerId }, i) => ({ answerId, orderId: views[i]!.orderId })) };
}

export function createPlacement(deps: PlacementDeps) {
  return {
    place: (buyer: Buyer, request: OrderRequest, requestKey: string) => placeOne(deps, buyer, request, requestKey),
    placeAll: (buyer: Buyer, items: PlacementItem[], options: PlaceOptions) => placeAll(deps, buyer, items, options),
    placedWithKeyPrefix: (buyerId: number, prefix: string) => placedWithKeyPrefix(deps.db, buyerId, prefix),
  };
}

export type Placement = ReturnType<typeof createPlacement>;
