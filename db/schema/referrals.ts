import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { orders } from './orders.js';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const cents = (name: string) => bigint(name, { mode: 'number' });

/**
 * K-55: a user who registered through another's referral link (one referrer at most, for
 * good). `activatedAt` is set, once, by the first order the referral places or the first offer
 * moderation approves for them within 180 days of `registeredAt`; whether the referral is still
 * attached at an instant follows from the two (`workflows/lib/referral.ts`).
 */
export const referrals = pgTable(
  'referrals',
  {
    referralId: bigint('referral_id', { mode: 'number' }).primaryKey().references(() => users.id),
    referrerId: bigint('referrer_id', { mode: 'number' }).notNull().references(() => users.id),
    registeredAt: ts('registered_at').notNull(),
    activatedAt: ts('activated_at'),
  },
  (t) => [index('referrals_referrer_idx').on(t.referrerId, t.registeredAt), check('referrals_not_self', sql`${t.referralId} <> ${t.referrerId}`)],
);

/**
 * K-54, D-08: the commission a referrer earned on one completed order of an attached referral,
 * per role the referral played in it (a referral may buy from another referral of the same
 * referrer). Written with its ledger posting (key `referral:<orderId>:<role>`) in the order's
 * closing transaction; only non-zero commissions have a row.
 */
export const referralCommissions = pgTable(
  'referral_commissions',
  {
    orderId: bigint('order_id', { mode: 'number' }).notNull().references(() => orders.id),
    role: text('role', { enum: ['buyer', 'seller'] }).notNull(),
    referrerId: bigint('referrer_id', { mode: 'number' }).notNull().references(() => users.id),
    referralId: bigint('referral_id', { mode: 'number' }).notNull().references(() => users.id),
    /** D-08: the part of the order the buyer paid from the main balance (read from the hold's postings). */
    baseCents: cents('base_cents').notNull(),
    commissionCents: cents('commission_cents').notNull(),
    /** The order's completion (its closure's instant): the month the earning counts in. */
    postedAt: ts('posted_at').notNull(),
  },
  (t) => [
    uniqueIndex('referral_commissions_once').on(t.orderId, t.role),
    index('referral_commissions_referrer_idx').on(t.referrerId, t.postedAt),
    check('referral_commissions_positive', sql`${t.commissionCents} > 0 and ${t.baseCents} >= ${t.commissionCents}`),
  ],
);
