/**
 * "Why can't I withdraw?" as a pure rule (services/withdrawable.ts): K-48/D-09 card locks
 * spent first-in-first-out, K-49 bonus never withdrawable, D-10 pauses, pending withdrawals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withdrawableOf, type WithdrawableInputs } from '../../services/withdrawable.js';

const at = (iso: string) => new Date(iso);
const inputs = (over: Partial<WithdrawableInputs>): WithdrawableInputs => ({ main: 0, bonus: 0, lots: [], pauses: [], pending: [], ...over });
const lot = (topUpId: number, amount: number, posted: string, releases: string) => ({ topUpId, amount, postedAt: at(posted), releasesAt: at(releases) });

describe('what is withdrawable (K-48, K-49, D-09, D-10)', () => {
  it('makes all of main withdrawable with no lock, and bonus never (K-49)', () => {
    const w = withdrawableOf(inputs({ main: 5_000, bonus: 700 }));
    assert.equal(w.withdrawableCents, 5_000);
    assert.deepEqual(w.notWithdrawable.map((p) => [p.reason, p.amountCents, p.releasesAt]), [['bonus', 700, null]]);
  });

  it('locks card top-ups until a month after their posting, the newest lots first once some was spent (D-09: spent first-in-first-out)', () => {
    const lots = [lot(1, 5_000, '2026-11-01T10:00:00Z', '2026-12-01T10:00:00Z'), lot(2, 5_000, '2026-11-20T10:00:00Z', '2026-12-20T10:00:00Z')];
    // $100 topped up by card, $40 spent on orders, $30 earned: FIFO spent $40 of lot 1.
    const w = withdrawableOf(inputs({ main: 9_000, lots }));
    assert.deepEqual(
      w.notWithdrawable.map((p) => [p.topUpId, p.amountCents, p.releasesAt]),
      [
        [2, 5_000, '2026-12-20T10:00:00.000Z'],
        [1, 4_000, '2026-12-01T10:00:00.000Z'],
      ],
    );
    assert.equal(w.withdrawableCents, 0);
  });

  it('never locks more than main holds: spending a locked top-up on orders is allowed', () => {
    const w = withdrawableOf(inputs({ main: 1_500, lots: [lot(3, 5_000, '2026-11-20T10:00:00Z', '2026-12-20T10:00:00Z')] }));
    assert.deepEqual(w.notWithdrawable.map((p) => p.amountCents), [1_500]);
    assert.equal(w.withdrawableCents, 0);
  });

  it('leaves seller earnings withdrawable beside a card lock (D-09: earnings are never locked by K-48)', () => {
    const w = withdrawableOf(inputs({ main: 12_000, lots: [lot(4, 2_000, '2026-11-20T10:00:00Z', '2026-12-20T10:00:00Z')] }));
    assert.equal(w.withdrawableCents, 10_000);
  });

  it('pauses the rest of main until the latest pause ends (D-10), naming what started it', () => {
    const pauses = [
      { reason: 'payout_details_change', endsAt: at('2026-12-11T09:00:00Z') },
      { reason: 'email_change', endsAt: at('2026-12-12T09:00:00Z') },
    ];
    const w = withdrawableOf(inputs({ main: 8_000, lots: [lot(5, 3_000, '2026-11-20T10:00:00Z', '2026-12-20T10:00:00Z')], pauses }));
    assert.equal(w.withdrawableCents, 0);
    const pause = w.notWithdrawable.find((p) => p.reason === 'withdrawals_paused')!;
    assert.deepEqual([pause.amountCents, pause.releasesAt, pause.cause], [5_000, '2026-12-12T09:00:00.000Z', 'email_change']);
  });

  it('lists each pending withdrawal as money on its way out', () => {
    const w = withdrawableOf(inputs({ main: 1_000, pending: [{ id: 41, amount: 2_500, status: 'requested' }] }));
    assert.equal(w.withdrawableCents, 1_000);
    assert.deepEqual(w.notWithdrawable.map((p) => [p.reason, p.withdrawalId, p.detail]), [['pending_withdrawal', 41, 'in pending withdrawal #41']]);
  });
});
