/**
 * The buyer's cart (K-07): one line per offer, the basic kwork (units, options) or one package,
 * kept 14 days and priced from the offer as it is now (the placement's own rule); and its
 * checkout, which places one order per line in one transaction, all or nothing.
 */
import { and, asc, eq, gt } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { cartItems, offers, type PackageTierName } from '../db/schema/catalog.js';
import { users } from '../db/schema/users.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import type { OrderView } from '../workflows/order/messages.js';
import { lineTotal, refusalOf } from '../workflows/order/placement.js';
import type { Clock } from './clock.js';
import { offerPage } from './offers.js';
import { contentOf } from './offer-content.js';
import { keyedRequest } from './idempotency.js';
import { requireConfirmedEmail, type Buyer, type Placement } from './placement.js';
import { catalogRules } from './policy.js';
import { hiddenForWeekend } from './visibility.js';

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

export interface CartLine {
  offerId: number;
  units: number;
  optionIds: number[];
  packageTier: PackageTierName | null;
}

export interface CartDeps {
  db: Db;
  clock: Clock;
  placement: Pick<Placement, 'placeAll' | 'placedWithKeyPrefix'>;
}

/** The caller's cart lines still within their 14 days, priced from the offers as they are now. */
export async function cartOf(deps: Pick<CartDeps, 'db' | 'clock'>, userId: number): Promise<{ items: CartItemView[]; totalCents: number }> {
  const now = deps.clock.now();
  const rows = await deps.db.orm
    .select({ item: cartItems, offer: offers, seller: users })
    .from(cartItems)
    .innerJoin(offers, eq(offers.id, cartItems.offerId))
    .innerJoin(users, eq(users.id, offers.sellerId))
    .where(and(eq(cartItems.userId, userId), gt(cartItems.expiresAt, now)))
    .orderBy(asc(cartItems.id));
  const items = rows.map(({ item, offer, seller }): CartItemView => ({
    id: item.id,
    offerId: offer.id,
    title: offer.title,
    units: item.units,
    optionIds: item.optionIds,
    packageTier: item.packageTier,
    totalCents: lineTotal(contentOf(offer), item),
    available: offer.status === 'active' && !hiddenForWeekend(now, seller.timeZone, seller.hideOnWeekends),
    expiresAt: item.expiresAt.toISOString(),
  }));
  return { items, totalCents: items.filter((i) => i.available).reduce((sum, i) => sum + i.totalCents, 0) };
}

/** Adds (or replaces) the caller's cart line for an offer; it lapses after 14 days. */
export async function addToCart(deps: CartDeps, userId: number, line: CartLine) {
  const offer = await offerPage(deps, line.offerId); // as any buyer sees it: 404 unless visible
  if (offer.sellerId === userId) throw new AppError('conflict', 'you cannot order your own offer');
  const refusal = refusalOf(offer, line);
  if (refusal) throw fieldError(refusal.path, refusal.message);
  const now = deps.clock.now();
  const values = {
    userId,
    offerId: line.offerId,
    units: line.units,
    optionIds: [...new Set(line.optionIds)].sort((a, b) => a - b),
    packageTier: line.packageTier,
    createdAt: now,
    expiresAt: new Date(now.getTime() + catalogRules.cartItemTtlMs),
  };
  await deps.db.orm
    .insert(cartItems)
    .values(values)
    .onConflictDoUpdate({ target: [cartItems.userId, cartItems.offerId], set: values });
  return cartOf(deps, userId);
}

export async function removeFromCart(db: Db, userId: number, itemId: number): Promise<void> {
  const removed = await db.orm
    .delete(cartItems)
    .where(and(eq(cartItems.id, itemId), eq(cartItems.userId, userId)))
    .returning({ id: cartItems.id });
  if (removed.length === 0) throw new AppError('not_found', 'no such cart line');
}

/** Removes the cart lines a checkout ordered, in the checkout's transaction. */
async function clearCart(tx: postgres.TransactionSql, userId: number, itemIds: number[]): Promise<void> {
  await tx`delete from cart_items where user_id = ${userId} and id = any(${itemIds}::int8[])`;
}

/**
 * Orders every line of the cart at once, all or nothing on funds, and empties the cart in the
 * same transaction. The request has no body: the same key on the checkout is the same request,
 * so a retry, which finds the cart emptied (or holding lines added since), answers what the key
 * placed; the key used for another operation is refused.
 */
export async function checkout(deps: CartDeps, buyer: Buyer, key: string): Promise<{ orders: OrderView[]; totalCents: number; replayed: boolean }> {
  requireConfirmedEmail(buyer);
  const total = (views: OrderView[]) => views.reduce((sum, v) => sum + v.amounts.totalCents, 0);
  const { items } = await cartOf(deps, buyer.id);
  const { views, replayed } = await deps.placement.placeAll(
    buyer,
    items.map((item) => ({
      request: { offerId: item.offerId, units: item.units, optionIds: item.optionIds, packageTier: item.packageTier, requirements: null },
      requestKey: `checkout:${key}:${item.id}`,
      cartItemId: item.id,
    })),
    {
      request: keyedRequest(key, 'cart_checkout', null),
      placedBefore: () => deps.placement.placedWithKeyPrefix(buyer.id, `checkout:${key}:`),
      emptyMessage: 'the cart is empty',
      afterPlaced: (tx) => clearCart(tx, buyer.id, items.map((i) => i.id)),
    },
  );
  return { orders: views, totalCents: total(views), replayed };
}

export function createCart(deps: CartDeps) {
  return {
    get: (userId: number) => cartOf(deps, userId),
    add: (userId: number, line: CartLine) => addToCart(deps, userId, line),
    remove: (userId: number, itemId: number) => removeFromCart(deps.db, userId, itemId),
    checkout: (buyer: Buyer, key: string) => checkout(deps, buyer, key),
  };
}

export type Cart = ReturnType<typeof createCart>;
