import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Workflows that hold because a write failed for good (a data error, a bug): support's list
 * (`GET /staff/attention`). Written by the workflow's `flagAttention` activity when it holds
 * and when staff resolve it; one open row per workflow.
 */
export const workflowAttention = pgTable(
  'workflow_attention',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workflowId: text('workflow_id').notNull(),
    /** `order`, `moderation`: which process, and the id of what it is about. */
    process: text('process').notNull(),
    entityId: bigint('entity_id', { mode: 'number' }).notNull(),
    /** The failure's type (`data_error`, `bug`) and message. */
    failureType: text('failure_type').notNull(),
    reason: text('reason').notNull(),
    flaggedAt: ts('flagged_at').notNull(),
    resolvedAt: ts('resolved_at'),
    resolvedBy: bigint('resolved_by', { mode: 'number' }).references(() => users.id),
    resolution: jsonb('resolution').$type<{ note?: string } | null>(),
  },
  (t) => [
    uniqueIndex('workflow_attention_open').on(t.workflowId).where(sql`resolved_at is null`),
    index('workflow_attention_flagged').on(t.flaggedAt),
  ],
);
