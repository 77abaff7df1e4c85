/**
 * Feedback through the real API: the buyer's one like or dislike on a finished order, the
 * seller's answer published after moderation, the seller's rating, and where the public sees
 * it (the seller's feedback page, the offer page, seller search). Orders are written straight
 * to the database as their finished workflows left them (`test/support/closed-orders.ts`):
 * eligibility is read from the row, as it must be once Temporal has forgotten a closed workflow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { OFFER_PAGE_FEEDBACK } from '../../services/feedback.js';
import { MINUTE } from '../../workflows/lib/time.js';
import { orderWorkflowId } from '../../workflows/order/messages.js';
import { callerFor, manualClock, signUp, type Caller, type TestUser } from '../support/api.js';
import { insertOffer } from '../support/catalog.js';
import { insertOrder, type Ending } from '../support/closed-orders.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';

describe('feedback', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let moderator: TestUser;
  let support: TestUser;
  let admin: TestUser;
  const clock = manualClock(new Date('2026-11-02T10:00:00Z')); // a Monday

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock }));
    moderator = await signUp(call, 'fb_moderator');
    support = await signUp(call, 'fb_support');
    const accounts = createAccounts({ db: database.db, clock: systemClock });
    await accounts.grantRole(moderator.id, 'moderator');
    await accounts.grantRole(support.id, 'support');
    admin = await signUp(call, 'fb_admin');
    await accounts.grantRole(admin.id, 'admin');
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  /** A seller with an active offer. */
  async function sellerWithOffer() {
    const seller = await signUp(call, 'fb_seller');
    return { seller, offerId: await insertOffer(database.db, seller.id) };
  }
  const order = (buyer: TestUser, offerId: number, ending: Ending = 'accepted') => insertOrder(database.db, { buyer, offerId, ending });
  const leave = (user: TestUser | undefined, orderId: number, body: unknown) => call('POST', `/orders/${orderId}/feedback`, { token: user?.token, body });
  const answer = (user: TestUser, orderId: number, text: string) => call('POST', `/orders/${orderId}/feedback/answer`, { token: user.token, body: { text } });
  const decide = (orderId: number, decision: string, as: TestUser = moderator) =>
    call('POST', `/moderation/feedback-answers/${orderId}/decision`, { token: as.token, body: { decision } });
  const profile = (login: string, query = '') => call('GET', `/users/${login}/feedback${query}`);
  async function leaveOk(buyer: TestUser, orderId: number, verdict: 'like' | 'dislike', text = `${verdict}d it`) {
    const res = await leave(buyer, orderId, { verdict, text });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }
  /** A seller who is also staff (`role`), and a completed order of theirs whose buyer disliked it with `text`. */
  async function staffSellersDislikedOrder(role: 'admin' | 'moderator', text: string) {
    const { seller, offerId } = await sellerWithOffer();
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(seller.id, role);
    const buyer = await signUp(call, 'fb_buyer');
    const orderId = await order(buyer, offerId);
    await leaveOk(buyer, orderId, 'dislike', text);
    return { seller, buyer, orderId };
  }
  async function statsOf(sellerId: number) {
    const [row] = await database.db.sql<{ rating_percent: number | null; feedback_count: number }[]>`
      select rating_percent, feedback_count from seller_stats where user_id = ${sellerId}`;
    return row ? { ratingPercent: row.rating_percent, feedbackCount: row.feedback_count } : null;
  }

  describe('leaving it', () => {
    it('lets the buyer of a completed order like it once with a text, read from the order row when its workflow is gone', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const orderId = await order(buyer, offerId);
      await assert.rejects(temporal.workflow.getHandle(orderWorkflowId(orderId)).describe(), WorkflowNotFoundError);

      const before = await call('GET', `/orders/${orderId}/feedback`, { token: buyer.token });
      assert.deepEqual(before.body, { feedback: null, canLeaveFeedback: true, canAnswer: false });

      const res = await leave(buyer, orderId, { verdict: 'like', text: '  Clean work, delivered early.  ' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(res.body, {
        orderId,
        offer: { id: offerId, title: res.body.offer.title },
        buyer: { id: buyer.id, login: buyer.login },
        verdict: 'like',
        text: 'Clean work, delivered early.',
        createdAt: clock.now().toISOString(),
        answer: null,
      });

      const again = await leave(buyer, orderId, { verdict: 'dislike', text: 'Changed my mind' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.details.status, 'feedback_given');
      const after = await call('GET', `/orders/${orderId}/feedback`, { token: buyer.token });
      assert.equal(after.body.feedback.verdict, 'like', 'the first feedback stands');
      assert.equal(after.body.canLeaveFeedback, false);

      const notes = await call('GET', '/notifications', { token: seller.token });
      assert.equal(notes.body.items[0].kind, 'feedback');
      assert.equal(notes.body.items[0].orderId, orderId);
      assert.match(notes.body.items[0].text, /positive feedback/);
    });

    for (const [ending, allowed, how] of [
      ['seller_too_busy', true, 'cancelled at the seller’s request for an insufficient reason (too busy)'],
      ['cancelled_late', true, 'the buyer cancelled once it was late'],
      ['seller_ignored', true, 'cancelled because the seller never started'],
      ['buyer_free_cancel', false, 'the buyer cancelled in the free window'],
      ['in_progress', false, 'still in progress'],
    ] as const) {
      it(`${allowed ? 'allows' : 'refuses with 409'} feedback on an order ${how}`, async () => {
        const { offerId } = await sellerWithOffer();
        const buyer = await signUp(call, 'fb_buyer');
        const orderId = await order(buyer, offerId, ending);
        const [row] = await database.db.sql`select status, closure from orders where id = ${orderId}`;
        const res = await leave(buyer, orderId, { verdict: 'dislike', text: 'Not what I ordered' });
        if (allowed) {
          assert.equal(row!.status, 'cancelled');
          assert.equal(row!.closure.feedbackAllowed, true);
          assert.equal(res.status, 201, JSON.stringify(res.body));
        } else {
          assert.equal(res.status, 409, JSON.stringify(res.body));
          assert.equal(res.body.error.code, 'conflict');
          assert.equal(res.body.error.details.status, row!.status);
          assert.equal((await call('GET', `/orders/${orderId}/feedback`, { token: buyer.token })).body.canLeaveFeedback, false);
        }
      });
    }

    it('answers 404 to anyone but the order’s buyer, and 401 without a session', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const stranger = await signUp(call, 'fb_stranger');
      const orderId = await order(buyer, offerId);
      const body = { verdict: 'like', text: 'Fine' };
      assert.equal((await leave(seller, orderId, body)).status, 404);
      assert.equal((await leave(stranger, orderId, body)).status, 404);
      assert.equal((await leave(support, orderId, body)).status, 404);
      assert.equal((await leave(buyer, orderId + 1_000_000, body)).status, 404);
      assert.equal((await leave(undefined, orderId, body)).status, 401);
      assert.equal((await call('GET', `/orders/${orderId}/feedback`, { token: stranger.token })).status, 404);
      assert.equal((await call('GET', `/orders/${orderId}/feedback`, { token: support.token })).status, 200, 'support staff read it');
      assert.equal((await statsOf(seller.id))?.feedbackCount ?? 0, 0, 'nothing counted');
    });

    for (const [what, body, path] of [
      ['an unknown verdict', { verdict: 'love', text: 'Great' }, 'body.verdict'],
      ['no verdict', { text: 'Great' }, 'body.verdict'],
      ['an empty text', { verdict: 'like', text: '   ' }, 'body.text'],
      ['a text over 2,000 characters', { verdict: 'like', text: 'x'.repeat(2_001) }, 'body.text'],
      ['an unknown field', { verdict: 'like', text: 'Great', stars: 5 }, 'body.stars'],
    ] as const) {
      it(`refuses ${what} with 400 naming ${path}`, async () => {
        const { offerId } = await sellerWithOffer();
        const buyer = await signUp(call, 'fb_buyer');
        const orderId = await order(buyer, offerId);
        const res = await leave(buyer, orderId, body);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.ok(res.body.error.details.fields.some((f: { path: string }) => f.path === path), JSON.stringify(res.body));
        assert.equal((await call('GET', `/orders/${orderId}/feedback`, { token: buyer.token })).body.feedback, null);
      });
    }
  });

  describe('the seller’s rating', () => {
    it('keeps the K-27 rating (the share of finished orders without a dislike or a failure, rounded down) and the feedback count current, shown in search and on the offer page', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const shown = async () => {
        const hit = (await call('GET', `/users?login=${seller.login}`)).body.items.find((s: { id: number }) => s.id === seller.id);
        const page = (await call('GET', `/offers/${offerId}`)).body;
        const own = (await profile(seller.login)).body.seller;
        return [hit, page.seller, own].map((s) => [s.ratingPercent, s.feedbackCount]);
      };
      assert.deepEqual(await shown(), [[null, 0], [null, 0], [null, 0]], 'unrated before the first feedback');

      await leaveOk(buyer, await order(buyer, offerId), 'like');
      assert.deepEqual(await shown(), [[100, 1], [100, 1], [100, 1]]);
      await leaveOk(buyer, await order(buyer, offerId), 'like');
      await leaveOk(buyer, await order(buyer, offerId, 'cancelled_late'), 'dislike');
      assert.deepEqual(await shown(), [[66, 3], [66, 3], [66, 3]], '2 of 3');
      // A refused feedback counts nothing; the free cancellation itself is a finished order that is
      // not bad (K-27: the rating is the share of the last 100 finished orders that are not bad): 3 of 4.
      assert.equal((await leave(buyer, await order(buyer, offerId, 'buyer_free_cancel'), { verdict: 'dislike', text: 'No' })).status, 409);
      assert.deepEqual(await statsOf(seller.id), { ratingPercent: 75, feedbackCount: 3 });
    });

    it('counts every one of many feedbacks given at once, and only one per order', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const buyers = await Promise.all(Array.from({ length: 4 }, () => signUp(call, 'fb_rush')));
      const orders: { buyer: TestUser; orderId: number; verdict: 'like' | 'dislike' }[] = [];
      for (const [i, buyer] of buyers.entries()) {
        for (let k = 0; k < 3; k++) orders.push({ buyer, orderId: await order(buyer, offerId), verdict: (i + k) % 3 === 0 ? 'dislike' : 'like' });
      }
      // Each order's feedback is sent twice at once: one is taken, the other refused.
      const results = await Promise.all(orders.flatMap((o) => [leave(o.buyer, o.orderId, { verdict: o.verdict, text: 'rush' }), leave(o.buyer, o.orderId, { verdict: o.verdict, text: 'rush' })]));
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 201).length, orders.length, JSON.stringify(statuses));
      assert.equal(statuses.filter((s) => s === 409).length, orders.length);
      const likes = orders.filter((o) => o.verdict === 'like').length;
      assert.deepEqual(await statsOf(seller.id), { ratingPercent: Math.floor((100 * likes) / orders.length), feedbackCount: orders.length });
    });
  });

  describe('boosted feedback (K-59)', () => {
    const remove = (as: TestUser | undefined, orderId: number, body: unknown = { reason: 'Boosted: the buyer is the seller’s second account' }) =>
      call('POST', `/staff/feedback/${orderId}/delete`, { token: as?.token, body });

    it('is not deleted by an admin who is the order’s seller (403, kept): another admin deletes it', async () => {
      const { seller, orderId } = await staffSellersDislikedOrder('admin', 'Late and wrong');
      const own = await remove(seller, orderId, { reason: 'I do not like it' });
      assert.equal(own.status, 403);
      assert.match(own.body.error.message, /another admin/);
      assert.equal((await profile(seller.login)).body.items.length, 1, 'the feedback stays');
      assert.equal((await remove(admin, orderId)).status, 200);
    });

    it('is deleted by an admin with a reason: kept on record, both parties told, the seller’s standing recomputed without it', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const booster = await signUp(call, 'fb_booster');
      await leaveOk(buyer, await order(buyer, offerId), 'dislike', 'Late and wrong');
      const boosted: number[] = [];
      for (let i = 0; i < 3; i++) {
        const orderId = await order(booster, offerId);
        await leaveOk(booster, orderId, 'like', 'Amazing!!!');
        boosted.push(orderId);
      }
      const seen = async () => {
        const { seller: s } = (await profile(seller.login)).body;
        return { stars: s.stars, feedbackCount: s.feedbackCount, items: (await profile(seller.login)).body.items.length };
      };
      assert.deepEqual(await seen(), { stars: 3.8, feedbackCount: 4, items: 4 }, '5 × 3 ÷ 4 = 3.75');

      assert.equal((await remove(undefined, boosted[0]!)).status, 401);
      assert.equal((await remove(moderator, boosted[0]!)).status, 403, 'admins only');
      assert.equal((await remove(support, boosted[0]!)).status, 403);
      assert.equal((await remove(admin, boosted[0]!, { reason: '  ' })).status, 400, 'a reason is required');

      clock.advance(MINUTE);
      const res = await remove(admin, boosted[0]!);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, {
        orderId: boosted[0],
        sellerId: seller.id,
        buyerId: booster.id,
        verdict: 'like',
        text: 'Amazing!!!',
        reason: 'Boosted: the buyer is the seller’s second account',
        deletedBy: admin.id,
        deletedAt: clock.now().toISOString(),
      });
      for (const orderId of boosted.slice(1)) assert.equal((await remove(admin, orderId)).status, 200);
      assert.deepEqual(await seen(), { stars: 0, feedbackCount: 1, items: 1 }, 'only the dislike is left');
      assert.equal((await remove(admin, boosted[0]!)).status, 404, 'already deleted');

      const [kept] = await database.db.sql`select count(*)::int as n from deleted_feedback where order_id = any(${boosted}::int8[]) and deleted_by = ${admin.id}`;
      assert.equal(kept!.n, 3);
      for (const party of [seller, booster]) {
        const notes = (await call('GET', '/notifications', { token: party.token })).body.items.filter((n: { kind: string }) => n.kind === 'feedback_deleted');
        assert.equal(notes.length, 3, party.login);
        assert.match(notes[0].text, /Boosted/);
      }
      // The order takes no new feedback in its place.
      const again = await leave(booster, boosted[0]!, { verdict: 'like', text: 'Once more' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.details.status, 'feedback_deleted');
    });
  });

  describe('the seller’s profile', () => {
    it('shows level, stars, percentages and Sales analytics once more than 3 orders are completed (K-28, K-30, K-34)', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const read = async () => {
        const res = await call('GET', `/users/${seller.login}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.seller;
      };
      const fresh = await read();
      assert.deepEqual(
        [fresh.level, fresh.stars, fresh.ratingPercent, fresh.successfullyCompletedPercent, fresh.onTimePercent, fresh.analytics, fresh.canMakeIndividualOffers],
        ['newbie', null, null, null, null, null, false],
      );
      for (let i = 0; i < 3; i++) await leaveOk(buyer, await order(buyer, offerId), 'like');
      assert.equal((await read()).analytics, null, '3 completed: not yet');
      await order(buyer, offerId, 'seller_ignored');
      await order(buyer, offerId);
      const shown = await read();
      assert.deepEqual(
        [shown.level, shown.stars, shown.ratingPercent, shown.completedOrders, shown.successfullyCompletedPercent, shown.onTimePercent],
        ['newbie', 5, 80, 4, 80, 100],
      );
      assert.deepEqual(shown.analytics.responsibility, { for: 4, of: 5, percent: 80 });
      // Likes and repeat orders (the same buyer, 4 times after the first) for, no dislike against.
      assert.deepEqual(shown.analytics.feedback, { for: 7, of: 7, percent: 100 });
      assert.equal(shown.analytics.sales, 4);
      assert.equal(shown.analytics.earnedCents, 4 * 800);
      assert.equal((await call('GET', '/users/no_such_seller_here')).status, 404);
    });

    it('shows a mostly-selling user’s buyer status only to those who sold to them (K-35)', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const other = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      // The seller sells twice, and buys once from the other seller: more sales than purchases.
      await order(buyer, offerId);
      await order(buyer, offerId);
      await order(seller, other.offerId);
      const statusFor = async (viewer?: TestUser) => (await call('GET', `/users/${seller.login}`, { token: viewer?.token })).body.seller.buyerStatus;
      assert.equal(await statusFor(), null, 'not to the public');
      assert.equal(await statusFor(buyer), null, 'not to their buyers');
      assert.deepEqual(await statusFor(other.seller), { rank: 'newbie', superBuyer: false, purchases: 1 }, 'to the seller they bought from');
      assert.deepEqual(await statusFor(seller), { rank: 'newbie', superBuyer: false, purchases: 1 }, 'to themselves');
      // A user who buys at least as much as they sell shows it to everyone.
      assert.deepEqual((await call('GET', `/users/${buyer.login}`)).body.seller.buyerStatus, { rank: 'newbie', superBuyer: false, purchases: 2 });
    });
  });

  describe('the seller’s answer', () => {
    it('is published only once a moderator approves it; the seller answers once', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const orderId = await order(buyer, offerId);
      assert.equal((await answer(seller, orderId, 'Thanks!')).status, 409, 'nothing to answer yet');
      await leaveOk(buyer, orderId, 'dislike', 'The colours were off');
      assert.deepEqual((await call('GET', `/orders/${orderId}/feedback`, { token: seller.token })).body.canAnswer, true);

      assert.equal((await answer(buyer, orderId, 'Me too')).status, 404, 'the buyer is not the seller');
      clock.advance(MINUTE);
      const answered = await answer(seller, orderId, 'We matched the brief you sent; happy to adjust.');
      assert.equal(answered.status, 201, JSON.stringify(answered.body));
      assert.deepEqual(answered.body.answer, { text: 'We matched the brief you sent; happy to adjust.', at: clock.now().toISOString(), status: 'pending', decidedAt: null });
      const twice = await answer(seller, orderId, 'Again');
      assert.equal(twice.status, 409);
      assert.equal(twice.body.error.details.status, 'answer_pending');

      const publicItem = async () => {
        const onProfile = (await profile(seller.login)).body.items.find((i: { orderId: number }) => i.orderId === orderId);
        const onPage = (await call('GET', `/offers/${offerId}`)).body.feedback.recent.find((i: { orderId: number }) => i.orderId === orderId);
        assert.deepEqual(onProfile, onPage);
        return onProfile;
      };
      assert.equal((await publicItem()).answer, null, 'hidden while pending');

      const queue = await call('GET', '/moderation/feedback-answers', { token: moderator.token });
      assert.equal(queue.status, 200);
      const queued = queue.body.items.find((i: { orderId: number }) => i.orderId === orderId);
      assert.deepEqual(queued, {
        orderId,
        seller: { id: seller.id, login: seller.login },
        offer: { id: offerId, title: queued.offer.title },
        verdict: 'dislike',
        feedback: 'The colours were off',
        answer: 'We matched the brief you sent; happy to adjust.',
        answeredAt: clock.now().toISOString(),
      });
      assert.equal((await call('GET', '/moderation/feedback-answers', { token: support.token })).status, 403);
      assert.equal((await decide(orderId, 'approve', support)).status, 403);

      clock.advance(MINUTE);
      const approved = await decide(orderId, 'approve');
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(approved.body.answer.status, 'published');
      assert.equal(approved.body.answer.decidedAt, clock.now().toISOString());
      assert.equal((await decide(orderId, 'reject')).status, 409, 'decided once');
      assert.deepEqual((await publicItem()).answer, { text: 'We matched the brief you sent; happy to adjust.', at: answered.body.answer.at });
      assert.ok(!(await call('GET', '/moderation/feedback-answers', { token: moderator.token })).body.items.some((i: { orderId: number }) => i.orderId === orderId));
      const buyerNotes = await call('GET', '/notifications', { token: buyer.token });
      assert.equal(buyerNotes.body.items[0].kind, 'feedback_answered');
    });

    it('stays hidden when a moderator rejects it, and cannot be given again', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const orderId = await order(buyer, offerId);
      await leaveOk(buyer, orderId, 'dislike');
      assert.equal((await answer(seller, orderId, 'You are wrong and rude')).status, 201);
      const rejected = await decide(orderId, 'reject');
      assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
      assert.equal(rejected.body.answer.status, 'rejected');
      assert.equal((await profile(seller.login)).body.items[0].answer, null);
      assert.equal((await call('GET', `/orders/${orderId}/feedback`, { token: seller.token })).body.feedback.answer.status, 'rejected', 'the seller sees why it is missing');
      assert.equal((await answer(seller, orderId, 'Sorry, let me try again')).status, 409);
      const notes = await call('GET', '/notifications', { token: seller.token });
      assert.equal(notes.body.items[0].kind, 'feedback_answer_rejected');
    });

    it('is not decided by its own seller, a moderator too (403, nothing written): another moderator decides it', async () => {
      const { seller, orderId } = await staffSellersDislikedOrder('moderator', 'Late and off-brief');
      assert.equal((await answer(seller, orderId, 'We delivered what you asked for.')).status, 201);
      const own = await decide(orderId, 'approve', seller);
      assert.equal(own.status, 403);
      assert.match(own.body.error.message, /another moderator/);
      assert.equal((await profile(seller.login)).body.items.find((i: { orderId: number }) => i.orderId === orderId).answer, null, 'not published');
      assert.ok((await call('GET', '/moderation/feedback-answers', { token: moderator.token })).body.items.some((i: { orderId: number }) => i.orderId === orderId), 'still queued');
      assert.equal((await decide(orderId, 'approve')).status, 200);
    });

    it('answers a decision without an answer awaiting with 404', async () => {
      const { offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const orderId = await order(buyer, offerId);
      assert.equal((await decide(orderId, 'approve')).status, 404, 'no feedback');
      await leaveOk(buyer, orderId, 'like');
      assert.equal((await decide(orderId, 'approve')).status, 404, 'no answer');
      assert.equal((await decide(orderId + 1_000_000, 'approve')).status, 404, 'no order');
      assert.equal((await decide(orderId, 'maybe')).status, 400);
    });

    it('queues answers oldest first', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const ids = [await order(buyer, offerId), await order(buyer, offerId), await order(buyer, offerId)];
      for (const id of ids) await leaveOk(buyer, id, 'like');
      for (const id of [ids[2]!, ids[0]!, ids[1]!]) {
        clock.advance(MINUTE);
        assert.equal((await answer(seller, id, `Thank you for order ${id}`)).status, 201);
      }
      const queue = (await call('GET', '/moderation/feedback-answers', { token: moderator.token })).body.items.map((i: { orderId: number }) => i.orderId);
      assert.deepEqual(queue.filter((id: number) => ids.includes(id)), [ids[2], ids[0], ids[1]]);
      const times = (await call('GET', '/moderation/feedback-answers', { token: moderator.token })).body.items.map((i: { answeredAt: string }) => i.answeredAt);
      assert.deepEqual(times, [...times].sort());
    });
  });

  describe('where the public sees it', () => {
    it('lists a seller’s feedback newest first, a page at a time, likes or dislikes only', async () => {
      const { seller, offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const given: { orderId: number; verdict: string }[] = [];
      for (let i = 0; i < 5; i++) {
        clock.advance(MINUTE);
        const orderId = await order(buyer, offerId);
        const verdict = i % 2 === 0 ? 'like' : 'dislike';
        await leaveOk(buyer, orderId, verdict);
        given.unshift({ orderId, verdict });
      }
      const pages: number[][] = [];
      let cursor: string | null = null;
      do {
        const res = await profile(seller.login.toUpperCase(), `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        pages.push(res.body.items.map((i: { orderId: number }) => i.orderId));
        cursor = res.body.nextCursor;
      } while (cursor);
      assert.deepEqual(pages, [given.slice(0, 2), given.slice(2, 4), given.slice(4)].map((p) => p.map((g) => g.orderId)));

      const dislikes = await profile(seller.login, '?verdict=dislike');
      assert.deepEqual(dislikes.body.items.map((i: { orderId: number }) => i.orderId), given.filter((g) => g.verdict === 'dislike').map((g) => g.orderId));
      assert.deepEqual(
        [dislikes.body.seller.login, dislikes.body.seller.ratingPercent, dislikes.body.seller.feedbackCount],
        [seller.login, 60, 5],
      );
      assert.equal((await profile('no_such_seller_here')).status, 404);
      assert.equal((await profile('a-b')).status, 400);
      assert.equal((await profile(seller.login, '?cursor=nonsense')).status, 400);
      // The largest cursor the document admits is read as a time after every feedback (the
      // first page again); one digit more is refused at the door, not a 500 from PostgreSQL.
      const farthest = await profile(seller.login, '?limit=2&cursor=99999999999999-999999999999999');
      assert.equal(farthest.status, 200, JSON.stringify(farthest.body));
      assert.deepEqual(farthest.body.items.map((i: { orderId: number }) => i.orderId), pages[0]);
      assert.equal((await profile(seller.login, '?cursor=612087619181332-31560')).status, 400);
      assert.equal((await profile(seller.login, '?stars=5')).status, 400);
    });

    it(`shows an offer’s ${OFFER_PAGE_FEEDBACK} newest feedbacks and its likes and dislikes on the offer page`, async () => {
      const { offerId } = await sellerWithOffer();
      const buyer = await signUp(call, 'fb_buyer');
      const ids: number[] = [];
      for (let i = 0; i < OFFER_PAGE_FEEDBACK + 2; i++) {
        clock.advance(MINUTE);
        const orderId = await order(buyer, offerId);
        await leaveOk(buyer, orderId, i < 3 ? 'dislike' : 'like');
        ids.unshift(orderId);
      }
      const page = await call('GET', `/offers/${offerId}`);
      assert.equal(page.status, 200);
      assert.equal(page.body.feedback.likes, OFFER_PAGE_FEEDBACK + 2 - 3);
      assert.equal(page.body.feedback.dislikes, 3);
      assert.deepEqual(page.body.feedback.recent.map((i: { orderId: number }) => i.orderId), ids.slice(0, OFFER_PAGE_FEEDBACK));
    });
  });
});
