/** Whether each server the platform needs answers (`GET /health`), each probe bounded in time. */
import type { Db } from '../db/client.js';
import type { WorkflowGateway } from './workflow-gateway.js';

// A probe waits at most this long for each server, so a load balancer gets a prompt answer.
const PROBE_TIMEOUT_MS = 2_000;

export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  /** Why the server is unreachable. */
  error?: string;
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return typeof e?.code === 'string' ? `${e.code}: ${message}` : message;
}

async function probe(what: string, run: (signal: AbortSignal) => Promise<unknown>): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(controller.signal),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`));
        }, PROBE_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: describe(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Probes PostgreSQL and Temporal at once. */
export async function checkHealth({ db, workflows }: { db: Db; workflows: Pick<WorkflowGateway, 'ping'> }): Promise<{ postgres: CheckResult; temporal: CheckResult }> {
  const [postgres, temporal] = await Promise.all([probe('PostgreSQL', () => db.sql`select 1`.execute()), probe('Temporal', () => workflows.ping())]);
  return { postgres, temporal };
}
