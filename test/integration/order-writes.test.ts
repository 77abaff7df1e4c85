/**
 * `recordOrderEvent`, the local activity that writes each order transition, against a real
 * PostgreSQL. A local activity can run again after it wrote (a worker that died before
 * reporting, a retry), so every write here is run twice: the order's row, the parties'
 * notifications, the seller's completed-order count, a seller violation, staff notices with
 * their emails, and the money must each land exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLedger } from '../../db/ledger.js';
import type { OrderEventRecord } from '../../activities/orders.js';
import * as machine from '../../workflows/order/machine.js';
import type { ActArgs, OrderInput } from '../../workflows/order/messages.js';
import { insertOffer } from '../support/catalog.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';
import { placeWithoutWorkflow, recordTwice as recordTransitionTwice } from '../support/order-writes.js';

const PRICE = 1_000;

describe('an order transition’s writes, when its local activity runs twice', () => {
  let database: TestDatabase;
  let buyer: { id: number; login: string };
  let seller: { id: number; login: string };
  let arbiterIds: number[];
  let offerId: number;
  /** Each placement's idempotency key: one per placement, so each places a new order. */
  let placements = 0;

  before(async () => {
    database = await createTestDatabase(import.meta.filename);
    const user = async (login: string, roles: string[] = []) => {
      const [row] = await database.db.sql<{ id: string }[]>`
        insert into users (login, email, email_confirmed_at, roles) values (${login}, ${`${login}@example.com`}, now(), ${roles}) returning id`;
      return { id: Number(row!.id), login };
    };
    buyer = await user('writes_buyer');
    seller = await user('writes_seller');
    arbiterIds = [(await user('writes_arbiter_1', ['arbiter'])).id, (await user('writes_arbiter_2', ['arbiter'])).id];
    offerId = await insertOffer(database.db, seller.id, { priceCents: PRICE });
    await createLedger(database.db).topUp({ topUpId: `writes-${buyer.id}`, userId: buyer.id, amount: 10 * PRICE, method: 'card' });
  });
  after(async () => {
    await database?.drop();
  });

  async function place(): Promise<{ state: machine.OrderState; input: OrderInput }> {
    const input = await placeWithoutWorkflow(database.db, buyer, offerId, `writes-${++placements}`);
    return { state: machine.initialState(input), input };
  }

  /** The violations each write reported to the seller's standing (the worker's client would signal it). */
  const reported: string[] = [];
  const report = async (record: OrderEventRecord) => void (record.effects.violation && reported.push(`${record.orderId}:${record.effects.violation}`));

  /** Writes a transition as the workflow does, twice; returns the state after it. */
  const recordTwice = (input: OrderInput, transition: machine.Transition, now: string) => recordTransitionTwice(database.db, report, input, transition, now);

  async function act(input: OrderInput, state: machine.OrderState, by: 'buyer' | 'seller', action: ActArgs['action']): Promise<machine.OrderState> {
    const now = new Date().toISOString();
    const args: ActArgs = { actor: { role: by, userId: by === 'buyer' ? input.buyer.id : input.seller.id }, action };
    machine.assertCanAct(state, args, now);
    return recordTwice(input, machine.act(state, args, now), now);
  }

  const balance = async (key: string) => {
    const [row] = await database.db.sql<{ balance: string }[]>`select balance from ledger_accounts where key = ${key}`;
    return Number(row?.balance ?? 0);
  };
  const completedOrders = async () => {
    const [row] = await database.db.sql<{ n: number }[]>`select completed_orders as n from seller_stats where user_id = ${seller.id}`;
    return row?.n ?? 0;
  };
  const notices = (orderId: number) =>
    database.db.sql<{ user_id: string; kind: string }[]>`select user_id, kind from notifications where order_id = ${orderId} order by id`;

  it('a completed order: its row, one notice per event, one completed order for the seller, its money released once', async () => {
    const before = { completed: await completedOrders(), seller: await balance(`user:${seller.id}:main`) };
    const { state, input } = await place();
    let s = await act(input, state, 'seller', { type: 'start_work' });
    s = await act(input, s, 'seller', { type: 'deliver', text: 'The logo.', links: [] });
    s = await act(input, s, 'buyer', { type: 'accept' });

    const [row] = await database.db.sql<{ status: string; seq: number }[]>`select status, seq from orders where id = ${input.orderId}`;
    assert.deepEqual(row, { status: 'completed', seq: s.seq });
    assert.deepEqual(
      (await notices(input.orderId)).map((n) => `${Number(n.user_id) === buyer.id ? 'buyer' : 'seller'}:${n.kind}`),
      ['seller:order_placed', 'buyer:work_started', 'buyer:delivered', 'seller:order_completed'],
    );
    assert.equal(await completedOrders(), before.completed + 1);
    assert.equal(await balance(`order:${input.orderId}:escrow`), 0);
    assert.equal(await balance(`user:${seller.id}:main`), before.seller + 800);
  });

  it('an ignored order: one seller violation, one refund, and the standing told on each attempt (it counts the order once)', async () => {
    const buyerBefore = await balance(`user:${buyer.id}:main`);
    const { state, input } = await place();
    assert.equal(await balance(`user:${buyer.id}:main`), buyerBefore - PRICE);
    const deadline = machine.nextDeadline(state)!;
    assert.equal(deadline.kind, 'start');
    await recordTwice(input, machine.onDeadline(state, deadline, deadline.at), deadline.at);

    const violations = await database.db.sql<{ kind: string }[]>`select kind from seller_violations where order_id = ${input.orderId}`;
    assert.deepEqual(violations.map((v) => v.kind), ['ignored_order']);
    assert.deepEqual(reported.filter((r) => r.startsWith(`${input.orderId}:`)), [`${input.orderId}:ignored_order`, `${input.orderId}:ignored_order`]);
    const [row] = await database.db.sql<{ status: string }[]>`select status from orders where id = ${input.orderId}`;
    assert.equal(row!.status, 'cancelled');
    assert.equal(await balance(`user:${buyer.id}:main`), buyerBefore);
  });

  it('a dispute ready for an arbiter: one notice and one email for each arbiter', async () => {
    const { state, input } = await place();
    let s = await act(input, state, 'seller', { type: 'start_work' });
    s = await act(input, s, 'seller', { type: 'deliver', text: 'The logo.', links: [] });
    s = await act(input, s, 'buyer', { type: 'open_dispute', statement: 'This is not the logo we agreed on.' });
    s = await act(input, s, 'seller', { type: 'answer_dispute', statement: 'It is, as the brief said.' });
    assert.equal(s.status, 'arbitration');

    const toArbiters = (await notices(input.orderId)).filter((n) => arbiterIds.includes(Number(n.user_id)));
    assert.deepEqual(toArbiters.map((n) => n.kind), ['case_ready', 'case_ready']);
    assert.deepEqual(new Set(toArbiters.map((n) => Number(n.user_id))), new Set(arbiterIds));
    const [mail] = await database.db.sql<{ n: number }[]>`
      select count(*)::int as n from outbox where kind = 'order_case_ready' and subject like ${`Order ${input.orderId}:%`}`;
    assert.equal(mail!.n, arbiterIds.length);
  });
});
