import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { DAY, HOUR } from '../../workflows/lib/time.js';
import * as machine from '../../workflows/moderation/machine.js';
import { moderationPolicy } from '../../workflows/moderation/policy.js';
import * as search from '../../workflows/moderation/search.js';
import { rejectReasons, type DecideArgs, type ModerationInput, type ModerationStatus } from '../../workflows/moderation/messages.js';

const input: ModerationInput = {
  offerId: 42,
  revision: 3,
  sellerId: 7,
  title: 'I will fix one PHP bug',
  submittedAt: '2026-03-01T10:00:00.000Z',
  policy: { version: 1, reminderMs: 24 * HOUR, escalationMs: 3 * DAY },
};
const T = (iso: string) => `2026-03-${iso}Z`;
const approve: DecideArgs = { moderatorId: 5, decision: 'approve' };
const reject: DecideArgs = { moderatorId: 5, decision: 'reject', reason: 'gambling', note: 'casino links' };

const awaiting = machine.initialState(input);
const overdue = machine.reminded(awaiting, T('02T10:00:00.000'));
const escalated = machine.escalated(overdue, T('04T10:00:00.000'));
const approved = machine.decided(overdue, approve, T('02T11:00:00.000'), true);
const rejected = machine.decided(awaiting, reject, T('01T12:00:00.000'), true);
const withdrawnBySeller = machine.withdrawn(awaiting, 'seller', T('01T13:00:00.000'));
const orphan = machine.withdrawn(awaiting, 'system', T('01T10:00:01.000'));
const settling = machine.beginSettling(awaiting);

/** Every status, as the machine reaches it. */
const byStatus: Record<ModerationStatus, machine.ModerationState> = {
  awaiting,
  overdue,
  escalated,
  approved,
  rejected,
  withdrawn: withdrawnBySeller,
};

/** Runs `fn`, which must throw an ApplicationFailure; returns its type and message. */
function refusal(fn: () => void): { type: string | null | undefined; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return { type: err.type, message: err.message };
  }
  assert.fail('expected a refusal, but the update was allowed');
}

