/**
 * The order machine under seeded random interleavings of every party's actions (valid or not)
 * and of time passing, checked after every step against the rules that must always hold:
 * money leaves the escrow once, in full (the closure's parts add up to the total); exactly one
 * terminal outcome, after which nothing changes; a violation only when the seller really
 * ignored the order; the next deadline is the earliest one with an outcome, never a reminder;
 * a waiting cancellation request is never overtaken by the start or review window (policy 3);
 * the actions the view offers are the ones the validator takes (payload aside).
 * `GIGFLOW_SEED` replays a failure; `GIGFLOW_MODEL_RUNS` runs more.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { DAY, HOUR, MINUTE } from '../../workflows/lib/time.js';
import * as machine from '../../workflows/order/machine.js';
import { cancellationReasons, type ActionType, type Actor, type OrderAction } from '../../workflows/order/messages.js';
import { PLACED_AT, sampleOrderInput } from '../support/order-input.js';
import { checkProperty } from '../support/seed.js';

const RUNS = Number(process.env.GIGFLOW_MODEL_RUNS ?? 400);
const input = sampleOrderInput();

const actors: Record<'buyer' | 'seller' | 'arbiter' | 'admin', Actor> = {
  buyer: { role: 'buyer', userId: 1 },
  seller: { role: 'seller', userId: 2 },
  arbiter: { role: 'staff', userId: 7, staffRoles: ['arbiter'] },
  admin: { role: 'staff', userId: 8, staffRoles: ['admin'] },
};

const reason = fc.constantFrom(...cancellationReasons.buyer, ...cancellationReasons.seller);
const text = fc.constantFrom('The logo', 'Colours?', 'x'.repeat(2_001), '');
const action: fc.Arbitrary<OrderAction> = fc.oneof(
  fc.constantFrom<OrderAction>(
    { type: 'start_work' },
    { type: 'accept' },
    { type: 'cancel' },
    { type: 'accept_cancellation' },
    { type: 'decline_cancellation' },
    { type: 'withdraw_cancellation' },
    { type: 'take_case' },
  ),
  fc.record({ type: fc.constant('submit_requirements' as const), text }),
  fc.record({ type: fc.constant('ask_buyer' as const), question: text }),
  fc.record({ type: fc.constant('report_progress' as const), percent: fc.constantFrom(10, 50, 55), comment: text }),
  fc.record({ type: fc.constant('deliver' as const), text, links: fc.constant<string[]>([]) }),
  fc.record({ type: fc.constant('request_revision' as const), reason: text }),
  fc.record({ type: fc.constant('request_cancellation' as const), reason }),
  fc.record({ type: fc.constant('open_dispute' as const), statement: text }),
  fc.record({ type: fc.constant('answer_dispute' as const), statement: text }),
  fc.record({
    type: fc.constant('decide_dispute' as const),
    decision: fc.oneof(
      fc.constant({ kind: 'refund_buyer' as const }),
      fc.constant({ kind: 'pay_seller' as const }),
      fc.record({ kind: fc.constant('split' as const), sellerAmountCents: fc.constantFrom(1, 500, 999, 1_000) }),
      fc.record({ kind: fc.constant('return_to_work' as const), days: fc.constantFrom(1, 30, 31) }),
    ),
    comment: text,
  }),
  fc.record({ type: fc.constant('admin_cancel' as const), reason: text }),
);

type Command = { kind: 'act'; by: keyof typeof actors; action: OrderAction } | { kind: 'wait'; ms: number };

/** Waits around every boundary the rules have: minutes, the 20 min, a day, 2 and 3 days, 14 days. */
const wait = fc.constantFrom(MINUTE, 19 * MINUTE, 21 * MINUTE, 23 * HOUR, 25 * HOUR, 2 * DAY + MINUTE, 3 * DAY, 6 * DAY, 15 * DAY).map((ms): Command => ({ kind: 'wait', ms }));
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('act' as const), by: fc.constantFrom('buyer' as const, 'seller' as const, 'arbiter' as const, 'admin' as const), action }), weight: 4 },
  { arbitrary: wait, weight: 1 },
);

/** What the workflow does as time passes: every deadline due by `now`, in order, at its time. */
function advance(state: machine.OrderState, now: string, seen: machine.Effects[]): machine.OrderState {
  for (let next = machine.nextDeadline(state); next && Date.parse(next.at) <= Date.parse(now); next = machine.nextDeadline(state)) {
    const t = machine.onDeadline(state, next, next.at);
    seen.push(t.effects);
    state = t.state;
  }
  return state;
}

