/**
 * Account pages: sign up, confirm the email (and either step of an email change), sign in and
 * out, forgot password, settings (the time zone every page shows times in; the password, email
 * and login change on `/settings/account`, `account-settings.tsx`). Each form shows its
 * refusals beside the field they concern, with the API's status for the same refusal.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { clientAddress } from '../../api/client-address.js';
import { emailAddress } from '../../services/email-address.js';
import { accountRules } from '../../services/policy.js';
import { currentZoneName, timeZoneChoices } from '../../services/time-zones.js';
import { AppError } from '../../workflows/lib/errors.js';
import { DAY } from '../../workflows/lib/time.js';
import type { WebDeps, WebEnv } from '../context.js';
import { firstOf, checkbox, optionalText, parseForm, readForm, refusalOf, text, type FormData, type Refusal } from '../forms.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { endSession, startSession } from '../session.js';
import { affiliateVisitOf, forgetAffiliateVisit } from './affiliates.js';
import { forgetReferralCode, referralCodeOf } from './referrals.js';
import { Field, FieldError, Form, Select, type FieldErrors } from '../ui.js';

/** The form fields an account is made of, as registration bounds them (also the password, email and login changes', `account-settings.tsx`). */
export const login = z.string({ error: 'required' }).trim().regex(/^[A-Za-z0-9_]{3,32}$/, '3 to 32 letters a-z, digits or underscores');
export const email = z.string({ error: 'required' }).trim().pipe(emailAddress('enter an email address, such as alice@example.com'));
export const password = z
  .string({ error: 'required' })
  .min(accountRules.passwordMinLength, `at least ${accountRules.passwordMinLength} characters`)
  .max(accountRules.passwordMaxLength, `at most ${accountRules.passwordMaxLength} characters`);
const code = z.string({ error: 'required' }).trim().min(10, 'paste the code from the email').max(200, 'paste the code from the email');

const SignUp = z.object({ login, email, password });
const SignIn = z.object({ login: text(254), password: z.string({ error: 'required' }).min(1, 'required').max(200), next: z.string().optional() });
const Confirm = z.object({ code });
const Forgot = z.object({ email });
const Reset = z.object({ code, password });
const Activate = z.object({ token: code, password });
const Settings = z.object({
  displayName: optionalText(100),
  // The list's current names; an old name (a form kept from before) is saved as its current one.
  timeZone: z.string().refine((zone) => zone === 'UTC' || timeZoneChoices.includes(currentZoneName(zone)), 'choose a time zone from the list'),
  hideOnWeekends: checkbox,
});

/** Where to go after signing in: a path of ours only (never `//elsewhere` or a full URL). */
const safeNext = (next: string | undefined) => (next && /^\/(?!\/)[^\\\s]*$/.test(next) ? next : '/');

type Show = (c: WebContext, errors: FieldErrors, form: FormData, status?: Refusal['status'], error?: string) => Promise<Response>;

export function accountPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  for (const routes of [signUp, confirmEmail, signIn, signOut, forgotPassword, resetPassword, activateAccount, resendActivation, settings]) routes(app, deps);
  return app;
}

type Pages = Hono<WebEnv>;

