/**
 * W-20: closing an account. The user asks with a reason (the rule's "by email" becomes a form
 * whose request staff work from) and may withdraw it while it is pending; staff complete it.
 *
 * Completing refuses while the account has money in play (`closureBlockers`: open orders and
 * jobs and their escrow, pending top-ups and withdrawals, a balance) or a process that would act
 * on it later (open individual offers and service requests, an offer in moderation). Otherwise it
 * erases the personal data in one transaction and keeps what accounting law requires (W-19,
 * EU law):
 * - kept: the ledger (accounts, transactions, postings), issued invoices (each holds its own
 *   snapshot of the buyer's invoicing data, `db/schema/invoices.ts`), orders, top-ups and
 *   withdrawals as payment records, the staff's records (sanctions, reports, attention);
 * - kept as the other party's record, under the anonymised name: the messages the user sent
 *   (their text stays in the other party's conversation), the files attached to messages,
 *   deliveries and ordered jobs (W-03: what the expert was asked to do), the reviews they wrote
 *   and received, and the jobs themselves (their rows back the invoices and the experts' pay);
 * - anonymised: the user row (login and email `deleted-<id>`, profile fields cleared, no
 *   password, no roles, a new referral code so the old link attributes nobody), the affiliate
 *   row (its names; the row stays for the commissions' history);
 * - removed: sessions and email tokens (nobody signs in again), withdrawal locks, payout
 *   details, the invoicing profile, the portfolio, the offers' images and every other file the
 *   user uploaded, notifications, notification settings and request categories, favorites, the
 *   cart, and the outbox's mail to the old address; the offers are archived.
 */
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { AppError } from '../workflows/lib/errors.js';
import type { Clock } from './clock.js';

export interface ClosureDeps {
  db: Db;
  clock: Clock;
  /**
   * Ends the user's top-ups left pending past their expiry (checked with the provider,
   * `wallet.expireStale`) before the blockers are counted: an abandoned top-up does not block.
   */
  expireTopUps?: (userId: number) => Promise<void>;
}

/** The user's pending request, as they see it. */
export interface ClosureRequest {
  id: number;
  reason: string;
  requestedAt: string;
  status: 'pending';
}

/** What keeps staff from completing a closure: one line per kind of money still in play. */
export interface ClosureBlocker {
  kind: string;
  count: number;
  message: string;
}

/** A pending request on staff's list, with what blocks it now. */
export interface StaffClosure {
  id: number;
  userId: number;
  login: string;
  email: string;
  reason: string;
  requestedAt: string;
  blockers: ClosureBlocker[];
}

type Sql = postgres.Sql | postgres.TransactionSql;

/**
 * The checks completing a closure runs, by name: each counts what of the user's is still in
 * play (0: nothing). A new kind of money (the estimated job's) adds one line here.
 */
const closureBlockers: Record<string, { message: string; count: (sql: Sql, userId: number) => Promise<number> }> = {
  open_orders: {
    message: 'orders as buyer or seller are still open',
    count: (sql, userId) => countOf(sql`select count(*)::int as n from orders where (buyer_id = ${userId} or seller_id = ${userId}) and closed_at is null`),
  },
  escrow: {
    message: 'money is held in escrow for the user’s orders',
    count: (sql, userId) =>
      countOf(sql`select count(*)::int as n from ledger_accounts where user_id = ${userId} and kind = 'escrow' and key not like 'job:%' and balance <> 0`),
  },
  open_jobs: {
    message: 'estimated jobs as client or expert are still open (W-20): their workflows would move money and write to the account',
    count: (sql, userId) => countOf(sql`select count(*)::int as n from jobs where (client_id = ${userId} or expert_id = ${userId}) and closed_at is null`),
  },
  job_escrow: {
    message: 'money is held in escrow for the user’s jobs (W-08): the job is approved or refunded first',
    // A job's escrow account is its client's (`job:<id>:escrow`, db/ledger.ts).
    count: (sql, userId) => countOf(sql`select count(*)::int as n from ledger_accounts where user_id = ${userId} and kind = 'escrow' and key like 'job:%' and balance <> 0`),
  },
  balance: {
    message: 'the balance is not zero: the user withdraws it first',
    count: (sql, userId) => countOf(sql`select count(*)::int as n from ledger_accounts where user_id = ${userId} and kind = 'main' and balance <> 0`),
  },
  pending_withdrawals: {
    message: 'withdrawals are not paid yet',
    count: (sql, userId) => countOf(sql`select count(*)::int as n from withdrawals where user_id = ${userId} and status in ('requested', 'held', 'in_batch')`),
  },
  pending_top_ups: {
    message: 'top-ups wait for the payment provider',
    count: (sql, userId) => countOf(sql`select count(*)::int as n from top_ups where user_id = ${userId} and status = 'pending'`),
  },
  open_individual_offers: {
    message: 'individual offers to or from the user are still open (K-46): they would become orders',
    count: (sql, userId) =>
      countOf(sql`select count(*)::int as n from individual_offers where (seller_id = ${userId} or buyer_id = ${userId}) and status = 'open' and expires_at > now()`),
  },
  open_requests: {
    message: 'service requests of the user’s are still open (K-44): close them first',
    count: (sql, userId) => countOf(sql`select count(*)::int as n from service_requests where buyer_id = ${userId} and status in ('awaiting_moderation', 'active')`),
  },
  offers_in_moderation: {
    message: 'an offer is in moderation (its workflow would publish it again)',
    count: (sql, userId) => countOf(sql`select count(*)::int as n from offers where seller_id = ${userId} and status = 'in_moderation'`),
  },
};

