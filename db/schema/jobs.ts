/**
 * Estimated jobs (the WP Kraken model, W-01…W-18). `jobs` is the read model the job workflow's
 * activities keep current (lists, the experts' queue, closed jobs); one job's live state is its
 * workflow's `view` query while it runs, and this row's `view` once it has closed. What happens
 * after a job closes and moves no money — the review (W-15) and "Resume conversation" (W-16) —
 * is written here by the API. The order form's files are `job_attachments` (./attachments.ts).
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, integer, jsonb, pgTable, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** W-06: the fixed-price installation services, ordered and paid at once without an estimate. */
export const jobInstalls = pgTable(
  'job_installs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    priceCents: integer('price_cents').notNull(),
    /** Staff retire an install instead of deleting it: jobs keep pointing at it. */
    active: boolean('active').notNull().default(true),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [check('job_installs_price', sql`${t.priceCents} > 0`)],
);

/** One job: what the client ordered, and its state as the workflow last wrote it. */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind', { enum: ['estimate', 'install'] }).notNull(),
    clientId: bigint('client_id', { mode: 'number' }).notNull().references(() => users.id),
    /** The current expert, or null while nobody has claimed it. */
    expertId: bigint('expert_id', { mode: 'number' }).references(() => users.id),
    installId: bigint('install_id', { mode: 'number' }).references(() => jobInstalls.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    /** W-01: the client's site, as given (http/https only). */
    siteUrl: text('site_url'),
    urgency: text('urgency', { enum: ['low', 'normal', 'high', 'critical'] }).notNull(),
    /** W-05: the client's budget, or null. */
    budgetCents: integer('budget_cents'),
    /** The workflow's status (`workflows/job/messages.ts`). */
    status: text('status').notNull(),
    /** The price the client pays or paid: the install's, or the current estimate's; null before an estimate. */
    priceCents: integer('price_cents'),
    paidCents: integer('paid_cents').notNull().default(0),
    orderedAt: ts('ordered_at').notNull(),
    firstAnswerDueAt: ts('first_answer_due_at'),
    firstAnsweredAt: ts('first_answered_at'),
    autoApproveAt: ts('auto_approve_at'),
    approvedAt: ts('approved_at'),
    closedAt: ts('closed_at'),
    /** The Idempotency-Key of the form's submission: a retried submission finds its job. */
    requestKey: text('request_key'),
    /** The workflow's last view (staff's), so a closed job reads the same as a running one. */
    view: jsonb('view'),
    /** The last event the workflow wrote: a retried write of an older one changes nothing. */
    eventSeq: integer('event_seq').notNull().default(0),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** W-15: the client's review of an approved job, once. */
    reviewStars: smallint('review_stars'),
    reviewComment: text('review_comment'),
    reviewedAt: ts('reviewed_at'),
    /** W-16: "Resume conversation" reopened talk on the closed job (money stays closed). */
    conversationResumedAt: ts('conversation_resumed_at'),
  },
  (t) => [
    index('jobs_client_idx').on(t.clientId, t.id),
    index('jobs_expert_idx').on(t.expertId, t.id),
    // W-02: the experts' queue, most urgent then oldest first.
    index('jobs_queue_idx').on(t.status, t.orderedAt).where(sql`${t.status} = 'open'`),
    uniqueIndex('jobs_request_key').on(t.clientId, t.requestKey).where(sql`${t.requestKey} is not null`),
    check('jobs_kind_install', sql`(${t.kind} = 'install') = (${t.installId} is not null)`),
    check('jobs_budget', sql`${t.budgetCents} is null or ${t.budgetCents} > 0`),
    check('jobs_review_stars', sql`${t.reviewStars} is null or ${t.reviewStars} between 1 and 5`),
  ],
);
