/**
 * The estimated job workflow's activities (W-01…W-14): whether the order form committed the
 * job, the client's payment into escrow (W-08), and writing one transition — the `jobs` row and
 * its view, the escrow's end, the notices, the job conversation's participants and, at the
 * approval, the invoice (W-14), the affiliate assignment (W-23) and commission (W-25) — in one
 * transaction, idempotently (a local activity is retried until the database answers).
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { earnJobCommissionIn } from '../db/affiliate-commissions.js';
import { assignOnCompletedJob } from '../db/affiliates.js';
import type { Db } from '../db/client.js';
import { issueInvoice, jobInvoiceLine } from '../db/invoices.js';
import { createLedger, type JobEscrowEnd } from '../db/ledger.js';
import { jobOrderLock } from '../db/locks.js';
import { enqueueMailIn } from '../db/outbox.js';
import { sqlOf, type Tx } from '../db/tx.js';
import type * as machine from '../workflows/job/machine.js';
import type { JobStatus, JobView } from '../workflows/job/messages.js';
import { AppError } from '../workflows/lib/errors.js';
import { withClassifiedFailures } from './failures.js';

/** What a job transition asks `recordJobEvent` to write: the job as the transition leaves it, and its effects. */
export interface JobEventRecord {
  jobId: number;
  clientId: number;
  title: string;
  status: JobStatus;
  expertId: number | null;
  priceCents: number | null;
  paidCents: number;
  firstAnswerDueAt: string | null;
  firstAnsweredAt: string | null;
  autoApproveAt: string | null;
  approvedAt: string | null;
  closedAt: string | null;
  /** Staff's view: the row's `view`, which a closed job is read from. */
  view: JobView;
  /** ISO, workflow time: the row's `updated_at` and the notices' time. */
  at: string;
  effects: machine.Effects;
}

/** "Pay now" (W-07, W-08): which job, estimate and price. */
export interface PayJobInput {
  jobId: number;
  clientId: number;
  estimateNumber: number;
  amountCents: number;
  title: string;
}

/** Waits for the order form's transaction to end, then says whether it committed the job. */
async function loadJob(db: Db, input: { jobId: number }): Promise<{ exists: boolean }> {
  await db.sql.begin(async (tx) => jobOrderLock(tx, input.jobId, true));
  const [row] = await db.sql`select 1 from jobs where id = ${input.jobId}`;
  return { exists: row !== undefined };
}

/**
 * W-08: the price from the client's main balance into the job's escrow, once per estimate. A
 * refusal (`insufficient_funds`, with the missing cents) is the client's answer, not retried.
 */
async function payJob(ledger: ReturnType<typeof createLedger>, input: PayJobInput): Promise<void> {
  try {
    await ledger.jobHold({ jobId: input.jobId, estimateNumber: input.estimateNumber, clientId: input.clientId, amount: input.amountCents, description: `Job ${input.jobId}: “${input.title}” paid into escrow` });
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    // Benign: the client's answer, not the worker's trouble (no failure metric).
    throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: true, details: err.details ? [err.details] : [], category: ApplicationFailureCategory.BENIGN });
  }
}

function escrowEndOf(record: JobEventRecord): JobEscrowEnd | null {
  const money = record.effects.money;
  if (!money) return null;
  const jobId = record.jobId;
  if (money.op === 'refund') return { op: 'refund', jobId };
  if (money.op === 'release') return { op: 'release', jobId, expertId: money.expertId, commissionBps: money.commissionBps };
  return { op: 'split', jobId, expertId: money.expertId, refundCents: money.refundCents, commissionBps: money.commissionBps };
}

/** Who each notice reaches: a party, or every active admin and support user, who is emailed too. */
async function recipientsOf(tx: Tx, notices: machine.Notice[]): Promise<{ userId: number; email: string | null; notice: machine.Notice }[]> {
  const out: { userId: number; email: string | null; notice: machine.Notice }[] = [];
  for (const notice of notices) {
    if (notice.to !== 'staff') {
      out.push({ userId: notice.to, email: null, notice });
      continue;
    }
    const staff = await sqlOf(tx)<{ id: string; email: string }[]>`select id, email from users where roles && array['admin', 'support']::text[] and blocked_at is null`;
    for (const user of staff) out.push({ userId: Number(user.id), email: user.email, notice });
  }
  return out;
}

/**
 * W-14, W-18: the approved job's invoice. Without the client's invoicing data it cannot be issued
 * yet: the approval still completes (the expert did the work and auto-approval cannot wait on
 * the client), and the invoice is issued when the client saves the data
 * (`issuePendingJobInvoicesIn`, services/invoicing.ts).
 */
