/**
 * Password, email and login (`/settings/account`, linked from Settings): three forms on one
 * page, each posting to its own address, each needing the current password as the API's
 * `POST /me/password-change`, `/me/email-change` and `/me/login-change` do. A refused form comes
 * back alone with its errors beside its fields and the API's status (400 for the form's own
 * checks, 401 for a wrong password, 409 for a login or email taken); a password is never shown
 * back. The page says in plain words what D-10 locks after an email or login change.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import type { Me, WithdrawalLock } from '../../services/accounts.js';
import { accountRules } from '../../services/policy.js';
import { DAY } from '../../workflows/lib/time.js';
import type { WebDeps, WebEnv } from '../context.js';
import { firstOf, parseForm, readForm, refusalOf, type Refusal, type ShownForm } from '../forms.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { Field, Form, Time, type FieldErrors, type Viewer } from '../ui.js';
import { email, login, password as newPassword } from './account.js';

const PAGE = '/settings/account';
const lockDays = accountRules.withdrawalLockMs / DAY;

/** The password a change is confirmed with: checked by the service, so only bounded here (as the API's). */
const currentPassword = z
  .string({ error: 'required' })
  .min(1, 'required')
  .max(accountRules.passwordMaxLength, `at most ${accountRules.passwordMaxLength} characters`);

const forms = {
  password: { schema: z.object({ currentPassword, newPassword }), passwordField: 'currentPassword' },
  email: { schema: z.object({ email, password: currentPassword }), passwordField: 'password' },
  login: { schema: z.object({ login, password: currentPassword }), passwordField: 'password' },
} as const;
type Which = keyof typeof forms;

type PendingEmailChange = Awaited<ReturnType<WebDeps['services']['accounts']['pendingEmailChange']>>;

/** What the refused form shows again: the fields as sent (never a password), its errors and its message. */
const sent = (shown: ShownForm, key: Which, field: string) => (shown.key === key ? firstOf(shown.form?.[field]) : undefined);
const errorsOf = (shown: ShownForm, key: Which): FieldErrors => (shown.key === key ? (shown.errors ?? {}) : {});
const messageOf = (shown: ShownForm, key: Which) => (shown.key === key ? shown.message : undefined);

/**
 * Where a refusal shows: a wrong password (401, which names no field in the API either) beside
 * the form's password field, "this is already your email" beside the email; the rest beside the
 * fields they name, else on top of the form.
 */
function errorsFor(key: Which, r: Refusal): FieldErrors {
  if (r.code === 'invalid_credentials') return { [forms[key].passwordField]: r.message };
  if (key === 'email' && r.code === 'conflict') return { email: r.message };
  return r.errors;
}

const PasswordForm: FC<{ v: Viewer; shown: ShownForm }> = ({ v, shown }) => (
  <section aria-labelledby="password-heading">
    <h2 id="password-heading">Change your password</h2>
    <Form action={`${PAGE}/password`} csrf={v.csrf} error={messageOf(shown, 'password')} id="password-form" label="change password">
      <Field name="currentPassword" label="Current password" type="password" errors={errorsOf(shown, 'password')} autocomplete="current-password" />
      <Field
        name="newPassword"
        label="New password"
        type="password"
        errors={errorsOf(shown, 'password')}
        autocomplete="new-password"
        hint={`at least ${accountRules.passwordMinLength} characters`}
      />
      <p class="muted">Every other place you are signed in is signed out; you stay signed in here. We email your address to say the password changed.</p>
      <button type="submit">Change my password</button>
    </Form>
  </section>
);

/** D-10 in plain words, beside the email and login forms, with the locks in force now. */
const LockNote: FC<{ locks: WithdrawalLock[]; zone?: string }> = ({ locks, zone }) => {
  const details = locks.find((l) => l.scope === 'payout_details');
  const paused = locks.find((l) => l.scope === 'withdrawals');
  return (
    <div class="notice" id="lock-note">
      <p>
        Changing your email or your login locks your payout details for {lockDays} days: nobody can add or change where your withdrawals go until then, so
        someone who took over your account cannot send your money elsewhere at once. Changing your email also pauses withdrawals for {lockDays} days. Paying
        for orders is never blocked (D-10).
      </p>
      {details ? (
        <p id="details-locked">
          Now: your payout details are locked until <Time at={details.endsAt} zone={zone} />.
        </p>
      ) : null}
      {paused ? (
        <p id="withdrawals-paused">
          Now: withdrawals are paused until <Time at={paused.endsAt} zone={zone} />.
        </p>
      ) : null}
    </div>
  );
};