function signUp(app: Pages, deps: WebDeps) {
  const { accounts } = deps.services;
  const secure = deps.secureCookies ?? false;
  const signUpPage: Show = (c, errors, form, status = 400, error) =>
    page(
      c,
      deps,
      'Sign up',
      (v) => (
        <Form action="/sign-up" csrf={v.csrf} error={error} label="sign up">
          <Field name="login" label="Login" value={firstOf(form.login)} errors={errors} autocomplete="username" hint="3 to 32 letters a-z, digits or underscores; it shows on your offers" />
          <Field name="email" label="Email" type="email" value={firstOf(form.email)} errors={errors} autocomplete="email" />
          <Field name="password" label="Password" type="password" errors={errors} autocomplete="new-password" hint={`at least ${accountRules.passwordMinLength} characters`} />
          <button type="submit">Create my account</button>
          <p>
            Have an account? <a href="/sign-in">Sign in</a>
          </p>
        </Form>
      ),
      Object.keys(errors).length || error ? status : 200,
    );
  app.get('/sign-up', (c) => signUpPage(c, {}, {}));
  app.post('/sign-up', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(SignUp, form);
    if (!parsed.ok) return signUpPage(c, parsed.errors, form);
    try {
      const user = await registerThroughLink(c, accounts, parsed.data);
      const session = await accounts.createSession(user.id);
      startSession(c, session.token, session.expiresAt, secure);
      return redirect(c, '/confirm-email', `Welcome, ${user.login}! We sent a confirmation code to ${user.email}.`);
    } catch (err) {
      const r = refusalOf(err);
      return signUpPage(c, r.errors, form, r.status, Object.keys(r.errors).length ? undefined : r.message);
    }
  });
}

/**
 * Registers, as the referral of the link this browser came through, if any (K-55). A code
 * that turned out unknown (a stale or edited cookie) does not stop the person: they register
 * without a referrer. The cookie goes once the account exists (a refused form keeps it for the retry).
 * An affiliate link's first-touch visit (W-23) goes along the same way; an unknown one links nothing.
 */
async function registerThroughLink(c: WebContext, accounts: WebDeps['services']['accounts'], form: z.infer<typeof SignUp>) {
  const affiliateVisit = affiliateVisitOf(c);
  const input = affiliateVisit === undefined ? form : { ...form, affiliateVisit };
  const referralCode = referralCodeOf(c);
  let user;
  if (referralCode === undefined) user = await accounts.register(input);
  else {
    try {
      user = await accounts.register({ ...input, referralCode });
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'unknown_referral_code')) throw err; // a refused form keeps the link
      forgetReferralCode(c);
      user = await accounts.register(input);
    }
    forgetReferralCode(c);
  }
  if (affiliateVisit !== undefined) forgetAffiliateVisit(c);
  return user;
}

function confirmEmail(app: Pages, deps: WebDeps) {
  const { accounts } = deps.services;
  const confirmPage: Show = (c, errors, form, status = 400, error) =>
    page(
      c,
      deps,
      'Confirm your email',
      (v) => (
        <Form action="/confirm-email" csrf={v.csrf} error={error} label="confirm email">
          <p>We emailed you a confirmation code. Paste it here.</p>
          <Field name="code" label="Confirmation code" value={firstOf(form.code) ?? c.req.query('code')} errors={errors} autocomplete="one-time-code" />
          <button type="submit">Confirm</button>
        </Form>
      ),
      Object.keys(errors).length || error ? status : 200,
    );
  app.get('/confirm-email', (c) => confirmPage(c, {}, {}));
  app.post('/confirm-email', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(Confirm, form);
    if (!parsed.ok) return confirmPage(c, parsed.errors, form);
    try {
      const done = await accounts.confirmEmail(parsed.data.code);
      return redirect(c, confirmedPage(c.var.user !== undefined, done.purpose), confirmedMessage(done));
    } catch (err) {
      const r = refusalOf(err);
      return confirmPage(c, { code: r.message }, form, r.status);
    }
  });
}

/** Where a used code leads: an email change's steps to the page it was asked on (signed in), a sign-up's to the home page; signed out, to sign in. */
const confirmedPage = (signedIn: boolean, purpose: 'confirm' | 'change_old' | 'change_new') => (!signedIn ? '/sign-in' : purpose === 'confirm' ? '/' : '/settings/account');

/**
 * What a used code did, in words: a sign-up's address confirmed; an email change's first step
 * (the current address agreed, K-66) sends the code to the new address, whose step changes the
 * email and starts D-10's locks.
 */
