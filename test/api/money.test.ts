import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { SANDBOX_DELAY_MS, sandboxCards } from '../../services/payments.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { walletRules } from '../../services/policy.js';
import { callerFor, grantAdminByCli, manualClock, signIn, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';


describe('money: top-ups, promo codes, balance and statement', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let admin: TestUser;
  const clock = manualClock(new Date('2026-01-15T12:00:00Z'));

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock }));
    admin = await signUp(call, 'treasurer');
    const out = grantAdminByCli(database.url, admin.login);
    assert.equal(out.status, 0, out.stderr);
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  const balance = async (user: TestUser) => (await call('GET', '/me/balance', { token: user.token })).body;
  const statement = async (user: TestUser, query = '') => (await call('GET', `/me/statement${query}`, { token: user.token })).body;
  const card = (amountCents: number, cardNumber: string = sandboxCards.approve) => ({ amountCents, method: 'card', cardNumber });

  describe('top-ups', () => {
    it('credits an approved card top-up to main, withdrawable one month later', async () => {
      const user = await signUp(call, 'carder');
      const res = await call('POST', '/me/top-ups', { token: user.token, body: card(5_000) });
      assert.equal(res.status, 201);
      assert.equal(res.body.status, 'approved');
      assert.equal(res.body.source, '•••• 4242');
      assert.equal(res.body.withdrawableAt, '2026-02-15T12:00:00.000Z');
      assert.deepEqual(await balance(user), {
        mainCents: 5_000,
        bonusCents: 0,
        escrowCents: 0,
        withdrawableCents: 0,
        locked: [{ amountCents: 5_000, until: '2026-02-15T12:00:00.000Z', reason: 'card_top_up_hold' }],
      });
      const { items } = await statement(user);
      assert.equal(items.length, 1);
      assert.equal(items[0].amount, 5_000);
      assert.equal(items[0].account, 'main');
      assert.equal(items[0].idempotencyKey, `topup:${res.body.id}`);
      assert.match(items[0].description, /\S/);

      clock.advance(31 * DAY);
      assert.equal((await balance(await signIn(call, user))).withdrawableCents, 5_000);
      await assertLedgerConsistent(database.db);
    });

    it('credits PayPal money as withdrawable at once', async () => {
      const user = await signUp(call, 'paypaler');
      const res = await call('POST', '/me/top-ups', { token: user.token, body: { amountCents: 2_500, method: 'paypal', paypalAccount: 'buyer@paypal.example' } });
      assert.equal(res.status, 201);
      const b = await balance(user);
      assert.equal(b.mainCents, 2_500);
      assert.equal(b.withdrawableCents, 2_500);
    });

    it('answers a declined card with 422 and leaves no trace in the ledger', async () => {
      const user = await signUp(call, 'declined');
      const res = await call('POST', '/me/top-ups', { token: user.token, body: card(5_000, sandboxCards.decline) });
      assert.equal(res.status, 422);
      assert.equal(res.body.error.code, 'payment_declined');
      assert.equal(res.body.error.details.reason, 'card_declined');
      assert.equal((await balance(user)).mainCents, 0);
      assert.deepEqual((await statement(user)).items, []);
      const [row] = await database.db.sql`select count(*)::int as n from ledger_transactions where idempotency_key = ${`topup:${res.body.error.details.topUpId}`}`;
      assert.equal(row!.n, 0);
    });

    it('leaves a delayed approval pending, then credits it exactly once when the gateway approves', async () => {
      const user = await signUp(call, 'delayed');
      const res = await call('POST', '/me/top-ups', { token: user.token, body: card(3_000, sandboxCards.delayed) });
      assert.equal(res.status, 202);
      assert.equal(res.body.status, 'pending');
      assert.equal((await balance(user)).mainCents, 0);
      assert.equal((await call('GET', `/me/top-ups/${res.body.id}`, { token: user.token })).body.status, 'pending');

      clock.advance(SANDBOX_DELAY_MS);
      const approved = await call('GET', `/me/top-ups/${res.body.id}`, { token: user.token });
      assert.equal(approved.body.status, 'approved');
      await call('GET', `/me/top-ups/${res.body.id}`, { token: user.token });
      await call('GET', '/me/top-ups', { token: user.token });
      assert.equal((await balance(user)).mainCents, 3_000);
      assert.equal((await statement(user)).items.length, 1);
    });

    it('returns the same top-up for a retried Idempotency-Key, charging once', async () => {
      const user = await signUp(call, 'retrier');
      const first = await call('POST', '/me/top-ups', { token: user.token, body: card(1_000), headers: { 'idempotency-key': 'retry-1' } });
      const second = await call('POST', '/me/top-ups', { token: user.token, body: card(1_000), headers: { 'idempotency-key': 'retry-1' } });
      assert.equal(first.status, 201);
      assert.equal(second.body.id, first.body.id);
      assert.equal((await balance(user)).mainCents, 1_000);
      assert.equal((await call('GET', '/me/top-ups', { token: user.token })).body.items.length, 1);
    });

    for (const [what, body, path] of [
      [`below $${walletRules.topUpMinCents / 100}`, card(walletRules.topUpMinCents - 1), 'body.amountCents'],
      [`above $${walletRules.topUpMaxCents / 100}`, card(walletRules.topUpMaxCents + 1), 'body.amountCents'],
      ['in fractions of a cent', card(10.5), 'body.amountCents'],
      ['as a string', { ...card(1_000), amountCents: '1000' }, 'body.amountCents'],
      ['negative', card(-500), 'body.amountCents'],
      ['with a mistyped card number', card(1_000, '4242424242424241'), 'body.cardNumber'],
      ['with an unknown method', { amountCents: 1_000, method: 'crypto' }, 'body.method'],
      ['with an unknown field', { ...card(1_000), currency: 'EUR' }, 'body.currency'],
    ] as const) {
      it(`answers an amount ${what} with 400 naming ${path}, moving nothing`, async () => {
        const user = await signUp(call, 'badinput');
        const res = await call('POST', '/me/top-ups', { token: user.token, body });
        assert.equal(res.status, 400);
        assert.ok(res.body.error.details.fields.some((f: { path: string }) => f.path === path), JSON.stringify(res.body));
        assert.equal((await balance(user)).mainCents, 0);
      });
    }

    it('answers another user’s top-up with 404, as an unknown one', async () => {
      const owner = await signUp(call, 'owner');
      const stranger = await signUp(call, 'stranger');
      const { body } = await call('POST', '/me/top-ups', { token: owner.token, body: card(1_000) });
      const theirs = await call('GET', `/me/top-ups/${body.id}`, { token: stranger.token });
      const unknown = await call('GET', '/me/top-ups/99999999', { token: stranger.token });
      assert.equal(theirs.status, 404);
      assert.deepEqual(theirs.body, unknown.body);
      assert.equal((await call('GET', '/me/top-ups/abc', { token: stranger.token })).status, 400);
    });
  });

  describe('promo codes', () => {
    // The clock moves a month and more in this file: the admin signs in afresh each time.
    const adminToken = async () => (await signIn(call, admin)).token;

    let promos = 0;
    async function createPromo(overrides: Record<string, unknown> = {}) {
      // Codes are unique on the platform: a counter keeps this file's apart (its database is its own).
      const code = `PROMO${++promos}`;
      const res = await call('POST', '/admin/promo-codes', {
        token: await adminToken(),
        body: { code, amountCents: 700, expiresAt: new Date(clock.now().getTime() + 7 * DAY).toISOString(), maxRedemptions: 2, ...overrides },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    }

    it('puts a promo code on the bonus balance once per user; bonus is never withdrawable', async () => {
      const promo = await createPromo();
      const user = await signUp(call, 'promo');
      const res = await call('POST', '/me/promo-redemptions', { token: user.token, body: { code: promo.code.toLowerCase() } });
      assert.equal(res.status, 201);
      assert.deepEqual(res.body, { promoCode: promo.code, amountCents: 700, bonusCents: 700 });
      const again = await call('POST', '/me/promo-redemptions', { token: user.token, body: { code: promo.code } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'promo_already_redeemed');
      const b = await balance(user);
      assert.equal(b.bonusCents, 700);
      assert.equal(b.withdrawableCents, 0);
      assert.equal((await statement(user)).items[0].account, 'bonus');
      await assertLedgerConsistent(database.db);
    });

    it('refuses a code past its redemption limit or its expiry with 422, and an unknown one with 404', async () => {
      const promo = await createPromo({ maxRedemptions: 1 });
      const first = await signUp(call, 'early');
      const second = await signUp(call, 'late');
      assert.equal((await call('POST', '/me/promo-redemptions', { token: first.token, body: { code: promo.code } })).status, 201);
      const exhausted = await call('POST', '/me/promo-redemptions', { token: second.token, body: { code: promo.code } });
      assert.equal(exhausted.status, 422);
      assert.equal(exhausted.body.error.code, 'promo_exhausted');

      const expiring = await createPromo({ expiresAt: new Date(clock.now().getTime() + DAY).toISOString() });
      clock.advance(DAY + MINUTE);
      const expired = await call('POST', '/me/promo-redemptions', { token: second.token, body: { code: expiring.code } });
      assert.equal(expired.status, 422);
      assert.equal(expired.body.error.code, 'promo_expired');
      assert.equal((await call('POST', '/me/promo-redemptions', { token: second.token, body: { code: 'NOSUCHCODE' } })).status, 404);
      assert.equal((await balance(second)).bonusCents, 0);
    });

    it('lets only admins create promo codes, within the limits', async () => {
      const user = await signUp(call, 'notadmin');
      const body = { code: 'SUMMER26', amountCents: 500, expiresAt: '2030-01-01T00:00:00Z', maxRedemptions: 10 };
      const token = await adminToken();
      assert.equal((await call('POST', '/admin/promo-codes', { token: user.token, body })).status, 403);
      assert.equal((await call('POST', '/admin/promo-codes', { token, body: { ...body, amountCents: walletRules.promoMaxCents + 1 } })).status, 400);
      assert.equal((await call('POST', '/admin/promo-codes', { token, body: { ...body, expiresAt: '2020-01-01T00:00:00Z' } })).status, 422);
      assert.equal((await call('POST', '/admin/promo-codes', { token, body })).status, 201);
      assert.equal((await call('POST', '/admin/promo-codes', { token, body: { ...body, code: 'summer26' } })).status, 409);
    });
  });

  describe('balance and statement', () => {
    it('holds all of main while a withdrawal lock is in force, and says until when', async () => {
      const user = await signUp(call, 'locked');
      await call('POST', '/me/top-ups', { token: user.token, body: { amountCents: 4_000, method: 'paypal', paypalAccount: 'me@paypal.example' } });
      await call('PUT', '/me/payout-details', { token: user.token, body: { method: 'paypal', account: 'me@paypal.example' } });
      const lockEnds = new Date(clock.now().getTime() + 7 * DAY).toISOString();
      assert.deepEqual(await balance(user), {
        mainCents: 4_000,
        bonusCents: 0,
        escrowCents: 0,
        withdrawableCents: 0,
        locked: [{ amountCents: 4_000, until: lockEnds, reason: 'payout_details_change' }],
      });
      clock.advance(7 * DAY + MINUTE);
      assert.equal((await balance(user)).withdrawableCents, 4_000);
    });

    it('pages the statement newest first with a cursor', async () => {
      const user = await signUp(call, 'pager');
      for (const amount of [101, 102, 103, 104, 105]) {
        assert.equal((await call('POST', '/me/top-ups', { token: user.token, body: card(amount * 10) })).status, 201);
      }
      const first = await statement(user, '?limit=2');
      assert.deepEqual(first.items.map((i: { amount: number }) => i.amount), [1050, 1040]);
      assert.deepEqual(first.items.map((i: { balanceAfter: number }) => i.balanceAfter), [5150, 4100]);
      const second = await statement(user, `?limit=2&cursor=${first.nextCursor}`);
      assert.deepEqual(second.items.map((i: { amount: number }) => i.amount), [1030, 1020]);
      const last = await statement(user, `?limit=2&cursor=${second.nextCursor}`);
      assert.deepEqual(last.items.map((i: { amount: number }) => i.amount), [1010]);
      assert.equal(last.nextCursor, null);
      assert.equal((await call('GET', '/me/statement?limit=0', { token: user.token })).status, 400);
      const forged = await call('GET', '/me/statement?cursor=forged', { token: user.token });
      assert.equal(forged.status, 400);
      assert.equal(forged.body.error.details.fields[0].path, 'query.cursor');
      assert.equal((await call('GET', '/me/statement?limit=101', { token: user.token })).status, 400);
    });
  });
});
