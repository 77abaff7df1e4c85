/**
 * Moderation's transitions and the effect each asks the one effects activity to write (K-40):
 * a decision is final in the state at once, its effect applies it to the offer, and the write's
 * answer (did the offer take it?) is folded back; a withdrawal; the reminder and escalation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, HOUR } from '../../workflows/lib/time.js';
import * as machine from '../../workflows/moderation/machine.js';
import type { ModerationInput } from '../../workflows/moderation/messages.js';

const input: ModerationInput = {
  offerId: 42,
  revision: 3,
  sellerId: 7,
  title: 'I will fix one PHP bug',
  submittedAt: '2026-03-01T10:00:00.000Z',
  policy: { version: 2, reminderMs: 24 * HOUR, escalationMs: 3 * DAY },
};
const awaiting = machine.initialState(input);
const now = '2026-03-01T12:00:00.000Z';

describe('moderation transitions', () => {
  it('approves at once and asks the write to apply the approval; the offer is not taken until the write says so', () => {
    const t = machine.decide(awaiting, { moderatorId: 5, decision: 'approve' }, now);
    assert.equal(t.state.status, 'approved');
    assert.equal(t.state.decidedAt, now);
    assert.deepEqual(t.state.decision, { outcome: 'approved', moderatorId: 5, appliedToOffer: false });
    assert.deepEqual(t.effects, { kind: 'decision', moderatorId: 5, decision: 'approved' });
    assert.deepEqual(machine.decisionWritten(t.state, true).decision, { outcome: 'approved', moderatorId: 5, appliedToOffer: true });
  });

  it('rejects with the reason and note, and refuses any further decision or withdrawal at once', () => {
    const t = machine.decide(awaiting, { moderatorId: 5, decision: 'reject', reason: 'gambling', note: 'casino links' }, now);
    assert.deepEqual(t.effects, { kind: 'decision', moderatorId: 5, decision: 'rejected', reason: 'gambling', note: 'casino links' });
    assert.deepEqual(machine.decisionWritten(t.state, false).decision, { outcome: 'rejected', moderatorId: 5, reason: 'gambling', note: 'casino links', appliedToOffer: false });
    assert.throws(() => machine.assertCanDecide(t.state, { moderatorId: 6, decision: 'approve' }), /already rejected/);
    assert.throws(() => machine.assertCanWithdraw(t.state, { by: 'seller' }), /already rejected/);
  });

  it('asks nothing of a rejection without a note but its reason', () => {
    assert.deepEqual(machine.decide(awaiting, { moderatorId: 5, decision: 'reject', reason: 'other' }, now).effects, { kind: 'decision', moderatorId: 5, decision: 'rejected', reason: 'other' });
  });

  it('withdraws, asking the write to mark the submission', () => {
    const t = machine.withdraw(awaiting, { by: 'seller' }, now);
    assert.equal(t.state.status, 'withdrawn');
    assert.deepEqual(t.effects, { kind: 'withdrawal', by: 'seller' });
    assert.equal(machine.decisionWritten(t.state, true), t.state, 'a withdrawal has no offer to take');
  });

  it('reminds moderators at the first deadline, then escalates to admins at the second, each with how long it waited', () => {
    const reminder = machine.nextDeadline(awaiting)!;
    const reminded = machine.onDeadline(awaiting, reminder, '2026-03-02T10:00:00.000Z');
    assert.equal(reminded.state.status, 'overdue');
    assert.deepEqual(reminded.effects, { kind: 'remind_moderators', waitedMs: 24 * HOUR });
    const escalation = machine.nextDeadline(reminded.state)!;
    assert.equal(escalation.what, 'escalate to admins');
    const escalated = machine.onDeadline(reminded.state, escalation, '2026-03-04T10:00:00.000Z');
    assert.equal(escalated.state.status, 'escalated');
    assert.deepEqual(escalated.effects, { kind: 'escalate_to_admins', waitedMs: 3 * DAY });
    assert.equal(machine.nextDeadline(escalated.state), null, 'then it waits for a person');
  });
});
