/**
 * A user's money as the API shows it: top-ups through the payment providers (K-47), promo codes onto
 * the bonus balance, the balance with what is withdrawable and when, and the statement.
 * Money itself moves only through the ledger.
 */
import { isUniqueViolation } from '../db/unique-violation.js';
import { and, asc, desc, eq, gt, isNotNull, lt, sql } from 'drizzle-orm';
import { reconcileInBatches } from '../db/batches.js';
import type { Db } from '../db/client.js';
import { cardLots, promoCodes, promoRedemptions, topUps } from '../db/schema/ledger.js';
import { idempotencyKeys } from '../db/schema/requests.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { readWithdrawable } from './withdrawable.js';
import { walletRules } from './policy.js';
import type { Clock } from './clock.js';
import { assertSameRequest, keyedRequest, keyRow, oneRequestAtATime, type KeyedRequest } from './idempotency.js';
import type { Ledger } from '../db/ledger.js';
import { ProviderRefusal, type PaymentState, type ProviderName, type Providers } from '../payments/provider.js';
import { capturedIfApproved, settlePayment } from './provider-webhooks.js';

/** A top-up starts with the amount and the method; the payer pays on the provider's page (K-47). */
export interface TopUpInput {
  amountCents: number;
  method: ProviderName;
}

export type TopUpStatus = 'pending' | 'approved' | 'declined' | 'cancelled';

/** Why a pending top-up ended as `cancelled`. */
export type TopUpEnd = 'cancelled_by_payer' | 'cancelled_by_user' | 'expired';

export interface TopUpView {
  id: number;
  amountCents: number;
  method: ProviderName;
  /**
   * `pending` until a verified webhook from the provider says the money arrived (or did not);
   * `cancelled` when it ended without the payer paying: they cancelled on the provider's page,
   * the user cancelled it, or it expired (`declineReason` says which). A payment that completes
   * after all is still credited, and the top-up is then `approved`.
   */
  status: TopUpStatus;
  /** Card: `Visa •••• 4242` once paid; PayPal: the payer's account once paid; else the method. */
  source: string;
  declineReason: string | null;
  /** The provider's hosted page where the payer pays; null once decided. */
  checkoutUrl: string | null;
  createdAt: string;
  decidedAt: string | null;
  /** Card money: when it becomes withdrawable (K-48, D-09: a month after the webhook posted it). */
  withdrawableAt: string | null;
  /** K-48: refunded to its card by staff (an early withdrawal). */
  refundedAt: string | null;
}

export interface BalanceView {
  mainCents: number;
  /** Promo money: pays for orders, never withdrawable. */
  bonusCents: number;
  /** Money the user has held in escrow for orders in progress. */
  escrowCents: number;
  withdrawableCents: number;
  /** What of `mainCents` is not withdrawable now, when it becomes so, and why. */
  locked: { amountCents: number; until: string; reason: 'card_top_up_hold' | 'email_change' | 'login_change' | 'payout_details_change' }[];
}

interface PromoInput {
  code: string;
  amountCents: number;
  expiresAt: string;
  maxRedemptions: number;
}

type TopUpRow = typeof topUps.$inferSelect;

export interface WalletDeps {
  db: Db;
  ledger: Ledger;
  providers: Providers;
  clock: Clock;
  /** The web client's public address: the provider sends the payer back to its top-up page. */
  webUrl: string;
}

function sourceOf(row: TopUpRow): string {
  if (row.method === 'card') return row.cardLast4 ? `card •••• ${row.cardLast4}` : 'card';
  return row.paypalAccount ? `PayPal ${row.paypalAccount}` : 'PayPal';
}

function view(row: TopUpRow, lot?: { releasesAt: Date }): TopUpView {
  return {
    id: row.id,
    amountCents: row.amount,
    method: row.method,
    status: row.status,
    source: sourceOf(row),
    declineReason: row.declineReason,
    checkoutUrl: row.status === 'approved' || row.status === 'cancelled' ? null : row.checkoutUrl,
    createdAt: row.createdAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
    withdrawableAt: lot?.releasesAt.toISOString() ?? null,
    refundedAt: row.refundedAt?.toISOString() ?? null,
  };
}

