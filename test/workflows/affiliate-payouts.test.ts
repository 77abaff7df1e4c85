/**
 * The monthly affiliate payout run (W-28…W-30, D-04, D-06) on the run's dev server with the real
 * activities and a scripted PayPal: the run of January 2027 (the 10th) pays a withdrawal set up
 * at the cut-off's last instant (31 December 23:59:59.999 UTC+1) and leaves one set up a
 * millisecond later for February's run; it withdraws, without a request, what an affiliate with
 * automatic payout earned in December (commissions approved by the cut-off); a payout PayPal
 * refuses fails with the money back in the wallet and the run flagged for staff. No timers are
 * involved (the cut-off is decided by instants in the database), so the dev server is enough.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { requestAffiliateWithdrawalIn } from '../../db/affiliate-payouts.js';
import { createLedger } from '../../db/ledger.js';
import type { PayoutRequest } from '../../payments/provider.js';
import { affiliatePayoutWorkflowId, affiliatePayoutWorkflowType, type AffiliatePayoutArgs, type AffiliatePayoutView } from '../../workflows/affiliate-payout/messages.js';
import { SA } from '../../workflows/lib/search-attributes.js';
import { approveJob, makeAffiliate, referredClient, scriptedPaypal } from '../support/affiliates.js';
import { connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent, insertConfirmedUser } from '../support/ledger.js';
import { unreachableProviders } from '../support/payments.js';

/** D-06: January's run pays what was set up by 31 December 23:59:59 UTC+1 = 22:59:59 UTC. */
const LAST_INSTANT = Date.parse('2026-12-31T22:59:59.999Z');
const NEXT_SECOND = Date.parse('2026-12-31T23:00:00.000Z');
const JANUARY_RUN = '2027-01-10T09:00:00.000Z';
const FEBRUARY_RUN = '2027-02-10T09:00:00.000Z';

