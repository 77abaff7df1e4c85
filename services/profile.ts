/**
 * The account as its owner keeps it: the profile (`GET /me`), where withdrawals go, and the
 * withdrawal locks that a change of login, email or payout details starts.
 */
import { and, desc, eq, gt } from 'drizzle-orm';
import { payoutDetails, users, withdrawalLocks } from '../db/schema/users.js';
import type { Tx } from '../db/tx.js';
import { AppError } from '../workflows/lib/errors.js';
import type { AccountsDeps, Me, PayoutDetailsInput, ProfilePatch, StaffRole, WithdrawalLock, WithdrawalLockReason } from './account-types.js';
import { accountRules } from './policy.js';

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
    timeZone: u.timeZone,
    hideOnWeekends: u.hideOnWeekends,
    canChangeLogin: u.loginChangedAt === null,
    roles: u.roles as StaffRole[],
    createdAt: new Date(u.createdAt).toISOString(),
  };
}

export async function updateProfile(deps: AccountsDeps, userId: number, patch: ProfilePatch): Promise<Me> {
  if (Object.keys(patch).length > 0) await deps.db.orm.update(users).set(patch).where(eq(users.id, userId));
  return me(deps, userId);
}

/** Locks withdrawals from now on, for `accountRules.withdrawalLockMs`, in the change's transaction. */
export async function startWithdrawalLock(deps: AccountsDeps, tx: Tx, userId: number, reason: WithdrawalLockReason): Promise<void> {
  const startsAt = deps.clock.now();
  await tx.insert(withdrawalLocks).values({
    userId,
    reason,
    startsAt,
    endsAt: new Date(startsAt.getTime() + accountRules.withdrawalLockMs),
  });
}

/** Sets where withdrawals go; any change, the first included, locks withdrawals for a week. */
export async function setPayoutDetails(
  deps: AccountsDeps,
  userId: number,
  input: PayoutDetailsInput,
): Promise<{ method: 'card' | 'paypal'; account: string }> {
  const account = input.method === 'card' ? `•••• ${input.cardNumber.slice(-4)}` : normalize(input.account);
  await deps.db.orm.transaction(async (tx) => {
    await tx
      .insert(payoutDetails)
      .values({ userId, method: input.method, account, updatedAt: deps.clock.now() })
      .onConflictDoUpdate({ target: payoutDetails.userId, set: { method: input.method, account, updatedAt: deps.clock.now() } });
    await startWithdrawalLock(deps, tx, userId, 'payout_details_change');
  });
  return { method: input.method, account };
}

export async function payoutDetailsOf(deps: AccountsDeps, userId: number): Promise<{ method: 'card' | 'paypal'; account: string } | null> {
  const [row] = await deps.db.orm.select().from(payoutDetails).where(eq(payoutDetails.userId, userId));
  return row ? { method: row.method, account: row.account } : null;
}

/** Locks still in force now, latest end first. */
export async function withdrawalLocksInForce(deps: AccountsDeps, userId: number): Promise<WithdrawalLock[]> {
  const rows = await deps.db.orm
    .select()
    .from(withdrawalLocks)
    .where(and(eq(withdrawalLocks.userId, userId), gt(withdrawalLocks.endsAt, deps.clock.now())))
    .orderBy(desc(withdrawalLocks.endsAt));
  return rows.map((r) => ({ reason: r.reason, startsAt: r.startsAt.toISOString(), endsAt: r.endsAt.toISOString() }));
}
