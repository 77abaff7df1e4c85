/**
 * The daily buyer-status runs whose histories `npm run histories:capture -- buyer-statuses`
 * records for the replay test (`test/replay/histories.test.ts`), on a real worker:
 * a run with no Super buyer to look at, and a run that takes the status from a buyer whose 12
 * purchases are four months old (K-35). Each run is started as the Schedule starts it.
 */
import assert from 'node:assert/strict';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { buyerStatusesWorkflowType, type BuyerStatusesView } from '../../workflows/buyer-statuses/messages.js';
import { DAY } from '../../workflows/lib/time.js';
import { insertOffer } from './catalog.js';
import { insertOrder } from './closed-orders.js';
import { uniqueId } from './harness.js';
import { createUsers } from './ledger.js';
import type { ScenarioEnv } from './order-scenarios.js';

/** The fixtures, each `buyer-statuses-<name>.json`. */
export const buyerStatusScenarios = ['nobody-due', 'super-buyer-lapses'] as const;
export const buyerStatusHistoryFile = (name: (typeof buyerStatusScenarios)[number]) => `buyer-statuses-${name}.json`;

/** One run as the Schedule starts it (no arguments), to its end: its result and history. */
async function runOnce(env: ScenarioEnv): Promise<{ view: BuyerStatusesView; history: string }> {
  const handle = await env.temporal.workflow.start<(args: Record<string, never>) => Promise<BuyerStatusesView>>(buyerStatusesWorkflowType, {
    taskQueue: env.taskQueue,
    workflowId: uniqueId('buyer-statuses'),
    args: [{}],
  });
  const view = await handle.result();
  return { view, history: historyToJSON(await handle.fetchHistory()) };
}

/** Runs both scenarios, checks each ended as expected, and answers the histories by fixture file. */
export async function captureBuyerStatusHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  // First, while this database holds no Super buyer.
  const quiet = await runOnce(env);
  assert.deepEqual(quiet.view.result, { evaluated: 0, lost: [] });

  const [sellerId, buyerId] = await createUsers(env.db, 2);
  const [row] = await env.db.sql<{ login: string }[]>`select login from users where id = ${buyerId!}`;
  const buyer = { id: buyerId!, login: row!.login };
  const offerId = await insertOffer(env.db, sellerId!);
  // 12 purchases a day apart, four months ago: a Super buyer then, whose window has passed.
  const first = Date.now() - 125 * DAY;
  for (let i = 0; i < 12; i++) await insertOrder(env.db, { buyer, offerId, ending: 'accepted', placedAt: new Date(first + i * DAY) });
  const lapses = await runOnce(env);
  assert.deepEqual(lapses.view.result, { evaluated: 1, lost: [buyer.id] });

  return new Map([
    [buyerStatusHistoryFile('nobody-due'), quiet.history],
    [buyerStatusHistoryFile('super-buyer-lapses'), lapses.history],
  ]);
}
