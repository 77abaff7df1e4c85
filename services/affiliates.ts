/**
 * The affiliate programme on the API side (W-19, W-21…W-23, W-27, D-07): becoming an affiliate
 * (personal data and a link), a consented first-touch visit through the link, and the
 * affiliate's dashboard of registered users (logins in part). Linking at registration and
 * assignment by a completed job are writes inside those events' transactions (`db/affiliates.ts`).
 */
import { randomBytes } from 'node:crypto';
import { eq, getTableColumns, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { affiliates, affiliateVisits } from '../db/schema/affiliates.js';
import { AFFILIATE_CODE, affiliateClientState, levelBps, type AffiliateClientState, type AffiliateLevel } from '../workflows/lib/affiliate.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { maskLogin } from '../workflows/lib/referral.js';
import type { Clock } from './clock.js';
import { isCountryCode } from './tax-ids.js';

/** W-22: what an affiliate gives; company data only when they invoice as a company. */
export interface AffiliateSignUp {
  firstName: string;
  lastName: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  company?: { name: string; address: string; taxId: string };
}

export interface Affiliate extends AffiliateSignUp {
  /** The link to share: `<web>/a/<code>`. */
  link: string;
  code: string;
  level: AffiliateLevel;
  /** D-07: the level's cut in basis points (10 % = 1000). */
  levelBps: number;
  createdAt: string;
}

/** One registered user as their affiliate sees them (W-19: the login in part). */
export interface AffiliateReferral {
  login: string;
  registeredAt: string;
  state: AffiliateClientState;
  /** W-23: the last instant a completed job still assigns them (the first visit + 3 months). */
  attributionExpiresAt: string;
}

export interface AffiliateDeps {
  db: Db;
  clock: Clock;
  /** The web client's public address: the link points there. */
  webUrl: string;
}

/** 128 random bits, url-safe: a link code nobody guesses (W-22). */
const newCode = () => randomBytes(16).toString('base64url');
/** 256 random bits: the first-touch cookie's value (W-23). */
const newVisitToken = () => randomBytes(32).toString('base64url');

type Row = typeof affiliates.$inferSelect;

/**
 * W-22: a company's tax id, checked loosely only (2–32 letters, digits, spaces, `.`, `-`, `/`):
 * strict per-country checks belong to invoicing (W-18).
 */
const TAX_ID_LOOSE = /^[A-Za-z0-9][A-Za-z0-9 ./-]{0,30}[A-Za-z0-9]$/;

function present(deps: AffiliateDeps, row: Row): Affiliate {
  const level = row.level as AffiliateLevel;
  return {
    firstName: row.firstName,
    lastName: row.lastName,
    country: row.country,
    ...(row.companyName ? { company: { name: row.companyName, address: row.companyAddress!, taxId: row.companyTaxId! } } : {}),
    link: new URL(`/a/${row.code}`, deps.webUrl).toString(),
    code: row.code,
    level,
    levelBps: levelBps(level),
    createdAt: row.createdAt.toISOString(),
  };
}

/** W-22: `userId` becomes an affiliate, or updates their data; the code and level stay. */
async function become(deps: AffiliateDeps, userId: number, input: AffiliateSignUp): Promise<{ created: boolean; affiliate: Affiliate }> {
  const country = input.country.toUpperCase();
  if (!isCountryCode(country)) throw fieldError('body.country', `${input.country} is not an ISO 3166-1 alpha-2 country code`, 'rule_violation');
  if (input.company && !TAX_ID_LOOSE.test(input.company.taxId)) throw fieldError('body.company.taxId', 'the tax id does not look like one', 'rule_violation');
  const data = {
    firstName: input.firstName,
    lastName: input.lastName,
    country,
    companyName: input.company?.name ?? null,
    companyAddress: input.company?.address ?? null,
    companyTaxId: input.company?.taxId ?? null,
  };
  const [row] = await deps.db.orm
    .insert(affiliates)
    .values({ userId, code: newCode(), createdAt: deps.clock.now(), ...data })
    .onConflictDoUpdate({ target: affiliates.userId, set: data })
    // Postgres marks a row this statement inserted (rather than updated) with xmax 0.
    .returning({ ...getTableColumns(affiliates), created: sql<boolean>`(xmax = 0)` });
  const { created, ...stored } = row!;
  return { created, affiliate: present(deps, stored) };
}

/** `userId`'s affiliate data and link; 404 if they are not an affiliate. */
async function get(deps: AffiliateDeps, userId: number): Promise<Affiliate> {
  const [row] = await deps.db.orm.select().from(affiliates).where(eq(affiliates.userId, userId));
  if (!row) throw new AppError('not_found', 'you are not an affiliate yet: sign up with your personal data first');
  return present(deps, row);
}

/**
 * W-21, W-23: a visit through the link `code` by a browser that consented to cookies and carries
 * no first-touch cookie yet: recorded, answering the token its cookie keeps; null for a code
 * that names no affiliate (nothing is recorded).
 */
async function recordVisit(deps: AffiliateDeps, code: string): Promise<string | null> {
  if (!AFFILIATE_CODE.test(code)) return null;
  const [affiliate] = await deps.db.orm.select({ userId: affiliates.userId }).from(affiliates).where(eq(affiliates.code, code));
  if (!affiliate) return null;
  const token = newVisitToken();
  await deps.db.orm.insert(affiliateVisits).values({ token, affiliateId: affiliate.userId, visitedAt: deps.clock.now() });
  return token;
}

/** W-27, W-19: the users who registered through `userId`'s link, newest first, logins in part. */
async function referrals(deps: AffiliateDeps, userId: number): Promise<AffiliateReferral[]> {
  await get(deps, userId);
  const rows = await deps.db.sql<{ login: string; registered_at: Date; expires_at: Date; assigned_at: Date | null }[]>`
    select u.login, c.registered_at, c.attribution_expires_at as expires_at, c.assigned_at
    from affiliate_clients c join users u on u.id = c.client_id
    where c.affiliate_id = ${userId}
    order by c.registered_at desc, c.client_id desc`;
  const nowMs = deps.clock.now().getTime();
  return rows.map((r) => ({
    login: maskLogin(r.login),
    registeredAt: new Date(r.registered_at).toISOString(),
    state: affiliateClientState({ assignedAtMs: r.assigned_at ? new Date(r.assigned_at).getTime() : null, expiresAtMs: new Date(r.expires_at).getTime() }, nowMs),
    attributionExpiresAt: new Date(r.expires_at).toISOString(),
  }));
}

export function createAffiliates(deps: AffiliateDeps) {
  return {
    become: (userId: number, input: AffiliateSignUp) => become(deps, userId, input),
    get: (userId: number) => get(deps, userId),
    recordVisit: (code: string) => recordVisit(deps, code),
    referrals: (userId: number) => referrals(deps, userId),
  };
}

export type Affiliates = ReturnType<typeof createAffiliates>;
