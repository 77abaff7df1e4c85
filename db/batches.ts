/**
 * The loop of a worker's outboxes (mail, `db/outbox.ts`; queued workflow starts,
 * `db/workflow-starts.ts`) and reconciliations with the providers (`services/wallet.ts`,
 * `services/withdrawals.ts`): one batch after another until `signal` aborts, waiting
 * `intervalMs` whenever a batch was not full (nothing more is waiting) or failed (`onError`
 * hears why).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function drainUntilAborted(opts: { signal: AbortSignal; intervalMs: number; batch: () => Promise<{ full: boolean }>; onError?: (err: unknown) => void }): Promise<void> {
  const { signal, intervalMs, batch } = opts;
  while (!signal.aborted) {
    let full = false;
    try {
      ({ full } = await batch());
    } catch (err) {
      opts.onError?.(err);
    }
    // The wait removes its abort listener when it ends: one added per idle second and never
    // removed would pile up for the worker's whole life.
    if (!full) await sleep(intervalMs, undefined, { signal }).catch(() => {});
  }
}
