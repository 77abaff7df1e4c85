/**
 * How a closed order's row becomes the `FinishedOrder` reputation reads (`db/reputation.ts`,
 * issue 16): completed only when the closure says so; a cancellation counts against the seller
 * exactly when K-24 lets the buyer leave feedback after it; the system's `seller_ignored` is
 * K-27's auto-cancellation; lateness from the timeline; the K-28 durations from the view.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { finishedOrderOf, levelNoticeKey, sellerFigures, type ClosedOrderRow } from '../../db/reputation.js';
import { isAutoCancelled, isCancelledAgainstSeller, isFailed } from '../../workflows/lib/reputation.js';
import type { Closure } from '../../workflows/order/messages.js';

const PLACED = '2026-03-02T09:00:00.000Z';
const STARTED = '2026-03-02T10:00:00.000Z';
const CLOSED = '2026-03-04T09:00:00.000Z';

function row(closure: Partial<Closure> & Pick<Closure, 'kind' | 'reason' | 'feedbackAllowed'>, extra: Partial<ClosedOrderRow> = {}): ClosedOrderRow {
  return {
    id: '17',
    offer_id: '5',
    buyer_id: '9',
    closure: { at: CLOSED, toSellerCents: 0, commissionCents: 0, refundedCents: 0, ...closure },
    total_cents: '1000',
    seller_earnings_cents: '800',
    placed_at: PLACED,
    work_started_at: STARTED,
    late: false,
    closed_by: 'buyer',
    verdict: null,
    ...extra,
  };
}

describe('a closed order row as a finished order', () => {
  it('reads a completed order with its durations, amounts and like', () => {
    const o = finishedOrderOf(row({ kind: 'completed', reason: 'accepted', feedbackAllowed: true }, { verdict: 'like' }));
    assert.deepEqual(o, {
      orderId: 17,
      offerId: 5,
      buyerId: 9,
      finishedAt: CLOSED,
      outcome: 'completed',
      late: false,
      feedback: 'positive',
      totalCents: 1000,
      sellerEarningsCents: 800,
      startedAfterMs: 3_600_000,
      completedAfterMs: 47 * 3_600_000,
    });
  });

  it('takes an arbiter’s split as not completed, and against the seller (K-24 allows feedback after it)', () => {
    const o = finishedOrderOf(row({ kind: 'split', reason: 'arbitration', feedbackAllowed: true }, { closed_by: 'staff', verdict: 'dislike' }));
    assert.equal(o.outcome, 'cancelled');
    assert.deepEqual(o.cancellation, { by: 'arbiter', reason: 'arbitration', sufficient: false });
    assert.equal(o.completedAfterMs, undefined);
    assert.equal(o.feedback, 'negative');
    assert.ok(isCancelledAgainstSeller(o));
  });

  for (const [reason, by, feedbackAllowed, against] of [
    ['seller_ignored', 'system', true, true],
    ['not_done_on_time', 'buyer', true, true],
    ['inactivity', 'system', true, true],
    ['too_busy', 'buyer', true, true],
    ['buyer_free_cancel', 'buyer', false, false],
    ['admin', 'staff', false, false],
    ['inactivity', 'system', false, false],
    ['no_longer_needed', 'seller', false, false],
  ] as const) {
    it(`counts a cancellation (${reason}, by ${by}, feedback ${feedbackAllowed ? 'allowed' : 'not allowed'}) ${against ? 'against' : 'not against'} the seller`, () => {
      const o = finishedOrderOf(row({ kind: 'cancelled', reason, feedbackAllowed }, { closed_by: by, work_started_at: reason === 'seller_ignored' ? null : STARTED }));
      assert.equal(o.outcome, 'cancelled');
      assert.equal(isCancelledAgainstSeller(o), against);
      assert.equal(isFailed(o), against);
      assert.equal(isAutoCancelled(o), reason === 'seller_ignored');
    });
  }

  it('has no durations for an order whose work never started', () => {
    const o = finishedOrderOf(row({ kind: 'cancelled', reason: 'seller_ignored', feedbackAllowed: true }, { closed_by: 'system', work_started_at: null }));
    assert.equal(o.startedAfterMs, undefined);
    assert.equal(o.completedAfterMs, undefined);
  });

  it('marks a completed order late from its timeline, a failed order (D-01)', () => {
    const o = finishedOrderOf(row({ kind: 'completed', reason: 'auto_accepted', feedbackAllowed: true }, { late: true }));
    assert.ok(o.late && isFailed(o));
  });
});

describe('the stored figures', () => {
  it('keep stars in tenths and the feedback count as likes and dislikes counted for stars', () => {
    const orders = [
      finishedOrderOf(row({ kind: 'completed', reason: 'accepted', feedbackAllowed: true }, { id: '1', verdict: 'like' })),
      finishedOrderOf(row({ kind: 'completed', reason: 'accepted', feedbackAllowed: true }, { id: '2', verdict: 'like' })),
      finishedOrderOf(row({ kind: 'cancelled', reason: 'not_done_on_time', feedbackAllowed: true }, { id: '3', verdict: 'dislike', late: true })),
    ];
    const f = sellerFigures(orders);
    assert.deepEqual(
      [f.starsTenths, f.feedbackCount, f.positiveFeedback, f.negativeFeedback, f.ratingPercent, f.completedOrders, f.finishedOrders, f.analytics],
      [33, 3, 2, 1, 66, 2, 3, null],
    );
  });

  it('name a level change after its cause, so a retried write tells the seller once', () => {
    assert.equal(levelNoticeKey(4, { kind: 'order', orderId: 17, seq: 6 }), 'level:4:order:17:6');
    assert.equal(levelNoticeKey(4, { kind: 'feedback', orderId: 17 }), 'level:4:feedback:17');
    assert.equal(levelNoticeKey(4, { kind: 'feedback_deleted', orderId: 17 }), 'level:4:feedback_deleted:17');
  });
});
