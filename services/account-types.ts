/**
 * What an account is, as the account services and their callers name it: staff roles, the
 * signed-in caller, the owner's view of their account, and the inputs that change it. A leaf
 * module, so the parts of `accounts.ts` (`credentials.ts`, `profile.ts`) share it without
 * importing one another.
 */
import type { Db } from '../db/client.js';
import type { Clock } from './clock.js';
import type { Passwords } from './passwords.js';

/**
 * Roles an admin grants. `expert` (issue 18, W-04) is not staff of the platform's own: it lets
 * its holder claim estimated jobs from the queue, estimate and deliver them.
 */
export const staffRoles = ['support', 'moderator', 'arbiter', 'admin', 'expert'] as const;
export type StaffRole = (typeof staffRoles)[number];

/** Who is calling, as the API knows them after authentication. */
export interface SessionUser {
  id: number;
  login: string;
  emailConfirmed: boolean;
  roles: StaffRole[];
}

/**
 * A signed-in caller: the user, and the account block a sanction runs now (K-60, K-61, K-65),
 * read in the same statement as the session — every signed-in request needs both.
 */
export interface SessionCaller {
  user: SessionUser;
  /** Why and until when the account is blocked (ISO 8601); null when no block runs. */
  accountBlock: { until: string; reason: string } | null;
}

export type WithdrawalLockReason = 'email_change' | 'login_change' | 'payout_details_change';

export interface WithdrawalLock {
  reason: WithdrawalLockReason;
  /** D-10: `withdrawals` pauses withdrawals; `payout_details` forbids changing the payout details. */
  scope: 'withdrawals' | 'payout_details';
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

export interface AccountsDeps {
  db: Db;
  clock: Clock;
  /** The web client's public address: the W-01 activation mail links to its `/activate` page, the confirmation and reset mails to `/confirm-email` and `/reset-password` with their codes. Default: relative links. */
  webUrl?: string;
  /**
   * W-01: runs after an account created on submission is activated (its transaction committed),
   * to release what waited for the verified address (the job's). Must be safe to run twice; its
   * failure never undoes the activation (it is put on staff's attention list).
   */
  onActivated?: (userId: number) => Promise<void>;
  /** How passwords are hashed and checked (`createAccounts` defaults it to argon2id, `passwords.ts`). */
  passwords: Passwords;
}

/** What `createAccounts` takes: the dependencies, `passwords` optional (default argon2id). */
export type AccountsOptions = Omit<AccountsDeps, 'passwords'> & { passwords?: Passwords };

/**
 * Where sign-in attempts are logged, one structured line each: in the API, the request's
 * logger (pino), so each line carries the request id.
 */
export interface AuthLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}
