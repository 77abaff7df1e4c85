/**
 * Admins find a user by the start of their login (any case), blocked and unconfirmed accounts
 * included, to grant or take a staff role, block or unblock them (`GET /admin/users`, the staff
 * Users page). Emails show here because only admins see this list.
 */
import { asc, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { users } from '../db/schema/users.js';
import type { StaffRole } from './account-types.js';

export interface AdminUser {
  id: number;
  login: string;
  email: string;
  emailConfirmed: boolean;
  roles: StaffRole[];
  /** When an admin blocked the account, and why; null while it is not blocked. */
  blocked: { at: string; reason: string } | null;
  createdAt: string;
}

/** The start of a login as a search takes it: `min` to 32 letters, digits or underscores (any case). */
export const loginPrefixPattern = (min: number) => new RegExp(`^[A-Za-z0-9_]{${min},32}$`);

/** At most this many users a search, in login order. */
export const ADMIN_USERS_LIMIT = 20;

export async function findUsers(db: Db, prefix: string): Promise<AdminUser[]> {
  // `starts_with`, not LIKE: `_` is a login character and a LIKE wildcard.
  const rows = await db.orm
    .select()
    .from(users)
    .where(sql`starts_with(lower(${users.login}), ${prefix.toLowerCase()})`)
    .orderBy(asc(users.login))
    .limit(ADMIN_USERS_LIMIT);
  return rows.map((u) => ({
    id: u.id,
    login: u.login,
    email: u.email,
    emailConfirmed: u.emailConfirmedAt !== null,
    roles: u.roles as StaffRole[],
    blocked: u.blockedAt ? { at: u.blockedAt.toISOString(), reason: u.blockedReason ?? '' } : null,
    createdAt: new Date(u.createdAt).toISOString(),
  }));
}
