/**
 * The account's life outside registration (issue 18): the account a job's submission creates
 * and its activation (W-01), the data export (W-19, EU law) and closing the account (W-20).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLedger } from '../../db/ledger.js';
import { issueInvoice } from '../../db/invoices.js';
import { createAccounts } from '../../services/accounts.js';
import { accountRules } from '../../services/policy.js';
import { MINUTE } from '../../workflows/lib/time.js';
import { manualClock, PASSWORD, signUp, type Caller, type TestUser } from '../support/api.js';
import { sampleOf } from '../support/attachment-samples.js';
import { insertOffer } from '../support/catalog.js';
import { insertOrder } from '../support/closed-orders.js';
import { startPayingApi, uniqueId, type PayingApi, type TestDatabase } from '../support/harness.js';
import { insertJob } from '../support/jobs.js';
import { fund } from '../support/orders.js';

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

  describe('closing an account (W-20)', () => {
    let staff: TestUser;
    let other: TestUser;
    before(async () => {
      staff = await signUp(call, 'support');
      other = await signUp(call, 'other');
      await createAccounts({ db: database.db, clock }).grantRole(staff.id, 'support');
    });
    const complete = (id: number) => call('POST', `/staff/closures/${id}/complete`, { token: staff.token });

    it('takes a request with a reason, shows it pending, refuses a second, and lets the user withdraw it', async () => {
      const user = await signUp(call, 'withdraws');
      for (const reason of ['', ' ', 'x'.repeat(accountRules.closureReasonMaxLength + 1)]) {
        const bad = await call('POST', '/me/closure', { token: user.token, body: { reason } });
        assert.equal(bad.status, 400, reason);
      }
      assert.equal((await call('POST', '/me/closure', { token: user.token, body: {} })).status, 400);
      const filed = await call('POST', '/me/closure', { token: user.token, body: { reason: '  I no longer sell here. ' } });
      assert.equal(filed.status, 201);
      assert.equal(filed.body.reason, 'I no longer sell here.');
      assert.deepEqual((await call('GET', '/me/closure', { token: user.token })).body, filed.body);
      assert.equal((await call('POST', '/me/closure', { token: user.token, body: { reason: 'again' } })).status, 409);
      const listed = (await call('GET', '/staff/closures', { token: staff.token })).body.items.find((i: { id: number }) => i.id === filed.body.id);
      assert.equal(listed.login, user.login);
      assert.deepEqual(listed.blockers, []);
      assert.equal((await call('DELETE', '/me/closure', { token: user.token })).status, 204);
      assert.equal((await call('GET', '/me/closure', { token: user.token })).body, null);
      assert.equal((await call('DELETE', '/me/closure', { token: user.token })).status, 404);
      assert.equal((await complete(filed.body.id)).status, 404);
      assert.equal((await call('GET', '/me', { token: user.token })).status, 200);
    });

    it('refuses to complete while the user has money in play, naming what blocks it: an open order, a balance, escrow', async () => {
      const user = await signUp(call, 'rich');
      await fund(database.db, user.id, 700);
      await insertOrder(database.db, { buyer: user, offerId: await insertOffer(database.db, other.id), ending: 'in_progress' });
      await createLedger(database.db).hold({ orderId: uniqueId('closure'), buyerId: user.id, amount: 200 });
      const filed = await call('POST', '/me/closure', { token: user.token, body: { reason: 'Leaving' } });
      const refused = await complete(filed.body.id);
      assert.equal(refused.status, 409);
      assert.deepEqual(
        refused.body.error.details.blockers.map((b: { kind: string }) => b.kind),
        ['open_orders', 'escrow', 'balance'],
      );
      assert.equal((await call('GET', '/me', { token: user.token })).body.email, user.email);
      const listed = (await call('GET', '/staff/closures', { token: staff.token })).body.items.find((i: { id: number }) => i.id === filed.body.id);
      assert.equal(listed.blockers.length, 3);
    });

    it('refuses to complete while the user has an open job as client or as expert, or money in a job’s escrow; a closed job blocks nothing and keeps its files (W-20, W-08, W-03)', async () => {
      const client = await signUp(call, 'jobclient');
      const expert = await signUp(call, 'jobexpert');
      const jobId = await insertJob(database.db, client.id, 'in_progress', { expertId: expert.id });
      await fund(database.db, client.id, 500);
      await createLedger(database.db).jobHold({ jobId, estimateNumber: 1, clientId: client.id, amount: 500, description: 'paid into escrow' });
      const asClient = await call('POST', '/me/closure', { token: client.token, body: { reason: 'Leaving' } });
      const asExpert = await call('POST', '/me/closure', { token: expert.token, body: { reason: 'Leaving too' } });
      const kinds = async (closureId: number) => {
        const refused = await complete(closureId);
        assert.equal(refused.status, 409);
        return refused.body.error.details.blockers.map((b: { kind: string }) => b.kind);
      };
      assert.deepEqual(await kinds(asClient.body.id), ['open_jobs', 'job_escrow']);
      assert.deepEqual(await kinds(asExpert.body.id), ['open_jobs']);

      // The job is refunded and cancelled: the expert's closure goes through; the client's waits for the refunded balance.
      await database.db.sql.begin((tx) => createLedger(database.db).jobSettleIn(tx, { op: 'refund', jobId }));
      await database.db.sql`update jobs set status = 'cancelled', closed_at = now() where id = ${jobId}`;
      assert.deepEqual(await kinds(asClient.body.id), ['balance']);
      assert.equal((await complete(asExpert.body.id)).status, 200);

      // A closed job's files stay with the job (the expert's record of what was asked), the job too.
      const owner = await signUp(call, 'jobfiles');
      const closedJob = await insertJob(database.db, owner.id, 'approved');
      const form = new FormData();
      form.append('file', new File([sampleOf('png') as Uint8Array<ArrayBuffer>], 'mockup.png'));
      const upload = await call('POST', '/attachments', { token: owner.token, body: form });
      await database.db.sql`insert into job_attachments (job_id, attachment_id) values (${closedJob}, ${upload.body.id})`;
      const filed = await call('POST', '/me/closure', { token: owner.token, body: { reason: 'Done here' } });
      assert.equal((await complete(filed.body.id)).status, 200);
      assert.equal((await database.db.sql`select 1 from attachments where id = ${upload.body.id}`).length, 1);
      assert.equal((await database.db.sql`select 1 from jobs where id = ${closedJob} and client_id = ${owner.id}`).length, 1);
    });

    it('erases the personal data and keeps the ledger and the issued invoices; the account signs in no more', async () => {
      const user = await signUp(call, 'closes');
      await call('PATCH', '/me/profile', { token: user.token, body: { displayName: 'Closing Carol', city: 'Gdańsk' } });
      await call('PUT', '/me/invoicing', { token: user.token, body: { firstName: 'Carol', lastName: 'Nowak', country: 'PL', company: null } });
      await database.db.sql`insert into payout_details (user_id, method, account, token) values (${user.id}, 'paypal', ${user.email}, ${user.email})`;
      // Money that came and went: a top-up, held and released to the other user. The balance is zero.
      const orderId = uniqueId('closure');
      const ledger = createLedger(database.db);
      await fund(database.db, user.id, 1_000);
      await ledger.hold({ orderId, buyerId: user.id, amount: 1_000 });
      await ledger.release({ orderId, sellerId: other.id, commissionBps: 2_000 });
      const invoice = await database.db.orm.transaction((tx) =>
        issueInvoice(tx, { jobId: null, clientId: user.id, lines: [{ description: 'Work', amountCents: 1_000 }], totalCents: 1_000, issuedAt: clock.now() }),
      );
      const form = new FormData();
      form.append('file', new File([sampleOf('png') as Uint8Array<ArrayBuffer>], 'me.png'));
      const upload = await call('POST', '/attachments', { token: user.token, body: form });
      assert.equal(upload.status, 201);
      const conversation = await call('POST', '/conversations', { token: user.token, body: { withUserId: other.id } });
      assert.equal((await call('POST', `/conversations/${conversation.body.id}/messages`, { token: user.token, body: { text: 'Thanks for the logo!' } })).status, 201);
      const ledgerBefore = await database.db.sql`select p.* from ledger_postings p join ledger_accounts a on a.id = p.account_id where a.user_id = ${user.id} order by p.id`;
      const [invoiceBefore] = await database.db.sql`select * from invoices where id = ${invoice.id}`;

      const filed = await call('POST', '/me/closure', { token: user.token, body: { reason: 'Moving on' } });
      const done = await complete(filed.body.id);
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.userId, user.id);

      const [row] = await database.db.sql`select login, email, password_hash, display_name, city, email_confirmed_at from users where id = ${user.id}`;
      assert.deepEqual({ ...row }, { login: `deleted-${user.id}`, email: `deleted-${user.id}`, password_hash: '', display_name: null, city: null, email_confirmed_at: null });
      assert.equal((await call('GET', '/me', { token: user.token })).status, 401);
      assert.equal((await call('POST', '/auth/login', { body: { login: user.email, password: PASSWORD } })).status, 401);
      assert.equal((await call('POST', '/auth/login', { body: { login: `deleted-${user.id}`, password: '' } })).status, 400);
      for (const table of ['sessions', 'invoicing_profiles', 'payout_details', 'email_tokens']) {
        const [{ n }] = (await database.db.sql`select count(*)::int as n from ${database.db.sql(table)} where user_id = ${user.id}`) as unknown as [{ n: number }];
        assert.equal(n, 0, table);
      }
      assert.equal((await database.db.sql`select 1 from attachments where id = ${upload.body.id}`).length, 0);
      assert.equal((await database.db.sql`select 1 from outbox where to_address = ${user.email}`).length, 0);
      // Kept: the ledger, the invoice with its own copy of the buyer's data, the message as the other party's record.
      assert.deepEqual(await database.db.sql`select p.* from ledger_postings p join ledger_accounts a on a.id = p.account_id where a.user_id = ${user.id} order by p.id`, ledgerBefore);
      const [invoiceAfter] = await database.db.sql`select * from invoices where id = ${invoice.id}`;
      assert.deepEqual(invoiceAfter, invoiceBefore);
      assert.equal((invoiceAfter!.client as { name: string }).name, 'Carol Nowak');
      const [message] = await database.db.sql`select text from messages where author_id = ${user.id}`;
      assert.equal(message!.text, 'Thanks for the logo!');
      const [closure] = await database.db.sql`select completed_by from account_closures where id = ${filed.body.id}`;
      assert.equal(Number(closure!.completed_by), staff.id);
      assert.ok(!(await call('GET', '/staff/closures', { token: staff.token })).body.items.some((i: { id: number }) => i.id === filed.body.id));
      assert.equal((await complete(filed.body.id)).status, 404);
    });
  });

  describe('the data export (W-19)', () => {
    it('gives the caller’s own data as an attachment, and none of the other party’s', async () => {
      const user = await signUp(call, 'exports');
      const seller = await signUp(call, 'theirs');
      await call('PATCH', '/me/profile', { token: user.token, body: { city: 'Kraków' } });
      await call('PUT', '/me/invoicing', { token: user.token, body: { firstName: 'Ewa', lastName: 'Kowalska', country: 'PL', company: null } });
      await call('PUT', '/me/invoicing', { token: seller.token, body: { firstName: 'Sellerfirst', lastName: 'Sellerlast', country: 'DE', company: null } });
      const orderId = await insertOrder(database.db, { buyer: user, offerId: await insertOffer(database.db, seller.id), ending: 'accepted' });
      const conversation = await call('POST', '/conversations', { token: user.token, body: { withUserId: seller.id } });
      await call('POST', `/conversations/${conversation.body.id}/messages`, { token: user.token, body: { text: 'My own words' } });
      await call('POST', `/conversations/${conversation.body.id}/messages`, { token: seller.token, body: { text: 'The seller’s words' } });
      await fund(database.db, user.id, 300);

      const res = await call('GET', '/me/export', { token: user.token });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-disposition'), `attachment; filename="gigflow-export-${user.id}.json"`);
      const data = res.body;
      assert.equal(data.userId, user.id);
      assert.equal(data.profile.email, user.email);
      assert.equal(data.profile.city, 'Kraków');
      assert.equal(data.invoices.invoicingData.lastName, 'Kowalska');
      assert.deepEqual(data.orders.map((o: { id: string; role: string; otherParty: string }) => [Number(o.id), o.role, o.otherParty]), [[orderId, 'buyer', seller.login]]);
      assert.deepEqual(data.messages.map((m: { text: string }) => m.text), ['My own words']);
      assert.equal(data.ledger.accounts.find((a: { kind: string }) => a.kind === 'main').balance, '300');
      for (const section of ['settings', 'offers', 'reviews', 'attachments', 'badges', 'affiliate', 'jobs', 'notifications', 'accountClosures']) assert.ok(section in data, section);
      const text = JSON.stringify(data);
      for (const theirs of [seller.email, 'Sellerfirst', 'Sellerlast']) assert.ok(!text.includes(theirs), theirs);
    });

    it('lists the caller’s jobs as client and as expert, the review and the job messages they wrote, naming the other party by login only (W-19)', async () => {
      const client = await signUp(call, 'jobexp');
      const expert = await signUp(call, 'jobexpx');
      const jobId = await insertJob(database.db, client.id, 'approved', { expertId: expert.id });
      await database.db.sql`update jobs set review_stars = 5, review_comment = 'Quick and clean', reviewed_at = now() where id = ${jobId}`;
      const [conversation] = await database.db.sql<{ id: string }[]>`select id from conversations where job_id = ${jobId}`;
      for (const [author, text] of [[client.id, 'The checkout shows an error'], [expert.id, 'Fixed it']] as const) {
        await database.db.sql`insert into messages (conversation_id, author_id, text, created_at) values (${conversation!.id}, ${author}, ${text}, now())`;
      }
      const exportOf = async (user: TestUser) => (await call('GET', '/me/export', { token: user.token })).body.jobs;

      const mine = await exportOf(client);
      assert.deepEqual(mine.jobs.map((j: { id: string; role: string; otherParty: string; status: string }) => [Number(j.id), j.role, j.otherParty, j.status]), [[jobId, 'client', expert.login, 'approved']]);
      assert.deepEqual(mine.reviews.map((r: { direction: string; stars: number; comment: string }) => [r.direction, r.stars, r.comment]), [['written', 5, 'Quick and clean']]);
      assert.deepEqual(mine.messages.map((m: { jobId: string; text: string }) => [Number(m.jobId), m.text]), [[jobId, 'The checkout shows an error']]);
      assert.ok(!JSON.stringify(mine).includes(expert.email));

      const theirs = await exportOf(expert);
      assert.deepEqual(theirs.jobs.map((j: { id: string; role: string; otherParty: string }) => [Number(j.id), j.role, j.otherParty]), [[jobId, 'expert', client.login]]);
      assert.deepEqual(theirs.reviews.map((r: { direction: string; stars: number }) => [r.direction, r.stars]), [['received', 5]]);
      assert.deepEqual(theirs.messages.map((m: { text: string }) => m.text), ['Fixed it']);
      assert.ok(!JSON.stringify(theirs).includes(client.email));
    });
  });
});
