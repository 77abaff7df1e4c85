/**
 * Accounts in a real browser: sign up, confirm the email with the mailed code, sign out and in,
 * a forgotten password reset by mail; on `/settings/account`, the password, email and login
 * changes (D-10, K-66, K-67); each refusal shown beside its field with the API's status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, signIn, signUp } from '../support/api.js';
import { assertAccessible, codeIn, newPerson, openBrowser, screenshot, signInAs, startWebStack, textOf, visit, type WebStack } from '../support/browser.js';
import { uniqueId } from '../support/harness.js';

/** Presses the form's button and answers the status of the page that came back (a 303 for a change done). */
async function send(page: Page, form: string, button: string): Promise<number> {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/settings/account/')),
    page.locator(form).getByRole('button', { name: button }).click(),
  ]);
  return res.status();
}

describe('accounts in the browser', () => {
  let stack: WebStack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-account' }), openBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs up, confirms the email with the mailed code, signs out and back in; a reset code sets a new password', async () => {
    const { context, page } = await newPerson(browser, stack);
    const login = uniqueId('ann').replace(/-/g, '_');
    const email = `${login}@example.com`;
    await visit(page, '/sign-up', 'sign-up page');

    // Refusals show beside their fields, and nothing is created.
    await page.getByLabel('Login').fill('a!');
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create my account' }).click();
    assert.match(await textOf(page, '#f-login-error'), /3 to 32 letters/);
    assert.match(await textOf(page, '#f-email-error'), /Enter an email address/);
    assert.match(await textOf(page, '#f-password-error'), /At least 10 characters/);
    await assertAccessible(page, 'sign-up page with errors');
    assert.equal((await stack.services.devMail(email)).length, 0);

    await page.getByLabel('Login').fill(login);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.waitForURL('**/confirm-email');
    assert.match(await textOf(page, '.flash'), new RegExp(`Welcome, ${login}`));
    const mail = await stack.mailTo(email, /Confirm your email/);
    assert.ok(mail.body.includes(`${stack.url}/confirm-email?code=${codeIn(mail.body)}`), 'the mail links to the page with its code');
    await page.getByLabel('Confirmation code').fill('gfe_wrong_code_123');
    await page.getByRole('button', { name: 'Confirm' }).click();
    assert.match(await textOf(page, '#f-code-error'), /unknown, used or expired/);
    await page.getByLabel('Confirmation code').fill(codeIn(mail.body));
    await page.getByRole('button', { name: 'Confirm' }).click();
    assert.match(await textOf(page, '.flash'), /is confirmed/);
    await screenshot(page, 'account', 'confirmed');

    await page.getByRole('button', { name: 'Sign out' }).click();
    assert.match(await textOf(page, '.flash'), /signed out/);
    await page.goto('/settings');
    await page.waitForURL('**/sign-in?next=%2Fsettings');
    await page.getByLabel('Login or email').fill(login);
    await page.getByLabel('Password').fill('wrong password!!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await textOf(page, '.form-error'), /wrong login or password/i);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/settings');
    assert.match(await textOf(page, 'main'), /confirmed/);
    await assertAccessible(page, 'settings');

    // Forgot password: a code by mail sets a new one and signs every session out.
    const other = await newPerson(browser, stack);
    await visit(other.page, '/forgot-password');
    await other.page.getByLabel('Email').fill(email);
    await other.page.getByRole('button', { name: 'Email me a code' }).click();
    const reset = await stack.mailTo(email, /Reset your gigflow password/);
    // The mail links to the reset page with its code filled in (and gives the code to paste).
    const link = reset.body.match(/https?:\/\/\S+/)?.[0];
    assert.equal(link, `${stack.url}/reset-password?code=${codeIn(reset.body)}`);
    await other.page.goto(link);
    assert.equal(await other.page.getByLabel('Code from the email').inputValue(), codeIn(reset.body));
    await other.page.getByLabel('New password').fill('a brand new passphrase');
    await other.page.getByRole('button', { name: 'Set the password' }).click();
    await other.page.waitForURL('**/sign-in');
    await other.page.getByLabel('Login or email').fill(email);
    await other.page.getByLabel('Password').fill('a brand new passphrase');
    await other.page.getByRole('button', { name: 'Sign in' }).click();
    await other.page.waitForURL((url) => url.pathname === '/');
    // The first browser's session ended with the reset.
    await page.goto('/settings');
    await page.waitForURL('**/sign-in?next=%2Fsettings');
    await context.close();
    await other.context.close();
  });

  it('offers time zones by their current names and shows every time in the saved one, without JavaScript too', async () => {
    const user = await signUp(stack.api, 'zoned');
    // A profile saved under an old name before this list (Node's ICU lists `Asia/Calcutta`) reads as its current name.
    await stack.db.sql`update users set time_zone = 'Asia/Calcutta' where id = ${user.id}`;
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, user);
    await visit(page, '/settings');
    const zone = page.getByLabel('Time zone for every time you see');
    assert.equal(await zone.inputValue(), 'Asia/Kolkata');
    const offered = await zone.locator('option').evaluateAll((options) => options.map((o) => o.getAttribute('value') ?? ''));
    for (const current of ['Asia/Kolkata', 'Europe/Kyiv', 'America/Argentina/Buenos_Aires', 'Asia/Ho_Chi_Minh', 'Asia/Kathmandu']) assert.ok(offered.includes(current), current);
    for (const old of ['Asia/Calcutta', 'Europe/Kiev', 'America/Buenos_Aires', 'Asia/Saigon', 'Asia/Katmandu']) assert.ok(!offered.includes(old), old);
    await zone.selectOption('Europe/Kyiv');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/settings');
    assert.equal(await page.getByLabel('Time zone for every time you see').inputValue(), 'Europe/Kyiv');
    assert.equal((await stack.services.accounts.me(user.id)).timeZone, 'Europe/Kyiv');
    await page.getByLabel('Time zone for every time you see').selectOption('Asia/Tokyo');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/settings');
    await context.close();

    // A notification gigflow wrote, with its ISO stamp, as the order workflow stores it.
    const text = 'The work is delivered. Accept it or ask for a revision by 2026-12-09T14:51:46.802Z, else it is accepted automatically.';
    await stack.db.sql`insert into notifications (user_id, kind, text, dedupe_key, created_at) values (${user.id}, 'delivered', ${text}, ${`zoned:${user.id}`}, '2026-12-06T14:47:00Z')`;
    // The browser's zone is Berlin: the saved zone wins, with and without the page script.
    for (const javaScript of [false, true]) {
      const reader = await newPerson(browser, stack, { javaScript });
      await signInAs(reader.context, stack, user);
      // axe-core needs the page's JavaScript: the page without it is only read.
      if (javaScript) await visit(reader.page, '/notifications', 'notifications in Tokyo time');
      else await reader.page.goto('/notifications');
      const shown = await textOf(reader.page, '#notifications');
      assert.match(shown, /6 Dec 2026, 23:47 GMT\+9/, `the notice's own time, JavaScript ${javaScript}`);
      assert.match(shown, /Accept it or ask for a revision by 9 Dec 2026, 23:51 GMT\+9, else it is accepted automatically/, `JavaScript ${javaScript}`);
      assert.doesNotMatch(shown, /2026-12-09T/);
      await reader.context.close();
    }
  });

  it('keeps a signed-in page out of every cache: Back after signing out shows no balance', async () => {
    const user = await signUp(stack.api, 'backer');
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, user);
    const balance = await page.goto('/balance');
    assert.equal(balance?.headers()['cache-control'], 'private, no-store');
    assert.match(await textOf(page, 'header'), /Sign out/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    assert.match(await textOf(page, '.flash'), /signed out/);
    await page.goBack();
    // The browser asks again: the balance is behind the sign-in now, the header a visitor's.
    await page.waitForURL('**/sign-in?next=%2Fbalance');
    assert.doesNotMatch(await textOf(page, 'header'), /Sign out/);
    assert.notEqual(await textOf(page, 'h1'), 'Balance');
    // A visitor's page stays cacheable; the JSON API's answers to a token are no-store too.
    const visitor = await page.request.get('/');
    assert.doesNotMatch(visitor.headers()['cache-control'] ?? '', /no-store/);
    const other = await signUp(stack.api, 'backer');
    const me = await stack.api('GET', '/me', { token: other.token });
    assert.equal(me.status, 200);
    assert.equal(me.headers.get('cache-control'), 'private, no-store');
    assert.doesNotMatch((await stack.api('GET', '/health')).headers.get('cache-control') ?? '', /no-store/);
    await context.close();
  });

  it('has an icon: every page links the SVG, and /favicon.ico leads to it', async () => {
    const { context, page } = await newPerson(browser, stack);
    await page.goto('/');
    assert.equal(await page.locator('head link[rel="icon"]').getAttribute('href'), '/assets/favicon.svg');
    const icon = await page.request.get('/favicon.ico');
    assert.equal(icon.status(), 200);
    assert.equal(icon.url(), `${stack.url}/assets/favicon.svg`);
    assert.equal(icon.headers()['content-type'], 'image/svg+xml');
    await context.close();
  });

  it('routes a kind of notification to email only and picks request categories on the notification settings page (K-70, K-45)', async () => {
    const user = await signUp(stack.api, 'routed');
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, user);
    await visit(page, '/settings');
    await page.getByRole('link', { name: 'Notification settings' }).click();
    await page.waitForURL('**/settings/notifications');
    await assertAccessible(page, 'notification settings');
    // K-70: a new order reaches the seller in the app and by email until they choose otherwise.
    assert.equal(await page.getByLabel('A new order for your offer').inputValue(), 'both');
    assert.equal(await page.getByLabel('An order is late').inputValue(), 'in_app');

    await page.getByLabel('A new order for your offer').selectOption('email');
    const [category] = await stack.services.notificationSettings.pickableCategories();
    await page.getByLabel(category!.name, { exact: true }).first().check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/settings/notifications');
    assert.match(await textOf(page, '.flash'), /Saved/);
    assert.equal(await page.getByLabel('A new order for your offer').inputValue(), 'email');
    const saved = await stack.services.notificationSettings.get(user.id);
    assert.deepEqual(
      saved.kinds.filter((k) => k.kind === 'order_placed' || k.kind === 'late').map((k) => [k.kind, k.inApp, k.email]),
      [['order_placed', false, true], ['late', true, false]],
    );
    assert.deepEqual(saved.requestCategories.map((c) => c.id), [category!.id]);
    await context.close();
  });

  it('changes the password on the settings’ account page: a wrong current password and a short new one are refused beside them; then every other session ends, this one stays, and a mail says so', async () => {
    const user = await signUp(stack.api, 'pwd');
    const elsewhere = await newPerson(browser, stack);
    await signInAs(elsewhere.context, stack, await signIn(stack.api, user));
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, user);
    await visit(page, '/settings');
    await page.getByRole('link', { name: 'Password, email and login' }).click();
    await page.waitForURL('**/settings/account');
    await assertAccessible(page, 'password, email and login');
    const form = page.locator('#password-form');
    const [before] = await stack.db.sql<{ password_hash: string }[]>`select password_hash from users where id = ${user.id}`;

    // The API's refusal of a wrong password (401), beside the field; nothing changes.
    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password').fill('a brand new passphrase');
    assert.equal(await send(page, '#password-form', 'Change my password'), 401);
    assert.match(await textOf(page, '#f-currentPassword-error'), /The password is wrong/);
    assert.equal(await page.locator('#password-form').getByLabel('Current password').inputValue(), '', 'a password is never shown back');
    await assertAccessible(page, 'password change refused');
    await page.locator('#password-form').getByLabel('Current password').fill(PASSWORD);
    await page.locator('#password-form').getByLabel('New password').fill('too short');
    assert.equal(await send(page, '#password-form', 'Change my password'), 400);
    assert.match(await textOf(page, '#f-newPassword-error'), /At least 10 characters/);
    const [unchanged] = await stack.db.sql<{ password_hash: string }[]>`select password_hash from users where id = ${user.id}`;
    assert.equal(unchanged!.password_hash, before!.password_hash);
    assert.equal((await stack.services.devMail(user.email)).filter((m) => m.kind === 'password_changed').length, 0);

    await page.locator('#password-form').getByLabel('Current password').fill(PASSWORD);
    await page.locator('#password-form').getByLabel('New password').fill('a brand new passphrase');
    assert.equal(await send(page, '#password-form', 'Change my password'), 303);
    assert.match(await textOf(page, '.flash'), new RegExp(`Your password is changed. Every other session of your account was signed out; this one stays. We emailed ${user.email}`));
    await screenshot(page, 'account', 'password-changed');
    const mail = await stack.mailTo(user.email, /Your gigflow password was changed/);
    assert.ok(mail.body.includes(`${stack.url}/forgot-password`), 'the mail says how to take the account back');
    // This browser stays signed in; the other one is signed out.
    await visit(page, '/settings');
    await elsewhere.page.goto('/settings');
    await elsewhere.page.waitForURL('**/sign-in?next=%2Fsettings');
    await elsewhere.page.getByLabel('Login or email').fill(user.login);
    await elsewhere.page.getByLabel('Password').fill(PASSWORD);
    await elsewhere.page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await textOf(elsewhere.page, '.form-error'), /wrong login or password/i);
    await elsewhere.page.getByLabel('Password').fill('a brand new passphrase');
    await elsewhere.page.getByRole('button', { name: 'Sign in' }).click();
    await elsewhere.page.waitForURL('**/settings');
    await context.close();
    await elsewhere.context.close();
  });

  it('changes the email: the current address confirms by its mailed link, then the new one; a wrong password is refused beside it; the locks are said (K-66, D-10)', async () => {
    const user = await signUp(stack.api, 'mover');
    const newEmail = `${user.login}@new.example.com`;
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, user);
    await visit(page, '/settings/account');
    assert.match(await textOf(page, '#lock-note'), /Changing your email or your login locks your payout details for 7 days/);
    assert.match(await textOf(page, '#lock-note'), /Changing your email also pauses withdrawals for 7 days. Paying for orders is never blocked/);
    const form = page.locator('#email-form');
    await form.getByLabel('New email address').fill(newEmail);
    await form.getByLabel('Your password').fill('not my password');
    assert.equal(await send(page, '#email-form', 'Change my email'), 401);
    assert.match(await textOf(page, '#f-email-password-error'), /The password is wrong/);
    assert.equal(await page.locator('#email-form').getByLabel('New email address').inputValue(), newEmail, 'the address as typed');
    assert.equal((await stack.services.devMail(user.email)).filter((m) => m.kind === 'email_change_old').length, 0, 'nothing sent');

    await page.locator('#email-form').getByLabel('Your password').fill(PASSWORD);
    assert.equal(await send(page, '#email-form', 'Change my email'), 303);
    assert.match(await textOf(page, '.flash'), new RegExp(`We emailed a link to your current address, ${user.email}`));
    assert.match(await textOf(page, '#email-pending'), new RegExp(`A change to ${newEmail} is waiting for your current address`));

    // Step 1: the link in the mail to the current address opens the confirmation page with its code.
    const toOld = await stack.mailTo(user.email, /Confirm the change of your gigflow email/);
    const oldLink = toOld.body.match(/https?:\/\/\S+/)?.[0];
    assert.equal(oldLink, `${stack.url}/confirm-email?code=${codeIn(toOld.body)}`);
    await page.goto(oldLink);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL('**/settings/account');
    assert.match(await textOf(page, '.flash'), new RegExp(`Your current address agreed to the change. We sent a code to ${newEmail}`));
    assert.match(await textOf(page, '#email-pending'), /is waiting for the new address/);
    assert.equal((await stack.services.accounts.me(user.id)).email, user.email, 'unchanged until the new address confirms');

    // Step 2: the new address's link, opened signed out (another device), changes the email.
    const toNew = await stack.mailTo(newEmail, /Confirm your new email address/);
    const newLink = toNew.body.match(/https?:\/\/\S+/)?.[0];
    assert.equal(newLink, `${stack.url}/confirm-email?code=${codeIn(toNew.body)}`);
    const device = await newPerson(browser, stack);
    await device.page.goto(newLink);
    await device.page.getByRole('button', { name: 'Confirm' }).click();
    await device.page.waitForURL('**/sign-in');
    assert.match(await textOf(device.page, '.flash'), new RegExp(`Your email is now ${newEmail}. Your payout details are locked and withdrawals paused for 7 days`));
    await device.context.close();
    assert.equal((await stack.services.accounts.me(user.id)).email, newEmail);
    await visit(page, '/settings/account', 'account page with the locks');
    assert.match(await textOf(page, '#email-heading + p'), new RegExp(`Your email is ${newEmail}`));
    assert.equal(await page.locator('#email-pending').count(), 0);
    assert.match(await textOf(page, '#details-locked'), /your payout details are locked until/);
    assert.match(await textOf(page, '#withdrawals-paused'), /withdrawals are paused until/);
    await context.close();
  });

  it('changes the login once only: a login taken is refused beside it; once changed, the page says so instead of the form (K-67, D-10)', async () => {
    const user = await signUp(stack.api, 'renamer');
    const other = await signUp(stack.api, 'taken');
    const { context, page } = await newPerson(browser, stack);
    await signInAs(context, stack, user);
    await visit(page, '/settings/account');
    const form = page.locator('#login-form');
    assert.match(await textOf(page, '#login-form'), /You can change it once only \(K-67\)/);
    await form.getByLabel('New login').fill(other.login.toUpperCase());
    await form.getByLabel('Your password').fill(PASSWORD);
    assert.equal(await send(page, '#login-form', 'Change my login'), 409);
    assert.match(await textOf(page, '#f-login-error'), /This login is taken/);
    assert.equal((await stack.services.accounts.me(user.id)).login, user.login);
    assert.deepEqual(await stack.services.accounts.withdrawalLocks(user.id), []);

    const renamed = `re_${user.login}`.slice(0, 32);
    await page.locator('#login-form').getByLabel('New login').fill(renamed);
    await page.locator('#login-form').getByLabel('Your password').fill(PASSWORD);
    assert.equal(await send(page, '#login-form', 'Change my login'), 303);
    assert.match(await textOf(page, '.flash'), new RegExp(`Your login is now ${renamed}; it cannot change again \\(K-67\\). Your payout details are locked for 7 days`));
    assert.equal(await page.locator('#login-form').count(), 0, 'no second change offered');
    assert.match(await textOf(page, '#login-used'), new RegExp(`Your login is ${renamed}. You changed it once already`));
    assert.match(await textOf(page, '#details-locked'), /your payout details are locked until/);
    assert.equal(await page.locator('#withdrawals-paused').count(), 0, 'a login change pauses no withdrawal');
    await assertAccessible(page, 'login changed');
    assert.equal((await stack.services.accounts.me(user.id)).login, renamed);
    await context.close();
  });
});
