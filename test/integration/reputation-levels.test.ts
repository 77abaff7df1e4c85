/**
 * A seller's level, rating, stars, percentages and Top Rated as the product stores them (issue
 * 16), at the boundaries of the rules, through the real write path: every order is closed by
 * `recordOrderEvent` and every feedback left through the feedback service, each recomputing in
 * its own transaction (`test/support/reputation.ts`). Nothing here writes a standing by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { moderationLimit } from '../../services/moderation.js';
import { catalogRules } from '../../services/policy.js';
import { insertOffer } from '../support/catalog.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';
import { insertConfirmedUser } from '../support/ledger.js';
import { finishOrder, finishOrders, historyFrom, levelNotices, storedStanding, times, type HistoryCursor, type Outcome } from '../support/reputation.js';

describe('seller reputation stored by the order and feedback writes', () => {
  let database: TestDatabase;
  let buyer: { id: number; login: string };
  let users = 0;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    buyer = await user('rep_buyer');
  });
  after(async () => {
    await database?.drop();
  });

  const user = (prefix: string) => insertConfirmedUser(database.db, `${prefix}_${++users}`);

  async function sellerWithOffer() {
    const seller = await user('rep_seller');
    return { seller, offerId: await insertOffer(database.db, seller.id), at: historyFrom() };
  }

  const level = async (sellerId: number) => (await storedStanding(database.db, sellerId)).level;
  const write = (at: HistoryCursor, offerId: number, outcomes: readonly Outcome[]) => finishOrders(database.db, at, { buyer, offerId, outcomes });
  const one = (at: HistoryCursor, offerId: number, outcome: Outcome) => finishOrder(database.db, at, { buyer, offerId, outcome });

  it('makes a seller Advanced from the 11th completed order and Professional from the 51st (K-32, D-01: “more than”), telling them each time', async () => {
    const { seller, offerId, at } = await sellerWithOffer();
    await write(at, offerId, times('unrated', 10));
    assert.equal(await level(seller.id), 'newbie', '10 completed orders, none bad: still a Newbie');
    await one(at, offerId, 'unrated');
    assert.equal(await level(seller.id), 'advanced', 'the 11th');
    await write(at, offerId, times('unrated', 39));
    assert.equal(await level(seller.id), 'advanced', '50 completed orders: still Advanced');
    await one(at, offerId, 'unrated');
    const standing = await storedStanding(database.db, seller.id);
    assert.equal(standing.level, 'professional', 'the 51st');
    assert.deepEqual(
      { ...standing, topRatedOffers: undefined },
      { level: 'professional', ratingPercent: 100, feedbackCount: 0, completedOrders: 51, stars: null, successfullyCompleted: 100, submittedOnTime: 100, topRatedOffers: undefined },
    );
    assert.deepEqual(await levelNotices(database.db, seller.id), [
      'Congratulations: your seller level is now Advanced.',
      'Congratulations: your seller level is now Professional.',
    ]);
    // Search reads the copy on the offer (migration 0008's triggers): it follows.
    const [offer] = await database.db.sql`select seller_level, seller_rating_percent from offers where id = ${offerId}`;
    assert.deepEqual({ ...offer }, { seller_level: 'professional', seller_rating_percent: 100 });
  });

  it('keeps a seller with exactly 10 % bad orders a Newbie and makes them Advanced at 9.9 % (K-32: “under 10 %”)', async () => {
    const { seller, offerId, at } = await sellerWithOffer();
    // 9 auto-cancellations, then 81 orders completed on time: 9 bad of 90 finished = 10.0 %.
    await write(at, offerId, [...times('ignored', 9), ...times('unrated', 81)]);
    const ten = await storedStanding(database.db, seller.id);
    assert.equal(ten.level, 'newbie', '9 of 90 = 10.0 %, 81 completed');
    assert.equal(ten.ratingPercent, 90, 'K-27: 81 of 90 went well');
    assert.equal(ten.successfullyCompleted, 90, 'K-34: 81 completed ÷ (81 + 9 auto-cancelled)');
    // One more completed: 9 bad of 91 finished = 9.89 %.
    await one(at, offerId, 'unrated');
    assert.equal(await level(seller.id), 'advanced', '9 of 91 = 9.9 %');
  });

  it('keeps a seller with exactly 8 % bad orders Advanced and makes them Professional at 7.9 % (K-32: “under 8 %”)', async () => {
    const { seller, offerId, at } = await sellerWithOffer();
    // 6 bad of 75 finished = 8.0 %, 69 completed (> 50).
    await write(at, offerId, [...times('ignored', 6), ...times('unrated', 69)]);
    assert.equal(await level(seller.id), 'advanced', '6 of 75 = 8.0 %');
    // 6 bad of 76 finished = 7.89 %.
    await one(at, offerId, 'unrated');
    assert.equal(await level(seller.id), 'professional', '6 of 76 = 7.9 %');
    assert.deepEqual(await levelNotices(database.db, seller.id), [
      'Congratulations: your seller level is now Advanced.',
      'Congratulations: your seller level is now Professional.',
    ]);

    // Demotion (K-32): an auto-cancellation makes 7 of 77 = 9.1 % (Advanced), then a late order
    // cancelled with a dislike — bad once, though failed and disliked — 8 of 78 = 10.3 % (Newbie).
    await one(at, offerId, 'ignored');
    assert.equal(await level(seller.id), 'advanced', '7 of 77 = 9.1 %');
    await one(at, offerId, 'cancelled_late_disliked');
    const fallen = await storedStanding(database.db, seller.id);
    assert.equal(fallen.level, 'newbie', '8 of 78 = 10.3 %');
    assert.equal(fallen.ratingPercent, 89, 'K-27: 70 of 78 went well, rounded down');
    assert.equal(fallen.stars, 0, 'D-02: one dislike and no like');
    const notices = await levelNotices(database.db, seller.id);
    assert.equal(notices.length, 4, 'one notice per change, up or down');
    assert.match(notices[2]!, /fell to Advanced/);
    assert.match(notices[3]!, /fell to Newbie/);
  });

  it('takes only the last 100 finished orders for the share, so a seller recovers as bad orders age out', async () => {
    const { seller, offerId, at } = await sellerWithOffer();
    // 10 bad first, then 90 good: 10 of 100 = 10 % (Newbie); the 101st pushes one bad one out: 9 of 100.
    await write(at, offerId, [...times('ignored', 10), ...times('unrated', 90)]);
    assert.equal(await level(seller.id), 'newbie', '10 of the last 100');
    await one(at, offerId, 'unrated');
    assert.equal(await level(seller.id), 'advanced', '9 of the last 100');
  });

  it('computes stars, the K-34 percentages and Top Rated per offer from the orders and their feedback (K-29, K-30, K-34, D-02)', async () => {
    const { seller, offerId, at } = await sellerWithOffer();
    const other = await insertOffer(database.db, seller.id);
    await write(at, offerId, times('liked', 19));
    assert.deepEqual((await storedStanding(database.db, seller.id)).topRatedOffers, [], '19 liked orders: not yet');
    await one(at, offerId, 'liked');
    assert.deepEqual((await storedStanding(database.db, seller.id)).topRatedOffers, [offerId], 'the 20th liked order: Top Rated');
    // A sufficient cancellation on it changes nothing; two unrated of 22 completed (9 %) neither.
    await write(at, offerId, ['no_longer_needed', 'free_cancel', 'unrated', 'unrated']);
    assert.deepEqual((await storedStanding(database.db, seller.id)).topRatedOffers, [offerId]);
    // Another offer's dislike does not touch this one's flag, but lowers the stars.
    await one(at, other, 'disliked');
    let standing = await storedStanding(database.db, seller.id);
    assert.deepEqual(standing.topRatedOffers, [offerId]);
    assert.equal(standing.stars, 4.8, '5 × 20 ÷ 21 = 4.76');
    assert.equal(standing.feedbackCount, 21);
    // A late delivery on the Top Rated offer takes the flag away (K-29: no delayed order).
    await one(at, offerId, 'late_liked');
    standing = await storedStanding(database.db, seller.id);
    assert.deepEqual(standing.topRatedOffers, []);
    assert.equal(standing.stars, 4.8, '5 × 21 ÷ 22 = 4.77');
    assert.equal(standing.submittedOnTime, 95, '23 of 24 completed on time, rounded down');
    assert.equal(standing.successfullyCompleted, 100, 'the two cancellations were not against the seller');
    await one(at, offerId, 'too_busy_disliked');
    standing = await storedStanding(database.db, seller.id);
    assert.equal(standing.successfullyCompleted, 96, '24 completed ÷ (24 + 1 refusal) = 96 %');
    assert.equal(standing.completedOrders, 24);
  });

  it('sets the K-39 in-moderation limit from the computed level and completed orders: 7 without orders, 20 for a Newbie, none above', async () => {
    const { seller, offerId, at } = await sellerWithOffer();
    const limit = async () => {
      const { max, rule } = await moderationLimit(database.db.orm, seller.id);
      return { max, rule };
    };
    assert.deepEqual(await limit(), { max: catalogRules.maxInModerationWithoutOrders, rule: 'an active offer but no orders yet' });
    await one(at, offerId, 'unrated');
    assert.deepEqual(await limit(), { max: catalogRules.maxInModerationNewbie, rule: 'the Newbie level' });
    await write(at, offerId, times('unrated', 10));
    assert.deepEqual(await limit(), { max: null, rule: null }, 'Advanced from the 11th completed order');
  });
});
