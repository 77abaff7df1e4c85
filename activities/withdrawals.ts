/**
 * The withdrawal workflow's activities: whether the request committed, writing one
 * transition's effects (the read-model row, the money, the user's notice) idempotently, and
 * the provider's side of the payout — send it, ask about it, cancel it — through the adapters
 * of `payments/` (`Providers`).
 *
 * The provider calls are regular activities with a bounded retry policy set by the workflow: a
 * network error or a provider's 5xx is retried; a refusal (4xx, `ProviderRefusal`) is not, and
 * becomes `payout_refused`. They are not classified like the database writes (`./failures.ts`):
 * Node's `fetch` reports a lost connection as a `TypeError`, which a retry may cure.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/client.js';
import { createLedger, type Ledger } from '../db/ledger.js';
import { ProviderRefusal, type PaymentProvider, type PayoutState, type Providers } from '../payments/provider.js';
import type * as machine from '../workflows/withdrawal/machine.js';
import { payoutFailure, type PayoutOutcome, type WithdrawalMethod, type WithdrawalStatus } from '../workflows/withdrawal/messages.js';
import { withdrawalTransitions } from '../telemetry/metrics.js';
import { withClassifiedFailures } from './failures.js';

/** What a workflow transition asks `recordWithdrawalEvent` to write: the row as the transition leaves it, and its effects. */
export interface WithdrawalEventRecord {
  withdrawalId: number;
  userId: number;
  status: Exclude<WithdrawalStatus, 'voided'>;
  statusReason: string | null;
  batchId: string | null;
  providerRef: string | null;
  /** ISO, workflow time: the row's `updated_at`, and its `closed_at` when `closed`. */
  at: string;
  closed: boolean;
  effects: machine.Effects;
}

/** A payout to send: the adapter's request, by the method's provider. */
export interface SendPayoutInput {
  method: WithdrawalMethod;
  withdrawalId: number;
  /** What the user receives (net of the fee). */
  amountCents: number;
  destination: string;
  idempotencyKey: string;
}

/** One payout at its provider. */
export interface PayoutRefInput {
  method: WithdrawalMethod;
  providerRef: string;
}

/**
 * Waits for the request's transaction to end, then says whether it committed the withdrawal.
 * The request writes the row under the lock of the user's main ledger account (it holds the
 * amount out of it), so a shared lock on that account waits for its commit or rollback.
 */
async function loadWithdrawal(db: Db, input: { withdrawalId: number; userId: number }): Promise<{ exists: boolean }> {
  // Two statements, no transaction: the first waits for the request's lock and lets go at its
  // own end; the second, with a snapshot taken after, sees the request's outcome.
  await db.sql`select 1 from ledger_accounts where key = ${`user:${input.userId}:main`} for share`;
  const [row] = await db.sql`select 1 from withdrawals where id = ${input.withdrawalId}`;
  return { exists: row !== undefined };
}

/**
 * Writes one transition: the money first (the ledger's keys `payout:<id>:settle|revert` move it
 * once whatever the retries), then in one statement the row — never again once closed, so a
 * retry of the final write changes nothing — and the user's notice, once per event number.
 */
async function recordWithdrawalEvent(db: Db, ledger: Ledger, record: WithdrawalEventRecord): Promise<void> {
  const { withdrawalId, userId, effects, at } = record;
  if (effects.money === 'settle') await ledger.payoutSettle({ payoutId: withdrawalId });
  if (effects.money === 'revert') await ledger.payoutRevert({ payoutId: withdrawalId });
  const notice = effects.notice;
  // Timestamps go as ISO strings: drizzle, sharing this postgres.js client, turns off its Date serializer.
  const [written] = await db.sql<{ changed: number }[]>`
    with updated as (
      update withdrawals set
        status = ${record.status},
        status_reason = ${record.statusReason},
        batch_id = ${record.batchId},
        provider_ref = ${record.providerRef},
        updated_at = ${at}::timestamptz,
        closed_at = ${record.closed ? at : null}::timestamptz,
        seq = ${effects.seq}
      where id = ${withdrawalId} and closed_at is null and seq < ${effects.seq}
      returning id
    ), noticed as (
      insert into notifications (user_id, kind, text, dedupe_key, created_at)
      select ${userId}::int8, ${notice?.kind ?? ''}::text, ${notice?.text ?? ''}::text, ${`withdrawal:${withdrawalId}:${effects.seq}`}::text, ${at}::timestamptz
      where ${notice !== null}::boolean
      on conflict (dedupe_key) do nothing
    )
    select count(*)::int as changed from updated`;
  // Issue 19 §4: each state entered is counted once, when its write changed the row.
  if ((written?.changed ?? 0) > 0) withdrawalTransitions.inc({ state: record.status });
}