const EmailForm: FC<{ v: Viewer; shown: ShownForm; me: Me; pending: PendingEmailChange }> = ({ v, shown, me, pending }) => (
  <section aria-labelledby="email-heading">
    <h2 id="email-heading">Change your email</h2>
    <p>
      Your email is <strong>{me.email}</strong>. To change it, your current address confirms first (we email it a link), then the new one does (K-66).
    </p>
    {pending ? (
      <p class="notice" id="email-pending">
        A change to <strong>{pending.newEmail}</strong> is waiting for {pending.waitingFor === 'current_email' ? `your current address, ${me.email}` : 'the new address'}: open
        the link we emailed there. Asking again replaces it.
      </p>
    ) : null}
    <Form action={`${PAGE}/email`} csrf={v.csrf} error={messageOf(shown, 'email')} id="email-form" label="change email">
      <Field name="email" label="New email address" type="email" value={sent(shown, 'email', 'email')} errors={errorsOf(shown, 'email')} autocomplete="email" />
      <Field id="f-email-password" name="password" label="Your password" type="password" errors={errorsOf(shown, 'email')} autocomplete="current-password" />
      <button type="submit">Change my email</button>
    </Form>
  </section>
);

/** K-67, D-10: once only; after that the page says so instead of offering the form. */
const LoginForm: FC<{ v: Viewer; shown: ShownForm; me: Me }> = ({ v, shown, me }) => (
  <section aria-labelledby="login-heading">
    <h2 id="login-heading">Change your login</h2>
    {me.canChangeLogin ? (
      <Form action={`${PAGE}/login`} csrf={v.csrf} error={messageOf(shown, 'login')} id="login-form" label="change login">
        <p>
          Your login is <strong>{me.login}</strong>. You can change it <strong>once only</strong> (K-67): choose carefully.
        </p>
        <Field
          name="login"
          label="New login"
          value={sent(shown, 'login', 'login')}
          errors={errorsOf(shown, 'login')}
          autocomplete="username"
          hint="3 to 32 letters a-z, digits or underscores; it shows on your offers"
        />
        <Field id="f-login-password" name="password" label="Your password" type="password" errors={errorsOf(shown, 'login')} autocomplete="current-password" />
        <button type="submit">Change my login</button>
      </Form>
    ) : (
      <>
        {messageOf(shown, 'login') ? (
          <p class="error form-error" role="alert">
            {messageOf(shown, 'login')}
          </p>
        ) : null}
        <p id="login-used">
          Your login is <strong>{me.login}</strong>. You changed it once already, and a login changes once only (K-67): it cannot change again.
        </p>
      </>
    )}
  </section>
);

export function accountSettingsPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { accounts } = deps.services;

  const show = async (c: WebContext, shown: ShownForm = {}) => {
    const { id } = userOf(c);
    const [me, pending, locks] = await Promise.all([accounts.me(id), accounts.pendingEmailChange(id), accounts.withdrawalLocks(id)]);
    return page(
      c,
      deps,
      'Password, email and login',
      (v) => (
        <>
          <p>
            <a href="/settings">Back to settings</a>
          </p>
          <PasswordForm v={v} shown={shown} />
          <LockNote locks={locks} zone={v.timeZone} />
          <EmailForm v={v} shown={shown} me={me} pending={pending} />
          <LoginForm v={v} shown={shown} me={me} />
        </>
      ),
      shown.status ?? 200,
    );
  };

  /** One form's post: checked, done (then back to the page with what happened), or shown again with its refusal. */
  const post = <K extends Which>(key: K, act: (c: WebContext, data: z.output<(typeof forms)[K]['schema']>) => Promise<string>) =>
    app.post(`${PAGE}/${key}`, async (c) => {
      userOf(c);
      const form = await readForm(c);
      const parsed = parseForm(forms[key].schema, form);
      if (!parsed.ok) return show(c, { key, form, errors: parsed.errors, status: 400 });
      let done: string;
      try {
        done = await act(c, parsed.data as z.output<(typeof forms)[K]['schema']>);
      } catch (err) {
        const r = refusalOf(err);
        // Too many wrong passwords: the API's 429 and its wait (`checkPassword`).
        if (r.retryAfterSeconds !== undefined) c.header('Retry-After', String(r.retryAfterSeconds));
        const errors = errorsFor(key, r);
        return show(c, { key, form, errors, status: r.status, message: Object.keys(errors).length ? undefined : r.message });
      }
      return redirect(c, PAGE, done);
    });

  app.get(PAGE, (c) => show(c));
  post('password', async (c, data) => {
    const { id } = userOf(c);
    await accounts.changePassword(id, c.var.sessionToken!, data);
    const me = await accounts.me(id);
    return `Your password is changed. Every other session of your account was signed out; this one stays. We emailed ${me.email} to say so.`;
  });
  post('email', async (c, data) => {
    const { id } = userOf(c);
    await accounts.requestEmailChange(id, data);
    const me = await accounts.me(id);
    return `We emailed a link to your current address, ${me.email}: open it to agree to the change. Then we email ${data.email} to confirm that address, and your email changes.`;
  });
  post('login', async (c, data) => {
    const me = await accounts.changeLogin(userOf(c).id, data);
    return `Your login is now ${me.login}; it cannot change again (K-67). Your payout details are locked for ${lockDays} days (D-10).`;
  });
  return app;
}
