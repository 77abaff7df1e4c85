import { bigint, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from './users.js';

/** The requests an `Idempotency-Key` may name: placing an order, checking out the cart, topping up, withdrawing, accepting an individual offer, placing an order group, a service request's pick, ordering an estimated job (W-01). */
export const keyedOperations = ['place_order', 'cart_checkout', 'top_up', 'withdrawal', 'accept_individual_offer', 'order_group', 'request_pick', 'job_order'] as const;
export type KeyedOperation = (typeof keyedOperations)[number];

/**
 * Every `Idempotency-Key` a user's request completed with, and a fingerprint of that request,
 * so that a retry is told from a different request under the same key (which is refused).
 * Written in the transaction of what the request did, so a request that failed and wrote
 * nothing leaves no key. Keys are the user's own, and kept for good (at least the 24 h a client
 * may retry for): nothing purges them.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    key: text('key').notNull(),
    operation: text('operation', { enum: keyedOperations }).notNull(),
    /** SHA-256 (hex) of the operation and its parsed body, as canonical JSON. */
    fingerprint: text('fingerprint').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);
