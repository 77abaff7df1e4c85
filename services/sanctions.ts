/**
 * Sanctions on the API's side (K-58…K-65): a user's standing as its workflow last wrote it
 * (`standings`, `sanctions`), the account-block check every signed-in call passes, staff's
 * sanctions and early lifts (through the gateway's standing corner), the list of everyone
 * blocked now, and users' reports queued for staff.
 */
import type { Db } from '../db/client.js';
import type { Clock } from './clock.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { standingWorkflowId, type LiftArgs, type SanctionArgs, type SanctionLevel, type StaffKind, type StandingHistoryEntry, type StandingView } from '../workflows/standing/messages.js';
import type { WorkflowGateway } from './workflow-gateway.js';

/** What the user (and staff) read: the running blocks, why and until when, and the latest history. */
export interface Standing {
  userId: number;
  level: SanctionLevel;
  offersBlock: { until: string; reason: string } | null;
  accountBlock: { until: string; reason: string } | null;
  history: { seq: number; at: string; action: StandingHistoryEntry['action']; kind: string | null; reason: string; until: string | null }[];
}

/** A running account block: why and until when (the 403's details). */
export interface AccountBlock {
  reason: string;
  until: string;
}

export interface BlockedUser {
  userId: number;
  login: string;
  level: string;
  offersBlockedUntil: string | null;
  accountBlockedUntil: string | null;
  reason: string | null;
  /** The standing's workflow, for its page in the Temporal UI. */
  workflowId: string;
  /** Open orders handed to support by the account block. */
  handedOver: number[];
}

export type ReportSubject = 'user' | 'offer' | 'feedback' | 'message';

export interface Report {
  id: number;
  /** Null: the off-platform scan of messages queued it (K-61, K-62). */
  reporterId: number | null;
  subject: ReportSubject;
  subjectId: number;
  accusedId: number;
  reason: string;
  createdAt: string;
  resolvedAt: string | null;
  resolution: string | null;
}

export interface SanctionsDeps {
  db: Db;
  clock: Clock;
  workflows: Pick<WorkflowGateway, 'standing'>;
}

const isoOf = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());

async function standingOf(db: Db, userId: number): Promise<Standing> {
  const [row] = await db.sql<{ level: SanctionLevel; ou: string | null; or: string | null; au: string | null; ar: string | null }[]>`
    select level, offers_blocked_until as ou, offers_block_reason as or, account_blocked_until as au, account_block_reason as ar
    from standings where user_id = ${userId}`;
  const history = await db.sql<{ seq: number; at: string; action: StandingHistoryEntry['action']; kind: string | null; reason: string; until: string | null }[]>`
    select seq, at, action, kind, reason, until from sanctions where user_id = ${userId} order by seq desc limit 20`;
  return {
    userId,
    level: row?.level ?? 'clear',
    offersBlock: row?.ou ? { until: isoOf(row.ou)!, reason: row.or ?? '' } : null,
    accountBlock: row?.au ? { until: isoOf(row.au)!, reason: row.ar ?? '' } : null,
    history: history.map((h) => ({ ...h, at: isoOf(h.at)!, until: isoOf(h.until) })),
  };
}

/** The user's running account block, or null: one primary-key read, on every signed-in call. */
async function accountBlockOf(db: Db, userId: number): Promise<AccountBlock | null> {
  const [row] = await db.sql<{ until: string; reason: string | null }[]>`
    select account_blocked_until as until, account_block_reason as reason from standings where user_id = ${userId} and account_blocked_until is not null`;
  return row ? { until: isoOf(row.until)!, reason: row.reason ?? '' } : null;
}

/** The seller's running offers block (or account block): why and until when, or null. For placement's refusal. */
async function sellerBlockOf(db: Db, sellerId: number): Promise<AccountBlock | null> {
  const s = await standingOf(db, sellerId);
  return s.accountBlock ?? s.offersBlock;
}

async function userExists(db: Db, userId: number): Promise<void> {
  const [row] = await db.sql`select 1 from users where id = ${userId}`;
  if (!row) throw new AppError('not_found', 'no such user');
}

