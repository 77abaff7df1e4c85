/**
 * The offer page (`/offers/:id`), its live price (`/offers/:id/price`, an htmx fragment) and
 * ordering from it (`POST /offers/:id/order`), which places the order as the JSON API's
 * `POST /orders` does: the same service, the same checks, an idempotency key per rendered form;
 * the same form's "Add to cart" keeps its choice in the cart (K-07). `/offers/:id?units=…&optionIds=…`
 * (and `packageTier`, `requirements`) shows the form so filled: the way back from a top-up (K-02).
 * An unknown offer, or one buyers cannot see, is the 404 page; one its seller hides for the weekend
 * (K-42) is a 404 too, saying when it is back.
 */
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { OfferPage, WeekendAbsence } from '../../../services/offers.js';
import { AppError } from '../../../workflows/lib/errors.js';
import type { AccountBlock } from '../../../services/sanctions.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { optionalText, parseForm, readForm, readQuery, refusalOf, type FormData, type Refusal } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import { Time, type Viewer } from '../../ui.js';
import { basicChoice, ChoiceForm, choiceOf, newOrderKey, OrderForm, priceOf, type Choice } from './offer-form.js';
import { KeepForLater, OrderBox, PriceBox, type OrderState } from './offer-order.js';
import { Description, FeedbackList, Options, Packages, SellerCard, Units } from './offer-parts.js';
import { formFieldOf } from './parts.js';
import { OfferWorkflowsLink } from '../staff/temporal-link.js';
import { AttachmentList, PortfolioGallery } from '../attachments.js';

/** Offer ids in addresses: digits that fit the id column; anything else is no offer (404). */
const OFFER = '/offers/:id{[0-9]{1,15}}';

const offerIdOf = (c: WebContext) => Number(c.req.param('id'));

type Shown = Partial<Omit<OrderState, 'idempotencyKey' | 'choice'>> & { choice?: Choice };

/** Whether the viewer may order it: someone else's offer that buyers can see. */
const orderable = (offer: OfferPage, viewer: Viewer) => offer.status === 'active' && offer.sellerId !== viewer.user?.id;

/** Why an offer takes no orders, in words: a sanction's block says until when (K-64, K-65). */
const NotOrderable: FC<{ offer: OfferPage; viewer: Viewer; block: AccountBlock | null }> = ({ offer, viewer, block }) =>
  offer.status === 'suspended' && block ? (
    <p class="card" id="unavailable">
      This seller’s offers are unavailable until <Time at={block.until} zone={viewer.timeZone} />.
    </p>
  ) : (
    <p class="card">
      {offer.sellerId === viewer.user?.id ? 'This is your offer' : 'This offer takes no orders'}: it is <span class="status">{offer.status.replace('_', ' ')}</span>.
    </p>
  );

function OfferBody({ offer, state, viewer, favorite, deps, block }: { offer: OfferPage; state: OrderState; viewer: Viewer; favorite: boolean; deps: WebDeps; block: AccountBlock | null }) {
  return (
    <div class="layout-2">
      <div>
        {viewer.user?.roles.length ? (
          <p>
            <OfferWorkflowsLink deps={deps} offerId={offer.id} />
          </p>
        ) : null}
        <Description offer={offer} />
        {offer.images.length ? (
          <section aria-label="images" id="offer-images">
            <AttachmentList files={offer.images} />
          </section>
        ) : null}
        <Packages offer={offer} />
        <Options offer={offer} />
        <Units offer={offer} />
        <FeedbackList feedback={offer.feedback} />
        <PortfolioGallery items={offer.portfolio} />
      </div>
      <aside aria-label="order and seller">
        {orderable(offer, viewer) ? (
          <OrderBox offer={offer} state={state} viewer={viewer} />
        ) : (
          <NotOrderable offer={offer} viewer={viewer} block={block} />
        )}
        {orderable(offer, viewer) && viewer.user ? <KeepForLater offer={offer} viewer={viewer} favorite={favorite} /> : null}
        <SellerCard seller={offer.seller} />
      </aside>
    </div>
  );
}

/** The offer page, with the order form as sent (priced, or with its refusal). */
async function showOffer(c: WebContext, deps: WebDeps, shown: Shown = {}, status: Refusal['status'] | 200 = 200) {
  const user = c.var.user;
  const offer = await deps.services.offers.page(offerIdOf(c), user);
  const favorite = user ? await deps.services.favorites.has(user.id, offer.id) : false;
  const choice = shown.choice ?? basicChoice;
  const priced = priceOf(offer, choice);
  const state: OrderState = {
    form: shown.form ?? {},
    choice,
    quote: priced.quote,
    errors: { ...priced.errors, ...shown.errors },
    error: shown.error,
    missingCents: shown.missingCents,
    idempotencyKey: newOrderKey(),
  };
  const block = offer.status === 'suspended' ? await deps.services.sanctions.sellerBlock(offer.sellerId) : null;
  return page(c, deps, offer.title, (viewer) => <OfferBody offer={offer} state={state} viewer={viewer} favorite={favorite} deps={deps} block={block} />, status);
}

