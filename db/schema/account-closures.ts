import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * W-20: a user's request to close their account, with their reason. Staff complete it
 * (`services/account-closures.ts`), which erases the account's personal data and keeps what
 * accounting law requires; until then the user may withdraw it. One open request per user.
 */
export const accountClosures = pgTable(
  'account_closures',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    reason: text('reason').notNull(),
    requestedAt: ts('requested_at').notNull(),
    withdrawnAt: ts('withdrawn_at'),
    completedAt: ts('completed_at'),
    completedBy: bigint('completed_by', { mode: 'number' }).references(() => users.id),
  },
  (t) => [
    uniqueIndex('account_closures_open').on(t.userId).where(sql`${t.withdrawnAt} is null and ${t.completedAt} is null`),
    index('account_closures_requested_idx').on(t.requestedAt),
    check('account_closures_reason_length', sql`char_length(${t.reason}) between 1 and 2000`),
    check('account_closures_one_ending', sql`${t.withdrawnAt} is null or ${t.completedAt} is null`),
    check('account_closures_completed_by', sql`(${t.completedAt} is null) = (${t.completedBy} is null)`),
  ],
);
