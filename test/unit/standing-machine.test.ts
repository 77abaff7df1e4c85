/**
 * A user's standing as pure functions (K-58…K-65), state × event: the ignored order's block
 * (K-64) doubling 3, 6, 12 days with each repeat up to the policy's cap (K-65), repeats counted
 * per kind within the window, warnings first where the rules say so (K-58, K-60, K-61, K-62),
 * staff's discretionary blocks and early lifts, and the timers that lift blocks by themselves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { DAY, iso, msOf } from '../../workflows/lib/time.js';
import * as machine from '../../workflows/standing/machine.js';
import { ignoredMessagesViolationId, ignoredOrderViolationId, type SanctionArgs, type ViolationReport } from '../../workflows/standing/messages.js';
import { standingPolicy } from '../../workflows/standing/policy.js';

const policy = standingPolicy();
const T0 = msOf('2026-12-07T10:00:00.000Z');
const at = (days: number) => iso(T0 + days * DAY);
const ignored = (orderId: number): ViolationReport => ({ violationId: ignoredOrderViolationId(orderId), kind: 'ignored_order', reason: `order #${orderId} was not started within 24 hours` });
const fresh = () => machine.initialState(7, policy);
const staff = (args: Partial<SanctionArgs> & Pick<SanctionArgs, 'kind'>): SanctionArgs => ({ staffId: 1, reason: 'see the chat of order 12', ...args });

/** Applies a violation and lets every due deadline pass up to `now`. */
function run(state: machine.StandingState, now: string): machine.StandingState {
  let s = state;
  for (let next = machine.nextDeadline(s); next && msOf(next.at) <= msOf(now); next = machine.nextDeadline(s)) s = machine.expire(s, next.at).state;
  return s;
}

describe('standing machine: ignored orders (K-64, K-65)', () => {
  it('blocks the offers for 3 days on the first ignored order, with a notice saying until when', () => {
    const t = machine.violation(fresh(), ignored(12), at(0));
    assert.equal(t.state.offersBlock?.until, at(3));
    assert.equal(machine.levelOf(t.state), 'offers_blocked');
    assert.equal(t.effects?.notice?.kind, 'standing_offers_blocked');
    assert.match(t.effects!.notice!.text, /until 2026-12-10 10:00 UTC/);
    assert.deepEqual(t.effects?.entries.map((e) => [e.action, e.until]), [['offers_block', at(3)]]);
  });

  it('doubles the block with each repeat: 3, 6, 12 days', () => {
    let s = fresh();
    const ends: number[] = [];
    for (const [i, start] of [0, 10, 30].entries()) {
      s = run(s, at(start));
      s = machine.violation(s, ignored(100 + i), at(start)).state;
      ends.push((msOf(s.offersBlock!.until) - msOf(at(start))) / DAY);
    }
    assert.deepEqual(ends, [3, 6, 12]);
  });

  it('caps the doubling at the policy’s longest block', () => {
    assert.equal(machine.sanctionFor(policy, 'ignored_order', 10).durationMs, policy.maxBlockMs);
    assert.equal(machine.sanctionFor(policy, 'ignored_order', 5).durationMs, 48 * DAY);
    assert.equal(machine.sanctionFor(policy, 'ignored_order', 4).durationMs, 24 * DAY);
    let s = fresh();
    for (let i = 0; i < 6; i++) s = machine.violation(run(s, at(i * 20)), ignored(i + 1), at(i * 20)).state;
    // The sixth in the window: 3·2⁵ = 96 days, capped at 48.
    assert.equal(s.offersBlock?.until, at(100 + 48));
  });

  it('counts the same order once, however often its write reports it', () => {
    const first = machine.violation(fresh(), ignored(12), at(0));
    const again = machine.violation(first.state, ignored(12), at(0.5));
    assert.equal(again.effects, null);
    assert.deepEqual(again.state, first.state);
  });

  it('counts only the violations of the window: after 180 days an ignored order is a first one again', () => {
    let s = machine.violation(fresh(), ignored(1), at(0)).state;
    s = run(s, at(181));
    assert.equal(machine.isFinal(s), true);
    s = machine.violation(s, ignored(2), at(181)).state;
    assert.equal(s.offersBlock?.until, at(184));
  });

  it('a new block never shortens a running one', () => {
    let s = machine.violation(fresh(), ignored(1), at(0)).state; // until day 3
    s = machine.sanction(s, staff({ kind: 'staff_offers_block', days: 1 }), at(1)).state;
    assert.equal(s.offersBlock?.until, at(3));
  });
});

