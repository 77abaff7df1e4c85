/**
 * Reputation computed from real orders (issue 16): every scenario builds one seller's history
 * by placing orders through the API and driving them through the order workflow on the run's
 * dev server with gigflow's own worker — no order is inserted — to the ends the rules tell apart
 * (accepted on time or late, auto-accepted, ignored, cancelled alone, by agreement or unanswered
 * for a sufficient or insufficient reason, ended by inactivity, decided by an arbiter), with the
 * buyer's likes and dislikes left through the feedback API. Then what a user sees — the seller's
 * level, stars, percentages, rating and sales analytics, each offer's Top Rated flag, the
 * seller's level-change notifications — must be what the plain reference
 * (test/support/reputation-reference.ts) makes of the orders the test knows it finished.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createArbiter } from '../support/order-scenarios.js';
import { connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { SellerWorld, type Planned, type ReputationEnv, type Shown } from '../support/reputation-scenarios.js';

/** `n` copies of one planned order, spread over the world's first `buyers` buyers. */
const times = (n: number, plan: Planned, buyers = 1): Planned[] => Array.from({ length: n }, (_, i) => ({ ...plan, buyer: i % buyers }));

const liked = (ending: Planned['ending'] = 'accepted'): Planned => ({ ending, verdict: 'like' });
const disliked = (ending: Planned['ending']): Planned => ({ ending, verdict: 'dislike' });

/** A history run at once, then held against the reference; `sees` spells out the figures the title claims. */
interface Simple {
  title: string;
  plans: Planned[];
  sees: Partial<Shown>;
}

/** Inactivity races the parties' own actions: these run first, before the crowd of the others. */
const inactive: Simple[] = [
  { title: 'an order on time with no activity (here 10 s) is cancelled against nobody (K-11)', plans: [liked(), { ending: 'inactivity' }], sees: { successfullyCompleted: 100, ratingPercent: 100 } },
  { title: 'a late order with no activity is cancelled against the seller, who may be disliked for it (K-11, K-24)', plans: [liked(), disliked('inactivity_late')], sees: { successfullyCompleted: 50, ratingPercent: 50, stars: 2.5 } },
];

const simple: Simple[] = [
  { title: 'an order accepted on time and liked: Newbie, 5 stars, 100 % completed and on time, rating 100',
    plans: [liked()],
    sees: { level: 'newbie', stars: 5, successfullyCompleted: 100, submittedOnTime: 100, ratingPercent: 100, analytics: null },
  },
  {
    title: 'an order delivered after its revision’s deadline, accepted and disliked, beside one on time and liked: 2.5 stars, half on time (K-34, D-02)',
    plans: [liked(), disliked('accepted_late')],
    sees: { stars: 2.5, submittedOnTime: 50, successfullyCompleted: 100, ratingPercent: 50 },
  },
  { title: 'a delivery accepted automatically after the review period (here 1.5 s) is completed on time, without feedback (K-14)', plans: [{ ending: 'auto_accepted' }, liked()], sees: { completedOrders: 2, submittedOnTime: 100, stars: 5, ratingPercent: 100 } },
  {
    title: 'an order the seller ignored is auto-cancelled against them: successfully completed and rating fall, the buyer may dislike it (K-27, K-34)',
    plans: [liked(), disliked('ignored')],
    sees: { successfullyCompleted: 50, ratingPercent: 50, stars: 2.5, submittedOnTime: 100 },
  },
  { title: 'the buyer’s free cancellation within 20 minutes counts against nobody (K-16)', plans: [liked(), { ending: 'free_cancel' }], sees: { successfullyCompleted: 100, ratingPercent: 100 } },
  { title: 'a late order the buyer cancels as not done on time fails against the seller (K-12, K-17, D-01)', plans: [liked(), disliked('not_done_on_time')], sees: { successfullyCompleted: 50, ratingPercent: 50, submittedOnTime: 100 } },
  { title: 'a cancellation agreed for the buyer’s sufficient reason counts against nobody (K-19)', plans: [liked(), { ending: 'cancel_sufficient' }], sees: { successfullyCompleted: 100, ratingPercent: 100 } },
  { title: 'a cancellation agreed for the seller’s insufficient reason counts against them, with the buyer’s dislike (K-19, K-24)', plans: [liked(), disliked('cancel_insufficient')], sees: { successfullyCompleted: 50, ratingPercent: 50, stars: 2.5 } },
  { title: 'the seller’s insufficient cancellation request left unanswered (here 1.5 s) goes through and still counts against them (K-18, K-19)', plans: [liked(), { ending: 'cancel_unanswered' }], sees: { successfullyCompleted: 50, ratingPercent: 50, stars: 5 } },
  { title: 'an arbiter who refunds the buyer ends the order against the seller (K-22, D-05)', plans: [liked(), disliked('arbiter_refunds')], sees: { successfullyCompleted: 50, ratingPercent: 50, stars: 2.5 } },
  { title: 'an arbiter who splits the money leaves an order that is not completed and counts against the seller (K-22, D-05)', plans: [liked(), { ending: 'arbiter_splits' }], sees: { completedOrders: 1, successfullyCompleted: 50, ratingPercent: 50 } },
  { title: 'an arbiter who pays the seller completes the order, and the buyer may like it (D-05)', plans: [liked('arbiter_pays'), liked()], sees: { completedOrders: 2, stars: 5, successfullyCompleted: 100, ratingPercent: 100 } },
  {
    title: 'an order still in progress counts for nothing, and a like on a cancelled order earns no star (K-30)',
    plans: [{ ending: 'accepted' }, { ending: 'open' }, liked('cancel_insufficient')],
    sees: { completedOrders: 1, stars: null, successfullyCompleted: 50, ratingPercent: 50 },
  },
];