async function viewWithLot(db: Db, row: TopUpRow): Promise<TopUpView> {
  const [lot] = await db.orm.select().from(cardLots).where(eq(cardLots.topUpId, row.id));
  return view(row, lot);
}

async function ownTopUp(db: Db, userId: number, id: number): Promise<TopUpRow> {
  const [row] = await db.orm.select().from(topUps).where(and(eq(topUps.id, id), eq(topUps.userId, userId)));
  if (!row) throw new AppError('not_found', 'no such top-up');
  return row;
}

/** The provider could not be reached or refused the request: nothing was charged. */
function providerUnavailable(err: unknown): AppError {
  const detail = err instanceof ProviderRefusal ? `${err.code}: ${err.message}` : 'the payment provider did not answer';
  return new AppError('provider_unavailable', `the payment provider could not start the payment (${detail}); try again`);
}

/**
 * Starts a top-up: the row first (its id names the payment at the provider and is the
 * provider's idempotency key), then the provider's checkout, whose hosted page the payer is
 * sent to. With an Idempotency-Key a retry answers the same top-up and the same page. The
 * balance does not change here: a verified webhook credits it (`provider-webhooks.ts`), or,
 * when none comes, the workers' reconciliation (`reconcilePendingTopUps`).
 */
async function startTopUp(deps: WalletDeps, userId: number, input: TopUpInput, requestKey: string): Promise<{ topUp: TopUpView; created: boolean }> {
  const request = keyedRequest(requestKey, 'top_up', input);
  return oneRequestAtATime(userId, requestKey, async () => {
    await assertSameRequest(deps.db, userId, request);
    const [earlier] = await deps.db.orm.select().from(topUps).where(and(eq(topUps.userId, userId), eq(topUps.requestKey, requestKey)));
    const row = earlier ?? (await insertTopUp(deps, userId, input, request));
    if (row.gatewayRef && row.checkoutUrl) return { topUp: await viewWithLot(deps.db, row), created: !earlier };
    return { topUp: await openCheckout(deps, row), created: !earlier };
  });
}

async function insertTopUp(deps: WalletDeps, userId: number, input: TopUpInput, request: KeyedRequest): Promise<TopUpRow> {
  const now = deps.clock.now();
  try {
    return await deps.db.orm.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(topUps)
        .values({ userId, amount: input.amountCents, method: input.method, status: 'pending', requestKey: request.key, createdAt: now })
        .returning();
      await tx.insert(idempotencyKeys).values(keyRow(userId, request, now));
      return inserted!;
    });
  } catch (err) {
    // Another process's request under this key committed first: answer its top-up.
    if (!isUniqueViolation(err)) throw err;
    await assertSameRequest(deps.db, userId, request);
    const [row] = await deps.db.orm.select().from(topUps).where(and(eq(topUps.userId, userId), eq(topUps.requestKey, request.key)));
    if (!row) throw err;
    return row;
  }
}

/** Asks the provider for the checkout (idempotent by the top-up's id) and keeps its page. */
async function openCheckout(deps: WalletDeps, row: TopUpRow): Promise<TopUpView> {
  const provider = deps.providers[row.method];
  const page = `${deps.webUrl}/balance/top-ups/${row.id}`;
  let checkout;
  try {
    checkout = await provider.createCheckout({ topUpId: row.id, userId: row.userId, amountCents: row.amount, returnUrl: `${page}/return`, cancelUrl: `${page}?cancelled=1` });
  } catch (err) {
    throw providerUnavailable(err);
  }
  const [updated] = await deps.db.orm
    .update(topUps)
    .set({ gatewayRef: checkout.providerRef, checkoutUrl: checkout.checkoutUrl })
    .where(eq(topUps.id, row.id))
    .returning();
  return view(updated!);
}

