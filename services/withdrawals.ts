/**
 * Withdrawals (K-49…K-52, D-04, D-09, D-10), the API's side: a request checks what is
 * withdrawable under the lock of the user's main account, writes the withdrawal's row, holds
 * its amount out of the balance (ledger `payout:<id>:hold`) and queues the start of
 * `withdrawal-<id>`, all in one transaction — so parallel withdrawals and orders can never
 * together take more than the balance — and starts the workflow after the commit
 * (`db/workflow-starts.ts`: a start Temporal could not take is made by the retry with the same
 * key, or a worker's sweep). From there the workflow owns it: the batch (K-50), the payout,
 * its confirmation; the owner's cancel and staff's hold, release and reject are its Updates.
 *
 * Also here: K-48's early withdrawal of a card top-up, which staff make by refunding it to the
 * card that paid it.
 */
import { and, asc, desc, eq, gt, inArray, isNotNull, lt } from 'drizzle-orm';
import { reconcileInBatches } from '../db/batches.js';
import type { Db } from '../db/client.js';
import type { Ledger } from '../db/ledger.js';
import { queueStartIn, startQueued, startQueuedWorkflows } from '../db/workflow-starts.js';
import { cardLots, topUps } from '../db/schema/ledger.js';
import { payoutBatches, withdrawals } from '../db/schema/payments.js';
import { payoutDetails } from '../db/schema/users.js';
import { nextBatchAt } from '../payments/batch-calendar.js';
import { ProviderRefusal, type Providers } from '../payments/provider.js';
import { AppError } from '../workflows/lib/errors.js';
import { formatUsd } from '../workflows/lib/money.js';
import { inconsistencyOf } from '../workflows/withdrawal/machine.js';
import { withdrawalWorkflowId, type WithdrawalInput, type WithdrawalView } from '../workflows/withdrawal/messages.js';
import { feeOf, minimumOf, withdrawalPolicy } from '../workflows/withdrawal/policy.js';
import type { Clock } from './clock.js';
import { keyedRequest, oneRequestAtATime, recordKeyIn, assertSameRequest, type KeyedRequest } from './idempotency.js';
import { settlePayout } from './provider-webhooks.js';
import { readWithdrawable } from './withdrawable.js';
import { queuedStart, type WorkflowGateway } from './workflow-gateway.js';

export interface WithdrawalDeps {
  db: Db;
  ledger: Ledger;
  clock: Clock;
  providers: Providers;
  workflows: WorkflowGateway;
}

type Row = typeof withdrawals.$inferSelect;
export type WithdrawalStatus = Row['status'];

/** A withdrawal as its owner and staff see it in lists (the read model). */
export interface WithdrawalSummary {
  id: number;
  userId: number;
  status: WithdrawalStatus;
  statusReason: string | null;
  method: 'card' | 'paypal';
  destinationLabel: string;
  amountCents: number;
  feeCents: number;
  netCents: number;
  requestedAt: string;
  expectedBatchAt: string;
  batchId: string | null;
  providerRef: string | null;
  closedAt: string | null;
}

/** One withdrawal: the summary, its history and what each side may do now (from the workflow while it runs). */
export interface WithdrawalDetail extends WithdrawalSummary {
  history: WithdrawalView['history'];
  allowedActions: WithdrawalView['allowedActions'];
}

const OPEN: WithdrawalStatus[] = ['requested', 'held', 'in_batch'];

