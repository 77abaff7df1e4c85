/**
 * Reconciliation (issue 15): after a day of random traffic, our ledger agrees with the local
 * payment providers' own records. Five users, through the real API, pay card and PayPal
 * top-ups on the stand-ins' hosted pages (some declined), save payout details (PayPal
 * addresses and cards, some of which fail payouts), request withdrawals of what
 * `GET /balance/withdrawable` allows and cancel some; then Wednesday's 12:00 payout batch runs
 * on a dev-server worker with the same providers. Provider by provider, in total and reference
 * by reference: the top-ups we credited are the payments the provider took; what we settled
 * to the gateway is what it paid out, less the payouts that failed; the fees are in platform
 * revenue; every top-up and withdrawal balances to zero; the batch's row is the sum of its
 * paid withdrawals.
 *
 * The app and the stand-ins share one clock, which this file moves through the day (Tuesday
 * 2 March 2027, no holiday in Poland) and on to the batch; the traffic comes from the run's
 * seed (`GIGFLOW_SEED` replays it).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { nextBatchAt } from '../../payments/batch-calendar.js';
import type { ProviderName } from '../../payments/provider.js';
import { pollUntil } from '../../scripts/poll.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { payoutBatchWorkflowId, payoutBatchWorkflowType } from '../../workflows/payout-batch/messages.js';
import type { payoutBatchWorkflow } from '../../workflows/payout-batch/workflow.js';
import { withdrawalPolicy } from '../../workflows/withdrawal/policy.js';
import { signUp, type Caller, type TestUser } from '../support/api.js';
import { startPayingApi, startWorker, uniqueId, type PayingApi, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { approveOnPaypal, payByCard, returnedTo, saveCard, startTopUp, topUpByCard, topUpByPaypal, topUpWhen } from '../support/pay.js';
import { TEST_CARDS, type PaymentStandIns } from '../support/payments.js';
import { cardBooks, ledgerBooks, movedBy, paypalBooks, watchWebhooks } from '../support/reconcile.js';
import { replayCommand, seededRandom } from '../support/seed.js';
import { assertBatchesReconciled } from '../support/withdrawals.js';

const WEB = 'http://web.test';
/** Tuesday 2 March 2027, 09:00 in Warsaw: the day's first request. */
const DAY_STARTS = Date.parse('2027-03-02T08:00:00Z');
/** The batch every withdrawal of the day is due in: Wednesday 3 March, 12:00 in Warsaw (CET). */
const BATCH_AT = '2027-03-03T11:00:00.000Z';
/** The providers' report window: the whole of both days. */
const REPORT_WINDOW = { start: '2027-03-02T00:00:00Z', end: '2027-03-04T00:00:00Z' };

/** Where a user's withdrawals go, and so how their payouts end. */
type PayoutKind = 'paypal' | 'paypal_fails' | 'card' | 'card_fails';
const OUTCOME: Record<PayoutKind, 'paid' | 'failed'> = { paypal: 'paid', paypal_fails: 'failed', card: 'paid', card_fails: 'failed' };

interface Member {
  user: TestUser;
  kind: PayoutKind;
  method: ProviderName;
}
interface TopUpRecord {
  id: number;
  userId: number;
  method: ProviderName;
  amountCents: number;
  status: 'approved' | 'declined';
}
interface WithdrawalRecord {
  id: number;
  userId: number;
  method: ProviderName;
  amountCents: number;
  feeCents: number;
  netCents: number;
  expected: 'paid' | 'failed' | 'cancelled';
}

type Action = 'card_top_up' | 'card_declined' | 'paypal_top_up' | 'paypal_declined' | 'withdraw' | 'cancel' | 'over_ask';
/** Every kind of traffic at least this often: the day always has what the assertions speak of. */
const AT_LEAST: Record<Action, number> = { card_top_up: 3, card_declined: 2, paypal_top_up: 4, paypal_declined: 2, withdraw: 6, cancel: 2, over_ask: 1 };
/** The rest of the day is drawn with these weights. */
const WEIGHTS: Record<Action, number> = { card_top_up: 3, card_declined: 1, paypal_top_up: 4, paypal_declined: 1, withdraw: 4, cancel: 1, over_ask: 0 };
const EXTRA_ACTIONS = 14;

