import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { addBusinessDays, DAY, HOUR, MINUTE } from '../../workflows/lib/time.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import * as machine from '../../workflows/order/machine.js';
import type { ActionType, Actor, CancellationReason, OrderAction, OrderInput, PendingDeadline, Role } from '../../workflows/order/messages.js';

type State = machine.OrderState;

/** Placed on Monday 2 November 2026, 10:00 UTC: a $10 kwork, 3 days' work, no requirements yet. */
const placedAt = '2026-11-02T10:00:00.000Z';
const input: OrderInput = {
  orderId: 101,
  buyer: { id: 1, login: 'bea' },
  seller: { id: 2, login: 'sam' },
  offer: {
    offerId: 9,
    title: 'Logo design',
    categoryId: 11,
    basePriceCents: 1_000,
    baseLeadTimeDays: 3,
    instructions: 'The brand name and two colours',
    unitVolume: 'one logo',
  },
  line: { kind: 'basic', units: 1, options: [] },
  totalCents: 1_000,
  leadTimeMs: 3 * DAY,
  placedAt,
  requirements: null,
  policy: orderPolicy(),
};

/** The instant `ms` after placement, as the machine's ISO strings. */
const after = (ms: number) => new Date(Date.parse(placedAt) + ms).toISOString();
const iso = (text: string) => new Date(text).toISOString();

const buyer: Actor = { role: 'buyer', userId: 1 };
const seller: Actor = { role: 'seller', userId: 2 };
const arbiter: Actor = { role: 'staff', userId: 50, staffRoles: ['arbiter'] };
const otherArbiter: Actor = { role: 'staff', userId: 51, staffRoles: ['arbiter'] };
const admin: Actor = { role: 'staff', userId: 60, staffRoles: ['admin'] };
const support: Actor = { role: 'staff', userId: 70, staffRoles: ['support'] };
const moderator: Actor = { role: 'staff', userId: 80, staffRoles: ['moderator'] };
const actors = { buyer, seller, arbiter, admin, support, moderator };
const parties: Actor[] = [buyer, seller];

/** A well-formed action of every type (a request's reason fits the actor). */
function sample(type: ActionType, actor: Actor): OrderAction {
  switch (type) {
    case 'start_work':
    case 'accept':
    case 'cancel':
    case 'accept_cancellation':
    case 'decline_cancellation':
    case 'withdraw_cancellation':
    case 'take_case':
      return { type };
    case 'submit_requirements':
      return { type, text: 'Brand: Acme; colours: teal and sand' };
    case 'ask_buyer':
      return { type, question: 'Do you have a vector version of the old logo?' };
    case 'report_progress':
      return { type, percent: 50, comment: 'Three sketches done' };
    case 'deliver':
      return { type, text: 'Here are the files', links: ['https://files.example.com/logo.zip'] };
    case 'request_revision':
      return { type, reason: 'The teal is too dark' };
    case 'request_cancellation':
      return { type, reason: actor.role === 'buyer' ? 'no_longer_needed' : 'cannot_do_task' };
    case 'open_dispute':
      return { type, statement: 'The delivery is not what was ordered' };
    case 'answer_dispute':
      return { type, statement: 'The delivery follows the requirements' };
    case 'decide_dispute':
      return { type, decision: { kind: 'refund_buyer' }, comment: 'Not as ordered' };
    case 'admin_cancel':
      return { type, reason: 'Prohibited content' };
  }
}

const actionTypes: ActionType[] = [
  'start_work',
  'submit_requirements',
  'ask_buyer',
  'report_progress',
  'deliver',
  'accept',
  'request_revision',
  'cancel',
  'request_cancellation',
  'accept_cancellation',
  'decline_cancellation',
  'withdraw_cancellation',
  'open_dispute',
  'answer_dispute',
  'take_case',
  'decide_dispute',
  'admin_cancel',
];

/** The refusal's code, or null when the action is allowed. */
const codeOf = (state: State, actor: Actor, action: OrderAction, now: string) => machine.refusalOf(state, { actor, action }, now)?.code ?? null;

/** Applies an action the machine must allow. */
function run(state: State, actor: Actor, action: OrderAction, now: string): machine.Transition {
  const refusal = machine.refusalOf(state, { actor, action }, now);
  assert.equal(refusal, null, `${action.type} by ${actor.role} at ${now} was refused: ${refusal?.message}`);
  return machine.act(state, { actor, action }, now);
}
const actOn = (state: State, actor: Actor, type: ActionType, now: string) => run(state, actor, sample(type, actor), now).state;

/** The pending deadline of `kind`, which must exist. */
function deadline(state: State, kind: PendingDeadline['kind']): PendingDeadline {
  const found = machine.deadlinesOf(state).find((d) => d.kind === kind);
  assert.ok(found, `no ${kind} deadline in ${JSON.stringify(machine.deadlinesOf(state))}`);
  return found;
}
/** What a deadline does when nobody acted, applied at its time. */
const lapse = (state: State, kind: PendingDeadline['kind'], lateByMs = 0) => {
  const d = deadline(state, kind);
  return machine.onDeadline(state, d, new Date(Date.parse(d.at) + lateByMs).toISOString());
};

// ─── every status, as the machine reaches it ───
const awaiting = machine.initialState(input);
const awaitingWithRequirements = machine.initialState({ ...input, requirements: 'Brand: Acme' });
const inProgress = actOn(awaiting, seller, 'start_work', after(HOUR)); // due placed + 1 h + 3 days
const late = lapse(inProgress, 'work_deadline').state;
const inReview = actOn(inProgress, seller, 'deliver', after(DAY));
const cancellationOpen = run(inProgress, seller, { type: 'request_cancellation', reason: 'too_busy' }, after(3 * HOUR)).state;
const cancellationDeclined = actOn(cancellationOpen, buyer, 'decline_cancellation', after(5 * HOUR));
const disputeOpen = actOn(inReview, buyer, 'open_dispute', after(DAY + HOUR));
const disputeReady = actOn(disputeOpen, seller, 'answer_dispute', after(DAY + 2 * HOUR));
const caseTaken = actOn(disputeReady, arbiter, 'take_case', after(DAY + 3 * HOUR));
const completed = actOn(inReview, buyer, 'accept', after(DAY + HOUR));
const cancelled = actOn(awaiting, buyer, 'cancel', after(5 * MINUTE));
const voided = machine.voided(awaiting, after(1_000));

interface Case {
  name: string;
  state: State;
  now: string;
  /** What each side may send now (the owner of the action type only). */
  allowed: { buyer: ActionType[]; seller: ActionType[]; staff: ActionType[] };
}

const none = { buyer: [], seller: [], staff: [] };
const cases: Case[] = [
  {
    name: 'awaiting start, within the 20-minute free-cancel window',
    state: awaiting,
    now: after(10 * MINUTE),
    allowed: { buyer: ['submit_requirements', 'cancel', 'request_cancellation'], seller: ['start_work', 'ask_buyer', 'request_cancellation'], staff: ['admin_cancel'] },
  },
  {
    name: 'awaiting start, after the free-cancel window',
    state: awaiting,
    now: after(HOUR),
    allowed: { buyer: ['submit_requirements', 'request_cancellation'], seller: ['start_work', 'ask_buyer', 'request_cancellation'], staff: ['admin_cancel'] },
  },
  {
    name: 'in progress',
    state: inProgress,
    now: after(2 * HOUR),
    allowed: {
      buyer: ['submit_requirements', 'request_cancellation'],
      seller: ['ask_buyer', 'report_progress', 'deliver', 'request_cancellation'],
      staff: ['admin_cancel'],
    },
  },
  {
    name: 'late',
    state: late,
    now: after(4 * DAY),
    allowed: {
      buyer: ['submit_requirements', 'cancel', 'request_cancellation'],
      seller: ['ask_buyer', 'report_progress', 'deliver', 'request_cancellation'],
      staff: ['admin_cancel'],
    },
  },
  {
    name: 'in review',
    state: inReview,
    now: after(DAY + 30 * MINUTE),
    allowed: { buyer: ['accept', 'request_revision', 'request_cancellation', 'open_dispute'], seller: ['request_cancellation'], staff: ['admin_cancel'] },
  },
  {
    name: 'in progress with the seller’s cancellation request open',
    state: cancellationOpen,
    now: after(4 * HOUR),
    allowed: {
      buyer: ['submit_requirements', 'accept_cancellation', 'decline_cancellation'],
      seller: ['ask_buyer', 'report_progress', 'withdraw_cancellation'],
      staff: ['admin_cancel'],
    },
  },
  {
    name: 'in progress after a declined cancellation request',
    state: cancellationDeclined,
    now: after(6 * HOUR),
    allowed: {
      buyer: ['submit_requirements', 'request_cancellation', 'open_dispute'],
      seller: ['ask_buyer', 'report_progress', 'deliver', 'request_cancellation', 'open_dispute'],
      staff: ['admin_cancel'],
    },
  },
  {
    name: 'in arbitration, waiting for the seller’s statement',
    state: disputeOpen,
    now: after(DAY + 90 * MINUTE),
    allowed: { buyer: [], seller: ['answer_dispute'], staff: ['take_case', 'admin_cancel'] },
  },
  {
    name: 'in arbitration, ready for an arbiter',
    state: disputeReady,
    now: after(DAY + 150 * MINUTE),
    allowed: { buyer: [], seller: [], staff: ['take_case', 'admin_cancel'] },
  },
  {
    name: 'in arbitration, taken by an arbiter',
    state: caseTaken,
    now: after(DAY + 4 * HOUR),
    allowed: { buyer: [], seller: [], staff: ['decide_dispute', 'admin_cancel'] },
  },
  { name: 'completed', state: completed, now: after(2 * DAY), allowed: none },
  { name: 'cancelled', state: cancelled, now: after(HOUR), allowed: none },
  { name: 'void', state: voided, now: after(HOUR), allowed: none },
];

