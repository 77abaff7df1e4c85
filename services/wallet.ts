/**
 * A user's money as the API shows it: top-ups through the payment gateway, promo codes onto
 * the bonus balance, the balance with what is withdrawable and when, and the statement.
 * Money itself moves only through the ledger.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { cardLots, promoCodes, promoRedemptions, topUps } from '../db/schema/ledger.js';
import { idempotencyKeys } from '../db/schema/requests.js';
import { AppError } from '../workflows/lib/errors.js';
import { walletRules } from './policy.js';
import type { Accounts } from './accounts.js';
import type { Clock } from './clock.js';
import { assertSameRequest, keyedRequest, keyRow, oneRequestAtATime, type KeyedRequest } from './idempotency.js';
import type { Ledger } from '../db/ledger.js';
import { cardFingerprint, type ChargeInput, type ChargeStatus, type PaymentGateway } from './payments.js';

export type TopUpInput =
  | { amountCents: number; method: 'card'; cardNumber: string }
  | { amountCents: number; method: 'paypal'; paypalAccount: string };

export interface TopUpView {
  id: number;
  amountCents: number;
  method: 'card' | 'paypal';
  status: 'pending' | 'approved' | 'declined';
  /** Card: `•••• 4242`; PayPal: the account. */
  source: string;
  declineReason: string | null;
  createdAt: string;
  decidedAt: string | null;
  /** Card money: when it becomes withdrawable. */
  withdrawableAt: string | null;
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

