/**
 * W-06: staff's catalog of fixed-price installs (support and admins, as `/staff/job-installs`):
 * every install, retired ones too, with how many jobs were ordered with it; a form to add one;
 * and each install's page to change its price or description, or to take it out of the catalog
 * (and put it back). Jobs keep the price they were ordered at.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import { installRules, type StaffInstall } from '../../../services/job-installs.js';
import { AppError } from '../../../workflows/lib/errors.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { checkbox, dollars, firstOf, idOf, parseForm, readForm, text, type FormData } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import { DataTable, Field, FieldError, Form, Money, TextArea, type FieldErrors, type Viewer } from '../../ui.js';
import { staffAccess, staffOf } from './roles.js';

const price = dollars(installRules.minPriceCents, installRules.maxPriceCents);
const AddForm = z.object({ name: text(installRules.nameMaxChars), description: text(installRules.descriptionMaxChars), price });
const EditForm = z.object({ description: text(installRules.descriptionMaxChars), price, active: checkbox });
const priceHint = `in dollars, $${installRules.minPriceCents / 100} to $${(installRules.maxPriceCents / 100).toLocaleString('en-US')}; jobs already ordered keep their price`;

export function jobInstallPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { jobInstalls } = deps.services;

  const list = async (c: WebContext, errors: FieldErrors = {}, form: FormData = {}, status: 200 | 400 = 200) => {
    staffOf(c, staffAccess.installs);
    const items = await jobInstalls.all();
    return page(c, deps, 'Install catalog', (v) => <InstallList viewer={v} items={items} errors={errors} form={form} />, status);
  };
  const installOf = async (c: WebContext) => {
    const id = idOf(c.req.param('id'));
    if (id === undefined) throw new AppError('not_found', 'no such install');
    return jobInstalls.one(id);
  };
  const edit = async (c: WebContext, errors: FieldErrors = {}, form: FormData = {}, status: 200 | 400 = 200) => {
    staffOf(c, staffAccess.installs);
    const install = await installOf(c);
    return page(c, deps, `Install: ${install.name}`, (v) => <InstallEdit viewer={v} install={install} errors={errors} form={form} />, status);
  };

  app.get('/staff/job-installs', (c) => list(c));
  app.post('/staff/job-installs', async (c) => {
    staffOf(c, staffAccess.installs);
    const form = await readForm(c);
    const parsed = parseForm(AddForm, form);
    if (!parsed.ok) return list(c, parsed.errors, form, 400);
    const added = await jobInstalls.add({ name: parsed.data.name, description: parsed.data.description, priceCents: parsed.data.price });
    return redirect(c, '/staff/job-installs', `Added “${added.name}”: clients can order it now.`);
  });
  app.get('/staff/job-installs/:id', (c) => edit(c));
  app.post('/staff/job-installs/:id', async (c) => {
    staffOf(c, staffAccess.installs);
    const install = await installOf(c);
    const form = await readForm(c);
    const parsed = parseForm(EditForm, form);
    if (!parsed.ok) return edit(c, parsed.errors, form, 400);
    const saved = await jobInstalls.change(install.id, { description: parsed.data.description, priceCents: parsed.data.price, active: parsed.data.active });
    return redirect(c, '/staff/job-installs', saved.active ? `Saved “${saved.name}”.` : `Saved “${saved.name}”: retired, no longer orderable.`);
  });
  return app;
}

const InstallList: FC<{ viewer: Viewer; items: StaffInstall[]; errors: FieldErrors; form: FormData }> = ({ viewer, items, errors, form }) => (
  <>
    <p>
      <a href="/staff">← Staff</a>
    </p>
    <DataTable id="job-installs" label="Installs" caption="The install catalog: offered installs first, then by price" columns={['Install', 'Price', 'In the catalog', 'Jobs', '']}>
      {items.map((i) => (
        <tr>
          <td>{i.name}</td>
          <td><Money cents={i.priceCents} /></td>
          <td>{i.active ? 'Offered' : 'Retired'}</td>
          <td>{i.jobs}</td>
          <td>
            <a href={`/staff/job-installs/${i.id}`}>Edit {i.name}</a>
          </td>
        </tr>
      ))}
    </DataTable>
    <h2>Add an install</h2>
    <Form action="/staff/job-installs" csrf={viewer.csrf} label="add an install">
      <Field name="name" label="Name" value={firstOf(form.name)} errors={errors} />
      <TextArea name="description" label="Description" value={firstOf(form.description)} errors={errors} />
      <Field name="price" label="Price" value={firstOf(form.price)} errors={errors} hint={priceHint} />
      <button type="submit">Add the install</button>
    </Form>
  </>
);

const InstallEdit: FC<{ viewer: Viewer; install: StaffInstall; errors: FieldErrors; form: FormData }> = ({ viewer, install, errors, form }) => {
  const posted = Object.keys(form).length > 0;
  const active = posted ? firstOf(form.active) !== undefined : install.active;
  return (
    <>
      <p>
        <a href="/staff/job-installs">← Install catalog</a>
      </p>
      <p>
        {install.jobs} job{install.jobs === 1 ? '' : 's'} ordered with it{install.jobs > 0 ? ': they keep the price they were ordered at.' : '.'}
      </p>
      <Form action={`/staff/job-installs/${install.id}`} csrf={viewer.csrf} id="install-form" label={`edit ${install.name}`}>
        <TextArea name="description" label="Description" value={firstOf(form.description) ?? install.description} errors={errors} />
        <Field name="price" label="Price" value={firstOf(form.price) ?? (install.priceCents / 100).toFixed(2)} errors={errors} hint={priceHint} />
        <p class="field">
          <label>
            <input
              type="checkbox"
              id="f-active"
              name="active"
              checked={active}
              aria-invalid={errors.active ? 'true' : undefined}
              aria-describedby={errors.active ? 'f-active-error' : undefined}
            />{' '}
            Offered in the catalog (unticked: retired, no longer orderable)
          </label>
          <FieldError id="f-active-error" error={errors.active} />
        </p>
        <button type="submit">Save</button>
      </Form>
    </>
  );
};
