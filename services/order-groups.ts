/**
 * Order groups (K-06, our addition): a buyer sends one brief to 2–5 sellers at once. Each
 * chosen offer becomes an ordinary order through the normal placement — its own escrow, rules
 * and money, the brief as its requirements (so each work clock starts at once, K-09) — all in
 * one transaction: when the balance cannot pay for every one, none is placed (422 with the
 * missing amount). One Idempotency-Key names the group; each order's key is the group's key and
 * its offer. The group's page compares the orders side by side from the read model (`orders`).
 */
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { charCount } from '../workflows/lib/text.js';
import type { OrderStatus, OrderView } from '../workflows/order/messages.js';
import type { Clock } from './clock.js';
import { keyedRequest } from './idempotency.js';
import { requireConfirmedEmail, type Buyer, type Placement } from './placement.js';
import { orderGroupRules } from './policy.js';

export interface NewOrderGroup {
  offerIds: number[];
  brief: string;
}

/** One order of a group, as the comparison shows it. */
export interface GroupMember {
  orderId: number;
  offerId: number;
  title: string;
  seller: { id: number; login: string };
  status: OrderStatus;
  totalCents: number;
  placedAt: string;
  /** When the work is due (null until the clock starts). */
  deadline: string | null;
  nextDeadline: { at: string; outcome: string } | null;
  progress: { percent: number; comment: string; at: string } | null;
  deliveries: { at: string; text: string; links: string[] }[];
}

export interface OrderGroup {
  id: number;
  brief: string;
  createdAt: string;
  totalCents: number;
  orders: GroupMember[];
}

export interface OrderGroupSummary {
  id: number;
  brief: string;
  createdAt: string;
  orderCount: number;
  totalCents: number;
  statuses: OrderStatus[];
}

export interface OrderGroupsDeps {
  db: Db;
  clock: Clock;
  placement: Pick<Placement, 'placeAll'>;
}

const rule = (message: string, path = 'body.offerIds') => fieldError(path, message, 'rule_violation');

/** K-06: 2–5 different offers of different sellers; 422 otherwise. Unknown offers are the placement's 404. */
async function checkChoice(db: Db, input: NewOrderGroup): Promise<void> {
  const { minOrders, maxOrders, briefMaxLength } = orderGroupRules;
  if (input.offerIds.length < minOrders || input.offerIds.length > maxOrders) {
    throw rule(`an order group sends one brief to ${minOrders}–${maxOrders} sellers (K-06); you chose ${input.offerIds.length} offers`);
  }
  if (new Set(input.offerIds).size !== input.offerIds.length) throw rule('each offer once');
  const brief = input.brief.trim();
  if (brief === '' || charCount(brief) > briefMaxLength) throw rule(`the brief is 1 to ${briefMaxLength} characters`, 'body.brief');
  const sellers = await db.sql<{ seller_id: string }[]>`select seller_id from offers where id = any(${input.offerIds}::int8[])`;
  if (new Set(sellers.map((s) => s.seller_id)).size !== sellers.length) throw rule('the offers of an order group are of different sellers (K-06)');
}

type MemberRow = { order_id: string; offer_id: string; position: number; view: OrderView; status: OrderStatus; total_cents: string };

const memberOf = (r: MemberRow): GroupMember => ({
  orderId: Number(r.order_id),
  offerId: Number(r.offer_id),
  title: r.view.offer.title,
  seller: r.view.seller,
  status: r.status,
  totalCents: Number(r.total_cents),
  placedAt: r.view.placedAt,
  deadline: r.view.deadline,
  nextDeadline: r.view.nextDeadline ? { at: r.view.nextDeadline.at, outcome: r.view.nextDeadline.outcome } : null,
  progress: r.view.progress,
  deliveries: r.view.deliveries,
});

/** The group as its buyer sees it; 404 for anyone else (each seller sees their own order). */
async function view(db: Db, buyerId: number, id: number): Promise<OrderGroup> {
  const [group] = await db.sql<{ id: string; brief: string; created_at: string }[]>`
    select id, brief, created_at from order_groups where id = ${id} and buyer_id = ${buyerId}`;
  if (!group) throw new AppError('not_found', 'no such order group');
  const rows = await db.sql<MemberRow[]>`
    select m.order_id, o.offer_id, m.position, o.view, o.status, o.total_cents from order_group_orders m join orders o on o.id = m.order_id
    where m.group_id = ${id} order by m.position`;
  const orders = rows.map(memberOf);
  return { id: Number(group.id), brief: group.brief, createdAt: new Date(group.created_at).toISOString(), totalCents: orders.reduce((s, o) => s + o.totalCents, 0), orders };
}

