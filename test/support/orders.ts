/**
 * What order tests share: a marketplace (a seller with an active offer, a buyer with money),
 * placing orders and acting on them through the API, and reading the money an order moved.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLedger } from '../../db/ledger.js';
import type { Db } from '../../db/client.js';
import { pollUntil } from '../../scripts/poll.js';
import type { OrderDetails } from '../../services/orders.js';
import type { OrderView } from '../../workflows/order/messages.js';
import type { Caller, TestUser } from './api.js';
import { signUp } from './api.js';
import { insertOffer } from './catalog.js';
import { uniqueId } from './harness.js';

export interface Market {
  seller: TestUser;
  buyer: TestUser;
  offerId: number;
}

/** Puts `amountCents` on the user's main balance, as an approved top-up would. */
export async function fund(db: Db, userId: number, amountCents: number): Promise<void> {
  await createLedger(db).topUp({ topUpId: uniqueId('fund'), userId, amount: amountCents, method: 'paypal' });
}

/** A seller with an active $10 offer (3 days' lead time) and a buyer with `fundsCents` on their balance. */
export async function market(call: Caller, db: Db, opts: { fundsCents?: number; priceCents?: number } = {}): Promise<Market> {
  const seller = await signUp(call, 'seller');
  const buyer = await signUp(call, 'buyer');
  const offerId = await insertOffer(db, seller.id, { priceCents: opts.priceCents ?? 1_000, title: `Logo design ${uniqueId('o')}` });
  if (opts.fundsCents !== 0) await fund(db, buyer.id, opts.fundsCents ?? 10_000);
  return { seller, buyer, offerId };
}

/** `POST /orders` with a fresh Idempotency-Key; asserts 201 and returns the view. */
export async function placeOrder(call: Caller, buyer: TestUser, body: Record<string, unknown>): Promise<OrderView> {
  const res = await call('POST', '/orders', { token: buyer.token, body, headers: { 'idempotency-key': randomUUID() } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** `POST /orders/{id}/actions`; returns the raw response. */
export function act(call: Caller, user: TestUser, orderId: number, action: Record<string, unknown>) {
  return call('POST', `/orders/${orderId}/actions`, { token: user.token, body: action });
}

/** Acts and asserts 200; returns the view. */
export async function actOk(call: Caller, user: TestUser, orderId: number, action: Record<string, unknown>): Promise<OrderDetails> {
  const res = await act(call, user, orderId, action);
  assert.equal(res.status, 200, `${String(action.type)}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The order as `user` sees it. */
export async function viewAs(call: Caller, user: TestUser, orderId: number): Promise<OrderDetails> {
  const res = await call('GET', `/orders/${orderId}`, { token: user.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Waits (bounded) until the order's read-model row has `status`, and returns the row's view. */
export async function rowStatus(db: Db, orderId: number, status: string, timeoutMs = 20_000): Promise<OrderView> {
  return pollUntil(
    async () => {
      const [row] = await db.sql<{ status: string; view: OrderView }[]>`select status, view from orders where id = ${orderId}`;
      return row?.status === status ? row.view : undefined;
    },
    { timeoutMs, what: `order ${orderId} to be ${status}` },
  );
}

export interface OrderMoney {
  escrow: number;
  /** Buyer main + bonus. */
  buyer: number;
  seller: number;
  revenue: number;
  /** Ledger transactions of the order by kind (hold, release, refund, split). */
  postings: string[];
}

/** Where an order's money is now, from the ledger. */
export async function moneyOf(db: Db, orderId: number, m: { buyer: { id: number }; seller: { id: number } }): Promise<OrderMoney> {
  const balance = async (key: string) => {
    const [row] = await db.sql<{ balance: string }[]>`select balance from ledger_accounts where key = ${key}`;
    return Number(row?.balance ?? 0);
  };
  const kinds = await db.sql<{ kind: string }[]>`
    select kind from ledger_transactions where idempotency_key like ${`order:${orderId}:%`} order by id`;
  return {
    escrow: await balance(`order:${orderId}:escrow`),
    buyer: (await balance(`user:${m.buyer.id}:main`)) + (await balance(`user:${m.buyer.id}:bonus`)),
    seller: await balance(`user:${m.seller.id}:main`),
    revenue: await balance('platform:revenue'),
    postings: kinds.map((k) => k.kind),
  };
}
