/**
 * Support's list of workflows that hold because a write failed for good (a data error, a
 * bug): what failed and since when, and resolving one (the workflow's `resolveAttention`
 * Update: the hold lifts, actions are taken again, a due deadline is tried again).
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { workflowAttention } from '../db/schema/attention.js';
import { AppError } from '../workflows/lib/errors.js';
import { WorkflowGoneError, type WorkflowGateway } from './workflow-gateway.js';

export interface AttentionItem {
  workflowId: string;
  process: string;
  entityId: number;
  failureType: string;
  reason: string;
  flaggedAt: string;
}

/** The workflows holding now, the longest-held first. */
async function holding(db: Db): Promise<AttentionItem[]> {
  const rows = await db.orm.select().from(workflowAttention).where(isNull(workflowAttention.resolvedAt)).orderBy(asc(workflowAttention.flaggedAt)).limit(200);
  return rows.map((r) => ({ workflowId: r.workflowId, process: r.process, entityId: r.entityId, failureType: r.failureType, reason: r.reason, flaggedAt: r.flaggedAt.toISOString() }));
}

/** Staff resolve a hold: the workflow takes actions again and tries a due deadline again. 404 when it does not hold. */
async function resolve(deps: { db: Db; workflows: Pick<WorkflowGateway, 'resolveAttention'> }, workflowId: string, staffId: number, note?: string): Promise<void> {
  const none = new AppError('not_found', 'nothing of this holds for staff');
  const [row] = await deps.db.orm
    .select({ id: workflowAttention.id })
    .from(workflowAttention)
    .where(and(eq(workflowAttention.workflowId, workflowId), isNull(workflowAttention.resolvedAt)));
  if (!row) throw none;
  try {
    await deps.workflows.resolveAttention(workflowId, { staffId, ...(note === undefined ? {} : { note }) });
  } catch (err) {
    throw err instanceof WorkflowGoneError ? none : err;
  }
}

export function createAttention(deps: { db: Db; workflows: Pick<WorkflowGateway, 'resolveAttention'> }) {
  return {
    list: () => holding(deps.db),
    resolve: (workflowId: string, staffId: number, note?: string) => resolve(deps, workflowId, staffId, note),
  };
}

export type AttentionService = ReturnType<typeof createAttention>;
