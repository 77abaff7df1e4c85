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

/**
 * A reconciliation's loop (`services/wallet.ts`, `services/withdrawals.ts`): every `intervalMs`
 * one batch of what has waited over `afterMs` (`batch(before, afterId)`), each going on from
 * the last one's `lastId` (0: start over), so every row gets its turn however many wait and a
 * provider is asked at most a batch's worth each interval; until `signal` aborts.
 */
export async function reconcileInBatches<R extends { lastId: number }>(opts: {
  signal: AbortSignal;
  intervalMs: number;
  afterMs: number;
  now: () => Date;
  batch: (before: Date, afterId: number) => Promise<R>;
  onBatch: (result: R) => unknown;
  onError?: ((err: unknown) => void) | undefined;
}): Promise<void> {
  let afterId = 0;
  await drainUntilAborted({
    signal: opts.signal,
    intervalMs: opts.intervalMs,
    batch: async () => {
      const result = await opts.batch(new Date(opts.now().getTime() - opts.afterMs), afterId);
      afterId = result.lastId;
      opts.onBatch(result);
      return { full: false };
    },
    onError: opts.onError,
  });
}
