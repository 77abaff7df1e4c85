/**
 * Every timer of an order on the time-skipping server, through the real API and a worker with
 * the real activities: on both sides of each boundary, an action one minute before the
 * deadline wins, and one minute after it the automatic outcome has already happened. Orders
 * run under the real rules (`orderPolicy()`); the API's clock follows the server's time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { pollUntil } from '../../scripts/poll.js';
import { workflowsPath } from '../../worker.js';
import { DAY, HOUR, MINUTE } from '../../workflows/lib/time.js';
import { orderWorkflowId, type OrderView, type PendingDeadline } from '../../workflows/order/messages.js';
import { callerFor, signUp, type Call, type Caller, type TestUser } from '../support/api.js';
import { bundle, buildApp, createTestDatabase, createTimeSkippingEnv, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { act, actOk, market, moneyOf, placeOrder, rowStatus, viewAs, type Market } from '../support/orders.js';

/** Each market's buyer starts with $100; every order is the $10 offer at 20 % commission. */
const FUNDS = 10_000;
const PRICE = 1_000;
const released = { escrow: 0, buyer: FUNDS - PRICE, seller: 800, postings: ['hold', 'release'] };
const refunded = { escrow: 0, buyer: FUNDS, seller: 0, postings: ['hold', 'refund'] };

