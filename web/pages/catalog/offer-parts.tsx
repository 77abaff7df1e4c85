/**
 * What the offer page tells about the offer: its description, packages (K-03), extra options
 * (K-04), what more units cost and how long they take (K-05), the seller's card, and feedback
 * with the seller's published replies (K-24, K-26).
 */
import type { FC } from 'hono/jsx';
import type { OfferPage } from '../../../services/offers.js';
import { basicLeadTimeMs, lineTotal } from '../../../workflows/order/placement.js';
import { Money, sentenceCase, Time } from '../../ui.js';
import { days, leadTime, levelName, percentText, ratingText, starsText, TopRated } from './parts.js';
import { tiers } from './offer-form.js';

const Paragraphs: FC<{ text: string }> = ({ text }) => (
  <>
    {text
      .split(/\n{2,}/)
      .filter((p) => p.trim())
      .map((p) => (
        <p class="prewrap">{p}</p>
      ))}
  </>
);

export const Description: FC<{ offer: OfferPage }> = ({ offer }) => (
  <section aria-labelledby="about-heading">
    <h2 id="about-heading">About this service</h2>
    <p class="muted">
      {offer.category.parent ? (
        <>
          <a href={`/search?categoryId=${offer.category.parent.id}`}>{offer.category.parent.name}</a> ›{' '}
        </>
      ) : null}
      <a href={`/search?categoryId=${offer.category.id}`}>{offer.category.name}</a> <TopRated on={offer.topRated} />
    </p>
    <Paragraphs text={offer.description} />
    {offer.unitVolume ? (
      <p>
        <strong>One unit is:</strong> {offer.unitVolume}
      </p>
    ) : null}
    {offer.instructions ? (
      <>
        <h3>What the seller needs from you</h3>
        <Paragraphs text={offer.instructions} />
      </>
    ) : null}
  </section>
);

export const Packages: FC<{ offer: OfferPage }> = ({ offer }) => {
  const present = tiers.filter((t) => offer.packages?.[t]);
  if (!present.length) return null;
  return (
    <section aria-labelledby="packages-heading">
      <h2 id="packages-heading">Packages</h2>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Packages of this service</caption>
          <thead>
            <tr>
              <th scope="col">Package</th>
              <th scope="col">Price</th>
              <th scope="col">Lead time</th>
              <th scope="col">Includes</th>
            </tr>
          </thead>
          <tbody>
            {present.map((t) => {
              const p = offer.packages![t]!;
              return (
                <tr>
                  <th scope="row">{sentenceCase(t)}</th>
                  <td>
                    <Money cents={p.priceCents} />
                  </td>
                  <td>{days(p.leadTimeDays)}</td>
                  <td>{p.includes.join(', ')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
};

export const Options: FC<{ offer: OfferPage }> = ({ offer }) =>
  offer.options.length ? (
    <section aria-labelledby="options-heading">
      <h2 id="options-heading">Extra options</h2>
      <ul>
        {offer.options.map((o) => (
          <li>
            {o.title}: +<Money cents={o.priceCents} />
            {o.extraDays ? `, +${days(o.extraDays)}` : ''}
          </li>
        ))}
      </ul>
    </section>
  ) : null;

/** K-05: each unit after the first adds half the base lead time. */
export const Units: FC<{ offer: OfferPage }> = ({ offer }) => (
  <section aria-labelledby="units-heading">
    <h2 id="units-heading">More units</h2>
    <p>Order several units of the basic kwork in one order: each unit after the first adds half of the lead time.</p>
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Price and lead time by number of units</caption>
        <thead>
          <tr>
            <th scope="col">Units</th>
            <th scope="col">Price</th>
            <th scope="col">Lead time</th>
          </tr>
        </thead>
        <tbody>
          {[1, 2, 3, 4, 5].map((units) => (
            <tr>
              <th scope="row">{units}</th>
              <td>
                <Money cents={lineTotal(offer, { units, optionIds: [], packageTier: null })} />
              </td>
              <td>{leadTime(basicLeadTimeMs(offer.leadTimeDays, units, []))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  </section>
);

export const SellerCard: FC<{ seller: OfferPage['seller'] }> = ({ seller }) => (
  <section class="card seller-card" aria-labelledby="seller-heading">
    <h2 id="seller-heading">About the seller</h2>
    <p>
      <a href={`/sellers/${encodeURIComponent(seller.login)}`}>
        <strong>{seller.displayName ?? seller.login}</strong>
      </a>{' '}
      <span class="muted">@{seller.login}</span>
    </p>
    <p>
      {levelName(seller.level)} · {starsText(seller.stars)} · {ratingText(seller.ratingPercent, seller.feedbackCount)} · {seller.completedOrders} completed order
      {seller.completedOrders === 1 ? '' : 's'}
    </p>
    <p class="muted">
      Successfully completed: {percentText(seller.successfullyCompletedPercent)} · Submitted on time: {percentText(seller.onTimePercent)}
    </p>
    {seller.badges.length ? (
      <ul class="badge-chips" aria-label="badges">
        {seller.badges.map((b) => (
          <li data-kind={b.kind} title={b.detail}>
            <a class="badge-name" href={`/sellers/${encodeURIComponent(seller.login)}#badges`}>
              {b.name}
            </a>
          </li>
        ))}
      </ul>
    ) : null}
  </section>
);

export const FeedbackList: FC<{ feedback: OfferPage['feedback'] }> = ({ feedback }) => (
  <section aria-labelledby="feedback-heading">
    <h2 id="feedback-heading">Feedback</h2>
    <p>
      {feedback.likes} liked · {feedback.dislikes} disliked
    </p>
    {feedback.recent.length ? (
      <ul class="feedback">
        {feedback.recent.map((f) => (
          <li class="card">
            <p>
              <strong>{f.verdict === 'like' ? 'Liked' : 'Disliked'}</strong> by {f.buyer.login}, <Time at={f.createdAt} />
            </p>
            <p class="prewrap">{f.text}</p>
            {f.answer ? (
              <blockquote>
                <p>
                  <strong>The seller replied</strong> (<Time at={f.answer.at} />):
                </p>
                <p class="prewrap">{f.answer.text}</p>
              </blockquote>
            ) : null}
          </li>
        ))}
      </ul>
    ) : (
      <p>No feedback yet.</p>
    )}
  </section>
);
