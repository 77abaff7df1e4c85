/**
 * The affiliate programme and cookie consent in the web client (W-19, W-21…W-23, W-27, D-07).
 *
 * Consent (W-21): every page shows a notice until the browser answers it; the notice is a form
 * posting to `/cookie-consent` (`choice=accept|decline`), whose answer is kept in the `gf_cookies`
 * cookie for a year (`/cookie-consent` shows it again, to change it). Only the session and CSRF
 * cookies, which the site cannot work without, are set regardless.
 *
 * First touch (W-23): `/a/<code>` leads to the home page; it records a visit and sets the
 * `gf_aff` cookie naming it only when the browser accepted cookies, carries no `gf_aff` yet (a
 * later link never replaces the first) and nobody is signed in. A signed-out browser that has
 * not answered the notice yet gets a welcome page with it instead, whose "Accept" comes back to
 * the link, so the first touch is not lost to the notice. Sign-up hands the cookie's visit
 * to registration (and the Order a Job form to the account it creates), which links the new user
 * to the affiliate as `pending`.
 */
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { AffiliateClientJob, AffiliateCommissionItem, AffiliatePayoutItem, AffiliateWallet } from '../../services/affiliate-wallet.js';
import type { Affiliate, AffiliateReferral } from '../../services/affiliates.js';
import { emailAddress } from '../../services/email-address.js';
import { affiliatePayoutRules } from '../../workflows/affiliate-payout/policy.js';
import type { JobStatus } from '../../workflows/job/messages.js';
import { affiliateRules } from '../../workflows/lib/affiliate.js';
import type { WebDeps, WebEnv } from '../context.js';
import { checkbox, country, dollars, firstOf, optionalText, parseForm, readForm, refusalOf, text, type FormData } from '../forms.js';
import { CONSENT_COOKIE, cookieConsentOf, page, redirect, userOf, type WebContext } from '../page.js';
import { secure } from '../session.js';
import { ConsentForm, DataTable, Field, FieldError, Form, Money, money, Time, type FieldErrors } from '../ui.js';

const VISIT_COOKIE = 'gf_aff';

/** The first-touch visit this browser carries, if any (sign-up hands it to registration). */
export const affiliateVisitOf = (c: WebContext): string | undefined => getCookie(c, VISIT_COOKIE) || undefined;

/** Forgets the first-touch visit once it served a registration. */
export function forgetAffiliateVisit(c: WebContext): void {
  deleteCookie(c, VISIT_COOKIE, { path: '/' });
}

/** The notice's way back: a path of ours only (never `//host` or `/\\host`, which browsers read as another origin). */
const Consent = z.object({
  choice: z.enum(['accept', 'decline'], { error: 'choose accept or decline' }),
  next: z.string().max(2_000).regex(/^\/(?![/\\])/, 'a path on this site').optional(),
});