/**
 * PayPal sends the payer back once they approved: the order is captured now (Orders v2), and
 * the capture's webhook credits the balance. A capture that fails is retried by the
 * `CHECKOUT.ORDER.APPROVED` webhook, so this answers the top-up as it stands either way.
 */
async function returnFromProvider(deps: WalletDeps, userId: number, id: number): Promise<TopUpView> {
  const row = await ownTopUp(deps.db, userId, id);
  const capture = deps.providers[row.method].capture;
  // A cancelled top-up too: a payer who cancelled and then approved the same order after all pays.
  if ((row.status === 'pending' || row.status === 'cancelled') && row.gatewayRef && capture) {
    try {
      await capture(row.gatewayRef, row.id);
    } catch {
      // Not approved (the payer cancelled) or the provider is down: the page says it is pending.
    }
  }
  return viewWithLot(deps.db, await ownTopUp(deps.db, userId, id));
}

/**
 * Ends a pending top-up without money, once the provider confirms the payer has not paid: the
 * payment still waits for the payer (`awaitingPayer`), or the provider no longer knows it (an
 * order PayPal let expire answers 404). A payment the provider took, or is taking (an approved
 * PayPal order, a card payment processing), is not ended: its webhook credits it. Answers
 * whether the top-up is ended now; a provider that does not answer throws (nothing changes).
 */
async function endTopUp(deps: WalletDeps, row: TopUpRow, reason: TopUpEnd): Promise<boolean> {
  if (row.status !== 'pending') return row.status === 'cancelled';
  return endUnpaid(deps, row, row.gatewayRef ? await paymentOf(deps.providers, row) : null, reason);
}

/** The top-up's payment as the provider has it, or null when the provider no longer knows it (404); other failures throw. */
async function paymentOf(providers: Providers, row: TopUpRow): Promise<PaymentState | null> {
  try {
    return await providers[row.method].payment(row.gatewayRef!);
  } catch (err) {
    if (!(err instanceof ProviderRefusal && err.status === 404)) throw err;
    return null;
  }
}

/** `endTopUp` once the payment is known (`state`; null: none, or the provider forgot it). */
async function endUnpaid(deps: Pick<WalletDeps, 'db' | 'clock'>, row: TopUpRow, state: PaymentState | null, reason: TopUpEnd): Promise<boolean> {
  if (state && state.status === 'succeeded') return false;
  if (state && state.status === 'pending' && !state.awaitingPayer) return false;
  const ended = await deps.db.orm
    .update(topUps)
    .set({ status: 'cancelled', declineReason: reason, decidedAt: deps.clock.now() })
    .where(and(eq(topUps.id, row.id), eq(topUps.status, 'pending')))
    .returning({ id: topUps.id });
  return ended.length > 0;
}

/**
 * The payer left the provider's page with Cancel (PayPal's cancel_url): a signal, checked with
 * the provider before the top-up ends. A provider that does not answer leaves it pending (the
 * page says so; expiry or the user's cancel ends it later).
 */
async function payerCancelled(deps: WalletDeps, userId: number, id: number): Promise<TopUpView> {
  const row = await ownTopUp(deps.db, userId, id);
  try {
    await endTopUp(deps, row, 'cancelled_by_payer');
  } catch {
    // The provider is down: the top-up stays pending, as the page shows.
  }
  return getTopUp(deps, userId, id);
}

