/**
 * The rules of reputation (issue 16; K-28…K-35, D-01, D-02) at their boundaries, on order
 * histories built one order at a time. `reputation-property.test.ts` checks the same functions
 * against a plain reference on random histories.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  levelShareLimit,
  nextLevel,
  levelFigures,
  buyerLevel,
  monthsBefore,
  profilePercentages,
  salesAnalytics,
  sellerLevel,
  sellerRating,
  stars,
  topRated,
  topRatedOffers,
  type FinishedOrder,
  type Purchase,
} from '../../workflows/lib/reputation.js';
import { HOUR, MINUTE, iso } from '../../workflows/lib/time.js';

const start = Date.parse('2026-01-01T00:00:00.000Z');

/** How one order ended, in the words of the rules. */
type Kind =
  | 'liked'
  | 'unrated'
  | 'disliked'
  | 'late'
  | 'late_disliked'
  | 'cancelled_sufficient'
  | 'cancelled_insufficient'
  | 'cancelled_disliked'
  | 'cancelled_liked'
  | 'ignored';

function order(kind: Kind, i: number, extra: Partial<FinishedOrder> = {}): FinishedOrder {
  const completed = !kind.startsWith('cancelled') && kind !== 'ignored';
  const base: FinishedOrder = {
    orderId: i + 1,
    offerId: 1,
    buyerId: 1000 + i,
    finishedAt: iso(start + i * HOUR),
    outcome: completed ? 'completed' : 'cancelled',
    late: kind === 'late' || kind === 'late_disliked',
    feedback: kind === 'liked' ? 'positive' : kind.endsWith('disliked') ? 'negative' : kind === 'cancelled_liked' ? 'positive' : null,
    totalCents: 1000,
    sellerEarningsCents: 800,
  };
  if (kind === 'ignored') base.cancellation = { by: 'system', reason: 'seller_ignored', sufficient: false };
  if (kind === 'cancelled_sufficient') base.cancellation = { by: 'buyer', reason: 'no_longer_needed', sufficient: true };
  if (kind === 'cancelled_insufficient' || kind === 'cancelled_disliked' || kind === 'cancelled_liked') {
    base.cancellation = { by: 'seller', reason: 'too_busy', sufficient: false };
  }
  return { ...base, ...extra };
}

/** `n` orders of `kind`, numbered on from `from`. */
const repeat = (kind: Kind, n: number, from = 0): FinishedOrder[] => Array.from({ length: n }, (_, k) => order(kind, from + k));

/** Orders of the given kinds in sequence: `[['liked', 80], ['disliked', 9]]`. */
function history(parts: readonly (readonly [Kind, number])[]): FinishedOrder[] {
  const list: FinishedOrder[] = [];
  for (const [kind, n] of parts) list.push(...repeat(kind, n, list.length));
  return list;
}

