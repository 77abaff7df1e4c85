/**
 * The affiliate programme and cookie consent in the web client (W-19, W-21…W-23, W-27, D-07).
 *
 * Consent (W-21): every page shows a notice until the browser answers it; the notice is a form
 * posting to `/cookie-consent` (`choice=accept|decline`), whose answer is kept in the `gf_cookies`
 * cookie for a year (`/cookie-consent` shows it again, to change it). Only the session and CSRF
 * cookies, which the site cannot work without, are set regardless.
 *
 * First touch (W-23): `/a/<code>` always leads to the home page; it records a visit and sets the
 * `gf_aff` cookie naming it only when the browser accepted cookies, carries no `gf_aff` yet (a
 * later link never replaces the first) and nobody is signed in. Sign-up hands the cookie's visit
 * to registration, which links the new user to the affiliate as `pending`.
 */
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { Affiliate, AffiliateReferral } from '../../services/affiliates.js';
import { affiliateRules } from '../../workflows/lib/affiliate.js';
import type { WebDeps, WebEnv } from '../context.js';
import { firstOf, optionalText, parseForm, readForm, refusalOf, text, type FormData } from '../forms.js';
import { CONSENT_COOKIE, cookieConsentOf, page, redirect, userOf, type WebContext } from '../page.js';
import { ConsentForm, DataTable, Field, Form, Time, type FieldErrors } from '../ui.js';

const VISIT_COOKIE = 'gf_aff';

/** The first-touch visit this browser carries, if any (sign-up hands it to registration). */
export const affiliateVisitOf = (c: WebContext): string | undefined => getCookie(c, VISIT_COOKIE) || undefined;

/** Forgets the first-touch visit once it served a registration. */
export function forgetAffiliateVisit(c: WebContext): void {
  deleteCookie(c, VISIT_COOKIE, { path: '/' });
}

const secureFor = (c: WebContext, deps: WebDeps) => (deps.secureCookies ?? false) || new URL(c.req.url).protocol === 'https:';

/** The notice's way back: a path of ours only (never `//host` or `/\\host`, which browsers read as another origin). */
const Consent = z.object({
  choice: z.enum(['accept', 'decline'], { error: 'choose accept or decline' }),
  next: z.string().max(2_000).regex(/^\/(?![/\\])/, 'a path on this site').optional(),
});

const SignUp = z
  .object({
    firstName: text(100),
    lastName: text(100),
    country: text(2).pipe(z.string().regex(/^[A-Za-z]{2}$/, 'two letters, e.g. PL')),
    companyName: optionalText(200),
    companyAddress: optionalText(500),
    companyTaxId: optionalText(32),
  })
  .superRefine((f, ctx) => {
    const given = [f.companyName, f.companyAddress, f.companyTaxId].filter((x) => x !== undefined).length;
    if (given === 0 || given === 3) return;
    for (const field of ['companyName', 'companyAddress', 'companyTaxId'] as const) {
      if (f[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'a company needs its name, address and tax id' });
    }
  });

const stateLabel = { pending: 'Registered, no job yet', assigned: 'Assigned to you', expired: 'Window passed' } as const;

const ReferralTable = ({ items, zone }: { items: AffiliateReferral[]; zone?: string }) => (
  <DataTable id="affiliate-referrals" label="Registered users" caption="Users who registered through your link, newest first" columns={['User', 'Registered', 'State', 'Assigned by a job until']}>
    {items.map((r) => (
      <tr>
        <td>{r.login}</td>
        <td><Time at={r.registeredAt} zone={zone} /></td>
        <td>{stateLabel[r.state]}</td>
        <td><Time at={r.attributionExpiresAt} zone={zone} /></td>
      </tr>
    ))}
  </DataTable>
);

type Pages = Hono<WebEnv>;

export function affiliatePages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  firstTouch(app, deps);
  consent(app, deps);
  programme(app, deps);
  return app;
}

/** W-23: `/a/<code>`. */
function firstTouch(app: Pages, deps: WebDeps) {
  const { affiliates } = deps.services;
  app.get('/a/:code', async (c) => {
    if (cookieConsentOf(c) === 'accepted' && !affiliateVisitOf(c) && !c.var.user) {
      const token = await affiliates.recordVisit(c.req.param('code'));
      if (token) setCookie(c, VISIT_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'Lax', secure: secureFor(c, deps), maxAge: affiliateRules.visitCookieMaxAgeSeconds });
    }
    return c.redirect('/', 303);
  });
}

