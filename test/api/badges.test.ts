/**
 * K-36 badges through the real API: earned ones appear on the profile (`GET /users/{login}`)
 * with the order or feedback that earns them, at each threshold's boundary (`badgeRules`: 10
 * sales, 10 purchases, 10 feedbacks at 95 % likes) and go when the figure drops under it; an admin
 * awards ideas, bug reports and contests for something named, once each (the user is told), and
 * takes them back.
 * Finished orders are written as their workflows leave them (`test/support/closed-orders.ts`),
 * which recomputes reputation as the product does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { badgeRules } from '../../services/policy.js';
import { callerFor, manualClock, signUp, type Caller, type TestUser } from '../support/api.js';
import { insertOffer } from '../support/catalog.js';
import { insertOrder } from '../support/closed-orders.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';

describe('badges (K-36)', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let admin: TestUser;
  const clock = manualClock(new Date('2026-11-02T10:00:00Z'));

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock }));
    admin = await signUp(call, 'bdg_admin');
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(admin.id, 'admin');
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  const badgesOf = async (user: TestUser, viewer?: TestUser) => {
    const res = await call('GET', `/users/${user.login}`, { token: viewer?.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.seller.badges as { kind: string; name: string; detail: string; awards: { id: number; reason: string; awardedAt: string }[] }[];
  };
  const kinds = async (user: TestUser) => (await badgesOf(user)).map((b) => b.kind);
  const like = async (buyer: TestUser, orderId: number, verdict: 'like' | 'dislike') => {
    const res = await call('POST', `/orders/${orderId}/feedback`, { token: buyer.token, body: { verdict, text: `${verdict}d it` } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };

  it('a seller earns “10+ sales” with the 10th completed order, and “Positive communication” with the 10th like, lost under 95 %', async () => {
    assert.deepEqual([badgeRules.salesTiers[0], badgeRules.positiveMinFeedback, badgeRules.positiveMinPercent], [10, 10, 95]);
    const seller = await signUp(call, 'bdg_seller');
    const offerId = await insertOffer(database.db, seller.id);
    const buyers = await Promise.all(Array.from({ length: 11 }, (_, i) => signUp(call, `bdg_buyer${i}`)));
    assert.deepEqual(await kinds(seller), [], 'no badge before any activity');
    const orders: number[] = [];
    for (let i = 0; i < 9; i++) orders.push(await insertOrder(database.db, { buyer: buyers[i]!, offerId, ending: 'accepted' }));
    for (let i = 0; i < 9; i++) await like(buyers[i]!, orders[i]!, 'like');
    assert.deepEqual(await kinds(seller), [], '9 sales and 9 likes: neither yet');
    orders.push(await insertOrder(database.db, { buyer: buyers[9]!, offerId, ending: 'accepted' }));
    const at10 = await badgesOf(seller);
    assert.deepEqual(at10.map((b) => [b.kind, b.name, b.detail]), [['sales', '10+ sales', '10 orders completed as a seller']]);
    await like(buyers[9]!, orders[9]!, 'like');
    assert.deepEqual((await badgesOf(seller)).map((b) => [b.kind, b.name, b.detail]), [
      ['sales', '10+ sales', '10 orders completed as a seller'],
      ['positive_communication', 'Positive communication', '100 % of 10 feedback positive'],
    ]);
    // An 11th order with a dislike: 10 of 11 liked is 90 %, under 95: the communication badge goes, the sales one stays.
    const eleventh = await insertOrder(database.db, { buyer: buyers[10]!, offerId, ending: 'accepted' });
    await like(buyers[10]!, eleventh, 'dislike');
    assert.deepEqual(await kinds(seller), ['sales']);
    // The same recompute keeps the level's window for the dashboard's next-level line (K-32, D-01): 11 finished, 1 bad.
    const [window] = await database.db.sql<{ size: number; bad: number }[]>`select level_window_size as size, level_window_bad as bad from seller_stats where user_id = ${seller.id}`;
    assert.deepEqual({ ...window }, { size: 11, bad: 1 });
  });

  it('a buyer earns “10+ purchases” with the 10th completed purchase, shown where the buyer status shows (K-35)', async () => {
    const buyer = await signUp(call, 'bdg_shopper');
    const seller = await signUp(call, 'bdg_shop');
    const offerId = await insertOffer(database.db, seller.id);
    for (let i = 0; i < 9; i++) await insertOrder(database.db, { buyer, offerId, ending: 'accepted' });
    await insertOrder(database.db, { buyer, offerId, ending: 'buyer_free_cancel' });
    assert.deepEqual(await kinds(buyer), [], '9 completed and a cancelled one are not 10 purchases');
    await insertOrder(database.db, { buyer, offerId, ending: 'accepted' });
    const [badge] = await badgesOf(buyer);
    assert.deepEqual([badge?.kind, badge?.name, badge?.detail], ['purchases', '10+ purchases', '10 orders completed as a buyer']);
    // The shop sold 10: its own "10+ sales", and no purchases badge (it bought nothing).
    assert.deepEqual(await kinds(seller), ['sales']);
  });

  it('the offer page’s seller card shows the seller’s badges as the profile does, without the buyer’s purchases', async () => {
    const seller = await signUp(call, 'bdg_card');
    const [shop, buyer] = [await signUp(call, 'bdg_card_shop'), await signUp(call, 'bdg_card_buyer')];
    const [offerId, shopOfferId] = [await insertOffer(database.db, seller.id), await insertOffer(database.db, shop.id)];
    const card = async () => {
      const res = await call('GET', `/offers/${offerId}`, { token: buyer.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.seller.badges as { kind: string; name: string }[]).map((b) => [b.kind, b.name]);
    };
    assert.deepEqual(await card(), [], 'a new seller has none');
    for (let i = 0; i < 10; i++) await insertOrder(database.db, { buyer, offerId, ending: 'accepted' });
    for (let i = 0; i < 10; i++) await insertOrder(database.db, { buyer: seller, offerId: shopOfferId, ending: 'accepted' });
    assert.equal((await call('POST', `/admin/users/${seller.id}/badges`, { token: admin.token, body: { kind: 'contest', reason: 'Banner contest, October 2026' } })).status, 201);
    assert.deepEqual(await kinds(seller), ['sales', 'purchases', 'contest'], 'the profile: 10 sales, 10 purchases, an award');
    assert.deepEqual(await card(), [['sales', '10+ sales'], ['contest', 'Contest winner']]);
  });

  it('an admin awards an idea, a bug report and a contest for something named, once each, and takes one back', async () => {
    const user = await signUp(call, 'bdg_helper');
    const award = (body: unknown, as: TestUser = admin, id = user.id) => call('POST', `/admin/users/${id}/badges`, { token: as.token, body });
    const own = await award({ kind: 'contest', reason: 'Won my own contest' }, admin, admin.id);
    assert.equal(own.status, 403, 'an admin does not award themselves');
    assert.match(own.body.error.message, /another admin/);
    const first = await award({ kind: 'idea', reason: '  Suggested saved searches ' });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual({ ...first.body, id: 0 }, { id: 0, userId: user.id, kind: 'idea', reason: 'Suggested saved searches', awardedAt: clock.now().toISOString() });
    // The user is told, with a link to their own profile (`/profile`, by their login now).
    const told = await call('GET', '/notifications', { token: user.token });
    assert.deepEqual(
      told.body.items.map((n: { kind: string; text: string; page: string }) => [n.kind, n.text, n.page]),
      [['badge_awarded', 'You were awarded the “Idea author” badge: Suggested saved searches. It shows on your profile.', '/profile']],
    );
    clock.advance(60_000);
    assert.equal((await award({ kind: 'idea', reason: 'Suggested a dark theme' })).status, 201);
    assert.equal((await award({ kind: 'bug_report', reason: 'The cart lost a package on reload' })).status, 201);
    assert.equal((await award({ kind: 'contest', reason: 'Logo contest, November 2026' })).status, 201);

    const again = await award({ kind: 'idea', reason: 'suggested SAVED searches' });
    assert.equal(again.status, 409, 'the same idea twice, in any case');
    assert.equal(again.body.error.code, 'conflict');
    assert.equal((await award({ kind: 'idea', reason: 'x' }, user)).status, 403, 'only an admin awards');
    assert.equal((await award({ kind: 'idea', reason: 'x' }, admin, 987_654_321)).status, 404, 'an unknown user');
    assert.equal((await award({ kind: 'sales', reason: 'x' })).status, 400, 'earned badges are not awarded');
    assert.equal((await award({ kind: 'idea', reason: '   ' })).status, 400, 'a blank reason');
    assert.equal((await award({ kind: 'idea', reason: 'x'.repeat(badgeRules.reasonMaxLength + 1) })).status, 400);

    const shown = await badgesOf(user);
    assert.deepEqual(shown.map((b) => [b.kind, b.name, b.detail]), [
      ['idea', 'Idea author', '2 ideas adopted'],
      ['bug_report', 'Bug hunter', '1 bug report confirmed'],
      ['contest', 'Contest winner', '1 contest won'],
    ]);
    assert.deepEqual(shown[0]!.awards.map((a) => a.reason), ['Suggested a dark theme', 'Suggested saved searches'], 'newest first');

    const revoke = (awardId: number, as: TestUser = admin, id = user.id) => call('DELETE', `/admin/users/${id}/badges/${awardId}`, { token: as.token });
    assert.equal((await revoke(first.body.id, admin, admin.id)).status, 404, 'not this user’s award');
    assert.equal((await revoke(first.body.id, user)).status, 403);
    assert.equal((await revoke(first.body.id)).status, 204);
    assert.equal((await revoke(first.body.id)).status, 404, 'already taken back');
    assert.deepEqual((await badgesOf(user))[0]!.detail, '1 idea adopted');
    // Taken back, the same idea may be awarded again.
    assert.equal((await award({ kind: 'idea', reason: 'Suggested saved searches' })).status, 201);
  });
});
