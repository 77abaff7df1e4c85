/**
 * W-01: the account a job's submission creates for an email that has none, and its activation.
 * The account starts with no password and an unconfirmed address; one mail carries a link to
 * the `/activate` page, where the owner verifies the address and chooses a password in one
 * step, and is signed in. Until then nobody signs in to it with a password (an empty hash
 * verifies nothing, `passwords.ts`). An email that has an account gets nothing created: the
 * caller answers "sign in first", so work is never attached to someone else's account and the
 * answer says no more than that.
 */
import { randomInt } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { enqueueMail } from '../db/outbox.js';
import { workflowAttention } from '../db/schema/attention.js';
import { emailTokens, users } from '../db/schema/users.js';
import type { Tx } from '../db/tx.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { storableText } from '../workflows/lib/text.js';
import type { AccountsDeps } from './account-types.js';
import { accountRules } from './policy.js';
import { normalize } from './profile.js';
import { newToken, sha256 } from './tokens.js';

/** What a submission did about its email: a new account, or none because the email has one ("sign in first"). */
export type SubmissionAccount = { userId: number; created: true } | { existing: true };

const LOGIN = /^[a-z0-9_]{3,32}$/;
/** Tries at a free login before giving up (each after the first adds a random suffix). */
const LOGIN_TRIES = 5;

/**
 * A login drawn from the email's local part: a-z, digits and underscores, at most 24 characters
 * so that a suffix still fits in 32; a part too short to make one becomes `client`-based.
 */
function loginFromEmail(email: string): string {
  const local = (email.split('@')[0] ?? '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 24);
  return local.length >= 3 ? local : local ? `${local}_client` : 'client';
}

/** Queues the activation mail with a fresh single-use link for the account (W-01). */
export async function sendActivation(deps: AccountsDeps, tx: Tx, user: { id: number; email: string }, now: Date): Promise<void> {
  const token = newToken('gfa');
  await tx.insert(emailTokens).values({
    tokenHash: sha256(token),
    userId: user.id,
    purpose: 'activate',
    email: user.email,
    expiresAt: new Date(now.getTime() + accountRules.activationTokenTtlMs),
  });
  const link = `${deps.webUrl ?? ''}/activate?token=${token}`;
  const hours = accountRules.activationTokenTtlMs / 3_600_000;
  await enqueueMail(tx, {
    kind: 'account_activate',
    to: user.email,
    subject: 'Activate your gigflow account',
    body:
      `We created a gigflow account for ${user.email} with the job you ordered.\n\n` +
      `Open this link to verify your address, choose your password and activate the account:\n${link}\n\n` +
      `The link works once and expires in ${hours} hours; the activation page mails a new one. If this was not you, ignore this message.`,
  });
}

/**
 * W-01: for a new email, creates the account (no password, the address unconfirmed, the login
 * given or a free one drawn from the email) and queues ONE mail with its activation link, all in
 * the caller's transaction (the job's submission): a rolled-back submission leaves no account
 * and sends nothing. For an email that has an account, creates and sends nothing.
 *
 * Concurrent submissions with the same new email or login do not fail the caller's transaction:
 * the insert skips on any unique conflict (waiting for the other transaction to settle), then
 * tells an email now taken (`existing`) from a login taken (another login is tried).
 */
export async function createAccountOnSubmission(
  deps: AccountsDeps,
  tx: Tx,
  input: { email: string; username?: string; now: Date },
): Promise<SubmissionAccount> {
  const email = normalize(input.email);
  const existing = async () => (await tx.select({ id: users.id }).from(users).where(eq(users.email, email))).length > 0;
  if (await existing()) return { existing: true };
  const given = input.username === undefined ? undefined : normalize(input.username);
  if (given !== undefined && !LOGIN.test(given)) {
    throw fieldError('body.username', 'a username is 3 to 32 letters a-z, digits or underscores');
  }
  const base = given ?? loginFromEmail(email);
  for (let attempt = 0; attempt < LOGIN_TRIES; attempt++) {
    const login = attempt === 0 ? base : `${base.slice(0, 24)}_${randomInt(100, 1_000_000)}`;
    const [row] = await tx.insert(users).values({ login, email }).onConflictDoNothing().returning({ id: users.id });
    if (row) {
      await sendActivation(deps, tx, { id: row.id, email }, input.now);
      return { userId: row.id, created: true };
    }
    if (await existing()) return { existing: true };
    if (given !== undefined) throw fieldError('body.username', 'this username is taken', 'login_taken');
  }
  throw new AppError('conflict', 'no free username was found for this email: choose one');
}

/**
 * Uses an activation link once: verifies the address and sets the password in one step (W-01),
 * and retires the account's other activation links. Refused (`invalid_token`) when the link is
 * unknown, used, expired, or its account already has a password. Then, the transaction
 * committed, runs the `onActivated` hook (what waited for the verified address); the caller
 * signs the user in. Returns the user's id.
 */
export async function activate(deps: AccountsDeps, input: { token: string; password: string }): Promise<number> {
  const passwordHash = await deps.passwords.hash(input.password);
  const now = deps.clock.now();
  const refused = fieldError('body.token', 'this activation link is unknown, used or expired: ask for a new one', 'invalid_token');
  const userId = await deps.db.orm.transaction(async (tx) => {
    const [token] = await tx
      .update(emailTokens)
      .set({ usedAt: now })
      .where(and(eq(emailTokens.tokenHash, sha256(input.token)), eq(emailTokens.purpose, 'activate'), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)))
      .returning();
    if (!token) throw refused;
    const [user] = await tx
      .update(users)
      .set({ passwordHash, emailConfirmedAt: now })
      .where(and(eq(users.id, token.userId), eq(users.email, token.email), eq(users.passwordHash, ''), isNull(users.emailConfirmedAt)))
      .returning({ id: users.id });
    if (!user) throw refused;
    await tx
      .update(emailTokens)
      .set({ usedAt: now })
      .where(and(eq(emailTokens.userId, user.id), eq(emailTokens.purpose, 'activate'), isNull(emailTokens.usedAt)));
    return user.id;
  });
  await afterActivation(deps, userId);
  return userId;
}