/**
 * Who owns an action type, whatever the state: the seller's work, the buyer's review, either
 * party's requests and disputes, the other party's answers, staff with the right role. Nobody
 * else may send it (403); its owner gets 409 when the state does not allow it.
 */
function owns(actor: Actor, type: ActionType, state: State): boolean {
  const party = actor.role !== 'staff';
  const staffWith = (...roles: string[]) => actor.role === 'staff' && roles.some((r) => actor.staffRoles.includes(r));
  switch (type) {
    case 'start_work':
    case 'ask_buyer':
    case 'report_progress':
    case 'deliver':
      return actor.role === 'seller';
    case 'submit_requirements':
    case 'accept':
    case 'request_revision':
    case 'cancel':
      return actor.role === 'buyer';
    case 'request_cancellation':
    case 'open_dispute':
      return party;
    case 'accept_cancellation':
    case 'decline_cancellation':
      return party && (state.cancellation === null || state.cancellation.by !== actor.role);
    case 'withdraw_cancellation':
      return party && (state.cancellation === null || state.cancellation.by === actor.role);
    case 'answer_dispute':
      return party && (state.dispute === null || state.dispute.openedBy !== actor.role);
    case 'take_case':
    case 'decide_dispute':
      return staffWith('arbiter', 'admin');
    case 'admin_cancel':
      return staffWith('admin', 'support');
  }
}

const sorted = (types: readonly string[]) => [...types].sort();

/** Runs `fn`, which must throw an ApplicationFailure; returns it. */
function failureOf(fn: () => void): ApplicationFailure {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal, but the action was allowed');
}