describe('seller level (K-32, D-01)', () => {
  it('needs more than 10 completed orders for Advanced: Newbie at 10, Advanced at the 11th', () => {
    assert.equal(sellerLevel([]), 'newbie');
    assert.equal(sellerLevel(history([['liked', 10]])), 'newbie');
    assert.equal(sellerLevel(history([['liked', 11]])), 'advanced');
  });

  it('needs more than 50 completed orders for Professional: Advanced at 50, Professional at the 51st', () => {
    assert.equal(sellerLevel(history([['liked', 50]])), 'advanced');
    assert.equal(sellerLevel(history([['liked', 51]])), 'professional');
  });

  it('counts completed orders over the lifetime, cancellations not among them', () => {
    assert.equal(sellerLevel(history([['cancelled_sufficient', 30], ['liked', 10]])), 'newbie');
    assert.equal(sellerLevel(history([['cancelled_sufficient', 30], ['liked', 11]])), 'advanced');
  });

  // Over at most 100 finished orders the bad share is b ÷ n with n ≤ 100: exactly 9.9 % (99/1000)
  // cannot occur, so "just under 10 %" is 9 of 91 (9.89 %, shown as 9.9 %) and 10 % is 9 of 90.
  it('is Advanced at 9 bad of 91 finished orders (9.9 %) and Newbie at 9 of 90 (10 %)', () => {
    assert.equal(sellerLevel(history([['liked', 82], ['disliked', 9]])), 'advanced');
    assert.equal(sellerLevel(history([['liked', 81], ['disliked', 9]])), 'newbie');
  });

  // Likewise 7.9 % is 7 of 89 (7.87 %, shown as 7.9 %), and 8 % is 8 of 100.
  it('is Professional at 7 bad of 89 finished orders (7.9 %) and Advanced at 8 of 100 (8 %)', () => {
    assert.equal(sellerLevel(history([['liked', 82], ['cancelled_insufficient', 7]])), 'professional');
    assert.equal(sellerLevel(history([['liked', 92], ['cancelled_insufficient', 8]])), 'advanced');
  });

  it('takes the share over the last 100 finished orders only: the oldest bad order leaves the window', () => {
    const tenOfHundred = history([['ignored', 1], ['late', 9], ['liked', 90]]);
    assert.equal(sellerLevel(tenOfHundred), 'newbie');
    assert.equal(sellerLevel([...tenOfHundred, order('liked', 100)]), 'advanced');
  });

  it('orders the window by finish time, not by position in the list', () => {
    const list = history([['ignored', 1], ['late', 9], ['liked', 91]]);
    assert.equal(sellerLevel([...list].reverse()), 'advanced');
  });

  it('counts a late completed order with negative feedback once, not twice', () => {
    // 9 such orders of 100: 9 % (Advanced); counted twice they would make 18 % (Newbie).
    assert.equal(sellerLevel(history([['liked', 91], ['late_disliked', 9]])), 'advanced');
    assert.equal(sellerLevel(history([['liked', 90], ['late_disliked', 10]])), 'newbie');
  });

  it('counts as failed: an insufficient cancellation, an auto-cancellation, a late delivery; not a sufficient cancellation', () => {
    assert.equal(sellerLevel(history([['liked', 80], ['cancelled_sufficient', 20]])), 'professional');
    for (const bad of ['cancelled_insufficient', 'ignored', 'late', 'disliked', 'cancelled_disliked'] as const) {
      assert.equal(sellerLevel(history([['liked', 90], [bad, 10]])), 'newbie', bad);
    }
  });

  it('counts an auto-cancellation as failed even if marked sufficient, and a cancellation without record as insufficient', () => {
    const ignored = order('ignored', 0, { cancellation: { by: 'system', reason: 'seller_ignored', sufficient: true } });
    const unrecorded = order('cancelled_insufficient', 0);
    delete unrecorded.cancellation;
    for (const bad of [ignored, unrecorded]) {
      const list = [...repeat('liked', 81, 0), ...Array.from({ length: 9 }, (_, k) => ({ ...bad, orderId: 100 + k, finishedAt: iso(start + (81 + k) * HOUR) }))];
      assert.equal(sellerLevel(list), 'newbie');
    }
  });

  it('falls when the figures fall: Professional → Advanced → Newbie, and rises again', () => {
    const list = history([['liked', 60]]);
    const levelAfter = (kinds: Kind[]) => {
      for (const kind of kinds) list.push(order(kind, list.length));
      return sellerLevel(list);
    };
    assert.equal(levelAfter([]), 'professional');
    assert.equal(levelAfter(Array(5).fill('cancelled_insufficient')), 'professional'); // 5 of 65: 7.7 %
    assert.equal(levelAfter(['late']), 'advanced'); // 6 of 66: 9.1 %
    assert.equal(levelAfter(['disliked']), 'newbie'); // 7 of 67: 10.4 %
    assert.equal(levelAfter(Array(4).fill('liked')), 'advanced'); // 7 of 71: 9.9 %
  });
});

