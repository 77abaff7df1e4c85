/**
 * The payout batch's rules as pure functions (K-50): a holiday skips it, its due withdrawals are
 * handed over and each reports not taken, or taken and then paid or failed; it reconciles once
 * every one has ended, or when its wait runs out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as machine from '../../workflows/payout-batch/machine.js';
import type { WithdrawalReport } from '../../workflows/payout-batch/messages.js';
import { payoutBatchPolicy } from '../../workflows/payout-batch/policy.js';
import { DAY } from '../../workflows/lib/time.js';

const at = '2026-12-09T11:00:00.000Z';
const s0 = machine.initialState('payout-batch-2026-12-09T11:00:00Z', at, payoutBatchPolicy());
const report = (withdrawalId: number, outcome: WithdrawalReport['outcome']): WithdrawalReport => ({ withdrawalId, outcome, amountCents: 10_000, feeCents: 450, netCents: 9_550 });
const totals = { taken: 2, paidCount: 1, failedCount: 1, grossCents: 10_000, feesCents: 450, netCents: 9_550 };

describe('a payout batch', () => {
  it('waits 4 × 3 days at most for its withdrawals: one more than a withdrawal’s three unconfirmed attempts', () => {
    assert.equal(s0.policy.reportsTimeoutMs, 12 * DAY);
  });

  it('is skipped on a public holiday, handing nothing over (D-06, K-50 holiday delays)', () => {
    const skipped = machine.opened(s0, { label: 'Fri 2026-12-25 12:00 Europe/Warsaw', holiday: 'Christmas Day', due: [] }, at);
    assert.deepEqual([skipped.status, skipped.holiday, skipped.withdrawals, machine.allReported(skipped)], ['skipped_holiday', 'Christmas Day', {}, true]);
  });

  it('hands over every due withdrawal and waits until each reports its end', () => {
    let s = machine.opened(s0, { label: 'Wed 2026-12-09 12:00 Europe/Warsaw', holiday: null, due: [1, 2, 3] }, at);
    assert.deepEqual([s.status, s.waitUntil, machine.pending(s)], ['running', '2026-12-21T11:00:00.000Z', [1, 2, 3]]);
    s = machine.reported(s, report(1, 'taken'), at);
    s = machine.reported(s, report(2, 'not_taken'), at);
    s = machine.unreachable(s, 3, at);
    assert.deepEqual([machine.pending(s), machine.allReported(s)], [[1], false]);
    s = machine.reported(s, report(1, 'paid'), at);
    assert.equal(machine.allReported(s), true);
    s = machine.reconciled(s, totals, at);
    assert.deepEqual([s.status, s.totals, s.waitUntil], ['reconciled', totals, null]);
  });

  it('keeps an end: a late or repeated report cannot undo it, and one about a withdrawal never handed over is ignored', () => {
    let s = machine.opened(s0, { label: 'x', holiday: null, due: [1] }, at);
    s = machine.reported(s, report(1, 'failed'), at);
    assert.equal(machine.reported(s, report(1, 'taken'), at), s);
    assert.equal(machine.reported(s, report(1, 'paid'), at), s);
    assert.equal(machine.reported(s, report(9, 'paid'), at), s);
  });

  it('notes what had not ended when its wait ran out', () => {
    const s = machine.waitedOut(machine.reported(machine.opened(s0, { label: 'x', holiday: null, due: [4, 5] }, at), report(4, 'paid'), at), at);
    assert.match(s.history.at(-1)!.note, /withdrawal\(s\) 5 had not ended/);
  });
});
