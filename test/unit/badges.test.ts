/**
 * K-36's earned badges as pure rules (`badgesOf`): each tier at its boundary, the highest reached
 * named, positive communication at 95 % and 10 feedbacks exactly, a buyer's badge only where the
 * buyer status shows, and awarded badges counted by kind, newest award first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { badgesOf, tierOf, type BadgeFigures } from '../../services/badges.js';

const none: BadgeFigures = { completedSales: 0, purchases: 0, positiveFeedback: 0, negativeFeedback: 0 };
const names = (f: Partial<BadgeFigures>) => badgesOf({ ...none, ...f }, []).map((b) => b.name);

describe('badges earned (K-36)', () => {
  it('name the highest tier reached, on both sides of each boundary', () => {
    assert.equal(tierOf(9, [10, 100]), undefined);
    const sales: [number, string[]][] = [[9, []], [10, ['10+ sales']], [99, ['10+ sales']], [100, ['100+ sales']], [999, ['100+ sales']], [1_000, ['1,000+ sales']], [25_000, ['1,000+ sales']]];
    for (const [n, expected] of sales) assert.deepEqual(names({ completedSales: n }), expected, `${n} sales`);
    const purchases: [number, string[]][] = [[9, []], [10, ['10+ purchases']], [49, ['10+ purchases']], [50, ['50+ purchases']], [100, ['100+ purchases']]];
    for (const [n, expected] of purchases) assert.deepEqual(names({ purchases: n }), expected, `${n} purchases`);
    assert.deepEqual(names({ purchases: null }), [], 'a buyer status the viewer may not see shows no purchases badge');
  });

  it('positive communication needs 10 feedbacks and 95 % of them likes, rounded down', () => {
    const cases: [number, number, boolean][] = [[9, 0, false], [10, 0, true], [19, 1, true], [18, 1, false], [94, 5, false], [95, 5, true]];
    for (const [likes, dislikes, shown] of cases) {
      assert.equal(names({ positiveFeedback: likes, negativeFeedback: dislikes }).includes('Positive communication'), shown, `${likes} likes, ${dislikes} dislikes`);
    }
    const [badge] = badgesOf({ ...none, positiveFeedback: 19, negativeFeedback: 1 }, []);
    assert.equal(badge?.detail, '95 % of 20 feedback positive');
  });

  it('awarded badges come after earned ones, counted by kind, newest award first', () => {
    const awards = [
      { id: 1, kind: 'idea' as const, reason: 'older', awardedAt: '2026-11-01T00:00:00.000Z' },
      { id: 3, kind: 'contest' as const, reason: 'won', awardedAt: '2026-11-03T00:00:00.000Z' },
      { id: 2, kind: 'idea' as const, reason: 'newer', awardedAt: '2026-11-02T00:00:00.000Z' },
    ];
    const badges = badgesOf({ ...none, completedSales: 10 }, awards);
    assert.deepEqual(badges.map((b) => [b.kind, b.detail]), [['sales', '10 orders completed as a seller'], ['idea', '2 ideas adopted'], ['contest', '1 contest won']]);
    assert.deepEqual(badges[1]!.awards.map((a) => a.reason), ['newer', 'older']);
  });
});
