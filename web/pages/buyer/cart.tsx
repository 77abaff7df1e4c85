/**
 * The cart (K-07: lines kept 14 days) and its checkout, which orders every line at once, all
 * or nothing on funds (K-02: too little money links to a top-up of exactly the missing amount).
 * Adding comes from the offer page's order form (its "Add to cart", web/pages/catalog/offer.tsx). Mirrors `/me/cart` and `POST /me/cart/checkout`.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { CartItemView } from '../../../services/cart.js';
import { AppError } from '../../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { idOf, parseForm, readForm, refusalOf, type Refusal } from '../../forms.js';
import { page, redirect, userOf, type WebContext } from '../../page.js';
import { ActionButton, Form, Money, sentenceCase, Time, money } from '../../ui.js';

type Pages = Hono<WebEnv>;

/** The checkout's hidden key: the same render sent twice (a double click) orders once. */
const Checkout = z.object({ idempotencyKey: z.string({ error: 'reload the cart and try again' }).min(1).max(100) });

/** A refusal shown above the cart, with the add-funds link when money is short (K-02). */
interface CartProblem {
  refusal: Refusal;
  missingCents?: number;
}

function problemOf(err: unknown): CartProblem {
  const refusal = refusalOf(err);
  const missing = err instanceof AppError ? err.details?.missingCents : undefined;
  return { refusal, missingCents: typeof missing === 'number' ? missing : undefined };
}

const lineText = (item: CartItemView) =>
  item.packageTier
    ? `${sentenceCase(item.packageTier)} package`
    : `${item.units} × basic${item.optionIds.length ? ` + ${item.optionIds.length} option${item.optionIds.length > 1 ? 's' : ''}` : ''}`;

const Problem = ({ problem }: { problem?: CartProblem }) =>
  problem ? (
    <div class="error form-error" role="alert">
      <p>
        Refused ({problem.refusal.status}): {problem.refusal.message}
      </p>
      {problem.missingCents ? (
        <p>
          <a href={`/balance/top-up?amount=${problem.missingCents}`}>Add {money(problem.missingCents)} to your balance</a> and check out again.
        </p>
      ) : null}
    </div>
  ) : null;

const CartRow = ({ item, csrf }: { item: CartItemView; csrf: string }) => (
  <tr>
    <td>
      <a href={`/offers/${item.offerId}`}>{item.title}</a>
      {item.available ? null : <p class="error">Not available now: checkout leaves it out</p>}
    </td>
    <td>{lineText(item)}</td>
    <td>
      <Money cents={item.totalCents} />
    </td>
    <td>
      <Time at={item.expiresAt} />
    </td>
    <td>
      <ActionButton action={`/cart/items/${item.id}/remove`} csrf={csrf} label={`Remove ${item.title}`} class="secondary" />
    </td>
  </tr>
);

function cartPage(deps: WebDeps) {
  return async (c: WebContext, problem?: CartProblem) => {
    const user = userOf(c);
    const cart = await deps.services.cart.get(user.id);
    const status = problem ? problem.refusal.status : 200;
    return page(
      c,
      deps,
      'Your cart',
      (v) => (
        <>
          <Problem problem={problem} />
          {cart.items.length === 0 ? (
            <p>
              Your cart is empty. <a href="/search">Find a service</a>.
            </p>
          ) : (
            <>
              <p class="muted">Lines stay in the cart for 14 days (K-07), priced from the offer as it is now.</p>
              <div class="table-wrap" tabindex={0} role="region" aria-label="Cart lines">
                <table>
                  <caption class="visually-hidden">Cart lines</caption>
                  <thead>
                    <tr>
                      <th scope="col">Service</th>
                      <th scope="col">What</th>
                      <th scope="col">Price</th>
                      <th scope="col">Kept until</th>
                      <th scope="col">
                        <span class="visually-hidden">Remove</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {cart.items.map((item) => (
                      <CartRow item={item} csrf={v.csrf} />
                    ))}
                  </tbody>
                </table>
              </div>
              <Form action="/cart/checkout" csrf={v.csrf} label="checkout" id="checkout">
                <input type="hidden" name="idempotencyKey" value={randomUUID()} />
                <p>
                  Total: <strong><Money cents={cart.totalCents} /></strong>, paid from your balance
                </p>
                <button type="submit">Check out and pay</button>
              </Form>
            </>
          )}
        </>
      ),
      status,
    );
  };
}

export function cartPages(app: Pages, deps: WebDeps) {
  const { cart } = deps.services;
  const show = cartPage(deps);
  app.get('/cart', (c) => show(c));
  app.post('/cart/items/:id/remove', async (c) => {
    const user = userOf(c);
    const id = idOf(c.req.param('id')) ?? 0;
    await cart.remove(user.id, id);
    return redirect(c, '/cart', 'Removed from your cart.');
  });
  app.post('/cart/checkout', async (c) => {
    const user = userOf(c);
    const parsed = parseForm(Checkout, await readForm(c));
    if (!parsed.ok) return show(c, { refusal: { status: 400, code: 'invalid_input', message: parsed.errors.idempotencyKey!, errors: {} } });
    try {
      const done = await cart.checkout(user, parsed.data.idempotencyKey);
      const count = done.orders.length;
      const flash = `Ordered ${count} service${count > 1 ? 's' : ''} for ${money(done.totalCents)}, held in escrow until the work is accepted.`;
      return redirect(c, count === 1 ? `/orders/${done.orders[0]!.orderId}` : '/orders', flash);
    } catch (err) {
      return show(c, problemOf(err));
    }
  });
}
