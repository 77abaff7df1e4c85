/**
 * The seller's earnings (`/seller/earnings`): the balance (what can be withdrawn, what is held),
 * and what completed and split orders paid the seller, from the statement (the ledger's
 * postings to the main balance: the amount after commission).
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { Wallet } from '../../../services/wallet.js';
import type { WebDeps, WebEnv } from '../../context.js';
import { page, userOf } from '../../page.js';
import { Money, Time, type Viewer } from '../../ui.js';
import { SellerNav } from './offers.js';

/** How far back the page reads the statement (its newest postings). */
const STATEMENT_LIMIT = 200;
type StatementItem = Awaited<ReturnType<Wallet['statement']>>['items'][number];
const ORDER_KEY = /^order:(\d+):(release|split)$/;

interface Earning {
  orderId: number;
  kind: string;
  amountCents: number;
  at: string;
  description: string;
}

/** Credits to the main balance from orders: payments on completion (release) and the seller's part of a split. */
export function earningsOf(items: StatementItem[]): Earning[] {
  return items.flatMap((i) => {
    const m = ORDER_KEY.exec(i.idempotencyKey);
    return m && i.account === 'main' && i.amount > 0 ? [{ orderId: Number(m[1]), kind: m[2]!, amountCents: i.amount, at: i.createdAt, description: i.description }] : [];
  });
}

export function earningsPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  app.get('/seller/earnings', async (c) => {
    const user = userOf(c);
    const { wallet } = deps.services;
    const [balance, statement] = await Promise.all([wallet.balance(user.id), wallet.statement(user.id, { limit: STATEMENT_LIMIT })]);
    const earnings = earningsOf(statement.items);
    const total = earnings.reduce((sum, e) => sum + e.amountCents, 0);
    return page(c, deps, 'Earnings', (v) => (
      <>
        <SellerNav />
        <section aria-labelledby="balance-heading">
          <h2 id="balance-heading">Balance</h2>
          <dl class="facts" id="balance">
            <dt>Main balance</dt>
            <dd>
              <Money cents={balance.mainCents} />
            </dd>
            <dt>Withdrawable now</dt>
            <dd>
              <Money cents={balance.withdrawableCents} />
            </dd>
            <dt>Held in escrow for your purchases</dt>
            <dd>
              <Money cents={balance.escrowCents} />
            </dd>
            <dt>Earned from orders (below)</dt>
            <dd id="earned-total">
              <Money cents={total} />
            </dd>
          </dl>
        </section>
        <EarningsTable viewer={v} earnings={earnings} />
      </>
    ));
  });
  return app;
}

const EarningsTable: FC<{ viewer: Viewer; earnings: Earning[] }> = ({ viewer, earnings }) => (
  <section aria-labelledby="earned-heading">
    <h2 id="earned-heading">Paid for orders</h2>
    {earnings.length === 0 ? (
      <p class="muted">No order has paid you yet: the money comes when the buyer accepts (or an arbiter decides).</p>
    ) : (
      <div class="table-wrap">
        <table id="earnings">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Order</th>
              <th scope="col">How</th>
              <th scope="col">You earned</th>
            </tr>
          </thead>
          <tbody>
            {earnings.map((e) => (
              <tr data-order-id={String(e.orderId)}>
                <td>
                  <Time at={e.at} zone={viewer.timeZone} />
                </td>
                <td>
                  <a href={`/orders/${e.orderId}`}>Order #{e.orderId}</a>
                </td>
                <td>{e.kind === 'split' ? 'split by an arbiter' : 'completed'}</td>
                <td>
                  <Money cents={e.amountCents} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </section>
);
