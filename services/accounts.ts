/**
 * Accounts: registration with email confirmation, sessions, failed-login limits, profile,
 * the one-time login change, the two-step email change, payout details, withdrawal locks,
 * staff roles and blocking. Every write that also sends mail queues it in the same
 * transaction, so a failed request leaves no trace.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { emailTokens, loginFailures, payoutDetails, sessions, users, withdrawalLocks } from '../db/schema/users.js';
import { AppError } from '../workflows/lib/errors.js';
import { accountRules } from './policy.js';
import type { Clock } from './clock.js';
import { enqueueMail } from '../db/outbox.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import type { Tx } from '../db/tx.js';

export const staffRoles = ['support', 'moderator', 'arbiter', 'admin'] as const;
export type StaffRole = (typeof staffRoles)[number];

/** Who is calling, as the API knows them after authentication. */
export interface SessionUser {
  id: number;
  login: string;
  emailConfirmed: boolean;
  roles: StaffRole[];
}

export type WithdrawalLockReason = 'email_change' | 'login_change' | 'payout_details_change';

export interface WithdrawalLock {
  reason: WithdrawalLockReason;
  startsAt: string;
  endsAt: string;
}

/** The account as its owner sees it (`GET /me`): never the password hash. */
export interface Me {
  id: number;
  login: string;
  email: string;
  emailConfirmed: boolean;
  displayName: string | null;
  city: string | null;
  about: string | null;
  skills: string[];
  avatarUrl: string | null;
  /** IANA time zone; with `hideOnWeekends`, the seller's offers hide Friday 00:00 to Monday 00:00 there. */
  timeZone: string;
  hideOnWeekends: boolean;
  canChangeLogin: boolean;
  roles: StaffRole[];
  createdAt: string;
}

export interface ProfilePatch {
  displayName?: string | null;
  city?: string | null;
  about?: string | null;
  skills?: string[];
  avatarUrl?: string | null;
  timeZone?: string;
  hideOnWeekends?: boolean;
}

export type PayoutDetailsInput = { method: 'card'; cardNumber: string } | { method: 'paypal'; account: string };

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
/** 32 random bytes; the prefix tells a leaked token's kind at a glance (secret scanners use it). */
const newToken = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;
const normalize = (value: string) => value.trim().toLowerCase();

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint_name?: string; cause?: { code?: string; constraint_name?: string } };
  const pg = e?.code === '23505' ? e : e?.cause?.code === '23505' ? e.cause : undefined;
  return pg?.constraint_name === constraint;
}

