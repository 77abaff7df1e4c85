/**
 * A seller's public profile (`/sellers/:login`, K-28…K-36, K-68): their card — level, stars,
 * rating, the two K-34 percentages, buyer status where the viewer may see it, about, skills,
 * member since, last active — their badges (K-36; an admin awards them here), Sales analytics
 * once unlocked, and the offers buyers can see now.
 */
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { SellerProfile } from '../../../services/sellers.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { page, redirect, userOf, type WebContext } from '../../page.js';
import { Money, Time } from '../../ui.js';
import { PortfolioGallery } from '../attachments.js';
import { holds, staffAccess } from '../staff/roles.js';
import { badgeForms, Badges, type AwardShown } from './badges.js';
import { days, levelName, percentText, ratingText, starsText, TopRated } from './parts.js';

const Card: FC<{ seller: SellerProfile['seller'] }> = ({ seller }) => (
  <section class="card seller-card" aria-labelledby="card-heading">
    <h2 id="card-heading">{seller.displayName ?? seller.login}</h2>
    <dl class="facts">
      <dt>Login</dt>
      <dd>@{seller.login}</dd>
      <dt>Level</dt>
      <dd class="seller-level">{levelName(seller.level)}</dd>
      <dt>Stars</dt>
      <dd class="seller-stars">{starsText(seller.stars)}</dd>
      <dt>Rating</dt>
      <dd>{ratingText(seller.ratingPercent, seller.feedbackCount)}</dd>
      <dt>Completed orders</dt>
      <dd>{seller.completedOrders}</dd>
      <dt>Successfully completed</dt>
      <dd>{percentText(seller.successfullyCompletedPercent)}</dd>
      <dt>Submitted on time</dt>
      <dd>{percentText(seller.onTimePercent)}</dd>
      {seller.buyerStatus ? (
        <>
          <dt>As a buyer</dt>
          <dd class="buyer-status">
            {buyerRankNames[seller.buyerStatus.rank]}
            {seller.buyerStatus.superBuyer ? ' · Super buyer' : ''}
          </dd>
        </>
      ) : null}
      {seller.city ? (
        <>
          <dt>City</dt>
          <dd>{seller.city}</dd>
        </>
      ) : null}
      <dt>Member since</dt>
      <dd>
        <Time at={seller.memberSince} />
      </dd>
      {seller.lastActiveAt ? (
        <>
          <dt>Last active</dt>
          <dd>
            <Time at={seller.lastActiveAt} />
          </dd>
        </>
      ) : null}
    </dl>
    {seller.about ? <p class="prewrap">{seller.about}</p> : null}
    {seller.skills.length ? (
      <>
        <h3>Skills</h3>
        <ul class="tags">
          {seller.skills.map((s) => (
            <li>{s}</li>
          ))}
        </ul>
      </>
    ) : null}
  </section>
);

/** K-35's names of the buyer ranks. */
const buyerRankNames: Record<NonNullable<SellerProfile['seller']['buyerStatus']>['rank'], string> = {
  newbie: 'Newbie buyer',
  accustomed: 'Accustomed buyer',
  experienced: 'Experienced buyer',
  giant: 'Giant buyer',
  mega_giant: 'Mega Giant buyer',
};

/** A duration as hours (with one decimal under ten), or days from 48 hours on. */
function duration(ms: number | null): string {
  if (ms === null) return '—';
  const hours = ms / 3_600_000;
  if (hours >= 48) return days(Math.round(hours / 2.4) / 10);
  return `${hours < 10 ? hours.toFixed(1) : Math.round(hours)} h`;
}

const share = (s: { for: number; of: number; percent: number | null }) => `${percentText(s.percent)} (${s.for} of ${s.of})`;

