/**
 * Parallel withdrawals and orders of one user can never together take more than the balance
 * (K-49, K-53: one balance for buying and withdrawing). Both go through the real API at once;
 * a withdrawal's request decides what is withdrawable under the lock of the user's main
 * account, in the transaction that holds the amount, and an order's hold takes the same lock.
 * The mix of requests is shuffled from the run's seed (`GIGFLOW_SEED` replays it). And staff
 * do not act on their own withdrawal.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { callerFor, signUp, type Caller } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { market } from '../support/orders.js';
import { replayCommand, seededRandom } from '../support/seed.js';

describe('parallel withdrawals and orders of one balance', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  let call: Caller;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    const taskQueue = uniqueId('withdraw-race');
    worker = await startWorker(database.db, taskQueue);
    call = callerFor(buildApp({ db: database.db, temporal, taskQueue }));
  });
  after(async () => {
    await worker?.stop();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('never take more than the balance together, and each refusal is a 422 that moved nothing', async (t) => {
    const FUNDS = 10_000;
    const m = await market(call, database.db, { fundsCents: FUNDS, priceCents: 1_000 });
    const details = await call('PUT', '/me/payout-details', { token: m.buyer.token, body: { method: 'paypal', account: 'buyer@paypal.example' } });
    assert.equal(details.status, 200, JSON.stringify(details.body));
    // D-10's pause of the new details is over (its boundary is tested in test/api/top-ups.test.ts).
    await database.db.sql`update withdrawal_locks set starts_at = now() - interval '8 days', ends_at = now() - interval '1 day' where user_id = ${m.buyer.id}`;

    const next = seededRandom('withdrawals-concurrency');
    // Together they ask for more than the balance, and yet each kind must get through whichever
    // comes first: the withdrawals alone (8 × $10–11, at most $88) always leave an order's $10,
    // and the orders alone (8 × $10) always leave a withdrawal's $11 at most. (With withdrawals
    // of $15–24, eight of them could take it all before any order came: a run once saw no
    // order through.)
    const requests = Array.from({ length: 16 }, (_, i) =>
      i % 2 === 0
        ? { kind: 'withdrawal' as const, amountCents: 1_000 + Math.floor(next() * 2) * 100 }
        : { kind: 'order' as const, amountCents: 1_000 },
    ).sort(() => next() - 0.5);
    const asked = requests.reduce((sum, r) => sum + r.amountCents, 0);
    assert.ok(asked > FUNDS, 'the requests ask for more than the balance holds');

    const answers = await Promise.all(
      requests.map((r) =>
        r.kind === 'withdrawal'
          ? call('POST', '/withdrawals', { token: m.buyer.token, body: { amountCents: r.amountCents }, headers: { 'idempotency-key': randomUUID() } })
          : call('POST', '/orders', { token: m.buyer.token, body: { offerId: m.offerId }, headers: { 'idempotency-key': randomUUID() } }),
      ),
    );
    try {
      let taken = 0;
      answers.forEach((res, i) => {
        if (res.status === 201) taken += requests[i]!.amountCents;
        else assert.equal(res.status, 422, `${requests[i]!.kind}: ${JSON.stringify(res.body)}`);
      });
      assert.ok(taken <= FUNDS, `took ${taken} of ${FUNDS}`);
      assert.ok(answers.some((res, i) => res.status === 201 && requests[i]!.kind === 'withdrawal'), 'a withdrawal went through');
      assert.ok(answers.some((res, i) => res.status === 201 && requests[i]!.kind === 'order'), 'an order went through');
      const balance = (await call('GET', '/me/balance', { token: m.buyer.token })).body;
      assert.equal(balance.mainCents, FUNDS - taken);
      const held = await database.db.sql<{ n: string; sum: string | null }[]>`select count(*) as n, sum(amount) as sum from withdrawals where user_id = ${m.buyer.id}`;
      const withdrawn = answers.filter((res, i) => res.status === 201 && requests[i]!.kind === 'withdrawal');
      assert.equal(Number(held[0]!.n), withdrawn.length, 'a refused withdrawal left no row');
      await assertLedgerConsistent(database.db);
    } catch (err) {
      t.diagnostic(`replay: ${replayCommand(import.meta.filename)}`);
      throw err;
    }
  });

  it('are not held, released or rejected by staff who asked for them (403): another staff member acts', async () => {
    const m = await market(call, database.db, { fundsCents: 5_000 });
    const accounts = createAccounts({ db: database.db, clock: systemClock });
    await accounts.grantRole(m.buyer.id, 'support');
    const other = await signUp(call, 'other_support');
    await accounts.grantRole(other.id, 'support');
    assert.equal((await call('PUT', '/me/payout-details', { token: m.buyer.token, body: { method: 'paypal', account: 'staff@paypal.example' } })).status, 200);
    await database.db.sql`update withdrawal_locks set starts_at = now() - interval '8 days', ends_at = now() - interval '1 day' where user_id = ${m.buyer.id}`;
    const asked = await call('POST', '/withdrawals', { token: m.buyer.token, body: { amountCents: 1_000 }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    const id = asked.body.id;
    for (const [action, body] of [['hold', { reason: 'mine' }], ['release', undefined], ['reject', { reason: 'mine' }]] as const) {
      const own = await call('POST', `/staff/withdrawals/${id}/${action}`, { token: m.buyer.token, ...(body ? { body } : {}) });
      assert.equal(own.status, 403, `${action}: ${JSON.stringify(own.body)}`);
    }
    assert.equal((await call('GET', `/withdrawals/${id}`, { token: m.buyer.token })).body.status, 'requested', 'unchanged');
    assert.equal((await call('POST', `/staff/withdrawals/${id}/hold`, { token: other.token, body: { reason: 'Checking the account' } })).status, 200);
  });
});
