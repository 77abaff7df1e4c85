/**
 * Email (K-70) as it leaves gigflow: a new order's notification reaches the seller's mailbox
 * over SMTP — through the outbox, the dispatcher every worker runs and the nodemailer adapter —
 * at an SMTP server this file runs in-process; the seller's notification settings decide
 * whether it goes to the app, to email, or both; a mail server that refuses makes a message
 * wait longer after each failure, and stop at the last attempt, listed for support. Each
 * notification's mail links to the page it is about and to the mail settings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { dispatchOutbox, MAX_ATTEMPTS, runOutboxDispatcher } from '../../db/outbox.js';
import { smtpMailAdapter } from '../../db/smtp-mail.js';
import { pollUntil } from '../../scripts/poll.js';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { callerFor, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';
import { directAccount, directMarket } from '../support/order-scenarios.js';
import { placeOrder, type Market } from '../support/orders.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp.js';

describe('email over SMTP (K-70)', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let smtp: SmtpSink;
  let stopMail: AbortController;
  let mailing: Promise<void>;
  const FROM = 'gigflow <no-reply@gigflow.test>';
  /** The web client's public address (WEB_PUBLIC_URL), which notifications' mails link to. */
  const WEB = 'https://gigflow.test';
  /** A notification's mail: its text, then where to see it and where to choose mails (K-70). */
  const mailed = (text: string, path: string) => `${text}\n\nSee it on gigflow: ${WEB}${path}\n\nChoose which emails gigflow sends you: ${WEB}/settings/notifications`;

  before(async () => {
    [database, temporal, smtp] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal(), startSmtpSink()]);
    call = callerFor(buildApp({ db: database.db, temporal }));
    // What each worker runs (worker.ts) with SMTP_URL set: the dispatcher and the SMTP adapter.
    const mailer = smtpMailAdapter(smtp.url, FROM);
    stopMail = new AbortController();
    mailing = runOutboxDispatcher({ db: database.db, mailer, signal: stopMail.signal, intervalMs: 50, webUrl: WEB }).finally(() => mailer.close());
  });
  after(async () => {
    stopMail?.abort();
    await mailing;
    await smtp?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  const mailTo = (user: TestUser) => smtp.arrived.filter((m) => m.to.includes(user.email));
  const inbox = async (user: TestUser) => (await call('GET', '/notifications', { token: user.token })).body.items.map((n: { kind: string; orderId: number }) => [n.kind, n.orderId]);
  const route = async (user: TestUser, kind: string, inApp: boolean, email: boolean) => {
    const res = await call('PUT', '/me/notification-settings', { token: user.token, body: { kinds: [{ kind, inApp, email }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };

  it('mails the seller of a new order, from MAIL_FROM, saying what the notification says, and shows it in the app too', async () => {
    const m: Market = await directMarket(database.db);
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    const [mail] = await pollUntil(() => (mailTo(m.seller).length ? mailTo(m.seller) : undefined), { timeoutMs: 10_000, what: 'the new order’s email at the SMTP server' });
    assert.equal(mail!.from, 'no-reply@gigflow.test');
    assert.deepEqual(mail!.to, [m.seller.email]);
    assert.match(mail!.subject, new RegExp(`^New order ${order.orderId}: “Logo design `));
    assert.match(mail!.text, new RegExp(`^${m.buyer.login} ordered “Logo design .+” for \\$10\\.00 \\(you earn \\$8\\.00\\)`));
    // It links to the order's page, and to the settings that decide which mails come.
    assert.ok(mail!.text.endsWith(`\n\nSee it on gigflow: ${WEB}/orders/${order.orderId}\n\nChoose which emails gigflow sends you: ${WEB}/settings/notifications`), mail!.text);
    assert.deepEqual(await inbox(m.seller), [['order_placed', order.orderId]]);
    assert.deepEqual(mailTo(m.buyer), [], 'the buyer, who placed it, is mailed nothing');
  });

  it('follows the seller’s settings: email only keeps it out of the app, in-app only sends no email', async () => {
    const m = await directMarket(database.db);
    await route(m.seller, 'order_placed', false, true);
    const emailOnly = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await pollUntil(() => mailTo(m.seller).length === 1, { timeoutMs: 10_000, what: 'the email-only order’s email' });
    assert.deepEqual(await inbox(m.seller), [], 'nothing in the notification centre');
    assert.equal((await call('GET', '/notifications', { token: m.seller.token })).body.unreadCount, 0);

    await route(m.seller, 'order_placed', true, false);
    const inAppOnly = await placeOrder(call, m.buyer, { offerId: m.offerId });
    assert.deepEqual(await inbox(m.seller), [['order_placed', inAppOnly.orderId]]);
    // The email would have been queued with the notification, in its transaction: none was.
    const queued = await database.db.sql`select subject from outbox where to_address = ${m.seller.email} order by id`;
    assert.deepEqual(queued.map((r) => r.subject as string).map((s) => s.split(':')[0]), [`New order ${emailOnly.orderId}`]);
    assert.equal(mailTo(m.seller).length, 1);
  });

  it('mails any kind a user routes to email, whichever code inserts the notification', async () => {
    const user = await directAccount(database.db, 'leveled');
    const notify = (kind: string, key: string) =>
      database.db.sql`insert into notifications (user_id, kind, text, dedupe_key, created_at) values (${user.id}, ${kind}, ${`You are now ${key}.`}, ${`${user.id}:${key}`}, now())`;
    await notify('seller_level', 'level-1');
    await route(user, 'seller_level', true, true);
    await notify('seller_level', 'level-2');
    const [mail] = await pollUntil(() => (mailTo(user).length ? mailTo(user) : undefined), { timeoutMs: 10_000, what: 'the level notice’s email' });
    assert.equal(mail!.subject, 'gigflow: seller level');
    assert.equal(mail!.text, mailed('You are now level-2.', '/notifications'), 'a kind with no page of its own links to the notification centre');
    assert.deepEqual((await inbox(user)).length, 2);
    // An unconfirmed address is mailed nothing, whatever the setting.
    await database.db.sql`update users set email_confirmed_at = null where id = ${user.id}`;
    await notify('seller_level', 'level-3');
    assert.equal((await database.db.sql`select count(*)::int as n from outbox where to_address = ${user.email}`)[0]!.n, 1);
  });

  it('links each notification’s mail to the page it is about: the order, job, request or withdrawal, else its kind’s page', async () => {
    const user = await directAccount(database.db, 'linked');
    await route(user, 'job_claimed', true, true);
    const cases: [key: string, path: string][] = [
      [`job:41:3:job_claimed:${user.id}`, '/jobs/41'],
      [`request:42:2:${user.id}`, '/requests/42'],
      [`withdrawal:43:1:${user.id}`, '/balance/withdrawals/43'],
      [`standing:${user.id}:4`, '/standing'],
      [`message:44:new_message:${user.id}`, '/messages'],
      [`individual-offer:45:made:${user.id}`, '/individual-offers'],
      [`${user.id}:something-else`, '/notifications'],
    ];
    for (const [key] of cases) {
      await database.db.sql`insert into notifications (user_id, kind, text, dedupe_key, created_at) values (${user.id}, 'job_claimed', ${`About ${key}.`}, ${key}, now())`;
    }
    await pollUntil(() => mailTo(user).length === cases.length || undefined, { timeoutMs: 10_000, what: 'a mail for each notification' });
    for (const [key, path] of cases) {
      assert.deepEqual(mailTo(user).filter((m) => m.text.startsWith(`About ${key}.`)).map((m) => m.text), [mailed(`About ${key}.`, path)], key);
    }
    // The notification centre links each to the same page (`page`), newest first.
    const listed = (await call('GET', '/notifications', { token: user.token })).body.items.map((n: { text: string; page: string }) => [n.text, n.page]);
    assert.deepEqual(listed, cases.map(([key, path]) => [`About ${key}.`, path]).reverse());
  });

  it('mails a new message to its recipient, once per conversation until they read it (K-70)', async () => {
    const [writer, reader] = await Promise.all([directAccount(database.db, 'writer'), directAccount(database.db, 'reader')]);
    const opened = await call('POST', '/conversations', { token: writer.token, body: { withUserId: reader.id } });
    const say = async (text: string) => {
      const res = await call('POST', `/conversations/${opened.body.id}/messages`, { token: writer.token, body: { text } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.message.id as number;
    };
    await say('Hello! Do you draw mascots?');
    await say('A fox, for a bakery.');
    const [mail] = await pollUntil(() => (mailTo(reader).length ? mailTo(reader) : undefined), { timeoutMs: 10_000, what: 'the new message’s email' });
    assert.equal(mail!.subject, 'gigflow: new message');
    assert.equal(mail!.text, mailed(`${writer.login} wrote: Hello! Do you draw mascots?`, '/messages'));
    assert.deepEqual(await inbox(reader), [['new_message', null]], 'the second message, unread behind the first, notifies nobody');

    const read = await call('POST', `/conversations/${opened.body.id}/read`, { token: reader.token, body: { upToMessageId: await say('Tomorrow?') } });
    assert.equal(read.status, 200);
    await say('Sorry, one more thing: a blue fox.');
    await pollUntil(() => (mailTo(reader).length === 2 ? true : undefined), { timeoutMs: 10_000, what: 'the email of the message after the read' });
    assert.equal(mailTo(reader)[1]!.text, mailed(`${writer.login} wrote: Sorry, one more thing: a blue fox.`, '/messages'));
    assert.equal(mailTo(writer).length, 0);
  });
});

describe('a mail server that refuses (K-70)', () => {
  let database: TestDatabase;
  let refusing: SmtpSink;
  let temporal: Client;

  before(async () => {
    [database, refusing, temporal] = await Promise.all([createTestDatabase(`${import.meta.filename}-refused`), startSmtpSink({ refuse: true }), connectTemporal()]);
  });
  after(async () => {
    await refusing?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('puts the message off longer after each failure, up to the cap, stops after the last attempt and lists it for support', async () => {
    const [{ id }] = (await database.db.sql`
      insert into outbox (kind, to_address, subject, body) values ('test', 'someone@example.com', 'Hello', 'Body') returning id`) as unknown as [{ id: string }];
    const mailer = smtpMailAdapter(refusing.url, 'gigflow <no-reply@gigflow.test>');
    const backoff = { baseMs: 60_000, capMs: 600_000 };
    const row = async () => {
      const [r] = await database.db.sql<{ attempts: number; wait_ms: number; last_error: string; sent: boolean }[]>`
        select attempts, round(extract(epoch from next_attempt_at - now()) * 1000)::int as wait_ms, last_error, sent_at is not null as sent from outbox where id = ${id}`;
      return r!;
    };
    const waits: number[] = [];
    try {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        assert.equal(await dispatchOutbox(database.db, mailer, 20, backoff), 0);
        const after = await row();
        assert.equal(after.attempts, attempt);
        assert.match(after.last_error, /421/);
        waits.push(Math.round(after.wait_ms / 60_000));
        // Not due yet: a round now leaves it alone, and the server sees no new attempt.
        assert.equal(await dispatchOutbox(database.db, mailer, 20, backoff), 0);
        assert.equal((await row()).attempts, attempt);
        assert.equal(refusing.refused, attempt);
        // Time passes until it is due.
        await database.db.sql`update outbox set next_attempt_at = now() where id = ${id}`;
      }
    } finally {
      mailer.close();
    }
    // In minutes: doubling from 1 up to the 10-minute cap.
    assert.deepEqual(waits, [1, 2, 4, 8, 10, 10, 10, 10, 10, 10]);
    // Past the last attempt it is never tried again, however due.
    assert.equal(await dispatchOutbox(database.db, smtpMailAdapter(refusing.url, 'x <x@gigflow.test>'), 20, backoff), 0);
    assert.equal(refusing.refused, MAX_ATTEMPTS);
    assert.equal((await row()).sent, false);

    const support = await directAccount(database.db, 'support');
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(support.id, 'support');
    const failed = await callerFor(buildApp({ db: database.db, temporal }))('GET', '/staff/outbox/failed', { token: support.token });
    assert.equal(failed.status, 200);
    assert.deepEqual(
      failed.body.items.map((m: { id: number; to: string; attempts: number }) => [m.id, m.to, m.attempts]),
      [[Number(id), 'someone@example.com', MAX_ATTEMPTS]],
    );
    assert.match(failed.body.items[0].lastError, /421/);
  });
});