/** W-21: the cookie page and the notice's answer. */
function consent(app: Pages, deps: WebDeps) {
  const consentPage = (c: WebContext, errors: FieldErrors = {}) =>
    page(
      c,
      deps,
      'Cookies',
      (v) => (
        <>
          <p>
            {cookieConsentOf(c) === 'accepted' ? 'You accepted cookies.' : cookieConsentOf(c) === 'declined' ? 'You declined cookies.' : 'You have not answered yet.'} Besides the
            cookies that keep you signed in and protect forms, we use one to remember the affiliate link you first came through (for 3 months), and only if you accept.
          </p>
          {Object.values(errors).length ? (
            <p class="error form-error" role="alert">
              {Object.values(errors).join('; ')}
            </p>
          ) : null}
          <ConsentForm csrf={v.csrf} next="/cookie-consent" />
        </>
      ),
      Object.keys(errors).length ? 400 : 200,
    );
  app.get('/cookie-consent', (c) => consentPage(c));
  app.post('/cookie-consent', async (c) => {
    const parsed = parseForm(Consent, await readForm(c));
    if (!parsed.ok) return consentPage(c, parsed.errors);
    const accepted = parsed.data.choice === 'accept';
    setCookie(c, CONSENT_COOKIE, accepted ? 'accepted' : 'declined', { path: '/', httpOnly: true, sameSite: 'Lax', secure: secureFor(c, deps), maxAge: affiliateRules.consentCookieMaxAgeSeconds });
    // Declining withdraws consent given before: the first-touch cookie goes too.
    if (!accepted) forgetAffiliateVisit(c);
    return redirect(c, parsed.data.next ?? '/', accepted ? 'Cookies accepted.' : 'Cookies declined: nothing optional is stored.');
  });
}

/** W-22, W-27: becoming an affiliate, the link and the registered users. */
function programme(app: Pages, deps: WebDeps) {
  const { affiliates } = deps.services;
  const affiliatePage = async (c: WebContext, errors: FieldErrors = {}, form: FormData = {}, status: 200 | 400 | 422 = 200, error?: string) => {
    const me = userOf(c).id;
    const current: Affiliate | undefined = await affiliates.get(me).catch((err: unknown) => {
      if (refusalOf(err).status === 404) return undefined;
      throw err;
    });
    const items = current ? await affiliates.referrals(me) : [];
    const value = (name: keyof Affiliate | 'companyName' | 'companyAddress' | 'companyTaxId', stored: string | undefined) => firstOf(form[name]) ?? stored;
    return page(
      c,
      deps,
      'Affiliate programme',
      (v) => (
        <>
          <p>
            Share your link: a visitor who first comes through it, registers and completes a job within 3 months of that first visit becomes your client, and you earn a cut
            of every job they order (from {affiliateRules.levels[0].bps / 100} % up to {affiliateRules.levels.at(-1)!.bps / 100} % by your level, at most $200 a job).
          </p>
          {current ? (
            <>
              <p class="field">
                <label for="affiliate-link">Your affiliate link</label>
                <input id="affiliate-link" type="text" readonly value={current.link} />
              </p>
              <p>
                Your level: {current.level} ({current.levelBps / 100} %).
              </p>
              <h2>Registered users</h2>
              {items.length === 0 ? <p>No one registered through your link yet.</p> : <ReferralTable items={items} zone={v.timeZone} />}
            </>
          ) : null}
          <h2>{current ? 'Your personal data' : 'Become an affiliate'}</h2>
          <Form action="/affiliate" csrf={v.csrf} error={error} label="affiliate personal data">
            <Field name="firstName" label="First name" value={value('firstName', current?.firstName)} errors={errors} autocomplete="given-name" />
            <Field name="lastName" label="Last name" value={value('lastName', current?.lastName)} errors={errors} autocomplete="family-name" />
            <Field name="country" label="Country (two letters, e.g. PL)" value={value('country', current?.country)} errors={errors} autocomplete="country" />
            <fieldset>
              <legend>Company (only if you invoice as a company)</legend>
              <Field name="companyName" label="Company name" value={value('companyName', current?.company?.name)} errors={errors} autocomplete="organization" />
              <Field name="companyAddress" label="Company address" value={value('companyAddress', current?.company?.address)} errors={errors} />
              <Field name="companyTaxId" label="Tax id" value={value('companyTaxId', current?.company?.taxId)} errors={errors} />
            </fieldset>
            <button type="submit">{current ? 'Save' : 'Become an affiliate'}</button>
          </Form>
        </>
      ),
      status,
    );
  };
  app.get('/affiliate', (c) => affiliatePage(c));
  app.post('/affiliate', async (c) => {
    const me = userOf(c).id;
    const form = await readForm(c);
    const parsed = parseForm(SignUp, form);
    if (!parsed.ok) return affiliatePage(c, parsed.errors, form, 400);
    const f = parsed.data;
    try {
      await affiliates.become(me, {
        firstName: f.firstName,
        lastName: f.lastName,
        country: f.country,
        ...(f.companyName && f.companyAddress && f.companyTaxId ? { company: { name: f.companyName, address: f.companyAddress, taxId: f.companyTaxId } } : {}),
      });
    } catch (err) {
      const r = refusalOf(err);
      const errors = Object.fromEntries(Object.entries(r.errors).map(([k, m]) => [k === 'company.taxId' ? 'companyTaxId' : k, m]));
      return affiliatePage(c, errors, form, r.status === 422 ? 422 : 400, Object.keys(errors).length ? undefined : r.message);
    }
    return redirect(c, '/affiliate', 'Saved. Share your affiliate link.');
  });
}
