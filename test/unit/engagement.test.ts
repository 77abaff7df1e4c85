/**
 * The rules an order and an estimated job share (workflows/lib/engagement): cancellation by
 * negotiation (K-18), disputes and arbitration (K-15, K-23, D-05), and the review window
 * (K-14), each at its boundaries. The order machine's tests show them at work in an order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as cancellation from '../../workflows/lib/engagement/cancellation.js';
import * as disputes from '../../workflows/lib/engagement/dispute.js';
import { autoAcceptAt, reviewReminderAt } from '../../workflows/lib/engagement/review.js';
import { DAY, HOUR } from '../../workflows/lib/time.js';

const monday = '2026-11-30T10:00:00.000Z';
const ms = (iso: string) => Date.parse(iso);

describe('cancellation by negotiation', () => {
  const request = cancellation.requestCancellation('seller', 'too_busy', undefined, false, monday);

  it('records who asked, why, with no comment when none was given, and when', () => {
    assert.deepEqual(request, { by: 'seller', reason: 'too_busy', comment: null, sufficient: false, at: monday });
  });

  it('goes through when its answer period ends (K-18: 2 days)', () => {
    assert.equal(cancellation.answerDueAt(request, 2 * DAY), ms(monday) + 2 * DAY);
    assert.equal(cancellation.answerDueIso(request, 2 * DAY), '2026-12-02T10:00:00.000Z');
  });

  it('is answered by the other party and withdrawn only by who asked', () => {
    assert.equal(cancellation.answerer(request), 'buyer');
    assert.equal(cancellation.mayAnswer('buyer', request), true);
    assert.equal(cancellation.mayAnswer('seller', request), false);
    assert.equal(cancellation.mayWithdraw('seller', request), true);
    assert.equal(cancellation.mayWithdraw('buyer', request), false);
  });

  it('leaves it to the state to refuse an answer when no request is open', () => {
    assert.equal(cancellation.mayAnswer('buyer', null), true);
    assert.equal(cancellation.mayWithdraw('seller', null), true);
  });
});

describe('disputes and arbitration', () => {
  const rules = { disputeAnswerMs: 2 * DAY, arbitrationBusinessDays: 5 };
  const opened = disputes.openDispute('buyer', 'Half of it is missing.', monday);

  it('waits for the other party’s statement first, for the answer period', () => {
    assert.equal(disputes.respondent(opened), 'seller');
    assert.deepEqual(disputes.disputeDeadline(opened, rules), { kind: 'dispute_answer', at: ms(monday) + 2 * DAY, party: 'seller' });
  });

  it('once ready, gives the arbiter 5 business days (Mon–Fri, UTC): ready on a Thursday, due the next Thursday', () => {
    const thursday = '2026-12-03T09:00:00.000Z';
    const ready = disputes.answered(opened, 'Half of it is done.', thursday);
    assert.equal(ready.readyAt, thursday);
    assert.deepEqual(disputes.disputeDeadline(ready, rules), { kind: 'arbitration_decision', at: ms('2026-12-10T09:00:00.000Z') });
  });

  it('has no deadline once admins were alerted: a person decides', () => {
    const alerted = disputes.overdueAlerted(disputes.readyUnanswered(opened, monday), monday);
    assert.equal(disputes.disputeDeadline(alerted, rules), null);
  });

  it('lets only the arbiter who took the case (or an admin) decide, once it is ready', () => {
    assert.equal(disputes.decisionRefusal(opened, { userId: 7, isAdmin: false }), 'take the case first');
    const taken = disputes.taken(opened, 7, monday);
    assert.equal(disputes.decisionRefusal(taken, { userId: 7, isAdmin: false }), 'the other party may still answer');
    const ready = disputes.readyUnanswered(taken, monday);
    assert.equal(disputes.decisionRefusal(ready, { userId: 7, isAdmin: false }), null);
    assert.equal(disputes.decisionRefusal(ready, { userId: 8, isAdmin: false }), 'another arbiter has the case');
    assert.equal(disputes.decisionRefusal(ready, { userId: 8, isAdmin: true }), null);
  });

  it('splits leaving each side at least a cent, and returns to work for 1 to the maximum of days', () => {
    const terms = (decision: disputes.ArbitrationDecision) => disputes.decisionTermsRefusal(decision, 1_000, 30);
    assert.equal(terms({ kind: 'split', sellerAmountCents: 1 }), null);
    assert.equal(terms({ kind: 'split', sellerAmountCents: 999 }), null);
    assert.match(terms({ kind: 'split', sellerAmountCents: 0 }) ?? '', /1 to 999/);
    assert.match(terms({ kind: 'split', sellerAmountCents: 1_000 }) ?? '', /1 to 999/);
    assert.equal(terms({ kind: 'return_to_work', days: 1 }), null);
    assert.equal(terms({ kind: 'return_to_work', days: 30 }), null);
    assert.match(terms({ kind: 'return_to_work', days: 31 }) ?? '', /1 to 30/);
    assert.equal(terms({ kind: 'refund_buyer' }), null);
    assert.match(disputes.decisionTermsRefusal(undefined, 1_000, 30) ?? '', /decision.kind/);
  });
});

describe('the review window', () => {
  const rules = { reviewMs: 3 * DAY, reviewReminderBeforeMs: 24 * HOUR };

  it('accepts a delivery automatically when the review period ends (K-14: 3 days)', () => {
    assert.equal(autoAcceptAt(monday, rules), ms(monday) + 3 * DAY);
  });

  it('reminds the buyer a day before, once', () => {
    assert.equal(reviewReminderAt(monday, null, rules), ms(monday) + 2 * DAY);
    assert.equal(reviewReminderAt(monday, '2026-12-02T10:00:00.000Z', rules), null);
  });
});