describe('standing machine: timers', () => {
  it('lifts the block at its end, not a minute before', () => {
    const s = machine.violation(fresh(), ignored(12), at(0)).state;
    const before = machine.expire(s, iso(T0 + 3 * DAY - 60_000));
    assert.equal(before.state.offersBlock?.until, at(3));
    const after = machine.expire(s, at(3));
    assert.equal(after.state.offersBlock, null);
    assert.equal(machine.levelOf(after.state), 'warned');
    assert.equal(after.effects?.notice?.kind, 'standing_lifted');
    assert.deepEqual(after.effects?.entries.map((e) => [e.action, e.staffId]), [['offers_lifted', null]]);
  });

  it('waits for the soonest deadline: a block’s end before the window’s', () => {
    const s = machine.violation(fresh(), ignored(12), at(0)).state;
    assert.deepEqual(machine.nextDeadline(s), { at: at(3), what: 'offers' });
    const lifted = machine.expire(s, at(3)).state;
    assert.deepEqual(machine.nextDeadline(lifted), { at: at(180), what: 'window' });
    assert.equal(machine.nextDeadline(machine.initialState(7, policy)), null);
  });

  it('numbers every write, the window’s too, so a late write never overwrites a newer one', () => {
    let s = machine.violation(fresh(), ignored(1), at(0)).state;
    s = machine.expire(s, at(3)).state;
    const window = machine.expire(s, at(180));
    assert.equal(window.state.seq, s.seq + 1);
    assert.equal(window.effects?.seq, s.seq + 1);
    assert.deepEqual(window.effects?.entries, []);
    assert.equal(machine.levelOf(window.state), 'clear');
  });
});

describe('standing machine: staff sanctions (K-58…K-62, K-65)', () => {
  it('rudeness: a warning first, then the offers blocked 2 days, then 4 (K-58)', () => {
    let s = fresh();
    const t1 = machine.sanction(s, staff({ kind: 'rudeness' }), at(0));
    assert.equal(t1.effects?.notice?.kind, 'standing_warning');
    assert.equal(t1.state.offersBlock, null);
    s = t1.state;
    s = machine.sanction(s, staff({ kind: 'rudeness' }), at(1)).state;
    assert.equal(s.offersBlock?.until, at(3));
    s = machine.sanction(run(s, at(5)), staff({ kind: 'rudeness' }), at(5)).state;
    assert.equal(s.offersBlock?.until, at(9));
  });

  it('spam: a warning, then the account blocked; the block hands the running orders to support (K-60)', () => {
    const t1 = machine.sanction(fresh(), staff({ kind: 'spam' }), at(0));
    assert.equal(t1.state.accountBlock, null);
    const t2 = machine.sanction(t1.state, staff({ kind: 'spam' }), at(1));
    assert.equal(t2.state.accountBlock?.until, at(8));
    assert.equal(t2.effects?.accountBlockStarted, true);
    assert.equal(machine.levelOf(t2.state), 'account_blocked');
    assert.equal(machine.offersHidden(t2.state), true);
  });

  it('off-platform: a buyer is warned first, a seller blocked at once (K-61)', () => {
    assert.equal(machine.sanction(fresh(), staff({ kind: 'off_platform_buyer' }), at(0)).state.accountBlock, null);
    assert.equal(machine.sanction(fresh(), staff({ kind: 'off_platform_seller' }), at(0)).state.accountBlock?.until, at(7));
  });

  it('financial terms earn a warning each time (K-62)', () => {
    let s = fresh();
    for (let i = 0; i < 3; i++) s = machine.sanction(s, staff({ kind: 'financial_terms' }), at(i)).state;
    assert.equal(s.offersBlock, null);
    assert.equal(s.accountBlock, null);
    assert.equal(machine.countsOf(s).financial_terms, 3);
  });

  it('counts repeats per kind: a rudeness after an ignored order is a first rudeness', () => {
    let s = machine.violation(fresh(), ignored(1), at(0)).state;
    const t = machine.sanction(s, staff({ kind: 'rudeness' }), at(1));
    assert.equal(t.effects?.entries[0]?.action, 'warning');
    s = t.state;
    assert.deepEqual(machine.countsOf(s), { ignored_order: 1, rudeness: 1 });
  });

  it('a discretionary block lasts the days staff chose (K-65); the same report settles once', () => {
    const t = machine.sanction(fresh(), staff({ kind: 'staff_account_block', days: 5, reportId: 3 }), at(0));
    assert.equal(t.state.accountBlock?.until, at(5));
    assert.equal(machine.sanction(t.state, staff({ kind: 'staff_account_block', days: 5, reportId: 3 }), at(0)).effects, null);
  });

  it('refuses malformed sanctions: days where the rule has a ladder, out-of-range days, an empty reason, an unknown kind', () => {
    const s = fresh();
    assert.equal(machine.sanctionRefusal(s, staff({ kind: 'rudeness', days: 3 }))?.code, 'invalid_input');
    assert.equal(machine.sanctionRefusal(s, staff({ kind: 'staff_offers_block' }))?.code, 'invalid_input');
    assert.equal(machine.sanctionRefusal(s, staff({ kind: 'staff_offers_block', days: 49 }))?.code, 'invalid_input');
    assert.equal(machine.sanctionRefusal(s, staff({ kind: 'rudeness', reason: '  ' }))?.code, 'invalid_input');
    assert.equal(machine.sanctionRefusal(s, staff({ kind: 'ignored_order' as never }))?.code, 'invalid_input');
    assert.equal(machine.sanctionRefusal(s, staff({ kind: 'staff_offers_block', days: 48 })), null);
  });

  it('staff lift a block early; lifting what does not run is a conflict', () => {
    const s = machine.sanction(fresh(), staff({ kind: 'off_platform_seller' }), at(0)).state;
    assert.equal(machine.liftRefusal(s, { staffId: 1, block: 'offers', reason: 'x' })?.code, 'conflict');
    assert.equal(machine.liftRefusal(s, { staffId: 1, block: 'account', reason: 'appeal granted' }), null);
    const t = machine.lift(s, { staffId: 1, block: 'account', reason: 'appeal granted' }, at(1));
    assert.equal(t.state.accountBlock, null);
    assert.match(t.effects!.notice!.text, /Your account is unblocked: appeal granted/);
    assert.deepEqual(t.effects?.entries.map((e) => [e.action, e.staffId]), [['account_lifted', 1]]);
    assert.equal(machine.liftRefusal(t.state, { staffId: 1, block: 'all', reason: 'x' })?.code, 'conflict');
    assert.throws(
      () => machine.assertAllowed(machine.liftRefusal(t.state, { staffId: 1, block: 'all', reason: 'x' })),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'conflict',
    );
  });

  it('lifting all ends both blocks in one write', () => {
    let s = machine.violation(fresh(), ignored(1), at(0)).state;
    s = machine.sanction(s, staff({ kind: 'staff_account_block', days: 2 }), at(0)).state;
    const t = machine.lift(s, { staffId: 1, block: 'all', reason: 'mistake' }, at(1));
    assert.equal(machine.offersHidden(t.state), false);
    assert.deepEqual(t.effects?.entries.map((e) => e.action), ['offers_lifted', 'account_lifted']);
    assert.match(t.effects!.notice!.text, /account and offers are unblocked/);
  });
});

