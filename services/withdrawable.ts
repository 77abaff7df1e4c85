/**
 * "Why can't I withdraw?": what of a user's money is withdrawable now, and every part that is
 * not, each with its reason and the exact time it is released.
 *
 * - K-49: only the main balance is withdrawable; bonus money never is.
 * - K-48, D-09: a card top-up stays locked for one calendar month from the moment its webhook
 *   posted the money. Money is spent first-in-first-out against those locks: spending takes
 *   the oldest card money first, so what is still locked is the newest lots' money, and at
 *   most the main balance (spending a locked top-up on orders is allowed).
 * - D-10: a withdrawal pause (payout details added or changed, email changed) holds the rest of
 *   the main balance until the latest pause ends.
 * - Pending withdrawals left the main balance when requested (held in `payouts_pending`): they
 *   are listed, as the money is still the user's until paid.
 *
 * `withdrawableOf` is the pure rule; `readWithdrawable` reads its inputs, in the caller's
 * transaction when a withdrawal's request holds the main account's lock.
 */
import type postgres from 'postgres';

export type NotWithdrawableReason = 'bonus' | 'card_top_up' | 'withdrawals_paused' | 'pending_withdrawal';

export interface NotWithdrawablePart {
  amountCents: number;
  reason: NotWithdrawableReason;
  /** When this part becomes withdrawable; null: never (bonus) or it is leaving (a pending withdrawal). */
  releasesAt: string | null;
  /** In words: "card top-up #12 of 12 Nov", "payout details changed", "in pending withdrawal #41". */
  detail: string;
  topUpId: number | null;
  withdrawalId: number | null;
  /** Pauses: what started it (`payout_details_change`, `email_change`). */
  cause: string | null;
}

export interface WithdrawableInputs {
  main: number;
  bonus: number;
  /** Card top-ups still locked now (not refunded). */
  lots: { topUpId: number; amount: number; postedAt: Date; releasesAt: Date }[];
  /** Withdrawal pauses in force now. */
  pauses: { reason: string; endsAt: Date }[];
  pending: { id: number; amount: number; status: string }[];
}

export interface Withdrawable {
  withdrawableCents: number;
  mainCents: number;
  bonusCents: number;
  notWithdrawable: NotWithdrawablePart[];
}

const part = (p: Partial<NotWithdrawablePart> & Pick<NotWithdrawablePart, 'amountCents' | 'reason' | 'releasesAt' | 'detail'>): NotWithdrawablePart => ({
  topUpId: null,
  withdrawalId: null,
  cause: null,
  ...p,
});

const day = (at: Date) => at.toISOString().slice(0, 10);

/** The card lots' locked money, newest first, as much of `main` as they cover (D-09). */
function cardParts(main: number, lots: WithdrawableInputs['lots']): NotWithdrawablePart[] {
  const parts: NotWithdrawablePart[] = [];
  let left = main;
  for (const lot of [...lots].sort((a, b) => b.postedAt.getTime() - a.postedAt.getTime() || b.topUpId - a.topUpId)) {
    if (left === 0) break;
    const amount = Math.min(lot.amount, left);
    parts.push(part({ amountCents: amount, reason: 'card_top_up', releasesAt: lot.releasesAt.toISOString(), detail: `card top-up #${lot.topUpId} of ${day(lot.postedAt)}`, topUpId: lot.topUpId }));
    left -= amount;
  }
  return parts;
}

export function withdrawableOf(inputs: WithdrawableInputs): Withdrawable {
  const notWithdrawable = cardParts(inputs.main, inputs.lots);
  let withdrawable = inputs.main - notWithdrawable.reduce((sum, p) => sum + p.amountCents, 0);
  const pause = [...inputs.pauses].sort((a, b) => b.endsAt.getTime() - a.endsAt.getTime())[0];
  if (pause && withdrawable > 0) {
    const detail = pause.reason === 'email_change' ? 'email changed: withdrawals paused for 7 days' : 'payout details added or changed: withdrawals paused for 7 days';
    notWithdrawable.push(part({ amountCents: withdrawable, reason: 'withdrawals_paused', releasesAt: pause.endsAt.toISOString(), detail, cause: pause.reason }));
    withdrawable = 0;
  }
  if (inputs.bonus > 0) notWithdrawable.push(part({ amountCents: inputs.bonus, reason: 'bonus', releasesAt: null, detail: 'bonus balance: spend it on orders (K-49)' }));
  for (const w of inputs.pending) {
    notWithdrawable.push(part({ amountCents: w.amount, reason: 'pending_withdrawal', releasesAt: null, detail: `in pending withdrawal #${w.id}`, withdrawalId: w.id }));
  }
  return { withdrawableCents: withdrawable, mainCents: inputs.main, bonusCents: inputs.bonus, notWithdrawable };
}

type Sql = postgres.Sql | postgres.TransactionSql;

/** Reads a user's inputs at `now` (in `sql`, which may be the transaction holding the main account's lock). */
export async function readWithdrawable(sql: Sql, userId: number, now: Date, main?: number): Promise<Withdrawable> {
  const at = now.toISOString();
  const [balances, lots, pauses, pending] = await Promise.all([
    sql<{ kind: string; balance: string }[]>`select kind, balance from ledger_accounts where user_id = ${userId} and kind in ('main', 'bonus')`,
    sql<{ top_up_id: string; amount: string; posted_at: Date; releases_at: Date }[]>`
      select l.top_up_id, l.amount, t.decided_at as posted_at, l.releases_at
      from card_lots l join top_ups t on t.id = l.top_up_id
      where l.user_id = ${userId} and l.refunded_at is null and l.releases_at > ${at}::timestamptz`,
    sql<{ reason: string; ends_at: Date }[]>`
      select reason, ends_at from withdrawal_locks where user_id = ${userId} and scope = 'withdrawals' and ends_at > ${at}::timestamptz`,
    sql<{ id: string; amount: string; status: string }[]>`
      select id, amount, status from withdrawals where user_id = ${userId} and status in ('requested', 'held', 'in_batch') order by id`,
  ]);
  const balanceOf = (kind: string) => Number(balances.find((b) => b.kind === kind)?.balance ?? 0);
  return withdrawableOf({
    main: main ?? balanceOf('main'),
    bonus: balanceOf('bonus'),
    lots: lots.map((l) => ({ topUpId: Number(l.top_up_id), amount: Number(l.amount), postedAt: new Date(l.posted_at), releasesAt: new Date(l.releases_at) })),
    pauses: pauses.map((p) => ({ reason: p.reason, endsAt: new Date(p.ends_at) })),
    pending: pending.map((w) => ({ id: Number(w.id), amount: Number(w.amount), status: w.status })),
  });
}
