/**
 * Webhooks from the payment providers: verified before anything happens, recorded once per
 * provider event id, then applied.
 *
 * - A delivery whose signature or timestamp does not verify is refused (400) and leaves no
 *   trace: nothing is recorded for it.
 * - The `provider_events` row is the exactly-once record: a second delivery of an event
 *   (sent twice, at once, or retried after our answer was lost) finds the row processed and
 *   changes nothing. A delivery that finds the row merely `received` (a crash between recording
 *   and applying) applies it again: every application is idempotent (ledger key
 *   `topup:<id>`, the withdrawal workflow ignores a confirmation once final).
 * - Events can arrive out of order, so none is trusted for the state it carries: the handler
 *   reads the payment or payout as the provider has it now, and acts on that.
 * - An event about a payment or payout we do not know is recorded `unmatched` for staff
 *   (`GET /staff/provider-events`), never dropped; a kind we do not act on is `ignored`.
 *
 * K-48, D-09: a card top-up's month-long withdrawal lock starts when this posts the money.
 */
import { and, desc, eq, or, sql } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import type { Ledger } from '../db/ledger.js';
import { providerEvents, withdrawals } from '../db/schema/payments.js';
import { topUps } from '../db/schema/ledger.js';
import { AppError } from '../workflows/lib/errors.js';
import { addUtcMonths } from '../workflows/lib/time.js';
import { WebhookVerificationError, type PaymentState, type PayoutState, type ProviderName, type Providers, type VerifiedEvent } from '../payments/provider.js';
import type { Clock } from './clock.js';
import { walletRules } from './policy.js';
import type { WorkflowGateway } from './workflow-gateway.js';
import { webhookFailures } from '../telemetry/metrics.js';

export interface WebhookDeps {
  db: Db;
  ledger: Ledger;
  providers: Providers;
  clock: Clock;
  workflows: WorkflowGateway;
}

export type EventStatus = 'received' | 'processed' | 'unmatched' | 'ignored';

export interface WebhookOutcome {
  eventId: string;
  status: EventStatus;
  /** True when the event had been recorded and settled before: this delivery changed nothing. */
  duplicate: boolean;
}

type EventRow = typeof providerEvents.$inferSelect;

const sqlIncrement = sql`${providerEvents.deliveries} + 1`;

/** Records the event, or counts one more delivery of it; answers its row as it stands. */
async function record(db: Db, event: VerifiedEvent): Promise<{ row: EventRow; fresh: boolean }> {
  const subject = event.subject;
  const [inserted] = await db.orm
    .insert(providerEvents)
    .values({
      provider: event.provider,
      eventId: event.eventId,
      type: event.type,
      subjectKind: subject?.kind ?? null,
      subjectRef: subject?.providerRef ?? null,
      payload: event.payload as object,
      status: 'received',
    })
    .onConflictDoNothing()
    .returning();
  if (inserted) return { row: inserted, fresh: true };
  const [row] = await db.orm
    .update(providerEvents)
    .set({ deliveries: sqlIncrement })
    .where(and(eq(providerEvents.provider, event.provider), eq(providerEvents.eventId, event.eventId)))
    .returning();
  return { row: row!, fresh: false };
}

async function settleEvent(db: Db, id: number, status: EventStatus, note: string | null, at: Date): Promise<void> {
  await db.orm.update(providerEvents).set({ status, note, processedAt: at }).where(eq(providerEvents.id, id));
}

/** What settling a payment needs: the database, the ledger and the clock. */
type SettleDeps = Pick<WebhookDeps, 'db' | 'ledger' | 'clock'>;

/** Credits a paid top-up, its card lot and the event that told of it, if one did, in one transaction (K-48, D-09). */
async function creditTopUp(deps: SettleDeps, tx: postgres.TransactionSql, topUp: typeof topUps.$inferSelect, state: PaymentState, eventRowId: number | null): Promise<void> {
  const now = deps.clock.now();
  await deps.ledger.topUpIn(tx, { topUpId: topUp.id, userId: topUp.userId, amount: topUp.amount, method: topUp.method });
  const card = state.card;
  await tx`
    update top_ups set status = 'approved', decided_at = coalesce(decided_at, ${now.toISOString()}::timestamptz), decline_reason = null,
      card_last4 = coalesce(${card?.last4 ?? null}, card_last4), card_fingerprint = coalesce(${card?.fingerprint ?? null}, card_fingerprint),
      paypal_account = coalesce(${state.payerEmail}, paypal_account)
    where id = ${topUp.id} and status <> 'approved'`;
  if (topUp.method === 'card') {
    const releasesAt = new Date(addUtcMonths(now.getTime(), walletRules.cardTopUpHoldMonths));
    await tx`
      insert into card_lots (user_id, top_up_id, amount, card_fingerprint, releases_at)
      values (${topUp.userId}, ${topUp.id}, ${topUp.amount}, ${card?.fingerprint ?? 'unknown'}, ${releasesAt.toISOString()}::timestamptz)
      on conflict (top_up_id) do nothing`;
  }
  if (eventRowId !== null) await tx`update provider_events set status = 'processed', processed_at = ${now.toISOString()}::timestamptz where id = ${eventRowId}`;
}