describe('reconciliation of the ledger with the payment providers', () => {
  let api: PayingApi;
  let database: TestDatabase;
  let temporal: Client;
  let stand: PaymentStandIns;
  let worker: { stop(): Promise<void> };
  let call: Caller;
  let webhooks: ReturnType<typeof watchWebhooks>;
  let taskQueue: string;
  let nowMs = DAY_STARTS;
  const clock = { now: () => new Date(nowMs) };

  before(async () => {
    taskQueue = uniqueId('reconcile');
    api = await startPayingApi(import.meta.filename, { clock, taskQueue, webUrl: WEB });
    ({ database, temporal, stand, call } = api);
    worker = await startWorker(database.db, taskQueue, undefined, stand.providers);
    webhooks = watchWebhooks(stand, (req) => api.app.request(req));
  });
  after(async () => {
    await worker?.stop();
    await api?.stop();
  });

  const random = seededRandom('payments-reconciliation');
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const pickOf = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  function shuffled<T>(items: T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  const members: Member[] = [];
  const topUps: TopUpRecord[] = [];
  const withdrawals: WithdrawalRecord[] = [];
  const log: string[] = [];
  const note = (line: string) => log.push(`${clock.now().toISOString().slice(11, 16)} ${line}`);
  let payers = 0;

  /** Time passes once the webhooks of what happened have arrived: their signatures carry the clock's time. */
  async function later(minutes: number): Promise<void> {
    await webhooks.quiet();
    nowMs += minutes * MINUTE;
  }

  async function withdrawable(member: Member) {
    const res = await call('GET', '/balance/withdrawable', { token: member.user.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { withdrawableCents: number; mainCents: number; terms: Record<ProviderName, { minAmountCents: number }> };
  }

  // ───── the traffic ─────

  /** A user with payout details of `kind`, D-10's pause of the new details lifted (its boundary is tested in test/api/top-ups.test.ts). */
  async function join(kind: PayoutKind): Promise<Member> {
    const user = await signUp(call, 'recon');
    const n = members.length + 1;
    let body: Record<string, string>;
    if (kind === 'paypal' || kind === 'paypal_fails') {
      body = { method: 'paypal', account: kind === 'paypal' ? `payee.${n}@paypal.example` : `fail.${n}@paypal.example` };
    } else {
      const setup = await call('POST', '/me/payout-details/card-setup', { token: user.token });
      assert.equal(setup.status, 201, JSON.stringify(setup.body));
      returnedTo(await saveCard(setup.body.setupUrl, kind === 'card' ? TEST_CARDS.success : TEST_CARDS.payoutFails));
      body = { method: 'card', setupRef: setup.body.setupRef };
    }
    const details = await call('PUT', '/me/payout-details', { token: user.token, body });
    assert.equal(details.status, 200, JSON.stringify(details.body));
    await database.db.sql`
      update withdrawal_locks set starts_at = ${new Date(nowMs - 8 * DAY).toISOString()}::timestamptz, ends_at = ${new Date(nowMs - MINUTE).toISOString()}::timestamptz
      where user_id = ${user.id}`;
    const member: Member = { user, kind, method: kind.startsWith('paypal') ? 'paypal' : 'card' };
    members.push(member);
    note(`user ${user.id} joins, payouts by ${kind} (${details.body.account})`);
    return member;
  }

  async function cardTopUp(member: Member): Promise<void> {
    const amountCents = between(500, 20_000);
    // Cards that also send their webhook late or twice: credited once all the same.
    const card = pickOf([TEST_CARDS.success, TEST_CARDS.success, TEST_CARDS.delayedWebhook, TEST_CARDS.duplicateWebhook]);
    const { topUp } = await topUpByCard(call, member.user, amountCents, card);
    topUps.push({ id: topUp.id, userId: member.user.id, method: 'card', amountCents, status: 'approved' });
    note(`user ${member.user.id} tops up ${amountCents} by card ${card.slice(-4)}: top-up ${topUp.id} approved`);
  }

  async function cardDeclined(member: Member): Promise<void> {
    const amountCents = between(500, 20_000);
    const started = await startTopUp(call, member.user, amountCents, 'card');
    assert.equal(returnedTo(await payByCard(started.checkoutUrl, TEST_CARDS.decline)).searchParams.get('redirect_status'), 'failed');
    await topUpWhen(call, member.user, started.id, 'declined');
    topUps.push({ id: started.id, userId: member.user.id, method: 'card', amountCents, status: 'declined' });
    note(`user ${member.user.id} tops up ${amountCents} by a declined card: top-up ${started.id} declined`);
  }

  async function paypalTopUp(member: Member, amountCents = between(500, 20_000)): Promise<void> {
    const topUp = await topUpByPaypal(call, member.user, amountCents, `payer.${++payers}@paypal.example`);
    topUps.push({ id: topUp.id, userId: member.user.id, method: 'paypal', amountCents, status: 'approved' });
    note(`user ${member.user.id} tops up ${amountCents} by PayPal: top-up ${topUp.id} approved`);
  }

  async function paypalDeclined(member: Member): Promise<void> {
    const amountCents = between(500, 20_000);
    const started = await startTopUp(call, member.user, amountCents, 'paypal');
    returnedTo(await approveOnPaypal(started.checkoutUrl, `decline.${++payers}@paypal.example`));
    const captured = await call('POST', `/top-ups/${started.id}/capture`, { token: member.user.token });
    assert.equal(captured.status, 200, JSON.stringify(captured.body));
    await topUpWhen(call, member.user, started.id, 'declined');
    topUps.push({ id: started.id, userId: member.user.id, method: 'paypal', amountCents, status: 'declined' });
    note(`user ${member.user.id} tops up ${amountCents} by a declining PayPal account: top-up ${started.id} declined`);
  }

  /** A withdrawal of a random amount the user may take now; with too little withdrawable, a PayPal top-up instead (false). */
  async function withdraw(member: Member): Promise<boolean> {
    const w = await withdrawable(member);
    const minimum = w.terms[member.method].minAmountCents;
    if (w.withdrawableCents < minimum) {
      note(`user ${member.user.id} has ${w.withdrawableCents} withdrawable, below ${minimum}: tops up instead`);
      await paypalTopUp(member);
      return false;
    }
    const amountCents = between(minimum, w.withdrawableCents);
    const res = await call('POST', '/withdrawals', { token: member.user.token, body: { amountCents }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual([res.body.status, res.body.method, res.body.expectedBatchAt], ['requested', member.method, BATCH_AT]);
    const { id, feeCents, netCents } = res.body as { id: number; feeCents: number; netCents: number };
    withdrawals.push({ id, userId: member.user.id, method: member.method, amountCents, feeCents, netCents, expected: OUTCOME[member.kind] });
    note(`user ${member.user.id} withdraws ${amountCents} of ${w.withdrawableCents} (fee ${feeCents}): withdrawal ${id}`);
    return true;
  }

  async function cancel(): Promise<void> {
    const open = withdrawals.filter((w) => w.expected !== 'cancelled');
    if (open.length === 0) return void (await withdraw(pickOf(members)));
    const w = pickOf(open);
    const owner = members.find((m) => m.user.id === w.userId)!;
    const res = await call('POST', `/withdrawals/${w.id}/cancel`, { token: owner.user.token });
    assert.deepEqual([res.status, res.body.status], [200, 'cancelled'], JSON.stringify(res.body));
    w.expected = 'cancelled';
    note(`user ${w.userId} cancels withdrawal ${w.id}`);
  }

  /** Asking for more than is withdrawable: refused with the reason, nothing moved. */
  async function overAsk(member: Member): Promise<void> {
    const before = await withdrawable(member);
    const amountCents = before.withdrawableCents + between(1, 5_000);
    const res = await call('POST', '/withdrawals', { token: member.user.token, body: { amountCents }, headers: { 'idempotency-key': randomUUID() } });
    assert.deepEqual([res.status, res.body.error?.code], [422, 'withdrawal_not_allowed'], JSON.stringify(res.body));
    assert.deepEqual(await withdrawable(member), before);
    note(`user ${member.user.id} asks for ${amountCents} of ${before.withdrawableCents} withdrawable: refused`);
  }

  function run(action: Action): Promise<unknown> {
    const member = pickOf(members);
    switch (action) {
      case 'card_top_up': return cardTopUp(member);
      case 'card_declined': return cardDeclined(member);
      case 'paypal_top_up': return paypalTopUp(member);
      case 'paypal_declined': return paypalDeclined(member);
      case 'withdraw': return withdraw(member);
      case 'cancel': return cancel();
      case 'over_ask': return overAsk(member);
    }
  }

  /** The day's actions: each kind at least `AT_LEAST` times, the rest drawn by `WEIGHTS`, in a random order. */
  function dayPlan(): Action[] {
    const plan = (Object.keys(AT_LEAST) as Action[]).flatMap((action) => Array<Action>(AT_LEAST[action]).fill(action));
    const weighted = (Object.keys(WEIGHTS) as Action[]).flatMap((action) => Array<Action>(WEIGHTS[action]).fill(action));
    for (let i = 0; i < EXTRA_ACTIONS; i += 1) plan.push(pickOf(weighted));
    return shuffled(plan);
  }

  /** The whole day, from 09:00 in Warsaw, a few minutes between requests; every user ends it with a withdrawal waiting for the batch. */
  async function dayOfTraffic(): Promise<void> {
    // Every payout kind at least once; the fifth user's is drawn.
    const kinds: PayoutKind[] = shuffled(['paypal', 'paypal_fails', 'card', 'card_fails', pickOf(['paypal', 'paypal_fails', 'card', 'card_fails'] as const)]);
    for (const kind of kinds) await paypalTopUp(await join(kind), between(2_000, 15_000));
    const plan = dayPlan();
    // Twelve hours at most between the first request and the last (one per user at the end included): the day stays Tuesday's.
    const gap = Math.floor((12 * 60) / (plan.length + members.length));
    for (const action of plan) {
      await later(between(Math.ceil(gap / 2), gap));
      await run(action);
    }
    for (const member of members) {
      if (withdrawals.some((w) => w.userId === member.user.id && w.expected !== 'cancelled')) continue;
      await later(between(Math.ceil(gap / 2), gap));
      if (!(await withdraw(member))) assert.ok(await withdraw(member), `user ${member.user.id} can withdraw after a top-up`);
    }
  }

  // ───── the batch ─────

  /** Wednesday 12:00 in Warsaw: the batch, started as its Schedule would, until its row is reconciled and every withdrawal final. */
  async function runBatch(): Promise<{ batchId: string; totals: unknown }> {
    assert.equal(new Date(nextBatchAt(nowMs, withdrawalPolicy().batch)).toISOString(), BATCH_AT, 'the next batch is Wednesday’s');
    await later(Math.ceil((Date.parse(BATCH_AT) - nowMs) / MINUTE) + 1);
    // The Schedule's id is `payout-batch-<time>`; a suffix keeps runs against one dev server apart.
    const batchId = uniqueId(payoutBatchWorkflowId(BATCH_AT));
    const handle = await temporal.workflow.start<typeof payoutBatchWorkflow>(payoutBatchWorkflowType, { taskQueue, workflowId: batchId, args: [{ scheduledAt: BATCH_AT }] });
    note(`batch ${batchId} starts`);
    await pollUntil(
      async () => {
        const [batch] = await database.db.sql<{ status: string }[]>`select status from payout_batches where id = ${batchId}`;
        const [open] = await database.db.sql<{ n: number }[]>`select count(*)::int as n from withdrawals where closed_at is null`;
        return batch?.status === 'reconciled' && open!.n === 0;
      },
      { timeoutMs: 30_000, what: `batch ${batchId} reconciled with every withdrawal final` },
    );
    const view = await handle.result();
    assert.equal(view.status, 'reconciled');
    await webhooks.quiet();
    return { batchId, totals: view.totals };
  }

  // ───── the reconciliation ─────

  const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);
  const byId = <T extends { id: number }>(records: T[], value: (r: T) => number) => Object.fromEntries(records.map((r) => [String(r.id), value(r)]));

  /** Every top-up and withdrawal ended as the traffic meant, in our rows and as their owners see them. */
  async function assertOutcomes(batchId: string): Promise<void> {
    const topUpRows = await database.db.sql<{ id: string; status: string }[]>`select id, status from top_ups order by id`;
    assert.deepEqual(topUpRows.map((r) => [Number(r.id), r.status]), topUps.map((t) => [t.id, t.status]).sort((a, b) => Number(a[0]) - Number(b[0])));
    const rows = await database.db.sql<{ id: string; status: string; batch_id: string | null }[]>`select id, status, batch_id from withdrawals order by id`;
    assert.deepEqual(
      rows.map((r) => [Number(r.id), r.status, r.batch_id]),
      withdrawals.map((w) => [w.id, w.expected, w.expected === 'cancelled' ? null : batchId]),
      'each withdrawal: cancelled before the batch, or paid or failed in it as its payout details say',
    );
    for (const member of members) {
      const credited = sum(topUps.filter((t) => t.userId === member.user.id && t.status === 'approved').map((t) => t.amountCents));
      const paid = sum(withdrawals.filter((w) => w.userId === member.user.id && w.expected === 'paid').map((w) => w.amountCents));
      const balance = await call('GET', '/me/balance', { token: member.user.token });
      assert.equal(balance.body.mainCents, credited - paid, `user ${member.user.id}: top-ups less paid withdrawals; failed and cancelled ones came back`);
    }
  }

  /** Provider by provider: money in, money out less failures, reference by reference and in total. */
  async function assertBooksAgree(): Promise<void> {
    const ours = await ledgerBooks(database.db);
    const theirs = { card: await cardBooks(stand), paypal: await paypalBooks(stand, REPORT_WINDOW) };
    for (const method of ['card', 'paypal'] as const) {
      const approved = topUps.filter((t) => t.method === method && t.status === 'approved');
      const paid = withdrawals.filter((w) => w.method === method && w.expected === 'paid');
      const { pending, unexpected, balanceCents: _balance, ...provider } = theirs[method];
      assert.deepEqual(ours[method].payments, byId(approved, (t) => t.amountCents), `${method}: the top-ups credited are the ones paid`);
      assert.deepEqual(ours[method], provider, `${method}: our ledger against the provider's records`);
      assert.equal(provider.paidOutCents, sum(paid.map((w) => w.netCents)), `${method}: paid out, net of fees`);
      assert.deepEqual([pending, unexpected], [[], {}], `${method}: no payout left pending, no movement of another kind`);
    }
    const [gateway] = await database.db.sql<{ balance: string }[]>`select balance from ledger_accounts where key = 'platform:gateway'`;
    assert.equal(Number(gateway!.balance), -(theirs.card.balanceCents + theirs.paypal.balanceCents), 'platform:gateway mirrors what the providers hold for us');
  }

  /** Fees in revenue; each top-up and withdrawal balances to zero; payouts_pending is empty. */
  async function assertMoneyOfEach(): Promise<void> {
    const accounts = await database.db.sql<{ key: string; balance: string }[]>`select key, balance from ledger_accounts where key in ('platform:revenue', 'platform:payouts_pending')`;
    const balance = (key: string) => Number(accounts.find((a) => a.key === key)?.balance ?? 0);
    assert.equal(balance('platform:revenue'), sum(withdrawals.filter((w) => w.expected === 'paid').map((w) => w.feeCents)), 'revenue is the paid withdrawals’ fees');
    assert.equal(balance('platform:payouts_pending'), 0, 'nothing left pending');
    for (const t of topUps) {
      const expected = t.status === 'approved' ? { kinds: ['top_up'], moved: { 'platform:gateway': -t.amountCents, [`user:${t.userId}:main`]: t.amountCents } } : { kinds: [], moved: {} };
      assert.deepEqual(await movedBy(database.db, [`topup:${t.id}`]), expected, `top-up ${t.id} (${t.status})`);
    }
    for (const w of withdrawals) {
      const moved = await movedBy(database.db, ['hold', 'settle', 'revert'].map((step) => `payout:${w.id}:${step}`));
      // The hold into payouts_pending and the settle or revert out of it net to zero (zeros are left out).
      const expected =
        w.expected === 'paid'
          ? { kinds: ['payout_hold', 'payout_settle'], moved: { [`user:${w.userId}:main`]: -w.amountCents, 'platform:gateway': w.netCents, 'platform:revenue': w.feeCents } }
          : { kinds: ['payout_hold', 'payout_revert'], moved: {} };
      assert.deepEqual(moved, expected, `withdrawal ${w.id} (${w.expected})`);
    }
  }

  /** The batch's row: what it took, and the count and sums of what it paid. */
  async function assertBatchRow(batchId: string, totals: unknown): Promise<void> {
    const taken = withdrawals.filter((w) => w.expected !== 'cancelled');
    const paid = taken.filter((w) => w.expected === 'paid');
    const [row] = await database.db.sql<{ status: string; taken: number; paid_count: number; failed_count: number; gross: string; fees: string; net: string }[]>`
      select status, taken, paid_count, failed_count, gross, fees, net from payout_batches where id = ${batchId}`;
    const expected = {
      taken: taken.length,
      paidCount: paid.length,
      failedCount: taken.length - paid.length,
      grossCents: sum(paid.map((w) => w.amountCents)),
      feesCents: sum(paid.map((w) => w.feeCents)),
      netCents: sum(paid.map((w) => w.netCents)),
    };
    assert.deepEqual(
      { taken: row!.taken, paidCount: row!.paid_count, failedCount: row!.failed_count, grossCents: Number(row!.gross), feesCents: Number(row!.fees), netCents: Number(row!.net) },
      expected,
      'the batch row',
    );
    assert.deepEqual(totals, expected, 'the batch workflow’s totals');
    assert.equal(await assertBatchesReconciled(database.db), 1);
  }

  it('after a day of random top-ups and withdrawals and Wednesday’s batch, our ledger agrees with both providers', { timeout: 120_000 }, async (t) => {
    try {
      await dayOfTraffic();
      const { batchId, totals } = await runBatch();
      for (const method of ['card', 'paypal'] as const) {
        for (const outcome of ['paid', 'failed'] as const) assert.ok(withdrawals.some((w) => w.method === method && w.expected === outcome), `a ${method} withdrawal ${outcome}`);
        assert.ok(topUps.some((u) => u.method === method && u.status === 'declined'), `a ${method} top-up declined`);
      }
      assert.ok(withdrawals.some((w) => w.expected === 'cancelled'), 'a withdrawal cancelled');
      await assertOutcomes(batchId);
      await assertBooksAgree();
      await assertMoneyOfEach();
      await assertBatchRow(batchId, totals);
      const events = await database.db.sql<{ status: string; n: number }[]>`select status, count(*)::int as n from provider_events where status in ('received', 'unmatched') group by status`;
      assert.deepEqual([...events], [], 'every provider event applied, none unmatched');
      assert.deepEqual(webhooks.refused(), [], 'no webhook delivery refused');
      await assertLedgerConsistent(database.db);
      t.diagnostic(`${topUps.length} top-ups and ${withdrawals.length} withdrawals of ${members.length} users reconciled`);
    } catch (err) {
      t.diagnostic(`the day so far:\n${log.slice(-25).join('\n')}`);
      t.diagnostic(`replay: ${replayCommand(import.meta.filename)}`);
      throw err;
    }
  });
});
