/**
 * The daily re-evaluation of buyer statuses (K-35) on the time-skipping server: the real
 * `buyerStatusesWorkflow` and activities over a test database. A buyer with 12 purchases in 3
 * months is a Super buyer (recomputed by the purchase's own write); when the 3-month window
 * passes the oldest of them with no new purchase, the day's run takes the status away — and a
 * run a minute before that boundary keeps it. The server has no Schedules: the test starts the
 * runs the Schedule would (`scripts/buyer-status-schedule.ts`), at the server's time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buyerStatusesWorkflowType, type BuyerStatusesView } from '../../workflows/buyer-statuses/messages.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { insertOffer } from '../support/catalog.js';
import { insertOrder } from '../support/closed-orders.js';
import { startTimeSkippingStack, uniqueId, type TestDatabase, type TimeSkippingStack } from '../support/harness.js';
import { insertConfirmedUser } from '../support/ledger.js';

describe('buyer statuses re-evaluated daily on the time-skipping server (K-35)', () => {
  let stack: TimeSkippingStack;
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let taskQueue: string;

  before(async () => {
    stack = await startTimeSkippingStack(import.meta.filename, 'buyer-statuses');
    ({ env, database, taskQueue } = stack);
  });
  after(() => stack?.stop());

  const user = (login: string) => insertConfirmedUser(database.db, login);

  async function statusOf(buyerId: number) {
    const [row] = await database.db.sql<{ rank: string | null; super_buyer: boolean; purchases: number; recent_purchases: number }[]>`
      select rank, super_buyer, purchases, recent_purchases from buyer_stats where user_id = ${buyerId}`;
    return row ? { rank: row.rank, superBuyer: row.super_buyer, purchases: row.purchases, recent: row.recent_purchases } : null;
  }

  /** One run, as the Schedule starts it: no arguments, evaluated at its start (the server's time). */
  const run = () => env.client.workflow.execute<(args: Record<string, never>) => Promise<BuyerStatusesView>>(buyerStatusesWorkflowType, { taskQueue, workflowId: uniqueId('buyer-statuses'), args: [{}] });

  async function sleepUntil(atMs: number): Promise<void> {
    const now = await env.currentTimeMs();
    assert.ok(atMs > now, `cannot sleep back to ${new Date(atMs).toISOString()}`);
    await env.sleep(atMs - now);
  }

  it('keeps Super buyer a minute before the oldest of 12 purchases leaves the 3 months, and takes it away a minute after', async () => {
    const seller = await user('bs_seller');
    const buyer = await user('bs_buyer');
    const offerId = await insertOffer(database.db, seller.id);
    // 12 purchases a day apart, the first placed about two months before the server's now, on a
    // day of the month that every month has (so "3 months later" is the same day and time).
    const now = new Date(await env.currentTimeMs());
    const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, Math.min(now.getUTCDate(), 20), 9);
    for (let i = 0; i < 12; i++) await insertOrder(database.db, { buyer, offerId, ending: 'accepted', placedAt: new Date(first + i * DAY) });
    assert.deepEqual(await statusOf(buyer.id), { rank: 'accustomed', superBuyer: true, purchases: 12, recent: 12 }, 'the 12th purchase made a Super buyer');

    const [oldest] = await database.db.sql<{ at: string }[]>`
      select min(closure->>'at') as at from orders where buyer_id = ${buyer.id}`;
    const p = new Date(oldest!.at);
    const boundary = Date.UTC(p.getUTCFullYear(), p.getUTCMonth() + 3, p.getUTCDate(), p.getUTCHours(), p.getUTCMinutes(), p.getUTCSeconds(), p.getUTCMilliseconds());

    await sleepUntil(boundary - MINUTE);
    const before = await run();
    assert.equal(before.status, 'done');
    assert.deepEqual(before.result, { evaluated: 1, lost: [] });
    assert.deepEqual(await statusOf(buyer.id), { rank: 'accustomed', superBuyer: true, purchases: 12, recent: 12 }, 'all 12 still within the 3 months');

    await sleepUntil(boundary + MINUTE);
    const afterRun = await run();
    assert.deepEqual(afterRun.result, { evaluated: 1, lost: [buyer.id] });
    assert.deepEqual(await statusOf(buyer.id), { rank: 'accustomed', superBuyer: false, purchases: 12, recent: 11 }, 'Super buyer lost; the rank stays');

    // A later run has no Super buyer left to look at.
    await sleepUntil(boundary + DAY);
    assert.deepEqual((await run()).result, { evaluated: 0, lost: [] });
  });
});
