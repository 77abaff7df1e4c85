/**
 * How an account proves who it is: registration and the one-time email tokens that confirm an
 * address (at sign-up, and both steps of an email change), the one-time login change, the
 * signed-in password change, sign-in throttled by failures per login and address
 * (`sign-in-throttle.ts`), and sessions (whose lookup records the caller's activity).
 */
import { and, desc, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import { emailTokens, sessions, users } from '../db/schema/users.js';
import { enqueueMail } from '../db/outbox.js';
import { linkAffiliateClientIn } from '../db/affiliates.js';
import { attachReferralIn, referrerByCode } from '../db/referrals.js';
import type { Tx } from '../db/tx.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import type { AccountsDeps, AuthLog, Me, SessionCaller, SessionUser, StaffRole } from './account-types.js';
import { decoyHash } from './passwords.js';
import { accountRules } from './policy.js';
import { sendActivation } from './account-activation.js';
import { me, normalize, startWithdrawalLock } from './profile.js';
import { newToken, sha256 } from './tokens.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { countFailure, countKeyFailure, delayAfter, forgetFailures, loginDigest, passwordCheckKey, secondsUntilAllowed, signInKeys } from './sign-in-throttle.js';


// ---- Email tokens ---------------------------------------------------------------------------

/** Stores a one-time token for the address (its hash only) and queues the mail that carries it. */
async function sendEmailToken(
  deps: AccountsDeps,
  tx: Tx,
  userId: number,
  purpose: 'confirm' | 'change_old' | 'change_new' | 'reset_password',
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
    reset_password: 'Reset your gigflow password',
  }[purpose];
  // A link to the web client's page with the code filled in, and the code itself for an API
  // client or a reader whose mail program opens no links.
  const reset = purpose === 'reset_password';
  const link = `${deps.webUrl ?? ''}${reset ? '/reset-password' : '/confirm-email'}?code=${encodeURIComponent(token)}`;
  await enqueueMail(tx, {
    kind: `email_${purpose}`,
    to,
    subject,
    body:
      `${subject}.\n\nOpen this link to ${reset ? 'choose a new password' : 'confirm it'}:\n${link}\n\n` +
      `Or enter the code on that page yourself. Your ${reset ? 'reset' : 'confirmation'} code: ${token}\n\n` +
      `It expires in ${accountRules.emailTokenTtlMs / 3_600_000} hours${reset ? ' and works once' : ''}. If this was not you, ignore this message.`,
  });
}

/**
 * Creates the account and queues the confirmation email; login and email are unique regardless
 * of case. With a referral link's code, the new user becomes that user's referral (K-55), from
 * now by the services' clock; a code that names nobody refuses the registration
 * (`unknown_referral_code`) and creates nothing. With a first-touch affiliate visit's token (the
 * web client's cookie, W-23), the new user becomes that affiliate's pending client; an unknown
 * token links nothing and refuses nothing.
 */
export async function register(deps: AccountsDeps, input: { login: string; email: string; password: string; referralCode?: string; affiliateVisit?: string }): Promise<Me> {
  const passwordHash = await deps.passwords.hash(input.password);
  try {
    const id = await deps.db.orm.transaction(async (tx) => {
      const referrerId = input.referralCode === undefined ? null : await referrerByCode(tx, input.referralCode);
      if (input.referralCode !== undefined && referrerId === null) {
        throw fieldError('body.referralCode', 'this referral link is unknown: register without it, or check the link', 'unknown_referral_code');
      }
      const [row] = await tx
        .insert(users)
        .values({ login: normalize(input.login), email: normalize(input.email), passwordHash })
        .returning({ id: users.id });
      if (referrerId !== null) await attachReferralIn(tx, { referralId: row!.id, referrerId, registeredAt: deps.clock.now() });
      if (input.affiliateVisit !== undefined) await linkAffiliateClientIn(tx, { clientId: row!.id, visitToken: input.affiliateVisit, registeredAt: deps.clock.now() });
      await sendEmailToken(deps, tx, row!.id, 'confirm', normalize(input.email));
      return row!.id;
    });
    return await me(deps, id);
  } catch (err) {
    if (isUniqueViolation(err, 'users_login_lower_key')) throw fieldError('body.login', 'this login is taken', 'login_taken');
    if (isUniqueViolation(err, 'users_email_lower_key')) throw fieldError('body.email', 'this email is already registered', 'email_taken');
    throw err;
  }
}