/** A staff sanction (K-58…K-62, K-65): the standing once written. */
async function sanction(deps: SanctionsDeps, staffId: number, userId: number, input: { kind: StaffKind; reason: string; days?: number; reportId?: number }): Promise<StandingView> {
  await userExists(deps.db, userId);
  if (userId === staffId) throw new AppError('rule_violation', 'staff do not sanction themselves');
  const args: SanctionArgs = { staffId, kind: input.kind, reason: input.reason, ...(input.days === undefined ? {} : { days: input.days }), ...(input.reportId === undefined ? {} : { reportId: input.reportId }) };
  return deps.workflows.standing.sanction(userId, args);
}

/** Staff lift a block early: `conflict` when none runs. */
async function lift(deps: SanctionsDeps, staffId: number, userId: number, input: Omit<LiftArgs, 'staffId'>): Promise<StandingView> {
  await userExists(deps.db, userId);
  const s = await standingOf(deps.db, userId);
  if (!s.offersBlock && !s.accountBlock) throw new AppError('conflict', 'no block runs: nothing to lift', { level: s.level });
  return deps.workflows.standing.lift(userId, { staffId, ...input });
}

/** Everyone blocked now, the latest end first. */
async function blockedNow(db: Db): Promise<BlockedUser[]> {
  const rows = await db.sql<{ user_id: string; login: string; level: string; ou: string | null; au: string | null; reason: string | null; handed: string[] | null }[]>`
    select s.user_id, u.login, s.level, s.offers_blocked_until as ou, s.account_blocked_until as au,
      coalesce(s.account_block_reason, s.offers_block_reason) as reason,
      (select array_agg(h.order_id::text order by h.order_id) from support_handovers h where h.user_id = s.user_id) as handed
    from standings s join users u on u.id = s.user_id
    where s.offers_blocked_until is not null or s.account_blocked_until is not null
    order by greatest(s.offers_blocked_until, s.account_blocked_until) desc
    limit 500`;
  return rows.map((r) => ({
    userId: Number(r.user_id),
    login: r.login,
    level: r.level,
    offersBlockedUntil: isoOf(r.ou),
    accountBlockedUntil: isoOf(r.au),
    reason: r.reason,
    workflowId: standingWorkflowId(Number(r.user_id)),
    handedOver: (r.handed ?? []).map(Number),
  }));
}

/**
 * Whom a report is about: the user, the offer's seller, the feedback's author, the message's
 * writer (a message only its conversation's participants may report; to anyone else it is unknown).
 */
async function accusedOf(db: Db, subject: ReportSubject, subjectId: number, reporterId: number): Promise<number> {
  const [row] =
    subject === 'message'
      ? await db.sql<{ id: string }[]>`
          select m.author_id as id from messages m
          join conversation_participants p on p.conversation_id = m.conversation_id and p.user_id = ${reporterId}
          where m.id = ${subjectId}`
      : subject === 'user'
      ? await db.sql<{ id: string }[]>`select id from users where id = ${subjectId}`
      : subject === 'offer'
        ? await db.sql<{ id: string }[]>`select seller_id as id from offers where id = ${subjectId} and status <> 'archived'`
        : await db.sql<{ id: string }[]>`select buyer_id as id from feedback where order_id = ${subjectId}`;
  if (!row) throw new AppError('not_found', `no such ${subject}`);
  return Number(row.id);
}

type ReportRow = { id: string; reporter_id: string | null; subject: ReportSubject; subject_id: string; accused_id: string; reason: string; created_at: string; resolved_at: string | null; resolution: string | null };
const reportOf = (r: ReportRow): Report => ({
  id: Number(r.id),
  reporterId: r.reporter_id === null ? null : Number(r.reporter_id),
  subject: r.subject,
  subjectId: Number(r.subject_id),
  accusedId: Number(r.accused_id),
  reason: r.reason,
  createdAt: isoOf(r.created_at)!,
  resolvedAt: isoOf(r.resolved_at),
  resolution: r.resolution,
});