describe('stars (K-30, D-02)', () => {
  it('are null without feedback', () => {
    assert.equal(stars([]), null);
    assert.equal(stars(history([['unrated', 5], ['cancelled_sufficient', 2]])), null);
  });

  it('are 5 × likes ÷ (likes + dislikes), one decimal, half up in integers', () => {
    assert.equal(stars(history([['liked', 12]])), 5);
    assert.equal(stars(history([['disliked', 3]])), 0);
    assert.equal(stars(history([['liked', 8], ['disliked', 1]])), 4.4); // 4.444…
    assert.equal(stars(history([['liked', 17], ['disliked', 2]])), 4.5); // 4.473…
    assert.equal(stars(history([['liked', 89], ['disliked', 11]])), 4.5); // exactly 4.45: half up
    assert.equal(stars(history([['liked', 87], ['disliked', 13]])), 4.4); // exactly 4.35: half up
    assert.equal(stars(history([['liked', 199], ['disliked', 1]])), 5); // 4.975
    assert.equal(stars(history([['liked', 1], ['disliked', 199]])), 0); // 0.025
  });

  it('count a dislike left after an insufficient cancellation, but no like on an uncompleted order', () => {
    assert.equal(stars(history([['liked', 3], ['cancelled_disliked', 1]])), 3.8); // 3.75
    assert.equal(stars(history([['liked', 3], ['cancelled_liked', 1]])), 5);
    assert.equal(stars(history([['cancelled_liked', 2]])), null);
  });
});

describe('profile percentages (K-34)', () => {
  it('are null before anything counts', () => {
    assert.deepEqual(profilePercentages([]), { successfullyCompleted: null, submittedOnTime: null });
    assert.deepEqual(profilePercentages(history([['cancelled_sufficient', 2]])), { successfullyCompleted: null, submittedOnTime: null });
  });

  it('lower "successfully completed" only by auto-cancellations and unreasonable refusals, rounding down', () => {
    assert.equal(profilePercentages(history([['liked', 199], ['ignored', 1]])).successfullyCompleted, 99);
    assert.equal(profilePercentages(history([['liked', 3], ['cancelled_insufficient', 1]])).successfullyCompleted, 75);
    assert.equal(profilePercentages(history([['liked', 3], ['cancelled_sufficient', 5]])).successfullyCompleted, 100);
    assert.equal(profilePercentages(history([['ignored', 2]])).successfullyCompleted, 0);
  });

  it('compute "submitted on time" over all completed orders', () => {
    assert.equal(profilePercentages(history([['liked', 2], ['late', 1], ['ignored', 4]])).submittedOnTime, 66);
    assert.equal(profilePercentages(history([['unrated', 199], ['late_disliked', 1]])).submittedOnTime, 99);
  });
});

describe('Top Rated per offer (K-29, D-02)', () => {
  it('needs at least 20 completed orders with positive feedback', () => {
    assert.equal(topRated(history([['liked', 19]])), false);
    assert.equal(topRated(history([['liked', 20]])), true);
  });

  it('allows at most 10 % of completed orders without feedback: 3 of 30 yes, 3 of 29 no', () => {
    assert.equal(topRated(history([['liked', 27], ['unrated', 3]])), true);
    assert.equal(topRated(history([['liked', 26], ['unrated', 3]])), false);
  });

  it('is lost to one negative feedback, one delay, one expired order or one insufficient cancellation', () => {
    for (const bad of ['disliked', 'late', 'ignored', 'cancelled_insufficient', 'cancelled_disliked'] as const) {
      assert.equal(topRated(history([['liked', 30], [bad, 1]])), false, bad);
    }
  });

  it('survives a cancellation for a sufficient reason', () => {
    assert.equal(topRated(history([['liked', 20], ['cancelled_sufficient', 5]])), true);
  });

  it('is decided per offer', () => {
    const offer = (id: number, parts: readonly (readonly [Kind, number])[], from: number) => history(parts).map((o, k) => ({ ...o, offerId: id, orderId: from + k + 1 }));
    const list = [...offer(1, [['liked', 25]], 0), ...offer(2, [['liked', 25], ['disliked', 1]], 100), ...offer(3, [['liked', 25]], 200)];
    assert.deepEqual(topRatedOffers(list), [1, 3]);
  });
});

