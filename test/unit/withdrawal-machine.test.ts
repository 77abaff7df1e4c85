/**
 * The withdrawal's rules as pure functions: D-04's fees at their rounding and minimum
 * boundaries, and every event in every status (state × event) — who may act when (K-50: the
 * owner cancels until a batch takes it, staff hold, release and reject), what a batch may take,
 * and how the provider's answers end it, with the money each end moves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { DAY } from '../../workflows/lib/time.js';
import * as machine from '../../workflows/withdrawal/machine.js';
import type { PayoutOutcome, TakeIntoBatch, WithdrawalAction, WithdrawalActor, WithdrawalInput, WithdrawalStatus } from '../../workflows/withdrawal/messages.js';
import { amountRefusal, feeOf, minimumOf, withdrawalPolicy } from '../../workflows/withdrawal/policy.js';

type State = machine.WithdrawalState;
const policy = withdrawalPolicy();

/** Requested on Tuesday 8 December 2026, 09:00 UTC: $100 to a card, fee $4.50. */
const input: WithdrawalInput = {
  withdrawalId: 41,
  userId: 7,
  method: 'card',
  destination: 'pm_test',
  destinationLabel: 'Visa •••• 4242',
  amountCents: 10_000,
  feeCents: 450,
  netCents: 9_550,
  requestedAt: '2026-12-08T09:00:00.000Z',
  expectedBatchAt: '2026-12-09T11:00:00.000Z',
  policy,
};
const t = (hours: number) => new Date(Date.parse(input.requestedAt) + hours * 3_600_000).toISOString();
const owner: WithdrawalActor = { role: 'owner', id: 7 };
const stranger: WithdrawalActor = { role: 'owner', id: 8 };
const staff: WithdrawalActor = { role: 'staff', id: 90 };
const batch: TakeIntoBatch = { batchId: 'payout-batch-2026-12-09T11:00:00Z', batchWorkflowId: 'payout-batch-2026-12-09T11:00:00Z', scheduledAt: '2026-12-09T11:00:00.000Z' };
const pending: PayoutOutcome = { providerRef: 'po_1', status: 'pending', failureReason: null };

const actions: Record<WithdrawalAction['type'], { actor: WithdrawalActor; action: WithdrawalAction }> = {
  cancel: { actor: owner, action: { type: 'cancel' } },
  hold: { actor: staff, action: { type: 'hold', reason: 'checking the account' } },
  release: { actor: staff, action: { type: 'release' } },
  reject: { actor: staff, action: { type: 'reject', reason: 'the payout details look stolen' } },
};

/** Applies a transition the way the workflow does: its state, whatever it writes. */
const then = (tr: machine.Transition) => tr.state;

/** The withdrawal in each status, reached by the machine's own transitions. */
function inStatus(status: WithdrawalStatus): State {
  const s0 = machine.initialState(input);
  const inBatch = then(machine.sent(then(machine.take(s0, batch, t(26))), pending, t(26)));
  const states: Record<WithdrawalStatus, () => State> = {
    requested: () => s0,
    held: () => then(machine.act(s0, { actor: staff, action: actions.hold.action }, t(1))),
    in_batch: () => inBatch,
    paid: () => then(machine.confirmed(inBatch, { providerRef: 'po_1', status: 'paid', reason: null, eventId: 'evt_1' }, t(27))),
    failed: () => then(machine.confirmed(inBatch, { providerRef: 'po_1', status: 'failed', reason: 'the bank could not process it', eventId: 'evt_1' }, t(27))),
    cancelled: () => then(machine.act(s0, { actor: owner, action: actions.cancel.action }, t(1))),
    rejected: () => then(machine.act(s0, { actor: staff, action: actions.reject.action }, t(1))),
    voided: () => machine.voided(s0, t(0)),
  };
  const state = states[status]();
  assert.equal(state.status, status);
  return state;
}
const statuses: WithdrawalStatus[] = ['requested', 'held', 'in_batch', 'paid', 'failed', 'cancelled', 'rejected', 'voided'];

function refusal(fn: () => void): { type: string | undefined; message: string; status: unknown } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure);
    return { type: err.type ?? undefined, message: err.message, status: (err.details?.[0] as { status?: unknown })?.status };
  }
  assert.fail('expected a refusal');
}

