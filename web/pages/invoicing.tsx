/**
 * Invoicing in the web client (W-17, W-18): the data invoices are made out to — first name,
 * last name and country, and for a company its name, address and tax id (checked per country
 * by the service) — and the caller's invoices to download. `?next=/jobs/<id>` comes from a job's
 * approval box: saving then goes back to that job.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { invoiceHeaders } from '../../api/routes/invoices.js';
import type { InvoicingProfile } from '../../services/invoicing.js';
import { AppError } from '../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../context.js';
import { country, firstOf, optionalText, parseForm, readForm, refusalOf, text, type FormData } from '../forms.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { DataTable, Field, Form, Money, Time, type FieldErrors } from '../ui.js';

const ProfileForm = z
  .object({
    firstName: text(100),
    lastName: text(100),
    country,
    companyName: optionalText(200),
    companyAddress: optionalText(300),
    taxId: optionalText(40),
  })
  .superRefine((f, ctx) => {
    // W-18: a company gives its full tax details, all three or none.
    const given = [f.companyName, f.companyAddress, f.taxId].some((v) => v !== undefined);
    for (const key of ['companyName', 'companyAddress', 'taxId'] as const) {
      if (given && f[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'required for a company' });
    }
  });

/** The service's field paths (`body.company.taxId`) as this form's field names. */
const formField: Record<string, string> = {
  'body.firstName': 'firstName',
  'body.lastName': 'lastName',
  'body.country': 'country',
  'body.company.name': 'companyName',
  'body.company.address': 'companyAddress',
  'body.company.taxId': 'taxId',
};

function serviceErrors(err: unknown): { status: 400 | 422; message: string; errors: FieldErrors } {
  const refusal = refusalOf(err);
  const fields = (err as AppError).details?.fields as { path: string; message: string }[] | undefined;
  const errors = Object.fromEntries((fields ?? []).flatMap((f) => (formField[f.path] ? [[formField[f.path]!, f.message]] : [])));
  return { status: refusal.status === 422 ? 422 : 400, message: refusal.message, errors };
}

/** Where a job's approval box sent the client from (W-18): a job page of ours, nothing else. */
const backTo = (next: string | undefined) => (next !== undefined && /^\/jobs\/[0-9]{1,15}$/.test(next) ? next : undefined);

const valueOf = (form: FormData | undefined, name: string, saved: string | undefined) => (form ? String(form[name] ?? '') : (saved ?? ''));

export function invoicingPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { invoicing } = deps.services;
  const invoicingPage = async (c: WebContext, errors: FieldErrors, form: FormData | undefined, status: 200 | 400 | 422 = 200, error?: string) => {
    const user = userOf(c);
    const saved: InvoicingProfile | null = await invoicing.profile(user.id);
    const invoices = await invoicing.invoices(user.id);
    const v = (name: string, current: string | undefined) => valueOf(form, name, current);
    const back = backTo(form ? firstOf(form.next) : c.req.query('next'));
    return page(
      c,
      deps,
      'Invoicing',
      (viewer) => (
        <>
          <Form action="/settings/invoicing" csrf={viewer.csrf} error={error} label="invoicing data">
            {back ? <input type="hidden" name="next" value={back} /> : null}
            <h2>Invoices are made out to</h2>
            <Field name="firstName" label="First name" value={v('firstName', saved?.firstName)} errors={errors} required autocomplete="given-name" />
            <Field name="lastName" label="Last name" value={v('lastName', saved?.lastName)} errors={errors} required autocomplete="family-name" />
            <Field name="country" label="Country" value={v('country', saved?.country)} errors={errors} required hint="Two letters, such as PL for Poland, DE, GB, US (or the country’s name in English)" />
            <h2>As a company (optional: all three or none)</h2>
            <Field name="companyName" label="Company name" value={v('companyName', saved?.company?.name)} errors={errors} autocomplete="organization" />
            <Field name="companyAddress" label="Company address" value={v('companyAddress', saved?.company?.address)} errors={errors} />
            <Field name="taxId" label="Tax id (VAT number)" value={v('taxId', saved?.company?.taxId)} errors={errors} hint="checked for the country, e.g. PL NIP 5252248481, DE123456789" />
            <button type="submit">Save</button>
          </Form>
          <h2>My invoices</h2>
          <DataTable id="invoices" label="invoices" caption="My invoices" columns={['Number', 'Issued', 'Total', 'PDF']} empty="No invoices yet: each job you approve gets one, made out to the data above (W-18).">
            {invoices.map((i) => (
              <tr>
                <td>{i.number}</td>
                <td>
                  <Time at={i.issuedAt} zone={viewer.timeZone} />
                </td>
                <td>
                  <Money cents={i.totalCents} />
                </td>
                <td>
                  <a href={`/invoices/${i.id}/pdf`}>Download</a>
                </td>
              </tr>
            ))}
          </DataTable>
        </>
      ),
      status,
    );
  };
  app.get('/settings/invoicing', (c) => invoicingPage(c, {}, undefined));
  app.post('/settings/invoicing', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(ProfileForm, form);
    if (!parsed.ok) return invoicingPage(c, parsed.errors, form, 400);
    const f = parsed.data;
    const company = f.companyName && f.companyAddress && f.taxId ? { name: f.companyName, address: f.companyAddress, taxId: f.taxId } : null;
    try {
      await invoicing.setProfile(userOf(c).id, { firstName: f.firstName, lastName: f.lastName, country: f.country, company });
    } catch (err) {
      const refusal = serviceErrors(err);
      return invoicingPage(c, refusal.errors, form, refusal.status, refusal.message);
    }
    const back = backTo(firstOf(form.next));
    return back ? redirect(c, back, 'Invoicing data saved: your invoices are made out to it.') : redirect(c, '/settings/invoicing', 'Saved.');
  });
  app.get('/invoices/:id/pdf', async (c) => {
    const id = c.req.param('id');
    if (!/^[0-9]{1,15}$/.test(id)) throw new AppError('not_found', 'no such invoice');
    const file = await invoicing.pdf(userOf(c), Number(id));
    return c.body(new Uint8Array(file.bytes), 200, invoiceHeaders(file));
  });
  return app;
}
