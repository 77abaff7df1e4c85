/** The affiliate programme's pure rules (W-23, D-07): the 3-month window in calendar months, levels, states. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addUtcMonths } from '../../workflows/lib/time.js';
import { affiliateClientState, assigns, attributionExpiresAt, commissionFor, levelBps, levelFor } from '../../workflows/lib/affiliate.js';

const at = (iso: string) => Date.parse(iso);

describe('affiliate rules', () => {
  it('ends the window 3 calendar months after the first visit, clamping to the month’s last day (W-23)', () => {
    assert.equal(attributionExpiresAt(at('2026-01-15T08:00:00Z')), at('2026-04-15T08:00:00Z'));
    assert.equal(attributionExpiresAt(at('2026-11-30T12:00:00Z')), at('2027-02-28T12:00:00Z'));
    assert.equal(addUtcMonths(at('2027-11-30T00:00:00Z'), 3), at('2028-02-29T00:00:00Z'));
    assert.equal(addUtcMonths(at('2026-08-31T23:59:59Z'), 3), at('2026-11-30T23:59:59Z'));
  });

  it('assigns up to the window’s last instant included, never before the visit (W-23)', () => {
    const visit = at('2026-01-15T08:00:00Z');
    const end = attributionExpiresAt(visit);
    assert.deepEqual([assigns(visit, visit - 1), assigns(visit, visit), assigns(visit, end), assigns(visit, end + 1)], [false, true, true, false]);
  });

  it('levels by approved referred jobs: 10 % for 0–9, 12.5 % for 10–49, 15 % from 50 (D-07)', () => {
    assert.deepEqual([0, 9, 10, 49, 50, 1_000].map((n) => levelBps(levelFor(n))), [1_000, 1_000, 1_250, 1_250, 1_500, 1_500]);
  });

  it('shows pending until the window passes, then expired; assigned for good (W-27)', () => {
    const expiresAtMs = at('2026-04-15T08:00:00Z');
    assert.equal(affiliateClientState({ assignedAtMs: null, expiresAtMs }, expiresAtMs), 'pending');
    assert.equal(affiliateClientState({ assignedAtMs: null, expiresAtMs }, expiresAtMs + 1), 'expired');
    assert.equal(affiliateClientState({ assignedAtMs: expiresAtMs, expiresAtMs }, expiresAtMs + 1), 'assigned');
  });

  it('cuts the level’s percentage rounded down to the cent, capped at $200 at the boundary (W-24, W-26, D-07)', () => {
    assert.equal(commissionFor(133_333, 3), 19_999); // $1,333.33 at 15 % = $199.9995 → $199.99
    assert.equal(commissionFor(133_334, 3), 20_000); // $200.001 → capped at $200.00
    assert.equal(commissionFor(200_000, 3), 20_000); // W-26's example: $300 → $200
    assert.equal(commissionFor(999, 1), 99); // $9.99 at 10 % = 99.9 cents → 99
    assert.equal(commissionFor(1_001, 2), 125); // $10.01 at 12.5 % = 125.125 cents → 125
    assert.equal(commissionFor(160_000, 2), 20_000);
    assert.equal(commissionFor(0, 1), 0);
    assert.throws(() => commissionFor(-1, 1), RangeError);
    assert.throws(() => commissionFor(10.5, 1), RangeError);
  });

  it('changes level at the 10th and the 50th approved job: 9 → 10 %, 10 → 12.5 %, 49 → 12.5 %, 50 → 15 % (D-07)', () => {
    assert.deepEqual([9, 10, 49, 50].map((n) => commissionFor(10_000, levelFor(n))), [1_000, 1_250, 1_250, 1_500]);
  });
});
