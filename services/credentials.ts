/**
 * How an account proves who it is: registration and the one-time email tokens that confirm an
 * address (at sign-up, and both steps of an email change), the one-time login change, sign-in
 * with failed-login limits, and sessions (whose lookup records the caller's activity).
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { emailTokens, loginFailures, sessions, users } from '../db/schema/users.js';
import { enqueueMail } from '../db/outbox.js';
import type { Tx } from '../db/tx.js';
import { AppError } from '../workflows/lib/errors.js';
import type { AccountsDeps, Me, SessionUser, StaffRole } from './account-types.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import { accountRules } from './policy.js';
import { me, normalize, startWithdrawalLock } from './profile.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
/** 32 random bytes; the prefix tells a leaked token's kind at a glance (secret scanners use it). */
const newToken = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint_name?: string; cause?: { code?: string; constraint_name?: string } };
  const pg = e?.code === '23505' ? e : e?.cause?.code === '23505' ? e.cause : undefined;
  return pg?.constraint_name === constraint;
}

// ---- Email tokens ---------------------------------------------------------------------------

/** Stores a one-time token for the address (its hash only) and queues the mail that carries it. */
async function sendEmailToken(
  deps: AccountsDeps,
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
    expiresAt: new Date(deps.clock.now().getTime() + accountRules.emailTokenTtlMs),
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

/** Creates the account and queues the confirmation email; login and email are unique regardless of case. */
export async function register(deps: AccountsDeps, input: { login: string; email: string; password: string }): Promise<Me> {
  const passwordHash = await hashPassword(input.password);
  try {
    const id = await deps.db.orm.transaction(async (tx) => {
      const [row] = await tx
        .insert(users)
        .values({ login: normalize(input.login), email: normalize(input.email), passwordHash })
        .returning({ id: users.id });
      await sendEmailToken(deps, tx, row!.id, 'confirm', normalize(input.email));
      return row!.id;
    });
    return await me(deps, id);
  } catch (err) {
    if (isUniqueViolation(err, 'users_login_lower_key')) throw new AppError('login_taken', 'this login is taken', { field: 'login' });
    if (isUniqueViolation(err, 'users_email_lower_key')) throw new AppError('email_taken', 'this email is already registered', { field: 'email' });
    throw err;
  }
}

/** Uses a one-time email token: confirms the address, or moves an email change one step on. */
export async function confirmEmail(deps: AccountsDeps, token: string): Promise<{ purpose: 'confirm' | 'change_old' | 'change_new'; email: string }> {
  const { clock } = deps;
  try {
    return await deps.db.orm.transaction(async (tx) => {
      const [row] = await tx
        .update(emailTokens)
        .set({ usedAt: clock.now() })
        .where(and(eq(emailTokens.tokenHash, sha256(token)), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, clock.now())))
        .returning();
      if (!row) throw new AppError('invalid_token', 'this confirmation code is unknown, used or expired');
      if (row.purpose === 'confirm') {
        await tx.update(users).set({ emailConfirmedAt: clock.now() }).where(and(eq(users.id, row.userId), eq(users.email, row.email)));
      } else if (row.purpose === 'change_old') {
        // The old address agreed: now the new one must prove it is reachable.
        await sendEmailToken(deps, tx, row.userId, 'change_new', row.newEmail!, row.newEmail!);
      } else {
        await tx.update(users).set({ email: row.newEmail!, emailConfirmedAt: clock.now() }).where(eq(users.id, row.userId));
        await startWithdrawalLock(deps, tx, row.userId, 'email_change');
      }
      return { purpose: row.purpose, email: row.newEmail ?? row.email };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_lower_key')) {
      throw new AppError('email_taken', 'this email was registered by someone else meanwhile', { field: 'email' });
    }
    throw err;
  }
}

// ---- Changes that need the password ---------------------------------------------------------

async function checkPassword(deps: AccountsDeps, userId: number, password: string): Promise<void> {
  const [row] = await deps.db.orm.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
  if (!row || !(await verifyPassword(password, row.hash))) {
    throw new AppError('invalid_credentials', 'the password is wrong');
  }
}

/** A login changes once only, and the change locks withdrawals for a week. */
export async function changeLogin(deps: AccountsDeps, userId: number, input: { login: string; password: string }): Promise<Me> {
  await checkPassword(deps, userId, input.password);
  try {
    await deps.db.orm.transaction(async (tx) => {
      const [changed] = await tx
        .update(users)
        .set({ login: normalize(input.login), loginChangedAt: deps.clock.now() })
        .where(and(eq(users.id, userId), isNull(users.loginChangedAt)))
        .returning({ id: users.id });
      if (!changed) throw new AppError('login_change_used', 'the login has already been changed once and cannot change again');
      await startWithdrawalLock(deps, tx, userId, 'login_change');
    });
  } catch (err) {
    if (isUniqueViolation(err, 'users_login_lower_key')) throw new AppError('login_taken', 'this login is taken', { field: 'login' });
    throw err;
  }
  return me(deps, userId);
}

/**
 * Starts an email change: the old address confirms first, then the new one; only then does
 * the email change (and withdrawals lock for a week). A new request replaces a pending one.
 */
export async function requestEmailChange(deps: AccountsDeps, userId: number, input: { email: string; password: string }): Promise<void> {
  await checkPassword(deps, userId, input.password);
  const newEmail = normalize(input.email);
  await deps.db.orm.transaction(async (tx) => {
    const [u] = await tx.select({ email: users.email }).from(users).where(eq(users.id, userId));
    if (u!.email === newEmail) throw new AppError('conflict', 'this is already your email');
    const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, newEmail));
    if (taken) throw new AppError('email_taken', 'this email is already registered', { field: 'email' });
    await tx
      .update(emailTokens)
      .set({ usedAt: deps.clock.now() })
      .where(and(eq(emailTokens.userId, userId), isNull(emailTokens.usedAt), sql`${emailTokens.purpose} in ('change_old', 'change_new')`));
    await sendEmailToken(deps, tx, userId, 'change_old', u!.email, newEmail);
  });
}

