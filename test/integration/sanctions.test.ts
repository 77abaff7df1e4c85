/**
 * Sanctions end to end on the run's dev server (K-64, K-65): the real API in-process,
 * gigflow's own worker, this file's database. An ignored order (its 24 h start timer shortened
 * to 2 s, as the order scenarios do) blocks the seller's offers — they vanish from search and
 * placing an order answers why and until when — and the block lifts by itself (the worker's
 * standing policy shortened to seconds). A staff account block answers every call with 403
 * `account_blocked` but the standing itself; reports queue for staff.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createOrderActivities } from '../../activities/orders.js';
import { pollUntil } from '../../scripts/poll.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import { callerFor, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { directAccount, directMarket } from '../support/order-scenarios.js';
import { placeOrder, rowStatus } from '../support/orders.js';
import { secondsPolicy } from '../support/standing-scenarios.js';

describe('sanctions through the API, on the dev server with a real worker', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  let call: Caller;
  let staff: TestUser;
  const taskQueue = uniqueId('sanctions');
  // An ignored order blocks the offers for 3 s here (3 days in production).
  const standing = secondsPolicy({ ladders: { ...secondsPolicy().ladders, ignored_order: [{ sanction: 'offers_block', baseMs: 3_000 }] } });

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    const db = database.db;
    worker = await startWorker(db, taskQueue, (activities) => ({ ...activities, ...createOrderActivities({ db, standing }) }));
    call = callerFor(buildApp({ db, temporal, taskQueue, orderPolicy: { ...orderPolicy(), startWithinMs: 2_000 } }));
    staff = await directAccount(db, 'support');
    await db.sql`update users set roles = array['support'] where id = ${staff.id}`;
  });
  after(async () => {
    await worker?.stop();
    await temporal?.connection.close();
    await database?.drop();
  });

  const searched = async (priceCents: number): Promise<number[]> => {
    const res = await call('GET', `/offers?minPriceCents=${priceCents}&maxPriceCents=${priceCents}`);
    assert.equal(res.status, 200);
    return res.body.items.map((o: { id: number }) => o.id);
  };
  const offerStatus = async (offerId: number) => (await database.db.sql<{ status: string }[]>`select status from offers where id = ${offerId}`)[0]!.status;

  it('an ignored order blocks the seller’s offers: out of search, not orderable, the seller sees why and until when; they come back by themselves (K-64)', async () => {
    const price = 1_234;
    const m = await directMarket(database.db, { priceCents: price });
    assert.deepEqual(await searched(price), [m.offerId]);
    const order = await placeOrder(call, m.buyer, { offerId: m.offerId });
    await rowStatus(database.db, order.orderId, 'cancelled');

    await pollUntil(async () => ((await offerStatus(m.offerId)) === 'suspended' ? true : undefined), { timeoutMs: 20_000, what: 'the offer suspended' });
    assert.deepEqual(await searched(price), []);
    const refused = await call('POST', '/orders', { token: m.buyer.token, body: { offerId: m.offerId }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.details.status, 'suspended');
    assert.match(refused.body.error.details.reason, new RegExp(`order #${order.orderId} was not started within 24 hours`));
    assert.match(refused.body.error.message, /blocked until \d{4}-\d\d-\d\dT/);
    const mine = await call('GET', '/me/standing', { token: m.seller.token });
    assert.equal(mine.status, 200);
    assert.equal(mine.body.level, 'offers_blocked');
    assert.equal(mine.body.offersBlock.until, refused.body.error.details.until);

    await pollUntil(async () => ((await searched(price)).length === 1 ? true : undefined), { timeoutMs: 20_000, what: 'the offer back in search' });
    assert.equal(await offerStatus(m.offerId), 'active');
    assert.equal((await call('GET', '/me/standing', { token: m.seller.token })).body.offersBlock, null);
    await placeOrder(call, m.buyer, { offerId: m.offerId });
  });

  it('a staff account block answers the user’s calls with 403 account_blocked, reason and end; their standing stays readable; staff lift it (K-65)', async () => {
    const user = await directAccount(database.db, 'blocked');
    const sanctioned = await call('POST', `/staff/users/${user.id}/sanctions`, { token: staff.token, body: { kind: 'staff_account_block', days: 2, reason: 'selling outside the platform' } });
    assert.equal(sanctioned.status, 200);
    assert.equal(sanctioned.body.sanction, 'account_blocked');

    const refused = await call('GET', '/orders?role=buyer', { token: user.token });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'account_blocked');
    assert.equal(refused.body.error.details.reason, 'selling outside the platform');
    assert.equal(refused.body.error.details.until, sanctioned.body.accountBlock.until);
    const mine = await call('GET', '/me/standing', { token: user.token });
    assert.equal(mine.status, 200);
    assert.equal(mine.body.accountBlock.reason, 'selling outside the platform');

    const blocked = await call('GET', '/staff/standings', { token: staff.token });
    const row = blocked.body.items.find((b: { userId: number }) => b.userId === user.id);
    assert.equal(row.workflowId, `standing-${user.id}`);
    assert.equal(row.accountBlockedUntil, sanctioned.body.accountBlock.until);

    const lifted = await call('POST', `/staff/users/${user.id}/sanctions/lift`, { token: staff.token, body: { block: 'account', reason: 'appeal granted' } });
    assert.equal(lifted.status, 200);
    assert.equal((await call('GET', '/orders?role=buyer', { token: user.token })).status, 200);
    const twice = await call('POST', `/staff/users/${user.id}/sanctions/lift`, { token: staff.token, body: { block: 'account', reason: 'again' } });
    assert.equal(twice.status, 409);
  });

  it('takes a staff block with its days (1 to 48) and any other kind without them, as the document says; the rest is 400 and sanctions nobody (K-65)', async () => {
    const user = await directAccount(database.db, 'shapes');
    const sanction = (body: object) => call('POST', `/staff/users/${user.id}/sanctions`, { token: staff.token, body });
    const reason = 'selling outside the platform';
    for (const [body, path] of [
      [{ kind: 'staff_offers_block', reason }, 'body.days'],
      [{ kind: 'staff_account_block', days: 49, reason }, 'body.days'],
      [{ kind: 'staff_offers_block', days: 0, reason }, 'body.days'],
      [{ kind: 'spam', days: 3, reason }, 'body.days'],
      [{ kind: 'staff_warning', days: 1, reason }, 'body.days'],
    ] as const) {
      const refused = await sanction(body);
      assert.equal(refused.status, 400, JSON.stringify([body, refused.body]));
      assert.ok(refused.body.error.details.fields.some((f: { path: string }) => f.path === path), JSON.stringify(refused.body));
    }
    assert.equal((await call('GET', '/me/standing', { token: user.token })).body.level, 'clear', 'no refusal sanctioned anyone');
    const warned = await sanction({ kind: 'staff_warning', reason: 'be polite' });
    assert.equal(warned.status, 200, JSON.stringify(warned.body));
    const blocked = await sanction({ kind: 'staff_offers_block', days: 48, reason });
    assert.equal(blocked.status, 200, JSON.stringify(blocked.body));
    assert.equal(blocked.body.sanction, 'offers_blocked');
  });

  it('reports queue for staff, one open report per subject; resolving one can sanction whom it is about', async () => {
    const m = await directMarket(database.db, { priceCents: 2_345 });
    const body = { subject: 'offer', subjectId: m.offerId, reason: 'asks buyers to pay by bank transfer' };
    const filed = await call('POST', '/reports', { token: m.buyer.token, body });
    assert.equal(filed.status, 201);
    assert.equal(filed.body.accusedId, m.seller.id);
    assert.equal((await call('POST', '/reports', { token: m.buyer.token, body })).status, 409);
    assert.equal((await call('POST', '/reports', { token: m.seller.token, body })).status, 422);
    assert.equal((await call('GET', '/staff/reports', { token: m.buyer.token })).status, 403);

    const queue = await call('GET', '/staff/reports', { token: staff.token });
    assert.ok(queue.body.items.some((r: { id: number }) => r.id === filed.body.id));
    const resolved = await call('POST', `/staff/reports/${filed.body.id}/resolve`, {
      token: staff.token,
      body: { resolution: 'confirmed in the chat', sanction: { kind: 'off_platform_buyer' } },
    });
    assert.equal(resolved.status, 200);
    assert.equal(resolved.body.standing.sanction, 'warned');
    assert.equal(resolved.body.report.resolution, 'confirmed in the chat');
    assert.equal((await call('POST', `/staff/reports/${filed.body.id}/resolve`, { token: staff.token, body: { resolution: 'again' } })).status, 409);
    const warned = await call('GET', '/me/standing', { token: m.seller.token });
    assert.match(warned.body.history[0].reason, /bank transfer/);
  });

  it('a reported message resolved as spam is removed for both parties, kept for staff, and its writer warned (K-60)', async () => {
    const m = await directMarket(database.db, { priceCents: 3_456 });
    const opened = await call('POST', '/conversations', { token: m.seller.token, body: { withUserId: m.buyer.id } });
    const say = async (user: TestUser, text: string) => (await call('POST', `/conversations/${opened.body.id}/messages`, { token: user.token, body: { text } })).body.message.id as number;
    const spam = await say(m.seller, 'CHEAP FOLLOWERS!!! 1000 for $1, visit my shop');
    const fine = await say(m.seller, 'Or order my logo, of course.');
    const filed = await call('POST', '/reports', { token: m.buyer.token, body: { subject: 'message', subjectId: spam, reason: 'spam' } });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const resolved = await call('POST', `/staff/reports/${filed.body.id}/resolve`, { token: staff.token, body: { resolution: 'spam', sanction: { kind: 'spam' } } });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.standing.sanction, 'warned');

    for (const party of [m.buyer, m.seller]) {
      const items = (await call('GET', `/conversations/${opened.body.id}/messages`, { token: party.token })).body.items as { id: number; text: string; removed: boolean }[];
      assert.deepEqual(items.map((i) => [i.id, i.removed, i.text]), [[spam, true, ''], [fine, false, 'Or order my logo, of course.']]);
    }
    const [kept] = await database.db.sql<{ text: string; removed_by: string }[]>`select text, removed_by from messages where id = ${spam}`;
    assert.deepEqual([kept!.text, Number(kept!.removed_by)], ['CHEAP FOLLOWERS!!! 1000 for $1, visit my shop', staff.id]);
  });
});
