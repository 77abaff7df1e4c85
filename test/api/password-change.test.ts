/**
 * A signed-in user changes their password (`POST /me/password-change`) over the real API:
 * with the current password, the hash changes, every other session of the account ends while
 * the caller's goes on, the new password signs in and the old does not, and a mail tells the
 * account's address. A wrong current password is refused exactly as a login change refuses one
 * (401 `invalid_credentials`), and any refusal changes nothing in the database. Every answer is
 * checked against the OpenAPI document (`buildApp`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { accountRules } from '../../services/policy.js';
import { callerFor, manualClock, PASSWORD, signIn, signUp, type Caller, type TestUser } from '../support/api.js';
import { changedTables, fingerprinter, type Fingerprint } from '../support/fingerprint.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';

const NEW_PASSWORD = 'a brand new passphrase';

describe('POST /me/password-change', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let fingerprint: () => Promise<Fingerprint>;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, webUrl: 'http://web.test' }));
    // Failed sign-ins are counted on purpose (the old password tried after the change).
    fingerprint = fingerprinter(database.db, ['sign_in_failures']);
  });
  after(async () => {
    await temporal?.connection.close();
    await database?.drop();
  });

  const change = (user: TestUser, body: unknown) => call('POST', '/me/password-change', { token: user.token, body });
  const signInWith = (user: TestUser, password: string) => call('POST', '/auth/login', { body: { login: user.login, password } });
  const mailsOf = async (user: TestUser) => (await call('GET', `/dev/outbox?to=${encodeURIComponent(user.email)}`)).body.items.filter((m: { kind: string }) => m.kind === 'password_changed');
  /** A user signed in twice, each session seen once (its first signed-in request records the activity row). */
  async function twoSessions(prefix: string): Promise<[TestUser, TestUser]> {
    const here = await signUp(call, prefix);
    const elsewhere = await signIn(call, here);
    for (const session of [here, elsewhere]) assert.equal((await call('GET', '/me', { token: session.token })).status, 200);
    return [here, elsewhere];
  }

  it('changes the password: every other session ends, this one goes on, the new password signs in and the old does not, and a mail tells the address', async () => {
    const [here, elsewhere] = await twoSessions('changer');
    const third = await signIn(call, here);
    const [before] = await database.db.sql<{ password_hash: string }[]>`select password_hash from users where id = ${here.id}`;

    const res = await change(here, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    assert.equal(res.status, 204, JSON.stringify(res.body));

    const [after] = await database.db.sql<{ password_hash: string }[]>`select password_hash from users where id = ${here.id}`;
    assert.notEqual(after!.password_hash, before!.password_hash);
    assert.match(after!.password_hash, /^\$argon2id\$/);
    assert.equal((await call('GET', '/me', { token: here.token })).status, 200, 'the caller’s session goes on');
    for (const other of [elsewhere, third]) {
      const ended = await call('GET', '/me', { token: other.token });
      assert.deepEqual([ended.status, ended.body.error.code], [401, 'unauthenticated'], 'every other session ended');
    }
    const old = await signInWith(here, PASSWORD);
    assert.deepEqual([old.status, old.body.error.code], [401, 'invalid_credentials']);
    assert.equal((await signInWith(here, NEW_PASSWORD)).status, 200);

    const [mail, ...more] = await mailsOf(here);
    assert.equal(more.length, 0, 'one mail');
    assert.equal(mail.subject, 'Your gigflow password was changed');
    assert.match(mail.body, new RegExp(`account ${here.login} was changed at \\d{4}-\\d{2}-\\d{2}T`));
    assert.match(mail.body, /Every other session of the account was signed out/);
    assert.ok(mail.body.includes('http://web.test/forgot-password'), 'the mail says where to take the account back');
    assert.ok(!mail.body.includes(NEW_PASSWORD) && !mail.body.includes(PASSWORD), 'no password in the mail');
  });

  it('refuses a wrong current password exactly as a login change refuses one (401 invalid_credentials), and changes nothing', async () => {
    const [here, elsewhere] = await twoSessions('wrong');
    const loginChange = await call('POST', '/me/login-change', { token: here.token, body: { login: 'never_renamed', password: 'not the password' } });
    const before = await fingerprint();
    const res = await change(here, { currentPassword: 'not the password', newPassword: NEW_PASSWORD });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body.error, loginChange.body.error);
    assert.deepEqual(res.body.error, { code: 'invalid_credentials', message: 'the password is wrong', details: {} });
    assert.deepEqual(changedTables(before, await fingerprint()), [], 'no hash, session or mail written');
    for (const session of [here, elsewhere]) assert.equal((await call('GET', '/me', { token: session.token })).status, 200);
    assert.equal((await signInWith(here, PASSWORD)).status, 200);
    assert.deepEqual(await mailsOf(here), []);
  });

  for (const [what, body, path] of [
    [`a new password of ${accountRules.passwordMinLength - 1} characters`, { currentPassword: PASSWORD, newPassword: 'x'.repeat(accountRules.passwordMinLength - 1) }, 'body.newPassword'],
    [`a new password of ${accountRules.passwordMaxLength + 1} characters`, { currentPassword: PASSWORD, newPassword: 'x'.repeat(accountRules.passwordMaxLength + 1) }, 'body.newPassword'],
    ['no current password', { newPassword: NEW_PASSWORD }, 'body.currentPassword'],
    ['an unknown field', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, password: NEW_PASSWORD }, 'body.password'],
  ] as const) {
    it(`answers ${what} with 400 naming ${path}, and changes nothing`, async () => {
      const [here, elsewhere] = await twoSessions('bounded');
      const before = await fingerprint();
      const res = await change(here, body);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'invalid_input');
      assert.deepEqual(res.body.error.details.fields.map((f: { path: string }) => f.path), [path]);
      assert.deepEqual(changedTables(before, await fingerprint()), []);
      assert.equal((await call('GET', '/me', { token: elsewhere.token })).status, 200);
      assert.equal((await signInWith(here, PASSWORD)).status, 200);
    });
  }

  it('counts wrong passwords per account as sign-in counts them: past the free ones the next check waits (429, Retry-After) and tests no password, for every change it confirms; a right one then forgets them', async () => {
    const clock = manualClock(new Date());
    const timed = callerFor(buildApp({ db: database.db, temporal, clock, webUrl: 'http://web.test' }));
    const [here] = await twoSessions('guesser');
    const wrong = { currentPassword: 'not the password', newPassword: NEW_PASSWORD };
    // The free failures, and one more: its delay (a second) starts at this clock's now, which stands still.
    for (let n = 1; n <= accountRules.signInFreeFailuresPerLogin + 1; n++) {
      const res = await timed('POST', '/me/password-change', { token: here.token, body: wrong });
      assert.deepEqual([res.status, res.body.error.code], [401, 'invalid_credentials'], `wrong password ${n}`);
    }
    const before = await fingerprint();
    const waiting = await timed('POST', '/me/password-change', { token: here.token, body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } });
    assert.deepEqual([waiting.status, waiting.body.error.code, waiting.body.error.details], [429, 'rate_limited', { retryAfterSeconds: 1 }], 'even the right password waits');
    assert.equal(waiting.headers.get('retry-after'), '1');
    const loginChange = await timed('POST', '/me/login-change', { token: here.token, body: { login: 'renamed_guesser', password: PASSWORD } });
    assert.deepEqual([loginChange.status, loginChange.body.error.code], [429, 'rate_limited'], 'one count for every change the password confirms');
    const emailChange = await timed('POST', '/me/email-change', { token: here.token, body: { email: 'guesser.new@example.com', password: PASSWORD } });
    assert.deepEqual([emailChange.status, emailChange.body.error.code], [429, 'rate_limited']);
    assert.deepEqual(changedTables(before, await fingerprint()), [], 'nothing changed while it waits');
    assert.equal((await signInWith(here, PASSWORD)).status, 200, 'signing in is another count: the owner is never locked out');

    clock.advance(1_000);
    assert.equal((await timed('POST', '/me/password-change', { token: here.token, body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } })).status, 204);
    const fresh = await timed('POST', '/me/password-change', { token: here.token, body: { currentPassword: 'still not it', newPassword: PASSWORD } });
    assert.deepEqual([fresh.status, fresh.body.error.code], [401, 'invalid_credentials'], 'the right password forgot the count');
  });

  it('takes a new password of exactly the minimum length', async () => {
    const [here] = await twoSessions('shortest');
    const shortest = 'y'.repeat(accountRules.passwordMinLength);
    assert.equal((await change(here, { currentPassword: PASSWORD, newPassword: shortest })).status, 204);
    assert.equal((await signInWith(here, shortest)).status, 200);
  });

  it('refuses an anonymous caller with 401 unauthenticated', async () => {
    const res = await call('POST', '/me/password-change', { body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } });
    assert.deepEqual([res.status, res.body.error.code], [401, 'unauthenticated']);
  });

  it('lets one of two changes sent at once with the same current password win; the other is refused and its session ends', async () => {
    const [a, b] = await twoSessions('racer');
    const [first, second] = await Promise.all([
      change(a, { currentPassword: PASSWORD, newPassword: 'the first new passphrase' }),
      change(b, { currentPassword: PASSWORD, newPassword: 'the second new passphrase' }),
    ]);
    assert.deepEqual([first.status, second.status].sort(), [204, 401]);
    const [winner, winning] = first.status === 204 ? [a, 'the first new passphrase'] : [b, 'the second new passphrase'];
    const loser = winner === a ? b : a;
    assert.equal((await call('GET', '/me', { token: winner.token })).status, 200);
    assert.equal((await call('GET', '/me', { token: loser.token })).status, 401);
    assert.equal((await signInWith(a, winning)).status, 200);
    assert.equal((await mailsOf(a)).length, 1);
  });
});
