/**
 * What the withdrawal tests share: requesting a withdrawal through the API's own service, a
 * payout card saved on the card stand-in's hosted page, a webhook receiver that hands verified payout events to the gateway, and where a
 * withdrawal's money went (the ledger) and how often the provider paid it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { createLedger } from '../../db/ledger.js';
import type { PaymentProvider, ProviderName, Providers } from '../../payments/provider.js';
import type { WorkflowGateway } from '../../services/workflow-gateway.js';
import { createWithdrawals } from '../../services/withdrawals.js';
import { nextBatchAt } from '../../payments/batch-calendar.js';
import type { WithdrawalInput, WithdrawalMethod } from '../../workflows/withdrawal/messages.js';
import { feeOf, withdrawalPolicy } from '../../workflows/withdrawal/policy.js';
import { returnedTo, saveCard } from './pay.js';
import { PAYMENT_SECRETS, unreachableProviders } from './payments.js';

export interface WithdrawalRequest {
  userId: number;
  method: WithdrawalMethod;
  /** A saved card's token, or the PayPal address. */
  destination: string;
  destinationLabel: string;
  amountCents: number;
  /** When it is requested (the server's time), ms. */
  atMs: number;
}

/**
 * Requests a withdrawal through the API's own service (`createWithdrawals(…).request`, what
 * `POST /withdrawals` calls): the user's payout details are set to `destination` first, and the
 * service's clock reads `atMs` (the time-skipping server's time in workflow tests). The service
 * checks what is withdrawable, writes the row, holds the amount with D-04's fee and queues the
 * workflow's start in one transaction, and starts it after the commit.
 */
export async function requestWithdrawal(db: Db, gateway: WorkflowGateway, req: WithdrawalRequest): Promise<WithdrawalInput> {
  await db.sql`
    insert into payout_details (user_id, method, account, token, updated_at)
    values (${req.userId}, ${req.method}, ${req.destinationLabel}, ${req.destination}, ${new Date(req.atMs).toISOString()}::timestamptz)
    on conflict (user_id) do update set method = excluded.method, account = excluded.account, token = excluded.token`;
  let started: WithdrawalInput | undefined;
  const workflows: WorkflowGateway = {
    ...gateway,
    startQueued: async (queued) => {
      if (queued.process === 'withdrawal') started = queued.input;
      await gateway.startQueued(queued);
    },
  };
  // Requesting never reaches a provider: the payout does, later, from the workflow.
  const withdrawals = createWithdrawals({ db, ledger: createLedger(db), clock: { now: () => new Date(req.atMs) }, providers: unreachableProviders(), workflows });
  await withdrawals.request(req.userId, { amountCents: req.amountCents }, randomUUID());
  assert.ok(started, `the withdrawal of user ${req.userId} started`);
  return started;
}

/**
 * Starts a withdrawal's workflow for a withdrawal that was never committed: what an API of the
 * code before the start outbox left when its request's transaction rolled back after the start.
 * The input is a real request's, under an id no row has.
 */
export async function startUncommittedWithdrawal(db: Db, gateway: WorkflowGateway, req: WithdrawalRequest): Promise<WithdrawalInput> {
  const policy = withdrawalPolicy();
  const feeCents = feeOf(req.method, req.amountCents, policy);
  const [{ id }] = (await db.sql`select nextval(pg_get_serial_sequence('withdrawals', 'id'))::int8 as id`) as unknown as [{ id: string }];
  const input: WithdrawalInput = {
    withdrawalId: Number(id),
    userId: req.userId,
    method: req.method,
    destination: req.destination,
    destinationLabel: req.destinationLabel,
    amountCents: req.amountCents,
    feeCents,
    netCents: req.amountCents - feeCents,
    requestedAt: new Date(req.atMs).toISOString(),
    expectedBatchAt: new Date(nextBatchAt(req.atMs, policy.batch)).toISOString(),
    policy,
  };
  await gateway.withdrawal.start(input);
  return input;
}

/** Saves `number` as a payout card on the card stand-in's hosted page, as a user would; answers its token and label. */
export async function savePayoutCard(card: PaymentProvider, userId: number, number: string): Promise<{ token: string; label: string }> {
  const { setupRef, setupUrl } = await card.startCardSetup!({ userId, returnUrl: 'https://gigflow.test/balance' });
  returnedTo(await saveCard(setupUrl, number));
  const saved = await card.savedCard!(setupRef);
  assert.ok(saved, `the card of setup ${setupRef} was saved`);
  return { token: saved.token, label: `${saved.brand[0]!.toUpperCase()}${saved.brand.slice(1)} •••• ${saved.last4}` };
}

/**
 * A webhook receiver for the stand-ins (`/webhooks/card`, `/webhooks/paypal`): verifies the
 * delivery, reads the payout as the provider has it now (webhooks may come out of order) and
 * hands a settled one to the withdrawal's workflow through the gateway. The API's own webhook
 * route does the same, with its records.
 */