describe('order timers on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let worker: Worker;
  let running: Promise<void>;
  let workflowBundle: WorkflowBundle;
  let activities: ReturnType<typeof createActivities>;
  let call: Caller;

  /** The real API starting orders on `taskQueue`; its clock is the server's time, read before every request. */
  function apiFor(taskQueue: string): Caller {
    let serverNow = 0;
    const app = callerFor(buildApp({ db: database.db, temporal: env.client, clock: { now: () => new Date(serverNow) }, taskQueue }));
    return async (method, path, opts) => {
      serverNow = await env.currentTimeMs();
      return app(method, path, opts);
    };
  }

  before(async () => {
    [env, workflowBundle, database] = await Promise.all([createTimeSkippingEnv(), bundle(workflowsPath), createTestDatabase(import.meta.filename)]);
    activities = createActivities({ db: database.db });
    const taskQueue = uniqueId('order-timers');
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
    running = worker.run();
    call = apiFor(taskQueue);
  });
  after(async () => {
    if (worker) {
      worker.shutdown();
      await running;
    }
    await env?.teardown();
    await database?.drop();
  });

  // ───── helpers ─────

  const db = () => database.db;
  /** `n` sellers with a $10 offer, each with a buyer holding $100. */
  function markets(n: 2): Promise<[Market, Market]>;
  function markets(n: 3): Promise<[Market, Market, Market]>;
  function markets(n: number): Promise<Market[]> {
    return Promise.all(Array.from({ length: n }, () => market(call, db(), { fundsCents: FUNDS, priceCents: PRICE })));
  }
  const place = (m: Market, body: Record<string, unknown> = {}) => placeOrder(call, m.buyer, { offerId: m.offerId, ...body });

  /** Moves the server's time to `atMs` (which must be ahead); timers due on the way fire. */
  async function sleepUntil(atMs: number): Promise<void> {
    const now = await env.currentTimeMs();
    assert.ok(atMs > now, `cannot sleep back to ${new Date(atMs).toISOString()} from ${new Date(now).toISOString()}`);
    await env.sleep(atMs - now);
  }
  const ms = (iso: string) => Date.parse(iso);

  function pending(view: OrderView, kind: PendingDeadline['kind']): number {
    // Reminders are listed apart from the deadlines that decide something (policy 3).
    const found = [...view.deadlines, ...view.reminders].find((d) => d.kind === kind);
    assert.ok(found, `order ${view.orderId} has no ${kind} deadline: ${JSON.stringify([...view.deadlines, ...view.reminders])}`);
    return ms(found.at);
  }

  /** A new user holding a staff role (granted straight in the database). */
  async function staff(role: 'arbiter' | 'admin'): Promise<TestUser> {
    const user = await signUp(call, role);
    await db().sql`update users set roles = ${[role]}::text[] where id = ${user.id}`;
    return user;
  }

  /** The user's notifications about an order, of one kind, as `GET /notifications` lists them. */
  async function notifications(user: TestUser, orderId: number, kind: string): Promise<{ text: string }[]> {
    const res = await call('GET', '/notifications?limit=100', { token: user.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.filter((n: { orderId: number; kind: string }) => n.orderId === orderId && n.kind === kind);
  }
  /** Waits (bounded) until the user has `count` such notifications; returns them. */
  function notified(user: TestUser, orderId: number, kind: string, count = 1) {
    return pollUntil(async () => {
      const found = await notifications(user, orderId, kind);
      return found.length >= count ? found : undefined;
    }, { timeoutMs: 20_000, what: `${count} ${kind} notification(s) for ${user.login} on order ${orderId}` });
  }

  function assertConflict(res: Call, status: string, message?: RegExp): void {
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'conflict');
    assert.equal(res.body.error.details?.status, status);
    if (message) assert.match(res.body.error.message, message);
  }

  /** The order's money once it is over: the escrow empty, each party's balance exact. */
  async function assertMoney(m: Market, orderId: number, expected: { escrow: number; buyer: number; seller: number; postings: string[] }): Promise<void> {
    const { escrow, buyer, seller, postings } = await moneyOf(db(), orderId, m);
    assert.deepEqual({ escrow, buyer, seller, postings }, expected, `money of order ${orderId}`);
  }
  async function revenue(): Promise<number> {
    const [row] = await db().sql<{ balance: string }[]>`select balance from ledger_accounts where key = 'platform:revenue'`;
    return Number(row?.balance ?? 0);
  }

  const deliver = (m: Market, orderId: number) =>
    actOk(call, m.seller, orderId, { type: 'deliver', text: 'The logo files', links: ['https://files.example.com/logo.zip'] });
  /** Delivers and accepts, so the escrow is released. */
  async function deliverAndAccept(m: Market, orderId: number): Promise<void> {
    await deliver(m, orderId);
    assert.equal((await actOk(call, m.buyer, orderId, { type: 'accept' })).status, 'completed');
  }

  // ───── the timers ─────

  it('cancels an order the seller has not started 24 h after placement: full refund and an ignored_order violation; a start a minute earlier keeps it', async () => {
    const [keptM, ignoredM] = await markets(2);
    const revenueBefore = await revenue();
    const kept = await place(keptM);
    const ignored = await place(ignoredM);
    assert.equal(pending(kept, 'start'), ms(kept.placedAt) + DAY);

    await sleepUntil(pending(kept, 'start') - MINUTE);
    assert.equal((await actOk(call, keptM.seller, kept.orderId, { type: 'start_work' })).status, 'in_progress');

    await sleepUntil(pending(ignored, 'start') + MINUTE);
    const view = await rowStatus(db(), ignored.orderId, 'cancelled');
    assert.deepEqual(
      [view.closure?.reason, view.closure?.refundedCents, view.closure?.feedbackAllowed],
      ['seller_ignored', PRICE, true],
    );
    assertConflict(await act(call, ignoredM.seller, ignored.orderId, { type: 'start_work' }), 'cancelled');
    assert.match((await notified(ignoredM.buyer, ignored.orderId, 'order_cancelled'))[0]!.text, /did not start work within 24 hours\. \$10\.00 is back on your balance/);
    await notified(ignoredM.seller, ignored.orderId, 'order_cancelled');
    const violations = await db().sql<{ order_id: string; kind: string }[]>`
      select order_id, kind from seller_violations where seller_id in (${keptM.seller.id}, ${ignoredM.seller.id})`;
    assert.deepEqual(violations.map((v) => [Number(v.order_id), v.kind]), [[ignored.orderId, 'ignored_order']]);
    assert.equal((await viewAs(call, keptM.buyer, kept.orderId)).status, 'in_progress', 'the started order is not cancelled');

    await deliverAndAccept(keptM, kept.orderId);
    await assertMoney(ignoredM, ignored.orderId, refunded);
    await assertMoney(keptM, kept.orderId, released);
    assert.equal((await revenue()) - revenueBefore, 200);
    await assertLedgerConsistent(db());
  });

  it('makes an undelivered order late at its deadline, after which the buyer cancels with a refund at once; a delivery a minute earlier goes to review', async () => {
    const [onTimeM, lateM] = await markets(2);
    const revenueBefore = await revenue();
    // With the requirements the work clock starts at placement: due 3 days later.
    const onTime = await place(onTimeM, { requirements: 'Brand: Acme; colours: teal and sand' });
    const late = await place(lateM, { requirements: 'Brand: Acme; colours: teal and sand' });
    assert.equal(ms(late.deadline!), ms(late.placedAt) + 3 * DAY);
    await actOk(call, onTimeM.seller, onTime.orderId, { type: 'start_work' });
    await actOk(call, lateM.seller, late.orderId, { type: 'start_work' });

    await sleepUntil(ms(onTime.deadline!) - MINUTE);
    assert.equal((await deliver(onTimeM, onTime.orderId)).status, 'in_review');
    assertConflict(await act(call, lateM.buyer, late.orderId, { type: 'cancel' }), 'in_progress', /only within 20 minutes .* or once it is late/);

    await sleepUntil(ms(late.deadline!) + MINUTE);
    await rowStatus(db(), late.orderId, 'late');
    await notified(lateM.buyer, late.orderId, 'late');
    await notified(lateM.seller, late.orderId, 'late');
    const cancelled = await actOk(call, lateM.buyer, late.orderId, { type: 'cancel' });
    assert.deepEqual([cancelled.status, cancelled.closure?.reason, cancelled.closure?.feedbackAllowed], ['cancelled', 'not_done_on_time', true]);
    // The refund is written before the action answers.
    await assertMoney(lateM, late.orderId, refunded);

    assert.equal((await actOk(call, onTimeM.buyer, onTime.orderId, { type: 'accept' })).status, 'completed');
    await assertMoney(onTimeM, onTime.orderId, released);
    assert.equal((await revenue()) - revenueBefore, 200);
    await assertLedgerConsistent(db());
  });

  it('opens “no contact with the buyer” 24 h after an information request in the conversation left unanswered: refused at 24 h − 1 minute, taken at + 1 minute; the buyer’s message answers it (K-20) and every message is the order’s activity (D-03)', async () => {
    const [silentM, answeringM] = await markets(2);
    const silent = await actOk(call, silentM.seller, (await place(silentM)).orderId, { type: 'start_work' });
    const answering = await actOk(call, answeringM.seller, (await place(answeringM)).orderId, { type: 'start_work' });
    const conversationOf = async (user: TestUser, orderId: number): Promise<number> => (await call('GET', `/orders/${orderId}/conversation`, { token: user.token })).body.id;
    const say = (user: TestUser, conversationId: number, text: string, kind?: 'info_request') =>
      call('POST', `/conversations/${conversationId}/messages`, { token: user.token, body: kind ? { text, kind } : { text } });
    const silentChat = await conversationOf(silentM.seller, silent.orderId);
    const answeringChat = await conversationOf(answeringM.seller, answering.orderId);

    // D-03: a party's message restarts K-11's 14 days.
    await sleepUntil(ms(answering.workStartedAt!) + 2 * HOUR);
    assert.equal((await say(answeringM.buyer, answeringChat, 'Hello! Looking forward to it.')).status, 201);
    const moved = await viewAs(call, answeringM.buyer, answering.orderId);
    assert.ok(ms(moved.lastActivityAt) >= ms(answering.workStartedAt!) + 2 * HOUR, moved.lastActivityAt);
    assert.equal(pending(moved, 'inactivity'), ms(moved.lastActivityAt) + 14 * DAY);

    for (const [m, chat] of [[silentM, silentChat], [answeringM, answeringChat]] as const) {
      const asked = await say(m.seller, chat, 'Which colours and which font?', 'info_request');
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      assert.equal(asked.body.message.kind, 'info_request');
    }
    // A second request while one waits is refused, and not stored; a buyer cannot send one.
    assertConflict(await say(silentM.seller, silentChat, 'And the size?', 'info_request'), 'in_progress', /already waits for the buyer/);
    assert.equal((await say(silentM.buyer, silentChat, 'A question back?', 'info_request')).status, 422);
    const silentMessages = (await call('GET', `/conversations/${silentChat}/messages`, { token: silentM.seller.token })).body.items;
    assert.deepEqual(silentMessages.map((m: { kind: string }) => m.kind), ['info_request'], 'the refused requests were not stored');
    const askedAt = ms((await viewAs(call, silentM.seller, silent.orderId)).question!.at);
    await notified(silentM.buyer, silent.orderId, 'question');

    assert.equal((await say(answeringM.buyer, answeringChat, 'Teal and sand, any sans-serif.')).status, 201);
    assert.notEqual((await viewAs(call, answeringM.seller, answering.orderId)).question?.answeredAt, null);

    const noContact = { type: 'request_cancellation', reason: 'no_contact_with_buyer' };
    await sleepUntil(askedAt + DAY - MINUTE);
    assertConflict(await act(call, silentM.seller, silent.orderId, noContact), 'in_progress', /opens 24 h after a question/);
    await sleepUntil(askedAt + DAY + MINUTE);
    const opened = await actOk(call, silentM.seller, silent.orderId, noContact);
    assert.deepEqual([opened.cancellation?.reason, opened.cancellation?.sufficient], ['no_contact_with_buyer', true]);
    assertConflict(await act(call, answeringM.seller, answering.orderId, noContact), 'in_progress', /opens 24 h after a question/);
  });

  it('lets the buyer cancel alone 19 minutes after placing an order, and refuses it at 21 minutes', async () => {
    const [earlyM, laterM] = await markets(2);
    const early = await place(earlyM);
    const later = await place(laterM);

    await sleepUntil(ms(early.placedAt) + 19 * MINUTE);
    const cancelled = await actOk(call, earlyM.buyer, early.orderId, { type: 'cancel' });
    assert.deepEqual([cancelled.status, cancelled.closure?.reason, cancelled.closure?.refundedCents], ['cancelled', 'buyer_free_cancel', PRICE]);
    await assertMoney(earlyM, early.orderId, refunded);
    await notified(earlyM.seller, early.orderId, 'order_cancelled');

    await sleepUntil(ms(later.placedAt) + 21 * MINUTE);
    assertConflict(await act(call, laterM.buyer, later.orderId, { type: 'cancel' }), 'awaiting_start', /within 20 minutes/);
    assert.equal((await viewAs(call, laterM.buyer, later.orderId)).allowedActions.includes('cancel'), false);

    // Still cancellable by agreement: the seller asks (a sufficient reason before work), the buyer accepts.
    await actOk(call, laterM.seller, later.orderId, { type: 'request_cancellation', reason: 'cannot_do_task' });
    const agreed = await actOk(call, laterM.buyer, later.orderId, { type: 'accept_cancellation' });
    assert.deepEqual([agreed.status, agreed.closure?.reason, agreed.closure?.feedbackAllowed], ['cancelled', 'cannot_do_task', false]);
    await assertMoney(laterM, later.orderId, refunded);
    await assertLedgerConsistent(db());
  });

  it('reminds a seller without a progress report every 3 days; a report a minute before puts the reminder off', async () => {
    const [reportingM, silentM] = await markets(2);
    // Ten days' work, so that two reminders fall before the deadline.
    await db().sql`update offers set lead_time_days = 10 where id in (${reportingM.offerId}, ${silentM.offerId})`;
    const revenueBefore = await revenue();
    const reporting = await actOk(call, reportingM.seller, (await place(reportingM)).orderId, { type: 'start_work' });
    const silent = await actOk(call, silentM.seller, (await place(silentM)).orderId, { type: 'start_work' });
    assert.equal(pending(silent, 'progress_reminder'), ms(silent.workStartedAt!) + 3 * DAY);

    await sleepUntil(pending(reporting, 'progress_reminder') - MINUTE);
    await actOk(call, reportingM.seller, reporting.orderId, { type: 'report_progress', percent: 30, comment: 'Three sketches done' });
    await notified(reportingM.buyer, reporting.orderId, 'progress');

    await sleepUntil(pending(silent, 'progress_reminder') + MINUTE);
    assert.match((await notified(silentM.seller, silent.orderId, 'progress_reminder'))[0]!.text, /No progress report on/);
    assert.deepEqual(await notifications(reportingM.seller, reporting.orderId, 'progress_reminder'), []);

    // Three days later: the silent seller's second reminder, and the first for the report three days old.
    await sleepUntil(ms(silent.workStartedAt!) + 6 * DAY + MINUTE);
    await notified(silentM.seller, silent.orderId, 'progress_reminder', 2);
    await notified(reportingM.seller, reporting.orderId, 'progress_reminder', 1);
    assert.equal((await notifications(reportingM.seller, reporting.orderId, 'progress_reminder')).length, 1);
    assert.equal((await viewAs(call, silentM.buyer, silent.orderId)).status, 'in_progress', 'reminders change nothing else');

    await deliverAndAccept(reportingM, reporting.orderId);
    await deliverAndAccept(silentM, silent.orderId);
    await assertMoney(reportingM, reporting.orderId, released);
    await assertMoney(silentM, silent.orderId, released);
    assert.equal((await revenue()) - revenueBefore, 400);
    await assertLedgerConsistent(db());
  });

  it('reminds the buyer 24 h before the automatic acceptance, and accepts a delivery 3 days after it; the buyer’s accept a minute earlier wins', async () => {
    const [earlyM, lastMinuteM, autoM] = await markets(3);
    const revenueBefore = await revenue();
    const delivered: OrderView[] = [];
    for (const m of [earlyM, lastMinuteM, autoM]) {
      const order = await place(m);
      await actOk(call, m.seller, order.orderId, { type: 'start_work' });
      delivered.push(await deliver(m, order.orderId));
    }
    const [early, lastMinute, auto] = delivered as [OrderView, OrderView, OrderView];
    const deliveredAt = (v: OrderView) => ms(v.deliveries[0]!.at);
    assert.equal(pending(auto, 'review_reminder'), deliveredAt(auto) + 2 * DAY);
    assert.equal(pending(auto, 'review'), deliveredAt(auto) + 3 * DAY);

    // A minute before the reminder: the buyer accepts, and is never reminded.
    await sleepUntil(deliveredAt(early) + 2 * DAY - MINUTE);
    const accepted = await actOk(call, earlyM.buyer, early.orderId, { type: 'accept' });
    assert.deepEqual([accepted.status, accepted.closure?.reason], ['completed', 'accepted']);
    assert.equal((await viewAs(call, autoM.buyer, auto.orderId)).timeline.some((e) => e.event === 'review_reminder'), false);

    await sleepUntil(deliveredAt(auto) + 2 * DAY + MINUTE);
    assert.match((await notified(autoM.buyer, auto.orderId, 'review_reminder'))[0]!.text, new RegExp(`accepted automatically at ${new Date(deliveredAt(auto) + 3 * DAY).toISOString()}`));
    await notified(lastMinuteM.buyer, lastMinute.orderId, 'review_reminder');
    assert.deepEqual(await notifications(earlyM.buyer, early.orderId, 'review_reminder'), []);

    await sleepUntil(deliveredAt(lastMinute) + 3 * DAY - MINUTE);
    const lastMinuteAccept = await actOk(call, lastMinuteM.buyer, lastMinute.orderId, { type: 'accept' });
    assert.deepEqual([lastMinuteAccept.status, lastMinuteAccept.closure?.reason], ['completed', 'accepted']);

    await sleepUntil(deliveredAt(auto) + 3 * DAY + MINUTE);
    const autoView = await rowStatus(db(), auto.orderId, 'completed');
    assert.deepEqual(
      [autoView.closure?.reason, autoView.closure?.toSellerCents, autoView.closure?.commissionCents, autoView.closure?.refundedCents],
      ['auto_accepted', 800, 200, 0],
    );
    assertConflict(await act(call, autoM.buyer, auto.orderId, { type: 'request_revision', reason: 'Too late now?' }), 'completed');
    assert.match((await notified(autoM.seller, auto.orderId, 'order_completed'))[0]!.text, /\$8\.00 is on your balance/);

    for (const [m, v] of [[earlyM, early], [lastMinuteM, lastMinute], [autoM, auto]] as const) await assertMoney(m, v.orderId, released);
    assert.equal((await revenue()) - revenueBefore, 600);
    await assertLedgerConsistent(db());
  });

  it('cancels an order 14 days after either party last acted, with a refund; a progress report a minute before keeps it open', async () => {
    const [keptM, idleM] = await markets(2);
    const revenueBefore = await revenue();
    const kept = await actOk(call, keptM.seller, (await place(keptM)).orderId, { type: 'start_work' });
    const idle = await actOk(call, idleM.seller, (await place(idleM)).orderId, { type: 'start_work' });
    assert.equal(pending(idle, 'inactivity'), ms(idle.lastActivityAt) + 14 * DAY);

    // The timers on the way (late at 3 days, progress reminders) are not activity.
    await sleepUntil(ms(kept.lastActivityAt) + 14 * DAY - MINUTE);
    const reported = await actOk(call, keptM.seller, kept.orderId, { type: 'report_progress', percent: 90, comment: 'Nearly there' });
    assert.equal(reported.status, 'late');

    await sleepUntil(ms(idle.lastActivityAt) + 14 * DAY + MINUTE);
    const idleView = await rowStatus(db(), idle.orderId, 'cancelled');
    assert.deepEqual([idleView.closure?.reason, idleView.closure?.refundedCents], ['inactivity', PRICE]);
    assertConflict(await act(call, idleM.seller, idle.orderId, { type: 'deliver', text: 'Finally', links: [] }), 'cancelled');
    await notified(idleM.buyer, idle.orderId, 'order_cancelled');
    assert.equal((await viewAs(call, keptM.buyer, kept.orderId)).status, 'late');

    await deliverAndAccept(keptM, kept.orderId);
    await assertMoney(idleM, idle.orderId, refunded);
    await assertMoney(keptM, kept.orderId, released);
    assert.equal((await revenue()) - revenueBefore, 200);
    await assertLedgerConsistent(db());
  });

  it('cancels an order whose cancellation request goes unanswered for 2 days, with a refund; a decline a minute before keeps it', async () => {
    const [declinedM, lapsedM] = await markets(2);
    const revenueBefore = await revenue();
    const requested: OrderView[] = [];
    for (const m of [declinedM, lapsedM]) {
      const { orderId } = await place(m);
      await actOk(call, m.seller, orderId, { type: 'start_work' });
      requested.push(await actOk(call, m.seller, orderId, { type: 'request_cancellation', reason: 'too_busy', comment: 'Overbooked this week' }));
    }
    const [declined, lapsed] = requested as [OrderView, OrderView];
    assert.equal(lapsed.cancellation?.sufficient, false);
    assert.equal(pending(lapsed, 'cancellation_answer'), ms(lapsed.cancellation!.at) + 2 * DAY);
    await notified(lapsedM.buyer, lapsed.orderId, 'cancellation_requested');

    await sleepUntil(ms(declined.cancellation!.at) + 2 * DAY - MINUTE);
    const kept = await actOk(call, declinedM.buyer, declined.orderId, { type: 'decline_cancellation' });
    assert.deepEqual([kept.status, kept.cancellation], ['in_progress', null]);

    await sleepUntil(ms(lapsed.cancellation!.at) + 2 * DAY + MINUTE);
    const lapsedView = await rowStatus(db(), lapsed.orderId, 'cancelled');
    assert.deepEqual([lapsedView.closure?.reason, lapsedView.closure?.feedbackAllowed, lapsedView.closure?.refundedCents], ['too_busy', true, PRICE]);
    assertConflict(await act(call, lapsedM.buyer, lapsed.orderId, { type: 'accept_cancellation' }), 'cancelled');
    assert.equal((await viewAs(call, declinedM.buyer, declined.orderId)).status, 'in_progress');

    await deliverAndAccept(declinedM, declined.orderId);
    await assertMoney(lapsedM, lapsed.orderId, refunded);
    await assertMoney(declinedM, declined.orderId, released);
    assert.equal((await revenue()) - revenueBefore, 200);
    await assertLedgerConsistent(db());
  });

  it('sends a dispute to the arbiters 2 days after it opens without an answer, and alerts admins 5 business days after a case is ready; an answer or a decision a minute before wins', async () => {
    const [answeredM, silentM] = await markets(2);
    const arbiter = await staff('arbiter');
    const admin = await staff('admin');
    const revenueBefore = await revenue();
    const disputed: OrderView[] = [];
    for (const m of [answeredM, silentM]) {
      const { orderId } = await place(m);
      await actOk(call, m.seller, orderId, { type: 'start_work' });
      await deliver(m, orderId);
      disputed.push(await actOk(call, m.buyer, orderId, { type: 'open_dispute', statement: 'The logo is not what I ordered' }));
    }
    const [answered, silent] = disputed as [OrderView, OrderView];
    assert.equal(pending(silent, 'dispute_answer'), ms(silent.dispute!.openedAt) + 2 * DAY);

    // The dispute answer period: 2 days.
    await sleepUntil(ms(answered.dispute!.openedAt) + 2 * DAY - MINUTE);
    const answer = await actOk(call, answeredM.seller, answered.orderId, { type: 'answer_dispute', statement: 'It follows the brief' });
    assert.equal(answer.dispute?.answer, 'It follows the brief');
    await notified(arbiter, answered.orderId, 'case_ready');

    await sleepUntil(ms(silent.dispute!.openedAt) + 2 * DAY + MINUTE);
    const ready = await pollUntil(async () => {
      const [row] = await db().sql<{ view: OrderView }[]>`select view from orders where id = ${silent.orderId}`;
      return row?.view.dispute?.readyAt ? row.view : undefined;
    }, { timeoutMs: 20_000, what: 'the silent dispute to be ready for an arbiter' });
    assert.deepEqual([ready.status, ready.dispute?.answer], ['arbitration', null]);
    // Ready when the timer fired: at the end of the answer period (workflow time runs a few ms behind the deadline's instant).
    const readyDelay = ms(ready.dispute!.readyAt!) - (ms(silent.dispute!.openedAt) + 2 * DAY);
    assert.ok(readyDelay >= 0 && readyDelay < MINUTE, `ready ${readyDelay} ms after the answer period`);
    await notified(arbiter, silent.orderId, 'case_ready');
    assertConflict(await act(call, silentM.seller, silent.orderId, { type: 'answer_dispute', statement: 'Too late' }), 'arbitration', /the answer period is over|the dispute answer deadline has passed/);

    // The arbiter's 5 business days from the case being ready.
    const take = (orderId: number) => call('POST', `/arbitration/orders/${orderId}/take`, { token: arbiter.token });
    const decide = (orderId: number, decision: Record<string, unknown>) =>
      call('POST', `/arbitration/orders/${orderId}/decision`, { token: arbiter.token, body: { decision, comment: 'Decided on the evidence' } });
    const answeredCase = (await take(answered.orderId)).body as OrderView;
    const silentCase = (await take(silent.orderId)).body as OrderView;
    const answeredDue = pending(answeredCase, 'arbitration_decision');
    const silentDue = pending(silentCase, 'arbitration_decision');
    assert.ok(answeredDue - ms(answeredCase.dispute!.readyAt!) >= 5 * DAY, 'five business days are at least five days');

    await sleepUntil(answeredDue - MINUTE);
    const paid = await decide(answered.orderId, { kind: 'pay_seller' });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.deepEqual([paid.body.status, paid.body.closure.reason], ['completed', 'arbitration']);

    await sleepUntil(silentDue + MINUTE);
    assert.match((await notified(admin, silent.orderId, 'arbitration_overdue'))[0]!.text, /No decision within 5 business days/);
    assert.deepEqual(await notifications(admin, answered.orderId, 'arbitration_overdue'), []);
    const stillOpen = await viewAs(call, silentM.buyer, silent.orderId);
    assert.equal(stillOpen.status, 'arbitration', 'an overdue case stays open for the arbiter');
    assert.ok(stillOpen.dispute?.overdueAlertedAt);

    const split = await decide(silent.orderId, { kind: 'split', sellerAmountCents: 600 });
    assert.equal(split.status, 200, JSON.stringify(split.body));
    const { kind, reason, toSellerCents, commissionCents, refundedCents } = split.body.closure;
    assert.deepEqual({ kind, reason, toSellerCents, commissionCents, refundedCents }, { kind: 'split', reason: 'arbitration', toSellerCents: 480, commissionCents: 120, refundedCents: 400 });

    await assertMoney(answeredM, answered.orderId, released);
    await assertMoney(silentM, silent.orderId, { escrow: 0, buyer: FUNDS - PRICE + 400, seller: 480, postings: ['hold', 'split'] });
    assert.equal((await revenue()) - revenueBefore, 200 + 120);
    await assertLedgerConsistent(db());
  });

  it('lets the 24 h cancellation win over a start that reaches the workflow with the timer, when no worker ran at the deadline', async () => {
    const m = await market(call, db(), { fundsCents: FUNDS, priceCents: PRICE });
    // A task queue of its own, whose workers this test stops and starts. The first worker keeps
    // no workflow cache, so once it stops it leaves no sticky queue for the server to wait on.
    // The second keeps the default cache: without one, the SDK evicts a run while its write (a
    // local activity) is in flight, and the workflow task failed and came back every 10 s until
    // a write happened to finish first (this case took 12–72 s in past runs; now under 2).
    const taskQueue = uniqueId('order-timers-outage');
    const outageCall = apiFor(taskQueue);
    const workerFor = (cache?: { maxCachedWorkflows: 0 }) => Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities, ...cache });
    const order = await (await workerFor({ maxCachedWorkflows: 0 })).runUntil(async () => {
      const placed = await placeOrder(outageCall, m.buyer, { offerId: m.offerId });
      const handle = env.client.workflow.getHandle(orderWorkflowId(placed.orderId));
      await pollUntil(async () => (await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes) ?? false, {
        timeoutMs: 20_000,
        what: 'the order to start its first timer',
      });
      return placed;
    });

    // No worker: the server's time passes the deadline and the timer's workflow task waits (so does the sleep).
    const sleeping = env.sleep(DAY + MINUTE);
    const due = pending(order, 'start');
    await pollUntil(async () => (await env.currentTimeMs()) > due, { timeoutMs: 20_000, what: 'the server time to pass the start deadline' });
    // Sent now, the start usually reaches the worker in the same activation as the fired timer,
    // where update handlers run first; either way it must lose to the timer.
    const late = act(outageCall, m.seller, order.orderId, { type: 'start_work' });
    const refused = await (await workerFor()).runUntil(async () => {
      const res = await late;
      await sleeping;
      await rowStatus(db(), order.orderId, 'cancelled');
      return res;
    });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'conflict');

    const view = await rowStatus(db(), order.orderId, 'cancelled');
    assert.equal(view.closure?.reason, 'seller_ignored');
    const violations = await db().sql<{ kind: string }[]>`select kind from seller_violations where order_id = ${order.orderId}`;
    assert.deepEqual(violations.map((v) => v.kind), ['ignored_order']);
    await assertMoney(m, order.orderId, refunded);
    await assertLedgerConsistent(db());
  });
});
