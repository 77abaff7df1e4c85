/**
 * Service requests (K-44): the read model of each `request-<id>` workflow, which writes every
 * change (the lists, and closed requests, are read from here; a running one's live state from
 * its query). The buyer's posting writes the first row; `seq` orders the workflow's writes.
 * Its answers and files are in `./request-answers.ts` (an answer may name an individual offer,
 * whose table names the request: one file each keeps the imports acyclic).
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { requestStatuses } from '../../workflows/request/messages.js';
import { categories } from './catalog.js';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const serviceRequests = pgTable(
  'service_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    buyerId: bigint('buyer_id', { mode: 'number' }).notNull().references(() => users.id),
    /** A leaf category of the catalog. */
    categoryId: integer('category_id').notNull().references(() => categories.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    /** Integer cents, or null: no budget named. */
    budgetCents: bigint('budget_cents', { mode: 'number' }),
    status: text('status', { enum: requestStatuses }).notNull(),
    /** Why staff rejected it: the buyer reads it. */
    statusReason: text('status_reason'),
    postedAt: ts('posted_at').notNull(),
    approvedAt: ts('approved_at'),
    /** K-44: active until 24 h after the approval. */
    activeUntil: ts('active_until'),
    closedAt: ts('closed_at'),
    answersCount: integer('answers_count').notNull().default(0),
    /** The number of the workflow's last write: an older or repeated one changes nothing. */
    seq: integer('seq').notNull().default(0),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('service_requests_buyer_idx').on(t.buyerId, t.id),
    index('service_requests_status_idx').on(t.status, t.categoryId),
    check('service_requests_budget', sql`${t.budgetCents} is null or ${t.budgetCents} > 0`),
  ],
);