describe('standing machine: ignored buyer messages (K-63)', () => {
  const ignoredMessage = (messageId: number): ViolationReport => ({ violationId: ignoredMessagesViolationId(5, messageId), kind: 'ignored_messages', reason: 'a buyer’s message was left unanswered for 48 hours' });

  it('warns first; a repeat within 30 days blocks the offers for 3 days, the next for 6; the same watch counts once', () => {
    const warned = machine.violation(fresh(), ignoredMessage(1), at(0));
    assert.deepEqual([machine.levelOf(warned.state), warned.effects?.notice?.kind], ['warned', 'standing_warning']);
    assert.equal(machine.violation(warned.state, ignoredMessage(1), at(1)).effects, null);
    const blocked = machine.violation(warned.state, ignoredMessage(2), at(10)).state;
    assert.equal(blocked.offersBlock?.until, at(13));
    const again = machine.violation(run(blocked, at(20)), ignoredMessage(3), at(20)).state;
    assert.equal(again.offersBlock?.until, at(26), 'the third within 30 days: 6 days');
    const later = machine.violation(run(again, at(35)), ignoredMessage(4), at(35)).state;
    assert.equal(later.offersBlock?.until, at(41), 'days 10, 20 and 35 lie within 30 days (day 0 no more): the third again, 6 days');
  });

  it('counts no repeat after 30 days: a second ignored message 31 days on is warned again', () => {
    const first = machine.violation(fresh(), ignoredMessage(1), at(0)).state;
    const second = machine.violation(first, ignoredMessage(2), at(31));
    assert.deepEqual([second.state.offersBlock, second.effects?.notice?.kind], [null, 'standing_warning']);
  });

  it('applies K-63’s rules in a standing started before they existed (its policy has no ladder or window for them)', () => {
    const { kindRepeatWindowsMs: _window, ...older } = policy;
    const { ignored_messages: _ladder, ...ladders } = policy.ladders;
    const oldPolicy = { ...older, version: 1, ladders } as typeof policy;
    const first = machine.violation(machine.initialState(7, oldPolicy), ignoredMessage(1), at(0)).state;
    assert.equal(machine.levelOf(first), 'warned');
    assert.equal(machine.violation(first, ignoredMessage(2), at(10)).state.offersBlock?.until, at(13));
  });
});
