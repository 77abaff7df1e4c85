/**
 * Order groups (K-06, our addition): one brief sent to 2–5 sellers at once, each an ordinary
 * order of its own (its own rules, escrow and money); the group only ties them together so the
 * buyer can compare them on one page.
 */
import { bigint, bigserial, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { orders } from './orders.js';
import { users } from './users.js';

export const orderGroups = pgTable(
  'order_groups',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    buyerId: bigint('buyer_id', { mode: 'number' }).notNull().references(() => users.id),
    /** The Idempotency-Key that placed it: a retry finds the group. */
    requestKey: text('request_key').notNull(),
    /** The brief, given to every order as its requirements. */
    brief: text('brief').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [uniqueIndex('order_groups_request_once').on(t.buyerId, t.requestKey), index('order_groups_buyer_idx').on(t.buyerId, t.id)],
);

/** The group's orders, in the order the buyer listed the offers. */
export const orderGroupOrders = pgTable(
  'order_group_orders',
  {
    groupId: bigint('group_id', { mode: 'number' })
      .notNull()
      .references(() => orderGroups.id),
    orderId: bigint('order_id', { mode: 'number' })
      .notNull()
      .references(() => orders.id),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.orderId] }), uniqueIndex('order_group_orders_order_once').on(t.orderId)],
);