/**
 * The payment `state`, an approved PayPal order's captured first (`approved`: its event said so,
 * or it waits for no payer), in case the payer never came back to us.
 */
export async function capturedIfApproved(providers: Providers, topUp: typeof topUps.$inferSelect, state: PaymentState, approved: boolean): Promise<PaymentState> {
  const capture = providers[topUp.method].capture;
  return state.status === 'pending' && approved && capture ? capture(topUp.gatewayRef!, topUp.id) : state;
}

/**
 * Settles a top-up by its payment as the provider has it now: a paid one is credited (once: the
 * ledger's key `topup:<id>`), a failed one still pending is declined. `eventRowId`: the webhook
 * event that asked, marked processed with the credit. Answers what became of the top-up.
 */
export async function settlePayment(deps: SettleDeps, topUp: typeof topUps.$inferSelect, state: PaymentState, eventRowId: number | null): Promise<'credited' | 'declined' | 'unchanged'> {
  if (state.status === 'succeeded') {
    await deps.db.sql.begin((tx) => creditTopUp(deps, tx, topUp, state, eventRowId));
    return 'credited';
  }
  if (state.status === 'failed' && topUp.status === 'pending') {
    const declined = await deps.db.orm
      .update(topUps)
      .set({ status: 'declined', declineReason: state.failureReason ?? 'declined', decidedAt: deps.clock.now() })
      .where(and(eq(topUps.id, topUp.id), eq(topUps.status, 'pending')))
      .returning({ id: topUps.id });
    if (declined.length > 0) return 'declined';
  }
  return 'unchanged';
}

async function findTopUp(db: Db, provider: ProviderName, providerRef: string, topUpId: number | null) {
  const byRef = eq(topUps.gatewayRef, providerRef);
  const [row] = await db.orm
    .select()
    .from(topUps)
    .where(and(eq(topUps.method, provider), topUpId === null ? byRef : or(byRef, eq(topUps.id, topUpId))))
    .orderBy(desc(topUps.id))
    .limit(1);
  return row?.gatewayRef === providerRef ? row : undefined;
}

/** A payment event: the payment as the provider has it now decides (events may come out of order). */
async function applyPayment(deps: WebhookDeps, event: VerifiedEvent & { subject: { kind: 'payment' } }, row: EventRow): Promise<EventStatus> {
  const topUp = await findTopUp(deps.db, event.provider, event.subject.providerRef, event.subject.topUpId);
  if (!topUp) return unmatched(deps, row, `no top-up has payment ${event.subject.providerRef}`);
  // PayPal: an approved order is captured here too, in case the payer never came back to us.
  const current = await deps.providers[event.provider].payment(event.subject.providerRef);
  const state = await capturedIfApproved(deps.providers, topUp, current, event.type === 'CHECKOUT.ORDER.APPROVED');
  if ((await settlePayment(deps, topUp, state, row.id)) === 'credited') return 'processed';
  await settleEvent(deps.db, row.id, 'processed', state.status === 'pending' ? 'payment still pending' : null, deps.clock.now());
  return 'processed';
}

/**
 * Hands a payout the provider has settled (paid, failed, cancelled) to its withdrawal's
 * workflow, whose rules decide (a second confirmation of one payout changes nothing); a pending
 * one is left. Answers whether the workflow got it (false: pending, or the workflow is closed).
 * The webhook and the workers' reconciliation (`reconcileSentPayouts`) both settle this way.
 */
export async function settlePayout(workflows: Pick<WorkflowGateway, 'withdrawal'>, withdrawalId: number, state: PayoutState, eventId: string): Promise<boolean> {
  if (state.status === 'pending') return false;
  return workflows.withdrawal.confirm(withdrawalId, { providerRef: state.providerRef, status: state.status, reason: state.failureReason, eventId });
}