function summaryOf(row: Row): WithdrawalSummary {
  return {
    id: row.id,
    userId: row.userId,
    status: row.status,
    statusReason: row.statusReason,
    method: row.method,
    destinationLabel: row.destinationLabel,
    amountCents: row.amount,
    feeCents: row.fee,
    netCents: row.net,
    requestedAt: row.createdAt.toISOString(),
    expectedBatchAt: row.expectedBatchAt.toISOString(),
    batchId: row.batchId,
    providerRef: row.providerRef,
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}

const refused = (message: string, details: Record<string, unknown> = {}) => new AppError('withdrawal_not_allowed', message, details);

/** Where the money goes: the user's payout details, which must name a provider handle. */
async function destinationOf(db: Db, userId: number) {
  const [details] = await db.orm.select().from(payoutDetails).where(eq(payoutDetails.userId, userId));
  if (!details) throw refused('add payout details (a card or a PayPal account) before withdrawing');
  if (!details.token) throw refused('save your payout card again on the provider’s page: this card was saved before cards were tokenised');
  return details;
}

/** D-04: the minimum for the method, and the fee, before anything is locked. */
function terms(method: 'card' | 'paypal', amountCents: number) {
  const policy = withdrawalPolicy();
  const minimum = minimumOf(method, policy);
  if (amountCents < minimum) throw refused(`the minimum withdrawal by ${method} is ${formatUsd(minimum)} (D-04)`, { minimumCents: minimum });
  return { policy, feeCents: feeOf(method, amountCents, policy) };
}

async function byKey(db: Db, userId: number, key: string): Promise<Row | undefined> {
  const [row] = await db.orm.select().from(withdrawals).where(and(eq(withdrawals.userId, userId), eq(withdrawals.requestKey, key)));
  return row;
}

class Replayed extends Error {}

/**
 * Requests a withdrawal of `amountCents` (the gross: the fee is taken from it, D-04). With the
 * same Idempotency-Key a retry answers the same withdrawal.
 */
async function request(deps: WithdrawalDeps, userId: number, input: { amountCents: number }, requestKey: string): Promise<{ withdrawal: WithdrawalSummary; created: boolean }> {
  const keyed = keyedRequest(requestKey, 'withdrawal', input);
  return oneRequestAtATime(userId, requestKey, async () => {
    await assertSameRequest(deps.db, userId, keyed);
    const earlier = await byKey(deps.db, userId, requestKey);
    if (earlier) return { withdrawal: await startedWith(deps, earlier), created: false };
    try {
      return { withdrawal: await requestNew(deps, userId, input.amountCents, keyed), created: true };
    } catch (err) {
      if (!(err instanceof Replayed)) throw err;
      const row = await byKey(deps.db, userId, requestKey);
      if (!row) throw err;
      return { withdrawal: await startedWith(deps, row), created: false };
    }
  });
}

async function requestNew(deps: WithdrawalDeps, userId: number, amountCents: number, keyed: KeyedRequest): Promise<WithdrawalSummary> {
  const details = await destinationOf(deps.db, userId);
  const { policy, feeCents } = terms(details.method, amountCents);
  const now = deps.clock.now();
  const expectedBatchAt = new Date(nextBatchAt(now.getTime(), policy.batch));
  const { id, start } = await deps.db.sql.begin(async (tx) => {
    if (!(await recordKeyIn(tx, userId, keyed, now))) throw new Replayed();
    // Under this lock no order's hold nor other withdrawal of the user's can move main.
    const main = await deps.ledger.lockForPayout(tx, userId);
    const w = await readWithdrawable(tx, userId, now, main);
    if (amountCents > w.withdrawableCents) {
      throw refused(`only ${formatUsd(w.withdrawableCents)} is withdrawable now: see GET /balance/withdrawable for why the rest is not`, {
        withdrawableCents: w.withdrawableCents,
        notWithdrawable: w.notWithdrawable,
      });
    }
    const [inserted] = await tx<{ id: string }[]>`
      insert into withdrawals (user_id, method, destination, destination_label, amount, fee, net, status, expected_batch_at, request_key, created_at, updated_at)
      values (${userId}, ${details.method}, ${details.token}, ${details.account}, ${amountCents}, ${feeCents}, ${amountCents - feeCents}, 'requested',
        ${expectedBatchAt.toISOString()}::timestamptz, ${keyed.key}, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
      returning id`;
    const id = Number(inserted!.id);
    await deps.ledger.payoutHoldIn(tx, { payoutId: id, userId, amount: amountCents, fee: feeCents });
    const input: WithdrawalInput = {
      withdrawalId: id,
      userId,
      method: details.method,
      destination: details.token!,
      destinationLabel: details.account,
      amountCents,
      feeCents,
      netCents: amountCents - feeCents,
      requestedAt: now.toISOString(),
      expectedBatchAt: expectedBatchAt.toISOString(),
      policy,
    };
    // Refused before anything commits, as the gateway's start refused it when it ran inside this
    // transaction: queued, the workflow would only hold the amount and mark it inconsistent.
    const inconsistency = inconsistencyOf(input);
    if (inconsistency) throw new AppError('invalid_input', `withdrawal ${id}: ${inconsistency}`);
    const start = queuedStart('withdrawal', input);
    await queueStartIn(tx, start, now);
    return { id, start };
  });
  await startQueued(deps.db, deps.workflows.startQueued, [start]);
  return summaryOf((await rowOf(deps.db, id))!);
}

/** A retried request's withdrawal, its workflow started if the first attempt could not. */
async function startedWith(deps: WithdrawalDeps, row: Row): Promise<WithdrawalSummary> {
  await startQueuedWorkflows(deps.db, deps.workflows.startQueued, { workflowIds: [withdrawalWorkflowId(row.id)] });
  return summaryOf(row);
}

async function rowOf(db: Db, id: number): Promise<Row | undefined> {
  const [row] = await db.orm.select().from(withdrawals).where(eq(withdrawals.id, id));
  return row;
}

async function ownRow(db: Db, userId: number | null, id: number): Promise<Row> {
  const row = await rowOf(db, id);
  if (!row || (userId !== null && row.userId !== userId)) throw new AppError('not_found', 'no such withdrawal');
  return row;
}

const noActions: WithdrawalView['allowedActions'] = { owner: [], staff: [] };

/** The row, with the running workflow's history and allowed actions (a closed one's from the row). */
async function detailOf(deps: WithdrawalDeps, row: Row): Promise<WithdrawalDetail> {
  const summary = summaryOf(row);
  if (OPEN.includes(row.status)) {
    try {
      const live = await deps.workflows.withdrawal.view(row.id);
      return { ...summary, status: live.status === 'voided' ? summary.status : live.status, statusReason: live.statusReason, history: live.history, allowedActions: live.allowedActions };
    } catch {
      // The workflow is out of reach (or closed since the row was read): the row answers.
    }
  }
  return { ...summary, history: [], allowedActions: noActions };
}

type Action = { type: 'cancel' } | { type: 'hold'; reason: string } | { type: 'release' } | { type: 'reject'; reason: string };

async function act(deps: WithdrawalDeps, actor: { role: 'owner' | 'staff'; id: number }, id: number, action: Action): Promise<WithdrawalDetail> {
  const row = await ownRow(deps.db, actor.role === 'owner' ? actor.id : null, id);
  // A closed withdrawal's workflow has completed (or is forgotten): its row answers, as for orders.
  if (!OPEN.includes(row.status)) throw new AppError('conflict', `the withdrawal is ${row.status}`, { status: row.status });
  await deps.workflows.withdrawal.act(id, { actor, action });
  return detailOf(deps, (await rowOf(deps.db, id))!);
}

async function list(db: Db, filter: { userId?: number; status?: WithdrawalStatus }, limit = 100): Promise<WithdrawalSummary[]> {
  const conditions = [];
  if (filter.userId !== undefined) conditions.push(eq(withdrawals.userId, filter.userId));
  if (filter.status) conditions.push(inArray(withdrawals.status, [filter.status]));
  const rows = await db.orm.select().from(withdrawals).where(and(...conditions)).orderBy(desc(withdrawals.id)).limit(limit);
  return rows.map(summaryOf);
}

/**
 * K-48: an early withdrawal of card money, only back to the same card, through staff: the
 * top-up's amount leaves the main balance (refused if it was spent) and the provider refunds
 * it to the card that paid it. Both steps are idempotent by the top-up's id, so staff may
 * send it again after a provider outage.
 */
async function refundTopUp(deps: WithdrawalDeps, staffId: number, topUpId: number): Promise<{ topUpId: number; amountCents: number; refundRef: string }> {
  const [topUp] = await deps.db.orm.select().from(topUps).where(eq(topUps.id, topUpId));
  if (!topUp) throw new AppError('not_found', 'no such top-up');
  if (topUp.userId === staffId) throw new AppError('forbidden', 'staff do not refund their own top-up: another staff member does');
  if (topUp.method !== 'card' || topUp.status !== 'approved' || !topUp.gatewayRef) {
    throw new AppError('conflict', 'only a paid card top-up can be refunded to its card (K-48)', { status: topUp.status, method: topUp.method });
  }
  const refund = deps.providers.card.refund;
  if (!refund) throw new AppError('conflict', 'the card provider cannot refund');
  await deps.ledger.refundTopUp({ topUpId, userId: topUp.userId, amount: topUp.amount });
  let result;
  try {
    result = await refund({ topUpId, providerRef: topUp.gatewayRef, amountCents: topUp.amount, idempotencyKey: `topup-${topUpId}-refund` });
  } catch (err) {
    const detail = err instanceof ProviderRefusal ? `${err.code}: ${err.message}` : 'the provider did not answer';
    throw new AppError('provider_unavailable', `the refund was not confirmed (${detail}); the money is set aside: send it again`);
  }
  const now = deps.clock.now();
  await deps.db.orm.transaction(async (tx) => {
    await tx.update(topUps).set({ refundedAt: now, refundRef: result.providerRef }).where(eq(topUps.id, topUpId));
    await tx.update(cardLots).set({ refundedAt: now }).where(eq(cardLots.topUpId, topUpId));
  });
  return { topUpId, amountCents: topUp.amount, refundRef: result.providerRef };
}

export interface PayoutBatchView {
  id: string;
  scheduledAt: string;
  status: 'running' | 'skipped_holiday' | 'reconciled';
  holiday: string | null;
  taken: number;
  paidCount: number;
  failedCount: number;
  grossCents: number;
  feesCents: number;
  netCents: number;
  reconciledAt: string | null;
}

/** The payout batches (K-50), newest first, with their reconciliation. */
async function batches(db: Db, limit = 100): Promise<PayoutBatchView[]> {
  const rows = await db.orm.select().from(payoutBatches).orderBy(desc(payoutBatches.scheduledAt)).limit(limit);
  return rows.map((b) => ({
    id: b.id,
    scheduledAt: b.scheduledAt.toISOString(),
    status: b.status,
    holiday: b.holiday,
    taken: b.taken,
    paidCount: b.paidCount,
    failedCount: b.failedCount,
    grossCents: b.gross,
    feesCents: b.fees,
    netCents: b.net,
    reconciledAt: b.reconciledAt?.toISOString() ?? null,
  }));
}

/** Withdrawals asked about in one round of `reconcileSentPayouts`. */
const RECONCILE_BATCH = 100;
/**
 * A payout's webhook comes within seconds of the provider settling it: a withdrawal is asked
 * about once its row has not changed for this long.
 */
const RECONCILE_AFTER_MS = 10 * 60_000;
/** How often each worker asks about one batch. */
const RECONCILE_EVERY_MS = 60_000;

/**
 * Issue 19 §2, for payouts: a payout the provider paid or failed whose webhooks never reached
 * us (every delivery refused while we were down, past the provider's retries) left its
 * withdrawal `in_batch` until the workflow's own question at the end of its 3-day confirmation
 * timeout (K-50) — three days in which a failed payout's money was not back on the balance.
 * Asks the provider about one batch of the withdrawals sent to it whose row has not changed
 * since `before`, in id order after `afterId`, and hands each settled payout to its workflow
 * as its webhook would have (`settlePayout`: the workflow's rules decide; a second confirmation
 * of the same payout changes nothing). A payout still pending, a withdrawal whose workflow has
 * already moved on (its write waiting for staff), or a provider that does not answer is left
 * for a later round. `lastId`: where the next batch goes on from (0: start over).
 */
export async function reconcileSentPayouts(deps: Pick<WithdrawalDeps, 'db' | 'providers' | 'workflows'>, before: Date, afterId = 0): Promise<{ confirmed: number; lastId: number }> {
  const rows = await deps.db.orm
    .select({ id: withdrawals.id, method: withdrawals.method, providerRef: withdrawals.providerRef })
    .from(withdrawals)
    .where(and(eq(withdrawals.status, 'in_batch'), isNotNull(withdrawals.providerRef), lt(withdrawals.updatedAt, before), gt(withdrawals.id, afterId)))
    .orderBy(asc(withdrawals.id))
    .limit(RECONCILE_BATCH);
  let confirmed = 0;
  for (const { id, method, providerRef } of rows) {
    try {
      const payout = await deps.providers[method].payout(providerRef!);
      if (payout.status === 'pending' || (await deps.workflows.withdrawal.view(id)).status !== 'in_batch') continue;
      if (await settlePayout(deps.workflows, id, payout, `reconciliation:${payout.status}`)) confirmed += 1;
    } catch {
      // The provider or Temporal did not answer: a later round asks again.
    }
  }
  return { confirmed, lastId: rows.length === RECONCILE_BATCH ? rows.at(-1)!.id : 0 };
}

/**
 * Reconciles the withdrawals sent to a provider until `signal` aborts (`reconcileSentPayouts`):
 * every `intervalMs` one batch of those unchanged for `afterMs`, each batch going on from the
 * last. Runs in each worker process; a payout confirmed twice is settled once.
 */
export async function runPayoutReconciler(opts: { deps: Pick<WithdrawalDeps, 'db' | 'providers' | 'workflows' | 'clock'>; signal: AbortSignal; intervalMs?: number; afterMs?: number; onConfirmed?: (count: number) => void; onError?: (err: unknown) => void }): Promise<void> {
  const { deps, onConfirmed } = opts;
  const batch = (before: Date, afterId: number) => reconcileSentPayouts(deps, before, afterId);
  await reconcileInBatches({ intervalMs: RECONCILE_EVERY_MS, afterMs: RECONCILE_AFTER_MS, ...opts, now: () => deps.clock.now(), batch, onBatch: ({ confirmed }) => confirmed > 0 && onConfirmed?.(confirmed) });
}

export function createWithdrawals(deps: WithdrawalDeps) {
  return {
    request: (userId: number, input: { amountCents: number }, requestKey: string) => request(deps, userId, input, requestKey),
    get: async (userId: number | null, id: number) => detailOf(deps, await ownRow(deps.db, userId, id)),
    list: (userId: number) => list(deps.db, { userId }),
    /** Staff's queue: every withdrawal, or those of one status. */
    listAll: (status?: WithdrawalStatus) => list(deps.db, { status }),
    cancel: (userId: number, id: number) => act(deps, { role: 'owner', id: userId }, id, { type: 'cancel' }),
    hold: (staffId: number, id: number, reason: string) => act(deps, { role: 'staff', id: staffId }, id, { type: 'hold', reason }),
    release: (staffId: number, id: number) => act(deps, { role: 'staff', id: staffId }, id, { type: 'release' }),
    reject: (staffId: number, id: number, reason: string) => act(deps, { role: 'staff', id: staffId }, id, { type: 'reject', reason }),
    refundTopUp: (staffId: number, topUpId: number) => refundTopUp(deps, staffId, topUpId),
    batches: () => batches(deps.db),
    /** The withdrawal terms of D-04 and the batch calendar of K-50, for the balance page. */
    terms: () => {
      const policy = withdrawalPolicy();
      return { policy, nextBatchAt: new Date(nextBatchAt(deps.clock.now().getTime(), policy.batch)).toISOString() };
    },
  };
}

export type Withdrawals = ReturnType<typeof createWithdrawals>;
