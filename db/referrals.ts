/**
 * The referral programme's writes (K-54, K-55, D-08), each inside the transaction of the event
 * that causes it: a registration through a link attaches the new user to the referrer; the
 * referral's first order (the placement's transaction) or first approved kwork (the moderation
 * decision's) activates them; an order's completion (its closing write) pays the commissions.
 * The rules themselves are the pure functions of `workflows/lib/referral.ts`.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type postgres from 'postgres';
import { heldFromMainIn, referralCommissionIn } from './ledger.js';
import { referrals } from './schema/referrals.js';
import { users } from './schema/users.js';
import type { Tx } from './tx.js';
import { formatUsd } from '../workflows/lib/money.js';
import { isAttached, maskLogin, REFERRAL_CODE, referralCommission, referralRules, type ReferralRole } from '../workflows/lib/referral.js';

/** The user whose referral link carries `code`, or null (a malformed code is looked up nowhere). */
export async function referrerByCode(tx: Tx, code: string): Promise<number | null> {
  if (!REFERRAL_CODE.test(code)) return null;
  const [row] = await tx.select({ id: users.id }).from(users).where(eq(users.referralCode, code));
  return row?.id ?? null;
}

/** K-55: the new user `referralId` registered through `referrerId`'s link at `registeredAt`. */
export async function attachReferralIn(tx: Tx, input: { referralId: number; referrerId: number; registeredAt: Date }): Promise<void> {
  await tx.insert(referrals).values(input);
}

/**
 * K-55: the referral places an order at `at` (the placement's transaction): it becomes active if
 * it is not yet and `at` is within 180 days of its registration (the last instant included).
 * One statement, nothing for a user who is nobody's referral.
 */
export async function activateOnOrderIn(tx: postgres.TransactionSql, buyerId: number, at: Date): Promise<void> {
  const iso = at.toISOString();
  await tx`
    update referrals set activated_at = ${iso}::timestamptz
    where referral_id = ${buyerId} and activated_at is null
      and ${iso}::timestamptz between registered_at and registered_at + ${referralRules.activationWindowMs} * interval '1 millisecond'`;
}

/**
 * K-55: moderation approves a kwork of `sellerId` (the decision's transaction, whose `now()`
 * is also the decision's time): the same activation as an order's.
 */
export async function activateOnApprovalIn(tx: Tx, sellerId: number): Promise<void> {
  await tx
    .update(referrals)
    .set({ activatedAt: sql`now()` })
    .where(
      and(
        eq(referrals.referralId, sellerId),
        isNull(referrals.activatedAt),
        sql`now() between ${referrals.registeredAt} and ${referrals.registeredAt} + ${referralRules.activationWindowMs} * interval '1 millisecond'`,
      ),
    );
}

/** What the order's closing write passes: its parties and how it ended. */
export interface ClosedOrder {
  orderId: number;
  buyerId: number;
  sellerId: number;
  /** The order's closure, null for a transition that does not end it. */
  closure: { kind: string; at: string } | null;
}

interface ReferralRow {
  referral_id: string;
  referrer_id: string;
  login: string;
  registered_ms: number;
  activated_ms: number | null;
}

/** A commission a completed order's closing pays (K-54, D-08): to whom, for which role, how much of what. */
export interface DueCommission {
  role: ReferralRole;
  referrerId: number;
  /** The referral's id and login (shown masked to the referrer). */
  referral: { id: number; login: string };
  /** The part of the order paid from the buyer's main balance. */
  baseCents: number;
  commissionCents: number;
}

/**
 * K-54, D-08: the commissions a completed order earns, read in its closing write's transaction
 * before its escrow is settled, so that the settlement locks the referrers' main accounts with
 * the escrow's (`EscrowEnd.revenuePayees`): the ledger locks every account of a transaction in
 * one order, and a referrer's main account locked after platform revenue could deadlock with a
 * closing of the referrer's own orders, which locks it before revenue. For each party that is a
 * referral attached at the completion's instant: 3.5 % (the referral bought) or 2.5 % (sold) of
 * the part of the order paid from the buyer's main balance (the hold's own postings, which the
 * settlement does not change). A split or a cancellation earns nothing: only a completed order is
 * a referral's sale or purchase. A zero commission (a bonus-funded order) is not due.
 */
export async function referralCommissionsDueIn(tx: postgres.TransactionSql, order: ClosedOrder): Promise<DueCommission[]> {
  if (order.closure?.kind !== 'completed') return [];
  const rows = await tx<ReferralRow[]>`
    select r.referral_id, r.referrer_id, u.login,
      (extract(epoch from r.registered_at) * 1000)::float8 as registered_ms,
      (extract(epoch from r.activated_at) * 1000)::float8 as activated_ms
    from referrals r join users u on u.id = r.referral_id
    where r.referral_id in (${order.buyerId}, ${order.sellerId})`;
  if (rows.length === 0) return [];
  const atMs = Date.parse(order.closure.at);
  const base = await heldFromMainIn(tx, order.orderId);
  return (['buyer', 'seller'] as const).flatMap((role) => {
    const row = rows.find((r) => Number(r.referral_id) === (role === 'buyer' ? order.buyerId : order.sellerId));
    if (!row || !isAttached({ registeredAtMs: row.registered_ms, activatedAtMs: row.activated_ms }, atMs)) return [];
    const commissionCents = referralCommission(role, base);
    if (commissionCents === 0) return [];
    return [{ role, referrerId: Number(row.referrer_id), referral: { id: Number(row.referral_id), login: row.login }, baseCents: base, commissionCents }];
  });
}

/**
 * Pays the commissions `referralCommissionsDueIn` found, in the same closing write's transaction
 * (call it only when that write changed the row): from platform revenue to each referrer's main
 * balance, with a `referral_commissions` row and a notification. Each (order, role) is paid
 * once, by the ledger key `referral:<orderId>:<role>`.
 */
export async function postReferralCommissionsIn(tx: postgres.TransactionSql, order: ClosedOrder, due: readonly DueCommission[]): Promise<void> {
  for (const commission of due) await payCommission(tx, order, commission);
}

/** One role's commission: the ledger posting, its row and the referrer's notification, once. */
async function payCommission(tx: postgres.TransactionSql, order: ClosedOrder, due: DueCommission): Promise<void> {
  const { role, referrerId, commissionCents: amount, baseCents: base } = due;
  const who = maskLogin(due.referral.login);
  const rate = role === 'buyer' ? '3.5 %' : '2.5 %';
  const posted = await referralCommissionIn(tx, {
    orderId: order.orderId,
    role,
    referrerId,
    amount,
    description: `Referral commission: ${who} ${role === 'buyer' ? 'bought' : 'sold'} in order ${order.orderId}`,
  });
  if (!posted) return;
  const text = `Your referral ${who} ${role === 'buyer' ? 'completed a purchase' : 'completed a sale'}: you earned ${formatUsd(amount)} (${rate} of ${formatUsd(base)} paid from the main balance).`;
  await tx`
    with recorded as (
      insert into referral_commissions (order_id, role, referrer_id, referral_id, base_cents, commission_cents, posted_at)
      values (${order.orderId}, ${role}, ${referrerId}, ${due.referral.id}, ${base}, ${amount}, ${order.closure!.at}::timestamptz)
    )
    insert into notifications (user_id, order_id, kind, text, dedupe_key, created_at)
    values (${referrerId}, null, 'referral_commission', ${text}, ${`referral:${order.orderId}:${role}`}, ${order.closure!.at}::timestamptz)
    on conflict (dedupe_key) do nothing`;
}