describe('the moderation machine', () => {
  describe('starting', () => {
    it('starts awaiting, with nothing reminded, escalated or decided', () => {
      assert.deepEqual(machine.viewOf(awaiting), {
        offerId: 42,
        revision: 3,
        status: 'awaiting',
        submittedAt: input.submittedAt,
        remindedAt: null,
        escalatedAt: null,
        decidedAt: null,
        decision: null,
        nextDeadline: { at: T('02T10:00:00.000'), what: 'remind moderators' },
        policyVersion: 1,
      });
    });
  });

  describe('deadlines', () => {
    it('reminds moderators 24 h after submission (not after the workflow started)', () => {
      assert.deepEqual(machine.nextDeadline(awaiting), { at: T('02T10:00:00.000'), what: 'remind moderators' });
    });

    it('escalates to admins 3 days after submission once reminded', () => {
      assert.deepEqual(machine.nextDeadline(overdue), { at: T('04T10:00:00.000'), what: 'escalate to admins' });
    });

    it('has no deadline once escalated: a person must decide, nothing is approved automatically', () => {
      assert.equal(machine.nextDeadline(escalated), null);
    });

    for (const status of ['approved', 'rejected', 'withdrawn'] as const) {
      it(`has no deadline once ${status}`, () => {
        assert.equal(machine.nextDeadline(byStatus[status]), null);
        assert.equal(machine.viewOf(byStatus[status]).nextDeadline, null);
      });
    }

    it('follows the policy the submission started with', () => {
      const short = machine.initialState({ ...input, policy: { version: 2, reminderMs: HOUR, escalationMs: 2 * HOUR } });
      assert.deepEqual(machine.nextDeadline(short), { at: T('01T11:00:00.000'), what: 'remind moderators' });
      assert.deepEqual(machine.nextDeadline(machine.reminded(short, T('01T11:00:00.000'))), { at: T('01T12:00:00.000'), what: 'escalate to admins' });
      assert.equal(machine.viewOf(short).policyVersion, 2);
    });
  });

  describe('reminder and escalation', () => {
    it('makes an awaiting submission overdue when moderators are reminded', () => {
      assert.equal(overdue.status, 'overdue');
      assert.equal(overdue.remindedAt, T('02T10:00:00.000'));
    });

    it('makes an overdue submission escalated when admins are alerted', () => {
      assert.equal(escalated.status, 'escalated');
      assert.equal(escalated.escalatedAt, T('04T10:00:00.000'));
      assert.equal(escalated.remindedAt, T('02T10:00:00.000'));
    });

    for (const status of ['approved', 'rejected', 'withdrawn'] as const) {
      it(`leaves a ${status} submission as it is when a reminder or escalation finishes after the decision`, () => {
        assert.deepEqual(machine.reminded(byStatus[status], T('02T10:00:00.000')), byStatus[status]);
        assert.deepEqual(machine.escalated(byStatus[status], T('04T10:00:00.000')), byStatus[status]);
      });
    }

    it('keeps a decision being written in its state when a reminder finishes meanwhile', () => {
      const after = machine.reminded(settling, T('02T10:00:00.000'));
      assert.equal(after.status, 'overdue');
      assert.equal(after.settling, true);
    });
  });

  describe('decide: allowed states', () => {
    for (const status of ['awaiting', 'overdue', 'escalated'] as const) {
      it(`allows approval and rejection while ${status}`, () => {
        assert.doesNotThrow(() => machine.assertCanDecide(byStatus[status], approve));
        assert.doesNotThrow(() => machine.assertCanDecide(byStatus[status], reject));
      });
    }

    it('refuses the offer’s own seller, a moderator too (forbidden, policy 3); submissions begun before keep their rules', () => {
      const own = { moderatorId: input.sellerId, decision: 'approve' } as const;
      const current = { ...awaiting, policy: moderationPolicy() };
      assert.throws(() => machine.assertCanDecide(current, own), (err: ApplicationFailure) => err.type === 'forbidden' && /another moderator/.test(err.message));
      assert.doesNotThrow(() => machine.assertCanDecide(current, approve), 'another moderator');
      assert.doesNotThrow(() => machine.assertCanDecide(awaiting, own), 'this file’s submissions began under policy 1');
    });

    it('allows a rejection without a note, for every listed reason', () => {
      for (const reason of rejectReasons) {
        assert.doesNotThrow(() => machine.assertCanDecide(awaiting, { moderatorId: 5, decision: 'reject', reason }));
      }
    });
  });

  describe('decide: refused in the wrong state (conflict)', () => {
    const cases: [string, machine.ModerationState, string][] = [
      ['approved', approved, 'this submission was already approved'],
      ['rejected', rejected, 'this submission was already rejected'],
      ['withdrawn by the seller', withdrawnBySeller, 'this submission was withdrawn: the seller replaced it with a newer revision'],
      ['withdrawn as an orphan', orphan, 'this submission was withdrawn'],
      ['being decided', settling, 'a decision on this submission is being applied right now'],
    ];
    for (const [name, state, message] of cases) {
      it(`refuses approval and rejection once ${name}`, () => {
        assert.deepEqual(refusal(() => machine.assertCanDecide(state, approve)), { type: 'conflict', message });
        assert.deepEqual(refusal(() => machine.assertCanDecide(state, reject)), { type: 'conflict', message });
      });
    }
  });

  describe('decide: malformed decisions (invalid_input)', () => {
    const bad: [string, unknown][] = [
      ['a rejection without a reason', { moderatorId: 5, decision: 'reject' }],
      ['a reason outside the list', { moderatorId: 5, decision: 'reject', reason: 'spam' }],
      ['a note that is not text', { moderatorId: 5, decision: 'reject', reason: 'other', note: 12 }],
      ['an unknown decision', { moderatorId: 5, decision: 'maybe' }],
      ['a missing moderator', { decision: 'approve' }],
      ['a moderator id that is not a positive integer', { moderatorId: 0, decision: 'approve' }],
      ['a fractional moderator id', { moderatorId: 1.5, decision: 'approve' }],
      ['no argument at all', null],
    ];
    for (const [name, args] of bad) {
      it(`refuses ${name}`, () => {
        assert.equal(refusal(() => machine.assertCanDecide(awaiting, args as DecideArgs)).type, 'invalid_input');
      });
    }

    it('names the allowed reasons when the reason is missing or unknown', () => {
      const missing = refusal(() => machine.assertCanDecide(awaiting, { moderatorId: 5, decision: 'reject' } as DecideArgs));
      assert.match(missing.message, /a rejection needs a reason: one of adult, gambling, binary_options/);
      const unknown = refusal(() => machine.assertCanDecide(awaiting, { moderatorId: 5, decision: 'reject', reason: 'spam' } as unknown as DecideArgs));
      assert.match(unknown.message, /unknown rejection reason "spam"/);
    });

    it('reports a malformed decision as invalid even when the state would refuse it too', () => {
      assert.equal(refusal(() => machine.assertCanDecide(approved, { moderatorId: 5, decision: 'reject' } as DecideArgs)).type, 'invalid_input');
    });
  });

  describe('withdraw', () => {
    for (const status of ['awaiting', 'overdue', 'escalated'] as const) {
      it(`allows a withdrawal while ${status}`, () => {
        assert.doesNotThrow(() => machine.assertCanWithdraw(byStatus[status], { by: 'seller' }));
      });
    }

    for (const status of ['approved', 'rejected', 'withdrawn'] as const) {
      it(`refuses a withdrawal once ${status}`, () => {
        assert.equal(refusal(() => machine.assertCanWithdraw(byStatus[status], { by: 'seller' })).type, 'conflict');
      });
    }

    it('refuses a withdrawal while a decision is being written', () => {
      assert.deepEqual(refusal(() => machine.assertCanWithdraw(settling, { by: 'system' })), {
        type: 'conflict',
        message: 'a decision on this submission is being applied right now',
      });
    });

    it('refuses a withdrawal by anyone but the seller or the system', () => {
      assert.equal(refusal(() => machine.assertCanWithdraw(awaiting, { by: 'moderator' } as never)).type, 'invalid_input');
    });

    it('ends the submission withdrawn, recording by whom and when', () => {
      assert.deepEqual(machine.viewOf(withdrawnBySeller), {
        ...machine.viewOf(awaiting),
        status: 'withdrawn',
        decidedAt: T('01T13:00:00.000'),
        decision: { outcome: 'withdrawn', by: 'seller' },
        nextDeadline: null,
      });
    });
  });

  describe('settling a decision', () => {
    it('records an approval with its moderator and whether the offer took it', () => {
      assert.equal(approved.status, 'approved');
      assert.equal(approved.decidedAt, T('02T11:00:00.000'));
      assert.deepEqual(approved.decision, { outcome: 'approved', moderatorId: 5, appliedToOffer: true });
      assert.equal(approved.settling, false);
      assert.equal(approved.remindedAt, T('02T10:00:00.000'), 'the reminder stays in the record');
    });

    it('records a rejection with its reason and note (null when none)', () => {
      assert.deepEqual(rejected.decision, { outcome: 'rejected', moderatorId: 5, reason: 'gambling', note: 'casino links', appliedToOffer: true });
      const plain = machine.decided(awaiting, { moderatorId: 6, decision: 'reject', reason: 'poor_quality' }, T('01T12:00:00.000'), false);
      assert.deepEqual(plain.decision, { outcome: 'rejected', moderatorId: 6, reason: 'poor_quality', note: null, appliedToOffer: false });
    });

    it('refuses further updates while settling, and accepts them again once the write is abandoned', () => {
      assert.equal(settling.settling, true);
      assert.equal(settling.status, 'awaiting');
      const back = machine.abandonSettling(settling);
      assert.deepEqual(back, awaiting);
      assert.doesNotThrow(() => machine.assertCanDecide(back, approve));
    });

    it('keeps the deadline while a decision is being written (the timers resume if it fails)', () => {
      assert.deepEqual(machine.nextDeadline(settling), machine.nextDeadline(awaiting));
    });
  });

  describe('presentation', () => {
    it('names each status as a GigflowStatus value', () => {
      for (const status of Object.keys(byStatus) as ModerationStatus[]) {
        assert.equal(search.searchStatus(status), `moderation_${status}`);
      }
    });

    it('is final exactly for approved, rejected and withdrawn', () => {
      assert.deepEqual(
        (Object.keys(byStatus) as ModerationStatus[]).filter(machine.isFinal),
        ['approved', 'rejected', 'withdrawn'],
      );
    });

    it('describes each state in one line for the Temporal UI', () => {
      assert.equal(search.detailsOf(awaiting), `**Awaiting a moderator** since ${input.submittedAt}. Next: remind moderators at ${T('02T10:00:00.000')}.`);
      assert.equal(search.detailsOf(overdue), `**Overdue**: moderators were reminded at ${T('02T10:00:00.000')}. Next: escalate to admins at ${T('04T10:00:00.000')}.`);
      assert.equal(
        search.detailsOf(escalated),
        `**Escalated** to admins at ${T('04T10:00:00.000')}; waiting for a moderator's decision (nothing happens automatically).`,
      );
      assert.equal(search.detailsOf(approved), `**Approved** by moderator 5 at ${T('02T11:00:00.000')}.`);
      assert.equal(search.detailsOf(rejected), `**Rejected** by moderator 5 at ${T('01T12:00:00.000')}: gambling (casino links).`);
      assert.equal(
        search.detailsOf(machine.decided(awaiting, approve, T('01T12:00:00.000'), false)),
        `**Approved** by moderator 5 at ${T('01T12:00:00.000')}. The offer had moved on, so it was left unchanged.`,
      );
      assert.equal(search.detailsOf(withdrawnBySeller), `**Withdrawn** by the seller at ${T('01T13:00:00.000')}.`);
      assert.equal(search.detailsOf(orphan), `**Withdrawn** by the system at ${T('01T10:00:01.000')}.`);
    });
  });
});
