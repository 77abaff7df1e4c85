/**
 * The account as its owner keeps it: the profile (`GET /me`), and the D-10 locks that a change
 * of login, email or payout details starts (where withdrawals go is `payout-details.ts`).
 */
import { and, desc, eq, gt } from 'drizzle-orm';
import { users, withdrawalLocks } from '../db/schema/users.js';
import type { Tx } from '../db/tx.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import type { AccountsDeps, Me, ProfilePatch, StaffRole, WithdrawalLock, WithdrawalLockReason } from './account-types.js';
import { accountRules } from './policy.js';
import { currentZoneName, isTimeZone } from './time-zones.js';

/** Logins, emails and PayPal accounts are stored, and looked up, trimmed and lower-cased. */
export const normalize = (value: string) => value.trim().toLowerCase();

/** The account as its owner sees it. */
export async function me(deps: AccountsDeps, userId: number): Promise<Me> {
  const [u] = await deps.db.orm.select().from(users).where(eq(users.id, userId));
  if (!u) throw new AppError('not_found', 'no such user');
  return {
    id: u.id,
    login: u.login,
    email: u.email,
    emailConfirmed: u.emailConfirmedAt !== null,
    displayName: u.displayName,
    city: u.city,
    about: u.about,
    skills: u.skills,
    avatarUrl: u.avatarUrl,
    // A zone saved under an old name (`Asia/Calcutta`) reads as its current one (`Asia/Kolkata`).
    timeZone: currentZoneName(u.timeZone),
    hideOnWeekends: u.hideOnWeekends,
    canChangeLogin: u.loginChangedAt === null,
    roles: u.roles as StaffRole[],
    createdAt: new Date(u.createdAt).toISOString(),
  };
}

export async function updateProfile(deps: AccountsDeps, userId: number, patch: ProfilePatch): Promise<Me> {
  // A zone is stored by its current IANA name, whichever of its names came in; one the time zone
  // database does not know is refused as a rule (422): no schema can list what the runtime's tzdata holds.
  if (patch.timeZone !== undefined && !isTimeZone(patch.timeZone)) throw fieldError('body.timeZone', 'not an IANA time zone (e.g. Europe/Lisbon)', 'rule_violation');
  const stored = patch.timeZone === undefined ? patch : { ...patch, timeZone: currentZoneName(patch.timeZone) };
  if (Object.keys(stored).length > 0) await deps.db.orm.update(users).set(stored).where(eq(users.id, userId));
  return me(deps, userId);
}

/**
 * Starts a D-10 lock from now on, for `accountRules.withdrawalLockMs`, in the change's
 * transaction: `withdrawals` pauses withdrawals, `payout_details` forbids changing them.
 */
export async function startWithdrawalLock(
  deps: AccountsDeps,
  tx: Tx,
  userId: number,
  reason: WithdrawalLockReason,
  scope: 'withdrawals' | 'payout_details',
): Promise<void> {
  const startsAt = deps.clock.now();
  await tx.insert(withdrawalLocks).values({
    userId,
    reason,
    scope,
    startsAt,
    endsAt: new Date(startsAt.getTime() + accountRules.withdrawalLockMs),
  });
}

/** Locks still in force now, latest end first. */
export async function withdrawalLocksInForce(deps: AccountsDeps, userId: number): Promise<WithdrawalLock[]> {
  const rows = await deps.db.orm
    .select()
    .from(withdrawalLocks)
    .where(and(eq(withdrawalLocks.userId, userId), gt(withdrawalLocks.endsAt, deps.clock.now())))
    .orderBy(desc(withdrawalLocks.endsAt));
  return rows.map((r) => ({ reason: r.reason, scope: r.scope, startsAt: r.startsAt.toISOString(), endsAt: r.endsAt.toISOString() }));
}
