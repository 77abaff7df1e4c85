/**
 * Accounts: registration with email confirmation, sessions, sign-in throttling, profile,
 * the one-time login change, the two-step email change, the password change, the D-10 locks,
 * staff roles and blocking. Every write that also sends mail queues it in the same
 * transaction, so a failed request leaves no trace.
 *
 * How an account proves who it is (sign-up, email tokens, login and email changes, sign-in,
 * sessions) is in `credentials.ts`; the account as its owner keeps it (profile, payout
 * details, withdrawal locks) in `profile.ts`; staff's part is here, and `createAccounts`
 * puts them together.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { sessions, users } from '../db/schema/users.js';
import { AppError } from '../workflows/lib/errors.js';
import type { AccountsDeps, AccountsOptions, AuthLog, Me, ProfilePatch, StaffRole } from './account-types.js';
import { argon2Passwords } from './passwords.js';
import {
  authenticate,
  changeLogin,
  changePassword,
  confirmEmail,
  createSession,
  identify,
  login,
  logout,
  pendingEmailChange,
  register,
  requestEmailChange,
  requestPasswordReset,
  resetPassword,
} from './credentials.js';
import { me, normalize, updateProfile, withdrawalLocksInForce } from './profile.js';
import { activate, afterActivation, createAccountOnSubmission, resendActivation, type SubmissionAccount } from './account-activation.js';
import type { Tx } from '../db/tx.js';
import { findUsers } from './user-admin.js';

export { staffRoles } from './account-types.js';
export type { SubmissionAccount } from './account-activation.js';
export type { AccountsDeps, AccountsOptions, AuthLog, Me, ProfilePatch, SessionCaller, SessionUser, StaffRole, WithdrawalLock, WithdrawalLockReason } from './account-types.js';

// ---- Staff roles and blocking ---------------------------------------------------------------

async function userIdByLogin(deps: AccountsDeps, login: string): Promise<number | undefined> {
  const [row] = await deps.db.orm.select({ id: users.id }).from(users).where(eq(users.login, normalize(login)));
  return row?.id;
}

async function grantRole(deps: AccountsDeps, userId: number, role: StaffRole): Promise<Me> {
  const updated = await deps.db.orm
    .update(users)
    .set({ roles: sql`(select array_agg(distinct r order by r) from unnest(${users.roles} || array[${role}]::text[]) r)` })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  if (updated.length === 0) throw new AppError('not_found', 'no such user');
  return me(deps, userId);
}

/**
 * `by` is the admin acting: their own admin role is not theirs to take away (another admin
 * does), so the platform never loses its last admin by a slip (the Users page offers no such
 * button; this refuses the request the page does not send).
 */
async function revokeRole(deps: AccountsDeps, userId: number, role: StaffRole, by: number): Promise<Me> {
  if (userId === by && role === 'admin') throw new AppError('rule_violation', 'an admin does not take their own admin role away: another admin does');
  const updated = await deps.db.orm
    .update(users)
    .set({ roles: sql`array_remove(${users.roles}, ${role})` })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  if (updated.length === 0) throw new AppError('not_found', 'no such user');
  return me(deps, userId);
}

/**
 * A blocked user cannot log in or act: every session ends now. `by`, the admin acting, does not
 * block themselves (as staff do not sanction themselves): it would end their own session and
 * leave nobody to lift it when they are the only admin.
 */
async function block(deps: AccountsDeps, userId: number, reason: string, by: number): Promise<void> {
  if (userId === by) throw new AppError('rule_violation', 'admins do not block themselves');
  await deps.db.orm.transaction(async (tx) => {
    const updated = await tx
      .update(users)
      .set({ blockedAt: deps.clock.now(), blockedReason: reason })
      .where(eq(users.id, userId))
      .returning({ id: users.id });
    if (updated.length === 0) throw new AppError('not_found', 'no such user');
    await tx.update(sessions).set({ revokedAt: deps.clock.now() }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  });
}

async function unblock(deps: AccountsDeps, userId: number): Promise<void> {
  const updated = await deps.db.orm
    .update(users)
    .set({ blockedAt: null, blockedReason: null })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  if (updated.length === 0) throw new AppError('not_found', 'no such user');
}

export function createAccounts(options: AccountsOptions) {
  const deps: AccountsDeps = { ...options, passwords: options.passwords ?? argon2Passwords };
  return {
    register: (input: { login: string; email: string; password: string; referralCode?: string; affiliateVisit?: string }) => register(deps, input),
    /** A confirmed address also releases the jobs its unconfirmed owner ordered (W-01). */
    confirmEmail: async (token: string) => {
      const confirmed = await confirmEmail(deps, token);
      if (confirmed.userId !== null) await afterActivation(deps, confirmed.userId);
      return { purpose: confirmed.purpose, email: confirmed.email };
    },
    login: (input: { login: string; password: string; ip: string }, log: AuthLog) => login(deps, input, log),
    createSession: (userId: number) => createSession(deps, userId),
    logout: (token: string) => logout(deps, token),
    requestPasswordReset: (email: string) => requestPasswordReset(deps, email),
    resetPassword: (input: { token: string; password: string }) => resetPassword(deps, input),
    /** W-01: inside the job submission's transaction; `{ existing: true }` means "sign in first". */
    createAccountOnSubmission: (tx: Tx, input: { email: string; username?: string; now: Date }): Promise<SubmissionAccount> => createAccountOnSubmission(deps, tx, input),
    /** W-01: verifies the address, sets the password, runs `onActivated`, and signs the user in. */
    activate: async (input: { token: string; password: string }): Promise<{ token: string; expiresAt: string; user: Me }> => {
      const userId = await activate(deps, input);
      return { ...(await createSession(deps, userId)), user: await me(deps, userId) };
    },
    resendActivation: (email: string) => resendActivation(deps, email),
    authenticate: (token: string) => authenticate(deps, token),
    /** The caller and their running account block, in one statement: the API's every signed-in request. */
    identify: (token: string) => identify(deps, token),
    me: (userId: number) => me(deps, userId),
    updateProfile: (userId: number, patch: ProfilePatch) => updateProfile(deps, userId, patch),
    changeLogin: (userId: number, input: { login: string; password: string }) => changeLogin(deps, userId, input),
    requestEmailChange: (userId: number, input: { email: string; password: string }) => requestEmailChange(deps, userId, input),
    pendingEmailChange: (userId: number) => pendingEmailChange(deps, userId),
    /** With the current password; every session but `keepSessionToken`'s (the caller's) ends. */
    changePassword: (userId: number, keepSessionToken: string, input: { currentPassword: string; newPassword: string }) => changePassword(deps, userId, keepSessionToken, input),
    withdrawalLocks: (userId: number) => withdrawalLocksInForce(deps, userId),
    userIdByLogin: (login: string) => userIdByLogin(deps, login),
    grantRole: (userId: number, role: StaffRole) => grantRole(deps, userId, role),
    revokeRole: (userId: number, role: StaffRole, by: number) => revokeRole(deps, userId, role, by),
    block: (userId: number, reason: string, by: number) => block(deps, userId, reason, by),
    unblock: (userId: number) => unblock(deps, userId),
    /** Admins: users whose login starts with `prefix` (any case), blocked and unconfirmed ones too. */
    findUsers: (prefix: string) => findUsers(deps.db, prefix),
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
