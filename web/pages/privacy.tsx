/**
 * The caller's data and the end of their account, from the settings: the data export (W-19,
 * EU law) as a JSON download, and the request to close the account with a reason (W-20), which
 * the user may withdraw while it is pending. Staff's list of requests is `staff/closures.tsx`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { accountRules } from '../../services/policy.js';
import type { WebDeps, WebEnv } from '../context.js';
import { firstOf, parseForm, readForm, refusalOf, text, type FormData } from '../forms.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { ActionButton, Form, TextArea, Time, type FieldErrors } from '../ui.js';

const Closure = z.object({ reason: text(accountRules.closureReasonMaxLength) });

export function privacyPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { dataExport, accountClosures } = deps.services;

  app.get('/settings/export', async (c) => {
    const { id } = userOf(c);
    c.header('Content-Disposition', `attachment; filename="gigflow-export-${id}.json"`);
    c.header('Cache-Control', 'no-store');
    return c.json(await dataExport.forUser(id));
  });

  const closePage = async (c: WebContext, errors: FieldErrors, form: FormData, status: 200 | 400 | 409 = 200, error?: string) => {
    const pending = await accountClosures.pending(userOf(c).id);
    return page(
      c,
      deps,
      'Close your account',
      (v) =>
        pending ? (
          <>
            <p>
              You asked to close your account on <Time at={pending.requestedAt} zone={v.timeZone} />: our staff will complete it once no money of
              yours is in play (open orders, escrow, a balance, withdrawals).
            </p>
            <p class="prewrap">Your reason: {pending.reason}</p>
            <ActionButton action="/settings/close-account/withdraw" csrf={v.csrf} label="Withdraw my request: keep the account" />
          </>
        ) : (
          <Form action="/settings/close-account" csrf={v.csrf} error={error} label="close account">
            <p>
              Closing erases your personal data: your profile, login and email, invoicing and payout details, portfolio, files and settings. The
              ledger and issued invoices stay, as accounting law requires; messages you sent stay with the people you wrote to. You can{' '}
              <a href="/settings/export" download>download your data</a> first.
            </p>
            <TextArea name="reason" label="Why do you want to close your account?" value={firstOf(form.reason)} errors={errors} hint={`at most ${accountRules.closureReasonMaxLength} characters`} />
            <button type="submit">Ask to close my account</button>
          </Form>
        ),
      Object.keys(errors).length || error ? status : 200,
    );
  };
  app.get('/settings/close-account', (c) => closePage(c, {}, {}));
  app.post('/settings/close-account', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(Closure, form);
    if (!parsed.ok) return closePage(c, parsed.errors, form, 400);
    try {
      await accountClosures.request(userOf(c).id, parsed.data.reason);
    } catch (err) {
      const r = refusalOf(err);
      return closePage(c, r.errors, form, r.status as 409, r.message);
    }
    return redirect(c, '/settings/close-account', 'Your request is with our staff. You can withdraw it until they complete it.');
  });
  app.post('/settings/close-account/withdraw', async (c) => {
    await accountClosures.withdraw(userOf(c).id);
    return redirect(c, '/settings', 'Your request is withdrawn: your account stays.');
  });
  return app;
}
