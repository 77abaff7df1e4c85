/**
 * The public "Order a Job" form (W-01…W-06): title, description, the site's address, urgency
 * (W-02, with the note to choose honestly), an optional budget (W-05) and, signed in, a file
 * (W-03: a mockup, a sketch, a video, a screenshot). Without an account the form asks for an
 * email: the account is created on submission and the job waits for its activation (W-01).
 * Below it, the installation services at their fixed prices (W-06), each with its own "Pay now"
 * form: ordered and paid from the balance at once. A hidden key makes a double submission
 * order once (the Idempotency-Key of `POST /jobs`).
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import { emailAddress } from '../../../services/email-address.js';
import { jobPolicy } from '../../../workflows/job/policy.js';
import { urgencies } from '../../../workflows/job/messages.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { dollars, errorsBesideFile, firstOf, parseForm, readForm, refusalOf, text, whole, type FormData } from '../../forms.js';
import { page, redirect, type WebContext } from '../../page.js';
import type { FC } from 'hono/jsx';
import { Field, FieldError, Form, Money, Select, TextArea, type FieldErrors } from '../../ui.js';
import { affiliateVisitOf, forgetAffiliateVisit } from '../affiliates.js';
import { ACCEPT_ATTACHMENTS, formFile, uploadFormFile } from '../attachments.js';
import { ClosureBanner } from './closure.js';

const urgencyLabels: Record<(typeof urgencies)[number], string> = {
  low: 'Low: whenever an expert is free',
  normal: 'Normal',
  high: 'High: it hurts my business',
  critical: 'Critical: my live site is broken',
};

const siteUrl = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .max(2_000, 'at most 2000 characters')
    .refine((s) => /^https?:\/\/[^\s/]+\.[^\s]+$/i.test(s) && URL.canParse(s), 'an address starting with http:// or https://')
    .optional(),
);
const key = z.string({ error: 'reload the page and try again' }).min(1, 'reload the page and try again').max(100);

const OrderForm = z.object({
  title: text(120, 5),
  description: text(jobPolicy.maxTextChars, 10),
  siteUrl,
  urgency: z.enum(urgencies, { error: 'choose how urgent it is' }),
  budget: z.preprocess((v) => (v === '' ? undefined : v), dollars(100, 100_000_000).optional()),
  idempotencyKey: key,
});
const AnonymousFields = z.object({
  email: z.string().trim().max(254, 'at most 254 characters').pipe(emailAddress('an email address, such as you@example.com')),
  username: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^[a-z0-9_]{3,30}$/, '3 to 30 of a–z, 0–9 and _').optional()),
});
const InstallForm = z.object({
  installId: whole(1, Number.MAX_SAFE_INTEGER, 'an install of the list'),
  description: text(jobPolicy.maxTextChars, 10),
  siteUrl,
  idempotencyKey: key,
});

interface Failure {
  /** `order` or `install-<id>`: which form was refused. */
  form: string;
  errors: FieldErrors;
  sent: FormData;
  message?: string;
}

const sentOf = (f: Failure | undefined, form: string, field: string) => (f?.form === form ? String(firstOf(f.sent[field]) ?? '') : '');

/** An install form's field: ids of its own (every install has a form on the page). */
const InstallField: FC<{ id: number; name: 'description' | 'siteUrl'; label: string; failure: Failure | undefined }> = ({ id, name, label, failure }) => {
  const form = `install-${id}`;
  const props = { id: `${form}-${name}`, name, label, value: sentOf(failure, form, name), errors: failure?.form === form ? failure.errors : {} };
  return name === 'description' ? <TextArea {...props} rows={2} required /> : <Field {...props} />;
};