function confirmedMessage(done: { purpose: 'confirm' | 'change_old' | 'change_new'; email: string }): string {
  if (done.purpose === 'change_old') return `Your current address agreed to the change. We sent a code to ${done.email}: open the link in it to confirm that address, and your email changes.`;
  if (done.purpose === 'change_new') return `Your email is now ${done.email}. Your payout details are locked and withdrawals paused for ${accountRules.withdrawalLockMs / DAY} days (D-10).`;
  return `Your email ${done.email} is confirmed.`;
}

function signIn(app: Pages, deps: WebDeps) {
  const { accounts } = deps.services;
  const secure = deps.secureCookies ?? false;
  const signInPage: Show = (c, errors, form, status = 400, error) =>
    page(
      c,
      deps,
      'Sign in',
      (v) => (
        <Form action="/sign-in" csrf={v.csrf} error={error} label="sign in">
          <input type="hidden" name="next" value={firstOf(form.next) ?? c.req.query('next') ?? '/'} />
          <Field name="login" label="Login or email" value={firstOf(form.login)} errors={errors} autocomplete="username" />
          <Field name="password" label="Password" type="password" errors={errors} autocomplete="current-password" />
          <button type="submit">Sign in</button>
          <p>
            <a href="/forgot-password">Forgot your password?</a> · New here? <a href="/sign-up">Sign up</a> · Have a code from our email?{' '}
            <a href="/confirm-email">Confirm your email</a> · Ordered a job without an account? <a href="/activation/resend">Activate it</a>
          </p>
        </Form>
      ),
      Object.keys(errors).length || error ? status : 200,
    );
  app.get('/sign-in', (c) => signInPage(c, {}, {}));
  app.post('/sign-in', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(SignIn, form);
    // `next` is hidden: its refusal goes on top of the form.
    if (!parsed.ok) return signInPage(c, parsed.errors, form, 400, parsed.errors.next && 'The page to come back to is not valid: sign in from the page again.');
    try {
      const session = await accounts.login({ login: parsed.data.login, password: parsed.data.password, ip: clientAddress(c, 0) }, c.var.log);
      startSession(c, session.token, session.expiresAt, secure);
      return redirect(c, safeNext(parsed.data.next));
    } catch (err) {
      const r = refusalOf(err);
      if (r.retryAfterSeconds !== undefined) c.header('Retry-After', String(r.retryAfterSeconds));
      return signInPage(c, {}, form, r.status, r.message);
    }
  });
}

function signOut(app: Pages, deps: WebDeps) {
  const { accounts } = deps.services;
  const secure = deps.secureCookies ?? false;
  app.post('/sign-out', async (c) => {
    if (c.var.sessionToken) await accounts.logout(c.var.sessionToken);
    endSession(c, secure);
    return redirect(c, '/', 'You are signed out.');
  });
}

function forgotPassword(app: Pages, deps: WebDeps) {
  const { accounts } = deps.services;
  const forgotPage: Show = (c, errors, form, status = 400) =>
    page(
      c,
      deps,
      'Forgot your password?',
      (v) => (
        <Form action="/forgot-password" csrf={v.csrf} label="forgot password">
          <p>We will email a code to reset it.</p>
          <Field name="email" label="Email" type="email" value={firstOf(form.email)} errors={errors} autocomplete="email" />
          <button type="submit">Email me a code</button>
          <p>
            Have a code already? <a href="/reset-password">Choose a new password</a>
          </p>
        </Form>
      ),
      Object.keys(errors).length ? status : 200,
    );
  app.get('/forgot-password', (c) => forgotPage(c, {}, {}));
  app.post('/forgot-password', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(Forgot, form);
    if (!parsed.ok) return forgotPage(c, parsed.errors, form);
    await accounts.requestPasswordReset(parsed.data.email);
    return redirect(c, '/reset-password', 'If an account has this email, we sent it a code. It works once.');
  });
}

