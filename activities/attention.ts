/**
 * Support's list of held workflows: a workflow whose write failed for good records that it
 * holds, and staff's resolution, here (`workflow_attention`). Idempotent, since a retried
 * activity must not open a second row or close a newer one.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { workflowAttention } from '../db/schema/attention.js';
import type { Attention, ResolveArgs } from '../workflows/lib/process.js';
import { storableText } from '../workflows/lib/text.js';
import { withClassifiedFailures } from './failures.js';

export interface AttentionRecord {
  workflowId: string;
  process: 'order' | 'moderation' | 'withdrawal' | 'standing' | 'request' | 'job';
  entityId: number;
  /** Null: staff resolved the hold (`resolved` says who). */
  attention: Attention | null;
  resolved?: ResolveArgs;
}

/** A failure's message as staff read it: storable whatever it quotes, and of a reasonable length. */
const storable = (text: string): string => storableText(text, 2_000);

async function flagAttention(db: Db, record: AttentionRecord): Promise<void> {
  const open = and(eq(workflowAttention.workflowId, record.workflowId), isNull(workflowAttention.resolvedAt));
  if (record.attention === null) {
    await db.orm
      .update(workflowAttention)
      .set({ resolvedAt: sql`now()`, resolvedBy: record.resolved?.staffId ?? null, resolution: record.resolved?.note ? { note: storable(record.resolved.note) } : null })
      .where(open);
    return;
  }
  // One open row per workflow (a partial unique index): a retry finds it there.
  await db.orm
    .insert(workflowAttention)
    .values({
      workflowId: record.workflowId,
      process: record.process,
      entityId: record.entityId,
      failureType: storable(record.attention.type),
      reason: storable(record.attention.reason),
      flaggedAt: new Date(record.attention.at),
    })
    .onConflictDoNothing();
}

export function createAttentionActivities({ db }: { db: Db }) {
  return {
    flagAttention: withClassifiedFailures((record: AttentionRecord) => flagAttention(db, record)),
  };
}

export type AttentionActivities = ReturnType<typeof createAttentionActivities>;
