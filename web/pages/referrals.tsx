/**
 * The referral programme in the web client (K-54, K-55): a referral link (`/r/<code>`) keeps its
 * code in a cookie for 30 days and leads to sign-up, which registers the new user as the link
 * owner's referral; the referrer's page shows the link, how it may be promoted (K-56), the
 * referrals (logins in part) with their state, and the commissions per month.
 */
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ReferralOverview } from '../../services/referrals.js';
import { DAY } from '../../workflows/lib/time.js';
import { REFERRAL_CODE, referralRules } from '../../workflows/lib/referral.js';
import type { WebDeps, WebEnv } from '../context.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { DataTable, Money, Time } from '../ui.js';

/** The cookie a referral link leaves: the code, read by the sign-up form. */
const REFERRAL_COOKIE = 'gf_ref';
const COOKIE_DAYS = 30;

/** The referral code a link left in this browser, if any (sign-up passes it on). */
export const referralCodeOf = (c: WebContext): string | undefined => getCookie(c, REFERRAL_COOKIE) || undefined;

/** Forgets the link's code: after a registration, or when the code turned out unknown. */
export function forgetReferralCode(c: WebContext): void {
  deleteCookie(c, REFERRAL_COOKIE, { path: '/' });
}

const stateLabel = { inactive: 'Not active yet', active: 'Active', expired: 'No longer attached' } as const;

const ReferralTable = ({ items, zone }: { items: ReferralOverview['referrals']; zone?: string }) => (
  <DataTable id="referrals" label="Your referrals" caption="Your referrals, newest first" columns={['Referral', 'Registered', 'State', 'Attached until']}>
    {items.map((r) => (
      <tr>
        <th scope="row">{r.login}</th>
        <td><Time at={r.registeredAt} zone={zone} /></td>
        <td data-state={r.state}>{stateLabel[r.state]}</td>
        <td><Time at={r.attachedUntil} zone={zone} /></td>
      </tr>
    ))}
  </DataTable>
);

const EarningsTable = ({ overview }: { overview: ReferralOverview }) => (
  <div class="table-wrap" tabindex={0} role="region" aria-label="Earnings per month">
    <table id="referral-earnings">
      <caption class="visually-hidden">Referral commissions per month, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Month</th>
          <th scope="col">Earned</th>
        </tr>
      </thead>
      <tbody>
        {overview.earningsByMonth.map((m) => (
          <tr>
            <th scope="row">{m.month}</th>
            <td><Money cents={m.cents} /></td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Total</th>
          <td><Money cents={overview.totalCents} /></td>
        </tr>
      </tfoot>
    </table>
  </div>
);

const pct = (bps: number) => `${bps / 100} %`;

/** K-56: how a referral link may be promoted, and how not. */
const promotion = {
  allowed: ['reviews of gigflow on your site or blog', 'posts on social networks', 'banners', 'newsletters people subscribed to', 'contextual ads on keywords that are not our name'],
  forbidden: ['ads on the keyword “gigflow” or its misspellings', 'spam: messages or comments nobody asked for', 'hidden links', 'pop-unders'],
} as const;

const PromotionRules = () => (
  <section id="promotion-rules" aria-labelledby="promotion-heading">
    <h2 id="promotion-heading">How to share it</h2>
    <div class="layout-2">
      <div>
        <h3>Allowed</h3>
        <ul id="promotion-allowed">
          {promotion.allowed.map((m) => (
            <li>{m}</li>
          ))}
        </ul>
      </div>
      <div>
        <h3>Not allowed</h3>
        <ul id="promotion-forbidden">
          {promotion.forbidden.map((m) => (
            <li>{m}</li>
          ))}
        </ul>
      </div>
    </div>
  </section>
);

export function referralPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  app.get('/r/:code', (c) => {
    const code = c.req.param('code');
    // A malformed code is not kept: sign-up would only find it unknown.
    if (REFERRAL_CODE.test(code)) setCookie(c, REFERRAL_COOKIE, code, { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: (COOKIE_DAYS * DAY) / 1000 });
    return c.var.user ? redirect(c, '/referrals', 'You are signed in already: a referral link only counts for a new account.') : c.redirect('/sign-up', 303);
  });
  app.get('/referrals', async (c) => {
    const overview = await deps.services.referrals.overview(userOf(c).id);
    return page(c, deps, 'Referrals', (v) => (
      <>
        <p>
          Share your link. Whoever registers through it becomes your referral: you earn {pct(referralRules.buyerCommissionBps)} of each order they buy and{' '}
          {pct(referralRules.sellerCommissionBps)} of each order they sell, on the part paid from the main balance (bonus money earns nothing). A referral is
          active once they order or have a kwork approved within 180 days of registering; active referrals stay yours for 3 years, the others for 180 days.
        </p>
        <p class="field">
          <label for="referral-link">Your referral link</label>
          <input id="referral-link" type="text" readonly value={overview.link} />
        </p>
        <PromotionRules />
        <h2>Your referrals</h2>
        {overview.referrals.length === 0 ? <p>No referrals yet.</p> : <ReferralTable items={overview.referrals} zone={v.timeZone} />}
        <h2>Earnings</h2>
        {overview.earningsByMonth.length === 0 ? <p>No earnings yet.</p> : <EarningsTable overview={overview} />}
      </>
    ));
  });
  return app;
}
