/**
 * The offer page's order form, checked as the JSON API's `POST /orders` checks its body
 * (api/routes/orders.ts `PlaceOrder`), and priced by the same pure rules a placement uses
 * (workflows/order/placement.ts: K-03 packages, K-04 options, K-05 units).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { OfferPage } from '../../../services/offers.js';
import { catalogRules } from '../../../services/policy.js';
import { isRefusal, quote, type LineRequest, type PackageTierName, type Quote } from '../../../workflows/order/placement.js';
import { orderRules } from '../../../workflows/order/policy.js';
import { ids, optionalText, whole } from '../../forms.js';
import type { FieldErrors } from '../../ui.js';

export const tiers = ['economy', 'standard', 'business'] as const satisfies readonly PackageTierName[];

/** What the buyer picks: the basic kwork (units, options) or one package. */
export const ChoiceForm = z.object({
  packageTier: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.enum(tiers, 'choose a package from the list').nullable()),
  units: z.preprocess((v) => (v === undefined || v === '' ? '1' : v), whole(1, orderRules.maxUnits, 'a number of units')),
  optionIds: ids.pipe(z.array(z.number()).max(catalogRules.maxOptions, `at most ${catalogRules.maxOptions} options`)),
});

export const OrderForm = ChoiceForm.extend({
  requirements: optionalText(5_000),
  /** One per rendered form: a double submit places one order (the API's Idempotency-Key). */
  idempotencyKey: z.string({ error: 'reload the page and order again' }).min(1).max(100),
  /** Which button: "Update price" re-renders the page priced; "Order" places the order; "Add to cart" keeps the choice in the cart (K-07). */
  intent: z.enum(['order', 'price', 'cart']).default('order'),
});

export type Choice = LineRequest & { optionIds: number[] };

export const basicChoice: Choice = { packageTier: null, units: 1, optionIds: [] };

/** K-03: a package is ordered alone, one unit and no options: the form's other choices do not apply. */
export function choiceOf(data: z.output<typeof ChoiceForm>): Choice {
  return data.packageTier ? { packageTier: data.packageTier, units: 1, optionIds: [] } : { packageTier: null, units: data.units, optionIds: data.optionIds };
}

/** A key for a freshly rendered order form. */
export const newOrderKey = () => `web-${randomUUID()}`;

/** The order's price and lead time, or the choice's problem at its field. */
export function priceOf(offer: OfferPage, choice: Choice): { quote?: Quote; errors: FieldErrors } {
  const priced = quote(offer, choice);
  if (isRefusal(priced)) return { errors: { [priced.path.replace('body.', '')]: priced.message } };
  return { quote: priced, errors: {} };
}
