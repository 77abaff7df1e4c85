/**
 * The monthly affiliate payout run (W-28…W-30, D-04, D-06) on the time-skipping server with the
 * real activities and a scripted PayPal: the run of January 2027 (the 10th) pays a withdrawal set
 * up at the cut-off's last instant (31 December 23:59:59.999 UTC+1) and leaves one set up a
 * millisecond later for February's run; it withdraws, without a request, what an affiliate with
 * automatic payout earned in December (commissions approved by the cut-off); a payout PayPal
 * refuses fails with the money back in the wallet and the run flagged for staff. Nothing is
 * retried forever: a payout PayPal keeps pending is asked about 12 times 6 hours apart, then
 * cancelled; one PayPal never answers fails after the policy's attempts — both with the money back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestAffiliateWithdrawalIn } from '../../db/affiliate-payouts.js';
import { createLedger } from '../../db/ledger.js';
import type { PayoutRequest } from '../../payments/provider.js';
import { affiliatePayoutWorkflowId, affiliatePayoutWorkflowType, type AffiliatePayoutArgs, type AffiliatePayoutView } from '../../workflows/affiliate-payout/messages.js';
import { SA } from '../../workflows/lib/search-attributes.js';
import { approveJob, makeAffiliate, referredClient, scriptedPaypal } from '../support/affiliates.js';
import { startTimeSkippingStack, uniqueId, type TimeSkippingStack } from '../support/harness.js';
import { assertLedgerConsistent, insertConfirmedUser } from '../support/ledger.js';
import { unreachableProviders } from '../support/payments.js';

/** D-06: January's run pays what was set up by 31 December 23:59:59 UTC+1 = 22:59:59 UTC. */
const LAST_INSTANT = Date.parse('2026-12-31T22:59:59.999Z');
const NEXT_SECOND = Date.parse('2026-12-31T23:00:00.000Z');
const JANUARY_RUN = '2027-01-10T09:00:00.000Z';
const FEBRUARY_RUN = '2027-02-10T09:00:00.000Z';