/**
 * The `onActivated` hook, after the activation (or a registered user's email confirmation)
 * committed: its failure must not undo or hide it (the user is activated and signed in either
 * way), so it goes on staff's attention list with the user's id, and the hook is written to be
 * run again safely.
 */
export async function afterActivation(deps: AccountsDeps, userId: number): Promise<void> {
  if (!deps.onActivated) return;
  try {
    await deps.onActivated(userId);
  } catch (err) {
    await deps.db.orm
      .insert(workflowAttention)
      .values({
        workflowId: `account-activation-${userId}`,
        process: 'account_activation',
        entityId: userId,
        failureType: 'bug',
        // The failure's text as the workflows' own attention rows store it (activities/attention.ts): no NUL or lone surrogate, 2,000 units at most.
        reason: storableText(`the account was activated, but releasing what waited for it failed: ${err instanceof Error ? err.message : String(err)}`, 2_000),
        flaggedAt: deps.clock.now(),
      })
      .onConflictDoNothing();
  }
}

/**
 * Mails a fresh activation link to the account with this email if it was created on submission
 * and is not activated yet (W-01: an expired link is not a dead end). The answer is the same
 * whatever the email, so it tells no one which emails are registered.
 */
export async function resendActivation(deps: AccountsDeps, email: string): Promise<void> {
  const [user] = await deps.db.orm
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.email, normalize(email)), eq(users.passwordHash, ''), isNull(users.emailConfirmedAt)));
  if (!user) return;
  await deps.db.orm.transaction((tx) => sendActivation(deps, tx, user, deps.clock.now()));
}
