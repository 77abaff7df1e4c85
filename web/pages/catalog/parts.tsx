/**
 * Pieces the catalog's pages share: an offer's card in a list, a seller's level and rating, lead
 * times in days, and the mapping of a service's field paths (`query.categoryId`, `body.optionIds`)
 * to the form fields that show them.
 */
import type { FC } from 'hono/jsx';
import type { OfferSummary, SellerLevel } from '../../../services/search.js';
import { DAY } from '../../../workflows/lib/time.js';
import { Money } from '../../ui.js';

const levelNames: Record<SellerLevel, string> = { newbie: 'Newbie', advanced: 'Advanced', professional: 'Professional' };

/** K-32: the seller's level as people read it. */
export const levelName = (level: string) => levelNames[level as SellerLevel] ?? level;

/** K-27: the seller's rating (the share of their last 100 finished orders that went well), with their feedback count. */
export function ratingText(ratingPercent: number | null, feedbackCount: number): string {
  if (ratingPercent === null) return 'No feedback yet';
  return `${ratingPercent}% rating (${feedbackCount} feedback${feedbackCount === 1 ? '' : 's'})`;
}

/** K-30, D-02: stars with one decimal ("4.5 ★"), or none without feedback. */
export function starsText(stars: number | null): string {
  return stars === null ? 'No stars yet' : `${stars.toFixed(1)} ★`;
}

/** A K-34 percentage, or a dash when there is nothing to count yet. */
export const percentText = (percent: number | null) => (percent === null ? '—' : `${percent}%`);

/** `1 day`, `3 days`, `4.5 days` (K-05 makes halves). */
export function days(n: number): string {
  const shown = Number.isInteger(n) ? String(n) : n.toFixed(1).replace(/\.0$/, '');
  return `${shown} day${n === 1 ? '' : 's'}`;
}

export const leadTime = (ms: number) => days(ms / DAY);

/** `no_cms` → `no cms`: attribute values are slugs. */
export const valueName = (value: string) => value.replace(/_/g, ' ');

export const TopRated: FC<{ on: boolean }> = ({ on }) => (on ? <span class="status top-rated">Top Rated</span> : null);

/** One offer in a result list: title, excerpt, price, lead time, its seller's standing. */
export const OfferCard: FC<{ offer: OfferSummary }> = ({ offer }) => (
  <li class="card offer-card">
    <h3>
      <a href={`/offers/${offer.id}`}>{offer.title}</a>
    </h3>
    <p class="muted excerpt">{offer.excerpt}</p>
    <p class="offer-facts">
      <strong>
        from <Money cents={offer.priceCents} />
      </strong>{' '}
      · {days(offer.leadTimeDays)} · {offer.category.name} <TopRated on={offer.topRated} />
    </p>
    <p class="offer-seller">
      by <a href={`/sellers/${encodeURIComponent(offer.seller.login)}`}>{offer.seller.login}</a> · {levelName(offer.seller.level)} ·{' '}
      {ratingText(offer.seller.ratingPercent, offer.seller.feedbackCount)}
    </p>
  </li>
);

/**
 * A form's field for a service's refused path, as `refusalOf` asks: the path's first segment
 * (`extras.0.id` → `extras`, `maxPriceCents` → `maxPriceCents`), renamed where the form calls
 * it otherwise.
 */
export const formFieldOf =
  (rename: Record<string, string> = {}) =>
  (path: string): string => {
    const first = path.split('.')[0]!;
    return rename[first] ?? first;
  };