async function countOf(query: Promise<{ n: number }[]> | postgres.PendingQuery<postgres.Row[]>): Promise<number> {
  const [row] = (await query) as { n: number }[];
  return row?.n ?? 0;
}

async function blockersOf(sql: Sql, userId: number): Promise<ClosureBlocker[]> {
  const found: ClosureBlocker[] = [];
  for (const [kind, check] of Object.entries(closureBlockers)) {
    const count = await check.count(sql, userId);
    if (count > 0) found.push({ kind, count, message: check.message });
  }
  return found;
}

const pendingView = (r: { id: string; reason: string; requested_at: string }): ClosureRequest => ({
  id: Number(r.id),
  reason: r.reason,
  requestedAt: new Date(r.requested_at).toISOString(),
  status: 'pending',
});

/** Files a request; one at a time (409 while one is pending). */
async function request(deps: ClosureDeps, userId: number, reason: string): Promise<ClosureRequest> {
  const rows = await deps.db.sql<{ id: string; reason: string; requested_at: string }[]>`
    insert into account_closures (user_id, reason, requested_at) values (${userId}, ${reason}, ${deps.clock.now().toISOString()})
    on conflict (user_id) where withdrawn_at is null and completed_at is null do nothing
    returning id, reason, requested_at`;
  if (!rows[0]) throw new AppError('conflict', 'a request to close this account is already pending: withdraw it to change the reason');
  return pendingView(rows[0]);
}

/** The user's pending request, or null. */
async function pending(deps: ClosureDeps, userId: number): Promise<ClosureRequest | null> {
  const [row] = await deps.db.sql<{ id: string; reason: string; requested_at: string }[]>`
    select id, reason, requested_at from account_closures where user_id = ${userId} and withdrawn_at is null and completed_at is null`;
  return row ? pendingView(row) : null;
}

/** The user withdraws their pending request (404 when there is none). */
async function withdraw(deps: ClosureDeps, userId: number): Promise<void> {
  const rows = await deps.db.sql`
    update account_closures set withdrawn_at = ${deps.clock.now().toISOString()}
    where user_id = ${userId} and withdrawn_at is null and completed_at is null returning id`;
  if (rows.length === 0) throw new AppError('not_found', 'no request to close this account is pending');
}

/** Staff's list: pending requests, the oldest first, each with what blocks it now. */
async function list(deps: ClosureDeps): Promise<StaffClosure[]> {
  const rows = await deps.db.sql<{ id: string; user_id: string; login: string; email: string; reason: string; requested_at: string }[]>`
    select c.id, c.user_id, u.login, u.email, c.reason, c.requested_at
    from account_closures c join users u on u.id = c.user_id
    where c.withdrawn_at is null and c.completed_at is null
    order by c.requested_at, c.id limit 200`;
  return Promise.all(
    rows.map(async (r) => {
      await deps.expireTopUps?.(Number(r.user_id));
      return {
        id: Number(r.id),
        userId: Number(r.user_id),
        login: r.login,
        email: r.email,
        reason: r.reason,
        requestedAt: new Date(r.requested_at).toISOString(),
        blockers: await blockersOf(deps.db.sql, Number(r.user_id)),
      };
    }),
  );
}

