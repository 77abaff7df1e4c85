/**
 * The monthly affiliate payout runs whose histories `npm run histories:capture -- affiliate-payout`
 * records for the replay test (`test/replay/histories.test.ts`), on a real worker with a scripted
 * PayPal (`scriptedPaypal`): a run with nothing due, and a run that pays a withdrawal set up at
 * the cut-off's last instant and an automatic payout, and fails a payout PayPal refuses (W-28…W-30).
 */
import assert from 'node:assert/strict';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { requestAffiliateWithdrawalIn } from '../../db/affiliate-payouts.js';
import { affiliatePayoutWorkflowId, affiliatePayoutWorkflowType, type AffiliatePayoutArgs, type AffiliatePayoutView } from '../../workflows/affiliate-payout/messages.js';
import { approveJob, makeAffiliate, referredClient } from './affiliates.js';
import { uniqueId } from './harness.js';
import { insertConfirmedUser } from './ledger.js';
import type { ScenarioEnv } from './order-scenarios.js';

/** The fixtures, each `affiliate-payout-<name>.json`. */
export const affiliatePayoutScenarios = ['nothing-due', 'paid-and-refused'] as const;
export const affiliatePayoutHistoryFile = (name: (typeof affiliatePayoutScenarios)[number]) => `affiliate-payout-${name}.json`;

async function runOnce(env: ScenarioEnv, scheduledAt: string): Promise<{ view: AffiliatePayoutView; history: string }> {
  const handle = await env.temporal.workflow.start<(args: AffiliatePayoutArgs) => Promise<AffiliatePayoutView>>(affiliatePayoutWorkflowType, {
    taskQueue: env.taskQueue,
    workflowId: `${affiliatePayoutWorkflowId(scheduledAt)}-${uniqueId('h')}`,
    args: [{ scheduledAt }],
  });
  const view = await handle.result();
  return { view, history: historyToJSON(await handle.fetchHistory()) };
}

/** An affiliate with a PayPal address whose client's job of `paidCents` was approved at `atMs` (10 % of it in the wallet). */
async function affiliate(env: ScenarioEnv, name: string, paypalEmail: string, autoPayout: boolean, atMs: number, paidCents: number): Promise<number> {
  const { id } = await insertConfirmedUser(env.db, `${name}_${uniqueId('a').replace(/-/g, '_')}`);
  await makeAffiliate(env.db, id);
  await env.db.sql`insert into affiliate_payout_settings (user_id, paypal_email, auto_payout, updated_at) values (${id}, ${paypalEmail}, ${autoPayout}, now())`;
  const client = await referredClient(env.db, id, atMs - 60_000);
  await approveJob(env.db, { jobId: id, clientId: client.id, paidCents, atMs });
  return id;
}

/** Runs both scenarios, checks each ended as expected, and answers the histories by fixture file. */
export async function captureAffiliatePayoutHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  const quiet = await runOnce(env, '2026-01-10T09:00:00.000Z');
  assert.deepEqual([quiet.view.status, Object.keys(quiet.view.payouts)], ['done', []]);

  const lastInstant = new Date('2026-12-31T22:59:59.999Z');
  const manual = await affiliate(env, 'hist_manual', 'manual@example.com', false, Date.parse('2026-12-02T10:00:00Z'), 100_000);
  await env.db.orm.transaction((tx) => requestAffiliateWithdrawalIn(tx, { userId: manual, amountCents: 1_000, at: lastInstant }));
  await affiliate(env, 'hist_auto', 'auto@example.com', true, Date.parse('2026-12-15T10:00:00Z'), 30_000);
  const refused = await affiliate(env, 'hist_refused', 'refuse@example.com', false, Date.parse('2026-12-03T10:00:00Z'), 10_000);
  await env.db.orm.transaction((tx) => requestAffiliateWithdrawalIn(tx, { userId: refused, amountCents: 500, at: lastInstant }));
  const paying = await runOnce(env, '2027-01-10T09:00:00.000Z');
  assert.deepEqual(Object.values(paying.view.payouts).map((p) => p.status).sort(), ['failed', 'paid', 'paid']);

  return new Map([
    [affiliatePayoutHistoryFile('nothing-due'), quiet.history],
    [affiliatePayoutHistoryFile('paid-and-refused'), paying.history],
  ]);
}