describe('D-04 fees: 4.5 % (at least $1) by card, 3 % (at least $0.30) by PayPal, half a cent rounding up', () => {
  it('charges the minimum fee until the rate is worth more, by card and by PayPal', () => {
    assert.deepEqual([1_000, 2_211, 2_212, 2_233, 2_234].map((a) => feeOf('card', a, policy)), [100, 100, 100, 100, 101]);
    assert.deepEqual([100, 1_000, 1_016, 1_017].map((a) => feeOf('paypal', a, policy)), [30, 30, 30, 31]);
  });

  it('rounds half a cent up and less than half down, as every commission does', () => {
    // 4.5 % of $22.99 = 103.455 → 103; of $23.00 = 103.5 → 104; 3 % of $10.50 = 31.5 → 32; of $10.49 = 31.47 → 31.
    assert.deepEqual([2_299, 2_300, 10_000, 1_000_000].map((a) => feeOf('card', a, policy)), [103, 104, 450, 45_000]);
    assert.deepEqual([1_049, 1_050].map((a) => feeOf('paypal', a, policy)), [31, 32]);
  });

  it('takes $10 by card and $1 by PayPal at the least, and $10,000 at the most', () => {
    assert.deepEqual([minimumOf('card', policy), minimumOf('paypal', policy)], [1_000, 100]);
    assert.match(amountRefusal('card', 999, policy)!, /smallest card withdrawal is 1000 cents/);
    assert.equal(amountRefusal('card', 1_000, policy), null);
    assert.match(amountRefusal('paypal', 99, policy)!, /smallest PayPal withdrawal is 100 cents/);
    assert.equal(amountRefusal('paypal', 100, policy), null);
    assert.equal(amountRefusal('paypal', 1_000_000, policy), null);
    assert.match(amountRefusal('card', 1_000_001, policy)!, /largest withdrawal/);
    assert.match(amountRefusal('card', 10.5, policy)!, /whole number of cents/);
  });

  it('finds an input whose fee or net does not follow the rules', () => {
    assert.equal(machine.inconsistencyOf(input), null);
    assert.match(machine.inconsistencyOf({ ...input, feeCents: 449, netCents: 9_551 })!, /fee of 10000 cents by card is 450 cents, not 449/);
    assert.match(machine.inconsistencyOf({ ...input, netCents: 9_549 })!, /net 9549/);
    assert.match(machine.inconsistencyOf({ ...input, amountCents: 900, feeCents: 100, netCents: 800 })!, /smallest card withdrawal/);
  });
});

