import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { dispatchOutbox, logMailAdapter, runOutboxDispatcher, type MailMessage } from '../../db/outbox.js';
import { pollUntil } from '../../scripts/poll.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';

describe('the mail outbox', () => {
  let database: TestDatabase;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
  });
  after(() => database?.drop());

  async function queue(to: string) {
    await database.db.sql`insert into outbox (kind, to_address, subject, body) values ('test', ${to}, 'Hello', 'Body')`;
  }
  const unsent = async () => (await database.db.sql`select to_address, attempts, last_error from outbox where sent_at is null order by id`).map((r) => ({ ...r }));

  it('hands each queued message to the adapter once, oldest first, and marks it sent', async () => {
    await queue('a@example.com');
    await queue('b@example.com');
    const sent: MailMessage[] = [];
    assert.equal(await dispatchOutbox(database.db, { send: async (m) => void sent.push(m) }), 2);
    assert.deepEqual(sent.map((m) => m.to), ['a@example.com', 'b@example.com']);
    assert.equal(await dispatchOutbox(database.db, { send: async (m) => void sent.push(m) }), 0);
    assert.equal(sent.length, 2);
    assert.deepEqual(await unsent(), []);
  });

  it('keeps a message the adapter failed to send, counting the attempt, and sends it on a round once its backoff has passed', async () => {
    await queue('c@example.com');
    assert.equal(await dispatchOutbox(database.db, { send: async () => { throw new Error('SMTP down'); } }), 0);
    assert.deepEqual(await unsent(), [{ to_address: 'c@example.com', attempts: 1, last_error: 'Error: SMTP down' }]);
    // The first failure puts it off by 30 s: a round before then leaves it alone.
    assert.equal(await dispatchOutbox(database.db, { send: async () => {} }), 0);
    await database.db.sql`update outbox set next_attempt_at = now() where sent_at is null`;
    assert.equal(await dispatchOutbox(database.db, { send: async () => {} }), 1);
    assert.deepEqual(await unsent(), []);
  });

  it('writes the times in a notification’s text in the recipient’s saved zone, as the site does, else in UTC', async () => {
    await database.db.sql`insert into users (login, email, time_zone) values ('tokyo_buyer', 'Tokyo@example.com', 'Asia/Tokyo')`;
    const text = 'The work is delivered. Accept it or ask for a revision by 2026-12-09T14:51:46.802Z, else it is accepted automatically.';
    for (const to of ['tokyo@example.com', 'nobody@example.com']) await database.db.sql`insert into outbox (kind, to_address, subject, body) values ('delivered', ${to}, 'Order 1: delivered', ${text})`;
    await database.db.sql`insert into outbox (kind, to_address, subject, body) values ('standing_offers_blocked', 'tokyo@example.com', 'Blocked', 'Your offers are blocked until 2026-12-09 14:51 UTC: spam.')`;
    const sent: MailMessage[] = [];
    assert.equal(await dispatchOutbox(database.db, { send: async (m) => void sent.push(m) }), 3);
    assert.deepEqual(
      sent.map((m) => m.body),
      [
        'The work is delivered. Accept it or ask for a revision by 9 Dec 2026, 23:51 GMT+9, else it is accepted automatically.',
        'The work is delivered. Accept it or ask for a revision by 9 Dec 2026, 14:51 UTC, else it is accepted automatically.',
        'Your offers are blocked until 9 Dec 2026, 23:51 GMT+9: spam.',
      ],
    );
  });

  it('runs in the background until stopped, writing each message to the log in development', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const stop = new AbortController();
    const running = runOutboxDispatcher({ db: database.db, mailer: logMailAdapter(logger), signal: stop.signal, intervalMs: 50 });
    await queue('d@example.com');
    await pollUntil(() => lines.some((line) => line.includes('mail to d@example.com')), { timeoutMs: 5_000, what: 'the mail in the log' });
    stop.abort();
    await running;
    assert.deepEqual(await unsent(), []);
  });
});