describe('the order machine', () => {
  describe('who may do what in each status', () => {
    for (const c of cases) {
      it(`${c.name}: the view offers each side exactly its allowed actions`, () => {
        assert.deepEqual(sorted(machine.allowedActions(c.state, 'buyer', c.now)), sorted(c.allowed.buyer), 'buyer');
        assert.deepEqual(sorted(machine.allowedActions(c.state, 'seller', c.now)), sorted(c.allowed.seller), 'seller');
        assert.deepEqual(sorted(machine.allowedActions(c.state, 'staff', c.now)), sorted(c.allowed.staff), 'staff');
      });

      it(`${c.name}: every action type answers 403 to a non-owner, 409 to its owner when not allowed, and passes when allowed`, () => {
        for (const [name, actor] of Object.entries(actors)) {
          const side = actor.role === 'staff' ? 'staff' : actor.role;
          for (const type of actionTypes) {
            const expected = !owns(actor, type, c.state) ? 'forbidden' : c.allowed[side].includes(type) ? null : 'conflict';
            assert.equal(codeOf(c.state, actor, sample(type, actor), c.now), expected, `${type} by ${name}`);
          }
        }
      });
    }

    it('refuses the wrong actor even on a closed order (403 before 409)', () => {
      assert.equal(codeOf(completed, buyer, { type: 'start_work' }, after(2 * DAY)), 'forbidden');
      assert.equal(codeOf(completed, seller, { type: 'start_work' }, after(2 * DAY)), 'conflict');
    });

    it('answers 409, not 403, to a party answering or withdrawing a cancellation request that does not exist', () => {
      for (const type of ['accept_cancellation', 'decline_cancellation', 'withdraw_cancellation'] as const) {
        for (const actor of parties) {
          const action: OrderAction = { type };
          const refusal = machine.refusalOf(inProgress, { actor, action }, after(2 * HOUR));
          assert.deepEqual(refusal, { code: 'conflict', message: 'there is no open cancellation request' }, `${type} by ${actor.role}`);
        }
      }
    });

    it('answers 409 to a party answering a dispute that does not exist, 403 to the party who opened one', () => {
      assert.deepEqual(machine.refusalOf(inReview, { actor: seller, action: sample('answer_dispute', seller) }, after(DAY + HOUR)), {
        code: 'conflict',
        message: 'there is no dispute',
      });
      assert.equal(codeOf(disputeOpen, buyer, sample('answer_dispute', buyer), after(DAY + 90 * MINUTE)), 'forbidden');
    });

    it('lets only the arbiter who took the case, or an admin, decide it', () => {
      const now = after(DAY + 4 * HOUR);
      const decide = sample('decide_dispute', arbiter);
      assert.equal(codeOf(caseTaken, arbiter, decide, now), null);
      assert.equal(codeOf(caseTaken, admin, decide, now), null);
      assert.deepEqual(machine.refusalOf(caseTaken, { actor: otherArbiter, action: decide }, now), { code: 'conflict', message: 'another arbiter has the case' });
      assert.deepEqual(machine.refusalOf(disputeReady, { actor: arbiter, action: decide }, now), { code: 'conflict', message: 'take the case first' });
      const takenEarly = actOn(disputeOpen, arbiter, 'take_case', after(DAY + 90 * MINUTE));
      assert.deepEqual(machine.refusalOf(takenEarly, { actor: arbiter, action: decide }, after(DAY + 100 * MINUTE)), {
        code: 'conflict',
        message: 'the other party may still answer',
      });
    });

    it('shows a staff viewer the decision as allowed once a case is taken (the API checks who sends it)', () => {
      assert.ok(machine.allowedActions(caseTaken, 'staff', after(DAY + 4 * HOUR)).includes('decide_dispute'));
    });

    it('refuses a second question while one waits for the buyer’s answer; the requirements answer it', () => {
      const asked = actOn(inProgress, seller, 'ask_buyer', after(2 * HOUR));
      assert.deepEqual(machine.refusalOf(asked, { actor: seller, action: sample('ask_buyer', seller) }, after(3 * HOUR)), {
        code: 'conflict',
        message: 'a question already waits for the buyer’s answer',
      });
      const answered = actOn(asked, buyer, 'submit_requirements', after(4 * HOUR));
      assert.equal(answered.question?.answeredAt, after(4 * HOUR));
      assert.equal(codeOf(answered, seller, sample('ask_buyer', seller), after(5 * HOUR)), null);
    });

    it('refuses a delivery while a cancellation request is open', () => {
      assert.deepEqual(machine.refusalOf(cancellationOpen, { actor: seller, action: sample('deliver', seller) }, after(4 * HOUR)), {
        code: 'conflict',
        message: 'answer the open cancellation request first',
      });
    });

    it('lets the buyer cancel alone until 20 minutes after placing the order, not at 20 minutes', () => {
      assert.equal(codeOf(awaiting, buyer, { type: 'cancel' }, after(20 * MINUTE - 1)), null);
      assert.deepEqual(machine.refusalOf(awaiting, { actor: buyer, action: { type: 'cancel' } }, after(20 * MINUTE)), {
        code: 'conflict',
        message: 'the buyer cancels alone only within 20 minutes of placing the order or once it is late',
      });
      // Work already started within the window does not take the right away.
      assert.equal(codeOf(actOn(awaiting, seller, 'start_work', after(MINUTE)), buyer, { type: 'cancel' }, after(19 * MINUTE)), null);
      // Nor is it a right once the work is delivered.
      const quick = actOn(actOn(awaiting, seller, 'start_work', after(MINUTE)), seller, 'deliver', after(2 * MINUTE));
      assert.equal(codeOf(quick, buyer, { type: 'cancel' }, after(3 * MINUTE)), 'conflict');
    });

    it('refuses an action as a 409 once a deadline that ends the parties’ turn has passed, even before its timer is applied', () => {
      const startDue = deadline(awaiting, 'start').at;
      assert.deepEqual(machine.refusalOf(awaiting, { actor: seller, action: { type: 'start_work' } }, startDue), {
        code: 'conflict',
        message: `too late: the start deadline has passed (cancel and refund the buyer at ${startDue})`,
      });
      assert.equal(codeOf(awaiting, seller, { type: 'start_work' }, after(DAY - MINUTE)), null);

      const reviewDue = Date.parse(deadline(inReview, 'review').at);
      assert.equal(codeOf(inReview, buyer, { type: 'accept' }, new Date(reviewDue - MINUTE).toISOString()), null);
      assert.equal(codeOf(inReview, buyer, sample('open_dispute', buyer), new Date(reviewDue + MINUTE).toISOString()), 'conflict');

      const answerDue = Date.parse(deadline(cancellationOpen, 'cancellation_answer').at);
      assert.equal(codeOf(cancellationOpen, buyer, { type: 'decline_cancellation' }, new Date(answerDue - MINUTE).toISOString()), null);
      assert.equal(codeOf(cancellationOpen, buyer, { type: 'decline_cancellation' }, new Date(answerDue + MINUTE).toISOString()), 'conflict');

      const statementDue = Date.parse(deadline(disputeOpen, 'dispute_answer').at);
      assert.equal(codeOf(disputeOpen, seller, sample('answer_dispute', seller), new Date(statementDue + MINUTE).toISOString()), 'conflict');

      const idleDue = Date.parse(deadline(late, 'inactivity').at);
      assert.equal(codeOf(late, seller, sample('deliver', seller), new Date(idleDue + MINUTE).toISOString()), 'conflict');
    });

    it('still takes a delivery once the work deadline has passed (a late order may be delivered)', () => {
      const due = Date.parse(deadline(inProgress, 'work_deadline').at);
      assert.equal(codeOf(inProgress, seller, sample('deliver', seller), new Date(due + MINUTE).toISOString()), null);
    });

    it('throws a refusal as a non-retryable ApplicationFailure whose type is the code and whose details carry the status', () => {
      const failure = failureOf(() => machine.assertCanAct(inReview, { actor: seller, action: { type: 'accept' } }, after(DAY + HOUR)));
      assert.equal(failure.type, 'forbidden');
      assert.equal(failure.message, 'only the buyer accepts a delivery');
      assert.equal(failure.nonRetryable, true);
      assert.deepEqual(failure.details, [{ status: 'in_review' }]);
      assert.doesNotThrow(() => machine.assertCanAct(inReview, { actor: buyer, action: { type: 'accept' } }, after(DAY + HOUR)));
    });
  });

  describe('malformed payloads (400)', () => {
    const long = (n: number) => 'x'.repeat(n);
    const bad = (action: unknown) => action as OrderAction;
    const malformed: { name: string; state: State; actor: Actor; action: OrderAction; now: string; message: string }[] = [
      { name: 'empty requirements', state: inProgress, actor: buyer, action: bad({ type: 'submit_requirements', text: '  ' }), now: after(2 * HOUR), message: 'text: 1 to 5000 characters' },
      { name: 'requirements over 5000 characters', state: inProgress, actor: buyer, action: bad({ type: 'submit_requirements', text: long(5_001) }), now: after(2 * HOUR), message: 'text: 1 to 5000 characters' },
      { name: 'an empty question', state: inProgress, actor: seller, action: bad({ type: 'ask_buyer', question: '' }), now: after(2 * HOUR), message: 'question: 1 to 2000 characters' },
      { name: 'progress of 15 %', state: inProgress, actor: seller, action: bad({ type: 'report_progress', percent: 15, comment: 'ok' }), now: after(2 * HOUR), message: 'percent: 10 to 100, in steps of 10' },
      { name: 'progress of 0 %', state: inProgress, actor: seller, action: bad({ type: 'report_progress', percent: 0, comment: 'ok' }), now: after(2 * HOUR), message: 'percent: 10 to 100, in steps of 10' },
      { name: 'progress of 110 %', state: inProgress, actor: seller, action: bad({ type: 'report_progress', percent: 110, comment: 'ok' }), now: after(2 * HOUR), message: 'percent: 10 to 100, in steps of 10' },
      { name: 'progress without a comment', state: inProgress, actor: seller, action: bad({ type: 'report_progress', percent: 20, comment: '' }), now: after(2 * HOUR), message: 'comment: 1 to 2000 characters' },
      { name: 'a delivery without text', state: inProgress, actor: seller, action: bad({ type: 'deliver', text: '', links: [] }), now: after(2 * HOUR), message: 'text: 1 to 5000 characters' },
      { name: 'a delivery with an ftp link', state: inProgress, actor: seller, action: bad({ type: 'deliver', text: 'files', links: ['ftp://files.example.com/a'] }), now: after(2 * HOUR), message: 'links: at most 10 http(s) URLs' },
      // The API's rule for a web address (workflows/lib/web-address.ts): a browser would read both, the document neither.
      { name: 'a delivery with a link without a host', state: inProgress, actor: seller, action: bad({ type: 'deliver', text: 'files', links: ['http:///files.example.com/a'] }), now: after(2 * HOUR), message: 'links: at most 10 http(s) URLs' },
      { name: 'a delivery with an upper-case scheme', state: inProgress, actor: seller, action: bad({ type: 'deliver', text: 'files', links: ['HTTPS://files.example.com/a'] }), now: after(2 * HOUR), message: 'links: at most 10 http(s) URLs' },
      { name: 'a delivery with 11 links', state: inProgress, actor: seller, action: bad({ type: 'deliver', text: 'files', links: Array.from({ length: 11 }, (_, i) => `https://example.com/${i}`) }), now: after(2 * HOUR), message: 'links: at most 10 http(s) URLs' },
      { name: 'a delivery whose links are not a list', state: inProgress, actor: seller, action: bad({ type: 'deliver', text: 'files', links: 'https://example.com' }), now: after(2 * HOUR), message: 'links: at most 10 http(s) URLs' },
      // K-69: a delivery's files are attachment ids (the API checks they are the seller's own first).
      ...[
        { what: '11 files', ids: Array.from({ length: 11 }, (_, i) => `file${String(i).padStart(2, '0')}AAAAAAAAAAAAAAAA`) },
        { what: 'a file id of the wrong shape', ids: ['../../etc/passwd'] },
        { what: 'the same file twice', ids: ['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA'] },
        { what: 'files that are not a list', ids: 'AAAAAAAAAAAAAAAAAAAAAA' },
      ].map(({ what, ids }) => ({
        name: `a delivery with ${what}`,
        state: inProgress,
        actor: seller,
        action: bad({ type: 'deliver', text: 'files', links: [], attachmentIds: ids }),
        now: after(2 * HOUR),
        message: 'attachmentIds: at most 10 attachment ids, each once',
      })),
      { name: 'a revision without a reason', state: inReview, actor: buyer, action: bad({ type: 'request_revision', reason: '' }), now: after(DAY + HOUR), message: 'reason: 1 to 2000 characters' },
      { name: 'an empty cancellation comment', state: inProgress, actor: buyer, action: bad({ type: 'request_cancellation', reason: 'no_longer_needed', comment: ' ' }), now: after(2 * HOUR), message: 'comment: 1 to 2000 characters' },
      { name: 'a dispute without a statement', state: inReview, actor: buyer, action: bad({ type: 'open_dispute', statement: '' }), now: after(DAY + HOUR), message: 'statement: 1 to 5000 characters' },
      { name: 'an answer without a statement', state: disputeOpen, actor: seller, action: bad({ type: 'answer_dispute', statement: '' }), now: after(DAY + 90 * MINUTE), message: 'statement: 1 to 5000 characters' },
      { name: 'a decision without a comment', state: caseTaken, actor: arbiter, action: bad({ type: 'decide_dispute', decision: { kind: 'pay_seller' }, comment: '' }), now: after(DAY + 4 * HOUR), message: 'comment: 1 to 2000 characters' },
      { name: 'a split giving the seller nothing', state: caseTaken, actor: arbiter, action: bad({ type: 'decide_dispute', decision: { kind: 'split', sellerAmountCents: 0 }, comment: 'half' }), now: after(DAY + 4 * HOUR), message: 'decision.sellerAmountCents: 1 to 999 (the rest is refunded)' },
      { name: 'a split giving the seller everything', state: caseTaken, actor: arbiter, action: bad({ type: 'decide_dispute', decision: { kind: 'split', sellerAmountCents: 1_000 }, comment: 'all' }), now: after(DAY + 4 * HOUR), message: 'decision.sellerAmountCents: 1 to 999 (the rest is refunded)' },
      { name: 'a split of fractional cents', state: caseTaken, actor: arbiter, action: bad({ type: 'decide_dispute', decision: { kind: 'split', sellerAmountCents: 500.5 }, comment: 'half' }), now: after(DAY + 4 * HOUR), message: 'decision.sellerAmountCents: 1 to 999 (the rest is refunded)' },
      { name: 'a return to work of 0 days', state: caseTaken, actor: arbiter, action: bad({ type: 'decide_dispute', decision: { kind: 'return_to_work', days: 0 }, comment: 'again' }), now: after(DAY + 4 * HOUR), message: 'decision.days: 1 to 30' },
      { name: 'a return to work of 31 days', state: caseTaken, actor: arbiter, action: bad({ type: 'decide_dispute', decision: { kind: 'return_to_work', days: 31 }, comment: 'again' }), now: after(DAY + 4 * HOUR), message: 'decision.days: 1 to 30' },
      { name: 'an unknown decision', state: caseTaken, actor: arbiter, action: bad({ type: 'decide_dispute', decision: { kind: 'coin_toss' }, comment: 'luck' }), now: after(DAY + 4 * HOUR), message: 'decision.kind: refund_buyer, pay_seller, split or return_to_work' },
      { name: 'a staff cancellation without a reason', state: inProgress, actor: admin, action: bad({ type: 'admin_cancel', reason: '' }), now: after(2 * HOUR), message: 'reason: 1 to 1000 characters' },
      { name: 'an unknown action type', state: inProgress, actor: buyer, action: bad({ type: 'pay_twice' }), now: after(2 * HOUR), message: 'unknown action type' },
    ];
    for (const m of malformed) {
      it(`refuses ${m.name} as invalid_input`, () => {
        assert.deepEqual(machine.refusalOf(m.state, { actor: m.actor, action: m.action }, m.now), { code: 'invalid_input', message: m.message });
      });
    }

    // K-18: each party has its own reasons; the other party's is a rule's refusal (422), not malformed input.
    const othersReasons = [
        { name: 'a buyer giving a seller’s reason', state: inProgress, actor: buyer, action: bad({ type: 'request_cancellation', reason: 'too_busy' }), now: after(2 * HOUR), message: 'reason: one of no_longer_needed, ordered_by_mistake, seller_unresponsive, quality_not_as_expected, seller_asked_to_cancel' },
        { name: 'a seller giving a buyer’s reason', state: inProgress, actor: seller, action: bad({ type: 'request_cancellation', reason: 'no_longer_needed' }), now: after(2 * HOUR), message: 'reason: one of cannot_do_task, buyer_requirements_unclear, too_busy, no_contact_with_buyer, other' },
      { name: 'a buyer giving a reason nobody has', state: inProgress, actor: buyer, action: bad({ type: 'request_cancellation', reason: 'because' }), now: after(2 * HOUR), message: 'reason: one of no_longer_needed, ordered_by_mistake, seller_unresponsive, quality_not_as_expected, seller_asked_to_cancel', code: 'invalid_input' },
    ];
    for (const m of othersReasons) {
      it(`refuses ${m.name} as ${'code' in m ? m.code : 'rule_violation'}`, () => {
        assert.deepEqual(machine.refusalOf(m.state, { actor: m.actor, action: m.action }, m.now), { code: 'code' in m ? m.code : 'rule_violation', message: m.message });
      });
    }

    it('counts characters as the API’s document does: an emoji is one, though two UTF-16 units', () => {
      const emoji = (n: number) => '😀'.repeat(n);
      const refusal = (action: OrderAction) => machine.refusalOf(inProgress, { actor: seller, action }, after(2 * HOUR));
      assert.equal(refusal({ type: 'deliver', text: emoji(5_000), links: [] }), null, '5,000 emoji (10,000 units)');
      assert.deepEqual(refusal({ type: 'deliver', text: emoji(5_001), links: [] }), { code: 'invalid_input', message: 'text: 1 to 5000 characters' });
      // A link of 2,000 characters (the API's `maxLength`) with 1,980 emoji in its path: 3,980 units.
      const link = (n: number) => `https://example.com/${emoji(n)}`;
      assert.equal(link(1_980).length, 3_980);
      assert.equal(refusal({ type: 'deliver', text: 'files', links: [link(1_980)] }), null);
      assert.deepEqual(refusal({ type: 'deliver', text: 'files', links: [link(1_993)] }), { code: 'invalid_input', message: 'links: at most 10 http(s) URLs' });
    });

    it('checks the actor, then the state, before the payload', () => {
      const empty = bad({ type: 'deliver', text: '', links: [] });
      assert.equal(codeOf(inProgress, buyer, empty, after(2 * HOUR)), 'forbidden');
      assert.equal(codeOf(inReview, seller, empty, after(DAY + HOUR)), 'conflict');
      assert.equal(codeOf(inProgress, seller, empty, after(2 * HOUR)), 'invalid_input');
    });
  });

  describe('cancellation reasons', () => {
    const request = (state: State, actor: Actor, reason: CancellationReason, now: string) =>
      run(state, actor, { type: 'request_cancellation', reason }, now).state.cancellation!;

    it('counts the buyer’s “no longer needed” and “ordered by mistake” as sufficient, the others not, in any status', () => {
      const moments: [State, string][] = [[awaiting, after(HOUR)], [inProgress, after(2 * HOUR)], [inReview, after(DAY + HOUR)]];
      for (const [state, now] of moments) {
        const sufficiency: Record<string, boolean> = Object.fromEntries((['no_longer_needed', 'ordered_by_mistake', 'seller_unresponsive', 'quality_not_as_expected', 'seller_asked_to_cancel'] as const).map((r) => [r, request(state, buyer, r, now).sufficient]));
        assert.deepEqual(sufficiency, { no_longer_needed: true, ordered_by_mistake: true, seller_unresponsive: false, quality_not_as_expected: false, seller_asked_to_cancel: false }, state.status);
      }
    });

    it('counts the seller’s “cannot do the task” and “requirements unclear” as sufficient only before work starts', () => {
      for (const reason of ['cannot_do_task', 'buyer_requirements_unclear'] as const) {
        assert.equal(request(awaiting, seller, reason, after(HOUR)).sufficient, true, `${reason} before the start`);
        // The requirements start the work clock, but the work itself has not started.
        assert.equal(request(awaitingWithRequirements, seller, reason, after(HOUR)).sufficient, true, `${reason} with requirements, before the start`);
        assert.equal(request(inProgress, seller, reason, after(2 * HOUR)).sufficient, false, `${reason} in progress`);
        assert.equal(request(late, seller, reason, after(4 * DAY)).sufficient, false, `${reason} when late`);
        assert.equal(request(inReview, seller, reason, after(DAY + HOUR)).sufficient, false, `${reason} in review`);
      }
    });

    it('never counts the seller’s “too busy” or “other” as sufficient', () => {
      for (const reason of ['too_busy', 'other'] as const) {
        assert.equal(request(awaiting, seller, reason, after(HOUR)).sufficient, false, `${reason} before the start`);
        assert.equal(request(inProgress, seller, reason, after(2 * HOUR)).sufficient, false, `${reason} in progress`);
      }
    });

    it('opens “no contact with the buyer” 24 h after an unanswered question, and counts it as sufficient even in work', () => {
      const noContact: OrderAction = { type: 'request_cancellation', reason: 'no_contact_with_buyer' };
      const refusal = { code: 'conflict', message: '“no contact with the buyer” opens 24 h after a question the buyer has not answered' };
      assert.deepEqual(machine.refusalOf(inProgress, { actor: seller, action: noContact }, after(3 * DAY)), refusal, 'without a question');

      const asked = actOn(inProgress, seller, 'ask_buyer', after(2 * HOUR));
      assert.deepEqual(machine.refusalOf(asked, { actor: seller, action: noContact }, after(2 * HOUR + DAY - MINUTE)), refusal, 'a minute before 24 h');
      const opened = run(asked, seller, noContact, after(2 * HOUR + DAY));
      assert.equal(opened.state.cancellation?.sufficient, true);

      const answered = actOn(asked, buyer, 'submit_requirements', after(3 * HOUR));
      assert.deepEqual(machine.refusalOf(answered, { actor: seller, action: noContact }, after(3 * DAY)), refusal, 'after the buyer answered');
    });

    it('lets the buyer leave feedback after a cancellation only for an insufficient reason', () => {
      const sufficient = run(awaiting, seller, { type: 'request_cancellation', reason: 'cannot_do_task' }, after(HOUR)).state;
      assert.equal(actOn(sufficient, buyer, 'accept_cancellation', after(2 * HOUR)).closure?.feedbackAllowed, false);
      assert.equal(actOn(cancellationOpen, buyer, 'accept_cancellation', after(4 * HOUR)).closure?.feedbackAllowed, true);
    });
  });

  describe('transitions', () => {
    it('starts awaiting the seller, with nothing due but the 24 h start and the 14-day inactivity', () => {
      assert.equal(awaiting.status, 'awaiting_start');
      assert.equal(awaiting.deadline, null);
      assert.equal(awaiting.workClockStartedAt, null);
      assert.deepEqual(machine.deadlinesOf(awaiting), [
        { kind: 'start', at: after(DAY), party: 'seller', outcome: `cancel and refund the buyer at ${after(DAY)}` },
        { kind: 'inactivity', at: after(14 * DAY), party: 'seller', outcome: `cancel and refund the buyer for inactivity at ${after(14 * DAY)}` },
      ]);
    });

    it('starts the work clock at placement when the requirements come with the order', () => {
      assert.equal(awaitingWithRequirements.workClockStartedAt, placedAt);
      assert.equal(awaitingWithRequirements.deadline, after(3 * DAY));
      assert.deepEqual(machine.deadlinesOf(awaitingWithRequirements).map((d) => d.kind), ['start', 'work_deadline', 'inactivity']);
    });

    it('start_work: in progress, due lead time after the start, the buyer told', () => {
      const { state, effects } = run(awaiting, seller, { type: 'start_work' }, after(HOUR));
      assert.equal(state.status, 'in_progress');
      assert.equal(state.workStartedAt, after(HOUR));
      assert.equal(state.deadline, after(HOUR + 3 * DAY));
      assert.deepEqual(effects, {
        seq: 1,
        money: null,
        notices: [{ to: 'buyer', kind: 'work_started', text: `The seller started work on “Logo design”, due ${after(HOUR + 3 * DAY)}.` }],
        violation: null,
      });
    });

    it('start_work after the requirements keeps the deadline the requirements set (the clock starts once)', () => {
      const { state } = run(awaitingWithRequirements, seller, { type: 'start_work' }, after(5 * HOUR));
      assert.equal(state.deadline, after(3 * DAY));
    });

    it('submit_requirements: starts the clock if it had not started, and tells the seller', () => {
      const first = run(awaiting, buyer, sample('submit_requirements', buyer), after(2 * HOUR));
      assert.equal(first.state.status, 'awaiting_start');
      assert.equal(first.state.deadline, after(2 * HOUR + 3 * DAY));
      assert.deepEqual(first.effects.notices, [{ to: 'seller', kind: 'requirements', text: `The buyer submitted the requirements; the work is due ${after(2 * HOUR + 3 * DAY)}.` }]);
      const again = run(inProgress, buyer, sample('submit_requirements', buyer), after(2 * HOUR)).state;
      assert.equal(again.deadline, inProgress.deadline, 'requirements after the start do not move the deadline');
    });

    it('ask_buyer and report_progress tell the buyer; a report puts off the next progress reminder', () => {
      const asked = run(inProgress, seller, sample('ask_buyer', seller), after(2 * HOUR));
      assert.deepEqual(asked.state.question, { text: 'Do you have a vector version of the old logo?', at: after(2 * HOUR), answeredAt: null });
      assert.deepEqual(asked.effects.notices.map((n) => [n.to, n.kind]), [['buyer', 'question']]);

      assert.equal(deadline(inProgress, 'progress_reminder').at, after(HOUR + 3 * DAY));
      const reported = run(inProgress, seller, sample('report_progress', seller), after(DAY));
      assert.deepEqual(reported.state.progress, { percent: 50, comment: 'Three sketches done', at: after(DAY) });
      assert.deepEqual(reported.effects.notices.map((n) => [n.to, n.kind, n.text]), [['buyer', 'progress', 'Progress 50 %: Three sketches done']]);
      assert.equal(deadline(reported.state, 'progress_reminder').at, after(4 * DAY));
    });

    it('deliver: in review, the buyer told the auto-acceptance time; the work and progress deadlines stop', () => {
      const { state, effects } = run(inProgress, seller, sample('deliver', seller), after(DAY));
      assert.equal(state.status, 'in_review');
      assert.deepEqual(state.deliveries, [{ at: after(DAY), text: 'Here are the files', links: ['https://files.example.com/logo.zip'] }]);
      assert.deepEqual(effects.notices, [
        { to: 'buyer', kind: 'delivered', text: `The work is delivered. Accept it or ask for a revision by ${after(4 * DAY)}, else it is accepted automatically.` },
      ]);
      assert.deepEqual(machine.deadlinesOf(state).map((d) => [d.kind, d.at, d.party]), [
        ['review_reminder', after(3 * DAY), 'buyer'],
        ['review', after(4 * DAY), 'buyer'],
        ['inactivity', after(15 * DAY), 'buyer'],
      ]);
      assert.equal(run(late, seller, sample('deliver', seller), after(5 * DAY)).state.status, 'in_review', 'a late order may be delivered');
    });

    it('deliver with files (K-69): the delivery keeps their ids and the timeline counts them; without files, no ids are recorded', () => {
      const ids = ['q3Vx0bB2S1eW9m4kR7tYzA', 'Zm9vYmFyYmF6cXV4MTIzNA'];
      const action: OrderAction = { type: 'deliver', text: 'The logo', links: [], attachmentIds: ids };
      assert.equal(machine.refusalOf(inProgress, { actor: seller, action }, after(DAY)), null);
      const { state } = run(inProgress, seller, action, after(DAY));
      assert.deepEqual(state.deliveries, [{ at: after(DAY), text: 'The logo', links: [], attachmentIds: ids }]);
      assert.equal(state.timeline[state.timeline.length - 1]!.text, 'Delivered (2 files)');
      const plain = run(inProgress, seller, { type: 'deliver', text: 'The logo', links: [], attachmentIds: [] }, after(DAY)).state;
      assert.deepEqual(plain.deliveries, [{ at: after(DAY), text: 'The logo', links: [] }]);
      assert.equal(plain.timeline[plain.timeline.length - 1]!.text, 'Delivered');
      // One of a kind is counted in the singular: "1 link", not "1 links".
      const timelineOf = (links: string[], attachmentIds: string[]) => run(inProgress, seller, { type: 'deliver', text: 'The logo', links, attachmentIds }, after(DAY)).state.timeline.at(-1)!.text;
      assert.equal(timelineOf(['https://example.com/logo'], [ids[0]!]), 'Delivered (1 link, 1 file)');
      assert.equal(timelineOf(['https://example.com/a', 'https://example.com/b'], []), 'Delivered (2 links)');
    });

    it('accept: completed, the escrow released (seller 80 %, platform 20 %), only the seller told', () => {
      const { state, effects } = run(inReview, buyer, { type: 'accept' }, after(2 * DAY));
      assert.equal(state.status, 'completed');
      assert.deepEqual(state.closure, { kind: 'completed', reason: 'accepted', at: after(2 * DAY), feedbackAllowed: true, toSellerCents: 800, commissionCents: 200, refundedCents: 0 });
      assert.deepEqual(effects.money, { op: 'release' });
      assert.deepEqual(effects.notices, [{ to: 'seller', kind: 'order_completed', text: 'The buyer accepted the work. $8.00 is on your balance.' }]);
      assert.deepEqual(machine.deadlinesOf(state), []);
    });

    it('request_revision: back in progress with a 2-day deadline, the seller told', () => {
      const { state, effects } = run(inReview, buyer, sample('request_revision', buyer), after(2 * DAY));
      assert.equal(state.status, 'in_progress');
      assert.equal(state.deadline, after(4 * DAY));
      assert.equal(state.revisionCount, 1);
      assert.equal(state.progress, null);
      assert.equal(deadline(state, 'progress_reminder').at, after(5 * DAY));
      assert.deepEqual(effects.notices.map((n) => [n.to, n.kind]), [['seller', 'revision']]);
      assert.equal(effects.money, null);
    });

    it('cancel within the free window: refunded in full, no feedback, only the seller told', () => {
      const { state, effects } = run(awaiting, buyer, { type: 'cancel' }, after(19 * MINUTE));
      assert.equal(state.status, 'cancelled');
      assert.deepEqual(state.closure, { kind: 'cancelled', reason: 'buyer_free_cancel', at: after(19 * MINUTE), feedbackAllowed: false, toSellerCents: 0, commissionCents: 0, refundedCents: 1_000 });
      assert.deepEqual(effects.money, { op: 'refund' });
      assert.deepEqual(effects.notices, [{ to: 'seller', kind: 'order_cancelled', text: 'The buyer cancelled within the free-cancellation window.' }]);
    });

    it('cancel when late: refunded in full as not done on time, with feedback', () => {
      const { state, effects } = run(late, buyer, { type: 'cancel' }, after(4 * DAY));
      assert.deepEqual([state.status, state.closure?.reason, state.closure?.feedbackAllowed, state.closure?.refundedCents], ['cancelled', 'not_done_on_time', true, 1_000]);
      assert.deepEqual(effects.money, { op: 'refund' });
      assert.deepEqual(effects.notices.map((n) => n.to), ['seller']);
    });

    it('request_cancellation: the other party told, answer due in 2 days', () => {
      const { state, effects } = run(inProgress, buyer, { type: 'request_cancellation', reason: 'no_longer_needed', comment: 'Plans changed' }, after(2 * HOUR));
      assert.deepEqual(state.cancellation, { by: 'buyer', reason: 'no_longer_needed', comment: 'Plans changed', sufficient: true, at: after(2 * HOUR) });
      assert.deepEqual(effects.notices.map((n) => [n.to, n.kind, n.text]), [
        ['seller', 'cancellation_requested', `The buyer asks to cancel: “I no longer need it”. Accept or decline by ${after(2 * HOUR + 2 * DAY)}, else the order is cancelled.`],
      ]);
      assert.equal(state.timeline.at(-1)!.text, 'Cancellation requested: “I no longer need it”');
      assert.deepEqual(deadline(state, 'cancellation_answer'), {
        kind: 'cancellation_answer',
        at: after(2 * HOUR + 2 * DAY),
        party: 'seller',
        outcome: `cancel and refund the buyer at ${after(2 * HOUR + 2 * DAY)}`,
      });
      assert.equal(effects.money, null);
    });

    it('accept_cancellation: cancelled for the request’s reason, refunded, only the requester told', () => {
      const { state, effects } = run(cancellationOpen, buyer, { type: 'accept_cancellation' }, after(4 * HOUR));
      assert.deepEqual([state.status, state.closure?.reason, state.cancellation], ['cancelled', 'too_busy', null]);
      assert.equal(state.timeline.at(-1)!.text, 'Cancelled by agreement: “I am too busy”.');
      assert.deepEqual(effects.money, { op: 'refund' });
      assert.deepEqual(effects.notices.map((n) => n.to), ['seller']);
    });

    it('decline_cancellation and withdraw_cancellation: the request closes, the order goes on, the other side told', () => {
      const declined = run(cancellationOpen, buyer, { type: 'decline_cancellation' }, after(4 * HOUR));
      assert.deepEqual([declined.state.status, declined.state.cancellation, declined.state.declinedCancellation?.reason], ['in_progress', null, 'too_busy']);
      assert.deepEqual(declined.effects.notices.map((n) => [n.to, n.kind]), [['seller', 'cancellation_declined']]);
      const withdrawn = run(cancellationOpen, seller, { type: 'withdraw_cancellation' }, after(4 * HOUR));
      assert.deepEqual([withdrawn.state.status, withdrawn.state.cancellation, withdrawn.state.declinedCancellation], ['in_progress', null, null]);
      assert.deepEqual(withdrawn.effects.notices.map((n) => [n.to, n.kind]), [['buyer', 'cancellation_withdrawn']]);
      assert.equal(machine.deadlinesOf(withdrawn.state).some((d) => d.kind === 'cancellation_answer'), false);
    });

    it('open_dispute: arbitration, the other party told, and only the 2-day answer period runs', () => {
      const { state, effects } = run(inReview, buyer, sample('open_dispute', buyer), after(DAY + HOUR));
      assert.equal(state.status, 'arbitration');
      assert.deepEqual(effects.notices.map((n) => [n.to, n.kind]), [['seller', 'dispute_opened']]);
      assert.deepEqual(machine.deadlinesOf(state), [
        { kind: 'dispute_answer', at: after(3 * DAY + HOUR), party: 'seller', outcome: `the case goes to the arbiter without your statement at ${after(3 * DAY + HOUR)}` },
      ]);
      const bySeller = run(cancellationDeclined, seller, sample('open_dispute', seller), after(6 * HOUR));
      assert.deepEqual([bySeller.state.status, bySeller.state.dispute?.openedBy, bySeller.state.declinedCancellation], ['arbitration', 'seller', null]);
      assert.equal(deadline(bySeller.state, 'dispute_answer').party, 'buyer');
    });

    it('answer_dispute: the case is ready, the opener and the arbiters told; the arbiter has 5 business days', () => {
      const { state, effects } = run(disputeOpen, seller, sample('answer_dispute', seller), after(DAY + 2 * HOUR)); // Tuesday 12:00
      assert.equal(state.dispute?.readyAt, after(DAY + 2 * HOUR));
      assert.deepEqual(effects.notices.map((n) => [n.to, n.kind]), [['buyer', 'dispute_answered'], ['arbiters', 'case_ready']]);
      assert.deepEqual(machine.deadlinesOf(state).map((d) => [d.kind, d.at, d.party]), [['arbitration_decision', iso('2026-11-10T12:00:00Z'), 'arbiter']]);
    });

    it('take_case: the arbiter is recorded and both parties told', () => {
      const { state, effects } = run(disputeReady, arbiter, { type: 'take_case' }, after(DAY + 3 * HOUR));
      assert.deepEqual([state.dispute?.arbiterId, state.dispute?.takenAt], [50, after(DAY + 3 * HOUR)]);
      assert.deepEqual(effects.notices.map((n) => n.to), ['buyer', 'seller']);
    });

    it('staff who are the order’s buyer or seller neither take, decide nor cancel it as staff (403, policy 4); orders placed before keep their rules', () => {
      const now = after(DAY + 3 * HOUR);
      const arbiterBuyer: Actor = { role: 'staff', userId: input.buyer.id, staffRoles: ['arbiter'] };
      const adminSeller: Actor = { role: 'staff', userId: input.seller.id, staffRoles: ['admin'] };
      assert.equal(codeOf(disputeReady, arbiterBuyer, { type: 'take_case' }, now), 'forbidden');
      assert.equal(codeOf(disputeReady, adminSeller, { type: 'take_case' }, now), 'forbidden');
      assert.match(machine.refusalOf(disputeReady, { actor: adminSeller, action: { type: 'take_case' } }, now)!.message, /party/);
      const takenByTheirs = { ...caseTaken, dispute: { ...caseTaken.dispute!, arbiterId: adminSeller.userId } };
      assert.equal(codeOf(takenByTheirs, adminSeller, sample('decide_dispute', adminSeller), now), 'forbidden');
      assert.equal(codeOf(inProgress, adminSeller, sample('admin_cancel', adminSeller), now), 'forbidden');
      // Any other arbiter or admin may; and an order placed under policy 3 lets its staff parties act as before.
      assert.equal(codeOf(disputeReady, arbiter, { type: 'take_case' }, now), null);
      assert.equal(codeOf(inProgress, admin, sample('admin_cancel', admin), now), null);
      const { partiesDoNotJudge: _, ...policy3 } = input.policy;
      const placedBefore = { ...disputeReady, input: { ...disputeReady.input, policy: { ...policy3, version: 3 } } };
      assert.equal(codeOf(placedBefore, arbiterBuyer, { type: 'take_case' }, now), null);
    });

    it('decide_dispute: refund, pay or split moves the money once and tells both parties', () => {
      const now = after(2 * DAY);
      const decide = (decision: OrderAction & { type: 'decide_dispute' }) => run(caseTaken, arbiter, decision, now);
      const refund = decide({ type: 'decide_dispute', decision: { kind: 'refund_buyer' }, comment: 'Not as ordered' });
      assert.deepEqual([refund.state.status, refund.effects.money, refund.state.closure?.refundedCents, refund.state.closure?.reason], ['cancelled', { op: 'refund' }, 1_000, 'arbitration']);
      assert.equal(refund.state.closure?.feedbackAllowed, true);
      const pay = decide({ type: 'decide_dispute', decision: { kind: 'pay_seller' }, comment: 'As ordered' });
      assert.deepEqual([pay.state.status, pay.effects.money, pay.state.closure?.toSellerCents, pay.state.closure?.commissionCents], ['completed', { op: 'release' }, 800, 200]);
      const split = decide({ type: 'decide_dispute', decision: { kind: 'split', sellerAmountCents: 600 }, comment: 'Half done' });
      assert.deepEqual(split.effects.money, { op: 'split', sellerAmountCents: 600 });
      // Policy 3 (issue 13): a split ends as `split`, not `cancelled`.
      assert.equal(split.state.status, 'split');
      assert.deepEqual(split.state.closure, { kind: 'split', reason: 'arbitration', at: now, feedbackAllowed: true, toSellerCents: 480, commissionCents: 120, refundedCents: 400 });
      assert.deepEqual(refund.effects.notices.map((n) => [n.to, n.kind]), [['buyer', 'order_cancelled'], ['seller', 'order_cancelled']]);
      assert.deepEqual(pay.effects.notices.map((n) => [n.to, n.kind]), [['seller', 'order_completed'], ['buyer', 'order_completed']]);
      assert.deepEqual(split.effects.notices.map((n) => [n.to, n.kind]), [['buyer', 'dispute_decided'], ['seller', 'dispute_decided']]);
    });

    it('decide_dispute to return the order to work: in progress with the new deadline, no money, the 14 days start again', () => {
      const now = after(2 * DAY);
      const { state, effects } = run(caseTaken, arbiter, { type: 'decide_dispute', decision: { kind: 'return_to_work', days: 5 }, comment: 'Finish it' }, now);
      assert.deepEqual([state.status, state.deadline, state.dispute, state.lastActivityAt], ['in_progress', after(7 * DAY), null, now]);
      assert.equal(effects.money, null);
      assert.deepEqual(machine.deadlinesOf(state).map((d) => [d.kind, d.at]), [
        ['progress_reminder', after(5 * DAY)],
        ['work_deadline', after(7 * DAY)],
        ['inactivity', after(16 * DAY)],
      ]);
    });

    it('admin_cancel: refunded in full, both parties told', () => {
      const { state, effects } = run(inProgress, support, { type: 'admin_cancel', reason: 'Prohibited content' }, after(2 * HOUR));
      assert.deepEqual([state.status, state.closure?.reason, state.closure?.feedbackAllowed, effects.money], ['cancelled', 'admin', false, { op: 'refund' }]);
      assert.deepEqual(effects.notices.map((n) => n.to), ['buyer', 'seller']);
    });

    it('never notifies whoever acted, and numbers every event', () => {
      for (const c of cases) {
        for (const [name, actor] of Object.entries(actors)) {
          for (const type of c.allowed[actor.role === 'staff' ? 'staff' : actor.role]) {
            if (!owns(actor, type, c.state) || codeOf(c.state, actor, sample(type, actor), c.now) !== null) continue;
            const { state, effects } = machine.act(c.state, { actor, action: sample(type, actor) }, c.now);
            assert.ok(effects.notices.every((n) => n.to !== actor.role), `${type} by ${name} in ${c.name} notifies the actor`);
            assert.equal(effects.seq, c.state.seq + 1);
            assert.equal(state.seq, c.state.seq + 1);
            assert.equal(state.lastActivityAt, c.now, 'a person’s action is activity');
            assert.equal(state.timeline.length, c.state.timeline.length + 1);
          }
        }
      }
    });
  });

  describe('deadlines that lapse', () => {
    it('start: cancelled for the seller ignoring the order, refunded, a violation recorded, both told', () => {
      const { state, effects } = lapse(awaiting, 'start');
      assert.deepEqual(state.closure, { kind: 'cancelled', reason: 'seller_ignored', at: after(DAY), feedbackAllowed: true, toSellerCents: 0, commissionCents: 0, refundedCents: 1_000 });
      assert.deepEqual(effects.money, { op: 'refund' });
      assert.equal(effects.violation, 'ignored_order');
      assert.deepEqual(effects.notices.map((n) => [n.to, n.kind]), [['buyer', 'order_cancelled'], ['seller', 'order_cancelled']]);
      assert.equal(state.lastActivityAt, placedAt, 'a timer is not activity');
      assert.equal(state.timeline.at(-1)?.by, 'system');
    });

    it('work_deadline: late, both told, the buyer may now cancel', () => {
      const { state, effects } = lapse(inProgress, 'work_deadline');
      assert.equal(state.status, 'late');
      assert.equal(effects.money, null);
      assert.deepEqual(effects.notices.map((n) => [n.to, n.kind]), [['buyer', 'late'], ['seller', 'late']]);
      assert.equal(machine.deadlinesOf(state).some((d) => d.kind === 'work_deadline'), false);
    });

    it('work_deadline: a buyer’s cancel that arrives with the timer, before it is applied, counts as late', () => {
      const due = deadline(inProgress, 'work_deadline').at;
      assert.equal(inProgress.status, 'in_progress');
      assert.equal(codeOf(inProgress, buyer, { type: 'cancel' }, due), null);
      assert.equal(run(inProgress, buyer, { type: 'cancel' }, due).state.closure?.reason, 'not_done_on_time');
      const justBefore = new Date(Date.parse(due) - 60_000).toISOString();
      assert.equal(codeOf(inProgress, buyer, { type: 'cancel' }, justBefore), 'conflict');
    });

    it('progress_reminder: the seller reminded, and again 3 days later', () => {
      const { state, effects } = lapse(inProgress, 'progress_reminder');
      assert.deepEqual(effects.notices.map((n) => [n.to, n.kind]), [['seller', 'progress_reminder']]);
      assert.equal(state.progressRemindedAt, after(HOUR + 3 * DAY));
      assert.equal(deadline(state, 'progress_reminder').at, after(HOUR + 6 * DAY));
    });

    it('review_reminder: the buyer reminded once, 24 h before the automatic acceptance', () => {
      assert.equal(deadline(inReview, 'review_reminder').at, after(3 * DAY));
      const { state, effects } = lapse(inReview, 'review_reminder');
      assert.deepEqual(effects.notices, [{ to: 'buyer', kind: 'review_reminder', text: `Review the delivery of “Logo design”: it is accepted automatically at ${after(4 * DAY)}.` }]);
      assert.deepEqual(machine.deadlinesOf(state).map((d) => d.kind), ['review', 'inactivity']);
    });

    it('review: completed automatically, the escrow released, both told', () => {
      const { state, effects } = lapse(inReview, 'review');
      assert.deepEqual([state.status, state.closure?.reason, state.closure?.toSellerCents, state.closure?.commissionCents], ['completed', 'auto_accepted', 800, 200]);
      assert.deepEqual(effects.money, { op: 'release' });
      assert.deepEqual(effects.notices.map((n) => n.to), ['seller', 'buyer']);
    });

    it('inactivity: cancelled and refunded; feedback only if the order was late', () => {
      const idle = lapse(inProgress, 'inactivity');
      assert.deepEqual([idle.state.status, idle.state.closure?.reason, idle.state.closure?.feedbackAllowed, idle.effects.money], ['cancelled', 'inactivity', false, { op: 'refund' }]);
      assert.equal(lapse(late, 'inactivity').state.closure?.feedbackAllowed, true);
    });

    it('cancellation_answer: cancelled for the request’s reason, refunded', () => {
      const { state, effects } = lapse(cancellationOpen, 'cancellation_answer');
      assert.deepEqual([state.status, state.closure?.reason, state.closure?.feedbackAllowed, effects.money], ['cancelled', 'too_busy', true, { op: 'refund' }]);
      assert.equal(state.timeline.at(-1)!.text, 'Cancelled: the cancellation request (“I am too busy”) was not answered in time.');
    });

    it('dispute_answer: the case goes to the arbiters without the statement', () => {
      const { state, effects } = lapse(disputeOpen, 'dispute_answer');
      assert.equal(state.status, 'arbitration');
      assert.equal(state.dispute?.readyAt, after(3 * DAY + HOUR));
      assert.equal(state.dispute?.answer, null);
      assert.deepEqual(effects.notices.map((n) => [n.to, n.kind]), [['arbiters', 'case_ready']]);
      assert.deepEqual(machine.deadlinesOf(state).map((d) => d.kind), ['arbitration_decision']);
    });

    it('arbitration_decision: admins alerted once, and the case stays open for the arbiter', () => {
      const { state, effects } = lapse(caseTaken, 'arbitration_decision');
      assert.equal(state.status, 'arbitration');
      assert.deepEqual(effects.notices.map((n) => [n.to, n.kind]), [['admins', 'arbitration_overdue']]);
      assert.equal(effects.money, null);
      assert.deepEqual(machine.deadlinesOf(state), []);
      assert.equal(codeOf(state, arbiter, sample('decide_dispute', arbiter), after(20 * DAY)), null);
    });
  });

  describe('deadlinesOf', () => {
    it('lists every pending deadline soonest first, each with who must act and what happens', () => {
      const withRequest = run(inProgress, buyer, { type: 'request_cancellation', reason: 'seller_unresponsive' }, after(2 * DAY)).state;
      assert.deepEqual(machine.deadlinesOf(withRequest).map((d) => [d.kind, d.at, d.party]), [
        // The work deadline and the progress reminder fall together (both 3 days from the start): the rules' order.
        ['work_deadline', after(HOUR + 3 * DAY), 'seller'],
        ['progress_reminder', after(HOUR + 3 * DAY), 'seller'],
        ['cancellation_answer', after(4 * DAY), 'seller'],
        ['inactivity', after(16 * DAY), 'seller'],
      ]);
      assert.deepEqual(machine.nextDeadline(withRequest), {
        kind: 'work_deadline',
        at: after(HOUR + 3 * DAY),
        party: 'seller',
        outcome: `the order becomes late at ${after(HOUR + 3 * DAY)}`,
      });
    });

    it('keeps the rules’ order for deadlines at the same instant: the start before inactivity', () => {
      const tied = machine.initialState({ ...input, policy: { ...input.policy, startWithinMs: 14 * DAY } });
      const list = machine.deadlinesOf(tied);
      assert.deepEqual(list.map((d) => [d.kind, d.at]), [['start', after(14 * DAY)], ['inactivity', after(14 * DAY)]]);
      assert.equal(machine.onDeadline(tied, list[0]!, after(14 * DAY)).state.closure?.reason, 'seller_ignored');
    });

    it('has none once the order is closed', () => {
      for (const state of [completed, cancelled, voided]) assert.deepEqual(machine.deadlinesOf(state), [], state.status);
      assert.equal(machine.nextDeadline(completed), null);
    });

    it('shows the pending deadlines and the viewer’s actions in the view', () => {
      const view = machine.viewOf(inProgress, 'seller', after(2 * HOUR));
      assert.deepEqual(view.amounts, { totalCents: 1_000, sellerEarningsCents: 800, commissionCents: 200 });
      // Deadlines with an outcome, and reminders apart (issue 13): the next is never a reminder.
      assert.deepEqual(view.deadlines, machine.deadlinesOf(inProgress).filter((d) => !machine.isReminder(d)));
      assert.deepEqual(view.reminders.map((d) => d.kind), ['progress_reminder']);
      assert.deepEqual(view.nextDeadline, machine.nextOutcome(inProgress));
      assert.equal(view.nextDeadline?.kind, 'work_deadline');
      assert.deepEqual(sorted(view.allowedActions), sorted(['ask_buyer', 'report_progress', 'deliver', 'request_cancellation']));
      assert.equal(view.policyVersion, input.policy.version);
    });
  });

  describe('addBusinessDays (Mon–Fri, UTC)', () => {
    const table: [from: string, n: number, expected: string][] = [
      ['2026-11-02T10:00:00Z', 5, '2026-11-09T10:00:00Z'], // Monday → next Monday
      ['2026-11-04T10:00:00Z', 5, '2026-11-11T10:00:00Z'], // Wednesday → next Wednesday
      ['2026-11-06T10:00:00Z', 1, '2026-11-09T10:00:00Z'], // Friday → Monday
      ['2026-11-05T10:00:00Z', 2, '2026-11-09T10:00:00Z'], // Thursday → Monday
      ['2026-11-07T10:00:00Z', 1, '2026-11-09T10:00:00Z'], // Saturday → Monday
      ['2026-11-08T10:00:00Z', 5, '2026-11-13T10:00:00Z'], // Sunday → Friday
      ['2026-11-06T23:30:00Z', 1, '2026-11-09T23:30:00Z'], // late Friday keeps its time of day
      ['2026-11-06T10:00:00Z', 10, '2026-11-20T10:00:00Z'], // two weekends
      ['2026-11-04T10:00:00Z', 0, '2026-11-04T10:00:00Z'],
    ];
    for (const [from, n, expected] of table) {
      it(`${n} business days after ${from} is ${expected}`, () => {
        assert.equal(addBusinessDays(iso(from), n), iso(expected));
      });
    }
  });

  describe('messages in the order’s conversation (D-03, K-20)', () => {
    const message = (actor: Actor, messageId = 7) => ({ actor: { role: actor.role as Role, userId: actor.userId }, messageId });
    const inactivity = (state: State) => machine.deadlinesOf(state).find((d) => d.kind === 'inactivity')!.at;

    it('counts a party’s message as the order’s activity: the 14 days of K-11 start again, nothing else moves and nobody is notified', () => {
      const t = machine.messaged(inProgress, message(seller), after(5 * DAY));
      assert.equal(t.state.lastActivityAt, after(5 * DAY));
      assert.equal(inactivity(t.state), after(19 * DAY));
      assert.deepEqual([t.state.status, t.state.deadline, t.state.timeline.length, t.state.seq], [inProgress.status, inProgress.deadline, inProgress.timeline.length, inProgress.seq + 1]);
      assert.deepEqual(t.effects, { seq: inProgress.seq + 1, money: null, notices: [], violation: null });
    });

    it('lets the buyer’s message answer the seller’s open question, which closes “no contact with the buyer”; the seller’s does not', () => {
      const asked = actOn(inProgress, seller, 'ask_buyer', after(2 * HOUR));
      const noContact: OrderAction = { type: 'request_cancellation', reason: 'no_contact_with_buyer' };
      assert.equal(machine.messaged(asked, message(seller), after(3 * HOUR)).state.question?.answeredAt, null);
      const answered = machine.messaged(asked, message(buyer), after(3 * HOUR)).state;
      assert.equal(answered.question?.answeredAt, after(3 * HOUR));
      assert.equal(answered.timeline.at(-1)?.event, 'question_answered');
      assert.equal(codeOf(answered, seller, noContact, after(3 * DAY)), 'conflict');
      assert.equal(codeOf(asked, seller, noContact, after(2 * HOUR + DAY)), null);
    });

    it('refuses to count a message once the order is over or a decisive deadline has passed (409), and staff’s or a malformed one', () => {
      assert.equal(machine.messageRefusal(completed, message(buyer), after(2 * DAY))?.code, 'conflict');
      assert.equal(machine.messageRefusal(awaiting, message(buyer), after(DAY + MINUTE))?.code, 'conflict', 'the 24 h start has passed');
      assert.equal(machine.messageRefusal(inProgress, { actor: { role: 'staff' as Role, userId: 50 }, messageId: 7 }, after(2 * HOUR))?.code, 'forbidden');
      assert.equal(machine.messageRefusal(inProgress, { ...message(buyer), messageId: 0 }, after(2 * HOUR))?.code, 'invalid_input');
      assert.equal(machine.messageRefusal(disputeOpen, message(seller), after(DAY + 2 * HOUR)), null, 'in arbitration a message still counts');
      assert.throws(() => machine.assertCanMessage(completed, message(buyer), after(2 * DAY)), (err: unknown) => err instanceof ApplicationFailure && err.type === 'conflict');
    });
  });

  describe('roles of the parties', () => {
    it('tells the other party of a request, whichever side asks', () => {
      for (const [actor, other] of [[buyer, 'seller'], [seller, 'buyer']] as [Actor, Role][]) {
        const { effects } = run(inProgress, actor, sample('request_cancellation', actor), after(2 * HOUR));
        assert.deepEqual(effects.notices.map((n) => n.to), [other]);
      }
    });
  });
});

