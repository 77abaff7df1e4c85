/**
 * K-48's early withdrawal of card money, "only back to the same card, through Support": staff
 * look a top-up up by its id (the user reads it on their balance page: "card top-up #12") and,
 * after ticking a confirmation, refund it in full through the card processor
 * (`withdrawals.refundTopUp`). Its amount leaves the user's main balance; the service refuses a
 * top-up that is not a paid card top-up (409) or whose money was spent.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { WebDeps, WebEnv } from '../../context.js';
import { checkbox, firstOf, parseForm, readForm, readQuery, refusalOf, whole, type FormData } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import { Field, FieldError, Form, money, type FieldErrors } from '../../ui.js';
import { pathId } from './controls.js';
import { StaffMoneyNav } from './money-nav.js';
import { staffAccess, staffOf } from './roles.js';

const Lookup = z.object({ id: whole(1, 2_147_483_647, 'a top-up’s number') });
const Confirm = z.object({ confirm: checkbox.refine((on) => on, 'tick the box to confirm the refund') });

type Status = Parameters<typeof page>[4];

function lookupPage(app: Hono<WebEnv>, deps: WebDeps) {
  app.get('/staff/top-ups', async (c) => {
    staffOf(c, staffAccess.money);
    const query = readQuery(c);
    const parsed = query.id === undefined ? undefined : parseForm(Lookup, query);
    if (parsed?.ok) return c.redirect(`/staff/top-ups/${parsed.data.id}/refund`, 303);
    const errors: FieldErrors = parsed && !parsed.ok ? parsed.errors : {};
    return page(
      c,
      deps,
      'Refund a card top-up',
      () => (
        <>
          <StaffMoneyNav />
          <p>K-48: card money is withdrawable a month after it arrived; sooner only back to the same card. The user names the top-up (their balance page lists “card top-up #12”).</p>
          <form method="get" action="/staff/top-ups" aria-label="find a top-up">
            <Field name="id" label="Top-up number" value={firstOf(query.id)} errors={errors} />
            <button type="submit">Find</button>
          </form>
        </>
      ),
      Object.keys(errors).length ? 400 : 200,
    );
  });
}

function confirmPage(deps: WebDeps) {
  return (c: WebContext, shown: { form?: FormData; errors?: FieldErrors; refusal?: string } = {}, status: Status = 200) => {
    staffOf(c, staffAccess.money);
    const id = pathId(c.req.param('id'));
    return page(
      c,
      deps,
      `Refund card top-up #${id}`,
      (v) => (
        <>
          <StaffMoneyNav />
          <Form action={`/staff/top-ups/${id}/refund`} csrf={v.csrf} label="refund the top-up" id="refund-form" error={shown.refusal}>
            <p>
              The whole top-up goes back to the card that paid it, through the card processor; its amount leaves the user’s main balance. Only a paid card top-up whose money is still there can be refunded.
            </p>
            <p class="field">
              <label class="choice">
                <input type="checkbox" name="confirm" id="f-confirm" aria-invalid={shown.errors?.confirm ? 'true' : undefined} aria-describedby={shown.errors?.confirm ? 'f-confirm-error' : undefined} />
                I confirm: refund top-up #{id} to its card
              </label>
              <FieldError id="f-confirm-error" error={shown.errors?.confirm} />
            </p>
            <button type="submit" class="danger">
              Refund to the card
            </button>
          </Form>
        </>
      ),
      status,
    );
  };
}

export function topUpRefundPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  lookupPage(app, deps);
  const show = confirmPage(deps);
  app.get('/staff/top-ups/:id/refund', (c) => show(c));
  app.post('/staff/top-ups/:id/refund', async (c) => {
    const staff = staffOf(c, staffAccess.money);
    const id = pathId(c.req.param('id'));
    const form = await readForm(c);
    const parsed = parseForm(Confirm, form);
    if (!parsed.ok) return show(c, { form, errors: parsed.errors }, 400);
    try {
      const done = await deps.services.withdrawals.refundTopUp(staff.id, id);
      return redirect(c, '/staff/top-ups', `Top-up #${id}: ${money(done.amountCents)} refunded to its card (refund ${done.refundRef}).`);
    } catch (err) {
      const r = refusalOf(err);
      return show(c, { form, refusal: `Refused (${r.status}): ${r.message}` }, r.status);
    }
  });
  return app;
}