const groupIdOf = async (db: Db, buyerId: number, key: string) =>
  (await db.sql<{ id: string }[]>`select id from order_groups where buyer_id = ${buyerId} and request_key = ${key}`)[0]?.id;

/** The orders of the group placed with this key, in the buyer's order; null if none. */
async function placedBefore(db: Db, buyerId: number, key: string): Promise<OrderView[] | null> {
  const id = await groupIdOf(db, buyerId, key);
  if (id === undefined) return null;
  const rows = await db.sql<{ view: OrderView }[]>`
    select o.view from order_group_orders m join orders o on o.id = m.order_id where m.group_id = ${id} order by m.position`;
  return rows.map((r) => r.view);
}

/** Writes the group and its members in the placement's transaction, once its orders are written. */
async function recordGroup(tx: postgres.TransactionSql, buyerId: number, key: string, input: NewOrderGroup, at: string): Promise<void> {
  const [group] = await tx<{ id: string }[]>`
    insert into order_groups (buyer_id, request_key, brief, created_at) values (${buyerId}, ${key}, ${input.brief.trim()}, ${at}::timestamptz) returning id`;
  for (const [position, offerId] of input.offerIds.entries()) {
    await tx`insert into order_group_orders (group_id, order_id, position)
      select ${group!.id}, id, ${position} from orders where buyer_id = ${buyerId} and request_key = ${`group:${key}:${offerId}`}`;
  }
}

/**
 * Places the group: every order or none. A retry with the key answers the same group
 * (`replayed`); the key with another choice or brief is 422 `idempotency_key_reused`.
 */
async function place(deps: OrderGroupsDeps, buyer: Buyer, input: NewOrderGroup, key: string): Promise<{ group: OrderGroup; replayed: boolean }> {
  requireConfirmedEmail(buyer);
  const { db } = deps;
  await checkChoice(db, input);
  const brief = input.brief.trim();
  const { replayed } = await deps.placement.placeAll(
    buyer,
    input.offerIds.map((offerId) => ({
      request: { offerId, units: 1, optionIds: [], packageTier: null, requirements: brief },
      requestKey: `group:${key}:${offerId}`,
    })),
    {
      request: keyedRequest(key, 'order_group', { offerIds: input.offerIds, brief }),
      placedBefore: () => placedBefore(db, buyer.id, key),
      afterPlaced: (tx) => recordGroup(tx, buyer.id, key, input, deps.clock.now().toISOString()),
    },
  );
  return { group: await view(db, buyer.id, Number(await groupIdOf(db, buyer.id, key))), replayed };
}

/** The buyer's groups, newest first. */
async function mine(db: Db, buyerId: number, limit: number): Promise<OrderGroupSummary[]> {
  const rows = await db.sql<{ id: string; brief: string; created_at: string; n: number; total: string; statuses: OrderStatus[] }[]>`
    select g.id, g.brief, g.created_at, count(o.id)::int as n, coalesce(sum(o.total_cents), 0)::text as total,
      coalesce(array_agg(o.status order by m.position) filter (where o.id is not null), '{}') as statuses
    from order_groups g left join order_group_orders m on m.group_id = g.id left join orders o on o.id = m.order_id
    where g.buyer_id = ${buyerId} group by g.id order by g.id desc limit ${limit}`;
  return rows.map((r) => ({ id: Number(r.id), brief: r.brief, createdAt: new Date(r.created_at).toISOString(), orderCount: r.n, totalCents: Number(r.total), statuses: r.statuses }));
}

export function createOrderGroups(deps: OrderGroupsDeps) {
  return {
    place: (buyer: Buyer, input: NewOrderGroup, key: string) => place(deps, buyer, input, key),
    view: (buyerId: number, id: number) => view(deps.db, buyerId, id),
    mine: (buyerId: number, limit: number) => mine(deps.db, buyerId, limit),
  };
}

export type OrderGroups = ReturnType<typeof createOrderGroups>;