describe('reputation from orders through the real workflow, on the dev server with a real worker', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  let env: ReputationEnv;
  const taskQueue = uniqueId('reputation');

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    const arbiter = await createArbiter({ db: database.db, temporal, taskQueue });
    env = { db: database.db, temporal, taskQueue, arbiter };
    worker = await startWorker(database.db, taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await temporal?.connection.close();
    await database?.drop();
  });

  /** Runs a history at once, then compares what a user sees with the reference. */
  const simpleScenario = ({ title, plans, sees }: Simple) =>
    it(title, async () => {
      const world = await SellerWorld.create(env);
      await world.run(plans);
      const shown = await world.assertShown('after the orders');
      for (const [field, value] of Object.entries(sees)) assert.deepEqual(shown[field as keyof Shown], value, field);
      assert.deepEqual(await world.levelNotices(), [], 'no level change');
    });

  describe('ended by inactivity, one seller per scenario', { concurrency: true }, () => {
    inactive.forEach(simpleScenario);
  });

  describe('one seller per scenario', { concurrency: true }, () => {
    simple.forEach(simpleScenario);

    it('hides sales analytics at 3 completed orders and shows them at the 4th, repeat orders counting for feedback (K-28)', async () => {
      const world = await SellerWorld.create(env, { buyers: 2 });
      await world.run([liked(), { ending: 'accepted' }, { ...disliked('accepted_late'), buyer: 1 }, { ending: 'free_cancel' }]);
      const hidden = await world.assertShown('3 completed');
      assert.equal(hidden.analytics, null);
      // The ignored order comes last: it blocks the seller's offers (K-64), which then take no order.
      await world.run([{ ...liked(), buyer: 1 }, { ending: 'ignored', buyer: 1 }]);
      const shown = await world.assertShown('4 completed, 1 ignored');
      assert.equal(shown.analytics?.sales, 4);
    });

    it('makes a seller Advanced at the 11th completed order, not the 10th, and tells them (K-32, D-01)', async () => {
      const world = await SellerWorld.create(env, { buyers: 2 });
      await world.run(times(10, liked(), 2));
      assert.equal((await world.assertShown('10 completed')).level, 'newbie');
      assert.deepEqual(await world.levelNotices(), []);
      await world.run([liked()]);
      assert.equal((await world.assertShown('11 completed')).level, 'advanced');
      const notices = await world.levelNotices();
      assert.equal(notices.length, 1, JSON.stringify(notices));
      assert.match(notices[0]!, /Advanced/);
    });

    it('drops an Advanced seller to Newbie at the second dislike of 12 orders, not the first, and tells them both times (K-32 demotion)', async () => {
      const world = await SellerWorld.create(env);
      const [first, second] = await world.run(times(12, { ending: 'accepted' }));
      assert.equal((await world.assertShown('12 completed, unrated')).level, 'advanced');
      await world.leave(world.buyers[0]!, first!, 'dislike');
      assert.equal((await world.assertShown('1 dislike of 12: 8 %')).level, 'advanced');
      await world.leave(world.buyers[0]!, second!, 'dislike');
      assert.equal((await world.assertShown('2 dislikes of 12: 16 %')).level, 'newbie');
      const notices = await world.levelNotices();
      assert.equal(notices.length, 2, JSON.stringify(notices));
      assert.match(notices[0]!, /Advanced/);
      assert.match(notices[1]!, /Newbie/);
    });

    it('drops an Advanced seller to Newbie at the second late delivery after 11 on time (K-32, D-01 “delivered late”)', async () => {
      const world = await SellerWorld.create(env);
      await world.run(times(11, liked()));
      assert.equal((await world.assertShown('11 on time')).level, 'advanced');
      await world.run([liked('accepted_late')]);
      assert.equal((await world.assertShown('1 late of 12')).level, 'advanced');
      await world.run([{ ending: 'accepted_late' }]);
      assert.equal((await world.assertShown('2 late of 13')).level, 'newbie');
      const notices = await world.levelNotices();
      assert.equal(notices.length, 2, JSON.stringify(notices));
      assert.match(notices[1]!, /Newbie/);
    });

    it('keeps a seller with 11 completed orders a Newbie when 2 of their 13 orders were ignored (K-32: under 10 % failed)', async () => {
      const world = await SellerWorld.create(env);
      await world.run(times(2, { ending: 'ignored' }));
      // Their K-64 block would refuse the next orders: staff lift it, and the seller sells on.
      await world.liftBlocks();
      await world.run(times(11, liked()));
      assert.equal((await world.assertShown('11 completed, 2 ignored')).level, 'newbie');
      assert.deepEqual(await world.levelNotices(), [], 'never Advanced, so never told');
    });

    it('makes an offer Top Rated at its 20th liked order, not the 19th, and not the seller’s other offer (K-29, D-02)', async () => {
      const world = await SellerWorld.create(env, { offers: 2, buyers: 3 });
      await world.run([...times(19, liked(), 3), { ...liked(), offer: 1 }]);
      assert.deepEqual((await world.assertShown('19 likes')).topRatedOffers, []);
      await world.run([liked()]);
      assert.deepEqual((await world.assertShown('20 likes')).topRatedOffers, [world.offers[0]]);
    });

    it('keeps Top Rated with 2 unrated orders of 22 and takes it away at a late delivery, liked or not; its buyers rise to Accustomed and one to Super buyer (K-29, D-02, K-35)', async () => {
      const world = await SellerWorld.create(env, { buyers: 2 });
      await world.run([...times(20, liked(), 2), ...times(2, { ending: 'accepted' })]);
      assert.deepEqual((await world.assertShown('20 likes, 2 unrated')).topRatedOffers, [world.offers[0]]);
      await world.run([liked('accepted_late')]);
      assert.deepEqual((await world.assertShown('and a late delivery')).topRatedOffers, []);
      // Their buyers' K-35 status: 13 purchases (Accustomed, and a Super buyer: 12 in 3 months), and 10 (not yet).
      assert.deepEqual(await world.assertBuyerShown(0), { rank: 'accustomed', superBuyer: true, purchases: 13 });
      assert.deepEqual(await world.assertBuyerShown(1), { rank: 'accustomed', superBuyer: false, purchases: 10 });
    });
  });
});