/** The user cancels a pending top-up: 409 when decided, or when the provider took or is taking the money. */
async function cancelTopUp(deps: WalletDeps, userId: number, id: number): Promise<TopUpView> {
  const row = await ownTopUp(deps.db, userId, id);
  if (row.status === 'cancelled') return viewWithLot(deps.db, row);
  if (row.status !== 'pending') throw new AppError('conflict', `this top-up is ${row.status}: only a pending top-up can be cancelled`, { status: row.status });
  let ended: boolean;
  try {
    ended = await endTopUp(deps, row, 'cancelled_by_user');
  } catch (err) {
    throw new AppError('provider_unavailable', `the payment provider could not confirm that nothing was paid (${err instanceof ProviderRefusal ? err.code : 'no answer'}); try again`);
  }
  const after = await ownTopUp(deps.db, userId, id);
  if (!ended && after.status !== 'cancelled') {
    throw new AppError('conflict', 'the payment provider has taken or is taking this payment: it cannot be cancelled, and is credited once the provider confirms it', { status: after.status });
  }
  return viewWithLot(deps.db, after);
}

/**
 * Top-ups left pending longer than the provider keeps a payment open for the payer
 * (`walletRules.topUpExpiresAfterMs`) end as `expired`, each checked with the provider first, so
 * a late payment is never lost: one the provider took stays pending for its webhook. Run when the
 * user's top-ups are read and before an account closure is checked; a provider that does not
 * answer leaves the top-up for the next time.
 */
async function expireStale(deps: WalletDeps, userId: number): Promise<void> {
  const now = deps.clock.now().getTime();
  const rows = await deps.db.orm.select().from(topUps).where(and(eq(topUps.userId, userId), eq(topUps.status, 'pending')));
  for (const row of rows) {
    if (now - row.createdAt.getTime() < walletRules.topUpExpiresAfterMs[row.method]) continue;
    try {
      await endTopUp(deps, row, 'expired');
    } catch {
      // Asked again at the next read.
    }
  }
}

/** Pending top-ups asked about in one round of `reconcilePendingTopUps`. */
const RECONCILE_BATCH = 100;
/** A checkout's webhook normally comes within seconds: a top-up is reconciled only once it has waited this long. */
const RECONCILE_AFTER_MS = 10 * 60_000;
/** How often each worker reconciles one batch. */
const RECONCILE_EVERY_MS = 60_000;

/**
 * Issue 19 §2: a payment the provider took whose webhooks never reached us (every delivery
 * refused while we were down past the provider's retries) would leave its top-up pending and
 * the payer's money uncredited for good; and a checkout its payer abandoned stays pending until
 * its user reads their top-ups. Asks the provider about one batch of the pending top-ups whose
 * checkout was opened before `before`, in id order after `afterId`, and settles each as its
 * webhook would have: a paid one credited (ledger key `topup:<id>`: a webhook that comes after
 * changes nothing), a failed one declined; one left waiting for its payer past the provider's
 * window expires. A payment on its way (a processing card; an approved PayPal order, captured
 * here) is left for its webhook or a later round, as is a top-up whose provider does not answer.
 * `lastId`: where the next batch goes on from (0: the batch was the last, start over).
 */
export async function reconcilePendingTopUps(deps: Omit<WalletDeps, 'webUrl'>, before: Date, afterId = 0): Promise<{ credited: number; declined: number; expired: number; lastId: number }> {
  const rows = await deps.db.orm
    .select()
    .from(topUps)
    .where(and(eq(topUps.status, 'pending'), isNotNull(topUps.gatewayRef), lt(topUps.createdAt, before), gt(topUps.id, afterId)))
    .orderBy(asc(topUps.id))
    .limit(RECONCILE_BATCH);
  const outcome = { credited: 0, declined: 0, expired: 0, lastId: rows.length === RECONCILE_BATCH ? rows.at(-1)!.id : 0 };
  const now = deps.clock.now().getTime();
  for (const row of rows) {
    try {
      const found = await paymentOf(deps.providers, row);
      const state = found && (await capturedIfApproved(deps.providers, row, found, !found.awaitingPayer));
      const settled = state ? await settlePayment(deps, row, state, null) : 'unchanged';
      if (settled !== 'unchanged') outcome[settled] += 1;
      else if (now - row.createdAt.getTime() >= walletRules.topUpExpiresAfterMs[row.method] && (await endUnpaid(deps, row, state, 'expired'))) outcome.expired += 1;
    } catch {
      // The provider did not answer (or its webhook's credit raced this one): a later round sees.
    }
  }
  return outcome;
}