function resetPassword(app: Pages, deps: WebDeps) {
  const { accounts } = deps.services;
  const secure = deps.secureCookies ?? false;
  const resetPage: Show = (c, errors, form, status = 400) =>
    page(
      c,
      deps,
      'Choose a new password',
      (v) => (
        <Form action="/reset-password" csrf={v.csrf} label="reset password">
          <Field name="code" label="Code from the email" value={firstOf(form.code) ?? c.req.query('code')} errors={errors} autocomplete="one-time-code" />
          <Field name="password" label="New password" type="password" errors={errors} autocomplete="new-password" hint={`at least ${accountRules.passwordMinLength} characters`} />
          <button type="submit">Set the password</button>
        </Form>
      ),
      Object.keys(errors).length ? status : 200,
    );
  app.get('/reset-password', (c) => resetPage(c, {}, {}));
  app.post('/reset-password', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(Reset, form);
    if (!parsed.ok) return resetPage(c, parsed.errors, form);
    try {
      await accounts.resetPassword({ token: parsed.data.code, password: parsed.data.password });
    } catch (err) {
      const r = refusalOf(err);
      return resetPage(c, { code: r.message }, form, r.status);
    }
    endSession(c, secure);
    return redirect(c, '/sign-in', 'Your password is changed: sign in with it. Every other session was signed out.');
  });
}

/**
 * W-01: the page an activation mail links to (`/activate?token=…`): the owner of an account
 * created with a job chooses a password, which verifies the address too, and is signed in, then
 * lands on the Jobs tab with that job.
 */
function activateAccount(app: Pages, deps: WebDeps) {
  const { accounts } = deps.services;
  const secure = deps.secureCookies ?? false;
  const activatePage: Show = (c, errors, form, status = 400) =>
    page(
      c,
      deps,
      'Activate your account',
      (v) => (
        <Form action="/activate" csrf={v.csrf} label="activate account">
          <p>Choose the password of your new gigflow account: this also confirms your email address.</p>
          <Field name="token" label="Activation code from the email" value={firstOf(form.token) ?? c.req.query('token')} errors={errors} autocomplete="one-time-code" hint="the link in our email fills it in" />
          <Field name="password" label="Password" type="password" errors={errors} autocomplete="new-password" hint={`at least ${accountRules.passwordMinLength} characters`} />
          <button type="submit">Activate my account</button>
          <p>
            Link expired or used? <a href="/activation/resend">Email me a new link</a>
          </p>
        </Form>
      ),
      Object.keys(errors).length ? status : 200,
    );
  app.get('/activate', (c) => activatePage(c, {}, {}));
  app.post('/activate', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(Activate, form);
    if (!parsed.ok) return activatePage(c, parsed.errors, form);
    try {
      const session = await accounts.activate(parsed.data);
      startSession(c, session.token, session.expiresAt, secure);
      // W-01: such an account was made with a job, which now goes to the experts: the Jobs tab shows it.
      return redirect(c, '/jobs', `Welcome, ${session.user.login}! Your account is active and your email ${session.user.email} confirmed: your job now goes to our experts.`);
    } catch (err) {
      const r = refusalOf(err);
      return activatePage(c, { token: r.message }, form, r.status);
    }
  });
}

function resendActivation(app: Pages, deps: WebDeps) {
  const { accounts } = deps.services;
  const resendPage: Show = (c, errors, form, status = 400) =>
    page(
      c,
      deps,
      'A new activation link',
      (v) => (
        <Form action="/activation/resend" csrf={v.csrf} label="resend activation">
          <p>We will email a new link to activate the account created with your job.</p>
          <Field name="email" label="Email" type="email" value={firstOf(form.email)} errors={errors} autocomplete="email" />
          <button type="submit">Email me a new link</button>
          <p>
            Have a code from the email already? <a href="/activate">Activate your account</a>
          </p>
        </Form>
      ),
      Object.keys(errors).length ? status : 200,
    );
  app.get('/activation/resend', (c) => resendPage(c, {}, {}));
  app.post('/activation/resend', async (c) => {
    const form = await readForm(c);
    const parsed = parseForm(Forgot, form);
    if (!parsed.ok) return resendPage(c, parsed.errors, form);
    await accounts.resendActivation(parsed.data.email);
    return redirect(c, '/sign-in', 'If an account with this email waits for activation, we sent it a new link.');
  });
}