/** K-28: shown once the seller has more than 3 completed orders. */
const Analytics: FC<{ analytics: SellerProfile['seller']['analytics'] }> = ({ analytics }) =>
  analytics ? (
    <section class="card analytics" aria-labelledby="analytics-heading">
      <h2 id="analytics-heading">Sales analytics</h2>
      <dl class="facts">
        <dt>Responsibility (last 30 orders)</dt>
        <dd>{share(analytics.responsibility)}</dd>
        <dt>Feedback (last 80 orders)</dt>
        <dd>{share(analytics.feedback)}</dd>
        <dt>Response to order</dt>
        <dd>{duration(analytics.averageStartMs)}</dd>
        <dt>Operating speed</dt>
        <dd>{duration(analytics.averageCompletionMs)}</dd>
        <dt>Earned</dt>
        <dd>
          <Money cents={analytics.earnedCents} />
        </dd>
        <dt>Average order</dt>
        <dd>
          <Money cents={analytics.averageOrderCents} />
        </dd>
        <dt>Sales</dt>
        <dd>{analytics.sales}</dd>
      </dl>
    </section>
  ) : null;

const Offers: FC<{ offers: SellerProfile['offers'] }> = ({ offers }) => (
  <section aria-labelledby="offers-heading">
    <h2 id="offers-heading">Services</h2>
    {offers.length ? (
      <ul class="cards">
        {offers.map((o) => (
          <li class="card offer-card">
            <h3>
              <a href={`/offers/${o.id}`}>{o.title}</a>
            </h3>
            <p>
              <strong>
                from <Money cents={o.priceCents} />
              </strong>{' '}
              · {days(o.leadTimeDays)} · {o.category.name} <TopRated on={o.topRated} />
            </p>
          </li>
        ))}
      </ul>
    ) : (
      <p>No services on offer right now.</p>
    )}
  </section>
);

export function sellerProfilePage(app: Hono<WebEnv>, deps: WebDeps) {
  const show = async (c: WebContext, shown?: AwardShown, status: 200 | 400 | 404 | 409 | 422 = 200) => {
    const profile = await deps.services.sellers.profile(c.req.param('login') ?? '', c.var.user?.id);
    const me = c.var.user?.id;
    const admin = c.var.user ? holds(c.var.user, staffAccess.badges) : false;
    return page(
      c,
      deps,
      `Seller ${profile.seller.login}`,
      (v) => (
        <div class="layout-2">
          <Offers offers={profile.offers} />
          <div>
            <Card seller={profile.seller} />
            {/* K-46: the buyer asks for an individual offer in the direct conversation, where the seller makes it. */}
            {profile.seller.canMakeIndividualOffers && me !== undefined && me !== profile.seller.id ? (
              <form method="post" action="/messages/direct" id="request-individual-offer" class="inline">
                <input type="hidden" name="_csrf" value={v.csrf} />
                <input type="hidden" name="login" value={profile.seller.login} />
                <button type="submit">Request an individual offer</button>
              </form>
            ) : null}
            {/* An admin's own badges are another admin's to award or take back (as the API refuses a self-award). */}
            <Badges login={profile.seller.login} badges={profile.seller.badges} viewer={v} admin={admin && me !== profile.seller.id} shown={shown} />
            <Analytics analytics={profile.seller.analytics} />
            <PortfolioGallery items={profile.portfolio} showOffer />
          </div>
        </div>
      ),
      status,
    );
  };
  app.get('/sellers/:login{[A-Za-z0-9_]{1,32}}', (c) => show(c));
  // The signed-in user's own profile, by whatever login they have now (settings, the selling pages and a badge's notice link here: K-36).
  app.get('/profile', (c) => {
    const user = userOf(c);
    // Profiles are public only once the email is confirmed (`sellers.profile`): say so rather than a 404.
    if (!user.emailConfirmed) return redirect(c, '/settings', 'Your profile becomes public once you confirm your email address.');
    return c.redirect(`/sellers/${user.login}`, 303);
  });
  badgeForms(app, deps, show);
}
