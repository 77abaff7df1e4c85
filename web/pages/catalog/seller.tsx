/**
 * A seller's public profile (`/sellers/:login`, K-34, K-68): their card — level, rating, about,
 * skills, member since, last active — and the offers buyers can see now.
 */
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { SellerProfile } from '../../../services/sellers.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { page } from '../../page.js';
import { Money, Time } from '../../ui.js';
import { days, levelName, ratingText, TopRated } from './parts.js';

const Card: FC<{ seller: SellerProfile['seller'] }> = ({ seller }) => (
  <section class="card seller-card" aria-labelledby="card-heading">
    <h2 id="card-heading">{seller.displayName ?? seller.login}</h2>
    <dl class="facts">
      <dt>Login</dt>
      <dd>@{seller.login}</dd>
      <dt>Level</dt>
      <dd>{levelName(seller.level)}</dd>
      <dt>Rating</dt>
      <dd>{ratingText(seller.ratingPercent, seller.feedbackCount)}</dd>
      <dt>Completed orders</dt>
      <dd>{seller.completedOrders}</dd>
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
  app.get('/sellers/:login{[A-Za-z0-9_]{1,32}}', async (c) => {
    const profile = await deps.services.sellers.profile(c.req.param('login'));
    return page(c, deps, `Seller ${profile.seller.login}`, () => (
      <div class="layout-2">
        <Offers offers={profile.offers} />
        <Card seller={profile.seller} />
      </div>
    ));
  });
}