async function invoiceApproved(tx: Tx, record: JobEventRecord, at: string, totalCents: number): Promise<void> {
  try {
    await issueInvoice(tx, {
      jobId: record.jobId,
      clientId: record.clientId,
      lines: [jobInvoiceLine(record.jobId, record.title, totalCents)],
      totalCents,
      issuedAt: new Date(at),
    });
  } catch (err) {
    // Checked before the counter moves: nothing of the invoice was written.
    if (!(err instanceof AppError && err.code === 'rule_violation' && /invoicing data/.test(err.message))) throw err;
  }
}

/**
 * Writes one transition in one transaction, only when it is newer than the row (`event_seq`), so
 * a retry or a late write changes nothing twice: the row, the escrow's end (its ledger key moves
 * it once), the notices (keyed by job and write number; staff's emailed), the expert joining the
 * job conversation (created with the client if missing), and at the approval the invoice and
 * the affiliate writes. A write that cannot succeed fails without a trace, so the workflow keeps
 * its state as the database has it.
 */
async function recordJobEvent(db: Db, ledger: ReturnType<typeof createLedger>, record: JobEventRecord): Promise<void> {
  const { jobId, effects, at } = record;
  await db.orm.transaction(async (tx) => {
    const sql = sqlOf(tx);
    // Timestamps go as ISO strings: drizzle, sharing this postgres.js client, turns off its Date serializer.
    const updated = await sql`
      update jobs set status = ${record.status}, expert_id = ${record.expertId}, price_cents = ${record.priceCents}, paid_cents = ${record.paidCents},
        first_answer_due_at = ${record.firstAnswerDueAt}::timestamptz, first_answered_at = ${record.firstAnsweredAt}::timestamptz,
        auto_approve_at = ${record.autoApproveAt}::timestamptz, approved_at = ${record.approvedAt}::timestamptz, closed_at = ${record.closedAt}::timestamptz,
        view = ${JSON.stringify(record.view)}::jsonb, event_seq = ${effects.seq}, updated_at = ${at}::timestamptz
      where id = ${jobId} and event_seq < ${effects.seq}
      returning id`;
    if (updated.length === 0) return; // an earlier attempt, or a newer write, was here first
    const end = escrowEndOf(record);
    if (end) await ledger.jobSettleIn(sql, end);
    const recipients = await recipientsOf(tx, effects.notices);
    for (const { userId, notice } of recipients) {
      await sql`
        insert into notifications (user_id, kind, text, dedupe_key, created_at)
        values (${userId}, ${notice.kind}, ${notice.text}, ${`job:${jobId}:${effects.seq}:${notice.kind}:${userId}`}, ${at}::timestamptz)
        on conflict (dedupe_key) do nothing`;
    }
    for (const { email, notice } of recipients) {
      if (email !== null) await enqueueMailIn(sql, { kind: notice.kind, to: email, subject: `Job ${jobId}: ${notice.kind.replace(/^job_/, '').replaceAll('_', ' ')}`, body: notice.text });
    }
    if (effects.joins !== null) {
      await sql`
        insert into conversations (kind, job_id, created_at) values ('job', ${jobId}, ${at}::timestamptz)
        on conflict (job_id) where job_id is not null do nothing`;
      await sql`
        insert into conversation_participants (conversation_id, user_id)
        select c.id, u.user_id from conversations c, unnest(${[record.clientId, effects.joins]}::int8[]) as u(user_id)
        where c.job_id = ${jobId}
        on conflict do nothing`;
    }
    if (effects.approval) {
      const { at: approvedAt, totalCents } = effects.approval;
      await invoiceApproved(tx, record, approvedAt, totalCents);
      await assignOnCompletedJob(tx, record.clientId, approvedAt);
      await earnJobCommissionIn(tx, { jobId, clientId: record.clientId, paidCents: totalCents, approvedAtIso: approvedAt });
    }
  });
}

/** The job workflow's activities. */
export function createJobActivities({ db }: { db: Db }) {
  const ledger = createLedger(db);
  return {
    loadJob: withClassifiedFailures((input: { jobId: number }) => loadJob(db, input)),
    recordJobEvent: withClassifiedFailures((record: JobEventRecord) => recordJobEvent(db, ledger, record)),
    payJob: (input: PayJobInput) => payJob(ledger, input),
  };
}

export type JobActivities = ReturnType<typeof createJobActivities>;