// ---- Sign-in and sessions -------------------------------------------------------------------

/** Throws 429 while a key has used up its failed logins in the current window. */
async function checkRateLimit(deps: AccountsDeps, limits: [key: string, limit: number][]): Promise<void> {
  const t = deps.clock.now().getTime();
  for (const [key, limit] of limits) {
    const [row] = await deps.db.orm.select().from(loginFailures).where(eq(loginFailures.key, key));
    if (!row) continue;
    const windowEnds = row.windowStartedAt.getTime() + accountRules.loginFailureWindowMs;
    if (row.failures >= limit && windowEnds > t) {
      const retryAfterSeconds = Math.ceil((windowEnds - t) / 1000);
      throw new AppError('rate_limited', `too many failed logins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }
}

async function recordFailure(deps: AccountsDeps, keys: string[]): Promise<void> {
  const at = deps.clock.now().toISOString();
  const windowStart = new Date(deps.clock.now().getTime() - accountRules.loginFailureWindowMs).toISOString();
  for (const key of keys) {
    // A failure inside the window counts up; the first one after it opens a new window.
    await deps.db.sql`
        insert into login_failures (key, failures, window_started_at) values (${key}, 1, ${at}::timestamptz)
        on conflict (key) do update set
          failures = case when login_failures.window_started_at > ${windowStart}::timestamptz then login_failures.failures + 1 else 1 end,
          window_started_at = case when login_failures.window_started_at > ${windowStart}::timestamptz then login_failures.window_started_at else ${at}::timestamptz end`;
  }
}

/** Checks the password (by login or email) and opens a session; failed attempts are limited per login and address. */
export async function login(
  deps: AccountsDeps,
  input: { login: string; password: string; ip: string },
): Promise<{ token: string; expiresAt: string; user: Me }> {
  const who = normalize(input.login);
  const [u] = await deps.db.orm
    .select()
    .from(users)
    .where(who.includes('@') ? eq(users.email, who) : eq(users.login, who));
  // Counted per account, whether it is named by login or by email, and per client address.
  const accountKey = u ? `user:${u.id}` : `login:${who}`;
  const limits: [string, number][] = [
    [accountKey, accountRules.loginFailureLimit],
    [`ip:${input.ip}`, accountRules.loginFailureLimitPerAddress],
  ];
  await checkRateLimit(deps, limits);
  const ok = await verifyPassword(input.password, u?.passwordHash ?? decoyHash);
  if (!u || !ok) {
    await recordFailure(deps, limits.map(([key]) => key));
    throw new AppError('invalid_credentials', 'wrong login or password');
  }
  if (u.blockedAt) throw new AppError('account_blocked', 'this account is blocked', { reason: u.blockedReason });
  await deps.db.orm.delete(loginFailures).where(eq(loginFailures.key, accountKey));
  const session = await createSession(deps, u.id);
  return { ...session, user: await me(deps, u.id) };
}

export async function createSession(deps: AccountsDeps, userId: number): Promise<{ token: string; expiresAt: string }> {
  const token = newToken('gfs');
  const expiresAt = new Date(deps.clock.now().getTime() + accountRules.sessionTtlMs);
  await deps.db.orm.insert(sessions).values({ tokenHash: sha256(token), userId, expiresAt });
  return { token, expiresAt: expiresAt.toISOString() };
}

export async function logout(deps: AccountsDeps, token: string): Promise<void> {
  await deps.db.orm.update(sessions).set({ revokedAt: deps.clock.now() }).where(eq(sessions.tokenHash, sha256(token)));
}

/**
 * The caller behind a bearer token, or undefined; a blocked account is refused outright.
 *
 * It also records the caller's activity for search's "active sellers" (K-38,
 * `seller_stats.last_active_at`, which search reads there: it is not copied onto offers), at
 * most once per `activityWriteIntervalMs`. The write rides in the session lookup's statement: no
 * round trip of its own, and nothing left running after the request to fail unseen or to race a
 * test. Within the interval the update matches no row, so it writes nothing and takes no lock;
 * of concurrent requests past it, the first writes and the rest, re-checking its row, skip. A
 * user without a stats row gets one (once; a concurrent insert makes the other do nothing).
 */
export async function authenticate(deps: AccountsDeps, token: string): Promise<SessionUser | undefined> {
  const now = deps.clock.now();
  const stale = new Date(now.getTime() - accountRules.activityWriteIntervalMs).toISOString();
  // Every signed-in request runs this: a prepared statement, not a query built anew each time.
  const [row] = await deps.db.sql<{ id: string; login: string; confirmed: boolean; roles: string[]; blocked: boolean }[]>`
        with caller as (
          select u.id, u.login, u.email_confirmed_at is not null as confirmed, u.roles, u.blocked_at is not null as blocked
          from sessions s join users u on u.id = s.user_id
          where s.token_hash = ${sha256(token)} and s.revoked_at is null and s.expires_at > ${now.toISOString()}
        ), active as (
          select id from caller where not blocked
        ), touched as (
          update seller_stats set last_active_at = ${now.toISOString()}::timestamptz
          where user_id = (select id from active) and (last_active_at is null or last_active_at <= ${stale}::timestamptz)
        ), first_seen as (
          insert into seller_stats (user_id, last_active_at)
          select id, ${now.toISOString()}::timestamptz from active where not exists (select 1 from seller_stats where user_id = active.id)
          on conflict (user_id) do nothing
        )
        select id, login, confirmed, roles, blocked from caller`;
  if (!row) return undefined;
  if (row.blocked) throw new AppError('account_blocked', 'this account is blocked');
  return { id: Number(row.id), login: row.login, emailConfirmed: row.confirmed, roles: row.roles as StaffRole[] };
}
