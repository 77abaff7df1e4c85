/**
 * The account's life outside registration (issue 18): the account a job's submission creates
 * and its activation (W-01), the data export (W-19, EU law) and closing the account (W-20).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAccounts } from '../../services/accounts.js';
import { accountRules } from '../../services/policy.js';
import { MINUTE } from '../../workflows/lib/time.js';
import { manualClock, PASSWORD, type Caller } from '../support/api.js';
import { startPayingApi, type PayingApi, type TestDatabase } from '../support/harness.js';

const WEB = 'http://127.0.0.1:3001';

describe('account lifecycle', () => {
  let api: PayingApi;
  let database: TestDatabase;
  let call: Caller;
  const clock = manualClock();
  /** What the activation hook saw; `failHook` makes it throw. */
  const activated: number[] = [];
  let failHook = false;
  let unique = 0;
  const fresh = (prefix: string) => `${prefix}_${process.pid}_${++unique}@example.com`;

  before(async () => {
    api = await startPayingApi(import.meta.filename, {
      clock,
      webUrl: WEB,
      onActivated: async (userId) => {
        activated.push(userId);
        if (failHook) throw new Error('the job service is down');
      },
    });
    ({ database, call } = api);
  });
  after(() => api?.stop());

  /** The job form's part: the account for `email`, in a transaction of its own, as the submission's. */
  function submit(email: string, username?: string) {
    const accounts = createAccounts({ db: database.db, clock, webUrl: WEB });
    return database.db.orm.transaction((tx) => accounts.createAccountOnSubmission(tx, { email, ...(username ? { username } : {}), now: clock.now() }));
  }
  async function mailsTo(email: string) {
    return (await call('GET', `/dev/outbox?to=${encodeURIComponent(email)}`)).body.items as { subject: string; body: string }[];
  }
  /** The token of the newest activation link mailed to `email`. */
  async function activationToken(email: string): Promise<string> {
    const [mail] = await mailsTo(email);
    const link = /(\S+\/activate\?token=)(\S+)/.exec(mail!.body);
    assert.ok(link, mail!.body);
    assert.equal(link[1], `${WEB}/activate?token=`);
    return link[2]!;
  }

  describe('an account created on a job’s submission (W-01)', () => {
    it('creates a user with no password and an unconfirmed email, a login from the email, and mails ONE activation link', async () => {
      const email = fresh('Jane.Doe');
      const result = await submit(email.toUpperCase());
      assert.ok('created' in result);
      const [user] = await database.db.sql`select login, email, password_hash, email_confirmed_at from users where id = ${result.userId}`;
      assert.equal(user!.email, email.toLowerCase());
      assert.equal(user!.login, email.toLowerCase().split('@')[0]!.replaceAll('.', '_'));
      assert.equal(user!.password_hash, '');
      assert.equal(user!.email_confirmed_at, null);
      const mails = await mailsTo(email.toLowerCase());
      assert.equal(mails.length, 1);
      assert.equal(mails[0]!.subject, 'Activate your gigflow account');
      // Without a password nobody signs in, whatever they type.
      const signIn = await call('POST', '/auth/login', { body: { login: email.toLowerCase(), password: PASSWORD } });
      assert.equal(signIn.status, 401);
    });

    it('creates nothing and mails nothing for an email that has an account: the caller answers “sign in first”', async () => {
      const email = fresh('taken');
      await submit(email);
      const before = await database.db.sql`select count(*)::int as n from users`;
      const again = await submit(email.toUpperCase());
      assert.deepEqual(again, { existing: true });
      assert.deepEqual(await database.db.sql`select count(*)::int as n from users`, before);
      assert.equal((await mailsTo(email)).length, 1);
    });

    it('takes a free login when the email’s local part is taken, and refuses a username that is', async () => {
      const first = await submit(`same_${process.pid}@one.example`);
      const second = await submit(`same_${process.pid}@two.example`);
      assert.ok('created' in first && 'created' in second);
      const logins = await database.db.sql`select login from users where id in (${first.userId}, ${second.userId}) order by id`;
      assert.equal(logins[0]!.login, `same_${process.pid}`);
      assert.match(logins[1]!.login, new RegExp(`^same_${process.pid}_[0-9]+$`));
      await assert.rejects(submit(fresh('other'), `same_${process.pid}`), { code: 'login_taken' });
    });

    it('activates once: the link sets the password, confirms the email, signs in and runs the hook; a second use is refused', async () => {
      const email = fresh('activates');
      const created = await submit(email);
      assert.ok('created' in created);
      const token = await activationToken(email);
      const res = await call('POST', '/auth/activate', { body: { token, password: PASSWORD } });
      assert.equal(res.status, 200);
      assert.match(res.body.token, /^gfs_/);
      assert.equal(res.body.user.emailConfirmed, true);
      assert.deepEqual(activated.at(-1), created.userId);
      assert.equal((await call('GET', '/me', { token: res.body.token })).body.email, email);
      assert.equal((await call('POST', '/auth/login', { body: { login: email, password: PASSWORD } })).status, 200);
      const again = await call('POST', '/auth/activate', { body: { token, password: 'another password 1' } });
      assert.equal(again.status, 400);
      assert.equal(again.body.error.code, 'invalid_token');
      // An activation link confirms no email through the confirmation route either.
      assert.equal((await call('POST', '/auth/confirm-email', { body: { token } })).body.error.code, 'invalid_token');
    });

    it(`refuses a link past ${accountRules.activationTokenTtlMs / 3_600_000} h and takes it a minute before; a resent link activates; resend answers 202 for any email`, async () => {
      const early = fresh('early');
      await submit(early);
      const earlyToken = await activationToken(early);
      const late = fresh('late');
      await submit(late);
      const lateToken = await activationToken(late);
      clock.advance(accountRules.activationTokenTtlMs - MINUTE);
      assert.equal((await call('POST', '/auth/activate', { body: { token: earlyToken, password: PASSWORD } })).status, 200);
      clock.advance(2 * MINUTE);
      const expired = await call('POST', '/auth/activate', { body: { token: lateToken, password: PASSWORD } });
      assert.equal(expired.body.error.code, 'invalid_token');

      for (const email of [late, fresh('nobody'), early]) {
        const res = await call('POST', '/auth/activation/resend', { body: { email } });
        assert.equal(res.status, 202);
        assert.deepEqual(res.body, { sent: true });
      }
      // Only the account waiting for activation got a new link: not the unknown email, not the active account.
      assert.equal((await mailsTo(late)).length, 2);
      assert.equal((await mailsTo(early)).length, 1);
      const renewed = await call('POST', '/auth/activate', { body: { token: await activationToken(late), password: PASSWORD } });
      assert.equal(renewed.status, 200);
    });

    it('keeps the activation when the hook fails, and puts the user on staff’s attention list', async () => {
      const email = fresh('hookfails');
      const created = await submit(email);
      assert.ok('created' in created);
      failHook = true;
      try {
        const res = await call('POST', '/auth/activate', { body: { token: await activationToken(email), password: PASSWORD } });
        assert.equal(res.status, 200);
      } finally {
        failHook = false;
      }
      const [user] = await database.db.sql`select email_confirmed_at from users where id = ${created.userId}`;
      assert.notEqual(user!.email_confirmed_at, null);
      const [held] = await database.db.sql`select process, reason from workflow_attention where entity_id = ${created.userId} and resolved_at is null`;
      assert.equal(held!.process, 'account_activation');
      assert.match(held!.reason, /the job service is down/);
    });

    it('mails an activation link, not a reset code, to a never-activated account that asks to reset its password', async () => {
      const email = fresh('forgot');
      await submit(email);
      assert.equal((await call('POST', '/auth/password-reset', { body: { email } })).status, 202);
      const mails = await mailsTo(email);
      assert.equal(mails.length, 2);
      assert.equal(mails[0]!.subject, 'Activate your gigflow account');
    });
  });
});