function providerOf(providers: Providers | undefined, method: WithdrawalMethod): PaymentProvider {
  const provider = providers?.[method];
  if (!provider) {
    throw ApplicationFailure.create({ type: payoutFailure.noProvider, message: `the worker has no ${method} payment provider configured`, nonRetryable: true });
  }
  return provider;
}

const outcomeOf = (state: PayoutState): PayoutOutcome => ({ providerRef: state.providerRef, status: state.status, failureReason: state.failureReason });

/** A provider's refusal as the workflow sees it: `payout_refused`, not retried. */
function refusal(err: unknown): unknown {
  if (!(err instanceof ProviderRefusal)) return err;
  return ApplicationFailure.create({
    type: payoutFailure.refused,
    message: `${err.message} (${err.code})`,
    nonRetryable: true,
    details: [{ provider: err.provider, status: err.status, code: err.code }],
  });
}

/** Sends the payout; the same idempotency key on every attempt, so the provider pays it once. */
async function sendPayout(providers: Providers | undefined, input: SendPayoutInput): Promise<PayoutOutcome> {
  const provider = providerOf(providers, input.method);
  try {
    return outcomeOf(await provider.sendPayout({ withdrawalId: input.withdrawalId, amountCents: input.amountCents, destination: input.destination, idempotencyKey: input.idempotencyKey }));
  } catch (err) {
    throw refusal(err);
  }
}

/** The payout as the provider has it now. */
async function payoutStatus(providers: Providers | undefined, input: PayoutRefInput): Promise<PayoutOutcome> {
  try {
    return outcomeOf(await providerOf(providers, input.method).payout(input.providerRef));
  } catch (err) {
    throw refusal(err);
  }
}

/** Cancels a pending payout; a provider that refuses (it is no longer pending) is asked what became of it. */
async function cancelPayout(providers: Providers | undefined, input: PayoutRefInput): Promise<PayoutOutcome> {
  const provider = providerOf(providers, input.method);
  try {
    return outcomeOf(await provider.cancelPayout(input.providerRef));
  } catch (err) {
    if (!(err instanceof ProviderRefusal)) throw err;
    return outcomeOf(await provider.payout(input.providerRef));
  }
}

export interface WithdrawalActivityDeps {
  db: Db;
  /** The payment adapters; without them the payout activities fail for good (`payout_provider_missing`). */
  providers?: Providers;
  ledger?: Ledger;
}

/** The withdrawal workflow's activities. */
export function createWithdrawalActivities({ db, providers, ledger = createLedger(db) }: WithdrawalActivityDeps) {
  return {
    loadWithdrawal: withClassifiedFailures((input: { withdrawalId: number; userId: number }) => loadWithdrawal(db, input)),
    recordWithdrawalEvent: withClassifiedFailures((record: WithdrawalEventRecord) => recordWithdrawalEvent(db, ledger, record)),
    sendPayout: (input: SendPayoutInput) => sendPayout(providers, input),
    payoutStatus: (input: PayoutRefInput) => payoutStatus(providers, input),
    cancelPayout: (input: PayoutRefInput) => cancelPayout(providers, input),
  };
}

export type WithdrawalActivities = ReturnType<typeof createWithdrawalActivities>;