/** A user reports a user, an offer, a feedback or a message (spam, rudeness); one open report per reporter and subject (`conflict`). */
async function report(deps: SanctionsDeps, reporterId: number, input: { subject: ReportSubject; subjectId: number; reason: string }): Promise<Report> {
  const accusedId = await accusedOf(deps.db, input.subject, input.subjectId, reporterId);
  if (accusedId === reporterId) throw fieldError('body.subjectId', 'you cannot report yourself or what is yours', 'rule_violation');
  const [row] = await deps.db.sql<ReportRow[]>`
    insert into reports (reporter_id, subject, subject_id, accused_id, reason, created_at)
    values (${reporterId}, ${input.subject}, ${input.subjectId}, ${accusedId}, ${input.reason}, ${deps.clock.now().toISOString()}::timestamptz)
    on conflict (reporter_id, subject, subject_id) where resolved_at is null do nothing
    returning *`;
  if (!row) throw new AppError('conflict', 'you reported this already; staff have not resolved it yet', { subject: input.subject, subjectId: input.subjectId });
  return reportOf(row);
}

/** The open reports, oldest first. */
async function queue(db: Db): Promise<Report[]> {
  const rows = await db.sql<ReportRow[]>`select * from reports where resolved_at is null order by created_at, id limit 200`;
  return rows.map(reportOf);
}

/**
 * Staff resolve a report, optionally sanctioning whom it is about (the report's id makes the
 * sanction count once, however often the resolve is retried). A reported message resolved as
 * spam is removed too (K-60: a warning, the spam deleted; a repeat blocks the account). `conflict`
 * once resolved.
 */
async function resolve(
  deps: SanctionsDeps,
  staffId: number,
  reportId: number,
  input: { resolution: string; sanction?: { kind: StaffKind; reason?: string; days?: number } },
): Promise<{ report: Report; standing: StandingView | null }> {
  const [open] = await deps.db.sql<ReportRow[]>`select * from reports where id = ${reportId}`;
  if (!open) throw new AppError('not_found', 'no such report');
  if (open.resolved_at !== null) throw new AppError('conflict', 'this report is resolved already');
  const s = input.sanction;
  const standing = s
    ? await sanction(deps, staffId, Number(open.accused_id), { kind: s.kind, reason: s.reason ?? open.reason, ...(s.days === undefined ? {} : { days: s.days }), reportId })
    : null;
  const now = deps.clock.now().toISOString();
  const row = await deps.db.sql.begin(async (tx) => {
    const [resolved] = await tx<ReportRow[]>`
      update reports set resolved_at = ${now}::timestamptz, resolved_by = ${staffId}, resolution = ${input.resolution}
      where id = ${reportId} and resolved_at is null returning *`;
    // K-60: spam is deleted as well as sanctioned: hidden from both parties, kept for staff.
    if (resolved && resolved.subject === 'message' && s?.kind === 'spam') {
      await tx`update messages set removed_at = ${now}::timestamptz, removed_by = ${staffId} where id = ${resolved.subject_id} and removed_at is null`;
    }
    return resolved;
  });
  if (!row) throw new AppError('conflict', 'this report is resolved already');
  return { report: reportOf(row), standing };
}

export function createSanctions(deps: SanctionsDeps) {
  return {
    standing: (userId: number) => standingOf(deps.db, userId),
    accountBlock: (userId: number) => accountBlockOf(deps.db, userId),
    sellerBlock: (sellerId: number) => sellerBlockOf(deps.db, sellerId),
    sanction: (staffId: number, userId: number, input: Parameters<typeof sanction>[3]) => sanction(deps, staffId, userId, input),
    lift: (staffId: number, userId: number, input: Omit<LiftArgs, 'staffId'>) => lift(deps, staffId, userId, input),
    blockedNow: () => blockedNow(deps.db),
    report: (reporterId: number, input: Parameters<typeof report>[2]) => report(deps, reporterId, input),
    queue: () => queue(deps.db),
    resolve: (staffId: number, reportId: number, input: Parameters<typeof resolve>[3]) => resolve(deps, staffId, reportId, input),
  };
}

export type Sanctions = ReturnType<typeof createSanctions>;
