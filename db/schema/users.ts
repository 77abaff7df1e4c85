import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * A person on gigflow: every user is both buyer and seller with one account and one balance.
 * Staff roles (`support`, `moderator`, `arbiter`, `admin`) and the `expert` role (issue 18) are granted only by an admin.
 */
export const users = pgTable(
  'users',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** 3–32 of [a-z0-9_], stored lower-case; unique regardless of case. */
    login: text('login').notNull(),
    /** Stored lower-case. */
    email: text('email').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    emailConfirmedAt: ts('email_confirmed_at'),
    /** argon2id, PHC string; never logged or returned. */
    passwordHash: text('password_hash').notNull().default(''),
    displayName: text('display_name'),
    city: text('city'),
    about: text('about'),
    skills: text('skills').array().notNull().default(sql`'{}'::text[]`),
    avatarUrl: text('avatar_url'),
    /** Set when the login was changed: a login changes once only. */
    loginChangedAt: ts('login_changed_at'),
    roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
    blockedAt: ts('blocked_at'),
    blockedReason: text('blocked_reason'),
    /** IANA time zone, for the seller's "hide on weekends" (Friday 00:00 to Monday 00:00 there). */
    timeZone: text('time_zone').notNull().default('UTC'),
    hideOnWeekends: boolean('hide_on_weekends').notNull().default(false),
    /**
     * K-55: the code of the user's referral link (`<web>/r/<code>`): 22 url-safe characters of
     * a random UUID (122 random bits, unguessable). The database draws it for every new row, and
     * the migration for every existing user.
     */
    referralCode: text('referral_code')
      .notNull()
      .unique()
      .default(sql`rtrim(translate(encode(uuid_send(gen_random_uuid()), 'base64'), '+/', '-_'), '=')`),
  },
  (t) => [
    uniqueIndex('users_login_lower_key').on(sql`lower(${t.login})`),
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
  ],
);

/** Opaque bearer tokens: only their SHA-256 is stored. */
export const sessions = pgTable(
  'sessions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/**
 * One-time email tokens (SHA-256 stored): `confirm` confirms the address at registration;
 * `change_old` and `change_new` are the two steps of an email change; `reset_password` sets a
 * forgotten password; `activate` (W-01) verifies the address of an account created on a job's
 * submission and sets its first password.
 */
export const emailTokens = pgTable(
  'email_tokens',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    purpose: text('purpose', { enum: ['confirm', 'change_old', 'change_new', 'reset_password', 'activate'] }).notNull(),
    /** The address the token was sent to (for a change: the new address on both steps' rows). */
    email: text('email').notNull(),
    newEmail: text('new_email'),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
  },
  (t) => [index('email_tokens_user_idx').on(t.userId)],
);

/**
 * Failed sign-ins per throttling key (`services/sign-in-throttle.ts`): `addr:<address>` for a
 * client address, `login:<digest>|addr:<address>` for a login (or email) tried from it. The
 * next attempt on a key waits a delay that grows with `failures`, counted from `lastFailureAt`.
 */
export const signInFailures = pgTable('sign_in_failures', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  lastFailureAt: ts('last_failure_at').notNull(),
});

/** Withdrawals are refused until `endsAt`: set by an email, login or payout details change. */
export const withdrawalLocks = pgTable(
  'withdrawal_locks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    reason: text('reason', { enum: ['email_change', 'login_change', 'payout_details_change'] }).notNull(),
    /**
     * D-10: `withdrawals` pauses withdrawals (payout details added or changed, email changed);
     * `payout_details` forbids adding or changing them (email or login changed).
     */
    scope: text('scope', { enum: ['withdrawals', 'payout_details'] }).notNull().default('withdrawals'),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
  },
  (t) => [index('withdrawal_locks_user_idx').on(t.userId, t.endsAt)],
);

/** Where a user's withdrawals go. */
export const payoutDetails = pgTable('payout_details', {
  userId: bigint('user_id', { mode: 'number' }).primaryKey().references(() => users.id),
  method: text('method', { enum: ['card', 'paypal'] }).notNull(),
  /** What may be shown: card `Visa •••• 4242`; PayPal: the account address. */
  account: text('account').notNull(),
  /**
   * Where the provider sends the money: a saved card's token (`pm_…`, from the provider's
   * hosted page) or the PayPal address. Null for a card saved before tokens (it must be saved again).
   */
  token: text('token'),
  /** The card's fingerprint from the provider: K-48's "same card". */
  cardFingerprint: text('card_fingerprint'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Email to send: written in the same transaction as the event, sent by the mail adapter. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** A failed message waits until then before the next try (backoff per message, `db/outbox.ts`). */
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    /**
     * A notification's page in the web client (`/orders/8`, `/jobs/3`…; migration 0034's
     * `notification_path`): the dispatcher ends the mail with its link and the settings' one.
     */
    linkPath: text('link_path'),
  },
  (t) => [index('outbox_unsent_idx').on(t.id).where(sql`${t.sentAt} is null`), check('outbox_attempts_nonneg', sql`${t.attempts} >= 0`)],
);
