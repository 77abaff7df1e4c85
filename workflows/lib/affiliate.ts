/**
 * The affiliate programme's rules (W-21…W-27, D-07) as pure functions, and their numbers in one
 * place (`affiliateRules`): the API (sign-up, the link, the dashboard) and the job's writes
 * (assignment; the commission once jobs exist, W-24…W-26) judge by these.
 *
 * Instants are milliseconds since the epoch. The attribution window (W-23) is decided so: a
 * client is assigned by a job completed at any instant in `[firstVisit, firstVisit + 3 calendar
 * months]`, the last instant INCLUDED ("within the first 3 months" counts its last instant, as
 * the referral programme's 180 days do); one millisecond later does not assign.
 */
import { addUtcMonths } from './time.js';

/** The affiliate programme's numbers (policy). */
export const affiliateRules = {
  /** W-23: a registered visitor is assigned by a job completed within this many calendar months (UTC) of the first visit. */
  attributionMonths: 3,
  /** W-21, W-23: the first-touch cookie lives as long as the attribution window can (3 × 31 days). */
  visitCookieMaxAgeSeconds: 93 * 24 * 60 * 60,
  /** W-21: a consent answer (either way) is remembered for a year, then asked again. */
  consentCookieMaxAgeSeconds: 365 * 24 * 60 * 60,
  /**
   * D-07 (W-24): levels by the affiliate's count of approved referred jobs, lowest first:
   * `minJobs` is the count from which the level applies; `bps` its cut in basis points.
   */
  levels: [
    { level: 1, minJobs: 0, bps: 1_000 },
    { level: 2, minJobs: 10, bps: 1_250 },
    { level: 3, minJobs: 50, bps: 1_500 },
  ],
  /** W-26, D-07: every cut is capped at $200 per job. */
  commissionCapCents: 20_000,
} as const;

/** An affiliate level (D-07). */
export type AffiliateLevel = (typeof affiliateRules.levels)[number]['level'];

/** An affiliate link's code: 22 url-safe characters, 128 random bits (not guessable). */
export const AFFILIATE_CODE = /^[A-Za-z0-9_-]{22}$/;

/** A first-touch visit's id as its cookie carries it: 43 url-safe characters, 256 random bits. */
export const VISIT_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** How a registered visitor stands with their affiliate (W-23, W-27). */
export type AffiliateClientState = 'pending' | 'assigned' | 'expired';

/** W-23: the last instant a completed job still assigns a visitor who first came at `firstVisitMs`. */
export const attributionExpiresAt = (firstVisitMs: number): number => addUtcMonths(firstVisitMs, affiliateRules.attributionMonths);

/** W-23: whether a job completed at `completedMs` assigns (the window's last instant included). */
export function assigns(firstVisitMs: number, completedMs: number): boolean {
  return completedMs >= firstVisitMs && completedMs <= attributionExpiresAt(firstVisitMs);
}

/** The dashboard's state at `nowMs` (W-27). */
export function affiliateClientState(c: { assignedAtMs: number | null; expiresAtMs: number }, nowMs: number): AffiliateClientState {
  if (c.assignedAtMs !== null) return 'assigned';
  return nowMs > c.expiresAtMs ? 'expired' : 'pending';
}

/** D-07: the level for an affiliate with `approvedJobs` approved referred jobs. */
export function levelFor(approvedJobs: number): AffiliateLevel {
  return [...affiliateRules.levels].reverse().find((l) => approvedJobs >= l.minJobs)!.level;
}

/** D-07: a level's cut in basis points. */
export const levelBps = (level: AffiliateLevel): number => affiliateRules.levels.find((l) => l.level === level)!.bps;


/**
 * W-24…W-26, D-07: the cut of a job the client paid `paidCents` for, at `level`: the level's
 * percentage rounded DOWN to the cent (the platform never pays a fraction it does not owe),
 * then capped at $200. At 15 %: $1,333.33 earns $199.99, $1,333.34 earns $200.00 (capped from
 * $200.001), $2,000 earns $200 (W-26's example).
 */
export function commissionFor(paidCents: number, level: AffiliateLevel): number {
  if (!Number.isSafeInteger(paidCents) || paidCents < 0) throw new RangeError(`paidCents must be a non-negative integer: ${paidCents}`);
  const product = paidCents * levelBps(level);
  if (!Number.isSafeInteger(product)) throw new RangeError(`paidCents too large: ${paidCents}`);
  // Integer floor division: no floating-point quotient can round a cut up to the next cent.
  return Math.min((product - (product % 10_000)) / 10_000, affiliateRules.commissionCapCents);
}
