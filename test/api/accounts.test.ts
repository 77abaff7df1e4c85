import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { accountRules } from '../../services/policy.js';
import { callerFor, codeMailedTo, grantAdminByCli as runGrantAdmin, manualClock, PASSWORD, signUp, type Caller } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';


describe('accounts', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  const clock = manualClock();

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock }));
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  /** Makes `login` an admin the way the first admin is made: the CLI. */
  function grantAdminByCli(login: string) {
    const out = runGrantAdmin(database.url, login);
    assert.equal(out.status, 0, out.stderr);
    return out.stdout;
  }

  describe('registration', () => {
    it('creates an account with a lower-cased login, never returning the password', async () => {
      const res = await call('POST', '/auth/register', { body: { login: 'Alice_Design', email: 'Alice@Example.com', password: PASSWORD } });
      assert.equal(res.status, 201);
      assert.equal(res.body.login, 'alice_design');
      assert.equal(res.body.email, 'alice@example.com');
      assert.equal(res.body.emailConfirmed, false);
      assert.ok(!JSON.stringify(res.body).includes(PASSWORD));
      assert.ok(!('passwordHash' in res.body));
      const [row] = await database.db.sql`select password_hash from users where login = 'alice_design'`;
      assert.match(row!.password_hash, /^\$argon2id\$/);
    });

    it('refuses a login or email already taken, whatever its case, with 409', async () => {
      const login = await call('POST', '/auth/register', { body: { login: 'ALICE_design', email: 'other@example.com', password: PASSWORD } });
      assert.equal(login.status, 409);
      assert.equal(login.body.error.code, 'login_taken');
      const email = await call('POST', '/auth/register', { body: { login: 'alice2', email: 'ALICE@example.com', password: PASSWORD } });
      assert.equal(email.status, 409);
      assert.equal(email.body.error.code, 'email_taken');
    });

    for (const [what, body, path] of [
      ['a login of 2 characters', { login: 'ab', email: 'a@example.com', password: PASSWORD }, 'body.login'],
      ['a login of 33 characters', { login: 'a'.repeat(33), email: 'a@example.com', password: PASSWORD }, 'body.login'],
      ['a login with a dash', { login: 'bad-login', email: 'a@example.com', password: PASSWORD }, 'body.login'],
      ['a malformed email', { login: 'bob_1', email: 'not-an-email', password: PASSWORD }, 'body.email'],
      ['a password under the minimum length', { login: 'bob_1', email: 'b@example.com', password: 'x'.repeat(accountRules.passwordMinLength - 1) }, 'body.password'],
      ['an unknown field', { login: 'bob_1', email: 'b@example.com', password: PASSWORD, isAdmin: true }, 'body.isAdmin'],
      ['a number for the login', { login: 12345, email: 'b@example.com', password: PASSWORD }, 'body.login'],
    ] as const) {
      it(`answers ${what} with 400 naming ${path}, creating nothing`, async () => {
        const res = await call('POST', '/auth/register', { body });
        assert.equal(res.status, 400);
        assert.ok(res.body.error.details.fields.some((f: { path: string }) => f.path === path), JSON.stringify(res.body));
        const [row] = await database.db.sql`select count(*)::int as n from users where login = 'bob_1'`;
        assert.equal(row!.n, 0);
      });
    }

    it('answers malformed JSON with 400', async () => {
      const res = await call('POST', '/auth/register', { body: '{"login": "x",' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'invalid_request');
    });
  });

  describe('email confirmation', () => {
    it('mails a one-time code through the outbox that confirms the address', async () => {
      const user = await signUp(call, 'confirm', { confirm: false });
      assert.equal((await call('GET', '/me', { token: user.token })).body.emailConfirmed, false);
      const [mail] = await database.db.sql`select kind, subject from outbox where to_address = ${user.email}`;
      assert.equal(mail!.kind, 'email_confirm');
      const code = await codeMailedTo(call, user.email);
      const res = await call('POST', '/auth/confirm-email', { body: { token: code } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { purpose: 'confirm', email: user.email });
      assert.equal((await call('GET', '/me', { token: user.token })).body.emailConfirmed, true);
      const again = await call('POST', '/auth/confirm-email', { body: { token: code } });
      assert.equal(again.status, 400);
      assert.equal(again.body.error.code, 'invalid_token');
    });

    it('refuses a code after it expires', async () => {
      const user = await signUp(call, 'late', { confirm: false });
      clock.advance(accountRules.emailTokenTtlMs + MINUTE);
      const res = await call('POST', '/auth/confirm-email', { body: { token: await codeMailedTo(call, user.email) } });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'invalid_token');
      assert.equal((await call('GET', '/me', { token: user.token })).body.emailConfirmed, false);
    });
  });

  describe('sessions', () => {
    it('signs in by login or by email, and a session ends at logout', async () => {
      const user = await signUp(call, 'session');
      const byEmail = await call('POST', '/auth/login', { body: { login: user.email.toUpperCase(), password: PASSWORD } });
      assert.equal(byEmail.status, 200);
      assert.match(byEmail.body.token, /^gfs_/);
      assert.equal(byEmail.body.user.login, user.login);
      assert.equal((await call('GET', '/me', { token: byEmail.body.token })).status, 200);
      assert.equal((await call('POST', '/auth/logout', { token: byEmail.body.token })).status, 204);
      const after = await call('GET', '/me', { token: byEmail.body.token });
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, 'unauthenticated');
      // The other session is untouched.
      assert.equal((await call('GET', '/me', { token: user.token })).status, 200);
    });

    it('refuses a wrong password, an unknown login, no token and a forged token with 401', async () => {
      const user = await signUp(call, 'wrong');
      for (const body of [{ login: user.login, password: 'not the password' }, { login: 'nobody_here', password: PASSWORD }]) {
        const res = await call('POST', '/auth/login', { body });
        assert.equal(res.status, 401);
        assert.equal(res.body.error.code, 'invalid_credentials');
      }
      assert.equal((await call('GET', '/me')).status, 401);
      assert.equal((await call('GET', '/me', { token: 'gfs_forged' })).status, 401);
    });

    it('ends a session when it expires', async () => {
      const user = await signUp(call, 'expiry');
      clock.advance(accountRules.sessionTtlMs + MINUTE);
      assert.equal((await call('GET', '/me', { token: user.token })).status, 401);
    });

    it(`limits failed logins to ${accountRules.loginFailureLimit} per account per window, by login and email alike, with 429 and Retry-After`, async () => {
      const user = await signUp(call, 'limited');
      for (let i = 0; i < accountRules.loginFailureLimit; i++) {
        const name = i % 2 === 0 ? user.login : user.email;
        assert.equal((await call('POST', '/auth/login', { body: { login: name, password: 'guess' } })).status, 401);
      }
      const blocked = await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } });
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.error.code, 'rate_limited');
      assert.equal(blocked.headers.get('retry-after'), String(accountRules.loginFailureWindowMs / 1000));
      clock.advance(accountRules.loginFailureWindowMs - MINUTE);
      assert.equal((await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } })).status, 429);
      clock.advance(2 * MINUTE);
      assert.equal((await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } })).status, 200);
    });

    it(`limits failed logins to ${accountRules.loginFailureLimitPerAddress} per client address per window, across logins`, async () => {
      clock.advance(accountRules.loginFailureWindowMs); // a fresh window for this address
      const user = await signUp(call, 'address');
      for (let i = 0; i < accountRules.loginFailureLimitPerAddress; i++) {
        assert.equal((await call('POST', '/auth/login', { body: { login: `stranger_${i}`, password: 'guess' } })).status, 401);
      }
      assert.equal((await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } })).status, 429);
      clock.advance(accountRules.loginFailureWindowMs + MINUTE);
      assert.equal((await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } })).status, 200);
    });
  });

  describe('profile', () => {
    it('changes display name, city, about, skills and avatar', async () => {
      const user = await signUp(call, 'profile');
      const profile = { displayName: 'Alice D.', city: 'Lisbon', about: 'Logos and landing pages', skills: ['logo', 'figma'], avatarUrl: 'https://img.example.com/a.png' };
      const res = await call('PATCH', '/me/profile', { token: user.token, body: profile });
      assert.equal(res.status, 200);
      for (const [key, value] of Object.entries(profile)) assert.deepEqual(res.body[key], value);
      assert.deepEqual((await call('GET', '/me', { token: user.token })).body.skills, ['logo', 'figma']);
    });

    it('answers a bad avatar URL or 21 skills with 400 naming the field', async () => {
      const user = await signUp(call, 'badprofile');
      for (const [body, path] of [
        [{ avatarUrl: 'javascript:alert(1)' }, 'body.avatarUrl'],
        [{ skills: Array.from({ length: 21 }, (_, i) => `s${i}`) }, 'body.skills'],
        [{ about: 'x'.repeat(2001) }, 'body.about'],
      ] as const) {
        const res = await call('PATCH', '/me/profile', { token: user.token, body });
        assert.equal(res.status, 400);
        assert.equal(res.body.error.details.fields[0].path, path);
      }
    });
  });

  describe('login change', () => {
    it('changes the login once only and locks withdrawals for exactly one week', async () => {
      const user = await signUp(call, 'renamer');
      const other = await signUp(call, 'taken');
      assert.equal((await call('POST', '/me/login-change', { token: user.token, body: { login: 'new_name', password: 'wrong password' } })).status, 401);
      const taken = await call('POST', '/me/login-change', { token: user.token, body: { login: other.login.toUpperCase(), password: PASSWORD } });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.error.code, 'login_taken');

      const changedAt = clock.now().getTime();
      const res = await call('POST', '/me/login-change', { token: user.token, body: { login: 'Renamed_Once', password: PASSWORD } });
      assert.equal(res.status, 200);
      assert.equal(res.body.login, 'renamed_once');
      assert.equal(res.body.canChangeLogin, false);
      const { locks } = (await call('GET', '/me/withdrawal-locks', { token: user.token })).body;
      assert.deepEqual(locks.map((l: { reason: string; endsAt: string }) => [l.reason, l.endsAt]), [
        ['login_change', new Date(changedAt + 7 * DAY).toISOString()],
      ]);

      const again = await call('POST', '/me/login-change', { token: user.token, body: { login: 'renamed_twice', password: PASSWORD } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'login_change_used');
      assert.equal((await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } })).status, 401);
      assert.equal((await call('POST', '/auth/login', { body: { login: 'renamed_once', password: PASSWORD } })).status, 200);

      clock.advance(7 * DAY - MINUTE);
      assert.equal((await call('GET', '/me/withdrawal-locks', { token: user.token })).body.locks.length, 1);
      clock.advance(2 * MINUTE);
      assert.equal((await call('GET', '/me/withdrawal-locks', { token: user.token })).body.locks.length, 0);
    });
  });

  describe('email change', () => {
    it('confirms with the old address, then the new one, then changes the email and locks withdrawals for a week', async () => {
      const user = await signUp(call, 'mover');
      const newEmail = `${user.login}@new.example.com`;
      const res = await call('POST', '/me/email-change', { token: user.token, body: { email: newEmail, password: PASSWORD } });
      assert.equal(res.status, 202);

      // Step 1: the code goes to the current address, not the new one.
      const oldCode = await codeMailedTo(call, user.email);
      await assert.rejects(codeMailedTo(call, newEmail), /no mail/);
      assert.deepEqual((await call('POST', '/auth/confirm-email', { body: { token: oldCode } })).body, { purpose: 'change_old', email: newEmail });
      assert.equal((await call('GET', '/me', { token: user.token })).body.email, user.email, 'unchanged until the new address confirms');

      // Step 2: the new address confirms.
      const changedAt = clock.now().getTime();
      const newCode = await codeMailedTo(call, newEmail);
      assert.deepEqual((await call('POST', '/auth/confirm-email', { body: { token: newCode } })).body, { purpose: 'change_new', email: newEmail });
      const me = (await call('GET', '/me', { token: user.token })).body;
      assert.equal(me.email, newEmail);
      assert.equal(me.emailConfirmed, true);
      const { locks } = (await call('GET', '/me/withdrawal-locks', { token: user.token })).body;
      assert.deepEqual(locks.map((l: { reason: string; endsAt: string }) => [l.reason, l.endsAt]), [
        ['email_change', new Date(changedAt + 7 * DAY).toISOString()],
      ]);
      assert.equal((await call('POST', '/auth/login', { body: { login: newEmail, password: PASSWORD } })).status, 200);
    });

    it('refuses an email another account has, and the wrong password', async () => {
      const user = await signUp(call, 'mover2');
      const other = await signUp(call, 'holder');
      const taken = await call('POST', '/me/email-change', { token: user.token, body: { email: other.email, password: PASSWORD } });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.error.code, 'email_taken');
      assert.equal((await call('POST', '/me/email-change', { token: user.token, body: { email: 'free@example.com', password: 'nope nope nope' } })).status, 401);
    });

    it('replaces a pending change with a newer request: the older codes stop working', async () => {
      const user = await signUp(call, 'mover3');
      await call('POST', '/me/email-change', { token: user.token, body: { email: 'first@new.example.com', password: PASSWORD } });
      const firstCode = await codeMailedTo(call, user.email);
      await call('POST', '/me/email-change', { token: user.token, body: { email: 'second@new.example.com', password: PASSWORD } });
      assert.equal((await call('POST', '/auth/confirm-email', { body: { token: firstCode } })).status, 400);
    });
  });

  describe('payout details', () => {
    it('keeps only a masked card, and any change locks withdrawals for a week', async () => {
      const user = await signUp(call, 'payee');
      const res = await call('PUT', '/me/payout-details', { token: user.token, body: { method: 'card', cardNumber: '4242424242424242' } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { method: 'card', account: '•••• 4242' });
      assert.deepEqual((await call('GET', '/me/payout-details', { token: user.token })).body, { method: 'card', account: '•••• 4242' });
      const { locks } = (await call('GET', '/me/withdrawal-locks', { token: user.token })).body;
      assert.equal(locks[0].reason, 'payout_details_change');
      const bad = await call('PUT', '/me/payout-details', { token: user.token, body: { method: 'card', cardNumber: '4242424242424241' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.fields[0].path, 'body.cardNumber');
    });
  });

  describe('staff roles and blocking', () => {
    it('makes the first admin from the CLI; an admin grants and revokes staff roles; others may not', async () => {
      const admin = await signUp(call, 'root');
      const user = await signUp(call, 'staffer');
      assert.equal((await call('POST', `/admin/users/${user.id}/roles`, { token: admin.token, body: { role: 'moderator' } })).status, 403);
      assert.match(grantAdminByCli(admin.login), /roles: admin/);

      const granted = await call('POST', `/admin/users/${user.id}/roles`, { token: admin.token, body: { role: 'moderator' } });
      assert.equal(granted.status, 200);
      assert.deepEqual(granted.body.roles, ['moderator']);
      assert.deepEqual((await call('GET', '/me', { token: user.token })).body.roles, ['moderator']);
      // A moderator is no admin.
      assert.equal((await call('POST', `/admin/users/${admin.id}/roles`, { token: user.token, body: { role: 'arbiter' } })).status, 403);
      const revoked = await call('DELETE', `/admin/users/${user.id}/roles/moderator`, { token: admin.token });
      assert.deepEqual(revoked.body.roles, []);
      assert.equal((await call('POST', `/admin/users/${user.id}/roles`, { token: admin.token, body: { role: 'owner' } })).status, 400);
      assert.equal((await call('POST', '/admin/users/999999/roles', { token: admin.token, body: { role: 'support' } })).status, 404);
      const noUser = runGrantAdmin(database.url, 'nobody_at_all');
      assert.equal(noUser.status, 1);
      assert.match(noUser.stderr, /no user with login "nobody_at_all"/);
    });

    it('blocks an account: its sessions end, it cannot sign in or act, until unblocked', async () => {
      const admin = await signUp(call, 'blocker');
      grantAdminByCli(admin.login);
      const user = await signUp(call, 'blocked');
      assert.equal((await call('POST', `/admin/users/${user.id}/block`, { token: admin.token, body: { reason: 'fraud' } })).status, 204);
      assert.equal((await call('GET', '/me', { token: user.token })).status, 401, 'the session ended');
      const login = await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } });
      assert.equal(login.status, 403);
      assert.equal(login.body.error.code, 'account_blocked');
      assert.equal((await call('POST', `/admin/users/${user.id}/unblock`, { token: admin.token })).status, 204);
      assert.equal((await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } })).status, 200);
    });
  });
});