/**
 * Reconciles the pending top-ups until `signal` aborts (`reconcilePendingTopUps`): every
 * `intervalMs` one batch of those whose checkout opened over `afterMs` ago, each batch going on
 * from the last, so every pending top-up is asked about in turn however many wait, and the
 * provider is asked at most a batch's worth each interval. Runs in each worker process; two
 * settling the same top-up credit it once.
 */
export async function runTopUpReconciler(opts: { deps: Omit<WalletDeps, 'webUrl'>; signal: AbortSignal; intervalMs?: number; afterMs?: number; onSettled?: (counts: { credited: number; declined: number; expired: number }) => void; onError?: (err: unknown) => void }): Promise<void> {
  const { deps, onSettled } = opts;
  const batch = (before: Date, afterId: number) => reconcilePendingTopUps(deps, before, afterId);
  const onBatch = ({ credited, declined, expired }: { credited: number; declined: number; expired: number }) => credited + declined + expired > 0 && onSettled?.({ credited, declined, expired });
  await reconcileInBatches({ intervalMs: RECONCILE_EVERY_MS, afterMs: RECONCILE_AFTER_MS, ...opts, now: () => deps.clock.now(), batch, onBatch });
}

async function getTopUp(deps: WalletDeps, userId: number, id: number): Promise<TopUpView> {
  await expireStale(deps, userId);
  return viewWithLot(deps.db, await ownTopUp(deps.db, userId, id));
}

async function listTopUps(deps: WalletDeps, userId: number): Promise<TopUpView[]> {
  await expireStale(deps, userId);
  const rows = await deps.db.orm.select().from(topUps).where(eq(topUps.userId, userId)).orderBy(desc(topUps.id)).limit(100);
  const lots = rows.length
    ? await deps.db.orm.select().from(cardLots).where(eq(cardLots.userId, userId))
    : [];
  const lotOf = new Map(lots.map((lot) => [lot.topUpId, lot]));
  return rows.map((row) => view(row, lotOf.get(row.id)));
}


/**
 * The balance: main, bonus and escrow, with what is withdrawable now and, for each part of
 * main that is not, until when and why (the full answer, bonus and pending withdrawals
 * included, is `withdrawable.ts`'s, at `GET /balance/withdrawable`).
 */
async function balance(deps: WalletDeps, userId: number): Promise<BalanceView> {
  const [{ escrow }, w] = await Promise.all([deps.ledger.balances(userId), readWithdrawable(deps.db.sql, userId, deps.clock.now())]);
  const locked: BalanceView['locked'] = [];
  for (const p of w.notWithdrawable) {
    if (p.reason === 'card_top_up') locked.push({ amountCents: p.amountCents, until: p.releasesAt!, reason: 'card_top_up_hold' });
    if (p.reason === 'withdrawals_paused') {
      locked.push({ amountCents: p.amountCents, until: p.releasesAt!, reason: p.cause === 'email_change' ? 'email_change' : 'payout_details_change' });
    }
  }
  return { mainCents: w.mainCents, bonusCents: w.bonusCents, escrowCents: escrow, withdrawableCents: w.withdrawableCents, locked };
}

async function statement(ledger: Ledger, userId: number, page: { cursor?: string; limit: number }) {
  try {
    return await ledger.statement(userId, page);
  } catch (err) {
    // A cursor is opaque: one we did not hand out is bad input, not a server error.
    if (err instanceof RangeError && page.cursor !== undefined) {
      throw new AppError('invalid_input', 'query.cursor: not a cursor this API handed out', {
        fields: [{ path: 'query.cursor', message: 'not a cursor this API handed out', code: 'invalid_cursor' }],
      });
    }
    throw err;
  }
}