/**
 * Staff complete a pending request: refused (409 `conflict`, `details.blockers`) while the user
 * has money in play; otherwise the erasure of the module's comment, in one transaction. The
 * request's and the user's rows are locked first, so two staff completing it at once erase once
 * (the second finds nothing pending: 404).
 */
async function complete(deps: ClosureDeps, closureId: number, staffId: number): Promise<{ userId: number; completedAt: string }> {
  const now = deps.clock.now();
  // Outside the transaction: it asks the payment provider.
  const [pendingClosure] = await deps.db.sql<{ user_id: string }[]>`select user_id from account_closures where id = ${closureId}`;
  if (pendingClosure) await deps.expireTopUps?.(Number(pendingClosure.user_id));
  return deps.db.sql.begin(async (tx) => {
    const [closure] = await tx<{ user_id: string }[]>`
      select user_id from account_closures where id = ${closureId} and withdrawn_at is null and completed_at is null for update`;
    if (!closure) throw new AppError('not_found', 'no such pending closure request');
    const userId = Number(closure.user_id);
    const [user] = await tx<{ email: string }[]>`select email from users where id = ${userId} for update`;
    const blockers = await blockersOf(tx, userId);
    if (blockers.length > 0) {
      throw new AppError('conflict', `the account still has money in play: ${blockers.map((b) => b.message).join('; ')}`, { blockers });
    }
    await erase(tx, userId, user!.email);
    await tx`update account_closures set completed_at = ${now.toISOString()}, completed_by = ${staffId} where id = ${closureId}`;
    return { userId, completedAt: now.toISOString() };
  });
}

/** The erasure itself (see the module's comment for what stays and why). */
async function erase(tx: postgres.TransactionSql, userId: number, oldEmail: string): Promise<void> {
  const anonymous = `deleted-${userId}`;
  await tx`
    update users set login = ${anonymous}, email = ${anonymous}, password_hash = '', email_confirmed_at = null,
      display_name = null, city = null, about = null, skills = '{}', avatar_url = null, roles = '{}',
      time_zone = 'UTC', hide_on_weekends = false,
      referral_code = rtrim(translate(encode(uuid_send(gen_random_uuid()), 'base64'), '+/', '-_'), '=')
    where id = ${userId}`;
  for (const table of ['sessions', 'email_tokens', 'withdrawal_locks', 'payout_details', 'invoicing_profiles', 'notifications', 'notification_settings', 'seller_request_categories', 'favorites', 'cart_items']) {
    await tx`delete from ${tx(table)} where user_id = ${userId}`;
  }
  await tx`update affiliates set first_name = ${anonymous}, last_name = ${anonymous}, company_name = null, company_address = null, company_tax_id = null where user_id = ${userId}`;
  await tx`delete from portfolio_item_attachments where item_id in (select id from portfolio_items where seller_id = ${userId})`;
  await tx`delete from portfolio_items where seller_id = ${userId}`;
  await tx`delete from offer_images where offer_id in (select id from offers where seller_id = ${userId})`;
  await tx`update offers set status = 'archived', status_reason = 'the seller closed their account' where seller_id = ${userId} and status <> 'archived'`;
  // The files nothing else needs: not in a message or a delivery (the other party's record), nor in a request's answer.
  await tx`
    delete from attachments a where a.owner_id = ${userId}
      and not exists (select 1 from message_attachments m where m.attachment_id = a.id)
      and not exists (select 1 from delivery_attachments d where d.attachment_id = a.id)
      and not exists (select 1 from job_attachments j where j.attachment_id = a.id)
      and not exists (select 1 from request_attachments r where r.attachment_id = a.id)
      and not exists (select 1 from offer_images i where i.attachment_id = a.id)
      and not exists (select 1 from portfolio_item_attachments p where p.attachment_id = a.id)`;
  await tx`delete from outbox where to_address = ${oldEmail}`;
}

export function createAccountClosures(deps: ClosureDeps) {
  return {
    request: (userId: number, reason: string) => request(deps, userId, reason),
    pending: (userId: number) => pending(deps, userId),
    withdraw: (userId: number) => withdraw(deps, userId),
    list: () => list(deps),
    complete: (closureId: number, staffId: number) => complete(deps, closureId, staffId),
  };
}

export type AccountClosures = ReturnType<typeof createAccountClosures>;
