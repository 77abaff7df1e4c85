/**
 * The offer page's order box: choose the basic kwork (units, options) or a package, see the
 * price (live with htmx, or "Update price" without JS), write the requirements, order; add to
 * the cart (the order form's choice, K-07); keep it among favorites. A short balance shows what is missing and a link to add it (K-02).
 */
import type { FC } from 'hono/jsx';
import type { OfferPage } from '../../../services/offers.js';
import { orderRules } from '../../../workflows/order/policy.js';
import type { Quote } from '../../../workflows/order/placement.js';
import { ActionButton, Field, FieldError, Form, Money, sentenceCase, TextArea, type FieldErrors, type Viewer } from '../../ui.js';
import { type Choice, tiers } from './offer-form.js';
import { days, leadTime } from './parts.js';
import { firstOf } from '../../forms.js';

/** The order form's state as the page shows it. */
export interface OrderState {
  choice: Choice;
  /** The raw fields sent, shown back as typed. */
  form: Record<string, string | string[]>;
  quote?: Quote;
  errors: FieldErrors;
  error?: string;
  /** K-02: the amount the balance lacks, when ordering was refused for it. */
  missingCents?: number;
  idempotencyKey: string;
}

/** The price of the current choice; htmx replaces it as the choice changes. */
export const PriceBox: FC<{ quote?: Quote }> = ({ quote }) => (
  <p id="price" class="price-box" role="status">
    {quote ? (
      <>
        Total: <strong>
          <Money cents={quote.totalCents} />
        </strong>{' '}
        · delivered in <strong>{leadTime(quote.leadTimeMs)}</strong>
      </>
    ) : (
      'Choose what to order to see its price.'
    )}
  </p>
);

const WhatToOrder: FC<{ offer: OfferPage; state: OrderState }> = ({ offer, state }) => {
  const chosen = state.choice.packageTier ?? '';
  const present = tiers.filter((t) => offer.packages?.[t]);
  return (
    <fieldset aria-describedby={state.errors.packageTier ? 'f-packageTier-error' : undefined}>
      <legend>What to order</legend>
      <label for="f-packageTier-basic">
        <input type="radio" id="f-packageTier-basic" name="packageTier" value="" checked={chosen === ''} /> Basic kwork: <Money cents={offer.priceCents} />,{' '}
        {days(offer.leadTimeDays)}
      </label>
      {present.map((t) => (
        <label for={`f-packageTier-${t}`}>
          <input type="radio" id={`f-packageTier-${t}`} name="packageTier" value={t} checked={chosen === t} /> {sentenceCase(t)} package:{' '}
          <Money cents={offer.packages![t]!.priceCents} />, {days(offer.packages![t]!.leadTimeDays)}
        </label>
      ))}
      {present.length ? <small>A package is ordered alone: units and extra options apply to the basic kwork.</small> : null}
      <FieldError id="f-packageTier-error" error={state.errors.packageTier} />
    </fieldset>
  );
};

const OptionChoices: FC<{ offer: OfferPage; state: OrderState }> = ({ offer, state }) =>
  offer.options.length ? (
    <fieldset aria-describedby={state.errors.optionIds ? 'f-optionIds-error' : undefined}>
      <legend>Extra options</legend>
      {offer.options.map((o) => (
        <label for={`f-option-${o.id}`}>
          <input type="checkbox" id={`f-option-${o.id}`} name="optionIds" value={String(o.id)} checked={state.choice.optionIds.includes(o.id)} /> {o.title} (+
          <Money cents={o.priceCents} />
          {o.extraDays ? `, +${days(o.extraDays)}` : ''})
        </label>
      ))}
      <FieldError id="f-optionIds-error" error={state.errors.optionIds} />
    </fieldset>
  ) : null;

/**
 * The way back from adding funds (K-02): the offer with the choice and the requirements as sent,
 * which the top-up's page links to once the money is there. Requirements too long for the cookie
 * that carries the way past the provider's page are left out: the choice still comes back.
 */
export function backFromTopUp(offerId: number, state: Pick<OrderState, 'choice' | 'form'>): string {
  const query = new URLSearchParams();
  const { packageTier, units, optionIds } = state.choice;
  if (packageTier) query.set('packageTier', packageTier);
  else {
    query.set('units', String(units));
    for (const id of optionIds) query.append('optionIds', String(id));
  }
  const base = `/offers/${offerId}?${query}`;
  const requirements = firstOf(state.form.requirements);
  if (!requirements) return base;
  const withText = `${base}&${new URLSearchParams({ requirements })}`;
  return encodeURIComponent(withText).length <= MAX_BACK_LENGTH ? withText : base;
}