describe('the monthly affiliate payout run', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  const taskQueue = uniqueId('affiliate-payouts');
  const sent: PayoutRequest[] = [];

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    worker = await startWorker(database.db, taskQueue, undefined, { ...unreachableProviders(), paypal: scriptedPaypal(sent) });
  });
  after(async () => {
    await worker?.stop();
    await database?.drop();
    await temporal?.connection.close();
  });

  const ledger = () => createLedger(database.db);
  const wallet = (userId: number) => ledger().accountBalance(`user:${userId}:affiliate`);
  let jobId = 700_000;

  /** An affiliate with a PayPal address whose client's jobs approved at `jobs` (instant, paid cents) earned 10 % each. */
  async function affiliateEarning(name: string, paypalEmail: string, autoPayout: boolean, jobs: [number, number][]): Promise<number> {
    const { id } = await insertConfirmedUser(database.db, `${name}_${process.pid}`);
    await makeAffiliate(database.db, id);
    await database.db.sql`insert into affiliate_payout_settings (user_id, paypal_email, auto_payout, updated_at) values (${id}, ${paypalEmail}, ${autoPayout}, now())`;
    const client = await referredClient(database.db, id, Date.parse('2026-11-01T00:00:00Z'));
    for (const [atMs, paidCents] of jobs) await approveJob(database.db, { jobId: ++jobId, clientId: client.id, paidCents, atMs });
    return id;
  }
  const withdraw = (userId: number, amountCents: number, atMs: number) =>
    database.db.orm.transaction((tx) => requestAffiliateWithdrawalIn(tx, { userId, amountCents, at: new Date(atMs) }));
  let lastRunId = '';
  const run = (scheduledAt: string) => {
    lastRunId = `${affiliatePayoutWorkflowId(scheduledAt)}-${uniqueId('t')}`;
    return temporal.workflow.execute<(args: AffiliatePayoutArgs) => Promise<AffiliatePayoutView>>(affiliatePayoutWorkflowType, { taskQueue, workflowId: lastRunId, args: [{ scheduledAt }] });
  };
  const statusOf = async (withdrawalId: number) => (await database.db.sql<{ status: string }[]>`select status from affiliate_withdrawals where id = ${withdrawalId}`)[0]!.status;

  it('pays a withdrawal set up at 23:59:59.999 UTC+1 on the last day, leaves one at 00:00:00 for next month, pays December’s earnings automatically, and returns a refused payout to the wallet (W-28…W-30, D-06)', async () => {
    const manual = await affiliateEarning('aff_manual', 'manual@example.com', false, [[Date.parse('2026-12-02T10:00:00Z'), 100_000]]);
    const inTime = await withdraw(manual, 1_000, LAST_INSTANT);
    const late = await withdraw(manual, 2_000, NEXT_SECOND);
    assert.deepEqual([inTime.runMonth, late.runMonth], ['2027-01', '2027-02']);
    assert.equal(await wallet(manual), 7_000, 'both are held at once');
    await assert.rejects(withdraw(manual, 7_001, NEXT_SECOND), { code: 'insufficient_funds' }, 'held money cannot be withdrawn twice');
    await assert.rejects(withdraw(manual, 99, NEXT_SECOND), { code: 'rule_violation' }, 'W-28: the minimum is $1');

    // November (before the previous cut-off), December (up to its last instant), and January's first second.
    const auto = await affiliateEarning('aff_auto', 'auto@example.com', true, [
      [Date.parse('2026-11-20T10:00:00Z'), 50_000],
      [Date.parse('2026-12-15T10:00:00Z'), 30_000],
      [LAST_INSTANT, 7_000],
      [NEXT_SECOND, 9_000],
    ]);
    const refused = await affiliateEarning('aff_refused', 'refuse@example.com', false, [[Date.parse('2026-12-03T10:00:00Z'), 10_000]]);
    const doomed = await withdraw(refused, 500, Date.parse('2026-12-20T10:00:00Z'));

    const january = await run(JANUARY_RUN);
    assert.equal(january.runMonth, '2027-01');
    assert.equal(january.cutoffAt, '2026-12-31T22:59:59.000Z');
    const automatic = (await database.db.sql<{ id: string; amount_cents: string; kind: string }[]>`select id, amount_cents, kind from affiliate_withdrawals where affiliate_id = ${auto}`)[0]!;
    assert.deepEqual([automatic.kind, Number(automatic.amount_cents)], ['automatic', 3_700], 'W-30: December’s $30 + $7, not November’s $50 nor January’s $9');
    assert.deepEqual(
      Object.fromEntries(Object.entries(january.payouts).map(([id, p]) => [id, [p.status, p.amountCents]])),
      { [inTime.id]: ['paid', 1_000], [automatic.id]: ['paid', 3_700], [doomed.id]: ['failed', 500] },
    );
    assert.deepEqual([await statusOf(inTime.id), await statusOf(late.id), await statusOf(doomed.id)], ['paid', 'held', 'failed']);
    const described = await temporal.workflow.getHandle(lastRunId).describe();
    assert.equal(described.typedSearchAttributes.get(SA.needsAttention), true, 'a failed payout is shown to staff');
    assert.equal(described.typedSearchAttributes.get(SA.amountCents), 4_700);
    assert.equal(await wallet(refused), 1_000, 'the refused payout’s money is back in the wallet');
    assert.equal(await wallet(auto), 5_000 + 900, 'what was not December’s stays (November’s $50, January’s $0.90)');
    const toAuto = sent.find((r) => r.destination === 'auto@example.com')!;
    assert.deepEqual([toAuto.amountCents, toAuto.senderItemId, toAuto.idempotencyKey], [3_700, `affiliate-payout-${automatic.id}`, `affiliate-payout-${automatic.id}`], 'D-04: no fee');

    const february = await run(FEBRUARY_RUN);
    const februaryAuto = (await database.db.sql<{ id: string }[]>`select id from affiliate_withdrawals where affiliate_id = ${auto} and run_month = '2027-02'`)[0]!;
    assert.deepEqual(
      Object.fromEntries(Object.entries(february.payouts).map(([id, p]) => [id, [p.status, p.amountCents]])),
      { [late.id]: ['paid', 2_000], [februaryAuto.id]: ['paid', 900] },
      'the withdrawal set up at 00:00:00 waited a month; January’s earnings go out automatically in February',
    );
    assert.equal(await statusOf(late.id), 'paid');
    assert.equal(await wallet(auto), 5_000);
    assert.equal(await ledger().accountBalance('platform:payouts_pending'), 0);
    await assertLedgerConsistent(database.db);
  });
});
