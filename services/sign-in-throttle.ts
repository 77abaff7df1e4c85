/**
 * Sign-in throttling (issue 13). Failed sign-ins are counted on two keys: the login (or email)
 * as typed together with the client address, and the client address alone. Past a key's free
 * failures, each failure makes the next attempt on that key wait a delay that doubles with
 * every further failure, up to a cap (the numbers are `accountRules.signIn*`). No key belongs
 * to an account alone, so failures from one address never hold up the owner on another.
 *
 * The login key is the name as typed, not the account behind it: an unknown login is counted
 * exactly like a known one, and whether an email and a login name the same account cannot be
 * read off the throttling either.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { signInFailures } from '../db/schema/users.js';
import type { AccountsDeps } from './account-types.js';
import { accountRules } from './policy.js';

/** The throttle needs the database and the clock only. */
type ThrottleDeps = Pick<AccountsDeps, 'db' | 'clock'>;

/** One counter: its row's key, its free failures and how fast it forgets. */
export interface ThrottleKey {
  key: string;
  freeFailures: number;
  forgetOneMs: number;
}

/** The two counters one sign-in attempt is checked against and counted on. */
export interface SignInKeys {
  login: ThrottleKey;
  address: ThrottleKey;
}

/**
 * The login (or email), normalised, as rows and log lines carry it: a digest, since people
 * sometimes type their password into the login field.
 */
export function loginDigest(normalizedLogin: string): string {
  return createHash('sha256').update(normalizedLogin).digest('hex').slice(0, 32);
}

/**
 * The address a counter is keyed by: IPv4 as it is (an IPv4-mapped IPv6 address too), IPv6 by
 * its /64, since one household or host usually holds a whole /64 and could otherwise take a
 * fresh counter for every attempt. Anything else (`unknown`) as it is.
 */
export function addressKey(address: string): string {
  const bare = address.split('%')[0]!.toLowerCase(); // an IPv6 zone id names an interface, not a host
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(bare);
  if (mapped) return mapped[1]!;
  if (isIP(bare) !== 6) return address;
  const groupsOf = (part: string | undefined) => (part ? part.split(':') : []);
  // An embedded IPv4 tail (`::1.2.3.4`) fills two groups.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const [head, tail] = bare.split('::');
  const left = groupsOf(head);
  const right = groupsOf(tail);
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export function signInKeys(normalizedLogin: string, address: string): SignInKeys {
  const at = `addr:${addressKey(address)}`;
  return {
    login: {
      key: `login:${loginDigest(normalizedLogin)}|${at}`,
      freeFailures: accountRules.signInFreeFailuresPerLogin,
      forgetOneMs: accountRules.signInForgetPerLoginMs,
    },
    address: { key: at, freeFailures: accountRules.signInFreeFailuresPerAddress, forgetOneMs: accountRules.signInForgetPerAddressMs },
  };
}

/**
 * The counter of wrong passwords a signed-in account gives to confirm a change (its login, its
 * email, its password): keyed by the account, since the session already names it, and with the
 * per-login key's numbers. A session someone took cannot try passwords faster than sign-in
 * allows; the owner signs in as ever (another key), and a right password forgets the count.
 */
export function passwordCheckKey(userId: number): ThrottleKey {
  return { key: `confirm:user:${userId}`, freeFailures: accountRules.signInFreeFailuresPerLogin, forgetOneMs: accountRules.signInForgetPerLoginMs };
}

/** How long after its latest failure a key with `failures` failures lets the next attempt in. */
export function delayAfter(failures: number, freeFailures: number): number {
  if (failures <= freeFailures) return 0;
  return Math.min(accountRules.signInFirstDelayMs * 2 ** (failures - freeFailures - 1), accountRules.signInMaxDelayMs);
}

/** Whole seconds (rounded up) until every key lets an attempt in; undefined when they do now. */
export async function secondsUntilAllowed(deps: ThrottleDeps, keys: readonly ThrottleKey[]): Promise<number | undefined> {
  const now = deps.clock.now().getTime();
  const rows = await deps.db.orm
    .select()
    .from(signInFailures)
    .where(inArray(signInFailures.key, keys.map((k) => k.key)));
  const waitMs = Math.max(0, ...keys.map((key) => waitMsOf(rows.find((r) => r.key === key.key), key, now)));
  return waitMs > 0 ? Math.ceil(waitMs / 1000) : undefined;
}

/**
 * How long from `now` an attempt on `key` still waits, its counter being `row` (none: no wait).
 * Within the free failures nothing waits, even when a concurrent request recorded a failure
 * after this one read the clock (its time then lies just after `now`).
 */
export function waitMsOf(row: { failures: number; lastFailureAt: Date } | undefined, key: ThrottleKey, now: number): number {
  const delay = row ? delayAfter(row.failures, key.freeFailures) : 0;
  return delay === 0 ? 0 : Math.max(0, row!.lastFailureAt.getTime() + delay - now);
}

async function countOn(db: Db, key: ThrottleKey, at: string): Promise<number> {
  // One statement per key: a concurrent failure waits on the row's lock, then counts on top of
  // this one, so failures at the same moment all count. Before counting, the key forgets one
  // failure for each full forgetting period since its latest failure.
  const [row] = await db.sql<{ failures: number }[]>`
      insert into sign_in_failures as f (key, failures, last_failure_at) values (${key.key}, 1, ${at}::timestamptz)
      on conflict (key) do update set
        failures = 1 + greatest(
          f.failures - greatest(floor(extract(epoch from excluded.last_failure_at - f.last_failure_at) * 1000 / ${key.forgetOneMs}), 0)::int,
          0),
        last_failure_at = greatest(f.last_failure_at, excluded.last_failure_at)
      returning failures`;
  return row!.failures;
}

/** Counts one failure on `key`; returns its count after it. */
export function countKeyFailure(deps: ThrottleDeps, key: ThrottleKey, at = deps.clock.now().toISOString()): Promise<number> {
  return countOn(deps.db, key, at);
}

/** Counts a failed sign-in on both keys, at the same moment; returns each key's count after it. */
export async function countFailure(deps: ThrottleDeps, keys: SignInKeys): Promise<{ login: number; address: number }> {
  const at = deps.clock.now().toISOString();
  const [login, address] = await Promise.all([countKeyFailure(deps, keys.login, at), countKeyFailure(deps, keys.address, at)]);
  return { login, address };
}

/** Forgets `key`'s failures (a success); returns how many there were. */
export async function forgetFailures(deps: ThrottleDeps, key: ThrottleKey): Promise<number> {
  const [row] = await deps.db.orm.delete(signInFailures).where(eq(signInFailures.key, key.key)).returning({ failures: signInFailures.failures });
  return row?.failures ?? 0;
}
