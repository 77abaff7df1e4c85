/**
 * The outbox of workflow starts (`workflow_starts`, db/schema/workflow-starts.ts). A request
 * that begins a process — a placement, a job's order form, a service request, a withdrawal, an
 * individual offer, an offer sent to moderation — writes its rows and queues the workflow's
 * start here in one transaction (`queueStartIn`), and starts the workflow after the commit
 * (`startQueued`); the row goes once Temporal has the workflow. What is left over — Temporal
 * refused or could not be reached, the API stopped between the commit and the start — is
 * started by the client's retry with the same Idempotency-Key (`startQueuedWorkflows` with the
 * workflow ids) or by every worker's sweep (`runWorkflowStarter`), so what a request committed
 * always gets its workflow. A start is idempotent: the gateway answers a workflow that exists
 * already, running or closed, as started, and never starts a second one under the id.
 */
import type postgres from 'postgres';
import { drainUntilAborted } from './batches.js';
import type { Db } from './client.js';
import type { QueuedStart, StartProcess } from './schema/workflow-starts.js';
import { startProcesses } from './schema/workflow-starts.js';

export type { QueuedStart, StartInputs, StartProcess } from './schema/workflow-starts.js';

/** Starts a queued workflow; resolves when it runs (or ran) under its id, rejects when Temporal did not take it. */
export type StartWorkflow = (start: QueuedStart) => Promise<void>;

/**
 * Issue 19 §3: how long a queued start waits before a sweep takes it. A request starts its
 * workflows within itself; a sweep that came sooner would only race it for nothing.
 */
const SWEEP_AFTER_MS = 30_000;
/** How often each worker looks for starts left over. */
const SWEEP_EVERY_MS = 10_000;
/** Starts taken by one sweep, oldest first. */
const SWEEP_BATCH = 50;

/** Queues `start` in the request's transaction `tx`: it commits with the request's rows, or not at all. */
export async function queueStartIn(tx: postgres.TransactionSql, start: QueuedStart, at: Date): Promise<void> {
  await tx`insert into workflow_starts (workflow_id, process, input, created_at)
    values (${start.workflowId}, ${start.process}, ${JSON.stringify(start.input)}::jsonb, ${at.toISOString()}::timestamptz)`;
}

/** Forgets the queued starts of `workflowIds`: their workflows run. */
async function forget(db: Db, workflowIds: string[]): Promise<void> {
  if (workflowIds.length > 0) await db.sql`delete from workflow_starts where workflow_id = any(${workflowIds}::text[])`;
}

/**
 * Starts the workflows a request just committed, then forgets their queued starts. A start
 * Temporal refuses rejects with its error, its row left for a retry or a sweep; the others'
 * rows go all the same.
 */
export async function startQueued(db: Db, start: StartWorkflow, starts: QueuedStart[]): Promise<void> {
  const outcomes = await Promise.allSettled(starts.map((s) => start(s)));
  await forget(db, starts.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((s) => s.workflowId));
  const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (refused) throw refused.reason;
}

/**
 * `startQueued` for a request its client cannot safely retry (no Idempotency-Key: a retry would
 * make a second one). Its rows and queued start are committed, so a start Temporal did not take
 * is left to a worker's sweep, and the request is answered all the same.
 */
export async function startQueuedOrLeave(db: Db, start: StartWorkflow, starts: QueuedStart[]): Promise<void> {
  await startQueued(db, start, starts).catch(() => {});
}

/**
 * Starts what is still queued: of `workflowIds` (a retried request's workflows), or else the
 * oldest starts queued before `before`, one sweep's batch. Answers how many it started; the
 * first refusal rejects, after the others' rows are forgotten.
 */
export async function startQueuedWorkflows(db: Db, start: StartWorkflow, which: { workflowIds: string[] } | { before: Date }): Promise<number> {
  const rows =
    'workflowIds' in which
      ? await db.sql<QueuedStart[]>`select workflow_id as "workflowId", process, input from workflow_starts where workflow_id = any(${which.workflowIds}::text[])`
      : await db.sql<QueuedStart[]>`
          select workflow_id as "workflowId", process, input from workflow_starts
          where created_at < ${which.before.toISOString()}::timestamptz order by created_at limit ${SWEEP_BATCH}`;
  if (rows.length === 0) return 0;
  await startQueued(db, start, [...rows]);
  return rows.length;
}

/**
 * Sweeps the queued starts until `signal` aborts: every `intervalMs`, those queued over
 * `afterMs` ago, batch after batch while there are any. Runs in each worker process; two workers
 * taking the same row start one workflow (the gateway's start is idempotent).
 */
export async function runWorkflowStarter(opts: { db: Db; start: StartWorkflow; signal: AbortSignal; now?: () => Date; intervalMs?: number; afterMs?: number; onStarted?: (count: number) => void; onError?: (err: unknown) => void }): Promise<void> {
  const { db, start, signal, now = () => new Date(), intervalMs = SWEEP_EVERY_MS, afterMs = SWEEP_AFTER_MS } = opts;
  await drainUntilAborted({
    signal,
    intervalMs,
    batch: async () => {
      const started = await startQueuedWorkflows(db, start, { before: new Date(now().getTime() - afterMs) });
      if (started > 0) opts.onStarted?.(started);
      return { full: started === SWEEP_BATCH };
    },
    onError: opts.onError,
  });
}

/** Issue 19 §4: per process, the starts queued longer than the sweep waits (normally none). */
export async function startsWaiting(db: Db): Promise<Record<StartProcess, number>> {
  const rows = await db.sql<{ process: StartProcess; n: number }[]>`
    select process, count(*)::int as n from workflow_starts
    where created_at < now() - make_interval(secs => ${SWEEP_AFTER_MS / 1000}) group by process`;
  const counts = Object.fromEntries(startProcesses.map((p) => [p, 0])) as Record<StartProcess, number>;
  for (const row of rows) counts[row.process] = row.n;
  return counts;
}
