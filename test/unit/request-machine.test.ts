/**
 * The service request's rules (K-44), state × event, as pure functions: which Update each
 * state allows and why not, the timer starting at the approval, and what each transition writes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR } from '../../workflows/lib/time.js';
import * as machine from '../../workflows/request/machine.js';
import type { AnswerArgs, RequestInput } from '../../workflows/request/messages.js';
import { requestPolicy } from '../../workflows/request/policy.js';

const T0 = '2026-11-02T10:00:00.000Z';
const input: RequestInput = { requestId: 7, buyerId: 1, categoryId: 11, title: 'A logo', budgetCents: 5_000, postedAt: T0, policy: requestPolicy({ maxAnswers: 3, maxPicks: 2 }) };
const offer = (sellerId: number): AnswerArgs => ({ sellerId, kind: 'offer', offerId: 100 + sellerId, offerTitle: `Offer of ${sellerId}`, priceCents: 1_000, comment: null });
const posted = () => machine.initialState(input);
const approved = () => machine.moderate(posted(), { staffId: 9, decision: 'approve' }, '2026-11-03T10:00:00.000Z').state;
const codeOf = (r: machine.Refusal | null) => r?.code ?? null;

describe('the request machine', () => {
  it('starts the 24 h at the approval, announces it once, and has no deadline before or after', () => {
    assert.equal(machine.nextDeadline(posted()), null);
    const t = machine.moderate(posted(), { staffId: 9, decision: 'approve' }, '2026-11-03T10:00:00.000Z');
    assert.equal(machine.nextDeadline(t.state)?.at, new Date(Date.parse('2026-11-03T10:00:00.000Z') + 24 * HOUR).toISOString());
    assert.deepEqual([t.effects?.announce, t.effects?.seq, t.effects?.notices[0]?.kind], [true, 1, 'request_approved']);
    assert.equal(machine.nextDeadline(machine.close(t.state, T0).state), null);
    assert.equal(machine.nextDeadline(machine.beginPick(t.state)), null, 'the pick decides first');
  });

  it('moderates only once, and a rejection needs a reason', () => {
    assert.equal(codeOf(machine.moderateRefusal(posted(), { staffId: 9, decision: 'reject', reason: ' ' })), 'invalid_input');
    assert.equal(codeOf(machine.moderateRefusal(approved(), { staffId: 9, decision: 'approve' })), 'conflict');
    // Nobody judges their own case (version 2): the buyer, a moderator too, leaves it to another; requests posted before keep their rules.
    assert.equal(codeOf(machine.moderateRefusal(posted(), { staffId: input.buyerId, decision: 'approve' })), 'forbidden');
    const before = { ...posted(), policy: { ...posted().policy, version: 1, partiesDoNotJudge: undefined } };
    assert.equal(codeOf(machine.moderateRefusal(before, { staffId: input.buyerId, decision: 'approve' })), null);
    const rejected = machine.moderate(posted(), { staffId: 9, decision: 'reject', reason: ' Not a service ' }, T0);
    assert.deepEqual([rejected.state.status, rejected.state.statusReason, rejected.effects?.announce], ['rejected', 'Not a service', false]);
  });

  it('takes answers only while active: never the buyer’s, one active answer per seller, up to the cap', () => {
    assert.equal(codeOf(machine.answerRefusal(posted(), offer(2))), 'conflict');
    assert.equal(codeOf(machine.answerRefusal(approved(), offer(1))), 'rule_violation');
    assert.equal(codeOf(machine.answerRefusal(approved(), { ...offer(2), kind: 'individual_offer' as 'offer' })), 'invalid_input');
    let s = machine.answer(approved(), offer(2), T0).state;
    assert.equal(codeOf(machine.answerRefusal(s, offer(2))), 'conflict');
    s = machine.withdrawAnswer(s, { sellerId: 2, answerId: 1 }).state;
    assert.equal(codeOf(machine.answerRefusal(s, offer(2))), null, 'withdrawn: free to answer again');
    s = machine.answer(machine.answer(s, offer(2), T0).state, offer(3), T0).state;
    assert.equal(codeOf(machine.answerRefusal(s, offer(4))), 'conflict', 'the cap counts withdrawn answers');
  });

  it('lets a seller withdraw only their own active answer (another’s is unknown to them)', () => {
    const s = machine.answer(approved(), offer(2), T0).state;
    assert.equal(codeOf(machine.withdrawAnswerRefusal(s, { sellerId: 3, answerId: 1 })), 'not_found');
    assert.equal(codeOf(machine.withdrawAnswerRefusal(s, { sellerId: 2, answerId: 1 })), null);
    const withdrawn = machine.withdrawAnswer(s, { sellerId: 2, answerId: 1 }).state;
    assert.equal(codeOf(machine.withdrawAnswerRefusal(withdrawn, { sellerId: 2, answerId: 1 })), 'conflict');
  });

  it('picks distinct active answers of the buyer’s own active request, within the cap; a pick in progress refuses everything else', () => {
    const s = machine.answer(machine.answer(approved(), offer(2), T0).state, offer(3), T0).state;
    assert.equal(codeOf(machine.pickRefusal(s, { buyerId: 5, answerIds: [1] })), 'not_found');
    assert.equal(codeOf(machine.pickRefusal(s, { buyerId: 1, answerIds: [] })), 'invalid_input');
    assert.equal(codeOf(machine.pickRefusal(s, { buyerId: 1, answerIds: [1, 1] })), 'invalid_input');
    assert.equal(codeOf(machine.pickRefusal(s, { buyerId: 1, answerIds: [1, 2, 3] })), 'invalid_input');
    assert.equal(codeOf(machine.pickRefusal(s, { buyerId: 1, answerIds: [9] })), 'not_found');
    assert.equal(codeOf(machine.pickRefusal(s, { buyerId: 1, answerIds: [1, 2] })), null);
    const picking = machine.beginPick(s);
    assert.equal(codeOf(machine.pickRefusal(picking, { buyerId: 1, answerIds: [1] })), 'conflict');
    assert.equal(codeOf(machine.closeRefusal(picking, { buyerId: 1 })), 'conflict');
    assert.equal(codeOf(machine.answerRefusal(picking, offer(4))), 'conflict');
    assert.deepEqual(machine.pickFailed(picking), s, 'a refused placement leaves the request as it was');
    const picked = machine.picked(picking, { orders: [{ answerId: 1, orderId: 50 }] }, T0).state;
    assert.deepEqual([picked.status, picked.answers.map((a) => [a.status, a.orderId])], ['picked', [['picked', 50], ['active', null]]]);
    assert.ok(machine.isFinal(picked));
  });

  it('expires with the buyer told, and a closed or expired request takes nothing more', () => {
    const expired = machine.expire(approved(), T0);
    assert.deepEqual([expired.state.status, expired.effects?.notices.map((n) => n.kind)], ['expired', ['request_expired']]);
    assert.equal(codeOf(machine.closeRefusal(expired.state, { buyerId: 1 })), 'conflict');
    assert.equal(codeOf(machine.closeRefusal(posted(), { buyerId: 1 })), null, 'awaiting moderation: the buyer may close it');
    assert.equal(codeOf(machine.closeRefusal(posted(), { buyerId: 2 })), 'not_found');
  });
});
