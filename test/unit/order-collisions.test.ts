/**
 * The order rules' collisions between a pending request and a timer, as decided in issue 13
 * (order policy 3; orders placed under policy 2 keep racing, as they began):
 * - a cancellation request stops the start window (K-08) and the review window (K-14) while it
 *   waits; it is resolved by its own rule (K-18, K-19), and the time it waited is given back;
 * - the view's next deadline is the next one with an outcome, reminders are listed apart;
 * - an arbitration split ends as `split`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, HOUR, MINUTE } from '../../workflows/lib/time.js';
import * as machine from '../../workflows/order/machine.js';
import type { ActArgs, OrderAction, OrderPolicy } from '../../workflows/order/messages.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import { PLACED_AT, sampleOrderInput } from '../support/order-input.js';

const after = (ms: number) => new Date(Date.parse(PLACED_AT) + ms).toISOString();

/** Policy 2 as orders placed before issue 13 carry it: no collision rules. */
const policy2: OrderPolicy = (({ cancellationPausesWindows: _a, splitStatus: _b, decisiveSearchDeadline: _c, ...rest }) => ({ ...rest, version: 2 }))(orderPolicy());

const buyer = { role: 'buyer', userId: 1 } as const;
const seller = { role: 'seller', userId: 2 } as const;
const arbiter: ActArgs['actor'] = { role: 'staff', userId: 7, staffRoles: ['arbiter'] };

function run(state: machine.OrderState, actor: ActArgs['actor'], action: OrderAction, now: string): machine.OrderState {
  machine.assertCanAct(state, { actor, action }, now);
  return machine.act(state, { actor, action }, now).state;
}

/** Applies every deadline due by `now`, as the workflow's timer does; returns the state and what fired. */
function until(state: machine.OrderState, now: string): { state: machine.OrderState; fired: string[] } {
  const fired: string[] = [];
  for (let next = machine.nextDeadline(state); next && Date.parse(next.at) <= Date.parse(now); next = machine.nextDeadline(state)) {
    const t = machine.onDeadline(state, next, next.at);
    fired.push(next.kind);
    state = t.state;
    if (t.effects.violation) fired.push(`violation:${t.effects.violation}`);
  }
  return { state, fired };
}

const kinds = (state: machine.OrderState) => machine.deadlinesOf(state).map((d) => d.kind);

describe('the start window and a cancellation request (K-08, K-18, K-19)', () => {
  const placed = machine.initialState(sampleOrderInput(orderPolicy()));
  const asked = run(placed, seller, { type: 'request_cancellation', reason: 'cannot_do_task' }, after(23 * HOUR));

  it('stops the 24 h start window while the seller’s sufficient request waits: no start deadline pending', () => {
    assert.equal(asked.cancellation?.sufficient, true);
    assert.ok(!kinds(asked).includes('start'), kinds(asked).join());
    assert.equal(machine.nextOutcome(asked)?.kind, 'cancellation_answer');
  });

  it('resolves the request by its own rule: unanswered for 2 days, cancelled with its reason, no ignored-order violation', () => {
    const { state, fired } = until(asked, after(23 * HOUR + 2 * DAY));
    assert.deepEqual(fired, ['cancellation_answer']);
    assert.deepEqual([state.status, state.closure?.reason, state.closure?.feedbackAllowed], ['cancelled', 'cannot_do_task', false]);
  });

  it('gives the waiting time back when the buyer declines: the start deadline moves by exactly that long', () => {
    const declined = run(asked, buyer, { type: 'decline_cancellation' }, after(25 * HOUR));
    const start = machine.deadlinesOf(declined).find((d) => d.kind === 'start');
    assert.equal(start?.at, after(24 * HOUR + 2 * HOUR));
    // One minute before, the seller may still start; one minute after, the order is ignored.
    assert.equal(run(declined, seller, { type: 'start_work' }, after(26 * HOUR - MINUTE)).status, 'in_progress');
    const { state, fired } = until(declined, after(26 * HOUR + MINUTE));
    assert.deepEqual(fired, ['start', 'violation:ignored_order']);
    assert.equal(state.closure?.reason, 'seller_ignored');
  });

  it('gives the time back when the seller withdraws the request too', () => {
    const withdrawn = run(asked, seller, { type: 'withdraw_cancellation' }, after(23 * HOUR + 30 * MINUTE));
    assert.equal(machine.deadlinesOf(withdrawn).find((d) => d.kind === 'start')?.at, after(24 * HOUR + 30 * MINUTE));
  });

  it('keeps racing in an order placed under policy 2: the start window closes first and the seller is ignored', () => {
    const old = run(machine.initialState(sampleOrderInput(policy2)), seller, { type: 'request_cancellation', reason: 'cannot_do_task' }, after(23 * HOUR));
    const { fired } = until(old, after(24 * HOUR));
    assert.deepEqual(fired, ['start', 'violation:ignored_order']);
  });
});

