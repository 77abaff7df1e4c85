/**
 * W-19 (data stored according to EU law: the right of access and to portability): everything
 * gigflow holds about the caller, as one JSON document. It is a list of named sections, one
 * function each, read in one repeatable-read snapshot so the sections agree with each other; a
 * new kind of record (the estimated job's) adds one line to `exportSections`.
 *
 * A section gives the caller's own data and what they did; of other people it names only what
 * the caller already sees in the product (their login), never their email or personal details.
 */
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import type { Clock } from './clock.js';

type Sql = postgres.TransactionSql;
type Rows = Record<string, unknown>[];
/** One section: what it holds about `userId`. */
type ExportSection = (sql: Sql, userId: number) => Promise<unknown>;

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** Rows with camelCase keys, as the rest of the API writes them. */
function rows(list: readonly Record<string, unknown>[]): Rows {
  return list.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v])));
}

/** The sections, in the order the document lists them. */
const exportSections: Record<string, ExportSection> = {
  profile: async (sql, userId) =>
    rows(
      await sql`
        select id, login, email, created_at, email_confirmed_at, display_name, city, about, skills, avatar_url,
          login_changed_at, roles, blocked_at, blocked_reason, referral_code
        from users where id = ${userId}`,
    )[0] ?? null,
  settings: async (sql, userId) => ({
    ...rows(await sql`select time_zone, hide_on_weekends from users where id = ${userId}`)[0],
    notifications: rows(await sql`select kind, in_app, email from notification_settings where user_id = ${userId} order by kind`),
    requestCategories: (await sql`select category_id from seller_request_categories where user_id = ${userId} order by category_id`).map((r) => Number(r.category_id)),
    payoutDetails: rows(await sql`select method, account, updated_at from payout_details where user_id = ${userId}`)[0] ?? null,
    withdrawalLocks: rows(await sql`select reason, scope, starts_at, ends_at from withdrawal_locks where user_id = ${userId} order by id`),
  }),
  offers: async (sql, userId) =>
    rows(
      await sql`
        select id, category_id, title, description, price_cents, lead_time_days, instructions, status, status_reason, created_at, updated_at, published_at
        from offers where seller_id = ${userId} order by id`,
    ),
  orders: async (sql, userId) =>
    rows(
      await sql`
        select o.id, case when o.buyer_id = ${userId} then 'buyer' else 'seller' end as role,
          case when o.buyer_id = ${userId} then s.login else b.login end as other_party,
          o.offer_id, o.title, o.total_cents, o.seller_earnings_cents, o.commission_cents, o.status, o.created_at, o.closed_at
        from orders o join users b on b.id = o.buyer_id join users s on s.id = o.seller_id
        where o.buyer_id = ${userId} or o.seller_id = ${userId} order by o.id`,
    ),
  messages: async (sql, userId) =>
    rows(await sql`select id, conversation_id, kind, text, created_at, removed_at from messages where author_id = ${userId} order by id`),
  reviews: async (sql, userId) => ({
    written: rows(await sql`select order_id, offer_id, verdict, text, created_at, answer from feedback where buyer_id = ${userId} order by order_id`),
    received: rows(await sql`select order_id, offer_id, verdict, text, created_at, answer, answer_status from feedback where seller_id = ${userId} order by order_id`),
  }),
  ledger: async (sql, userId) => ({
    accounts: rows(await sql`select key, kind, balance, created_at from ledger_accounts where user_id = ${userId} order by id`),
    postings: rows(
      await sql`
        select a.key as account, p.amount, t.kind, t.description, p.created_at
        from ledger_postings p join ledger_accounts a on a.id = p.account_id join ledger_transactions t on t.id = p.transaction_id
        where a.user_id = ${userId} order by p.id`,
    ),
    topUps: rows(await sql`select id, amount, method, status, card_last4, paypal_account, created_at, decided_at, refunded_at from top_ups where user_id = ${userId} order by id`),
    withdrawals: rows(await sql`select id, method, destination_label, amount, fee, net, status, status_reason, created_at, closed_at from withdrawals where user_id = ${userId} order by id`),
  }),
  invoices: async (sql, userId) => ({
    invoicingData: rows(await sql`select first_name, last_name, country, company_name, company_address, tax_id, updated_at from invoicing_profiles where user_id = ${userId}`)[0] ?? null,
    issued: rows(await sql`select id, number, job_id, issued_at, client, lines, total_cents, currency from invoices where client_id = ${userId} order by id`),
  }),
  attachments: async (sql, userId) => rows(await sql`select id, name, content_type, size, created_at from attachments where owner_id = ${userId} order by created_at, id`),
  /** K-36: the badges an admin awarded the user (earned ones are read from the figures above), taken back ones too. */
  badges: async (sql, userId) => rows(await sql`select kind, reason, awarded_at, revoked_at from badge_awards where user_id = ${userId} order by id`),
  portfolio: async (sql, userId) => rows(await sql`select id, order_id, offer_id, title, created_at from portfolio_items where seller_id = ${userId} order by id`),
  requests: async (sql, userId) =>
    rows(await sql`select id, category_id, title, description, budget_cents, status, posted_at, closed_at from service_requests where buyer_id = ${userId} order by id`),
  referrals: async (sql, userId) => ({
    referredBy: rows(await sql`select r.registered_at, u.login as referrer from referrals r join users u on u.id = r.referrer_id where r.referral_id = ${userId}`)[0] ?? null,
    referred: (await sql`select count(*)::int as n from referrals where referrer_id = ${userId}`)[0]!.n,
  }),
  affiliate: async (sql, userId) => ({
    profile: rows(await sql`select code, first_name, last_name, country, company_name, company_address, company_tax_id, level, created_at from affiliates where user_id = ${userId}`)[0] ?? null,
    // W-19: an affiliate sees of their clients only what the dashboard shows: no names here either.
    clients: rows(await sql`select registered_at, first_visit_at, attribution_expires_at, assigned_at from affiliate_clients where affiliate_id = ${userId} order by registered_at`),
    attributedTo: rows(await sql`select first_visit_at, registered_at, assigned_at from affiliate_clients where client_id = ${userId}`)[0] ?? null,
  }),
  /**
   * W-19: the estimated jobs the user ordered (client) or worked on (expert), with the review the
   * client left, the files of the order form (names only) and the messages the user wrote in
   * the jobs' conversations. The other party is named by login only, as the job page shows them.
   */
  jobs: async (sql, userId) => ({
    jobs: rows(
      await sql`
        select j.id, case when j.client_id = ${userId} then 'client' else 'expert' end as role,
          case when j.client_id = ${userId} then e.login else c.login end as other_party,
          j.kind, j.install_id, j.title, j.description, j.site_url, j.urgency, j.budget_cents, j.status, j.price_cents, j.paid_cents,
          j.ordered_at, j.approved_at, j.closed_at, j.conversation_resumed_at,
          (select coalesce(array_agg(a.name order by a.name), '{}') from job_attachments ja join attachments a on a.id = ja.attachment_id where ja.job_id = j.id) as files
        from jobs j join users c on c.id = j.client_id left join users e on e.id = j.expert_id
        where j.client_id = ${userId} or j.expert_id = ${userId} order by j.id`,
    ),
    reviews: rows(
      await sql`
        select id as job_id, case when client_id = ${userId} then 'written' else 'received' end as direction, review_stars as stars, review_comment as comment, reviewed_at
        from jobs where (client_id = ${userId} or expert_id = ${userId}) and reviewed_at is not null order by id`,
    ),
    messages: rows(
      await sql`
        select c.job_id, m.id, m.text, m.created_at, m.removed_at
        from messages m join conversations c on c.id = m.conversation_id
        where m.author_id = ${userId} and c.job_id is not null order by m.id`,
    ),
  }),
  notifications: async (sql, userId) => rows(await sql`select id, order_id, kind, text, created_at, read_at, in_app from notifications where user_id = ${userId} order by id`),
  accountClosures: async (sql, userId) => rows(await sql`select id, reason, requested_at, withdrawn_at, completed_at from account_closures where user_id = ${userId} order by id`),
};

/** The export: when it was made, for whom, and each section. */
async function exportData(deps: { db: Db; clock: Clock }, userId: number): Promise<Record<string, unknown>> {
  return deps.db.sql.begin('isolation level repeatable read read only', async (sql) => {
    const document: Record<string, unknown> = { exportedAt: deps.clock.now().toISOString(), userId };
    for (const [name, section] of Object.entries(exportSections)) document[name] = await section(sql, userId);
    return document;
  });
}

export function createDataExport(deps: { db: Db; clock: Clock }) {
  return { forUser: (userId: number) => exportData(deps, userId) };
}

export type DataExport = ReturnType<typeof createDataExport>;
