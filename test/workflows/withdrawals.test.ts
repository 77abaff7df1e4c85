/**
 * Withdrawals and payout batches on the time-skipping server (K-50, D-04, D-06): the real
 * withdrawal and batch workflows, a worker with the real activities over a test database, and
 * the local payment stand-ins (`providers/`, the real protocols over HTTP) through the real
 * adapters; their webhooks reach the workflows through the gateway. The server has no
 * Schedules: `payoutScheduleStandIn` starts each batch at the fire times of the same calendar
 * spec (`scheduleFiresAfter`).
 *
 * The server's clock starts at the real now, and time only moves forward: each test finds
 * its days from where the previous one left the clock (the next Tuesday, the next holiday on a
 * batch day…), runs the batches of its own window, and leaves no withdrawal waiting.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { holidayOn, nextBatchAt, scheduleFiresAfter } from '../../payments/batch-calendar.js';
import { pollUntil } from '../../scripts/poll.js';
import { createWorkflowGateway, type WorkflowGateway } from '../../services/workflow-gateway.js';
import { reconcileSentPayouts, runPayoutReconciler } from '../../services/withdrawals.js';
import { AppError } from '../../workflows/lib/errors.js';
import { MINUTE } from '../../workflows/lib/time.js';
import { payoutBatchWorkflowId, viewQuery as batchViewQuery } from '../../workflows/payout-batch/messages.js';
import { withdrawalWorkflowId, type WithdrawalInput, type WithdrawalStatus, type WithdrawalView } from '../../workflows/withdrawal/messages.js';
import { withdrawalPolicy } from '../../workflows/withdrawal/policy.js';
import { startTimeSkippingStack, uniqueId, type TestDatabase, type TimeSkippingStack } from '../support/harness.js';
import { assertLedgerConsistent, createUsers } from '../support/ledger.js';
import { fund } from '../support/orders.js';
import { startPaymentStandIns, TEST_CARDS, type PaymentStandIns } from '../support/payments.js';
import type { payoutScheduleStandIn } from '../support/schedule-stand-in.js';
import { assertBatchesReconciled, assertWithdrawalMoney, cardPayoutsOf, payoutWebhookReceiver, requestWithdrawal, savePayoutCard, startUncommittedWithdrawal } from '../support/withdrawals.js';

const entry = fileURLToPath(new URL('../support/withdrawal-workflows.ts', import.meta.url));
const calendar = withdrawalPolicy().batch;
const FUNDS = 50_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The first `weekday` (ISO) at `hour`:00 Warsaw after `afterMs`. */
const nextWeekday = (afterMs: number, weekday: number, hour: number) => scheduleFiresAfter(afterMs, { ...calendar, weekdays: [weekday], hour, minute: 0 });
const isHoliday = (ms: number) => holidayOn(ms, calendar) !== null;