/** Uses a one-time email token: confirms the address, or moves an email change one step on. */
/** `userId` is set when the account's address became confirmed by this token (not for an email change's steps). */
export async function confirmEmail(deps: AccountsDeps, token: string): Promise<{ purpose: 'confirm' | 'change_old' | 'change_new'; email: string; userId: number | null }> {
  const { clock } = deps;
  try {
    return await deps.db.orm.transaction(async (tx) => {
      const [row] = await tx
        .update(emailTokens)
        .set({ usedAt: clock.now() })
        .where(
          and(
            eq(emailTokens.tokenHash, sha256(token)),
            inArray(emailTokens.purpose, ['confirm', 'change_old', 'change_new']),
            isNull(emailTokens.usedAt),
            gt(emailTokens.expiresAt, clock.now()),
          ),
        )
        .returning();
      if (!row || row.purpose === 'reset_password' || row.purpose === 'activate') throw fieldError('body.token', 'this confirmation code is unknown, used or expired', 'invalid_token');
      if (row.purpose === 'confirm') {
        await tx.update(users).set({ emailConfirmedAt: clock.now() }).where(and(eq(users.id, row.userId), eq(users.email, row.email)));
      } else if (row.purpose === 'change_old') {
        // The old address agreed: now the new one must prove it is reachable.
        await sendEmailToken(deps, tx, row.userId, 'change_new', row.newEmail!, row.newEmail!);
      } else {
        await tx.update(users).set({ email: row.newEmail!, emailConfirmedAt: clock.now() }).where(eq(users.id, row.userId));
        // D-10 (K-51, K-66): an email change pauses withdrawals and locks the payout details.
        await startWithdrawalLock(deps, tx, row.userId, 'email_change', 'withdrawals');
        await startWithdrawalLock(deps, tx, row.userId, 'email_change', 'payout_details');
      }
      return { purpose: row.purpose, email: row.newEmail ?? row.email, userId: row.purpose === 'confirm' ? row.userId : null };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_lower_key')) {
      throw fieldError('body.email', 'this email was registered by someone else meanwhile', 'email_taken');
    }
    throw err;
  }
}

// ---- Changes that need the password ---------------------------------------------------------

/**
 * Refuses a wrong password (401 `invalid_credentials`); answers the hash it checked. Wrong ones
 * are counted per account as sign-in counts them (`passwordCheckKey`): past the free failures
 * the next check waits (429 `rate_limited` with `retryAfterSeconds`, checking no password).
 */
async function checkPassword(deps: AccountsDeps, userId: number, password: string): Promise<string> {
  const key = passwordCheckKey(userId);
  const retryAfterSeconds = await secondsUntilAllowed(deps, [key]);
  if (retryAfterSeconds !== undefined) {
    throw new AppError('rate_limited', `too many wrong passwords; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
  const [row] = await deps.db.orm.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
  if (!row || !(await deps.passwords.verify(password, row.hash))) {
    await countKeyFailure(deps, key);
    throw wrongPassword();
  }
  await forgetFailures(deps, key);
  return row.hash;
}

const wrongPassword = () => new AppError('invalid_credentials', 'the password is wrong');

/**
 * A signed-in user changes their password, proving the current one as a login or email change
 * does (401 `invalid_credentials`, nothing changed). Every other session of the account ends —
 * one a thief holds too — and the caller's (`keepSessionToken`) goes on; a mail tells the
 * account's address, in the same transaction. The hash is swapped only if it is still the one
 * checked: of two changes racing with the same current password, the second is refused.
 */
export async function changePassword(deps: AccountsDeps, userId: number, keepSessionToken: string, input: { currentPassword: string; newPassword: string }): Promise<void> {
  const checked = await checkPassword(deps, userId, input.currentPassword);
  const passwordHash = await deps.passwords.hash(input.newPassword);
  const now = deps.clock.now();
  await deps.db.orm.transaction(async (tx) => {
    const [u] = await tx
      .update(users)
      .set({ passwordHash })
      .where(and(eq(users.id, userId), eq(users.passwordHash, checked)))
      .returning({ login: users.login, email: users.email });
    if (!u) throw wrongPassword();
    await tx
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), ne(sessions.tokenHash, sha256(keepSessionToken))));
    const forgot = `${deps.webUrl ?? ''}/forgot-password`;
    await enqueueMail(tx, {
      kind: 'password_changed',
      to: u.email,
      subject: 'Your gigflow password was changed',
      body:
        `The password of your gigflow account ${u.login} was changed at ${now.toISOString()}. ` +
        `Every other session of the account was signed out; the one that changed it stays signed in.\n\n` +
        `If this was not you, choose a new password at once with a code we email you (it signs out every session, that one too):\n${forgot}`,
    });
  });
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
      // D-10 (K-67): a login change locks the payout details; withdrawals go on.
      await startWithdrawalLock(deps, tx, userId, 'login_change', 'payout_details');
    });
  } catch (err) {
    if (isUniqueViolation(err, 'users_login_lower_key')) throw fieldError('body.login', 'this login is taken', 'login_taken');
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
    if (taken) throw fieldError('body.email', 'this email is already registered', 'email_taken');
    await tx
      .update(emailTokens)
      .set({ usedAt: deps.clock.now() })
      .where(and(eq(emailTokens.userId, userId), isNull(emailTokens.usedAt), sql`${emailTokens.purpose} in ('change_old', 'change_new')`));
    await sendEmailToken(deps, tx, userId, 'change_old', u!.email, newEmail);
  });
}

/** The email change waiting for a confirmation, if any: the new address, and which address must confirm next. */
export async function pendingEmailChange(deps: AccountsDeps, userId: number): Promise<{ newEmail: string; waitingFor: 'current_email' | 'new_email' } | null> {
  const [row] = await deps.db.orm
    .select({ purpose: emailTokens.purpose, newEmail: emailTokens.newEmail })
    .from(emailTokens)
    .where(
      and(
        eq(emailTokens.userId, userId),
        inArray(emailTokens.purpose, ['change_old', 'change_new']),
        isNull(emailTokens.usedAt),
        gt(emailTokens.expiresAt, deps.clock.now()),
      ),
    )
    .orderBy(desc(emailTokens.id))
    .limit(1);
  if (!row?.newEmail) return null;
  return { newEmail: row.newEmail, waitingFor: row.purpose === 'change_old' ? 'current_email' : 'new_email' };
}

// ---- Sign-in and sessions -------------------------------------------------------------------

/**
 * Checks the password (by login or email) and opens a session. Failed attempts are throttled
 * per (login, client address) and per client address (`sign-in-throttle.ts`), never per
 * account: the owner on an address that is not throttled always gets in. Every attempt is
 * logged once, with the login as a digest and never the password.
 */
export async function login(
  deps: AccountsDeps,
  input: { login: string; password: string; ip: string },
  log: AuthLog,
): Promise<{ token: string; expiresAt: string; user: Me }> {
  const who = normalize(input.login);
  const [u] = await deps.db.orm
    .select()
    .from(users)
    .where(who.includes('@') ? eq(users.email, who) : eq(users.login, who));
  const keys = signInKeys(who, input.ip);
  const attempt = { userId: u?.id, loginDigest: loginDigest(who), address: input.ip };
  // Checked before the password, known login or not: a throttled key tests no password at all.
  const retryAfterSeconds = await secondsUntilAllowed(deps, [keys.login, keys.address]);
  if (retryAfterSeconds !== undefined) {
    log.info({ ...attempt, event: 'sign_in_throttled', retryAfterSeconds }, 'sign-in refused: too many failures');
    throw new AppError('rate_limited', `too many failed sign-ins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
  // An unknown login is checked against a decoy hash, so both take the same time.
  const ok = await deps.passwords.verify(input.password, u?.passwordHash ?? decoyHash);
  if (!u || !ok) {
    const failures = await countFailure(deps, keys);
    const delayMs = Math.max(delayAfter(failures.login, keys.login.freeFailures), delayAfter(failures.address, keys.address.freeFailures));
    // Within the free failures a line at info (people mistype); past them, when attempts now wait, at warn.
    log[delayMs > 0 ? 'warn' : 'info'](
      { ...attempt, event: 'sign_in_failed', failures: failures.login, addressFailures: failures.address, delaySeconds: Math.ceil(delayMs / 1000) },
      'sign-in failed',
    );
    throw new AppError('invalid_credentials', 'wrong login or password');
  }
  if (u.blockedAt) {
    log.info({ ...attempt, event: 'sign_in_blocked' }, 'sign-in refused: the account is blocked');
    throw new AppError('account_blocked', 'this account is blocked', { reason: u.blockedReason });
  }
  // The (login, address) key's failures only: the address keeps its count, or an attacker could
  // sign in to an account of their own between guesses at others.
  const forgotten = await forgetFailures(deps, keys.login);
  const session = await createSession(deps, u.id);
  log.info({ ...attempt, event: 'sign_in', forgottenFailures: forgotten }, 'signed in');
  return { ...session, user: await me(deps, u.id) };
}

export async function createSession(deps: AccountsDeps, userId: number): Promise<{ token: string; expiresAt: string }> {
  const token = newToken('gfs');
  const expiresAt = new Date(deps.clock.now().getTime() + accountRules.sessionTtlMs);
  await deps.db.orm.insert(sessions).values({ tokenHash: sha256(token), userId, expiresAt });
  return { token, expiresAt: expiresAt.toISOString() };
}

/**
 * "Forgot password": mails a one-time code to the account with this email, if there is one.
 * The answer is the same either way, so the form tells no one which emails are registered. An
 * account created on a job's submission and never activated (W-01) has no password to reset:
 * it gets a fresh activation link instead, which verifies the address too.
 */
export async function requestPasswordReset(deps: AccountsDeps, email: string): Promise<void> {
  const [u] = await deps.db.orm
    .select({ id: users.id, email: users.email, passwordHash: users.passwordHash, confirmedAt: users.emailConfirmedAt })
    .from(users)
    .where(eq(users.email, normalize(email)));
  if (!u) return;
  await deps.db.orm.transaction((tx) =>
    u.passwordHash === '' && u.confirmedAt === null ? sendActivation(deps, tx, { id: u.id, email: u.email }, deps.clock.now()) : sendEmailToken(deps, tx, u.id, 'reset_password', u.email),
  );
}

/** Sets a new password with a reset code, once; every session of the account ends (a thief's too). */
export async function resetPassword(deps: AccountsDeps, input: { token: string; password: string }): Promise<void> {
  const { clock } = deps;
  const passwordHash = await deps.passwords.hash(input.password);
  await deps.db.orm.transaction(async (tx) => {
    const [row] = await tx
      .update(emailTokens)
      .set({ usedAt: clock.now() })
      .where(
        and(
          eq(emailTokens.tokenHash, sha256(input.token)),
          eq(emailTokens.purpose, 'reset_password'),
          isNull(emailTokens.usedAt),
          gt(emailTokens.expiresAt, clock.now()),
        ),
      )
      .returning();
    if (!row) throw fieldError('body.token', 'this reset code is unknown, used or expired', 'invalid_token');
    await tx.update(users).set({ passwordHash }).where(eq(users.id, row.userId));
    await tx.update(sessions).set({ revokedAt: clock.now() }).where(and(eq(sessions.userId, row.userId), isNull(sessions.revokedAt)));
  });
}

export async function logout(deps: AccountsDeps, token: string): Promise<void> {
  await deps.db.orm.update(sessions).set({ revokedAt: deps.clock.now() }).where(eq(sessions.tokenHash, sha256(token)));
}

/**
 * The caller behind a bearer token, with the account block a sanction runs now (the standing's
 * row), or undefined; a blocked account (`users.blocked_at`) is refused outright.
 *
 * It also records the caller's activity for search's "active sellers" (K-38,
 * `seller_stats.last_active_at`, which search reads there: it is not copied onto offers), at
 * most once per `activityWriteIntervalMs`. The write rides in the session lookup's statement: no
 * round trip of its own, and nothing left running after the request to fail unseen or to race a
 * test. Within the interval the update matches no row, so it writes nothing and takes no lock;
 * of concurrent requests past it, the first writes and the rest, re-checking its row, skip. A
 * user without a stats row gets one (once; a concurrent insert makes the other do nothing).
 * The standing's block rides in it too (issue 19 §3: one round trip a request, not two).
 */
export async function identify(deps: AccountsDeps, token: string): Promise<SessionCaller | undefined> {
  const now = deps.clock.now();
  const stale = new Date(now.getTime() - accountRules.activityWriteIntervalMs).toISOString();
  // Every signed-in request runs this: a prepared statement, not a query built anew each time.
  const [row] = await deps.db.sql<{ id: string; login: string; confirmed: boolean; roles: string[]; blocked: boolean; block_until: string | Date | null; block_reason: string | null }[]>`
        with caller as (
          select u.id, u.login, u.email_confirmed_at is not null as confirmed, u.roles, u.blocked_at is not null as blocked,
            st.account_blocked_until as block_until, st.account_block_reason as block_reason
          from sessions s join users u on u.id = s.user_id
          left join standings st on st.user_id = u.id and st.account_blocked_until is not null
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
        select id, login, confirmed, roles, blocked, block_until, block_reason from caller`;
  if (!row) return undefined;
  if (row.blocked) throw new AppError('account_blocked', 'this account is blocked');
  return {
    user: { id: Number(row.id), login: row.login, emailConfirmed: row.confirmed, roles: row.roles as StaffRole[] },
    accountBlock: row.block_until === null ? null : { until: new Date(row.block_until).toISOString(), reason: row.block_reason ?? '' },
  };
}

/** The user behind a bearer token, or undefined; a blocked account is refused outright (see `identify`). */
export async function authenticate(deps: AccountsDeps, token: string): Promise<SessionUser | undefined> {
  return (await identify(deps, token))?.user;
}