describe('sales analytics (K-28)', () => {
  it('is hidden at 3 completed orders, whatever else finished, and shown at the 4th', () => {
    assert.equal(salesAnalytics(history([['liked', 3], ['cancelled_sufficient', 10]])), null);
    assert.notEqual(salesAnalytics(history([['liked', 3], ['cancelled_sufficient', 10], ['unrated', 1]])), null);
  });

  it('counts responsibility over the last 30 finished orders', () => {
    const a = salesAnalytics(history([['ignored', 5], ['liked', 27], ['late', 3]]))!;
    assert.deepEqual(a.responsibility, { for: 27, of: 30, percent: 90 });
  });

  it('counts feedback over the last 80 finished orders, repeat orders for it', () => {
    const list = history([['disliked', 10], ['liked', 70], ['disliked', 10]]);
    // The 10 oldest dislikes are outside the window; a buyer returning makes a repeat order.
    list[85] = { ...list[85]!, buyerId: list[0]!.buyerId };
    list[86] = { ...list[86]!, buyerId: list[0]!.buyerId };
    const a = salesAnalytics(list)!;
    assert.deepEqual(a.feedback, { for: 72, of: 82, percent: 87 });
  });

  it('averages time to start and completion time, and totals completed sales', () => {
    const list = [
      order('liked', 0, { startedAfterMs: 1000, completedAfterMs: 10_000, totalCents: 1000, sellerEarningsCents: 800 }),
      order('liked', 1, { startedAfterMs: 2001, completedAfterMs: 20_000, totalCents: 2001, sellerEarningsCents: 1600 }),
      order('late', 2, { startedAfterMs: 3000, completedAfterMs: 30_001, totalCents: 3000, sellerEarningsCents: 2400 }),
      order('unrated', 3, { totalCents: 4000, sellerEarningsCents: 3200 }),
      order('cancelled_insufficient', 4, { startedAfterMs: 6000, totalCents: 9999, sellerEarningsCents: 7999 }),
    ];
    const a = salesAnalytics(list)!;
    assert.equal(a.averageStartMs, 3000); // (1000 + 2001 + 3000 + 6000) / 4 = 3000.25
    assert.equal(a.averageCompletionMs, 20_000); // 60 001 / 3 = 20 000.33
    assert.equal(a.earnedCents, 8000);
    assert.equal(a.averageOrderCents, 2500); // 10 001 / 4 = 2500.25
    assert.equal(a.sales, 4);
  });
});

describe('buyer levels (K-35)', () => {
  const now = '2026-05-31T12:00:00.000Z';
  const purchases = (n: number, at = (k: number) => iso(Date.parse('2025-01-01T00:00:00.000Z') + k * HOUR)): Purchase[] =>
    Array.from({ length: n }, (_, k) => ({ orderId: k + 1, at: at(k) }));

  it('appear with the first purchase and rise at 7, 20, 50 and 90', () => {
    const rankAt = (n: number) => buyerLevel(purchases(n), now).rank;
    assert.equal(rankAt(0), null);
    assert.equal(rankAt(1), 'newbie');
    assert.deepEqual([rankAt(6), rankAt(7)], ['newbie', 'accustomed']);
    assert.deepEqual([rankAt(19), rankAt(20)], ['accustomed', 'experienced']);
    assert.deepEqual([rankAt(49), rankAt(50)], ['experienced', 'giant']);
    assert.deepEqual([rankAt(89), rankAt(90)], ['giant', 'mega_giant']);
  });

  it('take 3 months as calendar months back, clamped to the month’s end like PostgreSQL', () => {
    assert.equal(monthsBefore(now, 3), '2026-02-28T12:00:00.000Z');
    assert.equal(monthsBefore('2024-05-31T23:59:00.000Z', 3), '2024-02-29T23:59:00.000Z');
    assert.equal(monthsBefore('2026-01-15T08:30:00.000Z', 3), '2025-10-15T08:30:00.000Z');
  });

  it('make a Super buyer at 12 purchases in the last 3 months, not at 11', () => {
    const recent = (n: number) => purchases(n, (k) => iso(Date.parse('2026-05-01T00:00:00.000Z') + k * HOUR));
    assert.equal(buyerLevel(recent(11), now).superBuyer, false);
    assert.equal(buyerLevel(recent(12), now).superBuyer, true);
  });

  it('count a purchase at the window’s start, one a minute after, not one a minute before, nor one after now', () => {
    const edge = Date.parse('2026-02-28T12:00:00.000Z');
    const eleven = purchases(11, (k) => iso(Date.parse('2026-05-01T00:00:00.000Z') + k * HOUR));
    const withTwelfth = (at: number) => buyerLevel([...eleven, { orderId: 99, at: iso(at) }], now).superBuyer;
    assert.equal(withTwelfth(edge - MINUTE), false);
    assert.equal(withTwelfth(edge), true);
    assert.equal(withTwelfth(edge + MINUTE), true);
    assert.equal(withTwelfth(Date.parse(now) + MINUTE), false);
  });

  it('lose Super buyer when the oldest purchases leave the window', () => {
    const twelve = purchases(12, (k) => iso(Date.parse('2026-03-01T00:00:00.000Z') + k * HOUR));
    assert.equal(buyerLevel(twelve, now).superBuyer, true);
    assert.equal(buyerLevel(twelve, '2026-06-01T00:30:00.000Z').superBuyer, false);
  });
});

