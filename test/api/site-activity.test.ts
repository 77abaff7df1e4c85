/**
 * The site's live counters (K-70: the header shows "users online" and "last order N minutes
 * ago"), through the real API on a clock the test moves: a user counts as online from a signed-in
 * request until 5 minutes have passed (`siteActivityRules.onlineWithinMs`), on both sides of that
 * boundary, and the last order is the newest placement's time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { siteActivityRules } from '../../services/policy.js';
import { MINUTE } from '../../workflows/lib/time.js';
import { callerFor, manualClock, signUp, type Caller } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';
import { market, placeOrder } from '../support/orders.js';

describe('the site’s live counters (K-70)', () => {
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

  const counters = async () => {
    const res = await call('GET', '/site-activity');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { usersOnline: number; onlineWithinMinutes: number; lastOrderAt: string | null };
  };

  it('counts a user as online from a signed-in request until 5 minutes have passed, to the millisecond', async () => {
    assert.equal(siteActivityRules.onlineWithinMs, 5 * MINUTE);
    assert.deepEqual(await counters(), { usersOnline: 0, onlineWithinMinutes: 5, lastOrderAt: null }, 'nobody yet, no order yet');
    const anna = await signUp(call, 'online');
    assert.equal((await counters()).usersOnline, 0, 'signing up and in is no request of a signed-in user yet');
    assert.equal((await call('GET', '/me', { token: anna.token })).status, 200);
    assert.equal((await counters()).usersOnline, 1);
    clock.advance(5 * MINUTE - 1);
    assert.equal((await counters()).usersOnline, 1, 'a millisecond before 5 minutes');
    clock.advance(1);
    assert.equal((await counters()).usersOnline, 0, 'at 5 minutes she is gone');
    assert.equal((await call('GET', '/me', { token: anna.token })).status, 200);
    assert.equal((await counters()).usersOnline, 1, 'back with her next request');
    // The public asks without a session; its requests count nobody.
    assert.equal((await counters()).usersOnline, 1);
  });

  it('says when the newest order was placed', async () => {
    const m = await market(call, database.db);
    clock.advance(MINUTE);
    const placed = await placeOrder(call, m.buyer, { offerId: m.offerId });
    const [row] = await database.db.sql<{ created_at: Date }[]>`select created_at from orders where id = ${placed.orderId}`;
    const after = await counters();
    assert.equal(after.lastOrderAt, new Date(row!.created_at).toISOString());
    assert.equal(after.lastOrderAt, clock.now().toISOString(), 'placed on the app’s clock');
    assert.equal(after.usersOnline, 2, 'the buyer, who placed it, and the first test’s user');
  });
});