describe('K-50 actions in every status: the owner cancels and staff hold, release or reject until a batch takes it', () => {
  /** What each action does in each status: the status it leads to, or the refusal's code. */
  const expected: Record<WithdrawalStatus, Record<WithdrawalAction['type'], WithdrawalStatus | 'conflict'>> = {
    requested: { cancel: 'cancelled', hold: 'held', release: 'conflict', reject: 'rejected' },
    held: { cancel: 'cancelled', hold: 'conflict', release: 'requested', reject: 'rejected' },
    in_batch: { cancel: 'conflict', hold: 'conflict', release: 'conflict', reject: 'conflict' },
    paid: { cancel: 'conflict', hold: 'conflict', release: 'conflict', reject: 'conflict' },
    failed: { cancel: 'conflict', hold: 'conflict', release: 'conflict', reject: 'conflict' },
    cancelled: { cancel: 'conflict', hold: 'conflict', release: 'conflict', reject: 'conflict' },
    rejected: { cancel: 'conflict', hold: 'conflict', release: 'conflict', reject: 'conflict' },
    voided: { cancel: 'conflict', hold: 'conflict', release: 'conflict', reject: 'conflict' },
  };

  for (const status of statuses) {
    it(`in ${status}: ${Object.entries(expected[status]).map(([a, r]) => `${a} → ${r}`).join(', ')}`, () => {
      const state = inStatus(status);
      for (const [type, outcome] of Object.entries(expected[status]) as [WithdrawalAction['type'], WithdrawalStatus | 'conflict'][]) {
        const args = actions[type];
        if (outcome === 'conflict') {
          const r = refusal(() => machine.assertCanAct(state, args));
          assert.deepEqual([r.type, r.status], ['conflict', status], `${type} in ${status}`);
          continue;
        }
        machine.assertCanAct(state, args);
        const { state: next, effects } = machine.act(state, args, t(2));
        assert.equal(next.status, outcome, `${type} in ${status}`);
        assert.equal(effects?.money ?? null, outcome === 'cancelled' || outcome === 'rejected' ? 'revert' : null, `${type} in ${status}: money`);
        assert.equal(effects?.notice?.kind, `withdrawal_${type === 'hold' ? 'held' : type === 'release' ? 'released' : outcome}`);
      }
      const allowed = machine.allowedActions(state);
      const may = (actor: 'owner' | 'staff') =>
        (Object.keys(expected[status]) as WithdrawalAction['type'][]).filter((type) => expected[status][type] !== 'conflict' && actions[type].actor.role === actor);
      assert.deepEqual(allowed, { owner: may('owner'), staff: may('staff') });
    });
  }

  it('says why a batch that took it refuses a cancel: the API answers 409 with it', () => {
    const r = refusal(() => machine.assertCanAct(inStatus('in_batch'), actions.cancel));
    assert.equal(r.message, 'the withdrawal is in payout batch payout-batch-2026-12-09T11:00:00Z: it can no longer be cancelled');
  });

  it('lets only the owner cancel and only staff hold, release and reject (403), and wants a reason (400)', () => {
    const state = inStatus('requested');
    assert.equal(refusal(() => machine.assertCanAct(state, { actor: stranger, action: { type: 'cancel' } })).type, 'forbidden');
    assert.equal(refusal(() => machine.assertCanAct(state, { actor: staff, action: { type: 'cancel' } })).type, 'forbidden');
    assert.equal(refusal(() => machine.assertCanAct(state, { actor: owner, action: { type: 'hold', reason: 'mine' } })).type, 'forbidden');
    assert.equal(refusal(() => machine.assertCanAct(state, { actor: owner, action: { type: 'reject', reason: 'mine' } })).type, 'forbidden');
    assert.equal(refusal(() => machine.assertCanAct(state, { actor: staff, action: { type: 'reject', reason: '  ' } })).type, 'invalid_input');
    assert.equal(refusal(() => machine.assertCanAct(state, { actor: staff, action: { type: 'hold', reason: 'x\u0000' } })).type, 'invalid_input');
    assert.equal(refusal(() => machine.assertCanAct(state, { actor: staff, action: { type: 'pay' } as never })).type, 'invalid_input');
  });

  it('keeps staff from holding, releasing or rejecting their own withdrawal (403, version 2); those requested before keep their rules', () => {
    const ownerAsStaff: WithdrawalActor = { role: 'staff', id: owner.id };
    const requested = inStatus('requested');
    assert.equal(refusal(() => machine.assertCanAct(requested, { actor: ownerAsStaff, action: { type: 'hold', reason: 'mine' } })).type, 'forbidden');
    assert.equal(refusal(() => machine.assertCanAct(requested, { actor: ownerAsStaff, action: { type: 'reject', reason: 'mine' } })).type, 'forbidden');
    assert.match(refusal(() => machine.assertCanAct(inStatus('held'), { actor: ownerAsStaff, action: { type: 'release' } })).message, /another staff member/);
    const before = { ...requested, input: { ...requested.input, policy: { ...requested.input.policy, version: 1, partiesDoNotJudge: undefined } } };
    assert.equal(machine.refusalOf(before, { actor: ownerAsStaff, action: { type: 'hold', reason: 'version 1' } }), null);
  });

  it('tells the user why: a rejection quotes staff’s reason and returns the money', () => {
    const { state, effects } = machine.act(inStatus('held'), actions.reject, t(3));
    assert.equal(state.statusReason, 'the payout details look stolen');
    assert.deepEqual(effects, {
      seq: state.seq,
      money: 'revert',
      notice: { kind: 'withdrawal_rejected', text: 'Withdrawal #41 was rejected: the payout details look stolen. $100.00 is back on your balance.' },
    });
  });
});

describe('K-50 the batch takes a requested withdrawal only', () => {
  for (const status of statuses) {
    const takes = status === 'requested';
    it(`${takes ? 'takes' : 'does not take'} one ${status}`, () => {
      const state = inStatus(status);
      assert.equal(machine.takeRefusal(state) === null, takes);
      if (!takes) return;
      const { state: next, effects } = machine.take(state, batch, t(26));
      assert.deepEqual([next.status, next.batch, effects?.money, effects?.notice], ['in_batch', batch, null, null]);
      assert.equal(machine.viewOf(next).expectedBatchAt, batch.scheduledAt);
    });
  }
});