describe('seller rating (K-27), what search ranks by', () => {
  it('is null before the first finished order', () => {
    assert.equal(sellerRating([]), null);
  });

  it('is the whole percent of the last 100 finished orders that are not bad, rounded down', () => {
    assert.equal(sellerRating(history([['liked', 10]])), 100);
    // 1 bad of 3: 66.6 % good shows as 66.
    assert.equal(sellerRating(history([['liked', 2], ['disliked', 1]])), 66);
    // 1 bad of 200 finished orders, but the bad one is among the last 100: 99.
    assert.equal(sellerRating(history([['liked', 100], ['late', 1], ['liked', 99]])), 99);
    // The same bad order 101 orders ago has left the window: 100.
    assert.equal(sellerRating(history([['late', 1], ['liked', 100]])), 100);
  });

  it('counts a sufficient cancellation as not bad, and an auto-cancellation, a late delivery or a dislike as bad', () => {
    assert.equal(sellerRating(history([['liked', 1], ['cancelled_sufficient', 1]])), 100);
    assert.equal(sellerRating(history([['liked', 1], ['ignored', 1]])), 50);
    assert.equal(sellerRating(history([['liked', 3], ['late', 1]])), 75);
    assert.equal(sellerRating(history([['liked', 3], ['cancelled_insufficient', 1]])), 75);
    // A late order with a dislike is one bad order, not two.
    assert.equal(sellerRating(history([['liked', 3], ['late_disliked', 1]])), 75);
    // An order without feedback that did not fail is not bad.
    assert.equal(sellerRating(history([['unrated', 4]])), 100);
  });
});

describe('what the next level asks (K-32, D-01: the dashboard’s line)', () => {
  it('counts the completed orders still missing, on both sides of “more than 10” and “more than 50”', () => {
    const at = (completed: number, windowSize = completed, windowBad = 0) => ({ completed, windowSize, windowBad });
    assert.deepEqual(nextLevel('newbie', at(0)), { level: 'advanced', completedNeeded: 11, moreCompleted: 11, underPercent: 10, shareOk: true });
    assert.equal(nextLevel('newbie', at(10))?.moreCompleted, 1);
    assert.equal(nextLevel('newbie', at(11))?.moreCompleted, 0);
    assert.deepEqual(nextLevel('advanced', at(50)), { level: 'professional', completedNeeded: 51, moreCompleted: 1, underPercent: 8, shareOk: true });
    assert.equal(nextLevel('professional', at(500)), null, 'nothing above Professional');
    assert.deepEqual([levelShareLimit('newbie'), levelShareLimit('advanced'), levelShareLimit('professional')], [null, 10, 8]);
  });

  it('says whether bad orders are under the next level’s share now, as the level itself decides it', () => {
    // 1 bad of 10 is 10 %: not under Advanced's 10 %; 1 of 11 is.
    assert.equal(nextLevel('newbie', { completed: 11, windowSize: 10, windowBad: 1 })?.shareOk, false);
    assert.equal(nextLevel('newbie', { completed: 11, windowSize: 11, windowBad: 1 })?.shareOk, true);
    assert.equal(nextLevel('newbie', { completed: 0, windowSize: 0, windowBad: 0 })?.shareOk, true, 'nothing finished: nothing bad');
    // The same boundary the level uses: a seller the share allows is one sellerLevel would promote with the orders.
    const figures = levelFigures(history([['liked', 11], ['late_disliked', 1]]));
    assert.equal(nextLevel('newbie', figures)?.shareOk, sellerLevel(history([['liked', 11], ['late_disliked', 1]])) === 'advanced');
  });
});
