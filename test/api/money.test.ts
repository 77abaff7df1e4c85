/**
 * The caller's money: top-ups paid on the payment provider's page (the local stand-in; no card
 * number ever reaches our API), promo codes onto the bonus balance, the balance with what is
 * withdrawable and until when, and the statement.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { walletRules } from '../../services/policy.js';
import { grantAdminByCli, manualClock, signIn, signUp, type Caller, type TestUser } from '../support/api.js';
import { startPayingApi, type PayingApi, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { TEST_CARDS } from '../support/payments.js';
import { payByCard, returnedTo, startTopUp, topUpByCard, topUpByPaypal, topUpWhen } from '../support/pay.js';

describe('money: top-ups, promo codes, balance and statement', () => {
  let api: PayingApi;
  let database: TestDatabase;
  let call: Caller;
  let admin: TestUser;
  const clock = manualClock(new Date('2026-01-15T12:00:00Z'));

  before(async () => {
    api = await startPayingApi(import.meta.filename, { clock });
    ({ database, call } = api);
    admin = await signUp(call, 'treasurer');
    const out = grantAdminByCli(database.url, admin.login);
    assert.equal(out.status, 0, out.stderr);
  });
  after(() => api?.stop());

  const balance = async (user: TestUser) => (await call('GET', '/me/balance', { token: user.token })).body;
  const statement = async (user: TestUser, query = '') => (await call('GET', `/me/statement${query}`, { token: user.token })).body;
  /** `POST /top-ups`, under a fresh Idempotency-Key unless one (or `null`: none) is given. */
  const topUp = (user: TestUser, body: unknown, key: string | null = randomUUID()) =>
    call('POST', '/top-ups', { token: user.token, body, headers: key === null ? {} : { 'idempotency-key': key } });

  describe('top-ups', () => {
    it('credits a card top-up paid on the provider’s page to main, withdrawable one month later', async () => {
      const user = await signUp(call, 'carder');
      const { topUp: paid } = await topUpByCard(call, user, 5_000);
      assert.equal(paid.source, 'card •••• 4242');
      assert.equal(paid.withdrawableAt, '2026-02-15T12:00:00.000Z');
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
      assert.equal(items[0].idempotencyKey, `topup:${paid.id}`);
      assert.match(items[0].description, /\S/);

      clock.advance(31 * DAY);
      assert.equal((await balance(await signIn(call, user))).withdrawableCents, 5_000);
      await assertLedgerConsistent(database.db);
    });

    it('credits PayPal money as withdrawable at once', async () => {
      const user = await signUp(call, 'paypaler');
      const paid = await topUpByPaypal(call, user, 2_500, 'buyer@paypal.example');
      assert.equal(paid.source, 'PayPal buyer@paypal.example');
      const b = await balance(user);
      assert.equal(b.mainCents, 2_500);
      assert.equal(b.withdrawableCents, 2_500);
    });

    it('records a declined card as a declined top-up with its reason, leaving no trace in the ledger', async () => {
      const user = await signUp(call, 'declined');
      const started = await startTopUp(call, user, 5_000, 'card');
      assert.equal(returnedTo(await payByCard(started.checkoutUrl, TEST_CARDS.insufficientFunds)).searchParams.get('redirect_status'), 'failed');
      const declined = await topUpWhen(call, user, started.id, 'declined');
      assert.equal(declined.declineReason, 'insufficient_funds');
      assert.equal((await balance(user)).mainCents, 0);
      assert.deepEqual((await statement(user)).items, []);
      const [row] = await database.db.sql`select count(*)::int as n from ledger_transactions where idempotency_key = ${`topup:${started.id}`}`;
      assert.equal(row!.n, 0);
    });

    it('answers a retried Idempotency-Key with the same top-up and the same page, and one payment credits it once', async () => {
      const user = await signUp(call, 'retrier');
      const first = await topUp(user, { amountCents: 1_000, method: 'card' }, 'retry-1');
      const second = await topUp(user, { amountCents: 1_000, method: 'card' }, 'retry-1');
      assert.deepEqual([first.status, second.status], [201, 200]);
      assert.deepEqual([second.body.id, second.body.checkoutUrl], [first.body.id, first.body.checkoutUrl]);
      returnedTo(await payByCard(second.body.checkoutUrl, TEST_CARDS.success));
      await topUpWhen(call, user, first.body.id, 'approved');
      assert.equal((await balance(user)).mainCents, 1_000);
      assert.equal((await call('GET', '/top-ups', { token: user.token })).body.items.length, 1);
    });

    const card = (amountCents: unknown) => ({ amountCents, method: 'card' });
    for (const [what, body, path] of [
      [`an amount below $${walletRules.topUpMinCents / 100}`, card(walletRules.topUpMinCents - 1), 'body.amountCents'],
      [`an amount above $${walletRules.topUpMaxCents / 100}`, card(walletRules.topUpMaxCents + 1), 'body.amountCents'],
      ['an amount in fractions of a cent', card(10.5), 'body.amountCents'],
      ['an amount as a string', card('1000'), 'body.amountCents'],
      ['a negative amount', card(-500), 'body.amountCents'],
      ['a card number (it is typed on the provider’s page only)', { ...card(1_000), cardNumber: TEST_CARDS.success }, 'body.cardNumber'],
      ['an unknown method', { amountCents: 1_000, method: 'crypto' }, 'body.method'],
      ['an unknown field', { ...card(1_000), currency: 'EUR' }, 'body.currency'],
    ] as const) {
      it(`answers a top-up with ${what} with 400 naming ${path}, starting nothing`, async () => {
        const user = await signUp(call, 'badinput');
        const res = await topUp(user, body);
        assert.equal(res.status, 400);
        assert.ok(res.body.error.details.fields.some((f: { path: string }) => f.path === path), JSON.stringify(res.body));
        assert.deepEqual((await call('GET', '/top-ups', { token: user.token })).body.items, []);
      });
    }

    it('answers a top-up without an Idempotency-Key with 400, starting nothing', async () => {
      const user = await signUp(call, 'keyless');
      const res = await topUp(user, card(1_000), null);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(res.body.error.details.fields.some((f: { path: string }) => f.path === 'header.idempotency-key'), JSON.stringify(res.body));
      assert.deepEqual((await call('GET', '/top-ups', { token: user.token })).body.items, []);
    });

    it('answers another user’s top-up with 404, as an unknown one', async () => {
      const owner = await signUp(call, 'owner');
      const stranger = await signUp(call, 'stranger');
      const theirs = await startTopUp(call, owner, 1_000, 'card');
      const res = await call('GET', `/top-ups/${theirs.id}`, { token: stranger.token });
      const unknown = await call('GET', '/top-ups/99999999', { token: stranger.token });
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, unknown.body);
      assert.equal((await call('GET', '/top-ups/abc', { token: stranger.token })).status, 400);
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
    it('holds all of main while a withdrawal pause is in force, and says until when', async () => {
      const user = await signUp(call, 'locked');
      await topUpByPaypal(call, user, 4_000, 'me@paypal.example');
      assert.equal((await call('PUT', '/me/payout-details', { token: user.token, body: { method: 'paypal', account: 'me@paypal.example' } })).status, 200);
      const lockEnds = new Date(clock.now().getTime() + 7 * DAY).toISOString();
      assert.deepEqual(await balance(user), {
        mainCents: 4_000,
        bonusCents: 0,
        escrowCents: 0,
        withdrawableCents: 0,
        locked: [{ amountCents: 4_000, until: lockEnds, reason: 'payout_details_change' }],
      });
      clock.advance(7 * DAY + MINUTE);
      assert.equal((await balance(await signIn(call, user))).withdrawableCents, 4_000);
    });

    it('pages the statement newest first with a cursor', async () => {
      const user = await signUp(call, 'pager');
      for (const amount of [101, 102, 103, 104, 105]) await topUpByCard(call, user, amount * 10);
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