async function orderPage(c: WebContext, deps: WebDeps, failure?: Failure, status: 200 | 400 | 401 | 404 | 409 | 413 | 415 | 422 = 200) {
  const installs = await deps.services.jobs.installs();
  const signedIn = Boolean(c.get('user'));
  const errorsOf = (form: string) => (failure?.form === form ? failure.errors : {});
  return page(
    c,
    deps,
    'Order a job',
    (v) => (
      <>
        <ClosureBanner notice={deps.services.jobs.closureNotice()} />
        <Form action="/jobs/new" csrf={v.csrf} error={failure?.form === 'order' ? failure.message : undefined} label="order a job" id="job-form" enctype="multipart/form-data">
          <p>Describe the job: an expert estimates it in hours at ${jobPolicy.hourlyRateCents / 100}/h, you pay into escrow, and the expert is paid once you approve the work.</p>
          <input type="hidden" name="idempotencyKey" value={sentOf(failure, 'order', 'idempotencyKey') || randomUUID()} />
          <Field name="title" label="Title" value={sentOf(failure, 'order', 'title')} errors={errorsOf('order')} required />
          <TextArea name="description" label="What needs doing" value={sentOf(failure, 'order', 'description')} errors={errorsOf('order')} rows={6} required />
          <Field name="siteUrl" label="Your site’s address (optional)" value={sentOf(failure, 'order', 'siteUrl')} errors={errorsOf('order')} hint="http:// or https://" />
          <p class="hint" id="urgency-note">
            Urgent jobs go first: major issues on live sites take priority. Please choose honestly, so that experts reach the truly urgent ones in time.
          </p>
          <Select name="urgency" label="Urgency" value={sentOf(failure, 'order', 'urgency') || 'normal'} errors={errorsOf('order')} options={urgencies.map((u) => [u, urgencyLabels[u]] as [string, string])} />
          <Field name="budget" label="Your budget in dollars (optional)" value={sentOf(failure, 'order', 'budget')} errors={errorsOf('order')} hint="We are flexible: the expert proposes a solution in that range." />
          {signedIn ? (
            <p class="field">
              <label for="f-file">Attach a file (optional): a mockup, a sketch, a video, a screenshot</label>
              <input id="f-file" type="file" name="file" accept={ACCEPT_ATTACHMENTS} aria-describedby={errorsOf('order').file ? 'f-file-hint f-file-error' : 'f-file-hint'} aria-invalid={errorsOf('order').file ? 'true' : undefined} />
              <small id="f-file-hint" class="hint">
                At most 4 MB: images, video, audio, zip or rar. Only the job’s expert and staff see it.
              </small>
              <FieldError id="f-file-error" error={errorsOf('order').file} />
            </p>
          ) : (
            <>
              <Field name="email" label="Your email" type="email" value={sentOf(failure, 'order', 'email')} errors={errorsOf('order')} required hint="We create your account and email you a link to verify it and set a password; experts see the job once it is verified. Have an account? Sign in first." />
              <Field name="username" label="Username you would like (optional)" value={sentOf(failure, 'order', 'username')} errors={errorsOf('order')} hint="3 to 30 of a–z, 0–9 and _; experts see only this, never your email." />
            </>
          )}
          <button type="submit">Order the job</button>
        </Form>
        <section aria-labelledby="installs-h" id="installs">
          <h2 id="installs-h">Installation services at fixed prices</h2>
          <p>Paid right away from your balance, without an estimate.</p>
          {installs.map((i) => (
            <article class="card" id={`install-${i.id}`}>
              <h3>
                {i.name}: <Money cents={i.priceCents} />
              </h3>
              <p>{i.description}</p>
              {signedIn ? (
                <Form action="/jobs/new/install" csrf={v.csrf} error={failure?.form === `install-${i.id}` ? failure.message : undefined} label={`order ${i.name}`} id={`install-form-${i.id}`}>
                  <input type="hidden" name="installId" value={String(i.id)} />
                  <input type="hidden" name="idempotencyKey" value={sentOf(failure, `install-${i.id}`, 'idempotencyKey') || randomUUID()} />
                  <InstallField id={i.id} name="description" label="What to install, and where" failure={failure} />
                  <InstallField id={i.id} name="siteUrl" label="Your site’s address (optional)" failure={failure} />
                  <button type="submit">
                    Pay now <Money cents={i.priceCents} />
                  </button>
                </Form>
              ) : (
                <p>
                  <a href="/sign-in">Sign in</a> to order and pay now.
                </p>
              )}
            </article>
          ))}
        </section>
      </>
    ),
    status,
  );
}

