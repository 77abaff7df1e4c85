import { sql } from 'drizzle-orm';
import { bigserial, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * A person on gigflow: every user is both buyer and seller with one account and one balance.
 * The accounts issue adds credentials, confirmation, roles and profile columns in later migrations.
 */
export const users = pgTable(
  'users',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** 3–32 of [a-z0-9_], stored lower-case; unique regardless of case. */
    login: text('login').notNull(),
    email: text('email').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_login_lower_key').on(sql`lower(${t.login})`),
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
  ],
);
