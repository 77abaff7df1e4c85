/**
 * The estimated job's rules (W-01…W-14, D-03, D-06) as pure functions: every action's refusals,
 * every transition's state and effects, the deadlines and what they do, the business hours of
 * W-02; and, over random sequences of actions, the escrow ending exactly once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { businessCalendar } from '../../payments/business-calendar.js';
import * as m from '../../workflows/job/machine.js';
import type { JobInput, JobMessageArgs } from '../../workflows/job/messages.js';
import { jobPolicy } from '../../workflows/job/policy.js';
import { addBusinessHours, autoApproveAt, reminderAt } from '../../workflows/lib/business-days.js';
import { HOUR, iso, MINUTE, msOf } from '../../workflows/lib/time.js';
import { checkProperty } from '../support/seed.js';

const calendar = businessCalendar(jobPolicy.calendar, 2026, 2028);
const CLIENT = 10;
const EXPERT = 20;
const OTHER_EXPERT = 21;
const STAFF = 30;
// Monday 4 January 2027, 10:00 in Warsaw (UTC+1).
const MONDAY_10 = '2027-01-04T09:00:00.000Z';
const later = (at: string, ms: number) => iso(msOf(at) + ms);

function input(over: Partial<JobInput> = {}): JobInput {
  return {
    jobId: 7,
    kind: 'estimate',
    clientId: CLIENT,
    clientUsername: 'anna',
    title: 'Fix my checkout',
    urgency: 'critical',
    budgetCents: null,
    install: null,
    clientVerified: true,
    orderedAt: MONDAY_10,
    policy: jobPolicy,
    calendar,
    ...over,
  };
}

const install = { installId: 3, name: 'SSL certificate installation', priceCents: 3_900 };
const refusal = (r: m.Refusal | null) => r?.code ?? null;

/** A job estimated at `quarterHours` by EXPERT, waiting for payment. */
function estimated(quarterHours = 8, over: Partial<JobInput> = {}): m.JobState {
  let s = m.initialState(input(over));
  s = m.claim(s, { expertId: EXPERT }, later(MONDAY_10, 10 * MINUTE)).state;
  const fitsBudget = s.input.budgetCents === null ? null : true;
  return m.estimate(s, { expertId: EXPERT, quarterHours, plan: 'Update the plugin, test the flow', fitsBudget }, later(MONDAY_10, 30 * MINUTE)).state;
}
const PAID_AT = later(MONDAY_10, HOUR);
function inProgress(quarterHours = 8): m.JobState {
  const s = estimated(quarterHours);
  return m.paidFor(s, { clientId: CLIENT, estimateNumber: 1 }, PAID_AT).state;
}
const DELIVERED_AT = later(MONDAY_10, 2 * HOUR);
function delivered(quarterHours = 8): m.JobState {
  return m.deliver(inProgress(quarterHours), { expertId: EXPERT, note: 'Done, please check' }, DELIVERED_AT).state;
}
const msg = (role: 'client' | 'expert' | 'staff', userId: number, messageId = 1): JobMessageArgs => ({ actor: { role, userId }, messageId, sentAt: MONDAY_10 });

describe('addBusinessHours (W-02, D-06: working hours 9–17 on Polish business days, Warsaw time)', () => {
  const hours = jobPolicy.businessHours;
  it('counts within the day, and ends exactly at closing time when that is where the hours run out', () => {
    assert.equal(addBusinessHours(MONDAY_10, 2, hours, calendar), '2027-01-04T11:00:00.000Z');
    assert.equal(addBusinessHours('2027-01-04T14:00:00.000Z', 2, hours, calendar), '2027-01-04T16:00:00.000Z');
  });
  it('starts at opening time when asked before it, and the next business day when asked after closing', () => {
    assert.equal(addBusinessHours('2027-01-04T05:00:00.000Z', 2, hours, calendar), '2027-01-04T10:00:00.000Z');
    assert.equal(addBusinessHours('2027-01-04T18:00:00.000Z', 2, hours, calendar), '2027-01-05T10:00:00.000Z');
  });
  it('skips the weekend: Friday 16:00 + 2 h = Monday 10:00', () => {
    assert.equal(addBusinessHours('2027-01-08T15:00:00.000Z', 2, hours, calendar), '2027-01-11T09:00:00.000Z');
  });
  it('skips a fixed-date holiday (Epiphany, Wednesday 6 January 2027) and Easter Monday (29 March 2027)', () => {
    assert.equal(addBusinessHours('2027-01-05T15:00:00.000Z', 2, hours, calendar), '2027-01-07T09:00:00.000Z');
    // Friday 26 March 16:00 (UTC+1); Monday 29 March is Easter Monday; Tuesday 30 March is summer time (UTC+2).
    assert.equal(addBusinessHours('2027-03-26T15:00:00.000Z', 2, hours, calendar), '2027-03-30T08:00:00.000Z');
  });
  it('spans several days for a long target: 16 h from Monday 10:00 is Thursday 10:00 (Wednesday is Epiphany)', () => {
    assert.equal(addBusinessHours(MONDAY_10, 16, hours, calendar), '2027-01-07T09:00:00.000Z');
  });
  it('refuses a target that is not positive', () => {
    assert.throws(() => addBusinessHours(MONDAY_10, 0, hours, calendar), RangeError);
  });
});