/** A payout event: the payout as the provider has it now, handed to its withdrawal's workflow. */
async function applyPayout(deps: WebhookDeps, event: VerifiedEvent & { subject: { kind: 'payout' } }, row: EventRow): Promise<EventStatus> {
  const { providerRef, withdrawalId } = event.subject;
  const [withdrawal] = await deps.db.orm
    .select()
    .from(withdrawals)
    .where(withdrawalId === null ? eq(withdrawals.providerRef, providerRef) : or(eq(withdrawals.providerRef, providerRef), eq(withdrawals.id, withdrawalId)))
    .limit(1);
  if (!withdrawal || withdrawal.method !== event.provider) return unmatched(deps, row, `no withdrawal has payout ${providerRef}`);
  const state = await deps.providers[event.provider].payout(providerRef);
  await settlePayout(deps.workflows, withdrawal.id, state, event.eventId);
  await settleEvent(deps.db, row.id, 'processed', state.status === 'pending' ? 'payout still pending' : null, deps.clock.now());
  return 'processed';
}

async function unmatched(deps: WebhookDeps, row: EventRow, note: string): Promise<EventStatus> {
  await settleEvent(deps.db, row.id, 'unmatched', note, deps.clock.now());
  return 'unmatched';
}

async function apply(deps: WebhookDeps, event: VerifiedEvent, row: EventRow): Promise<EventStatus> {
  const subject = event.subject;
  if (subject?.kind === 'payment') return applyPayment(deps, { ...event, subject }, row);
  if (subject?.kind === 'payout') return applyPayout(deps, { ...event, subject }, row);
  // Refunds are posted when staff make them (`withdrawals.ts`); the event confirms it.
  const status: EventStatus = subject?.kind === 'refund' ? 'processed' : 'ignored';
  await settleEvent(deps.db, row.id, status, null, deps.clock.now());
  return status;
}

/**
 * One delivery: verify, record, apply. A verification failure throws 400 `invalid_webhook`;
 * a provider we cannot ask right now throws (the API answers 5xx) and the provider retries.
 */
async function receive(deps: WebhookDeps, provider: ProviderName, rawBody: string, headers: Record<string, string | undefined>): Promise<WebhookOutcome> {
  try {
    return await receiveVerified(deps, provider, rawBody, headers);
  } catch (err) {
    // Issue 19 §4: a refused delivery (bad signature) or one we failed on (the provider retries).
    webhookFailures.inc({ provider, reason: err instanceof AppError && err.code === 'invalid_webhook' ? 'invalid_signature' : 'error' });
    throw err;
  }
}

async function receiveVerified(deps: WebhookDeps, provider: ProviderName, rawBody: string, headers: Record<string, string | undefined>): Promise<WebhookOutcome> {
  let event: VerifiedEvent;
  try {
    event = await deps.providers[provider].verifyWebhook(rawBody, headers, deps.clock.now().getTime());
  } catch (err) {
    if (err instanceof WebhookVerificationError) throw new AppError('invalid_webhook', err.message, { reason: err.reason });
    throw err;
  }
  const { row, fresh } = await record(deps.db, event);
  if (!fresh && row.status !== 'received') return { eventId: event.eventId, status: row.status, duplicate: true };
  return { eventId: event.eventId, status: await apply(deps, event, row), duplicate: false };
}

export interface ProviderEventView {
  id: number;
  provider: ProviderName;
  eventId: string;
  type: string;
  subjectKind: string | null;
  subjectRef: string | null;
  status: EventStatus;
  note: string | null;
  deliveries: number;
  receivedAt: string;
}

async function list(db: Db, status: EventStatus | undefined, limit: number): Promise<ProviderEventView[]> {
  const rows = await db.orm
    .select()
    .from(providerEvents)
    .where(status ? eq(providerEvents.status, status) : undefined)
    .orderBy(desc(providerEvents.id))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    provider: r.provider,
    eventId: r.eventId,
    type: r.type,
    subjectKind: r.subjectKind,
    subjectRef: r.subjectRef,
    status: r.status,
    note: r.note,
    deliveries: r.deliveries,
    receivedAt: r.receivedAt.toISOString(),
  }));
}

export function createProviderWebhooks(deps: WebhookDeps) {
  return {
    receive: (provider: ProviderName, rawBody: string, headers: Record<string, string | undefined>) => receive(deps, provider, rawBody, headers),
    /** Staff's list: every recorded event, newest first, or those of one status (`unmatched`). */
    list: (status: EventStatus | undefined, limit = 100) => list(deps.db, status, limit),
  };
}

export type ProviderWebhooks = ReturnType<typeof createProviderWebhooks>;