describe('the monthly affiliate payout run', () => {
  let stack: TimeSkippingStack;
  const calls = { sent: [] as PayoutRequest[], checked: [] as string[], cancelled: [] as string[] };
  const sent = calls.sent;

  before(async () => {
    stack = await startTimeSkippingStack(import.meta.filename, 'affiliate-payouts', { providers: { ...unreachableProviders(), paypal: scriptedPaypal(calls) } });
  });
  after(async () => {
    await stack?.stop();
  });
  const db = () => stack.database;

  const ledger = () => createLedger(db().db);
  const wallet = (userId: number) => ledger().accountBalance(`user:${userId}:affiliate`);
  let jobId = 700_000;

  /** An affiliate with a PayPal address whose client's jobs approved at `jobs` (instant, paid cents) earned 10 % each. */
  async function affiliateEarning(name: string, paypalEmail: string, autoPayout: boolean, jobs: [number, number][]): Promise<number> {
    const { id } = await insertConfirmedUser(db().db, `${name}_${process.pid}`);
    await makeAffiliate(db().db, id);
    await db().db.sql`insert into affiliate_payout_settings (user_id, paypal_email, auto_payout, updated_at) values (${id}, ${paypalEmail}, ${autoPayout}, now())`;
    const client = await referredClient(db().db, id, Date.parse('2026-11-01T00:00:00Z'));
    for (const [atMs, paidCents] of jobs) await approveJob(db().db, { jobId: ++jobId, clientId: client.id, paidCents, atMs });
    return id;
  }
  const withdraw = (userId: number, amountCents: number, atMs: number) =>
    db().db.orm.transaction((tx) => requestAffiliateWithdrawalIn(tx, { userId, amountCents, at: new Date(atMs) }));
  let lastRunId = '';
  const run = (scheduledAt: string) => {
    lastRunId = `${affiliatePayoutWorkflowId(scheduledAt)}-${uniqueId('t')}`;
    return stack.env.client.workflow.execute<(args: AffiliatePayoutArgs) => Promise<AffiliatePayoutView>>(affiliatePayoutWorkflowType, { taskQueue: stack.taskQueue, workflowId: lastRunId, args: [{ scheduledAt }] });
  };
  const statusOf = async (withdrawalId: number) => (await db().db.sql<{ status: string }[]>`select status from affiliate_withdrawals where id = ${withdrawalId}`)[0]!.status;

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
    const automatic = (await db().db.sql<{ id: string; amount_cents: string; kind: string }[]>`select id, amount_cents, kind from affiliate_withdrawals where affiliate_id = ${auto}`)[0]!;
    assert.deepEqual([automatic.kind, Number(automatic.amount_cents)], ['automatic', 3_700], 'W-30: December’s $30 + $7, not November’s $50 nor January’s $9');
    assert.deepEqual(
      Object.fromEntries(Object.entries(january.payouts).map(([id, p]) => [id, [p.status, p.amountCents]])),
      { [inTime.id]: ['paid', 1_000], [automatic.id]: ['paid', 3_700], [doomed.id]: ['failed', 500] },
    );
    assert.deepEqual([await statusOf(inTime.id), await statusOf(late.id), await statusOf(doomed.id)], ['paid', 'held', 'failed']);
    const described = await stack.env.client.workflow.getHandle(lastRunId).describe();
    assert.equal(described.typedSearchAttributes.get(SA.needsAttention), true, 'a failed payout is shown to staff');
    assert.equal(described.typedSearchAttributes.get(SA.amountCents), 4_700);
    assert.equal(await wallet(refused), 1_000, 'the refused payout’s money is back in the wallet');
    assert.equal(await wallet(auto), 5_000 + 900, 'what was not December’s stays (November’s $50, January’s $0.90)');
    const toAuto = sent.find((r) => r.destination === 'auto@example.com')!;
    assert.deepEqual([toAuto.amountCents, toAuto.senderItemId, toAuto.idempotencyKey], [3_700, `affiliate-payout-${automatic.id}`, `affiliate-payout-${automatic.id}`], 'D-04: no fee');

    const february = await run(FEBRUARY_RUN);
    const februaryAuto = (await db().db.sql<{ id: string }[]>`select id from affiliate_withdrawals where affiliate_id = ${auto} and run_month = '2027-02'`)[0]!;
    assert.deepEqual(
      Object.fromEntries(Object.entries(february.payouts).map(([id, p]) => [id, [p.status, p.amountCents]])),
      { [late.id]: ['paid', 2_000], [februaryAuto.id]: ['paid', 900] },
      'the withdrawal set up at 00:00:00 waited a month; January’s earnings go out automatically in February',
    );
    assert.equal(await statusOf(late.id), 'paid');
    assert.equal(await wallet(auto), 5_000);
    assert.equal(await ledger().accountBalance('platform:payouts_pending'), 0);
    await assertLedgerConsistent(db().db);
  });

  it('asks PayPal about a pending payout 12 times 6 hours apart, then cancels it; fails one PayPal never answers after its attempts: both with the money back (W-28)', async () => {
    const pending = await affiliateEarning('aff_pending', 'pending@example.com', false, [[Date.parse('2027-01-20T10:00:00Z'), 10_000]]);
    const down = await affiliateEarning('aff_down', 'down@example.com', false, [[Date.parse('2027-01-20T10:00:00Z'), 10_000]]);
    const waiting = await withdraw(pending, 400, Date.parse('2027-02-20T10:00:00Z'));
    const unreachable = await withdraw(down, 300, Date.parse('2027-02-20T10:00:00Z'));
    const march = await run('2027-03-10T09:00:00.000Z');
    assert.deepEqual([march.payouts[waiting.id]?.status, march.payouts[unreachable.id]?.status], ['failed', 'failed']);
    assert.match(march.payouts[unreachable.id]!.failureReason!, /PayPal could not be reached/);
    const ref = `item-affiliate-payout-${waiting.id}`;
    assert.deepEqual([calls.checked.filter((r) => r === ref).length, calls.cancelled], [12, [ref]]);
    assert.equal(calls.sent.filter((r) => r.destination === 'down@example.com').length, 6, 'the policy’s attempts, not forever');
    assert.deepEqual([await statusOf(waiting.id), await statusOf(unreachable.id)], ['failed', 'failed']);
    assert.deepEqual([await wallet(pending), await wallet(down)], [1_000, 1_000]);
    await assertLedgerConsistent(db().db);
  });
});
