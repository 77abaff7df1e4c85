import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { pino } from 'pino';
import { accountRules } from '../../services/policy.js';
import { countFailure, loginDigest, signInKeys } from '../../services/sign-in-throttle.js';
import { callerFor, codeMailedTo, grantAdminByCli as runGrantAdmin, manualClock, PASSWORD, signIn, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, startPayingApi, type PayingApi, type TestDatabase } from '../support/harness.js';
import { fund } from '../support/orders.js';
import { TEST_CARDS, type PaymentStandIns } from '../support/payments.js';
import { returnedTo, saveCard } from '../support/pay.js';


describe('accounts', () => {
  let api: PayingApi;
  let database: TestDatabase;
  let temporal: Client;
  let stand: PaymentStandIns;
  let call: Caller;
  const clock = manualClock();

  before(async () => {
    api = await startPayingApi(import.meta.filename, { clock });
    ({ database, temporal, stand, call } = api);
  });
  after(() => api?.stop());

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
      // One shape for a refused field, whatever the status: `details.fields`, the path as the request carries it.
      assert.equal(login.body.error.message, 'body.login: this login is taken');
      assert.deepEqual(login.body.error.details, { fields: [{ path: 'body.login', message: 'this login is taken', code: 'custom' }] });
      const email = await call('POST', '/auth/register', { body: { login: 'alice2', email: 'ALICE@example.com', password: PASSWORD } });
      assert.equal(email.status, 409);
      assert.equal(email.body.error.code, 'email_taken');
      assert.deepEqual(email.body.error.details.fields.map((f: { path: string }) => f.path), ['body.email']);
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

  describe('forgotten password', () => {
    it('mails a reset code that sets a new password once and ends every session; an unknown email gets the same answer and no mail', async () => {
      const user = await signUp(call, 'forgot');
      const unknown = await call('POST', '/auth/password-reset', { body: { email: 'nobody-here@example.com' } });
      assert.deepEqual([unknown.status, unknown.body], [202, { sent: true }]);
      assert.equal((await database.db.sql`select 1 from outbox where to_address = 'nobody-here@example.com'`).length, 0);

      const sent = await call('POST', '/auth/password-reset', { body: { email: user.email.toUpperCase() } });
      assert.deepEqual([sent.status, sent.body], [202, { sent: true }]);
      const code = await codeMailedTo(call, user.email);
      // A reset code confirms no email, and a confirmation code resets no password.
      assert.equal((await call('POST', '/auth/confirm-email', { body: { token: code } })).body.error.code, 'invalid_token');
      const short = await call('POST', '/auth/password-reset/confirm', { body: { token: code, password: 'short' } });
      assert.equal(short.status, 400);

      const reset = await call('POST', '/auth/password-reset/confirm', { body: { token: code, password: 'a brand new passphrase' } });
      assert.equal(reset.status, 204);
      assert.equal((await call('GET', '/me', { token: user.token })).status, 401, 'the old session ended');
      assert.equal((await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } })).status, 401);
      assert.equal((await call('POST', '/auth/login', { body: { login: user.login, password: 'a brand new passphrase' } })).status, 200);
      const again = await call('POST', '/auth/password-reset/confirm', { body: { token: code, password: 'yet another passphrase' } });
      assert.deepEqual([again.status, again.body.error.code], [400, 'invalid_token']);
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
      assert.deepEqual(again.body.error.details.fields.map((f: { path: string }) => f.path), ['body.token']);
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
  });

  describe('sign-in throttling', () => {
    const { signInFreeFailuresPerLogin: freePerLogin, signInFreeFailuresPerAddress: freePerAddress } = accountRules;
    /** Every structured line the proxied app logs. */
    const lines: Record<string, unknown>[] = [];
    /** The app behind one trusted proxy, so each request names its client in X-Forwarded-For. */
    let proxied: Caller;
    before(() => {
      const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
      proxied = callerFor(buildApp({ db: database.db, temporal, clock, trustedProxyHops: 1, logger }));
    });
    let addresses = 0;
    let strangers = 0;
    /** A client address no other test uses, so tests never share a counter. */
    const newAddress = () => `198.51.100.${++addresses}`;
    const signInFrom = (address: string, login: string, password: string) =>
      proxied('POST', '/auth/login', { headers: { 'x-forwarded-for': address }, body: { login, password } });

    /** Fails `count` sign-ins from `address`, each on a login of its own, asserting every one answers 401. */
    async function failOnStrangers(address: string, count: number) {
      for (let i = 0; i < count; i++) {
        assert.equal((await signInFrom(address, `stranger_${++strangers}`, 'Summer2026!')).status, 401);
      }
    }

    it('delays an attacker on one address with growing Retry-After, while the owner signs in at once from another', async () => {
      const owner = await signUp(call, 'owner');
      const [attacker, home] = [newAddress(), newAddress()];
      for (let i = 0; i < freePerLogin; i++) assert.equal((await signInFrom(attacker, owner.login, `guess ${i}`)).status, 401);
      const waits: number[] = [];
      for (let i = 0; i < 12; i++) {
        assert.equal((await signInFrom(attacker, owner.login, `more guess ${i}`)).status, 401);
        // Held up whatever the password: a throttled attempt tests none.
        const held = await signInFrom(attacker, owner.login, PASSWORD);
        assert.equal(held.status, 429);
        assert.equal(held.body.error.code, 'rate_limited');
        assert.equal(held.body.error.details.retryAfterSeconds, Number(held.headers.get('retry-after')));
        waits.push(held.body.error.details.retryAfterSeconds);
        // The owner is never held up by it.
        if (i % 4 === 3) assert.equal((await signInFrom(home, owner.email, PASSWORD)).status, 200);
        clock.advance(held.body.error.details.retryAfterSeconds * 1000 - 1);
        assert.equal((await signInFrom(attacker, owner.login, PASSWORD)).status, 429, 'not a millisecond early');
        clock.advance(1);
      }
      assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
      assert.equal((await signInFrom(attacker, owner.login, 'still guessing')).status, 401);
      assert.equal((await signInFrom(attacker, owner.login, PASSWORD)).status, 429);
      const ownerIn = await signInFrom(home, owner.login, PASSWORD);
      assert.equal(ownerIn.status, 200);
      assert.equal((await call('GET', '/me', { token: ownerIn.body.token })).body.id, owner.id);
    });

    it('forgets the failures of a login on an address once it signs in there', async () => {
      const user = await signUp(call, 'forgetful');
      const from = newAddress();
      for (let i = 0; i <= freePerLogin; i++) assert.equal((await signInFrom(from, user.login, 'typo')).status, 401);
      assert.equal((await signInFrom(from, user.login, PASSWORD)).status, 429);
      clock.advance(1000);
      assert.equal((await signInFrom(from, user.login, PASSWORD)).status, 200);
      // Counting starts again: as many free failures as at first, then a fresh ramp.
      for (let i = 0; i < freePerLogin; i++) assert.equal((await signInFrom(from, user.login, 'typo')).status, 401);
      assert.equal((await signInFrom(from, user.login, PASSWORD)).status, 200);
      for (let i = 0; i <= freePerLogin; i++) assert.equal((await signInFrom(from, user.login, 'typo')).status, 401);
      assert.equal((await signInFrom(from, user.login, PASSWORD)).headers.get('retry-after'), '1');
    });

    it(`holds up an address that fails on many logins past ${freePerAddress} failures, and no other address`, async () => {
      const user = await signUp(call, 'bystander');
      const [sprayer, elsewhere] = [newAddress(), newAddress()];
      await failOnStrangers(sprayer, freePerAddress);
      // Still free, and a success there does not reset the address's count.
      assert.equal((await signInFrom(sprayer, user.login, PASSWORD)).status, 200);
      await failOnStrangers(sprayer, 1);
      const held = await signInFrom(sprayer, user.login, PASSWORD);
      assert.equal(held.status, 429);
      assert.equal(held.headers.get('retry-after'), '1');
      clock.advance(1000);
      await failOnStrangers(sprayer, 1);
      assert.equal((await signInFrom(sprayer, 'someone_new', 'Summer2026!')).headers.get('retry-after'), '2');
      assert.equal((await signInFrom(elsewhere, user.login, PASSWORD)).status, 200);
    });

    it('forgets one failure per period without one: an hour for a login on an address, 3 minutes for an address', async () => {
      const user = await signUp(call, 'patient');
      const from = newAddress();
      for (let i = 0; i <= freePerLogin; i++) assert.equal((await signInFrom(from, user.login, 'typo')).status, 401);
      clock.advance(2 * accountRules.signInForgetPerLoginMs - 1); // one full hour: one failure forgotten
      assert.equal((await signInFrom(from, user.login, 'typo')).status, 401); // the 6th again: 1 s
      assert.equal((await signInFrom(from, user.login, PASSWORD)).headers.get('retry-after'), '1');
      clock.advance(2 * accountRules.signInForgetPerLoginMs); // two: back to 4, so this is the 5th, still free
      assert.equal((await signInFrom(from, user.login, 'typo')).status, 401);
      assert.equal((await signInFrom(from, user.login, PASSWORD)).status, 200);

      const shared = newAddress();
      await failOnStrangers(shared, freePerAddress);
      clock.advance(accountRules.signInForgetPerAddressMs);
      await failOnStrangers(shared, 1); // the 20th again: free
      assert.equal((await signInFrom(shared, user.login, PASSWORD)).status, 200);
      await failOnStrangers(shared, 1); // the 21st
      assert.equal((await signInFrom(shared, user.login, PASSWORD)).status, 429);
    });

    it('answers an unknown login exactly as a known one, throttled the same', async () => {
      const user = await signUp(call, 'known');
      async function attack(login: string) {
        const from = newAddress();
        const seen: unknown[] = [];
        for (let i = 0; i < freePerLogin + 4; i++) {
          const res = await signInFrom(from, login, 'Summer2026!');
          seen.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body });
          if (res.status === 429) clock.advance(res.body.error.details.retryAfterSeconds * 1000);
        }
        return seen;
      }
      const known = await attack(user.login);
      assert.deepEqual(await attack('nobody_by_this_name'), known);
      assert.deepEqual(await attack('nobody@example.com'), known);
      assert.ok(known.some((r) => (r as { status: number }).status === 429));
    });

    it('counts failures that arrive at the same moment, every one', async () => {
      const user = await signUp(call, 'raced');
      const from = newAddress();
      const results = await Promise.all([
        ...Array.from({ length: freePerLogin }, (_, i) => signInFrom(from, user.login, `guess ${i}`)),
        ...Array.from({ length: freePerAddress - freePerLogin }, (_, i) => signInFrom(from, `racer_${i}`, 'Summer2026!')),
      ]);
      assert.deepEqual(new Set(results.map((r) => r.status)), new Set([401]));
      const keys = signInKeys(user.login, from);
      const counted = async () =>
        Object.fromEntries(
          (await database.db.sql`select key, failures from sign_in_failures where key in (${keys.login.key}, ${keys.address.key})`).map(
            (r) => [r.key, r.failures],
          ),
        );
      assert.deepEqual(await counted(), { [keys.login.key]: freePerLogin, [keys.address.key]: freePerAddress });
      // The counting statement itself, many at once with nothing in between.
      const counts = await Promise.all(Array.from({ length: 20 }, () => countFailure({ db: database.db, clock }, keys)));
      assert.deepEqual(counts.map((c) => c.login).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => freePerLogin + 1 + i));
      assert.deepEqual(await counted(), { [keys.login.key]: freePerLogin + 20, [keys.address.key]: freePerAddress + 20 });
    });

    it('ignores X-Forwarded-For unless the API is told it runs behind proxies', async () => {
      const user = await signUp(call, 'spoofed');
      // Each attempt claims another address; without a trusted proxy they all count as the socket's.
      for (let i = 0; i <= freePerLogin; i++) {
        const res = await call('POST', '/auth/login', { headers: { 'x-forwarded-for': `203.0.113.${i}` }, body: { login: user.login, password: 'guess' } });
        assert.equal(res.status, 401);
      }
      const held = await call('POST', '/auth/login', { headers: { 'x-forwarded-for': '203.0.113.99' }, body: { login: user.login, password: PASSWORD } });
      assert.equal(held.status, 429);
      // Behind one proxy, only the entry that proxy appended counts, not what the client wrote before it.
      const from = newAddress();
      for (let i = 0; i <= freePerLogin; i++) {
        const res = await proxied('POST', '/auth/login', {
          headers: { 'x-forwarded-for': `203.0.113.${i}, ${from}` },
          body: { login: user.login, password: 'guess' },
        });
        assert.equal(res.status, 401);
      }
      assert.equal((await signInFrom(from, user.login, PASSWORD)).status, 429);
    });

    it('logs each attempt once, with the count, the address and a digest of the login, never the password', async () => {
      const user = await signUp(call, 'logged');
      const from = newAddress();
      lines.length = 0;
      assert.equal((await signInFrom(from, user.login, 'secret guess one')).status, 401);
      assert.equal((await signInFrom(from, ` ${user.email.toUpperCase()} `, 'secret guess two')).status, 401);
      assert.equal((await signInFrom(from, user.login, PASSWORD)).status, 200);
      const attempts = lines.filter((line) => String(line.event).startsWith('sign_in'));
      const fields = ['event', 'userId', 'loginDigest', 'address', 'failures', 'addressFailures', 'forgottenFailures'] as const;
      assert.deepEqual(
        attempts.map((line) => fields.map((field) => line[field])),
        [
          ['sign_in_failed', user.id, loginDigest(user.login), from, 1, 1, undefined],
          ['sign_in_failed', user.id, loginDigest(user.email), from, 1, 2, undefined],
          ['sign_in', user.id, loginDigest(user.login), from, undefined, undefined, 1],
        ],
      );
      assert.ok(attempts.every((line) => typeof line.requestId === 'string'));
      const logged = JSON.stringify(lines);
      for (const secret of ['secret guess', PASSWORD]) assert.ok(!logged.includes(secret), `the log holds "${secret}"`);
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

  /** The D-10 locks in force, as `[reason, scope, endsAt]`, sorted. */
  const locksOf = async (user: TestUser) =>
    (await call('GET', '/me/withdrawal-locks', { token: user.token })).body.locks
      .map((l: { reason: string; scope: string; endsAt: string }) => [l.reason, l.scope, l.endsAt])
      .sort((x: string[], y: string[]) => x.join().localeCompare(y.join()));
  /** What of the balance is not withdrawable now, as `[reason, cause, releasesAt]`. */
  const notWithdrawable = async (user: TestUser) => {
    const res = await call('GET', '/balance/withdrawable', { token: user.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.notWithdrawable.map((p: { reason: string; cause: string | null; releasesAt: string | null }) => [p.reason, p.cause, p.releasesAt]);
  };
  const setPaypal = (user: TestUser, account = 'payee@paypal.example') => call('PUT', '/me/payout-details', { token: user.token, body: { method: 'paypal', account } });

  function assertDetailsLocked(res: { status: number; body: { error: { code: string; details: { until: string; reason: string } } } }, until: string, reason: string) {
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'payout_details_locked');
    assert.deepEqual([res.body.error.details.until, res.body.error.details.reason], [until, reason]);
  }

  describe('login change', () => {
    it('changes the login once only; locks the payout details for exactly one week, and does not pause withdrawals (D-10)', async () => {
      let user = await signUp(call, 'renamer');
      const other = await signUp(call, 'taken');
      await fund(database.db, user.id, 3_000);
      assert.equal((await call('POST', '/me/login-change', { token: user.token, body: { login: 'new_name', password: 'wrong password' } })).status, 401);
      const taken = await call('POST', '/me/login-change', { token: user.token, body: { login: other.login.toUpperCase(), password: PASSWORD } });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.error.code, 'login_taken');

      const until = new Date(clock.now().getTime() + 7 * DAY).toISOString();
      const res = await call('POST', '/me/login-change', { token: user.token, body: { login: 'Renamed_Once', password: PASSWORD } });
      assert.equal(res.status, 200);
      assert.equal(res.body.login, 'renamed_once');
      assert.equal(res.body.canChangeLogin, false);
      assert.deepEqual(await locksOf(user), [['login_change', 'payout_details', until]]);
      assertDetailsLocked(await setPaypal(user), until, 'login_change');
      assertDetailsLocked(await call('POST', '/me/payout-details/card-setup', { token: user.token }), until, 'login_change');
      assert.equal((await call('GET', '/me/payout-details', { token: user.token })).body, null);
      // Withdrawals go on: the money stays withdrawable.
      assert.deepEqual(await notWithdrawable(user), []);
      assert.equal((await call('GET', '/balance/withdrawable', { token: user.token })).body.withdrawableCents, 3_000);

      const again = await call('POST', '/me/login-change', { token: user.token, body: { login: 'renamed_twice', password: PASSWORD } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'login_change_used');
      assert.equal((await call('POST', '/auth/login', { body: { login: user.login, password: PASSWORD } })).status, 401);
      assert.equal((await call('POST', '/auth/login', { body: { login: 'renamed_once', password: PASSWORD } })).status, 200);
      user = { ...user, login: 'renamed_once' };

      clock.advance(7 * DAY - MINUTE);
      assert.equal((await locksOf(user)).length, 1);
      assertDetailsLocked(await setPaypal(user), until, 'login_change');
      clock.advance(2 * MINUTE);
      assert.deepEqual(await locksOf(user), []);
      user = await signIn(call, user);
      assert.equal((await setPaypal(user)).status, 200);
    });
  });

  describe('email change', () => {
    it('confirms with the old address, then the new one, then changes the email: withdrawals paused and payout details locked for a week (D-10)', async () => {
      const user = await signUp(call, 'mover');
      await fund(database.db, user.id, 2_000);
      const newEmail = `${user.login}@new.example.com`;
      const res = await call('POST', '/me/email-change', { token: user.token, body: { email: newEmail, password: PASSWORD } });
      assert.equal(res.status, 202);

      // Step 1: the code goes to the current address, not the new one.
      const oldCode = await codeMailedTo(call, user.email);
      await assert.rejects(codeMailedTo(call, newEmail), /no mail/);
      assert.deepEqual((await call('POST', '/auth/confirm-email', { body: { token: oldCode } })).body, { purpose: 'change_old', email: newEmail });
      assert.equal((await call('GET', '/me', { token: user.token })).body.email, user.email, 'unchanged until the new address confirms');
      assert.deepEqual(await locksOf(user), [], 'nothing locked before the change is done');

      // Step 2: the new address confirms.
      const until = new Date(clock.now().getTime() + 7 * DAY).toISOString();
      const newCode = await codeMailedTo(call, newEmail);
      assert.deepEqual((await call('POST', '/auth/confirm-email', { body: { token: newCode } })).body, { purpose: 'change_new', email: newEmail });
      const me = (await call('GET', '/me', { token: user.token })).body;
      assert.equal(me.email, newEmail);
      assert.equal(me.emailConfirmed, true);
      assert.deepEqual(await locksOf(user), [
        ['email_change', 'payout_details', until],
        ['email_change', 'withdrawals', until],
      ]);
      assertDetailsLocked(await setPaypal(user), until, 'email_change');
      assert.deepEqual(await notWithdrawable(user), [['withdrawals_paused', 'email_change', until]]);
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
    it('keeps a PayPal address, and setting it pauses withdrawals for a week without locking the details (D-10)', async () => {
      const user = await signUp(call, 'payee');
      await fund(database.db, user.id, 1_500);
      assert.equal((await call('GET', '/me/payout-details', { token: user.token })).body, null);
      const until = new Date(clock.now().getTime() + 7 * DAY).toISOString();
      const res = await setPaypal(user, 'Payee@PayPal.Example');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { method: 'paypal', account: 'payee@paypal.example', usable: true });
      assert.deepEqual((await call('GET', '/me/payout-details', { token: user.token })).body, res.body);
      assert.deepEqual(await locksOf(user), [['payout_details_change', 'withdrawals', until]]);
      assert.deepEqual(await notWithdrawable(user), [['withdrawals_paused', 'payout_details_change', until]]);
      // The details may change again at once (each change pauses withdrawals anew).
      clock.advance(MINUTE);
      assert.equal((await setPaypal(user, 'other@paypal.example')).status, 200);
      assert.deepEqual(await notWithdrawable(user), [['withdrawals_paused', 'payout_details_change', new Date(clock.now().getTime() + 7 * DAY).toISOString()]]);
    });

    it('keeps a card saved on the provider’s page as its token: “Visa •••• 4242”, never the number', async () => {
      const user = await signUp(call, 'card_payee');
      const setup = await call('POST', '/me/payout-details/card-setup', { token: user.token });
      assert.equal(setup.status, 201, JSON.stringify(setup.body));
      assert.match(setup.body.setupRef, /^seti_/);
      assert.ok(setup.body.setupUrl.startsWith(`${stand.url}/card/setup/${setup.body.setupRef}?`), setup.body.setupUrl);

      // Not saved yet: nothing to keep.
      const early = await call('PUT', '/me/payout-details', { token: user.token, body: { method: 'card', setupRef: setup.body.setupRef } });
      assert.equal(early.status, 422, JSON.stringify(early.body));
      assert.equal(early.body.error.code, 'rule_violation');
      assert.deepEqual(await locksOf(user), []);

      const back = returnedTo(await saveCard(setup.body.setupUrl, TEST_CARDS.success));
      assert.equal(back.pathname, '/balance/payout-details/card-return');
      assert.deepEqual([back.searchParams.get('setup_intent'), back.searchParams.get('redirect_status')], [setup.body.setupRef, 'succeeded']);
      const until = new Date(clock.now().getTime() + 7 * DAY).toISOString();
      const res = await call('PUT', '/me/payout-details', { token: user.token, body: { method: 'card', setupRef: setup.body.setupRef } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { method: 'card', account: 'Visa •••• 4242', usable: true });
      assert.deepEqual((await call('GET', '/me/payout-details', { token: user.token })).body, res.body);
      assert.deepEqual(await locksOf(user), [['payout_details_change', 'withdrawals', until]]);
      const [row] = await database.db.sql`select method, account, token, to_jsonb(d)::text as whole from payout_details d where user_id = ${user.id}`;
      assert.match(row!.token, /^pm_/);
      assert.ok(!row!.whole.includes(TEST_CARDS.success), 'the card number is nowhere in the row');
    });

    it('refuses a card number, and a setup reference that names no saved card, with nothing changed', async () => {
      const user = await signUp(call, 'card_wrong');
      const number = await call('PUT', '/me/payout-details', { token: user.token, body: { method: 'card', cardNumber: TEST_CARDS.success } });
      assert.equal(number.status, 400);
      assert.ok(number.body.error.details.fields.some((f: { path: string }) => f.path === 'body.cardNumber'), JSON.stringify(number.body));
      const unknown = await call('PUT', '/me/payout-details', { token: user.token, body: { method: 'card', setupRef: 'seti_NoSuchSetup' } });
      assert.equal(unknown.status, 422, JSON.stringify(unknown.body));
      assert.equal(unknown.body.error.code, 'rule_violation');
      assert.equal((await call('GET', '/me/payout-details', { token: user.token })).body, null);
      assert.deepEqual(await locksOf(user), []);
    });

    it('refuses a card another user saved (its setup names them)', async () => {
      const owner = await signUp(call, 'card_owner');
      const thief = await signUp(call, 'card_thief');
      const setup = (await call('POST', '/me/payout-details/card-setup', { token: owner.token })).body;
      returnedTo(await saveCard(setup.setupUrl, TEST_CARDS.success));
      const res = await call('PUT', '/me/payout-details', { token: thief.token, body: { method: 'card', setupRef: setup.setupRef } });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal((await call('GET', '/me/payout-details', { token: thief.token })).body, null);
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

    it('keeps an admin from blocking themselves or taking their own admin role (422), and changes nothing; another admin may', async () => {
      // A stateful fuzzer signed in as the only admin blocked that admin: nobody was left to unblock them.
      const admin = await signUp(call, 'only_admin');
      grantAdminByCli(admin.login);
      const block = await call('POST', `/admin/users/${admin.id}/block`, { token: admin.token, body: { reason: 'a slip' } });
      assert.equal(block.status, 422);
      assert.equal(block.body.error.code, 'rule_violation');
      const revoke = await call('DELETE', `/admin/users/${admin.id}/roles/admin`, { token: admin.token });
      assert.equal(revoke.status, 422);
      assert.equal(revoke.body.error.code, 'rule_violation');
      const me = await call('GET', '/me', { token: admin.token });
      assert.equal(me.status, 200, 'still signed in: not blocked');
      assert.deepEqual(me.body.roles, ['admin']);

      // Their other roles are theirs to drop, and another admin may take the admin role or block.
      assert.deepEqual((await call('POST', `/admin/users/${admin.id}/roles`, { token: admin.token, body: { role: 'support' } })).body.roles, ['admin', 'support']);
      assert.deepEqual((await call('DELETE', `/admin/users/${admin.id}/roles/support`, { token: admin.token })).body.roles, ['admin']);
      const other = await signUp(call, 'second_admin');
      grantAdminByCli(other.login);
      assert.deepEqual((await call('DELETE', `/admin/users/${admin.id}/roles/admin`, { token: other.token })).body.roles, []);
      assert.equal((await call('POST', `/admin/users/${admin.id}/block`, { token: other.token, body: { reason: 'left the team' } })).status, 204);
    });

    it('lets an admin find users by the start of their login, any case, blocked and unconfirmed ones too; `_` is a character, not a wildcard', async () => {
      const admin = await signUp(call, 'finder');
      grantAdminByCli(admin.login);
      const tag = `fx${process.pid}`;
      const plain = await signUp(call, `${tag}_a`);
      const unconfirmed = await signUp(call, `${tag}_b`, { confirm: false });
      const blocked = await signUp(call, `${tag}Xb`);
      assert.equal((await call('POST', `/admin/users/${blocked.id}/block`, { token: admin.token, body: { reason: 'spam' } })).status, 204);
      const find = async (login: string, token = admin.token) => call('GET', `/admin/users?login=${login}`, { token });
      const found = await find(tag.toUpperCase());
      assert.equal(found.status, 200, JSON.stringify(found.body));
      const byLogin = new Map(found.body.items.map((u: { login: string }) => [u.login, u]));
      // Logins are kept in lower case (`normalize`).
      assert.deepEqual([...byLogin.keys()].sort(), [plain.login, unconfirmed.login, blocked.login.toLowerCase()].sort());
      assert.equal((byLogin.get(unconfirmed.login) as { emailConfirmed: boolean }).emailConfirmed, false);
      assert.deepEqual((byLogin.get(blocked.login.toLowerCase()) as { blocked: { reason: string } }).blocked.reason, 'spam');
      assert.equal((byLogin.get(plain.login) as { email: string }).email, plain.email);
      // `fx<pid>_` matches the two with an underscore there, not `fx<pid>Xb`.
      assert.deepEqual((await find(`${tag}_`)).body.items.map((u: { login: string }) => u.login).sort(), [plain.login, unconfirmed.login].sort());
      assert.equal((await find(tag, plain.token)).status, 403, 'only admins');
      assert.equal((await find('')).status, 400);
      assert.equal((await find('a%25')).status, 400);
    });
  });
});