function settings(app: Pages, deps: WebDeps) {
  const { accounts } = deps.services;
  const settingsPage = async (c: WebContext, errors: FieldErrors, form: FormData | undefined, status: 200 | 400 | 422 = 200) => {
    const me = await accounts.me(userOf(c).id);
    const value = (name: string, fallback: string | null) => (form ? firstOf(form[name]) : fallback);
    return page(
      c,
      deps,
      'Settings',
      (v) => (
        <Form action="/settings" csrf={v.csrf} label="settings">
          <p class="muted">
            Signed in as <strong>{me.login}</strong> ({me.email}
            {me.emailConfirmed ? ', confirmed' : <>, not confirmed yet: <a href="/confirm-email">confirm it</a></>})
          </p>
          <Field name="displayName" label="Display name" value={value('displayName', me.displayName)} errors={errors} />
          <Select
            name="timeZone"
            label="Time zone for every time you see"
            value={value('timeZone', me.timeZone)}
            errors={errors}
            options={[['UTC', 'Your browser’s zone (or UTC)'], ...timeZoneChoices.filter((z) => z !== 'UTC').map((z): [string, string] => [z, z])]}
          />
          <p class="field">
            <label>
              <input
                type="checkbox"
                id="f-hideOnWeekends"
                name="hideOnWeekends"
                checked={form ? form.hideOnWeekends === 'on' : me.hideOnWeekends}
                aria-invalid={errors.hideOnWeekends ? 'true' : undefined}
                aria-describedby={errors.hideOnWeekends ? 'f-hideOnWeekends-error' : undefined}
              />{' '}
              Hide my offers on weekends (K-42)
            </label>
            <FieldError id="f-hideOnWeekends-error" error={errors.hideOnWeekends} />
          </p>
          <button type="submit">Save</button>
          <p>
            <a href="/settings/account">Password, email and login</a>: change your password, your email address, or your login (once only).
          </p>
          <p>
            <a href="/profile">Public profile</a>: what others see of you — level, stars, badges (K-36), your offers and portfolio.
          </p>
          <p>
            <a href="/referrals">Referral programme</a>: your link, your referrals and what they earned you.
          </p>
          <p>
            <a href="/settings/invoicing">Invoicing</a>: the name, country and company tax details your invoices are made out to, and your invoices.
          </p>
          <p>
            <a href="/affiliate">Affiliate programme</a>: your personal data, your affiliate link and who registered through it.
          </p>
          <p>
            <a href="/settings/notifications">Notification settings</a>: in the app, by email or both, and the categories of new requests you hear about.
          </p>
          <p>
            <a href="/settings/export" download>Download my data</a>: everything gigflow holds about you, as one JSON file (W-19).
          </p>
          <p>
            <a href="/settings/close-account">Close my account</a>: ask our staff to close it and erase your personal data (W-20).
          </p>
        </Form>
      ),
      status,
    );
  };
  app.get('/settings', (c) => settingsPage(c, {}, undefined));
  app.post('/settings', async (c) => {
    const user = userOf(c);
    const form = await readForm(c);
    const parsed = parseForm(Settings, form);
    if (!parsed.ok) return settingsPage(c, parsed.errors, form, 400);
    await accounts.updateProfile(user.id, { displayName: parsed.data.displayName ?? null, timeZone: parsed.data.timeZone, hideOnWeekends: parsed.data.hideOnWeekends });
    return redirect(c, '/settings', 'Saved.');
  });
}