describe('a party’s action as the API sends it (who, not which side)', () => {
  const state = machine.initialState(input);
  const deliver: OrderAction = { type: 'deliver', text: 'Here it is', links: [] };

  it('names the buyer’s or the seller’s side from the order’s own parties', () => {
    assert.deepEqual(machine.sideOf(state, { actor: { role: 'party', userId: 1 }, action: { type: 'accept' } }), { actor: buyer, action: { type: 'accept' } });
    assert.deepEqual(machine.sideOf(state, { actor: { role: 'party', userId: 2 }, action: deliver }), { actor: seller, action: deliver });
  });

  it('refuses anyone else as not_found, saying nothing of the order (the API’s 404 for an order not yours)', () => {
    assert.throws(
      () => machine.sideOf(state, { actor: { role: 'party', userId: 3 }, action: { type: 'start_work' } }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'not_found' && err.nonRetryable && err.details === undefined,
    );
  });

  it('passes a named side and staff unchanged, as histories from before sent them', () => {
    const named = { actor: seller, action: { type: 'start_work' } as OrderAction };
    assert.equal(machine.sideOf(state, named), named);
    const staff = { actor: arbiter, action: { type: 'take_case' } as OrderAction };
    assert.equal(machine.sideOf(state, staff), staff);
  });
});