export function orderFormPages(app: Hono<WebEnv>, deps: WebDeps) {
  app.get('/jobs/new', (c) => orderPage(c, deps));
  app.post('/jobs/new', async (c) => {
    const user = c.get('user');
    const sent = await readForm(c);
    const file = user ? await formFile(c) : undefined;
    const parsed = parseForm(user ? OrderForm : OrderForm.merge(AnonymousFields), sent);
    const fileError: FieldErrors = sent.file !== undefined ? { file: 'Choose a file to attach' } : {};
    if (!parsed.ok || sent.file !== undefined) {
      const errors = { ...(parsed.ok ? {} : parsed.errors), ...fileError };
      // The hidden key is no field a person can correct, and a signed-out form has no file field: their refusals go on top of the form.
      const onTop = errors.idempotencyKey ? 'The form has expired: reload the page and send it again.' : !user && errors.file ? 'Files are attached from an account: sign in first.' : undefined;
      return orderPage(c, deps, { form: 'order', errors, sent, ...(onTop ? { message: onTop } : {}) }, 400);
    }
    const d = parsed.data as z.output<typeof OrderForm> & Partial<z.output<typeof AnonymousFields>>;
    try {
      const attachmentIds = user && file ? [(await uploadFormFile(deps, user.id, file)).id] : [];
      // W-23: the account made for the email is linked to this browser's first-touch affiliate, as a registration is.
      const affiliateVisit = user ? undefined : affiliateVisitOf(c);
      const ordered = await deps.services.jobs.order(
        user,
        { installId: null, title: d.title, description: d.description, siteUrl: d.siteUrl ?? null, urgency: d.urgency, budgetCents: d.budget ?? null, attachmentIds, email: d.email, username: d.username, affiliateVisit },
        d.idempotencyKey,
      );
      if (affiliateVisit !== undefined) forgetAffiliateVisit(c);
      if (!user) return redirect(c, '/sign-in', `Job #${ordered.jobId} ordered: check your mail (${d.email}) and open our link to verify your address and set a password; experts see the job once you have.`);
      return redirect(c, `/jobs/${ordered.jobId}`, 'Ordered: an expert will answer with an estimate.');
    } catch (err) {
      const r = refusalOf(err, { budgetCents: 'budget' });
      const errors = errorsBesideFile(r);
      return orderPage(c, deps, { form: 'order', errors, sent, ...(Object.keys(errors).length ? {} : { message: r.message }) }, r.status === 409 || r.status === 413 || r.status === 415 || r.status === 422 || r.status === 404 || r.status === 401 ? r.status : 400);
    }
  });
  // W-06: ordered and paid at once; short of money, the job page offers to add funds.
  app.post('/jobs/new/install', async (c) => {
    const user = c.get('user');
    const sent = await readForm(c);
    const parsed = parseForm(InstallForm, sent);
    if (!user) return redirect(c, '/sign-in', 'Sign in to order an installation.');
    // A tampered install id (or key) names no form of the page: the refusal goes on top of the order form.
    const hidden = !parsed.ok && (parsed.errors.installId || parsed.errors.idempotencyKey);
    const form = hidden ? 'order' : `install-${firstOf(sent.installId) ?? ''}`;
    if (!parsed.ok) return orderPage(c, deps, { form, errors: hidden ? {} : parsed.errors, sent: hidden ? {} : sent, ...(hidden ? { message: `Refused: ${hidden}. Reload the page and try again.` } : {}) }, 400);
    const d = parsed.data;
    let jobId: number;
    try {
      const ordered = await deps.services.jobs.order(user, { installId: d.installId, title: null, description: d.description, siteUrl: d.siteUrl ?? null, urgency: 'normal', budgetCents: null, attachmentIds: [] }, d.idempotencyKey);
      jobId = ordered.jobId;
    } catch (err) {
      const r = refusalOf(err);
      // An install no longer in the catalog has no form on the page: the refusal goes on top of the order form.
      return orderPage(c, deps, { form: r.status === 404 ? 'order' : form, errors: {}, sent, message: r.message }, r.status === 404 || r.status === 409 || r.status === 422 ? r.status : 400);
    }
    try {
      await deps.services.jobs.pay(user, jobId, 0);
      return redirect(c, `/jobs/${jobId}`, 'Ordered and paid: an expert will take it from here.');
    } catch (err) {
      const r = refusalOf(err);
      return redirect(c, `/jobs/${jobId}`, `Ordered, not paid yet: ${r.message}`);
    }
  });
}