/** The live price of the choice in the query. */
async function priceFragment(c: WebContext, deps: WebDeps) {
  const offer = await deps.services.offers.page(offerIdOf(c), c.var.user);
  const parsed = parseForm(ChoiceForm, readQuery(c));
  const choice = parsed.ok ? choiceOf(parsed.data) : undefined;
  const priced = choice ? priceOf(offer, choice) : undefined;
  const problem = parsed.ok ? Object.values(priced!.errors)[0] : Object.values(parsed.errors)[0];
  if (!priced?.quote) {
    return c.html(
      <p id="price" class="price-box error" role="status">
        {problem ?? 'This choice cannot be ordered.'}
      </p>,
      400,
    );
  }
  return c.html(<PriceBox quote={priced.quote} />);
}

/** "Update price" re-renders the page priced; "Order" places the order and goes to it; "Add to cart" keeps the choice in the cart (K-07). */
async function orderFromPage(c: WebContext, deps: WebDeps) {
  const user = c.var.user;
  const form: FormData = await readForm(c);
  const parsed = parseForm(OrderForm, form);
  if (!parsed.ok) {
    // The hidden key and the button's intent are no fields a person can correct: their refusal goes on top.
    const hidden = parsed.errors.idempotencyKey ?? parsed.errors.intent;
    return showOffer(c, deps, { form, errors: parsed.errors, error: hidden && 'The form has expired: reload the page and order again.' }, 400);
  }
  const choice = choiceOf(parsed.data);
  // Anyone may price an order; ordering needs an account.
  if (parsed.data.intent === 'price') return showOffer(c, deps, { form, choice });
  if (!user) return redirect(c, `/sign-in?next=${encodeURIComponent(`/offers/${offerIdOf(c)}`)}`);
  try {
    if (parsed.data.intent === 'cart') {
      // The cart keeps the choice only: requirements are written when the cart is ordered (K-07).
      const after = await deps.services.cart.add(user.id, { offerId: offerIdOf(c), ...choice });
      const title = after.items.find((i) => i.offerId === offerIdOf(c))?.title ?? 'The service';
      return redirect(c, '/cart', `Added “${title}” to your cart. It stays here for 14 days.`);
    }
    const request = { offerId: offerIdOf(c), ...choice, requirements: parsed.data.requirements ?? null };
    const { view, replayed } = await deps.services.placement.place(user, request, parsed.data.idempotencyKey);
    return redirect(c, `/orders/${view.orderId}`, replayed ? 'This order was placed already.' : 'Your order is placed: the money is held until the work is done.');
  } catch (err) {
    const refusal = refusalOf(err, formFieldOf());
    const errors = refusal.errors;
    const error = Object.keys(errors).length ? undefined : refusal.message;
    return showOffer(c, deps, { form, choice, errors, error, missingCents: refusal.missingCents }, refusal.status);
  }
}

/** The choice in the address (K-02: back from adding funds), as the form shows it; a choice the form would refuse shows the basic kwork. */
const AddressChoice = ChoiceForm.extend({ requirements: optionalText(5_000) });
function chosenInAddress(c: WebContext): Shown {
  const query = readQuery(c);
  const parsed = parseForm(AddressChoice, query);
  if (!parsed.ok || Object.keys(query).length === 0) return {};
  return { choice: choiceOf(parsed.data), form: { units: String(parsed.data.units), requirements: parsed.data.requirements ?? '' } };
}

/**
 * K-42: an offer its seller hides for the weekend, to someone with its link: when it is back,
 * instead of the 404 page's "nothing here". Still a 404, as the JSON API answers, and no order
 * form: buyers can neither find nor order it until Monday.
 */
const WeekendAway: FC<{ away: WeekendAbsence; viewer: Viewer }> = ({ away, viewer }) => (
  <section class="card" id="unavailable" aria-labelledby="unavailable-heading">
    <h2 id="unavailable-heading">Unavailable until Monday</h2>
    <p>
      Its seller, <a href={`/sellers/${away.sellerLogin}`}>{away.sellerLogin}</a>, takes no orders on weekends: this offer is back on{' '}
      <Time at={away.until} zone={viewer.timeZone} />.
    </p>
    <p>
      <a href="/search">Find another service</a>
    </p>
  </section>
);

async function offerOrAbsence(c: WebContext, deps: WebDeps) {
  try {
    return await showOffer(c, deps, chosenInAddress(c));
  } catch (err) {
    const away = err instanceof AppError && err.code === 'not_found' ? await deps.services.offers.weekendAbsence(offerIdOf(c)) : null;
    if (!away) throw err;
    return page(c, deps, away.title, (viewer) => <WeekendAway away={away} viewer={viewer} />, 404);
  }
}

export function offerPages(app: Hono<WebEnv>, deps: WebDeps) {
  app.get(OFFER, (c) => offerOrAbsence(c, deps));
  app.get(`${OFFER}/price`, (c) => priceFragment(c, deps));
  app.post(`${OFFER}/order`, (c) => orderFromPage(c, deps));
}