function addMonths(date: Date, months: number): Date {
  const d = new Date(date);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

export interface WalletDeps {
  db: Db;
  ledger: Ledger;
  gateway: PaymentGateway;
  clock: Clock;
  accounts: Accounts;
}

function view(row: TopUpRow, lot?: { releasesAt: Date }): TopUpView {
  return {
    id: row.id,
    amountCents: row.amount,
    method: row.method,
    status: row.status,
    source: row.method === 'card' ? `•••• ${row.cardLast4}` : row.paypalAccount!,
    declineReason: row.declineReason,
    createdAt: row.createdAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
    withdrawableAt: lot?.releasesAt.toISOString() ?? null,
  };
}

/**
 * Credits an approved charge: the ledger posting (idempotent by `topup:<id>`) first, then the
 * row and its card lot. A crash between the two is healed by the next read of the top-up,
 * which settles again without moving money twice.
 */
async function settle(deps: WalletDeps, row: TopUpRow): Promise<TopUpView> {
  const { db, ledger, clock } = deps;
  await ledger.topUp({ topUpId: row.id, userId: row.userId, amount: row.amount, method: row.method });
  const decidedAt = clock.now();
  return db.orm.transaction(async (tx) => {
    const [updated] = await tx
      .update(topUps)
      .set({ status: 'approved', decidedAt })
      .where(eq(topUps.id, row.id))
      .returning();
    if (row.method !== 'card') return view(updated!);
    const releasesAt = addMonths(decidedAt, walletRules.cardTopUpHoldMonths);
    await tx
      .insert(cardLots)
      .values({ userId: row.userId, topUpId: row.id, amount: row.amount, cardFingerprint: row.cardFingerprint!, releasesAt })
      .onConflictDoNothing();
    const [lot] = await tx.select().from(cardLots).where(eq(cardLots.topUpId, row.id));
    return view(updated!, lot);
  });
}

/** A pending charge is asked about again; an approved one not yet credited is settled. */
async function refresh(deps: WalletDeps, row: TopUpRow): Promise<TopUpView> {
  const { db, gateway, clock } = deps;
  if (row.status !== 'pending') {
    const [lot] = await db.orm.select().from(cardLots).where(eq(cardLots.topUpId, row.id));
    return view(row, lot);
  }
  const charge = await gateway.status(row.gatewayRef);
  if (charge.status === 'approved') return settle(deps, row);
  if (charge.status === 'declined') {
    const [updated] = await db.orm
      .update(topUps)
      .set({ status: 'declined', declineReason: charge.reason, decidedAt: clock.now() })
      .where(eq(topUps.id, row.id))
      .returning();
    return view(updated!);
  }
  return view(row);
}

async function ownTopUp(db: Db, userId: number, id: number): Promise<TopUpRow> {
  const [row] = await db.orm.select().from(topUps).where(and(eq(topUps.id, id), eq(topUps.userId, userId)));
  if (!row) throw new AppError('not_found', 'no such top-up');
  return row;
}

/** A new top-up's row, as the gateway's first answer left it. */
function topUpRow(userId: number, input: TopUpInput, charge: ChargeStatus, now: Date, requestKey: string | undefined) {
  return {
    userId,
    amount: input.amountCents,
    method: input.method,
    // Approved charges stay "pending" here until the ledger has credited them (see settle).
    status: charge.status === 'declined' ? ('declined' as const) : ('pending' as const),
    gatewayRef: charge.gatewayRef,
    cardLast4: input.method === 'card' ? input.cardNumber.slice(-4) : null,
    cardFingerprint: input.method === 'card' ? cardFingerprint(input.cardNumber) : null,
    paypalAccount: input.method === 'paypal' ? input.paypalAccount.toLowerCase() : null,
    declineReason: charge.status === 'declined' ? charge.reason : null,
    decidedAt: charge.status === 'declined' ? now : null,
    requestKey: requestKey ?? null,
  };
}

/** A declined top-up's answer: 422, the first time and on every retry. */
const declined = (row: { id: number; declineReason: string | null }) =>
  new AppError('payment_declined', `the payment was declined (${row.declineReason})`, { topUpId: row.id, reason: row.declineReason });

/**
 * The top-up an earlier request with this key made, as it is now (a pending one asked about
 * again), answered as a new request with that outcome would be: a declined one is a 422 again.
 * The key naming a different request is refused; null when the key is new.
 */
async function replayTopUp(deps: WalletDeps, userId: number, request: KeyedRequest): Promise<TopUpView | null> {
  await assertSameRequest(deps.db, userId, request);
  const [existing] = await deps.db.orm.select().from(topUps).where(and(eq(topUps.userId, userId), eq(topUps.requestKey, request.key)));
  if (!existing) return null;
  const now = await refresh(deps, existing);
  if (now.status === 'declined') throw declined({ id: now.id, declineReason: now.declineReason });
  return now;
}

/**
 * Charges the payer and credits `main` when approved. With a request key (the
 * Idempotency-Key header) a retry returns the first attempt's top-up instead of charging again,
 * and the key is recorded with the top-up's row, declined ones too.
 */
async function topUp(deps: WalletDeps, userId: number, input: TopUpInput, requestKey?: string): Promise<TopUpView> {
  if (requestKey === undefined) return newTopUp(deps, userId, input, null);
  const request = keyedRequest(requestKey, 'top_up', input);
  return oneRequestAtATime(userId, requestKey, async () => (await replayTopUp(deps, userId, request)) ?? newTopUp(deps, userId, input, request));
}

const isUniqueViolation = (err: unknown) => {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
};

/** Charges the payer and records the top-up (and its request's key): a new request. */
async function newTopUp(deps: WalletDeps, userId: number, input: TopUpInput, request: KeyedRequest | null): Promise<TopUpView> {
  const { db, gateway, clock } = deps;
  const requestKey = request?.key;
  const reference = randomUUID();
  const charge = await gateway.charge(
    input.method === 'card'
      ? { amount: input.amountCents, method: 'card', cardNumber: input.cardNumber, reference }
      : ({ amount: input.amountCents, method: 'paypal', paypalAccount: input.paypalAccount, reference } satisfies ChargeInput),
  );
  let row;
  try {
    row = await db.orm.transaction(async (tx) => {
      const [inserted] = await tx.insert(topUps).values(topUpRow(userId, input, charge, clock.now(), requestKey)).returning();
      if (request) await tx.insert(idempotencyKeys).values(keyRow(userId, request, clock.now()));
      return inserted!;
    });
  } catch (err) {
    // Another process's request under this key committed first: answer as its retry (or refuse the key).
    const earlier = request && isUniqueViolation(err) ? await replayTopUp(deps, userId, request) : null;
    if (earlier) return earlier;
    throw err;
  }
  if (charge.status === 'declined') throw declined(row);
  return charge.status === 'approved' ? settle(deps, row) : view(row);
}

async function getTopUp(deps: WalletDeps, userId: number, id: number): Promise<TopUpView> {
  return refresh(deps, await ownTopUp(deps.db, userId, id));
}

async function listTopUps(deps: WalletDeps, userId: number): Promise<TopUpView[]> {
  const rows = await deps.db.orm.select().from(topUps).where(eq(topUps.userId, userId)).orderBy(desc(topUps.id)).limit(100);
  return Promise.all(rows.map((row) => refresh(deps, row)));
}

/**
 * What is withdrawable now, and when the rest becomes so. Card money is held a month from
 * its top-up: the held amount is min(main, unreleased card lots), since money spent after a
 * top-up is taken from held card money first, and it is attributed to the earliest-releasing
 * lots — the outcome most favourable to the user. A withdrawal lock (email, login or payout
 * details change) holds the rest of main until it ends.
 */
async function balance(deps: WalletDeps, userId: number): Promise<BalanceView> {
  const { db, ledger, clock, accounts } = deps;
  const now = clock.now();
  const [{ main, bonus, escrow }, lots, locks] = await Promise.all([
    ledger.balances(userId),
    db.orm
      .select({ amount: cardLots.amount, releasesAt: cardLots.releasesAt })
      .from(cardLots)
      .where(and(eq(cardLots.userId, userId), gt(cardLots.releasesAt, now)))
      .orderBy(asc(cardLots.releasesAt)),
    accounts.withdrawalLocks(userId),
  ]);
  const locked: BalanceView['locked'] = [];
  let toAttribute = Math.min(main, lots.reduce((sum, lot) => sum + lot.amount, 0));
  const cardHeld = toAttribute;
  for (const lot of lots) {
    if (toAttribute === 0) break;
    const amount = Math.min(lot.amount, toAttribute);
    locked.push({ amountCents: amount, until: lot.releasesAt.toISOString(), reason: 'card_top_up_hold' });
    toAttribute -= amount;
  }
  let withdrawable = main - cardHeld;
  const lock = locks[0]; // the one that ends last
  if (lock && withdrawable > 0) {
    locked.push({ amountCents: withdrawable, until: lock.endsAt, reason: lock.reason });
    withdrawable = 0;
  }
  return { mainCents: main, bonusCents: bonus, escrowCents: escrow, withdrawableCents: withdrawable, locked };
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
  if (new Date(input.expiresAt) <= clock.now()) throw new AppError('rule_violation', 'the expiry must be in the future', { field: 'expiresAt' });
  try {
    const [row] = await db.orm
      .insert(promoCodes)
      .values({ code: input.code, amount: input.amountCents, expiresAt: new Date(input.expiresAt), maxRedemptions: input.maxRedemptions, createdBy: adminId })
      .returning();
    return { id: row!.id, code: row!.code, amountCents: row!.amount, expiresAt: row!.expiresAt.toISOString(), maxRedemptions: row!.maxRedemptions, redemptions: 0 };
  } catch (err) {
    if ((err as { code?: string; cause?: { code?: string } }).cause?.code === '23505') throw new AppError('conflict', 'a promo code with this code exists', { field: 'code' });
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
    topUp: (userId: number, input: TopUpInput, requestKey?: string) => topUp(deps, userId, input, requestKey),
    getTopUp: (userId: number, id: number) => getTopUp(deps, userId, id),
    listTopUps: (userId: number) => listTopUps(deps, userId),
    balance: (userId: number) => balance(deps, userId),
    statement: (userId: number, page: { cursor?: string; limit: number }) => statement(deps.ledger, userId, page),
    createPromo: (adminId: number, input: PromoInput) => createPromo(deps, adminId, input),
    redeemPromo: (userId: number, code: string) => redeemPromo(deps, userId, code),
  };
}

export type Wallet = ReturnType<typeof createWallet>;