export function createAccounts({ db, clock }: { db: Db; clock: Clock }) {
  const now = () => clock.now();

  async function sendEmailToken(
    tx: Tx,
    userId: number,
    purpose: 'confirm' | 'change_old' | 'change_new',
    to: string,
    newEmail?: string,
  ): Promise<void> {
    const token = newToken('gfe');
    await tx.insert(emailTokens).values({
      tokenHash: sha256(token),
      userId,
      purpose,
      email: to,
      newEmail: newEmail ?? null,
      expiresAt: new Date(now().getTime() + accountRules.emailTokenTtlMs),
    });
    const subject = {
      confirm: 'Confirm your email address',
      change_old: `Confirm the change of your gigflow email to ${newEmail}`,
      change_new: 'Confirm your new email address',
    }[purpose];
    await enqueueMail(tx, {
      kind: `email_${purpose}`,
      to,
      subject,
      body: `${subject}.\n\nYour confirmation code: ${token}\n\nIt expires in ${accountRules.emailTokenTtlMs / 3_600_000} hours. If this was not you, ignore this message.`,
    });
  }

  async function startWithdrawalLock(tx: Tx, userId: number, reason: WithdrawalLockReason): Promise<void> {
    const startsAt = now();
    await tx.insert(withdrawalLocks).values({
      userId,
      reason,
      startsAt,
      endsAt: new Date(startsAt.getTime() + accountRules.withdrawalLockMs),
    });
  }

  async function checkPassword(userId: number, password: string): Promise<void> {
    const [row] = await db.orm.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
    if (!row || !(await verifyPassword(password, row.hash))) {
      throw new AppError('invalid_credentials', 'the password is wrong');
    }
  }

  /** Throws 429 while a key has used up its failed logins in the current window. */
  async function checkRateLimit(limits: [key: string, limit: number][]): Promise<void> {
    const t = now().getTime();
    for (const [key, limit] of limits) {
      const [row] = await db.orm.select().from(loginFailures).where(eq(loginFailures.key, key));
      if (!row) continue;
      const windowEnds = row.windowStartedAt.getTime() + accountRules.loginFailureWindowMs;
      if (row.failures >= limit && windowEnds > t) {
        const retryAfterSeconds = Math.ceil((windowEnds - t) / 1000);
        throw new AppError('rate_limited', `too many failed logins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
      }
    }
  }

  async function recordFailure(keys: string[]): Promise<void> {
    const at = now().toISOString();
    const windowStart = new Date(now().getTime() - accountRules.loginFailureWindowMs).toISOString();
    for (const key of keys) {
      // A failure inside the window counts up; the first one after it opens a new window.
      await db.sql`
        insert into login_failures (key, failures, window_started_at) values (${key}, 1, ${at}::timestamptz)
        on conflict (key) do update set
          failures = case when login_failures.window_started_at > ${windowStart}::timestamptz then login_failures.failures + 1 else 1 end,
          window_started_at = case when login_failures.window_started_at > ${windowStart}::timestamptz then login_failures.window_started_at else ${at}::timestamptz end`;
    }
  }

  async function createSession(userId: number): Promise<{ token: string; expiresAt: string }> {
    const token = newToken('gfs');
    const expiresAt = new Date(now().getTime() + accountRules.sessionTtlMs);
    await db.orm.insert(sessions).values({ tokenHash: sha256(token), userId, expiresAt });
    return { token, expiresAt: expiresAt.toISOString() };
  }

  async function toMe(userId: number): Promise<Me> {
    const [u] = await db.orm.select().from(users).where(eq(users.id, userId));
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

  return {
    /** Creates the account and queues the confirmation email; login and email are unique regardless of case. */
    async register(input: { login: string; email: string; password: string }): Promise<Me> {
      const passwordHash = await hashPassword(input.password);
      try {
        const id = await db.orm.transaction(async (tx) => {
          const [row] = await tx
            .insert(users)
            .values({ login: normalize(input.login), email: normalize(input.email), passwordHash })
            .returning({ id: users.id });
          await sendEmailToken(tx, row!.id, 'confirm', normalize(input.email));
          return row!.id;
        });
        return await toMe(id);
      } catch (err) {
        if (isUniqueViolation(err, 'users_login_lower_key')) throw new AppError('login_taken', 'this login is taken', { field: 'login' });
        if (isUniqueViolation(err, 'users_email_lower_key')) throw new AppError('email_taken', 'this email is already registered', { field: 'email' });
        throw err;
      }
    },

    /** Uses a one-time email token: confirms the address, or moves an email change one step on. */
    async confirmEmail(token: string): Promise<{ purpose: 'confirm' | 'change_old' | 'change_new'; email: string }> {
      try {
        return await db.orm.transaction(async (tx) => {
          const [row] = await tx
            .update(emailTokens)
            .set({ usedAt: now() })
            .where(and(eq(emailTokens.tokenHash, sha256(token)), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now())))
            .returning();
          if (!row) throw new AppError('invalid_token', 'this confirmation code is unknown, used or expired');
          if (row.purpose === 'confirm') {
            await tx.update(users).set({ emailConfirmedAt: now() }).where(and(eq(users.id, row.userId), eq(users.email, row.email)));
          } else if (row.purpose === 'change_old') {
            // The old address agreed: now the new one must prove it is reachable.
            await sendEmailToken(tx, row.userId, 'change_new', row.newEmail!, row.newEmail!);
          } else {
            await tx.update(users).set({ email: row.newEmail!, emailConfirmedAt: now() }).where(eq(users.id, row.userId));
            await startWithdrawalLock(tx, row.userId, 'email_change');
          }
          return { purpose: row.purpose, email: row.newEmail ?? row.email };
        });
      } catch (err) {
        if (isUniqueViolation(err, 'users_email_lower_key')) {
          throw new AppError('email_taken', 'this email was registered by someone else meanwhile', { field: 'email' });
        }
        throw err;
      }
    },

    /** Checks the password (by login or email) and opens a session; failed attempts are limited per login and address. */
    async login(input: { login: string; password: string; ip: string }): Promise<{ token: string; expiresAt: string; user: Me }> {
      const who = normalize(input.login);
      const [u] = await db.orm
        .select()
        .from(users)
        .where(who.includes('@') ? eq(users.email, who) : eq(users.login, who));
      // Counted per account, whether it is named by login or by email, and per client address.
      const accountKey = u ? `user:${u.id}` : `login:${who}`;
      const limits: [string, number][] = [
        [accountKey, accountRules.loginFailureLimit],
        [`ip:${input.ip}`, accountRules.loginFailureLimitPerAddress],
      ];
      await checkRateLimit(limits);
      const ok = await verifyPassword(input.password, u?.passwordHash ?? decoyHash);
      if (!u || !ok) {
        await recordFailure(limits.map(([key]) => key));
        throw new AppError('invalid_credentials', 'wrong login or password');
      }
      if (u.blockedAt) throw new AppError('account_blocked', 'this account is blocked', { reason: u.blockedReason });
      await db.orm.delete(loginFailures).where(eq(loginFailures.key, accountKey));
      const session = await createSession(u.id);
      return { ...session, user: await toMe(u.id) };
    },

    createSession,

    async logout(token: string): Promise<void> {
      await db.orm.update(sessions).set({ revokedAt: now() }).where(eq(sessions.tokenHash, sha256(token)));
    },

    /** The caller behind a bearer token, or undefined; a blocked account is refused outright. */
    async authenticate(token: string): Promise<SessionUser | undefined> {
      // Every signed-in request runs this: a prepared statement, not a query built anew each time.
      const [row] = await db.sql<{ id: string; login: string; confirmed: boolean; roles: string[]; blocked: boolean }[]>`
        select u.id, u.login, u.email_confirmed_at is not null as confirmed, u.roles, u.blocked_at is not null as blocked
        from sessions s join users u on u.id = s.user_id
        where s.token_hash = ${sha256(token)} and s.revoked_at is null and s.expires_at > ${now().toISOString()}`;
      if (!row) return undefined;
      if (row.blocked) throw new AppError('account_blocked', 'this account is blocked');
      return { id: Number(row.id), login: row.login, emailConfirmed: row.confirmed, roles: row.roles as StaffRole[] };
    },

    me: toMe,

    async updateProfile(userId: number, patch: ProfilePatch): Promise<Me> {
      if (Object.keys(patch).length > 0) await db.orm.update(users).set(patch).where(eq(users.id, userId));
      return toMe(userId);
    },

    /** A login changes once only, and the change locks withdrawals for a week. */
    async changeLogin(userId: number, input: { login: string; password: string }): Promise<Me> {
      await checkPassword(userId, input.password);
      try {
        await db.orm.transaction(async (tx) => {
          const [changed] = await tx
            .update(users)
            .set({ login: normalize(input.login), loginChangedAt: now() })
            .where(and(eq(users.id, userId), isNull(users.loginChangedAt)))
            .returning({ id: users.id });
          if (!changed) throw new AppError('login_change_used', 'the login has already been changed once and cannot change again');
          await startWithdrawalLock(tx, userId, 'login_change');
        });
      } catch (err) {
        if (isUniqueViolation(err, 'users_login_lower_key')) throw new AppError('login_taken', 'this login is taken', { field: 'login' });
        throw err;
      }
      return toMe(userId);
    },

    /**
     * Starts an email change: the old address confirms first, then the new one; only then does
     * the email change (and withdrawals lock for a week). A new request replaces a pending one.
     */
    async requestEmailChange(userId: number, input: { email: string; password: string }): Promise<void> {
      await checkPassword(userId, input.password);
      const newEmail = normalize(input.email);
      await db.orm.transaction(async (tx) => {
        const [u] = await tx.select({ email: users.email }).from(users).where(eq(users.id, userId));
        if (u!.email === newEmail) throw new AppError('conflict', 'this is already your email');
        const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, newEmail));
        if (taken) throw new AppError('email_taken', 'this email is already registered', { field: 'email' });
        await tx
          .update(emailTokens)
          .set({ usedAt: now() })
          .where(and(eq(emailTokens.userId, userId), isNull(emailTokens.usedAt), sql`${emailTokens.purpose} in ('change_old', 'change_new')`));
        await sendEmailToken(tx, userId, 'change_old', u!.email, newEmail);
      });
    },

    /** Sets where withdrawals go; any change, the first included, locks withdrawals for a week. */
    async setPayoutDetails(userId: number, input: PayoutDetailsInput): Promise<{ method: 'card' | 'paypal'; account: string }> {
      const account = input.method === 'card' ? `•••• ${input.cardNumber.slice(-4)}` : normalize(input.account);
      await db.orm.transaction(async (tx) => {
        await tx
          .insert(payoutDetails)
          .values({ userId, method: input.method, account, updatedAt: now() })
          .onConflictDoUpdate({ target: payoutDetails.userId, set: { method: input.method, account, updatedAt: now() } });
        await startWithdrawalLock(tx, userId, 'payout_details_change');
      });
      return { method: input.method, account };
    },

    async payoutDetails(userId: number): Promise<{ method: 'card' | 'paypal'; account: string } | null> {
      const [row] = await db.orm.select().from(payoutDetails).where(eq(payoutDetails.userId, userId));
      return row ? { method: row.method, account: row.account } : null;
    },

    /** Locks still in force now, latest end first. */
    async withdrawalLocks(userId: number): Promise<WithdrawalLock[]> {
      const rows = await db.orm
        .select()
        .from(withdrawalLocks)
        .where(and(eq(withdrawalLocks.userId, userId), gt(withdrawalLocks.endsAt, now())))
        .orderBy(desc(withdrawalLocks.endsAt));
      return rows.map((r) => ({ reason: r.reason, startsAt: r.startsAt.toISOString(), endsAt: r.endsAt.toISOString() }));
    },

    async userIdByLogin(login: string): Promise<number | undefined> {
      const [row] = await db.orm.select({ id: users.id }).from(users).where(eq(users.login, normalize(login)));
      return row?.id;
    },

    async grantRole(userId: number, role: StaffRole): Promise<Me> {
      const updated = await db.orm
        .update(users)
        .set({ roles: sql`(select array_agg(distinct r order by r) from unnest(${users.roles} || array[${role}]::text[]) r)` })
        .where(eq(users.id, userId))
        .returning({ id: users.id });
      if (updated.length === 0) throw new AppError('not_found', 'no such user');
      return toMe(userId);
    },

    async revokeRole(userId: number, role: StaffRole): Promise<Me> {
      const updated = await db.orm
        .update(users)
        .set({ roles: sql`array_remove(${users.roles}, ${role})` })
        .where(eq(users.id, userId))
        .returning({ id: users.id });
      if (updated.length === 0) throw new AppError('not_found', 'no such user');
      return toMe(userId);
    },

    /** A blocked user cannot log in or act: every session ends now. */
    async block(userId: number, reason: string): Promise<void> {
      await db.orm.transaction(async (tx) => {
        const updated = await tx
          .update(users)
          .set({ blockedAt: now(), blockedReason: reason })
          .where(eq(users.id, userId))
          .returning({ id: users.id });
        if (updated.length === 0) throw new AppError('not_found', 'no such user');
        await tx.update(sessions).set({ revokedAt: now() }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
      });
    },

    async unblock(userId: number): Promise<void> {
      const updated = await db.orm
        .update(users)
        .set({ blockedAt: null, blockedReason: null })
        .where(eq(users.id, userId))
        .returning({ id: users.id });
      if (updated.length === 0) throw new AppError('not_found', 'no such user');
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