async function createPromo(deps: WalletDeps, adminId: number, input: PromoInput) {
  const { db, clock } = deps;
  if (new Date(input.expiresAt) <= clock.now()) throw fieldError('body.expiresAt', 'the expiry must be in the future', 'rule_violation');
  try {
    const [row] = await db.orm
      .insert(promoCodes)
      .values({ code: input.code, amount: input.amountCents, expiresAt: new Date(input.expiresAt), maxRedemptions: input.maxRedemptions, createdBy: adminId })
      .returning();
    return { id: row!.id, code: row!.code, amountCents: row!.amount, expiresAt: row!.expiresAt.toISOString(), maxRedemptions: row!.maxRedemptions, redemptions: 0 };
  } catch (err) {
    if (isUniqueViolation(err)) throw fieldError('body.code', 'a promo code with this code exists', 'conflict');
    throw err;
  }
}

/**
 * Redeems a promo code onto the bonus balance, once per user. The redemption row is
 * committed first (its counter is the limit's lock), then the ledger posting, which is
 * idempotent: a retry after a crash in between posts it and answers "already redeemed".
 */
async function redeemPromo(deps: WalletDeps, userId: number, code: string): Promise<{ bonusCents: number; promoCode: string; amountCents: number }> {
  const { db, ledger, clock } = deps;
  const outcome = await db.orm.transaction(async (tx) => {
    const [promo] = await tx.select().from(promoCodes).where(sql`lower(${promoCodes.code}) = lower(${code})`).for('update');
    if (!promo) throw new AppError('not_found', 'no such promo code');
    const [already] = await tx
      .select()
      .from(promoRedemptions)
      .where(and(eq(promoRedemptions.promoCodeId, promo.id), eq(promoRedemptions.userId, userId)));
    if (already) return { promo, fresh: false };
    if (promo.expiresAt <= clock.now()) throw new AppError('promo_expired', 'this promo code has expired', { expiredAt: promo.expiresAt.toISOString() });
    if (promo.redemptions >= promo.maxRedemptions) {
      throw new AppError('promo_exhausted', 'this promo code has been redeemed as many times as it may be', { maxRedemptions: promo.maxRedemptions });
    }
    await tx.update(promoCodes).set({ redemptions: sql`${promoCodes.redemptions} + 1` }).where(eq(promoCodes.id, promo.id));
    await tx.insert(promoRedemptions).values({ promoCodeId: promo.id, userId });
    return { promo, fresh: true };
  });
  await ledger.redeemPromo({ promoCodeId: outcome.promo.id, userId, amount: outcome.promo.amount });
  if (!outcome.fresh) throw new AppError('promo_already_redeemed', 'you have already redeemed this promo code');
  const { bonus } = await ledger.balances(userId);
  return { bonusCents: bonus, promoCode: outcome.promo.code, amountCents: outcome.promo.amount };
}

export function createWallet(deps: WalletDeps) {
  return {
    startTopUp: (userId: number, input: TopUpInput, requestKey: string) => startTopUp(deps, userId, input, requestKey),
    returnFromProvider: (userId: number, id: number) => returnFromProvider(deps, userId, id),
    getTopUp: (userId: number, id: number) => getTopUp(deps, userId, id),
    payerCancelled: (userId: number, id: number) => payerCancelled(deps, userId, id),
    cancelTopUp: (userId: number, id: number) => cancelTopUp(deps, userId, id),
    expireStale: (userId: number) => expireStale(deps, userId),
    listTopUps: (userId: number) => listTopUps(deps, userId),
    balance: (userId: number) => balance(deps, userId),
    withdrawable: (userId: number) => readWithdrawable(deps.db.sql, userId, deps.clock.now()),
    statement: (userId: number, page: { cursor?: string; limit: number }) => statement(deps.ledger, userId, page),
    createPromo: (adminId: number, input: PromoInput) => createPromo(deps, adminId, input),
    redeemPromo: (userId: number, code: string) => redeemPromo(deps, userId, code),
  };
}

export type Wallet = ReturnType<typeof createWallet>;