describe('ordering, verification and the queue (W-01, W-02)', () => {
  it('a verified client’s job is open at once, its first answer due 2 business hours later when critical', () => {
    const s = m.initialState(input());
    assert.equal(s.status, 'open');
    assert.equal(s.firstAnswerDueAt, '2027-01-04T11:00:00.000Z');
    assert.deepEqual(m.nextDeadline(s), { at: '2027-01-04T11:00:00.000Z', what: 'first_answer' });
    assert.equal(m.initialState(input({ urgency: 'low' })).firstAnswerDueAt, addBusinessHours(MONDAY_10, 16, jobPolicy.businessHours, calendar));
  });
  it('a new account’s job waits for the activation, then enters the queue; a second activation changes nothing', () => {
    const s = m.initialState(input({ clientVerified: false }));
    assert.equal(s.status, 'awaiting_verification');
    assert.deepEqual(m.allowedActions(s, 'expert'), ['message']);
    assert.deepEqual(m.nextDeadline(s), { at: later(MONDAY_10, jobPolicy.verificationTimeoutMs), what: 'verification_expiry' });
    const at = later(MONDAY_10, HOUR);
    const t = m.activated(s, at)!;
    assert.equal(t.state.status, 'open');
    assert.equal(t.state.firstAnswerDueAt, addBusinessHours(at, 2, jobPolicy.businessHours, calendar));
    assert.equal(t.effects.seq, 1);
    assert.equal(m.activated(t.state, at), null);
  });
  it('expires when nobody activates in time, telling the client', () => {
    const s = m.initialState(input({ clientVerified: false }));
    const t = m.onDeadline(s, m.nextDeadline(s)!, later(MONDAY_10, jobPolicy.verificationTimeoutMs));
    assert.equal(t.state.status, 'expired');
    assert.ok(m.isFinal(t.state));
    assert.deepEqual(t.effects.notices.map((n) => [n.to, n.kind]), [[CLIENT, 'job_expired']]);
    // A sentence that starts with the job starts in capitals.
    assert.match(t.effects.notices[0]!.text, /^Job #\d+ “.+” expired: /);
    assert.equal(m.nextDeadline(t.state), null);
  });
  it('a first answer that is late alerts staff once; the expert’s message or estimate is the answer', () => {
    const s = m.claim(m.initialState(input()), { expertId: EXPERT }, later(MONDAY_10, MINUTE)).state;
    assert.equal(s.firstAnsweredAt, null, 'claiming is not answering');
    const t = m.onDeadline(s, m.nextDeadline(s)!, '2027-01-04T11:00:00.000Z');
    assert.deepEqual(t.effects.notices.map((n) => [n.to, n.kind]), [['staff', 'job_first_answer_missed']]);
    assert.equal(m.nextDeadline(t.state), null, 'alerted once');
    const answered = m.message(s, msg('expert', EXPERT), later(MONDAY_10, 5 * MINUTE)).state;
    assert.equal(answered.firstAnsweredAt, later(MONDAY_10, 5 * MINUTE));
    assert.equal(m.nextDeadline(answered), null);
    assert.ok(estimated().firstAnsweredAt, 'an estimate answers too');
    assert.equal(m.message(s, msg('client', CLIENT), MONDAY_10).state.firstAnsweredAt, null, 'the client’s message is not the answer');
  });
});

describe('claims and estimates (W-04, W-05, W-07)', () => {
  const open = () => m.initialState(input());
  it('an expert claims an open job (never their own) and joins its conversation', () => {
    assert.equal(refusal(m.claimRefusal(open(), { expertId: CLIENT })), 'rule_violation');
    assert.equal(refusal(m.claimRefusal(open(), { expertId: 0 })), 'invalid_input');
    const t = m.claim(open(), { expertId: EXPERT }, MONDAY_10);
    assert.equal(t.state.status, 'estimating');
    assert.equal(t.effects.joins, EXPERT);
    assert.deepEqual(t.state.experts, [{ expertId: EXPERT, from: MONDAY_10, until: null, reason: null }]);
    assert.equal(refusal(m.claimRefusal(t.state, { expertId: OTHER_EXPERT })), 'conflict');
  });
  it('prices quarter hours × $60 ÷ 4: 1 quarter = $15.00, 6 = $90.00, the maximum 800 = $12,000.00', () => {
    assert.equal(m.priceOf(1, jobPolicy), 1_500);
    assert.equal(m.priceOf(6, jobPolicy), 9_000);
    assert.equal(m.priceOf(800, jobPolicy), 1_200_000);
    const s = estimated(6);
    assert.equal(s.status, 'estimated');
    assert.equal(m.currentEstimate(s)!.priceCents, 9_000);
    assert.equal(m.currentEstimate(s)!.validUntil, later(later(MONDAY_10, 30 * MINUTE), jobPolicy.estimateValidMs));
  });
  it('refuses 0, 801 or a fraction of quarter hours, a stranger’s estimate, and one outside estimating', () => {
    const s = m.claim(open(), { expertId: EXPERT }, MONDAY_10).state;
    const args = { expertId: EXPERT, plan: 'plan', fitsBudget: null };
    for (const quarterHours of [0, 801, 1.5, -4]) assert.equal(refusal(m.estimateRefusal(s, { ...args, quarterHours })), 'invalid_input', `${quarterHours}`);
    assert.equal(refusal(m.estimateRefusal(s, { ...args, quarterHours: 800 })), null);
    assert.equal(refusal(m.estimateRefusal(s, { ...args, quarterHours: 4, expertId: OTHER_EXPERT })), 'not_found');
    assert.equal(refusal(m.estimateRefusal(estimated(), { ...args, quarterHours: 4 })), 'conflict');
    assert.equal(refusal(m.estimateRefusal(s, { ...args, quarterHours: 4, plan: ' ' })), 'invalid_input');
  });
  it('W-05: fitsBudget is a yes/no exactly when the client gave a budget', () => {
    const noBudget = m.claim(open(), { expertId: EXPERT }, MONDAY_10).state;
    const budget = m.claim(m.initialState(input({ budgetCents: 30_000 })), { expertId: EXPERT }, MONDAY_10).state;
    const args = { expertId: EXPERT, plan: 'plan', quarterHours: 4 };
    assert.equal(refusal(m.estimateRefusal(noBudget, { ...args, fitsBudget: true })), 'invalid_input');
    assert.equal(refusal(m.estimateRefusal(noBudget, { ...args, fitsBudget: null })), null);
    assert.equal(refusal(m.estimateRefusal(budget, { ...args, fitsBudget: null })), 'invalid_input');
    assert.equal(refusal(m.estimateRefusal(budget, { ...args, fitsBudget: false })), null);
  });
  it('an unpaid estimate expires at its validity’s end (W-07)', () => {
    const s = estimated();
    const d = m.nextDeadline(s)!;
    assert.deepEqual(d, { at: m.currentEstimate(s)!.validUntil, what: 'estimate_expiry' });
    const t = m.onDeadline(s, d, d.at);
    assert.equal(t.state.status, 'expired');
    assert.deepEqual(t.effects.notices.map((n) => n.to).sort(), [CLIENT, EXPERT]);
    assert.equal(t.effects.money, null);
  });
  it('W-11: a rejected estimate goes back to estimating; the revised one is #2 and only it can be paid', () => {
    const s = estimated();
    assert.equal(refusal(m.rejectEstimateRefusal(s, { clientId: CLIENT, reason: '' })), 'invalid_input');
    assert.equal(refusal(m.rejectEstimateRefusal(s, { clientId: EXPERT, reason: 'too much' })), 'not_found');
    const rejected = m.rejectEstimate(s, { clientId: CLIENT, reason: 'Too expensive' }, PAID_AT);
    assert.equal(rejected.state.status, 'estimating');
    assert.equal(rejected.state.estimates[0]!.rejectedReason, 'Too expensive');
    assert.deepEqual(rejected.effects.notices.map((n) => [n.to, n.kind]), [[EXPERT, 'job_estimate_rejected']]);
    const revised = m.estimate(rejected.state, { expertId: EXPERT, quarterHours: 6, plan: 'A smaller fix', fitsBudget: null }, PAID_AT).state;
    assert.equal(m.currentEstimate(revised)!.number, 2);
    assert.equal(refusal(m.payRefusal(revised, { clientId: CLIENT, estimateNumber: 1 })), 'conflict');
    assert.equal(refusal(m.payRefusal(revised, { clientId: CLIENT, estimateNumber: 2 })), null);
  });
});

describe('payment (W-06, W-08)', () => {
  it('an estimate job is paid by its client only, once, for the current estimate: then in progress', () => {
    const s = estimated();
    assert.equal(refusal(m.payRefusal(s, { clientId: EXPERT, estimateNumber: 1 })), 'not_found');
    assert.equal(refusal(m.payRefusal(s, { clientId: CLIENT, estimateNumber: -1 })), 'invalid_input');
    const t = m.paidFor(s, { clientId: CLIENT, estimateNumber: 1 }, PAID_AT);
    assert.equal(t.state.status, 'in_progress');
    assert.equal(t.state.escrowCents, 12_000);
    assert.equal(t.state.paidCents, 12_000);
    assert.equal(t.state.lastClientActivityAt, PAID_AT);
    assert.equal(t.effects.money, null, 'the pay handler’s activity moved the money before the transition');
    assert.deepEqual(t.effects.notices.map((n) => [n.to, n.kind]), [[EXPERT, 'job_paid']]);
    assert.equal(refusal(m.payRefusal(t.state, { clientId: CLIENT, estimateNumber: 1 })), 'conflict');
  });
  it('an install is paid at once (estimate number 0) at its fixed price; experts claim it only then, straight into work', () => {
    const s = m.initialState(input({ kind: 'install', install }));
    assert.equal(s.status, 'open');
    assert.equal(s.firstAnswerDueAt, null, 'the first-answer target counts from the payment');
    assert.deepEqual(m.nextDeadline(s), { at: later(MONDAY_10, jobPolicy.estimateValidMs), what: 'install_expiry' });
    assert.equal(m.priceCentsOf(s), 3_900);
    assert.ok(m.allowedActions(s, 'client').includes('pay'));
    assert.ok(!m.allowedActions(s, 'expert').includes('claim'));
    assert.equal(refusal(m.claimRefusal(s, { expertId: EXPERT })), 'conflict');
    assert.equal(refusal(m.payRefusal(s, { clientId: CLIENT, estimateNumber: 1 })), 'conflict');
    const paid = m.paidFor(s, { clientId: CLIENT, estimateNumber: 0 }, PAID_AT).state;
    assert.equal(paid.status, 'open');
    assert.equal(paid.escrowCents, 3_900);
    assert.equal(paid.firstAnswerDueAt, addBusinessHours(PAID_AT, 2, jobPolicy.businessHours, calendar));
    assert.ok(m.allowedActions(paid, 'expert').includes('claim'));
    const claimed = m.claim(paid, { expertId: EXPERT }, PAID_AT).state;
    assert.equal(claimed.status, 'in_progress');
  });
});

describe('a different expert (W-10)', () => {
  it('the client asks with a reason; staff reassign; the history keeps both and the new expert joins the conversation', () => {
    const s = inProgress();
    const asked = m.askDifferentExpert(s, { clientId: CLIENT, reason: 'No answers for two days' }, later(PAID_AT, HOUR));
    assert.deepEqual(asked.state.differentExpertAsked, { reason: 'No answers for two days', at: later(PAID_AT, HOUR) });
    assert.deepEqual(asked.effects.notices.map((n) => [n.to, n.kind]), [['staff', 'job_expert_change_asked']]);
    assert.equal(refusal(m.askDifferentExpertRefusal(asked.state, { clientId: CLIENT, reason: 'again' })), 'conflict');
    assert.equal(refusal(m.reassignRefusal(asked.state, { staffId: STAFF, expertId: EXPERT, note: 'same' })), 'conflict');
    assert.equal(refusal(m.reassignRefusal(asked.state, { staffId: STAFF, expertId: CLIENT, note: 'x' })), 'rule_violation');
    assert.equal(refusal(m.reassignRefusal(asked.state, { staffId: EXPERT, expertId: OTHER_EXPERT, note: 'my own job' })), 'forbidden', 'not by its own expert, staff too');
    assert.equal(refusal(m.reassignRefusal(asked.state, { staffId: CLIENT, expertId: OTHER_EXPERT, note: 'my own job' })), 'forbidden', 'nor its client');
    const at = later(PAID_AT, 2 * HOUR);
    const t = m.reassign(asked.state, { staffId: STAFF, expertId: OTHER_EXPERT, note: 'Giving it to Olga' }, at);
    assert.equal(t.state.expertId, OTHER_EXPERT);
    assert.equal(t.state.status, 'in_progress');
    assert.equal(t.state.differentExpertAsked, null);
    assert.deepEqual(t.state.experts, [
      { expertId: EXPERT, from: later(MONDAY_10, 10 * MINUTE), until: at, reason: 'No answers for two days — Giving it to Olga' },
      { expertId: OTHER_EXPERT, from: at, until: null, reason: null },
    ]);
    assert.equal(t.effects.joins, OTHER_EXPERT);
    assert.deepEqual(t.effects.notices.map((n) => n.to).sort(), [CLIENT, EXPERT, OTHER_EXPERT].sort());
    assert.equal(refusal(m.deliverRefusal(t.state, { expertId: EXPERT, note: 'done' })), 'not_found', 'the former expert acts no more');
    assert.equal(refusal(m.messageRefusal(t.state, msg('expert', EXPERT))), 'not_found');
  });
  it('is not possible before an expert has the job', () => {
    assert.equal(refusal(m.askDifferentExpertRefusal(m.initialState(input()), { clientId: CLIENT, reason: 'x' })), 'conflict');
  });
});

describe('cancellation (W-08, W-11)', () => {
  it('before payment it simply ends, moving no money', () => {
    const t = m.cancel(estimated(), { clientId: CLIENT, reason: 'Found someone else' }, PAID_AT);
    assert.equal(t.state.status, 'cancelled');
    assert.equal(t.effects.money, null);
    assert.deepEqual(t.effects.notices.map((n) => [n.to, n.kind]), [[EXPERT, 'job_cancelled']]);
    assert.equal(refusal(m.cancelRefusal(t.state, { clientId: CLIENT, reason: 'again' })), 'conflict');
  });
  it('after payment, before work started: staff decide, and only a full refund is allowed', () => {
    const t = m.cancel(inProgress(), { clientId: CLIENT, reason: 'Not needed any more' }, later(PAID_AT, MINUTE));
    assert.equal(t.state.status, 'cancellation_requested');
    assert.equal(t.state.cancellation!.workStarted, false);
    assert.deepEqual(t.effects.notices.map((n) => [n.to, n.kind]), [['staff', 'job_cancellation_to_decide'], [EXPERT, 'job_cancellation_requested']]);
    assert.equal(refusal(m.cancelRefusal(t.state, { clientId: CLIENT, reason: 'again' })), 'conflict');
    const decide = (args: Parameters<typeof m.decideCancellationRefusal>[1]) => refusal(m.decideCancellationRefusal(t.state, args));
    assert.equal(decide({ staffId: STAFF, decision: 'partial', refundCents: 6_000, reason: 'half' }), 'rule_violation');
    assert.equal(decide({ staffId: STAFF, decision: 'none', reason: 'no' }), 'rule_violation');
    assert.equal(decide({ staffId: STAFF, decision: 'full', reason: '' }), 'invalid_input');
    // Nobody judges their own case (policy 2): staff who are the client or the expert leave it to other staff.
    assert.equal(decide({ staffId: CLIENT, decision: 'full', reason: 'mine' }), 'forbidden');
    assert.equal(decide({ staffId: EXPERT, decision: 'refuse', reason: 'mine' }), 'forbidden');
    assert.equal(refusal(m.decideCancellationRefusal({ ...t.state, policy: { ...t.state.policy, version: 1, partiesDoNotJudge: undefined } }, { staffId: CLIENT, decision: 'full', reason: 'policy 1' })), null, 'jobs begun before keep their rules');
    const full = m.decideCancellation(t.state, { staffId: STAFF, decision: 'full', reason: 'Nothing was done' }, later(PAID_AT, HOUR));
    assert.equal(full.state.status, 'cancelled');
    assert.equal(full.state.escrowCents, 0);
    assert.deepEqual(full.effects.money, { op: 'refund' });
    assert.equal(full.state.cancellation!.refundCents, 12_000);
  });
  it('after work started (an expert message after payment, or a delivery): full, partial (0 < refund < paid) or none', () => {
    const worked = m.message(inProgress(), msg('expert', EXPERT), later(PAID_AT, MINUTE)).state;
    const asked = m.cancel(worked, { clientId: CLIENT, reason: 'Too slow' }, later(PAID_AT, HOUR)).state;
    assert.equal(asked.cancellation!.workStarted, true);
    assert.equal(m.cancel(delivered(), { clientId: CLIENT, reason: 'Too slow' }, later(DELIVERED_AT, HOUR)).state.cancellation!.workStarted, true);
    // Not whole cents: malformed (400). The whole paid amount or more: the rule's (422), and said.
    for (const [refundCents, code] of [[0, 'invalid_input'], [1.5, 'invalid_input'], [12_000, 'rule_violation'], [12_001, 'rule_violation']] as const) {
      assert.equal(refusal(m.decideCancellationRefusal(asked, { staffId: STAFF, decision: 'partial', refundCents, reason: 'x' })), code, `${refundCents}`);
    }
    assert.match(m.decideCancellationRefusal(asked, { staffId: STAFF, decision: 'partial', refundCents: 12_000, reason: 'x' })!.message, /less than the 12000 cents the client paid \(W-11\): 1 to 11999/);
    assert.equal(m.decideCancellationRefusal(asked, { staffId: STAFF, decision: 'partial', refundCents: 11_999, reason: 'x' }), null);
    // A job with no cancellation to decide is 409 whatever the amount (it once said "between 1 and 1").
    for (const refundCents of [1, 12_000]) {
      assert.equal(refusal(m.decideCancellationRefusal(worked, { staffId: STAFF, decision: 'partial', refundCents, reason: 'x' })), 'conflict', `${refundCents}`);
    }
    const partial = m.decideCancellation(asked, { staffId: STAFF, decision: 'partial', refundCents: 4_000, reason: 'A third was done' }, later(PAID_AT, 2 * HOUR));
    assert.deepEqual(partial.effects.money, { op: 'split', expertId: EXPERT, refundCents: 4_000, commissionBps: jobPolicy.commissionBps });
    assert.equal(partial.state.cancellation!.decision, 'partial');
    const none = m.decideCancellation(asked, { staffId: STAFF, decision: 'none', reason: 'All was done' }, later(PAID_AT, 2 * HOUR));
    assert.deepEqual(none.effects.money, { op: 'release', expertId: EXPERT, commissionBps: jobPolicy.commissionBps });
    assert.equal(none.state.cancellation!.refundCents, 0);
  });
  it('staff may refuse: the job goes back where it was, a delivered one counting again from the request (D-03)', () => {
    const at = later(DELIVERED_AT, HOUR);
    const asked = m.cancel(delivered(), { clientId: CLIENT, reason: 'Changed my mind' }, at).state;
    assert.equal(m.nextDeadline(asked), null, 'no auto-approval while staff decide');
    const t = m.decideCancellation(asked, { staffId: STAFF, decision: 'refuse', reason: 'The work is done' }, later(at, HOUR));
    assert.equal(t.state.status, 'delivered');
    assert.equal(t.state.cancellation, null);
    assert.equal(t.effects.money, null);
    assert.equal(t.state.autoApproveAt, autoApproveAt(at, 12_000, jobPolicy.autoApproval, calendar));
    assert.deepEqual(t.effects.notices.map((n) => n.kind), ['job_cancellation_refused', 'job_cancellation_refused']);
  });
});

describe('approval (W-12, W-13, W-14, D-03)', () => {
  it('the client approves from in progress or delivered: the escrow is released with the commission, the invoice and affiliate writes come with it', () => {
    for (const s of [inProgress(), delivered()]) {
      assert.equal(refusal(m.approveRefusal(s, { clientId: EXPERT })), 'not_found');
      const t = m.approve(s, later(DELIVERED_AT, HOUR), 'client');
      assert.equal(t.state.status, 'approved');
      assert.equal(t.state.approvedBy, 'client');
      assert.equal(t.state.escrowCents, 0);
      assert.deepEqual(t.effects.money, { op: 'release', expertId: EXPERT, commissionBps: 2_000 });
      assert.deepEqual(t.effects.approval, { at: later(DELIVERED_AT, HOUR), totalCents: 12_000 });
      assert.deepEqual(m.allowedActions(t.state, 'client'), []);
    }
    assert.equal(refusal(m.approveRefusal(estimated(), { clientId: CLIENT })), 'conflict');
  });
  it('a delivered job is approved automatically 3 business days after the delivery up to $400.00 inclusive, 5 above; reminded one business day before (D-06)', () => {
    /** A paid install of `priceCents`, delivered on Monday 4 January 2027 at 11:00 Warsaw time. */
    const deliveredInstall = (priceCents: number) => {
      let s = m.initialState(input({ kind: 'install', install: { ...install, priceCents } }));
      s = m.paidFor(s, { clientId: CLIENT, estimateNumber: 0 }, PAID_AT).state;
      s = m.claim(s, { expertId: EXPERT }, PAID_AT).state;
      return m.deliver(s, { expertId: EXPERT, note: 'done' }, DELIVERED_AT).state;
    };
    // Monday + 3 business days, Epiphany (Wednesday 6 January) skipped: Friday 12:00; reminded Thursday 12:00.
    const small = deliveredInstall(40_000);
    assert.equal(small.autoApproveAt, '2027-01-08T11:00:00.000Z');
    assert.equal(small.remindAt, '2027-01-07T11:00:00.000Z');
    // One cent more: 5 business days, Tuesday 12 January.
    const large = deliveredInstall(40_001);
    assert.equal(large.autoApproveAt, '2027-01-12T11:00:00.000Z');
    assert.equal(large.remindAt, '2027-01-11T11:00:00.000Z');
    // Estimates come in quarter hours of $15: 26 = $390 counts 3 days, 27 = $405 counts 5.
    assert.equal(delivered(26).autoApproveAt, '2027-01-08T11:00:00.000Z');
    assert.equal(delivered(27).autoApproveAt, '2027-01-12T11:00:00.000Z');
  });
  it('every client action or message restarts the count; the expert’s messages and the reminder do not (D-03)', () => {
    const s = delivered();
    const clientAt = later(DELIVERED_AT, 26 * HOUR);
    const moved = m.message(s, msg('client', CLIENT), clientAt).state;
    assert.equal(moved.autoApproveAt, autoApproveAt(clientAt, 12_000, jobPolicy.autoApproval, calendar));
    assert.equal(moved.remindAt, reminderAt(clientAt, 12_000, jobPolicy.autoApproval, calendar));
    const expertSaid = m.message(s, msg('expert', EXPERT), clientAt).state;
    assert.equal(expertSaid.autoApproveAt, s.autoApproveAt);
    const staffSaid = m.message(s, msg('staff', STAFF), clientAt).state;
    assert.equal(staffSaid.autoApproveAt, s.autoApproveAt);
    const reminder = m.nextDeadline(s)!;
    assert.deepEqual(reminder, { at: s.remindAt, what: 'reminder' });
    const reminded = m.onDeadline(s, reminder, reminder.at);
    assert.deepEqual(reminded.effects.notices.map((n) => [n.to, n.kind]), [[CLIENT, 'job_approval_reminder']]);
    assert.equal(reminded.state.autoApproveAt, s.autoApproveAt, 'the reminder is no activity');
    assert.equal(reminded.state.lastClientActivityAt, s.lastClientActivityAt);
    const auto = m.nextDeadline(reminded.state)!;
    assert.deepEqual(auto, { at: s.autoApproveAt, what: 'auto_approve' });
    const approved = m.onDeadline(reminded.state, auto, auto.at);
    assert.equal(approved.state.approvedBy, 'auto');
    assert.deepEqual(approved.effects.money, { op: 'release', expertId: EXPERT, commissionBps: 2_000 });
    assert.ok(approved.effects.approval);
  });
  it('counts from the delivery when the client’s last activity (the payment) came before it', () => {
    const s = delivered();
    assert.equal(s.lastClientActivityAt, PAID_AT);
    assert.equal(s.autoApproveAt, autoApproveAt(DELIVERED_AT, 12_000, jobPolicy.autoApproval, calendar));
  });
});

describe('messages and views', () => {
  it('a message of a stranger is not found; a closed job takes none', () => {
    const s = inProgress();
    assert.equal(refusal(m.messageRefusal(s, msg('client', EXPERT))), 'not_found');
    assert.equal(refusal(m.messageRefusal(s, { ...msg('client', CLIENT), sentAt: 'yesterday' })), 'invalid_input');
    assert.equal(refusal(m.messageRefusal(m.approve(s, PAID_AT, 'client').state, msg('client', CLIENT))), 'conflict');
  });
  it('lists what each viewer may do', () => {
    assert.deepEqual(m.allowedActions(estimated(), 'client'), ['message', 'pay', 'rejectEstimate', 'askDifferentExpert', 'cancel']);
    assert.deepEqual(m.allowedActions(inProgress(), 'expert'), ['message', 'deliver']);
    assert.deepEqual(m.allowedActions(delivered(), 'client'), ['message', 'askDifferentExpert', 'cancel', 'approve']);
    assert.deepEqual(m.allowedActions(m.cancel(inProgress(), { clientId: CLIENT, reason: 'x' }, PAID_AT).state, 'staff'), ['message', 'decideCancellation']);
  });
  it('the view shows the auto-approval only for a delivered job, and the policy version', () => {
    const v = m.viewOf(delivered(), 'client');
    assert.equal(v.autoApproveAt, delivered().autoApproveAt);
    assert.equal(v.policyVersion, jobPolicy.version);
    assert.equal(m.viewOf(inProgress(), 'client').autoApproveAt, null);
  });
});

describe('the escrow ends exactly once, whatever the actions (property)', () => {
  type Step = { kind: string; pick: number };
  const step = fc.record({ kind: fc.constantFrom('claim', 'estimate', 'pay', 'reject', 'ask', 'reassign', 'deliver', 'cancel', 'decide', 'approve', 'message', 'deadline'), pick: fc.nat(3) });
  /** The transition a step makes, if the state allows it (as the workflow's validators would). */
  function apply(s: m.JobState, { kind, pick }: Step, at: string): m.Transition | null {
    const expert = s.expertId ?? EXPERT;
    const tryIt = <A>(r: (s: m.JobState, a: A) => m.Refusal | null, t: (s: m.JobState, a: A, at: string) => m.Transition, a: A) => (r(s, a) === null ? t(s, a, at) : null);
    switch (kind) {
      case 'claim': return tryIt(m.claimRefusal, m.claim, { expertId: EXPERT });
      case 'estimate': return tryIt(m.estimateRefusal, m.estimate, { expertId: expert, quarterHours: 1 + pick * 100, plan: 'p', fitsBudget: null });
      case 'pay': return tryIt(m.payRefusal, m.paidFor, { clientId: CLIENT, estimateNumber: s.input.install ? 0 : (m.currentEstimate(s)?.number ?? 1) });
      case 'reject': return tryIt(m.rejectEstimateRefusal, m.rejectEstimate, { clientId: CLIENT, reason: 'r' });
      case 'ask': return tryIt(m.askDifferentExpertRefusal, m.askDifferentExpert, { clientId: CLIENT, reason: 'r' });
      case 'reassign': return tryIt(m.reassignRefusal, m.reassign, { staffId: STAFF, expertId: expert === EXPERT ? OTHER_EXPERT : EXPERT, note: 'n' });
      case 'deliver': return tryIt(m.deliverRefusal, m.deliver, { expertId: expert, note: 'n' });
      case 'cancel': return tryIt(m.cancelRefusal, m.cancel, { clientId: CLIENT, reason: 'r' });
      case 'decide': {
        const decisions = [{ decision: 'full' }, { decision: 'partial', refundCents: 1 }, { decision: 'none' }, { decision: 'refuse' }] as const;
        return tryIt(m.decideCancellationRefusal, m.decideCancellation, { staffId: STAFF, reason: 'r', ...decisions[pick]! } as Parameters<typeof m.decideCancellation>[1]);
      }
      case 'approve': return tryIt(m.approveRefusal, (st, _a, t) => m.approve(st, t, 'client'), { clientId: CLIENT });
      case 'message': return tryIt(m.messageRefusal, m.message, msg((['client', 'expert', 'staff'] as const)[pick % 3]!, [CLIENT, expert, STAFF][pick % 3]!));
      default: {
        const d = m.nextDeadline(s);
        return d ? m.onDeadline(s, d, d.at) : null;
      }
    }
  }
  it('at most one escrow end, only after a payment, exactly one when a paid job closes; final jobs take nothing', async () => {
    await checkProperty(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 30 }), (isInstall, steps) => {
        let s = m.initialState(input(isInstall ? { kind: 'install', install } : {}));
        let at = MONDAY_10;
        let ends = 0;
        let seq = 0;
        for (const st of steps) {
          at = later(at, 10 * MINUTE);
          const t = apply(s, st, at);
          if (!t) continue;
          assert.equal(t.effects.seq, ++seq, 'every write is numbered in order');
          if (t.effects.money) {
            assert.ok(s.paidCents > 0, 'money moves only after a payment');
            ends++;
          }
          s = t.state;
        }
        assert.ok(ends <= 1, `the escrow ended ${ends} times`);
        if (m.isFinal(s)) {
          assert.equal(ends, s.paidCents > 0 ? 1 : 0);
          assert.equal(s.escrowCents, 0);
          assert.equal(m.nextDeadline(s), null);
        }
      }),
      { numRuns: 300, file: import.meta.filename },
    );
  });
});
