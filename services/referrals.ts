/**
 * The referrer's side of the referral programme (K-54, K-55): their link, their referrals (logins
 * shown in part only) with each one's state at the services' clock, and what they earned per
 * month. The writes happen where their events do (`db/referrals.ts`).
 */
import type { Db } from '../db/client.js';
import type { Cents } from '../workflows/lib/money.js';
import { attachedUntil, maskLogin, referralState, type ReferralState } from '../workflows/lib/referral.js';
import type { Clock } from './clock.js';

/** One referral as the referrer sees them. */
export interface ReferralItem {
  /** Partial: `jo***an` (see `maskLogin`). */
  login: string;
  registeredAt: string;
  state: ReferralState;
  /** The first instant the referral is no longer attached: 3 years from registration if active, else 180 days (K-55). */
  attachedUntil: string;
}

export interface ReferralOverview {
  /** The referral link to share: `<web>/r/<code>`. */
  link: string;
  code: string;
  /** Newest registration first. */
  referrals: ReferralItem[];
  /** Calendar months (UTC) with earnings, newest first. */
  earningsByMonth: { month: string; cents: Cents }[];
  totalCents: Cents;
}

export interface ReferralDeps {
  db: Db;
  clock: Clock;
  /** The web client's public address: the link points there. */
  webUrl: string;
}

/** The referral page's contents for `userId`. */
async function overview(deps: ReferralDeps, userId: number): Promise<ReferralOverview> {
  const { sql } = deps.db;
  const [[me], rows, months] = await Promise.all([
    sql<{ referral_code: string }[]>`select referral_code from users where id = ${userId}`,
    sql<{ login: string; registered_ms: number; activated_ms: number | null }[]>`
      select u.login, (extract(epoch from r.registered_at) * 1000)::float8 as registered_ms, (extract(epoch from r.activated_at) * 1000)::float8 as activated_ms
      from referrals r join users u on u.id = r.referral_id
      where r.referrer_id = ${userId}
      order by r.registered_at desc, r.referral_id desc`,
    sql<{ month: string; cents: string }[]>`
      select to_char(posted_at at time zone 'UTC', 'YYYY-MM') as month, sum(commission_cents) as cents
      from referral_commissions where referrer_id = ${userId}
      group by 1 order by 1 desc`,
  ]);
  const code = me!.referral_code;
  const nowMs = deps.clock.now().getTime();
  const earningsByMonth = months.map((m) => ({ month: m.month, cents: Number(m.cents) }));
  return {
    link: new URL(`/r/${code}`, deps.webUrl).toString(),
    code,
    referrals: rows.map((r) => {
      const facts = { registeredAtMs: r.registered_ms, activatedAtMs: r.activated_ms };
      return {
        login: maskLogin(r.login),
        registeredAt: new Date(r.registered_ms).toISOString(),
        state: referralState(facts, nowMs),
        attachedUntil: new Date(attachedUntil(facts, nowMs)).toISOString(),
      };
    }),
    earningsByMonth,
    totalCents: earningsByMonth.reduce((sum, m) => sum + m.cents, 0),
  };
}

export function createReferrals(deps: ReferralDeps) {
  return {
    overview: (userId: number) => overview(deps, userId),
  };
}

export type Referrals = ReturnType<typeof createReferrals>;