describe('withdrawals and payout batches on the time-skipping server', () => {
  let stack: TimeSkippingStack;
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let stand: PaymentStandIns;
  let gateway: WorkflowGateway;
  let taskQueue: string;
  let webhooksDown = false;
  let refusedDeliveries = 0;

  before(async () => {
    stand = await startPaymentStandIns();
    stack = await startTimeSkippingStack(import.meta.filename, 'withdrawals', { providers: stand.providers, workflows: entry });
    ({ env, database, taskQueue } = stack);
    gateway = createWorkflowGateway({ temporal: env.client, taskQueue });
    // Before any test: the first payout's webhook comes once a batch has run.
    const receiver = payoutWebhookReceiver(database.db, stand.providers, gateway);
    // While `webhooksDown`, every delivery is refused as an app that is down refuses it.
    stand.attach((req) => (webhooksDown ? (refusedDeliveries++, new Response('down', { status: 503 })) : receiver(req)));
  });
  after(async () => {
    await stack?.stop();
    await stand?.stop();
  });

  // ───── helpers ─────

  const db = () => database.db;
  const now = () => env.currentTimeMs();
  async function sleepUntil(atMs: number): Promise<void> {
    const current = await now();
    assert.ok(atMs > current, `cannot sleep back to ${iso(atMs)} from ${iso(current)}`);
    await env.sleep(atMs - current);
  }
  /** The payout Schedule for this window: a batch at each of `fires`. */
  async function schedule(...fires: number[]): Promise<void> {
    await env.client.workflow.start<typeof payoutScheduleStandIn>('payoutScheduleStandIn', { taskQueue, workflowId: uniqueId('payout-schedule'), args: [fires.map(iso)] });
  }
  async function member(): Promise<number> {
    const [id] = await createUsers(db(), 1);
    await fund(db(), id!, FUNDS);
    return id!;
  }
  async function byCard(number: string, amountCents: number): Promise<WithdrawalInput> {
    const userId = await member();
    const card = await savePayoutCard(stand.providers.card, userId, number);
    return requestWithdrawal(db(), gateway, { userId, method: 'card', destination: card.token, destinationLabel: card.label, amountCents, atMs: await now() });
  }
  async function byPaypal(email: string, amountCents: number): Promise<WithdrawalInput> {
    const userId = await member();
    return requestWithdrawal(db(), gateway, { userId, method: 'paypal', destination: email, destinationLabel: email, amountCents, atMs: await now() });
  }
  async function row(w: WithdrawalInput) {
    const [r] = await db().sql<{ status: WithdrawalStatus; status_reason: string | null; batch_id: string | null; provider_ref: string | null; closed: boolean }[]>`
      select status, status_reason, batch_id, provider_ref, closed_at is not null as closed from withdrawals where id = ${w.withdrawalId}`;
    return r!;
  }
  /** Waits (bounded, in real time) until the row shows `status`. */
  const rowStatus = (w: WithdrawalInput, status: WithdrawalStatus) =>
    pollUntil(async () => ((await row(w)).status === status ? row(w) : undefined), { timeoutMs: 20_000, what: `withdrawal ${w.withdrawalId} ${status}` });
  const view = (w: WithdrawalInput): Promise<WithdrawalView> => gateway.withdrawal.view(w.withdrawalId);
  async function balance(userId: number): Promise<number> {
    const [r] = await db().sql<{ balance: string }[]>`select balance from ledger_accounts where key = ${`user:${userId}:main`}`;
    return Number(r?.balance ?? 0);
  }
  async function notices(w: WithdrawalInput): Promise<{ kind: string; text: string }[]> {
    return db().sql<{ kind: string; text: string }[]>`select kind, text from notifications where user_id = ${w.userId} and dedupe_key like ${`withdrawal:${w.withdrawalId}:%`} order by id`;
  }
  async function batchRow(scheduledAtMs: number) {
    const [r] = await db().sql<{ status: string; holiday: string | null; taken: number; paid_count: number; failed_count: number; gross: string; fees: string; net: string }[]>`
      select status, holiday, taken, paid_count, failed_count, gross, fees, net from payout_batches where id = ${payoutBatchWorkflowId(iso(scheduledAtMs))}`;
    return r;
  }
  const batchStatus = (scheduledAtMs: number, status: string) =>
    pollUntil(async () => ((await batchRow(scheduledAtMs))?.status === status ? batchRow(scheduledAtMs) : undefined), { timeoutMs: 20_000, what: `batch ${iso(scheduledAtMs)} ${status}` });
  async function refusedWith(run: Promise<unknown>, code: string, status: WithdrawalStatus, message?: RegExp): Promise<void> {
    await assert.rejects(run, (err: unknown) => {
      assert.ok(err instanceof AppError, String(err));
      assert.deepEqual([err.code, err.details?.status], [code, status]);
      if (message) assert.match(err.message, message);
      return true;
    });
  }

  // ───── the scenarios, in the order of the server's clock ─────

  it('K-50: a withdrawal requested on Tuesday waits until Wednesday’s 12:00 batch (still requested at 11:59) and is paid in it, once', async () => {
    let tuesday = nextWeekday(await now(), 2, 10);
    while (isHoliday(scheduleFiresAfter(tuesday, calendar))) tuesday = nextWeekday(tuesday, 2, 10);
    const wednesday = scheduleFiresAfter(tuesday, calendar);
    await schedule(wednesday);
    await sleepUntil(tuesday);

    const card = await byCard(TEST_CARDS.success, 10_000);
    const paypal = await byPaypal(`payee-${uniqueId('p')}@example.com`, 1_000);
    assert.deepEqual([card.feeCents, card.netCents, paypal.feeCents, paypal.netCents], [450, 9_550, 30, 970], 'D-04 fees');
    assert.equal(card.expectedBatchAt, iso(wednesday));
    assert.equal(await balance(card.userId), FUNDS - 10_000, 'the amount is held at once');

    await sleepUntil(wednesday - MINUTE);
    assert.deepEqual([(await row(card)).status, (await view(card)).status, (await view(card)).allowedActions.owner], ['requested', 'requested', ['cancel']]);

    await sleepUntil(wednesday + MINUTE);
    const paid = await rowStatus(card, 'paid');
    await rowStatus(paypal, 'paid');
    assert.deepEqual([paid.batch_id, paid.closed], [payoutBatchWorkflowId(iso(wednesday)), true]);
    const payouts = await cardPayoutsOf(stand.url, card.withdrawalId);
    assert.deepEqual(payouts.map((p) => [p.id, p.amount, p.status]), [[paid.provider_ref, 9_550, 'paid']], 'paid once, the net');
    assert.equal((await notices(card)).at(-1)?.text, `Withdrawal #${card.withdrawalId}: $95.50 was paid to ${card.destinationLabel} ($100.00 less the fee of $4.50).`);
    await assertWithdrawalMoney(db(), card, 'settled');
    await assertWithdrawalMoney(db(), paypal, 'settled');

    const batch = await batchStatus(wednesday, 'reconciled');
    assert.deepEqual({ ...batch!, gross: Number(batch!.gross), fees: Number(batch!.fees), net: Number(batch!.net) }, {
      status: 'reconciled', holiday: null, taken: 2, paid_count: 2, failed_count: 0, gross: 11_000, fees: 480, net: 10_520,
    });
    // A late duplicate of the webhook finds the workflow closed: nothing to tell, and no error.
    await pollUntil(async () => (await env.client.workflow.getHandle(withdrawalWorkflowId(card.withdrawalId)).describe()).status.name === 'COMPLETED', { what: 'the workflow to close' });
    assert.equal(await gateway.withdrawal.confirm(card.withdrawalId, { providerRef: paid.provider_ref!, status: 'paid', reason: null, eventId: 'evt_late' }), false);
  });

  it('K-50: a withdrawal requested on Friday after the batch goes out on Monday', async () => {
    let friday = scheduleFiresAfter(await now(), calendar);
    while (new Date(friday).getUTCDay() !== 5 || isHoliday(friday) || isHoliday(scheduleFiresAfter(friday, calendar))) friday = scheduleFiresAfter(friday, calendar);
    const monday = scheduleFiresAfter(friday, calendar);
    await schedule(friday, monday);
    await sleepUntil(friday + 30 * MINUTE);
    await batchStatus(friday, 'reconciled');

    const w = await byCard(TEST_CARDS.success, 2_300);
    assert.deepEqual([w.feeCents, w.expectedBatchAt], [104, iso(monday)]);
    await sleepUntil(monday - MINUTE);
    assert.equal((await row(w)).status, 'requested');
    await sleepUntil(monday + MINUTE);
    assert.equal((await rowStatus(w, 'paid')).batch_id, payoutBatchWorkflowId(iso(monday)));
    await assertWithdrawalMoney(db(), w, 'settled');
  });

  it('K-50: staff hold a withdrawal — the batch does not take it, even when the row lags and says requested — and release it for the next batch', async () => {
    const first = nextBatchAt(await now(), calendar);
    const second = nextBatchAt(first, calendar);
    await schedule(first, second);
    const w = await byCard(TEST_CARDS.success, 5_000);
    const staff = { role: 'staff' as const, id: 1 };
    const held = await gateway.withdrawal.act(w.withdrawalId, { actor: staff, action: { type: 'hold', reason: 'the account is under review' } });
    assert.deepEqual([held.status, held.statusReason, held.allowedActions], ['held', 'the account is under review', { owner: ['cancel'], staff: ['release', 'reject'] }]);
    assert.match((await notices(w)).at(-1)!.text, /is on hold: the account is under review/);
    // The read model lagging behind: the batch sees `requested` and hands it over; the workflow says no.
    await db().sql`update withdrawals set status = 'requested' where id = ${w.withdrawalId}`;

    await sleepUntil(first + MINUTE);
    const skipped = await batchStatus(first, 'reconciled');
    assert.deepEqual([skipped!.taken, skipped!.paid_count], [0, 0]);
    const batchView = await env.client.workflow.getHandle(payoutBatchWorkflowId(iso(first))).query(batchViewQuery);
    assert.equal(batchView.withdrawals[String(w.withdrawalId)], 'not_taken');
    assert.equal((await view(w)).status, 'held');

    const released = await gateway.withdrawal.act(w.withdrawalId, { actor: staff, action: { type: 'release' } });
    assert.deepEqual([released.status, (await row(w)).status], ['requested', 'requested']);
    await sleepUntil(second + MINUTE);
    assert.equal((await rowStatus(w, 'paid')).batch_id, payoutBatchWorkflowId(iso(second)));
    await assertWithdrawalMoney(db(), w, 'settled');
  });

  it('K-50: the owner cancels before the batch and staff reject with a reason: the money is back at once, the user told why', async () => {
    const cancelled = await byCard(TEST_CARDS.success, 3_000);
    const rejected = await byPaypal(`payee-${uniqueId('p')}@example.com`, 4_000);
    const owner = { role: 'owner' as const, id: cancelled.userId };
    await refusedWith(gateway.withdrawal.act(cancelled.withdrawalId, { actor: { role: 'owner', id: rejected.userId }, action: { type: 'cancel' } }), 'forbidden', 'requested');

    const c = await gateway.withdrawal.act(cancelled.withdrawalId, { actor: owner, action: { type: 'cancel' } });
    assert.deepEqual([c.status, await balance(cancelled.userId)], ['cancelled', FUNDS]);
    const r = await gateway.withdrawal.act(rejected.withdrawalId, { actor: { role: 'staff', id: 1 }, action: { type: 'reject', reason: 'the PayPal account is not yours' } });
    assert.deepEqual([r.status, r.statusReason, await balance(rejected.userId)], ['rejected', 'the PayPal account is not yours', FUNDS]);
    assert.deepEqual((await notices(rejected)).map((n) => n.kind), ['withdrawal_rejected']);
    assert.match((await notices(rejected))[0]!.text, /was rejected: the PayPal account is not yours\. \$40\.00 is back on your balance/);
    assert.deepEqual([(await row(cancelled)).status, (await row(cancelled)).closed], ['cancelled', true]);
    await assertWithdrawalMoney(db(), cancelled, 'reverted');
    await assertWithdrawalMoney(db(), rejected, 'reverted');
  });

  it('K-50: a payout the provider declines (a failing card, a PayPal receiver without an account) fails with the money back and the user told why', async () => {
    const batch = nextBatchAt(await now(), calendar);
    await schedule(batch);
    const card = await byCard(TEST_CARDS.payoutFails, 2_000);
    const paypal = await byPaypal(`fail-${uniqueId('p')}@example.com`, 500);
    await sleepUntil(batch + MINUTE);
    const failed = await rowStatus(card, 'failed');
    assert.equal(failed.status_reason, 'the bank could not process the payout');
    assert.equal((await rowStatus(paypal, 'failed')).status_reason, 'the PayPal address has no PayPal account');
    assert.deepEqual([await balance(card.userId), await balance(paypal.userId)], [FUNDS, FUNDS]);
    assert.equal((await notices(card)).at(-1)?.text, `Withdrawal #${card.withdrawalId} to ${card.destinationLabel} failed: the bank could not process the payout. $20.00 is back on your balance.`);
    await assertWithdrawalMoney(db(), card, 'reverted');
    await assertWithdrawalMoney(db(), paypal, 'reverted');
    const row = await batchStatus(batch, 'reconciled');
    assert.deepEqual([row!.taken, row!.paid_count, row!.failed_count, Number(row!.gross)], [2, 0, 2, 0]);
  });

  it('D-06: a batch day that is a public holiday is skipped, and its withdrawals go out on the next batch day', async () => {
    const start = await now();
    let holiday = scheduleFiresAfter(start, calendar);
    let before = start;
    while (!isHoliday(holiday)) [before, holiday] = [holiday, scheduleFiresAfter(holiday, calendar)];
    const next = nextBatchAt(holiday, calendar);
    await schedule(holiday, next);
    // Requested after the last batch before the holiday: the holiday's batch was its batch.
    if (before > start) await sleepUntil(before + 30 * MINUTE);
    const w = await byCard(TEST_CARDS.success, 1_000);
    assert.equal(w.expectedBatchAt, iso(next), 'the calendar expects it after the holiday');

    await sleepUntil(holiday + MINUTE);
    const skipped = await batchStatus(holiday, 'skipped_holiday');
    assert.equal(skipped!.holiday, holidayOn(holiday, calendar));
    assert.equal((await row(w)).status, 'requested');
    await sleepUntil(next - MINUTE);
    assert.equal((await row(w)).status, 'requested');
    await sleepUntil(next + MINUTE);
    assert.equal((await rowStatus(w, 'paid')).batch_id, payoutBatchWorkflowId(iso(next)));
  });

  it('K-50: without a confirmation the provider is asked after each 3-day timeout, the payout re-sent until the third, then cancelled at the provider: failed, money back; nobody can cancel meanwhile', async () => {
    const batch = nextBatchAt(await now(), calendar);
    await schedule(batch);
    const w = await byCard(TEST_CARDS.payoutSilent, 1_500);
    await sleepUntil(batch + MINUTE);
    await rowStatus(w, 'in_batch');
    const owner = { role: 'owner' as const, id: w.userId };
    await refusedWith(gateway.withdrawal.act(w.withdrawalId, { actor: owner, action: { type: 'cancel' } }), 'conflict', 'in_batch', /in payout batch .*: it can no longer be cancelled/);
    await refusedWith(gateway.withdrawal.act(w.withdrawalId, { actor: { role: 'staff', id: 1 }, action: { type: 'reject', reason: 'too late' } }), 'conflict', 'in_batch');

    for (let attempt = 1; attempt <= 3; attempt++) {
      const waiting = await pollUntil(async () => {
        const v = await view(w);
        return v.attempts === attempt && v.confirmationDueAt ? v : undefined;
      }, { what: `payout attempt ${attempt}` });
      const due = Date.parse(waiting.confirmationDueAt!);
      assert.equal(due - Date.parse(waiting.history.at(-1)!.at), 3 * 24 * 60 * MINUTE, 'the timeout is 3 days from the attempt');
      await sleepUntil(due - MINUTE);
      assert.deepEqual([(await view(w)).status, (await view(w)).attempts], ['in_batch', attempt]);
      await sleepUntil(due + MINUTE);
    }
    const failed = await rowStatus(w, 'failed');
    assert.equal(failed.status_reason, 'the provider did not confirm the payout');
    assert.equal(await balance(w.userId), FUNDS);
    assert.deepEqual((await cardPayoutsOf(stand.url, w.withdrawalId)).map((p) => p.status), ['canceled'], 'one payout, sent three times with one key, cancelled');
    assert.match((await notices(w)).at(-1)!.text, /failed: the provider did not confirm the payout\. \$15\.00 is back on your balance/);
    await assertWithdrawalMoney(db(), w, 'reverted');
    const row = await batchStatus(batch, 'reconciled');
    assert.deepEqual([row!.taken, row!.failed_count], [1, 1]);
  });

  it('issue 19 §2: a payout the provider settled whose webhooks were all refused is asked about once its row has waited: a failed card payout’s money is back and a PayPal payout paid within minutes, not at the 3-day timeout', async () => {
    const batch = nextBatchAt(await now(), calendar);
    await schedule(batch);
    const failing = await byCard(TEST_CARDS.payoutFails, 1_500);
    const paying = await byPaypal('lost-webhooks@example.com', 1_000);
    webhooksDown = true;
    try {
      const refusedBefore = refusedDeliveries;
      await sleepUntil(batch + MINUTE);
      const sent = await Promise.all(
        [failing, paying].map((w) => pollUntil(async () => ((await row(w)).provider_ref !== null ? row(w) : undefined), { what: `withdrawal ${w.withdrawalId} sent` })),
      );
      // Each provider settled its payout and tried to tell us; every delivery was refused.
      await pollUntil(async () => ((await stand.providers.card.payout(sent[0]!.provider_ref!)).status === 'failed' || undefined), { what: 'the card payout failed at the provider' });
      await pollUntil(async () => ((await stand.providers.paypal.payout(sent[1]!.provider_ref!)).status === 'paid' || undefined), { what: 'the PayPal payout paid at the provider' });
      await pollUntil(async () => refusedDeliveries >= refusedBefore + 2 || undefined, { what: 'both providers’ webhooks refused' });
      assert.deepEqual(sent.map((r) => r.status), ['in_batch', 'in_batch']);

      const deps = { db: db(), providers: stand.providers, workflows: gateway };
      // The two rows' last changes 10 ms apart, the card payout's first: the two workflows can
      // write them within one millisecond, which no `before` (a Date: milliseconds) can split.
      await db().sql`
        update withdrawals set updated_at = base.at + (case when id = ${failing.withdrawalId} then 0 else 10 end) * interval '1 millisecond'
        from (select min(updated_at) as at from withdrawals where id in ${db().sql([failing.withdrawalId, paying.withdrawalId])}) base
        where id in ${db().sql([failing.withdrawalId, paying.withdrawalId])}`;
      // Each row's last change, to the millisecond below it.
      const updated = await db().sql<{ id: string; at: string }[]>`
        select id, floor(extract(epoch from updated_at) * 1000)::bigint as at from withdrawals where id in ${db().sql([failing.withdrawalId, paying.withdrawalId])} order by updated_at`;
      const [first, last] = [Number(updated[0]!.at), Number(updated[1]!.at)];
      // Only a row unchanged since `before` is asked about: at its last change, not yet; 1 ms after, yes.
      assert.deepEqual(await reconcileSentPayouts(deps, new Date(first)), { confirmed: 0, lastId: 0 });
      assert.deepEqual([(await row(failing)).status, (await row(paying)).status], ['in_batch', 'in_batch']);
      assert.deepEqual(await reconcileSentPayouts(deps, new Date(first + 1)), { confirmed: 1, lastId: 0 });
      assert.equal(Number(updated[0]!.id), failing.withdrawalId);
      await rowStatus(failing, 'failed');

      // The workers' loop settles the other.
      const stop = new AbortController();
      let confirmed = 0;
      const loop = runPayoutReconciler({ deps: { ...deps, clock: { now: () => new Date(last + 1) } }, signal: stop.signal, intervalMs: 20, afterMs: 0, onConfirmed: (n) => (confirmed += n) });
      try {
        await Promise.all([rowStatus(failing, 'failed'), rowStatus(paying, 'paid')]);
      } finally {
        stop.abort();
        await loop;
      }
      assert.equal(confirmed, 1);
      assert.ok((await now()) < batch + 24 * 60 * MINUTE, 'settled the day the payouts were sent, not at their 3-day timeout');
      assert.equal((await row(failing)).status_reason, 'the bank could not process the payout');
      assert.equal(await balance(failing.userId), FUNDS, 'the failed payout’s $15.00 is back');
      assert.equal(await balance(paying.userId), FUNDS - 1_000);
      await assertWithdrawalMoney(db(), failing, 'reverted');
      await assertWithdrawalMoney(db(), paying, 'settled');
      // Nothing is left to ask about.
      assert.deepEqual(await reconcileSentPayouts(deps, new Date(last + 1)), { confirmed: 0, lastId: 0 });
    } finally {
      webhooksDown = false;
    }
    const reconciled = await batchStatus(batch, 'reconciled');
    assert.deepEqual([reconciled!.taken, reconciled!.paid_count, reconciled!.failed_count], [2, 1, 1]);
  });

  it('voids a withdrawal workflow whose request never committed (an API before the start outbox rolled back after starting it): no money moves', async () => {
    const userId = await member();
    const w = await startUncommittedWithdrawal(db(), gateway, { userId, method: 'paypal', destination: 'void@example.com', destinationLabel: 'void@example.com', amountCents: 1_000, atMs: await now() });
    const handle = env.client.workflow.getHandle(withdrawalWorkflowId(w.withdrawalId));
    await pollUntil(async () => (await handle.describe()).status.name === 'COMPLETED', { what: 'the void workflow to end' });
    assert.equal((await handle.result()).status, 'voided');
    assert.deepEqual([await balance(userId), (await db().sql`select 1 from withdrawals where id = ${w.withdrawalId}`).length], [FUNDS, 0]);
  });

  it('reconciles every batch to the sums of the withdrawals it paid, which are the ledger’s settlements; the ledger balances', async () => {
    assert.ok((await assertBatchesReconciled(db())) >= 6);
    const [open] = await db().sql<{ n: number }[]>`select count(*)::int as n from withdrawals where closed_at is null`;
    assert.equal(open!.n, 0, 'no withdrawal is left open');
    await assertLedgerConsistent(db());
  });
});
