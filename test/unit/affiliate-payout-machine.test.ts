/** The monthly affiliate payout run's pure rules (W-28…W-30, D-06): which run an instant belongs to, and how payouts end. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runMonthFor } from '../../db/affiliate-payouts.js';
import { previousMonth } from '../../workflows/lib/business-days.js';
import * as machine from '../../workflows/affiliate-payout/machine.js';
import { affiliatePayoutPolicy } from '../../workflows/affiliate-payout/policy.js';

describe('affiliate payout run', () => {
  it('files a withdrawal set up at 23:59:59.999 UTC+1 on the month’s last day under next month’s run, and one at 00:00:00 a month later (W-29, D-06)', () => {
    assert.equal(runMonthFor(new Date('2026-12-31T22:59:59.999Z')), '2027-01');
    assert.equal(runMonthFor(new Date('2026-12-31T23:00:00.000Z')), '2027-02');
    // D-06: a fixed UTC+1, also in Warsaw's summer time (UTC+2): 23:30 in Warsaw on 31 July is already August at UTC+1.
    assert.equal(runMonthFor(new Date('2027-07-31T22:59:59.999Z')), '2027-08');
    assert.equal(runMonthFor(new Date('2027-07-31T23:00:00.000Z')), '2027-09');
    assert.deepEqual([previousMonth('2027-01'), previousMonth('2027-10')], ['2026-12', '2027-09']);
  });

  it('reads the run month and cut-off from the scheduled time of the 10th (W-29, D-06)', () => {
    const state = machine.initialState('2027-01-10T09:00:00.000Z', affiliatePayoutPolicy());
    assert.deepEqual([state.runMonth, state.cutoffAt, state.status], ['2027-01', '2026-12-31T22:59:59.000Z', 'opening']);
  });

  it('is done when every payout is paid or failed; an end is final; failures are for staff (W-28)', () => {
    const at = '2027-01-10T09:00:01.000Z';
    let state = machine.opened(machine.initialState('2027-01-10T09:00:00.000Z', affiliatePayoutPolicy()), [
      { withdrawalId: 1, affiliateId: 7, amountCents: 1_000, paypalEmail: 'a@example.com' },
      { withdrawalId: 2, affiliateId: 8, amountCents: 500, paypalEmail: 'b@example.com' },
    ], at);
    assert.equal(state.status, 'paying');
    state = machine.moved(state, 1, machine.judged({ providerRef: 'p1', status: 'pending', failureReason: null }), at);
    state = machine.moved(state, 1, machine.judged({ providerRef: 'p1', status: 'paid', failureReason: null }), at);
    state = machine.moved(state, 1, { status: 'failed', failureReason: 'late' }, at);
    assert.equal(state.payouts['1']!.status, 'paid', 'an end is final');
    assert.equal(state.status, 'paying');
    state = machine.moved(state, 2, machine.judged({ providerRef: 'p2', status: 'cancelled', failureReason: null }), at);
    assert.equal(state.status, 'done');
    assert.deepEqual(state.totals, { paidCount: 1, paidCents: 1_000, failedCount: 1, failedCents: 500 });
    assert.equal(machine.needsAttention(state), true);
    assert.equal(machine.opened(machine.initialState('2027-02-10T09:00:00.000Z', affiliatePayoutPolicy()), [], at).status, 'done');
  });
});