/** The rules that hold after every step. */
function checkInvariants(state: machine.OrderState, seen: machine.Effects[], now: string): void {
  const moves = seen.filter((e) => e.money !== null);
  const final = machine.isFinal(state.status);
  assert.equal(moves.length, final ? 1 : 0, 'the escrow ends once, and only at the end');
  assert.equal(state.closure !== null, final, 'a closure exactly when final');
  if (state.closure) {
    const c = state.closure;
    assert.equal(c.toSellerCents + c.commissionCents + c.refundedCents, input.totalCents, 'the closure accounts for every cent');
    assert.ok(c.toSellerCents >= 0 && c.commissionCents >= 0 && c.refundedCents >= 0, 'no negative part');
    assert.deepEqual(machine.deadlinesOf(state), [], 'nothing pending once over');
  }
  const violations = seen.filter((e) => e.violation !== null);
  assert.equal(violations.length, state.closure?.reason === 'seller_ignored' ? 1 : 0, 'a violation exactly when the seller ignored the order');
  if (violations.length) assert.equal(state.workStartedAt, null, 'ignored means never started');
  assert.deepEqual(seen.map((e) => e.seq), seen.map((_, i) => i + 1), 'one event number per transition, in order');
  const view = machine.viewOf(state, 'buyer', now);
  const outcomes = machine.deadlinesOf(state).filter((d) => !machine.isReminder(d));
  assert.deepEqual(view.nextDeadline, outcomes[0] ?? null, 'the next deadline is the earliest with an outcome');
  assert.ok(view.deadlines.every((d) => !machine.isReminder(d)) && view.reminders.every(machine.isReminder), 'reminders apart');
  if (state.cancellation) {
    const kinds = machine.deadlinesOf(state).map((d) => d.kind);
    assert.ok(!kinds.includes('start') && !kinds.includes('review'), `a waiting request stops the windows: ${kinds.join()}`);
  }
  for (const who of ['buyer', 'seller'] as const) {
    for (const type of machine.allowedActions(state, who, now)) {
      const refusal = machine.refusalOf(state, { actor: actors[who], action: { type } as OrderAction }, now);
      assert.ok(refusal === null || refusal.code === 'invalid_input', `${who} is offered ${type} but refused: ${refusal?.message}`);
    }
  }
}

it(`keeps the order's rules under ${RUNS} random sequences of actions and waits`, async (t) => {
  const endings = new Map<string, number>();
  await checkProperty(
    fc.property(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) => {
      let state = machine.initialState(input);
      let now = PLACED_AT;
      const seen: machine.Effects[] = [];
      for (const cmd of commands) {
        const wasFinal = machine.isFinal(state.status);
        const before = state;
        if (cmd.kind === 'wait') {
          now = new Date(Date.parse(now) + cmd.ms).toISOString();
          state = advance(state, now, seen);
        } else {
          // The workflow applies what is due before an action is validated after it.
          state = advance(state, now, seen);
          const args = { actor: actors[cmd.by], action: cmd.action };
          if (machine.refusalOf(state, args, now) === null) {
            const t = machine.act(state, args, now);
            seen.push(t.effects);
            state = t.state;
          }
        }
        if (wasFinal) assert.equal(state, before, 'nothing changes an order that is over');
        checkInvariants(state, seen, now);
      }
      const ending = state.closure ? `${state.status}:${state.closure.reason}` : state.status;
      endings.set(ending, (endings.get(ending) ?? 0) + 1);
    }),
    { numRuns: RUNS, file: import.meta.filename },
  );
  t.diagnostic(`endings: ${JSON.stringify(Object.fromEntries([...endings].sort()))}`);
});

// The generator reaches every action type (by construction: each is a branch of `action`).
const _everyType: Record<ActionType, true> = {
  start_work: true, submit_requirements: true, ask_buyer: true, report_progress: true, deliver: true, accept: true,
  request_revision: true, cancel: true, request_cancellation: true, accept_cancellation: true, decline_cancellation: true,
  withdraw_cancellation: true, open_dispute: true, answer_dispute: true, take_case: true, decide_dispute: true, admin_cancel: true,
};
void _everyType;