describe('the review window and a buyer’s request (K-14, K-18)', () => {
  const started = run(machine.initialState(sampleOrderInput(orderPolicy())), seller, { type: 'start_work' }, after(HOUR));
  const deliveredAt = 2 * DAY;
  const delivered = run(started, seller, { type: 'deliver', text: 'The logo', links: [] }, after(deliveredAt));

  it('shows auto-accept as the next deadline, the review reminder apart', () => {
    const view = machine.viewOf(delivered, 'buyer', after(deliveredAt));
    assert.equal(view.nextDeadline?.kind, 'review');
    assert.equal(view.nextDeadline?.at, after(deliveredAt + 3 * DAY));
    assert.deepEqual(view.reminders.map((r) => [r.kind, r.at]), [['review_reminder', after(deliveredAt + 2 * DAY)]]);
    assert.ok(view.deadlines.every((d) => !machine.isReminder(d)));
  });

  const asked = run(delivered, buyer, { type: 'request_cancellation', reason: 'quality_not_as_expected' }, after(deliveredAt + 2.5 * DAY));

  it('never lets auto-accept overtake the buyer’s request: the review stands still while it waits', () => {
    assert.ok(!kinds(asked).includes('review') && !kinds(asked).includes('review_reminder'), kinds(asked).join());
    const { state, fired } = until(asked, after(deliveredAt + 2.5 * DAY + 2 * DAY));
    assert.deepEqual(fired, ['cancellation_answer']);
    assert.deepEqual([state.status, state.closure?.reason], ['cancelled', 'quality_not_as_expected']);
  });

  it('gives the review its remaining time once the request is withdrawn', () => {
    const withdrawn = run(asked, buyer, { type: 'withdraw_cancellation' }, after(deliveredAt + 3.5 * DAY));
    assert.equal(machine.deadlinesOf(withdrawn).find((d) => d.kind === 'review')?.at, after(deliveredAt + 4 * DAY));
    const { state, fired } = until(withdrawn, after(deliveredAt + 4 * DAY));
    assert.deepEqual(fired, ['review_reminder', 'review']);
    assert.equal(state.closure?.reason, 'auto_accepted');
  });

  it('starts a new review window, with nothing paused, at the next delivery', () => {
    const seller2 = run(asked, seller, { type: 'decline_cancellation' }, after(deliveredAt + 3 * DAY));
    const revised = run(seller2, buyer, { type: 'request_revision', reason: 'Bolder' }, after(deliveredAt + 3 * DAY + HOUR));
    const again = run(revised, seller, { type: 'deliver', text: 'Bolder logo', links: [] }, after(deliveredAt + 4 * DAY));
    assert.equal(machine.deadlinesOf(again).find((d) => d.kind === 'review')?.at, after(deliveredAt + 7 * DAY));
  });
});

describe('an arbitration split', () => {
  function splitUnder(policy: OrderPolicy) {
    let state = run(machine.initialState(sampleOrderInput(policy)), seller, { type: 'start_work' }, after(HOUR));
    state = run(state, buyer, { type: 'request_cancellation', reason: 'seller_unresponsive' }, after(2 * HOUR));
    state = run(state, seller, { type: 'decline_cancellation' }, after(3 * HOUR));
    state = run(state, buyer, { type: 'open_dispute', statement: 'Half missing' }, after(4 * HOUR));
    state = run(state, seller, { type: 'answer_dispute', statement: 'Half done' }, after(5 * HOUR));
    state = run(state, arbiter, { type: 'take_case' }, after(6 * HOUR));
    return run(state, arbiter, { type: 'decide_dispute', decision: { kind: 'split', sellerAmountCents: 500 }, comment: 'Half each' }, after(7 * HOUR));
  }

  it('ends as split, a final status that says so, with the buyer’s say on it', () => {
    const state = splitUnder(orderPolicy());
    assert.equal(state.status, 'split');
    assert.ok(machine.isFinal(state.status));
    assert.deepEqual([state.closure?.kind, state.closure?.feedbackAllowed, state.closure?.toSellerCents, state.closure?.refundedCents], ['split', true, 400, 500]);
  });

  it('ends as cancelled in an order placed under policy 2', () => {
    assert.equal(splitUnder(policy2).status, 'cancelled');
  });
});