/** The longest way back a top-up carries (web/pages/money/top-up.tsx), as its cookie encodes it: under a browser's 4 KB per cookie. */
export const MAX_BACK_LENGTH = 3_000;

/** K-02: ordering was refused for a short balance: how much is missing, and where to add it (and come back). */
const ShortBalance: FC<{ missingCents: number; back: string }> = ({ missingCents, back }) => (
  <p class="error form-error" role="alert" id="short-balance">
    Your balance is short by <Money cents={missingCents} /> for this order.{' '}
    <a href={`/balance/top-up?amount=${missingCents}&next=${encodeURIComponent(back)}`}>Add funds</a>, then order again.
  </p>
);

/** The controls of the order form and its buttons (Order only for a signed-in buyer). */
const OrderControls: FC<{ offer: OfferPage; state: OrderState; viewer: Viewer }> = ({ offer, state, viewer }) => (
  <>
    <WhatToOrder offer={offer} state={state} />
    {/* Typing a number fires no change until the field loses focus: the price follows each keystroke (after a pause) too. */}
    <div hx-get={`/offers/${offer.id}/price`} hx-trigger="input delay:300ms" hx-sync="#order-form:replace" hx-target="#price" hx-swap="outerHTML" hx-include="#order-form" hx-params="packageTier,units,optionIds">
      <Field name="units" label="Units of the basic kwork" type="number" min={1} max={orderRules.maxUnits} value={firstOf(state.form.units) ?? state.choice.units} errors={state.errors} />
    </div>
    <OptionChoices offer={offer} state={state} />
    <button type="submit" name="intent" value="price" class="secondary">
      Update price
    </button>
    <PriceBox quote={state.quote} />
    <TextArea name="requirements" label="Requirements for the seller" value={firstOf(state.form.requirements)} errors={state.errors} hint="What the seller asks for above: the work clock starts once they have it" />
    {viewer.user ? (
      <button type="submit" name="intent" value="order">
        Order
      </button>
    ) : (
      <p>
        <a href={`/sign-in?next=${encodeURIComponent(`/offers/${offer.id}`)}`}>Sign in to order</a>
      </p>
    )}
  </>
);

export const OrderBox: FC<{ offer: OfferPage; state: OrderState; viewer: Viewer }> = ({ offer, state, viewer }) => (
  <section class="card order-box" aria-labelledby="order-heading">
    <h2 id="order-heading">Order</h2>
    {viewer.balanceCents !== undefined ? (
      <p class="muted">
        Your balance: <Money cents={viewer.balanceCents} />
      </p>
    ) : null}
    {state.missingCents ? <ShortBalance missingCents={state.missingCents} back={backFromTopUp(offer.id, state)} /> : null}
    <Form action={`/offers/${offer.id}/order`} csrf={viewer.csrf} error={state.missingCents ? undefined : state.error} id="order-form" label="order this service">
      <div hx-get={`/offers/${offer.id}/price`} hx-trigger="change" hx-sync="#order-form:replace" hx-target="#price" hx-swap="outerHTML" hx-include="#order-form" hx-params="packageTier,units,optionIds">
        <input type="hidden" name="idempotencyKey" value={state.idempotencyKey} />
        <OrderControls offer={offer} state={state} viewer={viewer} />
      </div>
    </Form>
  </section>
);

/**
 * Add to cart (K-07) and the favorites heart. "Add to cart" submits the order form (its `form`
 * attribute) with `intent=cart`: the cart line is what the form holds as the buyer sees it
 * (package, units, options), with or without JavaScript and however soon after a change it is pressed.
 */
export const KeepForLater: FC<{ offer: OfferPage; viewer: Viewer; favorite: boolean }> = ({ offer, viewer, favorite }) => (
  <section class="card" aria-labelledby="later-heading">
    <h2 id="later-heading">Keep it for later</h2>
    <button type="submit" form="order-form" name="intent" value="cart" class="secondary">
      Add to cart
    </button>{' '}
    <ActionButton action={`/favorites/${offer.id}`} csrf={viewer.csrf} name="favorite" value={favorite ? 'remove' : 'add'} label={favorite ? '♥ Remove from favorites' : '♡ Add to favorites'} class="secondary" />
  </section>
);
