/**
 * PayPal's hosted approval page (`/checkoutnow?token={order id}`): the payer types the email of
 * their (sandbox) account and approves or cancels. An email containing "decline" approves an
 * order whose capture will be declined.
 */
import { Hono, type Context } from 'hono';
import { dollars, formFields, Hidden, Layout, problemPage } from './pages.js';
import type { Order, PayPalService } from './paypal-state.js';
import { PayPalError, toCents } from './paypal-wire.js';

const PROVIDER = 'PayPal';

/** The approval page's routes, to mount beside the API under `/paypal`. */
export function paypalPageRoutes(deps: { service: PayPalService; baseUrl: string }): Hono {
  const pages = new Hono();
  pages.get('/checkoutnow', (c) => withOrder(c, deps.service, c.req.query('token'), (order) => showApproval(c, deps.baseUrl, order)));
  pages.post('/checkoutnow', async (c) => {
    const fields = await formFields(c);
    return withOrder(c, deps.service, fields.token, (order) => decide(c, deps, order, fields));
  });
  return pages;
}

function withOrder(c: Context, service: PayPalService, token: string | undefined, page: (order: Order) => Response | Promise<Response>) {
  let order: Order;
  try {
    order = service.order(token ?? '');
  } catch {
    return problemPage(c, PROVIDER, 404, 'Order not found', 'This checkout link names no order.');
  }
  return page(order);
}

function showApproval(c: Context, baseUrl: string, order: Order, error?: string) {
  if (order.status !== 'PAYER_ACTION_REQUIRED') {
    return problemPage(c, PROVIDER, 400, 'Nothing to approve', `This order is already ${order.status.toLowerCase().replace('_', ' ')}.`);
  }
  const unit = order.purchase_units[0]!;
  return c.html(
    <Layout provider={PROVIDER} title="Pay with PayPal">
      <div class="amount">{dollars(toCents(unit.amount.value))}</div>
      {unit.description ? <p>{unit.description}</p> : null}
      <form method="post" action={`${baseUrl}/checkoutnow`}>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <Hidden name="token" value={order.id} />
        <label for="email">Your PayPal account (email)</label>
        <input type="email" id="email" name="email" autocomplete="email" placeholder="buyer@example.com" />
        <button type="submit" name="action" value="approve">Approve</button>{' '}
        <button type="submit" name="action" value="cancel" class="secondary" formnovalidate>Cancel</button>
        <p class="note">Sandbox: an email containing "decline" is declined at capture.</p>
      </form>
    </Layout>,
    error ? 400 : 200,
  );
}

async function decide(c: Context, deps: { service: PayPalService; baseUrl: string }, order: Order, fields: Record<string, string>) {
  if (fields.action === 'cancel') return c.redirect(deps.service.cancelUrl(order), 303);
  if (fields.action !== 'approve') return showApproval(c, deps.baseUrl, order, 'Choose Approve or Cancel.');
  const email = (fields.email ?? '').trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return showApproval(c, deps.baseUrl, order, 'Type the email address of your PayPal account.');
  try {
    return c.redirect(deps.service.approve(order, email), 303);
  } catch (error) {
    if (error instanceof PayPalError) return showApproval(c, deps.baseUrl, order);
    throw error;
  }
}
