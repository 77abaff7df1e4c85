/**
 * Conversations through the real API (issue 17): an order's conversation is its buyer's and
 * seller's alone (arbiters and admins read it, read-only, while the order is disputed; anyone
 * else is answered 404), direct conversations between any two users, delivery order and keyset
 * cursors (forged ones refused), read receipts and unread counts, the off-platform scan (K-61,
 * K-62: the writer is warned, staff's queue gets the message, the text is delivered as written)
 * and users' reports of messages reaching staff's queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { callerFor, manualClock, signUp, type Caller, type TestUser } from '../support/api.js';
import { insertOffer } from '../support/catalog.js';
import { insertOrder } from '../support/closed-orders.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';

describe('conversations', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let arbiter: TestUser;
  let support: TestUser;
  const clock = manualClock(new Date('2026-11-02T10:00:00Z'));

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock }));
    const accounts = createAccounts({ db: database.db, clock: systemClock });
    arbiter = await signUp(call, 'cv_arbiter');
    await accounts.grantRole(arbiter.id, 'arbiter');
    support = await signUp(call, 'cv_support');
    await accounts.grantRole(support.id, 'support');
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  async function orderOf() {
    const seller = await signUp(call, 'cv_seller');
    const buyer = await signUp(call, 'cv_buyer');
    const offerId = await insertOffer(database.db, seller.id);
    const orderId = await insertOrder(database.db, { buyer, offerId, ending: 'in_progress' });
    return { seller, buyer, orderId };
  }
  async function conversationOf(user: TestUser, orderId: number) {
    const res = await call('GET', `/orders/${orderId}/conversation`, { token: user.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { id: number; participants: { id: number; lastReadMessageId: number }[]; readOnly: boolean; unreadCount: number };
  }
  async function send(user: TestUser, conversationId: number, text: string) {
    const res = await call('POST', `/conversations/${conversationId}/messages`, { token: user.token, body: { text } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { message: { id: number; text: string; kind: string; flaggedOffPlatform: boolean; attachments: number[] }; warning: { kinds: string[]; text: string } | null };
  }
  const messages = (user: TestUser, conversationId: number, query = '') => call('GET', `/conversations/${conversationId}/messages${query}`, { token: user.token });
  const unread = async (user: TestUser) => (await call('GET', '/me/unread', { token: user.token })).body as { total: number; conversations: { id: number; unreadCount: number }[] };

  it('gives an order’s buyer and seller one conversation, created on first look, and answers anyone else 404', async () => {
    const { seller, buyer, orderId } = await orderOf();
    const stranger = await signUp(call, 'cv_stranger');
    const first = await conversationOf(buyer, orderId);
    const again = await conversationOf(seller, orderId);
    assert.equal(again.id, first.id);
    assert.deepEqual(first.participants.map((p) => p.id).sort((a, b) => a - b), [buyer.id, seller.id].sort((a, b) => a - b));
    assert.equal(first.readOnly, false);

    for (const res of [
      await call('GET', `/orders/${orderId}/conversation`, { token: stranger.token }),
      await messages(stranger, first.id),
      await call('POST', `/conversations/${first.id}/messages`, { token: stranger.token, body: { text: 'hello' } }),
      await call('POST', `/conversations/${first.id}/read`, { token: stranger.token, body: { upToMessageId: 1 } }),
      await call('GET', `/orders/999999999/conversation`, { token: buyer.token }),
      await messages(buyer, 999_999_999),
    ]) {
      assert.equal(res.status, 404, JSON.stringify(res.body));
    }
    // Support staff read orders, not their conversations; an arbiter only while the order is disputed.
    assert.equal((await call('GET', `/orders/${orderId}/conversation`, { token: support.token })).status, 404);
    assert.equal((await call('GET', `/orders/${orderId}/conversation`, { token: arbiter.token })).status, 404);
    assert.equal((await messages(arbiter, first.id)).status, 404);
  });

  it('lets an arbiter read a disputed order’s conversation, read-only, without moving anyone’s receipt', async () => {
    const { seller, buyer, orderId } = await orderOf();
    const c = await conversationOf(buyer, orderId);
    const sent = await send(buyer, c.id, 'The logo is not what we agreed.');
    await database.db.sql`update orders set status = 'arbitration' where id = ${orderId}`;

    const seen = await call('GET', `/orders/${orderId}/conversation`, { token: arbiter.token });
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    assert.equal(seen.body.readOnly, true);
    const page = await messages(arbiter, c.id);
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.items.map((m: { text: string }) => m.text), ['The logo is not what we agreed.']);
    assert.equal((await call('POST', `/conversations/${c.id}/messages`, { token: arbiter.token, body: { text: 'I am the arbiter' } })).status, 403);
    assert.equal((await call('POST', `/conversations/${c.id}/read`, { token: arbiter.token, body: { upToMessageId: sent.message.id } })).status, 403);
    // The seller has still not read it: the arbiter's reading moved nothing.
    assert.equal((await conversationOf(seller, orderId)).unreadCount, 1);
    assert.equal((await messages(buyer, c.id)).body.items.length, 1);
  });

  it('opens one direct conversation between two users (asked again: the same), never with oneself', async () => {
    const a = await signUp(call, 'cv_a');
    const b = await signUp(call, 'cv_b');
    const first = await call('POST', '/conversations', { token: a.token, body: { withUserId: b.id } });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await call('POST', '/conversations', { token: b.token, body: { withUserId: a.id } });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    assert.equal(first.body.kind, 'direct');
    const oneself = await call('POST', '/conversations', { token: a.token, body: { withUserId: a.id } });
    assert.equal(oneself.status, 422);
    assert.deepEqual(oneself.body.error.details.fields.map((f: { path: string }) => f.path), ['body.withUserId']);
    assert.equal((await call('POST', '/conversations', { token: a.token, body: { withUserId: 999_999_999 } })).status, 404);
    assert.equal((await call('POST', '/conversations', { token: a.token, body: { withUserId: 'b' } })).status, 400);
    assert.equal((await call('POST', '/conversations', { body: { withUserId: b.id } })).status, 401);

    await send(a, first.body.id, 'hi b');
    const list = await call('GET', '/conversations', { token: b.token });
    assert.equal(list.status, 200);
    const mine = list.body.items.find((s: { id: number }) => s.id === first.body.id);
    assert.equal(mine.unreadCount, 1);
    assert.equal(mine.lastMessage.text, 'hi b');
  });

  it('delivers messages in order and pages them with keyset cursors; forged cursors are refused', async () => {
    const { seller, buyer, orderId } = await orderOf();
    const c = await conversationOf(buyer, orderId);
    const ids: number[] = [];
    for (let i = 1; i <= 7; i++) ids.push((await send(i % 2 ? buyer : seller, c.id, `message ${i}`)).message.id);
    assert.deepEqual([...ids].sort((x, y) => x - y), ids);

    const newest = await messages(seller, c.id, '?limit=3');
    assert.deepEqual(newest.body.items.map((m: { text: string }) => m.text), ['message 5', 'message 6', 'message 7']);
    assert.equal(newest.body.olderCursor, String(ids[4]));
    const older = await messages(seller, c.id, `?limit=3&before=${newest.body.olderCursor}`);
    assert.deepEqual(older.body.items.map((m: { text: string }) => m.text), ['message 2', 'message 3', 'message 4']);
    const oldest = await messages(seller, c.id, `?limit=3&before=${older.body.olderCursor}`);
    assert.deepEqual(oldest.body.items.map((m: { text: string }) => m.text), ['message 1']);
    assert.equal(oldest.body.olderCursor, null);

    const polled = await messages(seller, c.id, `?after=${ids[2]}&limit=2`);
    assert.deepEqual(polled.body.items.map((m: { text: string }) => m.text), ['message 4', 'message 5']);
    assert.equal(polled.body.hasNewer, true);
    const rest = await messages(seller, c.id, `?after=${polled.body.newerCursor}`);
    assert.deepEqual(rest.body.items.map((m: { text: string }) => m.text), ['message 6', 'message 7']);
    assert.equal(rest.body.hasNewer, false);
    const none = await messages(seller, c.id, `?after=${rest.body.newerCursor}`);
    assert.deepEqual(none.body.items, []);
    assert.equal(none.body.newerCursor, rest.body.newerCursor);

    for (const forged of ['?after=abc', '?before=-1', '?after=1.5', '?before=0', '?after=99999999999999999999', '?limit=0', '?limit=101', "?after=1'--"]) {
      const res = await messages(seller, c.id, forged);
      assert.equal(res.status, 400, `${forged}: ${JSON.stringify(res.body)}`);
    }
    for (const text of ['x'.repeat(4001), '😀'.repeat(4001)]) {
      assert.equal((await call('POST', `/conversations/${c.id}/messages`, { token: buyer.token, body: { text } })).status, 400);
    }
    // Nothing to say and no file: the schema takes an empty text (a file may go alone), the rule refuses it.
    for (const body of [{}, { text: '' }, { text: '   ', attachmentIds: [] }]) {
      const empty = await call('POST', `/conversations/${c.id}/messages`, { token: buyer.token, body });
      assert.equal(empty.status, 422, JSON.stringify(body));
      assert.deepEqual(empty.body.error.details.fields.map((f: { path: string }) => f.path), ['body.text']);
    }
    // 4,000 characters as the document (and the table's check, char_length) count them: 8,000 UTF-16 units.
    const longest = await call('POST', `/conversations/${c.id}/messages`, { token: buyer.token, body: { text: '😀'.repeat(4000) } });
    assert.equal(longest.status, 201, JSON.stringify(longest.body).slice(0, 300));
    assert.equal((await messages(seller, c.id)).body.items.at(-1).text, '😀'.repeat(4000));
    assert.equal((await call('POST', `/conversations/${c.id}/messages`, { token: buyer.token, body: { text: 'hi', attachments: [1] } })).status, 400);
  });

  it('counts unread messages per conversation and in total, and moves read receipts only forward', async () => {
    const { seller, buyer, orderId } = await orderOf();
    const c = await conversationOf(buyer, orderId);
    const before = await unread(seller);
    const one = await send(buyer, c.id, 'first');
    const two = await send(buyer, c.id, 'second');
    const after = await unread(seller);
    assert.equal(after.total, before.total + 2);
    assert.deepEqual(after.conversations.find((x) => x.id === c.id), { id: c.id, unreadCount: 2 });
    assert.equal((await unread(buyer)).conversations.find((x) => x.id === c.id), undefined, 'one’s own messages are never unread');

    const read = await call('POST', `/conversations/${c.id}/read`, { token: seller.token, body: { upToMessageId: one.message.id } });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, { lastReadMessageId: one.message.id, unreadCount: 1 });
    // Backwards changes nothing; beyond the newest stops at the newest.
    const back = await call('POST', `/conversations/${c.id}/read`, { token: seller.token, body: { upToMessageId: 1 } });
    assert.deepEqual(back.body, { lastReadMessageId: one.message.id, unreadCount: 1 });
    const beyond = await call('POST', `/conversations/${c.id}/read`, { token: seller.token, body: { upToMessageId: two.message.id + 1_000_000 } });
    assert.deepEqual(beyond.body, { lastReadMessageId: two.message.id, unreadCount: 0 });
    // The buyer sees the seller's receipt.
    const receipts = (await messages(buyer, c.id)).body.conversation.participants;
    assert.equal(receipts.find((p: { id: number }) => p.id === seller.id).lastReadMessageId, two.message.id);
    assert.equal((await unread(seller)).total, before.total);
  });

  it('delivers a message with contact details as written, warns its writer and queues it for staff (K-61, K-62)', async () => {
    const { seller, buyer, orderId } = await orderOf();
    const c = await conversationOf(buyer, orderId);
    const text = 'Cheaper if you pay me directly: seller.bob@gmail.com or +1 (555) 123-4567';
    const sent = await send(seller, c.id, text);
    assert.equal(sent.message.text, text);
    assert.equal(sent.message.flaggedOffPlatform, true);
    assert.deepEqual(sent.message.attachments, []);
    assert.deepEqual(sent.warning?.kinds.sort(), ['email', 'payment', 'phone']);

    const seen = (await messages(buyer, c.id)).body.items[0];
    assert.equal(seen.text, text, 'the reader gets the text unaltered');
    assert.equal(seen.flaggedOffPlatform, false, 'the flag is for the writer and staff');

    const notes = await call('GET', '/notifications', { token: seller.token });
    assert.ok(notes.body.items.some((n: { kind: string; orderId: number | null }) => n.kind === 'off_platform_warning' && n.orderId === orderId), JSON.stringify(notes.body));
    const queue = await call('GET', '/staff/reports', { token: support.token });
    const report = queue.body.items.find((r: { subject: string; subjectId: number }) => r.subject === 'message' && r.subjectId === sent.message.id);
    assert.ok(report, JSON.stringify(queue.body));
    assert.equal(report.reporterId, null);
    assert.equal(report.accusedId, seller.id);
    assert.match(report.reason, /^off_platform_scan/);

    const plain = await send(buyer, c.id, 'It costs $10 and is due 2026-12-04, see order #1234567.');
    assert.equal(plain.warning, null);
    assert.equal(plain.message.flaggedOffPlatform, false);
  });

  it('notifies the reader with an excerpt cut between characters: an emoji at the cut goes whole, never half of it (U+FFFD)', async () => {
    const { seller, buyer, orderId } = await orderOf();
    const c = await conversationOf(buyer, orderId);
    const text = `${'a'.repeat(198)}😀${'b'.repeat(20)}`; // the emoji is units 198 and 199; the excerpt keeps 199
    await send(seller, c.id, text);
    const notes = await call('GET', '/notifications', { token: buyer.token });
    const note = notes.body.items.find((n: { kind: string; orderId: number | null }) => n.kind === 'new_message' && n.orderId === orderId);
    assert.ok(note, JSON.stringify(notes.body));
    assert.ok(note.text.endsWith(`: ${'a'.repeat(198)}…`), note.text);
    assert.ok(!note.text.includes('\uFFFD'), 'no replacement character');
  });

  it('lets a participant report another’s message (spam, rudeness) to staff’s queue, and staff resolve it', async () => {
    const { seller, buyer, orderId } = await orderOf();
    const stranger = await signUp(call, 'cv_stranger');
    const c = await conversationOf(buyer, orderId);
    const rude = await send(seller, c.id, 'You are an idiot.');
    assert.equal((await call('POST', '/reports', { token: stranger.token, body: { subject: 'message', subjectId: rude.message.id, reason: 'rudeness' } })).status, 404);
    const own = await call('POST', '/reports', { token: seller.token, body: { subject: 'message', subjectId: rude.message.id, reason: 'rudeness' } });
    assert.equal(own.status, 422, 'one’s own message');
    assert.deepEqual(own.body.error.details.fields.map((f: { path: string }) => f.path), ['body.subjectId']);
    const reported = await call('POST', '/reports', { token: buyer.token, body: { subject: 'message', subjectId: rude.message.id, reason: 'rudeness' } });
    assert.equal(reported.status, 201, JSON.stringify(reported.body));
    assert.equal(reported.body.accusedId, seller.id);
    const queue = await call('GET', '/staff/reports', { token: support.token });
    assert.ok(queue.body.items.some((r: { id: number }) => r.id === reported.body.id));
    // Resolving it (with a sanction on its writer if need be: `test/integration/sanctions.test.ts` runs that with a worker).
    const resolved = await call('POST', `/staff/reports/${reported.body.id}/resolve`, { token: support.token, body: { resolution: 'talked to the seller' } });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.report.accusedId, seller.id);
  });

  it('keeps a message in a closed order’s conversation as a message, and refuses an information request there (409) or from the buyer (422) (D-03, K-20)', async () => {
    const seller = await signUp(call, 'cv_seller');
    const buyer = await signUp(call, 'cv_buyer');
    const orderId = await insertOrder(database.db, { buyer, offerId: await insertOffer(database.db, seller.id), ending: 'accepted' });
    const c = await conversationOf(buyer, orderId);
    assert.equal((await send(buyer, c.id, 'Thanks again, great logo!')).message.kind, 'text');
    const request = (user: TestUser) => call('POST', `/conversations/${c.id}/messages`, { token: user.token, body: { text: 'Which colours?', kind: 'info_request' } });
    const refused = await request(seller);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.details.status, 'completed');
    assert.equal((await request(buyer)).status, 422);
    assert.equal((await messages(seller, c.id)).body.items.length, 1, 'nothing refused was stored');
  });
});