describe('the payout: confirmations, refusals and timeouts in every status', () => {
  const confirmation = (status: 'paid' | 'failed' | 'cancelled', providerRef = 'po_1') => ({ providerRef, status, reason: status === 'failed' ? 'the bank could not process it' : null, eventId: 'evt_9' });

  for (const status of statuses) {
    it(`a confirmation in ${status} ${status === 'in_batch' ? 'ends it: paid settles, failed or cancelled returns the money' : 'is noted and changes nothing'}`, () => {
      const state = inStatus(status);
      for (const c of ['paid', 'failed', 'cancelled'] as const) {
        const { state: next, effects } = machine.confirmed(state, confirmation(c), t(30));
        if (status !== 'in_batch') {
          assert.deepEqual([next.status, next.seq, effects], [status, state.seq, null]);
          assert.match(next.history.at(-1)!.note!, new RegExp(`ignored the provider's ${c} confirmation evt_9`));
          continue;
        }
        assert.equal(next.status, c === 'paid' ? 'paid' : 'failed');
        assert.equal(effects?.money, c === 'paid' ? 'settle' : 'revert');
        assert.equal(effects?.notice?.kind, c === 'paid' ? 'withdrawal_paid' : 'withdrawal_failed');
      }
    });
  }

  it('ignores a confirmation of another payout than its own', () => {
    const { state, effects } = machine.confirmed(inStatus('in_batch'), confirmation('paid', 'po_other'), t(30));
    assert.deepEqual([state.status, effects], ['in_batch', null]);
  });

  it('tells the user what was paid, and why a payout failed with the money back', () => {
    const paid = machine.confirmed(inStatus('in_batch'), confirmation('paid'), t(30));
    assert.equal(paid.effects?.notice?.text, 'Withdrawal #41: $95.50 was paid to Visa •••• 4242 ($100.00 less the fee of $4.50).');
    const failed = machine.confirmed(inStatus('in_batch'), confirmation('failed'), t(30));
    assert.equal(failed.effects?.notice?.text, 'Withdrawal #41 to Visa •••• 4242 failed: the bank could not process it. $100.00 is back on your balance.');
    assert.equal(failed.state.statusReason, 'the bank could not process it');
  });

  it('says a provider’s failure code in words', () => {
    const failedWith = (reason: string) => machine.confirmed(inStatus('in_batch'), { providerRef: 'po_1', status: 'failed', reason, eventId: 'evt_3' }, t(30)).state.statusReason;
    assert.equal(failedWith('could_not_process'), 'the bank could not process the payout');
    assert.equal(failedWith('RECEIVER_UNREGISTERED'), 'the PayPal address has no PayPal account');
    assert.equal(failedWith('weird_code'), 'the provider could not pay it out (weird_code)');
  });

  it('fails a refused payout with the provider’s reason and the money back', () => {
    const taken = then(machine.take(inStatus('requested'), batch, t(26)));
    const { state, effects } = machine.refused(taken, 'No such destination (resource_missing)', t(26));
    assert.deepEqual([state.status, state.statusReason, effects?.money], ['failed', 'the provider refused the payout: No such destination (resource_missing)', 'revert']);
  });

  it('counts each attempt, waits the confirmation timeout after each, and writes the provider reference once', () => {
    const taken = then(machine.take(inStatus('requested'), batch, t(26)));
    const first = machine.sent(taken, pending, t(26));
    assert.deepEqual([first.state.attempts, first.state.providerRef, first.state.confirmationDueAt, first.effects?.money], [1, 'po_1', new Date(Date.parse(t(26)) + 3 * DAY).toISOString(), null]);
    const due = machine.checked(first.state, pending, t(98));
    assert.deepEqual([due.state.status, due.state.confirmationDueAt, due.effects, machine.mayResend(due.state)], ['in_batch', null, null, true]);
    const again = machine.sent(due.state, pending, t(98));
    assert.deepEqual([again.state.attempts, again.effects], [2, null]);
    const unanswered = machine.unanswered(again.state, 'fetch failed', t(170));
    assert.deepEqual([unanswered.state.attempts, machine.mayResend(unanswered.state), unanswered.effects], [3, false, null]);
  });

  it('settles from what the provider says when asked: paid, failed, or still pending', () => {
    const state = inStatus('in_batch');
    assert.equal(machine.checked(state, { ...pending, status: 'paid' }, t(98)).state.status, 'paid');
    assert.equal(machine.checked(state, { ...pending, status: 'failed', failureReason: 'closed account' }, t(98)).state.statusReason, 'closed account');
    assert.equal(machine.checked(state, null, t(98)).state.status, 'in_batch');
  });

  it('after the last attempt: cancelled → failed "the provider did not confirm the payout", paid → paid, no answer → waits for the provider', () => {
    const state = inStatus('in_batch');
    const cancelled = machine.gaveUp(state, { ...pending, status: 'cancelled' }, t(240));
    assert.deepEqual([cancelled.state.status, cancelled.state.statusReason, cancelled.effects?.money], ['failed', 'the provider did not confirm the payout', 'revert']);
    assert.equal(machine.gaveUp(state, { ...pending, status: 'paid' }, t(240)).state.status, 'paid');
    const stalled = machine.gaveUp(state, pending, t(240));
    assert.deepEqual([stalled.state.status, stalled.state.stalledAt, stalled.effects?.money], ['in_batch', t(240), null]);
    assert.equal(machine.confirmed(stalled.state, confirmation('paid'), t(250)).state.status, 'paid');
  });

  it('reports its end to the batch only for a payout: paid or failed', () => {
    assert.deepEqual(statuses.map((s) => machine.outcomeOf(inStatus(s))), [null, null, null, 'paid', 'failed', null, null, null]);
  });

  it('stores a provider’s reason without characters the database refuses', () => {
    const { state } = machine.confirmed(inStatus('in_batch'), { providerRef: 'po_1', status: 'failed', reason: 'bad\u0000bank', eventId: 'evt_2' }, t(30));
    assert.equal(state.statusReason, 'bad\uFFFDbank');
  });
});
