/**
 * Bad input on an order: every action with the wrong actor, in the wrong state, or with a
 * malformed payload gets its status (403 / 404, 409 with the current status, 400 naming the
 * field) and changes nothing — not the order's timeline, not a cent of the ledger. A delivery's
 * files (K-69) must be the seller's own uploads; the delivered ones the buyer downloads, a
 * stranger does not. An action sent again with its Idempotency-Key answers what the first did.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { callerFor, signUp, type Caller, type TestUser } from '../support/api.js';
import { sampleOf } from '../support/attachment-samples.js';
import { buildApp, connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { act, actOk, market, moneyOf, placeOrder, viewAs, type Market } from '../support/orders.js';

describe('order actions refused', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let worker: { stop(): Promise<void> };
  let m: Market;
  let stranger: TestUser;
  let arbiter: TestUser;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    const taskQueue = uniqueId('orders');
    call = callerFor(buildApp({ db: database.db, temporal, taskQueue }));
    worker = await startWorker(database.db, taskQueue);
    m = await market(call, database.db, { fundsCents: 5_000 });
    stranger = await signUp(call, 'stranger');
    arbiter = await signUp(call, 'arbiter');
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(arbiter.id, 'arbiter');
  });
  after(async () => {
    await worker?.stop();
    await database?.drop();
    await temporal?.connection.close();
  });

  /** Asserts that `run` leaves the order's timeline, status and money as they were. */
  async function unchanged(orderId: number, run: () => Promise<void>): Promise<void> {
    const [view, money] = [await viewAs(call, m.buyer, orderId), await moneyOf(database.db, orderId, m)];
    await run();
    const [after, moneyAfter] = [await viewAs(call, m.buyer, orderId), await moneyOf(database.db, orderId, m)];
    assert.equal(after.status, view.status);
    assert.deepEqual(after.timeline, view.timeline);
    assert.deepEqual(moneyAfter, money);
  }

  it('refuses the wrong actor with 403, and a stranger or a staff member with 404', async () => {
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await unchanged(order.orderId, async () => {
      const sellerOnly = [{ type: 'start_work' }, { type: 'ask_buyer', question: 'Which colours?' }];
      for (const action of sellerOnly) {
        const res = await act(call, m.buyer, order.orderId, action);
        assert.equal(res.status, 403, `${action.type} by the buyer`);
        assert.equal(res.body.error.code, 'forbidden');
      }
      const buyerOnly = [{ type: 'submit_requirements', text: 'A fox, orange.' }, { type: 'cancel' }];
      for (const action of buyerOnly) {
        const res = await act(call, m.seller, order.orderId, action);
        assert.equal(res.status, 403, `${action.type} by the seller`);
      }
      for (const user of [stranger, arbiter]) {
        const res = await act(call, user, order.orderId, { type: 'cancel' });
        assert.equal(res.status, 404, `cancel by ${user.login}`);
        assert.equal(res.body.error.code, 'not_found');
      }
      assert.equal((await call('GET', `/orders/${order.orderId}`, { token: stranger.token })).status, 404);
      // Staff actions need a staff role: the buyer is refused by the route's guard.
      assert.equal((await call('POST', `/arbitration/orders/${order.orderId}/take`, { token: m.buyer.token })).status, 403);
    });
  });

  it('refuses an action the state does not allow with 409 and the current status', async () => {
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await unchanged(order.orderId, async () => {
      const cases: [TestUser, Record<string, unknown>][] = [
        [m.seller, { type: 'deliver', text: 'Here it is', links: [] }],
        [m.seller, { type: 'report_progress', percent: 50, comment: 'Halfway' }],
        [m.buyer, { type: 'accept' }],
        [m.buyer, { type: 'request_revision', reason: 'More orange' }],
        [m.buyer, { type: 'accept_cancellation' }],
        [m.seller, { type: 'withdraw_cancellation' }],
        [m.buyer, { type: 'open_dispute', statement: 'Nothing happened' }],
        [m.seller, { type: 'answer_dispute', statement: 'Nothing to answer' }],
        // "No contact" needs an unanswered question 24 h old.
        [m.seller, { type: 'request_cancellation', reason: 'no_contact_with_buyer' }],
      ];
      for (const [user, action] of cases) {
        const res = await act(call, user, order.orderId, action);
        assert.equal(res.status, 409, `${String(action.type)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'conflict');
        assert.equal(res.body.error.details.status, 'awaiting_start');
      }
      const take = await call('POST', `/arbitration/orders/${order.orderId}/take`, { token: arbiter.token });
      assert.equal(take.status, 409);
      assert.equal(take.body.error.details.status, 'awaiting_start');
    });
  });

  it('refuses a malformed payload with 400 naming the field', async () => {
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await actOk(call, m.seller, order.orderId, { type: 'start_work' });
    await unchanged(order.orderId, async () => {
      const cases: [TestUser, unknown, string][] = [
        [m.seller, { type: 'report_progress', percent: 55, comment: 'Halfway' }, 'body.percent'],
        [m.seller, { type: 'report_progress', percent: 50, comment: '' }, 'body.comment'],
        [m.seller, { type: 'deliver', text: 'Done', links: ['ftp://example.com/x'] }, 'body.links.0'],
        [m.seller, { type: 'deliver', text: 'Done', links: [], extra: 1 }, 'body.extra'],
        [m.buyer, { type: 'request_cancellation', reason: 'because' }, 'body.reason'],
        [m.buyer, { type: 'fly_to_the_moon' }, 'body.type'],
        [m.buyer, 'not json', ''],
      ];
      for (const [user, body, field] of cases) {
        const res = await call('POST', `/orders/${order.orderId}/actions`, { token: user.token, body });
        assert.equal(res.status, 400, JSON.stringify(body));
        if (field) assert.ok(res.body.error.details.fields.some((f: { path: string }) => f.path === field), `${field} in ${JSON.stringify(res.body)}`);
      }
      // A seller's reason the buyer may not use (K-18): the schema takes it, the workflow's rule refuses it and names it.
      const sellerReason = await act(call, m.buyer, order.orderId, { type: 'request_cancellation', reason: 'too_busy' });
      assert.equal(sellerReason.status, 422);
      assert.equal(sellerReason.body.error.code, 'rule_violation');
      assert.match(sellerReason.body.error.message, /^body.reason: one of no_longer_needed/);
      assert.deepEqual(sellerReason.body.error.details.fields.map((f: { path: string }) => f.path), ['body.reason']);
      assert.equal((await call('POST', '/orders/not-a-number/actions', { token: m.buyer.token, body: { type: 'cancel' } })).status, 400);
    });
  });

  it('delivers only the seller’s own files (another’s upload 404, a bad list 400), which the buyer (and staff once disputed) downloads and a stranger cannot (K-69)', async () => {
    const uploadAs = async (user: TestUser, name: string) => {
      const form = new FormData();
      form.append('file', new File([sampleOf('png') as Uint8Array<ArrayBuffer>], name));
      const res = await call('POST', '/attachments', { token: user.token, body: form });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const [mine, theirs] = [await uploadAs(m.seller, 'logo.png'), await uploadAs(stranger, 'other.png')];
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await actOk(call, m.seller, order.orderId, { type: 'start_work' });
    const deliver = (attachmentIds: unknown) => act(call, m.seller, order.orderId, { type: 'deliver', text: 'The logo.', attachmentIds });
    await unchanged(order.orderId, async () => {
      for (const ids of [[theirs], [mine, theirs], ['AAAAAAAAAAAAAAAAAAAAAA']]) {
        const res = await deliver(ids);
        assert.equal(res.status, 404, `${JSON.stringify(ids)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'not_found');
      }
      assert.equal((await deliver(['not an id'])).status, 400, 'not an attachment id, as every route that takes them says (the document’s pattern)');
      assert.equal((await deliver([mine, mine])).status, 400, 'the same file twice');
      assert.equal((await deliver(Array.from({ length: 11 }, () => mine))).status, 400, 'eleven files');
      assert.equal((await deliver(mine)).status, 400, 'not a list');
    });
    const view = await actOk(call, m.seller, order.orderId, { type: 'deliver', text: 'The logo.', attachmentIds: [mine] });
    assert.deepEqual(view.deliveries[0]!.attachments, [{ id: mine, name: 'logo.png', contentType: 'image/png', size: sampleOf('png').length }]);
    assert.equal(view.timeline.at(-1)!.text, 'Delivered (1 file)');
    assert.deepEqual((await viewAs(call, m.buyer, order.orderId)).deliveries[0]!.attachments.map((f) => f.id), [mine]);
    const got = await call('GET', `/attachments/${mine}`, { token: m.buyer.token });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, sampleOf('png'));
    assert.equal(got.headers.get('content-disposition')?.startsWith('attachment'), true);
    assert.equal((await call('GET', `/attachments/${mine}`, { token: stranger.token })).status, 404, 'a stranger');
    assert.equal((await call('GET', `/attachments/${mine}`, { token: arbiter.token })).status, 404, 'staff while the order is not disputed');
    assert.equal((await call('GET', `/attachments/${theirs}`, { token: m.buyer.token })).status, 404, 'a file never delivered');
    // Staff read a disputed order's files, as they read its conversation (K-23).
    await actOk(call, m.buyer, order.orderId, { type: 'open_dispute', statement: 'The logo is not what was ordered.' });
    assert.equal((await call('GET', `/attachments/${mine}`, { token: arbiter.token })).status, 200, 'an arbiter once the order is disputed');
  });

  it('answers an action retried with its Idempotency-Key as the first request did, also once that action closed the order, and acts once', async () => {
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    const keyed = (user: TestUser, action: Record<string, unknown>, key: string) =>
      call('POST', `/orders/${order.orderId}/actions`, { token: user.token, body: action, headers: { 'idempotency-key': key } });
    const start = randomUUID();
    const started = await keyed(m.seller, { type: 'start_work' }, start);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    await unchanged(order.orderId, async () => {
      const again = await keyed(m.seller, { type: 'start_work' }, start);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.deepEqual(again.body.timeline, started.body.timeline);
      // Without its key the same action is a new one, which the state no longer allows.
      assert.equal((await act(call, m.seller, order.orderId, { type: 'start_work' })).status, 409);
    });
    await actOk(call, m.seller, order.orderId, { type: 'deliver', text: 'Here it is', links: [] });
    const accept = randomUUID();
    const accepted = await keyed(m.buyer, { type: 'accept' }, accept);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.status, 'completed');
    await unchanged(order.orderId, async () => {
      const again = await keyed(m.buyer, { type: 'accept' }, accept);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.deepEqual(again.body.closure, accepted.body.closure);
      const fresh = await keyed(m.buyer, { type: 'accept' }, randomUUID());
      assert.equal(fresh.status, 409, JSON.stringify(fresh.body));
      assert.equal(fresh.body.error.details.status, 'completed');
    });
  });

  it('places nothing without money, without an Idempotency-Key, or for the buyer’s own offer', async () => {
    const poor = await signUp(call, 'poor');
    const before = await database.db.sql`select count(*)::int as n from orders`;
    const broke = await call('POST', '/orders', { token: poor.token, body: { offerId: m.offerId, units: 3 }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(broke.status, 422);
    assert.equal(broke.body.error.code, 'insufficient_funds');
    assert.equal(broke.body.error.details.missingCents, 3_000);
    const noKey = await call('POST', '/orders', { token: m.buyer.token, body: { offerId: m.offerId } });
    assert.equal(noKey.status, 400);
    const own = await call('POST', '/orders', { token: m.seller.token, body: { offerId: m.offerId }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(own.status, 422);
    const unknownOption = await call('POST', '/orders', { token: m.buyer.token, body: { offerId: m.offerId, optionIds: [99] }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(unknownOption.status, 400);
    const unknownOffer = await call('POST', '/orders', { token: m.buyer.token, body: { offerId: 987_654_321 }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(unknownOffer.status, 404);
    const after = await database.db.sql`select count(*)::int as n from orders`;
    assert.equal(after[0]!.n, before[0]!.n);
    const poorTx = await database.db.sql`select count(*)::int as n from ledger_accounts where user_id = ${poor.id} and balance <> 0`;
    assert.equal(poorTx[0]!.n, 0);
    await assertLedgerConsistent(database.db);
  });
});
