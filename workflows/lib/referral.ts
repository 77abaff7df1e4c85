/**
 * The referral programme's rules (K-54, K-55, D-08) as pure functions, and their numbers in
 * one place (`referralRules`): the API (the referral page), the placement and moderation writes
 * (activation) and the order's closing write (commission) all judge by these.
 *
 * Instants are milliseconds since the epoch. Two boundaries, decided so:
 * - Activation: an event at exactly `registeredAt + 180 days` still activates ("within 180
 *   days" includes its last instant); one millisecond later does not.
 * - Attachment: a referral is attached on the half-open interval `[registeredAt, until)`,
 *   `until` being `registeredAt + 3 years` (calendar years, UTC) when active and
 *   `registeredAt + 180 days` when not. At `until` itself the referral is no longer attached:
 *   an order completing then earns nothing.
 */
import { commissionOf, type Cents } from './money.js';
import { DAY } from './time.js';

/** The referral programme's numbers (policy): K-54's rates, K-55's windows. */
export const referralRules = {
  /** K-54: of the order when the referral sells, in basis points (2.5 %). */
  sellerCommissionBps: 250,
  /** K-54: of the order when the referral buys, in basis points (3.5 %). */
  buyerCommissionBps: 350,
  /** K-55: a referral becomes active by an order or an approved kwork within this long of registering. */
  activationWindowMs: 180 * DAY,
  /** K-55: an inactive referral stays attached this long from registration. */
  inactiveAttachmentMs: 180 * DAY,
  /** K-55: an active referral stays attached this many years from registration. */
  activeAttachmentYears: 3,
} as const;

/** A referral link's code: 22 url-safe characters (the users table's default draws them from a random UUID). */
export const REFERRAL_CODE = /^[A-Za-z0-9_-]{22}$/;

/** The role a referral played in an order. */
export type ReferralRole = 'buyer' | 'seller';

/** What the rules need of one referral. */
export interface ReferralFacts {
  registeredAtMs: number;
  /** When the referral became active, or null. */
  activatedAtMs: number | null;
}

/** How a referral stands at an instant, as its referrer's page shows it. */
export type ReferralState = 'inactive' | 'active' | 'expired';

/** K-55: whether an order or approval at `atMs` makes a referral registered at `registeredAtMs` active. */
export function activates(registeredAtMs: number, atMs: number): boolean {
  return atMs >= registeredAtMs && atMs <= registeredAtMs + referralRules.activationWindowMs;
}

/** `ms` plus `years` calendar years in UTC (29 February plus a non-leap year lands on 1 March). */
function addUtcYears(ms: number, years: number): number {
  const d = new Date(ms);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.getTime();
}

/**
 * K-55: the first instant the referral is no longer attached, judged at `atMs`: 3 years from
 * registration if it was active by then, else 180 days.
 */
export function attachedUntil(r: ReferralFacts, atMs: number): number {
  const active = r.activatedAtMs !== null && r.activatedAtMs <= atMs;
  return active ? addUtcYears(r.registeredAtMs, referralRules.activeAttachmentYears) : r.registeredAtMs + referralRules.inactiveAttachmentMs;
}

/** K-55: whether the referral is attached to its referrer at `atMs` (the half-open interval). */
export function isAttached(r: ReferralFacts, atMs: number): boolean {
  return atMs >= r.registeredAtMs && atMs < attachedUntil(r, atMs);
}

/** The state the referral page shows at `nowMs`. */
export function referralState(r: ReferralFacts, nowMs: number): ReferralState {
  if (!isAttached(r, nowMs)) return 'expired';
  return r.activatedAtMs !== null && r.activatedAtMs <= nowMs ? 'active' : 'inactive';
}

/**
 * K-54, D-08: the referrer's commission on one completed order for the referral's role, on
 * `mainFundedCents` (the part of the order paid from the buyer's main balance), rounded by
 * the platform's one rule (`commissionOf`: half up to the cent).
 */
export function referralCommission(role: ReferralRole, mainFundedCents: Cents): Cents {
  return commissionOf(mainFundedCents, role === 'buyer' ? referralRules.buyerCommissionBps : referralRules.sellerCommissionBps);
}

/**
 * The referrer sees a referral's login only in part: the first two and last two characters
 * around three stars (`jo***an`); a login of six characters or fewer shows its first character
 * only (`b***`). Always three stars, so the mask does not tell the login's length.
 */
export function maskLogin(login: string): string {
  const chars = [...login];
  if (chars.length <= 6) return `${chars[0] ?? ''}***`;
  return `${chars.slice(0, 2).join('')}***${chars.slice(-2).join('')}`;
}