export function payoutWebhookReceiver(db: Db, providers: Providers, gateway: WorkflowGateway): (req: Request) => Promise<Response> {
  return async (req) => {
    const name: ProviderName = new URL(req.url).pathname.endsWith('/paypal') ? 'paypal' : 'card';
    const raw = await req.text();
    const headers = Object.fromEntries([...req.headers].map(([k, v]) => [k.toLowerCase(), v]));
    let event;
    try {
      event = await providers[name].verifyWebhook(raw, headers, Date.now());
    } catch (err) {
      return new Response(String(err), { status: 400 });
    }
    if (event.subject?.kind !== 'payout') return new Response('ignored');
    const state = await providers[name].payout(event.subject.providerRef);
    if (state.status === 'pending') return new Response('pending');
    let withdrawalId = event.subject.withdrawalId ?? state.withdrawalId;
    if (withdrawalId === null) {
      const [row] = await db.sql<{ id: string }[]>`select id from withdrawals where provider_ref = ${state.providerRef}`;
      withdrawalId = row ? Number(row.id) : null;
    }
    if (withdrawalId !== null) await gateway.withdrawal.confirm(withdrawalId, { providerRef: state.providerRef, status: state.status, reason: state.failureReason, eventId: event.eventId });
    return new Response('ok');
  };
}

/** The card stand-in's payouts of a withdrawal (its list, as the processor's API gives it). */
export async function cardPayoutsOf(standInUrl: string, withdrawalId: number): Promise<{ id: string; amount: number; status: string }[]> {
  const res = await fetch(`${standInUrl}/card/v1/payouts?limit=100`, { headers: { authorization: `Bearer ${PAYMENT_SECRETS.cardSecretKey}` } });
  assert.equal(res.status, 200);
  const list = (await res.json()) as { data: { id: string; amount: number; status: string; metadata: Record<string, string> }[] };
  return list.data.filter((p) => p.metadata.withdrawal_id === String(withdrawalId)).map(({ id, amount, status }) => ({ id, amount, status }));
}

/**
 * A withdrawal's ledger: its transactions' kinds in order, and what they moved together per
 * account (zeros left out). Settled: the user's main paid the amount, the gateway got the net,
 * revenue the fee; reverted: nothing moved at all.
 */
export async function withdrawalMoney(db: Db, withdrawalId: number): Promise<{ kinds: string[]; moved: Record<string, number> }> {
  const rows = await db.sql<{ kind: string; key: string | null; amount: string | null }[]>`
    select t.kind, a.key, p.amount from ledger_transactions t
    left join ledger_postings p on p.transaction_id = t.id
    left join ledger_accounts a on a.id = p.account_id
    where t.idempotency_key like ${`payout:${withdrawalId}:%`}
    order by t.id, p.id`;
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const moved: Record<string, number> = {};
  for (const r of rows) if (r.key !== null) moved[r.key] = (moved[r.key] ?? 0) + Number(r.amount);
  for (const key of Object.keys(moved)) if (moved[key] === 0) delete moved[key];
  return { kinds, moved };
}

/** Asserts the money of a withdrawal that ended: settled (paid) or reverted (everything else). */
export async function assertWithdrawalMoney(db: Db, w: WithdrawalInput, end: 'settled' | 'reverted'): Promise<void> {
  const money = await withdrawalMoney(db, w.withdrawalId);
  const expected =
    end === 'settled'
      ? { kinds: ['payout_hold', 'payout_settle'], moved: { [`user:${w.userId}:main`]: -w.amountCents, 'platform:gateway': w.netCents, 'platform:revenue': w.feeCents } }
      : { kinds: ['payout_hold', 'payout_revert'], moved: {} };
  assert.deepEqual(money, expected, `the money of withdrawal ${w.withdrawalId}`);
}

/**
 * Every reconciled batch's row equals the sums of the withdrawals it paid, and those equal the
 * ledger's settle postings of those withdrawals (net to the gateway, fee to revenue).
 */
export async function assertBatchesReconciled(db: Db): Promise<number> {
  const rows = await db.sql<{ id: string; row: string; withdrawals: string; ledger: string }[]>`
    select b.id,
      concat_ws('/', b.taken, b.paid_count, b.failed_count, b.gross, b.fees, b.net) as row,
      (select concat_ws('/', count(*), count(*) filter (where status = 'paid'), count(*) filter (where status = 'failed'),
          coalesce(sum(amount) filter (where status = 'paid'), 0), coalesce(sum(fee) filter (where status = 'paid'), 0), coalesce(sum(net) filter (where status = 'paid'), 0))
        from withdrawals w where w.batch_id = b.id) as withdrawals,
      (select concat_ws('/', coalesce(sum(-p.amount) filter (where a.kind = 'main'), 0), coalesce(sum(p.amount) filter (where a.key = 'platform:revenue'), 0),
          coalesce(sum(p.amount) filter (where a.key = 'platform:gateway'), 0))
        from withdrawals w join ledger_transactions t on t.idempotency_key in ('payout:' || w.id || ':hold', 'payout:' || w.id || ':settle')
        join ledger_postings p on p.transaction_id = t.id join ledger_accounts a on a.id = p.account_id
        where w.batch_id = b.id and w.status = 'paid') as ledger
    from payout_batches b where b.status = 'reconciled' order by b.scheduled_at`;
  for (const r of rows) {
    assert.equal(r.row, r.withdrawals, `batch ${r.id}: its row against its withdrawals`);
    const [, , , gross, fees, net] = r.row.split('/');
    assert.equal(r.ledger, `${gross}/${fees}/${net}`, `batch ${r.id}: its row against the ledger`);
  }
  return rows.length;
}