const SignUp = z
  .object({
    firstName: text(100),
    lastName: text(100),
    country,
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

/** W-28, W-30: where payouts go, and automatic payout. */
const PayoutSettingsForm = z.object({ paypalEmail: emailAddress('enter an email address'), autoPayout: checkbox });

/** W-28: a withdrawal from the wallet, in dollars (at least $1, D-04). */
const WithdrawalForm = z.object({ amount: dollars(affiliatePayoutRules.minimumCents, 100_000_000) });

const payoutStatusLabel = {
  held: 'Held for the next run',
  paying: 'Being paid by PayPal',
  paid: 'Paid',
  failed: 'Failed: the money is back in your wallet',
} as const;

const CommissionTable = ({ items, zone }: { items: AffiliateCommissionItem[]; zone?: string }) => (
  <DataTable id="affiliate-commissions" label="Commissions" caption="Your clients’ approved jobs and what each earned you, newest first" columns={['Client', 'Job value', 'Status', 'Level', 'Commission', 'Earned']}>
    {items.map((i) => (
      <tr>
        <td>{i.client}</td>
        <td><Money cents={i.jobCents} /></td>
        <td>{i.jobStatus === 'approved' ? 'Approved' : i.jobStatus}</td>
        <td>{`${i.level} (${i.bps / 100} %)`}</td>
        <td><Money cents={i.amountCents} /></td>
        <td><Time at={i.earnedAt} zone={zone} /></td>
      </tr>
    ))}
  </DataTable>
);

const PayoutTable = ({ items, zone }: { items: AffiliatePayoutItem[]; zone?: string }) => (
  <DataTable id="affiliate-payouts" label="Payouts" caption="Your payouts to PayPal, newest first" columns={['Amount', 'Kind', 'Set up', 'Paid on the run of', 'To', 'State']}>
    {items.map((p) => (
      <tr>
        <td><Money cents={p.amountCents} /></td>
        <td>{p.kind === 'automatic' ? 'Automatic' : 'Requested'}</td>
        <td><Time at={p.requestedAt} zone={zone} /></td>
        <td>{p.runDate}</td>
        <td>{p.paypalEmail}</td>
        <td>{payoutStatusLabel[p.status]}{p.failureReason ? ` (${p.failureReason})` : ''}</td>
      </tr>
    ))}
  </DataTable>
);

/** W-27…W-30: the wallet part of the affiliate page: balance, level, commissions, payouts and the payout forms. */
const WalletSection = ({
  wallet,
  commissions,
  payouts,
  csrf,
  zone,
  errors,
  form,
}: {
  wallet: AffiliateWallet;
  commissions: AffiliateCommissionItem[];
  payouts: AffiliatePayoutItem[];
  csrf: string;
  zone?: string;
  errors: FieldErrors;
  form: FormData;
}) => (
  <>
    <h2>Wallet</h2>
    <p id="affiliate-wallet">
      Balance: <Money cents={wallet.balanceCents} />. {wallet.approvedJobs} approved job(s) of your clients; your next job earns at level {wallet.level} ({wallet.levelBps / 100} %).
    </p>
    <p>
      Payouts go to PayPal only, no fee, at least {money(wallet.minimumWithdrawalCents)}. They are paid on the 10th of each month: a withdrawal set up now is paid on{' '}
      {wallet.nextRun.runDate} (set up by <Time at={wallet.nextRun.cutoffAt} zone={zone} />, the end of the month at 23:59:59 UTC+1).
    </p>
    <h3>Commissions</h3>
    {commissions.length === 0 ? <p>No commission yet: you earn one when a client of yours has a job approved.</p> : <CommissionTable items={commissions} zone={zone} />}
    <h3>Payouts</h3>
    {payouts.length === 0 ? <p>No payout yet.</p> : <PayoutTable items={payouts} zone={zone} />}
    <h3>Where payouts go</h3>
    <Form action="/affiliate/payout-settings" csrf={csrf} label="affiliate payout settings">
      <Field name="paypalEmail" label="PayPal email" type="email" value={firstOf(form.paypalEmail) ?? wallet.settings?.paypalEmail} errors={errors} autocomplete="email" />
      <p class="field">
        <label>
          <input
            type="checkbox"
            id="f-autoPayout"
            name="autoPayout"
            checked={form.paypalEmail !== undefined ? firstOf(form.autoPayout) === 'on' : (wallet.settings?.autoPayout ?? false)}
            aria-invalid={errors.autoPayout ? 'true' : undefined}
            aria-describedby={errors.autoPayout ? 'f-autoPayout-error' : undefined}
          />{' '}
          Automatic payout: on the 10th, pay out what I earned in the previous month without a request
        </label>
        <FieldError id="f-autoPayout-error" error={errors.autoPayout} />
      </p>
      <button type="submit">Save payout settings</button>
    </Form>
    {wallet.settings ? (
      <>
        <h3>Withdraw</h3>
        <Form action="/affiliate/withdrawals" csrf={csrf} label="affiliate withdrawal">
          <Field name="amount" label="Amount in dollars" value={firstOf(form.amount)} errors={errors} hint={`at least ${money(wallet.minimumWithdrawalCents)}; held from your wallet at once`} />
          <button type="submit">Withdraw to PayPal</button>
        </Form>
      </>
    ) : null}
  </>
);

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

/** A job's status as the client's affiliate reads it (the job page's labels speak to the client). */
const jobStateLabel: Record<JobStatus, string> = {
  awaiting_verification: 'Waiting for the client’s email verification',
  open: 'Waiting for an expert',
  estimating: 'Being estimated',
  estimated: 'Estimated, not paid yet',
  in_progress: 'Paid, in progress',
  delivered: 'Delivered, waiting for approval',
  cancellation_requested: 'Cancellation requested',
  approved: 'Approved',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

/** W-27, W-19: every job the clients ordered: the login in part, the value, the status, the commission. */
const ClientJobs = ({ items, zone }: { items: AffiliateClientJob[]; zone?: string }) => (
  <>
    <h2>Jobs of your clients</h2>
    {items.length === 0 ? <p>Your clients have not ordered a job yet.</p> : <ClientJobTable items={items} zone={zone} />}
  </>
);

const ClientJobTable = ({ items, zone }: { items: AffiliateClientJob[]; zone?: string }) => (
  <DataTable id="affiliate-client-jobs" label="Jobs of your clients" caption="Jobs your clients ordered, newest first" columns={['Job', 'Client', 'Ordered', 'Value', 'Status', 'Your commission']}>
    {items.map((j) => (
      <tr>
        <td>#{j.jobId}</td>
        <td>{j.client}</td>
        <td><Time at={j.orderedAt} zone={zone} /></td>
        <td>{j.valueCents === null ? 'Not estimated yet' : <Money cents={j.valueCents} />}</td>
        <td>{jobStateLabel[j.status]}</td>
        <td>{j.commissionCents === null ? '—' : <Money cents={j.commissionCents} />}</td>
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

/** W-21, W-23: what a visitor through a link sees before answering the cookie notice. */
const linkLanding = (c: WebContext, deps: WebDeps) =>
  page(c, deps, 'Welcome to gigflow', () => (
    <>
      <p>A partner of ours sent you here. If you accept cookies below, we remember that you came through their link (for 3 months); decline, and nothing optional is stored.</p>
      <p>
        <a href="/jobs/new">Order a job</a> from our experts, or <a href="/search">browse services</a>.
      </p>
    </>
  ));

/** W-23: `/a/<code>`. */
function firstTouch(app: Pages, deps: WebDeps) {
  const { affiliates } = deps.services;
  app.get('/a/:code', async (c) => {
    // Unanswered, the link itself shows the notice, which comes back here: accepting then records the visit (a redirect home would lose it).
    if (cookieConsentOf(c) === undefined && !c.var.user) return linkLanding(c, deps);
    if (cookieConsentOf(c) === 'accepted' && !affiliateVisitOf(c) && !c.var.user) {
      const token = await affiliates.recordVisit(c.req.param('code'));
      if (token) setCookie(c, VISIT_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'Lax', secure: secure(c, deps.secureCookies ?? false), maxAge: affiliateRules.visitCookieMaxAgeSeconds });
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
    setCookie(c, CONSENT_COOKIE, accepted ? 'accepted' : 'declined', { path: '/', httpOnly: true, sameSite: 'Lax', secure: secure(c, deps.secureCookies ?? false), maxAge: affiliateRules.consentCookieMaxAgeSeconds });
    // Declining withdraws consent given before: the first-touch cookie goes too.
    if (!accepted) forgetAffiliateVisit(c);
    return redirect(c, parsed.data.next ?? '/', accepted ? 'Cookies accepted.' : 'Cookies declined: nothing optional is stored.');
  });
}

/** W-22, W-27: becoming an affiliate, the link and the registered users. */
function programme(app: Pages, deps: WebDeps) {
  const { affiliates, affiliateWallet } = deps.services;
  const affiliatePage: AffiliatePage = async (c: WebContext, errors: FieldErrors = {}, form: FormData = {}, status: 200 | 400 | 404 | 422 = 200, error?: string) => {
    const me = userOf(c).id;
    const current: Affiliate | undefined = await affiliates.get(me).catch((err: unknown) => {
      if (refusalOf(err).status === 404) return undefined;
      throw err;
    });
    const items = current ? await affiliates.referrals(me) : [];
    const clientJobs = current ? await affiliateWallet.clientJobs(me) : [];
    const wallet: AffiliateWallet | undefined = current ? await affiliateWallet.wallet(me) : undefined;
    const commissions = current ? await affiliateWallet.commissions(me) : [];
    const payouts = current ? await affiliateWallet.payouts(me) : [];
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
              <ClientJobs items={clientJobs} zone={v.timeZone} />
              {wallet ? <WalletSection wallet={wallet} commissions={commissions} payouts={payouts} csrf={v.csrf} zone={v.timeZone} errors={errors} form={form} /> : null}
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
      const { errors, status, message } = refusalOf(err, { 'company.taxId': 'companyTaxId' });
      return affiliatePage(c, errors, form, status === 422 ? 422 : 400, Object.keys(errors).length ? undefined : message);
    }
    return redirect(c, '/affiliate', 'Saved. Share your affiliate link.');
  });
  walletForms(app, affiliatePage, deps);
}

/** The affiliate page, re-rendered with a form's errors and what was typed. */
type AffiliatePage = (c: WebContext, errors?: FieldErrors, form?: FormData, status?: 200 | 400 | 404 | 422, error?: string) => Promise<Response>;

/** W-28, W-30: the wallet's forms: where payouts go, and a withdrawal. */
function walletForms(app: Pages, affiliatePage: AffiliatePage, deps: WebDeps) {
  const { affiliateWallet } = deps.services;
  app.post('/affiliate/payout-settings', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(PayoutSettingsForm, form);
    if (!parsed.ok) return affiliatePage(c, parsed.errors, form, 400);
    try {
      await affiliateWallet.setSettings(userOf(c).id, parsed.data);
    } catch (err) {
      const r = refusalOf(err);
      return affiliatePage(c, r.errors, form, r.status === 404 || r.status === 422 ? r.status : 400, r.message);
    }
    return redirect(c, '/affiliate', 'Payout settings saved.');
  });
  app.post('/affiliate/withdrawals', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(WithdrawalForm, form);
    if (!parsed.ok) return affiliatePage(c, parsed.errors, form, 400);
    try {
      const payout = await affiliateWallet.withdraw(userOf(c).id, parsed.data.amount);
      return redirect(c, '/affiliate', `${money(payout.amountCents)} is held for PayPal and will be paid on ${payout.runDate}.`);
    } catch (err) {
      // The API's field names the amount in cents; the form's is in dollars.
      const r = refusalOf(err, { amountCents: 'amount' });
      if (r.status === 404) return affiliatePage(c, {}, form, 404, r.message);
      return affiliatePage(c, Object.keys(r.errors).length ? r.errors : { amount: r.message }, form, r.status === 422 ? 422 : 400);
    }
  });
}
